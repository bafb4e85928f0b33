"""Slash commands in comments: parse, authorize, store, answer, re-evaluate.

Every command gets an answer: a +1 reaction when everything in the comment worked, a reply
that says exactly what was wrong otherwise (with the lines that did work still applied).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from mergegate.core import slash_commands as grammar
from mergegate.core.authorization import (
    Actor,
    dismissal_expiry,
    group_entries,
    refuse_actor,
    refuse_self_dismissal,
)
from mergegate.core.policy import Policy
from mergegate.core.verdict import Dismissal, Verdict
from mergegate.core.words import Words
from mergegate.forge.base import ChangeRef, CommentRef, Forge
from mergegate.service.context import RetryLater, Service
from mergegate.service.enqueue import Enqueuer
from mergegate.service.verdicts import reevaluate, stored_policy, stored_report

log = logging.getLogger(__name__)
MAX_LISTED_IDS = 30


@dataclass
class Outcome:
    errors: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    succeeded: int = 0
    reevaluate: bool = False


def is_bot(comment: CommentRef) -> bool:
    return comment.author_is_bot or comment.author.lower().endswith("[bot]")


def _ids_list(verdict: Verdict, words: Words) -> str:
    ids = [j.id for j in verdict.findings]
    if not ids:
        return f"this {words.change} has no findings"
    shown = ", ".join(ids[:MAX_LISTED_IDS])
    more = f" and {len(ids) - MAX_LISTED_IDS} more" if len(ids) > MAX_LISTED_IDS else ""
    return f"the findings of this {words.change} are {shown}{more}"


class PermissionUnknown(Exception):
    """The forge could not tell a person's role or group memberships."""


async def _actor(forge: Forge, change: ChangeRef, login: str, policy: Policy) -> Actor:
    """The commenter as the forge describes them; PermissionUnknown when it cannot say."""
    try:
        role = await forge.user_role(change.repo, login)
        groups: set[str] = set()
        for g in group_entries(policy.dismiss.allowed):
            if await forge.in_group(change.repo, g, login):
                groups.add(g)
    except Exception as exc:  # any API or network failure: refuse, and say so
        log.warning("permission look-up for %s failed: %s", login, type(exc).__name__)
        raise PermissionUnknown(login) from exc
    return Actor(login, role, frozenset(groups), is_change_author=login.lower() == change.author.lower())


def permission_unknown(where: str, login: str) -> str:
    return (f"{where}: MergeGate could not check @{login}'s permission on this repository "
            "(the forge's API did not answer); nothing was changed, please try again in a "
            "few minutes")


MAX_WAITS = 120  # attempts of a command waiting for its change's scan (a minute at 0.5 s)


async def handle_comment(
    service: Service, forge: Forge, comment: CommentRef, attempt: int = 1
) -> Outcome:
    out = Outcome()
    if is_bot(comment):
        return out
    parsed = grammar.parse_comment(comment.body)
    if not parsed:
        return out
    change = await forge.get_change(comment.change.repo, comment.change.number)
    comment = CommentRef(change, comment.comment_id, comment.author, comment.body,
                         comment.html_url, comment.author_is_bot)
    scan = await service.db(service.store.records.scan_for, change.repo.key, change.head_sha)
    scanned = scan is not None and scan.status == "completed"
    needs_scan = any(isinstance(c, grammar.Dismiss | grammar.Undismiss | grammar.Explain)
                     for c in parsed)
    if needs_scan and not scanned and attempt < MAX_WAITS and any(
        p["change"]["head_sha"] == change.head_sha
        for p in await service.db(service.store.queue.active_payloads, change.key, "scan")
    ):
        raise RetryLater  # the head is being scanned: answer once its findings are known
    for cmd in parsed:
        if isinstance(cmd, grammar.CommandError):
            out.errors.append(f"`{cmd.source}`: {cmd.message}")
            continue
        if isinstance(cmd, grammar.Help):
            out.replies.append(grammar.help_text(forge.words))
            continue
        if isinstance(cmd, grammar.Rescan):
            await _rescan(service, forge, comment, out)
            continue
        if scan is None or scan.status != "completed":
            out.errors.append(
                f"`{_source(comment, cmd.line)}`: {change.head_sha[:7]} has not been scanned yet; "
                "try again when the mergegate check has finished"
            )
            continue
        report = await stored_report(service, scan, change.author)
        policy = stored_policy(scan).policy
        if isinstance(cmd, grammar.Explain):
            _explain(report.verdict, cmd, out, forge.words)
        elif isinstance(cmd, grammar.Dismiss):
            await _dismiss(service, forge, comment, report.verdict, policy, cmd, out)
        elif isinstance(cmd, grammar.Undismiss):
            await _undismiss(service, forge, comment, report.verdict, policy, cmd, out)
    if out.reevaluate:
        await reevaluate(service, forge, change)
    await _answer(forge, comment, out)
    return out


