"""``POST /webhooks/gitlab``: check the token, parse, deduplicate, translate, acknowledge.

Order matters: ``X-Gitlab-Token`` is compared with ``GITLAB_WEBHOOK_SECRET`` in constant time
before anything else (401, nothing else happens); then the JSON is parsed (400); then the
event is translated; then the delivery is recorded under ``X-Gitlab-Event-UUID`` (or, when
GitLab sends none, a key derived from the event and the body) together with its jobs, in one
transaction and in a thread so the event loop never waits for the database: a redelivery is
acknowledged without doing anything, and a delivery whose jobs could not be queued (500) is
not remembered. No GitLab API call is made while answering.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from mergegate.forge.gitlab import events
from mergegate.forge.webhook_body import read_body
from mergegate.service.deliveries import accept_delivery
from mergegate.service.enqueue import Enqueuer
from mergegate.web_context import WebContext

log = logging.getLogger(__name__)



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


def dispatch(enqueue: Enqueuer, action: events.Action) -> str:
    """Queue what the action asks for; the answer's ``status`` field."""
    if isinstance(action, events.Scan):
        enqueue.scan(action.change, reason=action.reason, force=action.force)
    elif isinstance(action, events.Cancel):
        enqueue.cancel(action.change)
    elif isinstance(action, events.Command):
        enqueue.command(action.comment)
    elif isinstance(action, events.RescanOpen):
        enqueue.rescan_open_changes(action.repo, base_ref=action.base_ref, reason=action.reason)
    elif isinstance(action, events.Deploy):
        enqueue.deployment(action.request)
    else:
        return "ignored"
    return "queued"


def handler(ctx: WebContext) -> Callable[[web.Request], Awaitable[web.Response]]:
    def bot_username() -> str | None:
        forge = ctx.service.forges.get("gitlab")
        return getattr(forge, "bot_username", None)

    async def gitlab_webhook(request: web.Request) -> web.Response:
        secret = ctx.service.settings.gitlab_webhook_secret
        if not token_ok(request.headers.get("X-Gitlab-Token"), secret):
            log.warning("GitLab webhook with a missing or wrong X-Gitlab-Token refused")
            return web.json_response({"error": "bad token"}, status=401)
        body = await read_body(request)
        if body is None:
            return web.json_response({"error": "payload over 25 MB"}, status=413)
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return web.json_response({"error": "malformed JSON"}, status=400)
        if not isinstance(data, dict):
            return web.json_response({"error": "the payload must be a JSON object"}, status=400)
        event = request.headers.get("X-Gitlab-Event", "")
        key = delivery_key(request.headers, event, body)
        extra = {"delivery_id": key, "event": event}
        try:
            action = events.translate(event, data, bot_username())
        except (events.PayloadError, KeyError, TypeError, ValueError) as exc:
            log.warning("GitLab %s payload not understood: %s", event, exc, extra=extra)
            return web.json_response({"error": f"payload not understood: {exc}"}, status=400)
        if isinstance(action, events.Ignore):
            return web.json_response({"status": "ignored", "why": action.why}, status=200)
        queued = action  # narrowed for the closure
        try:
            status = await asyncio.to_thread(
                accept_delivery, ctx.service, "gitlab", key, event or "unknown",
                lambda enqueue: dispatch(enqueue, queued),
            )
        except Exception as exc:  # the database is away: GitLab retries later
            ctx.service.metrics.record_error("webhook", exc)
            log.error("GitLab delivery could not be queued: %s", type(exc).__name__, extra=extra)
            return web.json_response({"error": "the delivery could not be queued"}, status=500)
        if status is None:
            log.info("duplicate GitLab delivery ignored", extra=extra)
            return web.json_response({"status": "duplicate"}, status=200)
        ctx.service.notify()
        return web.json_response({"status": status}, status=202)

    return gitlab_webhook


def register(app: web.Application, ctx: WebContext) -> None:
    app.router.add_post("/webhooks/gitlab", handler(ctx))
