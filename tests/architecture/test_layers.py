"""The package's layering, checked on the source: arrows point down only.

- `core` imports nothing outside `core` and the standard library;
- `forge` imports neither `service` nor `web`; scanners import neither the store nor `logscan`;
- no import cycles between modules (imports inside functions count too: a lazy import is
  still an arrow);
- nothing is imported through `importlib` (plain imports only).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "bot" / "mergegate"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:
                yield f"{node.module}.{alias.name}"


def internal(name: str, known: dict[str, Path]) -> str | None:
    """The project module an import names (``a.b.C`` -> ``a.b``), or None if external."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


MODULES = modules()
GRAPH = {m: {t for i in imports_of(p) if (t := internal(i, MODULES)) and t != m}
         for m, p in MODULES.items()}


def under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_core_imports_only_core_and_the_standard_library() -> None:
    bad = []
    for m, path in MODULES.items():
        if not under(m, "mergegate.core"):
            continue
        for name in imports_of(path):
            top = name.split(".")[0]
            if top == "mergegate":
                if not under(internal(name, MODULES) or name, "mergegate.core"):
                    bad.append(f"{m} imports {name}")
            elif top not in STDLIB:
                bad.append(f"{m} imports {name}")
    assert bad == []


@pytest.mark.parametrize(("low", "high"), [
    ("mergegate.forge", "mergegate.service"),
    ("mergegate.forge", "mergegate.web"),
    ("mergegate.forge", "mergegate.queue"),
    ("mergegate.scanners", "mergegate.store"),
    ("mergegate.scanners", "mergegate.logscan"),
    ("mergegate.scanners", "mergegate.service"),
    ("mergegate.service", "mergegate.web"),
    ("mergegate.store", "mergegate.service"),
    ("mergegate.service", "mergegate.dashboard"),
    ("mergegate.store", "mergegate.dashboard"),
    ("mergegate.forge", "mergegate.dashboard"),
])
def test_arrows_point_down(low: str, high: str) -> None:
    bad = sorted(f"{m} -> {t}" for m, targets in GRAPH.items() if under(m, low)
                 for t in targets if under(t, high))
    assert bad == []


def test_no_import_cycles() -> None:
    # Tarjan's strongly connected components over the module graph.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            # A package's __init__ importing its own submodules is not a cycle worth a name.
            if len(component) > 1 and not all(under(c, min(component)) for c in component):
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in GRAPH:
        if v not in index:
            visit(v)
    assert cycles == []


def test_no_importlib() -> None:
    bad = [m for m, p in MODULES.items() if "importlib" in set(imports_of(p))
           or "importlib.import_module" in p.read_text()]
    assert bad == []
