"""Schemas of the organisation, person and product rule files."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pipeline.rulebook.schemas.base import Example, Rule, RuleFile, StrictModel

OrgType = Literal["company", "government", "organization", "university", "fund", "media", "exchange"]


class GazetteerEntry(StrictModel):
    """An organisation known by name: its canonical name, aliases, type and parent."""

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    type: OrgType = "company"
    parent: str | None = None
    # Short or ambiguous aliases (阿里, 字节) only count where the text is not a plain word.
    examples: list[Example] = Field(default_factory=list)


class GazetteerFile(RuleFile):
    """``kind: gazetteer``: organisations matched by an Aho-Corasick automaton."""

    kind: Literal["gazetteer"]
    entries: list[GazetteerEntry] = Field(default_factory=list)
    # Aliases that are also common words; they need a letter-free context to count.
    ambiguous: list[str] = Field(default_factory=list)


class SuffixRule(Rule):
    """Unseen organisations: a name that ends in one of ``suffixes`` (有限公司, 集团 ...)."""

    suffixes: list[str] = Field(min_length=1)
    type: OrgType = "company"
    min_stem: int = Field(default=2, ge=1)
    max_stem: int = Field(default=12, ge=1)
    # A strict stem also stops at verbs, numerals, adjectives, place words and digits
    # (维护银行, 一种资本, 2009年银行); legal names (…有限公司) contain such words.
    strict_stem: bool = True
    # The stem must hold a name-like word (a place, a proper noun, or a word the
    # dictionary does not know): 智力资本, 企业集团 and 主要银行 are common nouns.
    named_stem: bool = False
    # The suffix must start a word of its own: 科技 of 高科技 or 黑科技 ends no company's name.
    whole_suffix: bool = False


class OrgPatternsFile(RuleFile):
    """``kind: org_patterns``: suffix rules and the words a name cannot run across."""

    kind: Literal["org_patterns"]
    suffixes: list[SuffixRule] = Field(default_factory=list)
    # A name stem stops before these words (verbs, function words).
    stop_words: list[str] = Field(default_factory=list)
    # Single characters a name stem cannot contain.
    stop_chars: str = ""
    # Stems that make a common noun, not a name, with any suffix (上市公司, 创业公司).
    generic_stems: list[str] = Field(default_factory=list)
    # Countries whose ministries share their names with China's (财政部, 国防部): a known
    # government body right after one of these is that country's (美国财政部), and
    # right after a home name (中国财政部) it is the known one.
    countries: list[str] = Field(default_factory=list)
    home_countries: list[str] = Field(default_factory=list)
    # Jargon a model may take for a name (ToB, ToG, IPO): never an ORG or PERSON.
    not_names: list[str] = Field(default_factory=list)
    # Verbs that organisation names are made of (创新, 发展): a strict stem runs across
    # these and stops at any other verb.
    stem_verbs: list[str] = Field(default_factory=list)
    # Suffixes that only give a type (for model-found names): 部 -> government, 协会 -> organization.
    type_suffixes: dict[OrgType, list[str]] = Field(default_factory=dict)
    # Place names (provinces, cities, districts): a stem that is only a place name is a
    # location, not a name, before the suffixes in `place_generic_suffixes`; and a
    # name's short form drops its leading place name (深圳市腾云科技 -> 腾云科技).
    place_names: list[str] = Field(default_factory=list)
    place_generic_suffixes: list[str] = Field(default_factory=list)
    # Legal-form and industry endings dropped to derive a name's short forms in a
    # document (北京智谱华章科技有限公司 -> 智谱华章科技 -> 智谱华章).
    legal_suffixes: list[str] = Field(default_factory=list)
    industry_words: list[str] = Field(default_factory=list)
    # Words a document may declare as a short name (以下简称“公司”) that name no one
    # organisation: never made an in-document alias.
    generic_aliases: list[str] = Field(default_factory=list)


class TitleRule(Rule):
    """Job titles that introduce a person (``CEO张鹏``, ``副总裁魏伟``)."""

    titles: list[str] = Field(min_length=1)


class PersonsFile(RuleFile):
    """``kind: persons``: titles, surnames, and cue words around names."""

    kind: Literal["persons"]
    titles: list[TitleRule] = Field(default_factory=list)
    surnames: str = ""
    compound_surnames: list[str] = Field(default_factory=list)
    # Words after a name that mark it as a person (表示, 称 ...).
    speech_verbs: list[str] = Field(default_factory=list)
    # Verbs before a name that is then given a post (聘任王强为总经理).
    appointment_verbs: list[str] = Field(default_factory=list)
    # Strings that look like names but are not (a surname char + common word).
    not_names: list[str] = Field(default_factory=list)
    # Known people (name and optional aliases), matched like the gazetteer.
    known: list[str] = Field(default_factory=list)
    # Words after a surname that make a form of address, not a given name (朱博士, 王总).
    honorifics: list[str] = Field(default_factory=list)
    # Surname characters that are also function words (和, 向, 都): a name starting with
    # one counts only where the segmenter reads the whole name as one word.
    function_surnames: str = ""


class ProductEntry(StrictModel):
    """A product or model known by name, with its maker."""

    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    org: str | None = None


class ProductPattern(Rule):
    """A pattern for model and product names (``GLM-4.1V-9B-Base``)."""

    pattern: str
    org: str | None = None


class ProductsFile(RuleFile):
    """``kind: products``."""

    kind: Literal["products"]
    entries: list[ProductEntry] = Field(default_factory=list)
    patterns: list[ProductPattern] = Field(default_factory=list)
    # Strings the patterns must not take for products (COVID-19).
    stoplist: list[str] = Field(default_factory=list)
