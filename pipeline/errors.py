"""One catalogue of error codes and messages, in the manner of spaCy's ``Errors``.

Every error the pipeline raises or records in ``failures.jsonl`` comes from here, so
that operators can grep a code and evaluators can count failures by kind.
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(Enum):
    """Stable codes; the text is a format string filled with keyword arguments."""

    # Input (E1xx): the batch records these and goes on.
    E101 = "empty input: {path} has no content"
    E102 = "binary input: {path} looks like binary data ({detail}), not text"
    E103 = "undecodable input: {path} could not be decoded as any supported encoding ({detail})"
    E104 = "input too large: {path} is {size} bytes, over the limit of {limit} bytes"
    E105 = "unreadable input: {path} could not be read ({detail})"
    E106 = "bad JSONL line: {path} line {line} is not valid JSON ({detail})"
    E107 = "bad JSONL record: {path} line {line} has no text field ({detail})"
    E108 = "no inputs: nothing matched {patterns}"
    E109 = "bad document date: {value!r} is not a date (expected YYYY-MM-DD or ISO datetime)"
    E110 = "processing failed: {path}: {detail}"

    # Rules (E2xx): raised at load time, before any document is processed.
    E201 = "rule file {path}: {detail}"
    E202 = "rule file {path}, line {line}, field {field}: {detail}"
    E203 = "rule file {path}, line {line}: duplicate rule id {rule_id!r} (first defined in {first})"
    E204 = "rule file {path}, line {line}, rule {rule_id}: pattern does not compile: {detail}"
    E205 = "rule file {path}: unknown rule file kind {kind!r} (known: {known})"
    E206 = "rule {rule_id}: pattern timed out after {seconds}s on document {doc_id}"
    E207 = "run config {path}, line {line}, field {field}: {detail}"
    E208 = "run config {path}: {detail}"

    # Rule warnings (W2xx): reported by `zhpipe rules lint`; errors only with --strict.
    W201 = "rule file {path}, line {line}: rule {rule_id} has no positive example"
    W202 = "rule file {path}: no negative examples (add `negatives:` that must not match)"
    W203 = "rule file {path}: no positive examples (add `examples:` that must match)"
    W204 = "rule file {path}, line {line}, rule {rule_id}: pattern uses {{{macro}}}, which no macros table defines"
    W205 = "rule file {path}, line {line}: {what} {name!r} repeats {first}; {effect}"

    # Models (E3xx).
    E301 = "model {name} not found at {path}: run `{command}` to build it"
    E302 = "model {name} at {path} could not be loaded: {detail}"

    # Gold and evaluation (E4xx).
    E401 = "gold file {path}, line {line}, field {field}: {detail}"
    E402 = "gold file {path}: {detail}"
    E403 = "prediction file {path}, line {line}: {detail}"
    E404 = "bad evaluation option {option}: {detail}"
    E405 = "annotation source {path}, line {line}, field {field}: {detail}"

    # Output (E5xx).
    E501 = "unknown output format {fmt!r} (known: {known})"
    E502 = "could not write {path}: {detail}"
    E503 = "output folder {path} is in use by another run ({detail}); wait for it or pick another --out"
    E504 = "state database {path} cannot be used: {detail}"
    E505 = "worker {worker} built another pipeline (fingerprint {got}, driver {expected}): same code and rules needed"
    E506 = "the Dask engine needs dask.distributed: pip install 'zhpipe[dask]' ({detail})"
    E507 = "cannot reach the Dask scheduler at {address}: {detail}"
    E508 = "bad option {option}: {detail}"
    E509 = "worker processes died {count} times in a row before finishing any work (see their stderr above)"
    E510 = "a worker failed on {part}: {detail}"

    def message(self, **kwargs: object) -> str:
        """Return ``"[Exxx] message"`` with the placeholders filled."""
        return f"[{self.name}] {self.value.format(**kwargs)}"


class PipelineError(Exception):
    """Base class of every error the pipeline raises on purpose."""

    def __init__(self, code: ErrorCode, **kwargs: object) -> None:
        self.code = code
        self.details = kwargs
        super().__init__(code.message(**kwargs))

    def __reduce__(self) -> tuple[object, ...]:
        # Errors raised in worker processes travel back pickled; rebuild them from code and details.
        return (_rebuild, (type(self), self.code.name, self.details))


def _rebuild(cls: type[PipelineError], name: str, details: dict[str, object]) -> PipelineError:
    return cls(ErrorCode[name], **details)


class InputError(PipelineError):
    """A document that cannot be processed; the batch records it and goes on."""


class RuleError(PipelineError):
    """A rule file that does not validate; raised when rules are loaded."""


class ModelError(PipelineError):
    """A model that is missing or cannot be loaded."""


class GoldError(PipelineError):
    """A gold annotation file that does not validate."""


class OutputError(PipelineError):
    """An output that cannot be written."""
