"""Turn raw bytes into text: BOM, strict UTF-8, then a detector among Chinese encodings."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The encodings Chinese web text actually arrives in; the detector may only choose
# among these, which keeps it from "finding" cp1250 in a GBK page.
CANDIDATE_ENCODINGS: tuple[str, ...] = ("gb18030", "big5", "utf_16", "utf_8")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``; never raises.

    Order: a byte-order mark decides; else strict UTF-8; else charset-normalizer
    restricted to :data:`CANDIDATE_ENCODINGS`; else GB18030 with replacement
    characters (which the normaliser then marks as lost bytes).
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=list(CANDIDATE_ENCODINGS)).best()
    if best is not None and best.encoding:
        name = codecs.lookup(best.encoding).name
        if name == "gbk" or name == "gb2312":
            name = "gb18030"  # a superset: decodes every GBK page and more
        return data.decode(name, errors="replace"), name
    return data.decode("gb18030", errors="replace"), "gb18030"
