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
        ("sgd_momentum", {"velocity": None}, "config['velocity']", r"got None"),
        ("rmsprop", {"cache": None}, "config['cache']", r"got None"),
        ("adam", {"t": None}, "config['t']", r"got None"),
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
    _raises(lambda: knn.predict(Xb), fn, "X")
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


# ---------------------------------------------------------------- networks
from cs231n.classifiers.cnn import ThreeLayerConvNet  # noqa: E402
from cs231n.classifiers.fc_net import FullyConnectedNet  # noqa: E402
from cs231n.classifiers.fc_net import TwoLayerNet as FcTwoLayerNet  # noqa: E402
from cs231n.classifiers.neural_net import TwoLayerNet  # noqa: E402
from cs231n.nn.convnet import ConvNet  # noqa: E402


def _models():
    """(name for messages, model, one valid X, its labels), every model small and float64."""
    rng = np.random.default_rng(3)
    np.random.seed(0)  # noqa: NPY002 -- the course's models draw from the global state
    X2, X4 = rng.standard_normal((4, 2, 3)), rng.standard_normal((3, 2, 4, 4))
    return [
        ("TwoLayerNet.loss", FcTwoLayerNet(6, 5, 3, reg=0.1), X2, np.array([0, 2, 1, 2])),
        (
            "FullyConnectedNet.loss",
            FullyConnectedNet([5, 4], input_dim=6, num_classes=3, dtype=np.float64),
            X2,
            np.array([0, 2, 1, 2]),
        ),
        (
            "ThreeLayerConvNet.loss",
            ThreeLayerConvNet((2, 4, 4), 3, 3, 5, 3, dtype=np.float64),
            X4,
            np.array([0, 1, 2]),
        ),
        ("ConvNet.loss", ConvNet((2, 4, 4), (3,), 3, dtype=np.float64, seed=0), X4, [0, 1, 2]),
    ]


@pytest.mark.parametrize("i", range(4))
def test_model_losses_check_x_and_y_at_the_door(i):
    fn, model, X, y = _models()[i]
    y = np.asarray(y)
    _raises(lambda: model.loss(X.tolist() + [[0]], y), fn, "X")  # ragged list
    _raises(lambda: model.loss(X[:, :1], y), fn, "X")
    _raises(lambda: model.loss(X[0]), fn, "X")
    _raises(lambda: model.loss(None), fn, "X", TypeError)
    _raises(lambda: model.loss(X.astype(complex), y), fn, "X", TypeError)
    _raises(lambda: model.loss(X, y[:-1]), fn, "y")
    _raises(lambda: model.loss(X, y + 0.5), fn, "y")  # was IndexError in the layers
    _raises(lambda: model.loss(X, y + 3), fn, "y")
    _raises(lambda: model.loss(X, -y - 1), fn, "y")
    _raises(lambda: model.loss(X, y.astype(str)), fn, "y", TypeError)
    _raises(lambda: model.loss(X[:0], y[:0]), fn, "X")  # empty batch: the loss divides by N


@pytest.mark.parametrize("i", range(4))
def test_model_losses_take_lists_and_integral_float_labels_with_the_same_numbers(i):
    _, model, X, y = _models()[i]
    loss, grads = model.loss(X, np.asarray(y))
    loss2, grads2 = model.loss(X.tolist(), np.asarray(y, dtype=float).tolist())
    assert loss2 == loss
    for k in grads:
        np.testing.assert_array_equal(grads2[k], grads[k])
    np.testing.assert_array_equal(model.loss(X.tolist()), model.loss(X))


