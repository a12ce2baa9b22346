"""A compact character 5-gram language model of Simplified Chinese news text.

The normaliser uses it wherever a choice needs context: which codec round trip
undoes a damaged run, which byte a lost-byte hole held, which Simplified character a
Traditional one stands for (著 -> 着 or 著). It is trained by the project's own script
(``make train-lm``, :mod:`pipeline.training.lm`) from the text in ``../shared/data`` and
ships inside the package (``pipeline/repair/charlm.npz``, a few MB), so nothing is
downloaded at run time.

The model is interpolated Kneser-Ney over symbols: every Chinese character and
punctuation mark is its own symbol, while ASCII and full-width letters fold to ``a`` and
digits to ``0`` (their spelling says nothing about Chinese), and spaces are skipped.
Line breaks are the boundary symbol. Tables are sorted integer keys, found through hash
buckets (or :func:`numpy.searchsorted`), so a batch of candidates is scored in a few array calls.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from pipeline.errors import ErrorCode, ModelError
from pipeline.memo import remember

MODEL_NAME = "charlm"
MODEL_FILE = "charlm.npz"
BUILD_COMMAND = "make train-lm"
FORMAT_VERSION = 2

BOUNDARY = 0
UNKNOWN = 1
NO_SYMBOL = -1  # history the caller does not know: contexts that reach it are not used
_SKIPPED = -2  # a character that is no symbol (spaces), in the code-point table only
_NO_PREVIOUS = np.full(1, -1, dtype=np.int64)
ARRAY_IDS = 64  # from this many characters on, CharLM.ids reads a text in array calls (faster past ~50)
ARRAY_BATCH = 12  # from this many candidates on, their sequences are built in array calls (faster past ~10)
DEDUPE_MIN_TARGETS = 512  # batches this big look up each distinct n-gram window once ...
DEDUPE_MIN_SHARE = 3  # ... when there are at most a third as many windows as targets

HISTORY_CACHE = 65536  # left contexts whose history symbols are kept (a few MB at most)
KEPT_ITEMS = 64  # up to this many items, score_items keeps what it computed (faster; bigger batches: arrays)
WINDOW_CACHE = 1 << 17  # n-gram windows whose log probability is kept (about 20 MB at most)
ARRAY_WINDOWS = 64  # from this many windows on, _window_logprobs reads its sequences in array calls
ITEM_CACHE = 1 << 15  # (history, text) items whose log probabilities score_items keeps
MEMO_BITS = 18  # windows whose log probability the window memo can hold: 2**MEMO_BITS (4 MB)
MEMO_DEDUPE_FROM = 64  # from this many windows the memo lacks, each distinct one is looked up once
_MEMO_HASH = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: a window key times 2**64 / golden ratio
_LETTER = "a"
_DIGIT = "0"
# Cyrillic letters: a word in that alphabet (Москва) reads in Chinese text like a Latin
# one, so its spelling says no more about Chinese than ASCII's. Greek is left alone: its
# letters stand alone in Chinese text (α粒子, 33μ), and a Greek run is what Big5 read as
# GBK makes of common characters (有成 -> ΤΘ).
_OTHER_ALPHABETS = frozenset(ch for code in range(0x0400, 0x0460) if (ch := chr(code)).isalpha())


def fold_symbol(ch: str) -> str:
    """The LM symbol of ``ch`` ("" for none): ASCII letters and digits fold to one symbol each.

    Cyrillic letters fold to the letter symbol too (see ``_OTHER_ALPHABETS``).

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
    elif ch in _OTHER_ALPHABETS:
        return _LETTER
    return ch


def left_context(text: str, pos: int, width: int = 8) -> str:
    """Up to ``width`` characters before ``pos``, as history for :meth:`CharLM.score_many`.

    A line start is kept as a line break (the text's own start counts as one) and
    what lies before it is dropped: the model knows how lines begin.
    """
    start = max(0, pos - width)
    piece = text[start:pos]
    cut = piece.rfind("\n")
    if cut >= 0:
        return piece[cut:]
    return "\n" + piece if start == 0 else piece


def right_context(text: str, pos: int, width: int = 4) -> str:
    """Up to ``width`` characters from ``pos``, ending with a line break where the line ends."""
    piece = text[pos : pos + width]
    cut = piece.find("\n")
    if cut >= 0:
        return piece[: cut + 1]
    return piece + "\n" if pos + width >= len(text) else piece


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
    order: int = 3
    grams: tuple[int, ...] = ()


def decode_keys(deltas: npt.NDArray[Any]) -> Int64Array:
    """Sorted n-gram keys from the gaps between them (stored so, they compress well)."""
    keys: Int64Array = np.cumsum(deltas.astype(np.int64))
    return keys


def encode_keys(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.uint32]:
    """The gaps between sorted keys, as the model file stores them."""
    gaps = np.diff(keys, prepend=0)
    if len(gaps) and (gaps.min() < 0 or gaps.max() >= 2**32):
        raise ValueError("n-gram keys are not sorted or too far apart for 32-bit gaps")
    return gaps.astype(np.uint32)


