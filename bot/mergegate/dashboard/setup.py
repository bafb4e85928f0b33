"""Whether the dashboard is on, and settings that cannot work (checked before serving)."""

from __future__ import annotations

from mergegate.config import ConfigError, Settings
from mergegate.dashboard.session import MIN_KEY_CHARS

OFF_MESSAGE = (
    "The MergeGate dashboard is off: sign-in is not configured. To turn it on, set "
    "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App's OAuth client) or "
    "GITLAB_OAUTH_CLIENT_ID and GITLAB_OAUTH_CLIENT_SECRET (a GitLab OAuth application), and "
    f"MERGEGATE_SESSION_KEY (at least {MIN_KEY_CHARS} random characters). "
    "The dashboard is never served without sign-in."
)

_PAIRS = (("GITHUB_CLIENT_ID", "github_client_id", "GITHUB_CLIENT_SECRET", "github_client_secret"),
          ("GITLAB_OAUTH_CLIENT_ID", "gitlab_oauth_client_id", "GITLAB_OAUTH_CLIENT_SECRET",
           "gitlab_oauth_client_secret"))


def check_settings(settings: Settings) -> None:
    """ConfigError for a sign-in that is half configured; nothing configured is fine (off)."""
    configured = []
    for id_var, id_attr, secret_var, secret_attr in _PAIRS:
        has_id, has_secret = bool(getattr(settings, id_attr)), bool(getattr(settings, secret_attr))
        if has_id != has_secret:
            present, missing = (id_var, secret_var) if has_id else (secret_var, id_var)
            raise ConfigError(f"{present} is set but {missing} is not: the dashboard's sign-in "
                              "needs both")
        if has_id:
            configured.append(id_var)
    key = settings.session_key
    if key is not None and len(key) < MIN_KEY_CHARS:
        raise ConfigError(f"MERGEGATE_SESSION_KEY must be at least {MIN_KEY_CHARS} characters "
                          "(e.g. the output of `openssl rand -base64 32`)")
    if configured and key is None:
        raise ConfigError(f"{configured[0]} is set but MERGEGATE_SESSION_KEY is not: the "
                          f"dashboard needs a session key (at least {MIN_KEY_CHARS} random "
                          "characters) to sign people in")


def is_on(settings: Settings) -> bool:
    return bool(settings.session_key) and any(
        getattr(settings, id_attr) and getattr(settings, secret_attr)
        for _, id_attr, _, secret_attr in _PAIRS)
