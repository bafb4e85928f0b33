import datetime as dt

import pytest
from mergegate.core.findings import Severity
from mergegate.core.policy import DEFAULT_POLICY, EnvironmentPolicy, IgnoreRule
from mergegate.policy_file import parse_policy

DESIGN_EXAMPLE = """\
version: 1
block_on: high            # lowest blocking severity
new_findings_only: true
on_scanner_error: fail
paths: {ignore: ["vendor/**", "tests/fixtures/**"]}
sast: {enabled: true, rules: [], exclude_rules: []}
secrets: {enabled: true, baseline: .secrets.baseline}
dependencies: {enabled: true, block_on: high, ignore: [{id: GHSA-aaaa-bbbb-cccc, reason: "not reachable", expires: 2027-01-31}]}
licenses: {allow: [MIT, Apache-2.0, BSD-3-Clause], deny: [AGPL-3.0-or-later], unknown: warn,
           packages: {some-lib: LicenseRef-Commercial}}
deploy:
  manifests: ["k8s/**", "deploy/**"]
  allowed_ports: [443]
  allowed_registries: ["ghcr.io/acme/"]
  forbidden_regions: ["cn-north-1"]
  environments: {production: {require_checks: ["tests"], require_clean: true}}
dismiss: {allowed: [maintain, admin, "@acme/security"], require_reason: true, max_days: 90, self_dismiss: false}
"""


def test_the_design_example_parses_to_every_key() -> None:
    load = parse_policy(DESIGN_EXAMPLE, ".mergegate.yml")
    assert load.errors == ()
    p = load.policy
    assert p.block_on is Severity.HIGH
    assert p.new_findings_only is True
    assert p.on_scanner_error == "fail"
    assert p.paths_ignore == ("vendor/**", "tests/fixtures/**")
    assert p.secrets.baseline == ".secrets.baseline"
    assert p.dependencies.ignore == (
        IgnoreRule("GHSA-aaaa-bbbb-cccc", "not reachable", dt.date(2027, 1, 31)),
    )
    assert p.licenses.allow == ("MIT", "Apache-2.0", "BSD-3-Clause")
    assert p.licenses.deny == ("AGPL-3.0-or-later",)
    assert p.licenses.packages == {"some-lib": "LicenseRef-Commercial"}
    assert p.deploy.allowed_ports == (443,)
    assert p.deploy.allowed_registries == ("ghcr.io/acme/",)
    assert p.deploy.forbidden_regions == ("cn-north-1",)
    assert p.deploy.environments == {"production": EnvironmentPolicy(("tests",), True)}
    assert p.dismiss.allowed == ("maintain", "admin", "@acme/security")


def test_empty_file_and_absent_keys_give_the_defaults() -> None:
    assert parse_policy("", "p.yml").policy == DEFAULT_POLICY
    p = parse_policy("version: 1\n", "p.yml").policy
    assert p.block_on is Severity.HIGH and p.new_findings_only and p.on_scanner_error == "fail"
    assert p.dismiss.allowed == ("maintain", "admin")
    assert p.dismiss.require_reason and p.dismiss.max_days == 90 and not p.dismiss.self_dismiss
    assert p.deploy.environment("staging") == EnvironmentPolicy((), True)
    assert p.licenses.allow is None and p.licenses.unknown == "warn"


def test_per_scanner_threshold_and_never() -> None:
    p = parse_policy("block_on: never\nsecrets: {block_on: low}\n").policy
    assert p.threshold_for("sast") is None
    assert p.threshold_for("secrets") is Severity.LOW


