"""Winograd F(2x2, 3x3) and F(4x4, 3x3) convolution: the same numbers as the naive layer
and PyTorch.

Checked: forward against ``conv_forward_naive`` and ``F.conv2d`` in float64 (odd
output sizes, pad 0/1/2, N = 1, C = 1), every gradient against centred differences,
PyTorch and ``conv_backward_fast``, float32 against float64, several channel groups
giving the same numbers as one, and ``ValueError`` for what Winograd cannot do. The
layer tests run once per tile size (``conv_param['tile']`` 2 and 4) and backend of the
transforms (``cython``, the compiled ``cs231n.kernels.winograd_cython``, and ``numpy``,
:mod:`cs231n.kernels.winograd_numpy`), and the backends are compared transform by transform with
each other and with the plain matrix products of :mod:`cs231n.kernels.winograd_matrices`. The ``test_note_winograd_*`` tests implement the formulas of
``notes/winograd.md`` one by one (named there next to each formula).
"""

import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import cs231n.fast_layers as fl
import cs231n.kernels.winograd as wg
import cs231n.kernels.winograd_matrices as wmat
import cs231n.kernels.winograd_numpy as wnp
from cs231n.kernels.backend import COMPILED_KERNELS, kernels_named, use_kernels
from cs231n.kernels.winograd import AT, BT, G, conv_backward_winograd, conv_forward_winograd
from cs231n.layers import conv_forward_naive
from tests.checks import assert_close, assert_grad, torch_forward_backward

pytestmark = pytest.mark.a2

NOTE = Path(__file__).resolve().parents[1] / "notes" / "winograd.md"

# (N, C, H, W, F, pad): even and odd output sizes, pad 0/1/2, N = 1, C = 1, Ho = 1.
CASES = [
    (2, 3, 8, 8, 4, 1),  # Ho = Wo = 8
    (1, 1, 5, 5, 1, 0),  # N = C = F = 1, Ho = 3 (odd)
    (2, 2, 7, 9, 3, 1),  # Ho = 7, Wo = 9, both odd
    (3, 2, 6, 5, 2, 2),  # pad 2: Ho = 8, Wo = 7
    (1, 2, 3, 3, 2, 0),  # a single output pixel
    (2, 3, 4, 6, 5, 0),  # Ho = 2, Wo = 4: one row of tiles
]


BACKENDS = ["cython", "numpy"]
_TRANSFORMS = ("input_transform", "output_transform", "output_transform_T", "input_transform_T")
TILES = [2, 4]


