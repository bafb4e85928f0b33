"""Prometheus metrics of the service, on a registry of their own (never the global default).

One :class:`Metrics` object per process holds every metric; the web app and the workers record
into it and ``GET /metrics`` renders it. API (all methods are cheap and never raise on odd
label values: unknown or unbounded values are folded into ``"other"``):

- ``record_delivery(event, outcome)``: one webhook delivery; ``outcome`` is one of
  :data:`DELIVERY_OUTCOMES` (``accepted``, ``duplicate``, ``ignored``, ``bad_signature``,
  ``malformed``, ``too_large``, ``timeout``, ``error``).
- ``set_queue(depth, oldest_age_seconds, queue="scan")``: the queue's state now, and
  ``add_queue_probe(probe)``: an async callable returning :class:`QueueStats`, run before each
  render (the PostgreSQL queue counts its table this way).
- ``observe_pickup(seconds)``: the wait of one job between enqueue and start.
- ``observe_scan(durations)``: scanner name → seconds, as in ``EngineResult.durations``;
  ``observe_job(kind, seconds, outcome)``: one whole job.
- ``record_findings(findings)``: counts by scanner and severity.
- ``record_dismissal(action, reason="")``: ``action`` is ``dismiss`` or ``undismiss``.
- ``record_api_call(forge, method, status)`` and ``observe_rate_limit(forge, headers)``: one
  call to GitHub or GitLab (``status`` is the HTTP status, or ``None`` when no answer came) and
  the remaining rate limit read from its response headers.
- ``record_error(component, exc=None)``: an error handled somewhere (``component``: webhook,
  job, scanner, forge, store...), labelled with the exception's class name.
- ``render()`` (async, runs the queue probes) and ``exposition()`` (sync) return the text
  format; :data:`CONTENT_TYPE` is its Content-Type; ``metrics_handler(metrics)`` is a ready
  aiohttp handler for ``GET /metrics``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

CONTENT_TYPE: str = CONTENT_TYPE_LATEST
NAMESPACE = "mergegate"
OTHER = "other"
DELIVERY_OUTCOMES: frozenset[str] = frozenset(
    {"accepted", "duplicate", "ignored", "bad_signature", "malformed", "too_large", "timeout", "error"}
)
DISMISSAL_ACTIONS: frozenset[str] = frozenset({"dismiss", "undismiss", "expired"})
FORGES: frozenset[str] = frozenset({"github", "gitlab"})
HTTP_METHODS: frozenset[str] = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})
SEVERITIES: frozenset[str] = frozenset({"critical", "high", "medium", "low", "info"})
SCAN_BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
PICKUP_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 60)
MAX_VALUES_PER_LABEL = 64
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9_.:/-]{1,64}$")
_RATE_LIMIT_HEADERS = ("x-ratelimit-remaining", "ratelimit-remaining")


@dataclass(frozen=True, slots=True)
class QueueStats:
    """How many jobs wait in a queue and how long the oldest has waited."""

    depth: int
    oldest_age_seconds: float
    queue: str = "scan"


QueueProbe = Callable[[], Awaitable[Iterable[QueueStats]]]


class _Severe(Protocol):
    @property
    def label(self) -> str: ...


class _FindingLike(Protocol):
    @property
    def scanner(self) -> str: ...

    @property
    def severity(self) -> _Severe: ...


class Metrics:
    """Every metric of one process, on its own ``CollectorRegistry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self._seen: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self._probes: list[QueueProbe] = []
        r = self.registry
        self.deliveries = Counter(
            "deliveries",
            "Webhook deliveries received, by event and outcome.",
            ["event", "outcome"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.queue_depth = Gauge(
            "queue_depth",
            "Jobs waiting to be picked up.",
            ["queue"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.queue_oldest_age = Gauge(
            "queue_oldest_age_seconds",
            "Age of the oldest waiting job (0 when none).",
            ["queue"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.pickup_latency = Histogram(
            "queue_pickup_seconds",
            "Time from enqueue to a worker starting the job.",
            namespace=NAMESPACE,
            registry=r,
            buckets=PICKUP_BUCKETS,
        )
        self.scan_duration = Histogram(
            "scan_duration_seconds",
            "Wall time of one scanner over one change.",
            ["scanner"],
            namespace=NAMESPACE,
            registry=r,
            buckets=SCAN_BUCKETS,
        )
        self.job_duration = Histogram(
            "job_duration_seconds",
            "Wall time of one job, by kind and outcome.",
            ["kind", "outcome"],
            namespace=NAMESPACE,
            registry=r,
            buckets=SCAN_BUCKETS,
        )
        self.findings = Counter(
            "findings",
            "Findings reported, by scanner and severity.",
            ["scanner", "severity"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.dismissals = Counter(
            "dismissals",
            "Dismissal commands applied, by action and reason.",
            ["action", "reason"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.api_calls = Counter(
            "forge_api_calls",
            "Calls to the forge API, by forge, HTTP method and status.",
            ["forge", "method", "status"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.rate_limit_remaining = Gauge(
            "forge_rate_limit_remaining",
            "Requests left in the forge's rate-limit window.",
            ["forge"],
            namespace=NAMESPACE,
            registry=r,
        )
        self.errors = Counter(
            "errors",
            "Errors handled, by component and exception class.",
            ["component", "kind"],
            namespace=NAMESPACE,
            registry=r,
        )

    def _bounded(self, label: str, value: object, allowed: frozenset[str] | None = None) -> str:
        """A label value safe for Prometheus: known, well-formed and of bounded cardinality."""
        text = str(value)
        if allowed is not None:
            return text if text in allowed else OTHER
        if not _LABEL_VALUE.match(text):
            return OTHER
        with self._lock:
            seen = self._seen.setdefault(label, set())
            if text in seen:
                return text
            if len(seen) >= MAX_VALUES_PER_LABEL:
                return OTHER
            seen.add(text)
        return text

    def record_delivery(self, event: str, outcome: str) -> None:
        self.deliveries.labels(
            self._bounded("event", event.lower()),
            self._bounded("outcome", outcome, DELIVERY_OUTCOMES),
        ).inc()

    def set_queue(self, depth: int, oldest_age_seconds: float, queue: str = "scan") -> None:
        name = self._bounded("queue", queue)
        self.queue_depth.labels(name).set(max(0, depth))
        self.queue_oldest_age.labels(name).set(max(0.0, oldest_age_seconds))

    def add_queue_probe(self, probe: QueueProbe) -> None:
        """Run ``probe`` before every :meth:`render` and record what it returns."""
        self._probes.append(probe)

    def observe_pickup(self, seconds: float) -> None:
        self.pickup_latency.observe(max(0.0, seconds))

    def observe_scan(self, durations: Mapping[str, float]) -> None:
        for scanner, seconds in durations.items():
            self.scan_duration.labels(self._bounded("scanner", scanner)).observe(max(0.0, seconds))

    def observe_job(self, kind: str, seconds: float, outcome: str = "done") -> None:
        self.job_duration.labels(
            self._bounded("kind", kind), self._bounded("job_outcome", outcome)
        ).observe(max(0.0, seconds))

    def record_findings(self, findings: Iterable[_FindingLike]) -> None:
        for finding in findings:
            self.findings.labels(
                self._bounded("scanner", finding.scanner),
                self._bounded("severity", finding.severity.label, SEVERITIES),
            ).inc()

    def record_dismissal(self, action: str, reason: str = "") -> None:
        self.dismissals.labels(
            self._bounded("action", action, DISMISSAL_ACTIONS),
            self._bounded("reason", reason or "none"),
        ).inc()

    def record_api_call(self, forge: str, method: str, status: int | None) -> None:
        self.api_calls.labels(
            self._bounded("forge", forge, FORGES),
            self._bounded("method", method.upper(), HTTP_METHODS),
            "none" if status is None else self._bounded("status", status),
        ).inc()

    def observe_rate_limit(self, forge: str, headers: Mapping[str, str]) -> None:
        """Record the remaining rate limit from a response's headers, when they carry one."""
        lowered = {k.lower(): v for k, v in headers.items()}
        for name in _RATE_LIMIT_HEADERS:
            raw = lowered.get(name)
            if raw is None:
                continue
            try:
                remaining = float(raw)
            except ValueError:
                return
            self.rate_limit_remaining.labels(self._bounded("forge", forge, FORGES)).set(remaining)
            return

    def record_error(self, component: str, exc: BaseException | None = None) -> None:
        kind = type(exc).__name__ if exc is not None else "error"
        self.errors.labels(self._bounded("component", component), self._bounded("kind", kind)).inc()

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)

    async def render(self) -> bytes:
        """Run the queue probes (a failing probe is logged and counted), then :meth:`exposition`."""
        for probe in self._probes:
            try:
                for stats in await probe():
                    self.set_queue(stats.depth, stats.oldest_age_seconds, stats.queue)
            except Exception as exc:
                log.warning("queue probe failed: %s", type(exc).__name__)
                self.record_error("metrics", exc)
        return self.exposition()


def metrics_handler(metrics: Metrics) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler for ``GET /metrics`` serving ``metrics``."""
    from aiohttp import web

    async def handle(request: web.Request) -> web.Response:
        body = await metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    return handle
