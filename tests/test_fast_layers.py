"""Fast conv / pool layers: the same numbers as the naive layers and as PyTorch.

Every test runs twice, once per set of kernels (``cython`` and ``numpy``), in the
same session via ``with cs231n.kernels.backend.use_kernels(...)``. Checked for each layer:
forward and every gradient against the naive layer and a float64 PyTorch twin
(stride, pad, non-square kernels, overlapping pools, pools with gaps), a
centred-difference gradient check, dtype kept (float32 in -> float32 out), ties
in max pooling routed like the naive layer, and ValueErrors for bad sizes.
"""

import os

import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import cs231n.fast_layers as fl
from cs231n.kernels.backend import (
    COMPILED_KERNELS,
    active_kernels,
    kernels_named,
    use_kernels,
)
from cs231n.layers import (
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)
from tests.checks import assert_close, assert_grad, torch_forward_backward

pytestmark = pytest.mark.a2

CONV_METHODS = {
    "fast": (fl.conv_forward_fast, fl.conv_backward_fast),
    "im2col": (fl.conv_forward_im2col, fl.conv_backward_im2col),
}
POOL_METHODS = {
    "fast": (fl.max_pool_forward_fast, fl.max_pool_backward_fast),
    "strides": (fl.max_pool_forward_strides, fl.max_pool_backward_strides),
    "im2col": (fl.max_pool_forward_im2col, fl.max_pool_backward_im2col),
}

# (N, C, H, W, F, HH, WW, stride, pad): the notebook's shape, strides, pads, non-square.
CONV_CASES = [
    (2, 3, 8, 8, 3, 3, 3, 1, 1),
    (2, 3, 7, 7, 4, 3, 3, 2, 1),
    (3, 2, 6, 9, 2, 2, 3, 1, 0),
    (1, 2, 5, 5, 3, 5, 5, 1, 2),
    (2, 1, 9, 7, 2, 3, 1, 3, 0),
]
# (N, C, H, W, ph, pw, stride): tiling, overlapping, gaps, non-square.
POOL_CASES = [
    (2, 3, 8, 8, 2, 2, 2),
    (2, 2, 7, 7, 3, 3, 2),
    (2, 2, 6, 7, 2, 3, 1),
    (1, 3, 8, 8, 2, 2, 3),
    (2, 2, 6, 8, 3, 2, 1),
]


@pytest.fixture(params=["cython", "numpy"])
def backend(request):
    """Run the test on one set of kernels (the previous set is back afterwards)."""
    if request.param == "cython" and COMPILED_KERNELS is None:
        if os.environ.get("CI"):
            pytest.fail("cs231n.kernels.im2col_cython must be built under CI")
        pytest.skip("cs231n.kernels.im2col_cython not built")
    with use_kernels(kernels_named(request.param)):
        yield request.param


def _conv_arrays(rng, case, dtype=np.float64):
    N, C, H, W, Fn, HH, WW, stride, pad = case
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((Fn, C, HH, WW)).astype(dtype)
    b = rng.standard_normal(Fn).astype(dtype)
    return x, w, b, {"stride": stride, "pad": pad}


@pytest.mark.parametrize("method", sorted(CONV_METHODS))
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_matches_naive_and_torch(backend, method, case, rng):
    forward, backward = CONV_METHODS[method]
    x, w, b, cp = _conv_arrays(rng, case)
    out, cache = forward(x, w, b, cp)
    out_naive, cache_naive = conv_forward_naive(x, w, b, cp)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = backward(dout, cache)
    ref_out, ref = torch_forward_backward(
        lambda x, w, b: F.conv2d(x, w, b, stride=cp["stride"], padding=cp["pad"]),
        {"x": x, "w": w, "b": b},
        dout,
    )
    for name, ours, naive, torch_ in zip(
        ("out", "dx", "dw", "db"),
        (out, dx, dw, db),
        (out_naive, *conv_backward_naive(dout, cache_naive)),
        (ref_out, ref["x"], ref["w"], ref["b"]),
    ):
        assert ours.shape == torch_.shape and ours.dtype == np.float64
        assert_close(ours, naive, 1e-9, f"conv {method} {name} vs naive")
        assert_close(ours, torch_, 1e-9, f"conv {method} {name} vs torch")


