"""``zhpipe show``: look at one document's record: highlighted mentions, events, repairs."""
