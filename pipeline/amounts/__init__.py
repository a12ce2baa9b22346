"""Amounts: money, percentages, counts and shares with exact decimal values.

The stage (:mod:`pipeline.stages.amounts`) is a thin wrapper around
:class:`AmountExtractor`; the work is split in three modules:

- :mod:`~pipeline.amounts.grammar` compiles an ``amounts`` rule file into one scanner
  (every rule a branch) and a left-context reader that runs backwards;
- :mod:`~pipeline.amounts.resolve` turns a match into an
  :class:`~pipeline.records.AmountValue` (value, bounds, currency, qualifier, unit);
- :mod:`~pipeline.amounts.extractor` scans a text and puts the two together.
"""

from __future__ import annotations

from pipeline.amounts.extractor import AmountExtractor, Found
from pipeline.amounts.grammar import Grammar, GrammarError, build_grammar
from pipeline.amounts.resolve import LeftContext, Resolver, Unparsable

__all__ = [
    "AmountExtractor",
    "Found",
    "Grammar",
    "GrammarError",
    "LeftContext",
    "Resolver",
    "Unparsable",
    "build_grammar",
]
