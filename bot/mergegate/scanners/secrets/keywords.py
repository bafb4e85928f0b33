"""Which names hold secrets, and which assigned values are literals worth reporting.

A name holds a secret when its last word (after splitting `snake_case`, `kebab-case`,
`dot.names` and `camelCase`) is one like `password`, `secret`, `token`, or `key` after `api`,
`secret`, `private`... A name that ends in a word saying what it *is about* (`password_field`,
`token_type`, `secretName`, `secretKeyRef`, `adminSecretNamespace`) does not hold a value.

A value is reported only when it is a literal: not empty, not a placeholder (`changeme`,
`<password>`, `${VAR}`, `{{ .Values.x }}`, `****`), not a reference to a variable, a file or a
secret store (Vault paths, cloud secret-manager ARNs and URLs, `op://`, `ref+vault://`).
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

SECRET_WORDS = frozenset({
    "password", "passwd", "passphrase", "pwd", "pass", "pword", "secret", "token", "apikey",
    "credential", "credentials", "creds", "pat", "passcode", "pw", "pswd", "psw", "passw",
    "auth",
})
_PAT_OWNERS = frozenset({"github", "gitlab", "gh", "gl", "azure", "ado", "devops", "personal",
                         "access", "hf", "huggingface", "docker", "npm", "git", "bitbucket"})
# Secret words of credentials machines make: their values are random, never a plain word.
# (A `secret` or a password is often a phrase someone chose: `app.secret_key = "supersecret"`.)
_MACHINE_WORDS = frozenset({"token", "apikey", "key", "pat", "accesskey", "privatekey", "auth"})
# A value in regular-expression syntax (`_PAT = r"(?:[0-9]{1,3}\.){3}"`) is not a credential.
_REGEX_SYNTAX = re.compile(r"\(\?[:=!<P]|\[\^|\\[wdsbWDS]|\{\d+,\d*\}|\[[^\]]*-[^\]]*\][*+?{]")
# One-word names that end in a secret word: PGPASSWORD, githubtoken, ACCESSTOKEN.
_GLUED = ("password", "passwd", "passphrase", "secret", "token", "apikey", "secretkey",
          "accesskey", "privatekey")
# `key` holds a value after one of these: api_key, secretKey, PRIVATE_KEY, accessKey...
KEY_QUALIFIERS = frozenset({
    "api", "secret", "private", "access", "auth", "master", "encryption", "signing", "client",
    "app", "account", "storage", "service", "shared", "license", "consumer", "subscription",
    "sas", "hmac", "jwt", "session", "crypt", "cipher", "aes", "encrypt", "sign",
})
# Words after the secret word that still name the value itself (`password_plain`, `token2`).
VALUE_SUFFIXES = frozenset({
    "value", "str", "string", "text", "plain", "plaintext", "raw", "b64", "base64", "hex",
    "bytes", "literal", "prod", "production", "dev", "staging", "test", "local", "old", "new",
    "default", "admin", "root", "user", "key",
})
# Words that, leading a name, make it a flag or a count rather than the secret.
NOT_VALUE_PREFIXES = frozenset({
    "is", "has", "show", "hide", "require", "requires", "use", "uses", "enable", "disable",
    "allow", "no", "num", "max", "min", "forgot", "reset", "validate", "check", "verify",
    "get", "set", "read", "load", "fetch", "generate", "gen", "create", "rotate", "refresh",
    "hashed", "hash", "salted", "masked", "public", "example", "sample", "dummy", "fake",
})


def words(name: str) -> list[str]:
    """`adminSecretName` -> [admin, secret, name]; `DB_PASSWORD` -> [db, password]."""
    return [w.lower() for w in _WORD.findall(name)]


@lru_cache(maxsize=4096)
def secret_word(name: str) -> str | None:
    """The word that makes a name hold a secret (`password`, `token`, `key`...), or None.

    Only the last word decides: `password_field`, `token_type` or `secretName` end in a word
    that is not a secret, so they name something about a secret, not the secret itself.
    """
    parts = words(name)
    if not parts or (len(parts) > 1 and parts[0] in NOT_VALUE_PREFIXES):
        return None
    while len(parts) > 1 and (parts[-1] in VALUE_SUFFIXES or parts[-1].isdigit()):
        if parts[-1] == "key" and parts[-2] in KEY_QUALIFIERS:
            break
        parts.pop()
    last = parts[-1]
    if last == "pat":  # a personal access token, or (mostly) a pattern
        return last if len(parts) > 1 and parts[-2] in _PAT_OWNERS else None
    if last in SECRET_WORDS:
        return last
    if last == "key":
        return last if len(parts) > 1 and parts[-2] in KEY_QUALIFIERS else None
    glued = next((g for g in _GLUED if last.endswith(g)), None)
    return glued


def holds_secret(name: str) -> bool:
    """Whether a variable, key or element of this name is meant to hold a secret value."""
    return secret_word(name) is not None


_PLACEHOLDER_WORDS = frozenset({
    "changeme", "change_me", "changeit", "change-me", "password", "passwd", "pass", "secret",
    "token", "none", "null", "nil", "true", "false", "undefined", "todo", "tbd", "fixme",
    "example", "dummy", "required", "optional", "string", "str", "text", "value", "redacted",
    "hidden", "sample", "default", "xxx", "empty", "notset", "not_set", "unset", "n/a", "na",
    "mypassword", "yourpassword", "your_password", "your-password", "my_password",
    "secretpassword", "api_key", "apikey", "your_api_key", "your-api-key", "yourapikey",
    "your_token", "your-token", "mytoken", "my_token", "your_secret", "mysecret", "my_secret",
    "test", "testing", "foo", "bar", "foobar", "abc", "abc123", "bearer", "basic", "token_here",
    "password_here", "secret_here", "key", "private", "public", "env", "replace_me", "replaceme",
    "set_me", "setme", "insert", "your", "here", "placeholder", "omitted", "masked", "secure",
    "encrypted", "generated", "random", "auto", "unknown", "off", "on", "yes", "no", "disabled",
    "enabled", "prompt", "ask", "stdin",
    "file", "keyring", "keychain", "vault", "aws", "gcp", "azure", "k8s", "kubernetes", "external",
})
_PLACEHOLDER = re.compile(
    r"""(?ix)^(?:
        [*x#.?_\-•●]+                           # ****, xxxx, ...., ____
      | .*(?:x{4,}|\*{3,}|\.{3}|•{3,}|(.)\1{7,}).* | .*xxx  # partly masked
      | <.*|.*<[^<>]+>|.*>                      # <password>, <YOUR_TOKEN>, markup
      | \[[A-Z_ -]+\]                           # [PASSWORD]
      | .*\$\{[^}]*\}.* | \$\(.*\) | \$[A-Za-z_]\w* | \$\d | %[A-Za-z_]\w*%
      | .*\{\{.*\}\}.* | .*\{%.*%\}.*           # Helm, Jinja, Liquid, CloudFormation resolve
      | .*\#\{.*\}.* | %\(\w+\)[sd] | %[sd] | \{[^{}]*\} | @\w+@ | __\w+__
      | (?:your|my|the|enter|insert|put|replace|add|paste)[\s_-]?.*
      | .*(?:_here|-here|here$)
      | !\w+.*                                  # YAML tags: !vault, !Ref, !Sub
      | [|>][-+]?\d*                            # YAML block scalar indicators
    )$"""
)
# Where a value points to a secret kept elsewhere.
_REFERENCE = re.compile(
    r"""(?ix)^(?:
        arn:aws[\w-]*:(?:secretsmanager|ssm|kms):.*
      | projects/[^/\s]+/secrets/.*
      | https?://[\w.-]+\.vault\.azure\.net/.*
      | @Microsoft\.KeyVault\(.*
      | (?:ref\+)?(?:vault|awssm|awsssm|gcpsm|azkv|sops|op|sm|secret|secrets|k8s|doppler|
           bw|keyvault|file|env|sops|akv|ssm)(?:\+\w+)?://.*
      | (?:vault:)?(?:secret|kv|kv-v2|secrets)/(?:data/)?[\w.-]+(?:/[\w.${}-]+)+(?:\#\w+)?
      | vault:[\w/.-]+(?:\#\w+)?
      | [/~]?(?:\.{0,2}/)?(?:[\w.@-]+/)+[\w.@-]+\.(?:pem|key|crt|txt|json|p12|pfx|jks|der|env|
           pub|asc|gpg|secret|token|conf|cfg|yaml|yml)
      | /(?:run|var|etc|home|tmp|opt|usr|secrets|mnt|srv|data)/[\w./@-]*
      | (?:env|ENV|process\.env|os\.environ|os\.getenv|System\.getenv|getenv|secrets|vars|
           Environment|config|settings|params)[.\[(].*
    )$"""
)
# Values in a known token format are judged by that format's plugin: a value that has the
# prefix but not the shape (`xoxp-1234567890`) is an example, not a keyword finding.
_KNOWN_FORMAT = re.compile(
    r"^(?:gh[pousr]_|github_pat_|gl(?:pat|rt|cbt|oas|soat|imt|ffct|ft|dt|ptt|agent)-|xox[a-z]-|"
    r"xapp-|[sr]k_(?:live|test|prod)_|sk-|AKIA|ASIA|AIza|hf_|api_org_|npm_|pypi-|SG\.|"
    r"dp\.(?:pt|st|sa|ct)\.|shp(?:at|ca|pa|ss)_|do[opr]_v1_|hv[sbr]\.|NR(?:AK|II|JS)-|glc_|"
    r"glsa_|sntry[su]_|pul-|eyJ|ZXlK|AGE-SECRET-KEY|dckr_|rubygems_|GOCSPX-|ATATT3|\d{4,17}:A)"
)
# Words that make a value an example wherever they stand in it: `dummy-token-123`,
# `fake_api_key_abc`, `example_password1`.
_EXAMPLE_WORDS = frozenset({"example", "sample", "dummy", "fake", "mock", "placeholder"})
_ALL_CAPS_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:[_.-][A-Z0-9]+)+$")
# A template the program fills in: `"{}"`, `"{0}"`, f"{PW}", f"{values['a']}", `"%(pw)s"`.
_TEMPLATE = re.compile(r"\{\d*\}|\{[A-Za-z_][\w.]*[}(\[!:]|%\(\w+\)[sd]|%[sd]\b")
# A word of a name or a phrase: `Sponsored`, `pwd`, `RHF` (an acronym before a capital).
_PHRASE_WORD = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]{2,}")
_LONG_WORD = re.compile(r"[A-Z]{3,}(?![a-z])|[A-Z]?[a-z]{3,}")
_NOT_LETTERS_AT_ENDS = re.compile(r"^[^A-Za-z]+|[^A-Za-z]+$")


def is_literal_secret(value: str, name: str = "") -> bool:
    """Whether a value assigned to a secret-like name is a real, literal secret."""
    value = value.strip()
    if len(value) < 4 or len(value) > 1000:
        return False
    low = value.lower()
    if low in _PLACEHOLDER_WORDS or low.strip("'\"") in _PLACEHOLDER_WORDS:
        return False
    if len(set(low)) < 3:
        return False
    if _PLACEHOLDER.match(value) or _REFERENCE.match(value) or _KNOWN_FORMAT.match(value):
        return False
    if _ALL_CAPS_NAME.match(value):  # the name of an environment variable or a constant
        return False
    if value.isdigit() and len(value) < 6:
        return False
    if len(value.split()) >= 3:  # prose: "Enter your password", "the token to use"
        return False
    if _REGEX_SYNTAX.search(value) or _TEMPLATE.search(value):
        return False
    if not _EXAMPLE_WORDS.isdisjoint(words(value)):
        return False
    if name and _same_words(value, name):
        return False
    if name and secret_word(name) in _MACHINE_WORDS and not _machine_made(value):
        return False
    return not (value.startswith(("http://", "https://")) and "@" not in value)


def _machine_made(value: str) -> bool:
    """Tokens, keys and secrets are random: at least 8 characters mixing classes or symbols.
    A plain word (`upgrades`, `_sa_default`, `dbapiunicode`) is a marker, not a credential."""
    if len(value) < 8:
        return False
    lower, upper, digit = (any(c.islower() for c in value), any(c.isupper() for c in value),
                           any(c.isdigit() for c in value))
    symbol = any(not c.isalnum() and c not in "_-. " for c in value)
    return sum((lower, upper, digit)) >= 2 or symbol or (digit and len(value) >= 16)


def _same_words(value: str, name: str) -> bool:
    """`password = "password"`, `token: TOKEN`, `DB_PASSWORD: db-password`."""
    if not re.fullmatch(r"[A-Za-z_.\-\s=:]+", value):
        return False  # digits or symbols: `Password123!` is a (weak) password, not a name
    vw = words(value)
    fillers = {"my", "your", "the", "new", "old", "here", "some", "any", "a", "an", "this", "that"}
    return bool(vw) and set(vw) <= set(words(name)) | fillers


def word_share(text: str, long_words: bool = False) -> float:
    """The share of a text's letters and digits that make up words (of 2 letters or more, or
    3 with `long_words`): near 1 for names and phrases (`SponsoredProductsRemoteRHFSearch`,
    `insecure_pwd`), low for random strings, whose case and digits break every few characters
    (a random 40-character base64 string: 0.25 typically, under 0.9 in 20,000 draws with
    `long_words`)."""
    alnum = sum(c.isalnum() for c in text)
    if not alnum:
        return 0.0
    return sum(map(len, (_LONG_WORD if long_words else _PHRASE_WORD).findall(text))) / alnum


def reads_as_a_name(value: str) -> bool:
    """An identifier made of words (`desktop-rhf_SponsoredProductsRemoteRHFSearch…`): a high
    entropy string of this kind is a name in code or markup, not a key."""
    return word_share(value, long_words=True) >= 0.9


def chosen_phrase(value: str) -> bool:
    """Words, with at most a number or a symbol at either end: `Password123`, `insecure_pwd`,
    `notHighEnoughEntropy`, `admin123`, `12345678`. A password someone picked (or a
    tutorial's), not one a generator or a password manager made."""
    core = _NOT_LETTERS_AT_ENDS.sub("", value)
    if not core:
        return True
    return all(c.isalpha() or c in "_-. " for c in core) and word_share(core) == 1.0


def looks_generated(value: str) -> bool:
    """A literal that reads like a real credential: at least 8 characters, no spaces, not a
    chosen phrase (`Zq8vLm3xTr9Wp2Kd`, `Xk9#mP2$vL`, a hex or base64 key)."""
    return len(value) >= 8 and not any(c.isspace() for c in value) and not chosen_phrase(value)


_TEST_DIRS = frozenset({
    "test", "tests", "__tests__", "testing", "testdata", "test_data", "spec", "specs",
    "fixtures", "__fixtures__", "mocks", "__mocks__", "example", "examples", "sample", "samples",
})
_TEST_FILE = re.compile(
    r"^(?:test_.*|.*_test\.\w+|.*[._-](?:test|spec)\.\w+|\w*[a-z0-9]Tests?\.(?:java|kt|cs|scala|groovy)|"
    r"conftest\.py|.*_spec\.rb)$"
)


def is_test_path(filename: str) -> bool:
    """A test, fixture or example file: `tests/…`, `testdata/…`, `examples/…`, `test_x.py`,
    `x_test.go`, `x.spec.ts`, `XTest.java`."""
    parts = filename.replace("\\", "/").split("/")
    return any(p.lower() in _TEST_DIRS for p in parts[:-1]) or bool(_TEST_FILE.match(parts[-1]))
