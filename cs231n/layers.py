"""Assignment 2 layers in numpy: the official 2020 names, each a forward/backward pair.

Every layer follows one contract::

    out, cache = <layer>_forward(x, ...)
    dx, ...    = <layer>_backward(dout, cache)

``cache`` holds exactly what the backward pass needs; ``dout`` has the shape of ``out``
and every returned gradient has the shape of the input it belongs to.

This module holds the basic layers (affine, ReLU, dropout) and the two losses. The
rest live in concept modules and are re-exported here, so ``from cs231n.layers import *``
gives every official name:

* :mod:`cs231n.nn.norm`: batch, layer, spatial batch and spatial group normalization;
* :mod:`cs231n.nn.conv`: naive convolution and max pooling.

Arguments are checked once, at the door, with :mod:`cs231n.validation`: array kinds (no
``None``, strings, object or complex arrays), every array's full shape against the others,
and ``dout`` against the shape of the output it belongs to (no broadcasting: a ``(1, M)``
``dout`` is an error, not a wrong full-size gradient). NaN and inf propagate through the
layers (the course's semantics); only the losses reject non-finite scores.
"""

from __future__ import annotations

import numpy as np

from cs231n.nn.conv import (
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)
from cs231n.nn.norm import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
)
from cs231n.validation import (
    check_array,
    check_choice,
    check_keys,
    check_labels,
    check_like,
    check_number,
)

__all__ = [
    "affine_forward",
    "affine_backward",
    "relu_forward",
    "relu_backward",
    "dropout_forward",
    "dropout_backward",
    "svm_loss",
    "softmax_loss",
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "layernorm_forward",
    "layernorm_backward",
    "spatial_batchnorm_forward",
    "spatial_batchnorm_backward",
    "spatial_groupnorm_forward",
    "spatial_groupnorm_backward",
    "conv_forward_naive",
    "conv_backward_naive",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
]


# --------------------------------------------------------------------------- affine


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """Fully connected layer: ``out = x.reshape(N, D) @ w + b``.

    Parameters
    ----------
    x : (N, d_1, ..., d_k)
        A minibatch of N examples; each is flattened to a row of length
        D = d_1 * ... * d_k.
    w : (D, M)
        Weights.
    b : (M,)
        Biases.

    Returns
    -------
    out : (N, M)
    cache : tuple ``(x, w, b)`` with the shapes above.

    NaN and inf propagate.

    Raises
    ------
    ValueError
        If ``x`` is empty (N = 0 or D = 0), ``w`` is not (D, M) for the D of ``x``, or
        ``b`` is not (M,).
    TypeError
        If an argument is ``None`` or not a numeric (bool, int or float) array.
    """
    fn = "affine_forward"
    x = check_array(fn, "x", x, min_ndim=1, nonempty=True)
    w = check_array(fn, "w", w)
    b = check_array(fn, "b", b)
    N = x.shape[0]
    x_rows = x.reshape(N, -1)  # (N, D)
    if w.ndim != 2 or w.shape[0] != x_rows.shape[1]:
        raise ValueError(
            f"{fn}: w must have shape (D, M) with D = {x_rows.shape[1]} "
            f"(x has shape {x.shape}), got {w.shape}"
        )
    if b.shape != (w.shape[1],):
        raise ValueError(f"{fn}: b must have shape ({w.shape[1]},), got {b.shape}")
    out = x_rows @ w + b
    return out, (x, w, b)


def affine_backward(dout: np.ndarray, cache):
    """Backward pass of :func:`affine_forward`.

    Parameters
    ----------
    dout : (N, M)
        Upstream gradient.
    cache : ``(x, w, b)`` from :func:`affine_forward`.

    Returns
    -------
    dx : (N, d_1, ..., d_k)
        ``dout @ w.T`` reshaped back to the shape of ``x``.
    dw : (D, M)
        ``x_rows.T @ dout``.
    db : (M,)
        ``dout`` summed over the batch.

    Raises
    ------
    ValueError
        If ``dout`` is not exactly (N, M) (no broadcasting).
    """
    x, w, _ = cache
    N = x.shape[0]
    dout = check_like("affine_backward", "dout", dout, (N, w.shape[1]))
    dx = (dout @ w.T).reshape(x.shape)  # (N, D) -> (N, d_1, ..., d_k)
    dw = x.reshape(N, -1).T @ dout  # (D, N) @ (N, M)
    db = dout.sum(axis=0)
    return dx, dw, db


