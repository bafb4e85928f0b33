#!/usr/bin/env python3
"""Write the shared blocks of MergeGate's Semgrep rules from one definition each.

Taint rules of one language share their request sources, propagators and sanitizers. Each shared
block is written once, in `scripts/rule_fragments/<language>/<name>.yml` (YAML list items at
indentation 0, comments included), and stands in the rule files between two marker comments:

    pattern-sources:
      # >>> fragment: java/request-sources
      ... (the fragment, indented to the markers; do not edit here)
      # <<< fragment: java/request-sources
      - pattern: something only this rule has

This script rewrites every marked region of `rules/**/*.yml` from its fragment. Edit a fragment,
run the script, and commit the fragment together with the rule files it changed;
tests/test_rules.py fails when a rule file differs from what this script writes.

    python scripts/generate_rules.py [--check] [--rules DIR] [--fragments DIR]

--check writes nothing and exits 1 (naming the files) when a rule file is not up to date.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RULES_DIR = REPO / "rules"
FRAGMENTS_DIR = REPO / "scripts" / "rule_fragments"
BEGIN = re.compile(r"^(?P<indent> *)# >>> fragment: (?P<name>[a-z0-9/-]+)\s*$")
END = "# <<< fragment: {name}"


class FragmentError(Exception):
    """A marker without its end, or naming a fragment that does not exist."""


def load_fragment(fragments: Path, name: str, using: tuple[str, ...] = ()) -> list[str]:
    """A fragment's lines, with the fragments it marks in turn written in."""
    if name in using:
        raise FragmentError(f"fragment {name!r} includes itself: {' -> '.join((*using, name))}")
    path = fragments / f"{name}.yml"
    if not path.is_file():
        raise FragmentError(f"no fragment {name!r} (expected {path})")
    text = path.read_text(encoding="utf-8")
    if not text.strip() or any(line.strip() == "" for line in text.splitlines()):
        raise FragmentError(f"fragment {name!r} is empty or has blank lines")
    return render(text, fragments, str(path), (*using, name)).splitlines()


def render(text: str, fragments: Path, where: str = "<text>", using: tuple[str, ...] = ()) -> str:
    """`text` with every marked region replaced by its fragment, indented to its markers."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        begin = BEGIN.match(line)
        i += 1
        if begin is None:
            continue
        indent, name = begin["indent"], begin["name"]
        end = indent + END.format(name=name)
        try:
            close = lines.index(end, i)
        except ValueError:
            raise FragmentError(f"{where}:{i}: fragment {name!r} has no end marker") from None
        out += [indent + part for part in load_fragment(fragments, name, using)]
        out.append(end)
        i = close + 1
    return "\n".join(out) + "\n"


def stale_files(rules: Path, fragments: Path, write: bool) -> list[Path]:
    """Rule files whose marked regions differ from their fragments (rewritten when `write`)."""
    stale = []
    for path in sorted(rules.rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        rendered = render(text, fragments, str(path))
        if rendered != text:
            stale.append(path)
            if write:
                path.write_text(rendered, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    parser.add_argument("--rules", type=Path, default=RULES_DIR)
    parser.add_argument("--fragments", type=Path, default=FRAGMENTS_DIR)
    args = parser.parse_args(argv)
    try:
        stale = stale_files(args.rules, args.fragments, write=not args.check)
    except FragmentError as exc:
        print(f"generate_rules: {exc}", file=sys.stderr)
        return 2
    for path in stale:
        verb = "is not up to date" if args.check else "rewritten"
        print(f"{path.relative_to(args.rules.parent)} {verb}")
    if args.check and stale:
        print("run: python scripts/generate_rules.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
