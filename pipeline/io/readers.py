"""Turn command-line inputs (files, folders, globs, JSONL feeds, stdin) into documents to process.

Reading is in two steps so that a batch can spread the work: :func:`iter_sources`
walks the inputs and yields a :class:`FileRef` per plain file (only ``stat`` is done)
and an :class:`InputItem` per record of a JSONL/JSON feed; :func:`load_file` then
reads one file (in whichever process handles it), checks it and, for a web page,
extracts its article and metadata. Every input has a ``key`` (its identity in a run's
state database) and a content hash.

Bad inputs are not raised: they come out as :class:`InputFailure` items with an error
code from the catalogue, so that a batch records them and goes on.
"""

from __future__ import annotations

import codecs
import glob
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pipeline.errors import ErrorCode

HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
FEED_SUFFIXES = {".jsonl", ".ndjson"}
JSON_SUFFIXES = {".json"}
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
TEXT_FIELDS = ("text", "content", "body", "article")
HTML_FIELDS = ("html", "raw_html")
# Files a folder walk leaves alone: documentation beside the articles.
SKIPPED_NAMES = {"README.md", "README", "README.txt"}
STDIN = "-"
STDIN_SOURCE = "<stdin>"
# More than this share of replacement characters after the best decoding: not text.
MAX_UNDECODABLE_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class InputItem:
    """One document to process: its bytes or text, where it came from, and its metadata.

    ``key`` names the input in the state database (an absolute path, ``path:line`` or
    ``path#id`` for a feed record) and ``content_hash`` identifies its content.
    """

    source: str
    data: bytes | str
    meta: dict[str, Any] = field(default_factory=dict)
    doc_id: str | None = None
    key: str = ""
    content_hash: str = ""


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file to read later (by a worker): where it is and what ``stat`` said."""

    key: str
    source: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class InputFailure:
    """An input that cannot be processed, with the catalogue code and message."""

    source: str
    code: str
    message: str
    key: str = ""
    content_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The row written to ``failures.jsonl``."""
        return {"source": self.source, "code": self.code, "message": self.message}


Source = FileRef | InputItem | InputFailure


def _failure(source: str, code: ErrorCode, key: str = "", content_hash: str = "", **kwargs: Any) -> InputFailure:
    return InputFailure(source, code.name, code.message(**kwargs), key or source, content_hash)


def content_hash(data: bytes | str) -> str:
    """A hash of an input's content (SHA-256, 32 hex digits), to notice when it changes."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8", errors="surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:32]


def file_key(path: Path) -> str:
    """The state key of a file: its absolute path (without resolving symlinks)."""
    return os.path.abspath(path)


def looks_binary(data: bytes) -> str | None:
    """A reason when ``data`` looks like binary (NUL bytes, many control bytes); else ``None``."""
    head = data[:8192]
    if not head:
        return None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None  # UTF-16 text has NUL bytes by design
    if b"\x00" in head:
        return "NUL bytes"
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    if control / len(head) > 0.1:
        return f"{control} control bytes in the first {len(head)}"
    return None


def undecodable_reason(data: bytes) -> str | None:
    """A reason when ``data`` is not text in any supported encoding; else ``None``.

    Text that decodes strictly as UTF-8, GB18030 or Big5 (or has a BOM), or as UTF-8
    with a few broken bytes, is fine; else the detector the pipeline uses picks the
    best encoding, and more than
    :data:`MAX_UNDECODABLE_SHARE` of replacement characters, or no plausible encoding
    at all, means the bytes are not text (a few lost bytes are repaired downstream).
    """
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    for encoding in ("utf-8", "gb18030", "big5"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None
    # UTF-8 with a few broken bytes (a cut-off download) is text with lost bytes, which
    # the normaliser marks; random bytes give almost nothing but replacements in UTF-8.
    lenient = data.decode("utf-8", errors="replace")
    if lenient.count("\ufffd") / len(lenient) <= MAX_UNDECODABLE_SHARE:
        return None
    # GBK with a few broken bytes: GBK decodes almost any byte pairs, so the decoded text
    # must also read like Chinese (mostly the 3,755 common characters of GB2312 level 1).
    lenient = data.decode("gb18030", errors="replace")
    if lenient.count("\ufffd") / len(lenient) <= MAX_UNDECODABLE_SHARE and _common_hanzi_share(lenient) >= 0.6:
        return None
    from charset_normalizer import from_bytes

    from pipeline.repair.decode import CANDIDATE_ENCODINGS

    best = from_bytes(data, cp_isolation=list(CANDIDATE_ENCODINGS)).best()
    if best is None or not best.encoding:
        return f"no supported encoding ({', '.join(CANDIDATE_ENCODINGS)}) fits"
    text = data.decode(best.encoding, errors="replace")
    lost = text.count("\ufffd")
    if text and lost / len(text) > MAX_UNDECODABLE_SHARE:
        return f"{lost} of {len(text)} characters undecodable as {best.encoding}"
    return None


def _common_hanzi_share(text: str) -> float:
    """Share of the CJK characters of ``text`` that are GB2312 level-1 (common) characters."""
    han = common = 0
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff":
            han += 1
            try:
                common += 0xB0 <= ch.encode("gb2312")[0] <= 0xD7
            except UnicodeEncodeError:
                continue
    return common / han if han else 0.0


def _walk(folder: Path, exclude: Sequence[Path]) -> Iterator[Path]:
    """Files under ``folder`` in sorted order, streamed directory by directory."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (here / d).resolve() not in exclude)
        for name in sorted(files):
            if name.startswith(".") or name in SKIPPED_NAMES:
                continue
            path = here / name
            # Dangling symlinks are yielded too: the reader reports them as unreadable.
            if path.is_file() or path.is_symlink():
                yield path


