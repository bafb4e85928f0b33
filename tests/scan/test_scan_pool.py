"""The gate in scanner processes: base content prefetched, results back, pool stops idle."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mergegate.config import Settings
from mergegate.core.policy import Policy
from mergegate.scan.pool import MappingReader, ProcessRunner, prefetch_base
from mergegate.workspace import CandidateFile, build_workspace

SQLI = 'def f(cur, name):\n    cur.execute("SELECT * FROM t WHERE n = \'%s\'" % name)\n'


async def test_process_runner_scans_with_prefetched_base(tmp_path: Path) -> None:
    (tmp_path / "head" / "app").mkdir(parents=True)
    (tmp_path / "head" / "app" / "q.py").write_text(SQLI)
    reads: list[str] = []

    def reader(path: str) -> bytes | None:  # a closure: could not cross to a process itself
        reads.append(path)
        return SQLI.encode() if path == "app/q.py" else None

    ws = build_workspace(tmp_path / "head", [CandidateFile("app/q.py", "modified", None)],
                         diff_aware=True, base_reader=reader)
    portable = await prefetch_base(ws)
    assert reads == ["app/q.py"] and isinstance(portable.base_reader, MappingReader)
    (tmp_path / "osv").mkdir()
    runner = ProcessRunner(1, idle_timeout=0.1)
    try:
        result = await runner.run(ws, Policy(), Settings(osv_db=tmp_path / "osv"))
        [finding] = [f for f in result.findings if f.scanner == "sast"]
        assert finding.path == "app/q.py" and finding.new is False  # it was there at the base
        await asyncio.sleep(0.3)
        assert runner._pool is None  # stopped when idle
    finally:
        runner.shutdown()
