"""The log report as text or JSON: pure functions, credentials shown only by type and hash."""

from __future__ import annotations

import json
from typing import Any

from mergegate.logscan.scan import LogReport

MAX_TEXT_CLUSTERS = 50


def report_to_dict(report: LogReport) -> dict[str, Any]:
    return {
        "files": list(report.files),
        "lines": report.lines,
        "credentials": [
            {
                "path": c.path,
                "line": c.line,
                "type": c.type,
                "hash": c.secret_hash,
                "occurrences": c.count,
            }
            for c in report.credentials
        ],
        "failures": {
            "events": report.events,
            "distinct": len(report.clusters),
            "unclustered": report.unclustered,
            "clusters": [
                {
                    "count": c.count,
                    "first": {"path": c.path, "line": c.line},
                    "headline": c.headline,
                    "sample": list(c.sample),
                }
                for c in report.sorted_clusters()
            ],
        },
        "errors": [{"path": e.path, "message": e.message} for e in report.errors],
    }


def render_json(report: LogReport) -> str:
    return json.dumps(report_to_dict(report), indent=2) + "\n"


def render_text(report: LogReport) -> str:
    out: list[str] = []
    n_files = len(report.files)
    out.append(
        f"mergegate logs: {n_files} file{'' if n_files == 1 else 's'}, {report.lines:,} lines"
    )
    for e in report.errors:
        out.append(f"error: {e.path}: {e.message}")
    if report.credentials:
        out.append("")
        out.append(f"Leaked credentials ({len(report.credentials)}), values redacted:")
        for c in report.credentials:
            times = f" ({c.count} times)" if c.count > 1 else ""
            out.append(
                f"  {c.path}:{c.line}: {c.type} (sha1 {c.secret_hash[:12]}){times}"
            )
        out.append("  Revoke and rotate them, then stop printing them (mask the variables).")
    else:
        out.append("No leaked credentials found.")
    clusters = report.sorted_clusters()
    out.append("")
    if not clusters:
        out.append("No failures found.")
    else:
        out.append(
            f"Failures: {len(clusters)} distinct, {report.events:,} in all"
            + (f" ({report.unclustered:,} beyond the distinct limit)" if report.unclustered else "")
        )
        for cl in clusters[:MAX_TEXT_CLUSTERS]:
            out.append(f"  {cl.count:>6}x  {cl.path}:{cl.line}: {cl.headline.strip()}")
        if len(clusters) > MAX_TEXT_CLUSTERS:
            out.append(f"  ... and {len(clusters) - MAX_TEXT_CLUSTERS} more (see --format json)")
    return "\n".join(out) + "\n"
