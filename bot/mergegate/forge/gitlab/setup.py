"""Building the GitLab forge from settings (None when GitLab is not configured)."""

from __future__ import annotations

from mergegate.config import ConfigError, Settings
from mergegate.forge.gitlab.forge import GitLabForge


def check_settings(settings: Settings) -> None:
    """Raise ConfigError for a half-configured GitLab (checked before the service starts)."""
    if settings.gitlab_webhook_secret and not settings.gitlab_token:
        raise ConfigError("GITLAB_TOKEN is required when GITLAB_WEBHOOK_SECRET is set")


def create_forge(settings: Settings) -> GitLabForge | None:
    """The GitLab forge, or None when GitLab is not configured."""
    check_settings(settings)
    if not settings.gitlab_token:
        return None
    return GitLabForge(settings)
