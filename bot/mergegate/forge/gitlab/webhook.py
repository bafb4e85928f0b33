"""What is GitLab-specific about ``POST /webhooks/gitlab``; the handler is `mergegate.web`.

GitLab sends its secret in plain text in ``X-Gitlab-Token``: compared in constant time with
``GITLAB_WEBHOOK_SECRET`` before the body is read. A delivery is identified by
``X-Gitlab-Event-UUID`` or, when GitLab sends none, by a key derived from the event and body.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from mergegate.config import Settings
from mergegate.forge.base import Action
from mergegate.forge.gitlab import events


def token_ok(header: str | None, secret: str | None) -> bool:
    """Constant-time comparison of the plain-text token GitLab sends."""
    if not secret or header is None:
        return False
    return hmac.compare_digest(header.encode(), secret.encode())


def delivery_key(headers: Mapping[str, str], event: str, body: bytes) -> str:
    """``X-Gitlab-Event-UUID`` or, without one, a key derived from the event and body."""
    uuid = headers.get("X-Gitlab-Event-UUID")
    if uuid:
        return uuid
    return "body-" + hashlib.sha256(event.encode() + b"\x00" + body).hexdigest()


class GitLabWebhook:
    forge = "gitlab"
    path = "/webhooks/gitlab"
    unauthorized = "bad token"
    delivery_required = ""

    def event(self, headers: Mapping[str, str]) -> str:
        return headers.get("X-Gitlab-Event", "")

    def admits(self, headers: Mapping[str, str], settings: Settings) -> bool:
        return token_ok(headers.get("X-Gitlab-Token"), settings.gitlab_webhook_secret)

    def hmac_key(self, settings: Settings) -> bytes | None:
        return None  # the token in the headers is the authentication

    def authentic(self, headers: Mapping[str, str], digest: str | None,
                  settings: Settings) -> bool:
        return True  # admitted by its token

    def delivery_id(self, headers: Mapping[str, str], event: str, body: bytes) -> str | None:
        return delivery_key(headers, event, body)

    def repository(self, data: Mapping[str, Any]) -> str | None:
        return str((data.get("project") or {}).get("path_with_namespace", "")) or None

    def translate(self, event: str, data: Mapping[str, Any],
                  bot_username: str | None) -> list[Action]:
        return [events.translate(event, data, bot_username)]
