import re

import pytest
from mergegate.core.globs import GlobError, compile_glob, matches_any


@pytest.mark.parametrize(
    "pattern,path,expected",
    [
        ("vendor/**", "vendor/a/b.py", True),
        ("vendor/**", "src/vendor/a.py", False),
        ("vendor", "vendor/a.py", True),
        ("**/test_*.py", "a/b/test_x.py", True),
        ("**/test_*.py", "test_x.py", True),
        ("*.min.js", "static/js/app.min.js", True),
        ("src/*.py", "src/a/b.py", False),
        ("src/*.py", "src/b.py", True),
        ("tests/fixtures/**", "tests/fixtures/x/y.json", True),
        ("a?.txt", "ab.txt", True),
        ("[ab].txt", "c.txt", False),
        ("[!ab].txt", "c.txt", True),
    ],
)
def test_glob_matching(pattern: str, path: str, expected: bool) -> None:
    assert bool(compile_glob(pattern).match(path)) is expected


@pytest.mark.parametrize(
    "pattern,message",
    [
        ("", "empty glob"),
        ("/etc/**", "must be relative to the repository root"),
        ("../x", "must not contain '..'"),
        ("src/[abc", "unclosed '['"),
        ("src/a**", "'**' must be a whole path segment"),
    ],
)
def test_bad_globs_are_rejected_with_a_reason(pattern: str, message: str) -> None:
    with pytest.raises(GlobError, match=re.escape(message)):
        compile_glob(pattern)


def test_matches_any() -> None:
    assert matches_any("docs/a.md", ["*.py", "docs/**"])
    assert not matches_any("src/a.go", ["*.py", "docs/**"])
