# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Compiled im2col / col2im loops (optional; ``cs231n.im2col_numpy`` is the fallback).

Three functions with the official CS231n signatures:

* ``im2col_cython(x, field_height, field_width, padding, stride)``:
  ``x (N, C, H, W)`` -> ``cols (C*fh*fw, Ho*Wo*N)`` with
  ``cols[(c*fh + i)*fw + j, (y*Wo + x)*N + n] = x_padded[n, c, y*stride + i, x*stride + j]``.
* ``col2im_cython(cols, N, C, H, W, field_height, field_width, padding, stride)``:
  the adjoint (sums each column entry back into its pixel) -> ``x (N, C, H, W)``.
* ``col2im_6d_cython(cols, N, C, H, W, HH, WW, pad, stride)``: the adjoint of the
  strided-view columns ``cols (C, HH, WW, N, Ho, Wo)`` -> ``x (N, C, H, W)``.

float32 and float64 are compiled separately (a fused type) and the dtype is kept;
other dtypes are converted to float64. Sizes are checked in Python before any loop
runs (``ValueError`` naming the numbers), so the loops can skip bounds checks.
Unlike the 2020 starter code, the row index is ``(c*fh + i)*fw + j`` (the starter
code used ``i*fh + j``, which collides for non-square windows).
"""

import numpy as np

from cs231n.im2col import conv_output_size
from cs231n.im2col_numpy import as_float_array, pad_hw

ctypedef fused real:
    float
    double


def _out_sizes(H, W, fh, fw, pad, stride, layer, hname, wname):
    out_h = conv_output_size(H, fh, pad, stride, layer=layer, dim="H", field_name=hname)
    out_w = conv_output_size(W, fw, pad, stride, layer=layer, dim="W", field_name=wname)
    return out_h, out_w


cdef void _im2col(real[:, ::1] cols, const real[:, :, :, ::1] xp,
                  Py_ssize_t out_h, Py_ssize_t out_w, Py_ssize_t fh, Py_ssize_t fw,
                  Py_ssize_t stride) noexcept nogil:
    cdef Py_ssize_t N = xp.shape[0], C = xp.shape[1]
    cdef Py_ssize_t c, i, j, y, x, n, row, col
    for c in range(C):
        for i in range(fh):
            for j in range(fw):
                row = (c * fh + i) * fw + j
                col = 0
                for y in range(out_h):
                    for x in range(out_w):
                        for n in range(N):
                            cols[row, col] = xp[n, c, y * stride + i, x * stride + j]
                            col += 1


cdef void _col2im(const real[:, ::1] cols, real[:, :, :, ::1] xp,
                  Py_ssize_t out_h, Py_ssize_t out_w, Py_ssize_t fh, Py_ssize_t fw,
                  Py_ssize_t stride) noexcept nogil:
    cdef Py_ssize_t N = xp.shape[0], C = xp.shape[1]
    cdef Py_ssize_t c, i, j, y, x, n, row, col
    for c in range(C):
        for i in range(fh):
            for j in range(fw):
                row = (c * fh + i) * fw + j
                col = 0
                for y in range(out_h):
                    for x in range(out_w):
                        for n in range(N):
                            xp[n, c, y * stride + i, x * stride + j] += cols[row, col]
                            col += 1


cdef void _col2im_6d(const real[:, :, :, :, :, ::1] cols, real[:, :, :, ::1] xp,
                     Py_ssize_t stride) noexcept nogil:
    # One (n, c) plane of xp at a time (it stays in L1 while the HH*WW runs of
    # Ho*Wo contiguous column entries that land in it are added).
    cdef Py_ssize_t C = cols.shape[0], HH = cols.shape[1], WW = cols.shape[2]
    cdef Py_ssize_t N = cols.shape[3], out_h = cols.shape[4], out_w = cols.shape[5]
    cdef Py_ssize_t c, i, j, n, y, x
    for n in range(N):
        for c in range(C):
            for i in range(HH):
                for j in range(WW):
                    for y in range(out_h):
                        for x in range(out_w):
                            xp[n, c, y * stride + i, x * stride + j] += cols[c, i, j, n, y, x]


def im2col_cython(x, int field_height, int field_width, int padding, int stride):
    """Every receptive field of ``x (N, C, H, W)`` as a column: ``(C*fh*fw, Ho*Wo*N)``."""
    x = as_float_array(x, "im2col: x", ndim=4)
    N, C, H, W = x.shape
    out_h, out_w = _out_sizes(H, W, field_height, field_width, padding, stride, "im2col",
                              "field_height", "field_width")
    xp = pad_hw(x, padding)  # (N, C, Hp, Wp), C-contiguous
    cols = np.empty((C * field_height * field_width, out_h * out_w * N), dtype=x.dtype)
    if x.dtype == np.float32:
        _im2col[float](cols, xp, out_h, out_w, field_height, field_width, stride)
    else:
        _im2col[double](cols, xp, out_h, out_w, field_height, field_width, stride)
    return cols


def col2im_cython(cols, int N, int C, int H, int W, int field_height, int field_width,
                  int padding, int stride):
    """Adjoint of :func:`im2col_cython`: ``cols (C*fh*fw, Ho*Wo*N)`` -> ``x (N, C, H, W)``."""
    cols = as_float_array(cols, "col2im: cols", ndim=2)
    out_h, out_w = _out_sizes(H, W, field_height, field_width, padding, stride, "col2im",
                              "field_height", "field_width")
    expected = (C * field_height * field_width, out_h * out_w * N)
    if cols.shape != expected:
        raise ValueError(f"col2im: cols must have shape {expected}, got {cols.shape}")
    cols = np.ascontiguousarray(cols)
    xp = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    if cols.dtype == np.float32:
        _col2im[float](cols, xp, out_h, out_w, field_height, field_width, stride)
    else:
        _col2im[double](cols, xp, out_h, out_w, field_height, field_width, stride)
    return np.ascontiguousarray(xp[:, :, padding:padding + H, padding:padding + W])


def col2im_6d_cython(cols, int N, int C, int H, int W, int HH, int WW, int pad, int stride):
    """Adjoint of the strided-view columns: ``cols (C, HH, WW, N, Ho, Wo)`` -> ``x (N, C, H, W)``.

    A 2-D ``(C*HH*WW, N*Ho*Wo)`` array with the same memory order is accepted too.
    """
    cols = as_float_array(cols, "col2im_6d: cols")
    out_h, out_w = _out_sizes(H, W, HH, WW, pad, stride, "col2im_6d", "HH", "WW")
    shape6 = (C, HH, WW, N, out_h, out_w)
    if cols.shape not in (shape6, (C * HH * WW, N * out_h * out_w)):
        raise ValueError(
            f"col2im_6d: cols must have shape {shape6} or {(C * HH * WW, N * out_h * out_w)}, "
            f"got {cols.shape}"
        )
    cols = np.ascontiguousarray(cols).reshape(shape6)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    if cols.dtype == np.float32:
        _col2im_6d[float](cols, xp, stride)
    else:
        _col2im_6d[double](cols, xp, stride)
    return np.ascontiguousarray(xp[:, :, pad:pad + H, pad:pad + W])
