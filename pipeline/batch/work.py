"""What a worker does with one chunk of inputs, whichever engine runs it.

The same function, :func:`process_chunk`, runs in the driver (one worker), in a
process pool, or on a Dask worker: it reads the files of its chunk, runs the pipeline
(built once per process from the run's :class:`PipelineSpec`), writes the records as one
committed part, and returns a small :class:`ChunkResult` for the driver to record in
the state database.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.batch.parts import write_part
from pipeline.batch.state import Done, Failed
from pipeline.core import Pipeline
from pipeline.errors import ErrorCode, PipelineError
from pipeline.io.readers import DEFAULT_MAX_BYTES, FileRef, InputFailure, InputItem, load_file
from pipeline.rulebook.loader import Rulebook
from pipeline.stages.segment import default_backend


@dataclass(frozen=True, slots=True)
class PipelineSpec:
    """Everything a worker needs to build the same pipeline as the driver (hashable, picklable).

    ``options_json`` holds the stage options (``pattern_timeout``, a run config's
    ``[options]`` ...) as sorted JSON, so the spec stays hashable.
    """

    rules: tuple[str, ...] = ()
    stages: tuple[str, ...] | None = None
    simplify: bool = True
    doc_date: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    segmenter: str | None = None
    options_json: str = "{}"

    @staticmethod
    def encode_options(options: Mapping[str, Any]) -> str:
        """Stage options as the canonical JSON this spec keeps."""
        return json.dumps(dict(options), sort_keys=True, ensure_ascii=False, default=str)

    def options(self) -> dict[str, Any]:
        """The pipeline options of this spec."""
        options: dict[str, Any] = json.loads(self.options_json)
        options["simplify"] = self.simplify and bool(options.get("simplify", True))
        if self.segmenter is not None:
            options["segmenter"] = self.segmenter
        return options

    def fingerprint(self, rulebook: Rulebook) -> str:
        """One hash over what decides a record: code version and files, models, rules, stages and options.

        An input processed under another fingerprint counts as changed.
        """
        from importlib.metadata import PackageNotFoundError, version

        try:
            zhpipe_version = version("zhpipe")
        except PackageNotFoundError:
            zhpipe_version = "unknown"
        parts = [
            zhpipe_version,
            installed_code_digest(),
            rulebook.fingerprint(),
            ",".join(self.stages or ()),
            str(self.simplify),
            self.doc_date or "",
            self.segmenter or default_backend(),
            self.options_json,
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def installed_code_digest() -> str:
    """A hash of the installed package's code and shipped models (``pipeline/``: sources, models, tables).

    The version number alone does not change when a checkout is edited or a model is
    retrained in place (``make train-events``), and a rerun would then keep records the
    new code or model would write otherwise. Read once per process (about 40 MB, well
    under a second).
    """
    return tree_digest(Path(__file__).resolve().parents[1])


def tree_digest(root: Path) -> str:
    """A hash of every file under ``root`` (names and contents), byte-code caches left out."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Task:
    """One input of a chunk; ``known_hash`` is the content already done under this fingerprint."""

    source: FileRef | InputItem
    known_hash: str | None = None


@dataclass(slots=True)
class Chunk:
    """Inputs processed together and committed as one part."""

    part: str
    tasks: list[Task]
    attempt: int = 0

    def split(self) -> list[Chunk]:
        """One chunk per input, to retry after a worker died: only the culprit then fails."""
        return [Chunk(f"{self.part}-{i:04d}", [task], self.attempt + 1) for i, task in enumerate(self.tasks)]

    def lost(self, fingerprint: str, detail: str) -> ChunkResult:
        """The result of a chunk whose worker died every time: each input becomes a failure row."""
        result = ChunkResult(None, len(self.tasks), fingerprint, self.part)
        for task in self.tasks:
            source = task.source
            size, mtime_ns = _stat_of(source)
            message = ErrorCode.E110.message(path=source.source, detail=detail)
            result.failed.append(Failed(source.key, source.source, "E110", message, None, size, mtime_ns))
        return result


@dataclass(slots=True)
class ChunkResult:
    """What the driver records after a chunk: the part, its inputs, failures, counts.

    ``chunk`` names the chunk it is the result of (the part it was to commit);
    ``part`` is that name too, or ``None`` when no input of the chunk gave a record.
    """

    part: str | None
    size: int
    fingerprint: str
    chunk: str = ""
    done: list[Done] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    unchanged: list[tuple[str, int, int]] = field(default_factory=list)
    mentions: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    worker: str = ""


