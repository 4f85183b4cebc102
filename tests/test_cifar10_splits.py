"""One CIFAR-10 story: every entry point takes its rows from ``split_cifar10``.

``assignment1_rows`` (assignment 1), ``get_CIFAR10_data`` (assignment 2, official name)
and ``framework_splits`` (PyTorch / TensorFlow notebooks) differ only in what they do
to the same rows. The real-data tests pin the numbers the notebooks get: checksums of
the arrays the three functions returned on the shared data folder before they were
rebuilt on the common split, plus the defining properties (which rows, which
centring or normalization, which dtype and layout).
"""

import hashlib
import inspect

import numpy as np
import pytest

from cs231n.data.assignment1 import assignment1_rows
from cs231n.data.cifar10 import CIFAR10_CLASSES, split_cifar10
from cs231n.data_utils import get_CIFAR10_data, load_CIFAR10
from cs231n.frameworks.data import framework_splits
from tests.test_data_utils import make_cifar_folder


def fake_cifar(n_train=12, n_test=6):
    Xtr = np.arange(n_train * 4, dtype=np.uint8).reshape(n_train, 2, 2, 1)
    Xte = 200 + np.arange(n_test * 4, dtype=np.uint8).reshape(n_test, 2, 2, 1)
    return Xtr, np.arange(n_train) % 10, Xte, np.arange(n_test) % 10


def test_split_takes_train_then_val_rows_and_the_first_test_rows_as_views():
    data = fake_cifar()
    s = split_cifar10(data, 7, 3, 4)
    assert list(s) == ["train", "val", "test"]
    np.testing.assert_array_equal(s["train"][0], data[0][:7])
    np.testing.assert_array_equal(s["val"][0], data[0][7:10])
    np.testing.assert_array_equal(s["val"][1], data[1][7:10])
    np.testing.assert_array_equal(s["test"][0], data[2][:4])
    assert all(np.shares_memory(X, data[0 if k != "test" else 2]) for k, (X, _) in s.items())
    assert s["train"][0].dtype == np.uint8
    empty = split_cifar10(data, 0, 0, 0)
    assert [len(X) for X, _ in empty.values()] == [0, 0, 0]


@pytest.mark.parametrize(
    "counts, message",
    [
        ((10, 3, 1), r"my_caller: num_training \+ num_validation = 13 > 12: exceeds"),
        ((1, 1, 7), r"my_caller: num_test = 7 > 6: exceeds"),
        ((-1, 1, 1), "my_caller: num_training must be a non-negative integer, got -1"),
        ((1, 1.5, 1), "my_caller: num_validation must be a non-negative integer, got 1.5"),
    ],
)
def test_split_rejects_bad_counts_naming_the_caller(counts, message):
    with pytest.raises(ValueError, match=message):
        split_cifar10(fake_cifar(), *counts, caller="my_caller")


def test_every_entry_point_uses_the_same_rows(tmp_path, rng):
    make_cifar_folder(tmp_path / "c", rng, n_train=4, n_test=5)  # 20 training, 5 test images
    root = tmp_path / "c"
    Xtr, ytr, Xte, yte = load_CIFAR10(root, dtype=np.uint8)
    a1 = assignment1_rows(9, 6, 3, 2, root=root, subtract_mean=False, flatten=False)
    a2 = get_CIFAR10_data(9, 6, 3, subtract_mean=False, root=root)
    fw = framework_splits(9, 6, 3, root=root)
    for name, rows, labels in (("train", Xtr[:9], ytr[:9]), ("val", Xtr[9:15], ytr[9:15]),
                               ("test", Xte[:3], yte[:3])):  # fmt: skip
        np.testing.assert_array_equal(a1[f"X_{name}"], rows)
        np.testing.assert_array_equal(a2[f"X_{name}"], rows.transpose(0, 3, 1, 2))
        np.testing.assert_allclose(fw[f"X_{name}"] * fw["std"] + fw["mean"], rows, atol=1e-3)
        for d in (a1, a2, fw):
            np.testing.assert_array_equal(d[f"y_{name}"], labels)
    for f in (assignment1_rows, get_CIFAR10_data, framework_splits):
        with pytest.raises(ValueError, match=rf"{f.__name__}: num_test = 6 > 5: exceeds"):
            f(1, 1, 6, root=root)


def test_the_three_entry_points_keep_their_default_sizes():
    def defaults(f):
        p = inspect.signature(f).parameters
        return p["num_training"].default, p["num_validation"].default, p["num_test"].default

    assert defaults(assignment1_rows) == (49000, 1000, 1000)
    assert defaults(get_CIFAR10_data) == (49000, 1000, 1000)
    assert defaults(framework_splits) == (49000, 1000, 10000)  # all the test images


