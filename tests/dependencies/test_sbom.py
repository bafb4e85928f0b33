"""`mergegate sbom`: CycloneDX 1.6 JSON that validates, with purls, licenses, advisories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from mergegate.cli import main
from mergegate.scan.sbom import build_bom, render_bom, repository_inventory

DATA = Path(__file__).parent / "data"


def components(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in doc["components"]}


def test_bom_of_the_sample_lockfiles_validates_with_exact_purls() -> None:
    text = render_bom(build_bom(repository_inventory(DATA), "data"))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6"
    assert doc["metadata"]["component"]["name"] == "data"
    refs = components(doc)
    for purl in [
        "pkg:pypi/django@3.2.0",
        "pkg:pypi/markdown@3.1.1",
        "pkg:npm/%40babel/runtime@7.12.5",
        "pkg:golang/github.com/gin-gonic/gin@v1.6.3",
        "pkg:cargo/smallvec@1.6.0",
        "pkg:gem/rack@2.0.7",
        "pkg:composer/guzzlehttp/guzzle@6.5.2",
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
        "pkg:nuget/Newtonsoft.Json@12.0.1",
    ]:
        assert refs[purl]["purl"] == purl
    assert refs["pkg:npm/left-pad@1.3.0"]["licenses"] == [{"license": {"id": "WTFPL"}}]
    assert refs["pkg:pypi/django@3.2.0"]["properties"] == [
        {"name": "mergegate:location", "value": "Pipfile.lock:19"},
        {"name": "mergegate:location", "value": "requirements.txt:6"},
    ]
    unpinned = refs["pkg:pypi/cryptography@unpinned"]
    assert "version" not in unpinned
    assert {"name": "mergegate:unpinned", "value": "<4,>=3.4"} in unpinned["properties"]
    assert len(doc["components"]) == 54


def test_cli_with_vulnerabilities_from_the_offline_database(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MERGEGATE_OSV_DB", str(fixtures / "osv"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "shop"
    project.mkdir()
    (project / "package-lock.json").write_text(
        '{"lockfileVersion": 3, "packages": {"": {"dependencies": {"lodash": "4"}},\n'
        '"node_modules/lodash": {"version": "4.17.20", "license": "MIT"}}}\n'
    )
    out = tmp_path / "bom.json"
    assert main(["sbom", str(project), "--vulnerabilities", "--output", str(out)]) == 0
    text = out.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    assert [c["purl"] for c in doc["components"]] == ["pkg:npm/lodash@4.17.20"]
    assert doc["components"][0]["licenses"] == [{"license": {"id": "MIT"}}]
    assert {"ref": "project:shop", "dependsOn": ["pkg:npm/lodash@4.17.20"]} in doc["dependencies"]
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    assert sorted(vulns) == ["GHSA-35jh-r3h4-6jhm"]
    v = vulns["GHSA-35jh-r3h4-6jhm"]
    assert v["affects"] == [{"ref": "pkg:npm/lodash@4.17.20"}]
    assert v["ratings"] == [{"severity": "high"}]
    assert v["recommendation"] == "upgrade to 4.17.21"
    assert v["references"] == [{"id": "CVE-2021-23337", "source": {"name": "OSV"}}]


def test_cli_errors_exit_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sbom", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"mergegate: {tmp_path / 'nope'}: not a folder\n"
    (tmp_path / "requirements.txt").write_text("flask==2.0.0\n")
    monkeypatch.setenv("MERGEGATE_OSV_DB", str(tmp_path / "missing-db"))
    assert main(["sbom", str(tmp_path), "--vulnerabilities"]) == 2
    assert capsys.readouterr().err == (
        f"mergegate: advisories unavailable: MERGEGATE_OSV_DB {tmp_path / 'missing-db'}: "
        "no such file or folder\n"
    )


def test_malformed_lockfile_is_reported_and_the_rest_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("flask==2.0.0\n")
    (tmp_path / "Cargo.lock").write_text("[[package]\n")
    assert main(["sbom", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert [c["purl"] for c in json.loads(captured.out)["components"]] == ["pkg:pypi/flask@2.0.0"]
    assert captured.err.startswith("mergegate: sbom: Cargo.lock:1: invalid TOML: ")


def test_policy_license_overrides_apply_and_a_bad_policy_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("pyqt5==5.15.0\nflask==2.0.0\n")
    (tmp_path / ".mergegate.yml").write_text(
        "version: 1\nlicenses: {packages: {PyQt5: LicenseRef-Commercial}}\n"
    )
    assert main(["sbom", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    refs = components(doc)
    assert refs["pkg:pypi/pyqt5@5.15.0"]["licenses"] == [{"expression": "LicenseRef-Commercial"}]
    assert "licenses" not in refs["pkg:pypi/flask@2.0.0"]
    (tmp_path / ".mergegate.yml").write_text("version: 1\nlicenses: {colour: red}\n")
    assert main(["sbom", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mergegate: .mergegate.yml:2:") and err.count("\n") == 1


def test_licenses_online_from_deps_dev(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.dependencies.local_server import serve
    from tests.licenses.test_scanner import FakeDepsDev

    fake = FakeDepsDev()
    project = tmp_path / "svc"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.25.1\nodd==1.0\n")
    monkeypatch.setenv("MERGEGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'mg.db'}")
    with serve(fake.app()) as url:
        monkeypatch.setenv("MERGEGATE_DEPS_DEV_URL", url)
        assert main(["sbom", str(project), "--licenses-online"]) == 0
    refs = components(json.loads(capsys.readouterr().out))
    assert refs["pkg:pypi/requests@2.25.1"]["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert "licenses" not in refs["pkg:pypi/odd@1.0"]  # deps.dev: non-standard
    assert fake.requests == {"requests": 1, "odd": 1}
