"""Byte-level views of text (pipeline/repair/codecs.py)."""

from __future__ import annotations

from pipeline.repair.codecs import (
    HOLE,
    QMARK,
    decode_whatwg_big5,
    decode_whatwg_gbk,
    explains,
    sloppy_cp1252_decode,
    sloppy_cp1252_encode,
    unit_bytes,
)
from pipeline.repair.mojibake import find_spans


def test_whatwg_gbk_keeps_ascii_after_a_bad_lead() -> None:
    assert decode_whatwg_gbk(b"\xe2\x80\x9d\n") == "鈥\ufffd\n"
    assert decode_whatwg_gbk(b"\xa0\x30\x41") == "\ufffd0A"  # Python's gb18030 would eat "0A"
    assert decode_whatwg_gbk(b"\x80") == "\u20ac"
    assert decode_whatwg_gbk(b"\xaa\xa1") == "\ue000"  # user-defined area -> private use


def test_whatwg_big5_is_big5_hkscs() -> None:
    assert decode_whatwg_big5("理想".encode("big5")) == "理想"
    assert decode_whatwg_big5(b"\xa1\x41") == "，"
    assert decode_whatwg_big5(b"\x81\x40") == "\ufffd@"


def test_units_invert_the_misreading_decoder() -> None:
    text = decode_whatwg_big5("区".encode("gbk"))
    assert unit_bytes(text, "big5") == "区".encode("gbk")
    assert unit_bytes("\ufffd", "gbk") == HOLE
    assert unit_bytes("?", "gbk") == QMARK
    assert unit_bytes("\u20ac", "gbk") == b"\x80"
    assert unit_bytes("中", "cp1252") is None


def test_sloppy_cp1252_round_trip() -> None:
    data = bytes(range(256))
    assert sloppy_cp1252_encode(sloppy_cp1252_decode(data)) == data


def test_explains_accepts_a_lost_byte_written_as_question_mark() -> None:
    data = "”".encode() + b", and"
    assert explains("鈥\ufffd, and", data, "gbk")
    assert explains("鈥?, and", data, "gbk")
    assert not explains("鈥x, and", data, "gbk")


def test_spans_follow_valid_utf8() -> None:
    units = [unit_bytes(ch, "gbk") for ch in "中浣犲ソ文"]
    assert find_spans(units, "utf-8") == [(1, 4)]
