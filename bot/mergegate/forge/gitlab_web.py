"""The GitLab webhook route, under the module name `mergegate.web.ROUTE_MODULES` looks for."""

from mergegate.forge.gitlab.webhook import register

__all__ = ["register"]
