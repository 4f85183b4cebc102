"""Sandwich layers: numeric gradients (the notebooks' checks) and a PyTorch twin each.

PyTorch comparisons use an elementwise relative tolerance of 1e-8 although both
sides are float64: an entry that happens to cancel to nearly zero carries a relative
round-off far above machine epsilon.
"""

import numpy as np
import pytest
import torch.nn.functional as F

from cs231n.layer_utils import (
    affine_bn_relu_backward,
    affine_bn_relu_forward,
    affine_ln_relu_backward,
    affine_ln_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
    conv_bn_relu_backward,
    conv_bn_relu_forward,
    conv_relu_backward,
    conv_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from tests.checks import assert_close, assert_grad, torch_forward_backward

pytestmark = pytest.mark.a2

CONV = {"stride": 1, "pad": 1}
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


def make_case(name, rng):
    """Inputs, our forward/backward pair and the PyTorch twin of one sandwich.

    Returns ``(inputs, forward, backward, torch_fn)``; ``forward(**inputs)`` gives
    ``(out, cache)`` and ``backward`` returns gradients in the order of ``inputs``.
    """
    r = rng.standard_normal
    if name == "affine_relu":
        inputs = {"x": r((2, 3, 4)), "w": r((12, 10)), "b": r(10)}
        return (
            inputs,
            affine_relu_forward,
            affine_relu_backward,
            lambda x, w, b: F.relu(x.reshape(2, -1) @ w + b),
        )
    if name == "affine_bn_relu":
        inputs = {"x": r((4, 3, 4)), "w": r((12, 5)), "b": r(5), "gamma": r(5), "beta": r(5)}
        return (
            inputs,
            lambda **k: affine_bn_relu_forward(**k, bn_param={"mode": "train"}),
            affine_bn_relu_backward,
            lambda x, w, b, gamma, beta: F.relu(
                F.batch_norm(x.reshape(4, -1) @ w + b, None, None, gamma, beta, True, 0.1, 1e-5)
            ),
        )
    if name == "affine_ln_relu":
        inputs = {"x": r((4, 3, 4)), "w": r((12, 5)), "b": r(5), "gamma": r(5), "beta": r(5)}
        return (
            inputs,
            lambda **k: affine_ln_relu_forward(**k, ln_param={}),
            affine_ln_relu_backward,
            lambda x, w, b, gamma, beta: F.relu(
                F.layer_norm(x.reshape(4, -1) @ w + b, (5,), gamma, beta, 1e-5)
            ),
        )
    if name == "conv_relu":
        inputs = {"x": r((2, 3, 8, 8)), "w": r((3, 3, 3, 3)), "b": r(3)}
        return (
            inputs,
            lambda **k: conv_relu_forward(**k, conv_param=CONV),
            conv_relu_backward,
            lambda x, w, b: F.relu(F.conv2d(x, w, b, padding=1)),
        )
    if name == "conv_bn_relu":
        inputs = {
            "x": r((2, 3, 8, 8)),
            "w": r((3, 3, 3, 3)),
            "b": r(3),
            "gamma": r(3),
            "beta": r(3),
        }
        return (
            inputs,
            lambda **k: conv_bn_relu_forward(**k, conv_param=CONV, bn_param={"mode": "train"}),
            conv_bn_relu_backward,
            lambda x, w, b, gamma, beta: F.relu(
                F.batch_norm(F.conv2d(x, w, b, padding=1), None, None, gamma, beta, True, 0.1, 1e-5)
            ),
        )
    if name == "conv_relu_pool":
        inputs = {"x": r((2, 3, 8, 8)), "w": r((3, 3, 3, 3)), "b": r(3)}
        return (
            inputs,
            lambda **k: conv_relu_pool_forward(**k, conv_param=CONV, pool_param=POOL),
            conv_relu_pool_backward,
            lambda x, w, b: F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2, 2),
        )
    raise KeyError(name)


NAMES = [
    "affine_relu",
    "affine_bn_relu",
    "affine_ln_relu",
    "conv_relu",
    "conv_bn_relu",
    "conv_relu_pool",
]


@pytest.mark.parametrize("name", NAMES)
def test_sandwich_gradients_numeric(name, rng):
    # The notebooks check every sandwich with a numeric gradient.
    inputs, forward, backward, _ = make_case(name, rng)
    out, cache = forward(**inputs)
    dout = rng.standard_normal(out.shape)
    grads = backward(dout, cache)
    assert len(grads) == len(inputs)
    # 1e-6 with batchnorm: its dx sums to zero over each channel, so some entries are
    # ~1e-4 while the round-off of the centred difference is ~1e-10 absolute for every
    # entry (measured 1.1e-7 at an entry of 4.9e-4; the torch test below checks 1e-8).
    tol = 1e-6 if "bn" in name else 1e-7
    for (arg, value), grad in zip(inputs.items(), grads):
        assert grad.shape == value.shape, f"{name} d{arg}"
        assert_grad(f"{name} d{arg}", lambda: forward(**inputs)[0], value, grad, dout, tol=tol)


@pytest.mark.parametrize("name", NAMES)
def test_sandwich_matches_torch(name, rng):
    inputs, forward, backward, torch_fn = make_case(name, rng)
    out, cache = forward(**inputs)
    dout = rng.standard_normal(out.shape)
    grads = backward(dout, cache)
    ref, g = torch_forward_backward(torch_fn, inputs, dout)
    assert_close(out, ref, 1e-8, f"{name} out")
    for arg, grad in zip(inputs, grads):
        if arg == "b" and "_bn_" in name:
            # Batch norm subtracts the batch mean, which removes any bias: db is exactly
            # zero in exact arithmetic and round-off (~1e-16) on both sides.
            assert np.abs(grad).max() < 1e-12 and np.abs(g[arg]).max() < 1e-12
            continue
        assert_close(grad, g[arg], 1e-8, f"{name} d{arg}")


def test_conv_bn_relu_updates_running_stats(rng):
    bn_param = {"mode": "train"}
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), np.zeros(4)
    conv_bn_relu_forward(x, w, b, np.ones(4), np.zeros(4), CONV, bn_param)
    assert bn_param["running_mean"].shape == (4,) and bn_param["running_var"].shape == (4,)
    assert np.all(bn_param["running_var"] > 0)
