"""What the loaders check at load time, cheaply: known versions and a cache of checksums.

A file that is there but cannot be read (no permission, a folder in its place, an I/O error)
raises :class:`DatasetReadError` naming the file and the reason (:func:`read_bytes`,
:func:`check_readable`), never a format error.

Hashing a whole dataset on every load would cost more than the load (about 0.5 s for
CIFAR-10's 184 MB). So the checksums of a file are computed once per *version* of the file
and kept in :func:`cache_file` (under :func:`cs231n.paths.cache_root`, ``$CS231N_CACHE``),
keyed by the file's absolute path, size and modification time (in ns): the next load of
the same file looks its checksums up instead of hashing, and a file rewritten, truncated,
appended to or touched is hashed again. The cache is written atomically (a temporary file,
then ``os.replace``); entries of files that are gone or changed are dropped on each write;
a cache that cannot be read is ignored and one that cannot be written is skipped (loading
never fails because of the cache).

Which files are compared (:func:`known_versions`): a file whose name and number of rows
are those of a registry file (:attr:`~cs231n.data.registry.FileSpec.rows`: a CIFAR-10 batch of
10,000 rows, or of 1,017 for the subset; MNIST files of 60,000, 10,000 or 17,435 rows; the 25
ImageNet images) must match one of the checksums the registry knows for it (official,
known-good copy, documented derived copy). Files with other row counts (your own files in
the official format, the tests' tiny ones) are checked for their format only.

What only ``cs231n data verify`` does: it always rehashes every file from its bytes (it
does not trust the cache, so it also catches a file changed without a change of size and
mtime) and refreshes the cache with what it computed; it checks every file of the registry
(``batches.meta``, the course's images, COCO), the loaders only those they read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from cs231n.data.registry import REGISTRY, FileSpec
from cs231n.paths import cache_root

__all__ = [
    "DatasetReadError",
    "read_bytes",
    "check_readable",
    "cache_file",
    "file_digests",
    "content_digests",
    "known_versions",
    "match_file",
    "match_content",
    "record",
]


class DatasetReadError(OSError):
    """A dataset file exists but cannot be read: no permission, a folder where the file
    should be, an I/O error. The message names the file and the reason."""


def _unreadable(path, what: str, e: OSError) -> DatasetReadError:
    return DatasetReadError(
        f"{path}: cannot read the {what}: {e.strerror or e} ({type(e).__name__})"
    )


def read_bytes(path, what: str) -> tuple[bytes, os.stat_result]:
    """The bytes of the file at ``path`` (``what`` it is, for the message) and its stat,
    taken before reading.

    Raises:
        FileNotFoundError: it does not exist (the callers have asked
            :func:`cs231n.paths.require`).
        DatasetReadError: it exists but cannot be read, with the reason.
    """
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            return f.read(), st
    except FileNotFoundError:
        raise
    except OSError as e:
        raise _unreadable(path, what, e) from e


def check_readable(path, what: str) -> None:
    """Raise :class:`DatasetReadError` (as :func:`read_bytes`) unless the file at ``path``
    can be opened for reading; nothing is read (for files too large to read twice)."""
    try:
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        raise
    except OSError as e:
        raise _unreadable(path, what, e) from e


_FILE_KEYS = ("md5", "sha256")
_CONTENT_KEYS = ("content_md5", "content_sha256")


def cache_file() -> Path:
    """The checksum cache: ``cache_root() / 'checksums' / 'files.json'``."""
    return cache_root() / "checksums" / "files.json"


def _stamp(st: os.stat_result) -> dict[str, int]:
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _read_cache() -> dict[str, dict]:
    try:
        with open(cache_file(), encoding="utf-8") as f:
            entries = json.load(f)
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _still_valid(path: str, entry) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return isinstance(entry, dict) and _stamp(st).items() <= entry.items()


def _write_cache(entries: dict[str, dict]) -> None:
    target = cache_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".files-", suffix=".tmp")
    except OSError:
        return  # a read-only cache folder: the checksums are simply computed again next time
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(entries, f, indent=1, sort_keys=True)
        os.replace(tmp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _lookup(path: Path, st: os.stat_result, keys: Iterable[str]) -> dict[str, str] | None:
    entry = _read_cache().get(str(path))
    if not isinstance(entry, dict) or entry.get("size") != st.st_size:
        return None
    if entry.get("mtime_ns") != st.st_mtime_ns or not all(k in entry for k in keys):
        return None
    return {k: entry[k] for k in keys}


def _store(path: Path, st: os.stat_result, values: dict[str, str]) -> None:
    entries = _read_cache()
    old = entries.get(str(path))
    entries = {p: e for p, e in entries.items() if p != str(path) and _still_valid(p, e)}
    entry = dict(old) if isinstance(old, dict) and _stamp(st).items() <= old.items() else {}
    entry.update(_stamp(st), **values)
    entries[str(path)] = entry
    _write_cache(entries)


def _hash(data: bytes) -> tuple[str, str]:
    """(md5, sha256) of ``data``: the one place bytes are hashed (tests count the calls)."""
    return hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()


def _digests(path, data: bytes | None, keys: tuple[str, str], st=None) -> dict[str, str]:
    path = Path(path).resolve()
    st = st if st is not None else path.stat()
    cached = _lookup(path, st, keys)
    if cached is not None:
        return cached
    if data is None:
        data = path.read_bytes()
    md5, sha = _hash(data)
    values = dict(zip(keys, (md5, sha), strict=True))
    if _stamp(path.stat()) == _stamp(st):  # not changed while we read it
        _store(path, st, values)
    return values


def file_digests(path, data: bytes | None = None, *, stat=None) -> dict[str, str]:
    """``{'md5': ..., 'sha256': ...}`` of the file at ``path``, from the cache when its size
    and mtime are unchanged, else computed (from ``data``, the file's bytes, when the caller
    has read them already) and stored.

    ``stat``: the file's ``os.stat_result`` taken before its bytes were read (default: now).
    """
    return _digests(path, data, _FILE_KEYS, stat)


def content_digests(path, content: bytes, *, stat=None) -> dict[str, str]:
    """``{'content_md5': ..., 'content_sha256': ...}``: checksums of ``content``, the
    uncompressed bytes of the ``.gz`` (or raw idx) file at ``path``, cached like
    :func:`file_digests` under the file's size and mtime."""
    return _digests(path, content, _CONTENT_KEYS, stat)


