"""The role model's featurizer: bucketed features and where the triggers are."""

from __future__ import annotations

import regex

from pipeline.events.fillers import Filler
from pipeline.events.roles import RoleFeaturizer, _bucket, _Bucketed


def test_bucketed_is_bucket_and_keeps_its_strings() -> None:
    for edges in [(1, 2, 4, 8), (0, 3, 8, 20, 40), (2, 3, 4, 6, 9, 14, 20)]:
        bucketed = _Bucketed("X=", edges)
        for n in range(-3, 60):
            assert bucketed(n) == "X=" + _bucket(n, edges)
        assert bucketed(edges[-1] + 5) is bucketed(edges[-1] + 9)
        assert bucketed(1) is bucketed(1)


def _filler(text: str, start: int, label: str = "ORG") -> Filler:
    end = start + len(text)
    return Filler(label, "", start, end, text, text, "mention", None, (start, end))


def test_trigger_features_by_sentence() -> None:
    # Sentences: 0 holds two 收购 triggers, 1 none, 2 none, 3 one; fillers in 0 (before
    # the nearest trigger, gap 1), 1 (next to 0), 2 (next to 3) and a far one in 5.
    sentences_text = ["甲公司拟收购乙公司并收购丙。", "丁方说明。", "戊方确认。", "己方收购。", "无关。", "庚方。"]
    text = "".join(sentences_text)
    spans, start = [], 0
    for sentence in sentences_text:
        spans.append((start, start + len(sentence)))
        start += len(sentence)
    featurizer = RoleFeaturizer({"企业收购": regex.compile("收购")})
    fillers = [
        _filler("甲公司", 0),
        _filler("丁方", text.index("丁方")),
        _filler("戊方", text.index("戊方")),
        _filler("庚方", text.index("庚方")),
    ]
    features = featurizer.document_features(text, spans, fillers)
    assert {"TS:企业收购", "TS:企业收购:B2", "TS:企业收购:many", "ORG|TS:企业收购:B2"} <= set(features[0])
    assert "TN:企业收购" in features[1] and "TN:企业收购" in features[2]
    assert "TD:企业收购" in features[3]
    for feats in features[1:]:
        assert not any(f.startswith("TS:") for f in feats)
    # The same features whether the caller passes the trigger spans or they are found here.
    found = [m.span() for m in regex.finditer("收购", text)]
    assert featurizer.document_features(text, spans, fillers, {"企业收购": found}) == features


def test_own_features_memo_keeps_fillers_apart() -> None:
    # Fillers of one text that differ in their label, kind, source or cut have their own
    # features, whichever the memo saw first; a featurizer that has seen them (in another
    # order, in another document) gives what a fresh one gives.
    text = "公告：万科收购万科物业。\n万科公告称，万科拟以10亿元收购。"
    spans = [(0, 12), (12, len(text))]
    at = [k for k in range(len(text)) if text.startswith("万科", k)]
    fillers = [
        Filler("ORG", "company", at[0], at[0] + 2, "万科", "万科", "mention", "m1", (at[0], at[0] + 2)),
        Filler("ORG", "company", at[1], at[1] + 2, "万科", "万科", "mention", "m2", (at[1], at[1] + 4)),
        Filler(
            "ORG", "stock", at[2], at[2] + 2, "万科", "万科", "rule:events.filler.announcer", None, (at[2], at[2] + 2)
        ),
        Filler(
            "TEXT", "项目", at[3], at[3] + 2, "万科", "万科", "rule:events.variant.org_prefix", None, (at[3], at[3] + 2)
        ),
    ]
    warm = RoleFeaturizer({"企业收购": regex.compile("收购")})
    warm.document_features(text[::-1], spans, fillers[::-1])
    got = warm.document_features(text, spans, fillers)
    assert got == RoleFeaturizer({"企业收购": regex.compile("收购")}).document_features(text, spans, fillers)
    own = [{f for f in feats if f.startswith(("L=", "K=", "SRC=", "CUT="))} for feats in got]
    assert own == [
        {"L=ORG", "K=ORG:company", "SRC=mention", "CUT=0"},
        {"L=ORG", "K=ORG:company", "SRC=mention", "CUT=1"},
        {"L=ORG", "K=ORG:stock", "SRC=announcer", "CUT=0"},
        {"L=TEXT", "K=TEXT:项目", "SRC=org_prefix", "CUT=0"},
    ]
    assert got[0].count("L=ORG") == 1 and "ORG|TS:企业收购:B0" in got[0]
    assert "TEXT|TS:企业收购:B10" in got[3]
