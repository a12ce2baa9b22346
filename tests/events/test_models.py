"""The event models' fast scoring paths give exactly what spaCy's own ``pipe`` gives."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
import regex

from pipeline.core import Pipeline
from pipeline.events.fillers import Filler
from pipeline.events.model import DEFAULT_MODEL_DIR, EventTypeModel, char_tokens
from pipeline.events.roles import RoleFeaturizer, RoleModel, _window_chars, _window_pairs

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
    # unknown features, repeated ones), the corpus articles and their damaged copies: the
    # fast path equals textcat.predict on bags; the stage asks for the labels of its
    # drafts' types alone, each the same as among all labels; and its call, which looks
    # the context features up from the text (ContextRanks), gives what the strings give.
    from pipeline.stages.events import EventsStage

    stage = next(s for s in pipe.stages if isinstance(s, EventsStage))
    model = stage.extractor.role_model
    assert model is not None and model._forward is not None
    calls: list[tuple[Any, ...]] = []
    original = model.document_scores

    def spy(*args: Any, **kwargs: Any) -> list[dict[str, float]]:
        calls.append((*args, kwargs.get("types")))
        return original(*args, **kwargs)

    model.document_scores = spy  # type: ignore[method-assign]
    try:
        for text in _corpus_texts(damaged=True):
            pipe.process(text)
    finally:
        del model.document_scores
    assert sum(len(call[3]) for call in calls) > 200
    for featurizer, text, sentences, fillers, trigger_spans, types in calls:
        assert types
        features = featurizer.document_features(text, sentences, fillers, trigger_spans)
        assert model.scores(features) == model.scores_by_bags(features)
        expected = _restricted(model.scores_by_bags(features), types)
        assert model.scores(features, types) == expected
        got = model.document_scores(featurizer, text, sentences, fillers, trigger_spans, types)
        assert got == expected
        assert [list(row) for row in got] == [list(row) for row in expected]


def _restricted(scores: list[dict[str, float]], types: set[str] | None) -> list[dict[str, float]]:
    """``scores`` with only the labels of ``types`` (all of them when None)."""
    from pipeline.events.roles import split_label

    return [{k: v for k, v in row.items() if types is None or split_label(k)[0] in types} for row in scores]


def test_role_scores_of_some_types_are_their_columns_of_all(role_model: RoleModel) -> None:
    # Scores asked for a few event types are those types' labels of the full scores, to the
    # bit and in the model's order, for every set of types (one, several, unknown, none).
    import random

    from pipeline.events.roles import split_label

    assert role_model.known is not None
    known = sorted(k for k in role_model.known if k)
    types = sorted({split_label(label)[0] for label in role_model.labels})
    rng = random.Random(3)
    features = [[rng.choice(known) for _ in range(rng.choice([0, 2, 40, 90]))] for _ in range(300)]
    full = role_model.scores(features)
    for asked in [{types[0]}, set(types[1:4]), {types[-1], "no-such-type"}, set(types)]:
        got = role_model.scores(features, asked)
        assert got == _restricted(full, asked)
        assert [list(row) for row in got] == [list(row) for row in _restricted(full, asked)]
        assert all(row for row in got)
    assert role_model.scores(features, set()) == [{} for _ in features]
    assert role_model.scores(features[:3], {"no-such-type"}) == [{}, {}, {}]
    assert role_model.scores([], {types[0]}) == []


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


@pytest.mark.parametrize("n", [5, 70_000])
def test_distinct_keys_are_each_bags_unique_keys(n: int) -> None:
    # Per bag, the keys and counts numpy.unique gives (thinc's extract_ngrams), bags in
    # order; with more bags than 16 bits number, the bag sort takes the wide integers.
    import numpy as np

    from pipeline.events.inference import _distinct_keys

    rng = np.random.default_rng(7)
    pool = np.concatenate([rng.integers(0, 2**64, size=40, dtype=np.uint64), np.uint64([2**63, 2**64 - 1, 0])])
    keys = rng.choice(pool, size=2000)
    owner = rng.choice(np.array([0, 1, 3, n - 1], dtype=np.int64), size=2000)
    got_keys, got_bags, got_counts = _distinct_keys(keys, owner, n)
    want_keys, want_bags, want_counts = [], [], []
    for bag in sorted(set(owner.tolist())):
        unique, counts = np.unique(keys[owner == bag], return_counts=True)
        want_keys += unique.tolist()
        want_bags += [bag] * len(unique)
        want_counts += counts.tolist()
    assert got_keys.tolist() == want_keys
    assert got_bags.tolist() == want_bags
    assert got_counts.tolist() == want_counts
    assert got_counts.dtype == np.float32


def _reference_scores(
    model: RoleModel,
    featurizer: RoleFeaturizer,
    text: str,
    sentences: list[tuple[int, int]],
    fillers: list[Filler],
    types: set[str] | None,
) -> list[dict[str, float]]:
    """The role model's scores of the feature strings, the path training takes."""
    return model.scores(featurizer.document_features(text, sentences, fillers), types)


