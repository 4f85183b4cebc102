"""CIFAR-10 for the framework notebooks (PyTorch and TensorFlow), in plain numpy.

Both ``PyTorch.ipynb`` and ``TensorFlow.ipynb`` train on the *same arrays*: this
module makes the 49,000 / 1,000 / 10,000 split, normalizes it with the training
split's per-channel statistics, and iterates over it in minibatches with an
optional flip-and-crop augmentation. :mod:`cs231n.frameworks.torch_cifar` and
:mod:`cs231n.frameworks.tf_cifar` only convert the batches into their own tensors, so any
difference between the two notebooks comes from the frameworks, not the data.

Images stay channels-last ``(N, H, W, C)`` here, as they are stored on disk and
as TensorFlow wants them; the PyTorch loader transposes each batch to
``(N, C, H, W)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: Class names in label order (``batches.meta`` of the official release).
CIFAR10_CLASSES = (
    "plane",
    "car",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def cpu_has_fast_bf16() -> bool:
    """True when the CPU has bfloat16 matrix units (AMX-BF16 or AVX512-BF16), where
    bfloat16 training is 2-3x faster than float32; False otherwise or when unknown
    (non-Linux systems)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


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


def load_cifar10_splits(
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
    images (the official 2020 TensorFlow notebook's split). All three splits are
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
    from cs231n.data_utils import load_CIFAR10

    for name, v in (
        ("num_training", num_training),
        ("num_validation", num_validation),
        ("num_test", num_test),
    ):
        if int(v) != v or v < 0:
            raise ValueError(
                f"load_cifar10_splits: {name} must be a non-negative integer, got {v!r}"
            )
    if num_training == 0:
        raise ValueError(
            "load_cifar10_splits: num_training must be positive (it defines the statistics)"
        )
    Xtr, ytr, Xte, yte = load_CIFAR10(root, dtype=np.uint8)
    if num_training + num_validation > len(Xtr):
        raise ValueError(
            f"load_cifar10_splits: num_training + num_validation = {num_training + num_validation} "
            f"exceeds the {len(Xtr)} training images"
        )
    if num_test > len(Xte):
        raise ValueError(
            f"load_cifar10_splits: num_test = {num_test} exceeds the {len(Xte)} test images"
        )
    train = slice(0, num_training)
    val = slice(num_training, num_training + num_validation)
    mean, std = channel_stats(Xtr[train])
    return {
        "X_train": normalize(Xtr[train], mean, std, dtype),
        "y_train": ytr[train].astype(np.int64),
        "X_val": normalize(Xtr[val], mean, std, dtype),
        "y_val": ytr[val].astype(np.int64),
        "X_test": normalize(Xte[:num_test], mean, std, dtype),
        "y_test": yte[:num_test].astype(np.int64),
        "mean": mean,
        "std": std,
    }


def random_flip_crop(
    X: np.ndarray, rng: np.random.Generator, pad: int = 4, *, channels_first: bool = False
) -> np.ndarray:
    """Standard CIFAR augmentation: random horizontal flip, then a random crop
    of the zero-padded image back to its size.

    Labels are untouched by construction: image ``i`` of the output is a
    shifted (and maybe mirrored) copy of image ``i`` of the input. On normalized
    (or mean-subtracted) data the zero padding is the mean colour.

    Args:
        X: ``(N, H, W, C)`` images, or ``(N, C, H, W)`` with ``channels_first``.
        rng: a numpy Generator (one draw of flips and offsets per image).
        pad: maximum shift in pixels (``0`` gives flips only).
        channels_first: whether X is ``(N, C, H, W)`` (the assignments' layout) instead
            of ``(N, H, W, C)``. The same generator state gives the same flips and
            shifts in both layouts.

    Returns:
        A new array of the shape and dtype of ``X``.
    """
    layout = "(N, C, H, W)" if channels_first else "(N, H, W, C)"
    if X.ndim != 4:
        raise ValueError(f"random_flip_crop: X must have shape {layout}, got {X.shape}")
    if pad < 0:
        raise ValueError(f"random_flip_crop: pad must be >= 0, got {pad}")
    # Work on the (N, H, W, C) view either way; for channels_first it is a free transpose.
    Xv = X.transpose(0, 2, 3, 1) if channels_first else X  # (N, H, W, C)
    N, H, W, _ = Xv.shape
    flip = rng.random(N) < 0.5
    if pad == 0:
        out = X.copy()
        out_v = out.transpose(0, 2, 3, 1) if channels_first else out  # view of out
        out_v[flip] = Xv[flip, :, ::-1]  # mirror along the width axis
        return out
    dy = rng.integers(0, 2 * pad + 1, size=N)
    dx = rng.integers(0, 2 * pad + 1, size=N)
    # Pad in the input's own layout, then read every crop through the (N, H', W', C) view.
    hw = ((pad, pad), (pad, pad))
    widths = ((0, 0), (0, 0), *hw) if channels_first else ((0, 0), *hw, (0, 0))
    padded = np.pad(X, widths)  # (N, C, H+2p, W+2p) or (N, H+2p, W+2p, C)
    padded_v = padded.transpose(0, 2, 3, 1) if channels_first else padded  # (N, H+2p, W+2p, C)
    rows = dy[:, None] + np.arange(H)  # (N, H): the rows each crop keeps
    # (N, W): the columns. A mirrored image is read right to left, and its offset is
    # mirrored too (crop at dx of the flipped padded image = at 2p - dx of the original),
    # so the numbers equal flipping first, then cropping.
    x0 = np.where(flip, 2 * pad - dx, dx)  # (N,) first column read
    cols = x0[:, None] + np.where(flip[:, None], np.arange(W)[::-1], np.arange(W))
    n = np.arange(N)[:, None, None]
    out = np.empty_like(X)
    out_v = out.transpose(0, 2, 3, 1) if channels_first else out  # (N, H, W, C) view of out
    out_v[...] = padded_v[n, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    return out


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
