"""Web pages: the article body (trafilatura) and its metadata (title, url, publication date).

trafilatura is there because separating an article from navigation, comments and
footers is a hard, well-studied problem it solves well on Chinese news pages; lxml
(which it brings) parses the page once more for the metadata, which is read here from
the places news sites put it, in order of trust:

1. ``<meta>`` tags (``article:published_time``, ``pubdate``, ``publishdate`` ...),
2. JSON-LD ``datePublished``,
3. ``<time datetime=...>``,
4. a dateline (``2025年11月18日 09:30 来源：...``) in the text just after the headline.

The result's ``meta`` goes to :meth:`pipeline.core.Pipeline.process`, which takes the
publication date from ``meta["published"]``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import regex

# Meta names and properties that carry the publication time, in order of trust.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "publishdate",
    "publish_date",
    "publish-date",
    "pubdate",
    "pubtime",
    "publishtime",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "date",
    "weibo:article:create_at",
    "created",
)
TITLE_META = ("og:title", "twitter:title", "headline")
URL_META = ("og:url",)
_HTML_START = regex.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", regex.I | regex.S
)
# The dateline near the headline: 2025-11-18 09:30, 2025年11月18日 09:30, 2025/11/18.
_DATELINE = regex.compile(
    r"(?P<y>20\d{2})\s*[-/.年]\s*(?P<m>1[0-2]|0?[1-9])\s*[-/.月]\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*日?"
    r"(?:\s*(?P<H>[01]?\d|2[0-3])[:：](?P<M>[0-5]\d)(?:[:：](?P<S>[0-5]\d))?)?"
)
_DATELINE_WINDOW = 200
_ISO_LIKE = regex.compile(r"^\s*(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:[T ](?P<time>\d{1,2}:\d{2}(?::\d{2})?))?")


@dataclass(frozen=True, slots=True)
class Page:
    """What a web page gives the pipeline: its article text and metadata."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)


def looks_like_html(data: bytes) -> bool:
    """Whether ``data`` starts like an HTML document (doctype, ``<html>``, ``<head>`` or ``<body>``)."""
    return _HTML_START.match(data[:2048]) is not None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def _iso(value: str) -> str | None:
    """An ISO ``YYYY-MM-DDTHH:MM:SS`` string from a date as sites write it; ``None`` if it is not one."""
    value = value.strip()
    m = _ISO_LIKE.match(value)
    if m is not None:
        y, mo, d = (int(p) for p in m["date"].split("-"))
        clock = (m["time"] or "00:00:00").split(":")
        h, mi, s = int(clock[0]), int(clock[1]), int(clock[2]) if len(clock) > 2 else 0
    else:
        found = _DATELINE.search(value)
        if found is None:
            return None
        y, mo, d = int(found["y"]), int(found["m"]), int(found["d"])
        h, mi, s = int(found["H"] or 0), int(found["M"] or 0), int(found["S"] or 0)
    try:
        return datetime(y, mo, d, h, mi, s).isoformat(timespec="seconds")
    except ValueError:
        return None


def _json_ld_dates(tree: Any) -> list[str]:
    """``datePublished`` values of the page's JSON-LD blocks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                found.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            walk(json.loads(script.text or ""))
        except ValueError:
            continue
    return found


def page_metadata(tree: Any) -> dict[str, Any]:
    """Title, canonical url and publication date (ISO) of a parsed page; missing ones are left out."""
    metas: dict[str, str] = {}
    for node in tree.xpath("//meta[@content]"):
        name = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        if name and name not in metas:
            metas[name] = node.get("content") or ""
    meta: dict[str, Any] = {}
    headline = next((_clean(h.text_content()) for h in tree.xpath("//h1")), None)
    title = next((_clean(metas[k]) for k in TITLE_META if _clean(metas.get(k))), None)
    title = title or headline or _clean(next((t.text_content() for t in tree.xpath("//title")), None))
    if title:
        meta["title"] = title
    url = next((_clean(u) for u in tree.xpath('//link[@rel="canonical"]/@href')), None)
    url = url or next((_clean(metas[k]) for k in URL_META if _clean(metas.get(k))), None)
    if url:
        meta["url"] = url
    candidates = [metas[k] for k in PUBLISHED_META if metas.get(k)]
    candidates += _json_ld_dates(tree)
    candidates += [str(v) for v in tree.xpath("//time/@datetime")]
    for value in candidates:
        published = _iso(value)
        if published is not None:
            meta["published"] = published
            meta["published_from"] = "html_meta"
            break
    else:
        published = _headline_dateline(tree, headline)
        if published is not None:
            meta["published"] = published
            meta["published_from"] = "html_dateline"
    return meta


def _headline_dateline(tree: Any, headline: str | None) -> str | None:
    """A dateline in the page text just after the headline (or at the top of the body)."""
    body = tree.find("body")
    if body is None:
        return None
    text = " ".join(body.text_content().split())
    start = text.find(headline) + len(headline) if headline and headline in text else 0
    found = _DATELINE.search(text[start : start + _DATELINE_WINDOW])
    return _iso(found.group()) if found is not None else None


def _strip_noise(tree: Any) -> None:
    for node in tree.xpath("//script|//style|//noscript|//template"):
        node.drop_tree()


def _fallback_body(tree: Any) -> str:
    """The text of ``<article>`` (or ``<body>``), paragraph by paragraph, when trafilatura finds nothing."""
    _strip_noise(tree)
    root = next(iter(tree.xpath("//article")), None) or tree.find("body") or tree
    blocks = [_clean(p.text_content()) for p in root.xpath(".//p|.//h1|.//h2|.//h3|.//li")]
    text = "\n".join(b for b in blocks if b)
    return text or (_clean(root.text_content()) or "")


def extract_page(html_text: str, *, url: str | None = None) -> Page:
    """The article body and metadata of one page (never raises on malformed markup)."""
    import lxml.html
    import trafilatura

    # trafilatura logs every page it finds too short at WARNING: noise in a batch job.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        tree = lxml.html.document_fromstring(html_text)
    except (ValueError, lxml.etree.ParserError):
        return Page("", {})
    meta = page_metadata(tree)
    if url and "url" not in meta:
        meta["url"] = url
    body = None
    # Precision first: on a short news flash the default mode keeps the navigation.
    for precision in (True, False):
        body = trafilatura.extract(
            html_text,
            url=url,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            favor_precision=precision,
        )
        if body and body.strip():
            break
    if not body or not body.strip():
        body = _fallback_body(tree)
    return Page(body.strip(), meta)
