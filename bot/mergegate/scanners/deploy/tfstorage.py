"""Terraform storage that anyone can read or write, and storage without encryption at rest.

Public (`public-storage`, high unless said):
- `aws_s3_bucket` ``acl`` and `aws_s3_bucket_acl` ``acl`` of public-read, public-read-write or
  authenticated-read; an ``access_control_policy`` grant to the AllUsers or AuthenticatedUsers
  group;
- `aws_s3_bucket_policy` (and the bucket's inline ``policy``) allowing ``Principal: "*"``
  without a ``Condition`` (``jsonencode`` of a literal object or a literal JSON string);
- `aws_s3_bucket_public_access_block` with one of its four switches set to false (medium);
- GCS: `google_storage_bucket_iam_member`/`_binding` and `google_storage_bucket_acl` /
  `google_storage_default_object_acl` / `google_storage_object_acl` granting ``allUsers`` or
  ``allAuthenticatedUsers`` (``predefined_acl`` publicRead / publicReadWrite too);
- Azure: `azurerm_storage_container` with ``container_access_type`` blob or container;
  `azurerm_storage_account` with ``allow_nested_items_to_be_public`` (or the older
  ``allow_blob_public_access``) set to true.
Unencrypted (`unencrypted-storage`, medium): `aws_ebs_volume` (``encrypted``, unless the
module turns on `aws_ebs_encryption_by_default`), `aws_db_instance` and `aws_rds_cluster`
(``storage_encrypted``), `aws_efs_file_system` (``encrypted``),
`aws_elasticache_replication_group` (``at_rest_encryption_enabled``): unset or false; and an
`aws_instance` / `aws_launch_template` block device with ``encrypted = false``. S3, GCS, Azure
Storage and managed disks are encrypted at rest by the provider whatever the configuration.
"""

from __future__ import annotations

import json
from typing import Any

from mergegate.core.findings import Severity
from mergegate.scanners.deploy import hcl
from mergegate.scanners.deploy.rules import PUBLIC_STORAGE, UNENCRYPTED_STORAGE, Violation

PUBLIC_S3_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GROUPS = ("AllUsers", "AuthenticatedUsers")
PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
PUBLIC_GCS_ACLS = frozenset({"publicRead", "publicReadWrite"})
ENCRYPTION_FLAGS = {
    "aws_ebs_volume": "encrypted",
    "aws_db_instance": "storage_encrypted",
    "aws_rds_cluster": "storage_encrypted",
    "aws_efs_file_system": "encrypted",
    "aws_elasticache_replication_group": "at_rest_encryption_enabled",
}
_BLOCK_SWITCHES = (
    "block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets",
)


def _value(block: hcl.Block, name: str, scope: hcl.Scope) -> Any:
    attr = block.attributes.get(name)
    return hcl.evaluate(attr.expr, scope) if attr else None


def _public(where: str, line: int, what: str, fix: str, severity: Severity | None = None) -> Violation:
    return Violation(
        PUBLIC_STORAGE, line, f"{where} {what}",
        f"{where} {what}, so anyone on the internet can reach its data. {fix}",
        severity=severity,
    )


def check_storage(block: hcl.Block, scope: hcl.Scope, root: hcl.Block) -> list[Violation]:
    """Public and unencrypted storage of one `resource` block (`root`: its file)."""
    kind = block.labels[0] if block.labels else ""
    where = block.header
    out: list[Violation] = []
    if kind in ("aws_s3_bucket", "aws_s3_bucket_acl"):
        acl = _value(block, "acl", scope)
        if acl in PUBLIC_S3_ACLS:
            out.append(_public(where, block.attributes["acl"].line, f"sets acl = {acl}",
                               "Use a private ACL and grant access through IAM."))
        for grantee in (b for b in hcl.walk(block) if b.type == "grantee"):
            uri = str(_value(grantee, "uri", scope) or "")
            if uri.endswith(PUBLIC_GROUPS):
                out.append(_public(where, grantee.line, f"grants access to {uri.rsplit('/', 1)[-1]}",
                                   "Remove the grant."))
    if kind in ("aws_s3_bucket_policy", "aws_s3_bucket") and "policy" in block.attributes:
        attr = block.attributes["policy"]
        if _policy_is_public(_policy_document(attr, scope)):
            out.append(_public(where, attr.line, "allows Principal \"*\" without a condition",
                               "Name the principals, or add a Condition."))
    if kind == "aws_s3_bucket_public_access_block":
        for name in _BLOCK_SWITCHES:
            if _value(block, name, scope) is False:
                out.append(_public(where, block.attributes[name].line, f"sets {name} = false",
                                   f"Set {name} = true.", Severity.MEDIUM))
    out.extend(_gcs(kind, block, scope, where))
    out.extend(_azure(kind, block, scope, where))
    out.extend(_encryption(kind, block, scope, root, where))
    return out


