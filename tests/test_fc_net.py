"""TwoLayerNet and FullyConnectedNet: official 2020 check values, numeric
gradients of every parameter in float64, a float64 PyTorch twin, overfitting.

The models draw their weights from the global ``np.random`` (as the official
code does), so these tests seed it with ``np.random.seed``.
"""
# ruff: noqa: NPY002

import numpy as np
import pytest

from cs231n.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from cs231n.solver import Solver
from tests.checks import assert_close, assert_grad, numeric_grad, torch_forward_backward

pytestmark = pytest.mark.a2


# ------------------------------------------------------------------ TwoLayerNet
@pytest.fixture
def official_two_layer():
    """The model and inputs of the TwoLayerNet check in FullyConnectedNets.ipynb."""
    np.random.seed(231)
    N, D, H, C = 3, 5, 50, 7
    std = 1e-3
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=std)
    return model, (N, D, H, C, std)


def test_two_layer_init(official_two_layer):
    model, (N, D, H, C, std) = official_two_layer
    assert model.params["W1"].shape == (D, H) and model.params["W2"].shape == (H, C)
    assert abs(model.params["W1"].std() - std) < std / 10
    assert abs(model.params["W2"].std() - std) < std / 10
    assert np.all(model.params["b1"] == 0) and np.all(model.params["b2"] == 0)
    assert model.params["b1"].shape == (H,) and model.params["b2"].shape == (C,)


