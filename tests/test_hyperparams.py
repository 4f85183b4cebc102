"""The search helpers of the assignment-1 notebooks: grids, two workers (random draws: test_sweep)."""

import numpy as np
import pytest

from cs231n.training import hyperparams
from cs231n.training.hyperparams import fit_linear, grid, parallel_map

pytestmark = pytest.mark.a1


def _square_plus_shared(config):
    return config["x"] ** 2 + hyperparams.shared()["offset"]


def test_grid_is_the_cartesian_product():
    g = grid(a=[1, 2], b=["x", "y", "z"])
    assert len(g) == 6 and g[0] == {"a": 1, "b": "x"} and g[-1] == {"a": 2, "b": "z"}


@pytest.mark.parametrize("workers", [1, 2])
def test_parallel_map_keeps_order_and_sees_shared_data(workers):
    out = parallel_map(
        _square_plus_shared, [{"x": i} for i in range(5)], shared={"offset": 10}, workers=workers
    )
    assert out == [10, 11, 14, 19, 26]
    assert hyperparams.shared() == {}, "shared data must be released after the map"


def test_fit_linear_in_two_workers_equals_one(rng):
    X = np.hstack([rng.normal(size=(60, 4)), np.ones((60, 1))])
    y = rng.integers(0, 3, size=60)
    data = {"X_train": X, "y_train": y, "X_val": X[:20], "y_val": y[:20]}
    configs = grid(
        kind=["svm", "softmax"], learning_rate=[1e-2], reg=[1e-3], num_iters=[20], seed=[3]
    )
    two = parallel_map(fit_linear, configs, shared=data, workers=2)
    one = parallel_map(fit_linear, configs, shared=data, workers=1)
    for a, b in zip(two, one):
        assert np.array_equal(a["W"], b["W"]) and a["val_acc"] == b["val_acc"]
    with pytest.raises(ValueError, match="'svm' or 'softmax'"):
        parallel_map(fit_linear, [{"kind": "tree"}], shared=data, workers=1)


@pytest.mark.data
def test_assignment1_splits_on_real_cifar10(real_data):
    from cs231n.data.assignment1 import assignment1_rows, row_to_image

    d = assignment1_rows(num_training=300, num_validation=50, num_test=40, num_dev=20, bias=True)
    assert d["X_train"].shape == (300, 3073) and d["X_val"].shape == (50, 3073)
    assert d["X_test"].shape == (40, 3073) and d["X_dev"].shape == (20, 3073)
    assert np.all(d["X_train"][:, -1] == 1), "bias column"
    # The training rows are centred: their mean (without the bias) is 0.
    assert np.abs(d["X_train"][:, :-1].mean(axis=0)).max() < 1e-9
    # The dev rows are training rows.
    train_rows = {row.tobytes() for row in d["X_train"]}
    assert all(row.tobytes() in train_rows for row in d["X_dev"])
    assert row_to_image(d["X_train"][0]).shape == (32, 32, 3)
    # The reconstructed copy marks JPEG-decoded rows; none of them is an exact test row.
    j = assignment1_rows(num_training=10, num_validation=0, num_test=30, num_dev=0, num_test_jpeg=5)
    assert j["X_test_jpeg"].shape == (5, 3072)
    assert not any((j["X_test"] == row).all(axis=1).any() for row in j["X_test_jpeg"])
    assert assignment1_rows(num_training=10, num_validation=0, num_test=5, num_dev=0)[
        "X_dev"
    ].shape == (0, 3072)
    with pytest.raises(ValueError, match="bias=True needs flatten=True"):
        assignment1_rows(flatten=False, bias=True)


def _blas_threads(config):
    from cs231n.sweep.threads import blas_threads

    return blas_threads()


def test_parallel_map_workers_use_one_blas_thread():
    # numpy's wheels bundle OpenBLAS; threadpoolctl must find it and pin every worker to one
    # thread (two workers with a thread per core each would fight over the cores).
    per_worker = parallel_map(_blas_threads, [{}, {}], workers=2)
    assert all(threads and set(threads) == {1} for threads in per_worker), per_worker
