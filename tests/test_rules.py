"""Checks of MergeGate's own Semgrep rules in ``rules/``.

Three things are checked:

* ``semgrep --test`` (the Python CLI) passes on every rule file and its test file;
* ``semgrep scan --experimental`` (the OCaml CLI, which the SAST scanner runs by default) reports
  exactly the lines annotated ``ruleid:`` in the test files, so both CLIs agree;
* every rule carries the id, message, severity and metadata the scanner and reports rely on;
* the blocks rules share (``scripts/rule_fragments``) are written in every rule file as
  ``scripts/generate_rules.py`` writes them.

The two Semgrep runs take a minute or two (every rule of every language); they are marked
``slow`` and still run in the default suite (``-m "not slow"`` leaves them out).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
GENERATOR = RULES_DIR.parent / "scripts" / "generate_rules.py"
SEMGREP = Path(sys.executable).with_name("semgrep")
LANGUAGES = ("python", "javascript", "typescript", "java", "go")
SEMGREP_LEVELS = {"ERROR", "WARNING", "INFO"}
CONFIDENCES = {"HIGH", "MEDIUM", "LOW"}
MERGEGATE_SEVERITIES = {"critical", "high", "medium", "low"}
PRECISIONS = {"very-high", "high", "medium", "low"}
# Languages whose every rule must say how precise it is (metadata.precision); the others are
# checked where they do.
PRECISION_REQUIRED = {"python"}
RULE_ID = re.compile(r"^mergegate\.(?P<lang>[a-z]+)\.[a-z0-9]+(?:-[a-z0-9]+)*$")
CWE = re.compile(r"^CWE-\d+: \S.*$")
OWASP = re.compile(r"^A(0[1-9]|10):2021 - \S.*$")
ANNOTATION = re.compile(
    r"(?P<prefix>^\s*|\S.*?)(?:#|//)\s*(?P<kind>ruleid|ok|todoruleid|todook):\s*(?P<ids>[\w.,\s-]+?)\s*$"
)
ANCHORED = re.compile(r"^(\(\?[a-z]+\))?(\^|\.\*)")
SEMGREP_TIMEOUT_S = 300


@dataclass(frozen=True)
class Annotation:
    """One ``ruleid:``/``ok:`` comment: which rules it names and the line it is about."""

    kind: str
    rule_ids: tuple[str, ...]
    line: int


def rule_files() -> list[Path]:
    return sorted(p for p in RULES_DIR.rglob("*") if p.suffix in {".yml", ".yaml"})


def targets_of(rule_file: Path) -> list[Path]:
    """The test targets of a rule file: the files next to it with the same stem."""
    return sorted(
        p
        for p in rule_file.parent.iterdir()
        if p.stem == rule_file.stem and p.suffix not in {".yml", ".yaml"} and p.is_file()
    )


def load_rules(rule_file: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(rule_file.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("rules"), list), rule_file
    return list(data["rules"])


def metavariable_regexes(node: object) -> list[str]:
    """Every ``metavariable-regex`` regex anywhere inside a rule."""
    if isinstance(node, list):
        return [r for item in node for r in metavariable_regexes(item)]
    if not isinstance(node, dict):
        return []
    found = [str(v["regex"]) for k, v in node.items() if k == "metavariable-regex"]
    return found + [r for v in node.values() for r in metavariable_regexes(v)]


def parse_annotations(text: str) -> list[Annotation]:
    """Parse annotations the way ``semgrep --test`` reads them.

    A comment alone on its line is about the next line; a comment after code is about its own line.
    """
    found: list[Annotation] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = ANNOTATION.match(line)
        if match is None:
            continue
        ids = tuple(part.strip() for part in match["ids"].split(",") if part.strip())
        own_line = match["prefix"].strip() == ""
        found.append(Annotation(match["kind"], ids, number + 1 if own_line else number))
    return found


def expected_matches(target: Path, rule_ids: set[str]) -> set[tuple[str, int]]:
    """(rule id, line) pairs a correct rule set reports on ``target``, from its annotations."""
    expected: set[tuple[str, int]] = set()
    for annotation in parse_annotations(target.read_text(encoding="utf-8")):
        if annotation.kind not in {"ruleid", "todook"}:
            continue
        for rule_id in annotation.rule_ids:
            if rule_id in rule_ids:
                expected.add((rule_id, annotation.line))
    return expected


def run_semgrep(args: list[str]) -> subprocess.CompletedProcess[str]:
    assert SEMGREP.exists(), f"semgrep is not installed next to {sys.executable}"
    return subprocess.run(
        [str(SEMGREP), *args],
        cwd=RULES_DIR.parent,
        capture_output=True,
        text=True,
        timeout=SEMGREP_TIMEOUT_S,
        check=False,
    )


def test_annotation_parser_reads_own_line_and_trailing_comments() -> None:
    text = (
        "x = 1\n"
        "# ruleid: mergegate.python.a, mergegate.python.b\n"
        "eval(x)\n"
        "eval(y)  # ok: mergegate.python.a\n"
        "// todoruleid: mergegate.go.c\n"
    )
    assert parse_annotations(text) == [
        Annotation("ruleid", ("mergegate.python.a", "mergegate.python.b"), 3),
        Annotation("ok", ("mergegate.python.a",), 4),
        Annotation("todoruleid", ("mergegate.go.c",), 6),
    ]


def test_rules_folder_has_rules_for_every_language() -> None:
    folders = {p.parent.name for p in rule_files()}
    assert {"python", "javascript", "java", "go"} <= folders


@pytest.mark.parametrize("rule_file", rule_files(), ids=lambda p: str(p.relative_to(RULES_DIR)))
def test_rule_file_metadata(rule_file: Path) -> None:
    rules = load_rules(rule_file)
    assert rules, f"{rule_file} has no rules"
    targets = targets_of(rule_file)
    assert targets, f"{rule_file} has no test file with the same name next to it"
    annotations = [a for t in targets for a in parse_annotations(t.read_text(encoding="utf-8"))]
    for rule in rules:
        rule_id = rule.get("id", "")
        match = RULE_ID.match(rule_id)
        assert match, f"{rule_file}: bad id {rule_id!r}"
        assert match["lang"] == rule_file.parent.name, f"{rule_id} is not in its language folder"
        assert match["lang"] in LANGUAGES
        assert match["lang"] in rule.get("languages", []), f"{rule_id}: languages"
        assert isinstance(rule.get("message"), str) and len(rule["message"]) > 40, rule_id
        assert rule.get("severity") in SEMGREP_LEVELS, rule_id
        meta = rule.get("metadata")
        assert isinstance(meta, dict), f"{rule_id} has no metadata"
        assert meta.get("category") == "security", rule_id
        assert meta.get("confidence") in CONFIDENCES, rule_id
        assert meta.get("mergegate-severity") in MERGEGATE_SEVERITIES, rule_id
        for key, pattern in (("cwe", CWE), ("owasp", OWASP)):
            values = meta.get(key)
            assert isinstance(values, list) and values, f"{rule_id}: metadata.{key} is not a list"
            for value in values:
                assert isinstance(value, str) and pattern.match(value), f"{rule_id}: {value!r}"
        if "precision" in meta or match["lang"] in PRECISION_REQUIRED:
            assert meta.get("precision") in PRECISIONS, f"{rule_id}: metadata.precision"
        references = meta.get("references")
        assert isinstance(references, list) and references, f"{rule_id} has no references"
        assert all(str(r).startswith("https://") for r in references), rule_id
        for regex in metavariable_regexes(rule):
            # metavariable-regex matches from the start of the value only; say so explicitly
            assert ANCHORED.match(regex), f"{rule_id}: anchor metavariable-regex {regex!r}"
        kinds = {a.kind for a in annotations if rule_id in a.rule_ids}
        assert "ruleid" in kinds, f"{rule_id} has no true-positive (ruleid:) test case"
        assert "ok" in kinds, f"{rule_id} has no safe-code (ok:) test case"


@pytest.mark.parametrize("rule_file", rule_files(), ids=lambda p: str(p.relative_to(RULES_DIR)))
def test_rule_file_has_no_yaml_aliases(rule_file: Path) -> None:
    """The OCaml CLI rejects rules written with YAML anchors and aliases ("Wrong field for a
    pattern"); the Python CLI accepts them, so ``semgrep --test`` alone would not notice."""
    events = yaml.parse(rule_file.read_text(encoding="utf-8"))
    assert not any(isinstance(e, yaml.AliasEvent) for e in events), rule_file


def test_rule_ids_are_unique_across_files() -> None:
    """The scanner merges every rule file into one config, so an id may appear only once."""
    seen: dict[str, Path] = {}
    for rule_file in rule_files():
        for rule in load_rules(rule_file):
            assert rule["id"] not in seen, f"{rule['id']} in {rule_file} and {seen[rule['id']]}"
            seen[rule["id"]] = rule_file


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_rules", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_files_match_their_fragments() -> None:
    """Every shared block in rules/ is exactly what scripts/generate_rules.py writes."""
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    marked = [p for p in rule_files() if "# >>> fragment: " in p.read_text(encoding="utf-8")]
    assert len(marked) >= 20, "the taint rules of every language share their blocks"


def test_generator_writes_fragments_nested_and_indented(tmp_path: Path) -> None:
    gen = load_generator()
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "outer.yml").write_text(
        "- pattern-either:\n    # >>> fragment: x/inner\n    # <<< fragment: x/inner\n"
    )
    (tmp_path / "x" / "inner.yml").write_text("- pattern: a\n- pattern: b\n")
    text = "rules:\n  - id: r\n    pattern-sources:\n      # >>> fragment: x/outer\n      - stale\n      # <<< fragment: x/outer\n"
    assert gen.render(text, tmp_path) == (
        "rules:\n  - id: r\n    pattern-sources:\n      # >>> fragment: x/outer\n"
        "      - pattern-either:\n          # >>> fragment: x/inner\n"
        "          - pattern: a\n          - pattern: b\n"
        "          # <<< fragment: x/inner\n      # <<< fragment: x/outer\n"
    )


