"""Terraform (`.tf`, `.tfvars`) through a real HCL2 parser: regions, firewalls, storage.

A file is parsed with python-hcl2 (see `hcl`); values are resolved where they are literal,
through `var.*` (defaults of the module's variables, overridden by its `terraform.tfvars` and
`*.auto.tfvars`) and `local.*` of every `.tf` file of the same folder (a Terraform module); for
regions, either result of a conditional counts.

- Regions: every region-like attribute (``region``, ``location``, ``zone``,
  ``availability_zone``, ``*_region``... in providers, resources, data sources, module inputs,
  locals and tfvars, nested blocks and object values included), the default of a variable
  named like one, and an input of a local module (``source = "./..."``) that the module uses
  in a region-like attribute, whose value names a forbidden region (`forbidden-region`).
- Firewalls open to ``0.0.0.0/0`` or ``::/0`` (AWS security groups and their rules, GCP
  firewalls, Azure network security rules) on ports outside `allowed_ports`; without
  `allowed_ports`, on every port or an administration/database port (`open-firewall`).
- Public storage (S3 ACLs, grants, bucket policies and public access blocks switched off; GCS
  ``allUsers``; Azure public containers and accounts) and storage without encryption at rest
  (EBS, RDS, EFS, ElastiCache) (`public-storage`, `unencrypted-storage`, in `tfstorage`).

A file that does not parse raises `TerraformError` (the scanner turns it into one note).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from mergegate.core.policy import DeployPolicy
from mergegate.scanners.deploy import hcl
from mergegate.scanners.deploy.regions import forbidden_region
from mergegate.scanners.deploy.rules import FORBIDDEN_REGION, Violation
from mergegate.scanners.deploy.tfnetwork import check_firewalls
from mergegate.scanners.deploy.tfstorage import check_storage

_REGION_KEY = re.compile(r"(?:^|_)(?:region|location|zone)s?$", re.IGNORECASE)
_LOCAL_PASSES = 4


class TerraformError(hcl.HclError):
    """A Terraform file that does not parse: ``str()`` is ``path:line: message``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(line, message)
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


def _auto_tfvars(name: str) -> bool:
    return name == "terraform.tfvars" or name.endswith(".auto.tfvars")


@dataclass(frozen=True, slots=True)
class ModuleFiles:
    """The files of module folders: `list` names a folder's files, `read` returns a text.

    Listings and parsed files are kept for the scan, so a folder of N files is parsed once.
    """

    list: Callable[[str], Iterable[str]]
    read: Callable[[str], str | None]
    parsed: dict[str, hcl.Block | None] = field(default_factory=dict)
    listed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    texts: dict[str, tuple[str, hcl.Block]] = field(default_factory=dict)

    def files(self, folder: str) -> tuple[str, ...]:
        if folder not in self.listed:
            self.listed[folder] = tuple(self.list(folder))
        return self.listed[folder]

    def tree(self, path: str) -> hcl.Block | None:
        """The parsed file at `path` on disk (None when unreadable or unparsable)."""
        if path not in self.parsed:
            text = self.read(path)
            try:
                self.parsed[path] = self.parse(path, text) if text is not None else None
            except TerraformError:
                self.parsed[path] = None  # reported when that file itself is checked
        return self.parsed[path]

    def parse(self, path: str, text: str) -> hcl.Block:
        """`text` parsed, once per distinct text of a path (head and base differ)."""
        key = f"{path}\0{hash(text)}"
        cached = self.texts.get(key)
        if cached is None or cached[0] != text:
            cached = (text, parse_file(path, text))
            self.texts[key] = cached
        return cached[1]


def parse_file(path: str, text: str) -> hcl.Block:
    try:
        return hcl.parse(text)
    except hcl.HclError as exc:
        raise TerraformError(path, exc.line, f"Terraform does not parse: {exc.reason}") from None


def module_scope(path: str, root: hcl.Block, siblings: ModuleFiles | None) -> hcl.Scope:
    """What var.* and local.* resolve to for `path`, from its folder's files."""
    folder = str(PurePosixPath(path).parent)
    roots: list[hcl.Block] = []
    tfvars: list[hcl.Block] = []
    names = list(siblings.files(folder)) if siblings else []
    for name in sorted(set(names) | {path}):
        tree = root if name == path else siblings.tree(name) if siblings else None
        if tree is None:
            continue
        base = PurePosixPath(name).name
        if base.endswith(".tf"):
            roots.append(tree)
        elif _auto_tfvars(base):
            tfvars.append(tree)
    empty = hcl.Scope()
    variables: dict[str, Any] = {}
    for tree in roots:
        for block in tree.children("variable"):
            default = block.attributes.get("default")
            if block.labels:
                variables[block.labels[0]] = (
                    hcl.evaluate(default.expr, empty) if default else hcl.UNKNOWN
                )
    for tree in tfvars:
        for name, attr in tree.attributes.items():
            variables[name] = hcl.evaluate(attr.expr, empty)
    local_exprs = {
        name: attr.expr
        for tree in roots for block in tree.children("locals")
        for name, attr in block.attributes.items()
    }
    local_values: dict[str, Any] = {}
    for _ in range(_LOCAL_PASSES):  # locals may use each other, in any order
        scope = hcl.Scope(variables, local_values)
        local_values = {name: hcl.evaluate(expr, scope) for name, expr in local_exprs.items()}
    return hcl.Scope(variables, local_values)


