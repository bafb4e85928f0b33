"""Running the detectors over lines, files and streams.

detect-secrets' default plugins (less the ones ours replace) run through its own line loop with
its filters; ours run through `Gate`, so a line none of them could match costs one search. A
file goes through detect-secrets' transformers (YAML, INI) as `scan_file` would, except that a
transformer that crashes (an impossible date, an unknown tag) means the file is scanned as
plain lines, with a note, instead of the whole scan failing. A line longer than `WINDOW` is cut
into overlapping windows; a file too large to hold is streamed in 64 KiB chunks.

Values leave this module only in `SecretHit.value`, for callers that redact.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .gate import Gate
from .hits import ENTROPY_TYPES, SecretHit, rank
from .keywords import reads_as_a_name
from .plugins import PLUGINS, REPLACED, TokenDetector
from .plugins.base import secret_type_of
from .plugins.keyword import xml_value_line

# detect-secrets keeps its settings in module globals: one scan at a time per process.
_SETTINGS_LOCK = threading.RLock()

WINDOW = 8192
OVERLAP = 1024
CHUNK = 64 * 1024
STREAM_BATCH = 2000
STREAM_BATCH_CHARS = 128 * 1024
CONTEXT = 5


@dataclass(slots=True)
class FileScan:
    """What scanning one file gave: hits, notes for the user, or the exception type that
    stopped it (never its message, which could quote content)."""

    hits: list[SecretHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def _detect_secrets() -> Any:
    """detect-secrets, imported on first use (it is slow to import) and by one thread at a time."""
    with _SETTINGS_LOCK:
        import detect_secrets.core.baseline
        import detect_secrets.core.scan
        import detect_secrets.filters.allowlist
        import detect_secrets.settings
        import detect_secrets.transformers

        return detect_secrets


class _QuietDetectSecrets(logging.Filter):
    """detect-secrets logs `Skipping "<value>" due to ...` at INFO: never let those out."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def _quiet_logger() -> None:
    logger = logging.getLogger("detect-secrets")
    if not any(isinstance(f, _QuietDetectSecrets) for f in logger.filters):
        logger.addFilter(_QuietDetectSecrets())


@lru_cache(maxsize=1)
def default_plugin_names() -> tuple[str, ...]:
    """detect-secrets' own plugins that run, by class name; registers ours (without replacing
    any of its classes) so that baselines and `audit` know our secret types."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    with _SETTINGS_LOCK:
        _quiet_logger()
        mapping: dict[str, Any] = get_mapping_from_secret_type_to_class()
        names = tuple(
            cls.__name__ for cls in mapping.values()
            if cls.__module__.startswith("detect_secrets.") and cls.__name__ not in REPLACED
        )
        for plugin in PLUGINS:
            mapping.setdefault(secret_type_of(plugin), plugin)
    return names


@lru_cache(maxsize=1)
def our_plugins() -> tuple[tuple[TokenDetector, ...], Gate]:
    plugins = tuple(cls() for cls in PLUGINS)
    return plugins, Gate(plugins)


def could_match(line: str) -> bool:
    """Whether one of our plugins could match the line (its gate opens): a cheap pre-filter
    for callers that scan many lines (CI logs). detect-secrets' own plugins are not included."""
    _, gate = our_plugins()
    return bool(gate.plugins_for(line))


@contextmanager
def detector_settings(default_plugins: Sequence[str] | None = None) -> Iterator[None]:
    """detect-secrets configured with its default plugins that we keep (or the given ones)
    and its default filters, restored afterwards; serialised across threads."""
    ds = _detect_secrets()
    names = default_plugin_names() if default_plugins is None else default_plugins
    with _SETTINGS_LOCK, ds.settings.transient_settings(
        {"plugins_used": [{"name": name} for name in names]}
    ):
        yield


def _hits(found: Iterable[Any]) -> list[SecretHit]:
    """detect-secrets' PotentialSecrets as SecretHits, less the high-entropy strings that read
    as names made of words (`SponsoredProductsRemoteRHFSearch…`)."""
    return [SecretHit(s.type, s.line_number, s.secret_hash, s.secret_value or "") for s in found
            if not (s.type in ENTROPY_TYPES and reads_as_a_name(s.secret_value or ""))]