def test_document_scores_equal_scores_of_feature_strings_on_odd_texts(role_model: RoleModel) -> None:
    # Random texts of characters the model knows and odd ones (NUL, a lone surrogate, a
    # character beyond the BMP, spaces), fillers of known kinds anywhere (at the text's
    # ends, across sentence ends, before the first sentence), windows cut by sentences.
    import random

    assert role_model.known is not None
    pieces = sorted({name[3:] for name in role_model.known if name.startswith(("lw=", "l2="))})
    rng = random.Random(5)
    odd = ["\x00", "\ud800", "\U0001f600", " ", "\n", "。"]
    kinds = [("ORG", "company"), ("AMOUNT", "money"), ("DATE", "point"), ("PERSON", ""), ("TEXT", "nosuch")]
    featurizer = RoleFeaturizer({"企业收购": regex.compile("收购"), "企业融资": regex.compile("融资")})
    types = sorted({name.partition("/")[0] for name in role_model.labels})
    checked = 0
    for _ in range(60):
        parts = [rng.choice(pieces) if rng.random() < 0.8 else rng.choice(odd) for _ in range(rng.randint(1, 60))]
        text = "".join(parts)
        cuts = sorted({0, len(text), *(rng.randrange(len(text) + 1) for _ in range(rng.randint(0, 4)))})
        sentences = [(a, b) for a, b in pairwise(cuts) if a < b]
        if rng.random() < 0.2 and sentences:
            sentences = sentences[1:] or sentences  # fillers before the first sentence
        fillers = []
        for _ in range(rng.randint(0, 12)):
            start = rng.randrange(len(text) + 1)
            end = min(len(text), start + rng.randint(0, 8))
            label, kind = rng.choice(kinds)
            fillers.append(
                Filler(label, kind, start, end, text[start:end], text[start:end], "rule:x", None, (start, end))
            )
        asked = set(rng.sample(types, 2)) if rng.random() < 0.5 else None
        got = role_model.document_scores(featurizer, text, sentences, fillers, None, asked)
        assert got == _reference_scores(role_model, featurizer, text, sentences, fillers, asked)
        checked += len(fillers)
    assert checked > 200


def test_context_ranks_find_exactly_the_known_context_features(role_model: RoleModel) -> None:
    # Each context feature the featurizer makes is found when, and only when, it is a known
    # name, with that name's rank (also for a kind no known name has).
    from pipeline.events.inference import ContextRanks

    assert role_model._forward is not None
    rank = role_model._forward.rank
    context = ContextRanks(rank)
    text = "其中，智谱AI完成新一轮融资\x00，金额达10亿元。\U0001f600收购了"
    for kind in ("ORG:company", "AMOUNT:money", "NOSUCH:kind"):
        for start, end in [(3, 7), (0, 2), (len(text) - 2, len(text)), (10, 10)]:
            window = (kind, max(0, start - 16), min(len(text), end + 16))
            features = _window_strings(kind, text[window[1] : start], text[end : window[2]])
            ranks, owner = context.ranks(text, [(start, end)], [window])
            expected = sorted(rank[f] for f in features if f in rank)
            assert sorted(ranks.tolist()) == expected
            assert set(owner.tolist()) <= {0}


def _window_strings(kind: str, left: str, right: str) -> list[str]:
    """The context feature strings of a filler of ``kind`` between ``left`` and ``right``."""
    return _window_chars(kind, left, right) + _window_pairs(left, right)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("l3=abc", [((None, "l", 3), "abc")]),
        ("r1==", [((None, "r", 1), "=")]),
        ("lw=ab", [((None, "lw", 2), "ab")]),
        ("ORG:company|r2=ab", [(("ORG:company", "r", 2), "ab")]),
        ("|l1=x", [(("", "l", 1), "x")]),
        # One reading: the ``l1=`` inside is followed by 6 characters, not 1.
        ("A|l1=B|r2=xy", [(("A|l1=B", "r", 2), "xy")]),
        ("l1=|l1=x", [(("l1=", "l", 1), "x")]),
        ("l2=a", []),
        ("Al1=x", []),
        ("LEN=3", []),
        ("l7=abcdefg", []),
    ],
)
def test_context_parses_read_every_context_feature_name(name: str, expected: list[Any]) -> None:
    from pipeline.events.inference import _context_parses

    assert _context_parses(name) == expected
