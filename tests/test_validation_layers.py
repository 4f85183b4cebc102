"""Assignment 2's layers reject what they cannot compute, naming function and argument.

Every case is one bad call of a layer of :mod:`cs231n.layers`, :mod:`cs231n.nn.norm`,
:mod:`cs231n.nn.conv`, :mod:`cs231n.layer_utils`, :mod:`cs231n.fast_layers` or
:mod:`cs231n.im2col`; it must raise ``ValueError`` or ``TypeError`` whose message starts with
``<function>:`` and names the argument (issue 14's "clear" error). The groups follow the
issue: upstream gradients of the wrong shape (no broadcasting), conv/pool dicts checked by the
one geometry contract, the normalization layers' hyperparameters and statistics, empty
batches and non-finite scores in the losses, and wrong kinds of arrays. A last group checks
what must keep working: NaN through a layer, lists of numbers, the official running-statistics
start in train mode.
"""

from __future__ import annotations

import numpy as np
import pytest

from cs231n import fast_layers as fl
from cs231n import layer_utils as lu
from cs231n import layers as L
from cs231n.im2col import col2im_indices, get_im2col_indices, im2col_indices
from cs231n.kernels.geometry import output_hw
from cs231n.validation import NonFiniteError

pytestmark = pytest.mark.a2

NAN = float("nan")


def r(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape)


def bn(D, **kw):
    return {"mode": "train", **kw}


CONV = {"stride": 1, "pad": 1}
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


def raises(exc, fn: str, arg: str, call, *args):
    """``call(*args)`` raises ``exc`` whose message starts with ``fn:`` and names ``arg``."""
    with pytest.raises(exc) as info:
        call(*args)
    msg = str(info.value)
    assert msg.startswith(f"{fn}:"), msg
    assert arg in msg, msg
    return msg


# --------------------------------------------------------------------------- 1. dout shapes


def _caches():
    """``name -> (backward, cache, output shape)`` for every backward pass of the layers."""
    x2, x4 = r(4, 5), r(2, 3, 4, 4)
    w2, b2 = r(5, 3), r(3)
    w4, b4 = r(3, 3, 3, 3), r(3)
    out = {}

    def add(name, backward, forward_result):
        o, cache = forward_result
        out[name] = (backward, cache, o.shape)

    add("affine_backward", L.affine_backward, L.affine_forward(x2, w2, b2))
    add("relu_backward", L.relu_backward, L.relu_forward(x2))
    add("dropout_backward", L.dropout_backward, L.dropout_forward(x2, {"p": 0.5, "mode": "train"}))
    g, b = r(5), r(5)
    add("batchnorm_backward", L.batchnorm_backward, L.batchnorm_forward(x2, g, b, bn(5)))
    add("batchnorm_backward_alt", L.batchnorm_backward_alt, L.batchnorm_forward(x2, g, b, bn(5)))
    stats = {"running_mean": np.zeros(5), "running_var": np.ones(5)}
    add(
        "batchnorm_backward",
        L.batchnorm_backward,
        L.batchnorm_forward(x2, g, b, {"mode": "test", **stats}),
    )
    add("layernorm_backward", L.layernorm_backward, L.layernorm_forward(x2, g, b, {}))
    g3, b3 = r(3), r(3)
    add(
        "spatial_batchnorm_backward",
        L.spatial_batchnorm_backward,
        L.spatial_batchnorm_forward(x4, g3, b3, bn(3)),
    )
    add(
        "spatial_groupnorm_backward",
        L.spatial_groupnorm_backward,
        L.spatial_groupnorm_forward(x4, g3.reshape(1, 3, 1, 1), b3.reshape(1, 3, 1, 1), 3, {}),
    )
    add("conv_backward_naive", L.conv_backward_naive, L.conv_forward_naive(x4, w4, b4, CONV))
    add("max_pool_backward_naive", L.max_pool_backward_naive, L.max_pool_forward_naive(x4, POOL))
    add("conv_backward_fast", fl.conv_backward_fast, fl.conv_forward_fast(x4, w4, b4, CONV))
    add("max_pool_backward_fast", fl.max_pool_backward_fast, fl.max_pool_forward_fast(x4, POOL))
    add("affine_relu_backward", lu.affine_relu_backward, lu.affine_relu_forward(x2, w2, b2))
    add(
        "affine_bn_relu_backward",
        lu.affine_bn_relu_backward,
        lu.affine_bn_relu_forward(x2, w2, b2, g3, b3, bn(3)),
    )
    add(
        "affine_ln_relu_backward",
        lu.affine_ln_relu_backward,
        lu.affine_ln_relu_forward(x2, w2, b2, g3, b3, {}),
    )
    add("conv_relu_backward", lu.conv_relu_backward, lu.conv_relu_forward(x4, w4, b4, CONV))
    add(
        "conv_bn_relu_backward",
        lu.conv_bn_relu_backward,
        lu.conv_bn_relu_forward(x4, w4, b4, g3, b3, CONV, bn(3)),
    )
    add(
        "conv_relu_pool_backward",
        lu.conv_relu_pool_backward,
        lu.conv_relu_pool_forward(x4, w4, b4, CONV, POOL),
    )
    return out


