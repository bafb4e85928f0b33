"""Secrets detection: recall and false-case rate on gitleaks' rule cases, findings on real
Kubernetes manifests, and the time of 100k lines against detect-secrets' default plugins.

    .venv/bin/python bench/bench_secrets.py [--runs 5] [--lines 100000] [--misses]

Fixtures: $MERGEGATE_FIXTURES or ../shared/fixtures from the repository root. Values are never
printed, only rule names, types, counts and (with --misses) the case's index.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from mergegate.scanners.secrets import detect_in_lines, detect_in_text, most_specific
from mergegate.scanners.secrets.detection import _detect_secrets, detector_settings

ROOT = Path(__file__).resolve().parent.parent

# gitleaks rules for the formats issue 13 lists, by family.
IN_SCOPE: dict[str, tuple[str, ...]] = {
    "forges": ("github-pat", "github-fine-grained-pat", "github-oauth", "github-app-token",
               "github-refresh-token", "gitlab-pat", "gitlab-pat-routable", "gitlab-deploy-token",
               "gitlab-runner-authentication-token",
               "gitlab-runner-authentication-token-routable", "gitlab-cicd-job-token",
               "gitlab-feed-token", "gitlab-oauth-app-secret"),
    "messaging": ("slack-bot-token", "slack-user-token", "slack-app-token", "slack-webhook-url",
                  "slack-config-access-token", "slack-legacy-bot-token",
                  "slack-legacy-workspace-token", "slack-legacy-token", "discord-api-token",
                  "discord-client-id", "discord-client-secret", "telegram-bot-api-token"),
    "payments+email": ("stripe-access-token", "twilio-api-key", "sendgrid-api-token",
                       "mailgun-private-api-token", "mailgun-pub-key", "mailgun-signing-key",
                       "mailchimp-api-key"),
    "google": ("gcp-api-key",),
    "azure": ("azure-ad-client-secret",),
    "aws": ("aws-access-token",),
    "registries": ("npm-access-token", "pypi-upload-token", "huggingface-access-token",
                   "huggingface-organization-api-token"),
    "ai": ("openai-api-key", "anthropic-api-key", "anthropic-admin-api-key"),
    "services": ("shopify-access-token", "shopify-custom-access-token",
                 "shopify-private-app-access-token", "shopify-shared-secret",
                 "atlassian-api-token", "datadog-access-token", "new-relic-user-api-key",
                 "new-relic-user-api-id", "new-relic-browser-api-token", "new-relic-insert-key",
                 "heroku-api-key", "heroku-api-key-v2", "digitalocean-pat",
                 "digitalocean-access-token", "digitalocean-refresh-token", "vault-batch-token",
                 "vault-service-token", "hashicorp-tf-api-token", "sentry-access-token",
                 "sentry-org-token", "sentry-user-token", "doppler-api-token", "pulumi-api-token",
                 "grafana-api-key", "grafana-cloud-api-token", "grafana-service-account-token"),
    "keys": ("private-key", "age-secret-key", "jwt", "jwt-base64"),
    "text": ("curl-auth-user",),
}


def fixtures() -> Path:
    return Path(os.environ.get("MERGEGATE_FIXTURES") or ROOT.parent / "shared" / "fixtures")


def findings(text: str, filename: str = "case") -> list[Any]:
    return most_specific(detect_in_text(filename, text).hits)


def gitleaks(path: Path, show_misses: bool) -> dict[str, Any]:
    rules = {r["rule"]: r for r in json.loads(path.read_text())}
    tps_all = {tp for r in rules.values() for tp in r["tps"]}
    in_scope = [n for names in IN_SCOPE.values() for n in names]
    shapes: dict[str, re.Pattern[str]] = {}
    for name in in_scope:
        with contextlib.suppress(re.error):  # a Go-only construct: that shape is not used
            shapes[name] = re.compile(rules[name]["regex"])
    by_type: Counter[str] = Counter()
    fp_types: Counter[str] = Counter()
    totals = {"tp": 0, "found": 0, "fp": 0, "reported": 0, "own_shape": 0}
    own_shape: Counter[str] = Counter()
    print(f"{'family':<15}{'gitleaks rule':<46}{'found':>10}{'false rep.':>12}")
    for family, names in IN_SCOPE.items():
        for name in names:
            rule = rules[name]
            found = 0
            for index, case in enumerate(rule["tps"]):
                hits = findings(case)
                by_type.update(h.type for h in hits)
                if hits:
                    found += 1
                elif show_misses:
                    print(f"    miss {name}[{index}]")
            # A rule's false case that is another in-scope rule's true case, or has its shape
            # (an Anthropic admin key is a false case of the API key rule), is not a false one.
            fps = [c for c in rule["fps"] if c not in tps_all and not any(
                other != name and shape.search(c) for other, shape in shapes.items())]
            reported = 0
            for index, case in enumerate(fps):
                hits = findings(case)
                if hits:
                    reported += 1
                    fp_types.update(h.type for h in hits)
                    if name in shapes and shapes[name].search(case):
                        totals["own_shape"] += 1
                        own_shape[name] += 1
                    if show_misses:
                        print(f"    false {name}[{index}]: {sorted({h.type for h in hits})}")
            totals["tp"] += len(rule["tps"])
            totals["found"] += found
            totals["fp"] += len(fps)
            totals["reported"] += reported
            print(f"{family:<15}{name:<46}{found:>5}/{len(rule['tps']):<4}"
                  f"{reported:>6}/{len(fps):<4}")
    recall = totals["found"] / max(1, totals["tp"])
    fp_rate = totals["reported"] / max(1, totals["fp"])
    print(f"\nrecall on the true cases {totals['found']}/{totals['tp']} = {recall:.1%} "
          f"(target >= 95%)\nfalse-case rate: {totals['reported']}/{totals['fp']} = {fp_rate:.1%} "
          "of the false cases reported (target <= 5%)")
    shaped = totals["own_shape"]
    fp_shapeless = (totals["reported"] - shaped) / max(1, totals["fp"] - shaped)
    by_rule = ", ".join(f"{rule} {count}" for rule, count in own_shape.most_common())
    print(f"  {shaped} of those have their own rule's shape ({by_rule}): gitleaks drops them by "
          "an allowlist (Google: a list of the keys' values); without them "
          f"{totals['reported'] - shaped}/{totals['fp'] - shaped} = {fp_shapeless:.1%}")
    print("\nfindings per detector on the true cases:")
    for secret_type, count in by_type.most_common():
        print(f"  {secret_type:<34}{count:>6}")
    print("findings per detector on the false cases:")
    for secret_type, count in fp_types.most_common():
        print(f"  {secret_type:<34}{count:>6}")
    return {"recall": recall, "fp_rate": fp_rate, "fp_rate_shapeless": fp_shapeless}


def manifests(folder: Path) -> int:
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
    reported = 0
    for path in files:
        hits = findings(path.read_text(encoding="utf-8", errors="replace"), str(path))
        for hit in hits:
            reported += 1
            print(f"  {path.relative_to(folder)}:{hit.line}: {hit.type}")
    print(f"k8s manifests: {len(files)} files, {reported} findings (target: no secret-store "
          "reference reported)")
    return reported


def corpus(lines: int) -> list[tuple[int, str]]:
    """Real code and config: this repository's sources and the k8s fixtures, repeated."""
    texts: list[str] = []
    sources = sorted((ROOT / "bot").rglob("*.py")) + sorted(fixtures().glob("k8s/**/*.yaml"))
    for path in sources:
        texts += path.read_text(encoding="utf-8", errors="replace").splitlines()
    texts = (texts * (lines // max(1, len(texts)) + 1))[:lines]
    return list(enumerate(texts, start=1))


def timing(lines: int, runs: int) -> float:
    numbered = corpus(lines)
    scan = _detect_secrets().core.scan
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    defaults = [c.__name__ for c in get_mapping_from_secret_type_to_class().values()
                if c.__module__.startswith("detect_secrets.")]

    def default_only() -> None:
        with detector_settings(defaults):
            list(scan._process_line_based_plugins(numbered, filename="corpus.py"))

    def ours() -> None:
        detect_in_lines("corpus.py", numbered)

    results: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for label, fn in (("detect-secrets default plugins", default_only),
                          ("MergeGate (all plugins)", ours)):
            start = time.perf_counter()
            fn()
            results[label].append(time.perf_counter() - start)
    medians = {label: statistics.median(times) for label, times in results.items()}
    for label, median in medians.items():
        print(f"{label:<34}{median:8.2f} s (median of {runs})")
    ratio = medians["MergeGate (all plugins)"] / medians["detect-secrets default plugins"]
    print(f"{len(numbered)} lines: ratio {ratio:.2f}x (target <= 1.3x)")
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--runs", type=int, default=3, help="timing runs (the median counts)")
    parser.add_argument("--lines", type=int, default=100_000, help="lines in the timing corpus")
    parser.add_argument("--misses", action="store_true", help="list missed and false cases")
    parser.add_argument("--skip-timing", action="store_true", help="only the detection figures")
    args = parser.parse_args(argv)
    base = fixtures()
    cases = base / "secrets" / "gitleaks-cases.json"
    if not cases.is_file():
        print(f"fixtures not found under {base} (set MERGEGATE_FIXTURES)", file=sys.stderr)
        return 2
    gitleaks(cases, args.misses)
    print()
    manifests(base / "k8s")
    print()
    if not args.skip_timing:
        timing(args.lines, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
