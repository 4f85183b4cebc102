"""Pure-numpy twins of the compiled ``cs231n.im2col_cython`` functions.

Same names' semantics, same signatures, same numbers (up to float rounding
order): :mod:`cs231n.fast_layers` uses these when the extension is not built
(no compiler) or when ``CS231N_FORCE_NUMPY=1``.

* :func:`im2col_numpy` (= ``im2col_cython``): ``x (N, C, H, W)`` ->
  ``cols (C*fh*fw, Ho*Wo*N)``, the layout of :func:`cs231n.im2col.im2col_indices`.
* :func:`col2im_numpy` (= ``col2im_cython``): its adjoint, ``cols`` -> ``x``.
* :func:`col2im_6d_numpy` (= ``col2im_6d_cython``): the adjoint of the
  strided-view columns of :func:`cs231n.fast_layers.conv_forward_strides`,
  ``cols (C, HH, WW, N, Ho, Wo)`` -> ``x (N, C, H, W)``.

None of them loops over pixels: im2col is one copy of a strided view, and the
col2im functions loop over the ``fh * fw`` window offsets only, each step one
vectorized add of a whole ``(N, C, Ho, Wo)`` slab.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .im2col import conv_output_size


def as_float_array(a, name: str, ndim: int | None = None) -> np.ndarray:
    """``a`` as a float32 or float64 array (other dtypes become float64).

    Raises ``ValueError`` naming ``name`` when ``a`` does not have ``ndim`` axes.
    """
    a = np.asarray(a)
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {a.shape}")
    if a.dtype not in (np.float32, np.float64):
        a = a.astype(np.float64)
    return a


def pad_hw(x: np.ndarray, pad: int) -> np.ndarray:
    """Zero-pad the last two axes of ``x (N, C, H, W)`` -> ``(N, C, H+2p, W+2p)``.

    Always returns a new C-contiguous array (``np.pad`` is slower for this case).
    """
    N, C, H, W = x.shape
    if pad == 0:
        return np.ascontiguousarray(x)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
    xp[:, :, pad : pad + H, pad : pad + W] = x
    return xp


def _sizes(H, W, field_height, field_width, padding, stride, layer):
    out_h = conv_output_size(
        H, field_height, padding, stride, layer=layer, dim="H", field_name="field_height"
    )
    out_w = conv_output_size(
        W, field_width, padding, stride, layer=layer, dim="W", field_name="field_width"
    )
    return out_h, out_w


def im2col_numpy(
    x: np.ndarray, field_height: int, field_width: int, padding: int, stride: int
) -> np.ndarray:
    """Every receptive field of ``x`` as a column (numpy twin of ``im2col_cython``).

    Parameters
    ----------
    x : (N, C, H, W)
        float32 or float64 (kept); other dtypes become float64.
    field_height, field_width : int
        Window size ``fh``, ``fw``.
    padding : int
        Zeros on each side of H and W.
    stride : int
        Window step; ``(H + 2*padding - fh)`` must be divisible by it (likewise W).

    Returns
    -------
    cols : (C*fh*fw, Ho*Wo*N)
        ``cols[(c*fh + i)*fw + j, (y*Wo + x)*N + n] = x_padded[n, c, y*stride + i, x*stride + j]``.
    """
    x = as_float_array(x, "im2col: x", ndim=4)
    N, C, H, W = x.shape
    out_h, out_w = _sizes(H, W, field_height, field_width, padding, stride, "im2col")
    xp = pad_hw(x, padding)  # (N, C, Hp, Wp)
    sN, sC, sH, sW = xp.strides
    # view[c, i, j, y, x, n] = xp[n, c, y*stride + i, x*stride + j]; no copy yet.
    view = as_strided(
        xp,
        shape=(C, field_height, field_width, out_h, out_w, N),
        strides=(sC, sH, sW, stride * sH, stride * sW, sN),
        writeable=False,
    )
    # One copy lays the view out in C order: (C*fh*fw, Ho*Wo*N).
    return np.ascontiguousarray(view).reshape(C * field_height * field_width, out_h * out_w * N)


def col2im_numpy(
    cols: np.ndarray,
    N: int,
    C: int,
    H: int,
    W: int,
    field_height: int,
    field_width: int,
    padding: int,
    stride: int,
) -> np.ndarray:
    """Adjoint of :func:`im2col_numpy` (numpy twin of ``col2im_cython``).

    Parameters
    ----------
    cols : (C*fh*fw, Ho*Wo*N)
    N, C, H, W : int
        Shape of the input the columns came from.
    field_height, field_width, padding, stride : int
        As :func:`im2col_numpy`.

    Returns
    -------
    x : (N, C, H, W)
        C-contiguous, dtype of ``cols``; each pixel is the sum of the column
        entries that were copied from it.
    """
    cols = as_float_array(cols, "col2im: cols", ndim=2)
    out_h, out_w = _sizes(H, W, field_height, field_width, padding, stride, "col2im")
    expected = (C * field_height * field_width, out_h * out_w * N)
    if cols.shape != expected:
        raise ValueError(f"col2im: cols must have shape {expected}, got {cols.shape}")
    cols6 = cols.reshape(C, field_height, field_width, out_h, out_w, N)
    xp = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    for i in range(field_height):
        for j in range(field_width):
            # Windows at offset (i, j) touch rows i, i+s, ..., i+s*(Ho-1) (likewise columns):
            # within one offset no pixel repeats, so a plain += is exact.
            xp[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride] += cols6[
                :, i, j
            ].transpose(3, 0, 1, 2)  # (C, Ho, Wo, N) -> (N, C, Ho, Wo)
    return np.ascontiguousarray(xp[:, :, padding : padding + H, padding : padding + W])


def col2im_6d_numpy(
    cols: np.ndarray, N: int, C: int, H: int, W: int, HH: int, WW: int, pad: int, stride: int
) -> np.ndarray:
    """Adjoint of the strided-view columns (numpy twin of ``col2im_6d_cython``).

    Parameters
    ----------
    cols : (C, HH, WW, N, Ho, Wo)
        ``cols[c, i, j, n, y, x]`` belongs to ``x_padded[n, c, y*stride + i, x*stride + j]``;
        a 2-D (C*HH*WW, N*Ho*Wo) array with the same memory order is accepted too.
    N, C, H, W : int
        Shape of the input.
    HH, WW : int
        Filter size.
    pad, stride : int
        As in the convolution.

    Returns
    -------
    x : (N, C, H, W)
        C-contiguous, dtype of ``cols``.
    """
    cols = as_float_array(cols, "col2im_6d: cols")
    out_h = conv_output_size(H, HH, pad, stride, layer="col2im_6d", dim="H", field_name="HH")
    out_w = conv_output_size(W, WW, pad, stride, layer="col2im_6d", dim="W", field_name="WW")
    shape6 = (C, HH, WW, N, out_h, out_w)
    if cols.shape not in (shape6, (C * HH * WW, N * out_h * out_w)):
        raise ValueError(
            f"col2im_6d: cols must have shape {shape6} or {(C * HH * WW, N * out_h * out_w)}, "
            f"got {cols.shape}"
        )
    cols = cols.reshape(shape6)
    # Accumulate channel-major, (C, N, Hp, Wp), so each slab cols[:, i, j] (C, N, Ho, Wo)
    # adds without a transpose; one transposing copy at the end gives (N, C, H, W).
    xp = np.zeros((C, N, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for i in range(HH):
        for j in range(WW):
            xp[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride] += cols[
                :, i, j
            ]
    return np.ascontiguousarray(xp[:, :, pad : pad + H, pad : pad + W].transpose(1, 0, 2, 3))
