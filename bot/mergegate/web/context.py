"""What webhook routes get: the service (store, settings, forges) and the job runner."""

from __future__ import annotations

from dataclasses import dataclass

from mergegate.queue.runner import JobRunner
from mergegate.service.context import Service


@dataclass
class WebContext:
    service: Service
    runner: JobRunner | None = None
