"""Fast convolution and max-pooling layers (same contract as the naive layers).

Every layer is a pair ``*_forward(x, ...) -> (out, cache)`` and
``*_backward(dout, cache) -> (dx, ...)`` that computes the same numbers as
``conv_forward_naive`` / ``max_pool_forward_naive``, much faster:

* convolution: :func:`conv_forward_fast` (the strided-view method: every receptive
  field of an image as a column of its im2col matrix, one copy, then one stacked
  matrix product, a GEMM per image written straight into the output) and
  :func:`conv_forward_im2col` (columns from the official im2col loops);
* max pooling: :func:`max_pool_forward_fast` picks :func:`max_pool_forward_reshape`
  when the pools tile the input and a general strided method otherwise;
  :func:`max_pool_forward_im2col` is the im2col version.

Precision: float32 and float64 inputs keep their dtype (other dtypes become
float64); ``w`` and ``b`` are cast to the dtype of ``x``.

Ties in max pooling go to ONE element, the first maximum of the window in
row-major order (what ``argmax`` returns), exactly like the naive layer.

Kernels: the im2col / col2im loops are methods of :func:`cs231n.kernels.backend.active_kernels`,
the compiled extension ``cs231n.kernels.im2col_cython`` when it is built (``name == 'cython'``),
else :mod:`cs231n.kernels.im2col_numpy` (``name == 'numpy'``, with one warning at import).
``CS231N_FORCE_NUMPY=1`` at import time selects numpy; ``with use_kernels(NUMPY_KERNELS):``
runs a block on numpy (both from :mod:`cs231n.kernels.backend`). Both give the same numbers
and the same caches, so a forward on one and a backward on the other agree.

Hyperparameters: ``conv_param`` / ``pool_param`` are checked once per forward pass
(:class:`~cs231n.kernels.geometry.ConvParam`, :class:`~cs231n.kernels.geometry.PoolParam`)
and the checked object travels in the cache; the backward passes never read the dict.
"""

from __future__ import annotations

import numpy as np

from cs231n.im2col import col2im_indices as col2im_indices  # the official module re-exports
from cs231n.im2col import get_im2col_indices as get_im2col_indices
from cs231n.im2col import im2col_indices as im2col_indices
from cs231n.kernels.backend import active_kernels
from cs231n.kernels.geometry import ConvParam, PoolParam
from cs231n.kernels.im2col_numpy import as_float_array
from cs231n.kernels.winograd import conv_backward_winograd as conv_backward_winograd  # re-exported
from cs231n.kernels.winograd import conv_forward_winograd as conv_forward_winograd  # re-exported
from cs231n.validation import check_array, check_like

# `from cs231n.fast_layers import *`: the official names (im2col's three included, as the
# official module re-exports them), then ours.
__all__ = [
    "col2im_indices",
    "get_im2col_indices",
    "im2col_indices",
    "conv_forward_im2col",
    "conv_backward_im2col",
    "conv_forward_strides",
    "conv_backward_strides",
    "conv_forward_fast",
    "conv_backward_fast",
    "max_pool_forward_fast",
    "max_pool_backward_fast",
    "max_pool_forward_reshape",
    "max_pool_backward_reshape",
    "max_pool_forward_im2col",
    "max_pool_backward_im2col",
    "max_pool_forward_strides",
    "max_pool_backward_strides",
    "conv_forward_winograd",
    "conv_backward_winograd",
]

# Size of one block of dx columns in conv_backward_strides: about an L2 cache.
_COL2IM_BLOCK_BYTES = 1 << 21


# ---------------------------------------------------------------------------
# Argument checks shared by the layers
# ---------------------------------------------------------------------------


def _check_conv(x, w, b, conv_param, layer: str):
    """Arrays in the dtype of ``x``, the checked ConvParam and ``(Ho, Wo)``, or ``ValueError``
    (``TypeError`` for ``None`` or a non-numeric array). O(1) apart from dtype casts."""
    x = as_float_array(check_array(layer, "x", x), f"{layer}: x", ndim=4)
    w = np.asarray(check_array(layer, "w", w), dtype=x.dtype)
    b = np.asarray(check_array(layer, "b", b), dtype=x.dtype)
    N, C, H, W = x.shape
    if w.ndim != 4 or w.shape[1] != C:
        raise ValueError(f"{layer}: w must have shape (F, C={C}, HH, WW), got {w.shape}")
    F, _, HH, WW = w.shape
    if b.shape != (F,):
        raise ValueError(f"{layer}: b must have shape (F,) = ({F},), got {b.shape}")
    p = ConvParam.from_dict(layer, conv_param)
    Ho, Wo = p.output_hw(layer, H, W, HH, WW)
    return x, w, b, p, Ho, Wo


