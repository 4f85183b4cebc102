"""Naive (loop-based) convolution and max pooling, forward and backward.

These are the reference implementations of assignment 2: short loops over output
positions, vectorized only over the batch and channels, written to be read. The fast
versions live in :mod:`cs231n.fast_layers` and must agree with these.

The maths of the backward passes, with the tests that check each formula, is in
``notes/conv_backward.md`` and ``notes/maxpool_backward.md``.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "conv_forward_naive",
    "conv_backward_naive",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
    "conv_output_size",
]


def _int_param(fn: str, name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{fn}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def conv_output_size(fn: str, size: int, kernel: int, stride: int, pad: int, axis: str) -> int:
    """Output length ``1 + (size + 2*pad - kernel) // stride`` of a convolution or pool.

    Raises a ``ValueError`` naming the numbers when the kernel does not fit or the
    stride does not divide the span evenly (the course never floors silently).

    Parameters
    ----------
    fn : name of the calling function, used in the message.
    size, kernel, stride, pad : ints along one axis.
    axis : ``'H'`` or ``'W'``, used in the message.
    """
    span = size + 2 * pad - kernel
    if span < 0:
        raise ValueError(
            f"{fn}: the window ({kernel}) is larger than the padded input along {axis} "
            f"({size} + 2*{pad} = {size + 2 * pad})"
        )
    if span % stride != 0:
        raise ValueError(
            f"{fn}: ({axis} + 2*pad - {axis}{axis}) = ({size} + 2*{pad} - {kernel}) = {span} "
            f"is not divisible by stride = {stride}"
        )
    return 1 + span // stride


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
        ``stride`` (int >= 1) and ``pad`` (int >= 0, zero padding on every side).

    Returns
    -------
    out : (N, F, H', W')
        ``H' = 1 + (H + 2*pad - HH) / stride``, ``W' = 1 + (W + 2*pad - WW) / stride``.
    cache : ``(x, w, b, conv_param)``

    Raises
    ------
    ValueError
        If the shapes disagree (``w`` channels != ``x`` channels, ``b`` not (F,)), or the
        stride does not divide ``H + 2*pad - HH`` (or ``W + 2*pad - WW``).
    """
    fn = "conv_forward_naive"
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
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
    stride = _int_param(fn, "stride", conv_param.get("stride", 1), 1)
    pad = _int_param(fn, "pad", conv_param.get("pad", 0), 0)
    H_out = conv_output_size(fn, H, HH, stride, pad, "H")
    W_out = conv_output_size(fn, W, WW, stride, pad, "W")

    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H+2p, W+2p)
    out = np.empty((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            # (N, C, HH, WW) . (F, C, HH, WW) over (C, HH, WW) -> (N, F)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout: np.ndarray, cache):
    """Backward pass of :func:`conv_forward_naive`.

    Each output position (i, j) saw one window of the padded input; its gradient
    ``dout[:, :, i, j]`` flows back to that window through ``w`` and to ``w`` through
    that window. Gradients that land in the padding are cropped away.

    Parameters
    ----------
    dout : (N, F, H', W')
    cache : ``(x, w, b, conv_param)`` from :func:`conv_forward_naive`

    Returns
    -------
    dx : (N, C, H, W)
    dw : (F, C, HH, WW)
    db : (F,)
    """
    x, w, _, conv_param = cache
    stride, pad = int(conv_param.get("stride", 1)), int(conv_param.get("pad", 0))
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape

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


def _pool_params(fn: str, pool_param: dict):
    PH = _int_param(fn, "pool_height", pool_param.get("pool_height"), 1)
    PW = _int_param(fn, "pool_width", pool_param.get("pool_width"), 1)
    stride = _int_param(fn, "stride", pool_param.get("stride"), 1)
    return PH, PW, stride


def max_pool_forward_naive(x: np.ndarray, pool_param: dict):
    """Max pooling forward pass (no padding).

    .. math:: out[n, c, i, j] = \\max_{0 \\le k < PH,\\ 0 \\le l < PW} x[n, c, i s + k, j s + l]

    Parameters
    ----------
    x : (N, C, H, W)
    pool_param : dict
        ``pool_height``, ``pool_width`` and ``stride`` (ints >= 1). Windows may
        overlap (stride smaller than the pool).

    Returns
    -------
    out : (N, C, H', W')
        ``H' = 1 + (H - pool_height) / stride``, ``W' = 1 + (W - pool_width) / stride``.
    cache : ``(x, pool_param)``

    Raises
    ------
    ValueError
        If the pool is larger than the input or the stride does not divide
        ``H - pool_height`` (or ``W - pool_width``).
    """
    fn = "max_pool_forward_naive"
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"{fn}: x must have shape (N, C, H, W), got {x.shape}")
    N, C, H, W = x.shape
    PH, PW, stride = _pool_params(fn, pool_param)
    H_out = conv_output_size(fn, H, PH, stride, 0, "H")
    W_out = conv_output_size(fn, W, PW, stride, 0, "W")

    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride : i * stride + PH, j * stride : j * stride + PW]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out, (x, pool_param)


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
    cache : ``(x, pool_param)`` from :func:`max_pool_forward_naive`

    Returns
    -------
    dx : (N, C, H, W)
    """
    x, pool_param = cache
    PH, PW, stride = _pool_params("max_pool_backward_naive", pool_param)
    N, C, _, _ = x.shape
    _, _, H_out, W_out = dout.shape

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
