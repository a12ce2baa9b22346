"""The committed NER model and the ``ner`` stage."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pytest
from thinc.api import Model

from pipeline.core import Pipeline
from pipeline.errors import ModelError
from pipeline.ner.data import LABEL_MAPS, Sentence, normalised, read_split
from pipeline.ner.decode import Decoder, spans_to_tags, tag_names
from pipeline.ner.features import (
    BIGRAM,
    CHAR,
    N_FEATURES,
    TRIGRAM,
    WORD,
    char_features,
    fold_char,
    fold_text,
    word_spans_to_features,
)
from pipeline.ner.model import EntitySpan, NerModel, default_model_path
from pipeline.ner.scoring import SpanScorer
from pipeline.records import Document, PersonValue
from pipeline.stages.ner import ner_model_info

MODEL_DIR = default_model_path()


@pytest.fixture(scope="module")
def model() -> NerModel:
    return NerModel.load()


def _spans(model: NerModel, text: str, pipe: Pipeline) -> set[tuple[str, str]]:
    segmenter = pipe.stage("segment").segmenter  # type: ignore[attr-defined]
    words = [(t.start, t.end) for t in segmenter.tokens(text)]
    tags = pipe.stage("ner").word_tags()  # type: ignore[attr-defined]
    return {(text[s.start : s.end], s.label) for s in model.spans(text, words, tags)}


def test_model_is_committed_small_and_documented() -> None:
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    assert size <= 25 * 1024 * 1024
    report = json.loads((MODEL_DIR / "training.json").read_text(encoding="utf-8"))
    assert set(report["data"]) == {
        "cluener2020/train.jsonl", "cluener2020/dev.jsonl", "msra_ner/train.jsonl", "msra_ner/dev.jsonl",
    }  # fmt: skip
    assert all(len(digest) == 64 for digest in report["data"].values())
    assert {"cluener2020", "msra_ner"} <= set(report["dev_scores"])
    assert (MODEL_DIR / "config.cfg").is_file() and (MODEL_DIR / "README.md").is_file()


def test_model_loads_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the model tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    loaded = NerModel.load(MODEL_DIR)
    assert set(loaded.labels) == {"ORG", "PERSON", "LOC"}


# Sentences written for this test (not from any training or dev set).
UNSEEN = [
    ("小米集团创始人雷军在武汉大学演讲时说，公司会继续投入芯片研发。", {("雷军", "PERSON"), ("武汉大学", "ORG")}),
    ("招商银行行长王良表示，明年将加大对科技企业的贷款投放。", {("招商银行", "ORG"), ("王良", "PERSON")}),
    (
        "记者从浙江省教育厅获悉，陈立群将出任杭州第二中学校长。",
        {("浙江省教育厅", "ORG"), ("陈立群", "PERSON"), ("杭州第二中学", "ORG")},
    ),
]


@pytest.mark.parametrize(("text", "expected"), UNSEEN)
def test_model_on_unseen_sentences(model: NerModel, pipe: Pipeline, text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= _spans(model, text, pipe)


def test_missing_and_broken_models_have_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"\[E301\].*make train-ner"):
        NerModel.load(tmp_path / "nowhere")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.cfg").write_text("[nlp]\nlang = ???\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"\[E302\]"):
        NerModel.load(broken)


def test_stage_can_be_turned_off() -> None:
    rules_only = Pipeline.build(ner=False)
    assert ner_model_info(rules_only) is None
    doc = rules_only.process("华为技术有限公司董事长梁华在深圳出席发布会。")
    assert all(not m.source.startswith("model:") for m in doc.mentions)


def test_pipeline_uses_the_model(pipe: Pipeline) -> None:
    info = ner_model_info(pipe)
    assert info is not None and info["name"] == "zhpipe_ner"
    doc: Document = pipe.process("据悉，星河互联董事长刘瑞祥昨日离职。")
    persons = {m.value.name for m in doc.mentions if m.label == "PERSON" and isinstance(m.value, PersonValue)}
    assert "刘瑞祥" in persons
    assert all(m.label in {"ORG", "PERSON", "PRODUCT", "DATE", "AMOUNT"} for m in doc.mentions)


def test_features_fold_width_and_mark_words() -> None:
    assert fold_char("Ａ") == "a" and fold_char("１") == "1" and fold_char("\u3000") == " "
    assert word_spans_to_features("北京大学的", [(0, 4), (4, 5)]) == [
        "B:北京大学", "M:北京大学", "M:北京大学", "E:北京大学", "S:的",
    ]  # fmt: skip
    keys = char_features("ＡＢ公司ab公司", [(0, 2), (2, 4), (4, 6), (6, 8)])
    assert keys.shape == (8, N_FEATURES) and keys.dtype == np.uint64
    # Width and case folding: the two halves look the same to the model, except where
    # an n-gram crosses the seam or an end of the text.
    assert (keys[1:3] == keys[5:7]).all() and keys[0, CHAR] == keys[4, CHAR]
    assert keys[0, TRIGRAM] != keys[4, TRIGRAM] and keys[3, BIGRAM] != keys[7, BIGRAM]
    # A word's characters share its key; a character outside any word is its own word.
    alone = char_features("公司", None)
    assert keys[2, WORD] >> 2 == keys[3, WORD] >> 2 != alone[0, WORD] >> 2


def test_word_features_do_not_depend_on_the_order_of_the_words() -> None:
    """Sorted words are written all at once, others one by one: both give the same keys."""
    text = "北京大学的王小明教授说，华为技术有限公司今年营收增长。"
    words = [(0, 4), (4, 5), (5, 8), (8, 10), (10, 11), (11, 12), (12, 14), (14, 16), (16, 20), (20, 22)]
    tags = {"北京大学": "nt", "王小明": "nr", "华为": "nz"}
    for word_tags in (None, tags):
        in_order = char_features(text, words, word_tags)
        assert np.array_equal(in_order, char_features(text, words[::-1], word_tags))
        # Spans outside the text are dropped either way.
        assert np.array_equal(in_order, char_features(text, [*words, (25, 40), (-1, 2)], word_tags))
    assert char_features("", [(0, 1)]).shape == (0, N_FEATURES)


def test_tags_round_trip_and_invalid_sequences_are_repaired() -> None:
    tags = tag_names(["ORG", "PERSON"])
    decoder = Decoder(tags)
    spans = [(1, 4, "ORG"), (5, 6, "PERSON")]
    gold = spans_to_tags(7, spans)
    assert gold == ["O", "B-ORG", "I-ORG", "E-ORG", "O", "S-PERSON", "O"]

    def probs(sequence: list[str], sure: float = 0.9) -> np.ndarray:
        out = np.full((len(sequence), len(tags)), (1 - sure) / len(tags), dtype=np.float32)
        for i, tag in enumerate(sequence):
            out[i, tags.index(tag)] = sure
        return out

    batch = np.concatenate([probs(gold), probs(["B-PERSON", "E-PERSON", "O"])])
    found = decoder.decode(batch, [7, 3])
    assert [[s[:3] for s in seq] for seq in found] == [spans, [(0, 2, "PERSON")]]
    assert all(s[3] == pytest.approx(0.9) for seq in found for s in seq)
    # The most likely tags, I-ORG after O and a label switch inside, are no valid
    # sequence; the decoder finds the best valid one.
    broken = probs(["O", "I-ORG", "I-ORG", "E-PERSON", "O"], sure=0.6)
    broken[1, tags.index("B-ORG")] = 0.35
    broken[3, tags.index("E-ORG")] = 0.3
    ((start, end, label, sure),) = decoder.decode(broken, [5])[0]
    assert (start, end, label) == (1, 4, "ORG") and sure == pytest.approx(0.3)  # E-ORG's probability


def test_label_maps_and_nested_spans(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    rows = [
        {"id": "a", "text": "浙商银行叶老桂说", "entities": [
            {"start": 0, "end": 4, "label": "company"}, {"start": 4, "end": 7, "label": "name"},
        ]},
        {"id": "b", "text": "《阿里巴巴传》", "entities": [
            {"start": 0, "end": 7, "label": "book"}, {"start": 1, "end": 5, "label": "company"},
        ]},
        {"id": "c", "text": "在北京工作的总经理", "entities": [
            {"start": 1, "end": 3, "label": "address"}, {"start": 6, "end": 9, "label": "position"},
        ]},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    got = {s.id: s.spans for s in read_split(path, LABEL_MAPS["cluener2020"])}
    assert got == {"a": ((0, 4, "ORG"), (4, 7, "PERSON")), "b": ((1, 5, "ORG"),), "c": ((1, 3, "LOC"),)}


def test_training_text_is_normalised_with_its_spans() -> None:
    normalizer = Pipeline.build(stages=["normalize"]).normalizer()
    raw = Sentence("a", "１９９８年ＩＢＭ公司总裁郭士纳访华", ((5, 10, "ORG"), (12, 15, "PERSON")))
    same = Sentence("b", "华为在深圳", ((0, 2, "ORG"), (3, 5, "LOC")))
    moved, kept = normalised([raw, same], normalizer)
    assert kept is same
    assert moved.text == normalizer(raw.text).text
    assert [moved.text[s:e] for s, e, _label in moved.spans] == ["IBM公司", "郭士纳"]
    assert [label for _s, _e, label in moved.spans] == ["ORG", "PERSON"]


def test_strict_span_scoring() -> None:
    scorer = SpanScorer(("ORG", "PERSON"))
    scorer.add([(0, 4, "ORG"), (5, 7, "PERSON")], [(0, 4, "ORG"), (5, 8, "PERSON"), (9, 10, "LOC")])
    scores = scorer.to_dict()
    assert scores["ORG"]["f1"] == 1.0
    assert (scores["PERSON"]["tp"], scores["PERSON"]["pred"], scores["PERSON"]["gold"]) == (0, 1, 1)


def test_cli_no_model_flag(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import load_commands

    app = load_commands()
    article = tmp_path / "a.txt"
    article.write_text("华为技术有限公司董事长梁华在深圳出席发布会。", encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(article), "--no-model"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["mentions"] and all(not m["source"].startswith("model:") for m in record["mentions"])


def test_numpy_forward_matches_the_thinc_network(model: NerModel) -> None:
    from thinc.api import Ragged

    texts = ["小米集团创始人雷军在武汉大学演讲。", "招", "", "ＡＢＣ银行（中国）有限公司董事长张三表示，" * 5]
    keys = np.concatenate([char_features(t) for t in texts])
    lengths = [len(t) for t in texts]
    expected = model.encoder.predict(Ragged(keys, model.encoder.ops.asarray1i(lengths))).dataXd
    np.testing.assert_allclose(model.forward(keys, lengths), expected, atol=1e-5)


def test_jargon_and_bare_departments_are_not_organisations() -> None:
    from pipeline.rulebook.loader import load_rulebook
    from pipeline.stages.ner import OrgTyper

    typer = OrgTyper(load_rulebook([]))
    assert typer.implausible("ToB") and typer.implausible("产研中心") and typer.implausible("国央企")
    assert not typer.implausible("华为研发中心") and not typer.implausible("智谱AI")
    # "the company" of a filing, a firm's Beijing office
    assert typer.implausible("公司") and typer.implausible("北京公司") and typer.implausible("集团")
    assert not typer.implausible("北京控股") and not typer.implausible("金山公司")


def test_org_suffix_and_place_lookups_agree_with_scanning_the_lists() -> None:
    """The typer's lookups give what a scan of its lists, longest first, first match, gives."""
    from pipeline.rulebook.loader import load_rulebook
    from pipeline.stages.ner import OrgTyper

    typer = OrgTyper(load_rulebook([]))

    def kind_by_scan(name: str) -> str | None:
        return next((k for s, k in typer.suffixes if name.endswith(s) and len(name) > len(s)), None)

    def place_by_scan(name: str) -> str | None:
        return next((p for p in typer.places if name.startswith(p) and len(name) > len(p)), None)

    def legal_by_scan(name: str) -> str | None:
        return next((s for s in typer.legal if name.endswith(s) and len(name) > len(s)), None)

    stems = ["", "华", "中原", "安徽淮化", *typer.places[:40]]
    endings = ["", "有", *typer.endings[:60], *typer.legal[:20], *typer.places[:10]]
    names = {stem + ending for stem in stems for ending in endings}
    assert len(names) > 1000
    for name in names:
        assert typer._suffix_kinds.longest_suffix(name) == kind_by_scan(name), name
        assert typer._places.longest_prefix(name) == place_by_scan(name), name
        assert typer._legal.longest_suffix(name) == legal_by_scan(name), name


