"""SAST with Semgrep, run as a subprocess on the workspace's files.

All rule files (ours in `rules/` plus the extra files a repository's policy names) are merged
into one config: Semgrep spends most of a small scan loading rules, and one file loads much faster
than a folder. The OCaml CLI (`--experimental`) is used by default; it gives the same results on
our rule tests (tests/test_rules.py checks that) at a fraction of the start-up cost.

In a diff-aware workspace the base versions of the changed files are scanned in the same run, and
a head finding whose fingerprint also occurs at the base is marked pre-existing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mergegate.config import Settings, user_cache_dir
from mergegate.core.findings import (
    Finding,
    Match,
    ScannerError,
    ScanNote,
    ScanResult,
    Severity,
    fingerprint_matches,
)
from mergegate.core.policy import Policy
from mergegate.workspace import Workspace

_BaseDumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _safe_load(text: str) -> Any:
    """yaml.safe_load, with libyaml's C parser when PyYAML has it (several times faster)."""
    if getattr(yaml, "__with_libyaml__", False):
        return yaml.load(text, Loader=yaml.CSafeLoader)
    return yaml.safe_load(text)


class RulesError(Exception):
    pass


def bundled_rules_dir(override: Path | None = None) -> Path:
    """Our rules (``override``: `MERGEGATE_RULES_DIR`): `rules/` of a source checkout, or the
    copy installed inside the package."""
    if override is not None:
        return override
    installed = Path(__file__).resolve().parent.parent / "rules"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[3] / "rules"


def default_cache_dir(cache_root: Path | None = None) -> Path:
    """Per-user cache of merged rule files: $XDG_CACHE_HOME/mergegate/semgrep (or a temp dir)."""
    candidate = (cache_root or user_cache_dir()) / "semgrep"
    try:
        candidate.mkdir(parents=True, exist_ok=True)
        return candidate
    except OSError:
        return Path(tempfile.gettempdir()) / f"mergegate-semgrep-{os.getuid()}"


def semgrep_executable() -> str:
    beside = Path(sys.executable).with_name("semgrep")
    return str(beside) if beside.exists() else "semgrep"


def rule_files(folder: Path) -> list[Path]:
    """Rule YAML files under a folder (test targets and non-rule YAML are left out)."""
    out = []
    for p in sorted(folder.rglob("*.y*ml")):
        if p.suffix not in (".yml", ".yaml") or ".test." in p.name:
            continue
        out.append(p)
    return out


def load_rules(paths: Iterable[Path], exclude: Sequence[str] = ()) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for path in paths:
        try:
            doc = _safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise RulesError(f"{path.name}: cannot read rules: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
            continue
        rules += [r for r in doc["rules"] if isinstance(r, dict) and r.get("id") not in exclude]
    return rules


# File extension -> Semgrep language (canonical names); a rule for a language no file of the
# change is written in is left out of the merged config, so Semgrep loads less.
_EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".jsx": "javascript",
    ".mjs": "javascript", ".cjs": "javascript", ".ts": "typescript", ".tsx": "typescript",
    ".mts": "typescript", ".cts": "typescript", ".java": "java", ".go": "go", ".rb": "ruby",
    ".php": "php", ".cs": "csharp", ".kt": "kotlin", ".kts": "kotlin", ".scala": "scala",
    ".rs": "rust", ".c": "c", ".h": "c", ".cpp": "cpp", ".cc": "cpp", ".hpp": "cpp",
    ".swift": "swift", ".sh": "bash", ".bash": "bash", ".tf": "terraform", ".hcl": "terraform",
    ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".html": "html", ".htm": "html",
    ".vue": "vue", ".lua": "lua", ".ex": "elixir", ".exs": "elixir", ".sol": "solidity",
}
_LANGUAGE_ALIASES: dict[str, str] = {
    "py": "python", "js": "javascript", "ts": "typescript", "hcl": "terraform", "tf": "terraform",
    "sh": "bash", "c#": "csharp", "kt": "kotlin", "rb": "ruby", "golang": "go",
}
_KNOWN_LANGUAGES = frozenset(_EXTENSIONS.values()) | {"dockerfile"}