# --------------------------------------------------------------------------- ReLU


def relu_forward(x: np.ndarray):
    """Rectified linear unit: ``out = max(0, x)`` elementwise.

    Parameters
    ----------
    x : array of any shape

    Returns
    -------
    out : same shape as ``x``
    cache : ``x``

    NaN and inf propagate (``max(0, NaN)`` is NaN).

    Raises
    ------
    ValueError
        If ``x`` is empty.
    TypeError
        If ``x`` is ``None`` or not a numeric array.
    """
    x = check_array("relu_forward", "x", x, nonempty=True)
    return np.maximum(x, 0), x


def relu_backward(dout: np.ndarray, cache):
    """Backward pass of :func:`relu_forward`: ``dx = dout * (x > 0)``.

    The derivative at exactly ``x == 0`` is taken as 0 (the same choice as PyTorch).

    Parameters
    ----------
    dout : same shape as ``x``
    cache : ``x``

    Returns
    -------
    dx : same shape as ``x``

    Raises
    ------
    ValueError
        If ``dout`` does not have exactly the shape of ``x`` (no broadcasting).
    """
    x = cache
    dout = check_like("relu_backward", "dout", dout, x.shape, of="x")
    return dout * (x > 0)


# --------------------------------------------------------------------------- dropout


def dropout_forward(x: np.ndarray, dropout_param: dict):
    """Inverted dropout.

    In training each unit is kept with probability ``p`` and the kept units are
    scaled by ``1 / p``, so ``E[out] = x`` and the test-time forward is the identity
    (see ``notes/dropout.md``)::

        mask = (U < p) / p,   U ~ Uniform[0, 1),   out = x * mask

    Parameters
    ----------
    x : array of any shape
    dropout_param : dict
        - ``p``: the probability of KEEPING a unit, in (0, 1] (the 2020 convention).
        - ``mode``: ``'train'`` or ``'test'``.
        - ``seed`` (optional): makes the mask deterministic. The mask is drawn from
          ``np.random.RandomState(seed)``, the same numbers as ``np.random.seed(seed)``
          followed by ``np.random.rand`` but without touching the global state.
          Without a seed the global ``np.random`` state is used.

    Returns
    -------
    out : same shape as ``x``
    cache : ``(dropout_param, mask)``; ``mask`` has the shape of ``x`` in train
        mode (values 0 or 1/p) and is ``None`` in test mode.

    NaN and inf propagate (a dropped NaN or inf unit gives NaN: ``NaN * 0`` and
    ``inf * 0`` are NaN).

    Raises
    ------
    ValueError
        If ``dropout_param`` lacks ``p`` or ``mode`` or has another key, ``p`` is not in
        (0, 1], ``mode`` is neither ``'train'`` nor ``'test'``, or ``seed`` is not an
        integer in [0, 2**32).
    TypeError
        If ``x`` is not a numeric array, ``dropout_param`` not a dict or ``p`` not a number.
    """
    fn = "dropout_forward"
    x = check_array(fn, "x", x)
    check_keys(fn, "dropout_param", dropout_param, allowed=("seed",), required=("p", "mode"))
    p = dropout_param["p"]
    check_number(fn, "dropout_param['p']", p, low=0.0, high=1.0, low_open=True)
    mode = check_choice(fn, "dropout_param['mode']", dropout_param["mode"], ("train", "test"))
    seed = dropout_param.get("seed")
    if seed is not None:
        seed = check_number(
            fn, "dropout_param['seed']", seed, low=0, high=2**32, high_open=True, integer=True
        )
    if mode == "train":
        rand = np.random.RandomState(seed).rand if seed is not None else np.random.rand
        mask = (rand(*x.shape) < p) / p  # values in {0, 1/p}
        out = (x * mask).astype(x.dtype, copy=False)
    else:  # test
        mask = None
        out = x
    return out, (dropout_param, mask)