@pytest.mark.parametrize(
    ("text", "found", "expected"),
    [
        ("控股股东皖能集团下属", "东皖能集团", "皖能集团"),  # the tail of 股东
        ("该公司与华为技术有限公司合作", "与华为技术有限公司", "华为技术有限公司"),  # a conjunction
        ("该州亚太事务委员会主席", "该州亚太事务委员会", "亚太事务委员会"),  # a pronoun
        ("决定让袁任县计生委主任", "县计生委", "县计生委"),  # 任县 is tagged r: no content word
        ("中国银联宣布", "中国银联", "中国银联"),
    ],
)
def test_model_org_starts_after_a_common_word_it_cut_into_and_a_function_word(
    text: str, found: str, expected: str
) -> None:
    from pipeline.rulebook.loader import load_rulebook
    from pipeline.stages.base import WorkDoc
    from pipeline.stages.entities import dictionary_word_tags
    from pipeline.stages.ner import NerStage, OrgTyper
    from pipeline.stages.segment import Segmenter, lexicon_words, split_words

    rulebook = load_rulebook([])
    segmenter = Segmenter(lexicon_words(rulebook), split_words(rulebook))
    tags = dictionary_word_tags()
    model = _FixedModel([(found, "ORG", 0.9)])
    stage = NerStage(model, OrgTyper(rulebook), word_tags=lambda: tags)  # type: ignore[arg-type]
    doc = WorkDoc(raw=text, doc_id="t", text=text)
    doc.tokens = segmenter.tokens(text)
    stage(doc)
    assert [text[c.start : c.end] for c in doc.candidates] == [expected]


