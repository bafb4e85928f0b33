"""Secret detection with detect-secrets, in-process, plus our own plugins (see `plugins`).

A finding carries the secret's type, place and the SHA-1 hash detect-secrets uses; the value
itself never leaves this package except as `SecretHit.value`, which exists only so callers can
redact it.
"""

from __future__ import annotations

from .detection import (
    FileScan,
    could_match,
    detect_in_file,
    detect_in_lines,
    detect_in_text,
    detector_settings,
    stream_file,
)
from .hits import ENTROPY_TYPES, SecretHit, hit_severity, most_specific, severity_of
from .scanner import (
    PARALLEL_MIN_FILES,
    SecretsScanner,
    create,
    load_baseline,
    scan_chunk,
    scan_files,
)

__all__ = [
    "ENTROPY_TYPES", "PARALLEL_MIN_FILES", "FileScan", "SecretHit", "SecretsScanner", "could_match",
    "create", "detect_in_file", "detect_in_lines", "detect_in_text", "detector_settings",
    "hit_severity", "load_baseline", "most_specific", "scan_chunk", "scan_files", "severity_of",
    "stream_file",
]
