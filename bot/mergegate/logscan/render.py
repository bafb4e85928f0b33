"""The log report as text or JSON: pure functions, credentials shown only by type and hash."""

from __future__ import annotations

import json
from typing import Any

from mergegate.logscan.reader import MAX_LINE_BYTES
from mergegate.logscan.report import LogReport, Truncation
from mergegate.logscan.scan import MAX_CLUSTERS

MAX_TEXT_CLUSTERS = 50


def truncation_note(t: Truncation) -> str:
    """What was read of logs over the limit, and that the rest was not."""
    unread = ""
    if t.unread:
        more = f" and {len(t.unread) - 1} more" if len(t.unread) > 1 else ""
        unread = f"; {t.unread[0]}{more} not read at all"
    return (
        f"truncated: the logs go past the {t.max_bytes:,}-byte limit; read up to line "
        f"{t.line:,} of {t.path}, the rest was not scanned{unread}"
    )


def report_to_dict(report: LogReport) -> dict[str, Any]:
    t = report.truncated
    return {
        "files": list(report.files),
        "lines": report.lines,
        "bytes": report.bytes_read,
        "long_lines": report.long_lines,
        "truncated": None if t is None else {
            "max_bytes": t.max_bytes,
            "path": t.path,
            "line": t.line,
            "unread": list(t.unread),
            "message": truncation_note(t),
        },
        "credential_detection_stopped": report.detection_stopped,
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
    if report.truncated is not None:
        out.append(truncation_note(report.truncated))
    for e in report.errors:
        out.append(f"error: {e.path}: {e.message}")
    if report.long_lines:
        out.append(
            f"{report.long_lines:,} line{'' if report.long_lines == 1 else 's'} over "
            f"{MAX_LINE_BYTES:,} bytes: cut there for failures, searched whole for credentials"
        )
    if report.credentials:
        out.append("")
        out.append(f"Leaked credentials ({len(report.credentials)}), values redacted:")
        for c in report.credentials:
            times = f" ({c.count} times)" if c.count > 1 else ""
            out.append(
                f"  {c.path}:{c.line}: {c.type} (sha1 {c.secret_hash[:12]}){times}"
            )
        out.append("  Revoke and rotate them, then stop printing them (mask the variables).")
        if report.detection_stopped:
            out.append(f"  Not all: {report.detection_stopped}; the rest was not searched.")
    else:
        out.append("No leaked credentials found.")
        if report.detection_stopped:
            out.append(f"  Not all was searched: {report.detection_stopped}.")
    clusters = report.sorted_clusters()
    out.append("")
    if not clusters:
        out.append("No failures found.")
    else:
        out.append(
            f"Failures: {len(clusters)} distinct, {report.events:,} in all"
            + (f" ({report.unclustered:,} past the limit of {MAX_CLUSTERS:,} distinct ones: "
               "counted, not grouped)" if report.unclustered else "")
        )
        for cl in clusters[:MAX_TEXT_CLUSTERS]:
            out.append(f"  {cl.count:>6}x  {cl.path}:{cl.line}: {cl.headline.strip()}")
        if len(clusters) > MAX_TEXT_CLUSTERS:
            out.append(f"  ... and {len(clusters) - MAX_TEXT_CLUSTERS} more (see --format json)")
    return "\n".join(out) + "\n"
