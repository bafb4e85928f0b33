"""Scan-engine benchmark: full scan, diff-aware one-file scan, and the floor, in one run.

The corpus is real code: Python packages installed in this environment, copied into a temp git
repository (a base commit, then a branch that changes one file). Figures are medians; ratios are
against baselines measured in the same run:

- floor: Semgrep (the same CLI and merged rules mergegate uses) and detect-secrets run directly
  on the changed file, as two processes;
- baseline full: Semgrep's own full scan of the repository plus detect-secrets' own full scan;
- with --baseline-rules REV, the full scan again with the rules of commit REV (MERGEGATE_RULES_DIR),
  alternated with the full scan with our rules, for the cost of rule changes.

    python bench/bench_scan.py [--files 2000] [--runs 5] [--full-runs 3] [--baseline-rules REV]

The diff-aware scan and the floor take turns (run i of one, then run i of the other); CPU
times (user + system of each process tree) are printed beside the wall times, which move with
the machine's load. `--full-runs 0` leaves the full scans out.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import rules_at

BIN = Path(sys.executable).parent
PACKAGES = ("aiohttp", "sqlalchemy", "yaml", "jsonschema", "cryptography", "packaging",
            "gitlab", "gidgethub", "cyclonedx", "univers", "alembic", "psycopg", "pip",
            "setuptools", "prometheus_client", "detect_secrets", "requests", "urllib3")


def site_packages() -> Path:
    import sysconfig

    return Path(sysconfig.get_paths()["purelib"])


def build_corpus(root: Path, max_files: int) -> tuple[Path, str]:
    repo = root / "corpus"
    repo.mkdir()
    count = 0
    for name in PACKAGES:
        src = site_packages() / name
        if not src.is_dir():
            continue
        for f in sorted(src.rglob("*.py")):
            if count >= max_files:
                break
            dest = repo / name / f.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
            count += 1
    git = ["git", "-C", str(repo), "-c", "user.email=b@b", "-c", "user.name=b"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "corpus"], check=True)
    subprocess.run([*git, "checkout", "-q", "-b", "change"], check=True)
    changed = sorted(repo.rglob("*.py"))[len(list(repo.rglob("*.py"))) // 2]
    with changed.open("a") as fh:
        fh.write("\n\ndef _bench_added(db, name):\n"
                 "    return db.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n")
    subprocess.run([*git, "commit", "-q", "-am", "one-file change"], check=True)
    return repo, str(changed.relative_to(repo))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_cpu(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system, its child processes included) of one run."""
    cpu = children_cpu()
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed, children_cpu() - cpu


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    return timed_cpu(cmd, cwd, env)[0]


def median(cmds: list[list[str]], cwd: Path, runs: int) -> float:
    samples = []
    for _ in range(runs):
        samples.append(sum(timed(c, cwd) for c in cmds))
    return statistics.median(samples)


def diff_and_floor(diff: list[str], floor: list[list[str]], cwd: Path, runs: int
                   ) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(wall, CPU) of each run of the diff-aware scan and of the floor, taking turns, so that
    a change in the machine's load weighs on both alike."""
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for _ in range(runs):
        ours.append(timed_cpu(diff, cwd))
        parts = [timed_cpu(c, cwd) for c in floor]
        theirs.append((sum(w for w, _ in parts), sum(c for _, c in parts)))
    return ours, theirs


def alternated(cmd: list[str], cwd: Path, envs: list[dict[str, str]], runs: int) -> list[float]:
    """Median wall time of `cmd` under each environment, the environments taking turns."""
    samples: list[list[float]] = [[] for _ in envs]
    for _ in range(runs):
        for i, env in enumerate(envs):
            samples[i].append(timed(cmd, cwd, env))
    return [statistics.median(s) for s in samples]


