"""The upstream pod-security-admission fixtures as the oracle of `deploy.pod_security`.

Every `fail` fixture of a level is flagged, at that level, by the rule of the control it
exercises; every `pass` fixture gets no Pod Security finding at its level.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mergegate.core.policy import DeployPolicy

from tests.conftest import fixtures_dir
from tests.deploy.support import scan_files

PSS_RULES = frozenset({
    "deploy.privileged", "deploy.host-namespace", "deploy.host-process", "deploy.host-path",
    "deploy.dangerous-capability", "deploy.host-port", "deploy.apparmor", "deploy.selinux",
    "deploy.proc-mount", "deploy.seccomp", "deploy.unsafe-sysctl", "deploy.probe-host",
    "deploy.volume-type", "deploy.privilege-escalation", "deploy.run-as-non-root",
    "deploy.run-as-root", "deploy.seccomp-not-set", "deploy.capabilities-not-dropped",
})
# Fixture name (without its number) -> the rules that may report that control.
CONTROL_RULES = {
    "allowprivilegeescalation": {"deploy.privilege-escalation"},
    "apparmorprofile": {"deploy.apparmor"},
    "capabilities_baseline": {"deploy.dangerous-capability"},
    "capabilities_restricted": {"deploy.dangerous-capability", "deploy.capabilities-not-dropped"},
    "hostnamespaces": {"deploy.host-namespace"},
    "hostpathvolumes": {"deploy.host-path"},
    "hostports": {"deploy.host-port"},
    "hostprobesandhostlifecycle": {"deploy.probe-host"},
    "privileged": {"deploy.privileged"},
    "procmount": {"deploy.proc-mount"},
    "procmount_restricted": {"deploy.proc-mount"},
    "restrictedvolumes": {"deploy.volume-type", "deploy.host-path"},
    "runasnonroot": {"deploy.run-as-non-root"},
    "runasuser": {"deploy.run-as-root"},
    "seccompprofile_baseline": {"deploy.seccomp"},
    "seccompprofile_restricted": {"deploy.seccomp", "deploy.seccomp-not-set"},
    "selinuxoptions": {"deploy.selinux"},
    "sysctls": {"deploy.unsafe-sysctl"},
    "windowshostprocess": {"deploy.host-process"},
}


def _fixtures() -> list[tuple[Path, str, str]]:
    root = fixtures_dir()
    folder = root / "k8s" / "psa-testdata" if root else None
    if folder is None or not folder.is_dir():
        return []
    return [(p, p.parts[-4], p.parts[-2]) for p in sorted(folder.glob("*/v*/*/*.yaml"))]


FIXTURES = _fixtures()
CASES = [
    pytest.param(path, level, outcome, id=f"{level}-{outcome}-{path.stem}")
    for path, level, outcome in FIXTURES
] or [
    pytest.param(
        None, "", "", id="fixtures-missing",
        marks=pytest.mark.skip(reason="PSA fixtures not found: set MERGEGATE_FIXTURES"),
    )
]


def test_the_oracle_has_both_levels_and_outcomes() -> None:
    if not FIXTURES:
        pytest.skip("PSA fixtures not found: set MERGEGATE_FIXTURES to ../shared/fixtures")
    assert {(level, outcome) for _, level, outcome in FIXTURES} == {
        ("baseline", "pass"), ("baseline", "fail"), ("restricted", "pass"), ("restricted", "fail"),
    }
    assert len(FIXTURES) == 148


@pytest.mark.parametrize(("path", "level", "outcome"), CASES)
def test_psa_fixture(tmp_path: Path, path: Path, level: str, outcome: str) -> None:
    text = path.read_text()
    policy = DeployPolicy(pod_security=level)  # type: ignore[arg-type]
    result = scan_files(tmp_path, {path.name: text}, policy)
    assert result.errors == []
    pss = [f for f in result.findings if f.rule in PSS_RULES]
    if outcome == "pass":
        assert pss == [], [(f.rule, f.line, f.message) for f in pss]
        return
    expected = CONTROL_RULES[re.sub(r"\d+$", "", path.stem)]
    hits = [f for f in pss if f.rule in expected]
    assert hits, [(f.rule, f.line) for f in pss]
    for f in hits:
        assert re.search(r"\((baseline|restricted) Pod Security Standard, .+ control\)", f.message)
        assert 1 <= f.line <= len(text.splitlines())


def test_a_fail_fixture_is_clean_when_the_level_is_privileged(tmp_path: Path) -> None:
    root = fixtures_dir()
    if root is None:
        pytest.skip("shared fixtures not found")
    text = (root / "k8s/psa-testdata/baseline/v1.37/fail/privileged0.yaml").read_text()
    result = scan_files(tmp_path, {"p.yaml": text}, DeployPolicy(pod_security="privileged"))
    assert [f for f in result.findings if f.rule in PSS_RULES] == []
