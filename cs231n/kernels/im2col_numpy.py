"""Pure-numpy twins of the compiled ``cs231n.kernels.im2col_cython`` functions.

Same names' semantics, same signatures, same numbers (up to float rounding
order). They are ``cs231n.kernels.backend.NUMPY_KERNELS``, which the fast layers use when
the extension is not built (no compiler), when ``CS231N_FORCE_NUMPY=1``, or inside
``use_kernels(NUMPY_KERNELS)``.

* :func:`im2col_numpy` (= ``im2col_cython``): ``x (N, C, H, W)`` ->
  ``cols (C*fh*fw, Ho*Wo*N)``, the layout of :func:`cs231n.im2col.im2col_indices`.
* :func:`col2im_numpy` (= ``col2im_cython``): its adjoint, ``cols`` -> ``x``.
* :func:`im2col_per_image_numpy` (= ``im2col_per_image_cython``): the columns of
  :func:`cs231n.fast_layers.conv_forward_strides`, one im2col matrix per image,
  ``x (N, C, H, W)`` -> ``cols (N, C*HH*WW, Ho*Wo)``.
* :func:`col2im_per_image_numpy` (= ``col2im_per_image_cython``): its adjoint,
  ``cols (N, C*HH*WW, Ho*Wo)`` -> ``x (N, C, H, W)``.

None of them loops over pixels: im2col is one copy of a strided view, and the
col2im functions loop over the ``fh * fw`` window offsets only, each step one
vectorized add of a whole ``(N, C, Ho, Wo)`` slab.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from cs231n.kernels.geometry import FIELD_NAMES, output_hw


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
    out_h, out_w = output_hw(
        "im2col", H, W, field_height, field_width, padding, stride, names=FIELD_NAMES
    )
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
    out_h, out_w = output_hw(
        "col2im", H, W, field_height, field_width, padding, stride, names=FIELD_NAMES
    )
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


def check_per_image_out(x, HH: int, WW: int, pad: int, stride: int, out):
    """Shared checks of the ``im2col_per_image_*`` functions.

    Returns ``x`` as a C-contiguous float array, the output array (``out``, or a new
    one) of shape (N, C*HH*WW, Ho*Wo), and ``(Ho, Wo)``; raises ``ValueError`` naming
    the expected shape, dtype or layout.
    """
    x = np.ascontiguousarray(as_float_array(x, "im2col_per_image: x", ndim=4))
    N, C, H, W = x.shape
    out_h, out_w = output_hw("im2col_per_image", H, W, HH, WW, pad, stride)
    shape = (N, C * HH * WW, out_h * out_w)
    if out is None:
        return x, np.empty(shape, dtype=x.dtype), (out_h, out_w)
    if (
        not isinstance(out, np.ndarray)
        or out.shape != shape
        or out.dtype != x.dtype
        or out.strides[2] != x.itemsize
        or not out.flags.writeable
    ):
        raise ValueError(
            f"im2col_per_image: out must be a writeable {x.dtype} array of shape {shape} "
            "whose rows are contiguous, got "
            + (
                f"{out.dtype} {out.shape} strides {out.strides}"
                if isinstance(out, np.ndarray)
                else repr(type(out))
            )
        )
    return x, out, (out_h, out_w)


def im2col_per_image_numpy(
    x: np.ndarray, HH: int, WW: int, pad: int, stride: int, out: np.ndarray | None = None
) -> np.ndarray:
    """The im2col matrix of each image (numpy twin of ``im2col_per_image_cython``).

    Parameters
    ----------
    x : (N, C, H, W)
        float32 or float64 (kept); other dtypes become float64.
    HH, WW : int
        Window (filter) size.
    pad, stride : int
        As in the convolution; ``(H + 2*pad - HH)`` must be divisible by ``stride``.
    out : (N, C*HH*WW, Ho*Wo), optional
        Array of the dtype of ``x`` with contiguous rows (e.g. the first rows of a
        larger per-image block) to write the columns into.

    Returns
    -------
    cols : (N, C*HH*WW, Ho*Wo)
        ``cols[n, (c*HH + i)*WW + j, y*Wo + x] = x_padded[n, c, y*stride + i, x*stride + j]``;
        ``out`` when given.
    """
    x, out, (out_h, out_w) = check_per_image_out(x, HH, WW, pad, stride, out)
    N, C = x.shape[:2]
    xp = pad_hw(x, pad)  # (N, C, Hp, Wp)
    # The strided-view trick: a 6-D view of xp whose element [n, c, i, j, y, x] is
    # xp[n, c, y*s + i, x*s + j]. One step along an axis moves a fixed number of bytes
    # through xp, so every receptive field is visible without copying anything: axes
    # (c, i, j) walk inside a window, (y, x) pick the window.
    sN, sC, sH, sW = xp.strides
    windows = as_strided(
        xp,
        shape=(N, C, HH, WW, out_h, out_w),
        strides=(sN, sC, sH, sW, stride * sH, stride * sW),
        writeable=False,
    )
    # The same 6-D split of out (its own strides, so this is always a view), then the
    # one copy. Windows overlap, so the columns are larger than x.
    oN, oK, oP = out.strides
    out6 = as_strided(
        out,
        shape=(N, C, HH, WW, out_h, out_w),
        strides=(oN, HH * WW * oK, WW * oK, oK, out_w * oP, oP),
    )
    out6[...] = windows
    return out


def check_per_image_cols(
    cols, N: int, C: int, H: int, W: int, HH: int, WW: int, pad: int, stride: int, out
):
    """Shared checks of the ``col2im_per_image_*`` functions.

    Returns ``cols`` as a C-contiguous float array of shape (N, C*HH*WW, Ho*Wo), the
    output array (``out``, or a new one) of shape (N, C, H, W), and ``(Ho, Wo)``;
    raises ``ValueError`` naming the expected shape, dtype or layout.
    """
    cols = as_float_array(cols, "col2im_per_image: cols")
    out_h, out_w = output_hw("col2im_per_image", H, W, HH, WW, pad, stride)
    shape3, shape6 = (N, C * HH * WW, out_h * out_w), (N, C, HH, WW, out_h, out_w)
    if cols.shape not in (shape3, shape6):
        raise ValueError(
            f"col2im_per_image: cols must have shape {shape3} or {shape6}, got {cols.shape}"
        )
    cols = np.ascontiguousarray(cols).reshape(shape3)
    if out is None:
        out = np.empty((N, C, H, W), dtype=cols.dtype)
    elif (
        not isinstance(out, np.ndarray)
        or out.shape != (N, C, H, W)
        or out.dtype != cols.dtype
        or not out.flags.c_contiguous
    ):
        raise ValueError(
            f"col2im_per_image: out must be a C-contiguous {cols.dtype} array of shape "
            f"{(N, C, H, W)}, got "
            + (f"{out.dtype} {out.shape}" if isinstance(out, np.ndarray) else repr(type(out)))
        )
    return cols, out, (out_h, out_w)


def col2im_per_image_numpy(
    cols: np.ndarray,
    N: int,
    C: int,
    H: int,
    W: int,
    HH: int,
    WW: int,
    pad: int,
    stride: int,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Adjoint of the per-image columns (numpy twin of ``col2im_per_image_cython``).

    Parameters
    ----------
    cols : (N, C*HH*WW, Ho*Wo)
        The im2col matrix of each image: ``cols[n, (c*HH + i)*WW + j, y*Wo + x]``
        belongs to ``x_padded[n, c, y*stride + i, x*stride + j]``. The 6-D view
        (N, C, HH, WW, Ho, Wo) of the same memory is accepted too.
    N, C, H, W : int
        Shape of the input.
    HH, WW : int
        Filter size.
    pad, stride : int
        As in the convolution.
    out : (N, C, H, W), optional
        C-contiguous array of the dtype of ``cols`` to write the result into
        (overwritten, not added to).

    Returns
    -------
    x : (N, C, H, W)
        ``out`` when given; each pixel is the sum of the column entries copied from it.
    """
    cols, out, (out_h, out_w) = check_per_image_cols(cols, N, C, H, W, HH, WW, pad, stride, out)
    cols6 = cols.reshape(N, C, HH, WW, out_h, out_w)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for i in range(HH):
        for j in range(WW):
            # Within one window offset no pixel repeats, so a plain += is exact.
            xp[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride] += cols6[
                :, :, i, j
            ]
    out[...] = xp[:, :, pad : pad + H, pad : pad + W]
    return out
