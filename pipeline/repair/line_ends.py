"""How lines end in news articles and in lone sentences: the line-end prior of a lost-byte guess.

The character model (:mod:`pipeline.repair.lm`) learns how lines end from all its
training lines alike, and nearly all of them are lone sentences of the sentence sets,
which CLUENER cuts after a comma as often as after a full stop: 6% of them end with
``，``. The lines of a news article are paragraphs, titles and list items, and hardly
ever end with ``，`` (none of the 3 677 DuEE-fin training lines does), while ``；`` and
``：`` end them five to nine times as often. A guess for the lost last byte of a mark
before a line break (UTF-8 read as GBK loses it before every ASCII byte, the line
break too) is therefore read with the model's line-end habits unless the document says
what kind of text it is. It says so with its own lines: their line ends that are not
guesses (``】``, ``网``, ``告`` end articles' lines, ``，`` and ``！`` sentences') and their
starts (one article line in eleven starts a list item, one sentence in a hundred). Their
likelihood under each kind, with the training text's share of article lines as the
prior (so that a document that says nothing is read as the model learnt), gives the
chance that the document is an article, and a guess at a line end gains
``log(P_doc(mark) / P_train(mark))``, where ``P_doc`` mixes the two kinds' line-end
distributions by that chance and ``P_train`` is what the model learnt. Before a list
item (``2.``, ``（3）``, ``二、``) an article's lines end as its lines before list items do
(``；`` and ``。``, ``：`` before the first).

The tables are counts from the LM's own training text, written by ``make train-lm``
(:mod:`pipeline.training.line_ends`) into ``line_ends.json`` beside this module.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources

TABLE_FILE = "line_ends.json"
ARTICLE = "article"
SENTENCE = "sentence"
FIRST_ITEM = "article_first_item"  # an article's lines before a first list item (1. 一、 （1）)
LATER_ITEM = "article_later_item"  # ... before any later list item
KINDS = (ARTICLE, SENTENCE, FIRST_ITEM, LATER_ITEM)
# A list item's marker at a line start: 2. 2、 （2） 2) 二、 (the number, then its mark).
LIST_ITEM = re.compile(r"\s*[（(]?(\d{1,2}|[一二三四五六七八九十]{1,3})[.、．)）](?!\d)")
FIRST_NUMBERS = frozenset({"1", "一"})
SMOOTHING = 0.5  # added to every count of a character the tables know
ITEM_WEIGHT = 20.0  # how many lines of an article's line ends the list-item counts are smoothed with
MAX_LOG_ODDS = 10.0  # nats: the document's evidence for either kind, at most (its line ends are not independent)


class LineEndModel:
    """Line-end distributions of news articles and of lone sentences, and what a document's line ends say."""

    def __init__(self, counts: dict[str, dict[str, int]], totals: dict[str, int], item_lines: dict[str, int]) -> None:
        """Line ends per character and kind (``counts``, see :data:`KINDS`), lines per kind, list-item lines.

        ``item_lines``: how many article lines and how many sentence lines start a list item.
        """
        self._counts = counts
        self._totals = totals
        # Lines that start a list item, and lines that do not: (article, sentence) chances.
        item_share = {
            kind: (item_lines[kind] + SMOOTHING) / (totals[kind] + 2 * SMOOTHING) for kind in (ARTICLE, SENTENCE)
        }
        self._item_odds = math.log(item_share[ARTICLE] / item_share[SENTENCE])
        self._plain_odds = math.log((1.0 - item_share[ARTICLE]) / (1.0 - item_share[SENTENCE]))
        self._prior = math.log(totals[ARTICLE] / totals[SENTENCE])
        self._known = frozenset(counts[ARTICLE]) | frozenset(counts[SENTENCE])
        vocabulary = len(self._known)
        self._denominators = {kind: totals[kind] + SMOOTHING * vocabulary for kind in KINDS}
        self._train_denominator = totals[ARTICLE] + totals[SENTENCE] + SMOOTHING * vocabulary

    @classmethod
    def load(cls) -> LineEndModel:
        """The packaged tables (see :func:`default_line_end_model`)."""
        with (resources.files("pipeline.repair") / TABLE_FILE).open(encoding="utf-8") as fh:
            data = json.load(fh)
        return cls(data["counts"], data["totals"], data["item_lines"])

    def _p(self, kind: str, ch: str) -> float:
        return (self._counts[kind].get(ch, 0) + SMOOTHING) / self._denominators[kind]

    def article_log_odds(self, lines: Iterable[str], ends: Iterable[str]) -> float:
        """Log odds that a document of ``lines``, whose intact lines end with ``ends``, is an article.

        Characters neither kind's training lines end with say nothing (their smoothed
        chances would only compare the two tables' sizes). With no lines and no ends:
        the prior, the training text's odds.
        """
        odds = 0.0
        for line in lines:
            if line.strip():
                odds += self._item_odds if LIST_ITEM.match(line) else self._plain_odds
        for ch in ends:
            if ch in self._known:
                odds += math.log(self._p(ARTICLE, ch) / self._p(SENTENCE, ch))
        return self._prior + max(-MAX_LOG_ODDS, min(MAX_LOG_ODDS, odds))

    def corrections(self, options: Sequence[str], article: float, next_line: str) -> list[float]:
        """Nats to add to the LM's score of each option that ends a line, ``article`` the chance of an article.

        Only punctuation marks are weighed (a character's chance of ending a line says
        little about which of a few look-alike characters it is); ``next_line`` is the
        text after the line break (empty at the end of the text).
        """
        item = LIST_ITEM.match(next_line)
        article_kind = None if item is None else FIRST_ITEM if item.group(1) in FIRST_NUMBERS else LATER_ITEM
        out: list[float] = []
        for option in options:
            if len(option) != 1 or not unicodedata.category(option).startswith("P"):
                out.append(0.0)
                continue
            p_article = self._p(ARTICLE, option)
            if article_kind is not None:
                # Lines before list items are few (343): smoothed towards all of an article's lines.
                counts = self._counts[article_kind]
                p_article = (counts.get(option, 0) + ITEM_WEIGHT * p_article) / (
                    self._totals[article_kind] + ITEM_WEIGHT
                )
            mixed = article * p_article + (1.0 - article) * self._p(SENTENCE, option)
            trained = (
                self._counts[ARTICLE].get(option, 0) + self._counts[SENTENCE].get(option, 0) + SMOOTHING
            ) / self._train_denominator
            out.append(math.log(mixed / trained))
        return out


def article_chance(log_odds: float) -> float:
    """The chance of an article, from :meth:`LineEndModel.article_log_odds`."""
    return 1.0 / (1.0 + math.exp(-log_odds))


@lru_cache(maxsize=1)
def default_line_end_model() -> LineEndModel:
    """The packaged :class:`LineEndModel`, loaded once per process on first use."""
    return LineEndModel.load()
