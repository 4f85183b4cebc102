"""Hand-made image features: HOG (edge orientations) and an HSV colour histogram.

``features.ipynb`` trains linear classifiers and a two-layer net on these
features instead of raw pixels. Each feature function maps one image
(H, W, 3) to a 1-D vector and also has a vectorized ``.batch`` version for an
(N, H, W, 3) stack; :func:`extract_features` uses the batch version when it
exists, so the 60,000 CIFAR-10 images take seconds rather than minutes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import matplotlib.colors
import numpy as np

#: ITU-R BT.601 luma weights. (The course's ``rgb2gray`` has 0.144 for blue, a typo.)
LUMA = np.array([0.299, 0.587, 0.114])


def rgb2gray(rgb: np.ndarray) -> np.ndarray:
    """Luma of an RGB image or stack: (..., 3) -> (...)."""
    return np.asarray(rgb)[..., :3] @ LUMA


def _hog_batch(ims: np.ndarray, orientations: int = 9, cell: int = 8) -> np.ndarray:
    """HOG of a stack of images; see :func:`hog_feature`.

    Args:
        ims: (N, H, W, 3) RGB or (N, H, W) grayscale images.

    Returns:
        feats: (N, (W // cell) * (H // cell) * orientations).
    """
    ims = np.asarray(ims, dtype=np.float64)
    gray = rgb2gray(ims) if ims.ndim == 4 else ims  # (N, H, W)
    if gray.ndim != 3:
        raise ValueError(f"hog_feature: expected (N, H, W[, 3]) images, got shape {ims.shape}")
    N, H, W = gray.shape
    ncy, ncx = H // cell, W // cell
    if ncy == 0 or ncx == 0:
        raise ValueError(f"hog_feature: images must be at least {cell}x{cell}, got {H}x{W}")
    # Forward differences; the last column (row) has no right (lower) neighbour -> 0.
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, :, :-1] = np.diff(gray, axis=2)
    gy[:, :-1, :] = np.diff(gray, axis=1)
    mag = np.hypot(gx, gy)  # (N, H, W)
    # Unsigned orientation in [0, 180) degrees; +90 so that a horizontal gradient
    # (a vertical edge) sits at 90 degrees, as in the course code.
    ori = np.mod(np.degrees(np.arctan2(gy, gx)) + 90.0, 180.0)
    bins = np.minimum((ori * (orientations / 180.0)).astype(np.int64), orientations - 1)

    # Crop to whole cells, then average magnitude per (cell, orientation bin).
    mag = mag[:, : ncy * cell, : ncx * cell]
    bins = bins[:, : ncy * cell, : ncx * cell]
    hist = np.empty((N, ncx, ncy, orientations))
    for b in range(orientations):
        m = np.where(bins == b, mag, 0.0).reshape(N, ncy, cell, ncx, cell)
        hist[:, :, :, b] = m.mean(axis=(2, 4)).transpose(0, 2, 1)  # (N, ncx, ncy)
    return hist.reshape(N, -1)


def hog_feature(im: np.ndarray) -> np.ndarray:
    """Histogram of oriented gradients (Dalal and Triggs, 2005), the course's variant.

    The image is converted to gray, gradients are forward differences, and
    every pixel votes with its gradient magnitude into one of 9 unsigned
    orientation bins of 20 degrees. Votes are averaged over 8x8 cells (the
    mean of a uniform filter sampled at the cell centres); there is no block
    normalisation. Cells are ordered column-major, as in the course code.

    Two deliberate differences from the official ``hog_feature``: it uses the
    standard luma weight 0.114 for blue (not 0.144), and it folds every
    gradient into [0, 180) degrees (the official code drops gradients that
    point left, whose orientation falls outside its bins).

    Args:
        im: (H, W, 3) RGB or (H, W) grayscale image.

    Returns:
        feat: ((W // 8) * (H // 8) * 9,) features; 144 for a 32x32 image.
    """
    im = np.asarray(im)
    if im.ndim not in (2, 3):
        raise ValueError(f"hog_feature: expected (H, W) or (H, W, 3), got shape {im.shape}")
    return _hog_batch(im[None])[0]


hog_feature.batch = _hog_batch  # type: ignore[attr-defined]


def _color_histogram_hsv_batch(ims, nbin=10, xmin=0, xmax=255, normalized=True) -> np.ndarray:
    """Hue histograms of a stack; see :func:`color_histogram_hsv`.

    Args:
        ims: (N, H, W, 3) RGB images with values in [xmin, xmax].

    Returns:
        hists: (N, nbin).
    """
    ims = np.asarray(ims, dtype=np.float64)
    if ims.ndim != 4 or ims.shape[-1] != 3:
        raise ValueError(f"color_histogram_hsv: expected (N, H, W, 3) images, got {ims.shape}")
    hue = matplotlib.colors.rgb_to_hsv(ims / xmax)[..., 0] * xmax  # (N, H, W)
    hue = hue.reshape(len(ims), -1)  # (N, H*W)
    edges = np.linspace(xmin, xmax, nbin + 1)
    # np.histogram's rule: bins are half-open except the last, which includes xmax.
    idx = np.searchsorted(edges, hue, side="right") - 1
    idx[hue == edges[-1]] = nbin - 1
    inside = (idx >= 0) & (idx < nbin)
    rows = np.broadcast_to(np.arange(len(ims))[:, None], idx.shape)
    counts = np.zeros((len(ims), nbin))
    np.add.at(counts, (rows[inside], idx[inside]), 1.0)
    if normalized:
        # As np.histogram(density=True) * bin width: fractions of in-range pixels.
        counts /= np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    return counts


def color_histogram_hsv(im, nbin: int = 10, xmin: float = 0, xmax: float = 255, normalized=True):
    """Histogram of the hue channel of an image.

    Args:
        im: (H, W, 3) RGB image with values in [xmin, xmax].
        nbin: number of equal-width bins over [xmin, xmax].
        xmin, xmax: value range of the pixels (the hue is scaled to it).
        normalized: return fractions that sum to 1 instead of counts.

    Returns:
        hist: (nbin,) hue histogram.
    """
    im = np.asarray(im)
    if im.ndim != 3 or im.shape[-1] != 3:
        raise ValueError(f"color_histogram_hsv: expected an (H, W, 3) image, got shape {im.shape}")
    return _color_histogram_hsv_batch(im[None], nbin, xmin, xmax, normalized)[0]


color_histogram_hsv.batch = _color_histogram_hsv_batch  # type: ignore[attr-defined]


def _batch_version(fn: Callable) -> Callable | None:
    """The vectorized version of a feature function (or of a ``functools.partial`` of one)."""
    if isinstance(fn, functools.partial) and hasattr(fn.func, "batch") and not fn.args:
        return functools.partial(fn.func.batch, **fn.keywords)
    return getattr(fn, "batch", None)


def extract_features(
    imgs: np.ndarray, feature_fns: Sequence[Callable], verbose: bool = False, chunk: int = 1000
) -> np.ndarray:
    """Apply each feature function to each image and concatenate the results.

    Functions with a ``.batch`` attribute (:func:`hog_feature`,
    :func:`color_histogram_hsv`, and ``functools.partial`` of them) run on
    chunks of ``chunk`` images; any other function runs image by image.

    Args:
        imgs: (N, H, W, C) images.
        feature_fns: functions mapping an (H, W, C) image to a 1-D array (F_j,).
        verbose: show a progress bar.
        chunk: images per vectorized call.

    Returns:
        imgs_features: (N, F_1 + ... + F_k); row i holds the features of ``imgs[i]``.
    """
    imgs = np.asarray(imgs)
    if imgs.ndim != 4:
        raise ValueError(f"extract_features: imgs must have shape (N, H, W, C), got {imgs.shape}")
    if not feature_fns:
        raise ValueError("extract_features: feature_fns is empty")
    N = imgs.shape[0]
    dims = [np.asarray(fn(imgs[0])).size for fn in feature_fns]
    out = np.zeros((N, sum(dims)))
    starts = np.concatenate([[0], np.cumsum(dims)])

    # Plain-text bar: it works in a terminal and in a headless notebook run alike.
    from tqdm import tqdm

    bar = tqdm(total=N, disable=not verbose, desc="extract_features", mininterval=5.0)
    for lo in range(0, N, chunk):
        hi = min(lo + chunk, N)
        for fn, s, e in zip(feature_fns, starts[:-1], starts[1:]):
            batch_fn = _batch_version(fn)
            if batch_fn is not None:
                out[lo:hi, s:e] = batch_fn(imgs[lo:hi])
            else:
                out[lo:hi, s:e] = np.stack([np.ravel(fn(im)) for im in imgs[lo:hi]])
        bar.update(hi - lo)
    bar.close()
    return out
