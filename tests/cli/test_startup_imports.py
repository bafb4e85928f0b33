"""What a diff-aware scan of a one-file Python change loads: none of the libraries that only
other commands, other file kinds or a lockfile need (bench/bench_scan.py times this path
against Semgrep and detect-secrets run directly; each of these costs hundredths of a second
at start-up or beside Semgrep)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mergegate.cli import COMMAND_MODULES, build_parser

from .conftest import Repo

# Top-level packages and our modules a one-file Python change must not import.
NOT_NEEDED = (
    "sqlalchemy", "alembic", "psycopg", "aiohttp", "yarl", "asyncio", "lark", "hcl2", "univers",
    "packaging", "shtab", "mergegate.scanners.licenses.deps_dev",
    "mergegate.store", "mergegate.commands.db", "mergegate.commands.worker",
    "mergegate.scanners.external", "mergegate.scanners.deploy.terraform",
    "mergegate.scanners.deploy.compose", "mergegate.scanners.deploy.kubernetes",
    "mergegate.scanners.dependencies.lookup", "mergegate.scanners.dependencies.osv_archives",
)

PROGRAM = """
import json, sys
from mergegate.cli import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""


def test_a_one_file_python_change_loads_only_what_it_needs(repo: Repo, tmp_path: Path) -> None:
    repo.write("app/db.py", "def find(db, name):\n    return db.execute('SELECT 1')\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "change")
    repo.write("app/db.py", "def find(db, name):\n"
               "    return db.execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")\n")
    repo.commit()
    out = tmp_path / "loaded.json"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    env.pop("MERGEGATE_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(out), "scan", "--format", "json", "--base", "main",
         str(repo.root)], capture_output=True, text=True, env=env, check=False)
    loaded = json.loads(out.read_text())
    report = json.loads(proc.stdout)
    # The scan did its work: Semgrep found the injection and blocked on it.
    assert loaded["code"] == 1, proc.stderr
    assert [f["rule"] for f in report["findings"]] == ["mergegate.python.sql-string-formatting"]
    assert "mergegate.scanners.secrets" in loaded["modules"]  # every scanner still ran
    assert "mergegate.scanners.deploy.scanner" in loaded["modules"]
    found = [m for m in loaded["modules"] if any(m == n or m.startswith(n + ".")
                                                  for n in NOT_NEEDED)]
    assert found == []


def test_each_command_is_built_from_the_module_main_loads_for_it() -> None:
    def names(parser: object) -> set[str]:
        import argparse

        assert isinstance(parser, argparse.ArgumentParser)
        (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return set(sub.choices)

    assert set(COMMAND_MODULES) == names(build_parser())
    for command, module in COMMAND_MODULES.items():
        assert command in names(build_parser(module))
