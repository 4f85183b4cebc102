"""SVM and softmax losses: numeric gradient checks, naive == vectorized, a
float64 PyTorch reference, numerical safety, and the linear classifiers' SGD."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs231n.classifiers.linear_classifier import LinearSVM, Softmax
from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs231n.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized
from tests.checks import assert_close, assert_grad, torch_forward_backward

pytestmark = pytest.mark.a1

LOSSES = {
    "svm_naive": svm_loss_naive,
    "svm_vectorized": svm_loss_vectorized,
    "softmax_naive": softmax_loss_naive,
    "softmax_vectorized": softmax_loss_vectorized,
}


def _problem(rng, N=9, D=6, C=4):
    W = rng.normal(size=(D, C))
    X = rng.normal(size=(N, D))
    y = rng.integers(0, C, size=N)
    return W, X, y


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_gradient_matches_centred_differences(rng, name, reg):
    loss_fn = LOSSES[name]
    W, X, y = _problem(rng)
    _, dW = loss_fn(W, X, y, reg)
    assert_grad(f"{name} dW", lambda: loss_fn(W, X, y, reg)[0], W, dW)


@pytest.mark.parametrize("kind", ["svm", "softmax"])
def test_naive_equals_vectorized(rng, kind):
    W, X, y = _problem(rng, N=20, D=11, C=5)
    naive = LOSSES[f"{kind}_naive"](W, X, y, 0.1)
    vec = LOSSES[f"{kind}_vectorized"](W, X, y, 0.1)
    assert_close(vec[0], naive[0], 1e-12, f"{kind} loss")
    assert_close(vec[1], naive[1], 1e-10, f"{kind} dW")


def test_svm_matches_pytorch_multi_margin_loss(rng):
    W, X, y = _problem(rng)
    reg, C = 0.2, W.shape[1]
    F = pytest.importorskip("torch.nn.functional")

    # torch divides each example's hinge sum by C; ours does not.
    def torch_svm(W, X, y):
        return C * F.multi_margin_loss(X @ W, y, p=1, margin=1.0) + reg * (W * W).sum()

    out, grads = torch_forward_backward(torch_svm, {"W": W, "X": X, "y": y}, requires_grad={"W"})
    loss, dW = svm_loss_vectorized(W, X, y, reg)
    assert_close(loss, out, 1e-12, "svm loss vs torch")
    assert_close(dW, grads["W"], 1e-10, "svm dW vs torch")


def test_softmax_matches_pytorch_cross_entropy(rng):
    W, X, y = _problem(rng)
    reg = 0.2
    F = pytest.importorskip("torch.nn.functional")

    def torch_softmax(W, X, y):
        return F.cross_entropy(X @ W, y) + reg * (W * W).sum()

    out, grads = torch_forward_backward(
        torch_softmax, {"W": W, "X": X, "y": y}, requires_grad={"W"}
    )
    for fn in (softmax_loss_naive, softmax_loss_vectorized):
        loss, dW = fn(W, X, y, reg)
        assert_close(loss, out, 1e-12, f"{fn.__name__} loss vs torch")
        assert_close(dW, grads["W"], 1e-10, f"{fn.__name__} dW vs torch")


def test_softmax_small_weights_give_log_C(rng):
    # The course's sanity check: with W ~ 0 every class has probability 1/C,
    # so the loss is -log(1/C) (2.302585 for CIFAR-10's 10 classes).
    W, X, y = _problem(rng, N=50, D=30, C=10)
    loss, _ = softmax_loss_vectorized(1e-6 * W, X, y, 0.0)
    assert abs(loss - np.log(10)) < 1e-4


@pytest.mark.parametrize("fn", [softmax_loss_naive, softmax_loss_vectorized])
def test_softmax_does_not_overflow_for_scores_of_1e4(fn):
    W = np.array([[1e4, 0.0, -1e4]])  # (D=1, C=3)
    X = np.array([[1.0], [1.0]])  # scores (1e4, 0, -1e4)
    y = np.array([0, 1])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        loss, dW = fn(W, X, y, 0.0)
    # Example 0 is certain and right (loss 0); example 1 loses by 1e4.
    assert_close(loss, 1e4 / 2, 1e-12, "loss")
    # dW[0] = mean over examples of (P - Y): ((0) + (1, -1, 0)) / 2
    assert_close(dW, np.array([[0.5, -0.5, 0.0]]), 1e-12, "dW")


def test_svm_loss_hand_computed():
    W = np.eye(2)  # scores = X
    X = np.array([[2.0, 1.5], [0.0, 3.0]])
    y = np.array([0, 0])
    # example 0: max(0, 1.5 - 2 + 1) = 0.5; example 1: max(0, 3 - 0 + 1) = 4
    loss, _ = svm_loss_naive(W, X, y, 0.0)
    assert_close(loss, (0.5 + 4.0) / 2, 1e-15, "loss")
    loss_reg, _ = svm_loss_vectorized(W, X, y, 0.5)
    assert_close(loss_reg, 2.25 + 0.5 * 2.0, 1e-15, "loss with reg*sum(W*W)")


@pytest.mark.parametrize("name", list(LOSSES))
def test_bad_inputs_raise(rng, name):
    fn = LOSSES[name]
    W, X, y = _problem(rng)
    with pytest.raises(ValueError, match=r"y must lie in \[0, C=4\)"):
        fn(W, X, np.full_like(y, 4), 0.0)
    with pytest.raises(ValueError, match=r"X must have shape \(\?, 6\)"):
        fn(W, X[:, :5], y, 0.0)
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(9,\)"):
        fn(W, X, y[:3], 0.0)


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_sgd_learns_separable_blobs(rng, cls):
    C, D, per_class = 3, 5, 40
    centres = 4 * rng.normal(size=(C, D))
    X = np.concatenate([c + rng.normal(size=(per_class, D)) for c in centres])
    X = np.hstack([X, np.ones((len(X), 1))])  # bias trick
    y = np.repeat(np.arange(C), per_class)
    clf = cls()
    history = clf.train(X, y, learning_rate=1e-2, reg=1e-4, num_iters=300, batch_size=32, seed=0)
    assert len(history) == 300
    assert np.mean(history[-20:]) < 0.5 * np.mean(history[:5])
    pred = clf.predict(X)
    assert pred.shape == (len(X),)
    assert np.mean(pred == y) > 0.95


def test_train_is_reproducible_with_a_seed(rng):
    X = rng.normal(size=(30, 4))
    y = rng.integers(0, 3, size=30)
    a, b = Softmax(), Softmax()
    ha = a.train(X, y, num_iters=10, seed=5)
    hb = b.train(X, y, num_iters=10, seed=5)
    assert ha == hb and np.array_equal(a.W, b.W)


@settings(max_examples=15, deadline=None)
@given(
    N=st.integers(1, 6),
    D=st.integers(1, 5),
    C=st.integers(2, 5),
    reg=st.sampled_from([0.0, 0.5]),
    seed=st.integers(0, 2**16),
)
def test_naive_equals_vectorized_for_any_small_shape(N, D, C, reg, seed):
    r = np.random.default_rng(seed)
    W, X, y = r.normal(size=(D, C)), r.normal(size=(N, D)), r.integers(0, C, size=N)
    for kind in ("svm", "softmax"):
        naive = LOSSES[f"{kind}_naive"](W, X, y, reg)
        vec = LOSSES[f"{kind}_vectorized"](W, X, y, reg)
        assert_close(vec[0], naive[0], 1e-12, f"{kind} loss, N={N} D={D} C={C}")
        assert_close(vec[1], naive[1], 1e-10, f"{kind} dW, N={N} D={D} C={C}")
