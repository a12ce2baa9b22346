"""A compact character trigram language model of Simplified Chinese news text.

The normaliser uses it wherever a choice needs context: which codec round trip
undoes a damaged run, which byte a lost-byte hole held, which Simplified character a
Traditional one stands for (著 -> 着 or 著). It is trained by the project's own script
(``make train-lm``, :mod:`pipeline.training.lm`) from the text in ``../shared/data`` and
ships inside the package (``pipeline/repair/charlm.npz``, a few MB), so nothing is
downloaded at run time.

The model is interpolated Kneser-Ney over symbols: every Chinese character and
punctuation mark is its own symbol, while ASCII and full-width letters fold to ``a`` and
digits to ``0`` (their spelling says nothing about Chinese), and spaces are skipped.
Line breaks are the boundary symbol. Tables are sorted integer keys looked up with
:func:`numpy.searchsorted`, so a batch of candidates is scored in a few array calls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pipeline.errors import ErrorCode, ModelError

MODEL_NAME = "charlm"
MODEL_FILE = "charlm.npz"
BUILD_COMMAND = "make train-lm"
FORMAT_VERSION = 1

BOUNDARY = 0
UNKNOWN = 1

_LETTER = "a"
_DIGIT = "0"


def fold_symbol(ch: str) -> str:
    """The LM symbol of ``ch`` ("" for none): ASCII letters and digits fold to one symbol each.

    ASCII spaces and tabs are no symbol at all: in Chinese text they are
    typography, and a model that had to predict them would mostly learn noise.
    Full-width letters and digits keep their own symbols: mixing widths is itself
    unusual, which helps when a lost byte could be ``：`` or ``０``.
    """
    if ch.isascii():
        if ch == "\n":
            return "\n"
        if ch.isspace():
            return ""
        if ch.isalpha():
            return _LETTER
        if ch.isdigit():
            return _DIGIT
    return ch


Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What a model was trained on, for ``zhpipe`` manifests and the docs."""

    sources: tuple[str, ...]
    tokens: int
    vocabulary: int
    bigrams: int
    trigrams: int


