"""What is generated from the policy's one definition (`mergegate.policy_file.POLICY`): the JSON
Schema, the commented file `mergegate init` writes, and docs/policy.md.

`python -m mergegate.policy_reference ROOT` rewrites the generated files of a source checkout
(tests/cli/test_policy_reference.py fails when one is out of date).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from mergegate.policy_file import POLICY, Key, ListOf, MapOf, Section

SCHEMA_URL = "https://raw.githubusercontent.com/mergegate/mergegate/main/schema/policy.schema.json"
DOCS_URL = "https://github.com/mergegate/mergegate/blob/main/docs/policy.md"
# Where the generated files live, relative to a source checkout's root.
SCHEMA_PATHS = ("schema/policy.schema.json", "bot/mergegate/schema/policy.schema.json")
DOCS_PATH = "docs/policy.md"


def policy_schema() -> dict[str, Any]:
    body = POLICY.schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_URL,
        "title": "MergeGate policy (.mergegate.yml)",
        "description": f"Every key is optional. Reference: {DOCS_URL}",
        **body,
    }


def schema_json() -> str:
    return json.dumps(policy_schema(), indent=2, ensure_ascii=False) + "\n"


def flow(value: Any) -> str:
    """A value as one line of YAML (flow style)."""
    text: str = yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False)
    return text.strip().removesuffix("\n...").removesuffix("...").strip()


def _leaves(section: Section, prefix: str = "") -> Iterator[tuple[str, Section, Key]]:
    for key in section.keys:
        yield prefix + key.name, section, key
        inner = key.kind
        if isinstance(inner, MapOf) and isinstance(inner.value, Section):
            yield from _leaves(inner.value, f"{prefix}{key.name}.<name>.")
        elif isinstance(inner, ListOf) and isinstance(inner.item, Section):
            yield from _leaves(inner.item, f"{prefix}{key.name}[].")
        elif isinstance(inner, Section):
            yield from _leaves(inner, f"{prefix}{key.name}.")


def _default_text(section: Section, key: Key) -> str:
    default = section.default_of(key)
    if default is not None:
        return f"`{flow(default)}`"
    if key.name in dict(section.required):
        return "required"
    if key.absent:
        return f"absent: {key.absent}"
    return "-"


def init_text() -> str:
    """The commented policy `mergegate init` writes: every default, and examples as comments."""
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "# MergeGate policy. Every key is optional: the values below are the defaults, and the",
        "# commented lines are examples. `mergegate policy validate` checks this file; every key",
        f"# is described in {DOCS_URL}",
    ]

    def emit(section: Section, indent: str) -> None:
        for key in section.keys:
            if key.name == "enforce":
                lines.append(f"{indent}# {key.description}")
                lines.append(f"{indent}# {key.name}: {flow(key.example)}")
                continue
            lines.append(f"{indent}# {key.description}")
            if isinstance(key.kind, Section):
                lines.append(f"{indent}{key.name}:")
                emit(key.kind, indent + "  ")
                continue
            default = section.default_of(key)
            if default is None:
                absent = f"  (absent: {key.absent})" if key.absent else ""
                lines.append(f"{indent}# {key.name}: {flow(key.example)}{absent}")
                continue
            lines.append(f"{indent}{key.name}: {flow(default)}")
            if key.example is not None and key.example != default:
                lines.append(f"{indent}# {key.name}: {flow(key.example)}")

    emit(POLICY, "")
    return "\n".join(lines) + "\n"


def example_policy() -> dict[str, Any]:
    """Every key set to its example: a policy that must parse and validate."""

    def build(section: Section) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in section.keys:
            out[key.name] = build(key.kind) if isinstance(key.kind, Section) else key.example
        return out

    return build(POLICY)


def reference_markdown() -> str:
    lines = [
        "# The policy file: every key",
        "",
        "<!-- Generated from mergegate.policy_file.POLICY by `python -m mergegate.policy_reference .`;"
        " do not edit by hand. -->",
        "",
        "`.mergegate.yml` at the repository root (or `.github/mergegate.yml`). Every key is "
        "optional; a key that is absent has the default shown. `mergegate init` writes a "
        "commented file with every default, and `mergegate policy validate` checks one. Editors "
        "with the YAML language server check it against the JSON Schema "
        "([`schema/policy.schema.json`](../schema/policy.schema.json)) through the file's "
        "first line:",
        "",
        "```yaml",
        f"# yaml-language-server: $schema={SCHEMA_URL}",
        "```",
        "",
        "Severities are `critical|high|medium|low|info`; `never` as a `block_on` means nothing "
        "blocks. A scanner section's `block_on` overrides the top-level one for that scanner's "
        "findings. Values are case-insensitive where they are names from a list; unknown keys "
        "and wrong types are errors naming the file, line, column and key.",
        "",
        "| key | type | default | example | meaning |",
        "|---|---|---|---|---|",
    ]
    for dotted, section, key in _leaves(POLICY):
        if isinstance(key.kind, Section):
            lines.append(f"| **`{dotted}`** | section | | | {key.description} |")
            continue
        example = f"`{flow(key.example)}`" if key.example is not None else ""
        cells = [f"`{dotted}`", key.kind.doc, _default_text(section, key), example,
                 key.description]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += [
        "",
        "A whole policy with every key set to its example:",
        "",
        "```yaml",
        yaml.safe_dump(example_policy(), sort_keys=False, width=100).rstrip(),
        "```",
        "",
    ]
    return "\n".join(lines)


def write_generated(root: Path) -> list[Path]:
    written = []
    for rel, text in ((SCHEMA_PATHS[0], schema_json()), (SCHEMA_PATHS[1], schema_json()),
                      (DOCS_PATH, reference_markdown())):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written in write_generated(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(written)
