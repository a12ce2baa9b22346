"""Small inputs for batch tests: short news items written for these tests, and bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ARTICLES = [
    "华为技术有限公司11月18日在深圳发布新款折叠屏手机，起售价9999元。",
    "腾讯控股昨日公告称，公司于2025年11月17日回购股份100万股，耗资约4.2亿港元。",
    "宁德时代前三季度实现营业收入2831亿元，同比增长8.3%，净利润490亿元。",
    "小米集团宣布与北京汽车集团达成战略合作，双方将在智能驾驶领域共同研发。",
    "比亚迪股份有限公司董事长王传福表示，公司2025年销量有望突破500万辆。",
    "阿里巴巴集团今天发布通义千问新一代大模型，并宣布面向企业用户开放。",
    "京东物流计划裁员约3000人，涉及华东和华南地区多个分拣中心。",
    "中芯国际2025年第三季度亏损2.1亿美元，管理层预计第四季度将扭亏为盈。",
]
FEED = [
    {"id": "f1", "text": "美团于2025年11月19日宣布完成新一轮融资，金额约20亿美元。", "published": "2025-11-19"},
    {"id": "f2", "text": "百度公司任命张三为首席技术官，自12月1日起生效。", "title": "百度任命新CTO"},
]
PAGE = (
    "<!doctype html><html><head><title>海尔收购_财经</title>"
    '<meta name="pubdate" content="2025-11-16 08:00"></head><body><div>首页 | 财经</div>'
    "<article><h1>海尔智家宣布收购</h1><p>海尔智家昨日宣布收购一家欧洲家电企业，交易金额约5亿欧元。</p></article>"
    "</body></html>"
)


def write_articles(folder: Path, count: int = len(ARTICLES)) -> list[Path]:
    """Write ``count`` article files (cycling through ARTICLES with a numbered suffix)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        text = ARTICLES[i % len(ARTICLES)] + ("" if i < len(ARTICLES) else f"（第{i}条）")
        path = folder / f"a{i:03d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def news_dir(tmp_path: Path) -> Path:
    """A folder of good articles, a feed, and one input of each failing kind."""
    root = tmp_path / "in"
    write_articles(root / "articles")
    (root / "articles" / "gbk.txt").write_bytes("联想集团发布2025财年第二季度业绩，营收同比增长12%。".encode("gbk"))
    (root / "page.html").write_text(PAGE, encoding="utf-8")
    lines = [json.dumps(r, ensure_ascii=False) for r in FEED]
    (root / "feed.jsonl").write_text("\n".join([lines[0], "{not json", lines[1]]) + "\n", encoding="utf-8")
    bad = root / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (bad / "undecodable.txt").write_bytes(bytes([0x80, 0xFF, 0xA0, 0xFE, 0x81, 0xFF]) * 200)
    with (bad / "huge.txt").open("wb") as fh:  # sparse: 100 MB without writing them
        fh.truncate(100 * 1024 * 1024)
    os.symlink(root / "missing-target.txt", bad / "unreadable.txt")
    return root


EXPECTED_FAILURES = {"E101", "E102", "E103", "E104", "E105", "E106"}
GOOD_INPUTS = len(ARTICLES) + 1 + len(FEED) + 1
