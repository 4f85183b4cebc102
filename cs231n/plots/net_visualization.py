"""Figures of the network-visualization notebooks: saliency maps, fooling images, class images.

Framework-neutral: images come in as ``(H, W, 3)`` uint8 arrays (or PIL images), saliency
maps as ``(N, H, W)`` arrays. Every function draws a new figure and returns it; none of
them computes anything a test would need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["show_saliency_maps", "show_row", "show_snapshots", "plot_rank_correlations"]


def show_saliency_maps(images, saliency, titles: Sequence[str]):
    """The course's figure: the images on top, their saliency maps (``hot`` colormap) below.

    Args:
        images: ``(N, H, W, 3)`` uint8 images.
        saliency: ``(N, H, W)`` maps (or a dict row label -> ``(N, H, W)`` for several rows,
            e.g. trained and randomized networks).
        titles: ``N`` titles.
    """
    import matplotlib.pyplot as plt

    maps = dict(saliency) if isinstance(saliency, Mapping) else {"saliency": saliency}
    N = len(images)
    fig, axes = plt.subplots(1 + len(maps), N, figsize=(2.4 * N, 2.4 * (1 + len(maps))))
    axes = np.asarray(axes).reshape(1 + len(maps), N)
    for i in range(N):
        axes[0, i].imshow(np.asarray(images[i]))
        axes[0, i].set_title(titles[i], fontsize=9)
        for r, (label, m) in enumerate(maps.items(), start=1):
            axes[r, i].imshow(np.asarray(m[i]), cmap=plt.cm.hot)
            if i == 0 and len(maps) > 1:
                axes[r, i].set_ylabel(label, fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        if len(maps) == 1:
            ax.axis("off")
    fig.tight_layout()
    return fig


def show_row(images: Mapping, title: str = ""):
    """One row of images, each titled by its key (e.g. original, fooling, differences)."""
    import matplotlib.pyplot as plt

    n = len(images)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.4))
    for ax, (name, img) in zip(np.atleast_1d(axes), images.items()):
        ax.imshow(np.asarray(img))
        ax.set_title(name, fontsize=10)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_snapshots(snapshots: Mapping[int, np.ndarray], class_name: str, num_iterations: int):
    """The class-visualization image at the iterations kept in ``snapshots`` (1-based)."""
    return show_row(
        {f"iteration {t} / {num_iterations}": img for t, img in sorted(snapshots.items())},
        title=class_name,
    )


def plot_rank_correlations(correlations: Mapping, num_layers: int):
    """Spearman correlation of trained vs randomized saliency maps against the number of
    re-drawn top layers (one grey line per image, the mean in black).

    Args:
        correlations: ``{k: (N,) correlations}`` (``k = None`` means all ``num_layers``).
        num_layers: the number of weight layers.
    """
    import matplotlib.pyplot as plt

    ks = [num_layers if k is None else k for k in correlations]
    vals = np.stack([np.asarray(v, dtype=float) for v in correlations.values()])  # (len(ks), N)
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    ax.plot(ks, vals, color="0.7", lw=1, marker=".")
    ax.plot(ks, np.nanmean(vals, axis=1), color="k", lw=2, marker="o", label="mean")
    ax.set_xlabel("top weight layers re-drawn (cascading randomization)")
    ax.set_ylabel("Spearman rank correlation")
    ax.set_ylim(-0.2, 1.05)
    ax.axhline(0, color="0.5", lw=0.5)
    ax.legend()
    fig.tight_layout()
    return fig
