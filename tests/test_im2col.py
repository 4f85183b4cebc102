"""im2col and col2im: three implementations, one layout, and their adjoint property.

* ``cs231n.im2col`` (fancy indexing, the official reference),
* ``cs231n.kernels.im2col_cython`` (compiled loops, optional),
* ``cs231n.kernels.im2col_numpy`` (strided views, the fallback),

must give the same columns for every valid window, pad and stride (square or
not), keep float32, and refuse sizes that do not divide. col2im must be the
adjoint of im2col: ``<im2col(x), cols> == <x, col2im(cols)>`` for all x, cols.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs231n.im2col import col2im_indices, get_im2col_indices, im2col_indices
from cs231n.kernels.geometry import output_hw
from cs231n.kernels.im2col_numpy import (
    col2im_numpy,
    col2im_per_image_numpy,
    im2col_numpy,
    im2col_per_image_numpy,
)
from tests.checks import assert_close

pytestmark = pytest.mark.a2


def _cython():
    """The compiled module; a failure under CI (it must be built there), else a skip."""
    try:
        from cs231n.kernels import im2col_cython
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"cs231n.kernels.im2col_cython must be built under CI: {exc}")
        pytest.skip(f"cs231n.kernels.im2col_cython not built: {exc}")
    return im2col_cython


@st.composite
def conv_geometry(draw):
    """(N, C, H, W, fh, fw, pad, stride) with (H + 2*pad - fh) divisible by stride."""
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    ho, wo = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    H = (ho - 1) * stride + fh - 2 * pad
    W = (wo - 1) * stride + fw - 2 * pad
    if H < 1 or W < 1:  # pad larger than needed: grow the output instead of rejecting
        H, W = H + 2 * pad * stride, W + 2 * pad * stride
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return N, C, H, W, fh, fw, pad, stride


def _out(H, W, fh, fw, pad, stride):
    return (H + 2 * pad - fh) // stride + 1, (W + 2 * pad - fw) // stride + 1


def test_im2col_indices_layout_by_hand():
    # One image, one channel, 3x3 input, 2x2 window, stride 1, no pad: 4 windows.
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    cols = im2col_indices(x, 2, 2, padding=0, stride=1)
    # Row r = window offset (r // 2, r % 2); column p = output position (p // 2, p % 2).
    expected = np.array([[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]], dtype=float)
    np.testing.assert_array_equal(cols, expected)


def test_get_im2col_indices_non_square_rows():
    # 2x3 window, 2 channels: row (c*fh + i)*fw + j has channel c, offset (i, j).
    k, i, j = get_im2col_indices((1, 2, 4, 5), 2, 3, padding=0, stride=1)
    assert k.shape == (12, 1) and i.shape == j.shape == (12, 3 * 3)
    r = (1 * 2 + 1) * 3 + 2  # c=1, i=1, j=2
    assert (k[r, 0], i[r, 0], j[r, 0]) == (1, 1, 2)


@settings(max_examples=25, deadline=None)
@given(conv_geometry(), st.integers(0, 2**31 - 1))
def test_numpy_im2col_matches_fancy_indexing(geom, seed):
    N, C, H, W, fh, fw, pad, stride = geom
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    cols = im2col_numpy(x, fh, fw, pad, stride)
    np.testing.assert_array_equal(cols, im2col_indices(x, fh, fw, pad, stride))
    dcols = rng.standard_normal(cols.shape)
    assert_close(
        col2im_numpy(dcols, N, C, H, W, fh, fw, pad, stride),
        col2im_indices(dcols, x.shape, fh, fw, pad, stride),
        1e-12,
        "col2im_numpy",
    )


@settings(max_examples=25, deadline=None)
@given(conv_geometry(), st.integers(0, 2**31 - 1))
def test_cython_matches_numpy(geom, seed):
    ext = _cython()
    N, C, H, W, fh, fw, pad, stride = geom
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    np.testing.assert_array_equal(
        ext.im2col_cython(x, fh, fw, pad, stride), im2col_numpy(x, fh, fw, pad, stride)
    )
    np.testing.assert_array_equal(
        ext.im2col_per_image_cython(x, fh, fw, pad, stride),
        im2col_per_image_numpy(x, fh, fw, pad, stride),
    )
    Ho, Wo = _out(H, W, fh, fw, pad, stride)
    cols = rng.standard_normal((C * fh * fw, Ho * Wo * N))
    assert_close(
        ext.col2im_cython(cols, N, C, H, W, fh, fw, pad, stride),
        col2im_numpy(cols, N, C, H, W, fh, fw, pad, stride),
        1e-12,
        "col2im_cython",
    )
    per_image = rng.standard_normal((N, C * fh * fw, Ho * Wo))
    assert_close(
        ext.col2im_per_image_cython(per_image, N, C, H, W, fh, fw, pad, stride),
        col2im_per_image_numpy(per_image, N, C, H, W, fh, fw, pad, stride),
        1e-12,
        "col2im_per_image_cython",
    )


@settings(max_examples=20, deadline=None)
@given(conv_geometry(), st.integers(0, 2**31 - 1))
def test_per_image_columns_are_the_official_columns_regrouped(geom, seed):
    # Same entries as im2col (row (c*fh + i)*fw + j), the columns grouped by image first.
    N, C, H, W, fh, fw, pad, stride = geom
    x = np.random.default_rng(seed).standard_normal((N, C, H, W))
    Ho, Wo = _out(H, W, fh, fw, pad, stride)
    official = im2col_numpy(x, fh, fw, pad, stride).reshape(-1, Ho * Wo, N)
    np.testing.assert_array_equal(
        im2col_per_image_numpy(x, fh, fw, pad, stride), official.transpose(2, 0, 1)
    )


@settings(max_examples=20, deadline=None)
@given(conv_geometry(), st.integers(0, 2**31 - 1))
def test_col2im_is_the_adjoint_of_im2col(geom, seed):
    # <A x, c> = <x, A^T c>: the property a backward pass relies on.
    N, C, H, W, fh, fw, pad, stride = geom
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, C, H, W))
    cols = im2col_numpy(x, fh, fw, pad, stride)
    c = rng.standard_normal(cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * col2im_numpy(c, N, C, H, W, fh, fw, pad, stride))
    assert_close(lhs, rhs, 1e-10, "<im2col(x), c> vs <x, col2im(c)>")
    # The per-image layout (N, C, fh, fw, Ho, Wo) is a permutation of the same columns.
    Ho, Wo = _out(H, W, fh, fw, pad, stride)
    c6 = c.reshape(C, fh, fw, Ho, Wo, N).transpose(5, 0, 1, 2, 3, 4)
    assert_close(
        col2im_per_image_numpy(c6, N, C, H, W, fh, fw, pad, stride),
        col2im_numpy(c, N, C, H, W, fh, fw, pad, stride),
        1e-12,
        "col2im_per_image_numpy",
    )


@pytest.mark.parametrize("backend", ["numpy", "cython"])
def test_float32_stays_float32(backend, rng):
    if backend == "cython":
        ext = _cython()
        im2col, col2im = ext.im2col_cython, ext.col2im_cython
        im2col_per_image, per_image = ext.im2col_per_image_cython, ext.col2im_per_image_cython
    else:
        im2col, col2im = im2col_numpy, col2im_numpy
        im2col_per_image, per_image = im2col_per_image_numpy, col2im_per_image_numpy
    x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    cols = im2col(x, 3, 2, 1, 2)
    assert cols.dtype == np.float32
    np.testing.assert_array_equal(cols, im2col_numpy(x.astype(np.float64), 3, 2, 1, 2))
    assert col2im(cols, 2, 3, 5, 6, 3, 2, 1, 2).dtype == np.float32
    cols6 = np.ones((2, 3, 3, 2, 3, 4), dtype=np.float32)
    assert per_image(cols6, 2, 3, 5, 6, 3, 2, 1, 2).dtype == np.float32
    assert im2col_per_image(x, 3, 2, 1, 2).dtype == np.float32


@pytest.mark.parametrize("backend", ["numpy", "cython"])
def test_sizes_that_do_not_divide_raise(backend):
    if backend == "cython":
        ext = _cython()
        im2col, per_image = ext.im2col_cython, ext.col2im_per_image_cython
    else:
        im2col, per_image = im2col_numpy, col2im_per_image_numpy
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"= 1 is not divisible by stride = 2"):
        im2col(x, 3, 3, 0, 2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        im2col(x, 5, 1, 0, 1)
    with pytest.raises(
        ValueError, match=r"cols must have shape \(1, 9, 4\) or \(1, 1, 3, 3, 2, 2\)"
    ):
        per_image(np.zeros((1, 1, 3, 3, 2, 3)), 1, 1, 4, 4, 3, 3, 0, 1)
    with pytest.raises(ValueError, match=r"out must be a C-contiguous float64 array of shape"):
        per_image(np.zeros((1, 9, 4)), 1, 1, 4, 4, 3, 3, 0, 1, out=np.zeros((1, 1, 4, 4), "f4"))
    with pytest.raises(ValueError, match="4 dimensions"):
        im2col(np.zeros((4, 4)), 3, 3, 0, 1)


def test_output_hw_messages():
    assert output_hw("conv", 32, 32, 3, 3, 1, 1)[0] == 32
    assert output_hw("conv", 31, 31, 3, 3, 1, 2)[0] == 16
    assert output_hw("conv", 31, 8, 3, 2, 1, 2) == (16, 5)  # (8 + 2 - 2) / 2 + 1
    with pytest.raises(ValueError, match=r"\(H \+ 2\*pad - HH\) = \(8 \+ 2\*0 - 3\) = 5"):
        output_hw("conv", 8, 8, 3, 3, 0, 2)
    with pytest.raises(ValueError, match=r"^conv: \(W \+ 2\*pad - WW\) = \(7 \+ 2\*0 - 2\) = 5"):
        output_hw("conv", 8, 7, 2, 2, 0, 2)
    with pytest.raises(ValueError, match="stride must be an integer >= 1"):
        output_hw("conv", 8, 8, 3, 3, 0, 0)
    with pytest.raises(ValueError, match="pad must be an integer >= 0"):
        output_hw("conv", 8, 8, 3, 3, -1, 1)
    with pytest.raises(ValueError, match="stride must be an integer"):
        output_hw("conv", 8, 8, 2, 2, 0, 2.0)
    with pytest.raises(ValueError, match=r"^pool: pool_width = 9 is larger than the padded input"):
        output_hw("pool", 8, 8, 2, 9, 0, 1, names=("pool_height", "pool_width"))


def test_fast_layers_fall_back_to_numpy_with_one_warning():
    # A fresh interpreter where the extension cannot be imported (None in sys.modules
    # makes `import cs231n.kernels.im2col_cython` raise ImportError).
    code = textwrap.dedent(
        """
        import sys, warnings
        sys.modules["cs231n.kernels.im2col_cython"] = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import cs231n.fast_layers as fl
            import cs231n.fast_layers  # a second import must not warn again
            import numpy as np
            x = np.random.default_rng(0).standard_normal((2, 3, 5, 5))
            out, cache = fl.conv_forward_fast(x, np.ones((2, 3, 3, 3)), np.zeros(2),
                                              {"stride": 1, "pad": 1})
            fl.conv_backward_fast(np.ones_like(out), cache)
        ours = [w for w in caught if "im2col_cython" in str(w.message)]
        from cs231n.kernels.backend import COMPILED_KERNELS, active_kernels
        print(active_kernels().name, len(ours), COMPILED_KERNELS is not None)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "CS231N_FORCE_NUMPY"}
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["numpy", "1", "False"], res.stdout + res.stderr


