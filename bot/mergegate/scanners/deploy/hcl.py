"""HCL2 (Terraform) read through python-hcl2's parser, with every block and attribute's line.

python-hcl2 parses with Lark (positions kept); its dict output drops line numbers, so this
module walks the parse tree itself into `Block`s and `Attribute`s and evaluates expressions as
far as they are literal: strings (interpolations included when every part resolves), numbers,
booleans, lists, objects, and references to `var.*` and `local.*` that resolve to literals.
Anything else (function calls, conditionals, resource attributes) is `UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

UNKNOWN: Any = type("Unknown", (), {"__repr__": lambda self: "UNKNOWN"})()
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
MAX_DEPTH = 64


class HclError(ValueError):
    """A file that does not parse; ``line`` is where the parser gave up."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.reason = message


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    expr: Tree[Token]
    line: int


@dataclass(slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    line: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    @property
    def header(self) -> str:
        return " ".join([self.type, *(f'"{label}"' for label in self.labels)])

    def children(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]


@dataclass(frozen=True, slots=True)
class Scope:
    """What `var.*` and `local.*` resolve to (`UNKNOWN` where not literal)."""

    variables: Mapping[str, Any] = field(default_factory=dict)
    locals: Mapping[str, Any] = field(default_factory=dict)


def parse(text: str) -> Block:
    """The file as a root block (type ``""``) of its top-level attributes and blocks."""
    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as exc:
        raise HclError(int(getattr(exc, "line", 1) or 1), _first_line(str(exc))) from None
    except (LarkError, RecursionError) as exc:
        raise HclError(1, _first_line(str(exc)) or type(exc).__name__) from None
    root = Block("", (), 1)
    body = next((c for c in tree.children if isinstance(c, Tree) and c.data == "body"), None)
    if body is not None:
        _read_body(body, root)
    return root


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "invalid HCL"


def _line(node: Tree[Token] | Token) -> int:
    if isinstance(node, Token):
        return int(node.line or 1)
    return int(getattr(node.meta, "line", 1) or 1)


def _name(node: Tree[Token] | Token) -> str:
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        value = _string(node, Scope(), 0)
        return value if isinstance(value, str) else ""
    return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))


def _read_body(body: Tree[Token], into: Block) -> None:
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            parts = [c for c in child.children if isinstance(c, Tree)]
            if len(parts) >= 2:
                name = _name(parts[0])
                into.attributes[name] = Attribute(name, parts[-1], _line(child))
        elif child.data == "block":
            parts = [c for c in child.children if isinstance(c, Tree)]
            inner = next((p for p in parts if p.data == "body"), None)
            names = [_name(p) for p in parts if p.data != "body" and p.data != "new_line_or_comment"]
            if not names:
                continue
            block = Block(names[0], tuple(names[1:]), _line(child))
            if inner is not None:
                _read_body(inner, block)
            into.blocks.append(block)


def walk(block: Block) -> Iterator[Block]:
    """`block` and every block nested in it."""
    yield block
    for child in block.blocks:
        yield from walk(child)


