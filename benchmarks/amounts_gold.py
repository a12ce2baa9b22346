"""Gold amount arguments of DuEE-fin and FewFC (dev), shared by the amount benchmarks.

An *amount argument* is an event argument whose role holds money, a percentage, a
count or a number of shares. DuEE-fin gives argument strings only (its offsets are
the first verbatim occurrence, see its README), so every verbatim occurrence of the
string in the document is a candidate place; FewFC gives gold offsets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import regex
from newstext import data_dir

# The DuEE-fin roles that hold money (what JioNLP's extract_money is for), then the others.
DUEE_FIN_MONEY_ROLES = (
    "交易金额",
    "融资金额",
    "中标金额",
    "净亏损",
    "每股交易价格",
    "募资金额",
    "市值",
    "发行价格",
    "债务规模",
)
DUEE_FIN_ROLES = (
    *DUEE_FIN_MONEY_ROLES,
    "质押股票/股份数量",
    "回购股份数量",
    "交易股票/股份数量",
    "质押物占持股比",
    "质押物占总股比",
    "占公司总股本比例",
    "减持部分占总股本比例",
    "增持部分占总股本比例",
    "减持部分占所持比例",
)
FEWFC_ROLES = ("money", "amount", "number", "proportion")
MONEY_ROLES = frozenset((*DUEE_FIN_MONEY_ROLES, "money", "amount"))

# Characters that make up the number of an argument: its "core" is the stretch from
# the first to the last of them (最高价为4.39元 -> 4.39; 不超过公司总股本的 2% -> 2).
NUMERAL_CHARS = "0123456789０１２３４５６７８９〇零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟廿卅"
_CORE = regex.compile(f"[{NUMERAL_CHARS}](?:.*[{NUMERAL_CHARS}])?", regex.DOTALL)


@dataclass(frozen=True, slots=True)
class GoldAmount:
    """One gold amount argument and the places it may sit in its document."""

    dataset: str
    doc_id: str
    role: str
    text: str
    places: tuple[tuple[int, int], ...]

    @property
    def core(self) -> tuple[int, int] | None:
        """The offsets of the numeric core inside ``text`` (None: no numeral at all)."""
        m = _CORE.search(self.text)
        return (m.start(), m.end()) if m else None


@dataclass(frozen=True, slots=True)
class GoldDoc:
    """A document with its amount arguments."""

    dataset: str
    doc_id: str
    text: str
    amounts: tuple[GoldAmount, ...]


def _occurrences(text: str, needle: str) -> tuple[tuple[int, int], ...]:
    out = []
    pos = text.find(needle)
    while pos >= 0:
        out.append((pos, pos + len(needle)))
        pos = text.find(needle, pos + 1)
    return tuple(out)


def iter_gold(dataset: str, split: str = "dev") -> Iterator[GoldDoc]:
    """Documents of ``dataset`` (``duee_fin`` or ``fewfc``) with their amount arguments.

    Arguments are deduplicated per document: (role, text) for DuEE-fin, (role, span)
    for FewFC.
    """
    roles = DUEE_FIN_ROLES if dataset == "duee_fin" else FEWFC_ROLES
    path = data_dir() / dataset / f"{split}.jsonl"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            text = record["text"]
            seen: set[tuple[str, str, int | None]] = set()
            amounts = []
            for event in record.get("events", []):
                for arg in event.get("arguments", []):
                    if arg["role"] not in roles or not arg["text"].strip():
                        continue
                    if dataset == "duee_fin":
                        key = (arg["role"], arg["text"], None)
                        places = _occurrences(text, arg["text"])
                    else:
                        key = (arg["role"], arg["text"], arg["start"])
                        places = ((arg["start"], arg["end"]),)
                    if key in seen or not places:
                        continue
                    seen.add(key)
                    amounts.append(GoldAmount(dataset, record["id"], arg["role"], arg["text"], places))
            yield GoldDoc(dataset, record["id"], text, tuple(amounts))


def load_gold(datasets: tuple[str, ...] = ("duee_fin", "fewfc")) -> list[GoldDoc]:
    """Every document of the given datasets (dev split), in file order."""
    return [doc for name in datasets for doc in iter_gold(name)]
