"""Terraform (`.tf`, `.tfvars`): region and location attributes naming a forbidden region.

A line-oriented reader, not an HCL parser: it follows top-level blocks by brace depth and checks
every literal string assigned to a region-like attribute (``region``, ``location``, ``zone``,
``availability_zone``, ``*_region``...) and the default of a variable named like one. Values
built by interpolation are not evaluated.
"""

from __future__ import annotations

import re

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy.regions import forbidden_region
from mergegate.scanners.deploy.rules import FORBIDDEN_REGION, Violation

_ATTRIBUTE = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*=\s*(.+)$")
_REGION_KEY = re.compile(r"(?:^|_)(?:region|location|zone)s?$", re.IGNORECASE)
_LITERAL = re.compile(r'"((?:[^"\\$]|\\.)*)"')
_BLOCK = re.compile(r'^\s*([A-Za-z_][\w-]*)((?:\s+"[^"]*"|\s+[A-Za-z_][\w-]*)*)\s*\{')
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


def is_terraform_name(path: str) -> bool:
    return path.endswith((".tf", ".tfvars"))


def _strip_comment(line: str, in_block_comment: bool) -> tuple[str, bool]:
    if in_block_comment:
        end = line.find("*/")
        if end == -1:
            return "", True
        line = line[end + 2 :]
    out = []
    i = 0
    in_string = False
    while i < len(line):
        c = line[i]
        if in_string:
            if c == "\\":
                out.append(line[i : i + 2])
                i += 2
                continue
            if c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "#" or line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            end = line.find("*/", i + 2)
            if end == -1:
                return "".join(out), True
            i = end + 2
            continue
        out.append(c)
        i += 1
    return "".join(out), False


def check_terraform(path: str, text: str, policy: DeployPolicy) -> list[Violation]:
    if not policy.forbidden_regions:
        return []
    out: list[Violation] = []
    depth = 0
    block = ""  # the top-level block header we are in, e.g. `provider "aws"`
    in_comment = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line, in_comment = _strip_comment(raw, in_comment)
        if depth == 0:
            m = _BLOCK.match(line)
            block = (m.group(1) + m.group(2)).strip() if m else ""
        attr = _ATTRIBUTE.match(line)
        if attr and "{" not in attr.group(1):
            key = attr.group(1)
            region_like = bool(_REGION_KEY.search(key)) or (
                key == "default"
                and block.startswith("variable")
                and bool(_REGION_KEY.search(block.split('"')[1] if '"' in block else ""))
            )
            if region_like:
                for value in _LITERAL.findall(attr.group(2)):
                    region = forbidden_region(value, policy.forbidden_regions)
                    if region is None:
                        continue
                    where = block or "top level"
                    out.append(
                        Violation(
                            FORBIDDEN_REGION, number, f"{where} {key} {value}",
                            f"{where} sets {key} = \"{value}\", and {region} is a forbidden "
                            "region (deploy.forbidden_regions). Deploy to an allowed region.",
                        )
                    )
        bare = _STRINGS.sub('""', line)
        depth = max(0, depth + bare.count("{") - bare.count("}"))
    return out
