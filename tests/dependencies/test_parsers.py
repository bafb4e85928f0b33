"""Every lockfile format on realistic samples we wrote (tests/dependencies/data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mergegate.scanners.dependencies import lockfiles
from mergegate.scanners.dependencies.inventory import head_reader
from mergegate.scanners.dependencies.model import LockfileError

DATA = Path(__file__).parent / "data"

# file -> [(ecosystem, name, version, path, line, direct)], exactly and in order
EXPECTED: dict[str, list[tuple[str, str, str | None, str, int, bool | None]]] = {
    "requirements.txt": [
        ("PyPI", "Markdown", "3.1.1", "requirements-base.txt", 1, True),
        ("PyPI", "Django", "3.2.0", "requirements.txt", 6, True),
        ("PyPI", "requests", "2.25.1", "requirements.txt", 9, True),
        ("PyPI", "pyyaml", "5.3.1", "requirements.txt", 10, True),
        ("PyPI", "cryptography", None, "requirements.txt", 11, True),
        ("PyPI", "urllib3", "1.26.4", "requirements.txt", 12, True),
        ("PyPI", "Jinja2", "2.11.2", "requirements.txt", 15, True),
    ],
    "poetry.lock": [
        ("PyPI", "certifi", "2020.12.5", "poetry.lock", 4, None),
        ("PyPI", "Flask", "0.12.2", "poetry.lock", 14, None),
        ("PyPI", "jinja2", "2.10", "poetry.lock", 29, None),
    ],
    "Pipfile.lock": [
        ("PyPI", "django", "3.2.0", "Pipfile.lock", 19, None),
        ("PyPI", "my-lib", None, "Pipfile.lock", 26, None),
        ("PyPI", "Babel", "2.9.0", "Pipfile.lock", 32, None),
    ],
    "uv.lock": [
        ("PyPI", "aiohttp", "3.8.1", "uv.lock", 9, True),
        ("PyPI", "idna", "3.7", "uv.lock", 19, False),
    ],
    "pdm.lock": [("PyPI", "bleach", "3.1.0", "pdm.lock", 11, None)],
    "npm-v1/package-lock.json": [
        ("npm", "express", "4.16.0", "npm-v1/package-lock.json", 7, None),
        ("npm", "qs", "6.5.1", "npm-v1/package-lock.json", 15, None),
        ("npm", "lodash", "4.17.15", "npm-v1/package-lock.json", 22, None),
    ],
    "npm-v2/package-lock.json": [
        ("npm", "lodash", "4.17.11", "npm-v2/package-lock.json", 15, True),
        ("npm", "qs", "6.5.2", "npm-v2/package-lock.json", 21, True),
    ],
    "npm-v3/package-lock.json": [
        ("npm", "@babel/runtime", "7.12.5", "npm-v3/package-lock.json", 19, True),
        ("npm", "left-pad", "1.3.0", "npm-v3/package-lock.json", 28, True),
        ("npm", "minimist", "1.2.5", "npm-v3/package-lock.json", 36, True),
        ("npm", "regenerator-runtime", "0.13.7", "npm-v3/package-lock.json", 42, False),
        ("npm", "regenerator-runtime", "0.13.4", "npm-v3/package-lock.json", 48, False),
    ],
    "yarn.lock": [
        ("npm", "@babel/code-frame", "7.12.13", "yarn.lock", 5, None),
        ("npm", "lodash", "4.17.19", "yarn.lock", 12, None),
    ],
    "berry/yarn.lock": [("npm", "express", "4.17.1", "berry/yarn.lock", 8, None)],
    "pnpm-lock.yaml": [
        ("npm", "@types/node", "20.11.5", "pnpm-lock.yaml", 20, True),
        ("npm", "minimist", "1.2.0", "pnpm-lock.yaml", 23, True),
    ],
    "pnpm-v5/pnpm-lock.yaml": [
        ("npm", "express", "4.16.0", "pnpm-v5/pnpm-lock.yaml", 11, True),
        ("npm", "@babel/core", "7.12.3", "pnpm-v5/pnpm-lock.yaml", 16, False),
    ],
    "go.mod": [
        ("Go", "github.com/gin-gonic/gin", "v1.6.3", "go.mod", 6, True),
        ("Go", "github.com/gorilla/websocket", "v1.4.0", "go.mod", 7, False),
        ("Go", "golang.org/x/crypto", "v0.0.0-20200622213623-75b288015ac9", "go.mod", 8, True),
        ("Go", "github.com/acme/shared", None, "go.mod", 9, True),
        ("Go", "github.com/sirupsen/logrus", "v1.9.3", "go.mod", 12, True),
    ],
    "Cargo.lock": [
        ("crates.io", "smallvec", "1.6.0", "Cargo.lock", 14, True),
        ("crates.io", "time", "0.1.43", "Cargo.lock", 20, True),
        ("crates.io", "forked", None, "Cargo.lock", 26, False),
    ],
    "Gemfile.lock": [
        ("RubyGems", "actionpack", "5.2.3", "Gemfile.lock", 10, True),
        ("RubyGems", "nokogiri", "1.10.3", "Gemfile.lock", 12, True),
        ("RubyGems", "rack", "2.0.7", "Gemfile.lock", 14, False),
    ],
    "composer.lock": [
        ("Packagist", "guzzlehttp/guzzle", "6.5.2", "composer.lock", 8, None),
        ("Packagist", "symfony/http-kernel", "4.4.13", "composer.lock", 21, None),
        ("Packagist", "acme/internal", None, "composer.lock", 29, None),
        ("Packagist", "phpunit/phpunit", "8.5.8", "composer.lock", 39, None),
    ],
    "pom.xml": [
        ("Maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "pom.xml", 17, True),
        ("Maven", "com.fasterxml.jackson.core:jackson-databind", "2.9.10", "pom.xml", 22, True),
        ("Maven", "org.springframework:spring-core", None, "pom.xml", 27, True),
        ("Maven", "junit:junit", None, "pom.xml", 31, True),
    ],
    "gradle.lockfile": [
        ("Maven", "com.google.guava:guava", "29.0-jre", "gradle.lockfile", 4, None),
        ("Maven", "org.apache.commons:commons-text", "1.9", "gradle.lockfile", 5, None),
    ],
    "packages.lock.json": [
        ("NuGet", "Newtonsoft.Json", "12.0.1", "packages.lock.json", 5, True),
        ("NuGet", "System.Text.Encodings.Web", "4.5.0", "packages.lock.json", 11, False),
    ],
}


def parse(rel: str) -> lockfiles.ParsedFile:
    return lockfiles.parse(rel, (DATA / rel).read_text(), head_reader(DATA))


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_parses_sample_exactly(rel: str) -> None:
    got = [(d.ecosystem, d.name, d.version, d.path, d.line, d.direct) for d in parse(rel).dependencies]
    assert got == EXPECTED[rel]


def test_every_sample_is_recognised_and_every_format_has_a_sample() -> None:
    found = sorted(
        str(p.relative_to(DATA))
        for p in DATA.rglob("*")
        if p.is_file() and lockfiles.is_lockfile(str(p.relative_to(DATA)))
    )
    assert set(found) - {"requirements-base.txt"} == set(EXPECTED)
    names = {Path(rel).name for rel in EXPECTED}
    assert set(lockfiles.PARSERS) - names == {"npm-shrinkwrap.json"}
    assert not lockfiles.is_lockfile("node_modules/x/package-lock.json")
    assert not lockfiles.is_lockfile("constraints.txt")
    assert not lockfiles.is_lockfile("requirements.in")  # unpinned by design: its .txt is scanned
    assert lockfiles.is_lockfile("requirements/dev.txt") and lockfiles.is_lockfile("requirements-dev.txt")


def test_unpinned_entries_are_reported_not_guessed() -> None:
    notes = parse("requirements.txt").notes
    assert notes == [
        "requirements.txt:13: unpinned: editable "
        "git+https://github.com/acme/internal-lib.git#egg=internal-lib",
        "requirements.txt:14: unpinned: URL or path "
        "https://files.example.com/packages/private_pkg-1.0.tar.gz",
        "requirements.txt:11: unpinned: cryptography <4,>=3.4",
    ]
    assert parse("pom.xml").notes == [
        "pom.xml:27: unpinned: org.springframework:spring-core version managed elsewhere",
        "pom.xml:31: unpinned: junit:junit [4.12,5.0)",
    ]
    assert parse("go.mod").notes == ["go.mod:9: unpinned: github.com/acme/shared replaced by local ../shared"]


def test_lockfile_licenses_are_kept() -> None:
    licenses = {d.name: d.license for d in parse("npm-v3/package-lock.json").dependencies}
    assert licenses["left-pad"] == "WTFPL"
    assert licenses["@babel/runtime"] == "MIT"
    assert {d.name: d.license for d in parse("composer.lock").dependencies}["acme/internal"] == (
        "proprietary"
    )


def test_requirements_include_cycle_and_missing_include() -> None:
    files = {"a/requirements.txt": "-r other.txt\nflask==2.0.0\n", "a/other.txt": "-r requirements.txt\n"}
    res = lockfiles.parse("a/requirements.txt", files["a/requirements.txt"], files.get)
    assert [(d.name, d.path) for d in res.dependencies] == [("flask", "a/requirements.txt")]
    assert res.notes == ["a/other.txt:1: include requirements.txt skipped (cycle)"]
    res = lockfiles.parse("requirements.txt", "-r ../../etc/passwd\n", lambda p: None)
    assert res.notes == ["requirements.txt:1: included file ../../etc/passwd not found"]


def test_includes_never_read_outside_the_root(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("django==1.0\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    read = head_reader(root)
    assert read("../secret.txt") is None
    assert read("link.txt") is None


@pytest.mark.parametrize(
    ("rel", "text", "message"),
    [
        (
            "package-lock.json",
            '{\n  "lockfileVersion": 3,\n  "packages": {\n',
            "package-lock.json:4: invalid JSON: Expecting property name enclosed in double quotes",
        ),
        (
            "app/package-lock.json",
            '{\n  "name": "x",\n  "lockfileVersion": 7\n}\n',
            "app/package-lock.json:3: unknown lockfileVersion 7 (expected 1, 2 or 3)",
        ),
        (
            "poetry.lock",
            '[[package]]\nname = "x"\nversion = 1.0.0\n',
            "poetry.lock:3: invalid TOML: Expected newline or end of document after a statement "
            "(at line 3, column 14)",
        ),
        ("uv.lock", "version = 9\n", "uv.lock:1: unknown uv.lock version 9"),
        ("Cargo.lock", "version = 3\npackage = 3\n", "Cargo.lock:1: 'package' is not an array of tables"),
        ("Cargo.lock", "version = 7\n", "Cargo.lock:1: unknown Cargo.lock version 7"),
        ("composer.lock", "[]", "composer.lock:1: not a composer.lock (no 'packages')"),
        ("Pipfile.lock", "{}", "Pipfile.lock:1: not a Pipfile.lock (no _meta)"),
        (
            "pnpm-lock.yaml",
            "lockfileVersion: '42.0'\n",
            "pnpm-lock.yaml:1: unknown pnpm lockfileVersion '42.0'",
        ),
        (
            "pnpm-lock.yaml",
            "packages:\n  - a: [\n",
            "pnpm-lock.yaml:3: invalid YAML: expected the node content, but found '<stream end>'",
        ),
        ("go.mod", "module x\nrequire (\n  github.com/a/b v1.0.0\n", "go.mod:3: unterminated require block"),
        (
            "pom.xml",
            "<project><dependencies>\n</project>\n",
            "pom.xml:2: invalid XML: mismatched tag: line 2, column 2",
        ),
        (
            "pom.xml",
            '<!DOCTYPE x [<!ENTITY a "b">]><project/>',
            "pom.xml:1: pom.xml with a DOCTYPE or entities is refused",
        ),
        (
            "gradle.lockfile",
            "# x\nnot-coordinates=compileClasspath\n",
            "gradle.lockfile:2: expected group:artifact:version, got 'not-coordinates'",
        ),
        (
            "Gemfile.lock",
            "GEM\n  specs:\n    rack (2.0.7)\n  ???\n",
            "Gemfile.lock:4: unexpected line in GEM section: ???",
        ),
        (
            "packages.lock.json",
            '{"version": 3, "dependencies": {}}',
            "packages.lock.json:1: unknown packages.lock.json version 3",
        ),
    ],
)
def test_malformed_lockfile_is_one_error_naming_file_and_line(rel: str, text: str, message: str) -> None:
    with pytest.raises(LockfileError) as info:
        lockfiles.parse(rel, text)
    assert str(info.value) == message


def test_large_lockfile_is_parsed_in_one_pass() -> None:
    import json
    import time

    packages: dict[str, object] = {"": {"name": "big", "dependencies": {"pkg-0": "^1"}}}
    for i in range(8000):
        packages[f"node_modules/pkg-{i}"] = {"version": f"1.{i % 50}.0", "integrity": "sha512-" + "A" * 86}
    text = json.dumps({"lockfileVersion": 3, "packages": packages}, indent=2)
    started = time.perf_counter()
    deps = lockfiles.parse("package-lock.json", text).dependencies
    elapsed = time.perf_counter() - started
    assert len(deps) == 8000
    assert text.splitlines()[deps[-1].line - 1].strip() == '"node_modules/pkg-7999": {'
    assert elapsed < 1.0  # one search per package over the whole text took 3 s
