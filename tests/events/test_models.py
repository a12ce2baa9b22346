"""The event models' fast scoring paths give exactly what spaCy's own ``pipe`` gives."""

from __future__ import annotations

import pytest

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
    # The committed model takes the batched path; it must give what each bag through
    # textcat.predict gives, on random lists (unknown, repeated, missing features),
    # over more fillers than one of the reference path's batches.
    import random

    assert role_model._bow is not None
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