@pytest.mark.parametrize(
    "make, fn, arg",
    [
        (lambda: FcTwoLayerNet(0), "TwoLayerNet", "input_dim"),
        (lambda: FcTwoLayerNet(hidden_dim=2.5), "TwoLayerNet", "hidden_dim"),
        (lambda: FcTwoLayerNet(num_classes=None), "TwoLayerNet", "num_classes"),
        (lambda: FcTwoLayerNet(weight_scale=0), "TwoLayerNet", "weight_scale"),
        (lambda: FcTwoLayerNet(reg=-1), "TwoLayerNet", "reg"),
        (lambda: FullyConnectedNet(5), "FullyConnectedNet", "hidden_dims"),
        (lambda: FullyConnectedNet("100"), "FullyConnectedNet", "hidden_dims"),
        (lambda: FullyConnectedNet([10, 0]), "FullyConnectedNet", "hidden_dims[1]"),
        (lambda: FullyConnectedNet([10, -3]), "FullyConnectedNet", "hidden_dims[1]"),
        (lambda: FullyConnectedNet([10.5]), "FullyConnectedNet", "hidden_dims[0]"),
        (lambda: FullyConnectedNet([10], dropout_keep_ratio=1.5), "FullyConnectedNet", "dropout"),
        (
            lambda: FullyConnectedNet([10], dropout_keep_ratio=np.nan),
            "FullyConnectedNet",
            "dropout",
        ),
        (lambda: FullyConnectedNet([10], dropout=0.0), "FullyConnectedNet", "dropout"),
        (lambda: FullyConnectedNet([10], normalization="bn"), "FullyConnectedNet", "normalization"),
        (lambda: FullyConnectedNet([10], reg=-0.1), "FullyConnectedNet", "reg"),
        (lambda: FullyConnectedNet([10], weight_scale=-1), "FullyConnectedNet", "weight_scale"),
        (lambda: FullyConnectedNet([10], input_dim=0), "FullyConnectedNet", "input_dim"),
        (lambda: FullyConnectedNet([10], num_classes=1.5), "FullyConnectedNet", "num_classes"),
        (lambda: ThreeLayerConvNet(input_dim=(3, 32)), "ThreeLayerConvNet", "input_dim"),
        (lambda: ThreeLayerConvNet(input_dim=(0, 4, 4)), "ThreeLayerConvNet", "input_dim[0]"),
        (lambda: ThreeLayerConvNet(num_filters=0), "ThreeLayerConvNet", "num_filters"),
        (lambda: ThreeLayerConvNet(hidden_dim=-1), "ThreeLayerConvNet", "hidden_dim"),
        (lambda: ThreeLayerConvNet(weight_scale=0), "ThreeLayerConvNet", "weight_scale"),
        (lambda: ThreeLayerConvNet(reg=np.inf), "ThreeLayerConvNet", "reg"),
        (lambda: ConvNet(input_dim=None), "ConvNet", "input_dim"),
        (lambda: ConvNet(num_classes=0), "ConvNet", "num_classes"),
        (lambda: ConvNet(weight_scale=-1.0), "ConvNet", "weight_scale"),
        (lambda: ConvNet(reg=-1.0), "ConvNet", "reg"),
        (lambda: ConvNet(bn_momentum=1.0), "ConvNet", "bn_momentum"),
        (lambda: ConvNet(head=None), "ConvNet", "head"),
        (lambda: TwoLayerNet(0, 5, 3), "TwoLayerNet", "input_size"),
        (lambda: TwoLayerNet(4, 5, 3, std=-1), "TwoLayerNet", "std"),
    ],
)
def test_model_hyperparameters_are_checked(make, fn, arg):
    _raises(make, fn, arg)


