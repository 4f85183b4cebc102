"""Softmax (cross-entropy) loss for a linear classifier, naive and vectorized.

For scores ``s = X W`` the loss is

.. math::

    L = \\frac{1}{N} \\sum_i \\Big(-s_{i y_i} + \\log \\sum_j e^{s_{ij}}\\Big)
        + \\mathrm{reg} \\sum W^2

Both versions subtract each row's maximum score before exponentiating (the
log-sum-exp shift): the probabilities and the gradient do not change, and
``exp`` never overflows. ``notes/softmax.md`` derives the gradient
``dW = X^T (P - Y) / N + 2 reg W``.
"""

from __future__ import annotations

import numpy as np

from cs231n.classifiers.linear_svm import check_linear_inputs, check_linear_scores


def softmax_loss_naive(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float):
    """Softmax loss with explicit loops over examples and classes.

    Args:
        W: (D, C) weights.
        X: (N, D) minibatch of data.
        y: (N,) labels, 0 <= y[i] < C.
        reg: L2 regularization strength (the penalty is ``reg * sum(W * W)``), >= 0.

    Returns:
        loss: the scalar loss.
        dW: (D, C) gradient of the loss with respect to W.

    Raises:
        ValueError/TypeError: shapes that do not fit, an empty batch (N = 0), labels outside
            [0, C), a negative reg, or NaN/inf in W or X (:func:`check_linear_inputs`).
    """
    W, X, y = check_linear_inputs("softmax_loss_naive", W, X, y, reg)
    loss = 0.0
    dW = np.zeros(W.shape)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)  # (C,)
        scores = scores - np.max(scores)  # shift: exp never overflows, p unchanged
        exp_scores = np.exp(scores)
        total = np.sum(exp_scores)
        loss += -scores[y[i]] + np.log(total)
        for j in range(num_classes):
            p_j = exp_scores[j] / total
            # dL_i / ds_j = p_j - 1[j == y_i]; ds_j / dW[:, j] = X[i]
            dW[:, j] += (p_j - (j == y[i])) * X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float):
    """Softmax loss without loops; same inputs, outputs and errors as :func:`softmax_loss_naive`.

    NaN or inf in W or X is found from the scores it makes non-finite
    (:func:`~cs231n.classifiers.linear_svm.check_linear_scores`).
    """
    fn = "softmax_loss_vectorized"
    W, X, y = check_linear_inputs(fn, W, X, y, reg, finite=False)
    return _softmax_loss_checked(W, X, y, reg, fn)


def _softmax_loss_checked(W, X, y, reg, fn: str, names: tuple = ("W", "X")):
    """:func:`softmax_loss_vectorized` on inputs ``check_linear_inputs`` has checked; ``fn``
    and ``names`` say who reports a NaN or inf in W or X."""
    N = X.shape[0]
    rows = np.arange(N)
    scores = X @ W  # (N, C)
    check_linear_scores(fn, scores, W, X, names)
    shifted = scores - scores.max(axis=1, keepdims=True)  # (N, C), every row max is 0
    log_norm = np.log(np.exp(shifted).sum(axis=1))  # (N,) log sum_j exp(shifted)
    log_probs = shifted - log_norm[:, None]  # (N, C)
    loss = -log_probs[rows, y].sum() / N + reg * np.sum(W * W)

    dscores = np.exp(log_probs)  # (N, C) probabilities P
    dscores[rows, y] -= 1.0  # P - Y (Y one-hot)
    dW = X.T @ dscores / N + 2 * reg * W  # (D, C)
    return loss, dW
