"""What both HTML views share: the page shell, highlighted text, and SVG bar charts.

Pages are self-contained (inline CSS, inline SVG, a few lines of inline script, no
fonts or files fetched), so a report can be mailed or archived as one file. The font
stack names the CJK faces of every common platform and ends in the generic family.
"""

from __future__ import annotations

import heapq
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CJK_FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "PingFang SC", '
    '"Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback", '
    "system-ui, sans-serif"
)
LABEL_COLOURS = {
    "DATE": "#cfe3ff",
    "AMOUNT": "#d4f5d0",
    "ORG": "#ffe1b8",
    "PERSON": "#f0d5ff",
    "PRODUCT": "#c9f1f0",
}
_DEFAULT_COLOUR = "#e8e8e8"

BASE_CSS = f"""
:root {{ color-scheme: light; }}
body {{ font-family: {CJK_FONT_STACK}; margin: 0 auto; max-width: 1100px; padding: 1.2rem 1.5rem 3rem;
  color: #1d1d1f; background: #fff; line-height: 1.6; }}
h1 {{ font-size: 1.35rem; margin: 0.2rem 0 0.6rem; }}
h2 {{ font-size: 1.1rem; margin: 1.8rem 0 0.6rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }}
h3 {{ font-size: 1rem; margin: 1.2rem 0 0.4rem; }}
.meta {{ color: #555; font-size: 0.9rem; }}
.meta code, td code {{ font-size: 0.85rem; }}
table {{ border-collapse: collapse; font-size: 0.88rem; margin: 0.4rem 0 1rem; }}
th, td {{ border: 1px solid #ddd; padding: 0.25rem 0.5rem; vertical-align: top; text-align: left; }}
th {{ background: #f5f5f7; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.doc {{ white-space: pre-wrap; word-break: break-all; font-size: 1.02rem; line-height: 2.1; padding: 0.8rem 1rem;
  border: 1px solid #e2e2e2; border-radius: 6px; background: #fcfcfc; }}
mark, .hl {{ position: relative; border-radius: 3px; padding: 0.05rem 0.05rem; }}
[data-tip]:hover::after {{ content: attr(data-tip); position: absolute; left: 0; top: 100%; z-index: 10;
  white-space: pre; font-size: 0.78rem; line-height: 1.35; color: #fff; background: #333; padding: 0.3rem 0.5rem;
  border-radius: 4px; pointer-events: none; }}
:target {{ outline: 2px solid #e4572e; outline-offset: 1px; }}
.legend span {{ display: inline-block; margin-right: 0.6rem; padding: 0 0.35rem; border-radius: 3px;
  font-size: 0.85rem; }}
.pill {{ display: inline-block; padding: 0 0.4rem; border-radius: 9px; background: #eee; font-size: 0.78rem; }}
.bad {{ color: #b3261e; }} .good {{ color: #1b7f3b; }}
details > summary {{ cursor: pointer; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 1rem; }}
.chart {{ border: 1px solid #e2e2e2; border-radius: 6px; padding: 0.4rem 0.6rem; }}
.chart h4 {{ margin: 0 0 0.2rem; font-size: 0.9rem; }}
"""
_LABEL_CSS = "".join(f"mark.m-{label} {{ background: {colour}; }}\n" for label, colour in LABEL_COLOURS.items())


def esc(text: object) -> str:
    """HTML-escape ``text`` (quotes included, for attributes)."""
    return html.escape(str(text), quote=True)


def page(title: str, body: str, *, css: str = "", script: str = "") -> str:
    """A complete HTML5 document with the shared style, ``css`` and ``script`` inline."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{BASE_CSS}{_LABEL_CSS}{css}</style>\n</head>\n"
        f"<body>\n{body}\n" + (f"<script>\n{script}\n</script>\n" if script else "") + "</body>\n</html>\n"
    )


@dataclass(frozen=True, slots=True)
class Mark:
    """A span of text to wrap in an element: ``<tag class=... attrs...>``.

    ``key`` identifies the mark when it has to be split (a span that crosses
    another is cut into pieces; the first piece carries ``id``, every piece the attrs).
    """

    start: int
    end: int
    tag: str = "mark"
    classes: tuple[str, ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()
    id: str | None = None


def _open(mark: Mark, first: bool) -> str:
    parts = [mark.tag]
    if mark.id and first:
        parts.append(f'id="{esc(mark.id)}"')
    if mark.classes:
        parts.append(f'class="{esc(" ".join(mark.classes))}"')
    parts += [f'{name}="{esc(value)}"' for name, value in mark.attrs]
    if not first:
        parts.append('data-part="next"')
    return "<" + " ".join(parts) + ">"


def marked_text(text: str, marks: Iterable[Mark]) -> str:
    """``text`` escaped, with every mark wrapped around its span.

    Marks nest when one contains another; a mark that crosses an open one is split at
    the crossing point, so the result is always well-formed HTML.
    """
    heap: list[tuple[int, int, int, Mark, bool]] = []
    for order, mark in enumerate(marks):
        start, end = max(0, mark.start), min(len(text), mark.end)
        if end > start:
            heapq.heappush(heap, (start, -end, order, mark, True))
    out: list[str] = []
    stack: list[tuple[int, Mark]] = []
    pos = 0

    def close_until(limit: int) -> None:
        nonlocal pos
        while stack and stack[-1][0] <= limit:
            end, mark = stack.pop()
            out.append(esc(text[pos:end]))
            pos = end
            out.append(f"</{mark.tag}>")

    while heap:
        start, neg_end, order, mark, first = heapq.heappop(heap)
        end = -neg_end
        close_until(start)
        out.append(esc(text[pos:start]))
        pos = start
        if stack and stack[-1][0] < end:
            cut = stack[-1][0]
            heapq.heappush(heap, (cut, -end, order, mark, False))
            end = cut
        out.append(_open(mark, first))
        stack.append((end, mark))
    close_until(len(text))
    out.append(esc(text[pos:]))
    return "".join(out)


def bar_chart(
    title: str, bars: Sequence[tuple[str, float]], *, width: int = 260, bar_height: int = 16, colour: str = "#4f7fd9"
) -> str:
    """A horizontal bar chart (values in [0, 1]) as inline SVG with its numbers written on it."""
    label_width = max((len(name) for name, _ in bars), default=4) * 8 + 10
    plot = width - label_width - 40
    height = len(bars) * (bar_height + 6) + 6
    rows = []
    for i, (name, value) in enumerate(bars):
        y = 4 + i * (bar_height + 6)
        length = max(0.0, min(1.0, value)) * plot
        rows.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 4}" text-anchor="end" font-size="12">{esc(name)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{plot}" height="{bar_height}" fill="#eef0f4"/>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}">'
            f"<title>{esc(name)}: {value:.3f}</title></rect>"
            f'<text x="{label_width + plot + 4}" y="{y + bar_height - 4}" font-size="12">{value:.3f}</text>'
        )
    return (
        f'<div class="chart"><h4>{esc(title)}</h4>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(title)}">{"".join(rows)}</svg></div>'
    )