def dropout_backward(dout: np.ndarray, cache):
    """Backward pass of :func:`dropout_forward`: ``dx = dout * mask`` (train),
    ``dx = dout`` (test).

    Parameters
    ----------
    dout : same shape as ``x``
    cache : ``(dropout_param, mask)`` from :func:`dropout_forward`

    Returns
    -------
    dx : same shape as ``x``

    Raises
    ------
    ValueError
        If ``dout`` does not have exactly the shape of ``x`` (train mode; the test-mode
        cache holds no shape, so there ``dout`` is only checked to be a numeric array),
        or ``dropout_param['mode']`` is not ``'train'`` (with a mask) or ``'test'``.
    """
    fn = "dropout_backward"
    dropout_param, mask = cache
    mode = check_choice(fn, "dropout_param['mode']", dropout_param.get("mode"), ("train", "test"))
    if mode == "train":
        if mask is None:
            raise ValueError(
                f"{fn}: dropout_param['mode'] is 'train' but the cache comes from a test-mode "
                "forward pass (no mask)"
            )
        return check_like(fn, "dout", dout, mask.shape, of="x") * mask
    return check_array(fn, "dout", dout)


# --------------------------------------------------------------------------- losses


def _check_scores_labels(fn: str, x, y) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (N, C) finite, non-empty scores and ``y`` (N,) integer labels in [0, C)."""
    x = check_array(fn, "x", x, ndim=2, nonempty=True, finite=True)
    N, C = x.shape
    return x, check_labels(fn, "y", y, N, C)


def svm_loss(x: np.ndarray, y: np.ndarray):
    """Multiclass SVM (hinge) loss, summed over classes and averaged over examples.

    .. math:: L = \\frac{1}{N} \\sum_i \\sum_{j \\ne y_i} \\max(0, x_{ij} - x_{i y_i} + 1)

    Parameters
    ----------
    x : (N, C)
        Class scores.
    y : (N,)
        Integer labels in ``[0, C)``.

    Returns
    -------
    loss : float
    dx : (N, C)
        Gradient of ``loss`` with respect to ``x``.

    Raises
    ------
    ValueError
        If ``x`` is not a non-empty (N, C) array of finite scores (an inf score would give
        a finite but meaningless loss), or ``y`` is not (N,) integer labels in [0, C).
    """
    x, y = _check_scores_labels("svm_loss", x, y)
    N = x.shape[0]
    rows = np.arange(N)
    correct = x[rows, y][:, None]  # (N, 1)
    margins = np.maximum(0, x - correct + 1.0)  # (N, C)
    margins[rows, y] = 0
    loss = margins.sum() / N

    positive = (margins > 0).astype(x.dtype)  # (N, C): each active margin pushes x_ij up ...
    positive[rows, y] -= positive.sum(axis=1)  # ... and the correct score down once per margin
    dx = positive / N
    return float(loss), dx


def softmax_loss(x: np.ndarray, y: np.ndarray):
    """Softmax (cross-entropy) loss averaged over examples.

    .. math:: L = -\\frac{1}{N} \\sum_i \\log \\frac{e^{x_{i y_i}}}{\\sum_j e^{x_{ij}}}

    The scores are shifted by their row maximum before exponentiating (log-sum-exp),
    which changes nothing mathematically but keeps ``exp`` from overflowing.

    Parameters
    ----------
    x : (N, C)
        Class scores.
    y : (N,)
        Integer labels in ``[0, C)``.

    Returns
    -------
    loss : float
    dx : (N, C)
        ``(softmax(x) - onehot(y)) / N``.

    Raises
    ------
    ValueError
        If ``x`` is not a non-empty (N, C) array of finite scores (N = 0 would give NaN),
        or ``y`` is not (N,) integer labels in [0, C).
    """
    x, y = _check_scores_labels("softmax_loss", x, y)
    N = x.shape[0]
    rows = np.arange(N)
    shifted = x - x.max(axis=1, keepdims=True)  # (N, C), every row's max is 0
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
    loss = -log_probs[rows, y].sum() / N

    dx = np.exp(log_probs)  # softmax probabilities, (N, C)
    dx[rows, y] -= 1
    dx /= N
    return float(loss), dx
