"""Bad arguments to the optimizers, classifiers and assignment-3 numpy modules fail clearly.

Each bad call raises a ``ValueError`` or ``TypeError`` whose message starts with the function
(``adam:``, ``LinearClassifier.train:``...) and names the argument; valid calls (lists of
numbers, integral float labels, a learning rate annealed to 0) still work and give the numbers
they gave before.
"""

import re

import numpy as np
import pytest

from cs231n import optim

W = np.linspace(-0.4, 0.6, 20).reshape(4, 5)
DW = np.linspace(-0.6, 0.4, 20).reshape(4, 5)


def _raises(call, fn: str, arg: str, exc=(ValueError, TypeError)):
    """``call()`` raises ``exc`` with a message starting ``fn:`` and naming ``arg``."""
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(f"{fn}:"), f"message does not start with {fn!r}: {msg}"
    assert arg in msg, f"message does not name {arg!r}: {msg}"
    return msg


# ---------------------------------------------------------------- optimizers
@pytest.mark.parametrize(
    "rule, config, arg, pattern",
    [
        ("sgd", {"learning_rate": -0.1}, "config['learning_rate']", r">= 0, got -0.1"),
        ("sgd", {"learning_rate": np.nan}, "config['learning_rate']", r"got nan"),
        ("sgd", {"learning_rate": np.inf}, "config['learning_rate']", r"got inf"),
        ("sgd", {"learning_rate": "1e-3"}, "config['learning_rate']", r"got '1e-3'"),
        ("sgd", {"lr": 1e-3}, "config", r"unknown key 'lr'"),
        ("sgd", {"momentum": 0.9}, "config", r"unknown key 'momentum'"),
        ("sgd_momentum", {"momentum": 1.0}, "config['momentum']", r"in \[0, 1\), got 1.0"),
        ("sgd_momentum", {"momentum": -0.5}, "config['momentum']", r"got -0.5"),
        ("sgd_momentum", {"velocity": np.zeros((1, 5))}, "config['velocity']", r"\(4, 5\)"),
        ("sgd_momentum", {"velocity": 0.0}, "config['velocity']", r"got \(\)"),
        ("rmsprop", {"decay_rate": 1.0}, "config['decay_rate']", r"in \[0, 1\), got 1.0"),
        ("rmsprop", {"decay_rate": np.nan}, "config['decay_rate']", r"got nan"),
        ("rmsprop", {"epsilon": 0.0}, "config['epsilon']", r"> 0, got 0.0"),
        ("rmsprop", {"cache": np.zeros(5)}, "config['cache']", r"got \(5,\)"),
        ("adam", {"beta1": 1.0}, "config['beta1']", r"adam: config\['beta1'\] must be .*\[0, 1\)"),
        ("adam", {"beta2": 1.5}, "config['beta2']", r"got 1.5"),
        ("adam", {"epsilon": -1e-8}, "config['epsilon']", r"> 0"),
        ("adam", {"m": np.zeros((4, 1))}, "config['m']", r"shape of w \(4, 5\), got \(4, 1\)"),
        ("adam", {"v": np.zeros((5, 4))}, "config['v']", r"got \(5, 4\)"),
        ("adam", {"t": -1}, "config['t']", r"integer >= 0"),
        ("adam", {"t": 2.5}, "config['t']", r"integer"),
        ("adam", {"velocity": np.zeros((4, 5))}, "config", r"unknown key 'velocity'"),
        ("adam", [("learning_rate", 1e-3)], "config", r"must be a dict"),
    ],
)
def test_optimizer_configs_are_checked(rule, config, arg, pattern):
    msg = _raises(lambda: getattr(optim, rule)(W.copy(), DW, config), rule, arg)
    assert re.search(pattern, msg), msg


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
@pytest.mark.parametrize("dw", [DW[:1], DW.T, np.float64(0.1), DW[None]])
def test_optimizers_do_not_broadcast_dw(rule, dw):
    _raises(lambda: getattr(optim, rule)(W.copy(), dw), rule, "dw")


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_optimizers_reject_none_and_strings(rule):
    _raises(lambda: getattr(optim, rule)(None, DW), rule, "w", TypeError)
    _raises(lambda: getattr(optim, rule)(W, None), rule, "dw", TypeError)
    _raises(lambda: getattr(optim, rule)(W, np.array(["a"] * 20).reshape(4, 5)), rule, "dw")


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_optimizers_take_back_their_own_config_and_a_zero_learning_rate(rule):
    """The Solver hands the returned config (with its state keys) back on the next step; a
    schedule may anneal the learning rate to exactly 0 (the step then adds no gradient:
    w stays, or moves by the decayed velocity mu * v with momentum)."""
    f = getattr(optim, rule)
    w, config = f(W.copy(), DW, None)
    w, config = f(w, DW, config)
    drift = config["momentum"] * config["velocity"] if rule == "sgd_momentum" else 0.0
    w2, config = f(w, DW, {**config, "learning_rate": 0.0})
    np.testing.assert_array_equal(w2, w + drift)