def _gcs(kind: str, block: hcl.Block, scope: hcl.Scope, where: str) -> list[Violation]:
    if not kind.startswith("google_storage_") or not kind.endswith(
        ("_iam_member", "_iam_binding", "_acl")
    ):
        return []
    out = []
    for name in ("member", "members", "role_entity"):
        value = _value(block, name, scope)
        for text in hcl.strings_in(value):
            entity = text.split(":", 1)[-1] if ":" in text else text
            if entity in PUBLIC_MEMBERS or text.split(":", 1)[0] in PUBLIC_MEMBERS:
                out.append(_public(where, block.attributes[name].line, f"grants {entity}",
                                   "Grant named users, groups or service accounts instead."))
    acl = _value(block, "predefined_acl", scope)
    if acl in PUBLIC_GCS_ACLS:
        out.append(_public(where, block.attributes["predefined_acl"].line,
                           f"sets predefined_acl = {acl}", "Use a private predefined ACL."))
    return out


def _azure(kind: str, block: hcl.Block, scope: hcl.Scope, where: str) -> list[Violation]:
    out = []
    if kind == "azurerm_storage_container":
        access = _value(block, "container_access_type", scope)
        if access in ("blob", "container"):
            out.append(_public(where, block.attributes["container_access_type"].line,
                               f"sets container_access_type = {access}",
                               'Set container_access_type = "private".'))
    if kind == "azurerm_storage_account":
        for name in ("allow_nested_items_to_be_public", "allow_blob_public_access"):
            if _value(block, name, scope) is True:
                out.append(_public(where, block.attributes[name].line, f"sets {name} = true",
                                   f"Set {name} = false."))
    return out


def _encryption(
    kind: str, block: hcl.Block, scope: hcl.Scope, root: hcl.Block, where: str
) -> list[Violation]:
    out = []
    flag = ENCRYPTION_FLAGS.get(kind)
    if flag and _value(block, flag, scope) is not True and not _exempt(kind, block, scope, root):
        attr = block.attributes.get(flag)
        value = _value(block, flag, scope)
        if attr is None or value is False:
            state = "does not set" if attr is None else "sets"
            out.append(
                Violation(
                    UNENCRYPTED_STORAGE, attr.line if attr else block.line,
                    f"{where} {flag} {value}",
                    f"{where} {state} {flag}{'' if attr is None else ' = false'}, so its data "
                    f"is stored unencrypted. Set {flag} = true (with a KMS key if you can).",
                )
            )
    if kind in ("aws_instance", "aws_launch_template"):
        for device in hcl.walk(block):
            disk = device.type.endswith("block_device") or device.type == "ebs"
            if disk and _value(device, "encrypted", scope) is False:
                out.append(
                    Violation(
                        UNENCRYPTED_STORAGE, device.attributes["encrypted"].line,
                        f"{where} {device.type} encrypted false",
                        f"{where} sets encrypted = false on its {device.type}, so the disk "
                        "is stored unencrypted. Set encrypted = true.",
                    )
                )
    return out


def _exempt(kind: str, block: hcl.Block, scope: hcl.Scope, root: hcl.Block) -> bool:
    if kind == "aws_ebs_volume":
        return any(
            b.labels[:1] == ("aws_ebs_encryption_by_default",)
            and _value(b, "enabled", scope) is not False
            for b in root.children("resource")
        )
    if kind == "aws_rds_cluster":
        return bool(_value(block, "engine_mode", scope) == "serverless")  # always encrypted
    if kind == "aws_db_instance":
        return _value(block, "replicate_source_db", scope) is not None  # inherits the source's
    return False


def _policy_document(attr: hcl.Attribute, scope: hcl.Scope) -> Any:
    """A bucket policy as data: ``jsonencode({...})`` of a literal, or a literal JSON string."""
    expr = attr.expr
    call = next(
        (n for n in expr.iter_subtrees_topdown() if n.data == "function_call"),  # type: ignore[no-untyped-call]
        None,
    )
    if call is not None:
        name = next((c for c in call.children if hasattr(c, "data")), None)
        args = next((c for c in call.children if getattr(c, "data", None) == "arguments"), None)
        if name is None or args is None or "jsonencode" not in str(name.children[0]):
            return None
        first = next((c for c in args.children if hasattr(c, "data")), None)
        return hcl.evaluate(first, scope) if first is not None else None
    value = hcl.evaluate(expr, scope)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return None


def _policy_is_public(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements if isinstance(statements, list) else []:
        if not isinstance(st, dict) or st.get("Effect") != "Allow" or st.get("Condition"):
            continue
        principal = st.get("Principal")
        if principal == "*" or (isinstance(principal, dict) and "*" in set(hcl.strings_in(principal))):
            return True
    return False
