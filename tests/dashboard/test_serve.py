"""`mergegate serve` serves the dashboard on its own port and database, and refuses to start
with a sign-in that is half configured."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.dashboard.conftest import CLIENT_ID, CLIENT_SECRET, SESSION_KEY

MERGEGATE = [sys.executable, "-c", "from mergegate.cli import main; raise SystemExit(main())"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def env(tmp_path: Path, **more: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("GITHUB_", "GITLAB_", "MERGEGATE_SESSION_KEY"))}
    base.update(MERGEGATE_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
                XDG_CACHE_HOME=str(tmp_path / "cache"))
    return {**base, **more}


def test_serve_mounts_the_dashboard_behind_sign_in(tmp_path: Path) -> None:
    key_file = tmp_path / "session-key"
    key_file.write_text(SESSION_KEY + "\n")
    proc = subprocess.Popen(
        [*MERGEGATE, "serve", "--host", "127.0.0.1", "--port", "0"],
        env=env(tmp_path, GITHUB_CLIENT_ID=CLIENT_ID, GITHUB_CLIENT_SECRET=CLIENT_SECRET,
                MERGEGATE_SESSION_KEY_FILE=str(key_file),
                GITHUB_API_URL="https://ghe.example/api/v3"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("mergegate: listening on http://127.0.0.1:"), line
        base = line.split("listening on ", 1)[1].split()[0].rstrip(",/")
        opener = urllib.request.build_opener(NoRedirect)
        for path, location in (("/audit", "/login?next=/audit"), ("/login", None)):
            try:
                opener.open(base + path, timeout=10)
                raise AssertionError(f"{path} was not redirected")
            except urllib.error.HTTPError as exc:
                assert exc.code == 302
                target = exc.headers["Location"]
            if location:
                assert target == location
            else:
                authorize = urlsplit(target)
                assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == \
                    "https://ghe.example/login/oauth/authorize"
                assert parse_qs(authorize.query)["client_id"] == [CLIENT_ID]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_refuses_a_half_configured_sign_in(tmp_path: Path) -> None:
    done = subprocess.run([*MERGEGATE, "serve", "--port", "0"], capture_output=True, text=True,
                          env=env(tmp_path, GITHUB_CLIENT_ID=CLIENT_ID), timeout=60)
    assert done.returncode == 2
    assert done.stderr == ("mergegate: GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is not: "
                           "the dashboard's sign-in needs both\n")
