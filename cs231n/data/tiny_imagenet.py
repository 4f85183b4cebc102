"""TinyImageNet-200 from its official folder: ``load_tiny_imagenet`` (official 2020 function).

The folder (``tiny-imagenet-200/`` in the data folder, as unzipped from
``http://cs231n.stanford.edu/tiny-imagenet-200.zip``) holds::

    wnids.txt                       one class id (wnid) a line; line i is label i
    words.txt                       wnid<TAB>comma-separated names, for every ImageNet wnid
    train/<wnid>/<wnid>_boxes.txt   file<TAB>box..., one line per image of train/<wnid>/images/
    val/val_annotations.txt         file<TAB>wnid<TAB>box..., one line per image of val/images/
    test/images/*.JPEG              test images; test/test_annotations.txt only if labels are given

Every image is 64x64, RGB or grayscale JPEG. :mod:`cs231n.data_utils` re-exports
:func:`load_tiny_imagenet` under its official name ``cs231n.data_utils.load_tiny_imagenet``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from tqdm import tqdm

from cs231n.data.registry import DatasetName
from cs231n.paths import require

__all__ = ["load_tiny_imagenet", "IMAGE_SHAPE"]

#: Shape of one image as returned: channels first.
IMAGE_SHAPE = (3, 64, 64)


def _format_error(message: str) -> Exception:
    # DatasetFormatError lives in cs231n.data_utils, which imports this module: import it
    # when an error is raised, by which time data_utils is fully loaded.
    from cs231n.data_utils import DatasetFormatError

    return DatasetFormatError(message)


def _lines(path: Path) -> list[str]:
    """The non-empty lines of a text file, without their line ends."""
    if not path.is_file():
        raise _format_error(f"load_tiny_imagenet: {path} is missing (an incomplete unzip?)")
    text = path.read_text(encoding="utf-8")
    return [line.rstrip("\r\n") for line in text.splitlines() if line.strip()]


def _columns(path: Path, n: int) -> list[list[str]]:
    """The first ``n`` tab-separated fields of each line of ``path``."""
    rows = []
    for i, line in enumerate(_lines(path), start=1):
        fields = line.split("\t")
        if len(fields) < n:
            raise _format_error(
                f"load_tiny_imagenet: {path} line {i}: expected at least {n} tab-separated "
                f"fields, got {line!r}"
            )
        rows.append(fields[:n])
    return rows


def _read_images(files: list[Path], out: np.ndarray) -> None:
    """Read each file into ``out[i]`` (``out``: ``(len(files), 3, 64, 64)``), channels first."""
    import imageio.v2 as imageio  # the v2 API of the official code: same files, same arrays

    for i, f in enumerate(files):
        if not f.is_file():
            raise _format_error(f"load_tiny_imagenet: {f} is listed but missing")
        try:
            img = np.asarray(imageio.imread(f))
        except (OSError, ValueError) as e:
            raise _format_error(f"load_tiny_imagenet: {f}: not a readable image ({e})") from e
        if img.ndim == 2:
            img = img[:, :, None]  # grayscale (H, W) -> (H, W, 1), broadcast to 3 channels below
        if img.shape[:2] != IMAGE_SHAPE[1:] or img.shape[2] not in (1, 3):
            raise _format_error(
                f"load_tiny_imagenet: {f}: image of shape {img.shape}, expected (64, 64, 3) "
                "or (64, 64)"
            )
        out[i] = img.transpose(2, 0, 1)  # (64, 64, C) -> (C, 64, 64)


def load_tiny_imagenet(path, dtype=np.float32, subtract_mean: bool = True) -> dict:
    """Load TinyImageNet (or a folder in its layout) into memory (official 2020 function).

    Args:
        path: the dataset folder, e.g. ``'cs231n/datasets/tiny-imagenet-200'`` as in the
            official notebooks; found by :func:`cs231n.paths.require` (as given, then in
            the data folder).
        dtype: numpy dtype of the returned images (any; a floating one when
            ``subtract_mean``).
        subtract_mean: subtract the mean training image from the train, val and test images.

    Returns:
        A dict with
        ``class_names``: list of C lists of names (``words.txt``), in label order;
        ``X_train``: ``(N_tr, 3, 64, 64)`` of ``dtype``; ``y_train``: ``(N_tr,)`` int64
        labels in ``0..C-1`` (label i is line i of ``wnids.txt``);
        ``X_val``, ``y_val``: ``(N_val, 3, 64, 64)``, ``(N_val,)`` from
        ``val/val_annotations.txt``;
        ``X_test``: ``(N_te, 3, 64, 64)``, the files of ``test/images`` sorted by name
        (the official code takes ``os.listdir`` order); ``y_test``: ``(N_te,)`` int64 from
        ``test/test_annotations.txt``, or ``None`` when that file is absent (the official zip);
        ``mean_image``: ``(3, 64, 64)``, the mean training image before any subtraction.

        Grayscale images come back as 3 identical channels.

    Raises:
        cs231n.paths.DatasetNotFoundError: no folder at ``path`` (names the places looked
            and ``cs231n data fetch tiny-imagenet``).
        cs231n.data_utils.DatasetFormatError: a file of the layout is missing or malformed
            (names the file).
        ValueError: ``subtract_mean`` with a non-floating ``dtype``.
    """
    try:
        dtype = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"load_tiny_imagenet: dtype must be a numpy dtype, got {dtype!r}") from e
    if subtract_mean and not np.issubdtype(dtype, np.floating):
        raise ValueError(
            f"load_tiny_imagenet: subtract_mean=True needs a floating dtype, got {dtype}; "
            "pass subtract_mean=False to keep integer pixels"
        )
    root = require(DatasetName.TINY_IMAGENET, path)

    wnids = [line.strip() for line in _lines(root / "wnids.txt")]
    label = {wnid: i for i, wnid in enumerate(wnids)}
    names = {wnid: [w.strip() for w in words.split(",")] for wnid, words in
             _columns(root / "words.txt", 2)}  # fmt: skip
    missing = [w for w in wnids if w not in names]
    if missing:
        raise _format_error(f"load_tiny_imagenet: {root / 'words.txt'} has no names for {missing}")
    class_names = [names[w] for w in wnids]

    def labels_of(wnids_of_images: list[str], where: Path) -> np.ndarray:
        unknown = sorted(set(wnids_of_images) - set(label))
        if unknown:
            raise _format_error(f"load_tiny_imagenet: {where}: wnids not in wnids.txt: {unknown}")
        return np.array([label[w] for w in wnids_of_images], dtype=np.int64)

    # Training data: one boxes file per class lists its images. Count them all first so the
    # images go straight into one array (no per-class blocks to concatenate: half the memory).
    train_files, train_wnids, starts = [], [], [0]
    for wnid in wnids:
        boxes = root / "train" / wnid / f"{wnid}_boxes.txt"
        for (fname,) in _columns(boxes, 1):
            train_files.append(root / "train" / wnid / "images" / fname)
            train_wnids.append(wnid)
        starts.append(len(train_files))  # class c's images are train_files[starts[c]:starts[c+1]]
    y_train = labels_of(train_wnids, root / "train")
    X_train = np.zeros((len(train_files), *IMAGE_SHAPE), dtype=dtype)  # (N_tr, 3, 64, 64)
    for c in tqdm(range(len(wnids)), desc="TinyImageNet training classes", disable=None):
        lo, hi = starts[c], starts[c + 1]
        _read_images(train_files[lo:hi], X_train[lo:hi])

    val_rows = _columns(root / "val" / "val_annotations.txt", 2)
    y_val = labels_of([w for _, w in val_rows], root / "val" / "val_annotations.txt")
    X_val = np.zeros((len(val_rows), *IMAGE_SHAPE), dtype=dtype)  # (N_val, 3, 64, 64)
    _read_images([root / "val" / "images" / f for f, _ in val_rows], X_val)

    test_dir = root / "test" / "images"
    if not test_dir.is_dir():
        raise _format_error(f"load_tiny_imagenet: {test_dir} is missing (an incomplete unzip?)")
    test_names = sorted(os.listdir(test_dir))
    X_test = np.zeros((len(test_names), *IMAGE_SHAPE), dtype=dtype)  # (N_te, 3, 64, 64)
    _read_images([test_dir / f for f in test_names], X_test)
    y_test = None
    annotations = root / "test" / "test_annotations.txt"
    if annotations.is_file():
        wnid_of = dict(_columns(annotations, 2))
        unlabelled = [f for f in test_names if f not in wnid_of]
        if unlabelled:
            raise _format_error(f"load_tiny_imagenet: {annotations} has no line for {unlabelled}")
        y_test = labels_of([wnid_of[f] for f in test_names], annotations)

    mean_image = X_train.mean(axis=0)  # (3, 64, 64)
    if subtract_mean:
        X_train -= mean_image[None]  # (1, 3, 64, 64) broadcast over the images
        X_val -= mean_image[None]
        X_test -= mean_image[None]

    return {
        "class_names": class_names,
        "X_train": X_train,
        "y_train": y_train,
        "X_val": X_val,
        "y_val": y_val,
        "X_test": X_test,
        "y_test": y_test,
        "mean_image": mean_image,
    }
