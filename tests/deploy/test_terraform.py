"""Terraform regions and deployment environments' regions."""

from __future__ import annotations

from pathlib import Path

from mergegate.config import Settings
from mergegate.core.policy import DeployPolicy, EnvironmentPolicy, Policy
from mergegate.scanners.deploy import create
from mergegate.workspace import build_workspace

from tests.deploy.support import scan_files, triples

MAIN_TF = """\
provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "china"
  region = "cn-north-1" # forbidden
}

# region = "cn-north-1" in a comment does not count
/* neither does
   region = "cn-north-1" here */

resource "aws_instance" "web" {
  provider          = aws.china
  availability_zone = "cn-north-1a"
  tags = {
    Name = "cn-north-1"
  }
}

resource "azurerm_resource_group" "rg" {
  location = "chinaeast2"
}

variable "backup_region" {
  type    = string
  default = "cn-north-1"
}

variable "instance_type" {
  default = "cn-north-1"
}

locals {
  regions = ["eu-central-1", "cn-north-1"]
  dr_region = "${var.backup_region}"
}
"""


def test_terraform_forbidden_regions(tmp_path: Path) -> None:
    policy = DeployPolicy(forbidden_regions=("cn-north-1", "chinaeast2"))
    result = scan_files(tmp_path, {"infra/main.tf": MAIN_TF}, policy)
    path = "infra/main.tf"
    assert triples(result) == {
        ("deploy.forbidden-region", path, 7),
        ("deploy.forbidden-region", path, 16),
        ("deploy.forbidden-region", path, 23),
        ("deploy.forbidden-region", path, 28),
        ("deploy.forbidden-region", path, 36),
        ("deploy.forbidden-region", path, 37),  # local dr_region resolves var.backup_region
    }
    provider = next(f for f in result.findings if f.line == 7)
    assert provider.message == (
        'provider "aws" sets region = "cn-north-1", and cn-north-1 is a forbidden region '
        "(deploy.forbidden_regions). Deploy to an allowed region."
    )
    local = next(f for f in result.findings if f.line == 37)
    assert 'dr_region = "${var.backup_region}" (resolves to "cn-north-1")' in local.message


def test_tfvars_and_no_forbidden_regions(tmp_path: Path) -> None:
    files = {"prod.tfvars": 'region = "cn-north-1"\n', "main.tf": MAIN_TF}
    result = scan_files(tmp_path, files, DeployPolicy(forbidden_regions=("cn-north-1",)))
    assert ("deploy.forbidden-region", "prod.tfvars", 1) in triples(result)
    assert scan_files(tmp_path, files, DeployPolicy()).findings == []


def test_environment_region_from_policy(tmp_path: Path) -> None:
    (tmp_path / ".mergegate.yml").write_text(
        "version: 1\ndeploy:\n  environments:\n    china:\n      region: cn-north-1\n"
    )
    policy = Policy(
        deploy=DeployPolicy(
            forbidden_regions=("cn-north-1",),
            environments={
                "china": EnvironmentPolicy(region="cn-north-1"),
                "prod": EnvironmentPolicy(region="eu-west-1"),
            },
        )
    )
    ws = build_workspace(tmp_path, [], diff_aware=False)
    result = create(Settings()).scan(ws, policy)
    assert triples(result) == {("deploy.forbidden-region", ".mergegate.yml", 5)}
    assert result.findings[0].message.startswith(
        "Deployment environment china deploys to cn-north-1"
    )


def test_region_matching_counts_zones_not_neighbours() -> None:
    from mergegate.scanners.deploy.regions import forbidden_region

    forbidden = ("us-east-1", "europe-west3")
    assert forbidden_region("US-EAST-1", forbidden) == "us-east-1"
    assert forbidden_region("us-east-1c", forbidden) == "us-east-1"
    assert forbidden_region("europe-west3-b", forbidden) == "europe-west3"
    assert forbidden_region("us-east-10", forbidden) is None
    assert forbidden_region("us-east-2", forbidden) is None
