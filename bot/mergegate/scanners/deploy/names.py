"""Which file names the deploy checks read: Dockerfiles, Compose files, Terraform.

Kept apart from the checks themselves so that telling a file's kind imports no parser: a
change without a deploy file never loads the Compose, Kubernetes or Terraform (Lark) code.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_DOCKERFILE_NAME = re.compile(
    r"^(?:dockerfile|containerfile)(?:\..+)?$|^.+\.(?:dockerfile|containerfile)$")
# `Dockerfile.prod` is a Dockerfile; `dockerfile.py` (code about Dockerfiles) is not.
_NOT_DOCKERFILE_SUFFIXES = frozenset({
    ".py", ".pyi", ".go", ".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx", ".java", ".kt", ".rb",
    ".rs", ".php", ".cs", ".c", ".h", ".cpp", ".sh", ".md", ".rst", ".txt", ".json", ".yml",
    ".yaml", ".toml", ".ini", ".cfg", ".lock", ".html", ".dockerignore", ".orig", ".bak",
})
_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")


def is_dockerfile_name(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    if PurePosixPath(name).suffix in _NOT_DOCKERFILE_SUFFIXES:
        return False
    return bool(_DOCKERFILE_NAME.match(name))


def is_compose_name(path: str) -> bool:
    return bool(_COMPOSE_NAME.match(PurePosixPath(path).name.lower()))


def is_terraform_name(path: str) -> bool:
    return path.endswith((".tf", ".tfvars"))
