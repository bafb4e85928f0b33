"""Settings, read from the environment once and passed down. Nothing is read at import time."""

from __future__ import annotations

import contextlib
import dataclasses
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


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if not value > 0:
        raise ConfigError(f"{name} must be a positive number of seconds, got {env.get(name)!r}")
    return value


def _secret(env: Mapping[str, str], name: str) -> str | None:
    """``NAME``, else the content of the file ``NAME_FILE`` names (a Vault agent or Kubernetes
    secret file; surrounding whitespace stripped), else None."""
    value = env.get(name) or None
    path = env.get(f"{name}_FILE")
    if value is None and path:
        try:
            value = Path(path).read_text().strip() or None
        except OSError as exc:
            raise ConfigError(f"{name}_FILE {path!r} cannot be read: {exc.strerror}") from None
    return value


def user_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """The per-user cache: ``$XDG_CACHE_HOME/mergegate`` (``~/.cache/mergegate``)."""
    env = os.environ if env is None else env
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mergegate"


def _ca_bundle(env: Mapping[str, str]) -> Path | None:
    """The PEM file of CAs every outgoing client trusts: MERGEGATE_CA_BUNDLE wins over
    SSL_CERT_FILE; neither set means the system's CAs."""
    for name in ("MERGEGATE_CA_BUNDLE", "SSL_CERT_FILE"):
        raw = env.get(name)
        if raw:
            if not Path(raw).is_file():
                raise ConfigError(f"{name} {raw!r}: no such file (a PEM bundle of CA certificates)")
            return Path(raw)
    return None