class CharLM:
    """Scores Chinese text; higher (less negative) log probabilities are more natural.

    Build it with :meth:`load` (the packaged model) or :meth:`from_arrays` (the
    trainer's output). Instances are read-only and safe to share between pipelines.

    An n-gram of level ``k`` has an id (its index in the level's sorted key table);
    its key is ``id of its first k-1 symbols * size + last symbol``. Scoring looks up
    every gram ending at each position level by level and backs off as an ARPA model
    does: the probability of the longest stored gram, plus the back-off weights of
    the longer contexts that were seen.
    """

    def __init__(self, arrays: dict[str, Any], window_tables: bool = True) -> None:
        meta = json.loads(str(arrays["meta"]))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"model format {meta.get('format')!r}, expected {FORMAT_VERSION}")
        self.meta: dict[str, Any] = meta
        vocab = str(arrays["vocab"])
        self.size = len(vocab) + 2
        self.order = int(meta["order"])
        self._scale = float(meta["scale"])
        self._index: dict[str, int] = {}
        for i, ch in enumerate(vocab):
            self._index[ch] = i + 2
        self._index["\n"] = BOUNDARY
        # Every character that folds to a vocabulary symbol maps straight to its id.
        for ch in (*map(chr, range(0x20, 0x7F)), *_OTHER_ALPHABETS):
            sym = fold_symbol(ch)
            if sym != ch and sym in self._index:
                self._index[ch] = self._index[sym]
        self._skip = frozenset(" \t\r\x0b\x0c")
        # The same mapping as a table indexed by code point, for whole batches of text at once
        # (:meth:`_ids_batch`); code points past its end are unknown (its last entry).
        dense = np.full(max(map(ord, self._index)) + 2, UNKNOWN, dtype=np.int64)
        for ch, symbol_id in self._index.items():
            dense[ord(ch)] = symbol_id
        self._dense_get = dense.copy()  # as ``_index.get(ch, UNKNOWN)``: spaces are unknown, not skipped
        for ch in self._skip:
            dense[ord(ch)] = _SKIPPED
        self._dense = dense
        # Windows of ``order`` symbols (NO_SYMBOL too) as one int64 key, when they fit in one.
        self._window_base = self.size + 1 if (self.size + 1) ** self.order < 2**63 else 0
        # The model predicts "some rare character"; a particular one is that much less likely.
        self._unknown_penalty = float(meta["unknown_penalty"])
        self._unknown_logp = float(self._dequantize(arrays["logp1"])[UNKNOWN])
        self._logp: list[FloatArray] = [np.zeros(0), self._dequantize(arrays["logp1"])]
        self._keys: list[Int64Array] = [np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)]
        self._backoff: list[FloatArray] = [np.zeros(0)]
        for k in range(2, self.order + 1):
            self._keys.append(decode_keys(arrays[f"keys{k}"]))
            self._logp.append(self._dequantize(arrays[f"logp{k}"]))
        for k in range(1, self.order):
            self._backoff.append(self._dequantize(arrays[f"backoff{k}"]))
        self._grams = tuple(len(self._keys[k]) for k in range(2, self.order + 1))
        # Every stored n-gram of every level under the key of its own symbols (see
        # :meth:`_window_tables`), when windows fit in one int64 (``window_tables=False``
        # keeps the per-level chain of lookups instead, as a reference): the per-level
        # tables are then dropped, so that the model is held once.
        self._windowed = bool(window_tables and self._window_base)
        if self._windowed:
            self._table, self._table_values, self._window_powers, self._window_lowest = self._window_tables()
            self._bucket_rows, self._bucket_starts, self._bucket_shift = _hash_buckets(self._table, self.size)
            self._searched_columns = np.array([c for c in range(2 * self.order - 1) if c not in (0, self.order)])
            # The context columns of a window's keys, longest first, and their lengths.
            self._context_columns = np.arange(2 * self.order - 2, self.order - 1, -1)
            self._context_levels = np.arange(self.order - 1, 0, -1)
            self._keys, self._logp, self._backoff = [], [], []
        self.unigram_counts: npt.NDArray[np.int64] = arrays["uni_counts"].astype(np.int64)
        self._histories: dict[str, list[int]] = {}  # :meth:`_history` of recent left contexts
        self._windows: dict[tuple[int, ...], float] = {}  # log probability of a window (:meth:`_window_logprobs`)
        if self._windowed:
            # :meth:`_memo_logprobs`: per slot a window key (-1: none) and its log probability's bits.
            self._memo = np.full((1 << MEMO_BITS, 2), -1, dtype=np.int64)
            self._memo_digits = self._window_base ** np.arange(self.order - 1, -1, -1, dtype=np.int64)
            self._memo_lock = threading.Lock()
        # (:meth:`_score_items_kept`; tuples, not lists: the garbage collector soon stops tracking them)
        self._items: dict[tuple[str, str], tuple[float, ...]] = {}
        # How much likelier a punctuation mark ends a line longer than ``long_line`` than
        # any line (log ratio; the model cannot see a line's length): see the trainer.
        self.long_line = int(meta.get("long_line", 0))
        self.long_line_ends: dict[str, float] = {k: float(v) for k, v in meta.get("long_line_ends", {}).items()}
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
        if len(text) >= ARRAY_IDS:
            # A long text (a line a document cache counts, a region judged) in array calls.
            symbols: list[int] = self._ids_batch((text,))[0].tolist()
            return symbols
        get = self._index.get
        skip = self._skip
        return [get(ch, UNKNOWN) for ch in text if ch not in skip]

    def _ids_batch(self, texts: Sequence[str]) -> tuple[Int64Array, Int64Array]:
        """The symbol ids of every text, end to end, and how many each text has (as :meth:`ids`)."""
        joined = "".join(texts)
        points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        dense = self._dense
        ids = dense[np.minimum(points, len(dense) - 1)]
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        skipped = ids == _SKIPPED
        if skipped.any():
            owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
            lengths = lengths - np.bincount(owner[skipped], minlength=len(texts))
            ids = ids[~skipped]
        return ids, lengths

    def knows(self, ch: str) -> bool:
        """True when ``ch`` is a symbol of the model (seen often enough in training)."""
        return ch in self._index

    def count(self, ch: str) -> int:
        """How often ``ch`` occurred in the training text (0 if unknown)."""
        i = self._index.get(ch, UNKNOWN)
        return int(self.unigram_counts[i]) if i > UNKNOWN else 0

    def info(self) -> ModelInfo:
        """A summary of the training run that produced the model."""
        grams = self._grams
        return ModelInfo(
            sources=tuple(self.meta.get("sources", ())),
            tokens=int(self.meta.get("tokens", 0)),
            vocabulary=self.size,
            bigrams=grams[0] if grams else 0,
            trigrams=grams[1] if len(grams) > 1 else 0,
            order=self.order,
            grams=grams,
        )

    # --- scoring ---------------------------------------------------------------

    def _window_tables(self) -> tuple[Int64Array, FloatArray, Int64Array, Int64Array]:
        """The n-grams of every level keyed by their own symbols, for :meth:`_window_logprobs_of`.

        A level-``k`` gram's stored key chains it to its first ``k - 1`` symbols' id
        (so finding it takes one lookup per level, each after the one before). Keyed
        instead by its symbols as the digits (symbol + 1) of a base ``size + 1``
        number, every gram of a window is found in one lookup of one table: the keys
        of different levels never meet (a ``k``-gram's first digit is not 0, so its
        key lies in ``[base**(k-1), base**k)``). Returns the sorted keys; per key its
        log probability and back-off weight (columns 0 and 1; 0.0 where a level has
        none); and the powers and lowest valid keys :meth:`_window_logprobs_of` needs.
        """
        base, size, order = self._window_base, self.size, self.order
        own = [np.zeros(0, dtype=np.int64), np.arange(1, size + 1, dtype=np.int64)]  # per level, in id order
        for k in range(2, order + 1):
            parent, last = np.divmod(self._keys[k], size)
            own.append(own[k - 1][parent] * base + (last + 1))
        keys = np.concatenate(own[1:])
        values = np.zeros((len(keys), 2))
        values[:, 0] = np.concatenate(self._logp[1:])
        backoffs = [*self._backoff[1:], np.zeros(len(own[order]))]
        for k in range(1, order + 1):
            if len(backoffs[k - 1]) != len(own[k]):
                raise ValueError(f"model has {len(backoffs[k - 1])} back-off weights for {len(own[k])} {k}-grams")
        values[:, 1] = np.concatenate(backoffs)
        ranked = np.argsort(keys, kind="stable")
        # Column j of a window's keys: for j < order, its last j + 1 symbols (the grams
        # ending at the target, longest last); from j = order on, the last
        # j - order + 1 symbols before the target (the contexts).
        powers = np.zeros((order, 2 * order - 1), dtype=np.int64)
        lowest = np.zeros(2 * order - 1, dtype=np.int64)
        for column in range(2 * order - 1):
            length, end = (column + 1, order - 1) if column < order else (column - order + 1, order - 2)
            for d in range(length):
                powers[end - d, column] = base**d
            lowest[column] = base ** (length - 1)
        return keys[ranked], values[ranked], powers, lowest

    def _lookup(self, k: int, keys: Int64Array) -> Int64Array:
        """Ids of level ``k`` grams with these keys (-1 where the model has none)."""
        table = self._keys[k]
        if not len(table):
            return np.full(len(keys), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(table, keys), len(table) - 1)
        found: Int64Array = np.where(table[pos] == keys, pos, -1)
        return found

    def logprobs(self, seq: Int64Array, targets: Int64Array) -> FloatArray:
        """Natural-log probabilities of ``seq[targets]`` given the symbols before each.

        ``seq`` may hold :data:`NO_SYMBOL` where the history is unknown: a context
        that reaches it is not used. Every target needs ``order - 1`` positions of
        history before it (the caller pads).

        A target's probability depends only on the ``order`` symbols ending at it. Big
        batches of repair candidates share most of those windows (the same context
        around a different guess), so each distinct window is looked up once; the
        values are the very same floats as looking up every target.
        """
        if len(targets) >= DEDUPE_MIN_TARGETS and self._window_base:
            order, base = self.order, self._window_base
            columns = [seq[targets - (order - 1 - j)] for j in range(order)]
            keys = columns[0] + 1
            for column in columns[1:]:
                keys = keys * base + (column + 1)
            unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            if len(unique) * DEDUPE_MIN_SHARE <= len(targets):
                shared: FloatArray = self._rows_logprobs(np.stack(columns, axis=1)[first])[inverse.ravel()]
                return shared
        return self._logprobs(seq, targets)

    def _logprobs(self, seq: Int64Array, targets: Int64Array) -> FloatArray:
        """:meth:`logprobs` without sharing windows: every target looked up."""
        if not len(targets):
            return np.zeros(0)
        if self._windowed:
            offsets = np.arange(1 - self.order, 1, dtype=np.int64)
            return self._memo_logprobs(seq[targets[:, None] + offsets])
        return self._chain_logprobs(seq, targets)

    def _rows_logprobs(self, windows: Int64Array) -> FloatArray:
        """The log probability of the last symbol of each row of ``order`` symbols."""
        if self._windowed and len(windows):
            return self._memo_logprobs(windows)
        ends = np.arange(len(windows), dtype=np.int64) * self.order + (self.order - 1)
        return self._chain_logprobs(windows.ravel(), ends)

    def _memo_logprobs(self, windows: Int64Array) -> FloatArray:
        """:meth:`_window_logprobs_of`, with the windows looked up lately served from a memo.

        The repairs of a document ask for the same windows from one batch to the next
        (the Viterbi over blocks, the judge, the strict look and the document-wide
        one), and looking a window up in the tables costs about a microsecond, most
        of it binary search. The memo is a direct-mapped array (a slot per hash of the
        window's key, the newest window wins it): a hit costs a few array operations,
        and a window's value is the very same float whether it came from the memo or
        the tables. Key and value share a row, written and read under a lock, so that
        threads sharing the model never see a key with another window's value.
        """
        keys = (windows + 1) @ self._memo_digits  # the window's own key: a NO_SYMBOL digit is 0
        slots = ((keys.astype(np.uint64) * _MEMO_HASH) >> np.uint64(64 - MEMO_BITS)).astype(np.intp)
        with self._memo_lock:
            rows = self._memo[slots]
        values: FloatArray = rows.view(np.float64)[:, 1].copy()
        missing = np.flatnonzero(rows[:, 0] != keys)
        if not len(missing):
            return values
        looked_up = missing  # the windows looked up in the tables ...
        spread = None  # ... and, when some repeat, which of them each missing one is
        if len(missing) >= MEMO_DEDUPE_FROM:
            # A batch's new windows repeat too (a Viterbi block after the same history
            # on both paths, a guess's context): each distinct one is looked up once.
            _, first, inverse = np.unique(keys[missing], return_index=True, return_inverse=True)
            if len(first) < len(missing):
                looked_up, spread = missing[first], inverse.ravel()
        found = self._window_logprobs_of(windows[looked_up])
        values[missing] = found if spread is None else found[spread]
        fresh = np.stack((keys[looked_up], found.view(np.int64)), axis=1)
        with self._memo_lock:
            self._memo[slots[looked_up]] = fresh
        return values

    def _window_logprobs_of(self, windows: Int64Array) -> FloatArray:
        """The log probability of the last symbol of each window (rows of ``order`` symbols).

        Every gram ending at the target and every context before it is found in one
        lookup of :meth:`_window_tables`. The floats are the very same as
        :meth:`_chain_logprobs`: the back-off weights of the stored contexts at least
        as long as the longest stored gram are added to 0.0 one at a time, longest
        first, then the gram's log probability (a context not used adds 0.0, which
        changes no sum: the total starts at +0.0 and can never be -0.0).
        """
        order = self.order
        keys = (windows + 1) @ self._window_powers
        # A gram with a leading symbol NO_SYMBOL (digit 0) would read as a shorter one.
        keys = np.where(keys >= self._window_lowest, keys, -1)
        pos = np.empty_like(keys)
        searched = self._searched_columns
        pos[:, searched] = self._find(keys[:, searched].ravel()).reshape(len(keys), len(searched))
        # Single symbols need no search: the unigram keys 1 .. size come first in the table.
        single = keys[:, [0, order]]
        pos[:, [0, order]] = np.where(single > 0, single - 1, -1)
        found = pos >= 0
        # The longest stored gram ending at the target (none: the unknown symbol's probability).
        longest = np.argmax(found[:, order - 1 :: -1], axis=1)  # columns from the longest gram down
        rows = np.arange(len(windows))
        column = order - 1 - longest
        hit = found[rows, column]
        # Only the values used are read (one log probability and the contexts' back-off
        # weights per window, not both columns of every key): fewer random reads of the table.
        values = self._table_values
        logp = np.where(hit, values[pos[rows, column], 0], self._unknown_logp)
        level = np.where(hit, order - longest, 1)
        # Contexts from the longest (order - 1 symbols) down; used when at least as long as that gram.
        contexts = self._context_columns
        used = found[:, contexts] & (self._context_levels >= level[:, None])
        weights = np.where(used, values[pos[:, contexts], 1], 0.0)
        acc = np.zeros(len(windows))
        for j in range(order - 1):
            acc = acc + weights[:, j]
        result: FloatArray = acc + logp
        result -= np.where(windows[:, -1] == UNKNOWN, self._unknown_penalty, 0.0)
        return result

    def _find(self, keys: Int64Array) -> Int64Array:
        """The table row of each key of two symbols or more; -1 where none is stored (and for key -1).

        Each key is compared with the few rows of its hash bucket (see
        :func:`_hash_buckets`), all keys in a handful of array calls: a binary search
        of the 1.3 million sorted keys took twenty steps, most of them a cache miss.
        """
        bucket = ((keys.astype(np.uint64) * _MEMO_HASH) >> self._bucket_shift).astype(np.intp)
        first = self._bucket_starts[bucket]
        count = np.where(keys >= 0, self._bucket_starts[bucket + 1] - first, 0)
        # Every (key, candidate) pair, key by key: ``owner`` is the key, ``row`` the table row.
        owner = np.repeat(np.arange(len(keys), dtype=np.int64), count)
        slot = first[owner] + (np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count))
        row = self._bucket_rows[slot]
        hit = self._table[row] == keys[owner]
        pos = np.full(len(keys), -1, dtype=np.int64)
        pos[owner[hit]] = row[hit]
        return pos

    def _chain_logprobs(self, seq: Int64Array, targets: Int64Array) -> FloatArray:
        # Whole-array steps (no boolean gathers and scatters, no emptiness tests): most
        # batches are small and numpy's per-call cost dominates them. Each element still
        # gets the very same additions, in the same order, as a per-element back-off.
        if not len(targets):
            return np.zeros(0)
        size = self.size
        seq_known = seq >= 0
        ends: list[Int64Array] = [seq, seq]
        for k in range(2, self.order + 1):
            prev = np.concatenate((_NO_PREVIOUS, ends[k - 1][:-1]))
            keys = np.where(seq_known & (prev >= 0), prev * size + seq, -1)  # -1: no stored key
            ends.append(self._lookup(k, keys))
        result = np.zeros(len(targets))
        done = np.zeros(len(targets), dtype=bool)
        acc = np.zeros(len(targets))
        for k in range(self.order, 0, -1):
            logp = self._logp[k]
            if len(logp):
                gram = ends[k][targets]
                hit = (gram >= 0) & ~done
                result = np.where(hit, acc + logp[np.maximum(gram, 0)], result)
                done |= hit
            if k > 1 and len(self._backoff[k - 1]):
                ctx = ends[k - 1][targets - 1]
                use = (ctx >= 0) & ~done
                acc = np.where(use, acc + self._backoff[k - 1][np.maximum(ctx, 0)], acc)
        cur = seq[targets]
        result = np.where(done, result, acc + self._logp[1][UNKNOWN])
        result -= np.where(cur == UNKNOWN, self._unknown_penalty, 0.0)
        return result

    def _history(self, left: str) -> list[int]:
        """The ``order - 1`` symbols before a text: a line break means the line starts there.

        A line start is one boundary symbol, with nothing known before it. The trainer
        pads every line with ``order - 1`` of them, so the contexts of one to four
        boundaries have the very same statistics; a history of four made a character
        never seen at a line start back off through all four and pay the back-off
        weight four times (兑 starting a line cost 22 nats, 9 anywhere else).
        """
        need = self.order - 1
        key = left[-4 * need :]
        # Repairs ask for the same few histories again and again (every candidate
        # block of a Viterbi pass, every guess at one place): each is worked out
        # once. The list is shared: callers only read it.
        known = self._histories.get(key)
        if known is not None:
            return known
        # The last ``need`` symbols, read backwards up to the line start (a boundary) if nearer.
        get, skip = self._index.get, self._skip
        tail: list[int] = []
        for ch in reversed(key):
            if ch in skip:
                continue
            symbol = get(ch, UNKNOWN)
            tail.append(symbol)
            if symbol == BOUNDARY or len(tail) == need:
                break
        tail.reverse()
        history = [NO_SYMBOL] * (need - len(tail)) + tail
        return remember(self._histories, key, history, HISTORY_CACHE)

    def _history_rows(self, lefts: Sequence[str]) -> Int64Array:
        """:meth:`_history` of each left context, one row each, worked out in array calls.

        The Viterbi over repair blocks asks for hundreds of histories at once, nearly
        all new (each is the text before another block), so a per-context loop and
        its memo would cost more than the lookups they feed.
        """
        need = self.order - 1
        ids, lengths = self._ids_batch([left[-4 * need :] for left in lefts])
        owner = np.repeat(np.arange(len(lefts), dtype=np.int64), lengths)
        # How many symbols of its context follow each symbol (0 for the last one).
        rank = np.repeat(np.cumsum(lengths), lengths) - 1 - np.arange(len(ids), dtype=np.int64)
        # The nearest line break among the last ``need`` symbols starts the history.
        reach = np.full(len(lefts), need - 1, dtype=np.int64)
        breaks = (ids == BOUNDARY) & (rank < need)
        np.minimum.at(reach, owner[breaks], rank[breaks])
        kept = rank <= reach[owner]
        rows = np.full((len(lefts), need), NO_SYMBOL, dtype=np.int64)
        rows[owner[kept], need - 1 - rank[kept]] = ids[kept]
        return rows

    def _right(self, right: str) -> list[int]:
        ids = self.ids(right)
        if BOUNDARY in ids:
            ids = ids[: ids.index(BOUNDARY) + 1]
        return ids

    def score_many(
        self, middles: Sequence[str], left: str = "", right: str = "", cache: DocumentCache | None = None
    ) -> list[float]:
        """Log probability of ``middle + right`` after ``left``, for each middle.

        Scoring the same ``right`` context after every candidate makes their totals
        comparable: a candidate that joins badly to what follows pays for it. A line
        break in ``left`` or ``right`` is the line's start or end; text beyond it
        does not count. Without one, a short ``left`` is history the model does not
        know (no line start is assumed). With a ``cache``, each symbol's probability
        is mixed with how the document itself continues the same context.
        """
        if not middles:
            return []
        if len(middles) < ARRAY_BATCH:
            history_list = self._history(left)
            right_list = self._right(right)
            return self._score_seqs([history_list + self.ids(m) + right_list for m in middles], cache)
        # Every sequence is history + middle + right: built in array calls, not per middle.
        history = np.asarray(self._history(left), dtype=np.int64)
        right_ids = np.asarray(self._right(right), dtype=np.int64)
        middle_ids, middle_lengths = self._ids_batch(middles)
        n_hist, n_right = len(history), len(right_ids)
        counts = middle_lengths + n_right  # scored symbols per middle (the history is only context)
        seq_lengths = counts + n_hist
        starts = np.zeros(len(middles), dtype=np.int64)
        np.cumsum(seq_lengths[:-1], out=starts[1:])
        flat = np.empty(int(seq_lengths.sum()), dtype=np.int64)
        if n_hist:
            flat[(starts[:, None] + np.arange(n_hist, dtype=np.int64)).ravel()] = np.tile(history, len(middles))
        middle_starts = np.zeros(len(middles), dtype=np.int64)
        np.cumsum(middle_lengths[:-1], out=middle_starts[1:])
        offsets = np.repeat(starts + n_hist - middle_starts, middle_lengths)
        flat[offsets + np.arange(len(middle_ids), dtype=np.int64)] = middle_ids
        if n_right:
            right_at = (starts + n_hist + middle_lengths)[:, None] + np.arange(n_right, dtype=np.int64)
            flat[right_at.ravel()] = np.tile(right_ids, len(middles))
        scored = np.ones(len(flat), dtype=bool)
        if n_hist:
            scored[(starts[:, None] + np.arange(n_hist, dtype=np.int64)).ravel()] = False
        targets = np.flatnonzero(scored)
        return self._score_flat(flat, targets, counts, cache)

    def score_chars(self, chars: Sequence[str], left: str = "", right: str = "") -> FloatArray:
        """Log probability of ``ch + right`` after ``left`` for each single character ``ch`` (fast, for thousands)."""
        if not chars:
            return np.zeros(0)
        history = self._history(left)
        right_ids = self._right(right)
        if min(map(len, chars)) == 1 == max(map(len, chars)):
            points = np.frombuffer("".join(chars).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            table = self._dense_get
            middle = table[np.minimum(points, len(table) - 1)]
        else:
            get = self._index.get
            middle = np.fromiter((get(ch, UNKNOWN) for ch in chars), dtype=np.int64, count=len(chars))
        width = len(history) + 1 + len(right_ids)
        grid = np.empty((len(chars), width), dtype=np.int64)
        grid[:, : len(history)] = history
        grid[:, len(history)] = middle
        grid[:, len(history) + 1 :] = right_ids
        flat = grid.ravel()
        starts = np.arange(len(chars), dtype=np.int64) * width
        targets = (starts[:, None] + np.arange(len(history), width, dtype=np.int64)[None, :]).ravel()
        lp = self.logprobs(flat, targets).reshape(len(chars), width - len(history))
        total: FloatArray = lp.sum(axis=1)
        return total

    def score_items(self, items: Sequence[tuple[str, str]]) -> list[float]:
        """Log probability of each ``text`` after its own ``history`` (``(history, text)`` pairs)."""
        if len(items) <= KEPT_ITEMS:
            return self._score_items_kept(items)
        # Callers (the Viterbi over repair blocks) repeat histories and texts many times:
        # each distinct one is read once, and the sequences are assembled in array calls.
        history_index: dict[str, int] = {}
        text_index: dict[str, int] = {}
        which_history = np.fromiter(
            (history_index.setdefault(h, len(history_index)) for h, _ in items), dtype=np.int64, count=len(items)
        )
        which_text = np.fromiter(
            (text_index.setdefault(t, len(text_index)) for _, t in items), dtype=np.int64, count=len(items)
        )
        return self.score_indexed(list(history_index), list(text_index), which_history, which_text)

    def score_indexed(
        self,
        histories: Sequence[str],
        texts: Sequence[str],
        which_history: Int64Array,
        which_text: Int64Array,
        batch_starts: Sequence[int] = (0,),
    ) -> list[float]:
        """:meth:`score_items` of the items ``(histories[which_history[i]], texts[which_text[i]])``, in array calls.

        For callers that know their items' structure (the Viterbi over repair blocks
        pairs every block with two histories): no item is built or looked up in
        Python. ``batch_starts`` (ascending, from 0) cuts the items into batches, each
        totalled as :meth:`score_items` totals it alone: several windows' Viterbi
        passes are scored in one call, every float the very one a call of their own gives.
        """
        need = self.order - 1
        text_ids, text_lengths = self._ids_batch(texts)
        text_starts = np.zeros(len(text_lengths), dtype=np.int64)
        np.cumsum(text_lengths[:-1], out=text_starts[1:])
        counts = text_lengths[which_text]
        seq_lengths = counts + need
        starts = np.zeros(len(which_text), dtype=np.int64)
        np.cumsum(seq_lengths[:-1], out=starts[1:])
        flat = np.empty(int(seq_lengths.sum()), dtype=np.int64)
        scored = np.ones(len(flat), dtype=bool)
        if need:
            history_rows = self._history_rows(histories)
            history_at = (starts[:, None] + np.arange(need, dtype=np.int64)).ravel()
            flat[history_at] = history_rows[which_history].ravel()
            scored[history_at] = False
        item_of_symbol = np.repeat(np.arange(len(which_text), dtype=np.int64), counts)
        offset_in_text = np.arange(len(item_of_symbol), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        flat[starts[item_of_symbol] + need + offset_in_text] = text_ids[
            text_starts[which_text[item_of_symbol]] + offset_in_text
        ]
        targets = np.flatnonzero(scored)
        if len(batch_starts) == 1:
            return self._score_flat(flat, targets, counts, None)
        lp = self.logprobs(flat, targets) if len(targets) else np.zeros(0)
        bounds = np.concatenate(([0], np.cumsum(counts)))
        out: list[float] = []
        for first, last in itertools.pairwise([*batch_starts, len(counts)]):
            # A running total per batch from 0.0, as a batch of its own is summed.
            out.extend(_sequence_totals(lp[bounds[first] : bounds[last]], counts[first:last]))
        return out

    def _score_seqs(self, seqs: list[list[int]], cache: DocumentCache | None = None) -> list[float]:
        if cache is None:
            return self._score_seqs_kept(seqs)
        need = self.order - 1
        flat: list[int] = []
        targets: list[int] = []
        counts: list[int] = []
        for s in seqs:
            base = len(flat)
            flat.extend(s)
            targets.extend(range(base + need, base + len(s)))
            counts.append(len(s) - need)
        return self._score_flat(
            np.asarray(flat, dtype=np.int64),
            np.asarray(targets, dtype=np.int64),
            np.asarray(counts, dtype=np.int64),
            cache,
        )

    def _score_seqs_kept(self, seqs: list[list[int]]) -> list[float]:
        """:meth:`_score_seqs` without a cache: the same totals, each window looked up once per process."""
        return _running_totals(self._window_logprobs(seqs))

    def _window_logprobs(self, seqs: Sequence[Sequence[int]]) -> list[list[float]]:
        """The log probability of every scored symbol of each sequence (all but its ``order - 1`` first).

        A symbol's probability depends only on the window of ``order`` symbols ending
        at it, and a repair asks for the same windows again and again (a block after
        the same history in every Viterbi pass, under every mechanism, in the strict
        look and again when the whole text is read). A small batch costs numpy's
        per-call overhead many times over the lookups themselves, so known windows
        come from a dict and the others from one :meth:`_logprobs` call (the very
        same floats: see :meth:`logprobs`).

        Long texts (a judged region, a whole line) are read in array calls instead,
        their windows served by :meth:`_memo_logprobs`: past :data:`ARRAY_WINDOWS`
        windows a tuple and a dict lookup per window cost more than those calls.
        """
        need = self.order - 1
        lengths = [max(0, len(s) - need) for s in seqs]
        if sum(lengths) >= ARRAY_WINDOWS and self._windowed:
            sizes = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
            flat = np.fromiter(itertools.chain.from_iterable(seqs), dtype=np.int64, count=int(sizes.sum()))
            lps = self.logprobs(flat, _scored_positions(sizes, need)).tolist()
            rows: list[list[float]] = []
            at = 0
            for n in lengths:
                rows.append(lps[at : at + n])
                at += n
            return rows
        known = self._windows
        keys = [[tuple(s[j - need : j + 1]) for j in range(need, len(s))] for s in seqs]
        # This batch's own copy of what it needs: another thread sharing the model may
        # clear the shared dict at any time (only get() and update() touch it).
        values = {key: known.get(key) for row in keys for key in row}
        missing = [key for key, value in values.items() if value is None]
        if missing:
            # (``fromiter`` over the flat symbols: ``np.array`` of a list of tuples costs a few µs per tuple)
            count = len(missing) * (need + 1)
            windows = np.fromiter(itertools.chain.from_iterable(missing), dtype=np.int64, count=count)
            found = dict(
                zip(missing, self._rows_logprobs(windows.reshape(len(missing), need + 1)).tolist(), strict=True)
            )
            values.update(found)
            if len(known) + len(found) > WINDOW_CACHE:
                known.clear()
            known.update(found)
        return [[values[key] for key in row] for row in keys]  # type: ignore[misc]  # none is None now

    def _score_items_kept(self, items: Sequence[tuple[str, str]]) -> list[float]:
        """:meth:`score_items` for a small batch: each ``(history, text)`` item's log probabilities kept per process."""
        kept = self._items
        batch: dict[tuple[str, str], Sequence[float]] = {}
        missing: list[tuple[str, str]] = []
        for item in items:
            if item in batch:
                continue
            known = kept.get(item)
            if known is None:
                batch[item] = ()
                missing.append(item)
            else:
                batch[item] = known
        if missing:
            texts: dict[str, list[int]] = {}
            seqs = []
            for h, t in missing:
                ids = texts.get(t)
                if ids is None:
                    ids = texts[t] = self.ids(t)
                seqs.append(self._history(h) + ids)
            computed = self._window_logprobs(seqs)
            if len(kept) + len(missing) > ITEM_CACHE:
                kept.clear()
            for item, lps in zip(missing, computed, strict=True):
                batch[item] = kept[item] = tuple(lps)
        return _running_totals([batch[item] for item in items])

    def _score_flat(
        self, flat: Int64Array, targets: Int64Array, counts: Int64Array, cache: DocumentCache | None
    ) -> list[float]:
        """Totals of the target log probabilities, ``counts[i]`` targets per sequence in turn."""
        if not len(targets):
            return [0.0] * len(counts)
        lp = self.logprobs(flat, targets)
        if cache is not None:
            lp = cache.mix(lp, flat.tolist(), targets.tolist())
        return _sequence_totals(lp, counts)

    def score(self, text: str, left: str = "", right: str = "") -> float:
        """Log probability of ``text + right`` after ``left``."""
        return self.score_many([text], left, right)[0]

    def per_symbol(self, text: str, left: str = "") -> FloatArray:
        """Log probability of each symbol of ``text`` (spaces have none) after ``left``."""
        seq = self._history(left) + self.ids(text)
        need = self.order - 1
        if len(seq) <= need:
            return np.zeros(0)
        return self.logprobs(np.asarray(seq, dtype=np.int64), np.arange(need, len(seq), dtype=np.int64))


def _hash_buckets(table: Int64Array, size: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], np.uint64]:
    """The rows of the sorted window ``table`` past its ``size`` unigrams by hash bucket (for :meth:`CharLM._find`).

    A key's bucket is the top bits of the key times :data:`_MEMO_HASH` (about one key
    per bucket). Returns the rows in bucket order, where each bucket's rows start
    (one more entry than buckets: the end), and the shift that gives a key's bucket.
    """
    multi = table[size:]
    bits = max(1, (len(multi) - 1).bit_length())
    shift = np.uint64(64 - bits)
    bucket = ((multi.astype(np.uint64) * _MEMO_HASH) >> shift).astype(np.int64)
    rows = (np.argsort(bucket) + size).astype(np.int32)  # (the order within a bucket does not matter)
    starts = np.zeros((1 << bits) + 1, dtype=np.int64)
    np.cumsum(np.bincount(bucket, minlength=1 << bits), out=starts[1:])
    return rows, starts.astype(np.int32), shift


def _sequence_totals(lp: FloatArray, counts: Int64Array) -> list[float]:
    """Each sequence's total of the log probabilities ``lp``, ``counts[i]`` of them per sequence in turn.

    The differences of one running total over the whole batch, from 0.0: the floats
    every scoring path of :class:`CharLM` gives, so a batch scored with others or alone
    totals the same.
    """
    bounds = np.concatenate(([0], np.cumsum(counts)))
    totals = np.concatenate(([0.0], np.cumsum(lp)))
    sums: list[float] = (totals[bounds[1:]] - totals[bounds[:-1]]).tolist()
    return sums


def _scored_positions(lengths: Int64Array, need: int) -> Int64Array:
    """Where the scored symbols of sequences laid end to end lie: all but each one's first ``need``."""
    starts = np.cumsum(lengths) - lengths
    offsets = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(starts, lengths)
    return np.flatnonzero(offsets >= need)


def _running_totals(rows: Sequence[Sequence[float]]) -> list[float]:
    """Each row's total as :meth:`CharLM._score_flat` computes it: the difference of two running totals.

    A running total over the whole batch, not a sum per row: the floats are the very
    same as the batch's ``cumsum`` (numpy accumulates in order, one addition at a time).
    """
    out: list[float] = []
    total = 0.0
    for row in rows:
        start = total
        for value in row:
            total += value
        out.append(total - start)
    return out


class DocumentCache:
    """What one document says: its own character bigrams and trigrams, as a second model.

    A name or a phrase a document uses once it usually uses again (苏宁小店, 主办人,
    身家65亿 next to 800亿). Mixed into the LM's probabilities with weight ``weight``
    (a cache model, Kuhn and De Mori 1990), it makes the document's own habits count
    where the LM, trained on other text, hesitates between look-alike guesses.
    """

    def __init__(self, lm: CharLM, text: str, weight: float = 0.2) -> None:
        self.weight = weight
        # Counted in C (``Counter.update``), not per n-gram in Python: a whole document
        # is read for every text with a guess to weigh again.
        trigrams: Counter[tuple[int, int, int]] = Counter()
        bigrams: Counter[tuple[int, int]] = Counter()
        unigrams: Counter[int] = Counter()
        for line in text.split("\n"):
            ids = [BOUNDARY, BOUNDARY, *lm.ids(line), BOUNDARY]
            trigrams.update(zip(ids, ids[1:], ids[2:], strict=False))
            bigrams.update(itertools.pairwise(ids[1:]))
            unigrams.update(ids[1:-1])
        self._trigrams: dict[tuple[int, int, int], int] = trigrams
        self._bigrams: dict[tuple[int, int], int] = bigrams
        self._unigrams: dict[int, int] = unigrams

    def update(self, lm: CharLM, left: str, middle: str, right: str, sign: int) -> None:
        """Add (``sign`` 1) or take out (-1) the n-grams that touch ``middle`` between ``left`` and ``right``.

        Taking a guess out before it is weighed again keeps it from voting for itself.
        """
        before = lm.ids(left)[-2:]
        if len(before) < 2 and (not left or left.startswith("\n")):
            before = [BOUNDARY] * (2 - len(before)) + before
        inner = lm.ids(middle)
        after = lm.ids(right)
        if BOUNDARY in after:
            after = after[: after.index(BOUNDARY) + 1]
        ids = [*before, *inner, *after[:2]]
        first = len(before)
        last = first + len(inner)
        for j in range(max(2, first), min(len(ids), last + 2)):
            a, b, c = ids[j - 2], ids[j - 1], ids[j]
            self._trigrams[a, b, c] = self._trigrams.get((a, b, c), 0) + sign
            self._bigrams[b, c] = self._bigrams.get((b, c), 0) + sign
            self._unigrams[b] = self._unigrams.get(b, 0) + sign

    def prob(self, a: int, b: int, c: int) -> float:
        """P(c | a b) in the document: trigram and bigram relative frequencies, mixed."""
        n_b = self._unigrams.get(b, 0)
        if not n_b:
            return 0.0
        p2 = self._bigrams.get((b, c), 0) / n_b
        n_ab = self._bigrams.get((a, b), 0)
        if not n_ab:
            return p2
        return 0.7 * self._trigrams.get((a, b, c), 0) / n_ab + 0.3 * p2

    def mix(self, lp: FloatArray, flat: Sequence[int], targets: Sequence[int]) -> FloatArray:
        """``log((1 - w) * P_lm + w * P_doc)`` for each target symbol."""
        doc = np.fromiter(
            (self.prob(flat[j - 2], flat[j - 1], flat[j]) for j in targets), dtype=np.float64, count=len(targets)
        )
        mixed: FloatArray = np.log((1.0 - self.weight) * np.exp(lp) + self.weight * doc)
        return mixed


@lru_cache(maxsize=1)
def default_lm() -> CharLM:
    """The packaged model, loaded once per process (it is read-only)."""
    return CharLM.load()


class WordModel:
    """jieba's dictionary as a unigram word model: how word-like a short piece of text reads.

    The character model is trained on a few million characters and knows common
    words; jieba's dictionary (350 000 words with their frequencies, shipped with
    jieba, a dependency already) also knows the rarer ones (皮皮虾, 标杆, 喜力). Where a
    lost byte leaves a few look-alike guesses, the one that makes a known word with
    its neighbours reads better here (see :meth:`score`).
    """

    def __init__(self, freq: dict[str, int], total: int, max_len: int = 4) -> None:
        self._log_total = float(np.log(max(1, total)))
        self._max_len = max_len
        # Log frequencies of the words up to ``max_len`` characters (longer ones rarely
        # span a guessed character and its few neighbours).
        self._logf = {w: float(np.log(f)) for w, f in freq.items() if f > 0 and len(w) <= max_len}

    @classmethod
    def load(cls) -> WordModel:
        """The model of jieba's packaged ``dict.txt`` (read once per process, see :func:`default_word_model`)."""
        freq: dict[str, int] = {}
        total = 0
        with (resources.files("jieba") / "dict.txt").open(encoding="utf-8") as lines:
            for line in lines:
                parts = line.split(" ", 2)
                if len(parts) >= 2 and parts[1].isdigit():
                    count = int(parts[1])
                    freq[parts[0]] = count
                    total += count
        return cls(freq, total)

    def score(self, text: str) -> float:
        """How much the known words of ``text`` hold it together, in nats (0: none of its words is known).

        The best segmentation scored by each word's log probability over the product
        of its characters' (pointwise mutual information): single characters count
        nothing, so that a frequent character is no better a guess than a rare one
        here (the character model weighs that already); only known words do.
        """
        n = len(text)
        if n < 2:
            return 0.0
        get = self._logf.get
        log_total = self._log_total
        singles = [get(ch, 0.0) - log_total for ch in text]
        best = [0.0] * (n + 1)
        for i in range(n):
            here = best[i]
            if here > best[i + 1]:
                best[i + 1] = here
            inner = singles[i]
            for j in range(i + 2, min(n, i + self._max_len) + 1):
                inner += singles[j - 1]
                lf = get(text[i:j])
                if lf is not None:
                    value = here + lf - log_total - inner
                    if value > best[j]:
                        best[j] = value
        return best[n]

    def score_middles(self, head: str, middles: Sequence[str], tail: str) -> list[float]:
        """:meth:`score` of ``head + m + tail`` for each middle ``m``, each the very float scoring it alone gives.

        For the guesses of a lost byte: most make no known word with their neighbours
        (nine in ten on the benchmark's damaged text). The best segmentation then uses
        words of ``head`` and of ``tail`` only, and the guess itself counts nothing (a
        single character never does): every such middle of one length has the same
        score, computed once instead of per middle.
        """
        known = self._logf.keys()
        start = len(head)
        shared: dict[int, float] = {}  # middle length -> the score of any middle that spans no known word
        spans: dict[int, list[slice]] = {}  # middle length -> the pieces that overlap it
        out: list[float] = []
        for middle in middles:
            text = head + middle + tail
            width = len(middle)
            pieces = spans.get(width)
            if pieces is None:
                pieces = spans[width] = _overlapping(len(text), start, start + width, self._max_len)
            # A known word among the pieces (looked up in C, not per piece in Python).
            if not known.isdisjoint(map(text.__getitem__, pieces)):
                out.append(self.score(text))
                continue
            score = shared.get(width)
            if score is None:
                score = shared[width] = self.score(text)
            out.append(score)
        return out

    def score_many(self, texts: Sequence[str]) -> list[float]:
        """:meth:`score` of each text."""
        return [self.score(t) for t in texts]


def _overlapping(n: int, start: int, end: int, reach: int) -> list[slice]:
    """The pieces of 2 to ``reach`` characters of a text of ``n`` that overlap ``[start, end)``."""
    return [
        slice(i, j)
        for i in range(max(0, start - reach + 1), end)
        for j in range(max(i + 2, start + 1), min(n, i + reach) + 1)
    ]


@lru_cache(maxsize=1)
def default_word_model() -> WordModel:
    """The :class:`WordModel` of jieba's dictionary, loaded once per process on first use."""
    return WordModel.load()
