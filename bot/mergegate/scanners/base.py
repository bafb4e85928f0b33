"""What a scanner is: a name and a function from a workspace and a policy to a result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from mergegate.core.findings import ScanResult
from mergegate.core.policy import Policy
from mergegate.workspace import Workspace


class Scanner(Protocol):
    name: str

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        """Scan the workspace. Raise nothing for expected failures: return ScannerErrors.

        In a diff-aware workspace, mark findings that already existed at the base with
        ``new=False``; the engine turns an unexpected exception into a ScannerError.
        """
        ...


class ResponseCache(Protocol):
    """Where online scanners keep answers for a while (OSV, deps.dev); the service passes the
    store's cache, so scanners never import the store."""

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]: ...

    def set_many(self, items: Mapping[str, Any], ttl: float) -> None: ...