def expand(inputs: Sequence[str], exclude: Iterable[Path] = ()) -> Iterator[Path | str]:
    """Files named by ``inputs``: folders recursively, globs expanded, ``-`` kept as stdin.

    Folders under ``exclude`` (a run's own output folder) are not walked.
    """
    skip = [Path(p).resolve() for p in exclude]
    for item in inputs:
        if item == STDIN:
            yield STDIN
            continue
        path = Path(item)
        if path.is_dir():
            yield from _walk(path, skip)
        elif path.exists() or path.is_symlink():
            yield path
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                yield path  # reported as unreadable by the reader
            for match in matches:
                found = Path(match)
                if found.is_dir():
                    yield from _walk(found, skip)
                elif found.is_file():
                    yield found


def read_feed_lines(
    lines: Iterable[bytes | int], source: str, key_base: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[InputItem | InputFailure]:
    """Documents from a JSONL feed: one JSON object per line with a text field and metadata.

    A record's key is ``<feed>#<id>`` when it has an ``id``, else ``<feed>:<line>``
    (stdin has no stable line numbers, so there a record without id is keyed by content).
    """
    base = key_base if key_base is not None else source
    for number, line in enumerate(lines, start=1):
        where = f"{source}:{number}"
        if isinstance(line, int):  # a line over the size limit (its size)
            key = f"{base}:{number}"
            yield _failure(where, ErrorCode.E104, key, path=where, size=line, limit=max_bytes)
            continue
        if not line.strip():
            continue
        digest = content_hash(line)
        fallback_key = f"{base}@{digest}" if source == STDIN_SOURCE else f"{base}:{number}"
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            yield _failure(where, ErrorCode.E106, fallback_key, digest, path=source, line=number, detail=str(exc))
            continue
        yield from _record_item(record, where, source, number, fallback_key, base, digest)


def _record_item(
    record: Any, where: str, source: str, number: int, fallback_key: str, base: str, digest: str
) -> Iterator[InputItem | InputFailure]:
    if not isinstance(record, dict):
        yield _failure(
            where, ErrorCode.E107, fallback_key, digest, path=source, line=number, detail="not a JSON object"
        )
        return
    key = f"{base}#{record['id']}" if record.get("id") not in (None, "") else fallback_key
    meta = {
        k: v
        for k, v in record.items()
        if k not in TEXT_FIELDS and k not in HTML_FIELDS and (isinstance(v, str | int | float | bool) or k == "title")
    }
    text = next((record[f] for f in TEXT_FIELDS if isinstance(record.get(f), str)), None)
    if text is None:
        html = next((record[f] for f in HTML_FIELDS if isinstance(record.get(f), str)), None)
        if html is None:
            detail = f"expected one of {', '.join(TEXT_FIELDS + HTML_FIELDS)}"
            yield _failure(where, ErrorCode.E107, key, digest, path=source, line=number, detail=detail)
            return
        from pipeline.io.html import extract_page

        page = extract_page(html, url=meta.get("url") if isinstance(meta.get("url"), str) else None)
        text = page.text
        meta = {**page.meta, **meta}
    if not text.strip():
        yield _failure(where, ErrorCode.E101, key, digest, path=where)
        return
    doc_id = str(record["id"]) if record.get("id") not in (None, "") else None
    yield InputItem(where, text, meta, doc_id, key, digest)


def _feed_records(path: Path, source: str, max_bytes: int) -> Iterator[InputItem | InputFailure]:
    key = file_key(path)
    try:
        with path.open("rb") as fh:
            if path.suffix.lower() in FEED_SUFFIXES:
                yield from read_feed_lines(_bounded_lines(fh, max_bytes), source, key, max_bytes)
                return
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        yield _failure(source, ErrorCode.E105, key, path=source, detail=exc.strerror or str(exc))
        return
    if len(data) > max_bytes:
        yield _failure(source, ErrorCode.E104, key, path=source, size=path.stat().st_size, limit=max_bytes)
        return
    digest = content_hash(data)
    try:
        parsed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        yield _failure(source, ErrorCode.E106, key, digest, path=source, line=1, detail=str(exc))
        return
    records = parsed if isinstance(parsed, list) else [parsed]
    for number, item in enumerate(records, start=1):
        item_digest = content_hash(json.dumps(item, ensure_ascii=False, sort_keys=True))
        yield from _record_item(item, f"{source}:{number}", source, number, f"{key}:{number}", key, item_digest)


def _bounded_lines(fh: IO[bytes], max_bytes: int) -> Iterator[bytes | int]:
    """Lines of a feed; a line over ``max_bytes`` is skipped and its size given instead."""
    while True:
        line = fh.readline(max_bytes + 1)
        if not line:
            return
        if len(line) > max_bytes and not line.endswith(b"\n"):
            size = len(line)
            while True:
                rest = fh.readline(1024 * 1024)
                size += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield size
            continue
        yield line


def iter_sources(
    inputs: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES, exclude: Iterable[Path] = ()
) -> Iterator[Source]:
    """Every input named by ``inputs`` in a stable order: files to read, feed records, failures.

    Files are only ``stat``-ed here (size limit, readability of the entry); their
    content is read by :func:`load_file`.
    """
    for target in expand(inputs, exclude):
        if target == STDIN:
            lines = _bounded_lines(sys.stdin.buffer, max_bytes)
            yield from read_feed_lines(lines, STDIN_SOURCE, "stdin", max_bytes)
            continue
        assert isinstance(target, Path)
        source = str(target)
        key = file_key(target)
        try:
            stat = target.stat()
        except OSError as exc:
            yield _failure(source, ErrorCode.E105, key, path=source, detail=exc.strerror or str(exc))
            continue
        if target.suffix.lower() in FEED_SUFFIXES | JSON_SUFFIXES:
            yield from _feed_records(target, source, max_bytes)
        elif stat.st_size > max_bytes:
            yield _failure(source, ErrorCode.E104, key, path=source, size=stat.st_size, limit=max_bytes)
        else:
            yield FileRef(key, source, stat.st_size, stat.st_mtime_ns)


def load_file(ref: FileRef, max_bytes: int = DEFAULT_MAX_BYTES) -> InputItem | InputFailure:
    """Read and check one file; a web page becomes its article text plus metadata."""
    source = ref.source
    try:
        with open(ref.key, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return _failure(source, ErrorCode.E105, ref.key, path=source, detail=exc.strerror or str(exc))
    digest = content_hash(data)
    if len(data) > max_bytes:
        return _failure(source, ErrorCode.E104, ref.key, digest, path=source, size=len(data), limit=max_bytes)
    if not data.strip():
        return _failure(source, ErrorCode.E101, ref.key, digest, path=source)
    reason = looks_binary(data)
    if reason is not None:
        return _failure(source, ErrorCode.E102, ref.key, digest, path=source, detail=reason)
    reason = undecodable_reason(data)
    if reason is not None:
        return _failure(source, ErrorCode.E103, ref.key, digest, path=source, detail=reason)
    meta: dict[str, Any] = {"path": source}
    if Path(source).suffix.lower() in HTML_SUFFIXES or looks_like_html_bytes(data):
        return _load_page(ref, data, digest, meta)
    return InputItem(source, data, meta, None, ref.key, digest)


def looks_like_html_bytes(data: bytes) -> bool:
    """Whether a file's bytes start like an HTML document."""
    from pipeline.io.html import looks_like_html

    return looks_like_html(data)


def _load_page(ref: FileRef, data: bytes, digest: str, meta: dict[str, Any]) -> InputItem | InputFailure:
    from pipeline.core import make_doc_id
    from pipeline.io.html import extract_page
    from pipeline.repair.decode import decode_bytes

    html_text, encoding = decode_bytes(data)
    page = extract_page(html_text)
    if not page.text.strip():
        return _failure(ref.source, ErrorCode.E101, ref.key, digest, path=f"{ref.source} (no article text in the page)")
    # The record's id and hash stay those of the page's bytes, not of the extracted text.
    return InputItem(
        ref.source, page.text, {**meta, **page.meta, "encoding": encoding}, make_doc_id(data), ref.key, digest
    )


def read_path(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[InputItem | InputFailure]:
    """Documents in one file (a feed gives many); failures for what cannot be read."""
    for item in iter_sources([str(path)], max_bytes):
        yield load_file(item, max_bytes) if isinstance(item, FileRef) else item


def iter_inputs(inputs: Sequence[str], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[InputItem | InputFailure]:
    """Every document (or failure) named by ``inputs``, in a stable order, read in this process."""
    for item in iter_sources(inputs, max_bytes):
        yield load_file(item, max_bytes) if isinstance(item, FileRef) else item