@pytest.mark.parametrize(
    ("text", "words", "found", "expected"),
    [
        # a stop word inside joins two names: the rules read them one by one
        ("阿里巴巴旗下蚂蚁集团上月宣布", ["阿里巴巴", "旗下", "蚂蚁", "集团"], "阿里巴巴旗下蚂蚁集团", []),
        (
            "皖北煤电集团二级子公司安徽淮化",
            ["皖北", "煤电", "集团", "二级", "子公司", "安徽", "淮化"],
            "皖北煤电集团二级子公司安徽淮化",
            [],
        ),
        # at an edge it is the sentence's
        (
            "公告称收购宏润建设股份",
            ["公告", "称", "收购", "宏润", "建设", "股份"],
            "收购宏润建设股份",
            ["宏润建设股份"],
        ),
        # what names are made of stays (投资 is a stem verb)
        (
            "中国投资有限责任公司表示",
            ["中国", "投资", "有限责任公司", "表示"],
            "中国投资有限责任公司",
            ["中国投资有限责任公司"],
        ),
    ],
)
def test_model_org_holding_a_stop_word_is_cut_or_dropped(
    text: str, words: list[str], found: str, expected: list[str]
) -> None:
    from pipeline.rulebook.loader import load_rulebook
    from pipeline.stages.base import Token, WorkDoc
    from pipeline.stages.ner import NerStage, OrgTyper

    stage = NerStage(_FixedModel([(found, "ORG", 0.9)]), OrgTyper(load_rulebook([])))  # type: ignore[arg-type]
    doc = WorkDoc(raw=text, doc_id="t", text=text)
    pos = 0
    for word in words:
        pos = text.index(word, pos)
        doc.tokens.append(Token(word, pos, pos + len(word)))
        pos += len(word)
    stage(doc)
    assert [text[c.start : c.end] for c in doc.candidates] == expected


