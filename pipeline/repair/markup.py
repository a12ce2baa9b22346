"""HTML entities (numeric, named, double-escaped) and stray tags."""

from __future__ import annotations

import html

import regex

from pipeline.offsets import Edit

_ENTITY = regex.compile(r"&(?:amp;)*(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BLOCK_TAGS = "br|p|div|li|tr|h[1-6]|section|article|blockquote"
_INLINE_TAGS = (
    "a|span|strong|b|i|em|u|font|img|sup|sub|small|big|td|th|table|tbody|thead|ul|ol|"
    "center|figure|figcaption|header|footer|iframe|video|source|section|article|p|div|br|li|tr|h[1-6]|blockquote"
)
_TAG = regex.compile(rf"</?(?:{_INLINE_TAGS})(?:\s[^<>]*)?/?>", regex.IGNORECASE)
_BLOCK = regex.compile(rf"</?(?:{_BLOCK_TAGS})\b", regex.IGNORECASE)


def _unescape_fully(entity: str) -> str:
    """Unescape repeatedly, so ``&amp;lt;`` becomes ``<``; stop when nothing changes."""
    current = entity
    for _ in range(4):
        nxt = html.unescape(current)
        if nxt == current:
            break
        current = nxt
    return current


def entity_edits(text: str) -> list[Edit]:
    """Propose replacing each known HTML entity by its character; unknown ones stay."""
    if "&" not in text:
        return []
    edits = []
    for m in _ENTITY.finditer(text):
        value = _unescape_fully(m.group())
        if value != m.group():
            edits.append(Edit(m.start(), m.end(), value, "html_entity", "normalize.html_entity"))
    return edits


def tag_edits(text: str) -> list[Edit]:
    """Propose removing stray HTML tags; block tags become a line break."""
    if "<" not in text:
        return []
    edits = []
    for m in _TAG.finditer(text):
        is_block = _BLOCK.match(m.group()) is not None
        edits.append(Edit(m.start(), m.end(), "\n" if is_block else "", "html_tag", "normalize.html_tag"))
    return edits
