"""requirements*.txt lines: what is a package, what is a URL or a path (pip's reading)."""

from __future__ import annotations

import pytest
from mergegate.scanners.dependencies import lockfiles


def parse(line: str) -> tuple[list[tuple[str, str | None, str | None]], list[str]]:
    res = lockfiles.parse("requirements.txt", line + "\n")
    return [(d.name, d.version, d.spec) for d in res.dependencies], res.notes


@pytest.mark.parametrize(
    ("line", "name", "version"),
    [
        ("httpx==0.23.0", "httpx", "0.23.0"),
        ("httplib2==0.18.1", "httplib2", "0.18.1"),
        ("httpie==2.6.0", "httpie", "2.6.0"),
        ("httpcore==0.14.6 --hash=sha256:abc", "httpcore", "0.14.6"),
        ("HTTPie[socks]==1.0.2 ; python_version >= '3.7'", "HTTPie", "1.0.2"),
        ("https-everywhere==0.1", "https-everywhere", "0.1"),
        ("filelock==3.0.0", "filelock", "3.0.0"),
        ("git-review==1.0", "git-review", "1.0"),
        ("gitpython===3.1.0", "gitpython", "3.1.0"),
        ("zope.interface==5.0", "zope.interface", "5.0"),
    ],
)
def test_names_that_look_like_schemes_are_packages(line: str, name: str, version: str) -> None:
    assert parse(line) == ([(name, version, None)], [])


@pytest.mark.parametrize(
    "line",
    [
        "https://files.example.com/packages/private_pkg-1.0.tar.gz",
        "http://files.example.com/pkg-1.0-py3-none-any.whl",
        "git+https://github.com/acme/lib.git@v1.0#egg=lib",
        "git+ssh://git@github.com/acme/lib.git#egg=lib",
        "hg+https://hg.example.com/lib#egg=lib",
        "file:///srv/wheels/lib-1.0-py3-none-any.whl",
        "file:../lib",
        "./vendor/lib",
        "../lib",
        "/srv/wheels/lib-1.0.tar.gz",
        "~/src/lib",
        "vendor/lib",
        r"C:\wheels\lib-1.0-py3-none-any.whl",
        "lib-1.0-py3-none-any.whl",
        "lib-1.0.tar.gz",
        "./vendor/lib[extra] ; python_version >= '3.8'",
    ],
)
def test_urls_paths_and_archives_are_unpinned(line: str) -> None:
    assert parse(line) == ([], [f"requirements.txt:1: unpinned: URL or path {line}"])


def test_direct_reference_keeps_its_name_and_is_unpinned() -> None:
    line = "httpx @ https://files.example.com/httpx-0.23.0-py3-none-any.whl"
    spec = "httpx @ https://files.example.com/httpx-0.23.0-py3-none-any.whl"
    assert parse(line) == (
        [("httpx", None, spec)],
        [f"requirements.txt:1: unpinned: httpx {spec}"],
    )
