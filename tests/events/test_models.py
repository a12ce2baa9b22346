"""The event models' fast scoring paths give exactly what spaCy's own ``pipe`` gives."""

from __future__ import annotations

import pytest

from pipeline.core import Pipeline
from pipeline.events.model import DEFAULT_MODEL_DIR, EventTypeModel, char_tokens
from pipeline.events.roles import RoleModel

pytest.importorskip("spacy")


@pytest.fixture(scope="module")
def type_model() -> EventTypeModel:
    return EventTypeModel(DEFAULT_MODEL_DIR / "types")


@pytest.fixture(scope="module")
def role_model() -> RoleModel:
    return RoleModel(DEFAULT_MODEL_DIR / "roles")


SENTENCES = [
    "智谱AI完成新一轮融资，金额达10亿元。",
    "公司2024年亏损3.2亿元",
    "   ",
    "张帆因个人原因辞去公司总经理职务。",
    "今天天气不错",
    "  Apple 发布  iPhone\u3000新品 \n",
    "第一段\n\n 第二段\t结束 ",
]


def test_type_scores_equal_nlp_pipe(type_model: EventTypeModel) -> None:
    expected = [dict(doc.cats) for doc in type_model.nlp.pipe(SENTENCES, batch_size=64)]
    got = type_model.scores(SENTENCES)
    assert got == expected
    assert any(p > 0.5 for scores in got for p in scores.values())


def test_type_scores_keep_pipe_batches(type_model: EventTypeModel) -> None:
    # 70 sentences span two batches of 64; order and values must not depend on the split.
    many = [SENTENCES[i % len(SENTENCES)] + str(i) for i in range(70)]
    expected = [dict(doc.cats) for doc in type_model.nlp.pipe(many, batch_size=64)]
    assert type_model.scores(many) == expected


def test_role_scores_equal_docs_through_textcat(role_model: RoleModel) -> None:
    from spacy.tokens import Doc

    assert role_model.known is not None
    known = sorted(k for k in role_model.known if k)  # features are never empty strings
    features = [
        known[:40],
        [*known[100:130], "never-seen-feature", known[100]],  # unknown dropped, duplicates counted
        ["never-seen-feature"],  # nothing known: scored as the EMPTY bag
        [],
    ]
    filtered = [[f for f in feats if f in role_model.known] for feats in features]
    docs = [Doc(role_model.nlp.vocab, words=list(f) or ["EMPTY"]) for f in filtered]
    expected = [dict(doc.cats) for doc in role_model.textcat.pipe(docs, batch_size=256)]
    got = role_model.scores(features)
    assert got == expected
    assert got[0] != got[2]
    assert role_model.scores([]) == []


@pytest.mark.parametrize("text", [*SENTENCES, "", " ", "a b  c"])
def test_char_tokens_are_spacys(type_model: EventTypeModel, text: str) -> None:
    assert char_tokens(text) == [t.text for t in type_model.nlp.make_doc(text)]


def test_role_scores_batched_equal_bag_by_bag(role_model: RoleModel) -> None:
    # The committed model takes the document-at-once path; it must give what each bag through
    # textcat.predict gives, on random lists (unknown, repeated, missing features),
    # over more fillers than one of the reference path's batches.
    import random

    assert role_model._forward is not None
    assert role_model.known is not None
    known = sorted(k for k in role_model.known if k)
    rng = random.Random(7)
    features: list[list[str]] = []
    for i in range(600):
        size = rng.choice([0, 1, 3, 20, 60, 120])
        feats = [rng.choice(known) for _ in range(size)]
        feats += [feats[0]] * rng.randint(0, 3) if feats else []
        if i % 5 == 0:
            feats.insert(rng.randint(0, len(feats)), f"never-seen-{i}")
        features.append(feats)
    got = role_model.scores(features)
    assert got == role_model.scores_by_bags(features)
    assert got[:10] == role_model.scores_by_bags(features[:10])
    assert len({tuple(s.values()) for s in got}) > 100


