"""The mojibake repair's fast paths give what the plain computations they replace give.

Each helper here replaced a per-item Python loop (or a recomputation) in
``pipeline/repair/mojibake.py``; the outputs must not change by a single float, so
each is checked against the loop it replaced, written out here, on random inputs.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from pipeline.corrupt import damage
from pipeline.repair.codecs import char_length, decode_whatwg_big5, decode_whatwg_gbk, step_unit
from pipeline.repair.lm import ARRAY_IDS, UNKNOWN, default_lm
from pipeline.repair.mojibake import (
    Detector,
    Repairer,
    _walk,
)

_ALPHABET = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所"
    "民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处理府研质"
)


def _random_piece(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 3)))


def _random_units(rng: random.Random, longest: int, unknown_share: float, count: int) -> list[bytes | None]:
    """``count`` random byte strings of 1 to ``longest`` bytes, about ``unknown_share`` of them unknown (None)."""
    return [
        bytes(rng.randrange(256) for _ in range(rng.randint(1, longest))) if rng.random() > unknown_share else None
        for _ in range(count)
    ]


@pytest.mark.parametrize("original", ["utf-8", "gbk", "big5"])
def test_walk_is_the_automaton_stepped_unit_by_unit(original: str) -> None:
    rng = random.Random(original)
    for _ in range(300):
        pieces = _random_units(rng, longest=3, unknown_share=0.05, count=rng.randint(0, 8))
        mask = 1
        for piece in pieces:
            if piece is None:
                break
            mask = step_unit(mask, piece, original)
        assert _walk(pieces, original) == mask


def _boundary_by_concatenation(filled: list[bytes | None], s: int, lowest: int, original: str) -> int:
    """:meth:`Repairer._boundary_before` as first written: the known bytes grown one piece at a time."""
    best = s
    offset = boundary = 0
    known = b""
    for k in range(s, lowest + 1):
        while boundary < offset:
            boundary += char_length(known[boundary], original) or 1
        if boundary == offset:
            best = k
        piece = filled[k - s]
        if piece is None:
            break
        known += piece
        offset += len(piece)
    return best


@pytest.mark.parametrize("original", ["utf-8", "gbk", "big5"])
def test_boundary_before_is_the_concatenating_search(original: str) -> None:
    rng = random.Random(original)
    for _ in range(300):
        filled = _random_units(rng, longest=2, unknown_share=0.1, count=rng.randint(1, 14))
        s = rng.randrange(4)
        lowest = s + rng.randrange(len(filled))
        expected = _boundary_by_concatenation(filled, s, lowest, original)
        assert Repairer._boundary_before(filled, s, lowest, original) == expected


@pytest.mark.parametrize("seed", range(6))
def test_long_texts_get_the_symbols_of_the_per_character_lookup(seed: int) -> None:
    lm = default_lm()
    rng = random.Random(seed)
    pool = _ALPHABET + " \t\r\n，。abcXYZ0123456789\u3000\ufffd\U00020000Москва"
    text = "".join(rng.choice(pool) for _ in range(rng.randint(ARRAY_IDS, 4 * ARRAY_IDS)))
    get = lm._index.get
    assert lm.ids(text) == [get(ch, UNKNOWN) for ch in text if ch not in " \t\r\x0b\x0c"]


@pytest.mark.parametrize("kind", ["utf8_as_gbk", "gbk_as_big5", "big5_as_gbk", "double_utf8", "gbk_as_latin1"])
def test_a_windows_odd_characters_are_the_texts_inside_it(kind: str) -> None:
    """:meth:`Repairer.regions` takes each window's odd characters from the text's (no scan per window)."""
    detector = Detector(default_lm())
    rng = random.Random(kind)
    for _ in range(10):
        clean = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(10, 40)))
        text = f"据统计，{damage(clean, kind, rng)}，麦价运行。\n第二行{damage(clean[:8], kind, rng)}。"  # type: ignore[arg-type]
        windows, odd = detector.windows_and_odd(text)
        assert windows == detector.windows(text) and odd == detector.odd_positions(text)
        for start, end in windows:
            assert [p - start for p in odd if start <= p < end] == detector.odd_positions(text[start:end])


def _whatwg_pairs_decoded_each_time(data: bytes, codec: str, trails: tuple[int, int]) -> str:
    """The browser decoders' pair step as first written: every pair decoded, a failure caught."""
    out: list[str] = []
    i = 0
    while i < len(data):
        b = data[i]
        if b < 0x80 or i + 1 >= len(data) or not 0x81 <= b <= 0xFE:
            out.append(chr(b) if b < 0x80 else "\ufffd")
            i += 1
            continue
        second = data[i + 1]
        if 0x40 <= second <= 0x7E or trails[0] <= second <= trails[1]:
            try:
                out.append(data[i : i + 2].decode(codec))
                i += 2
                continue
            except UnicodeDecodeError:
                pass
        out.append("\ufffd")
        i += 1 if second < 0x80 else 2
    return "".join(out)


def test_the_big5_browser_decoder_reads_pairs_as_decoding_each_did() -> None:
    rng = random.Random(5)
    datas = [bytes((a, b)) for a in range(0x80, 0x100) for b in range(0x30, 0x100)]
    datas += [bytes(rng.randrange(256) for _ in range(rng.randint(0, 24))) for _ in range(3000)]
    for data in datas:
        assert decode_whatwg_big5(data) == _whatwg_pairs_decoded_each_time(data, "big5hkscs", (0xA1, 0xFE))


def test_the_gbk_browser_decoder_reads_pairs_as_decoding_each_did() -> None:
    # Without the bytes only GBK's decoder treats apart (0x80, 0xFF, four-byte GB18030).
    rng = random.Random(6)
    plain = [b for b in range(256) if b not in (0x80, 0xFF)]
    datas = [bytes((a, b)) for a in range(0x81, 0xFF) for b in range(0x40, 0x100) if b != 0xFF]
    datas += [bytes(rng.choice(plain) for _ in range(rng.randint(0, 24))) for _ in range(3000)]
    for data in datas:
        if any(0x30 <= data[i + 1] <= 0x39 for i in range(len(data) - 1) if data[i] >= 0x81):
            continue  # a four-byte sequence may start here: not the pair step
        assert decode_whatwg_gbk(data) == _whatwg_pairs_decoded_each_time(data, "gb18030", (0x80, 0xFE))


def test_every_stored_gram_is_found_in_its_bucket_and_no_other() -> None:
    """The LM's hash buckets find each stored key of two symbols or more at its own row."""
    lm = default_lm()
    rows = np.arange(lm.size, len(lm._table), 97, dtype=np.int64)
    assert np.array_equal(lm._find(lm._table[rows]), rows)
    rng = np.random.default_rng(3)
    probes = rng.integers(lm._table[lm.size], lm._table[-1], 20000)
    stored = np.isin(probes, lm._table)
    found = lm._find(probes)
    assert np.array_equal(found >= 0, stored)
    assert np.array_equal(lm._table[found[stored]], probes[stored])
    assert lm._find(np.array([-1, -1], dtype=np.int64)).tolist() == [-1, -1]
