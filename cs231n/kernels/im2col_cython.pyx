# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Compiled im2col / col2im loops (optional; ``cs231n.kernels.im2col_numpy`` is the fallback).

The two functions of the official CS231n signatures, and the pair the fast layers use:

* ``im2col_cython(x, field_height, field_width, padding, stride)``:
  ``x (N, C, H, W)`` -> ``cols (C*fh*fw, Ho*Wo*N)`` with
  ``cols[(c*fh + i)*fw + j, (y*Wo + x)*N + n] = x_padded[n, c, y*stride + i, x*stride + j]``.
* ``col2im_cython(cols, N, C, H, W, field_height, field_width, padding, stride)``:
  the adjoint (sums each column entry back into its pixel) -> ``x (N, C, H, W)``.
* ``im2col_per_image_cython(x, HH, WW, pad, stride, out=None)``: the columns of
  ``cs231n.fast_layers.conv_forward_strides``, one im2col matrix per image,
  ``x (N, C, H, W)`` -> ``cols (N, C*HH*WW, Ho*Wo)``.
* ``col2im_per_image_cython(cols, N, C, H, W, HH, WW, pad, stride, out=None)``: its
  adjoint, ``cols (N, C*HH*WW, Ho*Wo)`` -> ``x (N, C, H, W)``.

