"""The COCO captioning data of assignment 3: load it, sample minibatches, decode captions.

The folder (``data_root() / 'coco_captioning'`` by default) holds, as in the
official ``coco_captioning.zip``:

==============================  ===============================================
``coco2014_captions.h5``        ``train_captions (N_tr, T)``, ``train_image_idxs (N_tr,)``,
                                ``val_captions (N_val, T)``, ``val_image_idxs (N_val,)``
``*2014_vgg16_fc7_pca.h5``      ``features (num_images, 512)`` (PCA of VGG16 fc7)
``*2014_vgg16_fc7.h5``          ``features (num_images, 4096)``
``coco2014_vocab.json``         ``idx_to_word`` (list, V) and ``word_to_idx`` (dict)
``*2014_urls.txt``              one Flickr URL per image, in feature-row order
==============================  ===============================================

Captions are word indices padded with ``<NULL>`` (index 0); each starts with
``<START>`` and ends with ``<END>``. ``T`` is 17 in the official file.

Offline, :func:`cs231n.data.flickr8k_captions.captioning_folder` returns a folder in this
layout built from real Flickr8k photographs (``cs231n data build flickr8k-captions``), which
these functions read unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cs231n.data.integrity import check_readable
from cs231n.data.registry import DatasetName
from cs231n.data_utils import DatasetFormatError
from cs231n.paths import require

__all__ = ["load_coco_data", "decode_captions", "sample_coco_minibatch"]

DATASET = DatasetName.COCO_CAPTIONING


def _read_h5(path: Path) -> dict[str, np.ndarray]:
    import h5py  # lazily: only this loader needs it

    check_readable(path, "HDF5 file")  # h5py would call a permission problem a damaged file
    try:
        with h5py.File(path, "r") as f:
            return {k: np.asarray(v) for k, v in f.items()}
    except OSError as e:  # h5py reports truncated/corrupted files as OSError
        raise DatasetFormatError(f"{path}: not a readable HDF5 file: {e}") from e


def load_coco_data(
    base_dir=None, max_train: int | None = None, pca_features: bool = True, *, rng=None
):
    """Load the COCO captioning data (official function and keys).

    Args:
        base_dir: the ``coco_captioning`` folder, found by the path rule of
            :func:`cs231n.paths.require` (default ``data_root() / 'coco_captioning'``).
        max_train: keep this many training captions, drawn at random *with
            replacement*, as in the official code (``None``: all).
        pca_features: the 512-d PCA features (True) or the 4096-d fc7 features.
        rng: a ``np.random.Generator`` for ``max_train`` (default: the global
            ``np.random`` state, as in the official code).

    Returns:
        dict with ``train_captions (N_tr, T)`` int, ``train_image_idxs (N_tr,)``,
        ``val_captions (N_val, T)``, ``val_image_idxs (N_val,)``,
        ``train_features (num_train_images, D)``, ``val_features (num_val_images, D)``,
        ``idx_to_word`` (list of V words), ``word_to_idx`` (dict),
        ``train_urls (num_train_images,)`` and ``val_urls (num_val_images,)`` str arrays.

    Raises:
        DatasetNotFoundError: a file is missing (the shared data folder has no
            captions h5: fetch the dataset with ``cs231n data fetch coco_captioning``).
        DatasetReadError: a file is there but cannot be read (the reason is given).
        DatasetFormatError: a file is damaged or the arrays do not fit together. Only the
            format is checked here; ``cs231n data verify coco`` compares the checksums.
    """
    base = require(DATASET, base_dir, default=DATASET)
    suffix = "_pca" if pca_features else ""
    # Check every file first, so the error names the first missing one before any
    # large file is read.
    paths = {
        "captions": require(DATASET, base / "coco2014_captions.h5"),
        "train_features": require(DATASET, base / f"train2014_vgg16_fc7{suffix}.h5"),
        "val_features": require(DATASET, base / f"val2014_vgg16_fc7{suffix}.h5"),
        "vocab": require(DATASET, base / "coco2014_vocab.json"),
        "train_urls": require(DATASET, base / "train2014_urls.txt"),
        "val_urls": require(DATASET, base / "val2014_urls.txt"),
    }
    data = _read_h5(paths["captions"])
    for key in ("train_captions", "train_image_idxs", "val_captions", "val_image_idxs"):
        if key not in data:
            raise DatasetFormatError(
                f"{paths['captions']}: no {key!r} dataset (has {sorted(data)})"
            )
    for split in ("train", "val"):
        feats = _read_h5(paths[f"{split}_features"])
        if "features" not in feats:
            raise DatasetFormatError(f"{paths[f'{split}_features']}: no 'features' dataset")
        data[f"{split}_features"] = feats["features"]
    for key in ("vocab", "train_urls", "val_urls"):
        check_readable(paths[key], "captioning file")
    try:
        vocab = json.loads(paths["vocab"].read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DatasetFormatError(f"{paths['vocab']}: not valid JSON: {e}") from e
    if not isinstance(vocab, dict) or "idx_to_word" not in vocab or "word_to_idx" not in vocab:
        raise DatasetFormatError(f"{paths['vocab']}: expected keys idx_to_word and word_to_idx")
    data.update(vocab)
    for split in ("train", "val"):
        with open(paths[f"{split}_urls"], encoding="utf-8") as f:
            data[f"{split}_urls"] = np.asarray([line.strip() for line in f])
    _check_consistent(data)

    if max_train is not None:
        num_train = data["train_captions"].shape[0]
        draw = rng.integers if rng is not None else np.random.randint
        mask = draw(num_train, size=max_train)  # with replacement, as in the official code
        data["train_captions"] = data["train_captions"][mask]
        data["train_image_idxs"] = data["train_image_idxs"][mask]
    return data


def _check_consistent(data: dict) -> None:
    V = len(data["idx_to_word"])
    for split in ("train", "val"):
        caps, idxs = data[f"{split}_captions"], data[f"{split}_image_idxs"]
        feats, urls = data[f"{split}_features"], data[f"{split}_urls"]
        if caps.ndim != 2 or idxs.shape != (caps.shape[0],):
            raise DatasetFormatError(
                f"coco: {split}_captions {caps.shape} and {split}_image_idxs {idxs.shape} "
                "are not (N, T) and (N,)"
            )
        if idxs.size and (idxs.min() < 0 or idxs.max() >= feats.shape[0]):
            raise DatasetFormatError(
                f"coco: {split}_image_idxs go up to {idxs.max()} but {split}_features has "
                f"{feats.shape[0]} rows"
            )
        if len(urls) != feats.shape[0]:
            raise DatasetFormatError(
                f"coco: {len(urls)} {split} urls for {feats.shape[0]} feature rows"
            )
        if caps.size and caps.max() >= V:
            raise DatasetFormatError(f"coco: {split}_captions has word index {caps.max()} >= V={V}")


def decode_captions(captions: np.ndarray, idx_to_word):
    """Turn word indices into strings (official function).

    Args:
        captions: ``(N, T)`` or ``(T,)`` integer word indices.
        idx_to_word: list (or dict) index -> word.

    Returns:
        A list of ``N`` strings (one string for a ``(T,)`` input). ``<NULL>`` words
        are dropped; each caption stops after its first ``<END>``.
    """
    captions = np.asarray(captions)
    singleton = captions.ndim == 1
    if singleton:
        captions = captions[None]  # (T,) -> (1, T)
    if captions.ndim != 2:
        raise ValueError(f"decode_captions: captions must be (N, T) or (T,), got {captions.shape}")
    decoded = []
    for row in captions:
        words = []
        for idx in row:
            word = idx_to_word[int(idx)]
            if word != "<NULL>":
                words.append(word)
            if word == "<END>":
                break
        decoded.append(" ".join(words))
    return decoded[0] if singleton else decoded


def sample_coco_minibatch(data: dict, batch_size: int = 100, split: str = "train", *, rng=None):
    """Draw ``batch_size`` captions (with replacement) with their images' features and URLs.

    Args:
        data: the dict of :func:`load_coco_data`.
        batch_size: B.
        split: ``'train'`` or ``'val'``.
        rng: a ``np.random.Generator`` (default: the global ``np.random`` state).

    Returns:
        captions ``(B, T)``, image_features ``(B, D)``, urls ``(B,)``.
    """
    if split not in ("train", "val"):
        raise ValueError(f"sample_coco_minibatch: split must be 'train' or 'val', got {split!r}")
    split_size = data[f"{split}_captions"].shape[0]
    mask = (rng.choice if rng is not None else np.random.choice)(split_size, batch_size)
    captions = data[f"{split}_captions"][mask]
    image_idxs = data[f"{split}_image_idxs"][mask]
    image_features = data[f"{split}_features"][image_idxs]
    urls = data[f"{split}_urls"][image_idxs]
    return captions, image_features, urls
