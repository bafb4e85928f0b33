"""`mergegate serve`: the subcommand, and configuration errors as exit 2 with one line."""

from __future__ import annotations

import argparse

import pytest
from mergegate.commands import serve


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
        ({"MERGEGATE_SCANNER_IDLE_TIMEOUT": "soon"},
         "MERGEGATE_SCANNER_IDLE_TIMEOUT must be a number of seconds"),
        ({"GITHUB_APP_ID": "1"}, "GITHUB_APP_ID and GITHUB_PRIVATE_KEY must be set together"),
        ({"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": "k"},
         "GITHUB_WEBHOOK_SECRET is required with GITHUB_APP_ID"),
        ({"MERGEGATE_DATABASE_URL": "nosuchdb://x"}, "MERGEGATE_DATABASE_URL (nosuchdb) cannot be used"),
    ],
)
def test_configuration_errors_exit_2(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], tmp_path: object,
) -> None:
    for name in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_FILE",
                 "MERGEGATE_DATABASE_URL", "MERGEGATE_WORKERS", "MERGEGATE_SCANNER_IDLE_TIMEOUT",
                 "GITHUB_WEBHOOK_SECRET"):
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
