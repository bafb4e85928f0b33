"""Building the GitHub forge from settings (None when the App is not configured)."""

from __future__ import annotations

from mergegate.config import ConfigError, Settings
from mergegate.forge.github.forge import GitHubForge


def check_settings(settings: Settings) -> None:
    """Raise ConfigError for a half-configured App (checked before the service starts)."""
    if bool(settings.github_app_id) != bool(settings.github_private_key):
        raise ConfigError("GITHUB_APP_ID and GITHUB_PRIVATE_KEY must be set together")
    if settings.github_app_id and not settings.github_webhook_secret:
        raise ConfigError("GITHUB_WEBHOOK_SECRET is required with GITHUB_APP_ID")


def create_forge(settings: Settings) -> GitHubForge | None:
    check_settings(settings)
    if not settings.github_app_id:
        return None
    return GitHubForge.create(settings)
