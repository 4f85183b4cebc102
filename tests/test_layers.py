"""Basic layers: affine, ReLU, dropout and the two losses.

Each layer is checked three ways: the official 2020 check values where the notebook
has them, a float64 centred-difference gradient, and a float64 PyTorch twin.

PyTorch comparisons use an elementwise relative tolerance of 1e-8 although both
sides are float64: an entry that happens to cancel to nearly zero carries a relative
round-off far above machine epsilon.
"""

import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from cs231n.gradient_check import rel_error
from cs231n.layers import (
    affine_backward,
    affine_forward,
    dropout_backward,
    dropout_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
    svm_loss,
)
from tests.checks import assert_close, assert_grad, torch_forward_backward

pytestmark = pytest.mark.a2


OFFICIAL_2020_NAMES = """affine_forward affine_backward relu_forward relu_backward
batchnorm_forward batchnorm_backward batchnorm_backward_alt layernorm_forward
layernorm_backward dropout_forward dropout_backward conv_forward_naive conv_backward_naive
max_pool_forward_naive max_pool_backward_naive spatial_batchnorm_forward
spatial_batchnorm_backward spatial_groupnorm_forward spatial_groupnorm_backward
svm_loss softmax_loss""".split()


def test_star_import_gives_every_official_name():
    # Students' notebooks do `from cs231n.layers import *`; the concept modules
    # (norm_layers, conv_layers) must be re-exported.
    namespace = {}
    exec("from cs231n.layers import *", namespace)
    missing = [name for name in OFFICIAL_2020_NAMES if not callable(namespace.get(name))]
    assert missing == []


# --------------------------------------------------------------------------- affine


def test_affine_forward_official_values():
    # FullyConnectedNets.ipynb, "Affine layer: forward".
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    x = np.linspace(-0.1, 0.5, num=num_inputs * 120).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=120 * output_dim).reshape(120, output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = affine_forward(x, w, b)
    correct_out = np.array(
        [[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]]
    )
    assert rel_error(out, correct_out) < 1e-7


def test_affine_backward_numeric(rng):
    x = rng.standard_normal((10, 2, 3))
    w = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    dout = rng.standard_normal((10, 5))
    dx, dw, db = affine_backward(dout, affine_forward(x, w, b)[1])
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    f = lambda: affine_forward(x, w, b)[0]
    assert_grad("affine dx", f, x, dx, dout)
    assert_grad("affine dw", f, w, dw, dout)
    assert_grad("affine db", f, b, db, dout)


@settings(max_examples=15, deadline=None)
@given(
    N=st.integers(1, 4),
    dims=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    M=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_affine_matches_torch(N, dims, M, seed):
    r = np.random.default_rng(seed)
    D = int(np.prod(dims))
    x, w, b = r.standard_normal((N, *dims)), r.standard_normal((D, M)), r.standard_normal(M)
    dout = r.standard_normal((N, M))
    out, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    ref, g = torch_forward_backward(
        lambda x, w, b: F.linear(x.reshape(N, -1), w.T, b), {"x": x, "w": w, "b": b}, dout
    )
    assert_close(out, ref, 1e-8, "affine out")
    assert_close(dx, g["x"], 1e-8, "affine dx")
    assert_close(dw, g["w"], 1e-8, "affine dw")
    assert_close(db, g["b"], 1e-8, "affine db")


def test_affine_bad_shapes_raise(rng):
    x = rng.standard_normal((2, 3, 4))
    with pytest.raises(ValueError, match=r"w must have shape \(D, M\) with D = 12"):
        affine_forward(x, rng.standard_normal((11, 5)), np.zeros(5))
    with pytest.raises(ValueError, match=r"b must have shape \(5,\)"):
        affine_forward(x, rng.standard_normal((12, 5)), np.zeros(4))


# --------------------------------------------------------------------------- ReLU


def test_relu_forward_official_values():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    correct_out = np.array(
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.04545455, 0.13636364],
            [0.22727273, 0.31818182, 0.40909091, 0.5],
        ]
    )
    assert rel_error(out, correct_out) < 5e-8


def test_relu_backward_numeric_and_torch(rng):
    # Keep inputs away from the kink at 0, where the numeric derivative is meaningless.
    x = rng.uniform(0.1, 1.0, (10, 10)) * rng.choice([-1, 1], (10, 10))
    dout = rng.standard_normal((10, 10))
    dx = relu_backward(dout, relu_forward(x)[1])
    assert_grad("relu dx", lambda: relu_forward(x)[0], x, dx, dout)
    ref, g = torch_forward_backward(F.relu, {"input": x}, dout)
    assert_close(relu_forward(x)[0], ref, 1e-15, "relu out")
    assert_close(dx, g["input"], 1e-15, "relu dx")


def test_relu_gradient_at_zero_is_zero():
    # Same subgradient choice as PyTorch.
    dx = relu_backward(np.ones(3), relu_forward(np.array([-1.0, 0.0, 1.0]))[1])
    np.testing.assert_array_equal(dx, [0.0, 0.0, 1.0])


# --------------------------------------------------------------------------- dropout


@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_dropout_forward_statistics(p):
    # FullyConnectedNets.ipynb / Dropout.ipynb "Dropout forward pass" check: the train
    # output keeps the mean and zeroes about 1 - p of the units; test is the identity.
    x = np.random.default_rng(0).standard_normal((500, 500)) + 10
    out, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 123})
    out_test, _ = dropout_forward(x, {"mode": "test", "p": p, "seed": 123})
    assert abs(out.mean() - x.mean()) / x.mean() < 0.01
    assert abs((out == 0).mean() - (1 - p)) < 0.005
    kept = out != 0
    assert_close(out[kept], x[kept] / p, 1e-15, "kept units are x / p")
    np.testing.assert_array_equal(out_test, x)


