"""The trained NER model: character features, loading, training and evaluation helpers.

The model itself is a spaCy pipeline (``tok2vec`` + ``ner``) over one token per
character, committed under ``pipeline/models/ner/``. It is trained by
``make train-ner`` (``pipeline.training.ner``) and used by the ``ner`` stage.
"""
