"""Image reference normalisation and registry prefixes."""

from __future__ import annotations

import pytest
from mergegate.scanners.deploy.images import normalise_registry, parse_image, registry_allowed


@pytest.mark.parametrize(
    ("ref", "name", "tag", "digest"),
    [
        ("nginx", "docker.io/library/nginx", None, None),
        ("nginx:1.27", "docker.io/library/nginx", "1.27", None),
        ("acme/app:2", "docker.io/acme/app", "2", None),
        ("index.docker.io/library/redis:7", "docker.io/library/redis", "7", None),
        ("localhost:5000/app", "localhost:5000/app", None, None),
        ("ghcr.io/acme/app:1@sha256:" + "a" * 64, "ghcr.io/acme/app", "1", "sha256:" + "a" * 64),
        ("us-central1-docker.pkg.dev/p/r/img:v1", "us-central1-docker.pkg.dev/p/r/img", "v1", None),
    ],
)
def test_parse_image(ref: str, name: str, tag: str | None, digest: str | None) -> None:
    image = parse_image(ref)
    assert image is not None
    assert (image.name, image.tag, image.digest) == (name, tag, digest)


@pytest.mark.parametrize("ref", ["${IMAGE}", "{{ .Values.image }}", "app@notadigest", "a b", ""])
def test_unparseable_or_templated_references(ref: str) -> None:
    assert parse_image(ref) is None


def test_registry_prefixes() -> None:
    assert normalise_registry("nginx") == "docker.io/library/nginx"
    assert normalise_registry("ghcr.io/acme/") == "ghcr.io/acme/"
    assert normalise_registry("acme/") == "docker.io/acme/"
    nginx = parse_image("nginx:1")
    evil = parse_image("nginx-evil:1")
    assert nginx is not None and evil is not None
    assert registry_allowed(nginx, ("nginx",))
    assert not registry_allowed(evil, ("nginx",))
    assert registry_allowed(nginx, ("docker.io",))
    assert not registry_allowed(nginx, ("ghcr.io/acme/", "gcr.io"))
