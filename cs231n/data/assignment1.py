"""CIFAR-10 as assignment 1 uses it: images as rows, mean image subtracted, a dev set.

The assignment-1 notebooks (kNN, SVM, softmax, two-layer net, features) all start
from the same recipe, kept here so that they (and the tests) share it:

* train / validation / test rows as :func:`cs231n.data.cifar10.split_cifar10` takes them
  (the first ``num_training`` training images, the next ``num_validation``, the first
  ``num_test`` test images);
* dev = ``num_dev`` images drawn without replacement from the training split
  (a small set for fast gradient checks);
* optionally flatten each image to a row (N, 3072), subtract the mean training
  image, and append a constant-1 column (the bias trick, D = 3073).
"""

from __future__ import annotations

import numpy as np

from cs231n.data.cifar10 import CIFAR10_DIR, split_cifar10
from cs231n.data.registry import DatasetName
from cs231n.data_utils import load_CIFAR10
from cs231n.paths import require

__all__ = ["assignment1_rows", "row_to_image"]


def assignment1_rows(
    num_training: int = 49000,
    num_validation: int = 1000,
    num_test: int = 1000,
    num_dev: int = 500,
    *,
    flatten: bool = True,
    subtract_mean: bool = True,
    bias: bool = False,
    seed: int = 0,
    root=None,
    num_test_jpeg: int = 0,
) -> dict[str, np.ndarray]:
    """The assignment-1 splits of CIFAR-10, in float64.

    Args:
        num_training, num_validation, num_test, num_dev: split sizes (see the module docstring).
        flatten: return rows (N, 3072) instead of images (N, 32, 32, 3).
        subtract_mean: subtract the mean training image from every split.
        bias: append a column of ones (needs ``flatten``): rows become (N, 3073).
        seed: seed of the dev-set draw.
        root: the ``cifar-10-batches-py`` folder (default: the data folder's).
        num_test_jpeg: for the reconstructed CIFAR-10 only (it has ``exact_mask.npz``):
            also return ``X_test_jpeg, y_test_jpeg``, the first ``num_test_jpeg``
            test images that are JPEG-decoded, to compare with the exact ones.

    Returns:
        dict with ``X_train, y_train, X_val, y_val, X_test, y_test, X_dev, y_dev``
        (``X (N, 3072)``, ``(N, 3073)`` with ``bias``, ``(N, 32, 32, 3)`` without
        ``flatten``; ``y (N,)`` int64) and ``mean_image`` (32, 32, 3) (zeros when
        ``subtract_mean`` is False).
    """
    if bias and not flatten:
        raise ValueError("assignment1_rows: bias=True needs flatten=True")
    Xtr, ytr, Xte, yte = data = load_CIFAR10(root, dtype=np.uint8)
    splits = split_cifar10(data, num_training, num_validation, num_test, caller="assignment1_rows")
    if num_dev > num_training:
        raise ValueError(f"assignment1_rows: num_dev={num_dev} > num_training={num_training}")
    dev_idx = np.random.default_rng(seed).choice(num_training, num_dev, replace=False)
    splits["dev"] = (Xtr[dev_idx], ytr[dev_idx])
    if num_test_jpeg:
        splits["test_jpeg"] = _jpeg_test_rows(Xte, yte, num_test_jpeg, root)
    mean_image = np.zeros(Xtr.shape[1:])
    if subtract_mean and num_training:
        mean_image = splits["train"][0].mean(axis=0, dtype=np.float64)  # (32, 32, 3)
    out: dict[str, np.ndarray] = {"mean_image": mean_image}
    for name, (X, y) in splits.items():
        X = X.astype(np.float64) - mean_image  # (N, 32, 32, 3)
        if flatten:
            X = X.reshape(len(X), int(np.prod(X.shape[1:])))  # (N, 3072), also for N = 0
        if bias:
            X = np.hstack([X, np.ones((len(X), 1))])  # (N, 3073)
        out[f"X_{name}"] = X
        out[f"y_{name}"] = y
    return out


def _jpeg_test_rows(Xte, yte, num, root):
    """The first ``num`` test rows marked inexact (JPEG-decoded) by ``exact_mask.npz``."""
    folder = require(DatasetName.CIFAR10, root, default=CIFAR10_DIR)
    mask_file = folder / "exact_mask.npz"
    if not mask_file.exists():
        raise ValueError(
            "assignment1_rows: num_test_jpeg needs the reconstructed CIFAR-10 "
            f"(its exact_mask.npz); not found in {folder}"
        )
    with np.load(mask_file) as m:
        exact = m["test"]
    idx = np.flatnonzero(~exact)[:num]
    if len(idx) < num:
        raise ValueError(f"assignment1_rows: only {len(idx)} JPEG-decoded test images")
    return Xte[idx], yte[idx]


def row_to_image(w: np.ndarray) -> np.ndarray:
    """Undo the flattening of one row (3072,) or (3073,) (bias dropped) -> (32, 32, 3)."""
    return np.asarray(w)[:3072].reshape(32, 32, 3)
