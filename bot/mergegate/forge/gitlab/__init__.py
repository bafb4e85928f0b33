"""GitLab merge requests: the forge adapter (python-gitlab in a thread pool) and webhooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mergegate.config import ConfigError, Settings

if TYPE_CHECKING:
    from mergegate.forge.gitlab.forge import GitLabForge


def create_forge(settings: Settings) -> GitLabForge | None:
    """The GitLab forge, or None when GitLab is not configured."""
    if not settings.gitlab_token and not settings.gitlab_webhook_secret:
        return None
    if not settings.gitlab_token:
        raise ConfigError("GITLAB_TOKEN is required when GITLAB_WEBHOOK_SECRET is set")
    from mergegate.forge.gitlab.forge import GitLabForge

    return GitLabForge(settings)
