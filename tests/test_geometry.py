"""One convolution contract: ``conv_param`` / ``pool_param`` checked once, by the same code,
for the naive, fast, im2col and Winograd layers; backward passes use what the forward pass
checked; one switch of the kernels (:mod:`cs231n.kernels.backend`)."""

import dataclasses
import re
import threading

import numpy as np
import pytest

import cs231n.fast_layers as fl
from cs231n.kernels.backend import (
    DEFAULT_KERNELS,
    NUMPY_KERNELS,
    Kernels,
    active_kernels,
    use_kernels,
)
from cs231n.kernels.geometry import ConvParam, PoolParam
from cs231n.kernels.winograd import WinogradParam
from cs231n.layers import (
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)

pytestmark = pytest.mark.a2

# (bad conv_param, a regex of what the message must say: the field and the value)
BAD_CONV = [
    (None, r"conv_param must be a dict with keys 'stride', 'pad', got None"),
    ([1, 1], r"conv_param must be a dict with keys 'stride', 'pad', got \[1, 1\]"),
    ({"strides": 2, "pad": 1}, r"conv_param has unknown key 'strides'"),
    ({"stride": 1, "pad": 1, "tile": 2}, r"conv_param has unknown key 'tile'"),
    ({"stride": 1}, r"conv_param must be a dict with keys .*; missing 'pad'"),
    ({}, r"conv_param must be a dict with keys .*; missing 'stride', 'pad' in \{\}"),
    ({"stride": 0, "pad": 1}, r"conv_param\['stride'\] must be an integer >= 1, got 0"),
    ({"stride": 1.0, "pad": 1}, r"conv_param\['stride'\] must be an integer >= 1, got 1\.0"),
    ({"stride": True, "pad": 1}, r"conv_param\['stride'\] must be an integer >= 1, got True"),
    ({"stride": 1, "pad": -1}, r"conv_param\['pad'\] must be an integer >= 0, got -1"),
    ({"stride": 1, "pad": "1"}, r"conv_param\['pad'\] must be an integer >= 0, got '1'"),
]
BAD_POOL = [
    (None, r"pool_param must be a dict with keys 'pool_height', 'pool_width', 'stride'"),
    ({"pool_height": 2, "pool_width": 2, "strides": 2}, r"pool_param has unknown key 'strides'"),
    ({"pool_height": 2, "stride": 2}, r"pool_param must be a dict .*; missing 'pool_width'"),
    (
        {"pool_height": 0, "pool_width": 2, "stride": 2},
        r"pool_param\['pool_height'\] must be an integer >= 1",
    ),
    (
        {"pool_height": 2, "pool_width": 2.5, "stride": 2},
        r"pool_param\['pool_width'\] must be an integer >= 1",
    ),
    (
        {"pool_height": 2, "pool_width": 2, "stride": 0},
        r"pool_param\['stride'\] must be an integer >= 1, got 0",
    ),
]


@pytest.mark.parametrize("bad, message", BAD_CONV)
def test_conv_param_rejects_each_bad_dict_naming_the_field(bad, message):
    with pytest.raises(ValueError, match="^some_layer: " + message):
        ConvParam.from_dict("some_layer", bad)


@pytest.mark.parametrize("bad, message", BAD_POOL)
def test_pool_param_rejects_each_bad_dict_naming_the_field(bad, message):
    with pytest.raises(ValueError, match="^some_layer: " + message):
        PoolParam.from_dict("some_layer", bad)


def test_params_are_checked_frozen_ints():
    p = ConvParam.from_dict("layer", {"stride": np.int64(2), "pad": np.int32(1)})
    assert p == ConvParam(stride=2, pad=1)
    assert type(p.stride) is int and type(p.pad) is int
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.stride = 3  # type: ignore[misc]
    assert ConvParam.from_dict("layer", p) is p  # a checked object passes through
    q = PoolParam.from_dict("layer", {"pool_height": 2, "pool_width": 3, "stride": 1})
    assert (q.pool_height, q.pool_width, q.stride) == (2, 3, 1)
    assert q.output_hw("layer", 5, 7) == (4, 5)
    w = WinogradParam.from_dict("layer", {"stride": 1, "pad": 1})
    assert w.tile == 2 and isinstance(w, ConvParam)
    assert WinogradParam.from_dict("layer", {"stride": 1, "pad": 0, "tile": 4}).tile == 4
    with pytest.raises(ValueError, match=r"layer: conv_param has unknown key 'method'"):
        WinogradParam.from_dict("layer", {"stride": 1, "pad": 0, "method": "x"})


def _message(fn, *args) -> str:
    with pytest.raises(ValueError) as info:
        fn(*args)
    return str(info.value)


def _without_layer(message: str, layer: str) -> str:
    assert message.startswith(layer + ": "), (layer, message)
    return message[len(layer) + 2 :]


CONV_LAYERS = {
    "conv_forward_naive": conv_forward_naive,
    "conv_forward_fast": fl.conv_forward_fast,
    "conv_forward_im2col": fl.conv_forward_im2col,
}
POOL_LAYERS = {
    "max_pool_forward_naive": max_pool_forward_naive,
    "max_pool_forward_fast": fl.max_pool_forward_fast,
    "max_pool_forward_strides": fl.max_pool_forward_strides,
    "max_pool_forward_im2col": fl.max_pool_forward_im2col,
}


