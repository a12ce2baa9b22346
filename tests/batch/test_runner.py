"""End-to-end batch runs in this process (one worker) and with a process pool."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.batch import RunOptions, run_batch
from pipeline.batch.runner import STATE_DB, folder_lock
from pipeline.cli import load_commands
from pipeline.errors import OutputError
from tests.batch.conftest import EXPECTED_FAILURES, GOOD_INPUTS, write_articles

app = load_commands()


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]


def sources(out: Path) -> Counter[str]:
    return Counter(r["source"] for r in records(out))


def failures(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "failures.jsonl").read_text(encoding="utf-8").splitlines()]


def options(inputs: list[Path], out: Path, **kw: object) -> RunOptions:
    return RunOptions(inputs=[str(p) for p in inputs], out_dir=out, workers=1, **kw)  # type: ignore[arg-type]


def test_run_writes_every_output_and_records_each_failure(news_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = run_batch(options([news_dir], out, formats=["jsonl", "parquet", "csv"]))
    docs = records(out)
    assert len(docs) == GOOD_INPUTS
    assert all(n == 1 for n in sources(out).values())
    assert {f["code"] for f in failures(out)} == EXPECTED_FAILURES
    for f in failures(out):
        assert f["message"].startswith(f"[{f['code']}]") and str(news_dir) in f["source"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == report.manifest
    assert manifest["counts"]["documents"] == GOOD_INPUTS
    assert manifest["counts"]["failures"] == len(EXPECTED_FAILURES)
    assert manifest["rules"] and all(len(h) == 64 for h in manifest["rules"].values())
    assert "zhpipe" in manifest["versions"]
    for name in ("documents_table", "mentions", "events"):
        for fmt in ("jsonl", "parquet", "csv"):
            assert (out / f"{name}.{fmt}").exists()
    mentions = pd.read_parquet(out / "mentions.parquet")
    by_label = mentions["label"].value_counts().to_dict()
    assert by_label == manifest["counts"]["mentions"]
    assert sum(len(d["mentions"]) for d in docs) == len(mentions)
    assert len(pd.read_csv(out / "mentions.csv")) == len(mentions)
    assert sum(1 for _ in (out / "mentions.jsonl").open()) == len(mentions)
    events = pd.read_parquet(out / "events.parquet")
    assert (
        events.drop_duplicates(["doc_id", "event_id"])["type"].value_counts().to_dict() == manifest["counts"]["events"]
    )
    feed = {d["doc_id"]: d for d in docs if d["source"].startswith(str(news_dir / "feed.jsonl"))}
    assert set(feed) == {"f1", "f2"}
    assert feed["f1"]["doc_date"] == {"value": "2025-11-19T00:00:00", "origin": "metadata"}
    assert feed["f2"]["meta"]["title"] == "百度任命新CTO"
    page = next(d for d in docs if d["source"].endswith("page.html"))
    assert "海尔智家昨日宣布收购一家欧洲家电企业" in page["text"] and "首页" not in page["text"]
    assert page["doc_date"] == {"value": "2025-11-16T08:00:00", "origin": "metadata"}
    assert page["meta"]["title"] == "海尔智家宣布收购"
    gbk = next(d for d in docs if d["source"].endswith("gbk.txt"))
    assert gbk["normalization"]["encoding"] == "gb18030" and gbk["text"].startswith("联想集团")


def test_rerun_processes_only_new_or_changed_inputs(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    paths = write_articles(folder, 4)
    out = tmp_path / "out"
    first = run_batch(options([folder], out)).stats
    assert (first.processed, first.unchanged) == (4, 0)

    again = run_batch(options([folder], out)).stats
    assert (again.processed, again.unchanged) == (0, 4)

    paths[0].write_text("招商银行发布公告，拟发行200亿元永续债。", encoding="utf-8")
    paths[1].touch()  # same content, new mtime: read and compared, not reprocessed
    write_articles(folder / "more", 1)
    third = run_batch(options([folder], out)).stats
    assert (third.processed, third.unchanged) == (2, 3)
    docs = records(out)
    assert len(docs) == 5 and all(n == 1 for n in sources(out).values())
    assert next(d for d in docs if d["source"] == str(paths[0]))["text"].startswith("招商银行")

    forced = run_batch(options([folder], out, force=True)).stats
    assert forced.processed == 5
    assert len(records(out)) == 5


def test_inputs_named_twice_are_processed_once(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in", 2)
    out = tmp_path / "out"
    stats = run_batch(options([tmp_path / "in", paths[0], tmp_path / "in" / "*.txt"], out)).stats
    assert stats.processed == 2 and stats.duplicates == 3
    assert len(records(out)) == 2


def test_outputs_accumulate_across_runs_and_prune_drops_the_rest(tmp_path: Path) -> None:
    day1 = write_articles(tmp_path / "day1", 2)
    day2 = tmp_path / "day2"
    write_articles(day2, 3)
    out = tmp_path / "out"
    run_batch(options([tmp_path / "day1"], out))
    run_batch(options([day2], out))
    assert len(records(out)) == 5
    stats = run_batch(options([day2], out, prune=True)).stats
    assert stats.pruned == 2
    assert {Path(s).parent for s in sources(out)} == {day2}
    assert not any(str(p) in sources(out) for p in day1)


def test_changed_rules_reprocess_everything(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 2)
    out = tmp_path / "out"
    run_batch(options([tmp_path / "in"], out))
    overlay = tmp_path / "rules"
    overlay.mkdir()
    (overlay / "lexicon.yaml").write_text("kind: lexicon\nwords:\n  - word: 折叠屏手机\n", encoding="utf-8")
    stats = run_batch(options([tmp_path / "in"], out, rules=[str(overlay)])).stats
    assert stats.processed == 2
    assert len(records(out)) == 2


def test_failed_inputs_are_retried_only_when_asked_or_changed(news_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_batch(options([news_dir / "bad"], out))
    again = run_batch(options([news_dir / "bad"], out)).stats
    assert again.processed == 0 and again.failed == 0
    (news_dir / "bad" / "empty.txt").write_text("海尔智家宣布收购一家欧洲家电企业。", encoding="utf-8")
    fixed = run_batch(options([news_dir / "bad"], out)).stats
    assert fixed.processed == 1
    assert {f["code"] for f in failures(out)} == {"E102", "E103", "E104", "E105"}
    retried = run_batch(options([news_dir / "bad"], out, retry_failed=True)).stats
    assert retried.failed == 2  # binary and undecodable are read again (size and stat failures are listing-time)


def test_pool_of_two_workers_gives_the_same_records(news_dir: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    run_batch(options([news_dir], one))
    run_batch(RunOptions(inputs=[str(news_dir)], out_dir=two, workers=2, chunk_docs=2))
    assert sorted(records(one), key=lambda r: r["doc_id"]) == sorted(records(two), key=lambda r: r["doc_id"])
    assert failures(one) == failures(two)
    assert len(list((two / "parts").iterdir())) > 1


def test_output_folder_is_locked_by_a_run(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 1)
    out = tmp_path / "out"
    with folder_lock(out), pytest.raises(OutputError, match=r"\[E503\]"):
        run_batch(options([tmp_path / "in"], out))


def test_state_database_is_sqlite_in_wal_mode(tmp_path: Path) -> None:
    paths = write_articles(tmp_path / "in", 2)
    out = tmp_path / "out"
    run_batch(options([tmp_path / "in"], out))
    conn = sqlite3.connect(out / STATE_DB)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rows = conn.execute("SELECT key, status, content_hash, part FROM inputs ORDER BY key").fetchall()
    assert [r[0] for r in rows] == [str(p.resolve()) for p in paths]
    assert all(r[1] == "done" and len(r[2]) == 32 and (out / "parts" / r[3]).is_dir() for r in rows)


def test_a_lost_part_is_processed_again(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 3)
    out = tmp_path / "out"
    run_batch(options([tmp_path / "in"], out, chunk_docs=1))
    victim = sorted((out / "parts").iterdir())[1]
    for f in victim.iterdir():
        f.unlink()
    victim.rmdir()
    stats = run_batch(options([tmp_path / "in"], out, chunk_docs=1)).stats
    assert stats.recovered == 1 and stats.processed == 1
    assert len(records(out)) == 3


def test_interrupted_compaction_is_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_articles(tmp_path / "in", 3)
    out = tmp_path / "out"
    from pipeline.batch import compact

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(compact, "part_table", broken)
        with pytest.raises(KeyboardInterrupt):
            run_batch(options([tmp_path / "in"], out))
    assert not (out / "manifest.json").exists()
    stats = run_batch(options([tmp_path / "in"], out)).stats
    assert stats.processed == 0
    assert len(records(out)) == 3
    assert not list(out.glob(".*.tmp"))


def test_cli_run_summary_and_strict_exit_code(news_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(news_dir), "--out", str(out), "--workers", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"documents: {GOOD_INPUTS}" in result.output
    assert "mentions: " in result.output and "events: " in result.output
    assert f"failures: {len(EXPECTED_FAILURES)}" in result.output
    strict = runner.invoke(app, ["run", str(news_dir), "--out", str(out), "--workers", "1", "--strict"])
    assert strict.exit_code == 1
    small = runner.invoke(app, ["run", str(news_dir), "--out", str(tmp_path / "o2"), "-w", "1", "--max-size", "40"])
    assert small.exit_code == 0
    assert sum(f["code"] == "E104" for f in failures(tmp_path / "o2")) > 1
    bad = runner.invoke(app, ["run", str(news_dir), "--out", str(out), "--format", "xml"])
    assert bad.exit_code == 2 and "E501" in bad.output


def test_cli_reads_a_jsonl_feed_from_stdin(tmp_path: Path) -> None:
    feed = "\n".join(
        json.dumps({"id": f"s{i}", "text": t}, ensure_ascii=False)
        for i, t in enumerate(["格力电器宣布分红50亿元。", "蔚来汽车发布新车型。"])
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", "-", "--out", str(out), "-w", "1"], input=feed + "\nnope\n")
    assert result.exit_code == 0, result.output
    assert sorted(r["doc_id"] for r in records(out)) == ["s0", "s1"]
    assert [f["code"] for f in failures(out)] == ["E106"]


def test_output_folder_inside_the_input_folder_is_not_read(tmp_path: Path) -> None:
    write_articles(tmp_path, 2)
    run_batch(options([tmp_path], tmp_path / "out"))
    stats = run_batch(options([tmp_path], tmp_path / "out")).stats
    assert stats.seen == 2


def test_progress_bar_only_for_a_terminal_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from pipeline.batch.runner import progress_enabled

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert progress_enabled()
    monkeypatch.setenv("CI", "true")
    assert not progress_enabled()
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not progress_enabled()


def test_progress_bar_counts_every_input(news_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_batch(options([news_dir], tmp_path / "out", progress=True))
    err = capsys.readouterr().err
    total = GOOD_INPUTS + len(EXPECTED_FAILURES)  # one input per failure code
    assert f"{total}/{total}" in err


def test_size_option_parsing() -> None:
    from pipeline.cli.run import parse_size
    from pipeline.errors import PipelineError

    assert parse_size("50MB") == 50 * 1024**2
    assert parse_size("512k") == 512 * 1024
    assert parse_size("1.5GiB") == int(1.5 * 1024**3)
    assert parse_size("100") == 100
    with pytest.raises(PipelineError, match="E508"):
        parse_size("lots")


def test_an_output_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 1)
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(OutputError, match=r"\[E502\].*out"):
        run_batch(options([tmp_path / "in"], tmp_path / "out"))


def test_cli_run_takes_inputs_out_and_options_from_a_run_config(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 2)
    config = tmp_path / "run.toml"
    config.write_text('inputs = ["in"]\nout = "out"\nformat = "jsonl"\npattern_timeout = 2.5\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["run", "--config", str(config), "-w", "1"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"] == str(config) and manifest["pattern_timeout"] == 2.5
    assert manifest["counts"]["documents"] == 2 and (tmp_path / "out" / "mentions.jsonl").exists()
    assert not (tmp_path / "out" / "mentions.parquet").exists()
    # Another pattern budget is another pipeline: the inputs count as changed.
    again = runner.invoke(app, ["run", "--config", str(config), "-w", "1", "--pattern-timeout", "3"])
    assert "2 processed" in again.output
    missing = runner.invoke(app, ["run", "-w", "1"])
    assert missing.exit_code == 2 and "needs INPUT" in missing.output
