"""Raw bytes to text (pipeline/repair/decode.py)."""

from __future__ import annotations

import codecs

import pytest

from pipeline.repair.decode import decode_bytes
from pipeline.repair.lm import default_lm

TEXT = "据了解，在9月下旬开始的这轮调整中，产研中心成为受影响最大的部门。"
TRAD = "據了解，在9月下旬開始的這輪調整中，產研中心成為受影響最大的部門。"


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (codecs.BOM_UTF8 + TEXT.encode(), TEXT, "utf-8"),
        (TEXT.encode("utf-16"), TEXT, "utf-16-le"),
        (TEXT.encode(), TEXT, "utf-8"),
        (TEXT.encode("gbk"), TEXT, "gb18030"),
        (TRAD.encode("big5"), TRAD, "big5"),
    ],
)
def test_encodings(data: bytes, text: str, encoding: str) -> None:
    assert decode_bytes(data, default_lm()) == (text, encoding)


def test_short_big5_is_not_taken_for_gbk() -> None:
    data = "智譜清言證明了".encode("big5")
    text, _encoding = decode_bytes(data, default_lm())
    assert text == "智譜清言證明了"


def test_garbage_never_raises() -> None:
    text, encoding = decode_bytes(bytes(range(256)), default_lm())
    assert isinstance(text, str) and encoding
