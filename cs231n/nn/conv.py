"""Naive (loop-based) convolution and max pooling, forward and backward.

These are the reference implementations of assignment 2: short loops over output
positions, vectorized only over the batch and channels, written to be read. The fast
versions live in :mod:`cs231n.fast_layers` and must agree with these.

The maths of the backward passes, with the tests that check each formula, is in
``notes/conv_backward.md`` and ``notes/maxpool_backward.md``.

Checks, once per call and shared with the fast layers: the arrays' kinds and shapes
(:mod:`cs231n.validation`), ``conv_param`` / ``pool_param`` through
:class:`~cs231n.kernels.geometry.ConvParam` / :class:`~cs231n.kernels.geometry.PoolParam`
(no missing or unknown key is filled in or ignored), and ``dout`` against the output's
shape (no broadcasting). NaN and inf propagate.
"""

from __future__ import annotations

import numpy as np

from cs231n.kernels.geometry import ConvParam, PoolParam
from cs231n.validation import check_array, check_like

__all__ = [
    "conv_forward_naive",
    "conv_backward_naive",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
]


def conv_forward_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict):
    """Convolutional layer forward pass (cross-correlation, as in every CNN library).

    .. math:: out[n, f, i, j] = b[f] + \\sum_{c, k, l}
              x_{pad}[n, c, i s + k, j s + l] \\, w[f, c, k, l]

    Parameters
    ----------
    x : (N, C, H, W)
        Input images.
    w : (F, C, HH, WW)
        F filters.
    b : (F,)
        Biases.
    conv_param : dict
        Exactly the keys ``stride`` (int >= 1) and ``pad`` (int >= 0, zero padding on every
        side), checked once by :meth:`cs231n.kernels.geometry.ConvParam.from_dict`.

    Returns
    -------
    out : (N, F, H', W')
        ``H' = 1 + (H + 2*pad - HH) / stride``, ``W' = 1 + (W + 2*pad - WW) / stride``.
    cache : ``(x, w, b, p)``
        ``p`` the checked :class:`~cs231n.kernels.geometry.ConvParam`.

    NaN and inf propagate.

    Raises
    ------
    ValueError
        If the shapes disagree (``w`` channels != ``x`` channels, ``b`` not (F,)),
        ``conv_param`` is not a dict, lacks a key, has another key or a value out of range,
        or the stride does not divide ``H + 2*pad - HH`` (or ``W + 2*pad - WW``).
    TypeError
        If an array argument is ``None`` or not a numeric array.
    """
    fn = "conv_forward_naive"
    x, w, b = check_array(fn, "x", x), check_array(fn, "w", w), check_array(fn, "b", b)
    if x.ndim != 4:
        raise ValueError(f"{fn}: x must have shape (N, C, H, W), got {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"{fn}: w must have shape (F, C, HH, WW), got {w.shape}")
    N, C, H, W = x.shape
    F, Cw, HH, WW = w.shape
    if Cw != C:
        raise ValueError(f"{fn}: w has {Cw} channels but x has {C} (w {w.shape}, x {x.shape})")
    if b.shape != (F,):
        raise ValueError(f"{fn}: b must have shape ({F},), got {b.shape}")
    p = ConvParam.from_dict(fn, conv_param)
    stride, pad = p.stride, p.pad
    H_out, W_out = p.output_hw(fn, H, W, HH, WW)

    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H+2p, W+2p)
    out = np.empty((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            # (N, C, HH, WW) . (F, C, HH, WW) over (C, HH, WW) -> (N, F)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, p)


def conv_backward_naive(dout: np.ndarray, cache):
    """Backward pass of :func:`conv_forward_naive`.

    Each output position (i, j) saw one window of the padded input; its gradient
    ``dout[:, :, i, j]`` flows back to that window through ``w`` and to ``w`` through
    that window. Gradients that land in the padding are cropped away.

    Parameters
    ----------
    dout : (N, F, H', W')
    cache : ``(x, w, b, p)`` from :func:`conv_forward_naive` (``p`` the checked conv_param)

    Returns
    -------
    dx : (N, C, H, W)
    dw : (F, C, HH, WW)
    db : (F,)

    Raises
    ------
    ValueError
        If ``dout`` is not exactly (N, F, H', W') (no broadcasting).
    """
    fn = "conv_backward_naive"
    x, w, _, p = cache
    stride, pad = p.stride, p.pad
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = p.output_hw(fn, H, W, HH, WW)
    dout = check_like(fn, "dout", dout, (N, F, H_out, W_out))

    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H+2p, W+2p)
    dxp = np.zeros_like(xp, dtype=np.result_type(xp, dout))
    dw = np.zeros_like(w, dtype=np.result_type(w, dout))
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + HH)
            cols = slice(j * stride, j * stride + WW)
            g = dout[:, :, i, j]  # (N, F)
            dxp[:, :, rows, cols] += np.tensordot(g, w, axes=([1], [0]))  # (N, C, HH, WW)
            dw += np.tensordot(g, xp[:, :, rows, cols], axes=([0], [0]))  # (F, C, HH, WW)
    dx = dxp[:, :, pad : pad + H, pad : pad + W]  # crop the padding
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def max_pool_forward_naive(x: np.ndarray, pool_param: dict):
    """Max pooling forward pass (no padding).

    .. math:: out[n, c, i, j] = \\max_{0 \\le k < PH,\\ 0 \\le l < PW} x[n, c, i s + k, j s + l]

    Parameters
    ----------
    x : (N, C, H, W)
    pool_param : dict
        Exactly the keys ``pool_height``, ``pool_width`` and ``stride`` (ints >= 1),
        checked once by :meth:`cs231n.kernels.geometry.PoolParam.from_dict`. Windows may
        overlap (stride smaller than the pool).

    Returns
    -------
    out : (N, C, H', W')
        ``H' = 1 + (H - pool_height) / stride``, ``W' = 1 + (W - pool_width) / stride``.
    cache : ``(x, p)``
        ``p`` the checked :class:`~cs231n.kernels.geometry.PoolParam`.

    NaN and inf propagate.

    Raises
    ------
    ValueError
        If ``x`` is not (N, C, H, W), ``pool_param`` is not a dict, lacks a key, has another
        key or a value out of range, the pool is larger than the input or the stride does
        not divide ``H - pool_height`` (or ``W - pool_width``).
    TypeError
        If ``x`` is ``None`` or not a numeric array.
    """
    fn = "max_pool_forward_naive"
    x = check_array(fn, "x", x)
    if x.ndim != 4:
        raise ValueError(f"{fn}: x must have shape (N, C, H, W), got {x.shape}")
    N, C, H, W = x.shape
    p = PoolParam.from_dict(fn, pool_param)
    PH, PW, stride = p.pool_height, p.pool_width, p.stride
    H_out, W_out = p.output_hw(fn, H, W)

    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride : i * stride + PH, j * stride : j * stride + PW]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, p)


