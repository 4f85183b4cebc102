"""``load_tiny_imagenet`` on a small folder written in the official TinyImageNet-200 layout.

The real dataset is not needed: each test writes 3 classes of a few 64x64 JPEGs (one of
them grayscale) with the official index files, in an order that is not sorted, so labels
must follow ``wnids.txt``. JPEG is lossy: the expected pixels are what ``imageio.v2``
reads back from the same files (and those are checked to be close to what was written).
The registry entry and its whole-folder fetch run through a fake downloader.
"""

import dataclasses
import hashlib
import io
import zipfile
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from cs231n.data import download
from cs231n.data import registry as ds
from cs231n.data.registry import DatasetName
from cs231n.data.tiny_imagenet import load_tiny_imagenet
from cs231n.data_utils import DatasetFormatError
from cs231n.paths import DatasetNotFoundError
from cs231n.tooling import data_commands as commands

pytestmark = pytest.mark.a1

WNIDS = ["n03", "n01", "n02"]  # label order: n03 -> 0, n01 -> 1, n02 -> 2
WORDS = {
    "n01": "goldfish, Carassius auratus",
    "n02": "tabby,  tabby cat ",
    "n03": "bullfrog",
    "n99": "a class not in wnids.txt",
}
TRAIN = {"n03": 2, "n01": 3, "n02": 2}
GRAY = "n01_1.JPEG"  # the one grayscale training image
VAL = [("val_0.JPEG", "n02"), ("val_1.JPEG", "n03"), ("val_2.JPEG", "n01"), ("val_3.JPEG", "n02")]
TEST = ["test_1.JPEG", "test_0.JPEG"]


def _pixels(seed: int, gray: bool = False) -> np.ndarray:
    """A smooth 64x64 image (JPEG keeps it within a few levels), distinct for each seed."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 60, 64)
    base = rng.integers(40, 150, size=1 if gray else 3)
    img = base[None, None, :] + ramp[:, None, None] + ramp[None, :, None] / 2  # (64, 64, C)
    img = img.astype(np.uint8)
    return img[:, :, 0] if gray else img


def _jpeg(path: Path, pixels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format="JPEG", quality=95)


def write_tiny_imagenet(root: Path, test_labels: dict[str, str] | None = None) -> dict:
    """Write the official layout under ``root``; return file name -> pixels written."""
    written, seed = {}, 0
    root.mkdir(parents=True)
    (root / "wnids.txt").write_text("".join(f"{w}\n" for w in WNIDS))
    (root / "words.txt").write_text("".join(f"{w}\t{names}\n" for w, names in WORDS.items()))
    for wnid, n in TRAIN.items():
        lines = []
        for j in range(n):
            name = f"{wnid}_{j}.JPEG"
            written[name] = _pixels(seed := seed + 1, gray=name == GRAY)
            _jpeg(root / "train" / wnid / "images" / name, written[name])
            lines.append(f"{name}\t0\t0\t63\t63\n")
        (root / "train" / wnid / f"{wnid}_boxes.txt").write_text("".join(lines))
    for name, _ in VAL:
        written[name] = _pixels(seed := seed + 1)
        _jpeg(root / "val" / "images" / name, written[name])
    (root / "val" / "val_annotations.txt").write_text(
        "".join(f"{name}\t{wnid}\t1\t2\t60\t61\n" for name, wnid in VAL)
    )
    for name in TEST:
        written[name] = _pixels(seed := seed + 1)
        _jpeg(root / "test" / "images" / name, written[name])
    if test_labels is not None:
        (root / "test" / "test_annotations.txt").write_text(
            "".join(f"{name}\t{wnid}\t0\t0\t63\t63\n" for name, wnid in test_labels.items())
        )
    return written


def read_back(root: Path, rel: str) -> np.ndarray:
    """What imageio (v2 API) reads from a file of the folder, as (3, 64, 64) float64."""
    img = imageio.imread(root / rel).astype(np.float64)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    return img.transpose(2, 0, 1)


def train_paths() -> list[str]:
    return [f"train/{w}/images/{w}_{j}.JPEG" for w in WNIDS for j in range(TRAIN[w])]


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A TinyImageNet folder (absolute path) and the pixels written; an empty data folder."""
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "empty"))
    root = tmp_path / "tiny-imagenet-200"
    return root, write_tiny_imagenet(root)