float32 and float64 are compiled separately (a fused type) and the dtype is kept;
other dtypes are converted to float64. Sizes are checked in Python before any loop
runs (``ValueError`` naming the numbers), so the loops can skip bounds checks.
Unlike the 2020 starter code, the row index is ``(c*fh + i)*fw + j`` (the starter
code used ``i*fh + j``, which collides for non-square windows).
"""

import numpy as np
from libc.string cimport memcpy, memset

from cs231n.kernels.geometry import FIELD_NAMES, output_hw
from cs231n.kernels.im2col_numpy import (
    as_float_array,
    check_per_image_cols,
    check_per_image_out,
    pad_hw,
)

ctypedef fused real:
    float
    double


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


cdef inline Py_ssize_t _first_inside(Py_ssize_t offset, Py_ssize_t stride) noexcept nogil:
    # The smallest y >= 0 with y*stride + offset >= 0 (offset = window offset - pad).
    if offset >= 0:
        return 0
    return (-offset + stride - 1) // stride


cdef inline Py_ssize_t _end_inside(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                                   Py_ssize_t count) noexcept nogil:
    # One past the largest y < count with y*stride + offset < size.
    cdef Py_ssize_t end
    if size - offset <= 0:
        return 0
    end = (size - offset - 1) // stride + 1
    return end if end < count else count


cdef void _im2col_per_image(const real[:, :, :, ::1] x, real[:, :, :] cols,
                            Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t pad, Py_ssize_t stride,
                            Py_ssize_t out_h, Py_ssize_t out_w) noexcept nogil:
    # cols may be a view with gaps between images (its rows are contiguous: checked).
    # Row (c, i, j) of image n holds x[n, c, y*stride + i - pad, x*stride + j - pad] for
    # every output position (y, x): zero where that pixel is padding. The window offset
    # fixes which output rows [y0, y1) and columns [x0, x1) see real pixels, so the
    # padding is a few memsets and the rest is a copy (a memcpy when stride == 1).
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t n, c, i, j, y, xo, y0, y1, x0, x1, shift
    cdef const real* src
    cdef real* dst
    for n in range(N):
        for c in range(C):
            for i in range(HH):
                y0 = _first_inside(i - pad, stride)
                y1 = _end_inside(i - pad, stride, H, out_h)
                for j in range(WW):
                    x0 = _first_inside(j - pad, stride)
                    x1 = _end_inside(j - pad, stride, W, out_w)
                    shift = j - pad
                    dst = &cols[n, (c * HH + i) * WW + j, 0]
                    if y1 <= y0 or x1 <= x0:  # the window offset only ever sees padding
                        memset(dst, 0, out_h * out_w * sizeof(real))
                        continue
                    memset(dst, 0, y0 * out_w * sizeof(real))
                    for y in range(y0, y1):
                        src = &x[n, c, y * stride + i - pad, 0]
                        memset(dst + y * out_w, 0, x0 * sizeof(real))
                        if stride == 1:
                            memcpy(dst + y * out_w + x0, src + x0 + shift,
                                   (x1 - x0) * sizeof(real))
                        else:
                            for xo in range(x0, x1):
                                dst[y * out_w + xo] = src[xo * stride + shift]
                        memset(dst + y * out_w + x1, 0, (out_w - x1) * sizeof(real))
                    memset(dst + y1 * out_w, 0, (out_h - y1) * out_w * sizeof(real))


cdef void _col2im_per_image(const real[:, :, ::1] cols, real[:, :, :, ::1] x,
                            Py_ssize_t HH, Py_ssize_t WW, Py_ssize_t pad, Py_ssize_t stride,
                            Py_ssize_t out_h, Py_ssize_t out_w) noexcept nogil:
    # One (n, c) plane of x at a time: zeroed, then the HH*WW rows of cols that land
    # in it are added, straight into the unpadded plane (entries that belong to the
    # padding are skipped: the window offset fixes which rows and columns those are).
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t n, c, i, j, y, xo, y0, y1, x0, x1, iy, shift
    cdef const real* src
    cdef real* dst
    for n in range(N):
        for c in range(C):
            dst = &x[n, c, 0, 0]
            for iy in range(H * W):
                dst[iy] = 0
            for i in range(HH):
                y0 = _first_inside(i - pad, stride)
                y1 = _end_inside(i - pad, stride, H, out_h)
                for j in range(WW):
                    x0 = _first_inside(j - pad, stride)
                    x1 = _end_inside(j - pad, stride, W, out_w)
                    shift = j - pad
                    src = &cols[n, (c * HH + i) * WW + j, 0]
                    for y in range(y0, y1):
                        dst = &x[n, c, y * stride + i - pad, 0]
                        for xo in range(x0, x1):
                            dst[xo * stride + shift] += src[y * out_w + xo]


def im2col_cython(x, int field_height, int field_width, int padding, int stride):
    """Every receptive field of ``x (N, C, H, W)`` as a column: ``(C*fh*fw, Ho*Wo*N)``."""
    x = as_float_array(x, "im2col: x", ndim=4)
    N, C, H, W = x.shape
    out_h, out_w = output_hw("im2col", H, W, field_height, field_width, padding, stride,
                             names=FIELD_NAMES)
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
    out_h, out_w = output_hw("col2im", H, W, field_height, field_width, padding, stride,
                             names=FIELD_NAMES)
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


def im2col_per_image_cython(x, int HH, int WW, int pad, int stride, out=None):
    """Every receptive field of each image: ``x (N, C, H, W)`` -> ``cols (N, C*HH*WW, Ho*Wo)``.

    Same contract as :func:`cs231n.kernels.im2col_numpy.im2col_per_image_numpy`, without the
    padded copy of ``x``.
    """
    x, out, (out_h, out_w) = check_per_image_out(x, HH, WW, pad, stride, out)
    if x.dtype == np.float32:
        _im2col_per_image[float](x, out, HH, WW, pad, stride, out_h, out_w)
    else:
        _im2col_per_image[double](x, out, HH, WW, pad, stride, out_h, out_w)
    return out


def col2im_per_image_cython(cols, int N, int C, int H, int W, int HH, int WW, int pad,
                            int stride, out=None):
    """Adjoint of the per-image columns: ``cols (N, C*HH*WW, Ho*Wo)`` -> ``x (N, C, H, W)``.

    Same contract as :func:`cs231n.kernels.im2col_numpy.col2im_per_image_numpy` (the 6-D view
    ``(N, C, HH, WW, Ho, Wo)`` is accepted; ``out``, when given, is overwritten).
    """
    cols, out, (out_h, out_w) = check_per_image_cols(cols, N, C, H, W, HH, WW, pad, stride, out)
    if cols.dtype == np.float32:
        _col2im_per_image[float](cols, out, HH, WW, pad, stride, out_h, out_w)
    else:
        _col2im_per_image[double](cols, out, HH, WW, pad, stride, out_h, out_w)
    return out
