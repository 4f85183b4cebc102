"""im2col by fancy indexing: the reference the compiled and strided versions must match.

A convolution is a matrix product once every receptive field is laid out as a
column. For an input ``x`` of shape ``(N, C, H, W)`` and a ``field_height x
field_width`` window moved with ``stride`` over the zero-padded input,
:func:`im2col_indices` returns ``cols`` of shape ``(C * fh * fw, Ho * Wo * N)``:

* row ``(c * fh + i) * fw + j`` holds channel ``c`` at window offset ``(i, j)``;
* column ``(y * Wo + x) * N + n`` is the window at output position ``(y, x)`` of
  image ``n`` (positions outer, images inner: the official column order);

with ``Ho = (H + 2 * padding - fh) // stride + 1`` (``Wo`` likewise), which must
divide exactly. :func:`col2im_indices` is its adjoint: it *adds* every column
entry back to the pixel it came from, which is what a backward pass needs.

The same layout is produced by ``cs231n.kernels.im2col_cython`` (compiled loops) and
``cs231n.kernels.im2col_numpy`` (strided views); :mod:`cs231n.fast_layers` uses those.
All of them check the sizes with :func:`cs231n.kernels.geometry.output_hw`; every message
names the function called. NaN and inf propagate.
"""

from __future__ import annotations

import numpy as np

from cs231n.kernels.geometry import FIELD_NAMES, check_int, output_hw
from cs231n.validation import check_array, check_like


def _check_x_shape(fn: str, x_shape, name: str = "x_shape") -> tuple[int, int, int, int]:
    """``x_shape`` as four ints >= 0 ``(N, C, H, W)``."""
    try:
        shape = tuple(x_shape)
    except TypeError:
        shape = ()
    if len(shape) != 4:
        raise ValueError(f"{fn}: {name} must be a shape (N, C, H, W), got {x_shape!r}")
    N, C, H, W = (check_int(fn, f"{name}[{i}]", d, 0) for i, d in enumerate(shape))
    return N, C, H, W


def _indices(fn: str, x_shape, field_height, field_width, padding, stride):
    _, C, H, W = _check_x_shape(fn, x_shape)
    padding = check_int(fn, "padding", padding, 0)  # the official name (output_hw says pad)
    out_h, out_w = output_hw(
        fn, H, W, field_height, field_width, padding, stride, names=FIELD_NAMES
    )
    # Row r = (c, a, b) in C-order: window offset (a, b) of channel c.
    i0 = np.tile(np.repeat(np.arange(field_height), field_width), C)  # (C*fh*fw,)
    j0 = np.tile(np.arange(field_width), field_height * C)  # (C*fh*fw,)
    # Column p = (y, x) in C-order: top-left corner of output position (y, x).
    i1 = stride * np.repeat(np.arange(out_h), out_w)  # (Ho*Wo,)
    j1 = stride * np.tile(np.arange(out_w), out_h)  # (Ho*Wo,)
    i = i0[:, None] + i1[None, :]  # (C*fh*fw, Ho*Wo)
    j = j0[:, None] + j1[None, :]  # (C*fh*fw, Ho*Wo)
    k = np.repeat(np.arange(C), field_height * field_width)[:, None]  # (C*fh*fw, 1)
    return k, i, j


def get_im2col_indices(
    x_shape, field_height: int, field_width: int, padding: int = 1, stride: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index arrays ``(k, i, j)`` such that ``cols = x_padded[:, k, i, j]``.

    Parameters
    ----------
    x_shape : tuple
        ``(N, C, H, W)``.
    field_height, field_width : int
        Window size ``fh``, ``fw``.
    padding : int
        Zeros added on each side of H and W.
    stride : int
        Step of the window; must divide ``H + 2*padding - fh`` (and likewise W).

    Returns
    -------
    k : (C*fh*fw, 1)
        Channel of each row.
    i : (C*fh*fw, Ho*Wo)
        Padded row of each (row, output position).
    j : (C*fh*fw, Ho*Wo)
        Padded column of each (row, output position).

    Raises
    ------
    ValueError
        If ``x_shape`` is not four sizes, a size is not an integer in range, or the window
        does not fit or divide (:func:`cs231n.kernels.geometry.output_hw`).
    """
    return _indices("get_im2col_indices", x_shape, field_height, field_width, padding, stride)


def im2col_indices(
    x: np.ndarray, field_height: int, field_width: int, padding: int = 1, stride: int = 1
) -> np.ndarray:
    """Every receptive field of ``x`` as a column, by fancy indexing.

    Parameters
    ----------
    x : (N, C, H, W)
    field_height, field_width, padding, stride : int
        As :func:`get_im2col_indices`.

    Returns
    -------
    cols : (C*fh*fw, Ho*Wo*N)
        ``cols[(c*fh + i)*fw + j, (y*Wo + x)*N + n] = x_padded[n, c, y*stride + i, x*stride + j]``.
    """
    fn = "im2col_indices"
    x = check_array(fn, "x", x)
    if x.ndim != 4:
        raise ValueError(f"{fn}: x must have shape (N, C, H, W), got shape {x.shape}")
    N, C, _, _ = x.shape
    k, i, j = _indices(fn, x.shape, field_height, field_width, padding, stride)
    p = padding
    x_padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
    cols = x_padded[:, k, i, j]  # (N, C*fh*fw, Ho*Wo)
    return cols.transpose(1, 2, 0).reshape(C * field_height * field_width, -1)  # (K, Ho*Wo*N)


def col2im_indices(
    cols: np.ndarray,
    x_shape,
    field_height: int = 3,
    field_width: int = 3,
    padding: int = 1,
    stride: int = 1,
) -> np.ndarray:
    """Adjoint of :func:`im2col_indices`: sum every column entry into its pixel.

    Parameters
    ----------
    cols : (C*fh*fw, Ho*Wo*N)
    x_shape : tuple
        ``(N, C, H, W)`` of the input the columns came from.
    field_height, field_width, padding, stride : int
        As :func:`get_im2col_indices`.

    Returns
    -------
    x : (N, C, H, W)
        A pixel covered by several windows gets the sum of their entries.
    """
    fn = "col2im_indices"
    N, C, H, W = _check_x_shape(fn, x_shape)
    k, i, j = _indices(fn, x_shape, field_height, field_width, padding, stride)
    expected = (C * field_height * field_width, i.shape[1] * N)
    cols = check_like(fn, "cols", cols, expected, of="im2col_indices of x_shape")
    x_padded = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    cols_reshaped = cols.reshape(expected[0], -1, N).transpose(2, 0, 1)  # (N, K, Ho*Wo)
    # np.add.at, not +=: overlapping windows index the same pixel several times.
    np.add.at(x_padded, (slice(None), k, i, j), cols_reshaped)
    return x_padded[:, :, padding : padding + H, padding : padding + W]
