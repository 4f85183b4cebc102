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
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "CS231N_DATA"
DEFAULT_DATA_DIR = Path.home() / ".cache" / "cs231n" / "datasets"

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


def data_source() -> str:
    """Says where :func:`data_root` came from, for messages."""
    if os.environ.get(DATA_ENV):
        return f"${DATA_ENV}"
    return f"the default (set ${DATA_ENV} to change it)"


def dataset_path(*parts: str | os.PathLike) -> Path:
    """``data_root() / parts``, without checking that it exists."""
    return data_root().joinpath(*map(str, parts))


def require(name: str, path: str | os.PathLike) -> Path:
    """Return ``path`` (relative to the data folder, or absolute) if it exists.

    ``name`` is the dataset's registry name (a :class:`cs231n.data.registry.DatasetName`
    constant), for the message and the fetch command.

    Raises :class:`DatasetNotFoundError` naming the dataset ``name``, the folder
    searched and the command that fetches it.
    """
    p = Path(path)
    if not p.is_absolute():
        p = dataset_path(p)
    if not p.exists():
        raise DatasetNotFoundError(
            f"dataset {name!r} not found: {p} does not exist "
            f"(data folder {data_root()}, from {data_source()}). "
            f"Fetch it with: cs231n data fetch {name}",
            dataset=name,
        )
    return p
