"""Malformed YAML, alias bombs, recursive aliases and huge files: clear errors, fast."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from mergegate.core.findings import ScannerError, ScanNote
from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy.yamlsafe import YamlError, load_documents

from tests.deploy.support import scan_dir, scan_files

BOMB = """\
apiVersion: v1
kind: ConfigMap
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n    {name: a\n"
    result = scan_files(tmp_path, {"k8s/pod.yaml": text})
    assert result.findings == []
    assert result.errors == [
        ScannerError(
            "deploy",
            "k8s/pod.yaml:6: invalid YAML: did not find expected ',' or '}'",
            "k8s/pod.yaml",
        )
    ]


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    started = time.perf_counter()
    result = scan_files(tmp_path, {"bomb.yaml": BOMB})
    assert time.perf_counter() - started < 2
    assert result.errors == [
        ScannerError(
            "deploy",
            "bomb.yaml:8: document expands to more than 200000 nodes through aliases "
            "(a YAML alias bomb?): refused",
            "bomb.yaml",
        )
    ]


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(YamlError) as err:
        load_documents("apiVersion: v1\nkind: X\nloop: &x [1, *x]\n", "r.yaml")
    assert str(err.value) == "r.yaml:3: recursive alias: refused"


def test_huge_file_is_refused_without_parsing(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\ndata:\n" + "  k: " + "x" * 3_000_000 + "\n"
    (tmp_path / "huge.yaml").write_text(text)
    started = time.perf_counter()
    result = scan_dir(tmp_path, DeployPolicy(), max_file_bytes=1024 * 1024)
    assert time.perf_counter() - started < 2
    assert result.errors == [
        ScannerError(
            "deploy", f"huge.yaml:1: {len(text)} bytes, over the 1048576-byte limit: not read",
            "huge.yaml",
        )
    ]


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(YamlError) as err:
        load_documents("a: " + "[" * 50_000 + "]" * 50_000, "deep.yaml")
    assert str(err.value).startswith("deep.yaml:1: invalid YAML: exceeded maximum nesting depth")


def test_helm_templates_are_noted_not_failed(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n{{- if x }}\n"
    result = scan_files(tmp_path, {"chart/templates/svc.yaml": text})
    assert result.errors == []
    assert result.notes == [
        ScanNote(
            "deploy: chart/templates/svc.yaml:6: templated YAML (Helm or another template "
            "language) is not checked until rendered",
            "chart/templates/svc.yaml",
        )
    ]


def test_unrelated_broken_yaml_is_ignored_under_auto_detection(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"notes.yml": "a: [\n"})
    assert result.errors == [] and result.findings == []


def test_broken_yaml_named_by_manifest_globs_is_an_error(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"k8s/x.yml": "a: [\n"}, DeployPolicy(manifests=("k8s/**",)))
    assert [e.path for e in result.errors] == ["k8s/x.yml"]
    assert result.errors[0].message.startswith("k8s/x.yml:2: invalid YAML")


def test_compose_aliases_within_budget_are_fine() -> None:
    docs = load_documents("a: &a {x: 1}\nb: *a\nc: {<<: *a, y: 2}\n", "c.yml")
    assert len(docs) == 1 and docs[0].line == 1
