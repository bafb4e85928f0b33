"""The dashboard's pages and its one action (undismiss), mounted on the service's app.

Every page needs a session and shows only repositories the person can read on the forge;
any other repository, by link or typed URL, is a 404 like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from mergegate.core.audit import AUDIT_ACTIONS, AuditEntry, render_csv, render_json
from mergegate.core.findings import Severity
from mergegate.core.policy import DISMISS_REASONS
from mergegate.core.verdict_counts import split_key
from mergegate.dashboard import charts
from mergegate.dashboard.access import AccessCache
from mergegate.dashboard.auth import Auth, ChooseForge
from mergegate.dashboard.oauth import OAuthError, Provider, providers
from mergegate.dashboard.policy_view import provenance
from mergegate.dashboard.queries import (
    AuditFilter,
    ChangeRow,
    DashboardQueries,
    DismissalFilter,
)
from mergegate.dashboard.session import Session, SessionCodec
from mergegate.dashboard.setup import OFF_MESSAGE, check_settings, is_on
from mergegate.forge.base import ForgeError, RepoRef
from mergegate.service.comments import undismiss_elsewhere
from mergegate.service.context import Service
from mergegate.service.schedule import known_repo
from mergegate.service.verdicts import stored_report

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
AUDIT_PAGE = 100
EXPORT_LIMIT = 100_000
STATES = ("blocked", "scanning", "neutral", "passing", "error")
Handler = Callable[[web.Request], Coroutine[Any, Any, web.StreamResponse]]
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["short"] = lambda sha: (sha or "")[:7]
    env.filters["name"] = lambda key: key.split(":", 1)[-1]
    env.filters["web_link"] = _web_link
    return env


def _web_link(link: str | None) -> str | None:
    """A recorded link when it is a web address (never ``javascript:`` or the like)."""
    return link if link and link.startswith(("https://", "http://")) else None


def _when(value: dt.datetime | None) -> str:
    return "—" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _number(request: web.Request) -> int:
    """The change number of the URL; beyond what the database holds, no such change."""
    number = int(request.match_info["number"])
    if number > 2**31 - 1:
        raise web.HTTPNotFound(text="No such change.")
    return number


def _page(query: Mapping[str, str]) -> int:
    """The ``page`` parameter of a paged list (1 when absent)."""
    try:
        return max(1, int(query.get("page", "1")))
    except ValueError:
        raise web.HTTPBadRequest(text="page: expected a number") from None


def _day(raw: str | None, name: str, end: bool = False) -> dt.datetime | None:
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name}: expected a date as YYYY-MM-DD, got {raw!r}") \
            from None
    moment = dt.time.max if end else dt.time.min
    return dt.datetime.combine(day, moment, tzinfo=dt.UTC)


class Dashboard:
    def __init__(self, service: Service, codec: SessionCodec,
                 sign_in: dict[str, Provider]) -> None:
        self.service = service
        self.providers = sign_in
        self.access = AccessCache(sign_in)
        self.auth = Auth(codec, sign_in, self.access, service.settings.public_url)
        self.queries = DashboardQueries(service.store.engine)
        self.env = templates()

    # -- plumbing ---------------------------------------------------------------------------
    def render(self, request: web.Request, name: str, status: int = 200,
               session: Session | None = None, **context: Any) -> web.Response:
        response = web.Response(status=status, content_type="text/html", charset="utf-8")
        flash = self.auth.take_flash(request, response) if session is not None else None
        response.text = self.env.get_template(name).render(
            session=session, flash=flash, path=request.path, **context)
        response.headers.update(SECURITY_HEADERS)
        return response

    async def readable(self, request: web.Request, session: Session) -> frozenset[str]:
        try:
            return await self.access.readable(session)
        except OAuthError as exc:
            if exc.status == 401:  # the token was revoked or expired: sign in again
                self.access.forget(session)
                raise self.auth.sign_in_again(request) from None
            log.warning("dashboard: access look-up for %s failed: %s", session.describe(), exc)
            raise web.HTTPBadGateway(text=f"The forge could not say which repositories "
                                          f"{session.login} can read: {exc}") from None

    def repo_key(self, session: Session, full_name: str, readable: frozenset[str]) -> str:
        key = f"{session.forge}:{full_name}"
        if key not in readable:
            raise web.HTTPNotFound(text="No such repository.")
        return key

    def db(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.service.db(call, *args, **kwargs)

    # -- pages ------------------------------------------------------------------------------
    async def overview(self, request: web.Request) -> web.StreamResponse:
        session = self.auth.require(request)
        readable = await self.readable(request, session)
        changes: list[ChangeRow] = await self.db(self.queries.open_changes, readable)
        now = self.service.clock()
        since = dt.datetime.combine(now.date() - dt.timedelta(days=29), dt.time.min,
                                    tzinfo=dt.UTC)
        found = await self.db(self.queries.findings_per_day, readable, since)
        dismissed = await self.db(self.queries.dismissals_per_day, readable, since)
        states = Counter(c.state for c in changes)
        by_scanner: Counter[str] = Counter()
        by_severity: Counter[str] = Counter()
        for change in changes:
            for key, count in (change.blocking or {}).items():
                scanner, severity = split_key(key)
                by_scanner[scanner] += count
                by_severity[severity] += count
        severities = [s.label for s in sorted(Severity, reverse=True)]
        per_repo: dict[str, Counter[str]] = {}
        for change in changes:
            per_repo.setdefault(change.repo, Counter())[change.state] += 1
        findings_series = charts.daily_series(found, now.date())
        dismissals_series = charts.daily_series(dismissed, now.date())
        return self.render(
            request, "overview.html", session=session,
            states=[(s, states.get(s, 0)) for s in STATES], total=len(changes),
            scanners=sorted(by_scanner.items(), key=lambda kv: (-kv[1], kv[0])),
            severities=[(s, by_severity.get(s, 0)) for s in severities],
            unknown=sum(1 for c in changes if c.blocking is None and c.state == "blocked"),
            repos=sorted(per_repo.items()), blocked=[c for c in changes if c.state == "blocked"][:50],
            findings_chart=charts.bar_chart(findings_series, "Findings per day, last 30 days"),
            dismissals_chart=charts.bar_chart(dismissals_series,
                                              "Dismissals per day, last 30 days",
                                              color="#7a3e9d"),
            severity_chart=charts.hbar_chart(
                [(s, by_severity.get(s, 0)) for s in severities],
                "Blocking findings by severity", color="#b3261e"),
            findings_series=findings_series, dismissals_series=dismissals_series,
        )

    async def repo(self, request: web.Request) -> web.StreamResponse:
        session = self.auth.require(request)
        readable = await self.readable(request, session)
        key = self.repo_key(session, request.match_info["full"], readable)
        changes = await self.db(self.queries.open_changes, [key])
        latest = await self.db(self.queries.latest_completed, key)
        policy_rows = []
        if latest is not None:
            record = await self.db(self.service.store.records.scan_for, key, latest[0])
            if record is not None:
                policy_rows = provenance(record)
        return self.render(request, "repo.html", session=session, repo=key, changes=changes,
                           policy_rows=policy_rows, policy_scan=latest)

    async def change(self, request: web.Request) -> web.StreamResponse:
        session = self.auth.require(request)
        readable = await self.readable(request, session)
        key = self.repo_key(session, request.match_info["full"], readable)
        number = _number(request)
        scans = await self.db(self.queries.change_scans, key, number)
        if not scans:
            raise web.HTTPNotFound(text="MergeGate has not seen this change.")
        latest = next((s for s in scans if s.status == "completed"), None)
        verdict, author = None, ""
        if latest is not None:
            record = await self.db(self.service.store.records.scan_for, key, latest.sha)
            assert record is not None
            author = str(record.context.get("author", ""))
            verdict = (await stored_report(self.service, record, author)).verdict
        shas = [s.sha for s in scans]
        history = await self.db(self.queries.audit_about, key, "verdict", shas)
        fingerprints = [j.finding.fingerprint for j in (verdict.findings + verdict.hidden)] \
            if verdict else []
        dismissals = await self.db(self.queries.dismissals_of, key, fingerprints)
        deployments = await self.db(self.queries.deployments_of, key, shas)
        closed = await self.db(self.queries.is_closed, key, number, scans[0].created_at)
        return self.render(
            request, "change.html", session=session, repo=key, number=number, scans=scans,
            latest=latest, verdict=verdict, author=author, history=history,
            dismissals=dismissals, deployments=[_deployment(d) for d in deployments],
            closed=closed, now=self.service.clock(),
        )

    async def undismiss(self, request: web.Request) -> web.StreamResponse:
        session = self.auth.require(request)
        form = await request.post()
        self.auth.check_csrf(session, form.get("csrf"))
        readable = await self.readable(request, session)
        full = request.match_info["full"]
        key = self.repo_key(session, full, readable)
        number = _number(request)
        finding_id = str(form.get("id", "")).strip().lower()
        page = f"/repos/{full}/changes/{number}"
        response = web.HTTPSeeOther(page)
        try:
            forge = self.service.forge(session.forge)
            repo = await self.db(known_repo, self.service.store.queue, key) \
                or RepoRef(session.forge, full)
            change = await forge.get_change(repo, number)
            link = f"{self.auth.public_url.rstrip('/')}{page}" if self.auth.public_url else None
            out = await undismiss_elsewhere(self.service, forge, change, session.login,
                                            [finding_id], link)
        except ForgeError as exc:
            log.warning("dashboard undismiss failed: %s", type(exc).__name__)
            self.auth.flash(response, "error", f"The forge did not answer ({exc}); nothing "
                                               "was changed. Try again in a few minutes.")
            raise response from None
        if out.errors:
            self.auth.flash(response, "error", "; ".join(out.errors))
        else:
            self.auth.flash(response, "ok", f"{finding_id} is no longer dismissed; the check "
                                            "was judged again.")
        raise response

    async def dismissals(self, request: web.Request) -> web.StreamResponse:
        session = self.auth.require(request)
        readable = await self.readable(request, session)
        q = request.query
        flt = DismissalFilter(q.get("repo") or None, q.get("user") or None,
                              q.get("reason") or None)
        sections = await self.db(self.queries.dismissal_sections, readable,
                                 self.service.clock(), flt)
        actors, reasons = await self.db(self.queries.dismissal_values, readable)
        return self.render(request, "dismissals.html", session=session, sections=sections,
                           flt=flt, repos=sorted(readable), actors=actors,
                           reasons=sorted(set(reasons) | set(DISMISS_REASONS)))

    async def deployments(self, request: web.Request) -> web.StreamResponse:
        session = self.auth.require(request)
        readable = await self.readable(request, session)
        repo = request.query.get("repo") or None
        page = _page(request.query)
        entries = await self.db(self.queries.audit, readable,
                                AuditFilter(repo=repo, action="deployment"),
                                limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE)
        query = urlencode({"repo": repo} if repo else {})
        return self.render(request, "deployments.html", session=session, repo=repo,
                           repos=sorted(readable), page=page, more=len(entries) > AUDIT_PAGE,
                           query=query, rows=[_deployment(e) for e in entries[:AUDIT_PAGE]])

    async def audit(self, request: web.Request) -> web.StreamResponse:
        session = self.auth.require(request)
        readable = await self.readable(request, session)
        q = request.query
        action = q.get("action") or None
        if action is not None and action not in AUDIT_ACTIONS:
            raise web.HTTPBadRequest(text=f"action: expected one of {', '.join(AUDIT_ACTIONS)}, "
                                          f"got {action!r}")
        flt = AuditFilter(q.get("repo") or None, action, q.get("actor") or None,
                          _day(q.get("since"), "since"), _day(q.get("until"), "until", end=True))
        fmt = q.get("format", "html")
        if fmt in ("csv", "json"):
            entries: list[AuditEntry] = await self.db(self.queries.audit, readable, flt,
                                                      limit=EXPORT_LIMIT, newest_first=False)
            body = render_csv(entries) if fmt == "csv" else render_json(entries)
            response = web.Response(
                text=body, content_type="text/csv" if fmt == "csv" else "application/json",
                charset="utf-8",
                headers={"Content-Disposition": f'attachment; filename="mergegate-audit.{fmt}"'})
            response.headers.update({k: v for k, v in SECURITY_HEADERS.items()})
            return response
        if fmt != "html":
            raise web.HTTPBadRequest(text=f"format: expected html, csv or json, got {fmt!r}")
        page = _page(q)
        rows = await self.db(self.queries.audit, readable, flt, limit=AUDIT_PAGE + 1,
                             offset=(page - 1) * AUDIT_PAGE)
        params = {k: v for k, v in q.items() if k not in ("page", "format") and v}
        actors = await self.db(self.queries.audit_actors, readable)
        return self.render(
            request, "audit.html", session=session, rows=rows[:AUDIT_PAGE], page=page,
            more=len(rows) > AUDIT_PAGE, q=params, query=urlencode(params),
            actions=AUDIT_ACTIONS, repos=sorted(readable), actors=actors,
        )

    async def login(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self.auth.login(request)
        except ChooseForge as choice:
            return self.render(request, "login.html", providers=self.providers,
                               next=choice.target, signed_out="signed_out" in request.query)


def _deployment(entry: AuditEntry) -> dict[str, Any]:
    environment, _, sha = entry.subject.rpartition("@")
    state, _, reason = entry.detail.partition(": ")
    return {"entry": entry, "environment": environment, "sha": sha, "state": state,
            "reason": reason}


async def _stylesheet(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(HERE / "static" / "dashboard.css",
                            headers={"Cache-Control": "max-age=3600",
                                     "X-Content-Type-Options": "nosniff"})


def _off(env: jinja2.Environment) -> Handler:
    async def off(request: web.Request) -> web.StreamResponse:
        response = web.Response(status=404, content_type="text/html", charset="utf-8",
                                text=env.get_template("message.html").render(
                                    session=None, flash=None, path=request.path,
                                    title="Dashboard off", message=OFF_MESSAGE))
        response.headers.update(SECURITY_HEADERS)
        return response

    return off


PAGES = ("/", "/dismissals", "/deployments", "/audit", "/login", "/oauth/callback")


def install(app: web.Application, service: Service) -> Dashboard | None:
    """Mount the dashboard on the service's application: its pages when sign-in is configured,
    else the same paths answering that the dashboard is off. ConfigError for a sign-in that is
    half configured."""
    settings = service.settings
    check_settings(settings)
    app.router.add_get("/static/dashboard.css", _stylesheet)
    if not is_on(settings):
        off = _off(templates())
        for path in PAGES:
            app.router.add_get(path, off)
        app.router.add_get("/repos/{tail:.*}", off)
        return None
    assert settings.session_key is not None
    board = Dashboard(service, SessionCodec(settings.session_key), providers(settings))
    app.router.add_get("/", board.overview)
    app.router.add_get("/login", board.login)
    app.router.add_get("/oauth/callback", board.auth.callback)
    app.router.add_post("/logout", board.auth.logout)
    app.router.add_get("/dismissals", board.dismissals)
    app.router.add_get("/deployments", board.deployments)
    app.router.add_get("/audit", board.audit)
    app.router.add_get(r"/repos/{full:.+}/changes/{number:\d+}", board.change)
    app.router.add_post(r"/repos/{full:.+}/changes/{number:\d+}/undismiss", board.undismiss)
    app.router.add_get("/repos/{full:.+}", board.repo)
    return board
