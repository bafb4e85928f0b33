"""Lockfile text as data: JSON, TOML and YAML, with errors that name the file and line."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import yaml

from mergegate.scanners.dependencies.model import LockfileError


def toml_document(path: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise LockfileError(path, int(m.group(1)) if m else 1, f"invalid TOML: {exc}") from None


def json_document(path: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(path, exc.lineno, f"invalid JSON: {exc.msg}") from None


def yaml_document(path: str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise LockfileError(path, line, f"invalid YAML: {problem}") from None