@pytest.mark.parametrize(
    "text,expected",
    [
        ("block_on: hihg\n",
         ".mergegate.yml:1:11: block_on: expected critical|high|medium|low|info|never, got 'hihg'"),
        ("sast: {enable: true}\n",
         ".mergegate.yml:1:8: sast.enable: unknown key (known keys: block_on, enabled, "
         "exclude_rules, rules)"),
        ("colour: red\n", ".mergegate.yml:1:1: colour: unknown key (known keys: block_on, "
         "dependencies, deploy, dismiss, enforce, external, licenses, new_findings_only, "
         "on_scanner_error, "
         "on_unscanned, paths, risk, sast, secrets, version)"),
        ("new_findings_only: yes please\n",
         ".mergegate.yml:1:20: new_findings_only: expected true or false, got 'yes please'"),
        ("paths:\n  ignore: [\"vendor/[\"]\n",
         ".mergegate.yml:2:12: paths.ignore[0]: glob 'vendor/[': unclosed '['"),
        ("dependencies:\n  ignore:\n    - {id: X, reason: r, expires: 2027-13-01}\n",
         ".mergegate.yml:3:35: dependencies.ignore[0].expires: expected a date YYYY-MM-DD, "
         "got '2027-13-01'"),
        ("dependencies:\n  ignore:\n    - {id: X, reason: r, expires: next week}\n",
         ".mergegate.yml:3:35: dependencies.ignore[0].expires: expected a date YYYY-MM-DD, "
         "got 'next week'"),
        ("deploy: {allowed_ports: [\"443\"]}\n",
         ".mergegate.yml:1:26: deploy.allowed_ports[0]: expected an integer, got '443'"),
        ("deploy: {allowed_ports: [70000]}\n",
         ".mergegate.yml:1:26: deploy.allowed_ports[0]: expected an integer from 1 to 65535, "
         "got 70000"),
        ("version: 2\n", ".mergegate.yml:1:10: version: expected an integer from 1 to 1, got 2"),
        ("dismiss: {max_days: 0}\n",
         ".mergegate.yml:1:21: dismiss.max_days: expected an integer from 1 to 3650, got 0"),
        ("on_scanner_error: ignore\n",
         ".mergegate.yml:1:19: on_scanner_error: expected one of fail|neutral|pass, got 'ignore'"),
        ("licenses: {unknown: maybe}\n",
         ".mergegate.yml:1:21: licenses.unknown: expected one of block|warn|allow, got 'maybe'"),
        ("block_on: high\nblock_on: low\n", ".mergegate.yml:2:1: block_on: duplicate key"),
        ("- a\n- b\n", ".mergegate.yml:1:1: the policy must be a mapping of keys (expected a mapping)"),
        ("paths: [a]\n", ".mergegate.yml:1:8: paths: expected a mapping"),
        ("a: [1, 2\n", ".mergegate.yml:2:1: invalid YAML: expected ',' or ']', but got '<stream end>'"),
        ("a: &x [1]\nb: *x\n", ".mergegate.yml:2:4: YAML aliases are not allowed"),
    ],
)
def test_errors_name_file_line_column_and_key(text: str, expected: str) -> None:
    load = parse_policy(text, ".mergegate.yml")
    assert str(load.errors[0]) == expected
    assert load.policy == DEFAULT_POLICY  # a broken file never half-applies


def test_all_errors_are_reported_not_just_the_first() -> None:
    load = parse_policy("block_on: x\nsast: {enable: 1}\nfoo: 1\n")
    assert [(e.line, e.key) for e in load.errors] == [(1, "block_on"), (2, "sast.enable"), (3, "foo")]


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    load = parse_policy(bomb)
    assert load.errors and load.errors[0].message == "YAML aliases are not allowed"


def test_huge_file_is_refused() -> None:
    load = parse_policy("# " + "x" * 300_000)
    assert load.errors[0].message == "file is larger than 262144 bytes"


def test_enforce_accepts_known_keys_only() -> None:
    assert parse_policy("enforce: [block_on, secrets.enabled]\n").policy.enforce == (
        "block_on", "secrets.enabled")
    err = parse_policy("enforce: [colour]\n").errors[0]
    assert err.key == "enforce[0]" and "'colour' cannot be enforced" in err.message
