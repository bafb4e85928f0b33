"""The policy has one definition: the parser's key table. The JSON Schema (shipped in the
package and committed under schema/), `mergegate init` and docs/policy.md are generated from it;
these tests fail when a generated file is out of date (`python -m mergegate.policy_reference .`
rewrites them) or when the schema and the parser disagree."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.policy_file import POLICY, ListOf, MapOf, Section, parse_policy
from mergegate.policy_reference import (
    DOCS_PATH,
    SCHEMA_PATHS,
    SCHEMA_URL,
    _leaves,
    example_policy,
    init_text,
    policy_schema,
    reference_markdown,
    schema_json,
)

from .conftest import Run

ROOT = Path(__file__).resolve().parents[2]
DESIGN = Path(__file__).resolve().parents[1] / "test_policy_file.py"


def as_json(value: Any) -> Any:
    """YAML values as an editor's schema check sees them (dates are strings)."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(
        v, dt.date) else str(v)))


def validator() -> jsonschema.Draft202012Validator:
    schema = policy_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("rel", SCHEMA_PATHS)
def test_committed_schemas_are_generated_from_the_parser(rel: str) -> None:
    assert (ROOT / rel).read_text(encoding="utf-8") == schema_json(), (
        f"{rel} is out of date: run `python -m mergegate.policy_reference .`")


def test_the_installed_package_ships_the_schema() -> None:
    shipped = files("mergegate").joinpath("schema/policy.schema.json").read_text(encoding="utf-8")
    assert json.loads(shipped)["$id"] == SCHEMA_URL


def test_docs_policy_md_is_up_to_date_and_names_every_key() -> None:
    text = (ROOT / DOCS_PATH).read_text(encoding="utf-8")
    assert text == reference_markdown(), (
        f"{DOCS_PATH} is out of date: run `python -m mergegate.policy_reference .`")
    for dotted, _, _ in _leaves(POLICY):
        assert f"`{dotted}`" in text


def test_the_docs_show_real_defaults() -> None:
    rows = {line.split(" | ")[0].strip("| `"): line.split(" | ")
            for line in reference_markdown().splitlines() if line.startswith("| `")}
    assert rows["block_on"][2] == "`high`"
    assert rows["dismiss.allowed"][2] == "`[maintain, admin]`"
    assert rows["dismiss.max_days"][2] == "`90`"
    assert rows["licenses.unknown"][2] == "`warn`"
    assert rows["licenses.allow"][2] == "absent: everything not denied is allowed"
    assert rows["sast.block_on"][2] == "absent: the top-level block_on"
    assert rows["risk.block_at"][2] == "absent: never"
    assert rows["deploy.pod_security"][2] == "`baseline`"


def test_init_text_is_the_defaults_and_validates() -> None:
    text = init_text()
    assert text.startswith(f"# yaml-language-server: $schema={SCHEMA_URL}\n")
    load = parse_policy(text)
    assert load.errors == () and load.policy == DEFAULT_POLICY
    validator().validate(as_json(yaml.safe_load(text)))


def test_every_example_parses_and_validates_and_differs_from_the_default() -> None:
    example = example_policy()
    load = parse_policy(yaml.safe_dump(example, sort_keys=False))
    assert load.errors == ()
    validator().validate(as_json(example))
    for dotted, section, key in _leaves(POLICY):
        if isinstance(key.kind, Section) or key.example is None or dotted == "version":
            continue  # (version has one valid value)
        assert key.example != section.default_of(key), dotted


def test_the_design_example_validates() -> None:
    source = DESIGN.read_text(encoding="utf-8")
    start = source.index('DESIGN_EXAMPLE = """\\\n') + len('DESIGN_EXAMPLE = """\\\n')
    design = source[start:source.index('"""', start)]
    assert parse_policy(design).errors == ()
    validator().validate(as_json(yaml.safe_load(design)))


@pytest.mark.parametrize(("text", "parser_key"), [
    ("colour: red\n", "colour"),
    ("block_on: severe\n", "block_on"),
    ("sast: {enable: true}\n", "sast.enable"),
    ("deploy: {allowed_ports: [70000]}\n", "deploy.allowed_ports[0]"),
    ("dismiss: {max_days: 0}\n", "dismiss.max_days"),
    ("dependencies: {ignore: [{id: X}]}\n", "dependencies.ignore[0]"),
    ("external: {tools: {trivy: {block_on: hihg}}}\n", "external.tools.trivy.block_on"),
    ("enforce: [colour]\n", "enforce[0]"),
    ("new_findings_only: maybe\n", "new_findings_only"),
])
def test_schema_and_parser_reject_the_same_mistakes(text: str, parser_key: str) -> None:
    assert [e.key for e in parse_policy(text).errors] == [parser_key]
    assert list(validator().iter_errors(as_json(yaml.safe_load(text))))


def test_schema_mirrors_the_key_table() -> None:
    def names(schema: dict[str, Any], section: Section) -> None:
        assert set(schema["properties"]) == {k.name for k in section.keys}
        assert schema["additionalProperties"] is False
        for key in section.keys:
            inner = key.kind
            if isinstance(inner, Section):
                names(schema["properties"][key.name], inner)
            elif isinstance(inner, MapOf) and isinstance(inner.value, Section):
                names(schema["properties"][key.name]["additionalProperties"], inner.value)
            elif isinstance(inner, ListOf) and isinstance(inner.item, Section):
                names(schema["properties"][key.name]["items"], inner.item)

    names(policy_schema(), POLICY)


def test_init_writes_and_refuses_to_overwrite(cli: Callable[..., Run], tmp_path: Path) -> None:
    run = cli("init", str(tmp_path))
    target = tmp_path / ".mergegate.yml"
    assert run.code == 0 and run.out == (
        f"wrote {target}: every key at its default; 'mergegate policy validate' checks it\n")
    assert target.read_text() == init_text()
    target.write_text("block_on: low\n")
    again = cli("init", str(tmp_path))
    assert (again.code, again.err) == (
        2, f"mergegate: init: {target} already exists; --force overwrites it\n")
    assert target.read_text() == "block_on: low\n"
    assert cli("init", str(tmp_path), "--force").code == 0
    assert target.read_text() == init_text()
    assert cli("policy", "validate", str(target)).out == f"{target}: ok\n"


def test_init_in_the_current_folder(cli: Callable[..., Run], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("init").out.startswith("wrote .mergegate.yml: ")
    assert cli("init").err == "mergegate: init: .mergegate.yml already exists; --force overwrites it\n"


def test_the_readme_block_parses_and_says_default_or_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\nversion: 1\n") + len("```yaml\n")
    block = readme[start:readme.index("```\n", start)]
    assert parse_policy(block).errors == ()
    top = {line.split(":")[0] for line in block.splitlines() if line[:1].isalpha()}
    assert top == {k.name for k in POLICY.keys} - {"paths"} | {"paths"}
    for key in ("  enabled: true           # default", "  block_on: critical      # example"):
        assert key in block
    assert all("# default" in line or "# example" in line or not line.strip().endswith("|")
               for line in block.splitlines())
