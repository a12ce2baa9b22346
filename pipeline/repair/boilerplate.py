"""Remove platform boilerplate (image placeholders, disclaimer footers) named in the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import regex

from pipeline.offsets import Edit


@dataclass(frozen=True, slots=True)
class BoilerplatePattern:
    """A compiled boilerplate rule."""

    rule_id: str
    pattern: regex.Pattern[str]
    kind: str


def boilerplate_edits(text: str, shadow: str, patterns: Sequence[BoilerplatePattern]) -> list[Edit]:
    """Propose deleting every match of every pattern.

    Matching runs on ``shadow``, a Simplified copy of ``text`` of the same length, so
    rules written in Simplified also catch Traditional pages. A match that covers a
    whole line takes its line break with it.
    """
    spans: list[tuple[int, int, BoilerplatePattern]] = []
    for rule in patterns:
        for m in rule.pattern.finditer(shadow, timeout=1.0):
            start, end = m.span()
            if start == end:
                continue
            line_start = start == 0 or shadow[start - 1] == "\n"
            if line_start and end < len(shadow) and shadow[end] == "\n":
                end += 1
            elif line_start and end == len(shadow) and start > 0:
                start -= 1  # the last line: drop the break before it instead
            spans.append((start, end, rule))
    # Adjacent lines of boilerplate (a footer in two languages) become one deletion.
    spans.sort(key=lambda item: item[0])
    edits: list[Edit] = []
    for start, end, rule in spans:
        if edits and start <= edits[-1].end:
            last = edits[-1]
            edits[-1] = Edit(last.start, max(last.end, end), "", last.kind, last.source)
            continue
        edits.append(Edit(start, end, "", rule.kind, rule.rule_id))
    return edits
