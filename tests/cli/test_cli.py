"""The zhpipe command line: extract, normalize, run (in a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "articles" / "000_18f992a553737757.txt"


def zhpipe(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], input=stdin, capture_output=True, check=False, cwd=ROOT
    )


def test_extract_prints_utf8_json() -> None:
    result = zhpipe("extract", str(SEED), "--doc-date", "2025-11-01")
    assert result.returncode == 0, result.stderr.decode()
    assert "智谱" in result.stdout.decode("utf-8")  # not ASCII-escaped
    record = json.loads(result.stdout)
    assert record["doc_date"]["origin"] == "argument"
    assert any(m["label"] == "PRODUCT" and m["text"] == "GLM-4" for m in record["mentions"])


def test_extract_reads_stdin() -> None:
    result = zhpipe("extract", "-", stdin="2024年1月，智谱推出GLM-4。".encode())
    assert result.returncode == 0
    assert json.loads(result.stdout)["mentions"]


def test_extract_names_a_missing_file() -> None:
    result = zhpipe("extract", "no/such/file.txt")
    assert result.returncode != 0
    assert b"no/such/file.txt" in result.stderr


def test_run_writes_every_output(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_bytes(SEED.read_bytes())
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "feed.jsonl").write_text(
        json.dumps(
            {"id": "f1", "text": "7月，浦东创投集团联合投资10亿元。", "published": "2025-08-01"}, ensure_ascii=False
        )
        + "\nnot json\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = zhpipe("run", str(inputs), "--out", str(out), "--format", "jsonl,parquet,csv")
    assert result.returncode == 0, result.stderr.decode()
    summary = result.stdout.decode()
    assert "documents: 2" in summary and "failures: 2" in summary
    records = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["doc_id"] for r in records} >= {"f1"}
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {f["code"] for f in failures} == {"E101", "E106"}
    assert all(f["source"] and f["message"] for f in failures)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["documents"] == 2 and manifest["rules"] and manifest["versions"]["python"]
    for name in ("mentions", "events"):
        assert len(pd.read_parquet(out / f"{name}.parquet")) == len(pd.read_csv(out / f"{name}.csv"))
    strict = zhpipe("run", str(inputs), "--out", str(tmp_path / "out2"), "--strict")
    assert strict.returncode == 1
