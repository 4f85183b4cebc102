"""A folder built under ``cache_root()``: written atomically, checked against its manifest.

Used by the offline captioning set (:mod:`cs231n.data.flickr8k_captions`).
:func:`commit_folder` writes into a temporary sibling
folder and renames it into place, so a failed build leaves no half-written folder (and the
previous build, if any, intact). ``MANIFEST.json`` records what the build was made from and
the sha256 of every file; :func:`manifest_matches` says whether a present folder is still a
valid build of the same inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

__all__ = ["MANIFEST", "sha256", "write_h5", "manifest_matches", "commit_folder"]

MANIFEST = "MANIFEST.json"


def sha256(path) -> str:
    """The hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_h5(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as the datasets of a new HDF5 file, without timestamps (so the same
    arrays give the same bytes)."""
    import h5py

    with h5py.File(path, "w") as f:
        for k, v in arrays.items():
            f.create_dataset(k, data=v, track_times=False)


def manifest_matches(folder: Path, expected: dict, required: Iterable[str]) -> bool:
    """Whether ``folder/MANIFEST.json`` has every item of ``expected``, lists every name of
    ``required`` among its ``files``, and every file it lists has its recorded sha256."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
        ok = all(manifest.get(k) == v for k, v in expected.items())
        ok = ok and set(required) <= set(manifest["files"])
        return ok and all(sha256(Path(folder) / n) == h for n, h in manifest["files"].items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def commit_folder(out: Path, write: Callable[[Path], None]) -> Path:
    """Build a folder atomically: ``write(tmp)`` fills an empty temporary sibling of ``out``,
    which then replaces ``out``.

    Args:
        out: the final folder (its parent is created).
        write: fills the folder it is given; any exception aborts the build.

    Returns:
        ``out``. On failure the temporary folder is removed, a previous ``out`` is left as it
        was, and the exception propagates.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", suffix=".tmp", dir=out.parent))
    old = None
    try:
        write(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the cache is an ordinary folder
        if out.exists():  # a directory cannot be replaced in one rename: move it aside first
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}-", suffix=".old", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not out.exists() and (old / out.name).exists():
            os.replace(old / out.name, out)  # put the previous build back
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return out
