"""Data augmentation for image minibatches, in plain numpy.

Used by the numpy :class:`cs231n.solver.Solver` (its ``augment`` option, channels-first
images) and by the framework notebooks' minibatch iterator
:class:`cs231n.frameworks.data.Dataset` (channels-last images).
"""

from __future__ import annotations

import numpy as np

__all__ = ["random_flip_crop"]


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
