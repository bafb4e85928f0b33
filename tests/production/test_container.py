"""The Dockerfile, .dockerignore and docker-compose.yml, checked as far as possible without Docker:
their syntax, the entry point against the real CLI, the user, the healthcheck command (run for
real against a local server) and the compose topology."""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from aiohttp import web

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int

    def exec_form(self) -> list[str]:
        value = json.loads(self.arguments)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), self
        return value


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped, numbered by stage."""
    instructions: list[Instruction] = []
    stage = -1
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, arguments.strip(), stage))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse_dockerfile((REPO / "Dockerfile").read_text())


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last]


def one(instructions: list[Instruction], keyword: str) -> Instruction:
    found = [i for i in instructions if i.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {len(found)}"
    return found[0]


def test_dockerfile_is_multi_stage_slim_and_known_instructions(
    dockerfile: list[Instruction],
) -> None:
    known = {"ARG", "FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "EXPOSE", "HEALTHCHECK",
             "ENTRYPOINT", "CMD", "LABEL"}  # fmt: skip
    assert {i.keyword for i in dockerfile} <= known
    froms = [i for i in dockerfile if i.keyword == "FROM"]
    assert len(froms) >= 2
    assert all("-slim" in f.arguments for f in froms)
    runtime = final_stage(dockerfile)
    copies = [i.arguments for i in runtime if i.keyword == "COPY"]
    assert copies and all(c.startswith("--from=build ") for c in copies), (
        "the runtime stage takes only the built venv, not the sources"
    )


def test_runs_as_a_non_root_user(dockerfile: list[Instruction]) -> None:
    runtime = final_stage(dockerfile)
    user = [i for i in runtime if i.keyword == "USER"]
    assert user, "no USER in the runtime stage"
    name = user[-1].arguments.split(":")[0]
    assert name not in ("root", "0")
    entry_index = runtime.index(one(runtime, "ENTRYPOINT"))
    assert runtime.index(user[-1]) < entry_index


def test_semgrep_is_installed_with_the_project(dockerfile: list[Instruction]) -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(re.match(r"semgrep\b", d) for d in deps)
    build_runs = " ".join(i.arguments for i in dockerfile if i.keyword == "RUN" and i.stage == 0)
    # the hashed lock first (semgrep is in it), then the project without resolving again
    assert "pip install --require-hashes -r requirements.lock" in build_runs
    assert re.search(r"^semgrep==", (REPO / "requirements.lock").read_text(), re.MULTILINE)
    assert "pip install --no-deps ." in build_runs
    assert "semgrep --version" in build_runs, "the build proves semgrep runs inside the image"


def test_every_copied_source_exists_and_is_not_docker_ignored(
    dockerfile: list[Instruction],
) -> None:
    ignored = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for copy in (i for i in dockerfile if i.keyword == "COPY" and "--from=" not in i.arguments):
        *sources, _target = copy.arguments.split()
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: missing from the repository"
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source
    for must_ignore in (".git", "*.pem", ".env", "*.db"):
        assert must_ignore in ignored


def test_entry_point_is_the_console_script_and_cmd_parses(dockerfile: list[Instruction]) -> None:
    runtime = final_stage(dockerfile)
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    (entry,) = one(runtime, "ENTRYPOINT").exec_form()
    assert entry in scripts and scripts[entry] == "mergegate.cli:main"
    cmd = one(runtime, "CMD").exec_form()
    assert cmd[0] == "serve"
    from mergegate.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands: dict[str, argparse.ArgumentParser] = sub.choices
    assert {"serve", "worker"} <= set(commands)
    args = parser.parse_args(cmd)
    assert args.command == "serve" and args.port == 8080 and args.host == "0.0.0.0"
    assert parser.parse_args(["worker"]).command == "worker"


def healthcheck_command(dockerfile: list[Instruction]) -> list[str]:
    arguments = one(final_stage(dockerfile), "HEALTHCHECK").arguments
    _, _, command = arguments.partition("CMD ")
    value = json.loads(command)
    assert isinstance(value, list)
    return [str(v) for v in value]


async def test_healthcheck_command_passes_on_200_and_fails_otherwise(
    dockerfile: list[Instruction],
) -> None:
    command = healthcheck_command(dockerfile)
    assert command[0] == "python"
    assert "/healthz" in command[-1]
    status = {"code": 200}

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(status=status["code"], text="ok")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    env = {**os.environ, "MERGEGATE_HEALTH_PORT": str(port)}
    try:
        for code, expect_ok in ((200, True), (503, False)):
            status["code"] = code
            proc = await asyncio_subprocess([sys.executable, *command[1:]], env)
            assert (proc == 0) is expect_ok, code
    finally:
        await runner.cleanup()


async def asyncio_subprocess(argv: list[str], env: dict[str, str]) -> int:
    import asyncio

    proc = await asyncio.create_subprocess_exec(*argv, env=env, stderr=subprocess.DEVNULL)
    return await asyncio.wait_for(proc.wait(), timeout=20)


def test_healthcheck_path_is_a_route_of_the_web_app(dockerfile: list[Instruction], tmp_path: Path) -> None:
    from mergegate.config import Settings
    from mergegate.service.context import Service
    from mergegate.store.service_store import Store
    from mergegate.web.app import create_app
    from mergegate.web.context import WebContext

    command = healthcheck_command(dockerfile)[-1]
    path = re.search(r"'(/[a-z]+)'", command)
    assert path is not None and path.group(1) == "/healthz"
    store = Store.open(f"sqlite:///{tmp_path / 'health.db'}")
    try:
        app = create_app(WebContext(Service(store=store, settings=Settings())), [])
        routes = {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource}
    finally:
        store.close()
    assert ("GET", path.group(1)) in routes
    assert ("GET", "/metrics") in routes


def test_compose_runs_serve_two_workers_and_postgres() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "serve", "worker"}
    assert services["serve"]["command"][0] == "serve"
    assert services["worker"]["command"] == ["worker"]
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["serve"]["image"] == services["worker"]["image"]
    for name in ("serve", "worker"):
        env = services[name]["environment"]
        assert env["MERGEGATE_DATABASE_URL"].startswith("postgresql://")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        for key, value in env.items():
            if re.search(r"SECRET|PASSWORD|TOKEN|PRIVATE_KEY$", key):
                assert str(value).startswith("${"), f"{key} is written into the compose file"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
