"""Small builders of findings for the core tests."""

from mergegate.core.findings import Finding, Package, Severity, dependency_fingerprint, fingerprint


def make_finding(
    scanner: str = "sast",
    rule: str = "mergegate.python.sql-injection",
    severity: Severity = Severity.HIGH,
    path: str = "app/db.py",
    line: int = 12,
    content: str = "cursor.execute(q)",
    new: bool = True,
    **extra: object,
) -> Finding:
    return Finding(
        scanner=scanner,
        rule=rule,
        severity=severity,
        title=f"{rule} title",
        message="Use a parameterised query.",
        path=path,
        line=line,
        end_line=line,
        fingerprint=fingerprint(scanner, rule, path, content),
        new=new,
        cwe=("CWE-89",),
        **extra,  # type: ignore[arg-type]
    )


def make_vuln(advisory: str = "PYSEC-2021-1", aliases: tuple[str, ...] = ("CVE-2021-1",),
              severity: Severity = Severity.HIGH, new: bool = True) -> Finding:
    return Finding(
        scanner="dependencies",
        rule=advisory,
        severity=severity,
        title=f"django 3.2.0 is affected by {advisory}",
        message="Upgrade django to 3.2.1.",
        path="requirements.txt",
        line=3,
        end_line=3,
        fingerprint=dependency_fingerprint("PyPI", "django", advisory, "requirements.txt"),
        new=new,
        fix="upgrade to 3.2.1",
        package=Package("PyPI", "django", "3.2.0"),
        aliases=aliases,
    )
