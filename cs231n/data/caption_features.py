"""Image features for captioning: globally averaged SqueezeNet features of photographs, a PCA.

:func:`image_features` reads each photograph with PIL as RGB, resizes it to 224x224
(bilinear; the aspect ratio is not kept), normalizes it as
:func:`cs231n.image_utils.preprocess_image` and runs a conv trunk such as
``squeezenet1_1(pretrained=True).features`` (its last Fire module: ``(N, 512, 13, 13)``),
then averages over the spatial positions. :func:`fit_pca` is the PCA the course's
``*_pca.h5`` files stand for, fitted on training features only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["IMAGE_SIZE", "BATCH_SIZE", "image_features", "fit_pca"]

#: Every photograph is resized to IMAGE_SIZE x IMAGE_SIZE.
IMAGE_SIZE = 224
#: Images per forward pass.
BATCH_SIZE = 25


def _read_photo(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB").resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)  # (W, H)
        return np.asarray(im)  # (224, 224, 3) uint8


def image_features(
    paths,
    trunk: Callable,
    batch_size: int = BATCH_SIZE,
    progress: bool = True,
    desc: str = "SqueezeNet features",
) -> np.ndarray:
    """Globally averaged SqueezeNet features of photographs.

    Args:
        paths: M image files (any size; grayscale or RGBA converted to RGB).
        trunk: a torch module ``(B, 3, 224, 224) -> (B, C, h, w)``, e.g.
            ``squeezenet1_1(pretrained=True).features`` (C = 512, h = w = 13).
        batch_size: images per forward pass.
        progress: show a tqdm progress bar.
        desc: its label.

    Returns:
        ``(M, C)`` float32: each image resized to 224x224, normalized as
        :func:`cs231n.image_utils.preprocess_image`, through ``trunk``, mean over ``h, w``.
    """
    import torch
    from tqdm import tqdm  # plain text bar: works without ipywidgets

    from cs231n.image_utils import preprocess_image

    paths = list(paths)
    out = []
    with (
        torch.inference_mode(),
        tqdm(total=len(paths), desc=desc, unit="img", disable=not progress) as bar,
    ):
        for i in range(0, len(paths), batch_size):
            batch = np.stack([preprocess_image(_read_photo(p)) for p in paths[i : i + batch_size]])
            x = torch.from_numpy(batch.transpose(0, 3, 1, 2).copy())  # (B, 3, 224, 224)
            out.append(trunk(x).mean(dim=(2, 3)).numpy().astype(np.float32))  # (B, C)
            bar.update(len(batch))
    return np.concatenate(out)


def fit_pca(train: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray, float]:
    """PCA of the training features (no whitening).

    Args:
        train: ``(N, D)`` features of the training images only.
        dim: K <= min(N, D) components.

    Returns:
        ``(mean (D,), components (K, D), explained)`` float64: project with
        ``(X - mean) @ components.T``; each component's largest-magnitude entry is
        positive; ``explained`` is the fraction of the training variance the K keep.
    """
    X = np.asarray(train, np.float64)
    if X.ndim != 2 or not 1 <= dim <= min(X.shape):
        raise ValueError(f"fit_pca: need (N, D) with 1 <= dim <= min(N, D), got {X.shape}, {dim}")
    mean = X.mean(axis=0)  # (D,)
    _, S, Vt = np.linalg.svd(X - mean, full_matrices=False)  # Vt: (min(N, D), D)
    comps = Vt[:dim]  # (K, D)
    signs = np.sign(comps[np.arange(dim), np.abs(comps).argmax(axis=1)])  # (K,)
    explained = float((S[:dim] ** 2).sum() / max((S**2).sum(), 1e-300))
    return mean, comps * signs[:, None], explained
