"""The offline captioning set: 1,000 real Flickr8k photographs and captions in the COCO layout.

The course's COCO captioning files are not available offline, so
:func:`build_flickr8k_captions` writes a set with the *official file names and keys*
from ``data_root()/flickr8k`` (see its README) into ``cache_root()/flickr8k_captioning/``;
:func:`cs231n.coco_utils.load_coco_data` reads it unchanged (``pca_features`` True or False).
:func:`captioning_folder` picks COCO when its files are there and this set otherwise.

==============================  ===========================================================
``coco2014_captions.h5``        ``train_captions (N_tr, 17)``, ``val_captions (N_val, 17)``
                                int32; ``train_image_idxs (N_tr,)``, ``val_image_idxs`` int32
                                (the row of the caption's image in that split's features)
``coco2014_vocab.json``         ``idx_to_word`` (``<NULL> <START> <END> <UNK>``, then the
                                training words), ``word_to_idx``
``train2014_vgg16_fc7.h5``      ``features (num_images, 512)`` float32. **Despite the
``val2014_vgg16_fc7.h5``        official name these are not VGG16 fc7 features**: they are
                                SqueezeNet 1.1 features (below)
``*2014_vgg16_fc7_pca.h5``      ``features (num_images, 128)`` float32: the PCA of the
                                512-d features fitted on the *training* images only
``*2014_urls.txt``              ``file://`` URLs of the photographs (``image_from_url`` reads them)
``*2014_images.txt``            ``flickr8k/images/<name>.jpg``, relative to the data folder
``MANIFEST.json``               sha256 of every file, seed, sizes, vocabulary, sources
==============================  ===========================================================

Captions: ``Flickr8k.token.txt`` (keys and captions separated by a tab, or by a space on
three lines), only the images in ``images/``, tokenized as the course's COCO captions
(:mod:`cs231n.data.caption_tokens`: lower case, punctuation deleted), at most 15 words
(:data:`~cs231n.data.caption_tokens.MAX_LENGTH` 17 with ``<START>`` and ``<END>``; longer
captions are cut to their first 15 words, about 12% of them), ``<UNK>`` for words seen fewer
than :data:`MIN_WORD_COUNT` times in the training captions. Split by image: a permutation of
the sorted file names by ``np.random.default_rng(seed)``, the first 20% (200) validation,
the rest (800) training, each split in file-name order.

Features (:mod:`cs231n.data.caption_features`): each photograph read with PIL as RGB,
resized to 224x224 (bilinear; the aspect ratio is not kept), normalized as
:func:`cs231n.image_utils.preprocess_image`, through ``squeezenet1_1(pretrained=True).features``
(its last Fire module, ``(N, 512, 13, 13)``), averaged over the 13x13 positions -> 512. The
weights are those of :func:`cs231n.data.squeezenet_weights.pretrained_weights` (the manifest
records its ``.source``). PCA: centred on the training mean, the top :data:`PCA_DIM` right
singular vectors of the training features (sign: largest entry positive), not whitened; the
manifest records the fraction of the training variance they keep (86% on the real set).

On the real folder: 1,000 images, 5,000 captions (5 each; the README's 4,997 is what a
parser splitting on tabs only finds: it loses the three lines with a space), 800 train /
200 val images, 775 words with seed 0.

The build is written into a temporary folder that is renamed into place, reused while
``MANIFEST.json`` matches (files, sources, seed, :data:`BUILD_VERSION`), and rebuilt the
same from the same seed (features the same on the same machine and torch).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from cs231n.data.built_folder import MANIFEST, commit_folder, manifest_matches, sha256, write_h5
from cs231n.data.caption_features import IMAGE_SIZE, fit_pca, image_features
from cs231n.data.caption_tokens import MAX_LENGTH, build_vocabulary, encode_captions, tokenize
from cs231n.paths import DatasetNotFoundError, cache_root, data_root

__all__ = [
    "FOLDER",
    "SOURCE_DIR",
    "BUILD_VERSION",
    "MIN_WORD_COUNT",
    "VAL_FRACTION",
    "PCA_DIM",
    "COCO_FILES",
    "parse_token_file",
    "split_images",
    "source_folder",
    "built_folder",
    "is_built",
    "build_flickr8k_captions",
    "captioning_folder",
]

#: The built folder's name under ``cache_root()``.
FOLDER = "flickr8k_captioning"
#: The source folder under the data folder, with ``Flickr8k.token.txt`` and ``images/``.
SOURCE_DIR = "flickr8k"
TOKEN_FILE = "Flickr8k.token.txt"
#: Bumped whenever what is built changes: older builds are rebuilt.
BUILD_VERSION = 1
#: Words seen fewer times than this in the training captions are ``<UNK>``.
MIN_WORD_COUNT = 5
#: The fraction of the images (rounded) in the validation split.
VAL_FRACTION = 0.2
#: Dimension of the ``*_pca.h5`` features.
PCA_DIM = 128
#: The files :func:`cs231n.coco_utils.load_coco_data` reads (both feature variants), plus
#: the image lists, under their official names.
COCO_FILES = (
    "coco2014_captions.h5",
    "coco2014_vocab.json",
    *(f"{s}2014_{kind}" for s in ("train", "val") for kind in ("urls.txt", "images.txt")),
    *(f"{s}2014_vgg16_fc7{p}.h5" for s in ("train", "val") for p in ("", "_pca")),
)

_KEY = re.compile(r"^(?P<image>[^\s#]+)#(?P<k>\d+)[\t ](?P<caption>.*)$")


def parse_token_file(path) -> dict[str, list[str]]:
    """Read ``Flickr8k.token.txt``: lines ``<image>#<k><tab or space><caption>``.

    Args:
        path: the token file.

    Returns:
        image file name -> its captions (raw text) in the order of ``k``. Blank lines are
        skipped.

    Raises:
        ValueError: a line that is not ``<image>#<k>`` then a tab or a space (its number), or
            the same ``<image>#<k>`` twice.
    """
    numbered: dict[str, dict[int, str]] = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            m = _KEY.match(line)
            if m is None:
                raise ValueError(
                    f"parse_token_file: {path} line {lineno} is not '<image>#<k>' followed by "
                    f"a tab or a space and a caption: {line[:80]!r}"
                )
            caps = numbered.setdefault(m["image"], {})
            k = int(m["k"])
            if k in caps:
                raise ValueError(f"parse_token_file: {path} line {lineno}: {m['image']}#{k} again")
            caps[k] = m["caption"].strip()
    return {name: [caps[k] for k in sorted(caps)] for name, caps in numbered.items()}


def split_images(names, seed: int = 0, val_fraction: float = VAL_FRACTION):
    """A seeded split by image.

    Args:
        names: M image file names (any order; they are sorted first, so the split does not
            depend on it).
        seed: for ``np.random.default_rng(seed).permutation(M)``.
        val_fraction: the first ``round(val_fraction * M)`` of the permutation are validation.

    Returns:
        ``(train_names, val_names)``, disjoint, each sorted.
    """
    names = sorted(set(names))
    if not 0 < val_fraction < 1:
        raise ValueError(f"split_images: val_fraction must be in (0, 1), got {val_fraction!r}")
    num_val = int(round(val_fraction * len(names)))
    if num_val < 1 or num_val >= len(names):
        raise ValueError(
            f"split_images: {len(names)} images cannot be split with val_fraction={val_fraction}"
        )
    perm = np.random.default_rng(seed).permutation(len(names))
    val = sorted(names[i] for i in perm[:num_val])
    train = sorted(names[i] for i in perm[num_val:])
    return train, val


def _squeezenet_trunk():
    """``squeezenet1_1(pretrained=True).features``, in eval mode."""
    from cs231n.frameworks.squeezenet_torch import squeezenet1_1

    return squeezenet1_1(pretrained=True).features.eval()


def _weights_source() -> str:
    from cs231n.data.squeezenet_weights import pretrained_weights

    return pretrained_weights().source


# --------------------------------------------------------------------- the built folder


def source_folder() -> Path:
    """``data_root()/flickr8k``, checked to hold ``Flickr8k.token.txt`` and ``images/``.

    Raises:
        DatasetNotFoundError: naming the missing file or folder.
    """
    src = data_root() / SOURCE_DIR
    for need in (src / TOKEN_FILE, src / "images"):
        if not need.exists():
            raise DatasetNotFoundError(
                f"flickr8k captions: {need} does not exist (data folder {data_root()}); the "
                f"offline captioning set is built from {src}/{TOKEN_FILE} and {src}/images/"
            )
    return src


def built_folder() -> Path:
    """Where :func:`build_flickr8k_captions` writes: ``cache_root()/flickr8k_captioning``."""
    return cache_root() / FOLDER


def _sources(src: Path) -> dict:
    """What the build is made from, as the manifest records it."""
    images = sorted(p for p in (src / "images").iterdir() if p.suffix.lower() == ".jpg")
    listing = "".join(f"{sha256(p)}  {p.name}\n" for p in images)
    return {
        "folder": str(src),
        "token_file_sha256": sha256(src / TOKEN_FILE),
        "num_image_files": len(images),
        "images_sha256": hashlib.sha256(listing.encode()).hexdigest(),  # of 'sha256  name' lines
        "weights": _weights_source(),
    }


def _expected(seed: int, sources: dict) -> dict:
    """What a valid build's manifest must say: the inputs and every setting of the build."""
    settings = {
        "min_word_count": MIN_WORD_COUNT,
        "max_length": MAX_LENGTH,
        "val_fraction": VAL_FRACTION,
        "pca_dim": PCA_DIM,
        "image_size": IMAGE_SIZE,
    }
    return {"build_version": BUILD_VERSION, "seed": seed, "settings": settings, "sources": sources}


