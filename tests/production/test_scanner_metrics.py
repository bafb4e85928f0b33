"""The metered gate runner: a real gate run (the secrets scanner over a file with an AWS key)
recorded as a scan duration and findings by scanner and severity."""

from __future__ import annotations

from pathlib import Path

from mergegate.config import Settings
from mergegate.core.policy import DEFAULT_POLICY
from mergegate.observability.metrics import Metrics
from mergegate.observability.scanner_metrics import MeteredGateRunner
from mergegate.scan.engine import default_scanners
from mergegate.scan.pool import ThreadRunner
from mergegate.workspace import CandidateFile, build_workspace
from prometheus_client.parser import text_string_to_metric_families

AWS_KEY = "AKIAIOSFODNN7EXAMPLQ"


def samples(metrics: Metrics, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    text = metrics.exposition().decode()
    return {
        tuple(sorted(s.labels.items())): float(s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


async def test_each_gate_run_records_durations_and_findings(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    workspace = build_workspace(tmp_path, [CandidateFile("app.py", "added")], diff_aware=False)
    settings = Settings()
    metrics = Metrics()
    runner = MeteredGateRunner(ThreadRunner(), metrics)
    result = await runner.run(
        workspace, DEFAULT_POLICY, settings, scanners=default_scanners(settings, only=["secrets"])
    )
    assert [f.scanner for f in result.findings] == ["secrets"]
    severity = result.findings[0].severity.label
    durations = samples(metrics, "mergegate_scan_duration_seconds_count")
    assert durations == {(("scanner", "secrets"),): 1.0}
    findings = samples(metrics, "mergegate_findings_total")
    assert findings == {(("scanner", "secrets"), ("severity", severity)): 1.0}
    assert AWS_KEY not in metrics.exposition().decode()
    runner.shutdown()