def test_shapes_dtypes_labels_and_names_follow_the_official_files(tiny, capsys):
    root, written = tiny
    data = load_tiny_imagenet(str(root))
    assert set(data) == {
        "class_names", "X_train", "y_train", "X_val", "y_val", "X_test", "y_test", "mean_image"
    }  # fmt: skip
    assert data["X_train"].shape == (7, 3, 64, 64) and data["X_train"].dtype == np.float32
    assert data["X_val"].shape == (4, 3, 64, 64) and data["X_val"].dtype == np.float32
    assert data["X_test"].shape == (2, 3, 64, 64) and data["X_test"].dtype == np.float32
    assert data["mean_image"].shape == (3, 64, 64)
    assert data["y_train"].dtype == np.int64 and data["y_val"].dtype == np.int64
    # label i is line i of wnids.txt; training images come class by class in that order
    np.testing.assert_array_equal(data["y_train"], [0, 0, 1, 1, 1, 2, 2])
    np.testing.assert_array_equal(data["y_val"], [2, 0, 1, 2])  # n02, n03, n01, n02
    assert data["class_names"] == [["bullfrog"], ["goldfish", "Carassius auratus"],
                                   ["tabby", "tabby cat"]]  # fmt: skip
    assert data["y_test"] is None  # the official zip has no test labels
    assert capsys.readouterr().out == ""  # a progress bar (off when not a terminal), no prints
    # the written images are recognisable after the JPEG round trip
    for name in ("n03_0.JPEG", "n02_1.JPEG"):
        back = read_back(root, f"train/{name[:3]}/images/{name}")
        assert np.abs(back - written[name].transpose(2, 0, 1)).max() <= 8


def test_pixels_are_imageio_readings_minus_the_training_mean(tiny):
    root, _ = tiny
    raw = load_tiny_imagenet(root, dtype=np.float64, subtract_mean=False)
    centred = load_tiny_imagenet(root, dtype=np.float64)
    X_train = np.stack([read_back(root, p) for p in train_paths()])  # (7, 3, 64, 64)
    X_val = np.stack([read_back(root, f"val/images/{n}") for n, _ in VAL])
    X_test = np.stack([read_back(root, f"test/images/{n}") for n in sorted(TEST)])
    np.testing.assert_array_equal(raw["X_train"], X_train)
    np.testing.assert_array_equal(raw["X_val"], X_val)
    np.testing.assert_array_equal(raw["X_test"], X_test)  # test files sorted by name
    mean = X_train.mean(axis=0)
    np.testing.assert_allclose(raw["mean_image"], mean)
    np.testing.assert_allclose(centred["mean_image"], mean)  # the mean before subtraction
    np.testing.assert_allclose(centred["X_train"], X_train - mean, atol=1e-9)
    np.testing.assert_allclose(centred["X_val"], X_val - mean, atol=1e-9)
    np.testing.assert_allclose(centred["X_test"], X_test - mean, atol=1e-9)
    assert abs(centred["X_train"].mean()) < 1e-9
    np.testing.assert_allclose(centred["X_train"].mean(axis=0), 0, atol=1e-9)


def test_grayscale_images_become_three_identical_channels(tiny):
    root, written = tiny
    data = load_tiny_imagenet(root, subtract_mean=False)
    gray = imageio.imread(root / "train" / "n01" / "images" / GRAY)
    assert gray.ndim == 2  # the file really is a one-channel JPEG
    img = data["X_train"][train_paths().index(f"train/n01/images/{GRAY}")]  # (3, 64, 64)
    for c in range(3):
        np.testing.assert_array_equal(img[c], gray)
    assert np.abs(img[0] - written[GRAY]).max() <= 8


def test_any_dtype_and_subtract_mean_needs_a_floating_one(tiny):
    root, _ = tiny
    as_uint8 = load_tiny_imagenet(root, dtype=np.uint8, subtract_mean=False)
    assert as_uint8["X_train"].dtype == np.uint8
    np.testing.assert_array_equal(
        as_uint8["X_val"], load_tiny_imagenet(root, np.float64, False)["X_val"]
    )
    assert load_tiny_imagenet(root, dtype="float16")["X_test"].dtype == np.float16
    with pytest.raises(ValueError, match=r"load_tiny_imagenet: subtract_mean=True .* uint8"):
        load_tiny_imagenet(root, dtype=np.uint8)


def test_test_labels_are_read_when_test_annotations_exist(tmp_path):
    root = tmp_path / "tiny-imagenet-200"
    write_tiny_imagenet(root, test_labels={"test_0.JPEG": "n02", "test_1.JPEG": "n03"})
    data = load_tiny_imagenet(root)
    assert data["y_test"].dtype == np.int64
    np.testing.assert_array_equal(data["y_test"], [2, 0])  # test_0, test_1 (sorted names)


def test_the_official_relative_path_from_the_assignment_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "empty"))
    write_tiny_imagenet(tmp_path / "a2" / "cs231n" / "datasets" / "tiny-imagenet-200")
    monkeypatch.chdir(tmp_path / "a2")
    data = load_tiny_imagenet("cs231n/datasets/tiny-imagenet-200")
    assert data["X_train"].shape == (7, 3, 64, 64)


def test_the_official_relative_path_and_the_bare_name_in_the_data_folder(tmp_path, monkeypatch):
    write_tiny_imagenet(tmp_path / "data" / "tiny-imagenet-200")
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "data"))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    for path in ("cs231n/datasets/tiny-imagenet-200", "tiny-imagenet-200"):
        np.testing.assert_array_equal(load_tiny_imagenet(path)["y_val"], [2, 0, 1, 2])


