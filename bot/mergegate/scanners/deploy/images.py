"""Container image references: normalisation as Docker does it, registry and tag checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy.rules import (
    IMAGE_LATEST_TAG,
    IMAGE_MUTABLE_TAG,
    REGISTRY_NOT_ALLOWED,
    Violation,
)

DEFAULT_DOMAIN = "docker.io"
_DIGEST = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
_TEMPLATED = re.compile(r"\$|\{\{|\}\}")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A parsed image reference; `name` is fully qualified (``docker.io/library/nginx``)."""

    name: str
    tag: str | None
    digest: str | None

    @property
    def domain(self) -> str:
        return self.name.split("/", 1)[0]

    def __str__(self) -> str:
        out = self.name
        if self.tag:
            out += ":" + self.tag
        if self.digest:
            out += "@" + self.digest
        return out


def _looks_like_domain(component: str) -> bool:
    return "." in component or ":" in component or component == "localhost"


def qualify_name(name: str) -> str:
    """``nginx`` → ``docker.io/library/nginx``; ``acme/app`` → ``docker.io/acme/app``."""
    first, _, rest = name.partition("/")
    if rest and _looks_like_domain(first):
        domain = "docker.io" if first in ("index.docker.io", "registry-1.docker.io") else first
        name = domain + "/" + rest
    else:
        name = DEFAULT_DOMAIN + "/" + name
    domain, _, path = name.partition("/")
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = "library/" + path
    return domain + "/" + path


def parse_image(reference: str) -> ImageRef | None:
    """Parse an image reference; None when it is templated or not a reference at all."""
    ref = reference.strip()
    if not ref or _TEMPLATED.search(ref) or any(c.isspace() for c in ref):
        return None
    digest: str | None = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
        if not _DIGEST.match(digest):
            return None
    tag: str | None = None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
        if not tag:
            return None
    if not ref:
        return None
    return ImageRef(qualify_name(ref.lower()), tag, digest)


def normalise_registry(entry: str) -> str:
    """An `allowed_registries` entry as a prefix of qualified names (``nginx`` qualifies too)."""
    entry = entry.strip()
    trailing = entry.endswith("/")
    body = entry.rstrip("/").lower()
    first = body.split("/", 1)[0]
    if _looks_like_domain(first):
        qualified = "docker.io" + body[len(first):] if first == "index.docker.io" else body
    elif trailing:
        qualified = DEFAULT_DOMAIN + "/" + body
    else:
        qualified = qualify_name(body)
    return qualified + "/" if trailing else qualified


def registry_allowed(image: ImageRef, allowed: tuple[str, ...]) -> bool:
    for entry in allowed:
        prefix = normalise_registry(entry)
        if prefix.endswith("/"):
            if image.name.startswith(prefix):
                return True
        elif image.name == prefix or image.name.startswith(prefix + "/"):
            return True
    return False


def check_image(reference: str, line: int, policy: DeployPolicy, where: str) -> list[Violation]:
    """Registry and tag checks for one image reference written at `line`.

    `where` names the place for the message and the fingerprint (``container server``).
    """
    image = parse_image(reference)
    if image is None:
        return []
    out: list[Violation] = []
    content = f"{where} image {reference.strip()}"
    if policy.allowed_registries is not None and not registry_allowed(
        image, policy.allowed_registries
    ):
        allowed = ", ".join(policy.allowed_registries) or "(none)"
        out.append(
            Violation(
                REGISTRY_NOT_ALLOWED,
                line,
                content,
                f"{where} uses {image.name} from {image.domain}, which is not an allowed "
                f"registry. Push the image to one of the allowed registries ({allowed}) and "
                "reference it from there.",
            )
        )
    if image.digest is None:
        if image.tag is None or image.tag == "latest":
            if not policy.allow_latest:
                implicit = " (no tag means :latest)" if image.tag is None else ""
                out.append(
                    Violation(
                        IMAGE_LATEST_TAG,
                        line,
                        content,
                        f"{where} uses {image.name}:latest{implicit}, which changes under you. "
                        "Pin a version tag or, better, a digest (image@sha256:...).",
                    )
                )
        elif not policy.allow_mutable_tags:
            out.append(
                Violation(
                    IMAGE_MUTABLE_TAG,
                    line,
                    content,
                    f"{where} uses the tag {image.tag}, which can be re-pushed. Pin the image "
                    f"by digest ({image.name}@sha256:...).",
                )
            )
    return out
