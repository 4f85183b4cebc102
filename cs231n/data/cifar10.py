"""CIFAR-10: its class names and the one rule every split of it follows.

Three entry points turn the loaded CIFAR-10 into training data, each for its users:

* :func:`cs231n.data.assignment1.assignment1_rows`: assignment 1 (kNN, SVM, softmax,
  two-layer net, features): float64 rows ``(N, 3072)``, mean image subtracted, plus a dev set;
* :func:`cs231n.data_utils.get_CIFAR10_data` (the official name): assignment 2's classifiers:
  ``(N, 3, 32, 32)`` images, mean image subtracted;
* :func:`cs231n.frameworks.data.framework_splits`: the PyTorch and TensorFlow notebooks:
  ``(N, 32, 32, 3)`` images normalized per channel, 10,000 test images by default.

All three take their rows from :func:`split_cifar10`: training = the first ``num_training``
training images, validation = the next ``num_validation``, test = the first ``num_test``
test images. They differ only in what they do to those rows afterwards.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CIFAR10_DIR", "CIFAR10_CLASSES", "split_cifar10"]

#: The dataset's folder under the data folder (the official archive's name).
CIFAR10_DIR = "cifar-10-batches-py"

#: Class names in label order (short forms of ``batches.meta``, as the course's notebooks use).
CIFAR10_CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def split_cifar10(
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    num_training: int,
    num_validation: int,
    num_test: int,
    *,
    caller: str = "split_cifar10",
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The train / val / test rows of a loaded CIFAR-10 (views, nothing copied or converted).

    Args:
        data: ``(Xtr, ytr, Xte, yte)`` as :func:`cs231n.data_utils.load_CIFAR10` returns it:
            ``Xtr (N_train, 32, 32, 3)``, ``ytr (N_train,)``, ``Xte (N_test, 32, 32, 3)``,
            ``yte (N_test,)`` (any dtype; the entry points pass uint8).
        num_training: training rows, the first of the training set.
        num_validation: validation rows, the ``num_validation`` after them.
        num_test: test rows, the first of the test set.
        caller: the public function to name in error messages.

    Returns:
        ``{"train": (X, y), "val": (X, y), "test": (X, y)}``: ``X (n, 32, 32, 3)`` and
        ``y (n,)`` views of ``data`` with ``n`` = ``num_training``, ``num_validation``,
        ``num_test``.

    Raises:
        ValueError: a count is not a non-negative integer, or asks for more rows than there are.
    """
    Xtr, ytr, Xte, yte = data
    for name, v in (
        ("num_training", num_training),
        ("num_validation", num_validation),
        ("num_test", num_test),
    ):
        if int(v) != v or v < 0:
            raise ValueError(f"{caller}: {name} must be a non-negative integer, got {v!r}")
    num_training, num_validation, num_test = int(num_training), int(num_validation), int(num_test)
    if num_training + num_validation > len(Xtr):
        raise ValueError(
            f"{caller}: num_training + num_validation = {num_training + num_validation} "
            f"> {len(Xtr)}: exceeds the training images available"
        )
    if num_test > len(Xte):
        raise ValueError(
            f"{caller}: num_test = {num_test} > {len(Xte)}: exceeds the test images available"
        )
    train = slice(0, num_training)
    val = slice(num_training, num_training + num_validation)
    test = slice(0, num_test)
    return {
        "train": (Xtr[train], ytr[train]),
        "val": (Xtr[val], ytr[val]),
        "test": (Xte[test], yte[test]),
    }