@pytest.mark.parametrize(
    "bad",
    [b for b, _ in BAD_CONV]
    + [{"stride": 2, "pad": 0}, {"stride": 1, "pad": 0, "_w": (2, 3, 9, 3)}],
    ids=repr,
)
def test_naive_and_fast_conv_reject_the_same_dicts_the_same_way(bad, rng):
    # Each layer names itself, then says the same thing (stride 2 does not divide 8 - 3;
    # a 9-row filter does not fit 8 rows).
    x, b = rng.standard_normal((1, 3, 8, 8)), np.zeros(2)
    w_shape = (2, 3, 3, 3)
    if isinstance(bad, dict) and "_w" in bad:
        bad = dict(bad)
        w_shape = bad.pop("_w")
    w = rng.standard_normal(w_shape)
    messages = {
        _without_layer(_message(fn, x, w, b, bad), name) for name, fn in CONV_LAYERS.items()
    }
    assert len(messages) == 1, messages


@pytest.mark.parametrize(
    "bad",
    [b for b, _ in BAD_POOL] + [{"pool_height": 2, "pool_width": 2, "stride": 2}],
    ids=repr,
)
def test_naive_and_fast_pool_reject_the_same_dicts_the_same_way(bad):
    x = np.zeros((1, 2, 5, 5))  # (5 - 2) is not divisible by 2
    messages = {_without_layer(_message(fn, x, bad), name) for name, fn in POOL_LAYERS.items()}
    assert len(messages) == 1, messages


def test_naive_layers_no_longer_fill_in_missing_keys(rng):
    x, w, b = rng.standard_normal((1, 1, 5, 5)), rng.standard_normal((1, 1, 3, 3)), np.zeros(1)
    with pytest.raises(ValueError, match="unknown key 'strides'"):
        conv_forward_naive(x, w, b, {"strides": 2, "pad": 1})  # was: stride 1, silently
    with pytest.raises(ValueError, match="missing 'pad'"):
        conv_forward_naive(x, w, b, {"stride": 1})  # was: pad 0, silently


CONV_PAIRS = [
    (conv_forward_naive, conv_backward_naive, {"stride": 2, "pad": 1}),
    (fl.conv_forward_fast, fl.conv_backward_fast, {"stride": 2, "pad": 1}),
    (fl.conv_forward_im2col, fl.conv_backward_im2col, {"stride": 2, "pad": 1}),
    (fl.conv_forward_winograd, fl.conv_backward_winograd, {"stride": 1, "pad": 1, "tile": 4}),
]


@pytest.mark.parametrize("forward, backward, conv_param", CONV_PAIRS)
def test_conv_backward_uses_the_params_checked_by_the_forward_pass(
    forward, backward, conv_param, rng
):
    x, w, b = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3)), np.zeros(4)
    cp = dict(conv_param)
    out, cache = forward(x, w, b, cp)
    dout = rng.standard_normal(out.shape)
    expected = backward(dout, forward(x, w, b, dict(conv_param))[1])
    cp.clear()
    cp.update(stride=3, pad=0, strides=7)  # what a later caller might do to a shared dict
    for g, g_ref, name in zip(backward(dout, cache), expected, "xwb"):
        np.testing.assert_array_equal(g, g_ref, err_msg=f"d{name}")


POOL_PAIRS = [
    (max_pool_forward_naive, max_pool_backward_naive),
    (fl.max_pool_forward_fast, fl.max_pool_backward_fast),
    (fl.max_pool_forward_strides, fl.max_pool_backward_strides),
    (fl.max_pool_forward_im2col, fl.max_pool_backward_im2col),
]


@pytest.mark.parametrize("forward, backward", POOL_PAIRS)
@pytest.mark.parametrize("pool", [(2, 2, 2), (3, 2, 1)])
def test_pool_backward_uses_the_params_checked_by_the_forward_pass(forward, backward, pool, rng):
    x = rng.standard_normal((2, 2, 6, 6))
    pp = dict(zip(("pool_height", "pool_width", "stride"), pool))
    out, cache = forward(x, pp)
    dout = rng.standard_normal(out.shape)
    expected = backward(dout, forward(x, dict(pp))[1])
    pp.update(pool_height=1, pool_width=5, stride=4)
    np.testing.assert_array_equal(backward(dout, cache), expected)


def test_use_kernels_is_scoped_and_per_thread():
    assert active_kernels() is DEFAULT_KERNELS
    seen = []
    with use_kernels(NUMPY_KERNELS) as k:
        assert k is NUMPY_KERNELS and active_kernels() is NUMPY_KERNELS
        t = threading.Thread(target=lambda: seen.append(active_kernels()))
        t.start()
        t.join()
    assert seen == [DEFAULT_KERNELS]  # another thread never sees the switch
    assert active_kernels() is DEFAULT_KERNELS
    with pytest.raises(RuntimeError), use_kernels(NUMPY_KERNELS):
        raise RuntimeError("undone on errors too")
    assert active_kernels() is DEFAULT_KERNELS


def test_layers_call_the_active_kernels(rng):
    # A Kernels object whose loops count their calls: the layers go through it, and only it.
    calls = []

    def counting(name, fn):
        def wrapped(*args, **kwargs):
            calls.append(name)
            return fn(*args, **kwargs)

        return wrapped

    fields = {f.name for f in dataclasses.fields(Kernels)} - {"name"}
    spy = Kernels(name="spy", **{f: counting(f, getattr(NUMPY_KERNELS, f)) for f in sorted(fields)})
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), np.zeros(4)
    with use_kernels(spy):
        out, cache = fl.conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
        fl.conv_backward_fast(np.ones_like(out), cache)
        out, cache = fl.conv_forward_winograd(x, w, b, {"stride": 1, "pad": 1})
        fl.conv_backward_winograd(np.ones_like(out), cache)
    assert calls == [
        "im2col_per_image",
        "col2im_per_image",
        "input_transform",
        "output_transform",
        "output_transform_T",
        "input_transform_T",
    ]
    assert re.fullmatch(r"Kernels\('(cython|numpy)'\)", repr(DEFAULT_KERNELS))