def max_pool_backward_naive(dout: np.ndarray, cache):
    """Backward pass of :func:`max_pool_forward_naive`.

    Each window sends its gradient to the input that was its maximum. **Ties:** when
    several inputs of a window share the maximum, the whole gradient goes to the
    first of them in row-major order (``argmax`` over the flattened window), the same
    convention as PyTorch's ``max_pool2d``. With overlapping windows an input that is
    the maximum of several windows accumulates all their gradients. See
    ``notes/maxpool_backward.md``.

    Parameters
    ----------
    dout : (N, C, H', W')
    cache : ``(x, p)`` from :func:`max_pool_forward_naive` (``p`` the checked pool_param)

    Returns
    -------
    dx : (N, C, H, W)

    Raises
    ------
    ValueError
        If ``dout`` is not exactly (N, C, H', W') (no broadcasting).
    """
    fn = "max_pool_backward_naive"
    x, p = cache
    PH, PW, stride = p.pool_height, p.pool_width, p.stride
    N, C, H, W = x.shape
    H_out, W_out = p.output_hw(fn, H, W)
    dout = check_like(fn, "dout", dout, (N, C, H_out, W_out))

    dx = np.zeros_like(x, dtype=np.result_type(x, dout))
    positions = np.arange(PH * PW)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + PH)
            cols = slice(j * stride, j * stride + PW)
            flat = x[:, :, rows, cols].reshape(N, C, PH * PW)  # (N, C, PH*PW)
            first_max = flat.argmax(axis=2)  # (N, C): argmax returns the first maximum
            onehot = (positions == first_max[:, :, None]).reshape(N, C, PH, PW)
            dx[:, :, rows, cols] += onehot * dout[:, :, i, j][:, :, None, None]
    return dx
