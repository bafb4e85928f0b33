"""Structured logging: context fields on every line, JSON or text, secrets redacted.

``configure_logging(settings)`` installs one handler on the root logger. With
``MERGEGATE_LOG_FORMAT=json`` every record is one JSON object per line carrying the fields bound
by ``log_context(delivery_id=..., repository=..., pr=..., sha=..., job_id=...)`` (a context
manager over a ``contextvars.ContextVar``, so it follows asyncio tasks); otherwise a text line
with the same fields appended.

Redaction runs on every record before formatting: the message, its arguments, the traceback and
any ``extra`` values. It removes what looks like a credential (GitHub and GitLab tokens, JWTs,
PEM private keys, ``Authorization`` headers, ``secret=``/``token=``/``password=`` pairs,
passwords in URLs) and the exact values of the secrets in the settings plus any registered at
run time with ``register_secret`` (installation tokens, say).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import re
import sys
import threading
import types
from collections.abc import Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mergegate.config import Settings

REDACTED = "[REDACTED]"
CONTEXT_FIELDS: tuple[str, ...] = ("delivery_id", "repository", "pr", "sha", "job_id")
MIN_SECRET_LENGTH = 6
_HANDLER_MARK = "_mergegate_handler"
_SENSITIVE_KEY = re.compile(
    r"(?i)(secret|token|password|passwd|authorization|private[_-]?key|api[_-]?key|cookie|jwt)"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private keys, whole or cut off before their END line.
    (
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
            re.S,
        ),
        REDACTED,
    ),
    # Authorization: Bearer x / token x / Basic x, as a header line, a dict repr or JSON.
    (
        re.compile(
            r"(?i)((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)"
            r"(?:(?:bearer|token|basic|jwt|digest)\s+)?[^\s\"',}]+"
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{12,}"), r"\1 " + REDACTED),
    # GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, fine-grained PATs, legacy v1. tokens).
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b"), REDACTED),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}\b"), REDACTED),
    (re.compile(r"\bv1\.[0-9a-f]{40}\b"), REDACTED),
    # GitLab tokens (glpat-, gldt-, glrt-, glcbt-, glptt-, glft-, glimt-, glsoat-...).
    (re.compile(r"\bgl[a-z]{2,6}-[A-Za-z0-9_-]{20,}"), REDACTED),
    # JSON Web Tokens (the App's JWT).
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    # AWS access key ids and Slack tokens, should a scanned file's text reach a log.
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), REDACTED),
    # user:password@ in URLs (database URLs, clone URLs with a token).
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@"), r"\1" + REDACTED + "@"),
    # key=value / key: value pairs whose key names a secret.
    (
        re.compile(
            r"(?i)(\b[\w-]*(?:secret|token|password|passwd|api[_-]?key|private[_-]?key)[\"']?"
            r"\s*[:=]\s*[\"']?)(?!\[REDACTED\])[^\s\"',&}]+"
        ),
        r"\1" + REDACTED,
    ),
)
_EMPTY: Mapping[str, object] = types.MappingProxyType({})
_context: contextvars.ContextVar[Mapping[str, object]] = contextvars.ContextVar(
    "mergegate_log_context", default=_EMPTY
)


class Redactor:
    """Removes credentials from text: known shapes plus exact values registered with it."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add_secret(self, value: str | None) -> None:
        """Redact this exact value (and each line of it, for multi-line keys) from now on."""
        if not value:
            return
        parts = {value.strip(), *(line.strip() for line in value.splitlines())}
        with self._lock:
            self._secrets.update(p for p in parts if len(p) >= MIN_SECRET_LENGTH)

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def redact_value(self, key: str, value: object) -> object:
        """An ``extra`` value made safe: sensitive keys hidden, strings and containers redacted."""
        if _SENSITIVE_KEY.search(key) and value not in (None, ""):
            return REDACTED
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, Mapping):
            return {str(k): self.redact_value(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.redact_value("", v) for v in value]
        if isinstance(value, bool | int | float) or value is None:
            return value
        return self.redact(repr(value))


default_redactor = Redactor()


def register_secret(value: str | None) -> None:
    """Never log this value (a fresh installation token, say) through the default redactor."""
    default_redactor.add_secret(value)


def redact(text: str) -> str:
    """``text`` with every credential the default redactor knows replaced by ``[REDACTED]``."""
    return default_redactor.redact(text)


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Bind fields (``delivery_id``, ``repository``, ``pr``, ``sha``, ``job_id``...) to every
    record logged inside the block, in this task or thread only. ``None`` values are skipped."""
    merged = {**_context.get(), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(types.MappingProxyType(merged))
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, object]:
    """The fields bound by the enclosing ``log_context`` blocks."""
    return dict(_context.get())


_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName", "context_fields"}
)


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS and k[0] != "_"}


class ContextFilter(logging.Filter):
    """Copies the bound context onto each record (an explicit ``extra`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _redact_text_parts(record: logging.LogRecord, redactor: Redactor) -> None:
    """Merge the arguments into the message and redact it, the traceback and the stack."""
    try:
        message = record.getMessage()
    except Exception:  # bad %-args: keep the template, never crash the caller
        message = f"{record.msg!s} (unformattable arguments)"
    record.msg = redactor.redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redactor.redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redactor.redact(record.stack_info)


class RedactingFilter(logging.Filter):
    """Rewrites a record so nothing in it carries a credential. Always lets the record through.

    The message was already redacted when the record was made (see ``install_record_factory``)
    if the factory is installed; ``extra`` values only exist after, so they are redacted here.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor if redactor is not None else default_redactor

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_text_parts(record, self.redactor)
        for key, value in _extras(record).items():
            setattr(record, key, self.redactor.redact_value(key, value))
        return True


_factory_lock = threading.Lock()


def install_record_factory() -> None:
    """Redact every record's message and traceback as it is made, so that every handler (not
    only ours: third-party or test handlers too) only ever sees redacted text. Idempotent."""
    with _factory_lock:
        previous = logging.getLogRecordFactory()
        if getattr(previous, _HANDLER_MARK, False):
            return

        def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_text_parts(record, default_redactor)
            return record

        setattr(make_record, _HANDLER_MARK, True)
        logging.setLogRecordFactory(make_record)


def _json_default(value: object) -> str:
    return repr(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created, tz=dt.UTC)
        entry: dict[str, Any] = {
            "time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=_json_default, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time level logger: message [delivery_id=... repository=... pr=... sha=... job_id=...]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = [f"{k}={getattr(record, k)}" for k in CONTEXT_FIELDS if hasattr(record, k)]
        if not fields:
            return line
        head, sep, tail = line.partition("\n")
        return f"{head} [{' '.join(fields)}]{sep}{tail}"


def make_handler(
    log_format: str, stream: IO[str] | None = None, redactor: Redactor | None = None
) -> logging.Handler:
    """A stream handler with the context and redaction filters and the chosen formatter."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(redactor))
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def configure_logging(
    settings: Settings, *, level: int | str = logging.INFO, stream: IO[str] | None = None
) -> logging.Handler:
    """Install the MergeGate handler on the root logger (replacing one installed before).

    The secrets in ``settings`` are registered with the default redactor first.
    """
    for secret in (
        settings.github_private_key,
        settings.github_webhook_secret,
        settings.gitlab_token,
        settings.gitlab_webhook_secret,
    ):
        register_secret(secret)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
        old.close()
    handler = make_handler(settings.log_format, stream)
    root.addHandler(handler)
    root.setLevel(level)
    install_record_factory()
    logging.captureWarnings(True)
    return handler
