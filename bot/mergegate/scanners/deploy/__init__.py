"""The deploy scanner: manifest policies and the architectural regressions of a change.

Reads Kubernetes YAML and JSON (recognised by content), Compose files, Dockerfiles and
Terraform (parsed as HCL2, with its module's variables and locals) without running anything,
checks them against `policy.deploy` (exposed ports, registries, tags, regions, the Pod Security
Standards level), and on a diff-aware workspace checks the added lines for new outbound hosts,
https→http, plaintext endpoints and TLS verification switched off. A finding is new unless the
same fingerprint also arises from the base version of its file. Templated YAML that does not
parse and Terraform that does not parse are notes naming file and line, not errors.

The scanner lives in `mergegate.scanners.deploy.scanner`; this package imports nothing at load
time, so that a module of it (the regressions that release risk reads, say) can be imported
without the YAML, Compose, Kubernetes and Terraform (lark) checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mergegate.config import Settings

if TYPE_CHECKING:
    from mergegate.scanners.deploy.scanner import DeployScanner


def create(settings: Settings) -> DeployScanner:
    from mergegate.scanners.deploy.scanner import DeployScanner

    return DeployScanner(settings)
