"""`mergegate worker` refuses bad settings with one clear line and exit 2 (or 1 when the
database cannot be reached), never a traceback or a password."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def worker(*args: str, url: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MERGEGATE_", "GITHUB_"))}
    if url is not None:
        env["MERGEGATE_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "mergegate.cli", "worker", *args],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "url", "message"),
    [
        ((), None, "the worker needs MERGEGATE_DATABASE_URL=postgresql://... (got sqlite); "
                   "with SQLite, `mergegate serve` runs the scans itself"),
        ((), "mysql://db/x", "the worker needs MERGEGATE_DATABASE_URL=postgresql://... (got "
                             "mysql); with SQLite, `mergegate serve` runs the scans itself"),
        (("--concurrency", "0"), "postgresql://db/x", "--concurrency must be at least 1, got 0"),
        (("--port", "70000"), "postgresql://db/x", "--port must be between 0 and 65535, got 70000"),
        (("--drain-timeout", "-1"), "postgresql://db/x",
         "--drain-timeout must not be negative, got -1.0"),
        (("--stalled-after", "1"), "postgresql://db/x",
         "--stalled-after must be at least 2 seconds, got 1.0"),
    ],
)  # fmt: skip
def test_bad_settings_exit_2_with_one_line(
    args: tuple[str, ...],
    url: str | None,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mergegate.cli import main

    monkeypatch.delenv("MERGEGATE_DATABASE_URL", raising=False)
    if url is not None:
        monkeypatch.setenv("MERGEGATE_DATABASE_URL", url)
    assert main(["worker", *args]) == 2
    out, err = capsys.readouterr()
    assert err == f"mergegate: {message}\n"
    assert out == ""


def test_a_half_configured_app_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mergegate.cli import main

    for name in ("GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_FILE", "GITHUB_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MERGEGATE_DATABASE_URL", "postgresql://db/x")
    monkeypatch.setenv("GITHUB_APP_ID", "12345")
    assert main(["worker"]) == 2
    assert capsys.readouterr().err == (
        "mergegate: GITHUB_APP_ID and GITHUB_PRIVATE_KEY must be set together\n"
    )


def test_bad_option_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from mergegate.cli import main

    assert main(["worker", "--concurrency", "many"]) == 2
    assert capsys.readouterr().err == (
        "mergegate: mergegate worker: argument --concurrency: invalid int value: 'many'\n"
    )


def test_unreachable_database_exits_1_without_the_password() -> None:
    url = f"postgresql://mergegate:hunter2-not-shown@127.0.0.1:{closed_port()}/mergegate"
    done = worker("--no-http", url=url)
    assert done.returncode == 1
    assert done.stderr.startswith("mergegate: worker cannot start: connection failed:")
    assert done.stderr.count("\n") == 1
    assert "hunter2" not in done.stderr + done.stdout
