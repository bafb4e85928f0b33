"""The GitLab webhook route, under the module name `bot.web.ROUTE_MODULES` looks for."""

from bot.forge.gitlab.webhook import register

__all__ = ["register"]
