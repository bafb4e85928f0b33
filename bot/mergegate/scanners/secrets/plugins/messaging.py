# ruff: noqa: S105 (a secret_type names a kind of secret)
"""Slack, Discord, Telegram and Microsoft Teams credentials."""

from __future__ import annotations

import re

from mergegate.core.findings import Severity

from .base import ASSIGN, END, TokenDetector


class SlackTokenDetector(TokenDetector):
    """Bot, user, workspace and legacy tokens. Replaces detect-secrets' plugin (same type),
    which also takes `xoxp-1-SlackAppConfigurationAccessTokenHere` for a token."""

    secret_type = "Slack Token"
    keywords = ("xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxa-", "xoxr-", "xoxe-")
    patterns = (
        re.compile(r"\bxox[bpeo]-\d{8,13}-\d{8,13}(?:-\d{8,13})?-[a-zA-Z0-9-]{24,34}" + END),
        re.compile(r"\bxoxb-\d{8,14}-[a-zA-Z0-9]{18,26}" + END),
        re.compile(r"\bxox[os]-\d+-\d+-\d+-[a-fA-F\d]{6,}" + END),
        re.compile(r"\bxox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}(?:-[0-9a-zA-Z]+)*" + END),
    )


class SlackAppTokenDetector(TokenDetector):
    """Slack app-level and app configuration tokens."""

    secret_type = "Slack App Token"
    keywords = ("xapp-", "xoxe.")
    patterns = (
        re.compile(r"(?i)\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+"),
        re.compile(r"(?i)\bxoxe(?:\.xox[bp])?-\d-[A-Z0-9]{146,166}"),
    )


class SlackWebhookDetector(TokenDetector):
    secret_type = "Slack Webhook"
    keywords = ("hooks.slack.com",)
    patterns = (
        re.compile(r"(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/"
                   r"[A-Za-z0-9+/_-]{20,}"),
    )


class DiscordWebhookDetector(TokenDetector):
    secret_type = "Discord Webhook"
    keywords = ("/api/webhooks/",)
    patterns = (
        re.compile(r"https://(?:\w+\.)?discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w-]{60,70}"),
    )


class DiscordCredentialDetector(TokenDetector):
    """A Discord API key, client id or secret named as one (bot tokens: detect-secrets')."""

    secret_type = "Discord Client Secret"
    severity = Severity.HIGH
    keywords = ("discord",)
    patterns = (
        re.compile(r"(?i)[\w.-]{0,50}?discord" + ASSIGN
                   + r"(?P<secret>[a-f0-9]{64}|[a-z0-9=_\-]{32}|[0-9]{18})" + END),
    )


class TelegramBotTokenDetector(TokenDetector):
    secret_type = "Telegram Bot Token"
    keywords = ("telegr", ":aa")
    patterns = (
        re.compile(r"(?i)[\w.-]{0,50}?telegr" + ASSIGN
                   + r"(?<![\w:])(?P<secret>[0-9]{5,16}:(?-i:A)[a-z0-9_\-]{34})" + END),
        re.compile(r"\b(?P<secret>[0-9]{8,10}:AA[0-9A-Za-z_-]{33})" + END),
    )

    def is_secret(self, value: str) -> bool:
        return super().is_secret(value)


class TeamsWebhookDetector(TokenDetector):
    secret_type = "Microsoft Teams Webhook"
    keywords = ("webhook.office.com",)
    patterns = (
        re.compile(r"https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9-]+@[a-z0-9-]+/"
                   r"IncomingWebhook/[a-z0-9]+/[a-z0-9-]+(?:/[\w-]+)?"),
    )
