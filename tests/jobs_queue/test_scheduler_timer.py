"""The scheduler's clocks: the embedded runner's timer and the scale-out periodic task."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from mergegate.config import ConfigError, Settings
from mergegate.queue.runner import JobRunner
from mergegate.queue.tasks import TICK_TASK_NAME, QueueOptions, build_app, cron_every
from mergegate.service.context import Service
from mergegate.store.service_store import Store


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    store = Store.open(f"sqlite:///{tmp_path / 'mergegate.db'}")
    yield Service(store=store, settings=Settings(database_url=str(store.engine.url)))
    store.close()


def test_the_interval_is_a_setting_with_one_default() -> None:
    assert Settings().scheduler_interval == 300.0
    assert Settings.from_env({}).scheduler_interval == 300.0
    assert Settings.from_env({"MERGEGATE_SCHEDULER_INTERVAL": "60"}).scheduler_interval == 60.0
    for bad in ("0", "-5", "soon"):
        with pytest.raises(ConfigError, match="MERGEGATE_SCHEDULER_INTERVAL"):
            Settings.from_env({"MERGEGATE_SCHEDULER_INTERVAL": bad})


async def test_the_runner_ticks_at_start_then_every_interval_until_stopped(
    service: Service, caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0
    real = service.store.records.repos_with_expired_dismissals

    def flaky(now):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("database is locked")
        return real(now)

    service.store.records.repos_with_expired_dismissals = flaky  # type: ignore[method-assign]
    runner = JobRunner(service, scheduler_interval=0.05)
    await runner.start()
    try:
        for _ in range(100):
            if runner.ticks >= 4:
                break
            await asyncio.sleep(0.02)
        assert runner.ticks >= 4  # the failed tick did not stop the timer
    finally:
        await runner.stop()
    assert "scheduler tick failed: RuntimeError" in caplog.text
    after = runner.ticks
    await asyncio.sleep(0.15)
    assert runner.ticks == after


def test_the_default_timer_interval_comes_from_the_settings(service: Service) -> None:
    assert JobRunner(service).scheduler_interval == 300.0


@pytest.mark.parametrize(("seconds", "cron"), [
    (1, "* * * * * */1"), (30, "* * * * * */30"), (300, "*/5 * * * *"), (90, "*/2 * * * *"),
    (3600, "0 */1 * * *"), (7200, "0 */2 * * *"), (10 * 86400, "0 */24 * * *"),
])
def test_the_interval_as_a_cron_schedule(seconds: float, cron: str) -> None:
    assert cron_every(seconds) == cron


async def test_the_periodic_task_runs_the_workers_tick() -> None:
    app = build_app("postgresql://mergegate@localhost/none", QueueOptions(scheduler_interval=60),
                    scheduler=True)
    assert not build_app("postgresql://mergegate@localhost/none").periodic_registry.periodic_tasks
    [periodic] = app.periodic_registry.periodic_tasks.values()
    assert periodic.task.name == TICK_TASK_NAME and periodic.cron == "*/1 * * * *"
    assert periodic.task.queueing_lock == TICK_TASK_NAME  # missed ticks do not pile up
    ticks: list[str] = []

    async def tick() -> None:
        ticks.append("tick")

    class Context:
        additional_context = {"tick": tick}

    await periodic.task.func(Context(), timestamp=0)
    assert ticks == ["tick"]
    Context.additional_context = {}
    await periodic.task.func(Context(), timestamp=0)  # a worker without a scheduler: no error
    assert ticks == ["tick"]
