"""Tile many small images into one image, e.g. first-layer weights or nearest neighbours."""

from __future__ import annotations

from math import ceil, sqrt

import numpy as np


def visualize_grid(Xs: np.ndarray, ubound: float = 255.0, padding: int = 1) -> np.ndarray:
    """Tile images in a square grid, each rescaled to [0, ubound] on its own.

    Args:
        Xs: (N, H, W, C) images.
        ubound: each tile is rescaled to span [0, ubound].
        padding: blank pixels between tiles.

    Returns:
        grid: (G*H + (G-1)*padding, G*W + (G-1)*padding, C) with G = ceil(sqrt(N)).
    """
    Xs = np.asarray(Xs)
    if Xs.ndim != 4:
        raise ValueError(f"visualize_grid: Xs must have shape (N, H, W, C), got {Xs.shape}")
    N, H, W, C = Xs.shape
    G = int(ceil(sqrt(N)))
    grid = np.zeros((H * G + padding * (G - 1), W * G + padding * (G - 1), C))
    for n in range(N):
        r, c = divmod(n, G)
        y0, x0 = r * (H + padding), c * (W + padding)
        img = Xs[n]
        low, high = np.min(img), np.max(img)
        span = high - low if high > low else 1.0  # a constant tile becomes 0
        grid[y0 : y0 + H, x0 : x0 + W] = ubound * (img - low) / span
    return grid


def vis_grid(Xs: np.ndarray) -> np.ndarray:
    """Tile images in a square grid with 1-pixel gaps; the whole grid is rescaled to [0, 1].

    Args:
        Xs: (N, H, W, C) images.

    Returns:
        grid: (G*H + G, G*W + G, C) with G = ceil(sqrt(N)); gaps take the minimum value.
    """
    Xs = np.asarray(Xs)
    if Xs.ndim != 4:
        raise ValueError(f"vis_grid: Xs must have shape (N, H, W, C), got {Xs.shape}")
    N, H, W, C = Xs.shape
    G = int(ceil(sqrt(N)))
    grid = np.full((G * H + G, G * W + G, C), np.min(Xs), dtype=np.float64)
    for n in range(N):
        r, c = divmod(n, G)
        grid[r * (H + 1) : r * (H + 1) + H, c * (W + 1) : c * (W + 1) + W] = Xs[n]
    return _rescale01(grid)


def vis_nn(rows: list) -> np.ndarray:
    """Tile a table of images (e.g. a query followed by its nearest neighbours per row).

    Args:
        rows: N lists of D images, each (H, W, C).

    Returns:
        grid: (N*H + N, D*W + D, C) rescaled to [0, 1] as a whole.
    """
    N, D = len(rows), len(rows[0])
    H, W, C = np.asarray(rows[0][0]).shape
    grid = np.ones((N * H + N, D * W + D, C))
    for y in range(N):
        if len(rows[y]) != D:
            raise ValueError(f"vis_nn: row {y} has {len(rows[y])} images, row 0 has {D}")
        for x in range(D):
            grid[y * (H + 1) : y * (H + 1) + H, x * (W + 1) : x * (W + 1) + W] = rows[y][x]
    return _rescale01(grid)


def _rescale01(G: np.ndarray) -> np.ndarray:
    lo, hi = G.min(), G.max()
    return (G - lo) / (hi - lo) if hi > lo else np.zeros_like(G)
