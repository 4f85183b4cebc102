"""Checksums of the files in the data folder, against the registry's.

:func:`file_status` reports each file as one of:

``official``
    matches the checksum the publisher lists (CIFAR-10 and MNIST md5s as listed
    by torchvision, the sha256 prefix in the name of a torch hub file), or for a
    re-compressed ``.gz``, its uncompressed bytes match the official file;
``known copy``
    there is no official checksum, and the file matches the sha256 of a copy
    we know to be good (the course's zips publish none);
``differs``
    present, but its checksum is not the official one. For the documented
    derived copies (the CIFAR-10 reconstruction, the subsets) the reason is
    given; anything else is corrupted or a different version;
``present``
    there is nothing to compare it with;
``missing``
    not in the data folder (``optional`` files are only needed by some options);
``unreadable``
    something is at the file's place but cannot be read: no permission, a folder instead
    of a file, an I/O error (the detail says which).

Every checksum is recomputed from the file's bytes (the loaders' cache of
:mod:`cs231n.data.integrity` is not trusted here, only refreshed with what was computed).

:func:`check` only asks which required files are missing (``make run`` calls it
before executing notebooks).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
import zlib
from pathlib import Path

from cs231n.data import integrity
from cs231n.data.registry import FileSpec, lookup
from cs231n.paths import data_root

__all__ = [
    "presence",
    "digests",
    "content_md5",
    "content_sha256",
    "content_is_official",
    "file_status",
    "is_bad",
    "is_acceptable",
    "check",
]


# Within one process (one ``verify`` run asks twice), keyed by path, size and mtime.
_DIGESTS: dict[tuple[str, int, int], tuple[str, str]] = {}


def presence(path: Path) -> str | None:
    """``None`` when ``path`` is a regular file we can open; ``'missing'`` when nothing is
    there; otherwise why it cannot be read (``'a folder, not a file'``, ``'Permission
    denied (PermissionError)'``...)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    except OSError as e:  # a folder on the way that we may not enter
        return f"{e.strerror or e} ({type(e).__name__})"
    if stat.S_ISDIR(st.st_mode):
        return "a folder, not a file"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    try:
        with open(path, "rb"):
            pass
    except OSError as e:
        return f"cannot be opened: {e.strerror or e} ({type(e).__name__})"
    return None


def _hash_file(path: Path, opener) -> tuple[str, str, os.stat_result]:
    md5, sha = hashlib.md5(), hashlib.sha256()
    st = path.stat()
    with opener(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest(), st


def digests(path: Path) -> tuple[str, str]:
    """(md5, sha256) of a file, computed from its bytes once per process (per path, size and
    mtime) and written to the loaders' cache (:func:`cs231n.data.integrity.record`).

    Raises:
        OSError: the file cannot be read.
    """
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        md5, sha, st = _hash_file(path, open)
        _DIGESTS[key] = (md5, sha)
        integrity.record(path, st, {"md5": md5, "sha256": sha})
    return _DIGESTS[key]


def _content(path: Path) -> tuple[str, str]:
    st = path.stat()
    key = (str(path.resolve()) + "#content", st.st_size, st.st_mtime_ns)
    if key not in _DIGESTS:
        try:
            md5, sha, st = _hash_file(path, gzip.open)
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            raise OSError(f"{path}: not a complete gzip stream ({e})") from e
        _DIGESTS[key] = (md5, sha)
        integrity.record(path, st, {"content_md5": md5, "content_sha256": sha})
    return _DIGESTS[key]


def content_md5(path: Path) -> str:
    """md5 of a gzip file's uncompressed bytes (once per process, per path, size and mtime).

    Raises:
        OSError: the file is not a complete gzip stream (``gzip.BadGzipFile``, ``EOFError``
            is re-raised as ``OSError`` naming the file), or cannot be read.
    """
    return _content(path)[0]


def content_sha256(path: Path) -> str:
    """sha256 of a gzip file's uncompressed bytes (as :func:`content_md5`)."""
    return _content(path)[1]


def content_is_official(spec: FileSpec, path: Path) -> bool:
    """Whether a re-compressed ``.gz`` holds the official uncompressed bytes."""
    if not spec.content_md5:
        return False
    try:
        return content_md5(path) == spec.content_md5
    except OSError:
        return False


def _content_variant(spec: FileSpec, path: Path) -> str | None:
    """The description of the documented derived version a re-compressed ``.gz`` holds."""
    if not spec.content_variants:
        return None
    try:
        return spec.content_variants.get(content_sha256(path))
    except OSError:
        return None


def _readme_title(folder: Path) -> str | None:
    """The first heading of a dataset folder's README.md, which says what the copy is."""
    readme = folder / "README.md"
    if not readme.is_file():
        return None
    for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.strip():
            return line.lstrip("# ").strip()
    return None


def file_status(spec: FileSpec, root: Path | None = None) -> tuple[str, str]:
    """``(status, detail)`` of one file: status is ``official``, ``known copy``,
    ``differs``, ``present`` (nothing to check against), ``missing`` or ``unreadable``.

    ``detail`` says why a file differs when that is known (a documented variant,
    or the first line of the folder's README.md), or why it cannot be read.
    """
    path = (root or data_root()) / spec.path
    problem = presence(path)
    if problem == "missing":
        return "missing", "optional" if spec.optional else ""
    if problem is not None:
        return "unreadable", problem
    try:
        md5, sha = digests(path)
    except OSError as e:
        return "unreadable", f"cannot be read: {e.strerror or e} ({type(e).__name__})"
    if (
        (spec.md5 and md5 == spec.md5)
        or (spec.sha256 and sha == spec.sha256)
        or (spec.sha256_prefix and sha.startswith(spec.sha256_prefix))
    ):
        return "official", ""
    if content_is_official(spec, path):
        return "official", "uncompressed bytes match the official file (gzip settings differ)"
    if not spec.has_official and spec.known_sha256 == sha:
        return "known copy", ""
    if sha in spec.variants:
        return "differs", f"checksum differs from the official one: {spec.variants[sha]}"
    variant = _content_variant(spec, path)
    if variant is not None:
        return "differs", (
            f"checksum differs from the official one: {variant} (its uncompressed bytes; "
            "gzip settings differ)"
        )
    if not spec.has_official and spec.known_sha256 is None:
        return "present", "no checksum to compare with"
    what = "the official one" if spec.has_official else "the known-good copy"
    detail = f"checksum differs from {what} (corrupted, or another version?)"
    title = _readme_title(path.parent)
    if title:
        detail += f"; {path.parent.name}/README.md says: {title}"
    return "differs", detail


def is_bad(spec: FileSpec, status: str, root: Path | None = None) -> bool:
    """A present file that cannot be read, or matches nothing we know: corrupted or
    unexpected."""
    if status == "unreadable":
        return True
    if status != "differs":
        return False
    path = (root or data_root()) / spec.path
    return digests(path)[1] not in spec.variants and _content_variant(spec, path) is None


def check(names=None) -> list[str]:
    """The required files of datasets ``names`` (all when ``None``) that are missing or
    cannot be read (:func:`presence`), as paths relative to the data folder; ``[]`` means
    everything needed is there. Checksums are not computed (:func:`file_status` does that)."""
    root = data_root()
    return [
        f.path
        for d in lookup(names)
        for f in d.files
        if not f.optional and presence(root / f.path) is not None
    ]


def is_acceptable(spec: FileSpec, path: Path) -> bool:
    """Whether a downloaded file is acceptable: official, known-good, or nothing to check.

    Raises:
        OSError: the file cannot be read.
    """
    md5, sha = digests(path)
    if spec.has_official:
        return (
            md5 == spec.md5
            or sha == spec.sha256
            or bool(spec.sha256_prefix and sha.startswith(spec.sha256_prefix))
            or content_is_official(spec, path)
        )
    return spec.known_sha256 in (None, sha)
