"""The one exposed-port violation every manifest kind reports."""

from __future__ import annotations

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy.rules import PORT_NOT_ALLOWED, Violation


def port_violation(
    policy: DeployPolicy, line: int, port: int | None, what: str, content: str, how: str
) -> list[Violation]:
    """A violation when `port` (None: an automatically assigned one) is not allowed."""
    allowed = policy.allowed_ports
    if allowed is None or (port is not None and port in allowed):
        return []
    shown = "an automatically assigned node port" if port is None else f"port {port}"
    listed = ", ".join(str(p) for p in allowed) or "none"
    return [
        Violation(
            PORT_NOT_ALLOWED,
            line,
            f"{content} {port if port is not None else 'auto'}",
            f"{what} exposes {shown}, which is not in allowed_ports ({listed}). {how}",
        )
    ]