def test_a_missing_folder_names_the_places_looked_and_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DatasetNotFoundError) as exc:
        load_tiny_imagenet("cs231n/datasets/tiny-imagenet-200")
    message = str(exc.value)
    assert exc.value.dataset == DatasetName.TINY_IMAGENET == "tiny-imagenet"
    assert str(tmp_path / "cs231n" / "datasets" / "tiny-imagenet-200") in message
    assert str(tmp_path / "data" / "tiny-imagenet-200") in message
    assert "cs231n data fetch tiny-imagenet" in message


@pytest.mark.parametrize(
    "damage, named",
    [
        (lambda r: (r / "wnids.txt").unlink(), "wnids.txt is missing"),
        (lambda r: (r / "train/n02/n02_boxes.txt").unlink(), "n02_boxes.txt is missing"),
        (lambda r: (r / "train/n01/images/n01_2.JPEG").unlink(), "n01_2.JPEG is listed but"),
        (lambda r: (r / "val/images/val_3.JPEG").write_bytes(b"not a jpeg"), "val_3.JPEG: not a"),
        (lambda r: (r / "words.txt").write_text("n01\tgoldfish\n"), r"no names for \['n03', 'n02'"),
        (
            lambda r: (r / "val/val_annotations.txt").write_text("val_0.JPEG\tn77\t0\t0\t9\t9\n"),
            r"val_annotations.txt: wnids not in wnids.txt: \['n77'\]",
        ),
        (
            lambda r: Image.new("RGB", (32, 64)).save(r / "test/images/test_0.JPEG", "JPEG"),
            r"test_0.JPEG: image of shape \(64, 32, 3\)",
        ),
    ],
)
def test_a_damaged_folder_names_the_file(tiny, damage, named):
    root, _ = tiny
    damage(root)
    with pytest.raises(DatasetFormatError, match=named):
        load_tiny_imagenet(root)


# --------------------------------------------------------------------------- registry, fetch


def test_the_registry_entry():
    spec = ds.REGISTRY[DatasetName.TINY_IMAGENET]
    (src,) = spec.sources
    assert src.url == "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
    assert src.known_hash == "md5:90528d7ca1a48142e341f4ef8d21d0de"
    assert src.archive == "zip" and src.tree == spec.folder == "tiny-imagenet-200"
    assert {f.path for f in spec.files} >= {"tiny-imagenet-200/wnids.txt"}


def _zipped(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(folder.parent).as_posix())
    return buf.getvalue()


def _serve(monkeypatch, archive: bytes):
    """Make the registry's TinyImageNet download this archive (its md5), from a fake server."""
    spec = ds.REGISTRY[DatasetName.TINY_IMAGENET]
    (src,) = spec.sources
    md5 = hashlib.md5(archive).hexdigest()
    fake = dataclasses.replace(spec, sources=(dataclasses.replace(src, known_hash=f"md5:{md5}"),))
    monkeypatch.setitem(ds.REGISTRY, spec.name, fake)

    def downloader(url, output_file, pooch):
        assert url == src.url
        Path(output_file).write_bytes(archive)

    return downloader


def test_fetch_moves_the_whole_unzipped_folder_and_the_loader_reads_it(
    tmp_path, monkeypatch, capsys
):
    data = tmp_path / "data"
    monkeypatch.setenv("CS231N_DATA", str(data))
    assert commands.cli_list() == 0
    (row,) = [r for r in capsys.readouterr().out.splitlines() if r.startswith("tiny-imagenet ")]
    assert row.split()[1] == "missing"
    assert commands.cli_verify(["tiny-imagenet"]) == 1  # missing, not a crash
    write_tiny_imagenet(tmp_path / "src" / "tiny-imagenet-200")
    downloader = _serve(monkeypatch, _zipped(tmp_path / "src" / "tiny-imagenet-200"))
    written = download.fetch("tiny-imagenet", downloader=downloader, progressbar=False)
    files = sorted(
        p.relative_to(tmp_path / "src").as_posix()
        for p in (tmp_path / "src").rglob("*")
        if p.is_file()
    )
    assert sorted(p.relative_to(data).as_posix() for p in written) == files  # images too
    assert sorted(p.name for p in data.iterdir()) == ["tiny-imagenet-200"]  # no staging left
    assert load_tiny_imagenet("tiny-imagenet-200")["X_train"].shape == (7, 3, 64, 64)
    assert download.fetch("tiny-imagenet", downloader=downloader, progressbar=False) == []
    capsys.readouterr()
    assert commands.cli_verify(["tiny-imagenet"]) == 0


def test_fetch_of_an_archive_without_the_folder_writes_nothing(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("CS231N_DATA", str(data))
    write_tiny_imagenet(tmp_path / "src" / "other-name")
    downloader = _serve(monkeypatch, _zipped(tmp_path / "src" / "other-name"))
    with pytest.raises(ValueError, match="the archive has no folder 'tiny-imagenet-200'"):
        download.fetch("tiny-imagenet", downloader=downloader, progressbar=False)
    assert list(data.iterdir()) == []
