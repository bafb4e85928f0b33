"""SARIF 2.1.0 from any tool, as MergeGate findings (a pure function of the file's bytes).

- Severity: the rule's or result's ``security-severity`` (a CVSS-like score, as GitHub reads
  it), else the result's ``level`` (else the rule's default level, else ``warning``).
- Places: ``artifactLocation`` (or ``run.artifacts[index]``) resolved through
  ``originalUriBaseIds`` chains; ``file://`` and the repository root are stripped. A run that
  scanned a container image (Trivy's ``imageName``) names the image, ``image:<ref>``, line 0;
  a result with only a logical location names that; other schemes (``https://``) stay URLs.
- Results the tool marks ``pass``/``notApplicable``/``informational`` or ``baselineState:
  absent`` are not findings; ``unchanged``/``updated`` ones are pre-existing (``new=False``).
- Accepted suppressions (``status`` absent or ``accepted``) keep the finding, reported as
  dismissed by the tool with its justification, so it shows in every output but does not block.
- A malformed file is a ScannerError naming it; a result with an unusable URI is skipped with
  a note naming the file and the result (``unscanned``: it blocks unless ``on_unscanned: warn``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from mergegate.core.findings import ScannerError, ScanNote, Severity
from mergegate.scanners.external.model import (
    HARDCODED_CREDENTIAL_CWE,
    Draft,
    ExternalResult,
    Identities,
    LineSource,
    as_dict,
    as_str,
    cut,
    format_hint,
    image_identity,
    looks_secret,
    normalize_cwe,
    scanner_name,
    secret_hash,
    severity_from_score,
    tool_key,
)
from mergegate.scanners.external.sarif_stream import LazyLog, LazyRun, results, scan_log

_LEVELS = {"error": Severity.HIGH, "warning": Severity.MEDIUM, "note": Severity.LOW,
           "none": Severity.INFO}
_NOT_FINDINGS = {"pass", "notApplicable", "informational"}
_BAD_URI = re.compile(r"[\s<>\"{}|\\^`\x00-\x1f\x7f]")
_ADVISORY = re.compile(r"\b(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})\b", re.I)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_TOOL_FINGERPRINT_KEY = re.compile(r"hash|fingerprint|/v\d+$", re.I)


class SarifError(ValueError):
    """The file is not SARIF 2.1.0 we can read; the message says why."""


def read_sarif(
    data: bytes, source: str, *, lines: LineSource | None = None, root: str | None = None
) -> ExternalResult:
    """Findings of every run of a SARIF file. Never raises for bad content."""
    out = ExternalResult()
    try:
        text = data.decode("utf-8-sig")
        log = scan_log(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        xml = data.lstrip()[:1] == b"<"
        hint = " (an XML file? SARIF is JSON)" if xml else f" ({_json_reason(exc)})"
        out.errors.append(_error(source, f"not valid JSON{hint}"))
        return out
    try:
        runs = _runs(log)
        identities = Identities()
        for i, run in enumerate(runs):
            out.notes += _read_run(text, run, i, source, lines, root, identities)
        out.findings, out.suppressed = identities.done()
    except SarifError as exc:
        return ExternalResult(errors=[_error(source, str(exc))])
    except (ValueError, RecursionError) as exc:  # a result that is not valid JSON after all
        return ExternalResult(errors=[_error(source, f"not valid JSON ({_json_reason(exc)})")])
    return out


def _error(source: str, message: str) -> ScannerError:
    return ScannerError("external", f"{source}: {message}")


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return type(exc).__name__


def _runs(log: LazyLog) -> list[LazyRun]:
    if log.runs is None:
        hint = format_hint(log.meta if log.runs_value is None and log.meta else log.runs_value)
        raise SarifError(f"not a SARIF log (no 'runs' list){hint}")
    version = log.meta.get("version")
    if version is not None and version != "2.1.0":
        raise SarifError(f"SARIF version {version!r} is not supported (2.1.0 is)")
    return log.runs


def _obj(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SarifError(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SarifError(f"{what} is not a list")
    return value


def _text(value: Any) -> str:
    if isinstance(value, dict):
        text = value.get("text")
        return text if isinstance(text, str) else ""
    return ""


def _rules(run: dict[str, Any], where: str) -> list[dict[str, Any]]:
    driver = _obj(_obj(run.get("tool"), f"{where}.tool").get("driver"), f"{where}.tool.driver")
    return [r if isinstance(r, dict) else {} for r in _list(driver.get("rules"), f"{where} rules")]


def _extension_rules(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Rules of the tool's extensions (CodeQL query packs), found by rule id."""
    out: list[dict[str, Any]] = []
    extensions = as_dict(run.get("tool")).get("extensions")
    for ext in extensions if isinstance(extensions, list) else ():
        rules = as_dict(ext).get("rules")
        if isinstance(rules, list):
            out += [r for r in rules if isinstance(r, dict)]
    return out


