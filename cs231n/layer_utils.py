"""Sandwich layers: common chains of layers as one forward/backward pair.

Each sandwich runs its layers in order and keeps a tuple of their caches; the
backward pass walks the same layers in reverse. Official 2020 names:
``affine_relu``, ``conv_relu``, ``conv_bn_relu``, ``conv_relu_pool``; plus
``affine_bn_relu`` and ``affine_ln_relu`` for the fully connected nets with
normalization.

The convolution sandwiches use the fast layers of :mod:`cs231n.fast_layers` (same
numbers as the naive layers, much faster), as the official code does.

Checks: each layer checks its own arguments once (a sandwich's forward pass names itself
in front of the layer's message, e.g. ``affine_relu_forward: affine_forward: w must ...``),
and each backward pass checks ``dout`` against the shape of its output first (no
broadcasting). NaN and inf propagate, as through the layers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from cs231n import fast_layers, layers
from cs231n.fast_layers import *  # noqa: F403  (the official module re-exports both, see __all__)
from cs231n.fast_layers import (
    _pool_output_shape,
    conv_backward_fast,
    conv_forward_fast,
    max_pool_backward_fast,
    max_pool_forward_fast,
)
from cs231n.layers import *  # noqa: F403
from cs231n.layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)
from cs231n.validation import check_like

__all__ = [
    "affine_relu_forward",
    "affine_relu_backward",
    "affine_bn_relu_forward",
    "affine_bn_relu_backward",
    "affine_ln_relu_forward",
    "affine_ln_relu_backward",
    "conv_relu_forward",
    "conv_relu_backward",
    "conv_bn_relu_forward",
    "conv_bn_relu_backward",
    "conv_relu_pool_forward",
    "conv_relu_pool_backward",
    # As in the official code, `from cs231n.layer_utils import *` also gives every layer of
    # cs231n.layers and cs231n.fast_layers (the official notebooks rely on it).
    *layers.__all__,
    *fast_layers.__all__,
]


# --------------------------------------------------------------------------- checks


@contextlib.contextmanager
def _named(fn: str) -> Iterator[None]:
    """Put the sandwich's name ``fn`` in front of a layer's ``ValueError``/``TypeError``, so
    the message names the function that was called (the layer's own name and argument stay).
    """
    try:
        yield
    except TypeError as e:
        raise TypeError(f"{fn}: {e}") from e
    except ValueError as e:
        raise ValueError(f"{fn}: {e}") from e


def _dout(fn: str, dout, shape: tuple) -> np.ndarray:
    return check_like(fn, "dout", dout, shape)


# --------------------------------------------------------------------------- fully connected


def affine_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """Affine then ReLU.

    Parameters
    ----------
    x : (N, d_1, ..., d_k)
    w : (D, M) with D = d_1 * ... * d_k
    b : (M,)

    Returns
    -------
    out : (N, M)
    cache : ``(fc_cache, relu_cache)``
    """
    with _named("affine_relu_forward"):
        a, fc_cache = affine_forward(x, w, b)
        out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout: np.ndarray, cache):
    """Backward pass of :func:`affine_relu_forward`.

    Parameters
    ----------
    dout : (N, M)
    cache : ``(fc_cache, relu_cache)``

    Returns
    -------
    dx : (N, d_1, ..., d_k)
    dw : (D, M)
    db : (M,)
    """
    fc_cache, relu_cache = cache
    dout = _dout("affine_relu_backward", dout, relu_cache.shape)
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)


def affine_bn_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict
):
    """Affine, batch normalization, ReLU.

    Parameters
    ----------
    x : (N, d_1, ..., d_k)
    w : (D, M)
    b : (M,)
    gamma, beta : (M,)
    bn_param : dict for :func:`cs231n.layers.batchnorm_forward` (updated in place)

    Returns
    -------
    out : (N, M)
    cache : ``(fc_cache, bn_cache, relu_cache)``
    """
    with _named("affine_bn_relu_forward"):
        a, fc_cache = affine_forward(x, w, b)
        an, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)
        out, relu_cache = relu_forward(an)
    return out, (fc_cache, bn_cache, relu_cache)


def affine_bn_relu_backward(dout: np.ndarray, cache):
    """Backward pass of :func:`affine_bn_relu_forward`.

    Returns
    -------
    dx : (N, d_1, ..., d_k)
    dw : (D, M)
    db : (M,)
    dgamma, dbeta : (M,)
    """
    fc_cache, bn_cache, relu_cache = cache
    dout = _dout("affine_bn_relu_backward", dout, relu_cache.shape)
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = batchnorm_backward_alt(dan, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


def affine_ln_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: dict
):
    """Affine, layer normalization, ReLU.

    Parameters
    ----------
    x : (N, d_1, ..., d_k)
    w : (D, M)
    b : (M,)
    gamma, beta : (M,)
    ln_param : dict for :func:`cs231n.layers.layernorm_forward`

    Returns
    -------
    out : (N, M)
    cache : ``(fc_cache, ln_cache, relu_cache)``
    """
    with _named("affine_ln_relu_forward"):
        a, fc_cache = affine_forward(x, w, b)
        an, ln_cache = layernorm_forward(a, gamma, beta, ln_param)
        out, relu_cache = relu_forward(an)
    return out, (fc_cache, ln_cache, relu_cache)


def affine_ln_relu_backward(dout: np.ndarray, cache):
    """Backward pass of :func:`affine_ln_relu_forward`.

    Returns
    -------
    dx : (N, d_1, ..., d_k)
    dw : (D, M)
    db : (M,)
    dgamma, dbeta : (M,)
    """
    fc_cache, ln_cache, relu_cache = cache
    dout = _dout("affine_ln_relu_backward", dout, relu_cache.shape)
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = layernorm_backward(dan, ln_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


# --------------------------------------------------------------------------- convolutional


def conv_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict):
    """Convolution (fast) then ReLU.

    Parameters
    ----------
    x : (N, C, H, W)
    w : (F, C, HH, WW)
    b : (F,)
    conv_param : dict with ``stride`` and ``pad``

    Returns
    -------
    out : (N, F, H', W')
    cache : ``(conv_cache, relu_cache)``
    """
    with _named("conv_relu_forward"):
        a, conv_cache = conv_forward_fast(x, w, b, conv_param)
        out, relu_cache = relu_forward(a)
    return out, (conv_cache, relu_cache)


def conv_relu_backward(dout: np.ndarray, cache):
    """Backward pass of :func:`conv_relu_forward`.

    Returns
    -------
    dx : (N, C, H, W)
    dw : (F, C, HH, WW)
    db : (F,)
    """
    conv_cache, relu_cache = cache
    dout = _dout("conv_relu_backward", dout, relu_cache.shape)
    da = relu_backward(dout, relu_cache)
    return conv_backward_fast(da, conv_cache)


def conv_bn_relu_forward(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    conv_param: dict,
    bn_param: dict,
    conv_forward=conv_forward_fast,
):
    """Convolution (fast), spatial batch normalization, ReLU.

    ``conv_forward`` swaps the convolution for another with the same contract
    (e.g. :func:`cs231n.kernels.winograd.conv_forward_winograd`); pass its backward pass
    to :func:`conv_bn_relu_backward`.

    Parameters
    ----------
    x : (N, C, H, W)
    w : (F, C, HH, WW)
    b : (F,)
    gamma, beta : (F,)
    conv_param : dict with ``stride`` and ``pad``
    bn_param : dict for :func:`cs231n.layers.spatial_batchnorm_forward` (updated in place)

    Returns
    -------
    out : (N, F, H', W')
    cache : ``(conv_cache, bn_cache, relu_cache)``
    """
    with _named("conv_bn_relu_forward"):
        a, conv_cache = conv_forward(x, w, b, conv_param)
        an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
        out, relu_cache = relu_forward(an)
    return out, (conv_cache, bn_cache, relu_cache)


def conv_bn_relu_backward(dout: np.ndarray, cache, conv_backward=conv_backward_fast):
    """Backward pass of :func:`conv_bn_relu_forward` (``conv_backward``: the backward of
    the ``conv_forward`` used there).

    Returns
    -------
    dx : (N, C, H, W)
    dw : (F, C, HH, WW)
    db : (F,)
    dgamma, dbeta : (F,)
    """
    conv_cache, bn_cache, relu_cache = cache
    dout = _dout("conv_bn_relu_backward", dout, relu_cache.shape)
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = spatial_batchnorm_backward(dan, bn_cache)
    dx, dw, db = conv_backward(da, conv_cache)
    return dx, dw, db, dgamma, dbeta


def conv_relu_pool_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict, pool_param: dict
):
    """Convolution (fast), ReLU, max pooling (fast).

    Parameters
    ----------
    x : (N, C, H, W)
    w : (F, C, HH, WW)
    b : (F,)
    conv_param : dict with ``stride`` and ``pad``
    pool_param : dict with ``pool_height``, ``pool_width`` and ``stride``

    Returns
    -------
    out : (N, F, H'', W'') after pooling the (N, F, H', W') convolution output
    cache : ``(conv_cache, relu_cache, pool_cache)``
    """
    with _named("conv_relu_pool_forward"):
        a, conv_cache = conv_forward_fast(x, w, b, conv_param)
        s, relu_cache = relu_forward(a)
        out, pool_cache = max_pool_forward_fast(s, pool_param)
    return out, (conv_cache, relu_cache, pool_cache)


def conv_relu_pool_backward(dout: np.ndarray, cache):
    """Backward pass of :func:`conv_relu_pool_forward`.

    Returns
    -------
    dx : (N, C, H, W)
    dw : (F, C, HH, WW)
    db : (F,)
    """
    conv_cache, relu_cache, pool_cache = cache
    dout = _dout("conv_relu_pool_backward", dout, _pool_output_shape(pool_cache))
    ds = max_pool_backward_fast(dout, pool_cache)
    da = relu_backward(ds, relu_cache)
    return conv_backward_fast(da, conv_cache)
