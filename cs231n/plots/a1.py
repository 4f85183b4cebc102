"""The figures of the assignment-1 notebooks, so that the notebooks stay thin.

Every function draws on the current matplotlib figure (or a new one) and
returns the figure; none of them computes anything a test would need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from cs231n.vis_utils import visualize_grid


def show_class_samples(
    X: np.ndarray, y: np.ndarray, classes: Sequence[str], per_class: int = 7, seed: int = 0
):
    """A column of ``per_class`` random images for every class.

    Args:
        X: (N, 32, 32, 3) images with values in [0, 255]; y: (N,) labels.
        classes: class names, indexed by label.
    """
    rng = np.random.default_rng(seed)
    C = len(classes)
    fig, axes = plt.subplots(per_class, C, figsize=(1.2 * C, 1.2 * per_class))
    for c, name in enumerate(classes):
        idxs = rng.choice(np.flatnonzero(y == c), per_class, replace=False)
        for i, idx in enumerate(idxs):
            ax = axes[i, c]
            ax.imshow(X[idx].astype("uint8"))
            ax.axis("off")
            if i == 0:
                ax.set_title(name)
    return fig


def plot_cross_validation(accuracies: Mapping[int, Sequence[float]], xlabel: str = "k"):
    """Every fold's accuracy as a dot, the mean with a standard-deviation bar."""
    fig = plt.figure(figsize=(7, 4))
    keys = sorted(accuracies)
    for k in keys:
        plt.scatter([k] * len(accuracies[k]), accuracies[k], color="tab:blue", s=12)
    means = [np.mean(accuracies[k]) for k in keys]
    stds = [np.std(accuracies[k]) for k in keys]
    plt.errorbar(keys, means, yerr=stds, color="tab:orange", capsize=3)
    plt.title("Cross-validation on " + xlabel)
    plt.xlabel(xlabel)
    plt.ylabel("Cross-validation accuracy")
    return fig


def plot_search(
    runs: Sequence[Mapping],
    x: str = "learning_rate",
    y: str = "reg",
    metrics=("train_acc", "val_acc"),
):
    """One log-log scatter per metric, coloured by its value (the course's search plot)."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 4))
    axes = np.atleast_1d(axes)
    xs = [r[x] for r in runs]
    ys = [r[y] for r in runs]
    for ax, m in zip(axes, metrics):
        sc = ax.scatter(xs, ys, c=[r[m] for r in runs], s=100, cmap="viridis")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(m)
        fig.colorbar(sc, ax=ax)
    fig.tight_layout()
    return fig


def show_class_templates(W: np.ndarray, classes: Sequence[str]):
    """The learned weights of a linear classifier as one image per class.

    Args:
        W: (3072 or 3073, C) weights on mean-subtracted rows (the bias row is dropped).
    """
    w = W[:3072].reshape(32, 32, 3, -1)  # (32, 32, 3, C)
    lo, hi = w.min(), w.max()
    fig, axes = plt.subplots(1, len(classes), figsize=(1.5 * len(classes), 2))
    for c, ax in enumerate(axes):
        ax.imshow((255.0 * (w[..., c] - lo) / (hi - lo)).astype("uint8"))
        ax.axis("off")
        ax.set_title(classes[c])
    return fig


def show_first_layer(W1: np.ndarray):
    """First-layer weights (3072, H) of a net on CIFAR-10 rows, as a grid of 32x32 images."""
    w = W1.reshape(32, 32, 3, -1).transpose(3, 0, 1, 2)  # (H, 32, 32, 3)
    fig = plt.figure(figsize=(7, 7))
    plt.imshow(visualize_grid(w, padding=3).astype("uint8"))
    plt.gca().axis("off")
    return fig


def show_misclassified(
    X: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: Sequence[str],
    per_class: int = 8,
    seed: int = 0,
):
    """For every predicted class, a column of test images that were wrongly given that class.

    Args:
        X: (N, 32, 32, 3) images in [0, 255]; y_true, y_pred: (N,) labels.
    """
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(per_class, len(classes), figsize=(1.2 * len(classes), 1.2 * per_class))
    for c, name in enumerate(classes):
        wrong = np.flatnonzero((y_pred == c) & (y_true != c))
        pick = rng.choice(wrong, min(per_class, len(wrong)), replace=False) if len(wrong) else []
        for i in range(per_class):
            ax = axes[i, c]
            ax.axis("off")
            if i < len(pick):
                ax.imshow(X[pick[i]].astype("uint8"))
        axes[0, c].set_title(name)
    return fig