@pytest.mark.parametrize("p", [0.25, 0.7])
def test_dropout_statistics_match_torch(p):
    # torch's p is the DROP probability: F.dropout(x, 1 - p) is our dropout with keep p.
    import torch

    x = np.random.default_rng(1).standard_normal((400, 400)) + 10
    ours, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 7})
    torch.manual_seed(7)
    theirs = F.dropout(torch.from_numpy(x), p=1 - p, training=True).numpy()
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.01
    assert abs(ours.mean() - theirs.mean()) / x.mean() < 0.01
    assert_close(theirs[theirs != 0], x[theirs != 0] / p, 1e-12, "torch kept units")


def test_dropout_seed_is_honoured_and_matches_global_seed():
    x = np.ones((20, 30))
    param = {"mode": "train", "p": 0.5, "seed": 42}
    a, _ = dropout_forward(x, param)
    b, _ = dropout_forward(x, param)
    np.testing.assert_array_equal(a, b)
    # The same numbers as the official recipe np.random.seed(42); np.random.rand(...),
    # drawn from a private RandomState so the global state is left alone.
    np.testing.assert_array_equal(a, (np.random.RandomState(42).rand(20, 30) < 0.5) / 0.5)


def test_dropout_backward_numeric(rng):
    # Dropout.ipynb: gradient check with a fixed seed so the mask is the same each call.
    x = rng.standard_normal((10, 10)) + 10
    dout = rng.standard_normal((10, 10))
    param = {"mode": "train", "p": 0.2, "seed": 123}
    dx = dropout_backward(dout, dropout_forward(x, param)[1])
    assert_grad("dropout dx", lambda: dropout_forward(x, param)[0], x, dx, dout)
    test_param = {"mode": "test", "p": 0.2}
    np.testing.assert_array_equal(dropout_backward(dout, dropout_forward(x, test_param)[1]), dout)


def test_dropout_p_one_is_identity(rng):
    x = rng.standard_normal((5, 5))
    out, _ = dropout_forward(x, {"mode": "train", "p": 1.0})
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize("p", [0, -0.1, 1.5, float("nan")])
def test_dropout_bad_p_raises(p):
    with pytest.raises(
        ValueError, match=r"dropout_param\['p'\] must be a finite number in \(0, 1\]"
    ):
        dropout_forward(np.ones(3), {"mode": "train", "p": p})


def test_dropout_p_none_raises():
    # None is the wrong kind of value: a TypeError (the shared contract), still naming p
    with pytest.raises(
        TypeError, match=r"dropout_param\['p'\] must be a finite number in \(0, 1\]"
    ):
        dropout_forward(np.ones(3), {"mode": "train", "p": None})


def test_dropout_bad_mode_raises():
    with pytest.raises(ValueError, match="mode'\\] must be one of 'train', 'test', got 'eval'"):
        dropout_forward(np.ones(3), {"mode": "eval", "p": 0.5})


# --------------------------------------------------------------------------- losses


def test_losses_official_sanity_values():
    # FullyConnectedNets.ipynb: with tiny random scores over 10 classes the SVM loss
    # is about 9 (nine margins of 1) and the softmax loss about log(10) = 2.3.
    rng = np.random.default_rng(231)
    x = 0.001 * rng.standard_normal((50, 10))
    y = rng.integers(10, size=50)
    assert abs(svm_loss(x, y)[0] - 9) < 0.01
    assert abs(softmax_loss(x, y)[0] - np.log(10)) < 0.01


@pytest.mark.parametrize("loss_fn", [svm_loss, softmax_loss])
def test_loss_gradient_numeric(loss_fn, rng):
    # The notebook's setup: small scores, so every entry of dx is about 1/(N*C), far
    # above the round-off of a centred difference of a float64 scalar loss.
    x = 0.001 * rng.standard_normal((50, 10))
    y = rng.integers(10, size=50)
    _, dx = loss_fn(x, y)
    assert_grad(loss_fn.__name__, lambda: loss_fn(x, y)[0], x, dx, 1.0)


@settings(max_examples=15, deadline=None)
@given(N=st.integers(1, 6), C=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_losses_match_torch(N, C, seed):
    r = np.random.default_rng(seed)
    x, y = r.standard_normal((N, C)), r.integers(C, size=N)
    loss, dx = softmax_loss(x, y)
    ref, g = torch_forward_backward(F.cross_entropy, {"input": x, "target": y})
    assert_close(loss, ref, 1e-10, "softmax loss")
    assert_close(dx, g["input"], 1e-8, "softmax dx")
    # multi_margin_loss averages over the C classes as well; the course sums over them.
    loss, dx = svm_loss(x, y)
    ref, g = torch_forward_backward(
        lambda input, target: C * F.multi_margin_loss(input, target), {"input": x, "target": y}
    )
    assert_close(loss, ref, 1e-10, "svm loss")
    assert_close(dx, g["input"], 1e-8, "svm dx")


def test_softmax_loss_is_stable_for_huge_scores():
    x = np.array([[1000.0, 0.0, -1000.0], [0.0, 2000.0, 0.0]])
    loss, dx = softmax_loss(x, np.array([0, 1]))
    assert np.isfinite(loss) and np.all(np.isfinite(dx))
    assert loss == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("loss_fn", [svm_loss, softmax_loss])
def test_loss_bad_labels_raise(loss_fn):
    x = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(3,\)"):
        loss_fn(x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"y must lie in \[0, C=4\)"):
        loss_fn(x, np.array([0, 1, 4]))
