"""`mergegate serve`: the subcommand, and configuration errors as exit 2 with one line."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from mergegate.commands import serve
from mergegate.config import ConfigError, Settings, check_github_app


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mergegate")
    serve.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_register_parses_host_and_port() -> None:
    args = _parse(["serve", "--host", "127.0.0.1", "--port", "9000"])
    assert (args.host, args.port, args.func) == ("127.0.0.1", 9000, serve.run)
    assert _parse(["serve"]).port == 8080


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MERGEGATE_WORKERS": "lots"}, "MERGEGATE_WORKERS must be an integer, got 'lots'"),
        (
            {"MERGEGATE_SCANNER_IDLE_TIMEOUT": "soon"},
            "MERGEGATE_SCANNER_IDLE_TIMEOUT must be a number, got 'soon'",
        ),
        ({"GITHUB_APP_ID": "1"}, "GITHUB_APP_ID and GITHUB_PRIVATE_KEY must be set together"),
        (
            {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": "k"},
            "GITHUB_WEBHOOK_SECRET is required with GITHUB_APP_ID",
        ),
        ({"MERGEGATE_DATABASE_URL": "nosuchdb://x"}, "MERGEGATE_DATABASE_URL (nosuchdb) cannot be used"),
    ],
)
def test_configuration_errors_exit_2(
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
) -> None:
    for name in (
        "GITHUB_APP_ID",
        "GITHUB_PRIVATE_KEY",
        "GITHUB_PRIVATE_KEY_FILE",
        "MERGEGATE_DATABASE_URL",
        "MERGEGATE_WORKERS",
        "MERGEGATE_SCANNER_IDLE_TIMEOUT",
        "GITHUB_WEBHOOK_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MERGEGATE_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert serve.run(_parse(["serve", "--port", "0"])) == 2
    err = capsys.readouterr().err
    assert err.startswith("mergegate: ") and message in err


def test_postgresql_hands_jobs_to_workers() -> None:
    assert serve._scale_out("postgresql://postgres@127.0.0.1/x") is True
    assert serve._scale_out("sqlite:///mergegate.db") is False


# -- start-up, as a user runs it: the real command in a subprocess ---------------------------

REPO = Path(__file__).resolve().parents[2]
APP_ID_MESSAGE = "mergegate: GITHUB_APP_ID must be the App's numeric ID (see the App's settings page)\n"


def rsa_pem(fmt: serialization.PrivateFormat = serialization.PrivateFormat.TraditionalOpenSSL) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def command_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MERGEGATE_", "GITHUB_", "GITLAB_"))}
    env["MERGEGATE_DATABASE_URL"] = f"sqlite:///{tmp_path}/mergegate.db"
    return {**env, **settings}


def serve_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "mergegate.cli", "serve", "--host", "127.0.0.1", *args]
    return subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)


@contextlib.contextmanager
def running_serve(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`mergegate serve --port 0`, with the first line it prints."""
    argv = [sys.executable, "-m", "mergegate.cli", "serve", "--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen(
        argv, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield proc, proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_a_private_key_that_does_not_parse_stops_serve_before_it_listens(tmp_path: Path) -> None:
    broken = rsa_pem()[:-120] + "\n-----END RSA PRIVATE KEY-----\n"
    env = command_env(tmp_path, GITHUB_APP_ID="12345", GITHUB_PRIVATE_KEY=broken, GITHUB_WEBHOOK_SECRET="s")
    done = serve_command(env, "--port", "0")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "mergegate: GITHUB_PRIVATE_KEY does not parse as a PEM private key: it is damaged or incomplete\n"
    )
    assert not (tmp_path / "mergegate.db").exists()  # checked before anything was opened


def test_a_key_file_is_named_and_its_content_never_shown(tmp_path: Path) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text("MIIEowIBAAKCAQEA-not-a-pem-file\n")
    env = command_env(
        tmp_path, GITHUB_APP_ID="12345", GITHUB_PRIVATE_KEY_FILE=str(key_file), GITHUB_WEBHOOK_SECRET="s"
    )
    done = serve_command(env, "--port", "0")
    assert done.returncode == 2
    assert done.stderr == (
        f"mergegate: GITHUB_PRIVATE_KEY_FILE ({key_file}) is not a PEM private key: "
        "use the .pem file GitHub generated for the App\n"
    )
    assert "MIIE" not in done.stderr + done.stdout


def test_an_app_id_that_is_not_a_number_stops_serve(tmp_path: Path) -> None:
    env = command_env(
        tmp_path, GITHUB_APP_ID="mergegate-app", GITHUB_PRIVATE_KEY=rsa_pem(), GITHUB_WEBHOOK_SECRET="s"
    )
    done = serve_command(env, "--port", "0")
    assert (done.returncode, done.stderr, done.stdout) == (2, APP_ID_MESSAGE, "")


def test_an_address_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = serve_command(command_env(tmp_path), "--port", str(port))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"mergegate: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(another process listens there: choose another --port)\n"
    )


def test_serve_with_a_valid_app_prints_the_address_it_listens_on(tmp_path: Path) -> None:
    env = command_env(
        tmp_path,
        GITHUB_APP_ID="12345",
        GITHUB_PRIVATE_KEY=rsa_pem(serialization.PrivateFormat.PKCS8),
        GITHUB_WEBHOOK_SECRET="s",
    )
    with running_serve(env) as (proc, line):
        match = re.fullmatch(r"mergegate: listening on (http://127\.0\.0\.1:(\d+))\n", line)
        assert match is not None, (line, proc.stderr.read() if proc.stderr else "")
        assert int(match.group(2)) > 0
        with urllib.request.urlopen(f"{match.group(1)}/healthz", timeout=10) as resp:
            assert resp.status == 200
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (lambda: rsa_pem(), None),
        (lambda: rsa_pem(serialization.PrivateFormat.PKCS8), None),
        (
            lambda: (
                rsa.generate_private_key(public_exponent=65537, key_size=2048)
                .private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(b"passphrase"),
                )
                .decode()
            ),
            "is encrypted with a passphrase: use the key GitHub generated, unencrypted",
        ),
        (
            lambda: (
                ec.generate_private_key(ec.SECP256R1())
                .private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                .decode()
            ),
            "is not an RSA key: GitHub Apps sign with RSA (RS256)",
        ),
        (
            lambda: (
                rsa.generate_private_key(public_exponent=65537, key_size=2048)
                .public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode()
            ),
            "is a public key or a certificate: use the App's private key (.pem)",
        ),
        (
            lambda: rsa_pem().replace("\n", "\\n"),
            "has \\n escapes instead of line breaks: give the .pem file's text as it is",
        ),
        (lambda: "secret", "is not a PEM private key: use the .pem file GitHub generated for the App"),
    ],
)
def test_private_key_checks(key: Callable[[], str], problem: str | None) -> None:
    settings = Settings(github_app_id="12345", github_private_key=key())
    if problem is None:
        check_github_app(settings, {})
        return
    with pytest.raises(ConfigError) as info:
        check_github_app(settings, {"GITHUB_PRIVATE_KEY": "set"})
    assert str(info.value) == f"GITHUB_PRIVATE_KEY {problem}"


@pytest.mark.parametrize("app_id", ["12a", "12 ", " 12", "١٢", "-12", "1.5"])
def test_app_id_must_be_ascii_digits(app_id: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_github_app(Settings(github_app_id=app_id))
    assert f"mergegate: {info.value}\n" == APP_ID_MESSAGE
