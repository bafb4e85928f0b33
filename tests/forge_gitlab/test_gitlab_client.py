"""The forge's python-gitlab calls: a bounded pool off the event loop, size limits, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from mergegate.config import ConfigError, Settings
from mergegate.forge.base import ForgeError, RepoRef
from mergegate.forge.gitlab.client import GitLabApiError, GitLabClient
from mergegate.forge.gitlab.forge import GitLabForge
from mergegate.forge.gitlab.setup import create_forge

from tests.fakes.gitlab import TOKEN, FakeGitLab


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitLab]:
    f = FakeGitLab()
    await f.start()
    yield f
    await f.close()


def forge_for(fake: FakeGitLab, threads: int = 2, **more: object) -> GitLabForge:
    settings = Settings(gitlab_url=fake.url, gitlab_token=TOKEN, max_file_bytes=100, **more)  # type: ignore[arg-type]
    return GitLabForge(settings, GitLabClient(fake.url, TOKEN, max_threads=threads))


async def test_calls_run_in_a_bounded_pool_and_never_block_the_loop(fake: FakeGitLab) -> None:
    p = fake.project()
    sha = fake.commit(p, {f"f{i}.txt": f"{i}" for i in range(6)})
    forge = forge_for(fake, threads=2)
    repo = RepoRef("gitlab", p.path, project_id=str(p.id))
    gate = asyncio.Event()
    fake.hold[r"/raw$"] = gate
    reads = [asyncio.create_task(forge.read_file(repo, f"f{i}.txt", sha)) for i in range(6)]
    ticks = 0
    for _ in range(20):  # the loop keeps running while six reads wait on GitLab
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 20
    assert len(fake.calls("GET", "raw")) == 2  # only two threads: two requests in flight
    gate.set()
    assert await asyncio.gather(*reads) == [str(i).encode() for i in range(6)]
    await forge.aclose()
    fake.assert_clean()


async def test_missing_file_is_none_and_large_file_is_refused(fake: FakeGitLab) -> None:
    p = fake.project()
    sha = fake.commit(p, {"big.txt": "x" * 70_000, "small.txt": "ok"})
    forge = forge_for(fake)
    repo = RepoRef("gitlab", p.path, project_id=str(p.id))
    assert await forge.read_file(repo, "small.txt", sha) == b"ok"
    assert await forge.read_file(repo, "absent.txt", sha) is None
    assert await forge.read_file(repo, "big.txt", sha) is None  # over max_file_bytes (100)
    await forge.aclose()


async def test_errors_name_the_status_and_never_the_token(fake: FakeGitLab) -> None:
    p = fake.project()
    forge = forge_for(fake)
    fake.fail("GET", r"/merge_requests/7$", 403)
    with pytest.raises(GitLabApiError) as info:
        await forge.get_change(RepoRef("gitlab", p.path, project_id="1"), 7)
    assert info.value.status == 403
    assert str(info.value) == "GitLab answered HTTP 403: 403 injected"
    bad = GitLabForge(Settings(gitlab_url=fake.url, gitlab_token="glpat-wrong"))
    with pytest.raises(ForgeError, match=r"^GitLab answered HTTP 401: 401 Unauthorized$"):
        await bad.get_change(RepoRef("gitlab", p.path, project_id="1"), 7)
    await forge.aclose()
    await bad.aclose()


async def test_rate_limit_and_server_errors_are_retried(fake: FakeGitLab) -> None:
    p = fake.project()
    sha = fake.commit(p, {"a.txt": "ok"})
    forge = forge_for(fake)
    repo = RepoRef("gitlab", p.path, project_id=str(p.id))
    fake.fail("GET", r"/raw$", 429, headers={"Retry-After": "0"})
    fake.fail("GET", r"/raw$", 503)
    assert await forge.read_file(repo, "a.txt", sha) == b"ok"
    assert [r.status for r in fake.calls("GET", "raw")] == [429, 503, 200]
    await forge.aclose()
    settings = Settings(gitlab_url=fake.url, gitlab_token=TOKEN)
    impatient = GitLabForge(settings, GitLabClient(fake.url, TOKEN, max_retries=2))
    fake.fail("GET", r"/raw$", 502, times=10)
    with pytest.raises(GitLabApiError, match=r"^GitLab answered HTTP 502: 502 injected$") as info:
        await impatient.read_file(repo, "a.txt", sha)
    assert info.value.status == 502
    assert len(fake.calls("GET", "raw")) == 3 + 3  # the first try and two retries
    await impatient.aclose()


def test_create_forge() -> None:
    assert create_forge(Settings()) is None
    with pytest.raises(ConfigError, match=r"^GITLAB_TOKEN is required when "
                       r"GITLAB_WEBHOOK_SECRET is set$"):
        create_forge(Settings(gitlab_webhook_secret="s"))
    forge = create_forge(Settings(gitlab_token="t"))
    assert isinstance(forge, GitLabForge) and forge.name == "gitlab"
    forge.client.close()


async def test_a_download_redirected_to_another_host_does_not_carry_the_token() -> None:
    """An LFS object GitLab redirects to object storage: followed, without PRIVATE-TOKEN."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer
    from mergegate.forge.gitlab.fetch import read_raw

    seen: dict[str, dict[str, str]] = {}

    async def storage_blob(request: web.Request) -> web.Response:
        seen["storage"] = dict(request.headers)
        return web.Response(body=b"lfs content\n")

    storage_app = web.Application()
    storage_app.router.add_get("/bucket/blob", storage_blob)
    storage = TestServer(storage_app, host="127.0.0.1")
    await storage.start_server()

    async def raw(request: web.Request) -> web.Response:
        seen["gitlab"] = dict(request.headers)
        # another host name for the same machine: object storage elsewhere
        raise web.HTTPFound(f"http://localhost:{storage.port}/bucket/blob?X-Amz-Signature=s")

    gitlab_app = web.Application()
    gitlab_app.router.add_get("/api/v4/projects/7/repository/files/{path}/raw", raw)
    server = TestServer(gitlab_app, host="127.0.0.1")
    await server.start_server()
    client = GitLabClient(f"http://127.0.0.1:{server.port}", TOKEN, max_threads=1)
    try:
        data = await client.call(read_raw, client, "7", "big.bin", "main", 1000)
    finally:
        await server.close()
        await storage.close()
    assert data == b"lfs content\n"
    assert seen["gitlab"]["PRIVATE-TOKEN"] == TOKEN
    assert "PRIVATE-TOKEN" not in seen["storage"] and "Authorization" not in seen["storage"]
    assert all(TOKEN not in v for v in seen["storage"].values())