@pytest.mark.parametrize("method", sorted(POOL_METHODS))
@pytest.mark.parametrize("case", POOL_CASES)
def test_pool_matches_naive_and_torch(backend, method, case, rng):
    forward, backward = POOL_METHODS[method]
    N, C, H, W, ph, pw, stride = case
    pp = {"pool_height": ph, "pool_width": pw, "stride": stride}
    x = rng.standard_normal((N, C, H, W))
    out, cache = forward(x, pp)
    dout = rng.standard_normal(out.shape)
    dx = backward(dout, cache)
    out_naive, cache_naive = max_pool_forward_naive(x, pp)
    ref_out, ref = torch_forward_backward(
        lambda x: F.max_pool2d(x, (ph, pw), stride=stride), {"x": x}, dout
    )
    assert_close(out, out_naive, 1e-15, f"pool {method} out vs naive")
    assert_close(out, ref_out, 1e-15, f"pool {method} out vs torch")
    assert_close(
        dx, max_pool_backward_naive(dout, cache_naive), 1e-12, f"pool {method} dx vs naive"
    )
    assert_close(dx, ref["x"], 1e-12, f"pool {method} dx vs torch")


def _grow(size, stride):
    """Smallest size + k*stride >= 1 (k >= 0): adding strides keeps divisibility."""
    return size + stride * max(0, -(-(1 - size) // stride))


@st.composite
def conv_case(draw):
    """(N, C, H, W, F, HH, WW, stride, pad) where the stride divides exactly."""
    HH, WW = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, pad = draw(st.integers(1, 2)), draw(st.integers(0, 1))
    Ho, Wo = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    H = _grow((Ho - 1) * stride + HH - 2 * pad, stride)
    W = _grow((Wo - 1) * stride + WW - 2 * pad, stride)
    N, C, Fn = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return N, C, H, W, Fn, HH, WW, stride, pad


@settings(max_examples=15, deadline=None)
@given(conv_case(), st.integers(0, 2**31 - 1))
def test_conv_fast_equals_im2col_on_random_shapes(case, seed):
    x, w, b, cp = _conv_arrays(np.random.default_rng(seed), case)
    out1, c1 = fl.conv_forward_fast(x, w, b, cp)
    out2, c2 = fl.conv_forward_im2col(x, w, b, cp)
    out_naive, _ = conv_forward_naive(x, w, b, cp)
    assert_close(out1, out_naive, 1e-9, "conv_forward_fast vs naive")
    assert_close(out2, out_naive, 1e-9, "conv_forward_im2col vs naive")
    dout = np.random.default_rng(seed + 1).standard_normal(out1.shape)
    for g1, g2, name in zip(
        fl.conv_backward_fast(dout, c1), fl.conv_backward_im2col(dout, c2), ("dx", "dw", "db")
    ):
        assert_close(g1, g2, 1e-9, f"conv {name}: strides vs im2col")


def test_conv_backward_fast_numeric_gradient(backend, rng):
    x, w, b, cp = _conv_arrays(rng, (2, 3, 5, 5, 2, 3, 3, 2, 1))
    out, cache = fl.conv_forward_fast(x, w, b, cp)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = fl.conv_backward_fast(dout, cache)
    f = lambda: fl.conv_forward_fast(x, w, b, cp)[0]
    assert_grad("conv_backward_fast dx", f, x, dx, dout)
    assert_grad("conv_backward_fast dw", f, w, dw, dout)
    assert_grad("conv_backward_fast db", f, b, db, dout)


def test_conv_fast_is_one_product_with_the_bias_as_a_column(backend, rng):
    # notes/fast_layers.md: X[n] is image n's im2col matrix with a last row of ones, and
    # out[n] = [W_row | b] @ X[n]; the same row turns sum_n D[n] @ X[n].T into [dw | db].
    x, w, b, cp = _conv_arrays(rng, (3, 2, 7, 6, 4, 3, 2, 2, 1))
    N, C = x.shape[:2]
    F, _, HH, WW = w.shape
    out, cache = fl.conv_forward_fast(x, w, b, cp)
    X = cache[4]
    K, P = C * HH * WW, out.shape[2] * out.shape[3]
    assert X.shape == (N, K + 1, P)
    np.testing.assert_array_equal(X[:, K], 1.0)
    official = fl.conv_forward_im2col(x, w, b, cp)[1][4]  # (K, Ho*Wo*N)
    np.testing.assert_array_equal(X[:, :K], official.reshape(K, P, N).transpose(2, 0, 1))
    W_b = np.concatenate([w.reshape(F, K), b[:, None]], axis=1)
    assert_close(out.reshape(N, F, P), W_b @ X, 1e-12, "out[n] = [W_row | b] @ X[n]")
    D = rng.standard_normal(out.shape)
    _, dw, db = fl.conv_backward_fast(D, cache)
    dW_b = sum(D.reshape(N, F, P)[n] @ X[n].T for n in range(N))
    assert_close(dw, dW_b[:, :K].reshape(w.shape), 1e-12, "dw = sum_n D[n] @ X[n].T")
    assert_close(db, dW_b[:, K], 1e-12, "db from the row of ones")
    assert dw.flags.c_contiguous  # not a view into [dw | db]


@pytest.mark.parametrize(
    "case", [(2, 2, 4, 4, 2, 2, 2), (2, 2, 5, 5, 3, 2, 1)], ids=["reshape", "strides"]
)
def test_max_pool_backward_fast_numeric_gradient(backend, case, rng):
    N, C, H, W, ph, pw, stride = case
    pp = {"pool_height": ph, "pool_width": pw, "stride": stride}
    # Distinct values spaced far more than the step h: no max changes during the check.
    x = rng.permutation(N * C * H * W).reshape(N, C, H, W) / 10.0
    out, cache = fl.max_pool_forward_fast(x, pp)
    assert cache[0] == ("reshape" if ph == pw == stride else "strides")
    dout = rng.standard_normal(out.shape)
    dx = fl.max_pool_backward_fast(dout, cache)
    assert_grad(
        "max_pool_backward_fast dx", lambda: fl.max_pool_forward_fast(x, pp)[0], x, dx, dout
    )


def test_max_pool_fast_picks_the_method():
    x = np.zeros((1, 1, 4, 4))
    assert (
        fl.max_pool_forward_fast(x, {"pool_height": 2, "pool_width": 2, "stride": 2})[1][0]
        == "reshape"
    )
    assert (
        fl.max_pool_forward_fast(x, {"pool_height": 2, "pool_width": 2, "stride": 1})[1][0]
        == "strides"
    )
    x = np.zeros((1, 1, 4, 5))  # non-square pool: never the reshape method
    assert (
        fl.max_pool_forward_fast(x, {"pool_height": 2, "pool_width": 1, "stride": 2})[1][0]
        == "strides"
    )


@pytest.mark.parametrize("method", sorted(POOL_METHODS))
@pytest.mark.parametrize("pool", [(2, 2, 2), (3, 3, 1), (2, 3, 1)])
def test_pool_ties_go_to_the_first_max_like_naive(backend, method, pool, rng):
    # After a ReLU many windows are all zeros: every element ties. The gradient must go
    # to ONE element, the first maximum in row-major order, exactly like the naive layer.
    ph, pw, stride = pool
    pp = {"pool_height": ph, "pool_width": pw, "stride": stride}
    x = np.maximum(rng.integers(-3, 2, size=(2, 3, 6, 6)), 0).astype(np.float64)
    forward, backward = POOL_METHODS[method]
    out, cache = forward(x, pp)
    dout = rng.standard_normal(out.shape)
    out_naive, cache_naive = max_pool_forward_naive(x, pp)
    np.testing.assert_array_equal(out, out_naive)
    np.testing.assert_allclose(
        backward(dout, cache), max_pool_backward_naive(dout, cache_naive), rtol=1e-12, atol=1e-15
    )


def test_pool_all_equal_window_by_hand():
    x = np.zeros((1, 1, 2, 2))
    out, cache = fl.max_pool_forward_fast(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    dx = fl.max_pool_backward_fast(np.array([[[[5.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[5.0, 0.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("method", sorted(CONV_METHODS))
def test_conv_float32_in_float32_out(backend, method, rng):
    forward, backward = CONV_METHODS[method]
    x, w, b, cp = _conv_arrays(rng, (2, 3, 7, 7, 4, 3, 3, 2, 1))
    out64, c64 = forward(x, w, b, cp)
    out32, c32 = forward(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), cp)
    dout = rng.standard_normal(out64.shape)
    grads32 = backward(dout.astype(np.float32), c32)
    assert out32.dtype == np.float32 and all(g.dtype == np.float32 for g in grads32)
    assert_close(out32, out64, 1e-4, "float32 out")
    for g32, g64, name in zip(grads32, backward(dout, c64), ("dx", "dw", "db")):
        assert_close(g32, g64, 1e-3, f"float32 {name}")


@pytest.mark.parametrize("method", sorted(POOL_METHODS))
@pytest.mark.parametrize("pool", [(2, 2, 2), (3, 3, 2)])
def test_pool_float32_in_float32_out(backend, method, pool, rng):
    forward, backward = POOL_METHODS[method]
    pp = dict(zip(("pool_height", "pool_width", "stride"), pool))
    x = rng.standard_normal((2, 3, 8, 8) if pool[2] == pool[0] else (2, 3, 7, 7))
    out32, c32 = forward(x.astype(np.float32), pp)
    dx32 = backward(np.ones(out32.shape, dtype=np.float32), c32)
    assert out32.dtype == np.float32 and dx32.dtype == np.float32
    np.testing.assert_array_equal(out32, forward(x, pp)[0].astype(np.float32))


def test_conv_invalid_hyperparameters_raise():
    x, w, b = np.zeros((1, 3, 8, 8)), np.zeros((2, 3, 3, 3)), np.zeros(2)
    for forward in (fl.conv_forward_fast, fl.conv_forward_im2col):
        with pytest.raises(
            ValueError, match=r"\(8 \+ 2\*0 - 3\) = 5 is not divisible by stride = 2"
        ):
            forward(x, w, b, {"stride": 2, "pad": 0})
        with pytest.raises(ValueError, match=r"w must have shape \(F, C=3, HH, WW\)"):
            forward(x, np.zeros((2, 4, 3, 3)), b, {"stride": 1, "pad": 1})
        with pytest.raises(ValueError, match=r"b must have shape \(F,\) = \(2,\)"):
            forward(x, w, np.zeros(3), {"stride": 1, "pad": 1})
        with pytest.raises(ValueError, match="larger than the padded input"):
            forward(x, np.zeros((2, 3, 11, 3)), b, {"stride": 1, "pad": 1})
        with pytest.raises(ValueError, match="conv_param must be a dict"):
            forward(x, w, b, {"stride": 1})
        with pytest.raises(ValueError, match="4 dimensions"):
            forward(np.zeros((3, 8, 8)), w, b, {"stride": 1, "pad": 1})
    out, cache = fl.conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match=r"dout must have the shape of the output \(1, 2, 8, 8\)"):
        fl.conv_backward_fast(np.zeros((1, 2, 7, 7)), cache)


def test_pool_invalid_hyperparameters_raise():
    x = np.zeros((1, 1, 5, 5))
    for forward in (
        fl.max_pool_forward_fast,
        fl.max_pool_forward_strides,
        fl.max_pool_forward_im2col,
    ):
        with pytest.raises(
            ValueError, match=r"\(5 \+ 2\*0 - 2\) = 3 is not divisible by stride = 2"
        ):
            forward(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
        with pytest.raises(ValueError, match="pool_height = 6 is larger than the padded input"):
            forward(x, {"pool_height": 6, "pool_width": 2, "stride": 1})
        with pytest.raises(ValueError, match="pool_param must be a dict"):
            forward(x, {"pool_height": 2, "stride": 1})
    with pytest.raises(ValueError, match="needs pool_height == pool_width == stride"):
        fl.max_pool_forward_reshape(x, {"pool_height": 1, "pool_width": 1, "stride": 2})


def test_kernels_named_rejects_unknown_names():
    with pytest.raises(ValueError, match="'cython' or 'numpy', got 'fortran'"):
        kernels_named("fortran")
    assert active_kernels().name in ("cython", "numpy")


def test_benchmark_script_runs(capsys):
    # The benchmark is a script, not a test; this keeps it runnable (tiny settings, no records).
    import importlib.util

    from cs231n.paths import REPO_ROOT

    spec = importlib.util.spec_from_file_location(
        "bench_fast_layers", REPO_ROOT / "benchmarks" / "bench_fast_layers.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    previous = active_kernels()
    assert bench.main(["--quick", "--no-record", "--no-naive", "--backend", "numpy"]) == 0
    assert active_kernels() is previous  # the benchmark's switch is undone
    out = capsys.readouterr().out
    assert "conv_notebook" in out and "pool_notebook" in out and "backend numpy" in out


def test_non_contiguous_inputs(backend, rng):
    # Transposed or sliced views must give the same numbers as contiguous copies.
    x = rng.standard_normal((6, 6, 3, 2)).transpose(3, 2, 0, 1)  # (2, 3, 6, 6) view
    w = rng.standard_normal((3, 3, 3, 4))[..., :3]  # (3, 3, 3, 3) sliced view
    b = rng.standard_normal(3)
    cp = {"stride": 1, "pad": 1}
    for forward, backward in CONV_METHODS.values():
        out, cache = forward(x, w, b, cp)
        ref, ref_cache = forward(np.ascontiguousarray(x), np.ascontiguousarray(w), b, cp)
        np.testing.assert_array_equal(out, ref)
        dout = rng.standard_normal(out.shape)
        for g, g_ref in zip(backward(dout, cache), backward(dout, ref_cache)):
            np.testing.assert_array_equal(g, g_ref)
    pp = {"pool_height": 2, "pool_width": 2, "stride": 2}
    for forward, backward in POOL_METHODS.values():
        out, cache = forward(x, pp)
        ref, ref_cache = forward(np.ascontiguousarray(x), pp)
        np.testing.assert_array_equal(out, ref)
        dout = rng.standard_normal(out.shape)
        np.testing.assert_array_equal(backward(dout, cache), backward(dout, ref_cache))