def test_pretrained_vectors_input_quantises_saves_and_matches_numpy() -> None:
    from thinc.api import Ragged

    from pipeline.ner.inference import FastEncoder
    from pipeline.ner.layers import STATIC_REF, char_encoder, set_static_vectors, static_lookup

    def encoder() -> Model[Ragged, Ragged]:
        return char_encoder(16, [50, 60], [1, 2], 5, 0.0, vectors=[CHAR, BIGRAM], vector_widths=[4, 3])

    texts = ["招商银行行长王良", "王良说"]
    keys = np.concatenate([char_features(t) for t in texts])
    lengths = [len(t) for t in texts]
    batch = Ragged(keys, np.array(lengths, dtype="int32"))
    net = encoder()
    net.initialize(X=batch)
    rng = np.random.default_rng(0)
    chars = np.array([ord("王"), ord("良"), ord("招")], dtype=np.uint64)
    bigrams = np.array([(ord("王") << 21) | ord("良")], dtype=np.uint64)
    char_vectors = rng.normal(size=(3, 4)).astype(np.float32)
    set_static_vectors(net.get_ref(STATIC_REF), [(chars, char_vectors), (bigrams, np.ones((1, 3), np.float32))])
    static = net.get_ref(STATIC_REF)
    looked_up = static_lookup(static, char_features("王良说"))
    # Known keys read their vectors (int8-rounded); unknown ones (说, the bigram 良说) read zeros.
    np.testing.assert_allclose(looked_up[0, :4], char_vectors[0], atol=np.abs(char_vectors).max() / 127)
    np.testing.assert_allclose(looked_up[0, 4:], 1.0, atol=1e-6)
    assert not looked_up[2].any() and not looked_up[1, 4:].any()
    assert static.get_param("vectors0").dtype == np.int8
    # Saved and loaded, the vectors stay int8 and the network gives the same scores,
    # in thinc and in the numpy forward pass.
    expected = np.asarray(net.predict(batch).dataXd)
    loaded = encoder().from_bytes(net.to_bytes())
    assert loaded.get_ref(STATIC_REF).get_param("vectors1").dtype == np.int8
    np.testing.assert_allclose(np.asarray(loaded.predict(batch).dataXd), expected, atol=1e-6)
    np.testing.assert_allclose(FastEncoder(loaded)(keys, lengths), expected, atol=1e-5)


