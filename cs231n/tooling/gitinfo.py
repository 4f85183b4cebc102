"""The git facts a record needs: which commit the package ran at, and what changed since.

Every function answers ``None`` when ``repo`` is not the top of a git checkout (an installed
copy, a source tarball, git missing), so that recording a number never fails for lack of git.
Paths are relative to ``repo``, with forward slashes, as git prints them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

#: What "the package" means for provenance: the files under this folder of the repository.
PACKAGE_DIR = "cs231n"


def _git(repo: str | os.PathLike, *args: str) -> str | None:
    """stdout of ``git -C repo ARGS...``, or None when git fails or is not installed."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _is_checkout_top(repo: str | os.PathLike) -> bool:
    """True when ``repo`` is the top folder of a git working tree (not a folder inside one)."""
    top = _git(repo, "rev-parse", "--show-toplevel")
    return top is not None and Path(top.strip()).resolve() == Path(repo).resolve()


def head_commit(repo: str | os.PathLike) -> str | None:
    """The full hash of ``HEAD`` in ``repo`` (40 hex digits), None if not a git checkout."""
    if not _is_checkout_top(repo):
        return None
    out = _git(repo, "rev-parse", "--verify", "HEAD")
    return out.strip() if out else None


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def uncommitted_files(
    repo: str | os.PathLike, paths: Sequence[str] = (PACKAGE_DIR,)
) -> list[str] | None:
    """Files under ``paths`` that differ from ``HEAD``: modified (staged or not), deleted, or
    new and not ignored. Sorted; [] for a clean tree; None if ``repo`` is not a git checkout."""
    if head_commit(repo) is None:
        return None
    changed = _git(repo, "diff", "--name-only", "HEAD", "--", *paths)
    untracked = _git(repo, "ls-files", "--others", "--exclude-standard", "--", *paths)
    if changed is None or untracked is None:
        return None
    return sorted(set(_lines(changed)) | set(_lines(untracked)))


def changed_since(
    repo: str | os.PathLike, commit: str, paths: Sequence[str] = (PACKAGE_DIR,)
) -> list[str] | None:
    """Files under ``paths`` that differ between ``commit`` and ``HEAD`` (committed changes
    only), sorted; None when ``repo`` is not a checkout or does not know ``commit``."""
    if head_commit(repo) is None:
        return None
    out = _git(repo, "diff", "--name-only", f"{commit}^{{commit}}", "HEAD", "--", *paths)
    return None if out is None else sorted(_lines(out))


def provenance(repo: str | os.PathLike) -> dict[str, object]:
    """What a record says about the code it ran with.

    Returns:
        ``{"commit": sha or None, "dirty": bool or None, "dirty_files": [path, ...] or None}``:
        ``dirty`` is True when files of the package (``cs231n/``) differed from the commit,
        and ``dirty_files`` names them; all three are None outside a git checkout.
    """
    commit = head_commit(repo)
    files = uncommitted_files(repo) if commit is not None else None
    return {
        "commit": commit,
        "dirty": None if files is None else bool(files),
        "dirty_files": files,
    }
