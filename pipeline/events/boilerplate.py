"""Boilerplate: the parts of a page that are not the article (``boilerplate`` rules of ``rules/events.yaml``).

News pages carry app promotions, ad lines, disclaimers and lists of related news
(headline, teaser, time stamp). Their headlines tell other stories (马云前脚刚退休…),
so the events stage takes no trigger and no role filler from them.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from pipeline.rulebook.patterns import compile_pattern
from pipeline.rulebook.schemas.events import Boilerplate


class BoilerplateFinder:
    """Finds the boilerplate spans of a text by the ``boilerplate`` rules."""

    def __init__(self, rules: Sequence[Boilerplate]) -> None:
        # Rule-file patterns run within the document's time budget (SafePattern).
        self.rules = [(rule, compile_pattern(rule.pattern, flags=regex.MULTILINE, rule_id=rule.id)) for rule in rules]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The boilerplate of ``text``: sorted, non-overlapping ``[start, end)`` spans of whole lines."""
        found: list[tuple[int, int]] = []
        for rule, pattern in self.rules:
            for m in pattern.finditer(text):
                start = text.rfind("\n", 0, m.start()) + 1
                if rule.min_line and text.count("\n", 0, start) < rule.min_line:
                    continue
                if rule.to_end:
                    found.append((start, len(text)))
                    break
                end = text.find("\n", max(m.end() - 1, m.start()))
                found.append((start, len(text) if end < 0 else end))
        return merge_spans(found)


def merge_spans(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted union of ``[start, end)`` spans (touching spans join)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def inside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """True when ``[start, end)`` overlaps one of the sorted ``spans``."""
    return any(s < end and start < e for s, e in spans) if spans else False
