"""Web pages: the article body (trafilatura) and its metadata (title, url, publication date).

trafilatura is there because separating an article from navigation, comments and
footers is a hard, well-studied problem it solves well on Chinese news pages; lxml
(which it brings) parses the page once more for the title and canonical url. The
publication date comes from :mod:`pipeline.dates.metadata` (``<meta>`` tags, JSON-LD
``datePublished``, ``<time datetime>``, read on Beijing's clock), and failing those
from a dateline (``2025年11月18日 09:30 来源：...``) just after the headline, which
the article body often leaves out.

The result's ``meta`` goes to :meth:`pipeline.core.Pipeline.process`, which takes the
publication date from ``meta["published"]``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import regex

from pipeline.dates.metadata import date_from_html_meta, dateline

TITLE_META = ("og:title", "twitter:title", "headline")
URL_META = ("og:url",)
_HTML_START = regex.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", regex.I | regex.S
)
# How far after the headline a dateline is looked for.
_DATELINE_WINDOW = 200


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


def page_metadata(tree: Any, html_text: str) -> dict[str, Any]:
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
    published, origin = date_from_html_meta(html_text), "html_meta"
    if published is None:
        published, origin = _headline_dateline(tree, headline), "html_dateline"
    if published is not None:
        meta["published"] = published.isoformat(timespec="seconds")
        meta["published_from"] = origin
    return meta


def _headline_dateline(tree: Any, headline: str | None) -> datetime | None:
    """A dateline in the page text just after the headline (or at the top of the body)."""
    body = tree.find("body")
    if body is None:
        return None
    text = " ".join(body.text_content().split())
    start = text.find(headline) + len(headline) if headline and headline in text else 0
    return dateline(text[start : start + _DATELINE_WINDOW])


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
    meta = page_metadata(tree, html_text)
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
