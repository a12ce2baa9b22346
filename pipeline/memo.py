"""Bounded memo dictionaries: the one way the pipeline's caches forget.

Repair and extraction keep what they computed for a key (an LM window, a byte piece, an
amount's groups) in plain dicts, looked up inline where a call would cost. When one is
full it is emptied rather than trimmed: the keys of a batch recur within a few
documents, so a fresh start costs little and needs no bookkeeping per lookup.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(memo: dict[K, V], key: K, value: V, limit: int) -> V:
    """Store ``value`` under ``key`` in ``memo``, emptying it first if it holds ``limit`` entries.

    Returns:
        ``value``, so a caller can write ``found = remember(memo, key, compute(), LIMIT)``.

    """
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value
