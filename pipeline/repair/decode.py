"""Turn raw bytes into text: BOM, strict UTF-8, then a detector among Chinese encodings.

Order: a byte-order mark decides; else strict UTF-8 (nearly every modern page);
else charset-normalizer, restricted to the encodings Chinese text actually arrives
in (so it cannot "find" cp1250 in a GBK page). GBK and Big5 bytes often both decode
without error, and a statistical detector can pick the wrong one on a short text, so
when more than one candidate decodes cleanly the character language model has the
last word (it reads Chinese; the detector reads byte statistics). The chosen
encoding is returned and recorded on the document.
"""

from __future__ import annotations

import codecs
import contextlib

from charset_normalizer import from_bytes

from pipeline.repair.lm import CharLM
from pipeline.repair.t2s import to_simplified

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The encodings Chinese web text actually arrives in; the detector may only choose
# among these.
CANDIDATE_ENCODINGS: tuple[str, ...] = ("gb18030", "big5", "utf_16", "utf_8")
_STRICT_CANDIDATES: tuple[str, ...] = ("gb18030", "big5hkscs", "utf-16-le", "utf-16-be")
SAMPLE_CHARS = 4000  # enough text to tell GBK from Big5
LM_MARGIN = 0.5  # nats per character another decoding must win by to overrule the detector


def _canonical(name: str) -> str:
    name = codecs.lookup(name).name
    if name in ("gbk", "gb2312"):
        return "gb18030"  # a superset: decodes every GBK page and more
    return name


def decode_bytes(data: bytes, lm: CharLM | None = None) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``; never raises.

    Falls back to GB18030 with replacement characters (which the normaliser then
    marks as lost bytes) when nothing decodes cleanly.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    detected: str | None = None
    try:
        best = from_bytes(data, cp_isolation=list(CANDIDATE_ENCODINGS)).best()
        if best is not None and best.encoding:
            detected = _canonical(best.encoding)
    except (LookupError, ValueError, RuntimeError):
        detected = None
    clean: dict[str, str] = {}
    for name in _STRICT_CANDIDATES:
        try:
            clean[name] = data.decode(name)
        except UnicodeDecodeError:
            continue
    if detected is not None and detected not in clean:
        with contextlib.suppress(UnicodeDecodeError, LookupError):
            clean[detected] = data.decode(detected)
    if not clean:
        name = detected or "gb18030"
        try:
            return data.decode(name, errors="replace"), name
        except LookupError:
            return data.decode("gb18030", errors="replace"), "gb18030"
    if len(clean) == 1 or lm is None:
        name = detected if detected in clean else next(iter(clean))
        return clean[name], name
    return _choose_by_lm(clean, detected, lm)


def _choose_by_lm(clean: dict[str, str], detected: str | None, lm: CharLM) -> tuple[str, str]:
    """The decoding that reads most like Chinese text, the detector's choice on a near tie."""
    names = list(clean)
    samples = []
    for name in names:
        sample = clean[name][:SAMPLE_CHARS]
        simple = to_simplified(sample)
        samples.append(simple if len(simple) == len(sample) else sample)
    scores = lm.score_many(samples)
    per_char = {name: score / max(1, len(sample)) for name, score, sample in zip(names, scores, samples, strict=True)}
    best = max(names, key=lambda n: per_char[n])
    if detected in per_char and per_char[best] - per_char[detected] < LM_MARGIN:
        best = detected
    return clean[best], best
