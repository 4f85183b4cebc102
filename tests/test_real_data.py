"""The loaders and the registry on the real data folder ($CS231N_DATA).

The shared folder holds a reconstruction of CIFAR-10 (official order and
labels, most pixels JPEG-decoded; see its README.md), derived subsets of
CIFAR-10 and MNIST, and no COCO captions file. These tests pin all of that.
"""

import re

import numpy as np
import pytest

from cs231n import data_utils as du
from cs231n.data import checksums
from cs231n.paths import DatasetNotFoundError
from cs231n.tooling import data_commands

pytestmark = pytest.mark.data


def test_cifar10_full_reconstruction_has_the_official_counts(real_data):
    Xtr, ytr, Xte, yte = du.load_CIFAR10(real_data / "cifar-10-batches-py", dtype=np.uint8)
    assert Xtr.shape == (50000, 32, 32, 3) and Xte.shape == (10000, 32, 32, 3)
    assert ytr.dtype == np.int64 and yte.shape == (10000,)
    assert np.bincount(ytr).tolist() == [5000] * 10
    assert np.bincount(yte).tolist() == [1000] * 10
    assert np.bincount(ytr[:10000]).tolist() == [
        1005,
        974,
        1032,
        1016,
        999,
        937,
        1030,
        1001,
        1025,
        981,
    ]
    assert ytr[:10].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3] and yte[:5].tolist() == [
        3,
        8,
        8,
        0,
        6,
    ]
    assert Xtr.min() == 0 and Xtr.max() == 255
    # The first 1017 rows of every batch are the exact official pixels, as in the subset.
    Xs, ys, Xse, yse = du.load_CIFAR10(real_data / "cifar-10-batches-py-subset", dtype=np.uint8)
    assert Xs.shape == (5 * 1017, 32, 32, 3) and Xse.shape == (1017, 32, 32, 3)
    exact = np.load(real_data / "cifar-10-batches-py" / "exact_mask.npz")["train"]
    np.testing.assert_array_equal(Xtr[exact], Xs)
    np.testing.assert_array_equal(ytr[exact], ys)
    np.testing.assert_array_equal(Xte[:1017], Xse)


def test_load_cifar_batch_default_float64_in_pixel_range(real_data):
    X, y = du.load_CIFAR_batch(real_data / "cifar-10-batches-py" / "test_batch")
    assert X.shape == (10000, 32, 32, 3) and X.dtype == np.float64 and y.shape == (10000,)
    assert 0.0 <= X.min() and X.max() <= 255.0 and 100 < X.mean() < 140


def test_get_cifar10_data_on_the_real_folder(real_data):
    d = du.get_CIFAR10_data(num_training=5000, num_validation=500, num_test=500)
    assert d["X_train"].shape == (5000, 3, 32, 32) and d["X_train"].dtype == np.float32
    assert d["X_val"].shape == (500, 3, 32, 32) and d["y_test"].shape == (500,)
    assert np.abs(d["X_train"].mean(axis=0)).max() < 1e-3, "the mean image is subtracted"


def test_mnist_official_test_and_train_sets_and_the_train_subset(real_data):
    X, y = du.load_mnist("test")
    assert X.shape == (10000, 28, 28) and X.dtype == np.uint8 and X.max() == 255
    assert np.bincount(y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    Xtr, ytr = du.load_mnist("train")  # the full training images (re-gzipped official bytes)
    assert Xtr.shape == (60000, 28, 28) and Xtr.dtype == np.uint8
    assert np.bincount(ytr).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    Xs, ys = du.load_mnist("train", root=real_data / "mnist-train-subset")
    assert Xs.shape == (17435, 28, 28) and ys[:8].tolist() == [5, 0, 4, 1, 9, 2, 1, 3]
    np.testing.assert_array_equal(Xtr[:17435], Xs)  # the subset is the full file's prefix
    np.testing.assert_array_equal(ytr[:17435], ys)


def test_imagenet_val_25(real_data):
    X, y, names = du.load_imagenet_val()
    assert X.shape == (25, 224, 224, 3) and X.dtype == np.uint8 and y.shape == (25,)
    assert len(names) == 999 and 134 not in names and all(int(c) in names for c in y)


def test_course_images_load(real_data):
    from cs231n.image_utils import STYLE_IMAGES, load_image

    for name in STYLE_IMAGES:
        img = load_image(name, size=64)
        assert img.dtype == np.uint8 and img.ndim == 3 and min(img.shape[:2]) == 64, name


def test_coco_captions_are_missing_with_a_clear_error(real_data):
    from cs231n.coco_utils import load_coco_data

    with pytest.raises(
        DatasetNotFoundError, match="coco2014_captions.h5.*cs231n data fetch coco_captioning"
    ):
        load_coco_data()
    assert "coco_captioning/coco2014_captions.h5" in checksums.check(["coco_captioning"])
    assert checksums.check(["cifar10", "cifar10-subset", "imagenet_val", "styles", "extras"]) == []


def test_verify_reports_reconstruction_and_subsets_as_not_official(real_data, capsys):
    code = data_commands.cli_verify()
    out = capsys.readouterr().out
    status = dict(
        (m.group(2), m.group(1))
        for m in re.finditer(r"^  (official|known copy|differs|missing|present)\s+(\S+)", out, re.M)
    )
    for b in ["data_batch_1", "data_batch_5", "test_batch"]:
        assert status[f"cifar-10-batches-py/{b}"] == "differs"
        assert status[f"cifar-10-batches-py-subset/{b}"] == "differs"
    assert re.search(
        r"differs\s+cifar-10-batches-py/data_batch_1\s+\(checksum differs from the official one: reconstruction",
        out,
    )
    assert status["cifar-10-batches-py/batches.meta"] == "official"
    assert status["cifar-10-batches-py-subset/batches.meta"] == "official"
    assert status["mnist/t10k-images-idx3-ubyte.gz"] == "official"
    assert status["mnist/t10k-labels-idx1-ubyte.gz"] == "official"
    assert status["mnist/train-labels-idx1-ubyte.gz"] == "official"
    assert status["mnist-train-subset/train-images-idx3-ubyte.gz"] == "differs"
    # Re-gzipped: its .gz md5 is not torchvision's, but the uncompressed bytes are official.
    assert status["mnist/train-images-idx3-ubyte.gz"] == "official"
    assert re.search(
        r"official\s+mnist/train-images-idx3-ubyte.gz\s+\(uncompressed bytes match the official",
        out,
    )
    assert status["coco_captioning/coco2014_captions.h5"] == "missing"
    assert status["imagenet_val_25.npz"] == "known copy"
    assert status["styles/tubingen.jpg"] == "known copy"
    assert code == 1, "required files are missing, and nothing present is corrupted"
