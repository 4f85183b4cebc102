"""Multiclass SVM (hinge) loss for a linear classifier, naive and vectorized.

For scores ``s = X W`` the loss is

.. math::

    L = \\frac{1}{N} \\sum_i \\sum_{j \\ne y_i} \\max(0, s_{ij} - s_{i y_i} + 1)
        + \\mathrm{reg} \\sum W^2

and its gradient is derived in ``notes/svm.md``.
"""

from __future__ import annotations

import numpy as np


def check_linear_inputs(fname: str, W: np.ndarray, X: np.ndarray, y: np.ndarray) -> None:
    """Raise a ValueError naming ``fname`` if W (D, C), X (N, D), y (N,) do not fit together
    or a label is outside ``[0, C)``."""
    if W.ndim != 2:
        raise ValueError(f"{fname}: W must have shape (D, C), got {W.shape}")
    D, C = W.shape
    if X.ndim != 2 or X.shape[1] != D:
        raise ValueError(
            f"{fname}: X must have shape (N, D={D}) to match W {W.shape}, got {X.shape}"
        )
    if y.shape != (X.shape[0],):
        raise ValueError(f"{fname}: y must have shape (N={X.shape[0]},), got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{fname}: y must hold integer labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= C):
        raise ValueError(
            f"{fname}: labels must lie in [0, C={C}), got min {y.min()} and max {y.max()}"
        )


def svm_loss_naive(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float):
    """Structured SVM loss with explicit loops over examples and classes.

    Args:
        W: (D, C) weights.
        X: (N, D) minibatch of data.
        y: (N,) labels; ``y[i] = c`` means ``X[i]`` has label ``c``, 0 <= c < C.
        reg: L2 regularization strength (the penalty is ``reg * sum(W * W)``).

    Returns:
        loss: the scalar loss.
        dW: (D, C) gradient of the loss with respect to W.
    """
    check_linear_inputs("svm_loss_naive", W, X, y)
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
    ``dW = X^T B / N + 2 reg W``.
    """
    check_linear_inputs("svm_loss_vectorized", W, X, y)
    N = X.shape[0]
    rows = np.arange(N)
    scores = X @ W  # (N, C)
    correct = scores[rows, y][:, None]  # (N, 1)
    margins = np.maximum(0.0, scores - correct + 1.0)  # (N, C)
    margins[rows, y] = 0.0  # the correct class does not count
    loss = margins.sum() / N + reg * np.sum(W * W)

    B = (margins > 0).astype(X.dtype)  # (N, C): which margins are active
    B[rows, y] = -B.sum(axis=1)  # each active margin pulls the correct class down once
    dW = X.T @ B / N + 2 * reg * W  # (D, C)
    return loss, dW
