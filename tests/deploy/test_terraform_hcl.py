"""Terraform through the HCL2 parser: variables, locals, modules, firewalls, storage, errors."""

from __future__ import annotations

from pathlib import Path

from mergegate.core.policy import DeployPolicy

from tests.deploy.support import scan_change, scan_files, triples

CHINA = DeployPolicy(forbidden_regions=("cn-north-1",))

VARIABLES_TF = """\
variable "target" {
  type    = string
  default = "cn-north-1"
}

variable "zones" {
  default = {
    primary = "cn-north-1a"
  }
}
"""
MAIN_TF = """\
locals {
  home = var.target
  name = "app-${local.home}"
}

provider "aws" {
  region = local.home
}

resource "aws_s3_bucket" "logs" {
  bucket = local.name
  replication_configuration {
    rules {
      destination {
        bucket_region = var.target
      }
    }
  }
}

module "edge" {
  source      = "./modules/edge"
  aws_region  = var.target
  settings    = { location = "cn-north-1" }
  other_input = "eu-west-1"
}

resource "aws_instance" "web" {
  availability_zone = var.zones.primary
  instance_type = "t3.micro"
}
"""


def test_variables_of_sibling_files_and_locals_are_resolved(tmp_path: Path) -> None:
    files = {"infra/variables.tf": VARIABLES_TF, "infra/main.tf": MAIN_TF}
    result = scan_files(tmp_path, files, CHINA)
    assert triples(result) == {
        ("deploy.forbidden-region", "infra/main.tf", 7),   # provider region = local.home
        ("deploy.forbidden-region", "infra/main.tf", 15),  # nested block, var.target
        ("deploy.forbidden-region", "infra/main.tf", 23),  # module input aws_region
        ("deploy.forbidden-region", "infra/main.tf", 24),  # module input object, location
        ("deploy.forbidden-region", "infra/main.tf", 29),  # var.zones.primary, a zone
        ("deploy.forbidden-region", "infra/variables.tf", 7),  # default of a zones variable
    }
    provider = next(f for f in result.findings if f.line == 7)
    assert provider.message.startswith(
        'provider "aws" sets region = local.home (resolves to "cn-north-1"), and cn-north-1 '
        "is a forbidden region"
    )


def test_only_the_changed_file_is_scanned_but_siblings_resolve(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra/variables.tf").write_text(VARIABLES_TF)
    base = MAIN_TF.replace("region = local.home", 'region = "eu-west-1"')
    result = scan_change(tmp_path, {"infra/main.tf": MAIN_TF}, {"infra/main.tf": base}, CHINA)
    new = {f.line for f in result.findings if f.rule == "deploy.forbidden-region" and f.new}
    assert new == {7}


def test_inputs_a_local_module_uses_as_a_region(tmp_path: Path) -> None:
    files = {
        "modules/edge/variables.tf": 'variable "target" {}\nvariable "size" {}\n',
        "modules/edge/main.tf": 'provider "aws" {\n  region = "${var.target}"\n}\n',
        "live/main.tf": (
            'module "edge" {\n  source = "../modules/edge"\n  size   = "cn-north-1"\n'
            '  target = "cn-north-1"\n}\n'
        ),
    }
    result = scan_files(tmp_path, files, CHINA)
    assert triples(result) == {("deploy.forbidden-region", "live/main.tf", 4)}


def test_either_result_of_a_conditional_counts(tmp_path: Path) -> None:
    text = 'provider "aws" {\n  region = var.prod ? "eu-west-1" : "cn-north-1"\n}\n'
    result = scan_files(tmp_path, {"main.tf": text}, CHINA)
    assert triples(result) == {("deploy.forbidden-region", "main.tf", 2)}
    assert '(resolves to "cn-north-1")' in result.findings[0].message


def test_auto_tfvars_override_defaults(tmp_path: Path) -> None:
    files = {
        "variables.tf": 'variable "target" {\n  default = "eu-west-1"\n}\n',
        "main.tf": 'provider "aws" {\n  region = var.target\n}\n',
        "terraform.tfvars": 'target = "cn-north-1"\n',
    }
    assert triples(scan_files(tmp_path, files, CHINA)) == {("deploy.forbidden-region", "main.tf", 2)}


def test_a_file_that_does_not_parse_is_one_note_and_others_are_checked(tmp_path: Path) -> None:
    files = {
        "broken.tf": 'resource "aws_instance" "x" {\n  ami = \n}\n',
        "good.tf": 'provider "aws" {\n  region = "cn-north-1"\n}\n',
    }
    result = scan_files(tmp_path, files, CHINA)
    assert triples(result) == {("deploy.forbidden-region", "good.tf", 2)}
    assert result.errors == []
    assert [(n.path, n.message.split(": Terraform")[0], n.unscanned) for n in result.notes] == [
        ("broken.tf", "deploy: broken.tf:2", True)
    ]


FIREWALLS_TF = """\
locals {
  world = "0.0.0.0/0"
}

resource "aws_security_group" "web" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [local.world]
  }
  ingress {
    from_port        = 22
    to_port          = 22
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_security_group_rule" "all" {
  type        = "ingress"
  from_port   = 0
  to_port     = 0
  protocol    = "-1"
  cidr_blocks = ["0.0.0.0/0"]
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  cidr_ipv4   = "0.0.0.0/0"
  from_port   = 8080
  to_port     = 8080
  ip_protocol = "tcp"
}

resource "google_compute_firewall" "ssh" {
  name    = "ssh"
  network = "default"
  allow {
    protocol = "tcp"
    ports    = ["22", "443"]
  }
}

resource "google_compute_firewall" "internal" {
  name          = "internal"
  network       = "default"
  source_ranges = ["10.0.0.0/8"]
  allow {
    protocol = "tcp"
  }
}

resource "azurerm_network_security_rule" "rdp" {
  direction                  = "Inbound"
  access                     = "Allow"
  protocol                   = "Tcp"
  source_address_prefix      = "*"
  destination_port_range     = "3389"
}

resource "azurerm_network_security_group" "nsg" {
  security_rule {
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_address_prefix      = "Internet"
    destination_port_ranges    = ["443", "8000-8080"]
  }
}
"""


def test_firewalls_open_to_the_internet(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"net.tf": FIREWALLS_TF}, DeployPolicy(allowed_ports=(443,)))
    assert triples(result) == {
        ("deploy.open-firewall", "net.tf", 16),  # SSH from ::/0
        ("deploy.open-firewall", "net.tf", 31),  # every port
        ("deploy.open-firewall", "net.tf", 35),  # 8080
        ("deploy.open-firewall", "net.tf", 41),  # GCP: no source_ranges means the internet
        ("deploy.open-firewall", "net.tf", 63),  # RDP from *
        ("deploy.open-firewall", "net.tf", 72),  # 8000-8080 from Internet
    }
    gcp = next(f for f in result.findings if f.line == 41)
    assert "reach 22" in gcp.message and "443" not in gcp.message.split("reach")[1][:5]