def languages_of(paths: Iterable[str]) -> set[str]:
    langs: set[str] = set()
    for path in paths:
        name = path.rsplit("/", 1)[-1].lower()
        if name == "dockerfile" or name.startswith("dockerfile.") or name.endswith(".dockerfile"):
            langs.add("dockerfile")
        dot = name.rfind(".")
        if dot >= 0 and name[dot:] in _EXTENSIONS:
            langs.add(_EXTENSIONS[name[dot:]])
            if name[dot:] in (".ts", ".tsx", ".mts", ".cts"):
                langs.add("javascript")  # JS rules apply to TypeScript files too
    return langs


def rules_for_languages(rules: list[dict[str, Any]], langs: set[str]) -> list[dict[str, Any]]:
    """The rules that can match a file in one of `langs` (generic and unknown ones always)."""
    kept = []
    for rule in rules:
        declared = rule.get("languages") or []
        names = {_LANGUAGE_ALIASES.get(str(x).lower(), str(x).lower()) for x in declared}
        if not names or names & langs or not names <= _KNOWN_LANGUAGES:
            kept.append(rule)
    return kept


class _NoAliasDumper(_BaseDumper):  # type: ignore[valid-type, misc]
    """Semgrep's OCaml CLI rejects rules written with YAML aliases; write every node out."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def merged_config(rules: list[dict[str, Any]], cache_dir: Path) -> Path:
    """Write the rules into one YAML file named by its content hash (reused across scans)."""
    text = yaml.dump({"rules": rules}, Dumper=_NoAliasDumper, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    target = cache_dir / f"mergegate-rules-{digest}.yml"
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    return target


@dataclass(frozen=True)
class _Target:
    rel: str
    version: str  # "head" or "base"


def _cwe_ids(meta: dict[str, Any]) -> tuple[str, ...]:
    raw = meta.get("cwe") or []
    items = [raw] if isinstance(raw, str) else raw
    return tuple(str(c).split(":")[0].strip() for c in items)


def _severity(extra: dict[str, Any]) -> Severity:
    meta = extra.get("metadata") or {}
    ours = meta.get("mergegate-severity")
    if isinstance(ours, str):
        try:
            return Severity.parse(ours)
        except ValueError:
            pass
    return Severity.from_semgrep(str(extra.get("severity", "WARNING")))


def _title(rule_id: str, message: str, meta: dict[str, Any]) -> str:
    if isinstance(meta.get("title"), str):
        return str(meta["title"])
    first = message.strip().split(". ")[0].rstrip(".")
    return first if len(first) <= 120 else first[:117] + "..."


def collapse_overlaps(findings: list[Finding]) -> list[Finding]:
    """One problem, one finding: rules flagging the same lines for a weakness they share (an
    overlapping CWE) collapse into the most severe (a taint rule and a pattern rule for one SQL
    injection; weak hashing and weak password hashing for one `md5(password)`)."""
    kept: dict[tuple[str, int, int], list[Finding]] = {}
    for f in sorted(findings, key=lambda f: (-f.severity, f.rule)):
        same_place = kept.setdefault((f.path, f.line, f.end_line), [])
        if f.cwe and any(set(f.cwe) & set(k.cwe) for k in same_place):
            continue
        if not f.cwe and any(k.rule == f.rule for k in same_place):
            continue
        same_place.append(f)
    return sorted((f for fs in kept.values() for f in fs), key=lambda f: (f.path, f.line, f.rule))


def _selection_key(paths: Sequence[Path], exclude: Sequence[str], langs: set[str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        st = p.stat()
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    h.update("\0".join(sorted(exclude)).encode() + b"\n" + "\0".join(sorted(langs)).encode())
    return h.hexdigest()


def _rule_id(check_id: str, rule_ids: frozenset[str]) -> str:
    """Semgrep prefixes ids with the config file's dotted path; strip it back off."""
    if check_id in rule_ids:
        return check_id
    for rid in rule_ids:
        if check_id.endswith("." + rid):
            return rid
    return check_id