def test_force_numpy_env_selects_numpy_without_warning():
    code = (
        "import warnings; warnings.simplefilter('error');"
        "import cs231n.fast_layers; from cs231n.kernels.backend import active_kernels;"
        "print(active_kernels().name)"
    )
    env = dict(os.environ, CS231N_FORCE_NUMPY="1")
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "numpy"


@pytest.mark.parametrize("backend", ["numpy", "cython"])
def test_col2im_per_image_overwrites_out(backend, rng):
    # conv_backward_fast hands col2im a block of images of dx (a C-contiguous slice of
    # np.empty): whatever was there must be replaced, not added to.
    per_image = _cython().col2im_per_image_cython if backend == "cython" else col2im_per_image_numpy
    cols = rng.standard_normal((2, 3 * 3 * 2, 3 * 4))  # x (2, 3, 5, 6), window 3x2, pad 1, s 2
    expected = col2im_numpy(
        cols.reshape(2, 3, 3, 2, 12).transpose(1, 2, 3, 4, 0).reshape(18, 24),
        2,
        3,
        5,
        6,
        3,
        2,
        1,
        2,
    )
    dx = np.full((5, 3, 5, 6), np.nan)
    result = per_image(cols, 2, 3, 5, 6, 3, 2, 1, 2, out=dx[1:3])
    assert np.shares_memory(result, dx)
    assert_close(dx[1:3], expected, 1e-12, f"col2im_per_image_{backend} into out")
    assert np.isnan(dx[0]).all() and np.isnan(dx[3:]).all()


@pytest.mark.parametrize("backend", ["numpy", "cython"])
def test_im2col_per_image_fills_a_view_with_gaps(backend, rng):
    # conv_forward_fast writes the columns into the first K rows of (N, K+1, P) (the
    # last row holds ones for the bias): only those rows may change.
    im2col = _cython().im2col_per_image_cython if backend == "cython" else im2col_per_image_numpy
    x = rng.standard_normal((3, 2, 5, 6))  # window 3x2, pad 1, stride 2 -> Ho, Wo = 3, 4
    block = np.full((3, 2 * 3 * 2 + 1, 12), np.nan)
    result = im2col(x, 3, 2, 1, 2, out=block[:, :12])
    assert np.shares_memory(result, block)
    np.testing.assert_array_equal(block[:, :12], im2col_per_image_numpy(x, 3, 2, 1, 2))
    assert np.isnan(block[:, 12]).all()
    with pytest.raises(ValueError, match=r"out must be a writeable float64 array of shape"):
        im2col(x, 3, 2, 1, 2, out=np.zeros((3, 12, 12), order="F"))
