"""A controlled captioning set: strips of real MNIST digits side by side, captioned by reading them.

Each image is a strip of 1..15 real MNIST digits, left to right, ``(28, 28 * 15)`` pixels
(unused positions black); its one caption reads the digits: ``<START> three seven one <END>``.
The set has the COCO layout and file names of :mod:`cs231n.coco_utils` (as the Flickr8k set of
:mod:`cs231n.data.flickr8k_captions`), so ``load_coco_data(build_mnist_captions())`` and the
captioning notebooks run on it unchanged. The right caption is known exactly and its length is
controlled, so a model's accuracy can be read per length: the caption is decided at the first
step (the image enters only through the initial hidden state) and must be carried for up to
15 steps, where an LSTM's cell state is expected to beat a vanilla RNN.

==============================  ===========================================================
``coco2014_captions.h5``        ``{train,val}_captions (N, 17)`` int32, one per image;
                                ``{train,val}_image_idxs (N,)`` = ``arange(N)``
``coco2014_vocab.json``         ``<NULL> <START> <END> <UNK>`` and the ten digit words
``*2014_vgg16_fc7.h5``          ``features (N, 2940)`` float32. **Despite the official name
                                these are pixels**: the strip averaged over 2x2 blocks,
                                ``(14, 210)`` in 0..1, flattened (pooled CNN features would
                                lose the digits' order)
``*2014_vgg16_fc7_pca.h5``      ``features (N, 512)`` float32: their PCA fitted on the
                                training strips only (centred, not whitened)
``*2014_urls.txt``              ``file://`` URLs of the strips as PNG files in ``images/``
``*2014_images.txt``            ``images/<split>_<i>.png``, relative to the folder
``MANIFEST.json``               sha256 of every file, seed, sizes, sources
==============================  ===========================================================

Training strips use MNIST's training images, validation strips its test images (other
writers). With ``np.random.default_rng(seed)``: for each split, the number of digits of each
strip uniform in 1..15, then the digits drawn uniformly (with replacement) from that split's
MNIST images.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from cs231n.data.built_folder import MANIFEST, commit_folder, manifest_matches, sha256, write_h5
from cs231n.data.caption_features import fit_pca
from cs231n.data.caption_tokens import MAX_LENGTH, build_vocabulary, encode_captions
from cs231n.paths import cache_root

__all__ = [
    "FOLDER",
    "BUILD_VERSION",
    "DIGIT_WORDS",
    "MAX_DIGITS",
    "NUM_IMAGES",
    "PCA_DIM",
    "COCO_FILES",
    "digit_strip",
    "built_folder",
    "is_built",
    "build_mnist_captions",
]

#: The built folder's name under ``cache_root()``.
FOLDER = "mnist_captioning"
#: Bumped whenever what is built changes: older builds are rebuilt.
BUILD_VERSION = 1
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: Digits per strip at most: the course's 17 columns minus ``<START>`` and ``<END>``.
MAX_DIGITS = MAX_LENGTH - 2
#: Strips (one caption each) per split.
NUM_IMAGES = {"train": 4000, "val": 1000}
#: Dimension of the ``*_pca.h5`` features.
PCA_DIM = 512
#: The files :func:`cs231n.coco_utils.load_coco_data` reads, plus the image lists.
COCO_FILES = (
    "coco2014_captions.h5",
    "coco2014_vocab.json",
    *(f"{s}2014_{kind}" for s in ("train", "val") for kind in ("urls.txt", "images.txt")),
    *(f"{s}2014_vgg16_fc7{p}.h5" for s in ("train", "val") for p in ("", "_pca")),
)
_MNIST_SPLIT = {"train": "train", "val": "test"}


def digit_strip(digits: np.ndarray) -> np.ndarray:
    """Digits side by side.

    Args:
        digits: ``(L, 28, 28)`` uint8 MNIST images, ``1 <= L <= MAX_DIGITS``.

    Returns:
        ``(28, 28 * MAX_DIGITS)`` uint8: digit k in columns ``28k .. 28k + 27``, the rest 0.
    """
    digits = np.asarray(digits)
    if digits.ndim != 3 or digits.shape[1:] != (28, 28) or not 1 <= len(digits) <= MAX_DIGITS:
        raise ValueError(
            f"digit_strip: digits must be (L, 28, 28) with 1 <= L <= {MAX_DIGITS}, "
            f"got {digits.shape}"
        )
    strip = np.zeros((28, 28 * MAX_DIGITS), np.uint8)
    strip[:, : 28 * len(digits)] = digits.transpose(1, 0, 2).reshape(28, -1)  # (28, 28 L)
    return strip


def _pixel_features(strips: np.ndarray) -> np.ndarray:
    """``(N, 28, 28 * MAX_DIGITS)`` uint8 -> ``(N, 14 * 14 * MAX_DIGITS)`` float32 in 0..1."""
    N, H, W = strips.shape
    pooled = (
        strips.reshape(N, H // 2, 2, W // 2, 2).mean(axis=(2, 4)) / 255.0
    )  # (N, 14, 7 * 15 * 2)
    return pooled.reshape(N, -1).astype(np.float32)


def _load_digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST images ``(M, 28, 28)`` uint8 and labels ``(M,)`` for a split of this set."""
    from cs231n.data_utils import load_mnist

    return load_mnist(_MNIST_SPLIT[split])