def record(path, stat: os.stat_result, values: dict[str, str]) -> None:
    """Store checksums computed elsewhere (``cs231n data verify``) for the file version
    ``stat`` of ``path``: keys ``md5``/``sha256`` and/or ``content_md5``/``content_sha256``."""
    path = Path(path).resolve()
    if _stamp(path.stat()) == _stamp(stat):
        _store(path, stat, values)


def _stem(name: str) -> str:
    return name[: -len(".gz")] if name.endswith(".gz") else name


def known_versions(path, rows: int, datasets: Iterable[str]) -> list[FileSpec]:
    """The registry files of ``datasets`` that a file at ``path`` holding ``rows`` rows
    claims to be: same file name (``.gz`` or not) and same number of rows. Empty when the
    file is not one of them (then only its format is checked)."""
    stem = _stem(Path(path).name)
    return [
        spec
        for name in datasets
        for spec in REGISTRY[name].files
        if spec.rows == rows and _stem(Path(spec.path).name) == stem
    ]


def match_file(specs: Iterable[FileSpec], digests: dict[str, str]) -> bool:
    """Whether file checksums match one version in ``specs`` (official, known, derived)."""
    md5, sha = digests["md5"], digests["sha256"]
    return any(
        md5 == s.md5
        or sha in (s.sha256, s.known_sha256)
        or bool(s.sha256_prefix and sha.startswith(s.sha256_prefix))
        or sha in s.variants
        for s in specs
    )


def match_content(specs: Iterable[FileSpec], digests: dict[str, str]) -> bool:
    """Whether the checksums of uncompressed bytes match one version in ``specs``."""
    md5, sha = digests["content_md5"], digests["content_sha256"]
    return any(md5 == s.content_md5 or sha in s.content_variants for s in specs)
