"""Multiclass SVM (hinge) loss for a linear classifier, naive and vectorized.

For scores ``s = X W`` the loss is

.. math::

    L = \\frac{1}{N} \\sum_i \\sum_{j \\ne y_i} \\max(0, s_{ij} - s_{i y_i} + 1)
        + \\mathrm{reg} \\sum W^2

and its gradient is derived in ``notes/svm.md``.
"""

from __future__ import annotations

import numpy as np

from cs231n.validation import check_array, check_finite, check_labels, check_number


def check_linear_inputs(
    fn: str, W, X, y, reg, *, finite: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W, X, y)`` of a linear loss checked at the door: W (D, C), X (N, D) with N >= 1,
    y (N,) integer labels in ``[0, C)`` (integral floats become ints), reg a finite number >= 0.

    With ``finite`` (the naive losses, whose loops are slow anyway) W and X must hold no NaN
    or inf; the vectorized losses leave that to :func:`check_linear_loss` (no extra pass over
    X for a finite loss). Lists of numbers become arrays. Raises ``ValueError``/``TypeError``
    naming ``fn`` and the argument.
    """
    W = check_array(fn, "W", W, ndim=2, finite=finite)
    D, C = W.shape
    X = check_array(fn, "X", X, shape=(None, D), finite=finite)
    if X.shape[0] == 0:
        raise ValueError(f"{fn}: X must hold at least one example (N >= 1), got shape {X.shape}")
    y = check_labels(fn, "y", y, X.shape[0], C)
    check_number(fn, "reg", reg, low=0)
    return W, X, y


def check_linear_loss(fn: str, loss, W: np.ndarray, X: np.ndarray):
    """``loss`` unchanged if finite; else the ``ValueError`` of the non-finite W or X that
    made it so. Only a finite W and X give a finite loss, so a valid call pays nothing; a
    loss that overflows from finite inputs (huge weights) is returned as it is."""
    if not np.isfinite(loss):
        check_finite(fn, "W", W)
        check_finite(fn, "X", X)
    return loss


def svm_loss_naive(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float):
    """Structured SVM loss with explicit loops over examples and classes.

    Args:
        W: (D, C) weights.
        X: (N, D) minibatch of data.
        y: (N,) labels; ``y[i] = c`` means ``X[i]`` has label ``c``, 0 <= c < C.
        reg: L2 regularization strength (the penalty is ``reg * sum(W * W)``), >= 0.

    Returns:
        loss: the scalar loss.
        dW: (D, C) gradient of the loss with respect to W.

    Raises:
        ValueError/TypeError: shapes that do not fit, an empty batch (N = 0), labels outside
            [0, C), a negative reg, or NaN/inf in W or X (:func:`check_linear_inputs`).
    """
    W, X, y = check_linear_inputs("svm_loss_naive", W, X, y, reg)
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)  # (C,)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # delta = 1
            if margin > 0:
                loss += margin
                # d margin / d W[:, j] = X[i], d margin / d W[:, y_i] = -X[i]
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def svm_loss_vectorized(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float):
    """Structured SVM loss without loops; same inputs and outputs as :func:`svm_loss_naive`.

    With the margins ``M = max(0, S - s_y + 1)`` (``M[i, y_i] = 0``) and the
    indicator ``B = (M > 0)`` with ``B[i, y_i] = -sum_j B[i, j]``, the gradient is
    ``dW = X^T B / N + 2 reg W``. NaN or inf in W or X is found from the loss it makes
    non-finite (no extra pass over X).
    """
    fn = "svm_loss_vectorized"
    W, X, y = check_linear_inputs(fn, W, X, y, reg, finite=False)
    N = X.shape[0]
    rows = np.arange(N)
    scores = X @ W  # (N, C)
    correct = scores[rows, y][:, None]  # (N, 1)
    margins = np.maximum(0.0, scores - correct + 1.0)  # (N, C)
    margins[rows, y] = 0.0  # the correct class does not count
    loss = margins.sum() / N + reg * np.sum(W * W)
    check_linear_loss(fn, loss, W, X)

    B = (margins > 0).astype(X.dtype)  # (N, C): which margins are active
    B[rows, y] = -B.sum(axis=1)  # each active margin pulls the correct class down once
    dW = X.T @ B / N + 2 * reg * W  # (D, C)
    return loss, dW
