"""TwoLayerNet: the official 2020 toy-model check values, numeric gradients,
a float64 PyTorch reference, and training on the toy data."""

import numpy as np
import pytest

from cs231n.classifiers.neural_net import TwoLayerNet
from tests.checks import assert_close, assert_grad, torch_forward_backward

pytestmark = pytest.mark.a1


def toy_model_and_data():
    """The toy problem of two_layer_net.ipynb (seeds 0 and 1 of the global
    np.random state, as in the course)."""
    np.random.seed(0)  # noqa: NPY002
    net = TwoLayerNet(4, 10, 3, std=1e-1)
    np.random.seed(1)  # noqa: NPY002
    X = 10 * np.random.randn(5, 4)  # noqa: NPY002
    y = np.array([0, 1, 2, 2, 1])
    return net, X, y


# Check values printed in the official 2020 notebook.
CORRECT_SCORES = np.array(
    [
        [-0.81233741, -1.27654624, -0.70335995],
        [-0.17129677, -1.18803311, -0.47310444],
        [-0.51590475, -1.01354314, -0.8504215],
        [-0.15419291, -0.48629638, -0.52901952],
        [-0.00618733, -0.12435261, -0.15226949],
    ]
)
CORRECT_LOSS = 1.30378789133


def test_toy_scores_match_the_course():
    net, X, _ = toy_model_and_data()
    scores = net.loss(X)
    assert scores.shape == (5, 3)
    assert np.max(np.abs(scores - CORRECT_SCORES)) < 1e-7  # printed with 8 decimals


def test_toy_loss_matches_the_course():
    net, X, y = toy_model_and_data()
    loss, _ = net.loss(X, y, reg=0.05)
    assert abs(loss - CORRECT_LOSS) < 1e-10


@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_gradients_match_centred_differences(reg):
    net, X, y = toy_model_and_data()
    _, grads = net.loss(X, y, reg=reg)
    for name in ("W1", "b1", "W2", "b2"):
        assert grads[name].shape == net.params[name].shape
        assert_grad(
            f"TwoLayerNet {name}", lambda: net.loss(X, y, reg=reg)[0], net.params[name], grads[name]
        )


def test_loss_and_gradients_match_pytorch(rng):
    np.random.seed(3)  # noqa: NPY002
    net = TwoLayerNet(6, 8, 4, std=0.5)
    net.params["b1"] = rng.normal(size=8)
    net.params["b2"] = rng.normal(size=4)
    X = rng.normal(size=(7, 6))
    y = rng.integers(0, 4, size=7)
    reg = 0.1
    F = pytest.importorskip("torch.nn.functional")

    def torch_net(W1, b1, W2, b2, X, y):
        scores = F.relu(X @ W1 + b1) @ W2 + b2
        return F.cross_entropy(scores, y) + reg * ((W1 * W1).sum() + (W2 * W2).sum())

    out, tgrads = torch_forward_backward(
        torch_net, {**net.params, "X": X, "y": y}, requires_grad={"W1", "b1", "W2", "b2"}
    )
    loss, grads = net.loss(X, y, reg=reg)
    assert_close(loss, out, 1e-12, "loss vs torch")
    for name in ("W1", "b1", "W2", "b2"):
        assert_close(grads[name], tgrads[name], 1e-10, f"d{name} vs torch")


def test_training_the_toy_model_matches_the_course():
    _, X, y = toy_model_and_data()
    # As in the notebook: the data exist already, the model is re-created just
    # before training, so the batches come from the state after seed 0 + init.
    np.random.seed(0)  # noqa: NPY002
    net = TwoLayerNet(4, 10, 3, std=1e-1)
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100, verbose=False)
    # The official notebook prints "Final training loss: 0.017149607938732093".
    assert abs(stats["loss_history"][-1] - 0.017149607938732093) < 1e-12
    assert len(stats["loss_history"]) == 100
    # 5 examples, batch 200: every iteration is an epoch.
    assert len(stats["val_acc_history"]) == 100
    assert np.array_equal(net.predict(X), y)


def test_learning_rate_decays_once_per_epoch():
    net, X, y = toy_model_and_data()
    X = np.repeat(X, 20, axis=0)  # 100 examples
    y = np.repeat(y, 20)
    stats = net.train(X, y, X, y, num_iters=10, batch_size=25, seed=0)
    # 4 iterations per epoch -> accuracies recorded at iterations 0, 4, 8.
    assert len(stats["train_acc_history"]) == 3


def test_bad_inputs_raise():
    net, X, y = toy_model_and_data()
    with pytest.raises(ValueError, match=r"y must lie in \[0, C=3\)"):
        net.loss(X, np.array([0, 1, 2, 3, 1]))
    with pytest.raises(ValueError, match=r"X must have shape \(\?, 4\)"):
        net.loss(X[:, :3])
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(5,\)"):
        net.loss(X, y[:4])