def _require(name):
    if name == "cython" and COMPILED_KERNELS is None:
        if os.environ.get("CI"):
            pytest.fail("cs231n.kernels.winograd_cython must be built under CI")
        pytest.skip("cs231n.kernels.winograd_cython not built")


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test on one set of kernels (the previous set is back afterwards)."""
    _require(request.param)
    with use_kernels(kernels_named(request.param)):
        yield request.param


@pytest.fixture(params=TILES)
def tile(request):
    """The output tile size m of Winograd F(m x m, 3x3): ``conv_param['tile']``."""
    return request.param


def _transforms(name):
    """The four transforms of one set of kernels, by name."""
    _require(name)
    kernels = kernels_named(name)
    return {k: getattr(kernels, k) for k in _TRANSFORMS}


def _arrays(rng, case, dtype=np.float64, tile=2):
    N, C, H, W, Fn, pad = case
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((Fn, C, 3, 3)).astype(dtype)
    b = rng.standard_normal(Fn).astype(dtype)
    return x, w, b, {"stride": 1, "pad": pad, "tile": tile}


def _assert_close_to_scale(actual, expected, tol, what):
    """``max |actual - expected| < tol * max |expected|``: the error measured against the
    largest value, for arrays with entries that are 0 only up to rounding."""
    err = np.max(np.abs(actual - expected)) / max(np.max(np.abs(expected)), 1e-300)
    assert err < tol, f"{what}: error {err:.2e} of the largest value >= {tol:g}"


def _torch_conv(pad):
    return lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=pad)


@pytest.mark.parametrize("case", CASES)
def test_forward_matches_naive_and_torch(case, rng, backend, tile):
    x, w, b, cp = _arrays(rng, case, tile=tile)
    out, _ = conv_forward_winograd(x, w, b, cp)
    naive, _ = conv_forward_naive(x, w, b, {"stride": 1, "pad": cp["pad"]})
    ref, _ = torch_forward_backward(_torch_conv(cp["pad"]), {"x": x, "w": w, "b": b}, dout=naive)
    assert out.dtype == np.float64
    assert_close(out, naive, tol=1e-10, what="winograd forward vs naive")
    assert_close(out, ref, tol=1e-10, what="winograd forward vs torch")


@pytest.mark.parametrize("case", CASES)
def test_backward_matches_torch_and_fast(case, rng, backend, tile):
    x, w, b, cp = _arrays(rng, case, tile=tile)
    out, cache = conv_forward_winograd(x, w, b, cp)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_backward_winograd(dout, cache)
    _, grads = torch_forward_backward(_torch_conv(cp["pad"]), {"x": x, "w": w, "b": b}, dout)
    _, fast_cache = fl.conv_forward_fast(x, w, b, {"stride": 1, "pad": cp["pad"]})
    fast = fl.conv_backward_fast(dout, fast_cache)
    for name, ours, theirs, direct in zip("xwb", (dx, dw, db), (grads[k] for k in "xwb"), fast):
        assert ours.shape == theirs.shape
        assert_close(ours, theirs, tol=1e-10, what=f"d{name} vs torch")
        assert_close(ours, direct, tol=1e-10, what=f"d{name} vs conv_backward_fast")


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[3]])
def test_numeric_gradients(case, rng, backend, tile):
    # The layer is linear in each of x, w, b, so a centred difference has no truncation error
    # for any step h; only rounding, ~eps * |sum(out * dout)| / h. h = 1e-3 keeps that below
    # 1e-11, far under the smallest gradient entries (with h = 1e-5 an entry of 2e-3 missed
    # 1e-7 relative by rounding alone).
    x, w, b, cp = _arrays(rng, case, tile=tile)
    out, cache = conv_forward_winograd(x, w, b, cp)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_backward_winograd(dout, cache)

    def f():
        return conv_forward_winograd(x, w, b, cp)[0]

    assert_grad("conv_winograd dx", f, x, dx, dout, h=1e-3)
    assert_grad("conv_winograd dw", f, w, dw, dout, h=1e-3)
    assert_grad("conv_winograd db", f, b, db, dout, h=1e-3)


def test_float32_close_to_float64(rng, backend, tile):
    # float32 rounds every add of the transforms and every GEMM product to ~6e-8 relative;
    # errors grow with the C*9 = 144 summed terms, so 1e-5 of the largest value leaves a wide
    # margin (measured: ~2e-7 for tile 2, like direct convolution, and ~1e-6 for tile 4,
    # whose transforms multiply by up to 8 and 1/24) while catching any real mistake.
    case = (4, 16, 12, 11, 8, 1)
    x, w, b, cp = _arrays(rng, case, tile=tile)
    out64, cache64 = conv_forward_winograd(x, w, b, cp)
    dout = rng.standard_normal(out64.shape)
    grads64 = conv_backward_winograd(dout, cache64)
    f32 = [a.astype(np.float32) for a in (x, w, b, dout)]
    out32, cache32 = conv_forward_winograd(*f32[:3], cp)
    grads32 = conv_backward_winograd(f32[3], cache32)
    for name, a32, a64 in zip(("out", "dx", "dw", "db"), (out32, *grads32), (out64, *grads64)):
        assert a32.dtype == np.float32, name
        _assert_close_to_scale(a32, a64, tol=1e-5, what=f"{name}: float32")


def test_several_channel_groups_same_numbers(rng, monkeypatch):
    # Groups of channels (numpy transforms) are an implementation detail: one channel per
    # group must agree.
    with use_kernels(kernels_named("numpy")):
        x, w, b, cp = _arrays(rng, (2, 5, 7, 6, 3, 1))
        out, cache = conv_forward_winograd(x, w, b, cp)
        dout = rng.standard_normal(out.shape)
        grads = conv_backward_winograd(dout, cache)
        monkeypatch.setattr(wnp, "_GROUP_BYTES", 1)
        out1, cache1 = conv_forward_winograd(x, w, b, cp)
        np.testing.assert_allclose(out1, out, rtol=0, atol=1e-13)
        for g1, g in zip(conv_backward_winograd(dout, cache1), grads):
            np.testing.assert_allclose(g1, g, rtol=0, atol=1e-12)


@pytest.mark.parametrize("m", TILES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES)
def test_compiled_and_numpy_transforms_agree(case, dtype, m, rng):
    # Each transform of one backend against the other's, on the same arrays. float64 agrees
    # to rounding (< 1e-10 relative); in float32 the overlap-add sums up to 4 tiles in
    # another order, so an entry near zero after cancellation can differ by more than 1e-5
    # of itself: compare with the largest value instead (measured ~1e-7).
    # For m = 2 the numpy backend is its own code, for m = 4 the matrix form; the matrix form
    # is compared with both backends for both sizes (test_matrix_form_agrees below).
    cy, nu = _transforms("cython"), _transforms("numpy")
    N, C, H, W, Fn, pad = case
    Ho, Wo = H + 2 * pad - 2, W + 2 * pad - 2
    aa, P = (m + 2) ** 2, np.prod(wmat.tile_counts(Ho, Wo, m)) * N
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    M = rng.standard_normal((aa, Fn, P)).astype(dtype)
    b = rng.standard_normal(Fn).astype(dtype)
    dout = rng.standard_normal((N, Fn, Ho, Wo)).astype(dtype)
    dV = rng.standard_normal((aa, C, P)).astype(dtype)
    for name, args in [
        ("input_transform", (x, pad)),
        ("output_transform", (M, b, N, Ho, Wo)),
        ("output_transform_T", (dout, None)),
        ("input_transform_T", (dV, N, H, W, pad)),
    ]:
        ours, ref = cy[name](*args, m=m), nu[name](*args, m=m)
        assert ours.dtype == ref.dtype == dtype, name
        assert ours.shape == ref.shape, name
        if dtype == np.float64:
            assert_close(ours, ref, tol=1e-10, what=f"{name} cython vs numpy")
        else:
            _assert_close_to_scale(ours, ref, tol=1e-6, what=f"{name} cython vs numpy")


@pytest.mark.parametrize("m", TILES)
def test_matrix_form_agrees(m, rng, backend):
    # The active backend's transforms against np.tensordot with the matrices themselves
    # (cs231n.kernels.winograd_matrices), float64, on a shape with cropped tiles for both sizes.
    N, C, H, W, Fn, pad = 3, 2, 9, 7, 4, 1
    Ho, Wo = H + 2 * pad - 2, W + 2 * pad - 2
    aa, P = (m + 2) ** 2, np.prod(wmat.tile_counts(Ho, Wo, m)) * N
    x = rng.standard_normal((N, C, H, W))
    M, b = rng.standard_normal((aa, Fn, P)), rng.standard_normal(Fn)
    dout, dV = rng.standard_normal((N, Fn, Ho, Wo)), rng.standard_normal((aa, C, P))
    for name, ours, ref in [
        ("input", wg.input_transform(x, pad, m), wmat.input_transform(x, pad, m)),
        (
            "output",
            wg.output_transform(M, b, N, Ho, Wo, m),
            wmat.output_transform(M, b, N, Ho, Wo, m),
        ),
        ("output_T", wg.output_transform_T(dout, None, m), wmat.output_transform_T(dout, None, m)),
        (
            "input_T",
            wg.input_transform_T(dV, N, H, W, pad, m),
            wmat.input_transform_T(dV, N, H, W, pad, m),
        ),
    ]:
        assert_close(ours, ref, tol=1e-10, what=f"{name} transform (m = {m}) vs matrix form")


@pytest.mark.parametrize("m", TILES)
def test_note_winograd_tile_identity_both_sizes(m, rng):
    # The defining identity: A^T [(G g G^T) * (B^T d B)] A is the m x m valid correlation of
    # the (m+2) x (m+2) tile d with the 3x3 filter g, for any d and g.
    BT, G_, AT_ = wmat.matrices(m)
    d, g = rng.standard_normal((m + 2, m + 2)), rng.standard_normal((3, 3))
    Y = AT_ @ ((G_ @ g @ G_.T) * (BT @ d @ BT.T)) @ AT_.T
    direct = np.array([[np.sum(d[i : i + 3, j : j + 3] * g) for j in range(m)] for i in range(m)])
    assert_close(Y, direct, tol=1e-12, what=f"F({m}x{m}, 3x3) on one tile")
    with pytest.raises(ValueError, match=r"tile size m must be one of \[2, 4\], got 3"):
        wmat.matrices(3)


def test_transforms_are_adjoint(rng, backend, tile):
    # <input_transform(x), dV> = <x, input_transform_T(dV)>, and the same for the output
    # transform without its bias: the backward transforms are the forward ones' transposes.
    m = tile
    N, C, H, W, pad = 3, 2, 7, 6, 1
    x = rng.standard_normal((N, C, H, W))
    V = wg.input_transform(x, pad, m)
    dV = rng.standard_normal(V.shape)
    lhs, rhs = np.sum(V * dV), np.sum(x * wg.input_transform_T(dV, N, H, W, pad, m))
    assert np.isclose(lhs, rhs, rtol=1e-12), (lhs, rhs)
    Ho, Wo = 5, 7
    M = rng.standard_normal(((m + 2) ** 2, 2, np.prod(wmat.tile_counts(Ho, Wo, m)) * N))
    dout = rng.standard_normal((N, 2, Ho, Wo))
    out = wg.output_transform(M, np.zeros(2), N, Ho, Wo, m)
    lhs, rhs = np.sum(out * dout), np.sum(M * wg.output_transform_T(dout, None, m))
    assert np.isclose(lhs, rhs, rtol=1e-12), (lhs, rhs)


def test_cache_is_the_same_for_both_backends(rng, tile):
    # V in the cache has one layout, so a forward on one backend and a backward on the
    # other give the gradients of either.
    _require("cython")
    x, w, b, cp = _arrays(rng, (2, 3, 7, 8, 4, 1), tile=tile)
    with use_kernels(kernels_named("cython")):
        out, cache = conv_forward_winograd(x, w, b, cp)
        dout = rng.standard_normal(out.shape)
        grads = conv_backward_winograd(dout, cache)
    with use_kernels(kernels_named("numpy")):
        out_np, cache_np = conv_forward_winograd(x, w, b, cp)
        assert_close(cache_np[5], cache[5], tol=1e-12, what="V numpy vs cython")
        for name, g_mixed, g in zip("xwb", conv_backward_winograd(dout, cache), grads):
            assert_close(g_mixed, g, tol=1e-10, what=f"d{name}: cython cache, numpy backward")


def test_compiled_transforms_name_bad_arguments(rng):
    cy = _transforms("cython")
    with pytest.raises(ValueError, match=r"input_transform: x must be float32 or float64"):
        cy["input_transform"](np.zeros((1, 1, 4, 4), dtype=np.int64), 1)
    with pytest.raises(ValueError, match=r"input_transform: x must have shape \(\?, \?, \?, \?\)"):
        cy["input_transform"](np.zeros((4, 4)), 1)
    with pytest.raises(ValueError, match=r"pad = 0 leaves no 3x3 window in 2 x 4"):
        cy["input_transform"](np.zeros((1, 1, 2, 4)), 0)
    with pytest.raises(ValueError, match=r"M must have shape \(16, \?, 8\), got \(16, 2, 9\)"):
        cy["output_transform"](np.zeros((16, 2, 9)), np.zeros(2), 2, 4, 4)
    with pytest.raises(ValueError, match=r"b must have shape \(2\), got \(3,\)"):
        cy["output_transform"](np.zeros((16, 2, 8)), np.zeros(3), 2, 4, 4)
    with pytest.raises(ValueError, match=r"dV must have shape \(16, \?, 8\)"):
        cy["input_transform_T"](np.zeros((16, 2, 9)), 2, 4, 4, 1)
    with pytest.raises(ValueError, match=r"M must have shape \(36, \?, 2\), got \(16, 2, 2\)"):
        cy["output_transform"](np.zeros((16, 2, 2)), np.zeros(2), 2, 4, 4, m=4)
    with pytest.raises(ValueError, match=r"m \(the output tile size\) must be 2 or 4, got 3"):
        cy["input_transform"](np.zeros((1, 1, 4, 4)), 1, m=3)


def test_kernels_named_rejects_unknown_names():
    with pytest.raises(ValueError, match="'cython' or 'numpy', got 'fortran'"):
        kernels_named("fortran")
    with pytest.raises(ValueError, match="kernels must be a Kernels object, got 'numpy'"):
        with use_kernels("numpy"):  # a name is not a set of kernels
            pass


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 3),
    f=st.integers(1, 3),
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    pad=st.integers(0, 2),
    seed=st.integers(0, 2**16),
)
def test_hypothesis_shapes_match_fast(n, c, f, h, w, pad, seed):
    # Every available backend of the transforms against conv_forward_fast / backward_fast.
    if h + 2 * pad < 3 or w + 2 * pad < 3:
        return  # the 3x3 filter does not fit: a ValueError, tested below
    rng = np.random.default_rng(seed)
    x, wt, b, cp = _arrays(rng, (n, c, h, w, f, pad))
    ref, ref_cache = fl.conv_forward_fast(x, wt, b, {"stride": 1, "pad": cp["pad"]})
    dout = rng.standard_normal(ref.shape)
    ref_grads = fl.conv_backward_fast(dout, ref_cache)
    for name in BACKENDS if COMPILED_KERNELS is not None else ["numpy"]:
        with use_kernels(kernels_named(name)):
            for m in TILES:
                # Tile 4's G has 1/6 and 1/24, inexact in binary: a weight that only ever
                # meets padding gets a dw of ~1e-16 instead of exactly 0, which no relative
                # test can pass. So tile 4 is compared with the largest value instead, to
                # 1e-12 of it (float64 rounding is ~1e-16; a real error is of order 1).
                check = assert_close if m == 2 else _assert_close_to_scale
                tol = 1e-10 if m == 2 else 1e-12
                out, cache = conv_forward_winograd(x, wt, b, {**cp, "tile": m})
                check(out, ref, tol=tol, what=f"forward ({name}, tile {m})")
                for d, g, g_ref in zip("xwb", conv_backward_winograd(dout, cache), ref_grads):
                    check(g, g_ref, tol=tol, what=f"d{d} ({name}, tile {m})")


def test_reexported_from_fast_layers():
    assert fl.conv_forward_winograd is conv_forward_winograd
    assert fl.conv_backward_winograd is conv_backward_winograd


def test_errors_name_the_numbers(rng):
    x, w, b, cp = _arrays(rng, (2, 3, 6, 6, 4, 1))
    with pytest.raises(ValueError, match=r"3x3 filters, got HH x WW = 5 x 5.*conv_forward_fast"):
        conv_forward_winograd(x, rng.standard_normal((4, 3, 5, 5)), b, cp)
    with pytest.raises(ValueError, match=r"HH x WW = 3 x 2"):
        conv_forward_winograd(x, w[..., :2], b, cp)
    with pytest.raises(
        ValueError,
        match=r"conv_param\['stride'\] must be 1 for Winograd F\(2x2, 3x3\), got 2.*conv_forward_fast",
    ):
        conv_forward_winograd(x, w, b, {"stride": 2, "pad": 1})
    with pytest.raises(ValueError, match=r"w has dtype float32 but x has float64"):
        conv_forward_winograd(x, w.astype(np.float32), b, cp)
    with pytest.raises(ValueError, match=r"b has dtype float32 but x has float64"):
        conv_forward_winograd(x, w, b.astype(np.float32), cp)
    with pytest.raises(ValueError, match=r"w must have shape \(F, C=3, 3, 3\), got \(4, 2, 3, 3\)"):
        conv_forward_winograd(x, w[:, :2], b, cp)
    with pytest.raises(ValueError, match=r"b must have shape \(F,\) = \(4,\), got \(3,\)"):
        conv_forward_winograd(x, w, b[:3], cp)
    with pytest.raises(ValueError, match=r"conv_param\['pad'\] must be an integer >= 0, got -1"):
        conv_forward_winograd(x, w, b, {"stride": 1, "pad": -1})
    with pytest.raises(ValueError, match=r"HH = 3 is larger than the padded input"):
        conv_forward_winograd(x[:, :, :2], w, b, {"stride": 1, "pad": 0})
    with pytest.raises(ValueError, match=r"conv_param must be a dict"):
        conv_forward_winograd(x, w, b, {"pad": 1})
    with pytest.raises(ValueError, match=r"conv_param\['tile'\] .* must be 2 or 4, got 3"):
        conv_forward_winograd(x, w, b, {**cp, "tile": 3})
    out, cache = conv_forward_winograd(x, w, b, cp)
    with pytest.raises(ValueError, match=r"dout must have the output's shape \(2, 4, 6, 6\)"):
        conv_backward_winograd(np.zeros((2, 4, 6, 5)), cache)
    with pytest.raises(ValueError, match=r"dout has dtype float32 but x has float64"):
        conv_backward_winograd(np.zeros(out.shape, dtype=np.float32), cache)


# ======================================================================= notes/winograd.md


def test_every_winograd_note_formula_has_its_test():
    named = set(re.findall(r"`(test_note_winograd_\w+)`", NOTE.read_text()))
    defined = {k for k in globals() if k.startswith("test_note_winograd_")}
    assert named - defined == set(), f"named in the note but not defined: {named - defined}"
    assert defined - named == set(), f"defined but named in no note: {defined - named}"


def test_note_winograd_1d(rng):
    # F(2, 3): y = A^T [(G g) * (B^T d)] is the correlation of d (4,) with g (3,).
    d, g = rng.standard_normal(4), rng.standard_normal(3)
    direct = np.array([d[0:3] @ g, d[1:4] @ g])
    assert_close(AT @ ((G @ g) * (BT @ d)), direct, tol=1e-14, what="F(2,3)")
    # 4 multiplies instead of 6; the transform matrices hold only 0, +-1 and +-1/2.
    assert set(np.unique(np.abs(np.concatenate([BT.ravel(), G.ravel(), AT.ravel()])))) == {
        0,
        0.5,
        1,
    }


def test_note_winograd_2d_tile(rng):
    # F(2x2, 3x3) = F(2,3) along rows, then along columns: Y = A^T [U * V] A.
    d, g = rng.standard_normal((4, 4)), rng.standard_normal((3, 3))
    U, V = G @ g @ G.T, BT @ d @ BT.T
    direct = np.array([[np.sum(d[y : y + 3, x : x + 3] * g) for x in range(2)] for y in range(2)])
    assert_close(AT @ (U * V) @ AT.T, direct, tol=1e-13, what="F(2x2,3x3) tile")


def test_note_winograd_overlapping_tiles(rng):
    # Tile (ty, tx) is the padded input at rows 2ty..2ty+3, cols 2tx..2tx+3 (overlap of 2),
    # V[4i + j][c, (ty, tx, n)] = (B^T d B)[i, j]; Ho odd pads the grid with zeros.
    N, C, H, W, pad = 2, 3, 5, 6, 1
    x = rng.standard_normal((N, C, H, W))
    V = wg.input_transform(x, pad)
    Th, Tw = (H + 2 * pad - 1) // 2, (W + 2 * pad - 1) // 2  # ceil(Ho/2), ceil(Wo/2)
    xp = np.zeros((N, C, 2 * Th + 2, 2 * Tw + 2))
    xp[:, :, pad : pad + H, pad : pad + W] = x
    V6 = V.reshape(4, 4, C, Th, Tw, N)
    for n, c, ty, tx in [(0, 0, 0, 0), (1, 2, Th - 1, Tw - 1), (0, 1, 1, 2), (1, 0, 2, 0)]:
        d = xp[n, c, 2 * ty : 2 * ty + 4, 2 * tx : 2 * tx + 4]
        assert_close(V6[:, :, c, ty, tx, n], BT @ d @ BT.T, tol=1e-14, what=f"tile {ty},{tx}")
    # The filters: U[4a + b][f, c] = (G g G^T)[a, b].
    w = rng.standard_normal((4, C, 3, 3))
    U = wg.filter_transform(w).reshape(4, 4, 4, C)
    assert_close(U[:, :, 3, 1], G @ w[3, 1] @ G.T, tol=1e-14, what="filter transform")


def test_note_winograd_channel_sum_is_gemm(rng):
    # Summing U * V over channels for every tile = 16 GEMMs M[k] = U[k] @ V[k]; the output
    # transform of M plus the bias is the convolution.
    x, w, b, cp = _arrays(rng, (2, 3, 6, 7, 4, 1))
    U, V = wg.filter_transform(w), wg.input_transform(x, 1)
    out = wg.output_transform(np.matmul(U, V), b, 2, 6, 7)
    ref = conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})[0]
    assert_close(out, ref, tol=1e-10, what="output transform")


def test_note_winograd_backward_transposes(rng):
    # Each linear map's gradient is its transpose: <A^T M A, dY> = <M, A dY A^T>,
    # <G g G^T, dU> = <g, G^T dU G>, <B^T d B, dV> = <d, B dV B^T>.
    M, dY = rng.standard_normal((4, 4)), rng.standard_normal((2, 2))
    g, dU = rng.standard_normal((3, 3)), rng.standard_normal((4, 4))
    d, dV = rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    assert np.isclose(np.sum((AT @ M @ AT.T) * dY), np.sum(M * (AT.T @ dY @ AT)), rtol=1e-13)
    assert np.isclose(np.sum((G @ g @ G.T) * dU), np.sum(g * (G.T @ dU @ G)), rtol=1e-13)
    assert np.isclose(np.sum((BT @ d @ BT.T) * dV), np.sum(d * (BT.T @ dV @ BT)), rtol=1e-13)


def test_note_winograd_dw_dx_formulas(rng, backend):
    # dM = A dY A^T per tile; dU[k] = dM[k] @ V[k]^T, dw = G^T dU G; dV[k] = U[k]^T @ dM[k],
    # dx = overlap-add of B dV B^T, cropped. Written out tile by tile and compared.
    N, C, H, W, Fn, pad = 2, 2, 5, 4, 3, 1
    x, w, b, cp = _arrays(rng, (N, C, H, W, Fn, pad))
    out, cache = conv_forward_winograd(x, w, b, cp)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_backward_winograd(dout, cache)
    U, V = cache[4].reshape(4, 4, Fn, C), cache[5]
    Ho, Wo = out.shape[2:]
    Th, Tw = (Ho + 1) // 2, (Wo + 1) // 2
    V = V.reshape(4, 4, C, Th, Tw, N)
    dY = np.zeros((N, Fn, 2 * Th, 2 * Tw))
    dY[:, :, :Ho, :Wo] = dout
    dU = np.zeros((4, 4, Fn, C))
    dxp = np.zeros((N, C, 2 * Th + 2, 2 * Tw + 2))
    for n in range(N):
        for ty in range(Th):
            for tx in range(Tw):
                dM = np.stack(
                    [
                        AT.T @ dY[n, f, 2 * ty : 2 * ty + 2, 2 * tx : 2 * tx + 2] @ AT
                        for f in range(Fn)
                    ],
                    axis=-1,
                )  # (4, 4, F)
                dU += dM[:, :, :, None] * V[:, :, None, :, ty, tx, n]
                dV = np.einsum("abfc,abf->abc", U, dM)  # U^T dM per entry
                for c in range(C):
                    dxp[n, c, 2 * ty : 2 * ty + 4, 2 * tx : 2 * tx + 4] += BT.T @ dV[:, :, c] @ BT
    dw_ref = np.einsum("ai,abfc,bj->fcij", G, dU, G)
    assert_close(dw, dw_ref, tol=1e-10, what="dw = G^T dU G")
    assert_close(dx, dxp[:, :, pad : pad + H, pad : pad + W], tol=1e-10, what="dx overlap-add")
    assert_close(db, dout.sum(axis=(0, 2, 3)), tol=1e-12, what="db")
    tx_ = torch.tensor(x, requires_grad=True)
    F.conv2d(tx_, torch.tensor(w), torch.tensor(b), padding=pad).backward(torch.tensor(dout))
    assert_close(dx, tx_.grad.numpy(), tol=1e-10, what="dx vs torch")


@pytest.mark.parametrize("m", TILES)
def test_every_output_transform_T_checks_its_out_buffer(m):
    # One check (winograd_matrices.out_or_new) serves the compiled, numpy and matrix forms.
    dout = np.zeros((2, 3, 4, 4))
    aa, P = (m + 2) ** 2, np.prod(wmat.tile_counts(4, 4, m)) * 2
    impls = [wnp.output_transform_T, wmat.output_transform_T]
    if COMPILED_KERNELS is not None:
        impls.append(_transforms("cython")["output_transform_T"])
    for fn in impls:
        dM = np.full((aa, 3, P), np.nan)
        assert fn(dout, dM, m=m) is dM and not np.isnan(dM).any()
        for bad in (np.zeros((aa, 3, P + 1)), np.zeros((aa, 3, P), np.float32)):
            with pytest.raises(ValueError, match=r"output_transform_T: out must be a C-contiguous"):
                fn(dout, bad, m=m)
