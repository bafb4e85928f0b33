import os
from pathlib import Path

import pytest
from mergegate.workspace.git import GitError, added_lines_by_file, workspace_from_git

from .conftest import Repo


def test_added_lines_from_a_zero_context_diff() -> None:
    diff = (
        "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,0 +2,3 @@\n+x\n+y\n+z\n"
        "@@ -10 +13 @@\n-old\n+new\n"
        "diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
    )
    assert added_lines_by_file(diff) == {"a.py": {2, 3, 4, 13}}


def test_diff_aware_workspace_lists_changes_and_added_lines(repo: Repo) -> None:
    repo.write("keep.py", "a = 1\n")
    repo.write("edit.py", "a = 1\nb = 2\n")
    repo.write("old_name.py", "x = 1\n" * 5)
    repo.write("gone.py", "x = 1\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("edit.py", "a = 1\nnew = 3\nb = 2\n")
    repo.git("mv", "old_name.py", "new_name.py")
    repo.git("rm", "-q", "gone.py")
    repo.write("added.py", "y = 2\n")
    repo.commit("change")
    repo.write("untracked.py", "z = 3\n")  # a developer's file not yet committed
    ws = workspace_from_git(repo.root, "main")
    assert ws.diff_aware
    by_path = {f.path: f for f in ws.files}
    assert set(by_path) == {"edit.py", "new_name.py", "added.py", "untracked.py"}
    assert by_path["edit.py"].added_lines == frozenset({2})
    assert by_path["new_name.py"].status == "renamed"
    assert by_path["new_name.py"].old_path == "old_name.py"
    assert by_path["untracked.py"].added_lines is None
    assert ws.deleted == ["gone.py"]
    assert ws.base_text("edit.py") == "a = 1\nb = 2\n"
    assert ws.base_text("new_name.py") == "x = 1\n" * 5
    assert ws.base_text("added.py") is None


def test_added_lines_of_renamed_and_oddly_named_files(repo: Repo) -> None:
    # The line diff names the changed files on git's command line: a name that reads as
    # pathspec magic (`:x.py` would mean `x.py`) must still be taken literally; a renamed
    # file keeps its added lines (both of its names are given, so git pairs them as before).
    body = "".join(f"line{i} = {i}\n" for i in range(20))
    repo.write(":x.py", "a = 1\n")
    repo.write("x.py", "a = 1\n")
    repo.write("old.py", body)
    repo.write("unchanged.py", "u = 1\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(":x.py", "a = 1\nb = 2\n")
    repo.git("mv", "old.py", "new.py")
    repo.write("new.py", body + "tail = 1\n")
    repo.commit("change")
    ws = workspace_from_git(repo.root, "main")
    by_path = {f.path: f for f in ws.files}
    assert set(by_path) == {":x.py", "new.py"}
    assert by_path[":x.py"].added_lines == frozenset({2})
    assert (by_path["new.py"].status, by_path["new.py"].old_path) == ("renamed", "old.py")
    assert by_path["new.py"].added_lines == frozenset({21})


def test_skips_binary_large_symlinks_and_submodules_with_a_note(repo: Repo, tmp_path: Path) -> None:
    repo.write("ok.py", "x = 1\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    (repo.root / "image.bin").write_bytes(b"\x89PNG\x00\x00binary")
    repo.write("big.txt", "x" * 2048)
    outside = tmp_path / "secret.txt"
    outside.write_text("outside the repo\n")
    os.symlink(outside, repo.root / "link.txt")
    sub = tmp_path / "sub"
    sub.mkdir()
    Repo(sub).git("init", "-q", "-b", "main")
    Repo(sub).git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q",
                  "--allow-empty", "-m", "x")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendored")
    repo.commit("add things")
    ws = workspace_from_git(repo.root, "main", max_file_bytes=1024)
    notes = {n.path: n.message for n in ws.notes}
    assert notes["image.bin"] == "skipped: binary file"
    assert notes["big.txt"] == ("not fully scanned: 2048 bytes, over the 1024-byte limit "
                                "(scanned for secrets only)")
    assert [f.path for f in ws.oversized] == ["big.txt"]
    assert notes["link.txt"] == "skipped: symbolic link"
    assert notes["vendored"] == "skipped: submodule"
    assert {f.path for f in ws.files} == {".gitmodules"}


def test_full_workspace_lists_every_file(repo: Repo) -> None:
    repo.write("a.py", "x = 1\n")
    repo.write("docs/b.md", "hello\n")
    repo.commit("base")
    ws = workspace_from_git(repo.root, None)
    assert not ws.diff_aware
    assert ws.paths == ["a.py", "docs/b.md"]
    assert all(f.added_lines is None for f in ws.files)


def test_not_a_repository_and_bad_base_are_clear_errors(repo: Repo, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError, match="not a git repository"):
        workspace_from_git(plain, None)
    with pytest.raises(GitError, match="no such directory"):
        workspace_from_git(tmp_path / "missing", None)
    repo.write("a.py", "x = 1\n")
    repo.commit("base")
    with pytest.raises(GitError, match="--base nope: unknown revision"):
        workspace_from_git(repo.root, "nope")
