"""The Prometheus registry: names, labels, bounded cardinality, isolation, GET /metrics."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from mergegate.core.findings import Finding, Severity, fingerprint
from mergegate.observability.metrics import (
    CONTENT_TYPE,
    MAX_VALUES_PER_LABEL,
    Metrics,
    QueueStats,
    metrics_handler,
)
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    """The value of one sample in the rendered text (None when absent)."""
    text = metrics.exposition().decode()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return None


def label_values(metrics: Metrics, name: str, label: str) -> set[str]:
    text = metrics.exposition().decode()
    return {
        s.labels[label]
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


def make_finding(scanner: str, severity: Severity, line: int) -> Finding:
    return Finding(
        scanner=scanner,
        rule="r",
        severity=severity,
        title="t",
        message="m",
        path="a.py",
        line=line,
        end_line=line,
        fingerprint=fingerprint(scanner, "r", "a.py", str(line)),
    )


def test_every_metric_family_is_exposed_with_help() -> None:
    text = Metrics().exposition().decode()
    for name in (
        "mergegate_deliveries_total",
        "mergegate_queue_depth",
        "mergegate_queue_oldest_age_seconds",
        "mergegate_queue_pickup_seconds",
        "mergegate_scan_duration_seconds",
        "mergegate_job_duration_seconds",
        "mergegate_findings_total",
        "mergegate_dismissals_total",
        "mergegate_forge_api_calls_total",
        "mergegate_forge_rate_limit_remaining",
        "mergegate_errors_total",
    ):
        base = name.removesuffix("_total")
        assert f"# HELP {base}" in text, name


def test_deliveries_by_event_and_outcome() -> None:
    m = Metrics()
    m.record_delivery("pull_request", "accepted")
    m.record_delivery("pull_request", "accepted")
    m.record_delivery("Ping", "duplicate")
    m.record_delivery("pull_request", "exploded")
    assert sample(m, "mergegate_deliveries_total", event="pull_request", outcome="accepted") == 2
    assert sample(m, "mergegate_deliveries_total", event="ping", outcome="duplicate") == 1
    assert sample(m, "mergegate_deliveries_total", event="pull_request", outcome="other") == 1


def test_label_cardinality_is_bounded_and_odd_values_fold_to_other() -> None:
    m = Metrics()
    for i in range(MAX_VALUES_PER_LABEL + 40):
        m.record_delivery(f"event_{i}", "ignored")
    m.record_delivery('evil"} 1\nmergegate_fake 9', "ignored")
    events = label_values(m, "mergegate_deliveries_total", "event")
    assert len(events) == MAX_VALUES_PER_LABEL + 1
    assert "other" in events
    assert sample(m, "mergegate_deliveries_total", event="other", outcome="ignored") == 41
    assert "mergegate_fake" not in m.exposition().decode()


def test_scan_durations_are_histograms_per_scanner() -> None:
    m = Metrics()
    m.observe_scan({"sast": 0.3, "secrets": 0.02})
    m.observe_scan({"sast": 4.0})
    assert sample(m, "mergegate_scan_duration_seconds_count", scanner="sast") == 2
    assert sample(m, "mergegate_scan_duration_seconds_sum", scanner="sast") == 4.3
    assert sample(m, "mergegate_scan_duration_seconds_bucket", scanner="sast", le="0.5") == 1
    assert sample(m, "mergegate_scan_duration_seconds_count", scanner="secrets") == 1
    m.observe_job("scan", 5.0, "superseded")
    assert sample(m, "mergegate_job_duration_seconds_count", kind="scan", outcome="superseded") == 1


def test_findings_by_scanner_and_severity() -> None:
    m = Metrics()
    findings: Iterable[Finding] = [
        make_finding("sast", Severity.HIGH, 1),
        make_finding("sast", Severity.HIGH, 2),
        make_finding("secrets", Severity.CRITICAL, 3),
    ]
    m.record_findings(findings)
    assert sample(m, "mergegate_findings_total", scanner="sast", severity="high") == 2
    assert sample(m, "mergegate_findings_total", scanner="secrets", severity="critical") == 1
    assert sample(m, "mergegate_findings_total", scanner="sast", severity="low") is None


def test_dismissals_api_calls_errors_and_rate_limit() -> None:
    m = Metrics()
    m.record_dismissal("dismiss", "false-positive")
    m.record_dismissal("undismiss")
    m.record_api_call("github", "patch", 200)
    m.record_api_call("github", "GET", 502)
    m.record_api_call("gitlab", "POST", None)
    m.record_error("job", ValueError("boom"))
    m.record_error("webhook")
    assert sample(m, "mergegate_dismissals_total", action="dismiss", reason="false-positive") == 1
    assert sample(m, "mergegate_dismissals_total", action="undismiss", reason="none") == 1
    assert sample(m, "mergegate_forge_api_calls_total", forge="github", method="PATCH", status="200") == 1
    assert sample(m, "mergegate_forge_api_calls_total", forge="github", method="GET", status="502") == 1
    assert sample(m, "mergegate_forge_api_calls_total", forge="gitlab", method="POST", status="none") == 1
    assert sample(m, "mergegate_errors_total", component="job", kind="ValueError") == 1
    assert sample(m, "mergegate_errors_total", component="webhook", kind="error") == 1

    m.observe_rate_limit("github", {"X-RateLimit-Remaining": "4990", "X-RateLimit-Reset": "1"})
    assert sample(m, "mergegate_forge_rate_limit_remaining", forge="github") == 4990
    m.observe_rate_limit("gitlab", {"RateLimit-Remaining": "598"})
    assert sample(m, "mergegate_forge_rate_limit_remaining", forge="gitlab") == 598
    m.observe_rate_limit("github", {"X-RateLimit-Remaining": "lots"})
    m.observe_rate_limit("github", {"Content-Type": "application/json"})
    assert sample(m, "mergegate_forge_rate_limit_remaining", forge="github") == 4990


def test_registries_are_isolated_and_never_the_global_default() -> None:
    a, b = Metrics(), Metrics()
    a.record_delivery("ping", "accepted")
    assert sample(b, "mergegate_deliveries_total", event="ping", outcome="accepted") is None
    assert a.registry is not REGISTRY
    assert (
        REGISTRY.get_sample_value("mergegate_deliveries_total", {"event": "ping", "outcome": "accepted"})
        is None
    )


async def test_render_runs_queue_probes_and_survives_a_failing_one() -> None:
    m = Metrics()

    async def probe() -> list[QueueStats]:
        return [QueueStats(depth=7, oldest_age_seconds=3.5), QueueStats(2, 0.5, "comment")]

    async def broken() -> list[QueueStats]:
        raise ConnectionError("database is down")

    m.add_queue_probe(probe)
    m.add_queue_probe(broken)
    text = (await m.render()).decode()
    assert 'mergegate_queue_depth{queue="scan"} 7.0' in text
    assert 'mergegate_queue_oldest_age_seconds{queue="scan"} 3.5' in text
    assert 'mergegate_queue_depth{queue="comment"} 2.0' in text
    assert sample(m, "mergegate_errors_total", component="metrics", kind="ConnectionError") == 1
    m.observe_pickup(0.03)
    assert sample(m, "mergegate_queue_pickup_seconds_bucket", le="0.05") == 1


async def test_metrics_handler_serves_the_text_format(aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    m = Metrics()
    m.record_delivery("pull_request", "accepted")
    app = web.Application()
    app.router.add_get("/metrics", metrics_handler(m))
    client = await aiohttp_client(app)
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == CONTENT_TYPE
    body = await resp.text()
    assert 'mergegate_deliveries_total{event="pull_request",outcome="accepted"} 1.0' in body
