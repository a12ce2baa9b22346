"""Business events: fillers, the trigger-rule extractor, the models, training and scoring.

The events stage (:mod:`pipeline.stages.events`) is a thin wrapper around
:class:`pipeline.events.extractor.EventExtractor`.
"""
