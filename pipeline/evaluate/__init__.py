"""Evaluation against gold annotations (``zhpipe eval``) and the gold tools (``zhpipe gold``).

Modules: :mod:`~pipeline.evaluate.gold` (the gold format, validated with pydantic),
:mod:`~pipeline.evaluate.importers` (the shared-data JSONL format), :mod:`~pipeline.evaluate.runner`
(predictions: run the pipeline or read records), :mod:`~pipeline.evaluate.align` (offsets across
differing texts), :mod:`~pipeline.evaluate.scoring` (nervaluate schemes, values, DuEE-fin tuples,
errors), :mod:`~pipeline.evaluate.report` (metrics.json, the terminal table, the F1 gate) and
:mod:`~pipeline.evaluate.annotate` (annotation sources: surfaces in, offsets out).
"""

from __future__ import annotations

from pipeline.evaluate.gold import GoldSet, load_gold, load_gold_files
from pipeline.evaluate.model import EvalDoc, EvalEvent, EvalMention, from_record
from pipeline.evaluate.report import EvalResult, check_gate, evaluate

__all__ = [
    "EvalDoc",
    "EvalEvent",
    "EvalMention",
    "EvalResult",
    "GoldSet",
    "check_gate",
    "evaluate",
    "from_record",
    "load_gold",
    "load_gold_files",
]
