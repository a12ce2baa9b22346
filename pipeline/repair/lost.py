"""Lost bytes: U+FFFD runs and their GBK look-alikes (锟斤拷), marked, never "repaired".

When bytes are gone nothing can bring them back: guessing a character would put a
confident-looking error into the text. The span is marked instead (a repair of kind
``lost`` with confidence 0), so extractors can lower their confidence there.
"""

from __future__ import annotations

import regex

# U+FFFD runs; 锟斤拷 is UTF-8 EF BF BD EF BF BD (two U+FFFD) read as GBK; 烫烫烫 and
# 屯屯屯 are the fill bytes of uninitialised memory (0xCC, 0xCD) read as GBK.
LOST = regex.compile(r"\ufffd+|(?:锟斤拷|烫烫烫|屯屯屯)+")


def lost_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that stand for lost bytes."""
    if "\ufffd" not in text and "锟" not in text and "烫" not in text and "屯" not in text:
        return []
    return [m.span() for m in LOST.finditer(text)]