def test_one_class_name_tuple_in_label_order():
    assert CIFAR10_CLASSES == (
        "plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    )  # fmt: skip


# --------------------------------------------------------------------------- the real data


def digest(a: np.ndarray) -> str:
    a = np.ascontiguousarray(a)
    return f"{hashlib.sha256(a.tobytes()).hexdigest()[:16]} {a.dtype} {a.shape}"


# Computed on the shared data folder by the implementations these functions replaced
# (cs231n.data.cifar10.load_cifar10_splits, get_CIFAR10_data,
# cs231n.frameworks.data.load_cifar10_splits).
PINNED = {
    "a1": {
        "X_dev": "dc953d9be56ef626 float64 (20, 3073)",
        "X_test": "77856e835cdcb55f float64 (50, 3073)",
        "X_train": "dd0fad0d8cc527c9 float64 (600, 3073)",
        "X_val": "539a4ea92fb2874c float64 (70, 3073)",
        "mean_image": "a23b6579dbff420c float64 (32, 32, 3)",
        "y_dev": "9bdc358751ef9279 int64 (20,)",
        "y_test": "5b3ef1365d77f168 int64 (50,)",
        "y_train": "1973818bee98fc6f int64 (600,)",
        "y_val": "0283cf7f4faba88e int64 (70,)",
    },
    "a1_images": {
        "X_dev": "830239840dfaabef float64 (5, 32, 32, 3)",
        "X_test": "a1d85612a66d5ece float64 (20, 32, 32, 3)",
        "X_train": "975a5af439c2a8e4 float64 (200, 32, 32, 3)",
        "X_val": "7d98e88eb8cb5422 float64 (10, 32, 32, 3)",
        "mean_image": "e64724f7b71f1363 float64 (32, 32, 3)",
        "y_dev": "afacf9d837d03ccc int64 (5,)",
        "y_test": "01a1b061adfe7ff5 int64 (20,)",
        "y_train": "ddcc898a02c88b8e int64 (200,)",
        "y_val": "14a9686088f3371e int64 (10,)",
    },
    "a1_jpeg": {
        "X_test_jpeg": "6277765cd6fd759d float64 (5, 3072)",
        "y_test_jpeg": "18a02ec45adcd645 int64 (5,)",
        "X_train": "69f482740a7114a4 float64 (10, 3072)",
        "X_val": "e3b0c44298fc1c14 float64 (0, 3072)",
    },
    "a2": {
        "X_test": "47c240824089ca87 float32 (50, 3, 32, 32)",
        "X_train": "7327bee19a99a1a5 float32 (600, 3, 32, 32)",
        "X_val": "2ae995659b542162 float32 (70, 3, 32, 32)",
        "y_test": "5b3ef1365d77f168 int64 (50,)",
        "y_train": "1973818bee98fc6f int64 (600,)",
        "y_val": "0283cf7f4faba88e int64 (70,)",
    },
    "a2_raw64": {
        "X_test": "ab001d05df86cc93 float64 (10, 3, 32, 32)",
        "X_train": "2cf6ca5214296208 float64 (300, 3, 32, 32)",
        "X_val": "be7cce8db18db311 float64 (20, 3, 32, 32)",
    },
    "fw": {
        "X_test": "b04cf8cee8400473 float32 (50, 32, 32, 3)",
        "X_train": "2b0b55aa0c88b4e2 float32 (600, 32, 32, 3)",
        "X_val": "60cd8cf4fe27f159 float32 (70, 32, 32, 3)",
        "mean": "439b0d8ad69cfc5f float64 (3,)",
        "std": "045afc7c293c81b9 float64 (3,)",
        "y_test": "5b3ef1365d77f168 int64 (50,)",
        "y_train": "1973818bee98fc6f int64 (600,)",
        "y_val": "0283cf7f4faba88e int64 (70,)",
    },
}


def pinned_calls():
    return {
        "a1": lambda: assignment1_rows(600, 70, 50, 20, bias=True, seed=3),
        "a1_images": lambda: assignment1_rows(200, 10, 20, 5, flatten=False),
        "a1_jpeg": lambda: assignment1_rows(10, 0, 30, 0, num_test_jpeg=5),
        "a2": lambda: get_CIFAR10_data(600, 70, 50),
        "a2_raw64": lambda: get_CIFAR10_data(300, 20, 10, subtract_mean=False, dtype=np.float64),
        "fw": lambda: framework_splits(600, 70, 50),
    }


@pytest.mark.data
@pytest.mark.parametrize("which", list(PINNED))
def test_real_splits_give_the_numbers_the_notebooks_got(real_data, which):
    d = pinned_calls()[which]()
    assert {k: digest(d[k]) for k in PINNED[which]} == PINNED[which]


@pytest.mark.data
def test_real_splits_are_the_rows_centred_or_normalized_as_documented(real_data):
    Xtr, ytr, Xte, yte = load_CIFAR10(dtype=np.uint8)
    # assignment 1: float64 rows, the mean of the training rows subtracted, bias column.
    a1 = assignment1_rows(600, 70, 50, 20, bias=True, seed=3)
    mean = Xtr[:600].mean(axis=0, dtype=np.float64)
    np.testing.assert_array_equal(a1["X_val"][:, :-1], (Xtr[600:670] - mean).reshape(70, 3072))
    np.testing.assert_array_equal(a1["X_test"][:, -1], 1.0)
    # assignment 2: float32 (N, 3, 32, 32), the float32 mean training image subtracted.
    a2 = get_CIFAR10_data(600, 70, 50)
    m32 = Xtr[:600].astype(np.float32).mean(axis=0, dtype=np.float64).astype(np.float32)
    np.testing.assert_array_equal(a2["X_test"], (Xte[:50] - m32).transpose(0, 3, 1, 2))
    # frameworks: float32 (N, 32, 32, 3), per-channel statistics of the training rows.
    fw = framework_splits(600, 70, 50)
    np.testing.assert_allclose(fw["mean"], Xtr[:600].mean(axis=(0, 1, 2)))
    np.testing.assert_allclose(fw["std"], Xtr[:600].std(axis=(0, 1, 2)))
    np.testing.assert_array_equal(
        fw["X_val"], ((Xtr[600:670] - fw["mean"]) / fw["std"]).astype(np.float32)
    )
    for d in (a1, a2, fw):
        np.testing.assert_array_equal(d["y_train"], ytr[:600])
        np.testing.assert_array_equal(d["y_test"], yte[:50])