def test_optimizers_accept_lists_of_numbers_with_the_same_numbers():
    w, config = optim.adam(W.tolist(), DW.tolist(), {"learning_rate": 1e-2})
    expected, _ = optim.adam(W, DW, {"learning_rate": 1e-2})
    np.testing.assert_array_equal(w, expected)
    w, _ = optim.sgd_momentum(W, DW, {"velocity": np.zeros((4, 5)).tolist()})
    np.testing.assert_array_equal(w, optim.sgd_momentum(W, DW)[0])


# ---------------------------------------------------------------- linear classifiers
from cs231n.classifiers import LinearSVM, Softmax  # noqa: E402
from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized  # noqa: E402
from cs231n.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized  # noqa: E402

LINEAR_LOSSES = {
    f.__name__: f
    for f in (svm_loss_naive, svm_loss_vectorized, softmax_loss_naive, softmax_loss_vectorized)
}


def _linear_problem(N=6, D=5, C=3):
    rng = np.random.default_rng(0)
    return rng.standard_normal((D, C)) * 0.1, rng.standard_normal((N, D)), rng.integers(0, C, N)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the NaN scores that give it away
@pytest.mark.parametrize("name", list(LINEAR_LOSSES))
def test_linear_losses_reject_empty_batches_non_finite_inputs_and_bad_reg(name):
    f = LINEAR_LOSSES[name]
    Wl, X, y = _linear_problem()
    _raises(lambda: f(Wl, X[:0], y[:0], 0.1), name, "X")  # was ZeroDivisionError / NaN
    for bad in (np.nan, np.inf, -np.inf):
        Xb = X.copy()
        Xb[2, 3] = bad
        _raises(lambda Xb=Xb: f(Wl, Xb, y, 0.1), name, "X")
        Wb = Wl.copy()
        Wb[1, 1] = bad
        _raises(lambda Wb=Wb: f(Wb, X, y, 0.1), name, "W")
    _raises(lambda: f(Wl, X, y, -1.0), name, "reg")
    _raises(lambda: f(Wl, X, y, np.nan), name, "reg")
    _raises(lambda: f(Wl, X, y + 0.5, 0.1), name, "y")  # non-integral float labels
    _raises(lambda: f(Wl, X, y.astype(str), 0.1), name, "y")
    _raises(lambda: f(Wl, X, None, 0.1), name, "y", TypeError)
    _raises(lambda: f(Wl[0], X, y, 0.1), name, "W")
    _raises(lambda: f(Wl, X.T, y, 0.1), name, "X")


@pytest.mark.parametrize("name", list(LINEAR_LOSSES))
def test_linear_losses_take_lists_and_integral_float_labels_with_the_same_numbers(name):
    f = LINEAR_LOSSES[name]
    Wl, X, y = _linear_problem()
    loss, dW = f(Wl, X, y, 0.1)
    loss2, dW2 = f(Wl.tolist(), X.tolist(), y.astype(float).tolist(), 0.1)
    assert loss2 == loss
    np.testing.assert_array_equal(dW2, dW)


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_linear_classifier_train_and_predict_check_their_arguments(cls):
    _, X, y = _linear_problem(N=20)
    fn = "LinearClassifier.train"
    _raises(lambda: cls().train(X[:0], y[:0]), fn, "X")
    _raises(lambda: cls().train(X, y[:5]), fn, "y")
    _raises(lambda: cls().train(X, y - 1), fn, "y")
    _raises(lambda: cls().train(X, y + 0.5), fn, "y")
    for name, value in [
        ("learning_rate", 0.0),
        ("learning_rate", -1e-3),
        ("learning_rate", np.nan),
        ("reg", -1.0),
        ("num_iters", 0),
        ("num_iters", 2.5),
        ("batch_size", 0),
        ("batch_size", None),
        ("seed", -1),
    ]:
        _raises(lambda kw={name: value}: cls().train(X, y, **kw), fn, name)
    clf = cls()
    clf.train(X, y, num_iters=3, seed=0)
    _raises(lambda: clf.train(X[:, :4], y, num_iters=1), fn, "X")
    fn = "LinearClassifier.predict"
    _raises(lambda: cls().predict(X), fn, "train")
    _raises(lambda: clf.predict(X[:, :4]), fn, "X")
    _raises(lambda: clf.predict(None), fn, "X", TypeError)
    Xb = X.copy()
    Xb[0, 0] = np.nan
    _raises(lambda: clf.predict(Xb), fn, "X")


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_linear_classifier_takes_lists_with_the_same_numbers(cls):
    _, X, y = _linear_problem(N=20)
    a, b = cls(), cls()
    hist = a.train(X, y, num_iters=5, batch_size=7, seed=3)
    assert b.train(X.tolist(), y.astype(float).tolist(), num_iters=5, batch_size=7, seed=3) == hist
    np.testing.assert_array_equal(b.predict(X.tolist()), a.predict(X))


