"""Image helpers of assignment 3: SqueezeNet pre/post-processing, loading, blurring.

Images are numpy arrays, channels last ``(H, W, 3)`` uint8 when they come from
a file. :func:`preprocess_image` / :func:`deprocess_image` convert to and from
the normalised float32 input of the ImageNet-trained SqueezeNet
(``(x / 255 - mean) / std`` per channel).

The course's image files live in the data folder: ``styles/*.jpg`` (dataset
``styles``) and ``cs231n_extras/{kitten,puppy,sky}.jpg`` (dataset ``extras``).
:func:`resolve_image_path` finds them from a short name (``'starry_night'``) or
the path the official notebooks use (``'styles/tubingen.jpg'``).
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from cs231n.data.registry import DatasetName
from cs231n.kernels.geometry import check_int
from cs231n.paths import candidates, data_root, require
from cs231n.validation import check_array

__all__ = [
    "SQUEEZENET_MEAN",
    "SQUEEZENET_STD",
    "blur_image",
    "preprocess_image",
    "deprocess_image",
    "image_from_url",
    "load_image",
    "resolve_image_path",
    "STYLE_IMAGES",
]

#: ImageNet per-channel mean and standard deviation (RGB), as SqueezeNet was trained.
SQUEEZENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
SQUEEZENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

#: Short name -> (dataset, path in the data folder) of the course's images.
STYLE_IMAGES = {
    **{n: (DatasetName.STYLES, f"styles/{n}.jpg")
       for n in ("composition_vii", "muse", "starry_night", "the_scream", "tubingen")},
    **{n: (DatasetName.EXTRAS, f"cs231n_extras/{n}.jpg") for n in ("kitten", "puppy", "sky")},
}  # fmt: skip


def blur_image(X: np.ndarray) -> np.ndarray:
    """Blur each channel with the official 3x3 filter (used for class-visualisation regularisation).

    The filter is ``[[1, 2, 1], [2, 188, 2], [1, 2, 1]] / 200`` applied to each
    channel separately, with zero padding 1 and stride 1 (the official code
    runs it as a convolution with a diagonal weight).

    Args:
        X: ``(N, C, H, W)`` images.

    Returns:
        ``(N, C, H, W)`` blurred images (float64).
    """
    X = np.asarray(check_array("blur_image", "X", X), dtype=np.float64)
    if X.ndim != 4:
        raise ValueError(f"blur_image: X must be (N, C, H, W), got shape {X.shape}")
    kernel = np.array([[1, 2, 1], [2, 188, 2], [1, 2, 1]], dtype=np.float64) / 200.0
    H, W = X.shape[2:]
    padded = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)))  # (N, C, H + 2, W + 2)
    out = np.zeros_like(X)
    for di in range(3):
        for dj in range(3):
            out += kernel[di, dj] * padded[:, :, di : di + H, dj : dj + W]
    return out


def preprocess_image(img: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` uint8 pixels -> SqueezeNet input ``(H, W, 3)`` float32:
    ``(img / 255 - SQUEEZENET_MEAN) / SQUEEZENET_STD``.

    ``img`` may also be a batch ``(N, H, W, 3)``, or floats on the 0..255 scale; NaN and inf
    have no pixel value and are rejected.
    """
    img = check_array("preprocess_image", "img", img, finite=True)
    if img.ndim not in (3, 4) or img.shape[-1] != 3:
        raise ValueError(
            "preprocess_image: img must be (H, W, 3) or (N, H, W, 3) (3 channels), got shape "
            f"{img.shape}"
        )
    return (img.astype(np.float32) / 255.0 - SQUEEZENET_MEAN) / SQUEEZENET_STD


def deprocess_image(img: np.ndarray, rescale: bool = False) -> np.ndarray:
    """Invert :func:`preprocess_image`: ``(H, W, 3)`` float -> uint8 pixels.

    With ``rescale`` the de-normalised image is stretched to span ``[0, 1]``
    before the conversion (for visualising gradients). Values are clipped to 0..255.
    ``img`` may also be a batch ``(N, H, W, 3)``; NaN and inf are rejected (no pixel value).
    """
    img = check_array("deprocess_image", "img", img, finite=True)
    if img.ndim not in (3, 4) or img.shape[-1] != 3 or img.size == 0:
        raise ValueError(
            f"deprocess_image: img must be (H, W, 3) or (N, H, W, 3), got shape {img.shape}"
        )
    if not isinstance(rescale, bool):
        raise TypeError(f"deprocess_image: rescale must be a bool, got {rescale!r}")
    img = img * SQUEEZENET_STD + SQUEEZENET_MEAN
    if rescale:
        vmin, vmax = img.min(), img.max()
        img = (img - vmin) / max(vmax - vmin, 1e-12)
    return np.clip(255 * img, 0.0, 255.0).astype(np.uint8)