def test_without_allowed_ports_only_admin_ports_and_every_port_count(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"net.tf": FIREWALLS_TF})
    assert {f.line for f in result.findings} == {16, 31, 41, 63}


STORAGE_TF = """\
resource "aws_s3_bucket" "site" {
  bucket = "site"
  acl    = "public-read"
}

resource "aws_s3_bucket_policy" "open" {
  bucket = aws_s3_bucket.site.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::site/*"
    }]
  })
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket              = aws_s3_bucket.site.id
  block_public_acls   = false
  block_public_policy = true
}

resource "google_storage_bucket_iam_member" "public" {
  bucket = "assets"
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "azurerm_storage_container" "c" {
  name                  = "c"
  container_access_type = "blob"
}

resource "aws_db_instance" "db" {
  engine = "postgres"
}

resource "aws_ebs_volume" "data" {
  size      = 10
  encrypted = false
}

resource "aws_efs_file_system" "fs" {
  encrypted = true
}
"""


def test_public_and_unencrypted_storage(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"storage.tf": STORAGE_TF})
    got = {(f.rule, f.line, f.severity.label) for f in result.findings}
    assert got == {
        ("deploy.public-storage", 3, "high"),
        ("deploy.public-storage", 8, "high"),
        ("deploy.public-storage", 21, "medium"),
        ("deploy.public-storage", 28, "high"),
        ("deploy.public-storage", 33, "high"),
        ("deploy.unencrypted-storage", 36, "medium"),
        ("deploy.unencrypted-storage", 42, "medium"),
    }


def test_encryption_by_default_exempts_ebs_volumes(tmp_path: Path) -> None:
    text = (
        'resource "aws_ebs_encryption_by_default" "on" {\n  enabled = true\n}\n'
        'resource "aws_ebs_volume" "v" {\n  size = 1\n}\n'
    )
    assert scan_files(tmp_path, {"ebs.tf": text}).findings == []


def test_more_public_storage_forms_and_ingress_lists(tmp_path: Path) -> None:
    text = """\
resource "aws_s3_bucket_policy" "p" {
  bucket = "b"
  policy = <<POLICY
{"Version": "2012-10-17",
 "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*"}]}
POLICY
}

resource "aws_s3_bucket_acl" "grant" {
  bucket = "b"
  access_control_policy {
    grant {
      grantee {
        type = "Group"
        uri  = "http://acs.amazonaws.com/groups/global/AllUsers"
      }
      permission = "READ"
    }
  }
}

resource "google_storage_bucket_acl" "acl" {
  bucket         = "b"
  predefined_acl = "publicRead"
}

resource "aws_security_group" "list" {
  ingress = [{
    from_port   = 3306
    to_port     = 3306
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }]
}
"""
    result = scan_files(tmp_path, {"s.tf": text})
    assert {(f.rule, f.line) for f in result.findings} == {
        ("deploy.public-storage", 3),
        ("deploy.public-storage", 13),
        ("deploy.public-storage", 24),
        ("deploy.open-firewall", 28),
    }
