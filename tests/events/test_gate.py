"""The learned document gate (pipeline/events/gate.py): fitting, its data file, and the extractor's last step."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pipeline.core import Pipeline
from pipeline.events.gate import EventGate, Logistic, fit
from pipeline.events.model import DEFAULT_MODEL_DIR
from pipeline.stages.events import EventsStage
from tests.events.conftest import event_types

pytest.importorskip("spacy")

BUYBACK = "贵州茅台回购股份\n贵州茅台公告，公司于2020年5月28日回购股份100万股，支付总金额3亿元。"
LAYOFF = "小米宣布裁员\n小米公司宣布裁员300人，涉及手机部门。"


def _rows(n: int, seed: int) -> tuple[list[dict[str, float]], list[bool]]:
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        label = rng.random() < 0.7
        # "score" tells the label apart (with overlap); "noise" does not; "constant" never varies.
        rows.append({"score": rng.gauss(1.0 if label else -1.0, 1.0), "noise": rng.gauss(0, 1), "constant": 3.0})
        labels.append(label)
    return rows, labels


def test_fit_learns_the_informative_feature_and_is_deterministic() -> None:
    rows, labels = _rows(400, seed=1)
    model = fit(rows, labels)
    again = fit(rows, labels)
    assert model == again
    weights = dict(zip(model.features, model.weights, strict=True))
    assert weights["score"] > 1.0
    assert abs(weights["noise"]) < 0.5 * weights["score"]
    assert weights["constant"] == 0.0  # standardised away, not a division by zero
    assert model.probability({"score": 2.0, "constant": 3.0}) > 0.9
    assert model.probability({"score": -2.0, "constant": 3.0}) < 0.2
    # Calibrated on held-out rows: the mean probability is near the positive share.
    test_rows, test_labels = _rows(400, seed=2)
    mean = sum(model.probability(r) for r in test_rows) / len(test_rows)
    assert abs(mean - sum(test_labels) / len(test_labels)) < 0.06


def test_a_stronger_penalty_shrinks_the_weights() -> None:
    rows, labels = _rows(200, seed=3)
    loose, tight = fit(rows, labels, l2=0.1), fit(rows, labels, l2=100.0)
    assert abs(tight.weights[tight.features.index("score")]) < abs(loose.weights[loose.features.index("score")])


def test_a_gate_is_the_same_after_save_and_load(tmp_path: Path) -> None:
    rows, labels = _rows(200, seed=4)
    gate = EventGate(fit(rows, labels), fit(rows, [not x for x in labels]), 0.2, 0.3, {"note": "test"})
    path = tmp_path / "gate.json"
    gate.save(path)
    loaded = EventGate.load(path)
    assert (loaded.document_threshold, loaded.event_threshold, loaded.meta) == (0.2, 0.3, {"note": "test"})
    assert loaded.document is not None and loaded.event is not None
    assert gate.document is not None and gate.event is not None
    for row in rows[:20]:
        assert loaded.document.probability(row) == pytest.approx(gate.document.probability(row), abs=1e-5)
        assert loaded.event.probability(row) == pytest.approx(gate.event.probability(row), abs=1e-5)


def test_the_committed_gate_is_fitted_and_switched_off() -> None:
    # It ships off: on cross-validation it removes none of the no-event false positives
    # at any threshold that keeps both F1s (docs/events.md).
    data = json.loads((DEFAULT_MODEL_DIR / "gate.json").read_text(encoding="utf-8"))
    gate = EventGate.load(DEFAULT_MODEL_DIR / "gate.json")
    assert not gate.active()
    assert gate.document is not None and gate.event is not None
    assert data["meta"]["documents"] > 500 and "score" in gate.event.features


def _never_believes() -> Logistic:
    return Logistic(["score"], [0.0], [1.0], [0.0], -5.0)


def test_an_event_below_the_event_threshold_is_dropped_only_when_the_gate_is_on() -> None:
    assert event_types(Pipeline.build(), BUYBACK) == {"股份回购"}
    off = Pipeline.build(events_gate=EventGate(event=_never_believes(), event_threshold=0.0))
    assert event_types(off, BUYBACK) == {"股份回购"}
    on = Pipeline.build(events_gate=EventGate(event=_never_believes(), event_threshold=0.5))
    assert event_types(on, BUYBACK) == set()
    run = on.process_traced(BUYBACK)
    assert any(t.action == "dropped" and "gate" in t.detail for t in run.trace)
    # Types DuEE-fin does not annotate have no labels to learn from: never gated.
    assert "裁员" in event_types(on, LAYOFF)


def test_a_document_below_the_document_threshold_loses_its_events() -> None:
    unsure = Logistic(["doc_score"], [0.0], [1.0], [0.0], -5.0)
    on = Pipeline.build(events_gate=EventGate(document=unsure, document_threshold=0.5))
    assert event_types(on, BUYBACK) == set()
    sure = Logistic(["doc_score"], [0.0], [1.0], [0.0], 5.0)
    assert event_types(Pipeline.build(events_gate=EventGate(document=sure, document_threshold=0.5)), BUYBACK) == {
        "股份回购"
    }


def test_a_recording_gate_records_document_and_event_features_and_drops_nothing() -> None:
    recorder = EventGate(record=[])
    pipe = Pipeline.build(events_gate=recorder)
    assert event_types(pipe, BUYBACK) == {"股份回购"}
    assert recorder.record is not None and len(recorder.record) == 1
    row = recorder.record[0]
    assert row["document"]["doc_told"] == 1.0 and row["document"]["doc_score"] > 0.5
    (event,) = row["events"]
    assert event["type"] == "股份回购" and event["features"]["in_headline"] == 1.0
    assert 0.0 < event["features"]["score"] <= 1.0


def _gate_of(pipe: Pipeline) -> EventGate | None:
    stage = next(s for s in pipe.stages if isinstance(s, EventsStage))
    return stage.extractor.gate


def test_the_stage_loads_the_gate_of_its_model_folder(tmp_path: Path) -> None:
    assert isinstance(_gate_of(Pipeline.build()), EventGate)  # the committed gate.json
    assert _gate_of(Pipeline.build(events_gate=False)) is None
    assert _gate_of(Pipeline.build(events_model=False)) is None  # the gate reads the classifier's scores
    # A model folder without a gate.json runs without one (cross-validation folds).
    for part in ("types", "roles"):
        (tmp_path / part).symlink_to(DEFAULT_MODEL_DIR / part)
    assert _gate_of(Pipeline.build(events_model=str(tmp_path))) is None
    EventGate(event=_never_believes(), event_threshold=0.5).save(tmp_path / "gate.json")
    gate = _gate_of(Pipeline.build(events_model=str(tmp_path)))
    assert gate is not None and gate.event_threshold == 0.5
