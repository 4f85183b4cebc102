"""Figures of the captioning notebooks: photographs with their captions, loss curves, BLEU bars.

Images come in as ``(H, W, 3)`` uint8 arrays, or ``None`` for an image that could not be
fetched (the course's Flickr URLs are mostly gone): a grey placeholder says so. Every
function draws a new figure and returns it; none computes anything a test would need.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["show_captioned", "plot_losses", "plot_metrics"]


def show_captioned(images: Sequence, captions: Mapping[str, Sequence[str]], title: str = ""):
    """A row of images, each with its captions underneath, one line per source.

    Args:
        images: ``N`` images, each ``(H, W, 3)`` uint8 or ``None`` (drawn as a placeholder).
        captions: label -> ``N`` caption strings (e.g. ``{"GT": ..., "greedy": ...}``).
        title: the figure's title.
    """
    import matplotlib.pyplot as plt

    n = len(images)
    for label, caps in captions.items():
        if len(caps) != n:
            raise ValueError(
                f"show_captioned: captions[{label!r}] has {len(caps)} captions for {n} images"
            )
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.0 + 0.55 * len(captions)), squeeze=False)
    for i, ax in enumerate(axes[0]):
        img = images[i]
        if img is None:
            ax.imshow(np.full((3, 4), 0.85), cmap="gray", vmin=0, vmax=1)
            ax.text(1.5, 1.0, "image not available", ha="center", va="center", fontsize=9)
        else:
            ax.imshow(np.asarray(img))
        lines = []
        for label, caps in captions.items():
            text = caps[i].replace("<START>", "").replace("<END>", "").strip()
            lines.append(textwrap.fill(f"{label}: {text}", width=42))
        ax.set_xlabel("\n".join(lines), fontsize=8, loc="left")
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_losses(runs: Mapping[str, Mapping[str, Sequence[float]]], title: str = ""):
    """Training curves: for each run, its per-iteration training loss (thin) and, when given,
    its validation losses (markers) at the iterations they were measured after.

    Args:
        runs: label -> ``{"loss": per-iteration losses, "val_loss": validation losses,
            "val_iterations": the 1-based iteration of each}`` (the last two optional, together;
            e.g. a :class:`cs231n.captioning_solver.CaptioningSolver`'s ``val_loss_history`` and
            ``val_loss_iterations``).
        title: the figure's title.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    for label, run in runs.items():
        loss = np.asarray(run["loss"], dtype=float)
        (line,) = ax.plot(np.arange(1, len(loss) + 1), loss, lw=0.8, alpha=0.8, label=label)
        val = run.get("val_loss")
        if val is not None and len(val):
            x = run.get("val_iterations")
            if x is None or len(x) != len(val):
                raise ValueError(
                    f"plot_losses: runs[{label!r}] needs 'val_iterations' with one iteration "
                    f"per validation loss ({len(val)}), got {None if x is None else len(x)}"
                )
            ax.plot(x, val, "o--", color=line.get_color(), label=f"{label} (validation)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss (summed over time, per caption)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_metrics(metrics: Mapping[str, Mapping[str, float]], keys: Sequence[str], title: str = ""):
    """Grouped bars: one group per metric key (e.g. ``bleu1`` .. ``bleu4``), one bar per method.

    Args:
        metrics: method -> {key: value}.
        keys: the keys to draw, in order.
        title: the figure's title.
    """
    import matplotlib.pyplot as plt

    methods = list(metrics)
    width = 0.8 / max(len(methods), 1)
    fig, ax = plt.subplots(figsize=(1.6 * len(keys) + 3, 3.8))
    for j, method in enumerate(methods):
        values = [metrics[method][k] for k in keys]
        ax.bar(
            np.arange(len(keys)) + (j - (len(methods) - 1) / 2) * width, values, width, label=method
        )
    ax.set_xticks(np.arange(len(keys)), keys)
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