def test_pretrained_vectors_come_from_train_text_only_and_are_reproducible(tmp_path: Path) -> None:
    pytest.importorskip("gensim")
    from pipeline.training.ner import pretrain_vectors, vector_corpus

    lines = ["招商银行行长王良表示", "王良说，招商银行很好", "浙江省教育厅获悉"] * 4
    (tmp_path / "a").mkdir()
    with (tmp_path / "a" / "train.jsonl").open("w", encoding="utf-8") as out:
        for i, text in enumerate([*lines, "ＡＢＣ被留出"]):
            out.write(json.dumps({"id": f"a-{i}", "text": text}, ensure_ascii=False) + "\n")
    (tmp_path / "a" / "dev.jsonl").write_text(json.dumps({"id": "d", "text": "开发集不读"}) + "\n", encoding="utf-8")
    texts, hashes = vector_corpus(tmp_path, ["a", "missing"], exclude={"a-12"})
    assert texts == [fold_text(t) for t in lines[:3]] and list(hashes) == ["a/train.jsonl"]
    first = pretrain_vectors(texts * 3, {CHAR: 8, BIGRAM: 4}, seed=0, epochs=2)
    again = pretrain_vectors(texts * 3, {CHAR: 8, BIGRAM: 4}, seed=0, epochs=2)
    keys, vectors = first[BIGRAM]
    assert (ord("王") << 21) | ord("良") in set(keys.tolist()) and vectors.shape == (len(keys), 4)
    for column in (CHAR, BIGRAM):
        np.testing.assert_array_equal(first[column][0], again[column][0])
        np.testing.assert_array_equal(first[column][1], again[column][1])


class _FixedModel:
    """A stand-in for the model that reads the given spans from any text."""

    def __init__(self, spans: list[tuple[str, str, float]]) -> None:
        self.found = spans

    def spans(self, text: str, words: object = None, word_tags: object = None) -> list[EntitySpan]:
        out = []
        for part, label, confidence in self.found:
            start = text.index(part)
            out.append(EntitySpan(start, start + len(part), label, confidence))
        return out


@pytest.mark.parametrize(
    ("text", "found", "expected"),
    [
        # a surname swallowed from a form of address after the name
        ("董事长王诚王总，有请", ("王诚王", "PERSON", 0.9), ("王诚", "PERSON")),
        ("总经理王小明总结了经验", ("王小明", "PERSON", 0.9), ("王小明", "PERSON")),
        # an unpaired bracket at an edge belongs to the text around the name
        ("【陈云波】：感谢大家", ("【陈云波", "PERSON", 0.9), ("陈云波", "PERSON")),
        ("中房协（甄）主任", ("甄）", "PERSON", 0.9), ("甄", "PERSON")),
        ("美国证券交易委员会(SEC)表示", ("美国证券交易委员会(SEC)", "ORG", 0.9), ("美国证券交易委员会(SEC)", "ORG")),
        # an unpaired bracket inside or at the end: the name stops before it
        ("新天科技（证券代码：300259）", ("新天科技（证券代码", "ORG", 0.9), ("新天科技", "ORG")),
        ("在万润股份(17.620,-0.40,-2.22%)身上", ("万润股份(", "ORG", 0.9), ("万润股份", "ORG")),
        ("珺娱（湖州）文化发展中心", ("湖州）文化发展中心", "ORG", 0.9), ("文化发展中心", "ORG")),
        # a company's party committee or office is the company's
        ("原中原银行党委委员", ("中原银行党委", "ORG", 0.9), ("中原银行", "ORG")),
        ("现任中原信托有限公司党委书记", ("中原信托有限公司党委", "ORG", 0.9), ("中原信托有限公司", "ORG")),
        ("建设银行上海分行办公室人士称", ("建设银行上海分行办公室", "ORG", 0.9), ("建设银行上海分行", "ORG")),
        # a government body's office, and other bodies' units, stay whole
        ("国务院办公室发布", ("国务院办公室", "ORG", 0.9), ("国务院办公室", "ORG")),
        ("中国银行业协会党委书记", ("中国银行业协会党委", "ORG", 0.9), ("中国银行业协会党委", "ORG")),
    ],
)
def test_stage_cleans_model_span_edges(text: str, found: tuple[str, str, float], expected: tuple[str, str]) -> None:
    from pipeline.rulebook.loader import load_rulebook
    from pipeline.rulebook.schemas.entities import PersonsFile
    from pipeline.stages.base import WorkDoc
    from pipeline.stages.ner import NerStage, OrgTyper

    rulebook = load_rulebook([])
    persons = rulebook.get("persons")
    assert isinstance(persons, PersonsFile)
    tags = {"总结": "v"}
    stage = NerStage(
        _FixedModel([found]),  # type: ignore[arg-type]
        OrgTyper(rulebook),
        frozenset(persons.honorifics),
        lambda: tags,
        surnames=frozenset(persons.surnames),
    )
    doc = WorkDoc(raw=text, doc_id="t", text=text)
    stage(doc)
    assert [(text[c.start : c.end], c.label) for c in doc.candidates] == [expected]


