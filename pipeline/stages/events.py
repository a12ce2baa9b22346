"""The events stage: business events with their arguments (see :mod:`pipeline.events.extractor`).

Options (``Pipeline.build(**options)``):

- ``events_model``: ``True`` (default) uses the committed models under
  ``pipeline/models/events`` (sentence classifier and role model) together with the
  trigger rules; ``False`` runs the rules alone; a path uses models from that folder.
  A missing model is a :class:`~pipeline.errors.ModelError` (E301) naming
  ``make train-events``.
- ``events_gate``: the document gate (:mod:`pipeline.events.gate`). By default the
  ``gate.json`` of the model folder when there is one (with the models only);
  ``False`` runs without it; a path reads that file; an
  :class:`~pipeline.events.gate.EventGate` is used as it is (cross-validation).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.events.extractor import EventExtractor
from pipeline.events.gate import EventGate
from pipeline.events.model import DEFAULT_MODEL_DIR, EventTypeModel
from pipeline.events.roles import RoleModel
from pipeline.stages.base import StageContext, WorkDoc, stage_factory


def _models(context: StageContext) -> tuple[EventTypeModel | None, RoleModel | None]:
    option = context.options.get("events_model", True)
    if option is False or option is None:
        return None, None
    root = DEFAULT_MODEL_DIR if option is True else Path(str(option))

    def load() -> tuple[EventTypeModel, RoleModel]:
        return EventTypeModel(root / "types"), RoleModel(root / "roles")

    models: tuple[EventTypeModel, RoleModel] = context.shared(f"events_models:{root}", load)
    return models


def _gate(context: StageContext) -> EventGate | None:
    option = context.options.get("events_gate", True)
    model = context.options.get("events_model", True)
    if option is False or option is None or model is False or model is None:
        return None
    if isinstance(option, EventGate):
        return option
    if option is True:
        path = (DEFAULT_MODEL_DIR if model is True else Path(str(model))) / "gate.json"
        if not path.exists():
            return None
    else:
        path = Path(str(option))
    gate: EventGate = context.shared(f"events_gate:{path}", lambda: EventGate.load(path))
    return gate


@stage_factory("events")
def make_events_stage(context: StageContext) -> EventsStage:
    """Build the events stage (trigger rules, plus the models unless ``events_model=False``)."""
    type_model, role_model = _models(context)
    return EventsStage(EventExtractor.from_rulebook(context.rulebook, type_model, role_model, _gate(context)))


class EventsStage:
    """Fills ``events`` from the trigger rules, the models and the final mentions."""

    name = "events"
    requires: tuple[str, ...] = ("text", "mentions")
    assigns: tuple[str, ...] = ("events",)

    def __init__(self, extractor: EventExtractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: WorkDoc) -> None:
        """Extract the events of ``doc``."""
        doc.events = self.extractor.extract(doc)
