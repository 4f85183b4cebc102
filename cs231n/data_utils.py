"""Loaders for the datasets and weight files of the course, in their official formats.

Every loader finds its files through the one path rule of :func:`cs231n.paths.require`:
a path as given (relative to the working directory), then the official
``cs231n/datasets/<name>`` form in the data folder (``$CS231N_DATA``, else the default
folder), then relative to the data folder; without a path, its default place in the data
folder. So ``load_CIFAR10('cs231n/datasets/cifar-10-batches-py')``, the call of the
official notebooks, works in an official assignment folder and anywhere else. A
missing file raises :class:`~cs231n.paths.DatasetNotFoundError` naming the
dataset, the folder searched and the ``cs231n data fetch`` command; a file that
is there but cannot be read (permissions, a folder in its place, an I/O error) raises
:class:`DatasetReadError` naming the file and the reason; a file that is read but damaged
raises :class:`DatasetFormatError` naming the file and what was wrong.

What the loaders check at load time (cheap; the checksums come from a cache, see
:mod:`cs231n.data.integrity`):

* every file is parsed whole: CIFAR-10 pickles must be a dict with ``data`` (a uint8
  ``(N, 3072)`` array, N >= 1), ``labels`` (N integers in 0..9) and no bytes after the
  pickle's end; idx files must have the magic number, the dimensions of their kind and
  exactly the payload length the header gives, and a complete gzip stream;
* a file that holds as many rows as a version the registry knows under its name (a CIFAR-10
  batch of 10,000 rows, or 1,017 for the subset; MNIST files of 60,000, 10,000 or 17,435
  rows; the 25 ImageNet images) must have one of that version's checksums (MNIST: of the
  uncompressed bytes, so a re-gzipped official file loads): a flipped pixel or label is
  caught. The checksums are computed on the first load of each version of a file (size and
  mtime) and cached under ``cache_root()``; later loads look them up.

What only ``cs231n data verify`` checks: files of other row counts against nothing (the
loaders cannot know what your own files should hold), every file from its bytes without
trusting the cache (a file changed with its size and mtime kept), and the files the loaders
do not read (``batches.meta``, ``readme.html``).

Loaders (format; default location under the data folder):

* :func:`load_CIFAR10`, :func:`load_CIFAR_batch`: CIFAR-10 python pickles;
  ``cifar-10-batches-py/``. :func:`get_CIFAR10_data` splits and centres them
  for assignment 2.
* :func:`load_mnist`: MNIST idx files, ``.gz`` or raw; ``mnist/``.
* :func:`load_imagenet_val`: ``imagenet_val_25.npz``.
* :func:`load_squeezenet_state_dict`: torchvision ``.pth`` state dict;
  ``squeezenet/``.
* :func:`load_squeezenet_tf_checkpoint`: the course's TensorFlow checkpoint;
  ``squeezenet/``.
* :func:`load_tiny_imagenet`: the TinyImageNet-200 folder of JPEGs
  (:mod:`cs231n.data.tiny_imagenet`); ``tiny-imagenet-200/``.
* :func:`load_models`: a folder of pickled models (official helper).

Images are returned channels-last ``(N, H, W, C)`` as in the official code,
except :func:`get_CIFAR10_data`, which transposes to ``(N, C, H, W)`` for the
layers of assignment 2.
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import zipfile
import zlib
from pathlib import Path

import numpy as np

from cs231n.data.cifar10 import CIFAR10_DIR, split_cifar10
from cs231n.data.integrity import (
    DatasetReadError,
    content_digests,
    file_digests,
    known_versions,
    match_content,
    match_file,
    read_bytes,
)
from cs231n.data.registry import DatasetName
from cs231n.data.tiny_imagenet import load_tiny_imagenet
from cs231n.paths import DatasetNotFoundError, dataset_path, require

__all__ = [
    "DatasetFormatError",
    "DatasetReadError",
    "load_pickle",
    "load_CIFAR_batch",
    "load_CIFAR10",
    "get_CIFAR10_data",
    "load_tiny_imagenet",
    "load_mnist",
    "read_idx",
    "load_imagenet_val",
    "load_models",
    "SQUEEZENET1_1_SHAPES",
    "load_squeezenet_state_dict",
    "load_squeezenet_tf_checkpoint",
]


class DatasetFormatError(ValueError):
    """A dataset file exists but is not in the expected format (truncated, corrupted...)."""


def _check_version(path, rows: int, datasets, data: bytes, st, *, content: bool = False):
    """Raise :class:`DatasetFormatError` when the file at ``path``, holding ``rows`` rows,
    claims to be a registry version (:func:`cs231n.data.integrity.known_versions`) but
    matches none of its checksums. ``content``: ``data`` are the uncompressed bytes of a
    ``.gz`` (compare with the content checksums)."""
    specs = known_versions(path, rows, datasets)
    if not specs:
        return
    if content:
        digests = content_digests(path, data, stat=st)
        ok, sha, what = match_content(specs, digests), digests["content_sha256"], "uncompressed "
    else:
        digests = file_digests(path, data, stat=st)
        ok, sha, what = match_file(specs, digests), digests["sha256"], ""
    if not ok:
        raise DatasetFormatError(
            f"{path}: {rows} rows, as {' or '.join(s.path for s in specs)} of the registry, but "
            f"the sha256 of its {what}bytes ({sha[:16]}...) matches no known version (official, "
            "known-good or documented derived copy): the file is damaged or altered. "
            "'cs231n data verify' checks every file; 'cs231n data fetch NAME' downloads it again"
        )


# --------------------------------------------------------------------------- pickles

# The only globals a CIFAR-10 pickle (or a cs231n model pickle) needs. Anything
# else is refused: a pickle from the internet can otherwise run arbitrary code.
_NUMPY_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    # python-3 protocol-2 pickles write bytes as _codecs.encode(str, 'latin1')
    ("_codecs", "encode"),
}


class _NumpyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _NUMPY_GLOBALS:
            if module == "_codecs":
                import codecs

                return codecs.encode
            if name in ("_reconstruct", "scalar"):
                # numpy.core is a deprecated alias of numpy._core since numpy 2: resolve
                # it ourselves so old (python 2) pickles load without warnings.
                try:
                    from numpy._core import multiarray
                except ImportError:  # numpy < 2
                    from numpy.core import multiarray

                return getattr(multiarray, name)
            return getattr(np, name)
        raise pickle.UnpicklingError(f"refusing to load global {module}.{name} from a data pickle")


def load_pickle(f):
    """Unpickle a python-2 or python-3 data pickle from the open binary file ``f``.

    Python-2 ``str`` keys are decoded as latin1 (so ``'data'``, not ``b'data'``),
    as in the official ``load_pickle``; only numpy arrays and builtins are allowed.
    """
    return _NumpyUnpickler(f, encoding="latin1").load()


def _get(d: dict, key: str, filename, required: bool = True):
    """``d[key]``, accepting ``bytes`` keys too (pickles loaded with encoding='bytes')."""
    for k in (key, key.encode()):
        if k in d:
            return d[k]
    if required:
        raise DatasetFormatError(f"{filename}: no {key!r} entry (keys: {sorted(map(str, d))})")
    return None


# --------------------------------------------------------------------------- CIFAR-10


def _read_cifar_batch(filename) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch as uint8 images ``(N, 32, 32, 3)`` and int64 labels ``(N,)``.

    ``N`` is read from the file (10000 in the official batches, 1017 in the subset). Checks
    the format (a dict with a uint8 ``(N, 3072)`` ``data`` and N integer ``labels`` in 0..9,
    nothing after the pickle) and, for a batch of a registry version's size, its checksum
    (:func:`_check_version`).
    """
    raw, st = read_bytes(filename, "CIFAR-10 batch")
    stream = io.BytesIO(raw)
    try:
        datadict = load_pickle(stream)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError) as e:
        raise DatasetFormatError(
            f"{filename}: not a readable CIFAR-10 pickle (truncated or corrupted?): {e}"
        ) from e
    extra = len(raw) - stream.tell()
    if extra:
        raise DatasetFormatError(
            f"{filename}: {extra} bytes after the end of the pickle (trailing garbage: "
            "a damaged or appended copy)"
        )
    if not isinstance(datadict, dict):
        raise DatasetFormatError(f"{filename}: expected a dict, got {type(datadict).__name__}")
    data = _get(datadict, "data", filename)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8:
        got = f"dtype {data.dtype}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DatasetFormatError(f"{filename}: 'data' must be a uint8 array, got {got}")
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DatasetFormatError(f"{filename}: 'data' has shape {data.shape}, expected (N, 3072)")
    if data.shape[0] == 0:
        raise DatasetFormatError(f"{filename}: 'data' holds no images")
    labels = np.asarray(_get(datadict, "labels", filename))
    if labels.dtype.kind not in "iu" or labels.ndim != 1:
        raise DatasetFormatError(
            f"{filename}: 'labels' must be a list of integers, got dtype {labels.dtype} "
            f"shape {labels.shape}"
        )
    labels = labels.astype(np.int64)
    if labels.shape != (data.shape[0],):
        raise DatasetFormatError(f"{filename}: {labels.shape[0]} labels for {data.shape[0]} images")
    if labels.min() < 0 or labels.max() > 9:
        raise DatasetFormatError(
            f"{filename}: labels outside 0..9 (min {labels.min()}, max {labels.max()})"
        )
    _check_version(
        filename, data.shape[0], (DatasetName.CIFAR10, DatasetName.CIFAR10_SUBSET), raw, st
    )
    # Each row is 1024 red, 1024 green, 1024 blue values, each plane row-major 32x32.
    X = data.astype(np.uint8, copy=False).reshape(-1, 3, 32, 32)  # (N, 3, 32, 32)
    X = X.transpose(0, 2, 3, 1)  # (N, 32, 32, 3), channels last as in the official code
    return X, labels


