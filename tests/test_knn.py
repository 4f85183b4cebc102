"""kNN: the three distance implementations agree with each other and with scipy,
the no-loop version never produces negative squared distances, and the vote
breaks ties towards the smaller label."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
from tests.checks import assert_close

pytestmark = pytest.mark.a1


def _fitted(rng, num_train=12, D=7, C=3):
    X = rng.normal(size=(num_train, D))
    y = rng.integers(0, C, size=num_train)
    knn = KNearestNeighbor()
    knn.train(X, y)
    return knn, X, y


def test_three_distance_functions_match_scipy(rng):
    knn, X_train, _ = _fitted(rng)
    X = rng.normal(size=(5, X_train.shape[1]))
    expected = cdist(X, X_train)  # (5, 12) Euclidean
    assert_close(knn.compute_distances_two_loops(X), expected, 1e-12, "two loops")
    assert_close(knn.compute_distances_one_loop(X), expected, 1e-12, "one loop")
    assert_close(knn.compute_distances_no_loops(X), expected, 1e-10, "no loops")


def test_no_loops_is_safe_for_identical_points():
    # Large values and exact duplicates: |x|^2 + |y|^2 - 2 x.y cancels to ~0 and
    # can round below zero; the result must still be finite and non-negative.
    base = np.random.default_rng(0).normal(size=(6, 50)) * 1e4 + 1e6
    knn = KNearestNeighbor()
    knn.train(base, np.arange(6))
    d = knn.compute_distances_no_loops(base)
    assert np.all(np.isfinite(d)) and np.all(d >= 0)
    # Each point's nearest neighbour is itself.
    assert np.array_equal(np.argmin(d, axis=1), np.arange(6))


def test_predict_k1_on_training_data_returns_training_labels(rng):
    knn, X, y = _fitted(rng)
    for loops in (0, 1, 2):
        assert np.array_equal(knn.predict(X, k=1, num_loops=loops), y)


def test_vote_ties_go_to_the_smaller_label():
    knn = KNearestNeighbor()
    knn.train(np.zeros((4, 2)), np.array([3, 1, 3, 1]))
    # Two votes for 3 and two for 1: label 1 wins.
    dists = np.array([[0.1, 0.2, 0.3, 0.4]])
    assert knn.predict_labels(dists, k=4)[0] == 1
    # With k=3 the nearest three are labels 3, 1, 3: a clear majority for 3.
    assert knn.predict_labels(dists, k=3)[0] == 3


def test_majority_vote_uses_the_k_nearest(rng):
    knn = KNearestNeighbor()
    y = np.array([0, 2, 2, 1, 1, 1])
    knn.train(np.zeros((6, 1)), y)
    dists = np.array([[5.0, 0.1, 0.2, 3.0, 3.1, 3.2], [0.0, 9.0, 9.0, 1.0, 2.0, 3.0]])
    assert knn.predict_labels(dists, k=3).tolist() == [2, 1]
    assert knn.predict_labels(dists, k=1).tolist() == [2, 0]


@pytest.mark.parametrize(
    "k, pattern",
    [
        (0, r"k must be an integer in \[1, 12\], got 0"),  # [1, num_train]
        (13, r"k must be an integer in \[1, 12\], got 13"),
        (2.5, r"k must be an integer, got 2.5"),
    ],
)
def test_bad_k_raises(rng, k, pattern):
    knn, X, _ = _fitted(rng)
    with pytest.raises(ValueError, match=pattern):
        knn.predict(X, k=k)


def test_bad_shapes_raise(rng):
    knn, X, y = _fitted(rng)
    with pytest.raises(ValueError, match=r"X must have shape \(\?, 7\), got \(3, 6\)"):
        knn.compute_distances_no_loops(np.zeros((3, 6)))
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(12,\)"):
        KNearestNeighbor().train(X, y[:-1])
    with pytest.raises(ValueError, match=r"num_loops must be an integer in \[0, 2\]"):
        knn.predict(X, num_loops=3)
    with pytest.raises(ValueError, match="call train"):
        KNearestNeighbor().predict(X)


def test_cross_validation_matches_a_plain_loop(rng):
    from cs231n.training.hyperparams import knn_cross_validate

    X = rng.normal(size=(40, 5))
    y = rng.integers(0, 3, size=40)
    got = knn_cross_validate(X, y, [1, 3, 7], num_folds=4, workers=2)
    for k in (1, 3, 7):
        expected = []
        for f in range(4):
            val = np.arange(10 * f, 10 * f + 10)
            train = np.setdiff1d(np.arange(40), val)
            knn = KNearestNeighbor()
            knn.train(X[train], y[train])
            expected.append(np.mean(knn.predict(X[val], k=k) == y[val]))
        assert got[k] == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="num_folds must be in \\[2, N=40\\]"):
        knn_cross_validate(X, y, [1], num_folds=1)


@settings(max_examples=15, deadline=None)
@given(
    num_test=st.integers(1, 5),
    num_train=st.integers(1, 6),
    D=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_distances_agree_for_any_small_shape(num_test, num_train, D, seed):
    r = np.random.default_rng(seed)
    X_train, X = r.normal(size=(num_train, D)), r.normal(size=(num_test, D))
    knn = KNearestNeighbor()
    knn.train(X_train, r.integers(0, 3, size=num_train))
    expected = cdist(X, X_train)
    assert_close(knn.compute_distances_two_loops(X), expected, 1e-12, "two loops")
    assert_close(knn.compute_distances_one_loop(X), expected, 1e-12, "one loop")
    # The identity loses relative accuracy for tiny distances; compare absolutely.
    assert np.abs(knn.compute_distances_no_loops(X) - expected).max() < 1e-6