WARM_UP_TEXT = (
    "华为技术有限公司董事长任正非2025年11月18日在深圳宣布，公司营收同比增长10%至8000多亿元，并发布Mate 70手机。"
)
# UTF-8 read as GBK with lost bytes: repairing it loads the mojibake repair's models
# (the word model of jieba's dictionary, ~50 MB) in the driver, so forked workers share
# those pages instead of each loading its own copy on its first damaged input.
WARM_UP_DAMAGED = "深圳宣布，公司营收同比增长10%。\n".encode().decode("gbk", errors="replace")


@lru_cache(maxsize=2)
def pipeline_for(config: PipelineSpec) -> Pipeline:
    """The pipeline of ``config``, built once per process (jieba and the rules load once)."""
    return Pipeline.build(list(config.rules), stages=list(config.stages) if config.stages else None, **config.options())


@lru_cache(maxsize=2)
def fingerprint_for(config: PipelineSpec) -> str:
    """The fingerprint this process computes for ``config`` (checked by the driver)."""
    return config.fingerprint(pipeline_for(config).rulebook)


def warm_up(config: PipelineSpec) -> None:
    """Build the pipeline and its segmenter before the first chunk arrives (pool initializer).

    A pipeline that cannot be built is not an error here: the first chunk raises it
    again, and that reaches the driver with its message (a failing initializer only
    breaks the pool).
    """
    try:
        pipe = pipeline_for(config)
        fingerprint_for(config)
        # A sentence that reaches every lazily built resource (word tags, pattern caches).
        pipe.process(WARM_UP_TEXT, doc_id="warm-up")
        pipe.process(WARM_UP_DAMAGED, doc_id="warm-up-damaged")
    except Exception:  # noqa: S110 - raised again, with its message, by the first chunk
        pass


def _stat_of(source: FileRef | InputItem) -> tuple[int | None, int | None]:
    return (source.size, source.mtime_ns) if isinstance(source, FileRef) else (None, None)


def process_chunk(chunk: Chunk, config: PipelineSpec, parts_dir: str) -> ChunkResult:
    """Process every input of ``chunk`` and commit their records as part ``chunk.part``."""
    started, cpu_started = time.perf_counter(), time.process_time()
    pipe = pipeline_for(config)
    result = ChunkResult(
        None, len(chunk.tasks), fingerprint_for(config), chunk.part, worker=f"{os.uname().nodename}:{os.getpid()}"
    )
    entries: list[tuple[str, dict[str, Any]]] = []
    for task in chunk.tasks:
        source = task.source
        size, mtime_ns = _stat_of(source)
        loaded = load_file(source, config.max_bytes) if isinstance(source, FileRef) else source
        if isinstance(loaded, InputFailure):
            result.failed.append(
                Failed(
                    loaded.key, loaded.source, loaded.code, loaded.message, loaded.content_hash or None, size, mtime_ns
                )
            )
            continue
        if task.known_hash is not None and loaded.content_hash == task.known_hash and size is not None:
            assert mtime_ns is not None
            result.unchanged.append((loaded.key, size, mtime_ns))
            continue
        try:
            doc = pipe.process(
                loaded.data, doc_id=loaded.doc_id, doc_date=config.doc_date, source=loaded.source, meta=loaded.meta
            )
        except PipelineError as exc:
            result.failed.append(
                Failed(loaded.key, loaded.source, exc.code.name, str(exc), loaded.content_hash, size, mtime_ns)
            )
            continue
        except Exception as exc:  # a bug in a stage must not stop the batch: it becomes a failure row
            message = ErrorCode.E110.message(path=loaded.source, detail=f"{type(exc).__name__}: {exc}")
            result.failed.append(
                Failed(loaded.key, loaded.source, "E110", message, loaded.content_hash, size, mtime_ns)
            )
            continue
        record = doc.to_dict()
        entries.append((loaded.key, record))
        result.done.append(Done(loaded.key, loaded.source, loaded.content_hash, doc.doc_id, size, mtime_ns))
        result.mentions.update(m.label for m in doc.mentions)
        result.events.update(e.type for e in doc.events)
    if entries:
        write_part(Path(parts_dir), chunk.part, entries)
        result.part = chunk.part
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu_started
    return result
