# ruff: noqa: S105 (a secret_type names a kind of secret)
"""GitHub and GitLab tokens.

These replace detect-secrets' GitHub and GitLab plugins under the same secret types: theirs put
the token's prefix in a capturing group, so the value they hash is `ghp` or `glpat` and every
token of a kind has one hash (a baseline entry for one would accept them all).
"""

from __future__ import annotations

import re

from .base import END, TokenDetector


class GitHubTokenDetector(TokenDetector):
    """Classic personal access tokens and OAuth, user-to-server, server-to-server and
    refresh tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`)."""

    secret_type = "GitHub Token"
    keywords = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")
    patterns = (re.compile(r"\bgh[pousr]_[A-Za-z0-9_]{36}(?![A-Za-z0-9_])"),)


class GitHubFineGrainedTokenDetector(TokenDetector):
    """Fine-grained personal access tokens (`github_pat_`)."""

    secret_type = "GitHub Fine-Grained Token"
    keywords = ("github_pat_",)
    patterns = (re.compile(r"\bgithub_pat_\w{82}" + END),)


class GitLabTokenDetector(TokenDetector):
    """Personal, project and group access tokens (also routable ones), deploy, runner
    (authentication and registration), CI job, feed, trigger, agent, SCIM, incoming mail and
    feature flag tokens, OAuth application secrets."""

    secret_type = "GitLab Token"
    keywords = ("glpat-", "glrt-", "glcbt-", "gloas-", "glsoat-", "glimt-", "glffct-", "glft-",
                "gldt-", "glptt-", "glagent-", "gr1348941")
    patterns = (
        re.compile(r"\b(?:glpat|glrt)-(?:t\d_)?[\w-]{27,300}\.[0-9a-z]{2}[0-9a-z]{7}\b"),
        re.compile(r"\bglcbt-[0-9a-zA-Z]{1,5}_[\w-]{20,50}" + END),
        re.compile(r"\b(?:gloas-[\w-]{64}|glsoat-[\w-]{20,50}|glimt-[\w-]{25}|glffct-[\w-]{20}|"
                   r"glagent-[\w-]{50,1024}|glptt-[\w-]{40})" + END),
        re.compile(r"\b(?:glpat|glrt|glft|gldt)-[\w-]{20,50}" + END),
        re.compile(r"\bGR1348941[\w-]{20,50}" + END),
    )


class GitLabSessionCookieDetector(TokenDetector):
    secret_type = "GitLab Session Cookie"
    keywords = ("_gitlab_session",)
    patterns = (re.compile(r"_gitlab_session=(?P<secret>[0-9a-z]{32})" + END),)