# Files Semgrep reads as instructions to skip targets, in any folder: never staged.
IGNORE_FILE_NAMES = frozenset({".semgrepignore", ".gitignore"})
# The languages our own rules cover: a file in one of them that could not be analysed is a
# blind spot, not a detail.
ANALYSED_LANGUAGES = frozenset({"python", "javascript", "typescript", "java", "go"})
# Semgrep error types that mean a target was not analysed (a partial parse still was).
_UNANALYSED_TYPES = ("Syntax error", "Lexical error", "Timeout", "Out of memory", "Fatal error")


def _unanalysed(err: dict[str, Any]) -> bool:
    kind = err.get("type")
    name = kind[0] if isinstance(kind, list) and kind else kind
    return isinstance(name, str) and name in _UNANALYSED_TYPES


_NOSEM = re.compile(r"\bnosem(?:grep)?\b(?:\s*:\s*(?P<ids>[\w.,\s-]+))?", re.IGNORECASE)
SUPPRESSION_ADDED = (
    " (This change adds the `nosemgrep` comment that would hide this finding: a suppression "
    "written by the change does not count; someone allowed to dismiss can dismiss it.)"
)


def suppression_line(lines: Sequence[str], start: int, rule_id: str) -> int | None:
    """The line of a `nosemgrep` comment that suppresses a finding starting at ``start``: on
    that line or alone on the line before, for every rule or naming this one."""
    for number in (start, start - 1):
        if not 0 < number <= len(lines):
            continue
        text = lines[number - 1]
        if number == start - 1 and not text.strip().startswith(("#", "//", "/*", "--", "<!--")):
            continue
        m = _NOSEM.search(text)
        if m is None:
            continue
        ids = [i.strip() for i in (m.group("ids") or "").split(",") if i.strip()]
        if not ids or any(rule_id == i or rule_id.endswith("." + i) for i in ids):
            return number
    return None


def _suppression_added(workspace: Workspace, path: str, line: int) -> bool:
    """Whether the change under review wrote that suppression (a local scan trusts its own)."""
    if workspace.trusted_reader is None:
        return False
    f = workspace.file(path)
    return f is not None and f.is_added(line)


