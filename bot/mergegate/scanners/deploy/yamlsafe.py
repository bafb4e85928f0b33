"""A YAML loader for untrusted manifests: line numbers kept, bombs and huge inputs refused.

Documents are composed (not constructed) with libyaml when available, so every value keeps the
line it came from. Aliases are allowed (Compose files use them) but the size of each document
once aliases are expanded is bounded, so an alias bomb is refused in time linear in the
document, and recursive aliases are refused outright. Errors are `YamlError` values naming the
file and line; nothing here raises anything else for bad input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml is present wherever PyYAML has wheels
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_RESOLVE_CACHE_MAX = 50_000


class _Loader(_BaseLoader):
    """The safe loader with implicit scalar tags memoised (keys and values repeat a lot)."""

    _resolved: dict[tuple[str, bool, bool], str] = {}

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode or not isinstance(value, str) or len(value) > 64:
            return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
        key = (value, implicit[0], implicit[1])
        tag = self._resolved.get(key)
        if tag is None:
            tag = str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
            if len(self._resolved) >= _RESOLVE_CACHE_MAX:
                self._resolved.clear()
            self._resolved[key] = tag
        return tag

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_DOCUMENTS = 1000
DEFAULT_MAX_EXPANDED_NODES = 200_000

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"


class YamlError(ValueError):
    """A document that cannot be read safely; ``str()`` is ``path:line: message``."""

    def __init__(self, path: str, line: int, message: str, *, syntax: bool = False) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.reason = message
        self.syntax = syntax  # True: not YAML at all (a template, say), not a refused input


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a file: its root node and the line its content starts at."""

    root: Node
    line: int


def line_of(node: Node) -> int:
    """1-based line where a node starts."""
    return int(node.start_mark.line) + 1


def end_line_of(node: Node) -> int:
    """1-based last line of a node (a block's end mark sits on the line after it)."""
    end = node.end_mark
    line = int(end.line) + 1
    if int(end.column) == 0 and line > line_of(node):
        line -= 1
    return line


def _expanded_size(root: Node, path: str, limit: int) -> int:
    """Number of nodes once aliases are expanded; YamlError past `limit` or on a cycle."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        if key in active:
            raise YamlError(path, line_of(node), "recursive alias: refused")
        active.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            for child in node.value:
                total += size(child)
                if total > limit:
                    break
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > limit:
                    break
        active.discard(key)
        if total > limit:
            raise YamlError(
                path,
                line_of(node),
                f"document expands to more than {limit} nodes through aliases "
                "(a YAML alias bomb?): refused",
            )
        memo[key] = total
        return total

    try:
        return size(root)
    except RecursionError:
        raise YamlError(path, line_of(root), "document nested too deeply: refused") from None


def load_documents(
    text: str,
    path: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_documents: int = DEFAULT_MAX_DOCUMENTS,
    max_expanded_nodes: int = DEFAULT_MAX_EXPANDED_NODES,
) -> list[Document]:
    """Compose every document of a YAML stream, or raise YamlError naming file and line."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise YamlError(path, 1, f"{size} bytes, over the {max_bytes}-byte limit: not read")
    docs: list[Document] = []
    may_alias = "&" in text  # no anchor, no alias: nothing can expand
    try:
        for root in yaml.compose_all(text, Loader=_Loader):
            if root is None:
                continue
            if len(docs) >= max_documents:
                raise YamlError(
                    path, line_of(root), f"more than {max_documents} documents: not read"
                )
            if may_alias:
                _expanded_size(root, path, max_expanded_nodes)
            docs.append(Document(root, line_of(root)))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(path, line, f"invalid YAML: {problem}", syntax=True) from None
    except yaml.YAMLError as exc:
        raise YamlError(path, 1, f"invalid YAML: {exc}", syntax=True) from None
    except RecursionError:
        raise YamlError(path, 1, "document nested too deeply: refused") from None
    return docs


# Node accessors: the checks read manifests through these, never through constructed objects.


def is_map(node: Node | None) -> bool:
    return isinstance(node, MappingNode)


def is_seq(node: Node | None) -> bool:
    return isinstance(node, SequenceNode)


def _has_merge(node: MappingNode) -> bool:
    return any(isinstance(k, ScalarNode) and k.tag == _MERGE for k, _ in node.value)


def items(node: Node | None) -> Iterator[tuple[ScalarNode, Node]]:
    """Key/value pairs of a mapping with string keys, `<<` merge keys expanded (own keys win)."""
    if not isinstance(node, MappingNode):
        return
    if not _has_merge(node):
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                yield k, v
        return
    own: list[tuple[ScalarNode, Node]] = []
    merged: list[tuple[ScalarNode, Node]] = []
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.tag == _MERGE:
            sources = v.value if isinstance(v, SequenceNode) else [v]
            for src in sources:
                if isinstance(src, MappingNode):
                    merged.extend(
                        (mk, mv)
                        for mk, mv in src.value
                        if isinstance(mk, ScalarNode) and mk.tag != _MERGE
                    )
        elif isinstance(k, ScalarNode):
            own.append((k, v))
    seen = {k.value for k, _ in own}
    yield from own
    for k, v in merged:
        if k.value not in seen:
            seen.add(k.value)
            yield k, v


def get(node: Node | None, key: str) -> Node | None:
    item = get_item(node, key)
    return item[1] if item else None


def get_item(node: Node | None, key: str) -> tuple[ScalarNode, Node] | None:
    """The key and value node of `key` (the first one; own keys before `<<` merged ones)."""
    if not isinstance(node, MappingNode):
        return None
    index: dict[str, tuple[ScalarNode, Node]] | None = node.__dict__.get("_mg_index")
    if index is None:
        index = {}
        merge = False
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                if k.tag == _MERGE:
                    merge = True
                elif k.value not in index:
                    index[k.value] = (k, v)
        if merge:
            for k, v in items(node):
                index.setdefault(k.value, (k, v))
        node.__dict__["_mg_index"] = index  # the checks ask each mapping for many keys
    return index.get(key)


def seq(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def text(node: Node | None) -> str | None:
    """A scalar's text (numbers and booleans as written); None for anything else or null."""
    if isinstance(node, ScalarNode) and node.tag != _NULL:
        return str(node.value)
    return None


def string(node: Node | None, key: str) -> str | None:
    return text(get(node, key))


def boolean(node: Node | None) -> bool | None:
    if isinstance(node, ScalarNode) and node.tag == _BOOL:
        return str(node.value).lower() in ("true", "yes", "on", "y")
    return None


def integer(node: Node | None) -> int | None:
    """An integer scalar, also when quoted (``"8080"``); None otherwise."""
    if not isinstance(node, ScalarNode):
        return None
    raw = str(node.value).strip()
    if node.tag not in (_INT, _STR) or not raw.isdigit():
        return None
    return int(raw)
