# ruff: noqa: S105 (a secret_type names a kind of secret)
"""Package registries: npm, PyPI, Docker Hub, Hugging Face, RubyGems."""

from __future__ import annotations

import re
from itertools import pairwise

from .base import END, TokenDetector


class NpmAccessTokenDetector(TokenDetector):
    secret_type = "npm Access Token"
    keywords = ("npm_",)
    patterns = (re.compile(r"(?i)\b(?P<secret>npm_[a-z0-9]{36})" + END),)


class PypiUploadTokenDetector(TokenDetector):
    secret_type = "PyPI Token"
    keywords = ("pypi-agei", "pypi-agen")
    patterns = (re.compile(r"\bpypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[\w-]{50,1000}"),)


class DockerHubTokenDetector(TokenDetector):
    secret_type = "Docker Hub Access Token"
    keywords = ("dckr_pat_", "dckr_oat_")
    patterns = (re.compile(r"\bdckr_(?:pat|oat)_[\w-]{27,40}" + END),)


class HuggingFaceTokenDetector(TokenDetector):
    secret_type = "Hugging Face Token"
    keywords = ("hf_", "api_org_")
    patterns = (re.compile(r"(?<![\w-])(?P<secret>(?:hf_|api_org_)[a-zA-Z]{34})" + END),)
    min_variety = 2

    def is_secret(self, value: str) -> bool:
        body = value.split("_")[-1]
        # Identifiers like `hf_generatedByHomeAppForDebugging` are camel case words.
        humps = sum(1 for a, b in pairwise(body) if a.islower() and b.isupper())
        return super().is_secret(value) and humps >= 4


class RubyGemsTokenDetector(TokenDetector):
    secret_type = "RubyGems API Token"
    keywords = ("rubygems_",)
    patterns = (re.compile(r"\brubygems_[a-f0-9]{48}" + END),)
