"""The one path rule of every loader (:func:`cs231n.paths.require`).

A student's notebook says ``load_CIFAR10('cs231n/datasets/cifar-10-batches-py')``. That path
must work where the official scripts put the data (under the notebook's folder) and anywhere
else when the data is in our data folder. The rule, in order: the path as given (relative to
the working directory); the official form ``cs231n/datasets/<name>`` in the data folder; a
relative path in the data folder. A missing dataset's error names every place looked.
"""

import pickle

import numpy as np
import pytest
from PIL import Image

from cs231n import coco_utils, data_utils, image_utils
from cs231n.data.registry import DatasetName
from cs231n.paths import DatasetNotFoundError, candidates, require
from tests.test_data_coco import make_coco
from tests.test_data_utils import make_cifar_folder

OFFICIAL = "cs231n/datasets/cifar-10-batches-py"


@pytest.fixture
def data_and_cwd(tmp_path, monkeypatch):
    """A data folder ($CS231N_DATA) and a different working directory, both empty."""
    data, cwd = tmp_path / "data", tmp_path / "work"
    data.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("CS231N_DATA", str(data))
    monkeypatch.chdir(cwd)
    return data, cwd


def test_the_places_are_tried_in_the_documented_order(data_and_cwd):
    data, cwd = data_and_cwd
    assert candidates(OFFICIAL) == [cwd / OFFICIAL, data / "cifar-10-batches-py"]
    assert candidates("mnist") == [cwd / "mnist", data / "mnist"]
    assert candidates(data / "x") == [data / "x"]  # absolute: only itself
    # the prefix must be the whole first two parts, and name something below them
    assert candidates("cs231n/datasets") == [cwd / "cs231n/datasets", data / "cs231n/datasets"]
    assert candidates("my_cs231n/datasets/x")[1] == data / "my_cs231n/datasets/x"


def test_a_path_as_given_wins_over_the_data_folder(data_and_cwd):
    data, cwd = data_and_cwd
    (cwd / OFFICIAL).mkdir(parents=True)
    (data / "cifar-10-batches-py").mkdir()
    assert require(DatasetName.CIFAR10, OFFICIAL) == cwd / OFFICIAL


def test_the_official_form_falls_back_to_the_data_folder(data_and_cwd):
    data, _ = data_and_cwd
    (data / "cifar-10-batches-py").mkdir()
    assert require(DatasetName.CIFAR10, OFFICIAL) == data / "cifar-10-batches-py"
    assert require(DatasetName.CIFAR10, "cifar-10-batches-py") == data / "cifar-10-batches-py"


def test_a_default_is_looked_up_where_the_official_code_keeps_it(data_and_cwd):
    """Without a path, a loader looks in cs231n/datasets/ (the official get_CIFAR10_data reads
    the datasets folder beside its module: in a student's assignment folder, that one), then
    in the data folder; never in the working directory itself."""
    data, cwd = data_and_cwd
    (cwd / "imagenet_val_25.npz").write_bytes(b"")  # not where the official code looks
    with pytest.raises(DatasetNotFoundError) as e:
        require(DatasetName.IMAGENET_VAL, None, default="imagenet_val_25.npz")
    msg = str(e.value)
    assert str(cwd / "cs231n/datasets/imagenet_val_25.npz") in msg
    assert str(data / "imagenet_val_25.npz") in msg
    (data / "imagenet_val_25.npz").write_bytes(b"")
    assert require(DatasetName.IMAGENET_VAL, None, default="imagenet_val_25.npz") == (
        data / "imagenet_val_25.npz"
    )
    (cwd / "cs231n" / "datasets").mkdir(parents=True)
    (cwd / "cs231n/datasets/imagenet_val_25.npz").write_bytes(b"")
    assert require(DatasetName.IMAGENET_VAL, None, default="imagenet_val_25.npz") == (
        cwd / "cs231n/datasets/imagenet_val_25.npz"
    )