def load_CIFAR_batch(filename) -> tuple[np.ndarray, np.ndarray]:
    """Load one CIFAR-10 batch file (official name and behaviour).

    What is checked at load (format; the checksum of a batch of 10,000 or 1,017 rows) is
    listed in the module docstring.

    Returns:
        X: ``(N, 32, 32, 3)`` float64 pixel values in ``[0, 255]``.
        Y: ``(N,)`` int64 labels in ``0..9``.
    """
    X, Y = _read_cifar_batch(filename)
    return X.astype(np.float64), Y


def _load_cifar10_uint8(root=None):
    root = require(DatasetName.CIFAR10, root, default=CIFAR10_DIR)
    xs, ys = [], []
    for b in range(1, 6):
        X, Y = _read_cifar_batch(require(DatasetName.CIFAR10, root / f"data_batch_{b}"))
        xs.append(X)
        ys.append(Y)
    Xtr, Ytr = np.concatenate(xs), np.concatenate(ys)
    Xte, Yte = _read_cifar_batch(require(DatasetName.CIFAR10, root / "test_batch"))
    return Xtr, Ytr, Xte, Yte


def load_CIFAR10(root=None, *, dtype=np.float64):
    """Load all of CIFAR-10 (official name; ``root`` may be given as in the notebooks).

    Args:
        root: the ``cifar-10-batches-py`` folder, found by the path rule of
            :func:`cs231n.paths.require` (the notebooks' ``'cs231n/datasets/cifar-10-batches-py'``
            works from anywhere); ``None`` means ``data_root() / 'cifar-10-batches-py'``.
        dtype: pixel dtype (float64 as in the official code; ``np.uint8`` saves
            8x the memory).

    Returns:
        Xtr: ``(N_train, 32, 32, 3)`` pixels in ``[0, 255]`` (50000 rows for the full set).
        Ytr: ``(N_train,)`` int64 labels.
        Xte: ``(N_test, 32, 32, 3)``.
        Yte: ``(N_test,)`` int64 labels.

    Raises:
        DatasetNotFoundError: a batch is missing. DatasetReadError: one cannot be read.
        DatasetFormatError: one is damaged: its format, or for a batch of a registry
            version's size (10,000 or 1,017 rows) its checksum (cached per file version; see
            the module docstring for what only ``cs231n data verify`` checks).
    """
    Xtr, Ytr, Xte, Yte = _load_cifar10_uint8(root)
    return Xtr.astype(dtype), Ytr, Xte.astype(dtype), Yte


