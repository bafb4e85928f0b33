"""The code of the scenarios: a PR adding SQL injection and an AWS key, and its later pushes."""

from __future__ import annotations

AWS_KEY = "AKIAIOSFODNN7EXAMPLQ"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SECRET_VALUES = (AWS_KEY, AWS_SECRET)

BASE = {
    "README.md": "# Hello\n",
    "app/__init__.py": "",
}

DB_PY = f'''import sqlite3

AWS_ACCESS_KEY_ID = "{AWS_KEY}"


def find_user(conn: sqlite3.Connection, name: str):
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    return cur.fetchall()
'''

SQLI_LINE = 8
KEY_LINE = 3

# The same code moved down by an unrelated edit above it (a rebase, a new import).
DB_PY_MOVED = f'''"""User lookups."""

import logging
import sqlite3

log = logging.getLogger(__name__)

AWS_ACCESS_KEY_ID = "{AWS_KEY}"


def find_user(conn: sqlite3.Connection, name: str):
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    return cur.fetchall()
'''

SQLI_LINE_MOVED = 13

CLEAN_PY = '''def add(a: int, b: int) -> int:
    return a + b
'''


def many_findings(n: int) -> str:
    """A file with ``n`` distinct SQL injection findings."""
    lines = ["import sqlite3", ""]
    for i in range(n):
        lines += [
            f"def q{i}(cur: sqlite3.Cursor, v: str) -> None:",
            f"    cur.execute(\"SELECT c{i} FROM t WHERE v = '%s'\" % v)",
            "",
        ]
    return "\n".join(lines) + "\n"
