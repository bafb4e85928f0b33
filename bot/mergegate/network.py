"""Outgoing HTTP, the same for every client (OSV, deps.dev, OSV archives, GitHub and its log
downloads, GitLab): proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, and the CA bundle of
`Settings.ca_bundle` (`MERGEGATE_CA_BUNDLE`, else `SSL_CERT_FILE`) instead of the system's.

aiohttp sessions read the proxy variables themselves (`trust_env=True`); python-gitlab's
requests session does so by default and gets the bundle as `ssl_verify`.
"""

from __future__ import annotations

import functools
import ssl
from pathlib import Path
from typing import Any

import aiohttp


@functools.lru_cache(maxsize=8)
def _context(ca_bundle: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_bundle)


def client_session(
    ca_bundle: Path | None, *, timeout: float | aiohttp.ClientTimeout, **kwargs: Any
) -> aiohttp.ClientSession:
    """An aiohttp session that goes through the environment's proxy and trusts `ca_bundle`.
    Open it inside a running event loop."""
    if not isinstance(timeout, aiohttp.ClientTimeout):
        timeout = aiohttp.ClientTimeout(total=timeout)
    # Without a bundle, aiohttp's default verification (the system's CAs). Never `ssl=True`:
    # aiohttp 3.9.0 took it for "do not verify" (tests/network checks the lowest version).
    connector = (aiohttp.TCPConnector() if ca_bundle is None
                 else aiohttp.TCPConnector(ssl=_context(str(ca_bundle))))
    return aiohttp.ClientSession(timeout=timeout, trust_env=True, connector=connector, **kwargs)


def requests_verify(ca_bundle: Path | None) -> bool | str:
    """What requests' `verify=` (python-gitlab's `ssl_verify=`) takes for the same trust."""
    return True if ca_bundle is None else str(ca_bundle)
