# ruff: noqa: S105 (a secret_type names a kind of secret)
"""AI providers: OpenAI and Anthropic keys."""

from __future__ import annotations

import re

from .base import END, TokenDetector


class OpenAIKeyDetector(TokenDetector):
    """Project, service-account and admin keys as well as legacy ones."""

    secret_type = "OpenAI Token"
    keywords = ("t3blbkfj", "sk-proj-", "sk-svcacct-", "sk-admin-")
    patterns = (
        re.compile(r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200}" + END),
        re.compile(r"\bsk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20}" + END),
    )


class AnthropicKeyDetector(TokenDetector):
    secret_type = "Anthropic API Key"
    keywords = ("sk-ant-",)
    patterns = (re.compile(r"\bsk-ant-(?:api|admin)\d\d-[a-zA-Z0-9_\-]{93}AA" + END),)
