"""Settings, read from the environment once and passed down. Nothing is read at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///mergegate.db"
    github_app_id: str | None = None
    github_private_key: str | None = field(default=None, repr=False)
    github_webhook_secret: str | None = field(default=None, repr=False)
    github_api_url: str = "https://api.github.com"
    gitlab_url: str = "https://gitlab.com"
    gitlab_token: str | None = field(default=None, repr=False)
    gitlab_webhook_secret: str | None = field(default=None, repr=False)
    gitlab_policy_project: str | None = None
    gitlab_status_check_id: str | None = None
    osv_url: str = "https://api.osv.dev"
    osv_db: Path | None = None
    deps_dev_url: str = "https://api.deps.dev"
    workers: int = 2
    log_format: str = "text"
    semgrep_timeout: float = 300.0
    semgrep_jobs: int = 2
    semgrep_experimental: bool = True
    max_file_bytes: int = 1024 * 1024
    log_max_bytes: int = 200_000_000  # CI logs: decompressed bytes read in all, then truncated
    public_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        key = env.get("GITHUB_PRIVATE_KEY") or None
        key_file = env.get("GITHUB_PRIVATE_KEY_FILE")
        if key is None and key_file:
            try:
                key = Path(key_file).read_text()
            except OSError as exc:
                raise ConfigError(
                    f"GITHUB_PRIVATE_KEY_FILE {key_file!r} cannot be read: {exc.strerror}"
                ) from None
        log_format = env.get("MERGEGATE_LOG_FORMAT", "text") or "text"
        if log_format not in ("json", "text"):
            raise ConfigError(f"MERGEGATE_LOG_FORMAT must be json or text, got {log_format!r}")
        osv_db = env.get("MERGEGATE_OSV_DB")
        experimental = env.get("MERGEGATE_SEMGREP_EXPERIMENTAL", "1").lower()
        return cls(
            database_url=env.get("MERGEGATE_DATABASE_URL") or "sqlite:///mergegate.db",
            github_app_id=env.get("GITHUB_APP_ID") or None,
            github_private_key=key,
            github_webhook_secret=env.get("GITHUB_WEBHOOK_SECRET") or None,
            github_api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            gitlab_url=(env.get("GITLAB_URL") or "https://gitlab.com").rstrip("/"),
            gitlab_token=env.get("GITLAB_TOKEN") or None,
            gitlab_webhook_secret=env.get("GITLAB_WEBHOOK_SECRET") or None,
            gitlab_policy_project=env.get("MERGEGATE_GITLAB_POLICY_PROJECT") or None,
            gitlab_status_check_id=env.get("MERGEGATE_GITLAB_STATUS_CHECK_ID") or None,
            osv_url=(env.get("MERGEGATE_OSV_URL") or "https://api.osv.dev").rstrip("/"),
            osv_db=Path(osv_db) if osv_db else None,
            deps_dev_url=(env.get("MERGEGATE_DEPS_DEV_URL") or "https://api.deps.dev").rstrip("/"),
            workers=_int(env, "MERGEGATE_WORKERS", 2, minimum=1),
            log_format=log_format,
            semgrep_timeout=_float(env, "MERGEGATE_SEMGREP_TIMEOUT", 300.0),
            semgrep_jobs=_int(env, "MERGEGATE_SEMGREP_JOBS", min(4, os.cpu_count() or 1), 1),
            semgrep_experimental=experimental not in ("0", "false", "no"),
            max_file_bytes=_int(env, "MERGEGATE_MAX_FILE_BYTES", 1024 * 1024, minimum=1),
            log_max_bytes=_int(env, "MERGEGATE_LOG_MAX_BYTES", cls.log_max_bytes, minimum=1),
            public_url=env.get("MERGEGATE_PUBLIC_URL") or None,
        )
