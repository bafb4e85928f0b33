"""One webhook handler for every forge: the answer ladder, metrics and log context.

For each delivery, in this order (each step answers and stops when it fails):

1. the forge's header check (GitLab's token; GitHub: a secret is set and a signature sent): 401;
2. the body, read under a size cap, a deadline and a limit on concurrent reads, streamed
   through the HMAC into a spooled file (`mergegate.web.body`): 413 or 408;
3. the body's authenticity (GitHub's HMAC, in constant time): 401;
4. JSON: an object, nested at most 64 levels: 400;
5. the delivery's id (GitHub requires its event and delivery headers): 400;
6. the forge's translation of the event into Actions: 400 when the payload lacks what the
   event needs; nothing to do: 200 ``ignored`` (with why);
7. the delivery id and its jobs recorded in one transaction, in a thread: 500 when the
   database is away (the forge redelivers), 200 ``duplicate`` for a delivery seen before;
8. 202 ``queued``.

The forge-specific parts (`WebhookSource`) are pure and live under `mergegate.forge`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from aiohttp import web
from mergegate.config import Settings
from mergegate.forge.base import Action, Ignore, PayloadError
from mergegate.observability.logs import log_context
from mergegate.service.deliveries import accept_delivery
from mergegate.web.body import BodyReader, BodyRefused, parse_json_object
from mergegate.web.context import WebContext

log = logging.getLogger(__name__)


class WebhookSource(Protocol):
    """The forge-specific, pure half of a webhook endpoint."""

    forge: str
    path: str
    delivery_required: str  # the 400 message when `delivery_id` finds no id
    unauthorized: str  # the 401 message

    def event(self, headers: Mapping[str, str]) -> str: ...
    def admits(self, headers: Mapping[str, str], settings: Settings) -> bool: ...
    def hmac_key(self, settings: Settings) -> bytes | None: ...
    def authentic(self, headers: Mapping[str, str], digest: str | None,
                  settings: Settings) -> bool: ...
    def delivery_id(self, headers: Mapping[str, str], event: str, body: bytes) -> str | None: ...
    def repository(self, data: Mapping[str, Any]) -> str | None: ...
    def translate(self, event: str, data: Mapping[str, Any],
                  bot_username: str | None) -> list[Action]: ...


_REFUSED_OUTCOME = {413: "too_large", 408: "timeout"}


def webhook_handler(
    ctx: WebContext, source: WebhookSource, reader: BodyReader | None = None,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    metrics = ctx.service.metrics
    body_reader = reader or BodyReader()

    async def handle(request: web.Request) -> web.Response:
        headers = request.headers
        event = source.event(headers)
        settings = ctx.service.settings

        def answer(outcome: str, body: dict[str, str], status: int) -> web.Response:
            # GitLab's events have spaces ("Merge Request Hook"): merge_request_hook
            metrics.record_delivery((event or "unknown").replace(" ", "_"), outcome)
            return web.json_response(body, status=status)

        if not source.admits(headers, settings):
            log.warning("%s webhook with a missing or wrong secret refused", source.forge)
            return answer("bad_signature", {"error": source.unauthorized}, 401)
        try:
            received = await body_reader.read(request, source.hmac_key(settings))
        except BodyRefused as exc:
            log.warning("%s webhook body refused: %s", source.forge, exc.message)
            return answer(_REFUSED_OUTCOME.get(exc.status, "malformed"), {"error": exc.message},
                          exc.status)
        try:
            if not source.authentic(headers, received.digest, settings):
                log.warning("%s webhook with a wrong signature refused", source.forge)
                return answer("bad_signature", {"error": source.unauthorized}, 401)
            raw = received.read()
        finally:
            received.close()
        try:
            data = parse_json_object(raw)
        except BodyRefused as exc:
            return answer("malformed", {"error": exc.message}, exc.status)
        delivery = source.delivery_id(headers, event, raw)
        if delivery is None:
            return answer("malformed", {"error": source.delivery_required}, 400)
        with log_context(forge=source.forge, delivery_id=delivery, event=event,
                         repository=source.repository(data)):
            forge = ctx.service.forges.get(source.forge)
            try:
                actions = source.translate(event, data, getattr(forge, "bot_username", None))
            except (PayloadError, KeyError, TypeError, ValueError) as exc:
                why = str(exc) if isinstance(exc, PayloadError) else repr(exc)
                log.warning("%s %s payload not understood: %s", source.forge, event, why)
                return answer("malformed", {"error": f"payload not understood: {why}"}, 400)
            todo = [a for a in actions if not isinstance(a, Ignore)]
            if not todo:
                why = "; ".join(a.why for a in actions if isinstance(a, Ignore))
                log.info("%s delivery ignored: %s", source.forge, why)
                return answer("ignored", {"status": "ignored", "why": why}, 200)
            try:
                fresh = await asyncio.to_thread(
                    accept_delivery, ctx.service, source.forge, delivery, event or "unknown", todo
                )
            except Exception as exc:  # the database is away: the forge redelivers later
                metrics.record_error("webhook", exc)
                log.error("%s delivery could not be queued: %s", source.forge,
                          type(exc).__name__)
                return answer("error", {"error": "the delivery could not be queued"}, 500)
            if not fresh:
                log.info("duplicate delivery ignored")
                return answer("duplicate", {"status": "duplicate"}, 200)
        ctx.service.notify()
        return answer("accepted", {"status": "queued"}, 202)

    return handle
