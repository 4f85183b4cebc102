"""ThreeLayerConvNet: the official initial-loss check, numeric gradients in
float64 on tiny inputs, a float64 PyTorch twin, and overfitting a tiny set."""
# ruff: noqa: NPY002 (the model draws its weights from the global np.random, as officially)

import numpy as np
import pytest

from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.solver import Solver
from tests.checks import assert_close, torch_forward_backward
from tests.test_fc_net import _assert_grad_with_floor

pytestmark = pytest.mark.a2


def test_param_shapes_and_dtype():
    model = ThreeLayerConvNet(
        input_dim=(3, 8, 6), num_filters=4, filter_size=3, hidden_dim=5, num_classes=7
    )
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {
        "W1": (4, 3, 3, 3),
        "b1": (4,),
        "W2": (4 * 4 * 3, 5),
        "b2": (5,),
        "W3": (5, 7),
        "b3": (7,),
    }
    assert all(v.dtype == np.float32 for v in model.params.values())
    scores = model.loss(np.zeros((2, 3, 8, 6)))
    assert scores.shape == (2, 7) and scores.dtype == np.float32


def test_official_initial_loss():
    """The notebook's sanity check (its inputs and seed): with tiny weights the
    scores are ~0, so the loss is ~log(10); regularization adds 0.5*reg*sum(W**2)."""
    np.random.seed(231)
    N = 50
    X = np.random.randn(N, 3, 32, 32)
    y = np.random.randint(10, size=N)
    model = ThreeLayerConvNet()
    loss, _ = model.loss(X, y)
    assert loss == pytest.approx(np.log(10), abs=1e-3)
    # float32 (the default, for training) agrees with float64 on the same weights
    np.random.seed(231)
    np.random.randn(N, 3, 32, 32), np.random.randint(10, size=N)  # replay the draws
    loss64, _ = ThreeLayerConvNet(dtype=np.float64).loss(X, y)
    assert loss == pytest.approx(loss64, rel=1e-6)
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    W2sum = sum(np.sum(model.params[k].astype(np.float64) ** 2) for k in ("W1", "W2", "W3"))
    assert loss_reg == pytest.approx(loss + 0.5 * 0.5 * W2sum, rel=1e-6)
    assert loss_reg > loss + 0.1


@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_numeric_gradients(rng, reg):
    N, input_dim, C = 2, (3, 6, 6), 4
    X = rng.standard_normal((N, *input_dim))
    y = rng.integers(C, size=N)
    np.random.seed(231)
    model = ThreeLayerConvNet(
        num_filters=3,
        filter_size=3,
        input_dim=input_dim,
        hidden_dim=7,
        num_classes=C,
        weight_scale=1e-1,
        reg=reg,
        dtype=np.float64,
    )
    loss, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name in sorted(model.params):
        # relative error < 1e-7 above the centred difference's rounding floor
        _assert_grad_with_floor(
            f"ThreeLayerConvNet {name} (reg={reg})",
            lambda: model.loss(X, y)[0],
            model.params[name],
            grads[name],
            loss,
        )


@pytest.mark.parametrize("filter_size", [3, 5])
def test_matches_torch(rng, filter_size):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    N, input_dim, C, reg = 3, (2, 8, 6), 5, 0.2
    X = rng.standard_normal((N, *input_dim))
    y = rng.integers(C, size=N)
    np.random.seed(0)
    model = ThreeLayerConvNet(
        num_filters=4,
        filter_size=filter_size,
        input_dim=input_dim,
        hidden_dim=6,
        num_classes=C,
        weight_scale=2e-1,
        reg=reg,
        dtype=np.float64,
    )
    for k in ("b1", "b2", "b3"):  # nonzero biases, so that their use is checked too
        model.params[k] = 0.1 * rng.standard_normal(model.params[k].shape)
    loss, grads = model.loss(X, y)

    def torch_net(W1, b1, W2, b2, W3, b3):
        h = F.conv2d(torch.tensor(X), W1, b1, stride=1, padding=(filter_size - 1) // 2)
        h = F.max_pool2d(torch.relu(h), kernel_size=2, stride=2)  # (N, F, H/2, W/2)
        h = torch.relu(h.reshape(N, -1) @ W2 + b2)
        scores = h @ W3 + b3
        return F.cross_entropy(scores, torch.tensor(y)) + 0.5 * reg * (
            (W1**2).sum() + (W2**2).sum() + (W3**2).sum()
        )

    ref_loss, ref_grads = torch_forward_backward(torch_net, model.params)
    assert_close(loss, ref_loss, 1e-12, "ThreeLayerConvNet loss vs torch")
    for name in model.params:
        assert_close(grads[name], ref_grads[name], 1e-9, f"ThreeLayerConvNet {name} vs torch")


def test_argument_errors():
    with pytest.raises(ValueError, match="filter_size must be odd"):
        ThreeLayerConvNet(filter_size=4)
    with pytest.raises(ValueError, match="needs even H and W"):
        ThreeLayerConvNet(input_dim=(3, 7, 8))
    model = ThreeLayerConvNet(input_dim=(1, 4, 4), num_filters=2, filter_size=3, hidden_dim=3)
    with pytest.raises(ValueError, match=r"X must have shape \(\?, 1, 4, 4\)"):
        model.loss(np.zeros((2, 3, 4, 4)))


def test_overfit_tiny_set(rng):
    X = rng.standard_normal((20, 3, 8, 8))
    y = rng.integers(10, size=20)
    np.random.seed(231)
    model = ThreeLayerConvNet(
        input_dim=(3, 8, 8), num_filters=8, filter_size=3, hidden_dim=50, weight_scale=1e-1
    )
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    solver = Solver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": 1e-2},
        num_epochs=15,
        batch_size=10,
        verbose=False,
        seed=0,
    )
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
    assert solver.loss_history[-1] < 0.1 * solver.loss_history[0]