def _default_semgrep_jobs() -> int:
    return min(4, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """Every setting of the CLI, the service and the workers; each default is written here once,
    and `from_env` is the only reader of the environment (besides `user_cache_dir`)."""

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
    ca_bundle: Path | None = None  # MERGEGATE_CA_BUNDLE, else SSL_CERT_FILE: CAs for every client
    osv_archive_url: str = "https://osv-vulnerabilities.storage.googleapis.com"  # db update
    offline: bool = False  # `scan --offline`: advisories only from the cache, no network
    deps_dev_url: str = "https://api.deps.dev"
    workers: int = 2
    log_format: str = "text"
    semgrep_timeout: float = 300.0
    semgrep_jobs: int = field(default_factory=_default_semgrep_jobs)
    semgrep_experimental: bool = True
    rules_dir: Path | None = None  # instead of the rules shipped with MergeGate
    cache_dir: Path = field(default_factory=user_cache_dir)
    scanner_idle_timeout: float = 120.0  # scanner processes of `serve` stop when idle this long
    max_file_bytes: int = 1024 * 1024  # larger files are scanned for secrets only
    max_fetch_bytes: int = 32 * 1024 * 1024  # larger files are not fetched: not scanned, blocks
    forge_retry_seconds: float = 3600.0  # a job the forge keeps failing is retried this long
    log_max_bytes: int = 200_000_000  # CI logs: decompressed bytes read in all, then truncated
    public_url: str | None = None
    scheduler_interval: float = 300.0  # seconds between scheduler ticks (expired dismissals)
    no_color: bool = False  # NO_COLOR (https://no-color.org): no ANSI colour unless --color always
    # dashboard sign-in (mergegate.dashboard): OAuth clients and the session cookie's key
    github_client_id: str | None = None
    github_client_secret: str | None = field(default=None, repr=False)
    gitlab_oauth_client_id: str | None = None
    gitlab_oauth_client_secret: str | None = field(default=None, repr=False)
    session_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        d = cls()  # the defaults
        key = env.get("GITHUB_PRIVATE_KEY") or None
        key_file = env.get("GITHUB_PRIVATE_KEY_FILE")
        if key is None and key_file:
            try:
                key = Path(key_file).read_text()
            except OSError as exc:
                raise ConfigError(
                    f"GITHUB_PRIVATE_KEY_FILE {key_file!r} cannot be read: {exc.strerror}"
                ) from None
        log_format = env.get("MERGEGATE_LOG_FORMAT") or d.log_format
        if log_format not in ("json", "text"):
            raise ConfigError(f"MERGEGATE_LOG_FORMAT must be json or text, got {log_format!r}")
        osv_db = env.get("MERGEGATE_OSV_DB")
        rules_dir = env.get("MERGEGATE_RULES_DIR")
        experimental = env.get("MERGEGATE_SEMGREP_EXPERIMENTAL", "1").lower()
        return cls(
            database_url=env.get("MERGEGATE_DATABASE_URL") or d.database_url,
            github_app_id=env.get("GITHUB_APP_ID") or None,
            github_private_key=key,
            github_webhook_secret=env.get("GITHUB_WEBHOOK_SECRET") or None,
            github_api_url=(env.get("GITHUB_API_URL") or d.github_api_url).rstrip("/"),
            gitlab_url=(env.get("GITLAB_URL") or d.gitlab_url).rstrip("/"),
            gitlab_token=env.get("GITLAB_TOKEN") or None,
            gitlab_webhook_secret=env.get("GITLAB_WEBHOOK_SECRET") or None,
            gitlab_policy_project=env.get("MERGEGATE_GITLAB_POLICY_PROJECT") or None,
            gitlab_status_check_id=env.get("MERGEGATE_GITLAB_STATUS_CHECK_ID") or None,
            osv_url=(env.get("MERGEGATE_OSV_URL") or d.osv_url).rstrip("/"),
            osv_db=Path(osv_db) if osv_db else None,
            ca_bundle=_ca_bundle(env),
            osv_archive_url=(env.get("MERGEGATE_OSV_ARCHIVE_URL") or d.osv_archive_url).rstrip("/"),
            deps_dev_url=(env.get("MERGEGATE_DEPS_DEV_URL") or d.deps_dev_url).rstrip("/"),
            workers=_int(env, "MERGEGATE_WORKERS", d.workers, minimum=1),
            log_format=log_format,
            semgrep_timeout=_float(env, "MERGEGATE_SEMGREP_TIMEOUT", d.semgrep_timeout),
            semgrep_jobs=_int(env, "MERGEGATE_SEMGREP_JOBS", d.semgrep_jobs, 1),
            semgrep_experimental=experimental not in ("0", "false", "no"),
            rules_dir=Path(rules_dir) if rules_dir else None,
            cache_dir=user_cache_dir(env),
            scanner_idle_timeout=_float(env, "MERGEGATE_SCANNER_IDLE_TIMEOUT",
                                        d.scanner_idle_timeout),
            max_file_bytes=_int(env, "MERGEGATE_MAX_FILE_BYTES", d.max_file_bytes, minimum=1),
            max_fetch_bytes=_int(env, "MERGEGATE_MAX_FETCH_BYTES", d.max_fetch_bytes, minimum=1),
            forge_retry_seconds=_float(env, "MERGEGATE_FORGE_RETRY_SECONDS",
                                       d.forge_retry_seconds),
            log_max_bytes=_int(env, "MERGEGATE_LOG_MAX_BYTES", d.log_max_bytes, minimum=1),
            public_url=env.get("MERGEGATE_PUBLIC_URL") or None,
            scheduler_interval=_positive_float(env, "MERGEGATE_SCHEDULER_INTERVAL",
                                               d.scheduler_interval),
            no_color=bool(env.get("NO_COLOR")),
            github_client_id=_secret(env, "GITHUB_CLIENT_ID"),
            github_client_secret=_secret(env, "GITHUB_CLIENT_SECRET"),
            gitlab_oauth_client_id=_secret(env, "GITLAB_OAUTH_CLIENT_ID"),
            gitlab_oauth_client_secret=_secret(env, "GITLAB_OAUTH_CLIENT_SECRET"),
            session_key=_secret(env, "MERGEGATE_SESSION_KEY"),
        )


def local_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings of a command run on a developer's machine (`scan`, `sbom`): unless
    MERGEGATE_DATABASE_URL says otherwise, the response cache is `cache.db` in the per-user
    cache folder, never a `mergegate.db` in the working directory."""
    env = os.environ if env is None else env
    settings = Settings.from_env(env)
    if env.get("MERGEGATE_DATABASE_URL"):
        return settings
    with contextlib.suppress(OSError):  # unwritable: the scanners then go without a cache
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
    return dataclasses.replace(settings, database_url=f"sqlite:///{settings.cache_dir / 'cache.db'}")


def check_github_app(settings: Settings, env: Mapping[str, str] | None = None) -> None:
    """Raise ConfigError unless the GitHub App settings that are set can be used:
    GITHUB_APP_ID is a number and the private key is an RSA private key in PEM that parses.
    `serve` and `worker` call it before they listen. The message names the setting (and the
    file for GITHUB_PRIVATE_KEY_FILE), never anything of the key."""
    app_id = settings.github_app_id
    if app_id is not None and not (app_id.isascii() and app_id.isdigit()):
        raise ConfigError("GITHUB_APP_ID must be the App's numeric ID (see the App's settings page)")
    key = settings.github_private_key
    if key is None:
        return
    env = os.environ if env is None else env
    name = "GITHUB_PRIVATE_KEY"
    if not env.get("GITHUB_PRIVATE_KEY") and env.get("GITHUB_PRIVATE_KEY_FILE"):
        name = f"GITHUB_PRIVATE_KEY_FILE ({env['GITHUB_PRIVATE_KEY_FILE']})"
    problem = _private_key_problem(key)
    if problem is not None:
        raise ConfigError(f"{name} {problem}")


def _private_key_problem(key: str) -> str | None:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if "-----BEGIN" not in key:
        return "is not a PEM private key: use the .pem file GitHub generated for the App"
    if "PUBLIC KEY-----" in key or "CERTIFICATE-----" in key:
        return "is a public key or a certificate: use the App's private key (.pem)"
    if "\\n" in key and "\n" not in key.strip():
        return "has \\n escapes instead of line breaks: give the .pem file's text as it is"
    try:
        parsed = load_pem_private_key(key.strip().encode(), password=None)
    except TypeError:
        return "is encrypted with a passphrase: use the key GitHub generated, unencrypted"
    except (ValueError, UnsupportedAlgorithm):
        return "does not parse as a PEM private key: it is damaged or incomplete"
    if not isinstance(parsed, RSAPrivateKey):
        return "is not an RSA key: GitHub Apps sign with RSA (RS256)"
    return None