def evaluate(expr: Tree[Token] | Token, scope: Scope, depth: int = 0) -> Any:
    """The value of an expression when it is literal (through var/local), else UNKNOWN."""
    if depth > MAX_DEPTH or isinstance(expr, Token):
        return UNKNOWN
    kind = expr.data
    kids = [c for c in expr.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
    if kind == "expr_term":
        return evaluate(kids[0], scope, depth + 1) if len(kids) == 1 else UNKNOWN
    if kind == "string":
        return _string(expr, scope, depth)
    if kind == "int_lit":
        return int(str(expr.children[0]))
    if kind == "float_lit":
        return float(str(expr.children[0]))
    if kind == "literal_value":
        return {"true": True, "false": False, "null": None}.get(str(expr.children[0]), UNKNOWN)
    if kind == "unary_op":
        value = evaluate(kids[0], scope, depth + 1) if kids else UNKNOWN
        sign = str(expr.children[0])
        if sign == "-" and isinstance(value, int | float) and not isinstance(value, bool):
            return -value
        return UNKNOWN
    if kind == "tuple":
        return [evaluate(k, scope, depth + 1) for k in kids]
    if kind == "object":
        out: dict[str, Any] = {}
        for elem in kids:
            parts = [c for c in elem.children if isinstance(c, Tree)]
            if len(parts) == 2:
                key = _object_key(parts[0], scope, depth)
                if isinstance(key, str):
                    out[key] = evaluate(parts[1], scope, depth + 1)
        return out
    if kind in ("heredoc_template", "heredoc_template_trim"):
        raw = str(expr.children[0])
        body = raw.split("\n", 1)[1].rsplit("\n", 2)[0] if "\n" in raw else ""
        return UNKNOWN if "${" in body else body
    if kind == "get_attr_expr_term":
        return _reference(expr, scope, depth)
    if kind == "index_expr_term":
        base = evaluate(kids[0], scope, depth + 1)
        index = kids[1] if len(kids) > 1 else None
        key = evaluate(index.children[1], scope, depth + 1) if index is not None and (
            index.data == "braces_index" and len(index.children) > 1
            and isinstance(index.children[1], Tree)) else UNKNOWN
        if isinstance(base, list) and isinstance(key, int) and 0 <= key < len(base):
            return base[key]
        if isinstance(base, dict) and isinstance(key, str):
            return base.get(key, UNKNOWN)
        return UNKNOWN
    return UNKNOWN


def possible_values(expr: Tree[Token], scope: Scope, depth: int = 0) -> list[Any]:
    """The values an expression may take: both results of a conditional, else its value."""
    node = expr
    while node.data == "expr_term":
        kids = [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        if len(kids) != 1:
            break
        node = kids[0]
    if node.data == "conditional" and depth < MAX_DEPTH:
        kids = [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
        if len(kids) == 3:
            return [v for k in kids[1:] for v in possible_values(k, scope, depth + 1)]
    return [evaluate(expr, scope)]


def is_literal(expr: Tree[Token]) -> bool:
    """True when the expression references nothing (no var, local, call or interpolation)."""
    for node in expr.iter_subtrees():
        if node.data in ("interpolation", "get_attr_expr_term", "function_call",
                         "index_expr_term", "conditional", "for_tuple_expr", "for_object_expr"):
            return False
    return True


def variables_used(expr: Tree[Token]) -> set[str]:
    """Names of the `var.*` an expression reads."""
    names: set[str] = set()
    for node in expr.iter_subtrees():
        if node.data != "get_attr_expr_term":
            continue
        kids = [c for c in node.children if isinstance(c, Tree)]
        if len(kids) != 2:
            continue
        base = [c for c in kids[0].children if isinstance(c, Tree)]
        ident = next((c for c in kids[1].children if isinstance(c, Tree)), None)
        is_var = len(base) == 1 and base[0].data == "identifier" and (
            str(base[0].children[0]) == "var")
        if is_var and ident is not None:
            names.add(_name(ident))
    return names


def _object_key(node: Tree[Token], scope: Scope, depth: int) -> Any:
    expr = next((c for c in node.children if isinstance(c, Tree)), None)
    if expr is None:
        return str(node.children[0]) if node.children else UNKNOWN
    inner = [c for c in expr.children if isinstance(c, Tree)]
    if expr.data == "expr_term" and len(inner) == 1 and inner[0].data == "identifier":
        return str(inner[0].children[0])
    if expr.data == "keyword":
        return str(expr.children[0])
    return evaluate(expr, scope, depth + 1)


def _reference(expr: Tree[Token], scope: Scope, depth: int) -> Any:
    """`var.x`, `local.x` and attribute access into their values."""
    path: list[str] = []
    node: Tree[Token] | None = expr
    while node is not None and node.data in ("get_attr_expr_term", "expr_term"):
        kids = [c for c in node.children if isinstance(c, Tree)]
        if node.data == "expr_term":
            if len(kids) != 1:
                return UNKNOWN
            node = kids[0]
            continue
        attr = kids[1] if len(kids) > 1 else None
        if attr is None:
            return UNKNOWN
        ident = next((c for c in attr.children if isinstance(c, Tree)), None)
        if ident is None:
            return UNKNOWN
        path.append(_name(ident))
        node = kids[0]
    if node is None or node.data != "identifier":
        return UNKNOWN
    path.append(str(node.children[0]))
    path.reverse()
    root, rest = path[0], path[1:]
    if root == "var" and rest:
        value = scope.variables.get(rest[0], UNKNOWN)
    elif root == "local" and rest:
        value = scope.locals.get(rest[0], UNKNOWN)
    else:
        return UNKNOWN
    for key in rest[1:]:
        value = value.get(key, UNKNOWN) if isinstance(value, dict) else UNKNOWN
    return value


def _string(expr: Tree[Token], scope: Scope, depth: int) -> Any:
    out: list[str] = []
    for part in expr.children:
        if not isinstance(part, Tree):
            continue  # the quotes
        for piece in part.children:
            if isinstance(piece, Token):
                text = str(piece)
                if piece.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    out.append(text[1:])
                else:
                    out.append(_unescape(text))
            elif piece.data == "interpolation":
                inner = next((c for c in piece.children if isinstance(c, Tree)), None)
                value = evaluate(inner, scope, depth + 1) if inner is not None else UNKNOWN
                if value is UNKNOWN or isinstance(value, list | dict) or value is None:
                    return UNKNOWN
                out.append(str(value).lower() if isinstance(value, bool) else str(value))
            else:
                return UNKNOWN  # template directives
    return "".join(out)


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt in "uU":
                width = 4 if nxt == "u" else 8
                digits = text[i + 2 : i + 2 + width]
                try:
                    out.append(chr(int(digits, 16)))
                    i += 2 + width
                    continue
                except ValueError:
                    pass
        out.append(c)
        i += 1
    return "".join(out)


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a value (lists and object values included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