def test_the_error_names_every_place_looked_and_the_fetch_command(data_and_cwd):
    data, cwd = data_and_cwd
    with pytest.raises(DatasetNotFoundError) as e:
        require(DatasetName.CIFAR10, OFFICIAL)
    msg = str(e.value)
    assert str(cwd / OFFICIAL) in msg and str(data / "cifar-10-batches-py") in msg
    assert "$CS231N_DATA" in msg and msg.endswith("cs231n data fetch cifar10")
    assert e.value.dataset == DatasetName.CIFAR10
    with pytest.raises(DatasetNotFoundError, match="folder not found") as e:
        require(None, "saved_models")
    assert "fetch" not in str(e.value) and e.value.dataset is None


def test_load_cifar10_takes_the_notebook_path_from_the_working_directory(data_and_cwd, rng):
    _, cwd = data_and_cwd
    make_cifar_folder(cwd / OFFICIAL, rng)
    Xtr, ytr, Xte, yte = data_utils.load_CIFAR10(OFFICIAL)
    assert Xtr.shape == (35, 32, 32, 3) and Xte.shape == (5, 32, 32, 3)
    data = data_utils.get_CIFAR10_data(30, 5, 5, root=OFFICIAL)
    assert data["X_train"].shape == (30, 3, 32, 32)
    # the official FullyConnectedNets call, without a path
    assert data_utils.get_CIFAR10_data(30, 5, 5)["X_val"].shape == (5, 3, 32, 32)


def test_load_cifar10_takes_the_notebook_path_from_the_data_folder(data_and_cwd, rng):
    data, _ = data_and_cwd
    make_cifar_folder(data / "cifar-10-batches-py", rng)
    assert data_utils.load_CIFAR10(OFFICIAL)[0].shape == (35, 32, 32, 3)
    with pytest.raises(DatasetNotFoundError, match="is in none of"):
        data_utils.load_CIFAR10("cs231n/datasets/cifar-100")


def test_every_loader_that_takes_a_path_follows_the_rule(data_and_cwd, rng):
    data, cwd = data_and_cwd
    # imagenet_val: the official relative file name, found in the data folder
    X = rng.integers(0, 256, size=(2, 8, 8, 3), dtype=np.uint8)
    np.savez(data / "imagenet_val_25.npz", X=X, y=np.array([3, 4]), label_map=np.array({3: "a"}))
    X2, _, _ = data_utils.load_imagenet_val(path="cs231n/datasets/imagenet_val_25.npz")
    np.testing.assert_array_equal(X2, X)
    # saved models: relative to the working directory
    (cwd / "models").mkdir()
    with open(cwd / "models" / "net.pkl", "wb") as f:
        pickle.dump({"model": {"W": 1}}, f)
    assert data_utils.load_models("models") == {"net.pkl": {"W": 1}}
    # COCO: base_dir in the official relative form
    make_coco(data / "coco_captioning", rng)
    coco = coco_utils.load_coco_data(base_dir="cs231n/datasets/coco_captioning")
    assert coco["train_captions"].shape[0] == 12
    # images: relative to the working directory, then to the data folder
    pixels = rng.integers(0, 256, size=(6, 7, 3), dtype=np.uint8)
    (data / "styles").mkdir()
    Image.fromarray(pixels).save(data / "styles" / "mine.png")
    np.testing.assert_array_equal(image_utils.load_image("styles/mine.png"), pixels)
    Image.fromarray(pixels[::-1]).save(cwd / "mine.png")
    np.testing.assert_array_equal(image_utils.load_image("mine.png"), pixels[::-1])
    with pytest.raises(FileNotFoundError, match="none|not at") as e:
        image_utils.load_image("styles/absent.png")
    assert str(cwd / "styles/absent.png") in str(e.value)
    # MNIST: a folder given relative to the working directory
    with pytest.raises(DatasetNotFoundError, match="is in none of"):
        data_utils.load_mnist("test", root="cs231n/datasets/mnist")


def test_the_cache_folder_is_its_own_setting_and_never_the_data_folder(data_and_cwd, monkeypatch):
    from cs231n.paths import DEFAULT_CACHE_DIR, cache_root, data_root

    data, cwd = data_and_cwd
    monkeypatch.delenv("CS231N_CACHE", raising=False)
    assert cache_root() == DEFAULT_CACHE_DIR and not cache_root().is_relative_to(data_root())
    monkeypatch.setenv("CS231N_CACHE", "built")
    assert cache_root() == cwd / "built"
