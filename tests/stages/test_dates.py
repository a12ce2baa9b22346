"""Tests of the dates stage (pipeline/stages/dates.py) and its subpackage (pipeline/dates/).

The rule files' inline examples run here too (as in ``zhpipe rules test``); the
narrative cases live in ``tests/stages/cases/dates_narrative.yaml``. Corpus-scale
recall is a slow test (``make test-slow``) and a benchmark script.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core import Pipeline
from pipeline.dates import holidays
from pipeline.dates.extractor import DateExtractor, gated_scan
from pipeline.dates.metadata import date_from_fields, date_from_html_meta, dateline, parse_loose
from pipeline.errors import RuleError
from pipeline.rulebook.examples import collect_cases, run_case
from pipeline.rulebook.loader import load_rulebook
from pipeline.rulebook.patterns import Deadline, PatternTimeout, pattern_scope
from pipeline.rulebook.schemas.dates import HolidaySpec

ROOT = Path(__file__).resolve().parents[2]
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "dates_narrative.yaml").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def dates_pipe() -> Pipeline:
    """Normalise + dates + mentions only: fast, and what these tests are about."""
    return Pipeline.build(stages=["normalize", "dates", "mentions"])


def dates_of(pipe: Pipeline, text: str, ref: str | None = "2025-11-20") -> dict[str, list[dict[str, Any]]]:
    """DATE mentions of ``text`` by mention text (a list: the same text may occur twice)."""
    doc = pipe.process(text, doc_date=ref)
    out: dict[str, list[dict[str, Any]]] = {}
    for m in doc.mentions:
        if m.label == "DATE":
            assert m.value is not None
            out.setdefault(m.text, []).append({**m.value.to_dict(), "source": m.source})
    return out


# -- the rule files' own examples --------------------------------------------------------
_DATE_CASES = [c for c in collect_cases(load_rulebook()) if Path(c.path).name.startswith("dates")]


@pytest.mark.parametrize("case", _DATE_CASES, ids=[c.case_id for c in _DATE_CASES])
def test_rule_examples(case: Any, dates_pipe: Pipeline) -> None:
    outcome, message = run_case(case, dates_pipe)
    assert outcome in ("pass", "xfail"), message


def test_rule_files_have_many_examples() -> None:
    # Every atom and composition carries at least one example (they are the rules' tests).
    rules = load_rulebook().get("dates")
    assert rules is not None
    for rule in [*rules.rules, *rules.compositions, *rules.holidays]:  # type: ignore[attr-defined]
        assert rule.examples, f"{rule.id} has no example"


# -- narrative cases ---------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_narrative_cases(case: dict[str, Any], dates_pipe: Pipeline) -> None:
    text = (ROOT / case["file"]).read_bytes() if "file" in case else case["text"]
    doc = dates_pipe.process(text, doc_date=case["ref"])
    mentions = [m for m in doc.mentions if m.label == "DATE"]
    for expected in case["expect"]:
        found = [m for m in mentions if m.text == expected["span"]]
        nth = expected.get("nth", 1)
        assert len(found) >= nth, f"no DATE {expected['span']!r} (#{nth}); found {[m.text for m in mentions]}"
        value = found[nth - 1].value
        assert value is not None
        got = value.to_dict()
        wrong = {k: (v, got.get(k)) for k, v in expected["value"].items() if got.get(k) != v}
        assert not wrong, f"{expected['span']}: {wrong}"
        assert found[nth - 1].source.startswith("rule:dates.")
    for span in case.get("absent", []):
        assert span not in [m.text for m in mentions]


def test_seed_article_is_unchanged_by_the_stage(seed_bytes: bytes, dates_pipe: Pipeline) -> None:
    doc = dates_pipe.process(seed_bytes, doc_date="2025-11-01")
    for m in doc.mentions:
        assert seed_bytes.decode("utf-8")[m.raw_start : m.raw_end]  # offsets map back to raw text


# -- what must be left alone ---------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "销量达到2025辆",
        "贵州茅台（600519）",
        "发布GLM-4模型",
        "联系电话13800138000",
        "双方以3:1的比例换股",
        "股价跌破5日均线",
        "版本号v2.3.1",
    ],
)
def test_non_dates_are_left_alone(text: str, dates_pipe: Pipeline) -> None:
    assert dates_of(dates_pipe, text) == {}


def test_duration_is_not_a_point(dates_pipe: Pipeline) -> None:
    found = dates_of(dates_pipe, "公司已连续3个月亏损，3月亏损最多")
    assert found["3个月"][0]["kind"] == "duration"
    assert found["3个月"][0]["duration"] == "P3M"
    assert found["3月"][0]["kind"] == "point"


def test_every_mention_names_its_rule(dates_pipe: Pipeline, seed_bytes: bytes) -> None:
    doc = dates_pipe.process(seed_bytes, doc_date="2025-11-01")
    assert all(m.source.startswith("rule:dates.") for m in doc.mentions if m.label == "DATE")


def test_without_a_document_date_relative_dates_stay_open(dates_pipe: Pipeline) -> None:
    doc = dates_pipe.process("昨天公司发布公告")
    assert doc.doc_date.origin == "none"
    (m,) = [m for m in doc.mentions if m.label == "DATE"]
    assert m.value is not None and m.value.start is None and m.confidence < 0.5


# -- the document date ---------------------------------------------------------------------
def test_doc_date_from_the_argument_wins(dates_pipe: Pipeline) -> None:
    doc = dates_pipe.process("2025-11-20 10:31 发布\n今天", doc_date="2024-01-02")
    assert doc.doc_date.to_dict() == {"value": "2024-01-02T00:00:00", "origin": "argument"}


def test_doc_date_from_a_feed_field(dates_pipe: Pipeline) -> None:
    doc = dates_pipe.process("今天公司发布公告", meta={"published": "2025-11-18T08:00:00+08:00"})
    assert doc.doc_date.to_dict() == {"value": "2025-11-18T08:00:00", "origin": "metadata"}
    assert dates_of(dates_pipe, "今天", None) == {"今天": [dates_of(dates_pipe, "今天", None)["今天"][0]]}


def test_doc_date_from_a_dateline(dates_pipe: Pipeline) -> None:
    doc = dates_pipe.process("智谱提交上市辅导备案\n2025-11-20 10:31 发布\n昨天，公司……")
    assert doc.doc_date.to_dict() == {"value": "2025-11-20T10:31:00", "origin": "metadata"}
    yesterday = next(m for m in doc.mentions if m.text == "昨天")
    assert yesterday.value is not None and yesterday.value.start == "2025-11-19T00:00:00"


def test_doc_date_from_html_meta(dates_pipe: Pipeline) -> None:
    html = (
        '<html><head><meta property="article:published_time" content="2025-11-18T09:00:00+08:00">'
        "</head><body><p>昨天公司发布公告</p></body></html>"
    )
    doc = dates_pipe.process(html)
    assert doc.doc_date.to_dict() == {"value": "2025-11-18T09:00:00", "origin": "metadata"}


def test_doc_date_inferred_from_the_text(dates_pipe: Pipeline) -> None:
    doc = dates_pipe.process("公司2019年成立。2024年3月5日公司上市，昨天公司公告")
    assert doc.doc_date.to_dict() == {"value": "2024-03-05T00:00:00", "origin": "text"}


def test_bad_doc_date_is_a_clear_error(dates_pipe: Pipeline) -> None:
    with pytest.raises(Exception, match="E109"):
        dates_pipe.process("今天", doc_date="not a date")


# -- metadata helpers ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<meta name="pubdate" content="2025-11-20 10:31:00">', datetime(2025, 11, 20, 10, 31)),
        ("<meta content='2025年11月20日 08:05' name='PubDate'>", datetime(2025, 11, 20, 8, 5)),
        (
            '<script type="application/ld+json">{"datePublished": "2025-11-19T07:00:00Z"}</script>',
            datetime(2025, 11, 19, 15),
        ),
        ('<time datetime="2025-11-17">17 Nov</time>', datetime(2025, 11, 17)),
        ('<meta name="description" content="2025-01-01 是元旦">', None),
    ],
)
def test_date_from_html_meta(html: str, expected: datetime | None) -> None:
    assert date_from_html_meta(html) == expected


def test_dateline_forms() -> None:
    assert dateline("标题\n2025-11-20 10:31 发布\n正文") == datetime(2025, 11, 20, 10, 31)
    assert dateline("标题\n发布时间：2025年11月20日 来源：新华社") == datetime(2025, 11, 20)
    assert dateline("正文里提到2025年11月20日的会议") is None


def test_feed_fields() -> None:
    assert date_from_fields({"pubdate": "2025/11/20"}) == ("pubdate", datetime(2025, 11, 20))
    assert date_from_fields({"publish_time": 1763605800}) == ("publish_time", datetime(2025, 11, 20, 10, 30))
    assert date_from_fields({"pubDate": "Tue, 18 Nov 2025 09:00:00 +0800"}) == ("pubDate", datetime(2025, 11, 18, 9))
    assert date_from_fields({"title": "x"}) is None
    assert parse_loose("garbage") is None


# -- holidays and working days ----------------------------------------------------------
def _spec(**kwargs: Any) -> HolidaySpec:
    return HolidaySpec(id="dates.holiday.test", names=["x"], **kwargs)


@pytest.mark.parametrize(
    ("spec", "year", "expected"),
    [
        (_spec(calendar="lunar", month=1, day=1), 2025, date(2025, 1, 29)),
        (_spec(calendar="lunar", month=1, day=1), 2026, date(2026, 2, 17)),
        (_spec(calendar="lunar", month=1, day=1, offset=-1), 2024, date(2024, 2, 9)),
        (_spec(calendar="lunar", month=8, day=15), 2025, date(2025, 10, 6)),
        (_spec(calendar="lunar", month=12, day=8), 2025, date(2025, 1, 7)),
        (_spec(calendar="term", term="清明"), 2024, date(2024, 4, 4)),
        (_spec(calendar="term", term="冬至"), 2025, date(2025, 12, 21)),
        (_spec(calendar="nth_weekday", month=5, weekday=6, n=2), 2025, date(2025, 5, 11)),
    ],
)
def test_holiday_dates(spec: HolidaySpec, year: int, expected: date) -> None:
    assert holidays.holiday_date(spec, year) == expected


def test_official_break_and_working_days() -> None:
    national = _spec(calendar="solar", month=10, day=1, days=7)
    period = holidays.holiday_period(national, date(2025, 10, 1))
    assert (period.start, period.end, period.official) == (date(2025, 10, 1), date(2025, 10, 9), True)
    assert holidays.is_working_day(date(2025, 9, 28))  # a make-up Sunday
    assert not holidays.is_trading_day(date(2025, 9, 28))  # exchanges stay shut
    assert holidays.add_business_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert holidays.add_business_days(date(2025, 10, 9), -1) == date(2025, 9, 30)


def test_holiday_spec_needs_its_fields() -> None:
    with pytest.raises(ValueError, match="needs month, day"):
        _spec(calendar="lunar")


# -- rules as data ----------------------------------------------------------------------------
def test_overlay_rule_file_adds_a_date_form(tmp_path: Path) -> None:
    (tmp_path / "extra.yaml").write_text(
        "kind: dates\nrules:\n  - id: dates.custom.season\n    pattern: '(?P<year>{YEAR})年(?P<part>春季)'\n"
        "parts:\n  春季: {of: year, start: 3, length: 3, grain: month}\n",
        encoding="utf-8",
    )
    pipe = Pipeline.build(rules=[tmp_path], stages=["normalize", "dates", "mentions"])
    found = dates_of(pipe, "2025年春季")
    assert found["2025年春季"][0]["start"] == "2025-03-01T00:00:00"
    assert found["2025年春季"][0]["source"] == "rule:dates.custom.season"


def test_bad_pattern_names_the_file_and_rule(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("kind: dates\nrules:\n  - id: dates.custom.bad\n    pattern: '(?P<year>'\n")
    with pytest.raises(RuleError, match=r"bad\.yaml.*dates\.custom\.bad"):
        Pipeline.build(rules=[tmp_path], stages=["normalize", "dates", "mentions"])


# -- properties ---------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2049, 12, 31)))
def test_any_written_date_resolves_to_itself(day: date) -> None:
    extractor = _extractor()
    ref = datetime(2025, 11, 20)
    for text in (f"{day.year}年{day.month}月{day.day}日", day.isoformat(), f"{day.year}/{day.month}/{day.day}"):
        (found,) = extractor.find(f"消息：{text}，公司公告", ref)
        assert found.value.start == f"{day.isoformat()}T00:00:00", text


_EXTRACTOR: list[DateExtractor] = []


def _extractor() -> DateExtractor:
    if not _EXTRACTOR:
        _EXTRACTOR.append(DateExtractor.from_rulebook(load_rulebook()))
    return _EXTRACTOR[0]


# -- corpus-scale recall (slow) ---------------------------------------------------------------
@pytest.mark.slow
def test_recall_on_duee_fin_and_fewfc(dates_pipe: Pipeline) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from dates_recall import grade, load

    for dataset in ("duee_fin", "fewfc"):
        found = total = 0
        for doc in load(dataset):
            if not doc.arguments:
                continue
            record = dates_pipe.process(doc.text, doc_id=doc.doc_id)
            spans = [(m.raw_start, m.raw_end) for m in record.mentions if m.label == "DATE"]
            for arg in doc.arguments:
                total += 1
                found += grade(arg, spans) in ("exact", "contain")
        assert found / total >= 0.97, f"{dataset}: recall {found / total:.2%}"


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
def test_iso_formats_as_strftime(dt: datetime) -> None:
    from pipeline.dates.calendar import iso

    assert iso(dt) == dt.strftime("%Y-%m-%dT%H:%M:%S")
    assert iso(None) is None


# -- the gate in front of the scans ------------------------------------------------------
def test_gated_scan_skips_a_text_the_gate_rules_out() -> None:
    extractor = DateExtractor.from_rulebook(load_rulebook())
    patterns, gate = extractor._atom_patterns, extractor._atom_gate
    with pattern_scope(Deadline(5.0)):
        assert gated_scan(patterns, gate, "公司发布新品") is None
        assert extractor.find_atoms("公司发布新品") == []
        scans = gated_scan(patterns, gate, "公司于3月6日发布新品")
    assert scans is not None and any(scans)


def test_gated_scan_still_times_out_on_a_spent_budget() -> None:
    # With the budget spent the scan runs (and fails with E206) even when the gate rules
    # every pattern out, as it did before the gate could skip it.
    extractor = DateExtractor.from_rulebook(load_rulebook())
    spent = Deadline(1.0)
    spent.charge("earlier stage", 2.0)
    with pattern_scope(spent), pytest.raises(PatternTimeout):
        gated_scan(extractor._atom_patterns, extractor._atom_gate, "公司发布新品")