def get_CIFAR10_data(
    num_training: int = 49000,
    num_validation: int = 1000,
    num_test: int = 1000,
    subtract_mean: bool = True,
    *,
    root=None,
    dtype=np.float32,
) -> dict[str, np.ndarray]:
    """CIFAR-10 split and centred for the classifiers of assignment 2 (official 2020 version).

    Training rows are the first ``num_training`` of the training set, validation
    rows the next ``num_validation``, test rows the first ``num_test`` of the
    test set (:func:`cs231n.data.cifar10.split_cifar10`). With ``subtract_mean``
    the mean training image (computed in float64 over the ``num_training`` rows)
    is subtracted from all three splits. ``root`` is the CIFAR-10 folder, found as in
    :func:`load_CIFAR10`.

    Returns:
        A dict with ``X_train (num_training, 3, 32, 32)``, ``y_train (num_training,)``,
        ``X_val (num_validation, 3, 32, 32)``, ``y_val``, ``X_test (num_test, 3, 32, 32)``,
        ``y_test``; images in ``dtype`` (float32 by default), labels int64.
        The official code returns float64; float32 halves the memory (about 600 MB
        for the default 49,000 training images); pass ``dtype=np.float64`` for
        the official behaviour.
    """
    splits = split_cifar10(
        _load_cifar10_uint8(root), num_training, num_validation, num_test, caller="get_CIFAR10_data"
    )
    X_train, y_train = splits["train"][0].astype(dtype), splits["train"][1]
    X_val, y_val = splits["val"][0].astype(dtype), splits["val"][1]
    X_test, y_test = splits["test"][0].astype(dtype), splits["test"][1]
    del splits
    if subtract_mean and num_training > 0:
        mean_image = X_train.mean(axis=0, dtype=np.float64).astype(dtype)  # (32, 32, 3)
        X_train -= mean_image
        X_val -= mean_image
        X_test -= mean_image
    return {
        "X_train": X_train.transpose(0, 3, 1, 2).copy(),  # (N, 32, 32, 3) -> (N, 3, 32, 32)
        "y_train": y_train,
        "X_val": X_val.transpose(0, 3, 1, 2).copy(),
        "y_val": y_val,
        "X_test": X_test.transpose(0, 3, 1, 2).copy(),
        "y_test": y_test,
    }


