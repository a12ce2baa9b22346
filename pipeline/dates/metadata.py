"""The publication date of a document from its metadata: feed fields, HTML meta tags, datelines.

``pipeline.core`` uses these in order of trust: a date the caller gives, then a feed
field (``published`` ...), an HTML ``<meta>`` tag (or JSON-LD ``datePublished``, or
``<time datetime>``), then a dateline near the top of the text
(``2025-11-20 10:31 发布``, ``发布时间：2025年11月20日``). The batch reader that
pulls article bodies out of HTML (issue 8) calls :func:`date_from_html_meta` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import regex

# Feed fields that carry a publication date, in order of trust.
DATE_FIELDS = (
    "published",
    "published_at",
    "publish_time",
    "publish_date",
    "pubdate",
    "pub_date",
    "pubtime",
    "release_time",
    "date",
    "datetime",
    "time",
    "created_at",
    "ctime",
)
# <meta> names/properties that carry the publication date, most specific first.
META_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish_date",
    "publication_date",
    "og:release_date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "date",
    "article:modified_time",
)
_META_TAG = regex.compile(r"<meta\b[^>]*>", regex.IGNORECASE)
_ATTR = regex.compile(r"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_JSON_LD = regex.compile(r'"datePublished"\s*:\s*"([^"]+)"')
_TIME_TAG = regex.compile(r"<time\b[^>]*\bdatetime\s*=\s*[\"']([^\"']+)[\"']", regex.IGNORECASE)
_HTML_HINT = regex.compile(r"<(?:!doctype|html|head|meta|body|article|div|p)\b", regex.IGNORECASE)

# A date with an optional time: 2025-11-20 10:31, 2025/11/20, 2025年11月20日 10:31:05, 20251120.
_DATE_TEXT = (
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.年]\s*(?P<m>1[0-2]|0?[1-9])\s*[-/.月]\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*日?"
    r"|(?P<m2>1[0-2]|0[1-9])(?P<d2>3[01]|[12]\d|0[1-9]))"
    r"(?:[\sT]*(?P<H>[01]?\d|2[0-3])\s*[:：时]\s*(?P<M>[0-5]\d)(?:\s*[:：分]\s*(?P<S>[0-5]\d))?)?"
)
_LOOSE_DATE = regex.compile(_DATE_TEXT)
# A dateline: a date on a line near the top, alone or with 发布/来源/| around it.
_DATELINE = regex.compile(
    r"(?:(?:发布|发表|更新|出版)(?:时间|日期)\s*[:：]?\s*)?(?<![\d])" + _DATE_TEXT
    + r"(?=\s*(?:发布|来源|[|丨]|$|\s|[（(]?(?:来源|编辑|作者)))",
    regex.MULTILINE,
)  # fmt: skip
DATELINE_WINDOW = 300
_BEIJING = timezone(timedelta(hours=8))
# RSS dates: Tue, 18 Nov 2025 09:00:00 +0800.
_RFC2822 = regex.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s")


def beijing_wall_time(when: datetime) -> datetime:
    """A naive datetime on Beijing's clock (aware times are converted; naive ones are kept)."""
    if when.tzinfo is None:
        return when
    return when.astimezone(_BEIJING).replace(tzinfo=None)


def parse_loose(text: str) -> datetime | None:
    """A datetime from ``2025-11-20T10:31:00+08:00``, ``Tue, 18 Nov 2025 09:00:00 +0800``, ``2025年11月20日 10:31``.

    Times with a zone are read on Beijing's clock (the news' own), so that 今天 is the
    day the article's readers saw. Returns ``None`` when ``text`` holds no date.
    """
    text = text.strip()
    if not text:
        return None
    try:
        return beijing_wall_time(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    if _RFC2822.match(text):
        try:
            return beijing_wall_time(parsedate_to_datetime(text))
        except (TypeError, ValueError):
            pass
    m = _LOOSE_DATE.search(text)
    return _from_match(m) if m is not None else None


def _from_match(m: regex.Match[str]) -> datetime | None:
    month = m["m"] or m["m2"]
    day = m["d"] or m["d2"]
    try:
        return datetime(int(m["y"]), int(month), int(day), int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0))
    except (TypeError, ValueError):
        return None


def looks_like_html(text: str) -> bool:
    """Whether ``text`` is an HTML document or fragment (tags near the start)."""
    return _HTML_HINT.search(text[:2000]) is not None


def date_from_html_meta(html: str) -> datetime | None:
    """The publication date an HTML page declares: ``<meta>`` tags, JSON-LD, then ``<time datetime>``.

    Returns ``None`` when the page declares none (or none that parses).
    """
    found: dict[str, datetime] = {}
    for tag in _META_TAG.finditer(html):
        attrs = {k.lower(): (a or b or c) for k, a, b, c in _ATTR.findall(tag.group(0))}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key in META_KEYS and key not in found:
            when = parse_loose(attrs.get("content") or "")
            if when is not None:
                found[key] = when
    for key in META_KEYS:
        if key in found:
            return found[key]
    m = _JSON_LD.search(html)
    if m is not None and (when := parse_loose(m.group(1))) is not None:
        return when
    m = _TIME_TAG.search(html)
    return parse_loose(m.group(1)) if m is not None else None


def dateline(text: str, window: int = DATELINE_WINDOW) -> datetime | None:
    """A publication dateline in the first ``window`` characters of ``text``, if there is one."""
    for m in _DATELINE.finditer(text[:window]):
        when = _from_match(m)
        if when is not None:
            return when
    return None


def _norm_key(key: str) -> str:
    return str(key).lower().replace("_", "").replace("-", "")


def date_from_fields(meta: Mapping[str, Any]) -> tuple[str, datetime] | None:
    """The first feed field of :data:`DATE_FIELDS` holding a date: ``(field, datetime)``.

    Field names match whatever their case and separators (``pubDate``, ``Publish-Time``).
    """
    if not meta:
        return None  # most documents come without metadata
    by_norm = {_norm_key(k): k for k in meta}
    for wanted in DATE_FIELDS:
        key = by_norm.get(_norm_key(wanted))
        if key is None:
            continue
        value = meta.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, datetime):
            return key, value.replace(tzinfo=None)
        if isinstance(value, date):
            return key, datetime(value.year, value.month, value.day)
        if isinstance(value, int | float) and 1e9 <= value < 1e13:
            # Unix time in seconds or milliseconds, read as Beijing time (the news' own
            # clock), never the machine's zone, so every machine reads it alike.
            seconds = value / 1000 if value >= 1e11 else value
            return key, datetime.fromtimestamp(seconds, tz=_BEIJING).replace(tzinfo=None)
        when = parse_loose(str(value))
        if when is not None:
            return key, when
    return None
