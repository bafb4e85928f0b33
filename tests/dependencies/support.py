"""Helpers for the dependency and license tests: workspaces over files we write."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mergegate.workspace import CandidateFile, Workspace, build_workspace


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def make_workspace(root: Path, head: Mapping[str, str], base: Mapping[str, str] | None = None) -> Workspace:
    """A workspace whose changed files are `head`; diff-aware with `base` contents if given."""
    write_tree(root, head)
    candidates = [CandidateFile(p, "modified" if base and p in base else "added") for p in sorted(head)]
    if base is None:
        return build_workspace(root, candidates, diff_aware=False)
    base_bytes = {k: v.encode() for k, v in base.items()}
    return build_workspace(root, candidates, diff_aware=True, base_reader=base_bytes.get)


def advisory(
    adv_id: str,
    ecosystem: str,
    name: str,
    events: list[dict[str, str]],
    *,
    aliases: tuple[str, ...] = (),
    range_type: str = "ECOSYSTEM",
    versions: tuple[str, ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    """An OSV advisory we write ourselves, for the edges the real fixtures do not cover."""
    doc: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": adv_id,
        "modified": "2024-01-01T00:00:00Z",
        "aliases": list(aliases),
        "summary": f"Synthetic advisory {adv_id}",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": range_type, "events": events}],
                "versions": list(versions),
            }
        ],
    }
    doc.update(extra)
    return doc


def write_advisories(folder: Path, docs: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (folder / f"{doc['id']}.json").write_text(json.dumps(doc))
    return folder


def requirements(*pins: str) -> str:
    return "".join(f"{p}\n" for p in pins)
