"""What is GitHub-specific about ``POST /webhooks/github``; the handler is `mergegate.web`.

GitHub signs the raw body: ``X-Hub-Signature-256: sha256=<HMAC-SHA256 hex>`` with the App's
webhook secret, compared in constant time. Every delivery names its event and carries an id
(``X-GitHub-Event``, ``X-GitHub-Delivery``); only App installations can be answered.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from mergegate.config import Settings
from mergegate.forge.base import Action, Ignore
from mergegate.forge.github import events

SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature_ok(body: bytes, header: str | None, secret: str | None) -> bool:
    """Whether ``header`` is the signature of ``body`` under ``secret``."""
    if not secret:
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return digest_ok(digest, header)


def digest_ok(digest: str | None, header: str | None) -> bool:
    """Whether ``header`` names ``digest`` (the body's HMAC, computed while it streamed in)."""
    if digest is None or not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(("sha256=" + digest).encode(), header.strip().encode())


class GitHubWebhook:
    forge = "github"
    path = "/webhooks/github"
    unauthorized = "bad signature"
    delivery_required = "X-GitHub-Event and X-GitHub-Delivery are required"

    def event(self, headers: Mapping[str, str]) -> str:
        return headers.get("X-GitHub-Event", "")

    def admits(self, headers: Mapping[str, str], settings: Settings) -> bool:
        """Worth reading the body at all: a secret is set and a signature was sent."""
        sent = headers.get(SIGNATURE_HEADER) or ""
        return bool(settings.github_webhook_secret) and sent.startswith("sha256=")

    def hmac_key(self, settings: Settings) -> bytes | None:
        return (settings.github_webhook_secret or "").encode()

    def authentic(self, headers: Mapping[str, str], digest: str | None,
                  settings: Settings) -> bool:
        return digest_ok(digest, headers.get(SIGNATURE_HEADER))

    def delivery_id(self, headers: Mapping[str, str], event: str, body: bytes) -> str | None:
        delivery = headers.get("X-GitHub-Delivery", "")
        return delivery if event and delivery else None

    def repository(self, data: Mapping[str, Any]) -> str | None:
        return str((data.get("repository") or {}).get("full_name", "")) or None

    def translate(self, event: str, data: Mapping[str, Any],
                  bot_username: str | None) -> list[Action]:
        if event == "ping":
            return [Ignore("ping: the webhook works")]
        if not isinstance(data.get("installation"), dict):
            # Only an App installation can be answered (a plain repository webhook cannot).
            return [Ignore("no installation")]
        return events.translate(event, data)