def test_assignment1_two_layer_net_checks_loss_train_and_predict():
    np.random.seed(0)  # noqa: NPY002
    net = TwoLayerNet(4, 5, 3, std=0.1)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    fn = "TwoLayerNet.loss"
    _raises(lambda: net.loss(X, y + 0.5), fn, "y")  # was IndexError
    _raises(lambda: net.loss(X, y, reg=-1.0), fn, "reg")
    _raises(lambda: net.loss(X[:0], y[:0]), fn, "X")
    Xb = X.copy()
    Xb[3, 1] = np.nan
    with np.errstate(invalid="ignore"):
        _raises(lambda: net.loss(Xb, y), fn, "X")
        _raises(lambda: net.predict(Xb), "TwoLayerNet.predict", "X")
    _raises(lambda: net.predict(X[:, :3]), "TwoLayerNet.predict", "X")
    loss, grads = net.loss(X, y)
    assert net.loss(X.tolist(), y.astype(float))[0] == loss
    fn = "TwoLayerNet.train"
    for name, value in [
        ("learning_rate", -1.0),
        ("learning_rate_decay", 0.0),
        ("learning_rate_decay", 1.5),
        ("reg", -1.0),
        ("num_iters", 0),
        ("batch_size", 0.5),
        ("seed", "0"),
    ]:
        _raises(lambda kw={name: value}: net.train(X, y, X, y, **kw), fn, name)
    _raises(lambda: net.train(X, y + 0.5, X, y), fn, "y")
    _raises(lambda: net.train(X, y, X[:, :3], y), fn, "X_val")
    _raises(lambda: net.train(X, y, X, y[:2]), fn, "y_val")
    stats = net.train(X.tolist(), y.astype(float), X, y, num_iters=2, batch_size=4, seed=0)
    assert len(stats["loss_history"]) == 2


# ---------------------------------------------------------------- assignment 3: recurrent layers
from cs231n import rnn_layers as rl  # noqa: E402
from cs231n.classifiers.rnn import CaptioningRNN  # noqa: E402


def _seq(N=2, T=3, D=4, H=5, k=1):
    rng = np.random.default_rng(4)
    return (
        rng.standard_normal((N, T, D)),
        rng.standard_normal((N, H)),
        rng.standard_normal((D, k * H)),
        rng.standard_normal((H, k * H)),
        rng.standard_normal(k * H),
    )


def test_recurrent_backward_passes_take_upstream_gradients_of_the_full_shape_only():
    x, h0, Wx, Wh, b = _seq()
    _, cache = rl.rnn_step_forward(x[:, 0], h0, Wx, Wh, b)
    for bad in (np.ones((1, 5)), np.float64(1.0), np.ones((2, 5, 1))):
        _raises(lambda d=bad: rl.rnn_step_backward(d, cache), "rnn_step_backward", "dnext_h")
    h, cache = rl.rnn_forward(x, h0, Wx, Wh, b)
    _raises(lambda: rl.rnn_backward(np.ones((2, 1, 5)), cache), "rnn_backward", "dh")
    _raises(lambda: rl.rnn_backward(None, cache), "rnn_backward", "dh", TypeError)
    x, h0, Wx, Wh, b = _seq(k=4)
    _, c, cache = rl.lstm_step_forward(x[:, 0], h0, h0, Wx, Wh, b)
    _raises(lambda: rl.lstm_step_backward(h0, c[:1], cache), "lstm_step_backward", "dnext_c")
    _raises(lambda: rl.lstm_step_backward(1.0, c, cache), "lstm_step_backward", "dnext_h")
    h, cache = rl.lstm_forward(x, h0, Wx, Wh, b)
    _raises(lambda: rl.lstm_backward(h[:, :, :1], cache), "lstm_backward", "dh")
    out, cache = rl.temporal_affine_forward(x, Wx, b)
    _raises(lambda: rl.temporal_affine_backward(out[:1], cache), "temporal_affine_backward", "dout")
    idx = np.array([[0, 2], [1, 1]])
    out, cache = rl.word_embedding_forward(idx, Wh)
    _raises(lambda: rl.word_embedding_backward(out[0], cache), "word_embedding_backward", "dout")


