"""Plain secret values in container environments, found with the secrets scanner's detectors.

A variable is shown to the detectors as ``NAME: "value"`` on its own line, so the keyword
detector sees the name next to the value. Only the type and the hash leave this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mergegate.scanners.deploy.rules import SECRET_IN_ENV, Violation
from mergegate.scanners.secrets import detect_in_lines
from mergegate.scanners.secrets.prefilter import is_candidate

MIN_ENTROPY_LENGTH = 16


@dataclass(frozen=True, slots=True)
class EnvVar:
    name: str
    value: str
    line: int


def could_hold_secret(line: str, value: str) -> bool:
    """Cheap test before the detectors: a secret-like name or token shape, or a long value
    mixing character classes (what the entropy detectors look at)."""
    if is_candidate(line):
        return True
    if len(value) < MIN_ENTROPY_LENGTH or " " in value.strip():
        return False
    classes = sum(
        (any(c.islower() for c in value), any(c.isupper() for c in value),
         any(c.isdigit() for c in value))
    )
    return classes >= 2


def secret_env_violations(path: str, variables: Sequence[EnvVar], where: str) -> list[Violation]:
    """One violation per variable whose value a secrets detector recognises."""
    candidates = [
        v for v in variables
        if v.value.strip() and could_hold_secret(f'{v.name}: "{v.value}"', v.value)
    ]
    if not candidates:
        return []
    escaped = [(i + 1, f'{v.name}: "{v.value}"') for i, v in enumerate(candidates)]
    out: list[Violation] = []
    seen: set[int] = set()
    for hit in detect_in_lines(path, escaped):
        if hit.line in seen:
            continue
        seen.add(hit.line)
        var = candidates[hit.line - 1]
        out.append(
            Violation(
                SECRET_IN_ENV,
                var.line,
                f"{where} env {var.name} {hit.type} {hit.secret_hash}",
                f"{where} sets {var.name} to a plain {hit.type} (sha1 {hit.secret_hash[:12]}). "
                "Rotate it, store it in a Kubernetes Secret or your secret manager and "
                "reference it (valueFrom.secretKeyRef, Compose secrets, a build secret) "
                "instead of writing the value.",
            )
        )
    return out
