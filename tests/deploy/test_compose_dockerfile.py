"""Compose files and Dockerfiles, hand-written, one check each."""

from __future__ import annotations

from pathlib import Path

from mergegate.core.policy import DeployPolicy

from tests.deploy.support import scan_files, triples

COMPOSE = """\
x-common: &common
  restart: always
  privileged: true
services:
  web:
    <<: *common
    image: nginx
    ports:
      - "8080:80"
      - "127.0.0.1:9000:9000"
      - 443:443
      - target: 80
        published: 8081
  worker:
    image: ghcr.io/acme/worker:1.0
    network_mode: host
    user: root
    cap_add: [NET_ADMIN, CHOWN]
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - ./data:/data
    environment:
      GITHUB_TOKEN: ghp_abcdefghijklmnopqrstuvwxyz0123456789
      LOG_LEVEL: debug
"""


def test_compose_checks(tmp_path: Path) -> None:
    policy = DeployPolicy(allowed_ports=(443,), allowed_registries=("ghcr.io/acme/",))
    result = scan_files(tmp_path, {"docker-compose.yml": COMPOSE}, policy)
    p = "docker-compose.yml"
    assert triples(result) == {
        ("deploy.privileged", p, 3),  # merged into web from the x-common anchor
        ("deploy.registry-not-allowed", p, 7),
        ("deploy.image-latest-tag", p, 7),
        ("deploy.port-not-allowed", p, 9),
        ("deploy.port-not-allowed", p, 12),
        ("deploy.host-namespace", p, 16),
        ("deploy.run-as-root", p, 17),
        ("deploy.dangerous-capability", p, 18),
        ("deploy.host-path", p, 20),
        ("deploy.secret-in-env", p, 23),
    }
    secret = next(f for f in result.findings if f.rule == "deploy.secret-in-env")
    assert "ghp_" not in secret.message
    assert secret.message.startswith("service worker sets GITHUB_TOKEN to a plain GitHub Token")


DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM golang:1.22 AS build
WORKDIR /src
RUN go build -o /app .

FROM alpine:latest
ENV API_KEY=AKIAIOSFODNN7EXAMPLE \\
    MODE=prod
COPY --from=build /app /app
EXPOSE 8080 443/tcp
USER root
ENTRYPOINT ["/app"]
"""


def test_dockerfile_checks(tmp_path: Path) -> None:
    policy = DeployPolicy(allowed_ports=(443,), allowed_registries=("docker.io/library/",))
    result = scan_files(tmp_path, {"Dockerfile": DOCKERFILE}, policy)
    assert triples(result) == {
        ("deploy.image-latest-tag", "Dockerfile", 6),
        ("deploy.secret-in-env", "Dockerfile", 7),
        ("deploy.port-not-allowed", "Dockerfile", 10),
        ("deploy.run-as-root", "Dockerfile", 11),
    }


def test_dockerfile_without_user_runs_as_root_from_the_final_from(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim AS base\nUSER app\nFROM base\nRUN true\nFROM debian:12\n"
    result = scan_files(tmp_path, {"deploy/api.Dockerfile": text})
    assert triples(result) == {("deploy.run-as-root", "deploy/api.Dockerfile", 5)}
    assert "sets no USER" in result.findings[0].message


def test_dockerfile_stage_inherits_its_user(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim AS base\nUSER 10001\nFROM base\nRUN true\n"
    assert scan_files(tmp_path, {"Dockerfile": text}).findings == []


def test_manifest_globs_limit_what_is_read(tmp_path: Path) -> None:
    files = {"k8s/Dockerfile": "FROM alpine:3\n", "other/Dockerfile": "FROM alpine:3\n"}
    result = scan_files(tmp_path, files, DeployPolicy(manifests=("k8s/**",)))
    assert {f.path for f in result.findings} == {"k8s/Dockerfile"}


def test_disabled_deploy_policy_reads_nothing(tmp_path: Path) -> None:
    result = scan_files(tmp_path, {"Dockerfile": "FROM alpine\n"}, DeployPolicy(enabled=False))
    assert result.findings == []


def test_dockerfile_heredoc_bodies_are_not_instructions(tmp_path: Path) -> None:
    text = (
        "FROM alpine:3.20\n"
        "RUN <<EOF\n"
        "USER root\n"
        "EXPOSE 22\n"
        "EOF\n"
        "COPY <<-'CONF' /etc/app.conf\n"
        "  FROM nothing\n"
        "CONF\n"
        "USER 10001\n"
    )
    result = scan_files(tmp_path, {"Dockerfile": text}, DeployPolicy(allowed_ports=(443,)))
    assert result.findings == []


def test_here_strings_are_not_heredocs(tmp_path: Path) -> None:
    text = 'FROM alpine:3.20\nRUN cat <<< "x" && echo $((1<<2))\nx\nUSER root\n'
    result = scan_files(tmp_path, {"Dockerfile": text})
    assert triples(result) == {("deploy.run-as-root", "Dockerfile", 4)}
