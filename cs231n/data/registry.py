"""The registry of datasets: where each comes from, which files it provides, their checksums.

Every dataset has a name (a :class:`DatasetName` constant; the loaders pass these, never a
bare string), a description, its files (:class:`FileSpec`, paths relative to the data
folder :func:`cs231n.paths.data_root`) and its downloads (:class:`Source`). The modules that
act on the registry:

* :mod:`cs231n.data.checksums`: which files are present and whether they are the official
  ones (:func:`~cs231n.data.checksums.file_status`, :func:`~cs231n.data.checksums.check`);
* :mod:`cs231n.data.download`: :func:`~cs231n.data.download.fetch` through pooch;
* :mod:`cs231n.data.integrity`: what the loaders compare at load time (the versions of a
  file, by name and row count, and a cache of checksums);
* :mod:`cs231n.tooling.data_commands`: ``cs231n data list|fetch|verify``.

Checksums come in three kinds: ``md5``/``sha256``/``sha256_prefix`` are official (CIFAR-10 and
MNIST md5s as listed by torchvision, the sha256 prefix in the name of a torch hub file);
``known_sha256`` is that of a copy we know to be good, where nothing official is published
(the course's zips); ``variants`` are documented derived copies (the CIFAR-10 reconstruction,
the subsets). A download's own hash (:attr:`Source.known_hash`) is the publisher's where one
is published; for the TinyImageNet zip it is the md5 that independent loaders check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["DatasetName", "FileSpec", "Source", "DatasetSpec", "REGISTRY", "lookup"]


class DatasetName:
    """The name of every dataset in :data:`REGISTRY`, as constants (``DatasetName.CIFAR10``).

    The loaders name their dataset with these (in :func:`cs231n.paths.require` and its
    ``cs231n data fetch NAME`` hint): a misspelt constant is an ``AttributeError``, where a
    misspelt string would only show in a wrong message. ``tests/test_dataset_names.py``
    checks that every loader's dataset is in the registry.
    """

    CIFAR10 = "cifar10"
    CIFAR10_SUBSET = "cifar10-subset"
    MNIST = "mnist"
    MNIST_TRAIN_SUBSET = "mnist-train-subset"
    IMAGENET_VAL = "imagenet_val"
    COCO_CAPTIONING = "coco_captioning"
    STYLES = "styles"
    EXTRAS = "extras"
    SQUEEZENET = "squeezenet"
    TINY_IMAGENET = "tiny-imagenet"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        """Every name, in the order of the class body."""
        return tuple(v for k, v in vars(cls).items() if k.isupper())


@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset.

    Attributes:
        path: where it lives, relative to the data folder.
        md5, sha256: the official checksum, when one is published.
        content_md5: for a ``.gz`` file, the official md5 of its uncompressed bytes: a copy
            compressed with other gzip settings holds the same data but has another md5.
        sha256_prefix: official sha256 prefix (torch hub puts it in the file name).
        known_sha256: sha256 of a known-good copy, when nothing official exists.
        variants: sha256 -> description of documented non-official versions.
        size: expected size in bytes, when known (informational).
        optional: only some options need it (``check`` ignores it).
        member: its file name inside the downloaded archive, if different.
        content_variants: for a ``.gz`` file, sha256 of the uncompressed bytes of documented
            derived versions -> description (a derived copy re-gzipped with other settings is
            still recognised).
        rows: how many examples (images, labels) this version of the file holds. The loaders
            compare the checksum of a file that holds this many rows (see
            :mod:`cs231n.data.integrity`); files of other row counts, such as the tests' tiny files
            in the official format, are checked for their format only.
    """

    path: str
    md5: str | None = None
    sha256: str | None = None
    content_md5: str | None = None
    sha256_prefix: str | None = None
    known_sha256: str | None = None
    variants: Mapping[str, str] = field(default_factory=dict)
    size: int | None = None
    optional: bool = False
    member: str | None = None
    content_variants: Mapping[str, str] = field(default_factory=dict)
    rows: int | None = None

    @property
    def has_official(self) -> bool:
        return bool(self.md5 or self.sha256 or self.sha256_prefix)


