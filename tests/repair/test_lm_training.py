"""The trainer's pruning options (pipeline/training/lm.py), used to measure other models, and the model it ships."""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from pipeline.repair.lm import CharLM
from pipeline.training.lm import MIN_COUNTS, ONCE_CAP, _min_count, main, train

# Every character seen at least twice (rarer ones are "unknown"); 京上海 and 人去上 once.
LINES = ["我们在北京工作。"] * 2 + ["我们在上海工作。"] * 2 + ["北京上海"] + ["有人在北京。"] * 3
LINES += ["有人去上海。", "我们去北京。"]
ONCE = {2: 1, 3: 1, 4: 2, 5: 2}  # bigrams and trigrams seen once kept


def _model(lines: list[str], min_counts: dict[int, int] | None = None, once_cap: float = ONCE_CAP) -> CharLM:
    arrays = train(lines, min_counts=min_counts, once_cap=once_cap)
    stats = arrays.pop("_stats")
    assert isinstance(stats, dict)
    arrays["ambiguity"] = np.asarray(json.dumps({}))
    arrays["meta"] = np.asarray(json.dumps({"format": 2, "scale": 0.08, "sources": [], **stats}))
    return CharLM.from_arrays(arrays)


def test_trigrams_seen_once_are_kept_when_asked() -> None:
    # 北京上 and 京上 are seen once: kept, the model expects 上 after 北京 more than the
    # shipped pruning (every level twice) does.
    kept, pruned = _model(LINES, ONCE), _model(LINES)
    assert kept.info().trigrams > pruned.info().trigrams
    assert float(kept.per_symbol("上", "北京")[0]) > float(pruned.per_symbol("上", "北京")[0]) + 1.0


def test_a_gram_seen_once_stands_at_most_the_cap_above_its_back_off() -> None:
    # 人去上 is seen once, after a context seen once: uncapped, the model all but promises
    # 上 there (the fluke that turned 管理层全权负责 into 管理层人去负责 in a measured model).
    capped, uncapped, pruned = _model(LINES, ONCE, 1.0), _model(LINES, ONCE), _model(LINES)
    after = {
        name: float(model.per_symbol("上", "人去")[0])
        for name, model in (("capped", capped), ("uncapped", uncapped), ("pruned", pruned))
    }
    assert after["pruned"] < after["capped"] < after["uncapped"] - 0.5


def test_a_level_keeps_only_grams_seen_as_often_as_it_asks() -> None:
    # With 5-grams asking three sightings, 们在北京工 seen twice does not stay; seen three times it does.
    strict = {**MIN_COUNTS, 5: 3}
    twice, thrice = _model(LINES, strict), _model([*LINES, "我们在北京工作。"], strict)
    assert thrice.info().grams[3] > twice.info().grams[3]
    assert float(thrice.per_symbol("工", "们在北京")[0]) > float(twice.per_symbol("工", "们在北京")[0])


def test_min_count_option() -> None:
    assert _min_count("3=1") == (3, 1)
    for bad in ("3", "1=2", "x=1", "3=-1"):
        with pytest.raises(argparse.ArgumentTypeError):
            _min_count(bad)


def test_the_options_reach_the_model_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data" / "cluener2020"
    data.mkdir(parents=True)
    (data / "train.jsonl").write_text(
        "".join(json.dumps({"text": line}, ensure_ascii=False) + "\n" for line in LINES), encoding="utf-8"
    )
    monkeypatch.setattr("pipeline.training.lm.ambiguity_table", lambda counts: {})
    out = tmp_path / "lm.npz"
    main(["--out", str(out), "--data", str(tmp_path / "data"), "--order", "4", "--min-count", "3=1"])
    main(["--out", str(tmp_path / "capped.npz"), "--data", str(tmp_path / "data"), "--once-cap", "1.5"])
    meta = json.loads(str(np.load(out)["meta"]))
    assert meta["order"] == 4 and meta["min_counts"] == {"char": 2, "2": 2, "3": 1, "4": 2}
    assert "once_cap" not in meta  # no cap: the meta of the shipped model stays as it was
    assert json.loads(str(np.load(tmp_path / "capped.npz")["meta"]))["once_cap"] == 1.5
    assert CharLM.load(out).order == 4


def test_the_shipped_model_is_the_trainers_with_its_defaults() -> None:
    # ``make train-lm`` with the trainer's defaults made the packaged file (issue #3: a few MB).
    path = Path(str(resources.files("pipeline.repair") / "charlm.npz"))
    assert path.stat().st_size < 6_000_000
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
    assert meta["order"] == 5
    assert meta["min_counts"] == {"char": 2, **{str(k): v for k, v in MIN_COUNTS.items()}}
    assert "once_cap" not in meta
    assert np.isinf(ONCE_CAP)