def windows(lines: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """Lines without their line ending; one longer than WINDOW as overlapping windows."""
    out: list[tuple[int, str]] = []
    for number, text in lines:
        text = text.rstrip("\r\n")
        if len(text) <= WINDOW:
            out.append((number, text))
            continue
        for start in range(0, len(text), WINDOW - OVERLAP):
            out.append((number, text[start : start + WINDOW]))
            if start + WINDOW >= len(text):
                break
    return out


def _consecutive(lines: Sequence[tuple[int, str]], index: int) -> tuple[int, int]:
    """The slice of up to CONTEXT lines either side of `index` that really are its neighbours
    (callers may give a selection of a file's lines)."""
    number = lines[index][0]
    start = index
    while start > 0 and index - start < CONTEXT and lines[start - 1][0] >= number - (index - start + 1):
        start -= 1
    end = index + 1
    while end < len(lines) and end - index <= CONTEXT and lines[end][0] <= number + (end - index):
        end += 1
    return start, end


def _our_hits(filename: str, lines: Sequence[tuple[int, str]]) -> Iterator[SecretHit]:
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.util.code_snippet import CodeSnippet

    _, gate = our_plugins()
    texts = [text for _, text in lines]
    for index, (number, text) in enumerate(lines):
        scanned = xml_value_line(texts, index) or text
        candidates = gate.plugins_for(scanned)
        if not candidates:
            continue
        start, end = _consecutive(lines, index)
        context = CodeSnippet(texts[start:end], start, index - start)
        if is_line_allowlisted(filename=filename, line=text, context=context):
            continue
        for plugin in candidates:
            for secret in plugin.analyze_line(filename=filename, line=scanned,
                                              line_number=number, context=context):
                value = secret.secret_value or ""
                yield SecretHit(secret.type, number, secret.secret_hash, value,
                                severity=plugin.severity_for(value, filename))


def _scan_lines(filename: str, lines: Sequence[tuple[int, str]],
                default_lines: Sequence[tuple[int, str]] | None = None) -> list[SecretHit]:
    """Every detector over the lines (the default plugins over `default_lines` when given:
    a transformer's view of the file). Call within `detector_settings()`."""
    scan = _detect_secrets().core.scan
    found = _hits(scan._process_line_based_plugins(list(default_lines or lines),
                                                   filename=filename))
    found.extend(_our_hits(filename, lines))
    return found


def detect_in_lines(filename: str, lines: Sequence[tuple[int, str]]) -> list[SecretHit]:
    """Scan numbered lines as if they were the given file (its name steers some filters)."""
    numbered = windows(lines)
    with detector_settings():
        return sorted(_scan_lines(filename, numbered), key=lambda h: (h.line, rank(h)))


def decode(data: bytes) -> tuple[str, str | None]:
    """Text and, when it was not UTF-8, a note saying how it was read."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", "replace"), None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode("latin-1"), "not UTF-8: scanned for secrets as Latin-1 text"


# detect-secrets' YAML view walks every alias: a few lines of nested aliases (a "billion
# laughs" file) take minutes. Past this many aliases the file is read as plain lines.
MAX_YAML_ALIASES = 25
_YAML_ALIAS = re.compile(r"(?<![\w*])\*[\w.-]+")


def _transformed(filename: str, text: str, eager: bool) -> tuple[list[str] | None, str | None]:
    """detect-secrets' transformer view of a file (YAML, INI); a transformer that fails other
    than with its own ParsingError gives a note and no view."""
    ds = _detect_secrets()
    for transformer in ds.transformers.get_transformers():
        if transformer.is_eager != eager or not transformer.should_parse_file(filename):
            continue
        if "YAML" in type(transformer).__name__ and len(_YAML_ALIAS.findall(text)) > MAX_YAML_ALIASES:
            return None, (f"scanned for secrets as plain lines: more than {MAX_YAML_ALIASES} "
                          "YAML aliases, not expanded")
        handle = io.StringIO(text)
        handle.name = filename
        try:
            return transformer.parse_file(handle), None
        except ds.transformers.ParsingError:
            continue
        except Exception as exc:  # any parser crash: fall back to plain lines
            kind = type(transformer).__name__.replace("Transformer", "")
            return None, (f"scanned for secrets as plain lines: detect-secrets' {kind} parser "
                          f"failed ({type(exc).__name__})")
    return None, None


def detect_in_text(filename: str, text: str) -> FileScan:
    """All detectors over a file's text, with the transformers as `scan_file` uses them."""
    result = FileScan()
    lines = windows(enumerate(text.splitlines(), start=1))
    with detector_settings():
        view, note = _transformed(filename, text, eager=False)
        if note:
            result.notes.append(note)
        default_lines = windows(enumerate(view, start=1)) if view else lines
        result.hits = _scan_lines(filename, lines, default_lines)
        if not result.hits and not note:
            eager, note = _transformed(filename, text, eager=True)
            if eager:
                scan = _detect_secrets().core.scan
                result.hits = _hits(scan._process_line_based_plugins(
                    windows(enumerate(eager, start=1)), filename=filename))
    return result


def detect_in_file(path: str, filename: str | None = None) -> FileScan:
    """Scan a file on disk; `filename` (default: the path) is the name filters and
    transformers see."""
    with open(path, "rb") as handle:
        data = handle.read()
    text, note = decode(data)
    result = detect_in_text(filename or path, text)
    if note:
        result.notes.insert(0, note)
    return result


def stream_lines(path: str) -> Iterator[tuple[int, str]]:
    """A file's lines read in CHUNK-sized pieces; a line that grows past CHUNK is given in
    overlapping pieces under its number, so memory stays bounded whatever the file."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    number = 0
    pending = ""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            for text in complete:
                number += 1
                yield from _pieces(number, text)
            if len(pending) > CHUNK:
                yield number + 1, pending[: len(pending) - OVERLAP]
                pending = pending[len(pending) - OVERLAP :]
        pending += decoder.decode(b"", final=True)
        if pending:
            yield from _pieces(number + 1, pending)


def _pieces(number: int, text: str) -> Iterator[tuple[int, str]]:
    """A line, or overlapping CHUNK-sized pieces of it when it is longer."""
    if len(text) <= CHUNK:
        yield number, text
        return
    for start in range(0, len(text), CHUNK - OVERLAP):
        yield number, text[start : start + CHUNK]
        if start + CHUNK >= len(text):
            break


def stream_file(path: str, filename: str | None = None) -> FileScan:
    """Scan a file too large to load, in batches of lines (no transformers)."""
    result = FileScan()
    batch: list[tuple[int, str]] = []
    size = 0
    name = filename or path
    with detector_settings():
        for item in stream_lines(path):
            batch.append(item)
            size += len(item[1])
            if len(batch) >= STREAM_BATCH or size >= STREAM_BATCH_CHARS:
                result.hits.extend(_scan_lines(name, windows(batch)))
                batch = batch[-CONTEXT:]  # a key block's body may follow its header
                size = sum(len(text) for _, text in batch)
        if batch:
            result.hits.extend(_scan_lines(name, windows(batch)))
    return result
