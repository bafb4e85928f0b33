"""Checks a request against GitHub's OpenAPI description: method, path, parameters, body.

Returns the operation's path template and a list of problems (empty when the request is one
the description allows). Used by the fake GitHub to fail tests on anything GitHub would not
accept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema


@dataclass
class Operation:
    method: str
    template: str
    regex: re.Pattern[str]
    params: dict[tuple[str, str], dict[str, Any]]  # (in, name) -> parameter
    body_schema: dict[str, Any] | None
    body_required: bool


def _compile(template: str) -> re.Pattern[str]:
    out = "^"
    for part in re.split(r"(\{[^}]+\})", template):
        if part.startswith("{"):
            name = part[1:-1]
            # GitHub's contents API takes a path with slashes in one parameter.
            out += f"(?P<{name}>.+)" if name == "path" else f"(?P<{name}>[^/]+)"
        else:
            out += re.escape(part)
    return re.compile(out + "$")


class OpenApi:
    def __init__(self, path: Path) -> None:
        self.operations: list[Operation] = []
        self.add(path)

    def add(self, path: Path) -> None:
        """Also allow the operations of another description (a fragment for endpoints the
        shared subset lacks)."""
        spec = json.loads(path.read_text())
        for template, item in spec["paths"].items():
            for method, op in item.items():
                if method not in ("get", "post", "patch", "put", "delete"):
                    continue
                params = {(p["in"], p["name"]): p for p in op.get("parameters", [])}
                body = op.get("requestBody")
                schema = None
                if body:
                    schema = body.get("content", {}).get("application/json", {}).get("schema")
                self.operations.append(Operation(
                    method.upper(), template, _compile(template), params, schema,
                    bool(body and body.get("required")),
                ))
        # Longer literal templates first, so /pulls/{n}/files wins over /pulls/{n}.
        self.operations.sort(key=lambda o: -len(o.template.replace("{", "").replace("}", "")))

    def check(
        self, method: str, path: str, query: dict[str, str], body: bytes
    ) -> tuple[str | None, dict[str, str], list[str]]:
        matched_path = False
        for op in self.operations:
            m = op.regex.match(path)
            if not m:
                continue
            matched_path = True
            if op.method != method:
                continue
            return op.template, m.groupdict(), self._problems(op, m.groupdict(), query, body)
        if matched_path:
            return None, {}, [f"{method} is not allowed on {path}"]
        return None, {}, [f"no operation in the description matches {method} {path}"]

    def _problems(
        self, op: Operation, path_vars: dict[str, str], query: dict[str, str], body: bytes
    ) -> list[str]:
        problems: list[str] = []
        for name, value in path_vars.items():
            param = op.params.get(("path", name))
            if param is None:
                problems.append(f"path parameter {name} is not described")
            else:
                problems += _scalar(name, value, param.get("schema", {}))
        for name, value in query.items():
            param = op.params.get(("query", name))
            if param is None:
                problems.append(f"query parameter {name!r} is not allowed on {op.template}")
            else:
                problems += _scalar(name, value, param.get("schema", {}))
        for (where, name), param in op.params.items():
            if where == "query" and param.get("required") and name not in query:
                problems.append(f"required query parameter {name!r} is missing")
        if body:
            if op.body_schema is None:
                problems.append(f"{op.method} {op.template} takes no body")
            else:
                try:
                    data = json.loads(body)
                except json.JSONDecodeError as exc:
                    return [*problems, f"body is not JSON: {exc}"]
                validator = jsonschema.Draft7Validator(op.body_schema)
                for error in sorted(validator.iter_errors(data), key=str)[:5]:
                    where = "/".join(str(p) for p in error.absolute_path) or "(body)"
                    problems.append(f"body {where}: {error.message[:300]}")
        elif op.body_required:
            problems.append(f"{op.method} {op.template} requires a JSON body")
        return problems


def _scalar(name: str, value: str, schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        return [f"parameter {name}={value!r} must be an integer"]
    if kind == "boolean" and value not in ("true", "false"):
        return [f"parameter {name}={value!r} must be a boolean"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"parameter {name}={value!r} is not one of {schema['enum']}"]
    maximum = schema.get("maximum")
    if kind == "integer" and maximum is not None and int(value) > maximum:
        return [f"parameter {name}={value} is over {maximum}"]
    return []