def test_recurrent_forward_passes_check_sizes_and_indices():
    x, h0, Wx, Wh, b = _seq()
    _raises(lambda: rl.rnn_forward(x, h0[:1], Wx, Wh, b), "rnn_forward", "h0")
    _raises(lambda: rl.rnn_forward(x, h0, Wx[:3], Wh, b), "rnn_forward", "Wx")
    _raises(lambda: rl.rnn_forward(x, h0, Wx, Wh[:4], b), "rnn_forward", "Wh")
    _raises(lambda: rl.rnn_forward(x, h0, Wx, Wh, b[:1]), "rnn_forward", "b")
    _raises(lambda: rl.rnn_step_forward(x, h0, Wx, Wh, b), "rnn_step_forward", "x")
    _raises(lambda: rl.rnn_step_forward(x[:, 0], None, Wx, Wh, b), "rnn_step_forward", "prev_h")
    W = np.ones((5, 3))
    _raises(
        lambda: rl.word_embedding_forward(np.array([[0.0, 1.0]]), W), "word_embedding_forward", "x"
    )
    _raises(
        lambda: rl.word_embedding_forward(np.array([[-1, 1]]), W), "word_embedding_forward", "x"
    )
    _raises(lambda: rl.word_embedding_forward([[5]], W), "word_embedding_forward", "x")
    out, _ = rl.word_embedding_forward([[4, 0]], W.tolist())  # lists of numbers are arrays
    assert out.shape == (1, 2, 3)
    h, _ = rl.rnn_forward(x.tolist(), h0.tolist(), Wx, Wh, b.tolist())
    np.testing.assert_array_equal(h, rl.rnn_forward(x, h0, Wx, Wh, b)[0])


def test_temporal_softmax_loss_checks_labels_mask_and_empty_batches():
    rng = np.random.default_rng(5)
    x, y, mask = rng.standard_normal((2, 3, 4)), rng.integers(0, 4, (2, 3)), np.ones((2, 3), bool)
    fn = "temporal_softmax_loss"
    _raises(lambda: rl.temporal_softmax_loss(x[:0], y[:0], mask[:0]), fn, "x")  # was NaN
    _raises(lambda: rl.temporal_softmax_loss(x, y + 4, mask), fn, "y")  # was IndexError
    _raises(lambda: rl.temporal_softmax_loss(x, y - 4, mask), fn, "y")  # was silent
    _raises(lambda: rl.temporal_softmax_loss(x, y + 0.5, mask), fn, "y")
    _raises(lambda: rl.temporal_softmax_loss(x, y, mask[:, :1]), fn, "mask")
    _raises(lambda: rl.temporal_softmax_loss(x, y, None), fn, "mask", TypeError)
    loss, dx = rl.temporal_softmax_loss(x, y, mask)
    loss2, dx2 = rl.temporal_softmax_loss(x.tolist(), y.astype(float), mask.tolist())
    assert loss2 == loss
    np.testing.assert_array_equal(dx2, dx)


def test_captioning_rnn_checks_its_arguments_and_takes_lists():
    w2i = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3}
    np.random.seed(0)  # noqa: NPY002
    model = CaptioningRNN(w2i, input_dim=3, wordvec_dim=4, hidden_dim=5, dtype=np.float64)
    features, captions = np.ones((2, 3)), np.array([[1, 3, 2], [1, 3, 0]])
    _raises(lambda: CaptioningRNN(list(w2i)), "CaptioningRNN", "word_to_idx", TypeError)
    _raises(lambda: CaptioningRNN(w2i, cell_type=None), "CaptioningRNN", "cell_type")
    _raises(lambda: CaptioningRNN(w2i, wordvec_dim=2.5), "CaptioningRNN", "wordvec_dim")
    _raises(lambda: model.loss(None, captions), "CaptioningRNN.loss", "features", TypeError)
    _raises(lambda: model.loss(features[:0], captions[:0]), "CaptioningRNN.loss", "features")
    _raises(lambda: model.loss(features, captions.astype(str)), "CaptioningRNN.loss", "captions")
    _raises(lambda: model.sample(features, max_length=None), "CaptioningRNN.sample", "max_length")
    _raises(lambda: model.sample(features, beam_size=1.5), "CaptioningRNN.sample", "beam_size")
    _raises(lambda: model.sample([["a", "b", "c"]]), "CaptioningRNN.sample", "features", TypeError)
    loss, grads = model.loss(features, captions)
    assert model.loss(features.tolist(), captions.tolist())[0] == loss
    np.testing.assert_array_equal(model.sample(features.tolist()), model.sample(features))


