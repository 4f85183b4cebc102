"""The formulas of notes/svm.md, notes/softmax.md, notes/knn_distances.md and
notes/two_layer_net.md, implemented as written there and compared with the package.

Each test is named next to its formula in the note.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
from cs231n.classifiers.linear_svm import svm_loss_vectorized
from cs231n.classifiers.neural_net import TwoLayerNet
from cs231n.classifiers.softmax import softmax_loss_vectorized
from tests.checks import assert_close

pytestmark = pytest.mark.a1

ROOT = Path(__file__).resolve().parent.parent
NOTES = ["svm.md", "softmax.md", "knn_distances.md", "two_layer_net.md"]
DELTA = 1.0


@pytest.fixture
def problem(rng):
    N, D, C = 8, 5, 4
    return rng.normal(size=(D, C)), rng.normal(size=(N, D)), rng.integers(0, C, size=N), 0.3


def one_hot(y, C):
    Y = np.zeros((len(y), C))
    Y[np.arange(len(y)), y] = 1.0
    return Y


# ----------------------------------------------------------------------- notes/svm.md


def test_svm_loss_formula(problem):
    W, X, y, lam = problem
    S = X @ W
    N, C = S.shape
    # L = 1/N sum_i sum_{j != y_i} max(0, s_ij - s_iy_i + Delta) + lam sum W^2
    L = sum(max(0.0, S[i, j] - S[i, y[i]] + DELTA) for i in range(N) for j in range(C) if j != y[i])
    L = L / N + lam * np.sum(W**2)
    assert_close(svm_loss_vectorized(W, X, y, lam)[0], L, 1e-13, "SVM loss")


def test_svm_per_example_gradient(problem):
    W, X, y, lam = problem
    S = X @ W
    N, C = S.shape
    dW = np.zeros_like(W)
    for i in range(N):
        for j in range(C):
            if j != y[i] and S[i, j] - S[i, y[i]] + DELTA > 0:
                dW[:, j] += X[i]  # dL_i/dW_:,j = 1_ij x_i
                dW[:, y[i]] -= X[i]  # dL_i/dW_:,y_i = -(sum_j 1_ij) x_i
    dW = dW / N + 2 * lam * W
    assert_close(svm_loss_vectorized(W, X, y, lam)[1], dW, 1e-12, "SVM dW (per example)")


def test_svm_vectorized_gradient_formula(problem):
    W, X, y, lam = problem
    S = X @ W
    N = len(X)
    rows = np.arange(N)
    M = S - S[rows, y][:, None] + DELTA
    B = (M > 0).astype(float)
    B[rows, y] = 0.0
    B[rows, y] = -B.sum(axis=1)  # B_iy_i = -sum_{j != y_i} 1_ij
    assert np.allclose(B.sum(axis=1), 0), "each row of B sums to zero"
    dW = X.T @ B / N + 2 * lam * W
    assert_close(svm_loss_vectorized(W, X, y, lam)[1], dW, 1e-12, "SVM dW = X^T B / N + 2 lam W")


# ------------------------------------------------------------------- notes/softmax.md


def test_softmax_loss_formula(problem):
    W, X, y, lam = problem
    S = X @ W
    N = len(X)
    L = np.mean(-S[np.arange(N), y] + np.log(np.sum(np.exp(S), axis=1))) + lam * np.sum(W**2)
    assert_close(softmax_loss_vectorized(W, X, y, lam)[0], L, 1e-13, "softmax loss")


def test_shift_changes_nothing(rng):
    S = 5 * rng.normal(size=(6, 4))
    c = S.max(axis=1, keepdims=True)
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    P_shifted = np.exp(S - c) / np.exp(S - c).sum(axis=1, keepdims=True)
    assert_close(P_shifted, P, 1e-14, "probabilities after the shift")
    # Any other constant per row gives the same probabilities too.
    c2 = rng.normal(size=(6, 1))
    assert_close(np.exp(S - c2) / np.exp(S - c2).sum(axis=1, keepdims=True), P, 1e-14, "any shift")
    # Without the shift, scores of 1e3 overflow; with it they do not.
    with np.errstate(over="ignore", invalid="ignore"):
        big = np.array([[1e3, 0.0]])
        assert not np.isfinite(np.exp(big) / np.exp(big).sum()).all()
    assert np.all(np.isfinite(np.exp(big - big.max()) / np.exp(big - big.max()).sum()))


def test_softmax_score_gradient_formula(problem):
    W, X, y, _ = problem
    S = X @ W
    N, C = S.shape
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    dS = (P - one_hot(y, C)) / N  # dL/dS = (P - Y) / N
    # dL/dS is what the package's dW is made of: dW = X^T dS when reg = 0 ...
    assert_close(softmax_loss_vectorized(W, X, y, 0.0)[1], X.T @ dS, 1e-12, "X^T dS")
    # ... and it is the numerical derivative of the loss as a function of S.
    h = 1e-5
    num = np.zeros_like(S)
    for i in range(N):
        for j in range(C):
            for sign in (+1, -1):
                T = S.copy()
                T[i, j] += sign * h
                lt = np.mean(-T[np.arange(N), y] + np.log(np.exp(T).sum(axis=1)))
                num[i, j] += sign * lt / (2 * h)
    # Entries of dS are ~1e-5 here, so round-off in L (~1e-16 / h) limits the match.
    assert_close(dS, num, 1e-5, "dL/dS vs centred differences")


def test_softmax_weight_gradient_formula(problem):
    W, X, y, lam = problem
    S = X @ W
    N, C = S.shape
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    dW = X.T @ (P - one_hot(y, C)) / N + 2 * lam * W
    assert_close(softmax_loss_vectorized(W, X, y, lam)[1], dW, 1e-12, "softmax dW")


# -------------------------------------------------------------- notes/knn_distances.md


def test_no_loop_distance_identity(rng):
    X = rng.normal(size=(4, 6))  # (M, D)
    Y = rng.normal(size=(7, 6))  # (N, D)
    sq = lambda A: np.sum(A**2, axis=1)
    D2 = sq(X)[:, None] - 2 * X @ Y.T + sq(Y)[None, :]  # (M, N)
    direct = np.array([[np.sum((x - y) ** 2) for y in Y] for x in X])
    assert_close(D2, direct, 1e-12, "|x|^2 - 2 x.y + |y|^2")
    knn = KNearestNeighbor()
    knn.train(Y, np.zeros(7, dtype=int))
    assert_close(knn.compute_distances_no_loops(X), np.sqrt(D2), 1e-12, "package")


def test_clipping_keeps_distances_real():
    rng = np.random.default_rng(7)
    Y = rng.normal(size=(20, 30)) * 1e3 + 1e7  # large values, identical rows below
    sq = lambda A: np.sum(A**2, axis=1)
    D2 = sq(Y)[:, None] - 2 * Y @ Y.T + sq(Y)[None, :]
    assert D2.min() < 0, "this case must show the cancellation the note describes"
    knn = KNearestNeighbor()
    knn.train(Y, np.zeros(20, dtype=int))
    d = knn.compute_distances_no_loops(Y)
    assert np.all(np.isfinite(d)) and d.min() >= 0
    # The cancellation costs accuracy (|y|^2 ~ 1e16 while D^2 ~ 3e7), but the
    # distances stay close to the directly computed ones.
    direct = np.sqrt(((Y[:, None, :] - Y[None, :, :]) ** 2).sum(axis=2))
    off_diagonal = ~np.eye(20, dtype=bool)
    assert_close(d[off_diagonal], direct[off_diagonal], 1e-5, "distances despite cancellation")
    assert np.diag(d).max() < 1e-3 * direct[off_diagonal].min(), "self-distances ~ 0"


# -------------------------------------------------------------- notes/two_layer_net.md


@pytest.fixture
def net_problem(rng):
    np.random.seed(0)  # noqa: NPY002 (TwoLayerNet draws from np.random)
    net = TwoLayerNet(5, 6, 3, std=0.5)
    net.params["b1"] = rng.normal(size=6)
    net.params["b2"] = rng.normal(size=3)
    return net, rng.normal(size=(7, 5)), rng.integers(0, 3, size=7), 0.1


def _forward(p, X, y, lam):
    Z1 = X @ p["W1"] + p["b1"]  # (N, H)
    A = np.maximum(0, Z1)  # (N, H)
    S = A @ p["W2"] + p["b2"]  # (N, C)
    N = len(X)
    L = np.mean(-S[np.arange(N), y] + np.log(np.exp(S).sum(axis=1)))
    L += lam * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    return Z1, A, S, L


def test_two_layer_forward_formula(net_problem):
    net, X, y, lam = net_problem
    _, _, S, L = _forward(net.params, X, y, lam)
    assert_close(net.loss(X), S, 1e-13, "scores")
    assert_close(net.loss(X, y, reg=lam)[0], L, 1e-13, "loss")


def test_two_layer_backward_formula(net_problem):
    net, X, y, lam = net_problem
    p = net.params
    Z1, A, S, _ = _forward(p, X, y, lam)
    N, C = S.shape
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    dS = (P - one_hot(y, C)) / N  # step 1
    dW2 = A.T @ dS + 2 * lam * p["W2"]  # step 2
    db2 = dS.sum(axis=0)
    dA = dS @ p["W2"].T
    dZ1 = dA * (Z1 > 0)  # step 3
    dW1 = X.T @ dZ1 + 2 * lam * p["W1"]  # step 4
    db1 = dZ1.sum(axis=0)
    _, grads = net.loss(X, y, reg=lam)
    for name, g in {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}.items():
        assert g.shape == p[name].shape
        assert_close(grads[name], g, 1e-12, f"d{name}")


# ----------------------------------------------------------------------------- notes


@pytest.mark.parametrize("note", NOTES)
def test_every_test_named_in_the_note_exists(note):
    text = (ROOT / "notes" / note).read_text(encoding="utf-8")
    names = set(re.findall(r"`(test_[a-z0-9_]+)`", text))
    assert names, f"{note} names no test"
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    missing = sorted(n for n in names if f"def {n}(" not in sources)
    assert not missing, f"{note} names tests that do not exist: {missing}"
