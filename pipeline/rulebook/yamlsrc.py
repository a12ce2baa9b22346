"""Safe YAML loading that can point at the line of any value when validation fails.

Rule files are data: they are parsed with PyYAML's *safe* loader only, so no tag can
construct a Python object (``!!python/object`` is rejected), and three things the
safe loader lets through are refused as well, because each hides a mistake or a
hazard in a file that data engineers edit by hand:

* a key repeated in one mapping (YAML keeps the last one without a word);
* a tag outside YAML's core schema (``!!binary``, ``!!set``, custom ``!tags``);
* aliases that expand to a huge document (the "billion laughs" pattern).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is ten times faster on large gazetteers
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class _SafeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader, except that ``2025-11-20`` stays a string.

    Reference dates are written unquoted all the time; as YAML timestamps they would
    become ``date`` objects (and ``2025-13-01`` a crash) instead of text to validate.
    """


_SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(_CORE + name for name in ("str", "int", "float", "bool", "null", "map", "seq", "merge"))
# Values (counting every alias expansion) a rule file may hold; the largest built-in
# file holds a few thousand.
MAX_EXPANDED_NODES = 1_000_000

Location = tuple[str | int, ...]


class YamlProblem(Exception):
    """A YAML file that parses but breaks one of the rules above."""

    def __init__(self, line: int, location: Location, detail: str) -> None:
        super().__init__(f"line {line}: {detail}")
        self.line = line
        self.location = location
        self.detail = detail


def _node_problems(root: yaml.Node) -> Iterator[YamlProblem]:
    """Repeated keys and non-core tags, walking the node tree once (aliases once)."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Location]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in ALLOWED_TAGS:
            yield YamlProblem(
                node.start_mark.line + 1,
                loc,
                f"tag {node.tag.replace(_CORE, '!!')!r} is not allowed: rule files hold plain data "
                "(strings, numbers, booleans, lists, mappings) and never construct objects",
            )
            continue
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = str(getattr(key, "value", ""))
                if isinstance(key, yaml.ScalarNode) and name in first:
                    yield YamlProblem(
                        key.start_mark.line + 1,
                        (*loc, name),
                        f"key {name!r} repeats (first on line {first[name]}); YAML would keep only the last",
                    )
                first.setdefault(name, key.start_mark.line + 1)
                stack.append((value, (*loc, name)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*loc, i)) for i, child in enumerate(node.value))


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has once every alias is expanded."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a recursive alias counts once
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        sizes[id(node)] = total
        return total

    return size(root)


def parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document with the safe loader; return the data and its node tree.

    Raises:
        yaml.YAMLError: the text is not valid YAML (the error carries a ``problem_mark``).
        YamlProblem: a repeated key, a tag outside the core schema, or an alias bomb.

    """
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        for problem in _node_problems(node):
            raise problem
        if _expanded_size(node) > MAX_EXPANDED_NODES:
            raise YamlProblem(1, (), f"aliases expand to more than {MAX_EXPANDED_NODES} values")
        try:
            return loader.construct_document(node), node
        except (ValueError, TypeError, OverflowError) as exc:  # a scalar its tag cannot hold
            raise YamlProblem(1, (), f"a value cannot be read: {exc}") from None
    finally:
        loader.dispose()


def load_yaml(path: Path) -> Any:
    """Parse ``path`` with the safe loader (no tags that construct Python objects)."""
    data, _node = parse_yaml(path.read_text(encoding="utf-8"))
    return data


class LineIndex:
    """Lines of the values of one YAML document, looked up by location (keys and indices).

    A lookup walks as deep as the document allows, so a missing field points at the
    mapping that should have held it.
    """

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root

    @classmethod
    def of(cls, path: Path) -> LineIndex:
        """Compose ``path`` (safe loader) and index it; an unparsable file gives an empty index."""
        try:
            with path.open("rb") as fh:
                return cls(yaml.compose(fh, Loader=_SafeLoader))
        except (OSError, yaml.YAMLError):
            return cls(None)

    def line(self, location: Sequence[str | int]) -> int | None:
        """The 1-based line of the value at ``location`` (``None`` for an empty document)."""
        node = self.root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for step in location:
            child = None
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                for key, value in node.value:
                    if getattr(key, "value", None) == step:
                        child = value
                        line = key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                child = node.value[step]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line


def line_of(path: Path, location: Sequence[str | int]) -> int | None:
    """Return the 1-based line of the value at ``location`` in ``path``.

    Parsing again is fine: this only runs on an error. Use :class:`LineIndex` for
    many lookups in one file.
    """
    return LineIndex.of(path).line(location)
