"""Java: pom.xml dependencies with literal versions, and gradle.lockfile."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from mergegate.scanners.dependencies.model import MAVEN, Dependency, LineIndex, LockfileError, ParsedFile

_PROPERTY = re.compile(r"\$\{([^}]+)\}")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem: ET.Element, name: str) -> str | None:
    for c in elem:
        if _local(c.tag) == name:
            return (c.text or "").strip()
    return None


def parse_pom(path: str, text: str) -> ParsedFile:
    """Versions written literally, or through a property of this same pom, are pins;
    ranges, missing versions (managed by a parent) and unknown properties are noted."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise LockfileError(path, 1, "pom.xml with a DOCTYPE or entities is refused")
    try:
        root = ET.fromstring(text)  # noqa: S314 - DOCTYPE/entities refused above
    except ET.ParseError as exc:
        raise LockfileError(path, exc.position[0], f"invalid XML: {exc}") from None
    props: dict[str, str] = {}
    for elem in root:
        if _local(elem.tag) == "properties":
            props.update({_local(p.tag): (p.text or "").strip() for p in elem})
    project_version = _child(root, "version")
    if project_version:
        props.setdefault("project.version", project_version)
    lines = LineIndex(text)
    result = ParsedFile(path)
    for elem in root.iter():
        if _local(elem.tag) != "dependency":
            continue
        group, artifact = _child(elem, "groupId"), _child(elem, "artifactId")
        if not group or not artifact:
            continue
        name = f"{group}:{artifact}"
        line = lines.find(f"<artifactId>{artifact}</artifactId>")
        raw = _child(elem, "version")
        version = _PROPERTY.sub(lambda m: props.get(m.group(1), m.group(0)), raw) if raw else None
        if version and not _PROPERTY.search(version) and not re.search(r"[\[\](),]", version):
            result.dependencies.append(Dependency(MAVEN, name, version, path, line, True))
        else:
            spec = raw or "version managed elsewhere"
            result.notes.append(f"{path}:{line}: unpinned: {name} {spec}")
            result.dependencies.append(Dependency(MAVEN, name, None, path, line, True, spec))
    return result


def parse_gradle_lockfile(path: str, text: str) -> ParsedFile:
    result = ParsedFile(path)
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("empty="):
            continue
        coords = line.split("=", 1)[0]
        parts = coords.split(":")
        if len(parts) != 3 or not all(parts):
            raise LockfileError(path, n, f"expected group:artifact:version, got {coords!r}")
        result.dependencies.append(Dependency(MAVEN, f"{parts[0]}:{parts[1]}", parts[2], path, n))
    return result
