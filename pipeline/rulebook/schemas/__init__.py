"""Rule file schemas (pydantic), one module per family, and the kind -> schema table."""

from __future__ import annotations

from pipeline.rulebook.schemas.amounts import AmountsFile
from pipeline.rulebook.schemas.base import RuleFile
from pipeline.rulebook.schemas.dates import DatesFile
from pipeline.rulebook.schemas.entities import GazetteerFile, OrgPatternsFile, PersonsFile, ProductsFile
from pipeline.rulebook.schemas.events import EventsFile
from pipeline.rulebook.schemas.lexicon import LexiconFile
from pipeline.rulebook.schemas.normalize import NormalizeFile

KIND_SCHEMAS: dict[str, type[RuleFile]] = {
    "normalize": NormalizeFile,
    "lexicon": LexiconFile,
    "dates": DatesFile,
    "amounts": AmountsFile,
    "gazetteer": GazetteerFile,
    "org_patterns": OrgPatternsFile,
    "persons": PersonsFile,
    "products": ProductsFile,
    "events": EventsFile,
}

__all__ = ["KIND_SCHEMAS", "RuleFile"]
