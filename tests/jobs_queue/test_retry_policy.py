"""How long a job the forge keeps failing is retried: growing waits, for a time budget."""

from __future__ import annotations

from mergegate.queue.runner import FORGE_RETRY_DELAYS, forge_retry_delay


def test_waits_grow_then_repeat_until_the_budget_is_spent() -> None:
    waits = []
    attempt = 1
    while (wait := forge_retry_delay(attempt, FORGE_RETRY_DELAYS, 3600)) is not None:
        waits.append(wait)
        attempt += 1
    assert waits[:6] == [2.0, 10.0, 30.0, 60.0, 120.0, 300.0]
    assert set(waits[6:]) == {300.0}
    assert 3600 <= sum(waits) < 3600 + 300  # about an hour, then it gives up
    assert attempt == len(waits) + 1


def test_no_budget_means_no_retry_and_a_short_budget_few() -> None:
    assert forge_retry_delay(1, FORGE_RETRY_DELAYS, 0) is None
    assert forge_retry_delay(1, (0.5,), 1.0) == 0.5
    assert forge_retry_delay(3, (0.5,), 1.0) is None
