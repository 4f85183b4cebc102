"""Loaders for the datasets and weight files of the course, in their official formats.

Every loader finds its files through :mod:`cs231n.paths` (``$CS231N_DATA``, else
the default folder) unless it is given a path, as the official notebooks do
(``load_CIFAR10('cs231n/datasets/cifar-10-batches-py')`` keeps working). A
missing file raises :class:`~cs231n.paths.DatasetNotFoundError` naming the
dataset, the folder searched and the ``cs231n data fetch`` command; a file that
is there but damaged (truncated, wrong magic number, not a pickle) raises
:class:`DatasetFormatError` naming the file and what was wrong.

=============================  ==========================================  ==============
function                       format                                      default folder
=============================  ==========================================  ==============
:func:`load_CIFAR10`           CIFAR-10 python pickles                      ``cifar-10-batches-py/``
:func:`get_CIFAR10_data`       (same, split and centred for assignment 2)  ``cifar-10-batches-py/``
:func:`load_mnist`             MNIST idx files, ``.gz`` or raw             ``mnist/``
:func:`load_imagenet_val`      ``imagenet_val_25.npz``                     data folder
:func:`load_squeezenet_state_dict`  torchvision ``.pth`` state dict        ``squeezenet/``
:func:`load_squeezenet_tf_checkpoint`  TensorFlow checkpoint               ``squeezenet/``
=============================  ==========================================  ==============

Images are returned channels-last ``(N, H, W, C)`` as in the official code,
except :func:`get_CIFAR10_data`, which transposes to ``(N, C, H, W)`` for the
layers of assignment 2.
"""

from __future__ import annotations

import gzip
import os
import pickle
from pathlib import Path

import numpy as np

from .paths import DatasetNotFoundError, dataset_path, require

__all__ = [
    "DatasetFormatError",
    "load_pickle",
    "load_CIFAR_batch",
    "load_CIFAR10",
    "get_CIFAR10_data",
    # appended below as the loaders are defined
]

CIFAR10_DIR = "cifar-10-batches-py"
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip


class DatasetFormatError(ValueError):
    """A dataset file exists but is not in the expected format (truncated, corrupted...)."""


# --------------------------------------------------------------------------- pickles

# The only globals a CIFAR-10 pickle (or a cs231n model pickle) needs. Anything
# else is refused: a pickle from the internet can otherwise run arbitrary code.
_NUMPY_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class _NumpyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _NUMPY_GLOBALS:
            # numpy.core is a deprecated alias of numpy._core since numpy 2:
            # resolve it ourselves so old (python 2) pickles load without warnings.
            from numpy._core import multiarray

            if name in ("_reconstruct", "scalar"):
                return getattr(multiarray, name)
            return getattr(np, name)
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name} from a data pickle")


def load_pickle(f):
    """Unpickle a python-2 or python-3 data pickle from the open binary file ``f``.

    Python-2 ``str`` keys are decoded as latin1 (so ``'data'``, not ``b'data'``),
    as in the official ``load_pickle``; only numpy arrays and builtins are allowed.
    """
    return _NumpyUnpickler(f, encoding="latin1").load()


def _get(d: dict, key: str, filename, required: bool = True):
    """``d[key]``, accepting ``bytes`` keys too (pickles loaded with encoding='bytes')."""
    for k in (key, key.encode()):
        if k in d:
            return d[k]
    if required:
        raise DatasetFormatError(f"{filename}: no {key!r} entry (keys: {sorted(map(str, d))})")
    return None


# --------------------------------------------------------------------------- CIFAR-10