def merged_rules() -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mergegate.config import Settings
    from mergegate.scanners.sast import (
        bundled_rules_dir,
        default_cache_dir,
        languages_of,
        load_rules,
        merged_config,
        rule_files,
        rules_for_languages,
    )

    # The same rules mergegate runs on a Python change: the floor is a fair one.
    settings = Settings.from_env()  # MERGEGATE_RULES_DIR, as mergegate itself reads it
    rules = rules_for_languages(load_rules(rule_files(bundled_rules_dir(settings.rules_dir))),
                                languages_of(["x.py"]))
    return merged_config(rules, default_cache_dir(settings.cache_dir))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full-runs", type=int, default=3)
    parser.add_argument("--baseline-rules", metavar="REV",
                        help="also time the full scan with the rules of this commit")
    args = parser.parse_args()
    jobs = str(min(4, os.cpu_count() or 1))
    with tempfile.TemporaryDirectory() as tmp:
        repo, changed = build_corpus(Path(tmp), args.files)
        files = len(list(repo.rglob("*.py")))
        lines = sum(len(p.read_bytes().splitlines()) for p in repo.rglob("*.py"))
        config = merged_rules()
        semgrep = [str(BIN / "semgrep"), "scan", "--experimental", "--json", "--metrics=off",
                   "--disable-version-check", "--quiet", "--config", str(config), "--jobs", jobs]
        mergegate = [str(BIN / "mergegate"), "scan", "--format", "json"]
        ds = [str(BIN / "detect-secrets"), "scan"]
        print(f"corpus: {files} Python files, {lines} lines; changed: {changed}")

        load_before = os.getloadavg()
        ours, theirs = diff_and_floor([*mergegate, "--base", "main", "."],
                                      [[*semgrep, changed], [*ds, changed]], repo, args.runs)
        diff, floor = (statistics.median(w for w, _ in ours),
                       statistics.median(w for w, _ in theirs))
        diff_cpu, floor_cpu = (statistics.median(c for _, c in ours),
                               statistics.median(c for _, c in theirs))
        paired = statistics.median(a[0] / b[0] for a, b in zip(ours, theirs, strict=True))
        load_after = os.getloadavg()
        full = full_old_rules = baseline_full = None
        if args.full_runs == 0:
            pass  # diff-aware figures only (while iterating)
        elif args.baseline_rules:
            old_rules = rules_at(args.baseline_rules, Path(tmp) / "baseline")
            envs = [dict(os.environ), {**os.environ, "MERGEGATE_RULES_DIR": str(old_rules)}]
            full, full_old_rules = alternated([*mergegate, "--all", "."], repo, envs,
                                              args.full_runs)
        else:
            full = median([[*mergegate, "--all", "."]], repo, args.full_runs)
        if args.full_runs:
            baseline_full = median([[*semgrep, "."], [*ds, "--all-files", "."]], repo,
                                   args.full_runs)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"diff-aware one-file scan   median {diff:7.2f} s  ({args.runs} runs, alternated "
          f"with the floor; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)")
    print(f"floor (semgrep + d-s)      median {floor:7.2f} s  -> ratio {diff / floor:.2f}x (target <= 1.3x)")
    print(f"  median of the per-run ratios {paired:.2f}x; CPU time {diff_cpu:.2f} s against "
          f"{floor_cpu:.2f} s ({diff_cpu / floor_cpu:.2f}x)")
    if full is None or baseline_full is None:
        return
    print(f"full scan (--all)          median {full:7.2f} s  ({args.full_runs} runs)")
    print(f"diff-aware speed-up        {full / diff:.1f}x faster than the full scan (target >= 10x)")
    print(f"baseline full (semgrep + d-s) {baseline_full:7.2f} s -> ratio {full / baseline_full:.2f}x "
          "(target <= 1.2x)")
    if args.baseline_rules and full_old_rules is not None:
        print(f"full scan, rules of {args.baseline_rules}  median {full_old_rules:7.2f} s -> ours "
              f"{full / full_old_rules:.2f}x (target <= 1.3x)")
    print(f"peak RSS of any process    {peak_mb:.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
