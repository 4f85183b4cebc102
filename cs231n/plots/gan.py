"""Figures of the GAN notebooks: the course's square grid of generated digits.

Framework-neutral: samples come in as numpy arrays ``(N, 784)`` (or ``(N, 28, 28)``), the way
both GAN modules' ``run_a_gan`` record them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["show_images"]


def show_images(images, title: str = ""):
    """The course's ``show_images``: N images on a ``ceil(sqrt(N))``-square grid, gray.

    Args:
        images: ``(N, D)`` with ``D = S * S`` (e.g. 784), or ``(N, S, S)``; any range (imshow
            stretches each image), e.g. generator output in [-1, 1].
        title: the figure's title.

    Returns:
        the matplotlib figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib import gridspec

    images = np.asarray(images)
    if images.ndim < 2 or len(images) == 0:
        raise ValueError(
            f"show_images: images must be a non-empty (N, D) or (N, S, S) array, "
            f"got shape {images.shape}"
        )
    images = images.reshape(len(images), -1)  # (N, D)
    side = int(np.ceil(np.sqrt(images.shape[1])))
    if side * side != images.shape[1]:
        raise ValueError(
            f"show_images: each image must have a square number of pixels, got {images.shape[1]}"
        )
    grid = int(np.ceil(np.sqrt(len(images))))
    fig = plt.figure(figsize=(grid, grid))
    gs = gridspec.GridSpec(grid, grid, figure=fig, wspace=0.05, hspace=0.05)
    for i, img in enumerate(images):
        ax = fig.add_subplot(gs[i])
        ax.axis("off")
        ax.imshow(img.reshape(side, side), cmap="gray")  # (S, S)
    if title:
        fig.suptitle(title)
    return fig
