"""DeployScanner: what `mergegate.scanners.deploy.create` builds (the package says what it checks)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from mergegate.config import Settings
from mergegate.core.findings import (
    Finding,
    Match,
    ScannerError,
    ScanNote,
    ScanResult,
    fingerprint_matches,
)
from mergegate.core.policy import POLICY_PATHS, Policy
from mergegate.scanners.deploy.files import FileKind, check_text, file_kind
from mergegate.scanners.deploy.names import is_terraform_name
from mergegate.scanners.deploy.regions import forbidden_region
from mergegate.scanners.deploy.regressions import check_changed_lines
from mergegate.scanners.deploy.rules import FORBIDDEN_REGION, Violation
from mergegate.scanners.deploy.yamlsafe import YamlError
from mergegate.workspace import Workspace, WorkspaceFile

if TYPE_CHECKING:
    from mergegate.scanners.deploy.terraform import ModuleFiles

SCANNER = "deploy"
_TEMPLATE_MARKERS = ("{{", "{%")


def _match(path: str, v: Violation) -> Match:
    return Match(SCANNER, v.rule.id, path, v.line, v.content)


def findings_from(
    path: str, violations: Sequence[Violation], base: Sequence[Violation] | None
) -> list[Finding]:
    """Findings with fingerprints; `base` (the base file's violations) decides `new`."""
    fps = fingerprint_matches([_match(path, v) for v in violations])
    before = set(fingerprint_matches([_match(path, v) for v in base])) if base else set()
    return [
        Finding(
            scanner=SCANNER,
            rule=v.rule.id,
            severity=v.severity if v.severity is not None else v.rule.severity,
            title=v.title or v.rule.title,
            message=v.message,
            path=path,
            line=v.line,
            end_line=v.end_line or v.line,
            fingerprint=fp,
            new=base is None or fp not in before,
            cwe=v.rule.cwe,
        )
        for v, fp in zip(violations, fps, strict=True)
    ]


class DeployScanner:
    name = SCANNER

    def __init__(self, settings: Settings) -> None:
        self.max_bytes = settings.max_file_bytes

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        result = ScanResult()
        deploy = policy.deploy
        if not deploy.enabled:
            return result
        modules: ModuleFiles | None = None  # made (and Terraform's parser loaded) on demand
        for f in workspace.files:
            kind = file_kind(f.path, deploy.manifests)
            if kind is not None:
                if modules is None:
                    modules = self._module_files(workspace)
                self._scan_file(workspace, policy, f, kind, result, modules)
            if workspace.diff_aware:
                self._scan_changed_lines(workspace, f, result)
        result.findings.extend(environment_region_findings(workspace, policy))
        return result

    def _violations(
        self, kind: FileKind, path: str, text: str, policy: Policy, modules: ModuleFiles
    ) -> list[Violation]:
        explicit = policy.deploy.manifests is not None
        return check_text(
            kind, path, text, policy.deploy, explicit=explicit, max_bytes=self.max_bytes,
            modules=modules,
        )

    def _module_files(self, ws: Workspace) -> ModuleFiles:
        """Terraform files of a folder, read from the checkout (unchanged ones too)."""
        from mergegate.scanners.deploy.terraform import ModuleFiles

        root = ws.root.resolve()

        def listing(folder: str) -> list[str]:
            target = ws.root / folder
            try:
                if target.is_symlink() or not target.resolve().is_relative_to(root):
                    return []
                entries = sorted(target.iterdir())
            except OSError:
                return []
            names = []
            for entry in entries:
                rel = str(PurePosixPath(folder) / entry.name) if folder != "." else entry.name
                if is_terraform_name(entry.name) and not entry.is_symlink() and entry.is_file():
                    names.append(rel)
            return names

        def read(path: str) -> str | None:
            target = ws.root / path
            try:
                if target.stat().st_size > self.max_bytes:
                    return None
                return target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return None

        return ModuleFiles(listing, read)

    def _scan_file(
        self, ws: Workspace, policy: Policy, f: WorkspaceFile, kind: FileKind,
        result: ScanResult, modules: ModuleFiles,
    ) -> None:
        from mergegate.scanners.deploy.terraform import TerraformError

        text = ws.head_text(f.path)
        if text is None:
            result.notes.append(ScanNote("deploy: not UTF-8 text, not checked", f.path))
            return
        try:
            head = self._violations(kind, f.path, text, policy, modules)
        except TerraformError as exc:
            # Terraform would refuse the file too, unless our parser lags its grammar: either
            # way its content went unchecked, which blocks unless `on_unscanned: warn`.
            result.notes.append(
                ScanNote(f"deploy: {exc}; the file is not checked", f.path, unscanned=True)
            )
            return
        except YamlError as exc:
            if exc.syntax and any(m in text for m in _TEMPLATE_MARKERS):
                result.notes.append(
                    ScanNote(f"deploy: {exc.path}:{exc.line}: templated YAML (Helm or another "
                             "template language) is not checked until rendered", f.path)
                )
            else:
                result.errors.append(ScannerError(SCANNER, str(exc), f.path))
            return
        base: list[Violation] | None = None
        if ws.diff_aware:
            base_text = ws.base_text(f.path)
            base = []
            if base_text is not None:
                try:
                    base = self._violations(kind, f.path, base_text, policy, modules)
                except (YamlError, TerraformError):
                    base = []  # an unreadable base makes every head finding new
        result.findings.extend(findings_from(f.path, head, base))

    def _scan_changed_lines(self, ws: Workspace, f: WorkspaceFile, result: ScanResult) -> None:
        text = ws.head_text(f.path)
        if text is None:
            return
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if f.is_added(n)]
        if not lines:
            return
        violations = check_changed_lines(f.path, lines, ws.base_text(f.path))
        result.findings.extend(findings_from(f.path, violations, None))


def environment_region_findings(workspace: Workspace, policy: Policy) -> list[Finding]:
    """Deployment environments of the policy whose `region` is forbidden."""
    deploy = policy.deploy
    path = next((p for p in POLICY_PATHS if (workspace.root / p).is_file()), POLICY_PATHS[0])
    try:
        text = (workspace.root / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    violations: list[Violation] = []
    regions: list[str] = []
    for name, env in sorted(deploy.environments.items()):
        if env.region is None:
            continue
        region = forbidden_region(env.region, deploy.forbidden_regions)
        if region is None:
            continue
        line = _line_of_region(text, env.region)
        regions.append(env.region)
        violations.append(
            Violation(
                FORBIDDEN_REGION, line, f"environment {name} region {env.region}",
                f"Deployment environment {name} deploys to {env.region}, and {region} is a "
                "forbidden region. Point the environment at an allowed region.",
            )
        )
    changed = workspace.file(path) is not None
    base_text = workspace.base_text(path) if changed else None
    findings = findings_from(path, violations, None)
    if workspace.diff_aware:
        # The policy comes from the base branch: its regions are new only if this change adds them.
        findings = [
            f.with_new(changed and (base_text is None or region not in base_text))
            for f, region in zip(findings, regions, strict=True)
        ]
    return findings


def _line_of_region(text: str, region: str) -> int:
    pattern = re.compile(r"\bregion\s*:\s*[\"']?" + re.escape(region) + r"\b")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return 1


def create(settings: Settings) -> DeployScanner:
    return DeployScanner(settings)
