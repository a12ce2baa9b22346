"""The amounts stage: money, percentages, counts and shares with exact decimal values.

Patterns come from ``kind: amounts`` rule files (``rules/amounts.yaml``); the work is
done by :class:`pipeline.amounts.AmountExtractor`. Every mention carries the id of the
rule that found it (``rule:amounts.money``).
"""

from __future__ import annotations

from pipeline.amounts import AmountExtractor, GrammarError
from pipeline.errors import ErrorCode, RuleError
from pipeline.rulebook.loader import Rulebook
from pipeline.rulebook.schemas.amounts import AmountsFile
from pipeline.rulebook.yamlsrc import line_of
from pipeline.stages.base import Candidate, StageContext, WorkDoc, stage_factory

# Amounts whose currency was not written (估值200亿) are less certain than the rest.
IMPLIED_CONFIDENCE = 0.9


def extractor_from_rulebook(rulebook: Rulebook) -> AmountExtractor:
    """Build the extractor from the merged ``amounts`` rules.

    Raises:
        RuleError: a pattern does not compile (E204, naming the file, line and rule).

    """
    rules = rulebook.get("amounts")
    model = rules if isinstance(rules, AmountsFile) else AmountsFile(kind="amounts")
    overlay_rules = frozenset(
        rule.id for f in rulebook.files if f.layer > 0 and isinstance(f.model, AmountsFile) for rule in f.model.rules
    )
    try:
        return AmountExtractor(model, overlay_rules=overlay_rules)
    except GrammarError as exc:
        raise _rule_error(rulebook, exc) from None


def _rule_error(rulebook: Rulebook, exc: GrammarError) -> RuleError:
    """Point a pattern that does not compile at the file and line that define it."""
    for loaded in rulebook.files:
        if not isinstance(loaded.model, AmountsFile):
            continue
        for i, rule in enumerate(loaded.model.rules):
            if rule.id == exc.rule_id:
                line = line_of(loaded.path, ("rules", i, *exc.field.split("."))) or 1
                return RuleError(ErrorCode.E204, path=loaded.path, line=line, rule_id=exc.rule_id, detail=exc.detail)
    path = next((f.path for f in rulebook.files if isinstance(f.model, AmountsFile)), "amounts rules")
    return RuleError(ErrorCode.E204, path=path, line=1, rule_id=exc.rule_id, detail=f"{exc.field}: {exc.detail}")


@stage_factory("amounts")
def make_amounts_stage(context: StageContext) -> AmountsStage:
    """Build the amounts stage from the ``amounts`` rules."""
    return AmountsStage(extractor_from_rulebook(context.rulebook))


class AmountsStage:
    """Adds AMOUNT candidates."""

    name = "amounts"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("candidates",)

    def __init__(self, extractor: AmountExtractor) -> None:
        self.extractor = extractor

    def __call__(self, doc: WorkDoc) -> None:
        """Find the amounts of ``doc``."""
        note = doc.note if doc.trace is not None else None
        for found in self.extractor.iter_found(doc.text, note):
            confidence = IMPLIED_CONFIDENCE if found.value.currency_implied else 1.0
            doc.candidates.append(
                Candidate(
                    "AMOUNT", found.start, found.end, found.value, f"rule:{found.rule_id}", found.priority, confidence
                )
            )


__all__ = ["AmountExtractor", "AmountsStage", "extractor_from_rulebook", "make_amounts_stage"]
