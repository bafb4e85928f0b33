"""The slash-command grammar of PR/MR comments, parsed into values. Pure: no I/O.

```
/mergegate dismiss <id>[ <id>…] <false-positive|wont-fix|test-code|accepted-risk>
                   [until YYYY-MM-DD] [free text]
/mergegate undismiss <id>[ <id>…]
/mergegate rescan
/mergegate explain <id>
/mergegate help
```
One command per line, keywords case-insensitive. Only text a reader sees as a command acts:
lines in code blocks (fenced or indented, as CommonMark delimits them), quoted lines
(``> …``), HTML comments and ``<pre>`` blocks are not commands. Each bad line becomes a
`CommandError` whose message says exactly what was wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mergegate.core.policy import DISMISS_REASONS
from mergegate.core.words import PULL_REQUEST, Words

PREFIX = "/mergegate"
VERBS: tuple[str, ...] = ("dismiss", "undismiss", "rescan", "explain", "help")
ID_PATTERN = re.compile(r"^mg-[0-9a-f]{8}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_REASON_CHARS = 1000
# A fence opens with 3+ backticks or tildes after at most 3 spaces; it closes only with the
# same character, at least as many, and nothing else on the line (CommonMark 4.5).
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")

def help_text(words: Words = PULL_REQUEST) -> str:
    """The answer to `/mergegate help`, in the forge's words."""
    return "\n".join(
        (
            f"MergeGate commands (one per line in a comment on the {words.change}):",
            "",
            "- `/mergegate dismiss <id>[ <id>…] <reason> [until YYYY-MM-DD] [why]`: stop a "
            "finding from blocking; reason is one of "
            + ", ".join(f"`{r}`" for r in DISMISS_REASONS) + ".",
            "- `/mergegate undismiss <id>[ <id>…]`: make dismissed findings block again.",
            f"- `/mergegate rescan`: scan the {words.change}'s head again.",
            "- `/mergegate explain <id>`: what a finding means and how to fix it.",
            "- `/mergegate help`: this text.",
        )
    )


@dataclass(frozen=True, slots=True)
class Dismiss:
    ids: tuple[str, ...]
    reason: str
    until: dt.date | None
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Undismiss:
    ids: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Rescan:
    line: int


@dataclass(frozen=True, slots=True)
class Explain:
    id: str
    line: int


@dataclass(frozen=True, slots=True)
class Help:
    line: int


@dataclass(frozen=True, slots=True)
class CommandError:
    """A line that starts with ``/mergegate`` but is not a valid command."""

    line: int
    source: str
    message: str


Command = Dismiss | Undismiss | Rescan | Explain | Help
Parsed = Command | CommandError

_REASONS = ", ".join(DISMISS_REASONS)
_VERBS = ", ".join(VERBS)


def is_finding_id(token: str) -> bool:
    return bool(ID_PATTERN.match(token.lower()))


def _indent(raw: str) -> int:
    """Leading columns of whitespace, a tab advancing to the next multiple of 4."""
    width = 0
    for ch in raw:
        if ch == " ":
            width += 1
        elif ch == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def prose_lines(body: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines a reader sees as text, not as code or hidden markup.

    Left out: fenced code blocks (an unclosed fence runs to the end), lines indented 4 or more
    columns (an indented code block, or text the bot should not read as a command), HTML
    comments and ``<pre>`` blocks. Erring towards "not a command" is the safe side.
    """
    out: list[tuple[int, str]] = []
    fence: str | None = None
    in_comment = in_pre = False
    for number, raw in enumerate(body.splitlines(), start=1):
        if fence is not None:
            m = _FENCE.match(raw)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                    and not m.group(2).strip():
                fence = None
            continue
        if in_comment:
            in_comment = "-->" not in raw
            continue
        if in_pre:
            in_pre = "</pre>" not in raw.lower()
            continue
        m = _FENCE.match(raw)
        if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
            fence = m.group(1)
            continue
        stripped = raw.strip()
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped[4:]
            continue
        if stripped.lower().startswith("<pre"):
            in_pre = "</pre>" not in stripped.lower()
            continue
        if _indent(raw) >= 4:
            continue
        out.append((number, stripped))
    return out


def parse_comment(body: str | None) -> list[Parsed]:
    """Every command line of a comment, in order (an empty list when there is none)."""
    results: list[Parsed] = []
    for number, line in prose_lines(body or ""):
        head = line.split(maxsplit=1)
        if not head or head[0].lower() != PREFIX:
            continue
        results.append(parse_line(line, number))
    return results


def parse_line(line: str, number: int = 1) -> Parsed:
    """Parse one line that starts with ``/mergegate``."""
    tokens = line.split()
    if len(tokens) < 2:
        return CommandError(number, line, f"missing command: expected one of {_VERBS}")
    verb = tokens[1].lower()
    args = tokens[2:]
    if verb == "dismiss":
        return _dismiss(args, line, number)
    if verb == "undismiss":
        if not args:
            return CommandError(
                number, line, "undismiss needs at least one finding id (mg-xxxxxxxx)"
            )
        bad = [a for a in args if not is_finding_id(a)]
        if bad:
            message = f"undismiss takes finding ids only, {bad[0]!r} is not one (mg-xxxxxxxx)"
            return CommandError(number, line, message)
        return Undismiss(_unique(a.lower() for a in args), number)
    if verb == "rescan":
        if args:
            return CommandError(number, line, "rescan takes no arguments")
        return Rescan(number)
    if verb == "help":
        if args:
            return CommandError(number, line, "help takes no arguments")
        return Help(number)
    if verb == "explain":
        if len(args) != 1:
            return CommandError(number, line, "explain takes exactly one finding id (mg-xxxxxxxx)")
        if not is_finding_id(args[0]):
            return CommandError(number, line, f"{args[0]!r} is not a finding id (mg-xxxxxxxx)")
        return Explain(args[0].lower(), number)
    return CommandError(number, line, f"unknown command {tokens[1]!r}: expected one of {_VERBS}")


def _dismiss(args: list[str], line: str, number: int) -> Parsed:
    ids: list[str] = []
    i = 0
    while i < len(args) and is_finding_id(args[i]):
        ids.append(args[i].lower())
        i += 1
    if not ids:
        if not args:
            return CommandError(number, line, "dismiss needs at least one finding id (mg-xxxxxxxx)")
        return CommandError(
            number, line, f"dismiss needs at least one finding id (mg-xxxxxxxx) before {args[0]!r}"
        )
    if i == len(args):
        return CommandError(number, line, f"dismiss needs a reason: one of {_REASONS}")
    reason = args[i].lower()
    if reason not in DISMISS_REASONS:
        return CommandError(
            number,
            line,
            f"{args[i]!r} is neither a finding id (mg-xxxxxxxx) nor a reason ({_REASONS})",
        )
    i += 1
    until: dt.date | None = None
    if i < len(args) and args[i].lower() == "until":
        if i + 1 == len(args):
            return CommandError(number, line, "until needs a date as YYYY-MM-DD")
        raw = args[i + 1]
        try:
            if not _DATE.match(raw):
                raise ValueError(raw)
            until = dt.date.fromisoformat(raw)
        except ValueError:
            return CommandError(number, line, f"until needs a date as YYYY-MM-DD, got {raw!r}")
        i += 2
    text = " ".join(args[i:])
    if len(text) > MAX_REASON_CHARS:
        return CommandError(
            number, line[:80] + "…",
            f"the explanation is {len(text):,} characters long; keep it to "
            f"{MAX_REASON_CHARS:,} or fewer (nothing was dismissed)",
        )
    return Dismiss(_unique(ids), reason, until, text, number)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
