"""Downloading a dataset of the registry into the data folder, through :mod:`pooch`.

pooch gives the progress bar, archive extraction and the checksum of the download;
everything lands in a staging folder inside the data folder, every file is checked
(:func:`cs231n.data.checksums.is_acceptable`) before any is moved into place, so a
failed or mismatched download leaves nothing behind. Files are taken from an archive by
name, or, for a :class:`~cs231n.data.registry.Source` with a ``tree``, as one whole folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from cs231n.data.checksums import check, digests, is_acceptable
from cs231n.data.registry import lookup
from cs231n.paths import data_root

__all__ = ["fetch"]


def _check_archive(path: Path, kind: str) -> None:
    """Refuse archives whose members would land outside the extraction folder
    (absolute paths, ``..``, links, devices): tarfile on Python < 3.12 extracts them."""
    import tarfile
    import zipfile

    if kind == "tar":
        with tarfile.open(path) as tar:
            bad = [m.name for m in tar.getmembers() if not (m.isfile() or m.isdir())]
            names = [m.name for m in tar.getmembers()]
    else:
        with zipfile.ZipFile(path) as z:
            bad, names = [], z.namelist()
    bad += [n for n in names if n.startswith(("/", "\\")) or ".." in Path(n).parts]
    if bad:
        raise ValueError(f"{path.name}: unsafe archive members {bad[:3]}; nothing was written")


def fetch(
    name: str,
    *,
    force: bool = False,
    progressbar: bool = True,
    downloader: Callable | None = None,
) -> list[Path]:
    """Download dataset ``name`` into the data folder and return the paths it wrote.

    Files are downloaded (and archives extracted) into a staging folder inside
    the data folder; each file is checked against its checksum, and only when
    every one passes are they moved into place. On any failure the staging
    folder is removed and nothing is written.

    Args:
        name: a key of :data:`cs231n.data.registry.REGISTRY` (a :class:`DatasetName`).
        force: download even when every file is already present.
        progressbar: show pooch's progress bar.
        downloader: a pooch downloader ``(url, output_file, pooch)`` (tests use one
            that copies local files); default HTTP(S) with a progress bar.

    Raises:
        KeyError: unknown name. ValueError: a derived dataset (no download), or a
        checksum mismatch. Network errors propagate from pooch/requests.
    """
    import pooch

    (dataset,) = lookup([name])
    if dataset.derived:
        raise ValueError(f"{name} is a derived dataset and cannot be downloaded: {dataset.derived}")
    root = data_root()
    if not force and not check([name]):
        return []
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=root))
    try:
        staged: dict[str, Path] = {}
        trees: dict[str, Path] = {}  # a folder moved whole: its data-folder path -> extracted
        for i, src in enumerate(dataset.sources):
            dl = downloader or pooch.HTTPDownloader(progressbar=progressbar)
            fname = src.url.rsplit("/", 1)[-1]
            where = staging / f"{i}"
            if src.archive is None:
                got = pooch.retrieve(
                    src.url, src.known_hash, fname=fname, path=where, downloader=dl
                )
                staged[src.files[0]] = Path(got)
                continue
            archive = pooch.retrieve(
                src.url, src.known_hash, fname=fname, path=where, downloader=dl
            )
            _check_archive(Path(archive), src.archive)
            proc = (pooch.Untar if src.archive == "tar" else pooch.Unzip)(extract_dir="extracted")
            members = proc(archive, "download", None)
            if src.tree:
                extracted = Path(archive).parent / "extracted"
                if not (extracted / src.tree).is_dir():
                    raise ValueError(f"{src.url}: the archive has no folder {src.tree!r}")
                trees[src.tree] = extracted / src.tree
                for rel in src.files:  # checked below, then moved with their folder
                    if not (extracted / rel).is_file():
                        raise ValueError(f"{src.url}: the archive has no file {rel!r}")
                    staged[rel] = extracted / rel
                continue
            by_name: dict[str, Path] = {}
            for m in sorted(members):  # files are found by name anywhere in the archive
                by_name.setdefault(Path(m).name, Path(m))
            for rel in src.files:
                spec = dataset.spec(rel)
                want = spec.member or Path(rel).name
                if want in by_name:
                    staged[rel] = by_name[want]
                elif not spec.optional:
                    raise ValueError(f"{src.url}: the archive has no file named {want!r}")
        for rel, path in staged.items():
            if not is_acceptable(dataset.spec(rel), path):
                md5, sha = digests(path)
                raise ValueError(
                    f"checksum mismatch for {rel} from {name}: got md5 {md5}, sha256 {sha}; "
                    "nothing was written"
                )
        written = []
        for i, (rel, tree) in enumerate(trees.items()):
            target = root / rel
            files = sorted(p.relative_to(tree) for p in tree.rglob("*") if p.is_file())
            if target.exists():  # force: the old copy goes away with the staging folder
                os.replace(target, staging / f"replaced-{i}")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tree, target)
            written += [target / f for f in files]
        for rel, path in staged.items():
            if any(rel.startswith(f"{t}/") for t in trees):
                continue  # already moved with its folder
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