def _imread(path) -> np.ndarray:
    """Read an image file with ``imageio``'s ``imread``, as the official code does, so the
    same file gives the same array: ``(H, W, 3)`` uint8 for the course's RGB JPEGs
    (``(H, W)`` for a grayscale file, ``(H, W, 4)`` with alpha, as imageio returns them)."""
    import imageio.v2 as imageio

    return np.asarray(imageio.imread(path))


def image_from_url(url: str):
    """Download an image and return it as ``(H, W, 3)`` uint8, or ``None`` (with a
    printed message) when it cannot be fetched, as in the official code."""
    if not isinstance(url, str):
        raise TypeError(f"image_from_url: url must be a str, got {type(url).__name__}")
    try:
        with urllib.request.urlopen(url, timeout=30) as f:
            raw = f.read()
    except urllib.error.HTTPError as e:
        print("HTTP Error: ", e.code, url)
        return None
    except (urllib.error.URLError, OSError) as e:
        print("URL Error: ", getattr(e, "reason", e), url)
        return None
    fd, fname = tempfile.mkstemp()
    try:
        with os.fdopen(fd, "wb") as ff:
            ff.write(raw)
        return _imread(fname)
    finally:
        os.remove(fname)


def resolve_image_path(name) -> Path:
    """Find one of the course's images.

    ``name`` is looked up by the path rule of :func:`cs231n.paths.require` (as given,
    relative to the current directory; ``cs231n/datasets/...`` in the data folder; relative
    to the data folder, e.g. ``'styles/tubingen.jpg'`` as in the official notebooks), then
    as a short name (``'tubingen'``, ``'kitten.jpg'``, see :data:`STYLE_IMAGES`).

    Raises:
        DatasetNotFoundError: a course image that is missing: naming the dataset, the
            places looked and the fetch command.
        FileNotFoundError: any other name: naming every place looked.
    """
    if not isinstance(name, str | os.PathLike):
        raise TypeError(
            f"resolve_image_path: name must be a str or path, got {type(name).__name__}"
        )
    places = candidates(name)
    for place in places:
        if place.is_file():
            return place
    p = Path(name)
    stem = p.name[:-4] if p.name.endswith(".jpg") else p.name
    if stem in STYLE_IMAGES:
        dataset, rel = STYLE_IMAGES[stem]
        return require(dataset, None, default=rel)  # DatasetNotFoundError with the fetch command
    raise FileNotFoundError(
        f"resolve_image_path: no image {name!r}: not at {'; '.join(map(str, places))} "
        f"(data folder {data_root()}), and not one of {sorted(STYLE_IMAGES)}"
    )


def load_image(filename, size: int | None = None) -> np.ndarray:
    """Load an image file as ``(H, W, 3)`` uint8 (official function).

    Args:
        filename: a path, or a name :func:`resolve_image_path` understands.
        size: if given, resize so the *shorter* side is ``size`` pixels, keeping
            the aspect ratio; the other side is rounded down as in the official
            code. We resample bilinearly with PIL's ``(width, height)`` order (some
            course versions passed ``(H, W)`` and used nearest neighbour, which
            distorts non-square images).

    Returns:
        ``(H', W', 3)`` uint8: the array ``imageio.imread`` gives, as in the official code
        (the course's RGB JPEGs), with a grayscale file's one channel repeated three times
        and an alpha channel dropped (where the official code would fail later).
    """
    if size is not None:
        check_int("load_image", "size", size, 1)
    img = _imread(resolve_image_path(filename))
    if img.ndim == 2:  # a grayscale file: the three channels SqueezeNet expects
        img = np.repeat(img[:, :, None], 3, axis=2)
    elif img.ndim == 3 and img.shape[2] == 4:  # RGBA: drop the alpha channel
        img = img[:, :, :3]
    if size is not None:
        from PIL import Image

        H, W = img.shape[:2]
        scale = float(size) / min(H, W)
        # floor like the official astype(int); the epsilon keeps the short side == size
        new_h, new_w = max(1, int(H * scale + 1e-6)), max(1, int(W * scale + 1e-6))
        # PIL sizes are (width, height)
        img = np.asarray(Image.fromarray(img).resize((new_w, new_h), Image.BILINEAR))
    return img
