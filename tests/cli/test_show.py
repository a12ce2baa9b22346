"""``zhpipe show``: terminal and HTML views, and the page rendered in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import load_commands
from pipeline.render.browser import console_errors, find_chromium, run_chromium

app = load_commands()

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "articles" / "000_18f992a553737757.txt"
runner = CliRunner()


@pytest.fixture(scope="module")
def seed_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("show")
    record = runner.invoke(app, ["extract", str(SEED), "--doc-date", "2025-11-01"])
    assert record.exit_code == 0, record.stderr
    (out / "seed.json").write_text(record.stdout, encoding="utf-8")
    result = runner.invoke(app, ["show", str(out / "seed.json"), "--html", str(out / "seed.html")])
    assert result.exit_code == 0, result.stderr
    return out / "seed.html", json.loads(record.stdout)


def test_html_page_highlights_every_mention(seed_page: tuple[Path, dict[str, object]]) -> None:
    page, record = seed_page
    html = page.read_text(encoding="utf-8")
    mentions = record["mentions"]
    assert isinstance(mentions, list)
    assert len(set(re.findall(r'data-mention="([^"]+)"', html))) == len(mentions)
    assert "Normalisation repairs" in html and "pinyin_annotation" in html
    assert "<h2>Events</h2><table" in html


def test_an_article_is_processed_and_shown_in_the_terminal() -> None:
    result = runner.invoke(app, ["show", str(SEED), "--doc-date", "2025-11-01"])
    assert result.exit_code == 0, result.stderr
    assert "智谱" in result.stdout and "Mentions" in result.stdout and "Events" in result.stdout


def test_one_record_of_a_documents_file(tmp_path: Path) -> None:
    rows = [
        {"doc_id": n, "text": t, "mentions": [], "events": [], "normalization": {"repairs": []}}
        for n, t in (("a", "甲"), ("b", "乙"))
    ]
    (tmp_path / "documents.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    result = runner.invoke(
        app, ["show", str(tmp_path / "documents.jsonl"), "--doc-id", "b", "--html", str(tmp_path / "b.html")]
    )
    assert result.exit_code == 0, result.stderr
    assert "<h1>b</h1>" in (tmp_path / "b.html").read_text(encoding="utf-8")
    result = runner.invoke(app, ["show", str(tmp_path / "documents.jsonl"), "--doc-id", "z"])
    assert result.exit_code == 2 and "no record with doc_id 'z'" in result.stderr


def test_the_seed_page_renders_in_headless_chromium(seed_page: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    if find_chromium() is None:
        pytest.skip(
            "Chromium is not installed and `make test` could not install it (`apt-get install -y chromium` "
            "needs root and the Debian mirror); install it to run the browser test"
        )
    page, record = seed_page
    run = run_chromium(page, dump_dom=True)
    assert run.returncode == 0, run.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", run.stdout)
    assert body is not None, run.stdout[:500]
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))
    assert attributes.get("data-rendered") == "yes", "the page script did not run"
    assert "data-errors" not in attributes, attributes.get("data-errors")
    assert console_errors(run.stderr) == []
    mentions = record["mentions"]
    assert isinstance(mentions, list)
    assert attributes["data-mentions"] == str(len(mentions))
    shot = tmp_path / "seed.png"
    run = run_chromium(page, screenshot=shot, window=(1280, 1000))
    assert run.returncode == 0 and shot.read_bytes().startswith(b"\x89PNG")


def test_screenshot_without_chromium_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHPIPE_CHROMIUM", str(tmp_path / "no-such-browser"))
    result = runner.invoke(app, ["show", str(SEED), "--screenshot", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert "cannot take a screenshot: no Chromium found" in result.stderr
    assert shutil.which("no-such-browser") is None