class SemgrepScanner:
    name = "sast"

    def __init__(self, settings: Settings, cache_dir: Path | None = None) -> None:
        self.settings = settings
        self.cache_dir = cache_dir or default_cache_dir(settings.cache_dir)
        # Rule files are parsed once per (files, their sizes and mtimes, exclusions, languages).
        self._selections: dict[str, tuple[Path | None, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def config_for(self, workspace: Workspace, policy: Policy) -> tuple[Path | None, frozenset[str]]:
        """The merged rules for the workspace's languages (None: no rule applies to any file)."""
        paths = (rule_files(bundled_rules_dir(self.settings.rules_dir))
                 + self._extra_rule_files(workspace, policy))
        langs = languages_of(workspace.paths)
        key = _selection_key(paths, policy.sast.exclude_rules, langs)
        cached = self._selections.get(key) or self._load_selection(key)
        if cached is not None:
            return cached
        rules = load_rules(paths, policy.sast.exclude_rules)
        if not rules:
            raise RulesError("no Semgrep rules to run")
        rules = rules_for_languages(rules, langs)
        selection: tuple[Path | None, frozenset[str]] = (None, frozenset())
        if rules:
            ids = frozenset(str(r["id"]) for r in rules)
            selection = (merged_config(rules, self.cache_dir), ids)
        self._save_selection(key, selection)
        return selection

    def _extra_rule_files(self, workspace: Workspace, policy: Policy) -> list[Path]:
        """The repository's own rule files (`sast.rules`), as the trusted revision has them.

        For a pull request that is its base: a change that edits or empties a rule file is
        still judged by the rules it is about to change. A local scan reads its checkout
        (files or folders); the bot reads files only.
        """
        paths: list[Path] = []
        root = workspace.root.resolve()
        for extra in policy.sast.rules:
            if workspace.trusted_reader is None:
                p = (workspace.root / extra).resolve()
                if not p.is_relative_to(root) or not p.exists():
                    raise RulesError(f"sast.rules: {extra}: no such rule file in the repository")
                paths += rule_files(p) if p.is_dir() else [p]
                continue
            data = workspace.trusted_bytes(extra)
            if data is None:
                raise RulesError(
                    f"sast.rules: {extra}: no such rule file on the protected base branch "
                    "(rule files are read from the base, never from the change)"
                )
            digest = hashlib.sha256(data).hexdigest()[:24]
            target = self.cache_dir / f"repository-rules-{digest}.yml"
            if not target.is_file():
                self.cache_dir.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
                tmp.write_bytes(data)
                tmp.replace(target)
            paths.append(target)
        return paths

    def _load_selection(self, key: str) -> tuple[Path | None, frozenset[str]] | None:
        """A selection an earlier process wrote (the CLI is a new process every time)."""
        try:
            data = json.loads((self.cache_dir / f"selection-{key}.json").read_text())
            config = self.cache_dir / data["config"] if data["config"] else None
            if config is not None and not config.is_file():
                return None
            selection = (config, frozenset(data["ids"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        with self._lock:
            self._selections[key] = selection
        return selection

    def _save_selection(self, key: str, selection: tuple[Path | None, frozenset[str]]) -> None:
        with self._lock:
            self._selections[key] = selection
        config, ids = selection
        data = {"config": config.name if config else None, "ids": sorted(ids)}
        target = self.cache_dir / f"selection-{key}.json"
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(target)
        except OSError:
            pass  # a cache that cannot be written only costs time

    def command(self, config: Path, targets: Sequence[str]) -> list[str]:
        cmd = [semgrep_executable(), "scan"]
        if self.settings.semgrep_experimental:
            cmd.append("--experimental")
        cmd += [
            "--json", "--metrics=off", "--disable-version-check", "--quiet",
            "--disable-nosem",  # suppressions are judged here (`suppression_line`)
            "--config", str(config),
            "--jobs", str(self.settings.semgrep_jobs),
            "--timeout", "30",
            "--max-target-bytes", str(self.settings.max_file_bytes),
            *targets,
        ]
        return cmd

    def run_semgrep(self, config: Path, targets: Sequence[str], cwd: Path) -> dict[str, Any]:
        env = {**os.environ, "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"}
        try:
            proc = subprocess.run(
                self.command(config, targets), cwd=cwd, capture_output=True, text=True,
                timeout=self.settings.semgrep_timeout, env=env, check=False,
            )
        except subprocess.TimeoutExpired:
            raise RulesError(f"semgrep timed out after {self.settings.semgrep_timeout:g} s") from None
        except OSError as exc:
            raise RulesError(f"semgrep could not start: {exc.strerror}") from None
        if proc.returncode < 0:
            raise RulesError(f"semgrep was killed by signal {-proc.returncode}")
        try:
            data: dict[str, Any] = json.loads(proc.stdout)
        except json.JSONDecodeError:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise RulesError(f"semgrep failed (exit {proc.returncode}): {tail}") from None
        if proc.returncode not in (0, 1):
            fatal = [e for e in data.get("errors", []) if e.get("level") == "error"]
            msg = fatal[0].get("message", "") if fatal else proc.stderr.strip()[-300:]
            raise RulesError(f"semgrep failed (exit {proc.returncode}): {msg}".strip())
        return data

    def scan(self, workspace: Workspace, policy: Policy) -> ScanResult:
        result = ScanResult(notes=self._oversized_notes(workspace))
        if not workspace.files:
            return result
        try:
            config, rule_ids = self.config_for(workspace, policy)
        except RulesError as exc:
            return ScanResult(errors=[ScannerError(self.name, str(exc))])
        if config is None:
            return result
        with tempfile.TemporaryDirectory(prefix="mergegate-sast-") as tmp:
            tree = Path(tmp)
            targets = self._stage(workspace, tree)
            try:
                data = self.run_semgrep(config, ["."], tree)
            except RulesError as exc:
                return ScanResult(errors=[ScannerError(self.name, str(exc))])
            self._collect_errors(data, targets, result)
            findings = self._findings(data.get("results", []), targets, tree, workspace, rule_ids)
        result.findings = collapse_overlaps(findings)
        return result

    def _oversized_notes(self, workspace: Workspace) -> list[ScanNote]:
        """Source files too large to analyse: not scanned, which blocks by default."""
        return [
            ScanNote(f"sast: over the {self.settings.max_file_bytes}-byte limit, not analysed",
                     f.path, unscanned=True)
            for f in workspace.oversized if languages_of([f.path]) & ANALYSED_LANGUAGES
        ]

    def _stage(self, workspace: Workspace, tree: Path) -> dict[str, _Target]:
        """Lay the files to scan out in one folder: `head/` and, when diff-aware, `base/`.

        Semgrep is given that folder, not a list of files: with many files on its command line
        it slows down badly (semgrep#11404). An empty .semgrepignore turns off Semgrep's default
        ignores (tests/, node_modules/ ...): which files to scan is the workspace's decision.
        """
        (tree / ".semgrepignore").write_text("# MergeGate chooses the targets\n")
        targets: dict[str, _Target] = {}
        # A change's own ignore file would hide its folder from Semgrep.
        staged = [f for f in workspace.files if f.path.rsplit("/", 1)[-1] not in IGNORE_FILE_NAMES]
        for f in staged:
            dest = tree / "head" / f.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(workspace.abspath(f.path), dest)
            except OSError:
                shutil.copyfile(workspace.abspath(f.path), dest)
            targets[f"head/{f.path}"] = _Target(f.path, "head")
        if workspace.diff_aware:
            for f in staged:
                if f.status == "added":
                    continue
                base = workspace.base_bytes(f.path)
                if base is None:
                    continue
                dest = tree / "base" / f.path
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(base)
                targets[f"base/{f.path}"] = _Target(f.path, "base")
        return targets

    def _collect_errors(
        self, data: dict[str, Any], targets: dict[str, _Target], result: ScanResult
    ) -> None:
        for err in data.get("errors", []):
            path = err.get("path")
            target = targets.get(str(path)) if path else None
            if target is not None and target.version == "base":
                continue
            rel = target.rel if target else None
            message = str(err.get("message") or err.get("type") or "semgrep error").strip()
            message = message.splitlines()[0][:300]
            if err.get("level") == "error" and rel is None:
                result.errors.append(ScannerError(self.name, message))
            else:
                result.notes.append(ScanNote(f"semgrep: {message}", rel,
                                             unscanned=rel is not None and _unanalysed(err)))

    def _findings(
        self,
        results: list[dict[str, Any]],
        targets: dict[str, _Target],
        tree: Path,
        workspace: Workspace,
        rule_ids: frozenset[str],
    ) -> list[Finding]:
        texts: dict[str, list[str]] = {}
        matches: list[Match] = []
        kept: list[tuple[dict[str, Any], _Target]] = []
        for r in results:
            target = targets.get(str(r.get("path")))
            if target is None:
                continue
            key = str(r["path"])
            if key not in texts:
                texts[key] = (tree / key).read_text(encoding="utf-8", errors="replace").splitlines()
            lines = texts[key]
            start, end = int(r["start"]["line"]), int(r["end"]["line"])
            content = "\n".join(lines[start - 1 : end])
            rule = _rule_id(str(r["check_id"]), rule_ids)
            matches.append(Match(self.name, rule, target.rel, start, content))
            kept.append((r, target))
        # Fingerprints per version, so occurrence indices are counted within each version.
        fps: list[str] = [""] * len(matches)
        for version in ("head", "base"):
            idx = [i for i, (_, t) in enumerate(kept) if t.version == version]
            for i, fp in zip(idx, fingerprint_matches([matches[i] for i in idx]), strict=True):
                fps[i] = fp
        base_fps = {fps[i] for i, (_, t) in enumerate(kept) if t.version == "base"}
        findings = []
        for i, (r, target) in enumerate(kept):
            rule_id = _rule_id(str(r["check_id"]), rule_ids)
            if target.version != "head":
                continue
            extra = r.get("extra", {})
            meta = extra.get("metadata") or {}
            message = " ".join(str(extra.get("message", "")).split())
            at = suppression_line(texts[str(r["path"])], int(r["start"]["line"]), rule_id)
            if at is not None:
                if not _suppression_added(workspace, target.rel, at):
                    continue  # a suppression the protected base already had (or a local scan)
                message += SUPPRESSION_ADDED
            refs = meta.get("references") or []
            findings.append(
                Finding(
                    scanner=self.name,
                    rule=rule_id,
                    severity=_severity(extra),
                    title=_title(rule_id, message, meta),
                    message=message,
                    path=target.rel,
                    line=int(r["start"]["line"]),
                    end_line=int(r["end"]["line"]),
                    column=int(r["start"].get("col", 1)),
                    fingerprint=fps[i],
                    new=not workspace.diff_aware or fps[i] not in base_fps,
                    fix=meta.get("fix-guidance") or extra.get("fix"),
                    cwe=_cwe_ids(meta),
                    references=tuple(str(x) for x in (refs if isinstance(refs, list) else [refs])),
                )
            )
        return findings


@dataclass(frozen=True)
class RuleInfo:
    """One of our Semgrep rules as `mergegate rules` and `mergegate explain` show it: the
    severity, title, CWE and fix its findings get."""

    id: str
    languages: tuple[str, ...]
    severity: Severity
    title: str
    message: str
    cwe: tuple[str, ...]
    owasp: tuple[str, ...]
    fix: str | None
    references: tuple[str, ...]


def bundled_rule_infos(settings: Settings) -> list[RuleInfo]:
    """Our rules (`MERGEGATE_RULES_DIR` instead when set), sorted by id."""
    out = []
    for rule in load_rules(rule_files(bundled_rules_dir(settings.rules_dir))):
        meta = rule.get("metadata") or {}
        message = " ".join(str(rule.get("message", "")).split())
        langs = rule.get("languages") or []
        refs = meta.get("references") or []
        owasp = meta.get("owasp") or []
        out.append(RuleInfo(
            id=str(rule["id"]),
            languages=tuple(_LANGUAGE_ALIASES.get(str(x).lower(), str(x).lower()) for x in langs),
            severity=_severity(rule),
            title=_title(str(rule["id"]), message, meta),
            message=message,
            cwe=_cwe_ids(meta),
            owasp=tuple(str(x) for x in ([owasp] if isinstance(owasp, str) else owasp)),
            fix=meta.get("fix-guidance") or rule.get("fix"),
            references=tuple(str(x) for x in (refs if isinstance(refs, list) else [refs])),
        ))
    return sorted(out, key=lambda r: r.id)


def language_name(name: str) -> str:
    """A language as our rules name it (`py` -> `python`)."""
    return _LANGUAGE_ALIASES.get(name.lower(), name.lower())


def create(settings: Settings) -> SemgrepScanner:
    return SemgrepScanner(settings)