def test_person_replacement_moves_the_other_spans_along() -> None:
    from pipeline.training.ner import person_pool, replace_persons

    sent = Sentence("s", "记者张三报道，李四和北京大学", ((2, 4, "PERSON"), (7, 9, "PERSON"), (10, 14, "ORG")))
    pool = person_pool([Sentence("p", "卢卡申科访华", ((0, 4, "PERSON"),))])
    assert pool == ["卢卡申科"]
    (copy,) = replace_persons([sent], pool, 1.0, "0")
    assert copy.text == "记者卢卡申科报道，卢卡申科和北京大学"
    assert [(copy.text[s:e], label) for s, e, label in copy.spans] == [
        ("卢卡申科", "PERSON"),
        ("卢卡申科", "PERSON"),
        ("北京大学", "ORG"),
    ]
    assert replace_persons([sent], pool, 0.0, "0") == [sent]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("国务院任命张皓若、陆江为副部长", ["张皓若", "陆江"]),  # an unsure name listed next to a sure one
        ("国务院任命张皓若和陆江为副部长", ["陆江"]),  # not a 、 list: the unsure name stays out
    ],
)
def test_unsure_person_in_a_list_with_a_sure_one_is_kept(text: str, kept: list[str]) -> None:
    from pipeline.rulebook.loader import load_rulebook
    from pipeline.stages.base import WorkDoc
    from pipeline.stages.ner import NerStage, OrgTyper

    model = _FixedModel([("张皓若", "PERSON", 0.14), ("陆江", "PERSON", 0.9)])
    stage = NerStage(model, OrgTyper(load_rulebook([])))  # type: ignore[arg-type]
    doc = WorkDoc(raw=text, doc_id="t", text=text)
    stage(doc)
    assert [text[c.start : c.end] for c in doc.candidates] == kept


@pytest.mark.parametrize(
    ("text", "found", "kept"),
    [
        ("泰国总理川·立派10日主持会议", ("川·立派", "PERSON", 0.25), ["川·立派"]),  # an interpunct-joined name
        ("研究人员爱丽丝•克朗弗德出席", ("爱丽丝•克朗弗德", "PERSON", 0.36), ["爱丽丝•克朗弗德"]),
        ("泰国总理川·立派10日主持会议", ("川·立派", "PERSON", 0.05), []),  # under the floor
        ("泰国总理川立派10日主持会议", ("川立派", "PERSON", 0.25), []),  # no joiner: the threshold holds
        ("龙湖·蔚澜香醍项目", ("龙湖·蔚澜香醍", "ORG", 0.15), []),  # persons only
    ],
)
def test_unsure_interpunct_joined_person_is_kept(text: str, found: tuple[str, str, float], kept: list[str]) -> None:
    from pipeline.rulebook.loader import load_rulebook
    from pipeline.stages.base import WorkDoc
    from pipeline.stages.ner import NerStage, OrgTyper

    stage = NerStage(_FixedModel([found]), OrgTyper(load_rulebook([])))  # type: ignore[arg-type]
    doc = WorkDoc(raw=text, doc_id="t", text=text)
    stage(doc)
    assert [text[c.start : c.end] for c in doc.candidates] == kept