BACKWARDS = sorted(_caches())


@pytest.mark.parametrize("name", BACKWARDS)
@pytest.mark.parametrize("bad", ["broadcast_axis0", "scalar", "axis1+1", "None", "complex"])
def test_backward_rejects_a_dout_of_another_shape_or_kind(name, bad):
    backward, cache, shape = _caches()[name]
    dout = r(*shape, seed=1)
    bad_dout = {
        "broadcast_axis0": dout[:1],  # would broadcast to a full-size, wrong gradient
        "scalar": 1.0,
        "axis1+1": np.resize(dout, (shape[0], shape[1] + 1, *shape[2:])),
        "None": None,
        "complex": dout + 0j,
    }[bad]
    exc = TypeError if bad in ("None", "complex") else ValueError
    msg = raises(exc, name, "dout", backward, bad_dout, cache)
    if exc is ValueError:
        assert str(shape) in msg, msg  # names the expected shape


@pytest.mark.parametrize("name", BACKWARDS)
def test_backward_accepts_the_right_dout_as_a_list(name):
    backward, cache, shape = _caches()[name]
    dout = r(*shape, seed=1)
    ref = backward(dout, cache)
    got = backward(dout.tolist(), cache)
    ref, got = (v if isinstance(v, tuple) else (v,) for v in (ref, got))
    for a, b in zip(ref, got, strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- 2. conv/pool dicts

BAD_CONV = [
    ({"strides": 2, "pad": 1}, "unknown key 'strides'"),
    ({"stride": 1}, "missing 'pad'"),
    ({"pad": 1}, "missing 'stride'"),
    (None, "conv_param must be a dict"),
    ({"stride": 0, "pad": 1}, r"conv_param\['stride'\] must be an integer >= 1, got 0"),
    ({"stride": -1, "pad": 1}, r"conv_param\['stride'\] must be an integer >= 1, got -1"),
    ({"stride": 1, "pad": 0.5}, r"conv_param\['pad'\] must be an integer >= 0, got 0.5"),
]


@pytest.mark.parametrize("param, message", BAD_CONV)
def test_naive_and_fast_conv_reject_the_same_dicts_with_the_same_message(param, message):
    x, w, b = r(2, 3, 4, 4), r(3, 3, 3, 3), r(3)
    naive = raises(
        ValueError, "conv_forward_naive", "conv_param", L.conv_forward_naive, x, w, b, param
    )
    fast = raises(
        ValueError, "conv_forward_fast", "conv_param", fl.conv_forward_fast, x, w, b, param
    )
    assert naive.split(": ", 1)[1] == fast.split(": ", 1)[1]  # one contract, one message
    with pytest.raises(ValueError, match=message):
        L.conv_forward_naive(x, w, b, param)


BAD_POOL = [
    ({"pool_height": 2, "pool_width": 2, "strides": 2}, "unknown key 'strides'"),
    ({"pool_height": 2, "stride": 2}, "missing 'pool_width'"),
    (None, "pool_param must be a dict"),
    ({"pool_height": 0, "pool_width": 2, "stride": 2}, r"pool_param\['pool_height'\]"),
]


@pytest.mark.parametrize("param, message", BAD_POOL)
def test_naive_and_fast_pool_reject_the_same_dicts_with_the_same_message(param, message):
    x = r(2, 3, 4, 4)
    naive = raises(
        ValueError, "max_pool_forward_naive", "pool_param", L.max_pool_forward_naive, x, param
    )
    fast = raises(
        ValueError, "max_pool_forward_fast", "pool_param", fl.max_pool_forward_fast, x, param
    )
    assert naive.split(": ", 1)[1] == fast.split(": ", 1)[1]
    with pytest.raises(ValueError, match=message):
        L.max_pool_forward_naive(x, param)


def test_output_size_rejects_a_zero_kernel_and_a_negative_stride():
    raises(ValueError, "layer", "HH", output_hw, "layer", 4, 4, 0, 3, 0, 1)
    raises(ValueError, "layer", "stride", output_hw, "layer", 4, 4, 3, 3, 0, -1)
    raises(ValueError, "layer", "pad", output_hw, "layer", 4, 4, 3, 3, -1, 1)


# --------------------------------------------------------------------------- 4. normalization

BN_FORWARDS = {
    "batchnorm_forward": (L.batchnorm_forward, lambda: (r(4, 3), r(3), r(3))),
    "spatial_batchnorm_forward": (L.spatial_batchnorm_forward, lambda: (r(2, 3, 2, 2), r(3), r(3))),
}


@pytest.mark.parametrize("fn", sorted(BN_FORWARDS))
@pytest.mark.parametrize(
    "param, arg",
    [
        ({"mode": "train", "eps": 0.0}, "bn_param['eps']"),
        ({"mode": "train", "eps": -1e-5}, "bn_param['eps']"),
        ({"mode": "train", "eps": NAN}, "bn_param['eps']"),
        ({"mode": "train", "momentum": 1.5}, "bn_param['momentum']"),
        ({"mode": "train", "momentum": -0.1}, "bn_param['momentum']"),
        ({"mode": "train", "momentum": 1.0}, "bn_param['momentum']"),  # would never update
        ({"mode": "eval"}, "bn_param['mode']"),
        ({}, "bn_param"),  # no mode
        ({"mode": "train", "running_men": np.zeros(3)}, "bn_param"),  # a typo is not ignored
        ({"mode": "train", "running_mean": np.zeros(4)}, "bn_param['running_mean']"),
        ({"mode": "test"}, "bn_param"),  # test mode before any training statistics exist
        ({"mode": "test", "running_mean": np.zeros(3)}, "bn_param"),  # running_var missing
    ],
)
def test_batchnorm_rejects_bad_bn_params(fn, param, arg):
    forward, args = BN_FORWARDS[fn]
    raises(ValueError, fn, arg, forward, *args(), param)


def test_test_mode_without_statistics_says_to_train_first():
    msg = raises(
        ValueError,
        "batchnorm_forward",
        "bn_param",
        L.batchnorm_forward,
        r(4, 3),
        r(3),
        r(3),
        {"mode": "test"},
    )
    assert "'running_mean' in test mode" in msg


@pytest.mark.parametrize("fn", sorted(BN_FORWARDS))
def test_batchnorm_rejects_a_bn_param_of_the_wrong_kind(fn):
    forward, args = BN_FORWARDS[fn]
    raises(TypeError, fn, "bn_param", forward, *args(), None)
    raises(TypeError, fn, "bn_param['eps']", forward, *args(), {"mode": "train", "eps": "1e-5"})


def test_a_train_batch_of_one_value_per_feature_is_an_error():
    # batch statistics of one example: xhat = 0 and the output would be beta
    msg = raises(
        ValueError, "batchnorm_forward", "x", L.batchnorm_forward, r(1, 3), r(3), r(3), bn(3)
    )
    assert "N >= 2" in msg
    raises(
        ValueError, "batchnorm_forward", "x", L.batchnorm_forward, r(0, 3)[:0], r(3), r(3), bn(3)
    )
    x = r(1, 3, 1, 1)
    raises(
        ValueError,
        "spatial_batchnorm_forward",
        "x",
        L.spatial_batchnorm_forward,
        x,
        r(3),
        r(3),
        bn(3),
    )
    # one image is a batch of H*W values per channel in spatial batch norm: fine
    L.spatial_batchnorm_forward(r(1, 3, 2, 2), r(3), r(3), bn(3))
    # test mode normalizes with the running statistics: one example is fine
    stats = {"running_mean": np.zeros(3), "running_var": np.ones(3)}
    L.batchnorm_forward(r(1, 3), r(3), r(3), {"mode": "test", **stats})


@pytest.mark.parametrize(
    "fn, call",
    [
        ("batchnorm_forward", lambda g, b: L.batchnorm_forward(r(4, 3), g, b, bn(3))),
        ("layernorm_forward", lambda g, b: L.layernorm_forward(r(4, 3), g, b, {})),
        (
            "spatial_batchnorm_forward",
            lambda g, b: L.spatial_batchnorm_forward(r(2, 3, 2, 2), g, b, bn(3)),
        ),
    ],
)
def test_gamma_and_beta_shapes_are_checked_against_x(fn, call):
    raises(ValueError, fn, "gamma", call, np.ones(1), np.zeros(3))  # would broadcast
    raises(ValueError, fn, "beta", call, np.ones(3), np.zeros((1, 3)))
    raises(TypeError, fn, "gamma", call, None, np.zeros(3))
    raises(TypeError, fn, "beta", call, np.ones(3), np.zeros(3) + 0j)


def test_groupnorm_gamma_and_x_channels():
    x, g = r(2, 4, 2, 2), np.ones((1, 4, 1, 1))
    fn = "spatial_groupnorm_forward"
    raises(ValueError, fn, "gamma", L.spatial_groupnorm_forward, x, np.ones(4), g, 2, {})
    # x with 5 channels: reported as the gamma mismatch it is, not as a bad G
    raises(ValueError, fn, "gamma", L.spatial_groupnorm_forward, r(2, 5, 2, 2), g, g, 2, {})
    raises(ValueError, fn, "G", L.spatial_groupnorm_forward, x, g, g, 3, {})


@pytest.mark.parametrize(
    "fn, name, call",
    [
        ("layernorm_forward", "ln_param", lambda p: L.layernorm_forward(r(4, 3), r(3), r(3), p)),
        (
            "spatial_groupnorm_forward",
            "gn_param",
            lambda p: L.spatial_groupnorm_forward(
                r(2, 4, 2, 2), np.ones((1, 4, 1, 1)), np.zeros((1, 4, 1, 1)), 2, p
            ),
        ),
    ],
)
def test_layer_and_group_norm_params(fn, name, call):
    raises(ValueError, fn, f"{name}['eps']", call, {"eps": 0})
    raises(ValueError, fn, f"{name}['eps']", call, {"eps": -1.0})
    raises(ValueError, fn, name, call, {"epsilon": 1e-5})
    raises(ValueError, fn, f"{name}['mode']", call, {"mode": "eval"})
    raises(TypeError, fn, name, call, None)
    call({"mode": "train"})  # the fully connected net sets a mode in every norm dict
    call({"eps": 1e-3, "mode": "test"})


# --------------------------------------------------------------------------- 10. losses, empty


@pytest.mark.parametrize("fn", ["svm_loss", "softmax_loss"])
def test_losses_reject_empty_batches_non_finite_scores_and_bad_labels(fn):
    loss = getattr(L, fn)
    x, y = r(3, 4), np.array([0, 1, 3])
    raises(ValueError, fn, "x", loss, np.zeros((0, 4)), np.zeros(0, dtype=int))  # NaN before
    raises(ValueError, fn, "x", loss, np.zeros((3, 0)), y)
    for bad in (np.inf, -np.inf, NAN):
        x_bad = x.copy()
        x_bad[1, 2] = bad
        raises(ValueError, fn, "x", loss, x_bad, y)  # svm_loss gave a finite loss for inf
    raises(ValueError, fn, "y", loss, x, np.array([0.5, 1, 2]))
    raises(ValueError, fn, "y", loss, x, np.array([0, 1, 4]))
    raises(ValueError, fn, "y", loss, x, np.array([0, 1]))
    raises(TypeError, fn, "y", loss, x, None)
    raises(TypeError, fn, "y", loss, x, np.array([True, False, True]))
    raises(TypeError, fn, "x", loss, None, y)
    raises(ValueError, fn, "x", loss, x[0], y)


def test_non_finite_scores_stop_training_as_a_floating_point_error():
    # A diverging run overflows its scores: the loss's error is also a FloatingPointError,
    # which the training loops (Solver's DivergenceError, the sweeps) treat as divergence.
    with pytest.raises(NonFiniteError) as info:
        L.softmax_loss(np.array([[np.inf, 0.0]]), np.array([0]))
    assert isinstance(info.value, ValueError) and isinstance(info.value, FloatingPointError)


def test_affine_and_relu_reject_empty_batches():
    raises(ValueError, "affine_forward", "x", L.affine_forward, np.zeros((0, 4)), r(4, 3), r(3))
    raises(ValueError, "relu_forward", "x", L.relu_forward, np.zeros((0, 4)))


# --------------------------------------------------------------------------- forward kinds

KINDS = {
    "None": (TypeError, lambda a: None),
    "strings": (TypeError, lambda a: ["a", "b"]),
    "object": (TypeError, lambda a: np.asarray(a).astype(object)),
    "complex": (TypeError, lambda a: np.asarray(a) + 0j),
}

FORWARDS = {
    "affine_forward": (L.affine_forward, lambda: [r(4, 5), r(5, 3), r(3)], ["x", "w", "b"]),
    "relu_forward": (L.relu_forward, lambda: [r(4, 5)], ["x"]),
    "dropout_forward": (L.dropout_forward, lambda: [r(4, 5), {"p": 0.5, "mode": "train"}], ["x"]),
    "batchnorm_forward": (
        L.batchnorm_forward,
        lambda: [r(4, 3), r(3), r(3), bn(3)],
        ["x", "gamma", "beta"],
    ),
    "layernorm_forward": (
        L.layernorm_forward,
        lambda: [r(4, 3), r(3), r(3), {}],
        ["x", "gamma", "beta"],
    ),
    "conv_forward_naive": (
        L.conv_forward_naive,
        lambda: [r(2, 3, 4, 4), r(3, 3, 3, 3), r(3), CONV],
        ["x", "w", "b"],
    ),
    "max_pool_forward_naive": (L.max_pool_forward_naive, lambda: [r(2, 3, 4, 4), POOL], ["x"]),
    "conv_forward_fast": (
        fl.conv_forward_fast,
        lambda: [r(2, 3, 4, 4), r(3, 3, 3, 3), r(3), CONV],
        ["x", "w", "b"],
    ),
    "max_pool_forward_fast": (fl.max_pool_forward_fast, lambda: [r(2, 3, 4, 4), POOL], ["x"]),
    "affine_relu_forward": (
        lu.affine_relu_forward,
        lambda: [r(4, 5), r(5, 3), r(3)],
        ["x", "w", "b"],
    ),
    "conv_relu_pool_forward": (
        lu.conv_relu_pool_forward,
        lambda: [r(2, 3, 4, 4), r(3, 3, 3, 3), r(3), CONV, POOL],
        ["x", "w", "b"],
    ),
}
FORWARD_CASES = [
    (fn, i, arg) for fn, (_, _, args) in FORWARDS.items() for i, arg in enumerate(args)
]


@pytest.mark.parametrize("fn, i, arg", FORWARD_CASES)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_forward_rejects_arrays_of_the_wrong_kind(fn, i, arg, kind):
    forward, make, _ = FORWARDS[fn]
    exc, mutate = KINDS[kind]
    args = make()
    args[i] = mutate(args[i])
    raises(exc, fn, arg, forward, *args)


def test_affine_checks_full_shapes_against_each_other():
    x, w, b = r(4, 5), r(5, 3), r(3)
    raises(ValueError, "affine_forward", "w", L.affine_forward, x, r(6, 3), b)
    raises(ValueError, "affine_forward", "w", L.affine_forward, x, r(5), b)
    raises(ValueError, "affine_forward", "b", L.affine_forward, x, w, r(1))  # would broadcast
    raises(ValueError, "affine_forward", "b", L.affine_forward, x, w, r(1, 3))
    raises(ValueError, "affine_forward", "x", L.affine_forward, 1.0, w, b)


def test_sandwich_forwards_name_themselves_before_the_layer():
    msg = raises(
        ValueError, "affine_relu_forward", "b", lu.affine_relu_forward, r(4, 5), r(5, 3), r(1)
    )
    assert msg.startswith("affine_relu_forward: affine_forward: b must have shape (3,)")
    raises(
        ValueError,
        "conv_bn_relu_forward",
        "bn_param",
        lu.conv_bn_relu_forward,
        r(2, 3, 4, 4),
        r(3, 3, 3, 3),
        r(3),
        r(3),
        r(3),
        CONV,
        {"mode": "test"},
    )
    raises(
        ValueError,
        "conv_relu_pool_forward",
        "pool_param",
        lu.conv_relu_pool_forward,
        r(2, 3, 4, 4),
        r(3, 3, 3, 3),
        r(3),
        CONV,
        {"stride": 2},
    )


@pytest.mark.parametrize(
    "param, arg",
    [
        ({"p": 0, "mode": "train"}, "dropout_param['p']"),
        ({"p": 1.5, "mode": "train"}, "dropout_param['p']"),
        ({"p": NAN, "mode": "train"}, "dropout_param['p']"),
        ({"p": 0.5, "mode": "eval"}, "dropout_param['mode']"),
        ({"p": 0.5}, "dropout_param"),
        ({"mode": "train"}, "dropout_param"),
        ({"p": 0.5, "mode": "train", "keep": 0.5}, "dropout_param"),
        ({"p": 0.5, "mode": "train", "seed": -1}, "dropout_param['seed']"),
        ({"p": 0.5, "mode": "train", "seed": 1.5}, "dropout_param['seed']"),
    ],
)
def test_dropout_rejects_bad_params(param, arg):
    raises(ValueError, "dropout_forward", arg, L.dropout_forward, r(3, 4), param)


def test_dropout_backward_test_mode_cache_with_train_mode_is_an_error():
    _, cache = L.dropout_forward(r(3, 4), {"p": 0.5, "mode": "test"})
    cache[0]["mode"] = "train"
    raises(
        ValueError, "dropout_backward", "dropout_param['mode']", L.dropout_backward, r(3, 4), cache
    )


def test_im2col_functions_name_themselves():
    x = r(2, 3, 4, 4)
    raises(TypeError, "im2col_indices", "x", im2col_indices, None, 3, 3, 1, 1)
    raises(TypeError, "im2col_indices", "x", im2col_indices, x + 0j, 3, 3, 1, 1)
    raises(ValueError, "im2col_indices", "padding", im2col_indices, x, 3, 3, -1, 1)
    raises(ValueError, "get_im2col_indices", "x_shape", get_im2col_indices, None, 3, 3, 1, 1)
    raises(ValueError, "get_im2col_indices", "stride", get_im2col_indices, x.shape, 3, 3, 1, 2)
    cols = im2col_indices(x, 3, 3, 1, 1)
    raises(ValueError, "col2im_indices", "cols", col2im_indices, cols[:1], x.shape, 3, 3, 1, 1)
    raises(
        TypeError,
        "col2im_indices",
        "cols",
        col2im_indices,
        cols.astype(object),
        x.shape,
        3,
        3,
        1,
        1,
    )


# --------------------------------------------------------------------------- what keeps working


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_nan_and_inf_propagate_through_the_layers():
    x = r(4, 5)
    x[0, 0], x[1, 1] = NAN, np.inf
    out, _ = L.affine_forward(x, r(5, 3), r(3))
    assert np.isnan(out[0]).all() and np.isfinite(out[2:]).all()
    out, _ = L.relu_forward(x)
    assert np.isnan(out[0, 0]) and out[1, 1] == np.inf
    out, cache = L.batchnorm_forward(x, np.ones(5), np.zeros(5), bn(5))
    assert np.isnan(out[:, 0]).all() and np.isfinite(out[:, 2:]).all()
    dx, _, _ = L.batchnorm_backward(np.ones_like(out), cache)
    assert np.isnan(dx[:, 0]).all()
    x4 = r(2, 3, 4, 4)
    x4[0, 0, 0, 0] = NAN
    out, _ = L.conv_forward_naive(x4, r(3, 3, 3, 3), r(3), CONV)
    assert np.isnan(out[0]).any() and np.isfinite(out[1]).all()


def test_lists_of_numbers_are_arrays():
    x, w, b = r(4, 5), r(5, 3), r(3)
    np.testing.assert_array_equal(
        L.affine_forward(x.tolist(), w.tolist(), b.tolist())[0], L.affine_forward(x, w, b)[0]
    )
    loss, _ = L.softmax_loss(x.tolist(), [0, 1, 2, 3])
    assert loss == L.softmax_loss(x, np.array([0, 1, 2, 3]))[0]


def test_train_mode_still_starts_the_running_statistics_at_zero():
    bn_param = {"mode": "train", "momentum": 0.5}
    x = r(4, 3)
    L.batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.5 * x.mean(axis=0))
    np.testing.assert_allclose(bn_param["running_var"], 0.5 * x.var(axis=0))
    L.batchnorm_forward(x, np.ones(3), np.zeros(3), {**bn_param, "mode": "test"})  # now fine