class CharLM:
    """Scores Chinese text; higher (less negative) log probabilities are more natural.

    Build it with :meth:`load` (the packaged model) or :meth:`from_arrays` (the
    trainer's output). Instances are read-only and safe to share between pipelines.
    """

    def __init__(self, arrays: dict[str, Any]) -> None:
        meta = json.loads(str(arrays["meta"]))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"model format {meta.get('format')!r}, expected {FORMAT_VERSION}")
        self.meta: dict[str, Any] = meta
        vocab = str(arrays["vocab"])
        self.size = len(vocab) + 2
        self._scale = float(meta["scale"])
        self._index: dict[str, int] = {}
        for i, ch in enumerate(vocab):
            self._index[ch] = i + 2
        self._index["\n"] = BOUNDARY
        # Every character that folds to a vocabulary symbol maps straight to its id.
        for code in range(0x20, 0x7F):
            ch = chr(code)
            sym = fold_symbol(ch)
            if sym != ch and sym in self._index:
                self._index[ch] = self._index[sym]
        self._skip = frozenset(" \t\r\x0b\x0c")
        self._uni = self._dequantize(arrays["uni"])
        # The model predicts "some rare character"; a particular one is that much less likely.
        self._unknown_penalty = float(meta["unknown_penalty"])
        self._bi_keys = arrays["bi_keys"].astype(np.int64)
        self._bi_vals = self._dequantize(arrays["bi_vals"])
        self._bi_backoff = self._dequantize(arrays["bi_backoff"])
        self._ctx_keys = arrays["ctx_keys"].astype(np.int64)
        self._ctx_backoff = self._dequantize(arrays["ctx_backoff"])
        self._tri_keys = arrays["tri_keys"].astype(np.int64)
        self._tri_vals = self._dequantize(arrays["tri_vals"])
        self.unigram_counts: npt.NDArray[np.int64] = arrays["uni_counts"].astype(np.int64)
        self.ambiguity: dict[str, tuple[str, ...]] = {
            k: tuple(v) for k, v in json.loads(str(arrays["ambiguity"])).items()
        }

    def _dequantize(self, values: npt.NDArray[Any]) -> FloatArray:
        return -values.astype(np.float64) * self._scale

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any]) -> CharLM:
        """Build a model from the arrays the trainer produced."""
        return cls(arrays)

    @classmethod
    def load(cls, path: Path | str | None = None) -> CharLM:
        """Load a model file (default: the one shipped in the package).

        Raises:
            ModelError: the file is missing (E301) or cannot be read (E302).

        """
        target = Path(path) if path is not None else Path(str(resources.files("pipeline.repair") / MODEL_FILE))
        if not target.exists():
            raise ModelError(ErrorCode.E301, name=MODEL_NAME, path=target, command=BUILD_COMMAND)
        try:
            with np.load(target, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            return cls(arrays)
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(ErrorCode.E302, name=MODEL_NAME, path=target, detail=str(exc)) from exc

    # --- symbols -------------------------------------------------------------

    def ids(self, text: str) -> list[int]:
        """The symbol ids of ``text`` (unknown characters get :data:`UNKNOWN`; spaces none)."""
        get = self._index.get
        skip = self._skip
        return [get(ch, UNKNOWN) for ch in text if ch not in skip]

    def knows(self, ch: str) -> bool:
        """True when ``ch`` is a symbol of the model (seen often enough in training)."""
        return ch in self._index

    def count(self, ch: str) -> int:
        """How often ``ch`` occurred in the training text (0 if unknown)."""
        i = self._index.get(ch, UNKNOWN)
        return int(self.unigram_counts[i]) if i > UNKNOWN else 0

    def info(self) -> ModelInfo:
        """A summary of the training run that produced the model."""
        return ModelInfo(
            sources=tuple(self.meta.get("sources", ())),
            tokens=int(self.meta.get("tokens", 0)),
            vocabulary=self.size,
            bigrams=len(self._bi_keys),
            trigrams=len(self._tri_keys),
        )

    # --- scoring ---------------------------------------------------------------

    def token_logprobs(self, prev2: Int64Array, prev1: Int64Array, cur: Int64Array) -> FloatArray:
        """Natural-log probabilities of ``cur`` given the two symbols before it (vectorised)."""
        size = self.size
        # Bigram level: the stored value, else the context's backoff weight times the unigram.
        bi_key = prev1 * size + cur
        pos = np.searchsorted(self._bi_keys, bi_key)
        pos_c = np.minimum(pos, len(self._bi_keys) - 1)
        bi_hit = self._bi_keys[pos_c] == bi_key
        lp2 = np.where(bi_hit, self._bi_vals[pos_c], self._bi_backoff[prev1] + self._uni[cur])
        # Trigram level: the stored value, else the context's backoff weight times the bigram.
        ctx_key = prev2 * size + prev1
        cpos = np.searchsorted(self._ctx_keys, ctx_key)
        cpos_c = np.minimum(cpos, len(self._ctx_keys) - 1)
        ctx_hit = self._ctx_keys[cpos_c] == ctx_key
        tri_key = cpos_c * size + cur
        tpos = np.searchsorted(self._tri_keys, tri_key)
        tpos_c = np.minimum(tpos, len(self._tri_keys) - 1)
        tri_hit = ctx_hit & (self._tri_keys[tpos_c] == tri_key)
        backoff = np.where(ctx_hit, self._ctx_backoff[cpos_c], 0.0)
        result: FloatArray = np.where(tri_hit, self._tri_vals[tpos_c], backoff + lp2)
        result -= np.where(cur == UNKNOWN, self._unknown_penalty, 0.0)
        return result

    def _history(self, left: str) -> list[int]:
        tail = self.ids(left[-6:])[-2:] if left else []
        return [BOUNDARY] * (2 - len(tail)) + tail

    def score_many(self, middles: Sequence[str], left: str = "", right: str = "") -> list[float]:
        """Log probability of ``middle + right`` after ``left``, for each middle.

        Scoring the same ``right`` context after every candidate makes their totals
        comparable: a candidate that joins badly to what follows pays for it.
        """
        if not middles:
            return []
        history = self._history(left)
        right_ids = self.ids(right)
        return self._score_seqs([history + self.ids(m) + right_ids for m in middles])

    def score_items(self, items: Sequence[tuple[str, str]]) -> list[float]:
        """Log probability of each ``text`` after its own ``history`` (``(history, text)`` pairs)."""
        seqs = [self._history(history) + self.ids(text) for history, text in items]
        return self._score_seqs(seqs)

    def _score_seqs(self, seqs: list[list[int]]) -> list[float]:
        flat_prev2: list[int] = []
        flat_prev1: list[int] = []
        flat_cur: list[int] = []
        for s in seqs:
            flat_prev2.extend(s[:-2])
            flat_prev1.extend(s[1:-1])
            flat_cur.extend(s[2:])
        if not flat_cur:
            return [0.0] * len(seqs)
        lp = self.token_logprobs(
            np.asarray(flat_prev2, dtype=np.int64),
            np.asarray(flat_prev1, dtype=np.int64),
            np.asarray(flat_cur, dtype=np.int64),
        )
        bounds = np.cumsum([0] + [len(s) - 2 for s in seqs])
        totals = np.concatenate(([0.0], np.cumsum(lp)))
        return [float(x) for x in totals[bounds[1:]] - totals[bounds[:-1]]]

    def score(self, text: str, left: str = "", right: str = "") -> float:
        """Log probability of ``text + right`` after ``left``."""
        return self.score_many([text], left, right)[0]

    def per_symbol(self, text: str, left: str = "") -> FloatArray:
        """Log probability of each symbol of ``text`` (spaces have none) after ``left``."""
        seq = self._history(left) + self.ids(text)
        arr = np.asarray(seq, dtype=np.int64)
        if len(arr) <= 2:
            return np.zeros(0)
        return self.token_logprobs(arr[:-2], arr[1:-1], arr[2:])


@lru_cache(maxsize=1)
def default_lm() -> CharLM:
    """The packaged model, loaded once per process (it is read-only)."""
    return CharLM.load()
