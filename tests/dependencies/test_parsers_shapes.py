"""Lockfiles of the right syntax but the wrong shapes (values of unexpected types, lines cut
short): every parser answers with a result or a LockfileError, never another exception."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from mergegate.scanners.dependencies import lockfiles
from mergegate.scanners.dependencies.model import LockfileError

DATA = Path(__file__).parent / "data"
ODD_VALUES: list[Any] = [None, 1, "x", [], {}, [1], {"a": 1}, True, 1.5]
ODD_LINES = [
    "x = [",
    "name = 3",
    "[[package]]",
    "version = {a=1}",
    "  version",
    "    rack (",
    "require (",
    "=>",
    "a:b",
    "<dependency>",
    "",
    '  x "y"',
    "dependencies = 5",
]
SAMPLES = sorted(
    str(p.relative_to(DATA))
    for p in DATA.rglob("*")
    if p.is_file() and lockfiles.is_lockfile(str(p.relative_to(DATA)))
)


def mutate(value: Any, rng: random.Random, rate: float = 0.15) -> Any:
    if isinstance(value, dict):
        return {
            k: rng.choice(ODD_VALUES) if rng.random() < rate else mutate(v, rng) for k, v in value.items()
        }
    if isinstance(value, list):
        return [rng.choice(ODD_VALUES) if rng.random() < rate else mutate(v, rng) for v in value]
    return value


def variants(rel: str, text: str, count: int) -> list[str]:
    rng = random.Random(rel)
    out = []
    for _ in range(count):
        if rel.endswith(".json"):
            out.append(json.dumps(mutate(json.loads(text), rng)))
        elif rel.endswith(".yaml") or rel.startswith("berry/"):
            out.append(yaml.safe_dump(mutate(yaml.safe_load(text), rng)))
        else:
            lines = text.splitlines()
            lines[rng.randrange(len(lines))] = rng.choice(ODD_LINES)
            out.append("\n".join(lines))
    return out


@pytest.mark.parametrize("rel", SAMPLES)
def test_odd_shapes_give_a_result_or_a_lockfile_error(rel: str) -> None:
    for text in variants(rel, (DATA / rel).read_text(), 60):
        try:
            lockfiles.parse(rel, text, lambda _p: None)
        except LockfileError as exc:
            assert str(exc).startswith(f"{rel}:")
