"""Web pages: article body and metadata (title, url, publication date)."""

from __future__ import annotations

import lxml.html
import pytest

from pipeline.io.html import extract_page, looks_like_html, page_metadata

BODY = (
    "<p>11月18日，宁德时代在福建宁德举行发布会，正式推出新一代麒麟电池。公司董事长曾毓群表示，该产品将于明年量产。</p>"
)


def _page(head: str = "", body: str = BODY, headline: str = "宁德时代发布新电池") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{headline}_财经_新浪网</title>{head}</head>"
        f"<body><div class='nav'><a href='/'>首页</a> | <a href='/f'>财经</a></div>"
        f"<div class='article'><h1>{headline}</h1>{body}</div>"
        "<div class='footer'>版权所有 © 2025 京ICP证000007号</div><script>var x='脚本';</script></body></html>"
    )


def _meta(html: str) -> dict[str, object]:
    return page_metadata(lxml.html.document_fromstring(html), html)


@pytest.mark.parametrize(
    ("head", "published"),
    [
        ('<meta property="article:published_time" content="2025-11-18T09:30:00+08:00">', "2025-11-18T09:30:00"),
        ('<meta name="pubdate" content="2025-11-18 09:30">', "2025-11-18T09:30:00"),
        ('<meta name="publishdate" content="2025年11月18日">', "2025-11-18T00:00:00"),
        ('<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2025-11-17T08:00:00Z"}</script>',
         "2025-11-17T16:00:00"),  # UTC, read on Beijing's clock
    ],
    ids=["article-meta", "pubdate", "chinese-date", "json-ld"],
)  # fmt: skip
def test_publication_date_from_the_head(head: str, published: str) -> None:
    meta = _meta(_page(head))
    assert meta["published"] == published and meta["published_from"] == "html_meta"


def test_publication_date_from_a_time_element_or_the_dateline() -> None:
    timed = _page(body=f"<time datetime='2025-11-16T10:00:00'>昨天</time>{BODY}")
    assert _meta(timed)["published"] == "2025-11-16T10:00:00"
    dated = _page(body=f"<div class='info'>2025年11月15日 14:05 来源：新浪财经</div>{BODY}")
    meta = _meta(dated)
    assert meta["published"] == "2025-11-15T14:05:00" and meta["published_from"] == "html_dateline"
    assert "published" not in _meta(_page())


def test_title_and_url() -> None:
    head = '<meta property="og:title" content="宁德时代发布麒麟电池"><link rel="canonical" href="https://f.example.cn/a.html">'
    meta = _meta(_page(head))
    assert meta["title"] == "宁德时代发布麒麟电池" and meta["url"] == "https://f.example.cn/a.html"
    assert _meta(_page())["title"] == "宁德时代发布新电池"  # the headline before the <title> with site suffix


def test_body_keeps_the_article_and_drops_navigation_footer_and_scripts() -> None:
    page = extract_page(_page())
    assert "宁德时代在福建宁德举行发布会" in page.text
    for noise in ("首页", "版权所有", "脚本"):
        assert noise not in page.text


def test_pages_with_almost_no_markup_fall_back_to_their_paragraphs() -> None:
    page = extract_page("<html><body><p>短讯：比亚迪发布新车。</p></body></html>")
    assert "比亚迪发布新车" in page.text


def test_html_is_recognised_by_its_start() -> None:
    assert looks_like_html(b"  <!DOCTYPE html><html>")
    assert looks_like_html(b"<?xml version='1.0'?>\n<html xmlns='x'>")
    assert not looks_like_html("华为发布<b>新手机</b>".encode())