# --------------------------------------------------------------------------- MNIST

# The idx header: two zero bytes, a dtype code, the number of dimensions, then
# one big-endian uint32 per dimension. 2051 = 0x0803 (ubyte, 3-D images),
# 2049 = 0x0801 (ubyte, 1-D labels).
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path, expect_ndim: int | None = None) -> np.ndarray:
    """Read an idx file (``.gz`` or raw); the shape comes from its header.

    Only the format is checked here (:func:`load_mnist` also compares checksums).

    Raises:
        DatasetReadError: the file cannot be read (permissions, a folder in its place).
        DatasetFormatError: a bad magic number, a truncated or over-long payload, or a
            damaged gzip stream.
    """
    return _read_idx(Path(path), expect_ndim)[0]


def _read_idx(path: Path, expect_ndim: int | None) -> tuple[np.ndarray, bytes, os.stat_result]:
    """:func:`read_idx`, also returning the uncompressed bytes and the file's stat."""
    data, st = read_bytes(path, "idx file")
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(data)
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            raise DatasetFormatError(
                f"{path}: damaged gzip stream (truncated download?): {e}"
            ) from e
    else:
        raw = data
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DatasetFormatError(f"{path}: bad idx magic number {raw[:4].hex() or '(empty)'}")
    ndim = raw[3]
    if expect_ndim is not None and ndim != expect_ndim:
        raise DatasetFormatError(
            f"{path}: idx file has {ndim} dimensions, expected {expect_ndim} "
            f"(magic {0x0800 + ndim}, expected {0x0800 + expect_ndim})"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetFormatError(f"{path}: truncated idx header ({len(raw)} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    want = int(np.prod(shape)) * dtype.itemsize
    got = len(raw) - header
    if got != want:
        kind = "truncated" if got < want else "has trailing bytes"
        raise DatasetFormatError(
            f"{path}: {kind}: header says shape {shape} ({want} bytes), payload is {got} bytes"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("=")), raw, st  # native byte order, a writable copy


def _find_idx(folder: Path, stem: str, dataset: str) -> Path:
    for name in (stem + ".gz", stem):
        if (folder / name).exists():
            return folder / name
    # Neither exists: let require() raise the one standard message.
    return require(dataset, folder / (stem + ".gz"))


def load_mnist(split: str = "train", root=None) -> tuple[np.ndarray, np.ndarray]:
    """Load an MNIST split from the official idx files.

    Args:
        split: ``'train'`` or ``'test'``.
        root: the folder holding ``train-images-idx3-ubyte(.gz)`` etc., found by the
            path rule of :func:`cs231n.paths.require`; ``None`` means
            ``data_root() / 'mnist'``. The shared data folder also has
            ``mnist-train-subset/`` (the first 17,435 training images and
            labels): pass ``root=dataset_path('mnist-train-subset')`` to use it
            where the full training images are missing.

    Returns:
        images: ``(N, 28, 28)`` uint8 (N = 60000 / 10000 for the official files,
            taken from the header).
        labels: ``(N,)`` int64 in ``0..9``.

    Raises:
        DatasetNotFoundError: a file is missing. DatasetReadError: one cannot be read.
        DatasetFormatError: one is damaged. Checked at load: the idx header (magic number,
            dimensions, payload length), the gzip stream, 28x28 images, as many labels as
            images, labels in 0..9; for files of 60,000, 10,000 or 17,435 rows the checksum
            of the uncompressed bytes against the registry's (cached per file version; a
            re-gzipped official file loads). What only ``cs231n data verify`` checks: see
            the module docstring.
    """
    if split not in MNIST_FILES:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")
    dataset = DatasetName.MNIST
    if root is not None and Path(root).name == "mnist-train-subset":
        dataset = DatasetName.MNIST_TRAIN_SUBSET
    folder = require(dataset, root, default="mnist")
    img_stem, lbl_stem = MNIST_FILES[split]
    try:
        img_path = _find_idx(folder, img_stem, dataset)
    except DatasetNotFoundError as e:
        if root is None and split == "train" and dataset_path("mnist-train-subset").is_dir():
            raise DatasetNotFoundError(
                f"{e} (a subset of the training set is available: "
                f"load_mnist('train', root=dataset_path('mnist-train-subset')))",
                dataset=e.dataset,
            ) from None
        raise
    lbl_path = _find_idx(folder, lbl_stem, dataset)
    images, img_raw, img_st = _read_idx(img_path, expect_ndim=3)
    labels, lbl_raw, lbl_st = _read_idx(lbl_path, expect_ndim=1)
    labels = labels.astype(np.int64)
    if images.shape[1:] != (28, 28):
        raise DatasetFormatError(
            f"{folder}/{img_stem}: images are {images.shape[1:]}, expected (28, 28)"
        )
    if len(images) != len(labels):
        raise DatasetFormatError(f"{folder}: {len(images)} {split} images but {len(labels)} labels")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetFormatError(
            f"{lbl_path}: labels outside 0..9 (min {labels.min()}, max {labels.max()})"
        )
    family = (DatasetName.MNIST, DatasetName.MNIST_TRAIN_SUBSET)
    _check_version(img_path, len(images), family, img_raw, img_st, content=True)
    _check_version(lbl_path, len(labels), family, lbl_raw, lbl_st, content=True)
    return images.astype(np.uint8, copy=False), labels


# --------------------------------------------------------------------------- ImageNet val


def load_imagenet_val(num: int | None = None, *, path=None):
    """Load the 25 ImageNet validation images of assignment 3 (official function).

    Args:
        num: keep only the first ``num`` images (``None``: all 25).
        path: the npz file, found by the path rule of :func:`cs231n.paths.require`
            (default ``data_root() / 'imagenet_val_25.npz'``).

    Returns:
        X: ``(num, 224, 224, 3)`` uint8 images.
        y: ``(num,)`` int64 ImageNet class indices.
        class_names: dict class index -> human-readable name.
    """
    path = require(DatasetName.IMAGENET_VAL, path, default="imagenet_val_25.npz")
    raw, st = read_bytes(path, "imagenet_val npz")
    try:
        # label_map is a pickled dict inside the npz, hence allow_pickle.
        with np.load(io.BytesIO(raw), allow_pickle=True) as f:
            X, y, label_map = f["X"], f["y"], f["label_map"]
    except (
        ValueError,
        KeyError,
        OSError,
        EOFError,
        pickle.UnpicklingError,
        zipfile.BadZipFile,
    ) as e:
        raise DatasetFormatError(f"{path}: not a readable imagenet_val npz: {e}") from e
    class_names = label_map.item() if label_map.dtype == object else dict(enumerate(label_map))
    if X.ndim != 4 or X.shape[-1] != 3 or y.shape != (X.shape[0],):
        raise DatasetFormatError(
            f"{path}: X {X.shape} and y {y.shape} are not (N, H, W, 3) and (N,)"
        )
    _check_version(path, X.shape[0], (DatasetName.IMAGENET_VAL,), raw, st)
    if num is not None:
        X, y = X[:num], y[:num]
    return X, y.astype(np.int64), class_names


def load_models(models_dir) -> dict:
    """Load every pickled model in ``models_dir`` (official function).

    Each file holds a pickled dict with a ``'model'`` entry; files that are not
    such pickles are skipped. ``models_dir`` is found by the path rule of
    :func:`cs231n.paths.require`. Returns file name -> model.
    """
    models_dir = require(None, models_dir)
    models = {}
    for model_file in sorted(os.listdir(models_dir)):
        try:
            with open(os.path.join(models_dir, model_file), "rb") as f:
                models[model_file] = load_pickle(f)["model"]
        except (pickle.UnpicklingError, EOFError, KeyError, TypeError, IsADirectoryError):
            continue
    return models


# --------------------------------------------------------------------------- SqueezeNet

SQUEEZENET_PTH = "squeezenet1_1-b8a52dc0.pth"
SQUEEZENET_TF = "squeezenet.ckpt"


def _squeezenet1_1_shapes() -> dict[str, tuple[int, ...]]:
    """Parameter name -> shape of torchvision's SqueezeNet 1.1 (1,235,496 numbers)."""
    shapes: dict[str, tuple[int, ...]] = {
        "features.0.weight": (64, 3, 3, 3),
        "features.0.bias": (64,),
    }
    # features index -> (in_channels, squeeze, expand1x1, expand3x3)
    fires = {
        3: (64, 16, 64, 64), 4: (128, 16, 64, 64),
        6: (128, 32, 128, 128), 7: (256, 32, 128, 128),
        9: (256, 48, 192, 192), 10: (384, 48, 192, 192),
        11: (384, 64, 256, 256), 12: (512, 64, 256, 256),
    }  # fmt: skip
    for i, (cin, s, e1, e3) in fires.items():
        shapes[f"features.{i}.squeeze.weight"] = (s, cin, 1, 1)
        shapes[f"features.{i}.squeeze.bias"] = (s,)
        shapes[f"features.{i}.expand1x1.weight"] = (e1, s, 1, 1)
        shapes[f"features.{i}.expand1x1.bias"] = (e1,)
        shapes[f"features.{i}.expand3x3.weight"] = (e3, s, 3, 3)
        shapes[f"features.{i}.expand3x3.bias"] = (e3,)
    shapes["classifier.1.weight"] = (1000, 512, 1, 1)
    shapes["classifier.1.bias"] = (1000,)
    return shapes


#: The key -> shape layout a SqueezeNet 1.1 state dict must have.
SQUEEZENET1_1_SHAPES = _squeezenet1_1_shapes()


def load_squeezenet_state_dict(path=None) -> dict:
    """Load torchvision's SqueezeNet 1.1 weights and check their layout.

    Args:
        path: the ``.pth`` file, found by the path rule of :func:`cs231n.paths.require`
            (default ``data_root() / 'squeezenet' / 'squeezenet1_1-b8a52dc0.pth'``).

    Returns:
        An ordered dict name -> ``torch.Tensor`` with exactly the keys and shapes of
        :data:`SQUEEZENET1_1_SHAPES`, ready for ``model.load_state_dict``.

    Raises:
        DatasetFormatError: the file is not a torch state dict, or keys/shapes differ.
    """
    import torch  # lazily: the numpy parts of the package work without torch

    path = require(DatasetName.SQUEEZENET, path, default=Path("squeezenet") / SQUEEZENET_PTH)
    try:
        # weights_only: never run code from a downloaded file.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types (RuntimeError, UnpicklingError, EOFError)
        raise DatasetFormatError(f"{path}: not a readable torch state dict: {e}") from e
    if not isinstance(state, dict):
        raise DatasetFormatError(f"{path}: expected a state dict, got {type(state).__name__}")
    missing = sorted(set(SQUEEZENET1_1_SHAPES) - set(state))
    unexpected = sorted(set(state) - set(SQUEEZENET1_1_SHAPES))
    if missing or unexpected:
        raise DatasetFormatError(
            f"{path}: not a SqueezeNet 1.1 state dict: missing keys {missing[:5]}"
            f"{'...' if len(missing) > 5 else ''}, unexpected keys {unexpected[:5]}"
            f"{'...' if len(unexpected) > 5 else ''}"
        )
    for k, shape in SQUEEZENET1_1_SHAPES.items():
        got = tuple(state[k].shape)
        if got != shape:
            raise DatasetFormatError(f"{path}: {k} has shape {got}, expected {shape}")
    return state


def load_squeezenet_tf_checkpoint(prefix=None) -> dict[str, np.ndarray]:
    """Read every variable of the course's TensorFlow SqueezeNet checkpoint.

    Args:
        prefix: the checkpoint prefix (the path without ``.index`` /
            ``.data-00000-of-00001``; its ``.index`` file is found by the path rule of
            :func:`cs231n.paths.require`; default ``data_root() / 'squeezenet' /
            'squeezenet.ckpt'``).

    Returns:
        dict variable name -> numpy array (the checkpoint's bookkeeping entries,
        such as ``_CHECKPOINTABLE_OBJECT_GRAPH``, are left out).
    """
    index = require(
        DatasetName.SQUEEZENET,
        None if prefix is None else f"{prefix}.index",
        default=f"squeezenet/{SQUEEZENET_TF}.index",
    )
    prefix = index.with_name(index.name[: -len(".index")])
    import tensorflow as tf  # lazily: heavy, and optional

    try:
        reader = tf.train.load_checkpoint(str(prefix))
        names = reader.get_variable_to_shape_map()
        out = {
            name: np.asarray(reader.get_tensor(name))
            for name in sorted(names)
            if name != "_CHECKPOINTABLE_OBJECT_GRAPH"
        }
    except Exception as e:  # tf raises its own error types (DataLossError, NotFoundError...)
        raise DatasetFormatError(f"{prefix}: not a readable TensorFlow checkpoint: {e}") from e
    if not out:
        raise DatasetFormatError(f"{prefix}: the checkpoint holds no variables")
    return out
