"""Detection-quality benchmark: our Semgrep rules on GitHub's CodeQL security query tests.

For each language (python, javascript, java, go) the CodeQL tests under
`$MERGEGATE_FIXTURES/sast/codeql/<lang>` (default: `../shared/fixtures` next to the repository)
are scanned the way the SAST scanner scans a change: `semgrep scan --experimental` with our rules
for that language merged into one config (the scanner's own `load_rules`, `rules_for_languages`
and `merged_config`), over a staged copy of the files with an empty `.semgrepignore`. Semgrep
writes SARIF, which `shared/tools/score_sarif.py` scores against the alerts
`shared/tools/codeql_expected.py` lists (both run as scripts, as they are).

Printed per language and CWE: expected alerts, found, recall, unexpected results (matching no
expected alert: an upper bound on false positives) and on_ok (those on a line the corpus marks
as safe), then the share of all results that sit on safe-marked lines. Figures only: this
script asserts nothing.

With --baseline REV it also times Semgrep (CPU seconds: user + system of the Semgrep processes)
on each language's corpus with our rules and with the rules of commit REV, alternating the two
--time-runs times, and prints the medians and their ratio (measured in the same run, so a busy
machine moves both).

    python bench/bench_sast_corpus.py [--lang python ...] [--cwe CWE-89 ...] [--keep DIR]
                                      [--baseline REV [--time-runs 5]]

To score other rules (an older commit's, say), point MERGEGATE_RULES_DIR at their folder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bot"))

from _common import rules_at  # noqa: E402
from mergegate.config import Settings  # noqa: E402
from mergegate.scanners.sast import (  # noqa: E402
    SemgrepScanner,
    bundled_rules_dir,
    default_cache_dir,
    languages_of,
    load_rules,
    merged_config,
    rule_files,
    rules_for_languages,
)

LANGUAGES = ("python", "javascript", "java", "go")
# A file name per language: which of our rules the scanner would select for it.
SAMPLE_FILES = {
    "python": ["x.py"],
    "javascript": ["x.js", "x.ts"],
    "java": ["X.java"],
    "go": ["x.go"],
}


def fixtures_dir() -> Path:
    env = os.environ.get("MERGEGATE_FIXTURES")
    return Path(env) if env else (REPO.parent / "shared" / "fixtures")


def tools_dir(fixtures: Path) -> Path:
    return fixtures.resolve().parent / "tools"


def config_for(lang: str, rules_dir: Path | None = None) -> Path:
    """The merged rules the scanner would run on a file of `lang` (`rules_dir`, else
    MERGEGATE_RULES_DIR, else ours)."""
    rules = load_rules(rule_files(bundled_rules_dir(rules_dir or Settings.from_env().rules_dir)))
    rules = rules_for_languages(rules, languages_of(SAMPLE_FILES[lang]))
    return merged_config(rules, default_cache_dir())


def semgrep_command(config: Path) -> list[str]:
    """The scanner's own command line, writing SARIF instead of JSON."""
    cmd = SemgrepScanner(Settings.from_env()).command(config, ["."])
    return ["--sarif" if part == "--json" else part for part in cmd]


