"""The person-name lexicon learnt with the NER model (``pipeline/ner/names.py``) and its use in the ``ner`` stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.core import Pipeline
from pipeline.ner.data import Sentence
from pipeline.ner.model import default_model_path
from pipeline.ner.names import MIN_SHARE, NAMES_FILE, NameLexicon, build_names, count_names
from pipeline.stages.ner import NAMES_SOURCE


def _sentence(text: str, *names: str) -> Sentence:
    spans = tuple(sorted((text.index(n), text.index(n) + len(n), "PERSON") for n in names))
    return Sentence(text, text, spans)


SENTENCES = [
    _sentence("冼博德昨天到了北京。", "冼博德"),
    _sentence("记者见到了冼博德。", "冼博德"),
    _sentence("永乐说他不来了。", "永乐"),
    _sentence("永乐年间的瓷器很多。"),
    _sentence("永乐大典藏在这里。"),
    _sentence("汤某被捕，伊布进球。", "汤", "伊布"),
]


def test_names_are_counted_with_their_unlabelled_occurrences() -> None:
    counts = {c.name: (c.labelled, c.seen) for c in count_names(SENTENCES)}
    # 汤 is too short to be a name on its own; 永乐 is labelled once in three.
    assert counts == {"冼博德": (2, 2), "永乐": (1, 3), "伊布": (1, 1)}


def test_only_names_mostly_labelled_are_written_and_loaded(tmp_path: Path) -> None:
    report = build_names(SENTENCES, tmp_path)
    assert report["names"] == 2 and report["labelled_strings"] == 3 and report["min_share"] == MIN_SHARE
    lexicon = NameLexicon.load(tmp_path)
    assert lexicon.names == {"冼博德": 1.0, "伊布": 1.0}
    assert len(NameLexicon.load(tmp_path / "elsewhere")) == 0


def test_matches_are_leftmost_longest_and_do_not_overlap() -> None:
    lexicon = NameLexicon({"博德": 1.0, "冼博德": 1.0, "德华": 1.0, "伊布": 1.0})
    assert lexicon.find("冼博德华和伊布") == [(0, 3), (5, 7)]
    assert NameLexicon({}).find("冼博德") == []


@pytest.fixture(scope="module")
def names_pipe() -> Pipeline:
    """A pipeline of its own whose ``ner`` stage gets a lexicon written for these tests."""
    pipe = Pipeline.build()
    names = NameLexicon({"令狐冲": 0.8, "张无忌": 0.95, "江山": 0.9, "旺旺": 0.75, "金叶": 1.0})
    pipe.stage("ner").names = names  # type: ignore[attr-defined]
    return pipe


def test_lexicon_names_fill_what_the_model_passed_over(names_pipe: Pipeline, pipe: Pipeline) -> None:
    text = "令狐冲和张无忌都来了"
    found = [(m.text, m.label, m.source, m.confidence) for m in names_pipe.process(text).mentions]
    assert found == [("令狐冲", "PERSON", NAMES_SOURCE, 0.8), ("张无忌", "PERSON", NAMES_SOURCE, 0.9)]
    # Without the lexicon the model reads neither name here.
    assert not [m for m in pipe.process(text).mentions if m.label == "PERSON" and m.text == "令狐冲"]


def test_lexicon_names_yield_to_other_readings_and_need_whole_words(names_pipe: Pipeline) -> None:
    doc = names_pipe.process("令狐冲说，江山市今天很热。")
    # The speech-verb rule read 令狐冲 already; 江山 is only part of the word 江山市.
    assert [(m.text, m.source) for m in doc.mentions if m.label == "PERSON"] == [("令狐冲", "rule:persons.speech_verb")]


def test_lexicon_names_the_dictionary_knows_as_other_words_are_not_taken(names_pipe: Pipeline) -> None:
    # 旺旺 (an adjective) and 金叶 (a noun) are firms here; the dictionary knows their other senses.
    doc = names_pipe.process("农夫山泉的市值大致为5.4个旺旺。陕西金叶的主营业务为烟草配套。")
    assert not [m for m in doc.mentions if m.source == NAMES_SOURCE]


def test_committed_model_has_its_lexicon() -> None:
    model_dir = default_model_path()
    report = json.loads((model_dir / "training.json").read_text(encoding="utf-8"))
    lines = [line for line in (model_dir / NAMES_FILE).read_text(encoding="utf-8").splitlines() if line]
    assert report["names"]["file"] == NAMES_FILE
    assert report["names"]["names"] == len(lines) - 1 == len(NameLexicon.load(model_dir)) > 1000
