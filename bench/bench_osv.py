"""Benchmark of the offline OSV database: index build, matching, restart.

Grows the real advisories of ../shared/fixtures/osv synthetically into an OSV.dev-style
all.zip of 50,000 advisories (in a temp folder), then measures:
  * building the on-disk index from the zip (time and peak RSS of a fresh process),
  * matching 10,000 packages once the index is open (cold: first query after opening,
    nothing parsed yet; warm: repeated),
  * a restart: opening the existing index from a new process/instance.

    /work/venv/bin/python bench/bench_osv.py [--advisories 50000] [--packages 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _common import fixtures_dir  # noqa: E402
from mergegate.scanners.dependencies import versions  # noqa: E402
from mergegate.scanners.dependencies.lookup import find_vulnerabilities  # noqa: E402
from mergegate.scanners.dependencies.model import Dependency, normalize_name  # noqa: E402
from mergegate.scanners.dependencies.osv_offline import OfflineOsv  # noqa: E402


def grow(real: list[dict[str, Any]], count: int, out: Path) -> list[tuple[str, str, str]]:
    """Write `count` advisories to out (all.zip); return (ecosystem, name, version) samples
    that the synthetic advisories name, for the matching benchmark."""
    samples: list[tuple[str, str, str]] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i in range(count):
            doc = copy.deepcopy(real[i % len(real)])
            generation = i // len(real)
            doc["id"] = f"{doc['id']}-G{generation}"
            doc["aliases"] = [f"{a}-G{generation}" for a in doc.get("aliases", [])]
            for entry in doc.get("affected", []):
                pkg = entry.get("package", {})
                pkg["name"] = f"{pkg.get('name')}-g{generation % 40}"
                listed = entry.get("versions") or []
                events = [
                    v
                    for r in entry.get("ranges", [])
                    for e in r.get("events", [])
                    for v in e.values()
                    if v != "0"
                ]
                pool = listed or events
                if pool:
                    samples.append((pkg.get("ecosystem", ""), pkg["name"], random.choice(pool)))
            zf.writestr(f"{doc['id']}.json", json.dumps(doc))
    return samples


def build_child(db: str, index_dir: str) -> None:
    """Run in a fresh process: build the index, print seconds and peak RSS in MB."""
    started, cpu = time.perf_counter(), time.process_time()
    OfflineOsv(Path(db), Path(index_dir)).ensure_index()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss_mb": rss_mb}))


def open_child(db: str, index_dir: str) -> None:
    started = time.perf_counter()
    OfflineOsv(Path(db), Path(index_dir)).ensure_index()
    print(json.dumps({"seconds": time.perf_counter() - started}))


def child(mode: str, db: Path, index_dir: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(db), str(index_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def match(source: OfflineOsv, deps: list[Dependency]) -> int:
    """What the scanner does after parsing: query, evaluate every range, build findings."""
    return len(find_vulnerabilities(source, deps, lambda _dep: True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--advisories", type=int, default=50_000)
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "DB", "INDEX"))
    args = parser.parse_args()
    if args.child:
        mode, db, index_dir = args.child
        (build_child if mode == "build" else open_child)(db, index_dir)
        return

    random.seed(7)
    real = [json.loads(p.read_text()) for p in sorted((fixtures_dir() / "osv").rglob("*.json"))]
    with tempfile.TemporaryDirectory(prefix="bench-osv-") as tmp:
        root = Path(tmp)
        db = root / "all.zip"
        t0 = time.perf_counter()
        samples = grow(real, args.advisories, db)
        print(
            f"generated {args.advisories} advisories from {len(real)} real ones: "
            f"{db.stat().st_size / 1e6:.1f} MB zip in {time.perf_counter() - t0:.1f} s"
        )

        builds = [child("build", db, root / f"index-{i}") for i in range(args.runs)]
        build_s = statistics.median(b["seconds"] for b in builds)
        build_rss = statistics.median(b["rss_mb"] for b in builds)
        build_cpu = statistics.median(b["cpu"] for b in builds)
        print(
            f"index build:   median {build_s:.2f} s (CPU {build_cpu:.2f} s), peak RSS {build_rss:.0f} MB "
            f"(limits 10 s, 300 MB; runs {[round(b['seconds'], 2) for b in builds]})"
        )

        index_dir = root / "index-0"
        opens, walls = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            opens.append(child("open", db, index_dir)["seconds"])
            walls.append(time.perf_counter() - t)
        print(
            f"restart, index reused: open median {statistics.median(opens) * 1000:.1f} ms; whole "
            f"new process (interpreter, imports, open) median {statistics.median(walls):.2f} s "
            f"(limit 1 s)"
        )

        # A lockfile names each package once: half the packages are distinct names that
        # advisories name, half have no advisory at all.
        distinct = list({(e, normalize_name(e, n)): (e, n, v) for e, n, v in samples}.values())
        named = random.sample(distinct, min(len(distinct), args.packages // 2))
        misses = [("PyPI", f"no-such-package-{i}", "1.0.0") for i in range(args.packages - len(named))]
        # dense: every named package at a version its advisory lists (worst case);
        # typical: one in ten at such a version, the others at a version past every fix
        typical = [(e, n, v if i % 10 == 0 else "9999.0.0") for i, (e, n, v) in enumerate(named)]
        for label, chosen in (("dense", named), ("typical", typical)):
            deps = [
                Dependency(e, n, v, "requirements.txt", i + 1) for i, (e, n, v) in enumerate(chosen + misses)
            ]
            cold, warm, cold_cpu, warm_cpu, found = [], [], [], [], 0
            for _ in range(args.runs):
                versions.parse_version.cache_clear()
                source = OfflineOsv(db, index_dir)
                source.ensure_index()
                t, c = time.perf_counter(), time.process_time()
                found = match(source, deps)
                cold.append(time.perf_counter() - t)
                cold_cpu.append(time.process_time() - c)
                t, c = time.perf_counter(), time.process_time()
                match(source, deps)
                warm.append(time.perf_counter() - t)
                warm_cpu.append(time.process_time() - c)
            print(
                f"match {len(deps)} packages, {label} ({found} findings): cold median "
                f"{statistics.median(cold):.2f} s (CPU {statistics.median(cold_cpu):.2f} s), warm median "
                f"{statistics.median(warm):.2f} s (CPU {statistics.median(warm_cpu):.2f} s) (limit 1 s)"
            )
        print(f"index holds {len(distinct)} distinct packages; build/limit {build_s / 10:.2f}")


if __name__ == "__main__":
    main()
