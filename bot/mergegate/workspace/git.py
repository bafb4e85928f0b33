"""Build a Workspace from a local git checkout: the working tree against the merge-base.

`mergegate scan` shows developers the verdict before they push, so the head is the working tree
as it is (committed, staged, unstaged and untracked-but-not-ignored files), and the base is the
merge-base of `--base REF` and HEAD, as `semgrep ci` computes it.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mergegate.core.findings import ScanNote
from mergegate.workspace import DEFAULT_MAX_FILE_BYTES, CandidateFile, Workspace, build_workspace

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
# git's empty tree: the base of the first commit of a repository
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # pragma: allowlist secret (a git object id)


class GitError(Exception):
    """A git problem the user must fix; the message is one line."""


@dataclass(frozen=True)
class GitRepo:
    root: Path

    @classmethod
    def open(cls, path: Path) -> GitRepo:
        if not path.exists():
            raise GitError(f"{path}: no such directory")
        try:
            out = _git(path, "rev-parse", "--show-toplevel")
        except GitError:
            raise GitError(f"{path}: not a git repository") from None
        return cls(Path(out.strip()))

    def run(self, *args: str) -> str:
        return _git(self.root, *args)

    def run_bytes(self, *args: str) -> bytes:
        return _git_bytes(self.root, *args)

    def merge_base(self, ref: str) -> str:
        try:
            self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except GitError:
            raise GitError(f"--base {ref}: unknown revision") from None
        try:
            return self.run("merge-base", ref, "HEAD").strip()
        except GitError:
            raise GitError(f"--base {ref}: no common ancestor with HEAD") from None

    def show(self, rev: str, path: str) -> bytes | None:
        proc = subprocess.run(
            ["git", "cat-file", "blob", f"{rev}:{path}"],
            cwd=self.root, capture_output=True, check=False,
        )
        return proc.stdout if proc.returncode == 0 else None


def _git_bytes(cwd: Path, *args: str) -> bytes:
    try:
        proc = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except NotADirectoryError:
        raise GitError(f"{cwd}: not a directory") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(msg[-1] if msg else f"git {args[0]} failed")
    return proc.stdout


def _git(cwd: Path, *args: str) -> str:
    return _git_bytes(cwd, *args).decode("utf-8", "surrogateescape")


def added_lines_by_file(diff: str) -> dict[str, set[int]]:
    """Parse `git diff -U0` output into the added line numbers of each new path."""
    result: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            if target == "/dev/null":
                current = None
                continue
            path = target[2:] if target.startswith("b/") else target
            current = result.setdefault(path, set())
        elif line.startswith("@@") and current is not None:
            m = _HUNK.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or "1")
                current.update(range(start, start + count))
    return result


def _raw_changes(
    repo: GitRepo, base: str, *options: str
) -> tuple[list[CandidateFile], list[str]]:
    raw = repo.run("diff", *options, "--raw", "-z", "-M", "--no-color", "--no-ext-diff", base)
    fields = raw.split("\0")
    candidates: list[CandidateFile] = []
    deleted: list[str] = []
    i = 0
    while i < len(fields) - 1:
        meta = fields[i]
        if not meta.startswith(":"):
            i += 1
            continue
        _, new_mode, _, _, status = meta[1:].split(" ")
        if status[0] in "RC":
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        if status[0] == "D":
            deleted.append(old)
            continue
        kind = {"A": "added", "R": "renamed", "C": "added"}.get(status[0], "modified")
        candidates.append(
            CandidateFile(
                path=new,
                status=kind,  # type: ignore[arg-type]
                old_path=old if status[0] == "R" else None,
                is_symlink=new_mode == "120000",
                is_submodule=new_mode == "160000",
            )
        )
    return candidates, deleted


def workspace_from_git(
    path: Path,
    base_ref: str | None = None,
    *,
    staged: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> Workspace:
    """The working tree at `path`; diff-aware against merge-base(base_ref, HEAD) when given.

    `staged`: only the files staged for commit, diff-aware against HEAD (the empty tree before
    the first commit); untracked files are left out. Their content is read from the working
    tree, which is the staged content when pre-commit runs the scan (it stashes unstaged
    changes first); a staged file with unstaged changes gets a note saying so.
    """
    repo = GitRepo.open(path)
    if staged:
        return _staged_workspace(repo, max_file_bytes)
    # The untracked files are listed beside the diffs (read-only git commands, side by side).
    with ThreadPoolExecutor(max_workers=1) as pool:
        others = pool.submit(repo.run, "ls-files", "-z", "--others", "--exclude-standard")
        if base_ref is None:
            return _full_workspace(repo, others, max_file_bytes)
        base = repo.merge_base(base_ref)
        candidates, deleted = _raw_changes(repo, base)
        added = _added_lines(repo, base, candidates, deleted)
        untracked = _names(others.result())
    with_lines = [
        CandidateFile(
            c.path,
            c.status,
            frozenset(added.get(c.path, set())),
            c.old_path,
            c.is_symlink,
            c.is_submodule,
        )
        for c in candidates
    ]
    known = {c.path for c in with_lines}
    with_lines += [CandidateFile(p, "added") for p in untracked if p not in known]

    def read_base(p: str) -> bytes | None:
        return repo.show(base, p)

    return build_workspace(
        repo.root,
        with_lines,
        diff_aware=True,
        base_reader=read_base,
        base_label=f"{base_ref} ({base[:12]})",
        deleted=deleted,
        max_file_bytes=max_file_bytes,
    )


# Past this many characters of changed paths, the line diff is not limited to them (a command
# line has a length limit); it then compares the whole working tree, as it did before.
_PATHSPEC_CHARS = 100_000


def _added_lines(
    repo: GitRepo, base: str, candidates: list[CandidateFile], deleted: list[str]
) -> dict[str, set[int]]:
    """The added line numbers of each changed file (`git diff -U0`), the diff limited to the
    paths the raw diff named (both sides of a rename, the deleted files too: git pairs renames
    among the same changes). Unlimited, git compares every file of the working tree again,
    reading each one whose index entry is not known clean (a checkout written in the same
    second as its index): tens of milliseconds in a big repository."""
    paths = sorted({c.path for c in candidates} | {c.old_path for c in candidates if c.old_path}
                   | set(deleted))
    if not paths:
        return {}
    limit = ["--", *paths] if sum(len(p) + 1 for p in paths) <= _PATHSPEC_CHARS else []
    return added_lines_by_file(repo.run(
        "--literal-pathspecs", "diff", "-U0", "-M", "--no-color", "--no-ext-diff", base,
        *limit))


def _names(out: str) -> list[str]:
    return [p for p in out.split("\0") if p]


def _full_workspace(repo: GitRepo, others: Future[str], max_file_bytes: int) -> Workspace:
    """Every tracked file plus the untracked ones (`others`: `git ls-files --others`)."""
    index = repo.run("ls-files", "-z", "-s", "--cached").split("\0")
    candidates = []
    for entry in index:
        if not entry:
            continue
        meta, _, name = entry.partition("\t")
        mode = meta.split(" ")[0]
        candidates.append(
            CandidateFile(name, "unchanged", None, None, mode == "120000", mode == "160000")
        )
    seen = {c.path for c in candidates}
    candidates += [CandidateFile(p, "added") for p in _names(others.result()) if p not in seen]
    return build_workspace(repo.root, candidates, diff_aware=False, max_file_bytes=max_file_bytes)


def _staged_workspace(repo: GitRepo, max_file_bytes: int) -> Workspace:
    try:
        base = repo.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip()
        label = f"HEAD ({base[:12]})"
    except GitError:
        base, label = EMPTY_TREE, "the empty tree (no commit yet)"
    candidates, deleted = _raw_changes(repo, base, "--cached")
    added = added_lines_by_file(
        repo.run("diff", "--cached", "-U0", "-M", "--no-color", "--no-ext-diff", base))
    files = [
        CandidateFile(c.path, c.status, frozenset(added.get(c.path, set())), c.old_path,
                      c.is_symlink, c.is_submodule)
        for c in candidates
    ]
    unstaged = set(repo.run("diff", "-z", "--name-only", "--no-ext-diff").split("\0"))

    def read_base(p: str) -> bytes | None:
        return None if base == EMPTY_TREE else repo.show(base, p)

    workspace = build_workspace(
        repo.root, files, diff_aware=True, base_reader=read_base, base_label=label,
        deleted=deleted, max_file_bytes=max_file_bytes,
    )
    workspace.notes.extend(
        ScanNote("has unstaged changes: the working tree's version was scanned", c.path)
        for c in files if c.path in unstaged
    )
    return workspace