def test_batchnorm_models_score_in_test_mode_before_any_training_step():
    """The running statistics are in bn_params from the start (zeros, batchnorm's official
    defaults), so a test-mode pass needs no train-mode pass first."""
    rng = np.random.default_rng(6)
    fc = FullyConnectedNet([4], input_dim=6, num_classes=3, normalization="batchnorm")
    assert fc.loss(rng.standard_normal((2, 6))).shape == (2, 3)
    assert all(p["running_mean"].shape == p["running_var"].shape == (4,) for p in fc.bn_params)
    conv = ConvNet((2, 4, 4), (3,), 3, seed=0)
    assert conv.loss(rng.standard_normal((2, 2, 4, 4))).shape == (2, 3)


# ---------------------------------------------------------------- gradient checks
from cs231n import gradient_check as gc  # noqa: E402


@pytest.mark.parametrize("h", [0, -1e-5, np.nan, None])
def test_gradient_checks_need_a_positive_step(h):
    x = np.ones(3)
    _raises(lambda: gc.eval_numerical_gradient(np.sum, x, h=h), "eval_numerical_gradient", "h")
    _raises(
        lambda: gc.eval_numerical_gradient_array(np.sin, x, np.ones(3), h=h),
        "eval_numerical_gradient_array",
        "h",
    )
    _raises(lambda: gc.grad_check_sparse(np.sum, x, x, h=h), "grad_check_sparse", "h")
    _raises(
        lambda: gc.eval_numerical_gradient_blobs(None, (), None, h=h),
        "eval_numerical_gradient_blobs",
        "h",
    )


def test_gradient_checks_need_a_float_array_to_perturb_and_matching_gradients():
    for x in ([1.0, 2.0], np.arange(3)):  # a list is not perturbed in place; ints round h away
        _raises(lambda x=x: gc.eval_numerical_gradient(np.sum, x), "eval_numerical_gradient", "x")
    x = np.ones((2, 3))
    _raises(
        lambda: gc.grad_check_sparse(np.sum, x, np.ones(3)), "grad_check_sparse", "analytic_grad"
    )
    _raises(
        lambda: gc.grad_check_sparse(np.sum, x, x, num_checks=-1), "grad_check_sparse", "num_checks"
    )
    _raises(
        lambda: gc.eval_numerical_gradient_array(np.sin, x, None),
        "eval_numerical_gradient_array",
        "df",
        TypeError,
    )


# ---------------------------------------------------------------- caption metrics
from cs231n import caption_metrics as cm  # noqa: E402

WORDS = ["<NULL>", "<START>", "<END>", "a", "dog"]


def _coco():
    caps = np.array([[1, 3, 4, 2], [1, 4, 2, 0]])
    return {
        "idx_to_word": WORDS,
        "train_captions": caps,
        "train_image_idxs": np.array([0, 1]),
        "train_features": np.array([[1.0, 0.0], [0.0, 1.0]]),
        "val_captions": caps,
        "val_image_idxs": np.array([1, 0]),
        "val_features": np.array([[1.0, 0.5], [0.2, 1.0]]),
    }


def test_caption_metrics_reject_bad_corpora_and_vocabularies():
    for refs, hyps, arg in [
        (None, [["a"]], "references"),
        ([[["a"]]], 5, "hypotheses"),
        ([5], [["a"]], "references[0]"),
        ([[["a", ["b"]]]], [["a"]], "references[0][0][1]"),  # unhashable token: was TypeError
        ([[["a"]]], [[{"a": 1}]], "hypotheses[0][0]"),
    ]:
        _raises(lambda r=refs, h=hyps: cm.corpus_bleu(r, h), "corpus_bleu", arg)
        _raises(lambda r=refs, h=hyps: cm.exact_match(r, h), "exact_match", arg)
    _raises(lambda: cm.corpus_bleu([[["a"]]], [["a"]], max_n=True), "corpus_bleu", "max_n")
    _raises(lambda: cm.corpus_bleu([[["a"]]], [["a"]], max_n=2.0), "corpus_bleu", "max_n")
    caps = np.array([[1, 3, 4, 2]])
    _raises(lambda: cm.tokens(caps, None), "tokens", "idx_to_word", TypeError)
    _raises(lambda: cm.tokens(caps, {1: "<START>", 3: "a"}), "tokens", "idx_to_word")  # KeyError
    assert cm.tokens(caps, dict(enumerate(WORDS))) == cm.tokens(caps, WORDS) == [["a", "dog"]]


