"""Structured logs: context on every line, JSON or text, and no credential ever written."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from mergegate.config import Settings
from mergegate.observability.logs import (
    REDACTED,
    Redactor,
    configure_logging,
    current_context,
    log_context,
    register_secret,
)

GH_INSTALLATION_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
GH_PAT = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCD"
GITLAB_TOKEN = "glpat-x3Zq9YkLmN0pQrStUvWx"
WEBHOOK_SECRET = "correct horse battery staple"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjM0NSIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlLXBhcnQ"
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAuFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake0123\n"
    "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVkcGx1Z2g\n"
    "-----END RSA PRIVATE KEY-----\n"
)
SHA = "3f9a1c2e4b5d6f708192a3b4c5d6e7f801234567"


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    factory = logging.getLogRecordFactory()
    yield root
    logging.setLogRecordFactory(factory)
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)
    logging.captureWarnings(False)


def settings(log_format: str) -> Settings:
    return Settings.from_env(
        {
            "MERGEGATE_LOG_FORMAT": log_format,
            "GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "GITHUB_PRIVATE_KEY": PRIVATE_KEY,
            "GITLAB_TOKEN": GITLAB_TOKEN,
        }
    )


def capture(log_format: str) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(settings(log_format), stream=stream)
    return stream


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_bound_context(root_logger: logging.Logger) -> None:
    stream = capture("json")
    log = logging.getLogger("mergegate.test")
    with log_context(delivery_id="d-1", repository="acme/app"):
        log.info("received %s", "pull_request")
        with log_context(pr=42, sha=SHA, job_id=7):
            log.warning("scanning")
        log.info("after", extra={"scanner": "sast"})
    log.info("outside")
    first, second, third, fourth = json_lines(stream)
    assert first["message"] == "received pull_request"
    assert first["level"] == "info" and first["logger"] == "mergegate.test"
    assert first["delivery_id"] == "d-1" and first["repository"] == "acme/app"
    assert "pr" not in first
    assert second == {
        **{k: second[k] for k in ("time", "level", "logger", "message")},
        "delivery_id": "d-1",
        "repository": "acme/app",
        "pr": 42,
        "sha": SHA,
        "job_id": 7,
    }
    assert "pr" not in third and third["scanner"] == "sast"
    assert "delivery_id" not in fourth
    assert str(first["time"]).endswith("Z")


def test_context_follows_each_asyncio_task_separately(root_logger: logging.Logger) -> None:
    stream = capture("json")
    log = logging.getLogger("mergegate.test")

    async def job(n: int) -> None:
        with log_context(job_id=n):
            await asyncio.sleep(0.001 * (3 - n))
            log.info("job %d done", n)
            assert current_context() == {"job_id": n}

    async def main() -> None:
        await asyncio.gather(*(job(n) for n in range(3)))

    asyncio.run(main())
    lines = json_lines(stream)
    assert sorted((line["message"], line["job_id"]) for line in lines) == [
        (f"job {n} done", n) for n in range(3)
    ]
    assert current_context() == {}


def test_text_format_appends_the_context_fields(root_logger: logging.Logger) -> None:
    stream = capture("text")
    with log_context(delivery_id="d-9", pr=3):
        logging.getLogger("mergegate.web").info("accepted")
    line = stream.getvalue().strip()
    assert line.endswith("INFO mergegate.web: accepted [delivery_id=d-9 pr=3]")


def test_no_credential_reaches_the_output_in_any_form(root_logger: logging.Logger) -> None:
    stream = capture("json")
    log = logging.getLogger("mergegate.forge")
    log.info("installation token %s cached", GH_INSTALLATION_TOKEN)
    log.info("headers: %s", {"Authorization": f"Bearer {JWT}", "Accept": "application/json"})
    log.info("request", extra={"headers": {"Authorization": f"token {GH_PAT}"}, "token": "abcdef123"})
    log.info("webhook secret is %r", WEBHOOK_SECRET)
    log.info("key loaded: %s", PRIVATE_KEY)
    log.info("gitlab client with %s", GITLAB_TOKEN)
    log.info("clone https://x-access-token:%s@github.com/acme/app.git", "s3cr3tvalue99")
    log.info("db at postgresql://mergegate:hunter2hunter2@db:5432/mergegate")
    log.info('config {"webhook_secret": "abc123xyz", "api_key": "k-998877"}')
    log.info("Authorization: Basic dXNlcjpwYXNzd29yZA==")
    try:
        raise RuntimeError(f"401 for token {GH_INSTALLATION_TOKEN}")
    except RuntimeError:
        log.exception("call failed")
    out = stream.getvalue()
    for secret in (
        GH_INSTALLATION_TOKEN,
        GH_PAT,
        JWT,
        WEBHOOK_SECRET,
        GITLAB_TOKEN,
        "s3cr3tvalue99",
        "hunter2hunter2",
        "abc123xyz",
        "k-998877",
        "dXNlcjpwYXNzd29yZA",
        "abcdef123",
        "MIIEowIBAAKCAQEAuFake",
        "Zm9vYmFyYmF6cXV4",
    ):
        assert secret not in out, secret
    lines = json_lines(stream)
    assert all(REDACTED in str(line) for line in lines)
    assert lines[2]["headers"] == {"Authorization": REDACTED}
    assert lines[2]["token"] == REDACTED
    assert lines[6]["message"] == (f"clone https://x-access-token:{REDACTED}@github.com/acme/app.git")
    assert lines[7]["message"] == f"db at postgresql://mergegate:{REDACTED}@db:5432/mergegate"
    assert "RuntimeError: 401 for token" in str(lines[-1]["exception"])


def test_ordinary_text_is_left_alone() -> None:
    r = Redactor()
    text = (
        f"scan of acme/app@{SHA} took 1.2 s: 3 findings (2 secrets, 1 token-like), "
        "mg-3f9a1c2e dismissed by @alice; next token refresh in 300 s; https://github.com/acme/app"
    )
    assert r.redact(text) == text


def test_runtime_registered_secrets_of_any_shape_are_redacted() -> None:
    r = Redactor()
    r.add_secret("plain-looking-value")
    r.add_secret("abc")  # too short to redact safely: ignored
    r.add_secret(None)
    assert r.redact("value=plain-looking-value here") == f"value={REDACTED} here"
    assert r.redact("abc def") == "abc def"
    register_secret("zz-unique-runtime-secret")
    from mergegate.observability.logs import redact

    assert redact("got zz-unique-runtime-secret") == f"got {REDACTED}"


def test_bad_format_arguments_never_crash(root_logger: logging.Logger) -> None:
    stream = capture("json")
    logging.getLogger("x").info("%d items", "not a number")
    (line,) = json_lines(stream)
    assert line["message"] == "%d items (unformattable arguments)"


def test_configure_twice_keeps_one_handler(root_logger: logging.Logger) -> None:
    before = len(root_logger.handlers)
    capture("json")
    stream = capture("text")
    assert len(root_logger.handlers) == before + 1
    logging.getLogger("x").warning("once")
    assert stream.getvalue().count("once") == 1


def test_other_handlers_only_see_redacted_messages(root_logger: logging.Logger) -> None:
    plain = io.StringIO()
    other = logging.StreamHandler(plain)
    root_logger.addHandler(other)
    try:
        capture("json")
        logging.getLogger("third.party").warning("using %s", GH_INSTALLATION_TOKEN)
    finally:
        root_logger.removeHandler(other)
    assert plain.getvalue() == f"using {REDACTED}\n"
