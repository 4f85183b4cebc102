"""Where the data lives: one place decides, every loader asks here.

The data folder is ``$CS231N_DATA`` when that variable is set, otherwise
``~/.cache/cs231n/datasets`` (:data:`DEFAULT_DATA_DIR`). Inside it the layout is
the official one::

    cifar-10-batches-py/        data_batch_1..5, test_batch, batches.meta
    mnist/                      train-images-idx3-ubyte.gz, ...
    imagenet_val_25.npz
    coco_captioning/            coco2014_captions.h5, coco2014_vocab.json, ...
    styles/                     tubingen.jpg, starry_night.jpg, ...
    squeezenet/                 squeezenet1_1-b8a52dc0.pth, squeezenet.ckpt.*

Paths as users give them (:func:`require`, used by every loader that takes a path):
a path that exists as given (relative to the current directory) is used as is;
otherwise the official relative form ``cs231n/datasets/<name>`` means
``data_root() / <name>``; only then is a relative path taken from the data folder.
A loader called without a path looks where the official code does, in
``cs231n/datasets/<name>`` (so in an official assignment folder first, then in the data folder).
So ``load_CIFAR10('cs231n/datasets/cifar-10-batches-py')``, the call of the official
notebooks, works both in an official assignment folder and anywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "CS231N_DATA"
DEFAULT_DATA_DIR = Path.home() / ".cache" / "cs231n" / "datasets"
CACHE_ENV = "CS231N_CACHE"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "cs231n" / "built"

#: The repository checkout this package was installed from (editable install).
REPO_ROOT = Path(__file__).resolve().parent.parent


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is missing; the message says where we looked and how to fetch it.

    Attributes:
        dataset: the registry name of the dataset (a
            :class:`cs231n.data.registry.DatasetName`), or ``None`` when unknown.
    """

    def __init__(self, *args, dataset: str | None = None):
        super().__init__(*args)
        self.dataset = dataset


def data_root() -> Path:
    """The data folder: ``$CS231N_DATA`` if set (relative paths are taken from the
    current directory), else :data:`DEFAULT_DATA_DIR`. It need not exist."""
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser().resolve() if env else DEFAULT_DATA_DIR


def cache_root() -> Path:
    """The package's cache folder: where it writes what it builds from the data (converted
    weights, caption sets). ``$CS231N_CACHE`` if set (relative paths are taken from the
    current directory), else :data:`DEFAULT_CACHE_DIR`. Never the data folder, which may be
    read-only (it is in CI). It need not exist."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser().resolve() if env else DEFAULT_CACHE_DIR


def data_source() -> str:
    """Says where :func:`data_root` came from, for messages."""
    if os.environ.get(DATA_ENV):
        return f"${DATA_ENV}"
    return f"the default (set ${DATA_ENV} to change it)"


def dataset_path(*parts: str | os.PathLike) -> Path:
    """``data_root() / parts``, without checking that it exists."""
    return data_root().joinpath(*map(str, parts))


#: The relative prefix the official scripts download into (``get_datasets.sh`` writes
#: ``cs231n/datasets/cifar-10-batches-py`` under the assignment folder).
OFFICIAL_PREFIX = ("cs231n", "datasets")


def candidates(path: str | os.PathLike) -> list[Path]:
    """Every place :func:`require` looks for ``path``, in order (absolute paths).

    1. the path as given: absolute, or relative to the current directory;
    2. for the official relative form ``cs231n/datasets/<rest>``: ``data_root() / <rest>``;
    3. for any other relative path: ``data_root() / path``.
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        return [p]
    places = [Path.cwd() / p]
    if p.parts[: len(OFFICIAL_PREFIX)] == OFFICIAL_PREFIX and len(p.parts) > len(OFFICIAL_PREFIX):
        places.append(data_root().joinpath(*p.parts[len(OFFICIAL_PREFIX) :]))
    else:
        places.append(data_root() / p)
    return places


def require(
    name: str | None,
    path: str | os.PathLike | None,
    *,
    default: str | os.PathLike | None = None,
) -> Path:
    """The one path rule of every loader: find ``path`` (or ``default``) or say where we looked.

    Args:
        name: the dataset's registry name (a :class:`cs231n.data.registry.DatasetName`
            constant), for the message and the fetch command; ``None`` for folders that
            are not datasets of the registry (saved models).
        path: what the user passed: looked up by :func:`candidates` (as given, then the
            official ``cs231n/datasets/<name>`` form in the data folder, then relative to
            the data folder). ``None`` means ``default``.
        default: used when ``path`` is ``None``, as the official code does: a name in the
            official datasets folder, i.e. the path ``cs231n/datasets/<default>`` (under
            the working directory, where an official assignment folder has it, then in the
            data folder).

    Returns:
        The first place that exists, as an absolute path.

    Raises:
        DatasetNotFoundError: naming the dataset, every place looked, the data folder
            and where its setting came from, and the fetch command.
    """
    if path is None:
        if default is None:
            raise TypeError("require: give a path or a default")
        path = Path(*OFFICIAL_PREFIX, default)
    places = candidates(path)
    for place in places:
        if place.exists():
            return place
    what = f"dataset {name!r}" if name else "folder"
    if len(places) == 1:
        where = f"{places[0]} does not exist"
    else:
        where = f"{str(path)!r} is in none of: " + "; ".join(str(p) for p in places)
    fetch = f". Fetch it with: cs231n data fetch {name}" if name else ""
    raise DatasetNotFoundError(
        f"{what} not found: {where} (data folder {data_root()}, from {data_source()}){fetch}",
        dataset=name,
    )