def _read_cifar_batch(filename) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch as uint8 images ``(N, 32, 32, 3)`` and int64 labels ``(N,)``.

    ``N`` is read from the file (10000 in the official batches, 1017 in the subset).
    """
    try:
        with open(filename, "rb") as f:
            datadict = load_pickle(f)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError) as e:
        raise DatasetFormatError(
            f"{filename}: not a readable CIFAR-10 pickle (truncated or corrupted?): {e}"
        ) from e
    if not isinstance(datadict, dict):
        raise DatasetFormatError(f"{filename}: expected a dict, got {type(datadict).__name__}")
    data = np.asarray(_get(datadict, "data", filename))
    labels = np.asarray(_get(datadict, "labels", filename), dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DatasetFormatError(f"{filename}: 'data' has shape {data.shape}, expected (N, 3072)")
    if labels.shape != (data.shape[0],):
        raise DatasetFormatError(
            f"{filename}: {labels.shape[0]} labels for {data.shape[0]} images"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetFormatError(f"{filename}: labels outside 0..9")
    # Each row is 1024 red, 1024 green, 1024 blue values, each plane row-major 32x32.
    X = data.astype(np.uint8, copy=False).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # (N, 32, 32, 3)
    return X, labels


def load_CIFAR_batch(filename) -> tuple[np.ndarray, np.ndarray]:
    """Load one CIFAR-10 batch file (official name and behaviour).

    Returns:
        X: ``(N, 32, 32, 3)`` float64 pixel values in ``[0, 255]``.
        Y: ``(N,)`` int64 labels in ``0..9``.
    """
    X, Y = _read_cifar_batch(filename)
    return X.astype(np.float64), Y


def _cifar_root(root) -> Path:
    if root is None:
        return require("cifar10", CIFAR10_DIR)
    root = Path(root)
    if not root.is_dir():
        raise DatasetNotFoundError(
            f"CIFAR-10 folder {root} does not exist; fetch it with: cs231n data fetch cifar10"
        )
    return root


def _load_cifar10_uint8(root=None):
    root = _cifar_root(root)
    xs, ys = [], []
    for b in range(1, 6):
        X, Y = _read_cifar_batch(require("cifar10", root / f"data_batch_{b}"))
        xs.append(X)
        ys.append(Y)
    Xtr, Ytr = np.concatenate(xs), np.concatenate(ys)
    Xte, Yte = _read_cifar_batch(require("cifar10", root / "test_batch"))
    return Xtr, Ytr, Xte, Yte


def load_CIFAR10(root=None, *, dtype=np.float64):
    """Load all of CIFAR-10 (official name; ``root`` may be given as in the notebooks).

    Args:
        root: the ``cifar-10-batches-py`` folder; ``None`` means
            ``data_root() / 'cifar-10-batches-py'``.
        dtype: pixel dtype (float64 as in the official code; ``np.uint8`` saves
            8x the memory).

    Returns:
        Xtr: ``(N_train, 32, 32, 3)`` pixels in ``[0, 255]`` (50000 rows for the full set).
        Ytr: ``(N_train,)`` int64 labels.
        Xte: ``(N_test, 32, 32, 3)``.
        Yte: ``(N_test,)`` int64 labels.
    """
    Xtr, Ytr, Xte, Yte = _load_cifar10_uint8(root)
    return Xtr.astype(dtype), Ytr, Xte.astype(dtype), Yte


def get_CIFAR10_data(
    num_training: int = 49000,
    num_validation: int = 1000,
    num_test: int = 1000,
    subtract_mean: bool = True,
    *,
    root=None,
    dtype=np.float32,
) -> dict[str, np.ndarray]:
    """CIFAR-10 split and centred for the classifiers of assignment 2 (official 2020 version).

    Training rows are the first ``num_training`` of the training set, validation
    rows the next ``num_validation``, test rows the first ``num_test`` of the
    test set. With ``subtract_mean`` the mean training image (computed in
    float64 over the ``num_training`` rows) is subtracted from all three splits.

    Returns:
        A dict with ``X_train (num_training, 3, 32, 32)``, ``y_train (num_training,)``,
        ``X_val (num_validation, 3, 32, 32)``, ``y_val``, ``X_test (num_test, 3, 32, 32)``,
        ``y_test``; images in ``dtype`` (float32 by default), labels int64.
    """
    for name, v in (("num_training", num_training), ("num_validation", num_validation),
                    ("num_test", num_test)):  # fmt: skip
        if int(v) != v or v < 0:
            raise ValueError(f"get_CIFAR10_data: {name} must be a non-negative integer, got {v!r}")
    Xtr, Ytr, Xte, Yte = _load_cifar10_uint8(root)
    if num_training + num_validation > len(Xtr):
        raise ValueError(
            f"get_CIFAR10_data: num_training + num_validation = {num_training + num_validation} "
            f"> {len(Xtr)} training images available"
        )
    if num_test > len(Xte):
        raise ValueError(f"get_CIFAR10_data: num_test = {num_test} > {len(Xte)} test images available")
    X_val = Xtr[num_training : num_training + num_validation].astype(dtype)
    y_val = Ytr[num_training : num_training + num_validation]
    X_train = Xtr[:num_training].astype(dtype)
    y_train = Ytr[:num_training]
    X_test = Xte[:num_test].astype(dtype)
    y_test = Yte[:num_test]
    del Xtr, Xte
    if subtract_mean and num_training > 0:
        mean_image = X_train.mean(axis=0, dtype=np.float64).astype(dtype)  # (32, 32, 3)
        X_train -= mean_image
        X_val -= mean_image
        X_test -= mean_image
    return {
        "X_train": X_train.transpose(0, 3, 1, 2).copy(),  # (N, 32, 32, 3) -> (N, 3, 32, 32)
        "y_train": y_train,
        "X_val": X_val.transpose(0, 3, 1, 2).copy(),
        "y_val": y_val,
        "X_test": X_test.transpose(0, 3, 1, 2).copy(),
        "y_test": y_test,
    }
