"""Architectural regressions on the changed lines: new outbound hosts, https→http, new plaintext
endpoints to remote hosts, TLS verification switched off.

Only a change has regressions, so these checks run on the added lines of a diff-aware
workspace and compare them with the base version of the same file. Documentation, lockfiles,
tests and comment lines are not endpoints and are skipped.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from mergegate.scanners.deploy.rules import (
    HTTPS_DOWNGRADE,
    NEW_OUTBOUND_HOST,
    PLAINTEXT_HTTP,
    TLS_VERIFY_DISABLED,
    Violation,
)

_URL = re.compile(r"\b(https?|wss?|ftp)://([^\s/'\"<>\\)\]`,;?#|]+)([^\s'\"<>\\)\]`,;|]*)")
_TEMPLATED = re.compile(r"[${}%<>*]")
_COMMENT_PREFIXES = ("#", "//", "/*", "*", "<!--", ";", "rem ")
_DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc", ".svg", ".lock", ".sum", ".min.js", ".map",
                 ".html", ".htm", ".xml", ".csv")
_DOC_NAMES = ("license", "licence", "notice", "changelog", "authors", "contributors", "copying",
              "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
              "poetry.lock", "pipfile.lock", "cargo.lock", "go.sum", "composer.lock",
              "gemfile.lock", "uv.lock", "pdm.lock")
_TEST_PARTS = frozenset({"test", "tests", "__tests__", "spec", "testdata", "fixtures", "e2e"})
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".svc", ".cluster.local", ".test",
                  ".example", ".invalid", ".lan", ".home.arpa")
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
# Hosts whose URLs name documents, schemas or XML namespaces, not endpoints a program calls.
REFERENCE_HOSTS = frozenset(
    {
        "www.w3.org", "w3.org", "schemas.xmlsoap.org", "schemas.microsoft.com", "json-schema.org",
        "www.apache.org", "apache.org", "maven.apache.org", "opensource.org", "www.gnu.org",
        "gnu.org", "purl.org", "xmlns.com", "ns.adobe.com", "java.sun.com", "xml.org",
        "www.xml.org", "schemas.android.com", "creativecommons.org", "spdx.org",
        "www.opensource.org", "json.schemastore.org",
    }
)
_TLS_OFF = re.compile(
    r"""(?ix)
      \bverify\s*=\s*False\b
    | \bverify_ssl\s*[=:]\s*(?:False|false|0)\b
    | \bssl_verify\s*[=:]\s*(?:False|false|0)\b
    | \btls_verify\s*[=:]\s*(?:False|false|0)\b
    | \bssl\s*=\s*False\b
    | \bcheck_hostname\s*=\s*False\b
    | \bCERT_NONE\b
    | _create_unverified_context
    | \bInsecureSkipVerify\s*[:=]\s*true\b
    | \brejectUnauthorized\s*[:=]\s*false\b
    | \bNODE_TLS_REJECT_UNAUTHORIZED\s*[:=]\s*["']?0
    | \bPYTHONHTTPSVERIFY\s*[:=]\s*["']?0
    | \bGIT_SSL_NO_VERIFY\s*[:=]\s*["']?(?:1|true)
    | \bsslVerify\s*[:=]?\s*["']?false\b
    | insecure-skip-tls-verify(?:\s*[:=]\s*true|\b)
    | --no-check-certificate\b
    | (?<![\w-])--insecure(?![\w-])
    | --trusted-host\b
    | \bstrict-ssl\s*[=\s]\s*false\b
    | \bvalidate_certs\s*[:=]\s*(?:no|false)\b
    | \b(?:tls_)?insecure_skip_verify\s*[:=]\s*true\b
    | \bskip[_-]?tls[_-]?verify\s*[:=]\s*true\b
    | \bcurl\b[^|;&\n]*\s(?:-k|--insecure)\b
    | CURLOPT_SSL_VERIFY(?:PEER|HOST)\s*,\s*(?:false|0)\b
    | ServerCertificateValidationCallback\s*=.*\btrue\b
    """
)


# Plaintext transports that are not URLs: gRPC without TLS.
_PLAIN_CHANNEL = re.compile(
    r"\binsecure_channel\s*\(|\bWithInsecure\s*\(|insecure\.NewCredentials\s*\(|"
    r"\.usePlaintext\s*\(|ChannelCredentials\.Insecure\b"
)
_LITERAL_HOST = re.compile(r"[\"']([A-Za-z0-9.\-\[\]:]+?)(?::\d+)?[\"']")


def _plaintext_channel(number: int, line: str, base_lines: set[str]) -> list[Violation]:
    """A gRPC channel opened without TLS, unless it names a local host or was there before."""
    m = _PLAIN_CHANNEL.search(line)
    if m is None or _fold(line) in base_lines:
        return []
    hosts = [h for h in _LITERAL_HOST.findall(line) if host_of(h)]
    if hosts and all(is_local(host_of(h) or "") for h in hosts):
        return []
    return [
        Violation(
            PLAINTEXT_HTTP, number, line,
            f"`{m.group(0).rstrip('(').strip()}` opens a plaintext gRPC channel. Use TLS "
            "channel credentials for anything that leaves the host.",
        )
    ]


@dataclass(frozen=True, slots=True)
class Endpoint:
    scheme: str
    host: str
    url: str


def skipped_path(path: str) -> bool:
    """Files whose URLs are not endpoints the code talks to."""
    p = PurePosixPath(path.lower())
    if p.name.endswith(_DOC_SUFFIXES) or p.name.startswith(_DOC_NAMES):
        return True
    if any(part in _TEST_PARTS for part in p.parts[:-1]):
        return True
    stem = p.name.split(".")[0]
    return stem.startswith("test_") or stem.endswith(("_test", "_spec")) or ".test." in p.name


def _fold(line: str) -> str:
    return " ".join(line.split())


def is_comment(line: str) -> bool:
    return line.lstrip().lower().startswith(_COMMENT_PREFIXES)


def host_of(authority: str) -> str | None:
    """The host of a URL authority (userinfo and port dropped); None when templated."""
    if _TEMPLATED.search(authority):
        return None
    host = authority.rsplit("@", 1)[-1]
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.strip(".").lower()
    return host or None


def is_local(host: str) -> bool:
    """Loopback, private, link-local, single-label and reserved names are not remote."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified
    if host == "localhost" or "." not in host or host.endswith(LOCAL_SUFFIXES):
        return True
    return any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS)


def endpoints(line: str) -> Iterator[Endpoint]:
    """Remote endpoints named on a line (local hosts and reference URLs left out)."""
    for m in _URL.finditer(line):
        host = host_of(m.group(2))
        if host is None or is_local(host) or host in REFERENCE_HOSTS:
            continue
        yield Endpoint(m.group(1).lower(), host, m.group(0))


def _base_urls(base: str | None) -> tuple[set[str], set[str], set[str]]:
    """URLs, https URLs (without scheme) and hosts present in the base version."""
    urls: set[str] = set()
    secure: set[str] = set()
    hosts: set[str] = set()
    for m in _URL.finditer(base or ""):
        urls.add(m.group(0))
        if m.group(1).lower() in ("https", "wss"):
            secure.add((m.group(2) + m.group(3)).lower())
        host = host_of(m.group(2))
        if host:
            hosts.add(host)
    return urls, secure, hosts


def check_changed_lines(
    path: str, lines: list[tuple[int, str]], base: str | None
) -> list[Violation]:
    """Regressions on the added `lines` of `path` (numbered), against its base content."""
    if skipped_path(path):
        return []
    base_urls, base_secure, base_hosts = _base_urls(base)
    base_lines = {_fold(b) for b in (base or "").splitlines()}
    base_tls = {b for b in base_lines if _TLS_OFF.search(b)}
    out: list[Violation] = []
    announced: set[str] = set()
    for number, line in lines:
        if is_comment(line):
            continue
        for ep in endpoints(line):
            if ep.host not in base_hosts and ep.host not in announced:
                announced.add(ep.host)
                out.append(
                    Violation(
                        NEW_OUTBOUND_HOST, number, ep.host,
                        f"The change starts talking to {ep.host}. Check that this host is "
                        "expected, allowed by your egress rules and covered by a data "
                        "processing review.",
                        title=f"New outbound host {ep.host}",
                    )
                )
            if ep.scheme not in ("http", "ws", "ftp") or ep.url in base_urls:
                continue
            rest = ep.url.split("://", 1)[1].lower()
            if rest in base_secure:
                out.append(
                    Violation(
                        HTTPS_DOWNGRADE, number, ep.url,
                        f"{ep.url} was https:// before this change. Keep https:// so the "
                        "traffic stays encrypted and the server authenticated.",
                    )
                )
            else:
                out.append(
                    Violation(
                        PLAINTEXT_HTTP, number, ep.url,
                        f"{ep.url} is a plaintext endpoint on a remote host. Use https:// "
                        f"({ep.scheme}s://) so the traffic is encrypted.",
                    )
                )
        out.extend(_plaintext_channel(number, line, base_lines))
        m = _TLS_OFF.search(line)
        if m and _fold(line) not in base_tls:
            out.append(
                Violation(
                    TLS_VERIFY_DISABLED, number, line,
                    f"`{m.group(0).strip()}` switches TLS certificate verification off, so "
                    "anyone on the path can impersonate the server. Keep verification on and "
                    "trust the needed CA bundle instead.",
                )
            )
    return out


def new_hosts(path: str, lines: list[tuple[int, str]], base: str | None) -> set[str]:
    """Remote hosts the added lines of `path` name that its base version does not."""
    if skipped_path(path):
        return set()
    _, _, base_hosts = _base_urls(base)
    return {
        ep.host
        for _, line in lines
        if not is_comment(line)
        for ep in endpoints(line)
        if ep.host not in base_hosts
    }
