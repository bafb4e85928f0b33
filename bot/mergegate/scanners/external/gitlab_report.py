"""GitLab security reports (sast, dependency_scanning, container_scanning, dast,
secret_detection, and the like) as MergeGate findings: a pure function of the file's bytes.

The tool is ``scan.scanner.id`` (else ``scan.analyzer.id``). The rule is the first identifier
(GitLab's primary identifier); CVE/GHSA identifiers are aliases, CWE ones the CWE list.
Places, by shape:
- a file (``location.file`` with ``start_line``): that file and line; the fingerprint is taken
  over the line's content when the workspace has it;
- a dependency in a file (``location.file`` + ``dependency``): that file, line 0, the package;
- an image (``location.image``): ``image:<ref>``, line 0; the fingerprint drops the tag, so a
  rebuilt image keeps its findings' ids (as GitLab does);
- a DAST request (``hostname`` + ``path``): the URL, line 0; method and parameter identify it.
``Unknown`` severity is medium. A secret's ``raw_source_code_extract`` is never read.
"""

from __future__ import annotations

import json
from typing import Any

from mergegate.core.findings import ScannerError, ScanNote, Severity
from mergegate.scanners.external.model import (
    HARDCODED_CREDENTIAL_CWE,
    Draft,
    ExternalResult,
    LineSource,
    as_dict,
    as_list,
    cut,
    finish,
    format_hint,
    image_identity,
    looks_secret,
    scanner_name,
    secret_hash,
    tool_key,
)

_SEVERITY = {
    "critical": Severity.CRITICAL, "high": Severity.HIGH, "medium": Severity.MEDIUM,
    "low": Severity.LOW, "info": Severity.INFO, "unknown": Severity.MEDIUM,
}
REPORT_TYPES = ("sast", "dependency_scanning", "container_scanning", "cluster_image_scanning",
                "dast", "api_fuzzing", "coverage_fuzzing", "secret_detection")


def read_gitlab_report(
    data: bytes, source: str, *, lines: LineSource | None = None
) -> ExternalResult:
    """Findings of a GitLab security report. Never raises for bad content."""
    out = ExternalResult()
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        reason = (f"{exc.msg} at line {exc.lineno} column {exc.colno}"
                  if isinstance(exc, json.JSONDecodeError) else type(exc).__name__)
        out.errors.append(ScannerError("external", f"{source}: not valid JSON ({reason})"))
        return out
    problem = _shape_problem(doc)
    if problem:
        out.errors.append(ScannerError("external", f"{source}: {problem}"))
        return out
    scan = as_dict(doc.get("scan"))
    kind = _str(scan.get("type"))
    tool = _tool(scan)
    drafts: list[Draft] = []
    for i, vuln in enumerate(doc["vulnerabilities"]):
        if not isinstance(vuln, dict):
            out.notes.append(ScanNote(f"vulnerabilities[{i}] not judged: not an object", source,
                                      unscanned=True))
            continue
        try:
            drafts.append(_draft(vuln, tool, kind, lines))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # an odd shape
            out.notes.append(ScanNote(f"vulnerabilities[{i}] not judged: unexpected "
                                      f"{type(exc).__name__}", source, unscanned=True))
    out.findings, out.suppressed = finish(drafts)
    return out


def _shape_problem(doc: Any) -> str | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("vulnerabilities"), list):
        return f"not a GitLab security report (no 'vulnerabilities' list){format_hint(doc)}"
    scan = doc.get("scan")
    kind = scan.get("type") if isinstance(scan, dict) else None
    if kind is not None and kind not in REPORT_TYPES:
        return f"unknown GitLab report type {kind!r} (known: {', '.join(REPORT_TYPES)})"
    return None


