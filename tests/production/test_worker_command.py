"""`mergegate worker` refuses bad settings with one clear line and exit 2 (or 1 when the
database cannot be reached), never a traceback or a password."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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
        "mergegate worker: argument --concurrency: invalid int value: 'many'\n"
    )


def test_unreachable_database_exits_1_without_the_password() -> None:
    url = f"postgresql://mergegate:hunter2-not-shown@127.0.0.1:{closed_port()}/mergegate"
    done = worker("--no-http", url=url)
    assert done.returncode == 1
    assert done.stderr.startswith("mergegate: worker cannot start: connection failed:")
    assert done.stderr.count("\n") == 1
    assert "hunter2" not in done.stderr + done.stdout


def rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def app_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MERGEGATE_", "GITHUB_", "GITLAB_"))}
    return {**env, "MERGEGATE_DATABASE_URL": "postgresql://db.invalid/x", **settings}


def run_worker(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "mergegate.cli", "worker", *args]
    return subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)


def test_a_private_key_that_does_not_parse_stops_the_worker_before_the_database() -> None:
    pem = rsa_pem()
    broken = pem[:100] + pem[140:]
    done = run_worker(app_env(GITHUB_APP_ID="12345", GITHUB_PRIVATE_KEY=broken, GITHUB_WEBHOOK_SECRET="s"))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "mergegate: GITHUB_PRIVATE_KEY does not parse as a PEM private key: it is damaged or incomplete\n"
    )
    assert pem[60:90] not in done.stderr


def test_an_app_id_that_is_not_a_number_stops_the_worker() -> None:
    done = run_worker(
        app_env(GITHUB_APP_ID="App 12345", GITHUB_PRIVATE_KEY=rsa_pem(), GITHUB_WEBHOOK_SECRET="s")
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr == "mergegate: GITHUB_APP_ID must be the App's numeric ID (see the App's settings page)\n"
    )


def test_a_health_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_worker(app_env(), "--host", "127.0.0.1", "--port", str(port))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"mergegate: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(another process listens there: choose another --port)\n"
    )


def test_the_worker_prints_the_address_of_its_health_endpoint(pg_url: str) -> None:
    argv = [sys.executable, "-m", "mergegate.cli", "worker", "--host", "127.0.0.1", "--port", "0"]
    env = app_env(MERGEGATE_DATABASE_URL=pg_url)
    proc = subprocess.Popen(
        argv, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.fullmatch(
            r"mergegate: worker \S+: /healthz and /metrics on (http://127\.0\.0\.1:\d+)\n", line
        )
        assert match is not None, line
        for _ in range(100):  # 503 until the worker has connected to the queue
            try:
                with urllib.request.urlopen(f"{match.group(1)}/healthz", timeout=10) as resp:
                    assert resp.status == 200
                    break
            except urllib.error.HTTPError as exc:
                assert exc.code == 503
                time.sleep(0.1)
        else:
            pytest.fail("the worker's /healthz never answered 200")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