def _read_run(
    text: str,
    lazy: LazyRun,
    index: int,
    source: str,
    lines: LineSource | None,
    root: str | None,
    identities: Identities,
) -> list[ScanNote]:
    where = f"runs[{index}]"
    if lazy.not_object:
        raise SarifError(f"{where} is not an object")
    run = lazy.meta
    notes: list[ScanNote] = []
    driver = _obj(run.get("tool"), f"{where}.tool").get("driver") or {}
    name = driver.get("name") if isinstance(driver, dict) else None
    if not isinstance(name, str) or not name.strip():
        name = "unknown"
        notes.append(ScanNote(f"{where} names no tool (tool.driver.name); its results are "
                              "external:unknown", source))
    if lazy.offsets is None and lazy.results_value is not None:
        raise SarifError(f"{where}.results is not a list")
    props = _obj(run.get("properties"), f"{where}.properties")
    image = props.get("imageName") if isinstance(props.get("imageName"), str) else None
    tags = props.get("repoTags")
    image_ref = tags[0] if isinstance(tags, list) and tags and isinstance(tags[0], str) else image
    rules = _rules(run, where)
    context = _Run(
        tool=tool_key(name), rules=rules,
        by_id={r["id"]: r for r in (*rules, *_extension_rules(run))
               if isinstance(r.get("id"), str)},
        bases=_obj(run.get("originalUriBaseIds"), f"{where}.originalUriBaseIds"),
        artifacts=_list(run.get("artifacts"), f"{where}.artifacts"),
        lines=lines, root=root, image=(image, image_ref), scanner=scanner_name(name),
    )
    for i, result in enumerate(results(text, lazy)):
        if not isinstance(result, dict):
            raise SarifError(f"{where}.results[{i}] is not an object")
        try:
            draft = context.draft(result)
        except _BadResult as exc:
            notes.append(ScanNote(f"{where}.results[{i}] not judged: {exc}", source,
                                  unscanned=True))
            continue
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # an odd shape
            notes.append(ScanNote(f"{where}.results[{i}] not judged: unexpected "
                                  f"{type(exc).__name__}", source, unscanned=True))
            continue
        if draft is not None:
            identities.add(draft)
    return notes


class _BadResult(ValueError):
    pass


