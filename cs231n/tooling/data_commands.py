"""The ``cs231n data list|fetch|verify|build`` commands: what they print and their exit codes.

:mod:`cs231n.tooling.cli` imports this module only when a ``data`` command runs. The
work is done by :mod:`cs231n.data.registry` (what exists), :mod:`cs231n.data.checksums`
(what is here and whether it is official) and :mod:`cs231n.data.download` (fetching);
``build`` converts a dataset into what the package uses, under ``cache_root()``
(:mod:`cs231n.data.squeezenet_weights` for ``squeezenet``,
:mod:`cs231n.data.flickr8k_captions` for ``flickr8k-captions``,
:mod:`cs231n.data.mnist_captions` for ``mnist-captions``). ``fetch`` and ``verify``
also take the short names of :data:`ALIASES` (``coco`` for ``coco_captioning``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cs231n.data.checksums import file_status, is_bad, presence
from cs231n.data.download import fetch
from cs231n.data.registry import REGISTRY, DatasetName, lookup
from cs231n.paths import DATA_ENV, data_root, data_source

__all__ = ["cli_list", "cli_fetch", "cli_verify", "cli_build", "Buildable", "BUILDABLE", "ALIASES"]

#: Short names ``cs231n data fetch|verify`` also accept, for a registry name.
ALIASES = {"coco": DatasetName.COCO_CAPTIONING}


@dataclass(frozen=True)
class Buildable:
    """What ``cs231n data build NAME`` builds, through its module's functions.

    Attributes:
        description: what is built, from what.
        source: ``() -> Path`` where it reads (raises ``DatasetNotFoundError`` when missing).
        is_built: ``() -> bool``, True when a valid build is there (the build would be skipped).
        output: ``() -> Path`` where the build is written.
        build: ``() -> Path`` rebuilds (even when valid) and returns what it wrote.
    """

    description: str
    source: Callable[[], Path]
    is_built: Callable[[], bool]
    output: Callable[[], Path]
    build: Callable[[], Path]


def _squeezenet():  # imported when a build runs: the builders pull in torch or coremltools
    from cs231n.data import squeezenet_weights

    return squeezenet_weights


def _flickr8k():
    from cs231n.data import flickr8k_captions

    return flickr8k_captions


def _mnist_captions():
    from cs231n.data import mnist_captions

    return mnist_captions


#: What ``cs231n data build`` knows, by name.
BUILDABLE = {
    "squeezenet": Buildable(
        "SqueezeNet 1.1 weights for PyTorch and TensorFlow from SqueezeNetFP16.mlmodel",
        source=lambda: _squeezenet().mlmodel_path(),
        is_built=lambda: _squeezenet().is_built(),
        output=lambda: _squeezenet().built_path(),
        build=lambda: _squeezenet().build_squeezenet(force=True),
    ),
    "flickr8k-captions": Buildable(
        "the offline captioning set in the COCO layout (1,000 Flickr8k photographs, their "
        "captions and SqueezeNet features)",
        source=lambda: _flickr8k().source_folder(),
        is_built=lambda: _flickr8k().is_built(),
        output=lambda: _flickr8k().built_folder(),
        build=lambda: _flickr8k().build_flickr8k_captions(force=True),
    ),
    "mnist-captions": Buildable(
        "the controlled captioning set in the COCO layout (strips of 1..15 real MNIST digits "
        "captioned by reading them)",
        source=lambda: data_root() / "mnist",
        is_built=lambda: _mnist_captions().is_built(),
        output=lambda: _mnist_captions().built_folder(),
        build=lambda: _mnist_captions().build_mnist_captions(force=True),
    ),
}


def _resolve(names: list[str] | None) -> list[str] | None:
    """Registry names for ``names``, with :data:`ALIASES` replaced."""
    return None if names is None else [ALIASES.get(n, n) for n in names]


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _header() -> str | None:
    """Print the data folder; return why it cannot be used (``None`` when it can)."""
    root = data_root()
    problem = None
    if not root.exists():
        problem = "does not exist"
    elif not root.is_dir():
        problem = "is not a folder"
    print(f"data folder: {root} (from {data_source()})" + (f": {problem}" if problem else ""))
    return problem


def cli_list() -> int:
    """Print every dataset with its description and whether it is present (``present``,
    ``missing``, ``partial k/n``, or ``unreadable k/n`` when files are there but cannot be
    read); exit code 0."""
    _header()
    root = data_root()
    rows = []
    for d in REGISTRY.values():
        needed = [f for f in d.files if not f.optional]
        found = [presence(root / f.path) for f in needed]
        have = sum(p is None for p in found)
        unreadable = sum(p not in (None, "missing") for p in found)
        state = (
            f"unreadable {unreadable}/{len(needed)}"
            if unreadable
            else "present"
            if have == len(needed)
            else "missing"
            if have == 0
            else f"partial {have}/{len(needed)}"
        )
        rows.append((d.name, state, d.description + (" [derived]" if d.derived else "")))
    width = max(len(r[0]) for r in rows)
    print(f"{'name':<{width}}  {'status':<13} description")
    for name, state, desc in rows:
        print(f"{name:<{width}}  {state:<13} {desc}")
    return 0


def cli_fetch(names: list[str]) -> int:
    """Fetch each named dataset (a registry name or an alias of :data:`ALIASES`).

    Exit code 0 on success, 1 if a download failed (no network, checksum mismatch, derived
    dataset), 2 for an unknown name."""
    names = _resolve(names or [])
    try:
        datasets = lookup(names)
    except KeyError as e:
        _err(f"error: {e.args[0]}")
        return 2
    if not names:
        _err(f"error: name the datasets to fetch; valid names: {', '.join(REGISTRY)}")
        return 2
    _header()
    code = 0
    for d in datasets:
        try:
            written = fetch(d.name)
        except ValueError as e:
            _err(f"{d.name}: error: {e}")
            code = 1
        except Exception as e:  # noqa: BLE001 - network errors come in many types
            urls = ", ".join(s.url for s in d.sources)
            _err(
                f"{d.name}: error: could not download {urls} ({type(e).__name__}: {e}). "
                "Check your network connection, or copy the files into the data folder by hand."
            )
            code = 1
        else:
            print(
                f"{d.name}: {'already present' if not written else f'{len(written)} files written'}"
            )
    return code


def cli_verify(names: list[str] | None = None) -> int:
    """Recompute the checksums of what is present and print one line per file.

    With no ``names``, every dataset of which at least one file is present is
    verified; the wholly absent ones are only listed (and do not change the exit code),
    unless no dataset at all is there.

    Every checksum is recomputed from the file's bytes (the loaders' cache is refreshed,
    never trusted: see :mod:`cs231n.data.integrity`).

    Exit code: 0 when every required file is present and is official, a known
    copy, or a documented derived copy (reported as ``differs`` with its reason);
    1 when a required file is missing, when the data folder does not exist, or when
    no dataset is present in it (the message names what is missing); 2 when a file
    cannot be read (``unreadable``, with the reason) or matches no checksum we know
    (corrupted or unexpected; this wins over 1); also 2 for an unknown name.
    """
    names = _resolve(names)
    try:
        datasets = lookup(names)
    except KeyError as e:
        _err(f"error: {e.args[0]}")
        return 2
    problem = _header()
    root = data_root()
    if problem:
        _err(
            f"error: the data folder {root} {problem}: nothing to verify; missing: "
            f"{', '.join(d.name for d in datasets)} (set ${DATA_ENV} to the folder, or fetch "
            "with: cs231n data fetch NAME)"
        )
        print(f"exit code 1: {_VERIFY_CODES[1]}")
        return 1
    if not names:  # all datasets that are at least partly here
        absent = [
            d.name for d in datasets if all(presence(root / f.path) == "missing" for f in d.files)
        ]
        if len(absent) == len(datasets):
            _err(
                f"error: no dataset is present in the data folder {root}; missing: "
                + "; ".join(f"{d.name} ({_files(d)})" for d in datasets)
                + ". Fetch with: cs231n data fetch NAME"
            )
            print(f"exit code 1: {_VERIFY_CODES[1]}")
            return 1
        datasets = [d for d in datasets if d.name not in absent]
        if absent:
            print(f"not present (not verified): {', '.join(absent)}")
    code = 0
    counts: dict[str, int] = {}
    for d in datasets:
        print(f"{d.name}:" + (f" (derived: {d.derived})" if d.derived else ""))
        for spec in d.files:
            status, detail = file_status(spec, root)
            counts[status] = counts.get(status, 0) + 1
            print(f"  {status:<10}  {spec.path}" + (f"  ({detail})" if detail else ""))
            if status == "missing" and not spec.optional:
                code = max(code, 1)
            if is_bad(spec, status, root):
                code = 2
        if d.folder and (root / d.folder).is_dir():
            known = {f.path for f in d.files}
            try:
                inside = sorted((root / d.folder).iterdir())
            except OSError as e:
                print(f"  {'unreadable':<10}  {d.folder}/  (cannot list: {e.strerror or e})")
                inside, code = [], 2
            for p in inside:
                rel = f"{d.folder}/{p.name}"
                if rel not in known and presence(p) is None:
                    print(f"  {'extra':<10}  {rel}  (not in the registry)")
    print("summary: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    print(
        "(official: matches the published checksum; known copy: no checksum is published, "
        "matches a known-good copy; differs: not the official file; unreadable: there but "
        "cannot be read)"
    )
    print(f"exit code {code}: " + _VERIFY_CODES[code])
    return code


def _files(d) -> str:
    n = sum(not f.optional for f in d.files)
    return f"{n} required file{'s' if n != 1 else ''}"


_VERIFY_CODES = {
    0: "every required file is present and official, a known copy or a documented derived copy",
    1: "some required files are missing",
    2: "some files cannot be read or match no known checksum (corrupted or unexpected)",
}


def cli_build(names: list[str], force: bool = False) -> int:
    """Build what the package derives from the data folder (see :data:`BUILDABLE`).

    Prints where each build reads, then the path written (or that a valid build is already
    there; ``force`` rebuilds). Exit code 0 on success, 1 if a source is missing or cannot
    be read (or a builder's dependency, e.g. coremltools, is not installed), 2 for a name
    that cannot be built.
    """
    unknown = [n for n in names if n not in BUILDABLE]
    if unknown or not names:
        _err(
            f"error: cannot build {', '.join(unknown) or 'nothing'}; "
            f"buildable: {', '.join(BUILDABLE)}"
        )
        return 2
    _header()
    code = 0
    for name in names:
        b = BUILDABLE[name]
        try:
            src = b.source()
            if not force and b.is_built():
                print(f"{name}: already built: {b.output()} (from {src}; --force rebuilds)")
                continue
            print(f"{name}: building {b.description} ({src}) ...", flush=True)
            t0 = time.perf_counter()
            out = b.build()
        except (OSError, ImportError, ValueError) as e:  # includes DatasetNotFoundError
            _err(f"{name}: error: {e}")
            code = 1
        else:
            print(f"{name}: wrote {out} in {time.perf_counter() - t0:.1f} s")
    return code