@dataclass(frozen=True)
class Source:
    """A download: one URL giving one file, or an archive giving several.

    ``known_hash`` is pooch's ``"md5:..."``/``"sha256:..."`` of the download
    itself (``None`` when nothing is published). ``files`` are the paths (as in
    :attr:`FileSpec.path`) this download provides. ``tree``: a folder of the archive
    that is moved into the data folder whole (for datasets of too many files to list,
    TinyImageNet's 120,000 images); ``files`` are then paths inside it, checked before the move.
    """

    url: str
    files: tuple[str, ...]
    known_hash: str | None = None
    archive: str | None = None  # "tar" or "zip"
    tree: str | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the registry: its name, what it is, its files and its downloads."""

    name: str
    description: str
    files: tuple[FileSpec, ...]
    sources: tuple[Source, ...] = ()
    folder: str | None = None  # its own folder under the data folder, if any
    derived: str | None = None  # set for derived, non-downloadable datasets: how it was built

    def spec(self, path: str) -> FileSpec:
        """The :class:`FileSpec` of the file at ``path`` (relative to the data folder)."""
        return next(f for f in self.files if f.path == path)


# --------------------------------------------------------------------------- the registry

_CIFAR_MD5 = {  # official, as listed by torchvision
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
    "batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
}
_CIFAR_RECONSTRUCTION = {  # sha256 of the rebuilt batches (see that folder's README.md)
    "data_batch_1": "6bdd55015259a7ca09ae2c13cbe0d9b1bb1786474c6149f07095902e5adc3c5b",
    "data_batch_2": "e20a77eb93339dc1a6b360f81df1d0961dc373faafa776dbc416616672777abd",
    "data_batch_3": "7c729bab4168d51b76d5699bd8ee5ca33e4ace2acdd0bd833fb6db158c38f355",
    "data_batch_4": "2b592495fc22e09e101c974bad48dda8d64cb597fdb16033bb114ce7ab5c1f48",
    "data_batch_5": "efa0afc1c2f4a199ae5d1f893a3e3214281b9e6ff51f9aff578adf224b39c320",
    "test_batch": "0ff7b66aa5a7100b5fae25adaa19642a875e73ad66de4dff66f755011b94da7e",
}
_CIFAR_SUBSET = {  # sha256 of the first-1017-rows subset
    "data_batch_1": "be16aeb4ba0fb1a51a9d670f2f902d863755c58c8454cfc42a515295b5d03549",
    "data_batch_2": "6714a5b4f889ab0f4caf233b06945a834d661307a8cfeb80353116a2593ea56c",
    "data_batch_3": "03d2dbfb958138107c960d2124fb3a8ac64eaa9d83af5e7d84c030c069123a8d",
    "data_batch_4": "827a5971d08851dad2a61c03b2e6c3ed25facd1f3d2cbd04a84b692de6561d02",
    "data_batch_5": "d1f10231aadf47199cf43510b87e4563eb405264b780b56bb5fa586aca0d8366",
    "test_batch": "00e4efc42fed7c88fe8b076f6f399b001f007b0fef08ab425ae321f63168e460",
}
_CIFAR_README_HTML = "4d1c3fb199d6a183ae03f5162b469d7bc04edf2fad9547bd5f224271d52f98e5"


def _cifar_files(
    folder: str, variants: dict[str, str], note: str, rows: int
) -> tuple[FileSpec, ...]:
    specs = [
        FileSpec(
            f"{folder}/{name}",
            md5=md5,
            variants={variants[name]: note} if name in variants else {},
            rows=None if name == "batches.meta" else rows,
        )
        for name, md5 in _CIFAR_MD5.items()
    ]
    specs.append(FileSpec(f"{folder}/readme.html", known_sha256=_CIFAR_README_HTML, size=88))
    return tuple(specs)


_MNIST_MD5 = {  # official, as listed by torchvision for its mirror
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
_MNIST_CONTENT_MD5 = {  # official md5 of the uncompressed idx files (yann.lecun.com's originals)
    "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
}
_MNIST_ROWS = {"train": 60_000, "t10k": 10_000}
_MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"


def _table(text: str) -> dict[str, list[str]]:
    """Parse a whitespace-separated table: first column -> the other columns."""
    rows = (line.split() for line in text.strip().splitlines())
    return {r[0]: r[1:] for r in rows}


# No official checksums are published for the course's files: these sha256 and sizes are
# those of known-good copies (for COCO, the Git LFS pointers of an independent copy).
_COCO = _table("""
coco2014_captions.h5        4035d7ff55145f1f01b9ee9f3e24eb6ba6da3bdcd69f927c75390f11f74f891d
coco2014_vocab.json         0cf30d2a349e9d24df4c9b0fa3dca46ad69b05876595546fdd690559a8c8da53
train2014_urls.txt          7616ec66526a3acc4ad323aef4ca6642a6bb9e7e4ad4f1541786dc07e6841ae2
val2014_urls.txt            760d7c76f78f46cc376390cc4d21126b040eb48d896bae00a5b21f46ef5a9818
train2014_images.txt        25ba420a05fb6873e10b2ad5cbda54978d98df5b85617dfc13cfd55908328ce4
val2014_images.txt          5b98b5430c41dc245222e174fa67b7fc703923fa6e888c30fb33277f3d9c88ad
train2014_vgg16_fc7_pca.h5  ec0a10c585909761d15778a1c4a5dbad92e1672853d9b5bad08e6a36fd21c779
val2014_vgg16_fc7_pca.h5    6619466e3385ef1e913fae9470ef802df283675533ce0dc34d88abac5e7d1cf9
train2014_vgg16_fc7.h5      8e15fc883ea70730d5d1319f34712bcb706b2807645cd876f7886d61ff94a5d8
val2014_vgg16_fc7.h5        21ebb9bda6232c7697c8d883916d6bc582d0a101ddcad30512f5444196e14f63
""")
_COCO_SIZES = {
    "coco2014_captions.h5": 42_922_600,
    "coco2014_vocab.json": 24_226,
    "train2014_urls.txt": 5_186_859,
    "val2014_urls.txt": 2_538_571,
    "train2014_images.txt": 4_470_282,
    "val2014_images.txt": 2_025_200,
    "train2014_vgg16_fc7_pca.h5": 169_541_728,
    "val2014_vgg16_fc7_pca.h5": 82_954_336,
    "train2014_vgg16_fc7.h5": 1_356_322_912,
    "val2014_vgg16_fc7.h5": 663_623_776,
}
_STYLES = _table("""
composition_vii.jpg  8f992ed4aecd6dd56972d7bc8166761de7c94e670ee6effa8fd05f3daeb33409
muse.jpg             b8a36cd8752497510389782159ccf141d41c3446002a079b458fb7b774d3928a
starry_night.jpg     c31741a09141c2e2d07fc7aa6bdf135c369b804f9433e43fa3ceac19386d1ee6
the_scream.jpg       f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee
tubingen.jpg         e67d1869f01fd805385c681a80d9ebcf0f70ea4a5fe6127f0606bb1c7f4bf506
""")
_EXTRAS = _table("""
kitten.jpg                    39faf9635202b538a7612e69c1d866be487cee7f69d8e166e4b59662d0ec68cf
puppy.jpg                     29dbe860652938425607ced57f9b67940a1862dea0e66746f1a6bbe5ec23234b
sky.jpg                       0821432e1977d34c378b7b192e478af95437c64cf4ed021de13c13d8f48333f9
gan-checks.npz                4eaaad8f9a1acd783b582ba984bc3ed5aff1c8e588d4e357a9fbe8370b923ebf
style-transfer-checks.npz     2f9b3cf861971f30e842281535420685ed51ed4d4f932e529fc9c27503eb9008
style-transfer-checks-tf.npz  251a9acbd39997dfbf390df4c3084bde49be26e5488a4169e5ef93ba0bef7aca
""")
_EXTRA_MEMBERS = {"gan-checks.npz": "gan-checks-tf.npz"}  # its name inside the 2020 zip
# The course's 2020 assignment zips. Their internal layout was not checked offline, so
# fetch() finds each file by name anywhere in the archive.
_A2_ZIP = "https://cs231n.github.io/assignments/2020/assignment2_jupyter.zip"
_A3_ZIP = "https://cs231n.github.io/assignments/2020/assignment3_jupyter.zip"

_MNIST_FILES = tuple(_MNIST_MD5)
_MNIST_SUBSET = (  # sha256 of the derived subset files (images, labels)
    "903aff422aa6198cfd9eb2ccea2d7eda8b975b4c6edda4ca4c63f7da374a0c56",
    "1727d547a8ee91a4b0c88d5e2db0ae888f116bdc169a856e5e8fd3b28861255c",
)
_MNIST_SUBSET_CONTENT = (  # sha256 of their uncompressed idx bytes (see that folder's README.md)
    "75202e7d94c1a8c2bec6f81c204a11ca9f657cd51945c590d7125182918ffbf8",
    "9323b442b7febff259484a5cfe7349adefd7ea3743a1c22fc4b7497a022f13fa",
)
_MNIST_SUBSET_ROWS = 17_435
_MNIST_SUBSET_NOTE = "derived subset: the first 17,435 rows of "
# The md5 of tiny-imagenet-200.zip (248,100,043 bytes) is not published by the course; this
# one is the md5 independent TinyImageNet loaders check the download against.
_TINY_MD5 = "90528d7ca1a48142e341f4ef8d21d0de"
_TINY = "tiny-imagenet-200"
_TINY_FILES = tuple(f"{_TINY}/{n}" for n in ("wnids.txt", "words.txt", "val/val_annotations.txt"))
_TF_CKPT = ("squeezenet/squeezenet.ckpt.index", "squeezenet/squeezenet.ckpt.data-00000-of-00001")
_RECON_NOTE = "reconstruction: official order and labels, most rows decoded from JPEG copies"
_SUBSET_NOTE = "derived subset: the first 1017 rows of the official batch"


def _build_registry() -> dict[str, DatasetSpec]:
    N = DatasetName
    cifar = "cifar-10-batches-py"
    msub = "mnist-train-subset"
    mnist_files = tuple(
        FileSpec(
            f"mnist/{n}",
            md5=m,
            content_md5=_MNIST_CONTENT_MD5[n],
            rows=_MNIST_ROWS[n.split("-")[0]],
        )
        for n, m in _MNIST_MD5.items()
    )
    coco = tuple(
        FileSpec(
            f"coco_captioning/{n}", known_sha256=h, size=_COCO_SIZES[n], optional="fc7.h5" in n
        )
        for n, (h,) in _COCO.items()
    )
    extras = tuple(
        FileSpec(f"cs231n_extras/{n}", known_sha256=h, member=_EXTRA_MEMBERS.get(n))
        for n, (h,) in _EXTRAS.items()
    )
    datasets = [
        DatasetSpec(
            N.CIFAR10, "CIFAR-10, python pickles (assignments 1-2)",
            _cifar_files(cifar, _CIFAR_RECONSTRUCTION, _RECON_NOTE, rows=10_000),
            (Source("http://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                    tuple(f"{cifar}/{n}" for n in [*_CIFAR_MD5, "readme.html"]),
                    "md5:c58f30108f718f92721af3b95e74349a", "tar"),),
            folder=cifar,
        ),
        DatasetSpec(
            N.CIFAR10_SUBSET, "CIFAR-10, first 1017 exact images of each batch (derived)",
            _cifar_files(f"{cifar}-subset", _CIFAR_SUBSET, _SUBSET_NOTE, rows=1017),
            folder=f"{cifar}-subset",
            derived="built from truncated public copies of the official batches; see its README.md",
        ),
        DatasetSpec(
            N.MNIST, "MNIST idx files (torchvision mirror)", mnist_files,
            tuple(Source(_MNIST_URL + n, (f"mnist/{n}",), f"md5:{m}")
                  for n, m in _MNIST_MD5.items()),
            folder="mnist",
        ),
        DatasetSpec(
            N.MNIST_TRAIN_SUBSET, "MNIST, first 17,435 training images and labels (derived)",
            tuple(FileSpec(f"{msub}/{n}", md5=_MNIST_MD5[n], variants={h: _MNIST_SUBSET_NOTE + n},
                           content_variants={c: _MNIST_SUBSET_NOTE + n}, rows=_MNIST_SUBSET_ROWS)
                  for n, h, c in zip(_MNIST_FILES[:2], _MNIST_SUBSET, _MNIST_SUBSET_CONTENT)),
            folder=msub,
            derived="built from a truncated public copy of the official training images; "
            "see its README.md",
        ),
        DatasetSpec(
            N.IMAGENET_VAL, "25 ImageNet validation images (assignment 3)",
            (FileSpec("imagenet_val_25.npz", size=3940548, rows=25,
                      known_sha256="35141609d22457c791e8fbe10c2d3b09ed0d6a04b669173e9fbebb0b4915cd3c"),),
            (Source("http://cs231n.stanford.edu/imagenet_val_25.npz", ("imagenet_val_25.npz",),
                    "sha256:35141609d22457c791e8fbe10c2d3b09ed0d6a04b669173e9fbebb0b4915cd3c"),),
        ),
        DatasetSpec(
            N.COCO_CAPTIONING, "COCO 2014 captions, vocabulary and VGG16 features (assignment 3)",
            coco,
            (Source("http://cs231n.stanford.edu/coco_captioning.zip",
                    tuple(f.path for f in coco), None, "zip"),),
            folder="coco_captioning",
        ),
        DatasetSpec(
            N.STYLES, "style-transfer images (assignment 3)",
            tuple(FileSpec(f"styles/{n}", known_sha256=h) for n, (h,) in _STYLES.items()),
            (Source(_A3_ZIP, tuple(f"styles/{n}" for n in _STYLES), None, "zip"),),
            folder="styles",
        ),
        DatasetSpec(
            N.EXTRAS, "kitten/puppy/sky images and the reference-check npz files",
            extras,
            (Source(_A3_ZIP, tuple(f.path for f in extras if f.path != "cs231n_extras/puppy.jpg"),
                    None, "zip"),
             Source(_A2_ZIP, ("cs231n_extras/puppy.jpg",), None, "zip")),
            folder="cs231n_extras",
        ),
        DatasetSpec(
            # Both official files of assignment 3: torchvision's state dict (PyTorch
            # notebooks) and the course's TensorFlow checkpoint. The checkpoint's URL is the
            # one quoted in student copies of the 2020 TF2 notebooks ("this model is
            # downloaded from http://cs231n.stanford.edu/squeezenet_tf2.zip"); the official
            # 2020 get_squeezenet_tf.sh itself could not be confirmed offline.
            N.SQUEEZENET,
            "SqueezeNet 1.1 ImageNet weights: torchvision's .pth and the course's TF checkpoint",
            (FileSpec("squeezenet/squeezenet1_1-b8a52dc0.pth", sha256_prefix="b8a52dc0"),
             *(FileSpec(f) for f in _TF_CKPT)),
            (Source("https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth",
                    ("squeezenet/squeezenet1_1-b8a52dc0.pth",)),
             Source("http://cs231n.stanford.edu/squeezenet_tf2.zip", _TF_CKPT, None, "zip")),
        ),
        DatasetSpec(
            # Only the index files are listed (no checksums known); fetch moves the whole
            # unzipped folder, images included, into place.
            N.TINY_IMAGENET, "TinyImageNet-200: 200 classes of 64x64 images (load_tiny_imagenet)",
            tuple(FileSpec(f) for f in _TINY_FILES),
            (Source("http://cs231n.stanford.edu/tiny-imagenet-200.zip", _TINY_FILES,
                    f"md5:{_TINY_MD5}", "zip", tree=_TINY),),
            folder=_TINY,
        ),
    ]  # fmt: skip
    return {d.name: d for d in datasets}


#: name -> :class:`DatasetSpec`, in ``cs231n data list`` order.
REGISTRY: dict[str, DatasetSpec] = _build_registry()


def lookup(names) -> list[DatasetSpec]:
    """The datasets called ``names`` (all when ``None``); unknown names raise a KeyError
    whose message lists the valid ones."""
    if names is None or len(names) == 0:
        return list(REGISTRY.values())
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise KeyError(
            f"unknown dataset {', '.join(map(repr, unknown))}; valid names: {', '.join(REGISTRY)}"
        )
    return [REGISTRY[n] for n in names]
