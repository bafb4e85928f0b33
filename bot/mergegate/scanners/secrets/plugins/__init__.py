"""MergeGate's detect-secrets plugins, grouped by provider family.

`PLUGINS` run next to detect-secrets' default plugins, except the defaults in `REPLACED`, which a
plugin here supersedes under the same secret type (so `.secrets.baseline` entries still match).
"""

from __future__ import annotations

from .ai import AnthropicKeyDetector, OpenAIKeyDetector
from .base import TokenDetector
from .cloud import (
    AWSKeyDetector,
    AwsSecretKeyDetector,
    AzureConnectionStringDetector,
    AzureEntraClientSecretDetector,
    GoogleApiKeyDetector,
    GoogleOAuthClientSecretDetector,
    GoogleServiceAccountKeyDetector,
)
from .credentials import (
    AuthorizationHeaderDetector,
    BasicAuthDetector,
    CommandLinePasswordDetector,
    ConnectionStringDetector,
)
from .forges import (
    GitHubFineGrainedTokenDetector,
    GitHubTokenDetector,
    GitLabSessionCookieDetector,
    GitLabTokenDetector,
)
from .keys import AgeSecretKeyDetector, JwtShapeDetector, PrivateKeyDetector
from .keyword import KeywordDetector
from .messaging import (
    DiscordCredentialDetector,
    DiscordWebhookDetector,
    SlackAppTokenDetector,
    SlackTokenDetector,
    SlackWebhookDetector,
    TeamsWebhookDetector,
    TelegramBotTokenDetector,
)
from .payments import (
    MailchimpKeyDetector,
    MailgunKeyDetector,
    SendGridKeyDetector,
    StripeKeyDetector,
    TwilioKeyDetector,
)
from .registries import (
    DockerHubTokenDetector,
    HuggingFaceTokenDetector,
    NpmAccessTokenDetector,
    PypiUploadTokenDetector,
    RubyGemsTokenDetector,
)
from .services import (
    AtlassianTokenDetector,
    DatadogKeyDetector,
    DigitalOceanTokenDetector,
    DopplerTokenDetector,
    GrafanaTokenDetector,
    HerokuKeyDetector,
    NewRelicKeyDetector,
    PulumiTokenDetector,
    SentryDsnDetector,
    SentryTokenDetector,
    ShopifyTokenDetector,
    TerraformCloudTokenDetector,
    VaultTokenDetector,
)

PLUGINS: tuple[type[TokenDetector], ...] = (
    GitHubTokenDetector, GitHubFineGrainedTokenDetector, GitLabTokenDetector,
    GitLabSessionCookieDetector,
    SlackTokenDetector, SlackAppTokenDetector, SlackWebhookDetector, DiscordWebhookDetector,
    DiscordCredentialDetector, TelegramBotTokenDetector, TeamsWebhookDetector,
    StripeKeyDetector, TwilioKeyDetector, SendGridKeyDetector, MailgunKeyDetector,
    MailchimpKeyDetector,
    GoogleApiKeyDetector, GoogleOAuthClientSecretDetector, GoogleServiceAccountKeyDetector,
    AzureConnectionStringDetector, AzureEntraClientSecretDetector, AWSKeyDetector,
    AwsSecretKeyDetector,
    NpmAccessTokenDetector, PypiUploadTokenDetector, DockerHubTokenDetector,
    HuggingFaceTokenDetector, RubyGemsTokenDetector,
    OpenAIKeyDetector, AnthropicKeyDetector,
    ShopifyTokenDetector, AtlassianTokenDetector, DatadogKeyDetector, NewRelicKeyDetector,
    HerokuKeyDetector, DigitalOceanTokenDetector, VaultTokenDetector, TerraformCloudTokenDetector,
    SentryTokenDetector, SentryDsnDetector, DopplerTokenDetector, PulumiTokenDetector, GrafanaTokenDetector,
    PrivateKeyDetector, AgeSecretKeyDetector, JwtShapeDetector,
    BasicAuthDetector, ConnectionStringDetector, CommandLinePasswordDetector,
    AuthorizationHeaderDetector,
    KeywordDetector,
)

# detect-secrets' default plugins that a plugin above replaces, by class name.
REPLACED: frozenset[str] = frozenset({
    "AWSKeyDetector", "BasicAuthDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "JwtTokenDetector", "KeywordDetector", "MailchimpDetector", "OpenAIDetector",
    "PrivateKeyDetector", "PypiTokenDetector", "SendGridDetector", "SlackDetector",
    "StripeDetector", "TelegramBotTokenDetector", "TwilioKeyDetector",
})

__all__ = ["PLUGINS", "REPLACED", "TokenDetector"]