def test_type_scores_equal_nlp_pipe_on_random_texts(type_model: EventTypeModel) -> None:
    # Random mixes of Chinese, ASCII, digits and every kind of whitespace (the bag path
    # skips the tokenizer walk when a sentence has no whitespace, and caches hashes).
    import random

    rng = random.Random(11)
    alphabet = "智谱完成融资金额亿元公司亏损辞职收购质押股份abcXYZ019，。、%（）" + " \t\n\u3000\u00a0"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(150)]
    texts += ["".join(rng.choice(alphabet[:-5]) for _ in range(rng.randint(1, 60))) for _ in range(50)]
    for text in texts:
        assert list(type_model._bag(text).ids) == [t.orth for t in type_model.nlp.make_doc(text)]
    expected = [dict(doc.cats) for doc in type_model.nlp.pipe(texts, batch_size=64)]
    assert type_model.scores(texts) == expected


def _corpus_texts(damaged: bool = False) -> list[str]:
    # The articles, and with ``damaged`` the corrupted copies read as UTF-8 (mojibake,
    # odd characters and whitespace: inputs unlike the training text).
    from tests.conftest import ROOT

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "articles").glob("*.txt"))]
    if damaged:
        texts += [p.read_bytes().decode("utf-8", "replace") for p in sorted((ROOT / "corpus" / "damaged").iterdir())]
    return texts


def test_type_scores_equal_nlp_pipe_on_corpus_sentences(type_model: EventTypeModel) -> None:
    # Every sentence of the corpus articles, a document at a time (as the events stage
    # asks): the one-pass n-grams of all its sentences must give spaCy's probabilities
    # to the bit, including sentences shorter than a trigram and ones with whitespace.
    from pipeline.textutil import sentence_spans

    checked = 0
    for text in _corpus_texts(damaged=True):
        sentences = [text[s:e] for s, e in sentence_spans(text)]
        expected = [dict(doc.cats) for doc in type_model.nlp.pipe(sentences, batch_size=64)]
        assert type_model.scores(sentences) == expected
        assert type_model.scores(sentences) == type_model.scores_by_bags(sentences)
        checked += len(sentences)
    assert checked > 500


def test_role_scores_equal_bag_by_bag_on_corpus_documents(pipe: Pipeline, role_model: RoleModel) -> None:
    # The feature lists the events stage makes of real documents (fillers of every label,
    # unknown features, repeated ones): the fast path equals textcat.predict on bags.
    from pipeline.stages.events import EventsStage

    stage = next(s for s in pipe.stages if isinstance(s, EventsStage))
    model = stage.extractor.role_model
    assert model is not None and model._forward is not None
    seen: list[list[list[str]]] = []

    def spy(features: list[list[str]]) -> list[dict[str, float]]:
        seen.append([list(f) for f in features])
        return original(features)

    original = model.scores
    model.scores = spy  # type: ignore[method-assign]
    try:
        for text in _corpus_texts():
            pipe.process(text)
    finally:
        del model.scores
    assert sum(map(len, seen)) > 200
    for features in seen:
        assert model.scores(features) == model.scores_by_bags(features)


def test_murmurhash_is_the_sparse_linear_slot() -> None:
    # A sparse linear layer whose weights at slot i are i and i*i (exact in float32, as
    # are the sums here) scores a one-key bag as a + b and a*a + b*b, the two slots
    # read (seeds 0 and 1): both sums equal means both slots equal.
    import numpy as np
    from thinc.api import SparseLinear_v2

    from pipeline.events.inference import murmurhash3_32

    length = 2048
    layer = SparseLinear_v2(nO=2, length=length)
    layer.initialize()
    slots = np.arange(length, dtype=np.float32)
    layer.set_param("W", np.concatenate([slots, slots * slots]))
    rng = np.random.default_rng(1)
    keys = np.concatenate([rng.integers(0, 2**64, size=300, dtype=np.uint64), np.arange(50, dtype=np.uint64)])
    first = murmurhash3_32(keys, 0) % length
    second = murmurhash3_32(keys, 1) % length
    got = layer.predict((keys, np.ones(len(keys), dtype=np.float32), np.ones(len(keys), dtype=np.int32)))
    np.testing.assert_array_equal(got[:, 0], (first + second).astype(np.float32))
    squares = first.astype(np.int64) ** 2 + second.astype(np.int64) ** 2
    np.testing.assert_array_equal(got[:, 1], squares.astype(np.float32))
    assert len(set(first.tolist())) > 100