@pytest.mark.parametrize(
    ("text", "fragments", "message"),
    [
        ("  # >>> fragment: x/a\n", {"x/a": "- pattern: a\n"},
         "rule.yml:1: fragment 'x/a' has no end marker"),
        ("# >>> fragment: x/b\n# <<< fragment: x/b\n", {},
         "no fragment 'x/b' (expected {root}/x/b.yml)"),
        ("# >>> fragment: x/c\n# <<< fragment: x/c\n",
         {"x/c": "# >>> fragment: x/c\n# <<< fragment: x/c\n"},
         "fragment 'x/c' includes itself: x/c -> x/c"),
        ("# >>> fragment: x/d\n# <<< fragment: x/d\n", {"x/d": "- pattern: a\n\n- pattern: b\n"},
         "fragment 'x/d' is empty or has blank lines"),
    ],
)
def test_generator_rejects_bad_markers_and_fragments(
    tmp_path: Path, text: str, fragments: dict[str, str], message: str
) -> None:
    gen = load_generator()
    for name, body in fragments.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f"{name}.yml").write_text(body)
    with pytest.raises(gen.FragmentError) as error:
        gen.render(text, tmp_path, "rule.yml")
    assert str(error.value) == message.format(root=tmp_path)


@pytest.mark.slow
def test_semgrep_test_passes() -> None:
    """``semgrep --test`` (Python CLI) finds every ``ruleid:`` line and no ``ok:`` line."""
    result = run_semgrep(["--test", "--metrics=off", "--disable-version-check", "rules/"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "All tests passed" in output, output


@pytest.mark.slow
def test_experimental_cli_reports_exactly_the_annotated_lines() -> None:
    """The OCaml CLI, as the SAST scanner runs it, agrees with the annotations line for line."""
    rule_ids_of: dict[Path, set[str]] = {}
    for rule_file in rule_files():
        ids = {str(rule["id"]) for rule in load_rules(rule_file)}
        for target in targets_of(rule_file):
            rule_ids_of[target.relative_to(RULES_DIR.parent)] = ids
    assert rule_ids_of
    result = run_semgrep(
        [
            "scan",
            "--experimental",
            "--json",
            "--metrics=off",
            "--disable-version-check",
            "--config",
            "rules/",
            *(str(t) for t in sorted(rule_ids_of)),
        ]
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == [], report["errors"]
    actual: dict[Path, set[tuple[str, int]]] = {t: set() for t in rule_ids_of}
    places: list[tuple[str, str, int, int, int, int]] = []
    for finding in report["results"]:
        path = Path(finding["path"])
        rule_id = finding["check_id"][finding["check_id"].index("mergegate.") :]
        start, end = finding["start"], finding["end"]
        places.append((str(path), rule_id, start["line"], start["col"], end["line"], end["col"]))
        if rule_id in rule_ids_of[path]:
            actual[path].add((rule_id, int(start["line"])))
    problems = [f"reported more than once: {p}" for p in sorted(set(places)) if places.count(p) > 1]
    for target, ids in sorted(rule_ids_of.items()):
        expected = expected_matches(RULES_DIR.parent / target, ids)
        missed = sorted(expected - actual[target], key=lambda m: m[1])
        extra = sorted(actual[target] - expected, key=lambda m: m[1])
        if missed or extra:
            problems.append(f"{target}: missed {missed}, unexpected {extra}")
    assert not problems, "\n".join(problems)