def test_caption_metrics_reject_bad_data_models_and_sizes():
    data = _coco()
    _raises(
        lambda: cm.split_references([("val_captions", 1)]), "split_references", "data", TypeError
    )
    for kw, arg in [
        ({"beam_size": None}, "beam_size"),
        ({"max_length": 2.5}, "max_length"),
        ({"batch_size": 0}, "batch_size"),
    ]:
        _raises(lambda kw=kw: cm.evaluate(object(), data, **kw), "evaluate", arg)
    bad = dict(data, val_features=np.array([[np.nan, 1.0], [0.2, 1.0]]))
    _raises(
        lambda: cm.nearest_neighbour_captions(bad), "nearest_neighbour_captions", "val_features"
    )
    bad = dict(data, train_features=np.ones((2, 3)))
    _raises(
        lambda: cm.nearest_neighbour_captions(bad), "nearest_neighbour_captions", "val_features"
    )
    model = CaptioningRNN(
        {w: i for i, w in enumerate(WORDS)}, input_dim=2, wordvec_dim=3, hidden_dim=3
    )
    feats, caps = data["val_features"], data["val_captions"]
    _raises(lambda: cm.perplexity(model, feats, caps, batch_size=None), "perplexity", "batch_size")
    _raises(lambda: cm.perplexity(model, feats * np.nan, caps), "perplexity", "features")
    _raises(lambda: cm.perplexity(model, feats, caps * 1.0), "perplexity", "captions", TypeError)
    assert cm.perplexity(model, feats.tolist(), caps.tolist()) == cm.perplexity(model, feats, caps)


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_linear_classifier_loss_names_its_own_arguments_and_finds_inf(cls):
    _, X, y = _linear_problem(N=6)
    clf = cls()
    clf.train(X, y, num_iters=1, batch_size=2, seed=0)
    fn = f"{cls.__name__}.loss"
    _raises(lambda: clf.loss(X[:, :2], y, 0.0), fn, "X_batch")
    _raises(lambda: clf.loss(X, y[:2], 0.0), fn, "y_batch")
    _raises(lambda: clf.loss(X, y, -1.0), fn, "reg")
    _raises(lambda: cls().loss(X, y, 0.0), fn, "W", TypeError)  # not trained
    # one +inf feature whose weights make the correct class +inf and the others -inf: the
    # margins are 0 and the loss finite, so only the scores give it away
    clf.W = np.array([[1.0, -1.0, -1.0]] + [[0.1, 0.2, 0.3]] * 4)
    Xi = X.copy()
    Xi[0, 0] = np.inf
    with np.errstate(invalid="ignore"):
        _raises(lambda: clf.loss(Xi, np.zeros(6, int), 0.0), fn, "X_batch")
        _raises(lambda: cls().train(Xi, y), "LinearClassifier.train", "X")


def test_convnet_construction_errors_name_input_dim_and_stages():
    _raises(lambda: ConvNet(input_dim=(3, 7, 7), stages=(4,)), "ConvNet", "input_dim")
    _raises(lambda: ConvNet(stages=(0,)), "ConvNet", "stages[0]")
    _raises(lambda: ConvNet(stages=4), "ConvNet", "stages")


def test_sigmoid_takes_numeric_arrays_and_temporal_softmax_loss_finite_scores():
    for bad in (None, np.array(["a"]), np.array([1j])):
        _raises(lambda b=bad: rl.sigmoid(b), "sigmoid", "x", TypeError)
    np.testing.assert_array_equal(rl.sigmoid([0.0, np.nan])[1:], [np.nan])  # NaN propagates
    x, y, mask = np.zeros((1, 2, 3)), np.zeros((1, 2), int), np.ones((1, 2), bool)
    for bad in (np.nan, np.inf, -np.inf):
        xb = x.copy()
        xb[0, 1, 2] = bad
        _raises(lambda xb=xb: rl.temporal_softmax_loss(xb, y, mask), "temporal_softmax_loss", "x")