def test_two_layer_official_scores_and_losses(official_two_layer):
    model, (N, D, H, C, _) = official_two_layer
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    # The official printout, row by row.
    # fmt: off
    correct_scores = np.asarray([
        [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
        [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
        [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
    # fmt: on
    scores = model.loss(X)
    assert np.abs(scores - correct_scores).sum() < 1e-6

    y = np.asarray([0, 5, 1])
    loss, grads = model.loss(X, y)
    assert abs(loss - 3.4702243556) < 1e-10
    model.reg = 1.0
    loss, grads = model.loss(X, y)
    assert abs(loss - 26.5948426952) < 1e-10
    assert set(grads) == set(model.params)


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_numeric_gradients(rng, reg):
    N, D, H, C = 3, 5, 50, 7
    X = rng.standard_normal((N, D))
    y = rng.integers(C, size=N)
    np.random.seed(0)
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-1, reg=reg)
    _, grads = model.loss(X, y)
    for name in sorted(model.params):
        assert_grad(
            f"TwoLayerNet {name} (reg={reg})",
            lambda: model.loss(X, y)[0],
            model.params[name],
            grads[name],
        )


def test_two_layer_rejects_bad_labels(official_two_layer):
    model, (N, D, *_rest) = official_two_layer
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(4,\)"):
        model.loss(np.zeros((4, D)), np.zeros(3, dtype=int))


# ------------------------------------------------------------ FullyConnectedNet
def test_fc_official_initial_losses():
    np.random.seed(231)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    expected = {0: 2.3004790897684924, 3.14: 7.052114776533016}
    for reg, want in expected.items():
        model = FullyConnectedNet(
            [H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2, dtype=np.float64
        )
        loss, _ = model.loss(X, y)
        assert loss == pytest.approx(want, rel=1e-10), f"reg={reg}"


def test_fc_params_shapes_and_dtypes():
    model = FullyConnectedNet([7, 6], input_dim=5, num_classes=3, normalization="batchnorm")
    expected = {
        "W1": (5, 7),
        "b1": (7,),
        "gamma1": (7,),
        "beta1": (7,),
        "W2": (7, 6),
        "b2": (6,),
        "gamma2": (6,),
        "beta2": (6,),
        "W3": (6, 3),
        "b3": (3,),
    }
    assert {k: v.shape for k, v in model.params.items()} == expected
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert np.all(model.params["gamma1"] == 1) and np.all(model.params["beta2"] == 0)
    assert len(model.bn_params) == 2 and model.num_layers == 3


CONFIGS = [
    dict(),
    dict(normalization="batchnorm"),
    dict(normalization="layernorm"),
    dict(dropout_keep_ratio=0.5, seed=123),
    dict(normalization="batchnorm", dropout_keep_ratio=0.75, seed=5),
]


def _ids(cfg):
    return "-".join(f"{k}={v}" for k, v in cfg.items()) or "plain"


@pytest.mark.parametrize("reg", [0.0, 3.14])
@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_fc_numeric_gradients(rng, cfg, reg):
    N, D, H1, H2, C = 4, 8, 10, 9, 5
    X = rng.standard_normal((N, D))
    y = rng.integers(C, size=N)
    np.random.seed(231)
    model = FullyConnectedNet(
        [H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-1, dtype=np.float64, **cfg
    )
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name in sorted(model.params):
        assert grads[name].shape == model.params[name].shape
        _assert_grad_with_floor(
            f"FullyConnectedNet({_ids(cfg)}, reg={reg}) {name}",
            lambda: model.loss(X, y)[0],
            model.params[name],
            grads[name],
            loss,
        )


def _assert_grad_with_floor(what, f, x, analytic, loss, tol=1e-7, h=1e-5):
    """Elementwise relative error < tol, except for entries so small that the
    centred difference cannot resolve them: (f(x+h) - f(x-h)) / 2h carries a
    rounding error of about eps * |loss| / h, so entries whose error is below
    10 * eps * |loss| / h (~1e-10 for a loss of 5) are accepted on that
    absolute bound. Without the floor, a correct 1e-6 entry of dW1 behind a
    batchnorm (which divides the gradient by the scale of W1 x) fails."""
    num = numeric_grad(f, x, 1.0, h=h)
    floor = 10 * np.finfo(np.float64).eps * abs(float(loss)) / h
    err = np.abs(analytic - num)
    bad = err > np.maximum(tol * (np.abs(analytic) + np.abs(num)), floor)
    if bad.any():
        idx = np.unravel_index(np.argmax(np.where(bad, err, 0)), err.shape)
        raise AssertionError(
            f"gradient {what}: at {idx} analytic {analytic[idx]!r}, numeric {num[idx]!r} "
            f"(rel. tol {tol:g}, rounding floor {floor:.1e})"
        )


def _dropout_mask(seed, shape, p):
    """The mask dropout_forward draws for a seeded dropout_param (each layer
    reseeds, so every layer of a given width gets the same numbers)."""
    return (np.random.RandomState(seed).rand(*shape) < p) / p


@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_fc_matches_torch(rng, cfg):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    N, D, H1, H2, C = 6, 8, 10, 9, 5
    hidden = [H1, H2]
    reg = 0.3
    X = rng.standard_normal((N, 2, 4))  # flattened to D = 8 by the net
    y = rng.integers(C, size=N)
    np.random.seed(231)
    model = FullyConnectedNet(
        hidden, input_dim=D, num_classes=C, reg=reg, weight_scale=5e-1, dtype=np.float64, **cfg
    )
    # Perturb gamma/beta so that they matter.
    for k in model.params:
        if k.startswith(("gamma", "beta")):
            model.params[k] = model.params[k] + 0.3 * rng.standard_normal(model.params[k].shape)
    loss, grads = model.loss(X, y)

    norm = cfg.get("normalization")
    keep = cfg.get("dropout_keep_ratio", 1)

    def torch_net(**p):
        h = torch.tensor(X.reshape(N, D))
        for l in range(1, len(hidden) + 1):
            h = h @ p[f"W{l}"] + p[f"b{l}"]
            if norm == "batchnorm":
                h = F.batch_norm(
                    h, None, None, p[f"gamma{l}"], p[f"beta{l}"], training=True, eps=1e-5
                )
            elif norm == "layernorm":
                h = F.layer_norm(h, (h.shape[1],), p[f"gamma{l}"], p[f"beta{l}"], eps=1e-5)
            h = torch.relu(h)
            if keep != 1:
                h = h * torch.tensor(_dropout_mask(cfg["seed"], tuple(h.shape), keep))
        L = len(hidden) + 1
        scores = h @ p[f"W{L}"] + p[f"b{L}"]
        data_loss = F.cross_entropy(scores, torch.tensor(y))
        return data_loss + 0.5 * reg * sum((p[f"W{l}"] ** 2).sum() for l in range(1, L + 1))

    ref_loss, ref_grads = torch_forward_backward(torch_net, model.params)
    assert_close(loss, ref_loss, 1e-12, f"loss ({_ids(cfg)})")
    for name in model.params:
        if norm == "batchnorm" and name in ("b1", "b2"):
            # A bias right before batchnorm is subtracted out with the batch
            # mean: its gradient is exactly zero (up to rounding) in both.
            assert np.abs(grads[name]).max() < 1e-12 and np.abs(ref_grads[name]).max() < 1e-12
            continue
        assert_close(grads[name], ref_grads[name], 1e-9, f"{name} ({_ids(cfg)})")


def test_fc_test_mode_uses_running_stats_and_no_dropout(rng):
    np.random.seed(0)
    model = FullyConnectedNet(
        [6],
        input_dim=4,
        num_classes=3,
        normalization="batchnorm",
        dropout_keep_ratio=0.5,
        dtype=np.float64,
    )
    X = rng.standard_normal((8, 4))
    model.loss(X, rng.integers(3, size=8))  # one training pass sets running stats
    assert model.bn_params[0]["mode"] == "train" and model.dropout_param["mode"] == "train"
    s1, s2 = model.loss(X), model.loss(X)
    assert model.bn_params[0]["mode"] == "test" and model.dropout_param["mode"] == "test"
    assert np.array_equal(s1, s2), "test mode must be deterministic"
    # a single example at test time works: the running statistics are used
    assert model.loss(X[:1]).shape == (1, 3)


def test_fc_dropout_alias_and_argument_errors():
    assert FullyConnectedNet([3], input_dim=2, dropout=0.5).dropout_param["p"] == 0.5
    with pytest.raises(ValueError, match=r"dropout_keep_ratio must be a finite number in \(0, 1\]"):
        FullyConnectedNet([3], input_dim=2, dropout_keep_ratio=0)
    with pytest.raises(
        ValueError, match="normalization must be one of None, 'batchnorm', 'layernorm'"
    ):
        FullyConnectedNet([3], input_dim=2, normalization="groupnorm")


# ------------------------------------------------------------------ overfitting
def _overfit(model, X, y, lr, epochs=20, update_rule="sgd"):
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    solver = Solver(
        model,
        data,
        update_rule=update_rule,
        optim_config={"learning_rate": lr},
        num_epochs=epochs,
        batch_size=25,
        print_every=10**9,
        verbose=False,
        seed=0,
    )
    solver.train()
    return solver


def test_overfit_random_data(rng):
    X = rng.standard_normal((50, 3, 8, 8))
    y = rng.integers(10, size=50)
    np.random.seed(0)
    model = FullyConnectedNet([100, 100], input_dim=3 * 8 * 8, weight_scale=1e-1)
    solver = _overfit(model, X, y, lr=1e-1, epochs=20)
    assert solver.train_acc_history[-1] == 1.0


@pytest.mark.data
def test_overfit_50_cifar_images(real_data):
    """The notebook's check: 50 CIFAR-10 images, 100% training accuracy, with a
    three-layer and a five-layer net."""
    from cs231n.data_utils import load_CIFAR_batch

    X, y = load_CIFAR_batch(real_data / "cifar-10-batches-py" / "data_batch_1")
    X = X[:50] - X[:50].mean(axis=0)  # (50, 32, 32, 3), centred
    X = X.transpose(0, 3, 1, 2).astype(np.float32)  # (50, 3, 32, 32)
    y = y[:50]
    np.random.seed(231)
    three = _overfit(FullyConnectedNet([100, 100], weight_scale=1e-2), X, y, lr=1e-2)
    assert three.train_acc_history[-1] == 1.0
    five = _overfit(FullyConnectedNet([100] * 4, weight_scale=5e-2), X, y, lr=2e-3)
    assert five.train_acc_history[-1] == 1.0
