"""Other tools' results from CI in the store, on SQLite and PostgreSQL: one row per (repo,
head, source), replaced by newer runs only, merged over sources when read."""

from __future__ import annotations

from mergegate.core.findings import Finding, ScannerError, ScanNote, Severity
from mergegate.scanners.external import ExternalResult
from mergegate.store.external_results import RunKey
from mergegate.store.service_store import Store
from mergegate.store.tables import external_findings
from sqlalchemy import func, select

REPO, SHA = "github:acme/app", "a" * 40


def finding(fp: str, tool: str = "trivy") -> Finding:
    return Finding(f"external:{tool}", "CVE-2019-1549", Severity.CRITICAL, "openssl",
                   "Package: libssl1.1", "image:alpine", 0, 0, fp)


def result(*fps: str, tool: str = "trivy") -> ExternalResult:
    return ExternalResult(findings=[finding(fp, tool) for fp in fps],
                          suppressed={fps[0]: "not reachable"} if fps else {},
                          errors=[ScannerError("external", "artifact x: bad.sarif: not JSON")],
                          notes=[ScanNote("not read: over the limit", "artifact y", True)])


def test_runs_replace_older_ones_of_their_source(any_store: Store) -> None:
    store = any_store.external
    ci = RunKey("workflow:1", 100, 1, "CI #100")
    assert store.stored_run(REPO, SHA, "workflow:1") is None
    assert store.save(REPO, SHA, ci, result("1" * 64, "2" * 64))
    assert store.stored_run(REPO, SHA, "workflow:1") == (100, 1)
    assert store.save(REPO, SHA, RunKey("workflow:1", 100, 2, "CI #100"), result("3" * 64))
    assert not store.save(REPO, SHA, ci, result("4" * 64))  # the older attempt, late
    assert store.save(REPO, SHA, RunKey("workflow:2", 7, 1, "Lint #7"),
                      result("5" * 64, tool="semgrep"))
    got = store.results_for(REPO, SHA)
    assert [f.fingerprint for f in got.findings] == ["3" * 64, "5" * 64]
    assert got.suppressed == {"3" * 64: "not reachable", "5" * 64: "not reachable"}
    assert [e.message for e in got.errors] == ["artifact x: bad.sarif: not JSON"] * 2
    assert got.notes[0] == ScanNote("not read: over the limit", "artifact y", True)
    assert store.results_for(REPO, "b" * 40).findings == []
    assert store.heads_with_findings(REPO, ["5" * 64, "9" * 64]) == {SHA}
    assert store.heads_with_findings(REPO, ["1" * 64]) == set()  # replaced
    with any_store.engine.connect() as conn:  # the replaced run's findings are gone
        assert conn.execute(select(func.count()).select_from(external_findings)).scalar() == 2
