"""GitLab MR diff entries as workspace candidates (pure)."""

from __future__ import annotations

from mergegate.forge.gitlab.fetch import candidate


def entry(**more: object) -> dict[str, object]:
    base: dict[str, object] = {"old_path": "a.py", "new_path": "a.py", "a_mode": "100644",
                               "b_mode": "100644", "diff": "@@ -1 +1,2 @@\n x\n+y\n",
                               "new_file": False, "renamed_file": False, "deleted_file": False}
    return {**base, **more}


def test_modified_added_renamed_deleted() -> None:
    c, gone, unsafe = candidate(entry())
    assert c is not None and (c.status, c.added_lines, gone, unsafe) == (
        "modified", frozenset({2}), None, None)
    c, _, _ = candidate(entry(new_file=True, old_path="a.py"))
    assert c is not None and c.status == "added"
    c, _, _ = candidate(entry(renamed_file=True, old_path="old/a.py"))
    assert c is not None and (c.status, c.old_path) == ("renamed", "old/a.py")
    assert candidate(entry(deleted_file=True)) == (None, "a.py", None)


def test_collapsed_diff_counts_every_line_and_modes_are_kept() -> None:
    c, _, _ = candidate(entry(diff=""))
    assert c is not None and c.added_lines is None
    c, _, _ = candidate(entry(b_mode="160000"))
    assert c is not None and c.is_submodule
    c, _, _ = candidate(entry(b_mode="120000"))
    assert c is not None and c.is_symlink


def test_unsafe_paths_are_refused() -> None:
    for bad in ("../etc/passwd", "/abs/path", "a/../../b.py", ""):
        assert candidate(entry(new_path=bad)) == (None, None, bad)


def test_backslashes_and_odd_bytes_are_part_of_a_name() -> None:
    for odd in ("cfg\\prod.py", "new\nline.py", "é\u202egnp.py"):
        cand, gone, unsafe = candidate(entry(new_path=odd))
        assert cand is not None and cand.path == odd and (gone, unsafe) == (None, None)