# ---------------------------------------------------------------- kNN
from cs231n.classifiers import KNearestNeighbor  # noqa: E402


def _knn(num_train=8, D=3):
    rng = np.random.default_rng(1)
    knn = KNearestNeighbor()
    knn.train(rng.standard_normal((num_train, D)), rng.integers(0, 3, num_train))
    return knn, rng.standard_normal((4, D))


@pytest.mark.parametrize("method", ["no_loops", "one_loop", "two_loops"])
def test_knn_distances_reject_nan_and_inf(method):
    knn, X = _knn()
    fn = f"KNearestNeighbor.compute_distances_{method}"
    for bad in (np.nan, np.inf):
        Xb = X.copy()
        Xb[1, 2] = bad
        _raises(lambda Xb=Xb: getattr(knn, f"compute_distances_{method}")(Xb), fn, "X")
    _raises(lambda: getattr(knn, f"compute_distances_{method}")(None), fn, "X", TypeError)
    _raises(lambda: getattr(KNearestNeighbor(), f"compute_distances_{method}")(X), fn, "train")


def test_knn_predict_checks_x_k_num_loops_and_training_data():
    knn, X = _knn()
    fn = "KNearestNeighbor.predict"
    Xb = X.copy()
    Xb[0, 0] = np.nan
    _raises(lambda: knn.predict(Xb), "KNearestNeighbor.compute_distances_no_loops", "X")
    for k in (0, 9, 1.5, None, True, "3"):
        _raises(lambda k=k: knn.predict(X, k=k), fn, "k")
    for num_loops in (3, -1, 0.5, None):
        _raises(lambda n=num_loops: knn.predict(X, num_loops=n), fn, "num_loops")
    _raises(lambda: KNearestNeighbor().predict(X), fn, "train")
    fn = "KNearestNeighbor.predict_labels"
    dists = knn.compute_distances_no_loops(X)
    _raises(lambda: knn.predict_labels(dists[:, :5]), fn, "dists")
    dists[0, 0] = np.nan
    _raises(lambda: knn.predict_labels(dists), fn, "dists")
    _raises(lambda: knn.predict_labels(dists, k=0), fn, "k")
    fn = "KNearestNeighbor.train"
    rng = np.random.default_rng(2)
    Xt, yt = rng.standard_normal((5, 3)), np.arange(5)
    _raises(lambda: KNearestNeighbor().train(Xt[:0], yt[:0]), fn, "X")
    _raises(lambda: KNearestNeighbor().train(np.where(Xt > 1, np.nan, Xt), yt), fn, "X")
    _raises(lambda: KNearestNeighbor().train(Xt, yt - 1), fn, "y")
    _raises(lambda: KNearestNeighbor().train(Xt, yt + 0.5), fn, "y")
    _raises(lambda: KNearestNeighbor().train(Xt, yt.astype(str)), fn, "y", TypeError)


def test_knn_takes_lists_and_integral_float_labels_with_the_same_predictions():
    knn, X = _knn()
    other = KNearestNeighbor()
    other.train(knn.X_train.tolist(), knn.y_train.astype(float).tolist())
    for num_loops in (0, 1, 2):
        np.testing.assert_array_equal(
            other.predict(X.tolist(), k=3, num_loops=num_loops), knn.predict(X, k=3)
        )