def _tool(scan: dict[str, Any]) -> str:
    for key in ("scanner", "analyzer"):
        part = scan.get(key)
        if isinstance(part, dict):
            for field in ("id", "name"):
                if isinstance(part.get(field), str) and part[field].strip():
                    return tool_key(part[field])
    return "unknown"


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _identifiers(vuln: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    for ident in as_list(vuln.get("identifiers")):
        if isinstance(ident, dict) and _str(ident.get("value")):
            out.append((_str(ident.get("type")).lower(), ident["value"], _str(ident.get("url"))))
    return out


def _draft(vuln: dict[str, Any], tool: str, kind: str, lines: LineSource | None) -> Draft:
    idents = _identifiers(vuln)
    rule = idents[0][1] if idents else _str(vuln.get("cve")) or _str(vuln.get("id")) or "unknown"
    cwe = tuple(dict.fromkeys(
        f"CWE-{v.upper().removeprefix('CWE-')}" for t, v, _ in idents if t == "cwe"))
    aliases = tuple(dict.fromkeys(v.upper() for t, v, _ in idents
                                  if t in ("cve", "ghsa", "osvdb") or v.upper().startswith(
                                      ("CVE-", "GHSA-"))))
    references = tuple(dict.fromkeys(
        [u for _, _, u in idents if u.startswith("https://")]
        + [_str(link.get("url")) for link in as_list(vuln.get("links")) if isinstance(link, dict)
           and _str(link.get("url")).startswith("https://")]))[:10]
    secret = kind == "secret_detection" or looks_secret(tool, rule)
    title = _str(vuln.get("name")) or _str(vuln.get("message")) or rule
    message = _str(vuln.get("description")) or _str(vuln.get("message")) or title
    loc = as_dict(vuln.get("location"))
    dep = as_dict(loc.get("dependency"))
    pkg = as_dict(dep.get("package"))
    package = _str(pkg.get("name"))
    version = _str(dep.get("version"))
    path, line, end_line, identity_path, identity = _place(loc, kind, package, version)
    if line and lines is not None:
        content = lines(path, line, line)
        if content is not None:
            identity = secret_hash(content) if secret else content
    if secret:
        cwe = tuple(dict.fromkeys((*cwe, HARDCODED_CREDENTIAL_CWE)))
        identity = secret_hash(identity) if identity else ""
        message = f"{title} found by {tool} (the value is not shown)"
    elif package:
        title = f"{title} ({package} {version})".replace(" )", ")")
    return Draft(
        scanner=scanner_name(tool), rule=rule,
        severity=_SEVERITY.get(_str(vuln.get("severity")).lower(), Severity.MEDIUM),
        title=cut(title, 200), message=cut(message, 1000), path=path, line=line,
        end_line=end_line, identity_path=identity_path, identity=identity,
        fix=cut(_str(vuln.get("solution")), 500) or None, cwe=cwe, references=references,
        aliases=aliases,
    )


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _place(
    loc: dict[str, Any], kind: str, package: str, version: str
) -> tuple[str, int, int, str, str]:
    """(path, line, end line, identity path, identity content) of a report location."""
    image = _str(loc.get("image"))
    if image and image.lower() != "unknown":
        return (f"image:{image}", 0, 0, f"image:{image_identity(image)}", package)
    hostname = _str(loc.get("hostname"))
    if kind in ("dast", "api_fuzzing") or hostname:
        url = hostname.rstrip("/") + (_str(loc.get("path")) or "/")
        request = f"{_str(loc.get('method')).upper()} {_str(loc.get('param'))}".strip()
        return (url or "(no location)", 0, 0, url or "(no location)", request)
    file = _str(loc.get("file"))
    if file:
        line = _int(loc.get("start_line"))
        end = max(line, _int(loc.get("end_line")))
        content = package or " ".join(
            _str(loc.get(k)) for k in ("class", "method") if _str(loc.get(k)))
        return (file, line, end, file, content)
    if package:  # a dependency without a file or an image ("Unknown" image and OS)
        name = f"package:{package}"
        return (name, 0, 0, name, package)
    return ("(no location)", 0, 0, "(no location)", "")