def _check_pool(x, pool_param, layer: str):
    """``x`` as float, the checked PoolParam and ``(Ho, Wo)``, or ``ValueError`` (``TypeError``
    for ``None`` or a non-numeric array)."""
    x = as_float_array(check_array(layer, "x", x), f"{layer}: x", ndim=4)
    p = PoolParam.from_dict(layer, pool_param)
    Ho, Wo = p.output_hw(layer, *x.shape[2:])
    return x, p, Ho, Wo


def _check_dout(dout, shape, dtype, layer: str) -> np.ndarray:
    """``dout`` of exactly the output's ``shape`` (no broadcasting), cast to ``dtype``."""
    return check_like(layer, "dout", dout, shape, dtype)


# ---------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------


def _unpack_conv_cache(dout, cache: tuple, layer: str):
    """The shared start of the conv backward passes: unpack the cache ``(x, w, b, p,
    x_cols)`` (``p`` the ConvParam checked by the forward pass) and check ``dout`` against
    the output shape (N, F, Ho, Wo).

    Returns ``x, w, x_cols, dout, (N, C, H, W, F, HH, WW, Ho, Wo, stride, pad)``.
    """
    x, w, _, p, x_cols = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = p.stride, p.pad
    Ho, Wo = p.output_hw(layer, H, W, HH, WW)
    dout = _check_dout(dout, (N, F, Ho, Wo), x.dtype, layer)
    return x, w, x_cols, dout, (N, C, H, W, F, HH, WW, Ho, Wo, stride, pad)


def conv_forward_strides(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict):
    r"""Convolution by the strided view of the padded input and ONE (stacked) matrix product.

    .. math:: out[n, f, y, x] = b[f] + \sum_{c,i,j} x_p[n, c, y s + i, x s + j] w[f, c, i, j]

    Parameters
    ----------
    x : (N, C, H, W)
        Input; float32 or float64 is kept, other dtypes become float64.
    w : (F, C, HH, WW)
        Filters (cast to the dtype of ``x``).
    b : (F,)
        Biases.
    conv_param : dict
        Exactly ``'stride'`` (int >= 1) and ``'pad'`` (int >= 0, zeros on each side of H
        and W).

    Returns
    -------
    out : (N, F, Ho, Wo)
        ``Ho = (H + 2*pad - HH) // stride + 1``, ``Wo = (W + 2*pad - WW) // stride + 1``.
    cache : tuple
        ``(x, w, b, p, x_cols)`` with ``p`` the checked
        :class:`~cs231n.kernels.geometry.ConvParam` and ``x_cols`` (N, C*HH*WW + 1, Ho*Wo):
        the im2col matrix of each image and a last row of ones (for the bias).

    Raises
    ------
    ValueError
        If ``(H + 2*pad - HH)`` or ``(W + 2*pad - WW)`` is not divisible by the stride,
        the filter is larger than the padded input, a shape does not match, or
        ``conv_param`` lacks a key, has another key or a value out of range.
    """
    layer = "conv_forward_fast"
    x, w, b, p, Ho, Wo = _check_conv(x, w, b, conv_param, layer)
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    K, P = C * HH * WW, Ho * Wo

    # Each image's receptive fields as a (K, Ho*Wo) im2col matrix: the strided view of
    # the padded input copied once (im2col_per_image_numpy), or the same copy made by a
    # compiled loop straight from x, without the padded temporary. A last row of ones
    # makes the bias one more column of the filter matrix.
    x_cols = np.empty((N, K + 1, P), dtype=x.dtype)
    active_kernels().im2col_per_image(x, HH, WW, p.pad, p.stride, out=x_cols[:, :K])
    x_cols[:, K] = 1
    w_b = np.empty((F, K + 1), dtype=x.dtype)  # [w.reshape(F, K) | b]
    w_b[:, :K] = w.reshape(F, K)
    w_b[:, K] = b
    # (F, K+1) @ (N, K+1, P) -> (N, F, P): one GEMM per image, each written straight into
    # the output layout (no transpose, no separate bias pass).
    out = np.matmul(w_b, x_cols).reshape(N, F, Ho, Wo)
    return out, (x, w, b, p, x_cols)