def _source(comment: CommentRef, line: int) -> str:
    lines = comment.body.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


async def _answer(forge: Forge, comment: CommentRef, out: Outcome) -> None:
    if out.succeeded and not out.errors:
        await forge.react(comment, "+1")
    if out.errors:
        lines = ["MergeGate could not do everything this comment asked:", ""]
        lines += [f"- {e}" for e in out.errors]
        if out.succeeded:
            lines += ["", "The other commands were applied."]
        out.replies.insert(0, "\n".join(lines))
    if out.replies:
        await forge.reply(comment, "\n\n".join(out.replies))


async def _rescan(service: Service, forge: Forge, comment: CommentRef, out: Outcome) -> None:
    change = comment.change
    try:
        role = await forge.user_role(change.repo, comment.author)
    except Exception as exc:  # any API or network failure: refuse, and say so
        log.warning("permission look-up for %s failed: %s", comment.author, type(exc).__name__)
        out.errors.append(permission_unknown("`/mergegate rescan`", comment.author))
        return
    if role is None and comment.author.lower() != change.author.lower():
        out.errors.append(
            f"`/mergegate rescan`: @{comment.author} has no access to this repository"
        )
        return
    await service.db(Enqueuer(service).scan, change,
                     reason=f"rescan requested by @{comment.author}", force=True)
    out.succeeded += 1


def _explain(verdict: Verdict, cmd: grammar.Explain, out: Outcome, words: Words) -> None:
    judged = verdict.find(cmd.id)
    if judged is None:
        out.errors.append(
            f"`/mergegate explain {cmd.id}`: unknown finding id; {_ids_list(verdict, words)}")
        return
    f = judged.finding
    lines = [f"**{f.id}** · {f.severity.label} · `{f.rule}` · `{f.path}:{f.line}`", "",
             f"**{f.title}**", "", f.message]
    if f.cwe:
        lines += ["", "Weakness: " + ", ".join(f.cwe)]
    if f.fix:
        lines += ["", f"How to fix: {f.fix}"]
    if f.references:
        lines += ["", "References:"] + [f"- {r}" for r in f.references]
    if judged.dismissed is not None:
        d = judged.dismissed
        lines += ["", f"Dismissed by @{d.by} as {d.reason}: {d.comment}"]
    out.replies.append("\n".join(lines))


def _unknown(verdict: Verdict, ids: Sequence[str]) -> list[str]:
    return [i for i in ids if verdict.find(i) is None]


async def _commenter(
    forge: Forge, comment: CommentRef, verdict: Verdict, policy: Policy, ids: Sequence[str],
    where: str, out: Outcome,
) -> Actor | None:
    """The commenter, once the ids are known and the forge told their role; else None, with
    the error that says why added to ``out``."""
    unknown = _unknown(verdict, ids)
    if unknown:
        out.errors.append(f"{where}: unknown finding id {', '.join(unknown)}; "
                          f"{_ids_list(verdict, forge.words)}")
        return None
    try:
        return await _actor(forge, comment.change, comment.author, policy)
    except PermissionUnknown:
        out.errors.append(permission_unknown(where, comment.author))
        return None