def run_lang(lang: str, corpus: Path, tools: Path, work: Path) -> dict[str, Any]:
    expected = work / f"{lang}-expected.jsonl"
    with expected.open("w") as fh:
        subprocess.run(
            [sys.executable, str(tools / "codeql_expected.py"), str(corpus)],
            stdout=fh, check=True,
        )
    tree = work / f"{lang}-tree"
    shutil.copytree(corpus, tree)
    (tree / ".semgrepignore").write_text("# every file of the corpus is a target\n")
    config = config_for(lang)
    env = {**os.environ, "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    started = time.perf_counter()
    proc = subprocess.run(
        semgrep_command(config), cwd=tree, capture_output=True, text=True, env=env, check=False
    )
    elapsed = time.perf_counter() - started
    sarif = work / f"{lang}.sarif"
    sarif.write_text(proc.stdout)
    errors = []
    try:
        data = json.loads(proc.stdout)
        results = sum(len(run.get("results", [])) for run in data.get("runs", []))
        for run in data.get("runs", []):
            for inv in run.get("invocations", []):
                for note in inv.get("toolExecutionNotifications", []):
                    if note.get("level") == "error":
                        errors.append(str(note.get("message", {}).get("text", ""))[:200])
    except json.JSONDecodeError:
        return {"error": f"semgrep exit {proc.returncode}: {proc.stderr.strip()[-300:]}"}
    score = subprocess.run(
        [sys.executable, str(tools / "score_sarif.py"), str(expected), str(sarif),
         "--root", str(corpus), "--json"],
        capture_output=True, text=True, check=True,
    )
    return {"table": json.loads(score.stdout), "results": results, "seconds": elapsed,
            "errors": errors, "exit": proc.returncode}


def semgrep_cpu_seconds(config: Path, tree: Path) -> float:
    """User + system CPU seconds of one Semgrep run over `tree` (the scanner's command)."""
    env = {**os.environ, "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        semgrep_command(config), cwd=tree, capture_output=True, text=True, env=env, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"semgrep failed ({proc.returncode}): {proc.stderr.strip()[-300:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_lang(lang: str, tree: Path, baseline_rules: Path, runs: int) -> tuple[float, float]:
    """Median Semgrep CPU seconds on `tree`: (our rules, baseline rules), runs alternated."""
    ours, base = config_for(lang), config_for(lang, baseline_rules)
    samples: dict[Path, list[float]] = {ours: [], base: []}
    for _ in range(runs):
        for config in (base, ours):
            samples[config].append(semgrep_cpu_seconds(config, tree))
    return statistics.median(samples[ours]), statistics.median(samples[base])


def print_lang(lang: str, out: dict[str, Any], cwes: set[str]) -> None:
    print(f"\n== {lang}")
    if "error" in out:
        print(f"   {out['error']}")
        return
    table = out["table"]
    print(f"{'cwe':10} {'expected':>8} {'found':>6} {'recall':>7} {'unexpected':>10} {'on_ok':>6}")
    on_ok = 0
    for cwe, s in table.items():
        on_ok += s["on_ok"]
        if cwes and cwe not in cwes:
            continue
        recall = "-" if s["recall"] is None else f"{s['recall']:.2f}"
        print(f"{cwe:10} {s['expected']:8} {s['found']:6} {recall:>7} {s['unexpected']:10} "
              f"{s['on_ok']:6}")
    total = out["results"]
    share = on_ok / total if total else 0.0
    print(f"results {total}, on safe-marked lines {on_ok} ({share:.1%}); "
          f"semgrep {out['seconds']:.1f} s, exit {out['exit']}")
    for err in out["errors"][:5]:
        print(f"   semgrep error: {err}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", action="append", choices=LANGUAGES)
    parser.add_argument("--cwe", action="append", default=[], help="only print these CWEs")
    parser.add_argument("--keep", type=Path, help="keep expected lists and SARIF files here")
    parser.add_argument("--baseline", metavar="REV",
                        help="also time Semgrep against the rules of this commit")
    parser.add_argument("--time-runs", type=int, default=5, help="timed runs per rule set")
    args = parser.parse_args()
    fixtures = fixtures_dir()
    codeql = fixtures / "sast" / "codeql"
    tools = tools_dir(fixtures)
    if not codeql.is_dir() or not (tools / "score_sarif.py").is_file():
        raise SystemExit(f"no CodeQL corpus at {codeql} or no scoring tools at {tools}")
    with tempfile.TemporaryDirectory(prefix="mergegate-corpus-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for lang in args.lang or LANGUAGES:
            if (work / f"{lang}-tree").exists():
                shutil.rmtree(work / f"{lang}-tree")
            out = run_lang(lang, codeql / lang, tools, work)
            print_lang(lang, out, set(args.cwe))
        if args.baseline:
            baseline = rules_at(args.baseline, work / "baseline")
            print(f"\nSemgrep CPU seconds on the corpus, median of {args.time_runs} "
                  f"(baseline: rules of {args.baseline})")
            print(f"{'language':12} {'ours':>7} {'baseline':>9} {'ratio':>6}")
            for lang in args.lang or LANGUAGES:
                ours, base = time_lang(lang, work / f"{lang}-tree", baseline, args.time_runs)
                print(f"{lang:12} {ours:7.2f} {base:9.2f} {ours / base:5.2f}x", flush=True)


if __name__ == "__main__":
    main()
