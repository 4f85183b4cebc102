"""Naive convolution and max pooling: official values, numeric gradients, PyTorch twins.

PyTorch comparisons use an elementwise relative tolerance of 1e-8 although both
sides are float64: an entry that happens to cancel to nearly zero carries a relative
round-off far above machine epsilon.
"""

import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cs231n.gradient_check import rel_error
from cs231n.layers import (
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)
from tests.checks import assert_close, assert_grad, torch_forward_backward

pytestmark = pytest.mark.a2


# --------------------------------------------------------------------------- convolution


def test_conv_forward_official_values():
    # ConvolutionalNetworks.ipynb, "Convolution: Naive forward pass".
    x_shape, w_shape = (2, 3, 4, 4), (3, 3, 4, 4)
    x = np.linspace(-0.1, 0.5, num=np.prod(x_shape)).reshape(x_shape)
    w = np.linspace(-0.2, 0.3, num=np.prod(w_shape)).reshape(w_shape)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    correct_out = np.array(
        [
            [
                [[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                [[0.50813986, 0.54309974], [0.64082444, 0.67101435]],
            ],
            [
                [[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                [[2.36270298, 2.36904306], [2.38090835, 2.38247847]],
            ],
        ]
    )
    assert rel_error(out, correct_out) < 1e-7


@pytest.mark.parametrize(
    "stride,pad,hw,kernel",
    [
        (1, 1, (5, 5), (3, 3)),  # the notebook's gradient check
        (2, 1, (5, 6), (3, 2)),  # non-square input and kernel: (5+2-3)/2 and (6+2-2)/2
        (3, 0, (7, 5), (1, 2)),
    ],
)
def test_conv_backward_numeric(stride, pad, hw, kernel, rng):
    x = rng.standard_normal((2, 3, *hw))
    w = rng.standard_normal((3, 3, *kernel))
    b = rng.standard_normal(3)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = conv_forward_naive(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_backward_naive(dout, cache)
    f = lambda: conv_forward_naive(x, w, b, conv_param)[0]
    assert_grad("conv dx", f, x, dx, dout)
    assert_grad("conv dw", f, w, dw, dout)
    assert_grad("conv db", f, b, db, dout)


@st.composite
def conv_cases(draw):
    """Small valid convolutions: the input size is built from the output size so the
    stride always divides (H + 2*pad - HH)."""
    N, C, Fn = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    HH, WW = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    H_out, W_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H, W = (H_out - 1) * stride + HH - 2 * pad, (W_out - 1) * stride + WW - 2 * pad
    assume(H >= 1 and W >= 1)
    return (N, C, H, W), (Fn, C, HH, WW), stride, pad, draw(st.integers(0, 2**16))


@settings(max_examples=20, deadline=None)
@given(case=conv_cases())
def test_conv_matches_torch(case):
    x_shape, w_shape, stride, pad, seed = case
    r = np.random.default_rng(seed)
    x, w, b = r.standard_normal(x_shape), r.standard_normal(w_shape), r.standard_normal(w_shape[0])
    out, cache = conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})
    dout = r.standard_normal(out.shape)
    dx, dw, db = conv_backward_naive(dout, cache)
    ref, g = torch_forward_backward(
        lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=pad),
        {"x": x, "w": w, "b": b},
        dout,
    )
    assert out.shape == ref.shape
    assert_close(out, ref, 1e-8, "conv out")
    assert_close(dx, g["x"], 1e-8, "conv dx")
    assert_close(dw, g["w"], 1e-8, "conv dw")
    assert_close(db, g["b"], 1e-8, "conv db")


def test_conv_bad_params_raise(rng):
    x, w, b = rng.standard_normal((1, 3, 6, 6)), rng.standard_normal((2, 3, 3, 3)), np.zeros(2)
    with pytest.raises(ValueError, match=r"\(6 \+ 2\*0 - 3\) = 3 is not divisible by stride = 2"):
        conv_forward_naive(x, w, b, {"stride": 2, "pad": 0})
    with pytest.raises(ValueError, match="w has 2 channels but x has 3"):
        conv_forward_naive(x, rng.standard_normal((2, 2, 3, 3)), b, {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        conv_forward_naive(x, w, np.zeros(3), {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match="HH = 7 is larger than the padded input"):
        conv_forward_naive(x, rng.standard_normal((2, 3, 7, 7)), b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match=r"conv_param\['stride'\] must be an integer >= 1, got 0"):
        conv_forward_naive(x, w, b, {"stride": 0, "pad": 1})
    with pytest.raises(ValueError, match=r"conv_param\['pad'\] must be an integer >= 0, got -1"):
        conv_forward_naive(x, w, b, {"stride": 1, "pad": -1})


# --------------------------------------------------------------------------- max pooling


def test_max_pool_forward_official_values():
    # ConvolutionalNetworks.ipynb, "Max-Pooling: Naive forward".
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    out, _ = max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    correct_out = np.array(
        [
            [
                [[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]],
            ],
            [
                [[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                [[0.32631579, 0.34105263], [0.38526316, 0.4]],
            ],
        ]
    )
    assert rel_error(out, correct_out) < 1e-7


def distinct_values(r, shape):
    """Values at least 0.01 apart and of order 1, so a 1e-5 nudge never changes which
    input is the max and the round-off of the summed output stays small."""
    n = int(np.prod(shape))
    return 0.01 * (r.permutation(n) - n / 2).reshape(shape) + 0.001 * r.random(shape)


@pytest.mark.parametrize(
    "pool,hw",
    [((2, 2, 2), (8, 8)), ((3, 3, 1), (7, 7)), ((2, 3, 1), (7, 7)), ((3, 2, 2), (7, 8))],
)
def test_max_pool_backward_numeric(pool, hw, rng):
    PH, PW, stride = pool
    x = distinct_values(rng, (3, 2, *hw))
    pool_param = {"pool_height": PH, "pool_width": PW, "stride": stride}
    out, cache = max_pool_forward_naive(x, pool_param)
    dout = rng.standard_normal(out.shape)
    dx = max_pool_backward_naive(dout, cache)
    assert_grad("max pool dx", lambda: max_pool_forward_naive(x, pool_param)[0], x, dx, dout)


@st.composite
def pool_cases(draw):
    """Overlapping (stride < pool) and non-overlapping pools, square or not."""
    PH, PW, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H_out, W_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        (H_out - 1) * stride + PH,
        (W_out - 1) * stride + PW,
    )
    return shape, (PH, PW, stride), draw(st.booleans()), draw(st.integers(0, 2**16))


@settings(max_examples=20, deadline=None)
@given(case=pool_cases())
def test_max_pool_matches_torch_including_ties(case):
    shape, (PH, PW, stride), ties, seed = case
    r = np.random.default_rng(seed)
    # With ties=True the input holds only 0, 1 and 2, so most windows have tied maxima:
    # both we and PyTorch send the gradient to the first maximum in row-major order.
    x = r.integers(0, 3, shape).astype(np.float64) if ties else r.standard_normal(shape)
    pool_param = {"pool_height": PH, "pool_width": PW, "stride": stride}
    out, cache = max_pool_forward_naive(x, pool_param)
    dout = r.standard_normal(out.shape)
    dx = max_pool_backward_naive(dout, cache)
    ref, g = torch_forward_backward(
        lambda x: F.max_pool2d(x, (PH, PW), stride=stride), {"x": x}, dout
    )
    assert_close(out, ref, 1e-15, "max pool out")
    assert_close(dx, g["x"], 1e-8, "max pool dx")


@pytest.mark.parametrize(
    "pool,hw",
    [
        ((2, 2, 2), (6, 8)),  # the course's pool: non-overlapping
        ((3, 3, 1), (5, 6)),  # overlapping 3x3, stride 1
        ((3, 3, 2), (7, 7)),  # overlapping 3x3, stride 2 (AlexNet style)
        ((2, 3, 1), (4, 5)),  # non-square
    ],
)
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool_matches_torch_fixed_cases(pool, hw, ties, rng):
    PH, PW, stride = pool
    shape = (2, 3, *hw)
    x = rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)
    out, cache = max_pool_forward_naive(x, {"pool_height": PH, "pool_width": PW, "stride": stride})
    dout = rng.standard_normal(out.shape)
    ref, g = torch_forward_backward(
        lambda x: F.max_pool2d(x, (PH, PW), stride=stride), {"x": x}, dout
    )
    assert_close(out, ref, 1e-15, "max pool out")
    assert_close(max_pool_backward_naive(dout, cache), g["x"], 1e-8, "max pool dx")


def test_max_pool_ties_go_to_first_maximum():
    x = np.array([[[[1.0, 1.0], [1.0, 0.0]]]])
    dx = max_pool_backward_naive(
        np.array([[[[5.0]]]]),
        max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})[1],
    )
    np.testing.assert_array_equal(dx, [[[[5.0, 0.0], [0.0, 0.0]]]])


def test_max_pool_bad_params_raise():
    x = np.zeros((1, 1, 5, 4))
    with pytest.raises(ValueError, match=r"\(5 \+ 2\*0 - 2\) = 3 is not divisible by stride = 2"):
        max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    with pytest.raises(ValueError, match=r"pool_width = 5 is larger than the padded input W"):
        max_pool_forward_naive(x, {"pool_height": 5, "pool_width": 5, "stride": 1})
    with pytest.raises(
        ValueError, match="pool_param must be a dict with keys .*; missing 'pool_width'"
    ):
        max_pool_forward_naive(x, {"pool_height": 2, "stride": 1})
