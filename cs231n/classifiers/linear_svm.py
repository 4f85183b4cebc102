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
    fn: str, W, X, y, reg, *, finite: bool = True, names: tuple = ("W", "X", "y")
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(W, X, y)`` of a linear loss checked at the door: W (D, C), X (N, D) with N >= 1,
    y (N,) integer labels in ``[0, C)`` (integral floats become ints), reg a finite number >= 0.

    With ``finite`` (the naive losses, whose loops are slow anyway) W and X must hold no NaN
    or inf; the vectorized losses leave that to :func:`check_linear_scores` (a pass over the
    small scores instead of one over X). Lists of numbers become arrays. Raises
    ``ValueError``/``TypeError`` naming ``fn`` and the argument (``names``: what the caller
    calls W, X and y, e.g. ``X_batch`` in :meth:`LinearSVM.loss`).
    """
    w_name, x_name, y_name = names
    W = check_array(fn, w_name, W, ndim=2, finite=finite)
    D, C = W.shape
    X = check_array(fn, x_name, X, shape=(None, D), finite=finite)
    if X.shape[0] == 0:
        raise ValueError(
            f"{fn}: {x_name} must hold at least one example (N >= 1), got shape {X.shape}"
        )
    y = check_labels(fn, y_name, y, X.shape[0], C)
    check_number(fn, "reg", reg, low=0)
    return W, X, y


def check_linear_scores(
    fn: str, scores: np.ndarray, W: np.ndarray, X: np.ndarray, names: tuple = ("W", "X")
) -> None:
    """Nothing if the scores (N, C) = X @ W are finite, else the ``ValueError`` of the
    non-finite W or X. A NaN or inf anywhere in W or X makes a score non-finite (``0 * inf``
    is NaN), so this pass over the N x C scores stands for one over the N x D inputs. Scores
    that overflow from finite inputs are left alone."""
    if not np.isfinite(scores).all():
        check_finite(fn, names[0], W)
        check_finite(fn, names[1], X)


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
    ``dW = X^T B / N + 2 reg W``. NaN or inf in W or X is found from the scores it makes
    non-finite (:func:`check_linear_scores`).
    """
    fn = "svm_loss_vectorized"
    W, X, y = check_linear_inputs(fn, W, X, y, reg, finite=False)
    return _svm_loss_checked(W, X, y, reg, fn)


def _svm_loss_checked(W, X, y, reg, fn: str, names: tuple = ("W", "X")):
    """:func:`svm_loss_vectorized` on inputs :func:`check_linear_inputs` has checked; ``fn``
    and ``names`` say who reports a NaN or inf in W or X."""
    N = X.shape[0]
    rows = np.arange(N)
    scores = X @ W  # (N, C)
    check_linear_scores(fn, scores, W, X, names)
    correct = scores[rows, y][:, None]  # (N, 1)
    margins = np.maximum(0.0, scores - correct + 1.0)  # (N, C)
    margins[rows, y] = 0.0  # the correct class does not count
    loss = margins.sum() / N + reg * np.sum(W * W)

    B = (margins > 0).astype(X.dtype)  # (N, C): which margins are active
    B[rows, y] = -B.sum(axis=1)  # each active margin pulls the correct class down once
    dW = X.T @ B / N + 2 * reg * W  # (D, C)
    return loss, dW
