"""The pinyin repair's one-off GBK tables equal their plain, slow construction (pipeline/repair/pinyin.py)."""

from __future__ import annotations

from collections import defaultdict

from pipeline.repair import pinyin
from pipeline.repair.pinyin import _HAN, _gbk_by_lead, _gbk_char, _gbk_han, _writable_trails, readings

_TRAILS = [*range(0x40, 0x7F), *range(0x80, 0xFF)]


def _decoded_pairs() -> list[tuple[int, int, str]]:
    """Every GBK pair that decodes, one small decode each."""
    out = []
    for lead in range(0x81, 0xFF):
        for trail in _TRAILS:
            try:
                out.append((lead, trail, bytes((lead, trail)).decode("gbk")))
            except UnicodeDecodeError:
                continue
    return out


def test_readings_by_lead_equal_pypinyin_per_character() -> None:
    table: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for lead, trail, ch in _decoded_pairs():
        for reading in readings(ch):
            table[lead][reading].append(trail)
    expected = {lead: {r: tuple(t) for r, t in by.items()} for lead, by in table.items()}
    built = _gbk_by_lead()
    assert built == expected
    # Candidate leads are tried in this order.
    assert list(built) == list(expected)


def test_gbk_han_is_every_decoded_hanzi_in_byte_order() -> None:
    assert _gbk_han() == tuple(ch for _lead, _trail, ch in _decoded_pairs() if _HAN.match(ch))


def test_writable_trails_equal_a_decode_per_pair() -> None:
    alphabet = pinyin._converter_alphabet()
    expected = {
        x1: tuple(
            x2
            for x2 in _TRAILS
            if (ch := _gbk_char(bytes((x1, x2)))) is not None and (ch in alphabet or not _HAN.match(ch))
        )
        for x1 in range(0x81, 0xFF)
    }
    assert _writable_trails() == expected


def test_prepare_builds_the_tables() -> None:
    tables = (
        pinyin._gbk_pairs,
        _gbk_by_lead,
        _gbk_han,
        pinyin._converter_alphabet,
        pinyin._foreign_deletions,
        pinyin._foreign_pattern,
        pinyin._unwritable,
        pinyin._dropped_pairs,
        _writable_trails,
    )
    for table in tables:
        table.cache_clear()
    pinyin.prepare_tables()
    assert [table.cache_info().currsize for table in tables] == [1] * len(tables)