def conv_backward_strides(dout: np.ndarray, cache: tuple):
    """Backward pass of :func:`conv_forward_strides`.

    With ``D[n] = dout[n]`` as (F, Ho*Wo) and ``X[n] = x_cols[n]`` (K+1, Ho*Wo) from the
    cache: ``[dw | db] = sum_n D[n] @ X[n].T`` (the row of ones gives ``db``) and
    ``dx[n] = col2im(w.T @ D[n])`` (every column entry summed back into the pixel it
    was copied from).

    Parameters
    ----------
    dout : (N, F, Ho, Wo)
        Upstream gradient.
    cache : tuple
        From :func:`conv_forward_strides`.

    Returns
    -------
    dx : (N, C, H, W)
    dw : (F, C, HH, WW)
    db : (F,)
    """
    x, w, x_cols, dout, dims = _unpack_conv_cache(dout, cache, "conv_backward_fast")
    N, C, H, W, F, HH, WW, Ho, Wo, stride, pad = dims
    K, P = C * HH * WW, Ho * Wo
    dout_n = dout.reshape(N, F, P)

    # One (F, P) @ (P, K+1) product per image, summed (one loop step per image is faster
    # than a stacked product and a sum over its (N, F, K+1) result on both benchmark layers).
    dw_b = np.zeros((F, K + 1), dtype=x.dtype)
    product = np.empty_like(dw_b)
    for n in range(N):
        np.matmul(dout_n[n], x_cols[n].T, out=product)
        dw_b += product
    dw = np.ascontiguousarray(dw_b[:, :K]).reshape(w.shape)
    db = dw_b[:, K].copy()

    # dx[n] = col2im(w.T @ D[n]), a few images at a time so that each block of columns
    # is still in cache when col2im reads it back.
    dx = np.empty(x.shape, dtype=x.dtype)
    wT = w.reshape(F, K).T  # (K, F)
    col2im_per_image = active_kernels().col2im_per_image
    step = max(1, _COL2IM_BLOCK_BYTES // (K * P * x.itemsize))  # images per block
    dx_cols = np.empty((min(step, N), K, P), dtype=x.dtype)  # one block, reused
    for n0 in range(0, N, step):
        n1 = min(N, n0 + step)
        block = np.matmul(wT, dout_n[n0:n1], out=dx_cols[: n1 - n0])  # (n, K, P)
        col2im_per_image(block, n1 - n0, C, H, W, HH, WW, pad, stride, out=dx[n0:n1])
    return dx, dw, db


def conv_forward_im2col(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict):
    """Convolution with columns from the im2col loops (compiled, or the numpy twin).

    Parameters and ``out`` as :func:`conv_forward_strides`.

    Returns
    -------
    out : (N, F, Ho, Wo)
    cache : tuple
        ``(x, w, b, p, x_cols)`` with ``p`` the checked ConvParam and ``x_cols``
        (C*HH*WW, Ho*Wo*N), the column order of :func:`cs231n.im2col.im2col_indices`.
    """
    x, w, b, p, Ho, Wo = _check_conv(x, w, b, conv_param, "conv_forward_im2col")
    N = x.shape[0]
    F, _, HH, WW = w.shape
    x_cols = active_kernels().im2col(x, HH, WW, p.pad, p.stride)  # (K, Ho*Wo*N)
    res = w.reshape(F, -1) @ x_cols + b[:, None]  # (F, Ho*Wo*N)
    out = np.ascontiguousarray(res.reshape(F, Ho, Wo, N).transpose(3, 0, 1, 2))  # (N, F, Ho, Wo)
    return out, (x, w, b, p, x_cols)


def conv_backward_im2col(dout: np.ndarray, cache: tuple):
    """Backward pass of :func:`conv_forward_im2col`.

    Parameters
    ----------
    dout : (N, F, Ho, Wo)
    cache : tuple
        From :func:`conv_forward_im2col`.

    Returns
    -------
    dx : (N, C, H, W)
    dw : (F, C, HH, WW)
    db : (F,)
    """
    x, w, x_cols, dout, dims = _unpack_conv_cache(dout, cache, "conv_backward_im2col")
    N, C, H, W, F, HH, WW, Ho, Wo, stride, pad = dims
    dout_r = dout.transpose(1, 2, 3, 0).reshape(F, -1)  # (F, Ho*Wo*N), the column order
    db = dout_r.sum(axis=1)
    dw = (dout_r @ x_cols.T).reshape(w.shape)
    dx_cols = w.reshape(F, -1).T @ dout_r  # (K, Ho*Wo*N)
    dx = active_kernels().col2im(dx_cols, N, C, H, W, HH, WW, pad, stride)
    return dx, dw, db


conv_forward_fast = conv_forward_strides
conv_backward_fast = conv_backward_strides


# ---------------------------------------------------------------------------
# Max pooling
# ---------------------------------------------------------------------------


def max_pool_forward_fast(x: np.ndarray, pool_param: dict):
    r"""Max pooling: the reshape method when the pools tile the input, else the strided one.

    .. math:: out[n, c, y, x] = \max_{0 \le i < ph,\ 0 \le j < pw} x[n, c, y s + i, x s + j]

    Parameters
    ----------
    x : (N, C, H, W)
    pool_param : dict
        ``'pool_height'`` ph, ``'pool_width'`` pw, ``'stride'`` s; ``(H - ph)`` and
        ``(W - pw)`` must be divisible by ``s``. The reshape method is used when
        ``ph == pw == s`` and they divide H and W.

    Returns
    -------
    out : (N, C, Ho, Wo)
        ``Ho = (H - ph) // s + 1``, ``Wo = (W - pw) // s + 1``.
    cache : tuple
        ``('reshape', cache)`` or ``('strides', cache)``.

    Raises
    ------
    ValueError
        If the stride does not divide, the pool is larger than the input, or ``pool_param``
        lacks a key, has another key or a value out of range.
    """
    x, p, _, _ = _check_pool(x, pool_param, "max_pool_forward_fast")
    H, W = x.shape[2:]
    # p (checked) passes through the checks of the method unchanged
    if p.pool_height == p.pool_width == p.stride and H % p.stride == 0 and W % p.stride == 0:
        out, cache = max_pool_forward_reshape(x, p)
        return out, ("reshape", cache)
    out, cache = max_pool_forward_strides(x, p)
    return out, ("strides", cache)


def max_pool_backward_fast(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_fast`.

    Parameters
    ----------
    dout : (N, C, Ho, Wo)
    cache : tuple
        From :func:`max_pool_forward_fast`.

    Returns
    -------
    dx : (N, C, H, W)
        Each ``dout`` entry goes to the first maximum of its window (row-major order).
    """
    method, real_cache = cache
    if method not in ("reshape", "strides"):
        raise ValueError(f"max_pool_backward_fast: unknown method {method!r} in cache")
    # checked here under the name that was called; the method's own check then passes as is
    dout = _check_dout(
        dout, _pool_output_shape(cache), real_cache[0].dtype, "max_pool_backward_fast"
    )
    if method == "reshape":
        return max_pool_backward_reshape(dout, real_cache)
    if method == "strides":
        return max_pool_backward_strides(dout, real_cache)
    raise ValueError(f"max_pool_backward_fast: unknown method {method!r} in cache")


def _pool_output_shape(cache: tuple) -> tuple[int, int, int, int]:
    """The output shape ``(N, C, Ho, Wo)`` of :func:`max_pool_forward_fast` from its cache
    (``('reshape', (x, x_reshaped, out))`` or ``('strides', (x, out, p))``), for the checks
    of ``dout`` in the backward passes."""
    method, real_cache = cache
    return (real_cache[2] if method == "reshape" else real_cache[1]).shape


def max_pool_forward_reshape(x: np.ndarray, pool_param: dict):
    """Max pooling when ``pool_height == pool_width == stride`` and the pools tile x.

    Splitting H into (Ho, ph) and W into (Wo, pw) is a free reshape; the pool is
    the maximum over the two window axes.

    Parameters
    ----------
    x : (N, C, H, W)
    pool_param : dict
        As :func:`max_pool_forward_fast`, with ``ph == pw == stride`` dividing H and W.

    Returns
    -------
    out : (N, C, H/ph, W/pw)
    cache : tuple
        ``(x, x_reshaped, out)``, ``x_reshaped`` (N, C, Ho, ph, Wo, pw).
    """
    x, p, Ho, Wo = _check_pool(x, pool_param, "max_pool_forward_reshape")
    ph, pw, stride = p.pool_height, p.pool_width, p.stride
    N, C, H, W = x.shape
    if not (ph == pw == stride and H % ph == 0 and W % pw == 0):
        raise ValueError(
            "max_pool_forward_reshape: needs pool_height == pool_width == stride dividing H "
            f"and W; got pool {ph}x{pw}, stride {stride}, H={H}, W={W}"
        )
    x_reshaped = x.reshape(N, C, Ho, ph, Wo, pw)  # a view when x is contiguous
    # max over axes (3, 5) would reduce ph*pw-element runs one by one (slow in numpy);
    # ph*pw elementwise maxima of whole (N, C, Ho, Wo) slabs are ~50x faster.
    out = x_reshaped[:, :, :, 0, :, 0].copy()  # (N, C, Ho, Wo), window offset (0, 0)
    for i in range(ph):
        for j in range(pw):
            if i or j:
                np.maximum(out, x_reshaped[:, :, :, i, :, j], out=out)
    return out, (x, x_reshaped, out)


def _route_to_first_max(windows, out, dout, dx_windows, accumulate: bool) -> None:
    """Send each ``dout`` entry to the first maximum of its window, in row-major order.

    ``windows[i][j]`` and ``dx_windows[i][j]`` are (N, C, Ho, Wo) views of the input
    and of dx at window offset ``(i, j)``. Offsets are visited in row-major order and
    ``free`` marks the windows whose maximum has not been found yet, so with ties
    (e.g. all zeros after a ReLU) only the first maximum gets the gradient, exactly
    as ``argmax`` in the naive layer.
    """
    free = np.ones(out.shape, dtype=bool)  # (N, C, Ho, Wo)
    here = np.empty(out.shape, dtype=bool)
    for row_x, row_dx in zip(windows, dx_windows):
        for x_ij, dx_ij in zip(row_x, row_dx):
            np.equal(x_ij, out, out=here)
            here &= free  # a maximum, and the first one of its window
            free ^= here
            if accumulate:  # overlapping windows: several windows reach one pixel
                dx_ij += here * dout
            else:
                np.multiply(here, dout, out=dx_ij)


def max_pool_backward_reshape(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_reshape`.

    Each ``dout`` entry goes to the first maximum of its window (row-major), so a
    window with ties (e.g. all zeros after a ReLU) sends it to one element only.

    Parameters
    ----------
    dout : (N, C, Ho, Wo)
    cache : tuple
        From :func:`max_pool_forward_reshape`.

    Returns
    -------
    dx : (N, C, H, W)
    """
    x, x_reshaped, out = cache
    dout = _check_dout(dout, out.shape, x.dtype, "max_pool_backward_reshape")
    _, _, _, ph, _, pw = x_reshaped.shape
    dx_reshaped = np.empty(x_reshaped.shape, dtype=x.dtype)  # every element is written once
    _route_to_first_max(
        [[x_reshaped[:, :, :, i, :, j] for j in range(pw)] for i in range(ph)],
        out,
        dout,
        [[dx_reshaped[:, :, :, i, :, j] for j in range(pw)] for i in range(ph)],
        accumulate=False,
    )
    return dx_reshaped.reshape(x.shape)  # (N, C, Ho, ph, Wo, pw) -> (N, C, H, W)


def max_pool_forward_strides(x: np.ndarray, pool_param: dict):
    """Max pooling for any window and stride (windows may overlap or leave gaps).

    Loops over the ``ph * pw`` offsets inside a window only: offset ``(i, j)`` of
    every window at once is the strided slice ``x[:, :, i::s, j::s]`` (cut to Ho, Wo).

    Parameters
    ----------
    x : (N, C, H, W)
    pool_param : dict
        As :func:`max_pool_forward_fast`.

    Returns
    -------
    out : (N, C, Ho, Wo)
    cache : tuple
        ``(x, out, p)``, ``p`` the checked :class:`~cs231n.kernels.geometry.PoolParam`.
    """
    x, p, Ho, Wo = _check_pool(x, pool_param, "max_pool_forward_strides")
    ph, pw, stride = p.pool_height, p.pool_width, p.stride
    out = x[:, :, : stride * Ho : stride, : stride * Wo : stride].copy()  # offset (0, 0)
    for i in range(ph):
        for j in range(pw):
            if i or j:
                np.maximum(
                    out,
                    x[:, :, i : i + stride * Ho : stride, j : j + stride * Wo : stride],
                    out=out,
                )
    return out, (x, out, p)


def max_pool_backward_strides(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_strides`.

    Offsets are visited in row-major order; an offset takes the gradient of a
    window if it holds the maximum and no earlier offset did (the first maximum,
    like ``argmax``). Overlapping windows add their gradients.

    Parameters
    ----------
    dout : (N, C, Ho, Wo)
    cache : tuple
        From :func:`max_pool_forward_strides`.

    Returns
    -------
    dx : (N, C, H, W)
    """
    x, out, p = cache
    ph, pw, stride = p.pool_height, p.pool_width, p.stride
    Ho, Wo = out.shape[2:]
    dout = _check_dout(dout, out.shape, x.dtype, "max_pool_backward_strides")
    dx = np.zeros_like(x)
    rows = [slice(i, i + stride * Ho, stride) for i in range(ph)]
    cols = [slice(j, j + stride * Wo, stride) for j in range(pw)]
    _route_to_first_max(
        [[x[:, :, r, c] for c in cols] for r in rows],
        out,
        dout,
        [[dx[:, :, r, c] for c in cols] for r in rows],
        accumulate=True,
    )
    return dx


def max_pool_forward_im2col(x: np.ndarray, pool_param: dict):
    """Max pooling with im2col columns: each column is one window of one channel.

    Parameters
    ----------
    x : (N, C, H, W)
    pool_param : dict
        As :func:`max_pool_forward_fast`.

    Returns
    -------
    out : (N, C, Ho, Wo)
    cache : tuple
        ``(x, x_cols, x_cols_argmax, p)``: ``p`` the checked PoolParam, ``x_cols``
        (ph*pw, Ho*Wo*N*C), ``x_cols_argmax`` (Ho*Wo*N*C,) the first maximum of each column.
    """
    x, p, Ho, Wo = _check_pool(x, pool_param, "max_pool_forward_im2col")
    ph, pw, stride = p.pool_height, p.pool_width, p.stride
    N, C, H, W = x.shape
    x_split = x.reshape(N * C, 1, H, W)  # channels as separate images
    x_cols = active_kernels().im2col(x_split, ph, pw, 0, stride)  # (ph*pw, Ho*Wo*N*C)
    x_cols_argmax = np.argmax(x_cols, axis=0)  # first max in row-major window order
    x_cols_max = x_cols[x_cols_argmax, np.arange(x_cols.shape[1])]
    out = np.ascontiguousarray(x_cols_max.reshape(Ho, Wo, N, C).transpose(2, 3, 0, 1))
    return out, (x, x_cols, x_cols_argmax, p)


def max_pool_backward_im2col(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_im2col`.

    Parameters
    ----------
    dout : (N, C, Ho, Wo)
    cache : tuple
        From :func:`max_pool_forward_im2col`.

    Returns
    -------
    dx : (N, C, H, W)
    """
    x, x_cols, x_cols_argmax, p = cache
    N, C, H, W = x.shape
    ph, pw, stride = p.pool_height, p.pool_width, p.stride
    Ho, Wo = p.output_hw("max_pool_backward_im2col", H, W)
    dout = _check_dout(dout, (N, C, Ho, Wo), x.dtype, "max_pool_backward_im2col")
    dout_flat = dout.transpose(2, 3, 0, 1).ravel()  # (Ho*Wo*N*C,), the column order
    dx_cols = np.zeros_like(x_cols)
    dx_cols[x_cols_argmax, np.arange(dx_cols.shape[1])] = dout_flat
    dx = active_kernels().col2im(dx_cols, N * C, 1, H, W, ph, pw, 0, stride)  # (N*C, 1, H, W)
    return dx.reshape(x.shape)
