"""``POST /webhooks/github``: verify, parse, deduplicate, route, acknowledge.

Order matters: the signature is checked in constant time on the raw body before anything
else (401, nothing else happens); then the JSON is parsed (400); then the delivery id is
recorded, so a redelivery is acknowledged without doing anything; then the routers enqueue.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from gidgethub import sansio

from mergegate.forge.github.events import router
from mergegate.forge.webhook_body import read_body
from mergegate.logging_setup import log_context
from mergegate.service.deliveries import EnqueuePlan, accept_delivery
from mergegate.web_context import WebContext

log = logging.getLogger(__name__)



def signature_ok(body: bytes, header: str | None, secret: str | None) -> bool:
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def handler(ctx: WebContext) -> Callable[[web.Request], Awaitable[web.Response]]:
    metrics = ctx.service.metrics

    def answer(event: str, outcome: str, body: dict[str, str], status: int) -> web.Response:
        metrics.record_delivery(event or "unknown", outcome)
        return web.json_response(body, status=status)

    async def github_webhook(request: web.Request) -> web.Response:
        event_name = request.headers.get("X-GitHub-Event", "")
        body = await read_body(request)
        if body is None:
            return answer(event_name, "too_large", {"error": "payload over 25 MB"}, 413)
        secret = ctx.service.settings.github_webhook_secret
        if not signature_ok(body, request.headers.get("X-Hub-Signature-256"), secret):
            log.warning("GitHub webhook with a missing or wrong signature refused")
            return answer(event_name, "bad_signature", {"error": "bad signature"}, 401)
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return answer(event_name, "malformed", {"error": "malformed JSON"}, 400)
        if not isinstance(data, dict):
            return answer(event_name, "malformed",
                          {"error": "the payload must be a JSON object"}, 400)
        delivery = request.headers.get("X-GitHub-Delivery", "")
        if not event_name or not delivery:
            return answer(event_name, "malformed",
                          {"error": "X-GitHub-Event and X-GitHub-Delivery are required"}, 400)
        if event_name == "ping":
            return answer(event_name, "accepted", {"msg": "pong"}, 200)
        if not isinstance(data.get("installation"), dict):
            # Only an App installation can be answered (a plain repository webhook cannot).
            log.info("GitHub %s delivery without an App installation ignored", event_name)
            return answer(event_name, "ignored", {"status": "ignored: no installation"}, 202)
        repository = str((data.get("repository") or {}).get("full_name", "")) or None
        with log_context(delivery_id=delivery, event=event_name, repository=repository):
            event = sansio.Event(data, event=event_name, delivery_id=delivery)
            plan = EnqueuePlan()
            try:
                await router.dispatch(event, plan)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("GitHub %s payload not understood: %r", event_name, exc)
                return answer(event_name, "malformed",
                              {"error": f"payload not understood: {exc!r}"}, 400)
            try:
                status = await asyncio.to_thread(
                    accept_delivery, ctx.service, "github", delivery, event_name, plan.replay
                )
            except Exception as exc:  # the database is away: GitHub redelivers later
                metrics.record_error("webhook", exc)
                log.error("GitHub delivery could not be queued: %s", type(exc).__name__)
                return answer(event_name, "error", {"error": "the delivery could not be queued"},
                              500)
            if status is None:
                log.info("duplicate delivery ignored")
                return answer(event_name, "duplicate", {"status": "duplicate"}, 200)
        ctx.service.notify()
        return answer(event_name, "accepted", {"status": status}, 202)

    return github_webhook


def register(app: web.Application, ctx: WebContext) -> None:
    app.router.add_post("/webhooks/github", handler(ctx))
