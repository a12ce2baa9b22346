"""Self-contained HTML views: one document's record (``zhpipe show``) and evaluation reports."""
