"""Figures of the style-transfer notebooks: source and result images beside the loss curves.

Framework-neutral: images come in as ``(H, W, 3)`` uint8 arrays (or PIL images), the curves as
the ``history`` dict both ``style_transfer`` loops return.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_transfer"]

CURVES = ("content", "style", "tv", "total")


def plot_transfer(images: dict, history: dict, title: str = ""):
    """One row: each image of ``images`` (name -> ``(H, W, 3)`` uint8 or PIL image), then the
    loss curves of ``history`` on a log scale with the learning rate on a second axis.

    Args:
        images: ordered name -> image, e.g. ``{"content": ..., "style": ..., "result": ...}``.
        history: ``"content"``, ``"style"``, ``"tv"``, ``"total"``, ``"lr"``: ``(T,)`` arrays
            (a curve that is all zero, e.g. the style loss of feature inversion, is left out).
        title: the figure's title.

    Returns:
        the matplotlib figure.
    """
    import matplotlib.pyplot as plt

    n = len(images)
    fig, axes = plt.subplots(1, n + 1, figsize=(3.4 * (n + 1), 3.2))
    for ax, (name, img) in zip(axes, images.items()):
        ax.imshow(np.asarray(img))
        ax.set_title(name)
        ax.axis("off")
    ax = axes[-1]
    steps = np.arange(len(history["total"]))
    for name in CURVES:
        values = np.asarray(history[name])
        if np.any(values > 0):
            ax.semilogy(steps, values, label=name)
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.legend(fontsize=7, loc="upper right")
    lr = ax.twinx()
    lr.plot(steps, history["lr"], "k:", linewidth=1)
    lr.set_ylabel("learning rate (dotted)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