def _rule_of(result: dict[str, Any], rules: list[dict[str, Any]],
             by_id: Mapping[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    rule_id = result.get("ruleId")
    ref = as_dict(result.get("rule"))
    if not isinstance(rule_id, str):
        rule_id = ref.get("id") if isinstance(ref.get("id"), str) else None
    index = result.get("ruleIndex", ref.get("index"))
    rule: dict[str, Any] = {}
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(rules):
        rule = rules[index]
    elif rule_id is not None:
        rule = by_id.get(rule_id) or by_id.get(rule_id.split("/")[0]) or {}
    if rule_id is None:
        rule_id = as_str(rule.get("id")) or "unknown-rule"
    return rule_id, rule


def _score(props: Any) -> Severity | None:
    if isinstance(props, dict) and props.get("security-severity") is not None:
        try:
            return severity_from_score(float(props["security-severity"]))
        except (TypeError, ValueError):
            return None
    return None


def _rule_level(rule: dict[str, Any]) -> str | None:
    config = rule.get("defaultConfiguration")
    level = config.get("level") if isinstance(config, dict) else None
    return level if isinstance(level, str) else None


def _tags(*holders: Any) -> list[str]:
    out: list[str] = []
    for h in holders:
        props = h.get("properties") if isinstance(h, dict) else None
        tags = props.get("tags") if isinstance(props, dict) else None
        if isinstance(tags, list):
            out += [t for t in tags if isinstance(t, str)]
    return out


def _scheme(uri: str) -> str:
    """The URI's scheme, lower-cased ("" for a relative reference)."""
    m = _SCHEME.match(uri)
    return m.group(1).lower() if m else ""


def resolve_uri(uri: str, base_id: str | None, bases: Mapping[str, Any], root: str | None) -> str:
    """A repository-relative path (or a URL that is not a file) for an artifact URI.

    Relative URIs are resolved through the `uriBaseId` chain; the chain's last base, when it is
    an absolute file URI (CodeQL's ``%SRCROOT%``: where the tool ran, in CI), is the
    repository's root, so the path stays relative to it wherever the report is read. An
    absolute file URI in a result loses `root` (the checkout) when it starts with it.
    """
    full = uri
    seen: set[str] = set()
    while isinstance(base_id, str) and base_id in bases and base_id not in seen:
        seen.add(base_id)
        base = bases[base_id] if isinstance(bases[base_id], dict) else {}
        prefix = as_str(base.get("uri"))
        parent = base.get("uriBaseId")
        at_root = parent is None and (_scheme(prefix) == "file" or prefix.startswith("/"))
        if at_root or _scheme(full):
            break
        full = (prefix if not prefix or prefix.endswith("/") else prefix + "/") + full
        base_id = parent
    if not full or _BAD_URI.search(full):
        raise _BadResult(f"artifact URI {cut(uri, 120)!r} is not a valid URI")
    scheme = _scheme(full)
    if scheme and scheme != "file" and len(scheme) > 1:
        return full
    path = unquote(urlsplit(full).path if scheme == "file" else full)
    if root:
        prefix = root.rstrip("/") + "/"
        if path.startswith(prefix):
            path = path[len(prefix):]
    while path.startswith("./"):
        path = path[2:]
    return path


def _place(
    result: dict[str, Any], artifacts: list[Any], resolve: Callable[[str, Any], str]
) -> tuple[str | None, dict[str, Any], bool]:
    locations = result.get("locations")
    first = locations[0] if isinstance(locations, list) and locations else None
    if not isinstance(first, dict):
        return None, {}, False
    physical = first.get("physicalLocation")
    if isinstance(physical, dict):
        art = as_dict(physical.get("artifactLocation"))
        uri, base_id = art.get("uri"), art.get("uriBaseId")
        index = art.get("index")
        if not isinstance(uri, str) and isinstance(index, int) and 0 <= index < len(artifacts):
            loc = artifacts[index].get("location") if isinstance(artifacts[index], dict) else None
            if isinstance(loc, dict):
                uri, base_id = loc.get("uri"), loc.get("uriBaseId", base_id)
        region = as_dict(physical.get("region"))
        if isinstance(uri, str):
            return resolve(uri, base_id), region, True
    logical = first.get("logicalLocations")
    if isinstance(logical, list) and logical and isinstance(logical[0], dict):
        name = logical[0].get("fullyQualifiedName") or logical[0].get("name")
        if isinstance(name, str) and name:
            return name, {}, False
    return None, {}, False


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def _tool_fingerprint(result: dict[str, Any]) -> str | None:
    full = result.get("fingerprints")
    chosen: dict[str, str] = {}
    if isinstance(full, dict):
        chosen = {k: v for k, v in full.items() if isinstance(v, str)}
    if not chosen and isinstance(result.get("partialFingerprints"), dict):
        # gitleaks puts the commit, author and e-mail here: only hash-like keys are identities.
        chosen = {k: v for k, v in result["partialFingerprints"].items()
                  if isinstance(v, str) and _TOOL_FINGERPRINT_KEY.search(k)}
    if not chosen:
        return None
    return "tool:" + ";".join(f"{k}={chosen[k]}" for k in sorted(chosen))


def _message(result: dict[str, Any], rule: dict[str, Any]) -> str:
    message = as_dict(result.get("message"))
    text: str | None = as_str(message.get("text")) or None
    if text is None and isinstance(message.get("id"), str):
        strings = rule.get("messageStrings")
        entry = strings.get(message["id"]) if isinstance(strings, dict) else None
        text = _text(entry) or None
    if text is None:
        return ""
    args = message.get("arguments")
    if isinstance(args, list):
        for n, arg in enumerate(args):
            text = text.replace("{" + str(n) + "}", str(arg))
    return text


@dataclass(frozen=True, slots=True)
class _RuleFacts:
    """What a rule says once for all its results."""

    title: str
    tags: tuple[str, ...]
    secret: bool
    cwe: tuple[str, ...]
    advisories: tuple[str, ...]
    references: tuple[str, ...]
    score: Severity | None
    level: str | None


@dataclass
class _Run:
    tool: str
    rules: list[dict[str, Any]]
    by_id: Mapping[str, dict[str, Any]]
    bases: Mapping[str, Any]
    artifacts: list[Any]
    lines: LineSource | None
    root: str | None
    image: tuple[str | None, str | None]
    scanner: str = ""
    _facts: dict[tuple[str, int], _RuleFacts] = field(default_factory=dict)
    _paths: dict[tuple[str, Any], str] = field(default_factory=dict)

    def facts(self, rule_id: str, rule: dict[str, Any], extra_tags: list[str]) -> _RuleFacts:
        key = (rule_id, id(rule))
        cached = self._facts.get(key) if not extra_tags else None
        if cached is not None:
            return cached
        tags = tuple(dict.fromkeys((*_tags(rule), *extra_tags)))
        secret = looks_secret(self.tool, rule_id, tags)
        name = as_str(rule.get("name"))
        facts = _RuleFacts(
            title=_text(rule.get("shortDescription")) or name or rule_id,
            tags=tags,
            secret=secret,
            cwe=tuple(dict.fromkeys([c for t in tags if (c := normalize_cwe(t))]
                                    + ([HARDCODED_CREDENTIAL_CWE] if secret else []))),
            advisories=tuple(dict.fromkeys(
                m.upper() for text in (rule_id, *tags) for m in _ADVISORY.findall(text))),
            references=tuple(u for u in (rule.get("helpUri"),)
                             if isinstance(u, str) and u.startswith(("https://", "http://"))
                             and not _BAD_URI.search(u)),
            score=_score(rule.get("properties")),
            level=_rule_level(rule),
        )
        if not extra_tags:
            self._facts[key] = facts
        return facts

    def resolve(self, uri: str, base_id: Any) -> str:
        key = (uri, base_id)
        path = self._paths.get(key)
        if path is None:
            path = self._paths[key] = resolve_uri(uri, base_id, self.bases, self.root)
        return path

    def draft(self, result: dict[str, Any]) -> Draft | None:
        if result.get("kind") in _NOT_FINDINGS or result.get("baselineState") == "absent":
            return None
        rule_id, rule = _rule_of(result, self.rules, self.by_id)
        facts = self.facts(rule_id, rule, _tags(result))
        secret = facts.secret
        title = facts.title
        message = _message(result, rule)
        path, region, physical = _place(result, self.artifacts, self.resolve)
        line = _int(region.get("startLine"), 1)
        end_line = max(line, _int(region.get("endLine"), line))
        column = _int(region.get("startColumn"), 1)
        file_place = physical and path is not None and len(_scheme(path)) < 2
        if path is None:
            path = "(no location)"
            file_place = False
        identity_path = path
        image, image_ref = self.image
        if image is not None and path in (image, image_ref):
            ref = image_ref or path
            path, identity_path = f"image:{ref}", f"image:{image_identity(ref)}"
            file_place = False
        if not file_place:
            line = end_line = 0
            column = 1
            # An image holds many packages: Trivy's message starts "Package: libssl1.1".
            first = message.strip().splitlines()[0] if message.strip() else ""
            if first and len(first) <= 80 and first not in title and not secret:
                title = f"{title} ({first})"
        identity = _tool_fingerprint(result)
        if identity is None and file_place and self.lines is not None:
            content = self.lines(path, line, line)
            if content is not None:
                identity = secret_hash(content) if secret else content
        snippet = _text(region.get("snippet"))
        if identity is None and snippet:
            identity = secret_hash(snippet) if secret else snippet
        if identity is None:
            identity = "" if secret else message
        if secret:
            message = f"{title} found by {self.tool} (the value is not shown)"
        severity = _score(result.get("properties")) or facts.score
        if severity is None:
            level = result.get("level")
            level = level if isinstance(level, str) else facts.level or "warning"
            severity = _LEVELS.get(level, Severity.MEDIUM)
        baseline = result.get("baselineState")
        return Draft(
            scanner=self.scanner, rule=rule_id, severity=severity,
            title=cut(title, 200), message=cut(message or title, 1000), path=path, line=line,
            end_line=end_line if line else 0, identity_path=identity_path, identity=identity,
            column=column, cwe=facts.cwe, references=facts.references,
            aliases=facts.advisories, new=baseline not in ("unchanged", "updated"),
            suppressed=_suppression(result),
        )


def _suppression(result: dict[str, Any]) -> str | None:
    entries: Iterable[Any] = result.get("suppressions") or ()
    if not isinstance(entries, list):
        return None
    for s in entries:
        if isinstance(s, dict) and s.get("status") in (None, "accepted"):
            why = s.get("justification")
            kind = s.get("kind") if isinstance(s.get("kind"), str) else "external"
            return cut(why, 300) if isinstance(why, str) and why.strip() else f"suppressed ({kind})"
    return None