def check_terraform(
    path: str, text: str, policy: DeployPolicy, siblings: ModuleFiles | None = None
) -> list[Violation]:
    """Violations of one Terraform file; raises TerraformError when it does not parse."""
    root = siblings.parse(path, text) if siblings else parse_file(path, text)
    scope = module_scope(path, root, siblings)
    lines = text.splitlines()
    out: list[Violation] = []
    if policy.forbidden_regions:
        out.extend(_check_regions(root, scope, policy, lines))
        out.extend(_module_inputs(path, root, scope, policy, lines, siblings))
    if path.endswith(".tf"):
        for block in root.children("resource"):
            out.extend(check_firewalls(block, scope, policy))
            out.extend(check_storage(block, scope, root))
    return out


def _source(lines: list[str], attr: hcl.Attribute) -> str:
    """The expression as written on the attribute's line (comments dropped), for messages."""
    line = lines[attr.line - 1] if 0 < attr.line <= len(lines) else ""
    _, _, value = line.partition("=")
    value = re.split(r"\s(?:#|//)", value, maxsplit=1)[0]
    return " ".join(value.split()) or "…"


def region_inputs(folder: str, siblings: ModuleFiles | None) -> set[str]:
    """Variables of the module in `folder` that reach a region-like attribute in it."""
    names: set[str] = set()
    for path in siblings.files(folder) if siblings else ():
        tree = siblings.tree(path) if siblings and path.endswith(".tf") else None
        for block in hcl.walk(tree) if tree else ():
            for attr in block.attributes.values():
                if _REGION_KEY.search(attr.name):
                    names |= hcl.variables_used(attr.expr)
    return names


def _module_inputs(
    path: str, root: hcl.Block, scope: hcl.Scope, policy: DeployPolicy, lines: list[str],
    siblings: ModuleFiles | None,
) -> list[Violation]:
    """Inputs of local modules (``source = "./..."``) that the module uses as a region."""
    out: list[Violation] = []
    for block in root.children("module"):
        source = hcl.evaluate(block.attributes["source"].expr, scope) if (
            "source" in block.attributes) else None
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            continue
        folder = posixpath.normpath(posixpath.join(str(PurePosixPath(path).parent), source))
        if folder.startswith("../") or folder == "..":
            continue
        used = region_inputs(folder, siblings)
        for name, attr in block.attributes.items():
            if name in used and not _REGION_KEY.search(name):
                out.extend(_region_attribute(block.header, attr, scope, policy, lines, True))
    return out


def _check_regions(
    root: hcl.Block, scope: hcl.Scope, policy: DeployPolicy, lines: list[str]
) -> list[Violation]:
    out: list[Violation] = []
    for attr in root.attributes.values():  # tfvars and top-level assignments
        out.extend(_region_attribute("top level", attr, scope, policy, lines, False))
    for top in root.blocks:
        region_variable = top.type == "variable" and bool(
            top.labels and _REGION_KEY.search(top.labels[0])
        )
        for block in hcl.walk(top):
            for attr in block.attributes.values():
                forced = region_variable and block is top and attr.name == "default"
                out.extend(_region_attribute(top.header, attr, scope, policy, lines, forced))
    return out


def _region_attribute(
    where: str, attr: hcl.Attribute, scope: hcl.Scope, policy: DeployPolicy,
    lines: list[str], forced: bool,
) -> list[Violation]:
    values = hcl.possible_values(attr.expr, scope)
    if forced or _REGION_KEY.search(attr.name):
        found = [s for value in values for s in hcl.strings_in(value)]
    else:
        found = [s for value in values for s in _region_values(value)]
    out: list[Violation] = []
    for text in found:
        region = forbidden_region(text, policy.forbidden_regions)
        if region is None:
            continue
        shown = f'"{text}"' if hcl.is_literal(attr.expr) else (
            f'{_source(lines, attr)} (resolves to "{text}")'
        )
        out.append(
            Violation(
                FORBIDDEN_REGION, attr.line, f"{where} {attr.name} {text}",
                f"{where} sets {attr.name} = {shown}, and {region} is a forbidden region "
                "(deploy.forbidden_regions). Deploy to an allowed region.",
            )
        )
    return out


def _region_values(value: Any) -> Iterable[str]:
    """Strings under region-like keys of an object value (``settings = {region = "..."}``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if _REGION_KEY.search(str(key)):
                yield from hcl.strings_in(item)
            else:
                yield from _region_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _region_values(item)