async def _dismiss(
    service: Service, forge: Forge, comment: CommentRef, verdict: Verdict, policy: Policy,
    cmd: grammar.Dismiss, out: Outcome,
) -> None:
    change = comment.change
    where = f"`{_source(comment, cmd.line)}`"
    actor = await _commenter(forge, comment, verdict, policy, cmd.ids, where, out)
    if actor is None:
        return
    refusal = refuse_actor(actor, policy.dismiss)
    if refusal is None:
        blocking = [i for i in cmd.ids if (j := verdict.find(i)) is not None and j.blocking]
        refusal = refuse_self_dismissal(actor, policy.dismiss, blocking, forge.words)
    now = service.clock()
    expiry, problem = dismissal_expiry(policy.dismiss, cmd.until, cmd.text, now.date())
    refusal = refusal or problem
    if refusal is not None:
        out.errors.append(f"{where}: {refusal}")
        await service.db(service.store.records.audit, change.repo.key, "refused",
                         comment.author, ",".join(cmd.ids), refusal, comment.html_url)
        return
    expires = (dt.datetime.combine(expiry, dt.time.max, tzinfo=dt.UTC) if expiry else None)
    for finding_id in cmd.ids:
        judged = verdict.find(finding_id)
        assert judged is not None
        d = Dismissal(judged.finding.fingerprint, cmd.reason, comment.author, now, expires,
                      cmd.text, comment.html_url, role=actor.role,
                      groups=tuple(sorted(actor.groups)))
        await service.db(service.store.records.add_dismissal, change.repo.key, d)
        until = expiry.isoformat() if expiry else "never"
        await service.db(
            service.store.records.audit, change.repo.key, "dismiss", comment.author,
            judged.finding.fingerprint, f"{finding_id} {cmd.reason} until {until}: {cmd.text}",
            comment.html_url,
        )
        service.metrics.record_dismissal("dismiss", cmd.reason)
    out.succeeded += 1
    out.reevaluate = True


async def _undismiss(
    service: Service, forge: Forge, comment: CommentRef, verdict: Verdict, policy: Policy,
    cmd: grammar.Undismiss, out: Outcome,
) -> None:
    change = comment.change
    where = f"`{_source(comment, cmd.line)}`"
    actor = await _commenter(forge, comment, verdict, policy, cmd.ids, where, out)
    if actor is None:
        return
    refusal = refuse_actor(actor, policy.dismiss, "undismiss")
    if refusal is not None:
        out.errors.append(f"{where}: {refusal}")
        return
    fingerprints = {j.finding.fingerprint: j.id for i in cmd.ids
                    if (j := verdict.find(i)) is not None}
    revoked = await service.db(
        service.store.records.revoke_dismissals, change.repo.key, list(fingerprints),
        comment.author, service.clock(),
    )
    for fp in revoked:
        await service.db(service.store.records.audit, change.repo.key, "undismiss",
                         comment.author, fp, fingerprints[fp], comment.html_url)
        service.metrics.record_dismissal("undismiss")
    missing = [fingerprints[fp] for fp in fingerprints if fp not in revoked]
    if missing:
        out.errors.append(f"{where}: not dismissed: {', '.join(missing)}")
    if revoked:
        out.succeeded += 1
        out.reevaluate = True


async def undismiss_elsewhere(
    service: Service, forge: Forge, change: ChangeRef, login: str, ids: Sequence[str],
    link: str | None,
) -> Outcome:
    """`/mergegate undismiss` asked for somewhere other than a comment (the dashboard), by
    ``login`` on the change's head: the same checks (known ids, ``dismiss.allowed`` of the
    stored policy against the person's role on the forge), the same audit rows (``link``
    where the comment's link would be) and the same re-judgement. Nothing is posted to the
    forge besides the updated check; what went wrong is in the outcome's errors."""
    out = Outcome()
    scan = await service.db(service.store.records.scan_for, change.repo.key, change.head_sha)
    if scan is None or scan.status != "completed":
        out.errors.append(f"{change.head_sha[:7]} has not been scanned yet; try again when the "
                          "mergegate check has finished")
        return out
    report = await stored_report(service, scan, change.author)
    comment = CommentRef(change, "", login, "/mergegate undismiss " + " ".join(ids), link)
    await _undismiss(service, forge, comment, report.verdict, stored_policy(scan).policy,
                     grammar.Undismiss(tuple(ids), 1), out)
    if out.reevaluate:
        await reevaluate(service, forge, change)
    return out
