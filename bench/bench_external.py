"""Benchmark: ingest a 50 MB SARIF file (target: at most 5 s and under 300 MB of memory).

Usage: /work/main/.venv/bin/python bench/bench_external.py [--mb 50] [--runs 3] [--artifact]

The SARIF file is generated into a temporary folder: one run of a CodeQL-like tool with 200
rules (CWE tags, security-severity) and as many results as fit in the size, each with a
physical location under ``%SRCROOT%`` (resolved through ``originalUriBaseIds``), a region with
a snippet, a message, and every tenth without a ``partialFingerprints`` entry. Each run reads
it in a fresh child process (`read_report`, the function `mergegate scan --sarif` calls), so
the peak RSS is the ingest's own (the interpreter and MergeGate's imports included); the
seconds are the ingest's, imports excluded, by wall clock and by CPU time (the machine is
shared: wall time measures the neighbours too). Prints the medians over the runs and the peak;
the target is judged on wall time. With ``--artifact`` the file is zipped first, as a CI
artifact holding it, and each run unpacks it (`copy_zip_members`, the bot's path) before
reading it: the seconds and the peak then include the unpacking.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
from mergegate.forge.archive import copy_zip_members
from mergegate.scanners.external import read_report
started, cpu = time.perf_counter(), time.process_time()
path = Path(sys.argv[1])
if path.suffix == ".zip":
    with path.open("rb") as fh:
        copied = copy_zip_members(fh, lambda m: m.endswith(".sarif"), Path(tempfile.mkdtemp()),
                                  max_file_bytes=200 * 2**20, max_total_bytes=400 * 2**20)
    path = copied.written[0][1]
res = read_report(path, "sarif", root="/home/ci/work")
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "findings": len(res.findings),
                  "errors": len(res.errors)}))
"""


def generate(path: Path, megabytes: int, seed: int = 7) -> int:
    """Write a SARIF file of about `megabytes` MB; return its number of results."""
    rnd = random.Random(seed)
    rules = [{
        "id": f"py/rule-{i}", "name": f"Rule{i}",
        "shortDescription": {"text": f"Problem number {i} in request handling"},
        "fullDescription": {"text": "A longer description of the problem. " * 3},
        "help": {"text": "How to fix it. " * 5},
        "properties": {"tags": ["security", f"external/cwe/cwe-{80 + i % 40:03d}"],
                       "security-severity": f"{rnd.uniform(1, 10):.1f}", "precision": "high"},
    } for i in range(200)]
    head = json.dumps({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "CodeQL", "rules": rules}},
                  "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///home/ci/work/"}},
                  "results": []}]})
    prefix, suffix = head.rsplit('"results": []', 1)
    target = megabytes * 1024 * 1024
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(prefix + '"results": [')
        written = len(prefix) + 13
        while written < target:
            rule = rnd.randrange(200)
            line = rnd.randrange(1, 2000)
            result = {
                "ruleId": f"py/rule-{rule}", "ruleIndex": rule, "level": "warning",
                "message": {"text": f"Tainted value from request.args flows to a sink at line "
                                    f"{line} of module {count % 997}."},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f"src/pkg{count % 89}/module_{count % 997}.py",
                                         "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": line, "startColumn": 5, "endLine": line,
                               "snippet": {"text": f"    cursor.execute(query_{count})"}}}}],
            }
            if count % 10:
                result["partialFingerprints"] = {
                    "primaryLocationLineHash": f"{rnd.getrandbits(64):016x}:1"}
            text = ("," if count else "") + json.dumps(result)
            out.write(text)
            written += len(text)
            count += 1
        out.write("]" + suffix)
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--artifact", action="store_true",
                        help="zip it as a CI artifact and unpack it in each run, as the bot does")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.sarif"
        results = generate(path, args.mb)
        size = path.stat().st_size / 1024 / 1024
        print(f"generated {path.name}: {size:.1f} MB, {results} results")
        if args.artifact:
            zipped = path.with_suffix(".zip")
            with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
                z.write(path, "results/big.sarif")
            print(f"zipped as an artifact: {zipped.stat().st_size / 1024 / 1024:.1f} MB")
            path = zipped
        runs = []
        for _ in range(args.runs):
            proc = subprocess.run([sys.executable, "-c", CHILD, str(path)], check=True,
                                  capture_output=True, text=True)
            runs.append(json.loads(proc.stdout))
            r = runs[-1]
            print(f"  run: {r['seconds']:.2f} s ({r['cpu']:.2f} s CPU), peak RSS "
                  f"{r['peak_mb']:.0f} MB, {r['findings']} findings, {r['errors']} errors")
    median = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    peak = max(r["peak_mb"] for r in runs)
    ok = median <= 5.0 and peak < 300
    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores during the runs")
    what = "ingest from an artifact zip" if args.artifact else "ingest"
    print(f"{what} {size:.0f} MB SARIF: median {median:.2f} s ({cpu:.2f} s CPU), peak RSS {peak:.0f} MB "
          f"(target <= 5 s, < 300 MB): {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