def is_built(seed: int = 0) -> bool:
    """True when :func:`built_folder` holds a valid build from the current sources with
    ``seed`` (:func:`build_flickr8k_captions` would reuse it)."""
    expected = _expected(seed, _sources(source_folder()))
    return manifest_matches(built_folder(), expected, COCO_FILES)


def _write_set(tmp: Path, src: Path, seed: int, sources: dict) -> None:
    """Write every file of the set into the empty folder ``tmp``."""
    captions = parse_token_file(src / TOKEN_FILE)
    present = {p.name for p in (src / "images").iterdir() if p.suffix.lower() == ".jpg"}
    names = sorted(present & set(captions))
    if len(names) < 2:
        raise ValueError(f"build_flickr8k_captions: {src} has {len(names)} captioned images")
    splits = dict(zip(("train", "val"), split_images(names, seed)))
    tokens = {s: [[tokenize(c) for c in captions[n]] for n in splits[s]] for s in splits}
    idx_to_word, word_to_idx = build_vocabulary(
        [t for per_image in tokens["train"] for t in per_image], MIN_WORD_COUNT
    )
    h5, stats = {}, {}
    for s, per_image in tokens.items():
        flat = [t for caps in per_image for t in caps]
        h5[f"{s}_captions"], truncated = encode_captions(flat, word_to_idx, MAX_LENGTH)
        h5[f"{s}_image_idxs"] = np.repeat(
            np.arange(len(per_image), dtype=np.int32), [len(c) for c in per_image]
        )
        stats[s] = {"images": len(per_image), "captions": len(flat), "truncated": truncated}
    write_h5(tmp / "coco2014_captions.h5", h5)
    vocab = {"idx_to_word": idx_to_word, "word_to_idx": word_to_idx}
    (tmp / "coco2014_vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    for s, names_s in splits.items():
        photos = [src / "images" / n for n in names_s]
        (tmp / f"{s}2014_urls.txt").write_text("".join(p.as_uri() + "\n" for p in photos))
        (tmp / f"{s}2014_images.txt").write_text(
            "".join(f"{SOURCE_DIR}/images/{n}\n" for n in names_s)
        )
    trunk = _squeezenet_trunk()
    feats = {
        s: image_features([src / "images" / n for n in names_s], trunk, desc=f"SqueezeNet {s}")
        for s, names_s in splits.items()
    }
    dim = min(PCA_DIM, *feats["train"].shape)
    mean, comps, explained = fit_pca(feats["train"], dim)
    for s, f in feats.items():
        write_h5(tmp / f"{s}2014_vgg16_fc7.h5", {"features": f})
        pca = ((f.astype(np.float64) - mean) @ comps.T).astype(np.float32)  # (M, K)
        write_h5(tmp / f"{s}2014_vgg16_fc7_pca.h5", {"features": pca})
    manifest = {
        "name": FOLDER,
        "description": (
            f"{len(names)} real Flickr8k photographs and their captions in the COCO "
            "captioning layout of CS231n assignment 3 (cs231n.data.flickr8k_captions)"
        ),
        "features_note": (
            "despite their official file names, *2014_vgg16_fc7.h5 hold 512-d SqueezeNet 1.1 "
            "features (last Fire module, globally averaged over 13x13, 224x224 input), not "
            f"VGG16 fc7; *2014_vgg16_fc7_pca.h5 hold their {dim}-d PCA fitted on the training "
            "images only"
        ),
        **_expected(seed, sources),
        "split": stats,
        "vocab_size": len(idx_to_word),
        "features": {
            "dim": int(feats["train"].shape[1]),
            "pca_dim": dim,
            "pca_explained_variance": round(explained, 6),
        },
        "files": {n: sha256(tmp / n) for n in COCO_FILES},
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def build_flickr8k_captions(force: bool = False, seed: int = 0) -> Path:
    """Build the offline captioning set (module docstring) into :func:`built_folder`.

    Args:
        force: rebuild even when a valid build is there.
        seed: the seed of the split by image.

    Returns:
        the folder, for :func:`cs231n.coco_utils.load_coco_data`. A present folder whose
        ``MANIFEST.json`` does not match (another seed, changed sources or weights, a
        modified or missing file, an older :data:`BUILD_VERSION`) is rebuilt.

    Raises:
        DatasetNotFoundError: ``data_root()/flickr8k`` lacks its token file or images.
    """
    if int(seed) != seed:
        raise ValueError(f"build_flickr8k_captions: seed must be an integer, got {seed!r}")
    seed = int(seed)
    src = source_folder()
    sources = _sources(src)
    out = built_folder()
    if not force and manifest_matches(out, _expected(seed, sources), COCO_FILES):
        return out
    return commit_folder(out, lambda tmp: _write_set(tmp, src, seed, sources))


def captioning_folder() -> tuple[Path, str]:
    """The captioning folder the notebooks use, and one sentence saying which it is.

    Returns:
        ``(folder, sentence)``: ``data_root()/coco_captioning`` when it holds every required
        file of the registry's ``coco_captioning`` dataset (:func:`cs231n.data.checksums.check`:
        present; checksums not computed), else the offline Flickr8k set of
        :func:`build_flickr8k_captions` (built if missing or stale).
    """
    from cs231n.data.checksums import check
    from cs231n.data.registry import DatasetName

    coco = data_root() / "coco_captioning"
    missing = check([DatasetName.COCO_CAPTIONING])  # required files, relative to data_root()
    if not missing:
        return coco, f"Using the course's COCO captioning files in {coco}."
    out = build_flickr8k_captions()
    m = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    tr, va = m["split"]["train"], m["split"]["val"]
    return out, (
        f"Using the offline Flickr8k captioning set in {out} ({tr['images']} train / "
        f"{va['images']} val real photographs, {tr['captions']} / {va['captions']} captions, "
        f"{m['vocab_size']} words, {m['features']['dim']}-d SqueezeNet features under the "
        f"official VGG16 file names) because {data_root() / missing[0]} is missing."
    )
