"""Building the GitHub forge from settings (None when the App is not configured)."""

from __future__ import annotations

from bot.config import ConfigError, Settings
from bot.forge.base import Forge
from bot.forge.github.forge import GitHubForge


def create_forge(settings: Settings) -> Forge | None:
    if not settings.github_app_id and not settings.github_private_key:
        return None
    if not settings.github_app_id or not settings.github_private_key:
        raise ConfigError("GITHUB_APP_ID and GITHUB_PRIVATE_KEY must be set together")
    return GitHubForge.create(settings)
