"""Which files the deploy checks read, and the violations of one file's content."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from mergegate.core.globs import matches_any
from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy.names import is_compose_name, is_dockerfile_name, is_terraform_name
from mergegate.scanners.deploy.rules import Violation

if TYPE_CHECKING:
    from mergegate.scanners.deploy.terraform import ModuleFiles

FileKind = Literal["yaml", "dockerfile", "terraform"]
# The key at the start of a line, after a YAML list dash, or after `{` / `,` (JSON, flow YAML),
# with a scalar value on the same line (a schema's `apiVersion: {type: string}` does not count).
_LOOKS_K8S = re.compile(
    r"(?:^[ \t-]*|[{,]\s*)[\"']?apiVersion[\"']?[ \t]*:[ \t]*[\"']?[A-Za-z]", re.MULTILINE
)
_LOOKS_KIND = re.compile(
    r"(?:^[ \t-]*|[{,]\s*)[\"']?kind[\"']?[ \t]*:[ \t]*[\"']?[A-Z]", re.MULTILINE
)
_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_LOOKS_COMPOSE = re.compile(r"^services\s*:", re.MULTILINE)


def file_kind(path: str, manifests: tuple[str, ...] | None) -> FileKind | None:
    """The kind of deploy file `path` is, or None when the deploy checks do not read it.

    YAML and JSON files are candidates whatever their name; under auto-detection their content
    decides (`looks_like_manifest`): Kubernetes objects, `List`s and lists of objects, and
    Compose files, in one document or many.
    """
    if manifests is not None and not matches_any(path, manifests):
        return None
    lower = path.lower()
    if is_dockerfile_name(lower):
        return "dockerfile"
    if is_terraform_name(lower):
        return "terraform"
    if lower.endswith(_MANIFEST_SUFFIXES):
        return "yaml"  # YAML or JSON (JSON is read as YAML, keeping lines); content decides
    return None


def looks_like_manifest(path: str, text: str) -> bool:
    """Cheap test before parsing, so auto-detection does not parse every YAML file."""
    if is_compose_name(path):
        return True
    return bool(
        (_LOOKS_K8S.search(text) and _LOOKS_KIND.search(text)) or _LOOKS_COMPOSE.search(text)
    )


def check_text(
    kind: FileKind,
    path: str,
    text: str,
    policy: DeployPolicy,
    *,
    explicit: bool,
    max_bytes: int,
    modules: ModuleFiles | None = None,
) -> list[Violation]:
    """Violations of one file. Raises YamlError for YAML that cannot be read safely and
    TerraformError for Terraform that does not parse; `modules` gives a Terraform file's
    siblings (its module's variables and locals).

    `explicit` is True when the policy's `manifests` globs name the file: then any YAML error
    is reported; under auto-detection only files that look like manifests are parsed.

    Each kind's checks are imported when a file of that kind comes up (`file_kind` needs none).
    """
    if kind == "dockerfile":
        from mergegate.scanners.deploy.dockerfile import check_dockerfile

        return check_dockerfile(path, text, policy)
    if kind == "terraform":
        from mergegate.scanners.deploy.terraform import check_terraform

        return check_terraform(path, text, policy, modules)
    if not explicit and not looks_like_manifest(path, text):
        return []
    from mergegate.scanners.deploy import yamlsafe
    from mergegate.scanners.deploy.compose import check_compose, is_compose
    from mergegate.scanners.deploy.kubernetes import check_kubernetes, is_kubernetes

    docs = yamlsafe.load_documents(text, path, max_bytes=max_bytes)
    out: list[Violation] = []
    k8s = [d for d in docs if is_kubernetes(d.root)]
    if k8s:
        out.extend(check_kubernetes(path, k8s, policy))
    compose = [d for d in docs if not is_kubernetes(d.root) and is_compose(d.root)]
    if compose:
        out.extend(check_compose(path, compose, policy))
    return out