def _sources(digits: dict) -> dict:
    return {
        f"{s}_mnist_{_MNIST_SPLIT[s]}": {
            "num_images": len(X),
            "images_sha256": hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest(),
            "labels_sha256": hashlib.sha256(np.asarray(y, np.int64).tobytes()).hexdigest(),
        }
        for s, (X, y) in digits.items()
    }


def built_folder() -> Path:
    """Where :func:`build_mnist_captions` writes: ``cache_root()/mnist_captioning``."""
    return cache_root() / FOLDER


def _expected(seed: int, sources: dict) -> dict:
    return {
        "build_version": BUILD_VERSION,
        "seed": seed,
        "num_images": NUM_IMAGES,
        "settings": {"max_digits": MAX_DIGITS, "pca_dim": PCA_DIM},
        "sources": sources,
    }


def is_built(seed: int = 0) -> bool:
    """True when :func:`built_folder` holds a valid build from the MNIST files now in the data
    folder with ``seed`` (:func:`build_mnist_captions` would reuse it)."""
    digits = {s: _load_digits(s) for s in NUM_IMAGES}
    return manifest_matches(built_folder(), _expected(seed, _sources(digits)), COCO_FILES)


def _write_set(tmp: Path, out: Path, seed: int, digits: dict, sources: dict) -> None:
    import imageio.v2 as imageio

    rng = np.random.default_rng(seed)
    (tmp / "images").mkdir()
    word_tokens, feats, names = {}, {}, {}
    for s, n in NUM_IMAGES.items():
        X, y = digits[s]
        lengths = rng.integers(1, MAX_DIGITS + 1, size=n)  # (n,)
        picks = np.split(rng.integers(0, len(X), size=int(lengths.sum())), np.cumsum(lengths)[:-1])
        strips = np.stack([digit_strip(X[p]) for p in picks])  # (n, 28, 420)
        word_tokens[s] = [[DIGIT_WORDS[int(d)] for d in y[p]] for p in picks]
        feats[s] = _pixel_features(strips)
        names[s] = [f"{s}_{i:05d}.png" for i in range(n)]
        for name, strip in zip(names[s], strips):
            imageio.imwrite(tmp / "images" / name, strip)
    idx_to_word, word_to_idx = build_vocabulary(word_tokens["train"], min_count=1)
    h5 = {}
    for s, toks in word_tokens.items():
        h5[f"{s}_captions"], _ = encode_captions(toks, word_to_idx, MAX_LENGTH)
        h5[f"{s}_image_idxs"] = np.arange(len(toks), dtype=np.int32)
    write_h5(tmp / "coco2014_captions.h5", h5)
    vocab = {"idx_to_word": idx_to_word, "word_to_idx": word_to_idx}
    (tmp / "coco2014_vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    dim = min(PCA_DIM, *feats["train"].shape)
    mean, comps, explained = fit_pca(feats["train"], dim)
    for s in NUM_IMAGES:
        (tmp / f"{s}2014_urls.txt").write_text(
            "".join((out / "images" / n).as_uri() + "\n" for n in names[s])
        )
        (tmp / f"{s}2014_images.txt").write_text("".join(f"images/{n}\n" for n in names[s]))
        write_h5(tmp / f"{s}2014_vgg16_fc7.h5", {"features": feats[s]})
        pca = ((feats[s].astype(np.float64) - mean) @ comps.T).astype(np.float32)  # (n, K)
        write_h5(tmp / f"{s}2014_vgg16_fc7_pca.h5", {"features": pca})
    files = [*COCO_FILES, *(f"images/{n}" for s in NUM_IMAGES for n in names[s])]
    manifest = {
        "name": FOLDER,
        "description": (
            f"strips of 1..{MAX_DIGITS} real MNIST digits captioned by reading them, in the "
            "COCO captioning layout of CS231n assignment 3 (cs231n.data.mnist_captions)"
        ),
        "features_note": (
            f"despite their official file names, *2014_vgg16_fc7.h5 hold the strips' pixels "
            f"(2x2 averages, {feats['train'].shape[1]} values in 0..1), not VGG16 fc7; "
            f"*2014_vgg16_fc7_pca.h5 hold their {dim}-d PCA fitted on the training strips only"
        ),
        **_expected(seed, sources),
        "vocab_size": len(idx_to_word),
        "max_length": MAX_LENGTH,
        "features": {
            "dim": int(feats["train"].shape[1]),
            "pca_dim": dim,
            "pca_explained_variance": round(explained, 6),
        },
        "files": {n: sha256(tmp / n) for n in files},
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def build_mnist_captions(force: bool = False, seed: int = 0) -> Path:
    """Build the MNIST digit-strip captioning set (module docstring) into :func:`built_folder`.

    Args:
        force: rebuild even when a valid build is there.
        seed: the seed of the strips' lengths and digits.

    Returns:
        the folder, for :func:`cs231n.coco_utils.load_coco_data`. A present folder whose
        ``MANIFEST.json`` does not match (another seed, other MNIST files, a modified or
        missing file, an older :data:`BUILD_VERSION`) is rebuilt.

    Raises:
        DatasetNotFoundError: an MNIST file is missing (``cs231n data fetch mnist``).
    """
    if int(seed) != seed:
        raise ValueError(f"build_mnist_captions: seed must be an integer, got {seed!r}")
    seed = int(seed)
    digits = {s: _load_digits(s) for s in NUM_IMAGES}
    sources = _sources(digits)
    out = built_folder()
    if not force and manifest_matches(out, _expected(seed, sources), COCO_FILES):
        return out
    return commit_folder(out, lambda tmp: _write_set(tmp, out, seed, digits, sources))
