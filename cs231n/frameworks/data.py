"""CIFAR-10 for the framework notebooks (PyTorch and TensorFlow), in plain numpy.

Both ``PyTorch.ipynb`` and ``TensorFlow.ipynb`` train on the *same arrays*: this
module makes the 49,000 / 1,000 / 10,000 split (:func:`framework_splits`), normalizes it
with the training split's per-channel statistics, and iterates over it in minibatches
(:class:`Dataset`) with an optional flip-and-crop augmentation
(:func:`cs231n.training.augment.random_flip_crop`). :mod:`cs231n.frameworks.torch_cifar` and
:mod:`cs231n.frameworks.tf_cifar` only convert the batches into their own tensors, so any
difference between the two notebooks comes from the frameworks, not the data.

Images stay channels-last ``(N, H, W, C)`` here, as they are stored on disk and
as TensorFlow wants them; the PyTorch loader transposes each batch to
``(N, C, H, W)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from cs231n.data.cifar10 import split_cifar10
from cs231n.data_utils import load_CIFAR10
from cs231n.training.augment import random_flip_crop


def cpu_has_fast_bf16() -> bool:
    """True when the CPU has bfloat16 matrix units (AMX-BF16 or AVX512-BF16), where
    bfloat16 training is 2-3x faster than float32; False otherwise or when unknown
    (non-Linux systems). The rule is :func:`cs231n.tooling.machine.cpu_description`'s,
    the CPU description that timing records carry."""
    from cs231n.tooling.machine import cpu_description

    return bool(cpu_description()["fast_bf16"])


def channel_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation of a batch of images.

    Args:
        X: ``(N, H, W, C)`` images (any real dtype).

    Returns:
        ``(mean, std)``, each ``(C,)`` float64, over the ``N * H * W`` pixels.
    """
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"channel_stats: X must have shape (N, H, W, C), got {X.shape}")
    # Accumulate in float64: float32 sums over 50M pixels lose digits.
    mean = X.mean(axis=(0, 1, 2), dtype=np.float64)
    std = X.std(axis=(0, 1, 2), dtype=np.float64)
    return mean, std


def normalize(X: np.ndarray, mean: np.ndarray, std: np.ndarray, dtype=np.float32) -> np.ndarray:
    """``(X - mean) / std`` channel by channel.

    Args:
        X: ``(N, H, W, C)`` images.
        mean, std: ``(C,)`` statistics (from :func:`channel_stats` of the training split).
        dtype: output dtype.

    Returns:
        ``(N, H, W, C)`` array of ``dtype``.
    """
    X = np.asarray(X)
    mean = np.asarray(mean, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    if X.ndim != 4 or mean.shape != (X.shape[-1],) or std.shape != (X.shape[-1],):
        raise ValueError(
            f"normalize: expected X (N, H, W, C) and mean, std of shape (C,), got X {X.shape}, "
            f"mean {mean.shape}, std {std.shape}"
        )
    if np.any(std <= 0):
        raise ValueError(f"normalize: std must be positive, got {std}")
    out = (X - mean) / std  # (N, H, W, C) broadcast against (C,)
    return out.astype(dtype, copy=False)


def framework_splits(
    num_training: int = 49000,
    num_validation: int = 1000,
    num_test: int = 10000,
    *,
    root=None,
    dtype=np.float32,
) -> dict[str, np.ndarray]:
    """The framework notebooks' CIFAR-10 split, normalized, channels-last.

    Training rows are the first ``num_training`` training images, validation
    rows the next ``num_validation``, test rows the first ``num_test`` test
    images (:func:`cs231n.data.cifar10.split_cifar10`; the official 2020 TensorFlow
    notebook's split, with all 10,000 test images by default). All three splits are
    normalized with the per-channel mean and std of the training rows.

    Args:
        num_training, num_validation, num_test: split sizes.
        root: the ``cifar-10-batches-py`` folder (``None``: ``$CS231N_DATA``).
        dtype: image dtype of the result.

    Returns:
        dict with ``X_train (num_training, 32, 32, 3)``, ``y_train (num_training,)``
        int64, ``X_val``, ``y_val``, ``X_test``, ``y_test``, and ``mean``, ``std``
        ``(3,)`` float64 in pixel units ([0, 255]).
    """
    if num_training == 0:
        raise ValueError(
            "framework_splits: num_training must be positive (it defines the statistics)"
        )
    splits = split_cifar10(
        load_CIFAR10(root, dtype=np.uint8),
        num_training,
        num_validation,
        num_test,
        caller="framework_splits",
    )
    mean, std = channel_stats(splits["train"][0])
    out: dict[str, np.ndarray] = {}
    for name, (X, y) in splits.items():
        out[f"X_{name}"] = normalize(X, mean, std, dtype)
        out[f"y_{name}"] = y.astype(np.int64)
    return {**out, "mean": mean, "std": std}


class Dataset:
    """Minibatches of ``(X, y)`` numpy arrays (the official TF notebook's ``Dataset``).

    ``for x, y in Dataset(X, y, batch_size=64, shuffle=True)`` gives batches
    ``x (B, H, W, C)`` and ``y (B,)``; the last batch may be smaller. With
    ``shuffle`` the order changes every epoch (every new ``iter``); with
    ``augment`` each batch goes through :func:`random_flip_crop`.

    Args:
        X: ``(N, H, W, C)`` images.
        y: ``(N,)`` integer labels.
        batch_size: images per batch.
        shuffle: draw a new permutation each epoch.
        augment: random flips and crops (training only).
        pad: crop padding for ``augment``.
        seed: seed of the generator behind shuffling and augmentation.
        name: a label for messages ("train", "val", "test").
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int = 64,
        shuffle: bool = False,
        augment: bool = False,
        pad: int = 4,
        seed: int | None = None,
        name: str = "data",
    ):
        if len(X) != len(y):
            raise ValueError(f"Dataset: X has {len(X)} rows but y has {len(y)}; they must match")
        if batch_size < 1:
            raise ValueError(f"Dataset: batch_size must be >= 1, got {batch_size}")
        self.X, self.y = X, y
        self.batch_size = int(batch_size)
        self.shuffle, self.augment, self.pad = shuffle, augment, pad
        self.rng = np.random.default_rng(seed)
        self.name = name

    @property
    def num_samples(self) -> int:
        return len(self.X)

    def __len__(self) -> int:
        """Number of batches per epoch."""
        return -(-len(self.X) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        N, B = len(self.X), self.batch_size
        order = self.rng.permutation(N) if self.shuffle else None
        for i in range(0, N, B):
            if order is None:
                x, y = self.X[i : i + B], self.y[i : i + B]
            else:
                idx = order[i : i + B]
                x, y = self.X[idx], self.y[idx]
            if self.augment:
                x = random_flip_crop(x, self.rng, self.pad)
            yield x, y
