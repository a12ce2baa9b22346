"""Pipeline stages, one module each; importing this package registers their factories."""

from __future__ import annotations

from pipeline.stages import amounts, dates, entities, events, mentions, ner, normalize, segment  # noqa: F401 - registration

# The default order. Each stage declares what it requires and assigns; the pipeline
# checks the order when it is built.
DEFAULT_STAGES: tuple[str, ...] = ("normalize", "segment", "dates", "amounts", "entities", "ner", "mentions", "events")

__all__ = ["DEFAULT_STAGES"]
