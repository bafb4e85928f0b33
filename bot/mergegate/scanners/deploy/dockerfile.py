"""Dockerfiles: base images, EXPOSE, the user of the final stage, secrets in ENV and ARG."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from mergegate.core.findings import Severity
from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy.envsecrets import EnvVar, secret_env_violations
from mergegate.scanners.deploy.images import check_image
from mergegate.scanners.deploy.rules import PORT_NOT_ALLOWED, RUN_AS_ROOT, Violation

_HEREDOC = re.compile(r"(?<!<)<<(?!<)-?[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")
_ENV_PAIR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str
    args: str
    line: int


def instructions(text: str) -> list[Instruction]:
    """Logical instructions with the line each starts on (continuations, comments and heredoc
    bodies folded away)."""
    out: list[Instruction] = []
    parts: list[str] = []
    start = 0
    heredocs: list[str] = []  # terminators still expected, in order
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if heredocs:
            if stripped == heredocs[0]:
                heredocs.pop(0)
            continue
        if not parts and (not stripped or stripped.startswith("#")):
            continue
        if parts and stripped.startswith("#"):
            continue
        if not parts:
            start = number
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(stripped)
        out.append(_instruction(parts, start))
        if out[-1].keyword in ("RUN", "COPY", "ADD"):
            heredocs = _HEREDOC.findall(out[-1].args)
        parts = []
    if parts:
        out.append(_instruction(parts, start))
    return out


def _instruction(parts: list[str], start: int) -> Instruction:
    logical = " ".join(p.strip() for p in parts)
    keyword, _, args = logical.partition(" ")
    return Instruction(keyword.upper(), args.strip(), start)


def _words(args: str) -> list[str]:
    try:
        return shlex.split(args, posix=True)
    except ValueError:
        return args.split()


def _env_vars(ins: Instruction) -> list[EnvVar]:
    words = _words(ins.args)
    if not words:
        return []
    if ins.keyword == "ENV" and "=" not in words[0] and len(words) > 1:
        return [EnvVar(words[0], " ".join(words[1:]), ins.line)]
    out = []
    for word in words:
        m = _ENV_PAIR.match(word)
        if m and m.group(2):
            out.append(EnvVar(m.group(1), m.group(2), ins.line))
    return out


def check_dockerfile(path: str, text: str, policy: DeployPolicy) -> list[Violation]:
    out: list[Violation] = []
    stages: dict[str, str | None] = {}  # stage name -> user it ends with
    user: str | None = None
    user_line = 0
    final_from = 0
    env: list[EnvVar] = []
    stage_index = 0
    current_name = ""
    for ins in instructions(text):
        if ins.keyword == "FROM":
            if current_name:
                stages[current_name] = user
            words = [w for w in _words(ins.args) if not w.startswith("--")]
            image = words[0] if words else ""
            current_name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else ""
            stage_index += 1
            final_from = ins.line
            user, user_line = None, 0
            if image.lower() in stages:
                user = stages[image.lower()]
            elif image.lower() != "scratch":
                out.extend(check_image(image, ins.line, policy, f"FROM {image}"))
                if ":nonroot" in image or "nonroot@" in image:
                    user = "nonroot"
        elif ins.keyword == "USER":
            user = ins.args.strip()
            user_line = ins.line
        elif ins.keyword == "EXPOSE":
            out.extend(_check_expose(ins, policy))
        elif ins.keyword in ("ENV", "ARG"):
            env.extend(_env_vars(ins))
    if final_from:
        out.extend(_check_user(user, user_line, final_from))
    out.extend(secret_env_violations(path, env, "Dockerfile"))
    return out


def _check_user(user: str | None, user_line: int, final_from: int) -> list[Violation]:
    name = (user or "").split(":")[0].strip()
    if user is None:
        return [
            Violation(
                RUN_AS_ROOT, final_from, "Dockerfile final stage without USER",
                "The final stage sets no USER, so the container runs as root. Add "
                "`USER <non-root uid>` after the last step that needs root.",
            )
        ]
    if name in ("root", "0"):
        return [
            Violation(
                RUN_AS_ROOT, user_line, "Dockerfile final stage USER root",
                "The final stage runs as root (USER root). Switch to a non-root USER "
                "before the end of the Dockerfile.",
            )
        ]
    return []


def _check_expose(ins: Instruction, policy: DeployPolicy) -> list[Violation]:
    allowed = policy.allowed_ports
    if allowed is None:
        return []
    out: list[Violation] = []
    listed = ", ".join(str(p) for p in allowed) or "none"
    for word in _words(ins.args):
        number = word.split("/", 1)[0]
        low, _, high = number.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            continue
        ports = range(int(low), int(high or low) + 1)
        if all(p in allowed for p in ports):
            continue
        out.append(
            Violation(
                PORT_NOT_ALLOWED, ins.line, f"Dockerfile EXPOSE {number}",
                f"The image exposes port {number}, which is not in allowed_ports ({listed}). "
                "EXPOSE only documents the port; publish or listen on an allowed port.",
                severity=Severity.LOW,
            )
        )
    return out
