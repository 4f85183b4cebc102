"""Linear classifiers trained by minibatch stochastic gradient descent.

:class:`LinearClassifier` holds the weights ``W`` (D, C) and the SGD loop;
the subclasses choose the loss: :class:`LinearSVM` (hinge) and
:class:`Softmax` (cross-entropy). Scores are ``X @ W``; the bias is folded into
``W`` by appending a constant-1 column to ``X`` (the "bias trick").
"""

from __future__ import annotations

import numpy as np

from cs231n.classifiers.linear_svm import (
    _svm_loss_checked,
    check_linear_inputs,
    svm_loss_naive,
    svm_loss_vectorized,
)
from cs231n.classifiers.softmax import (
    _softmax_loss_checked,
    softmax_loss_naive,
    softmax_loss_vectorized,
)
from cs231n.validation import check_array, check_finite, check_labels, check_number

# As in the official code, the module also gives the four loss functions it is built on.
__all__ = [
    "LinearClassifier",
    "LinearSVM",
    "Softmax",
    "svm_loss_naive",
    "svm_loss_vectorized",
    "softmax_loss_naive",
    "softmax_loss_vectorized",
]


class LinearClassifier:
    """Base class: SGD training and prediction; subclasses implement :meth:`loss`.

    Attributes:
        W: (D, C) weights, created by the first call to :meth:`train`.
    """

    def __init__(self) -> None:
        self.W: np.ndarray | None = None

    def train(
        self,
        X: np.ndarray,
        y: np.ndarray,
        learning_rate: float = 1e-3,
        reg: float = 1e-5,
        num_iters: int = 100,
        batch_size: int = 200,
        verbose: bool = False,
        seed: int | None = None,
    ) -> list[float]:
        """Minibatch SGD: ``W <- W - learning_rate * dW`` on batches drawn with replacement.

        Args:
            X: (N, D) finite training data, N >= 1 (an array or a list of rows).
            y: (N,) integer labels, 0 <= y[i] < C (integral floats are accepted).
            learning_rate: step size, > 0.
            reg: L2 regularization strength, >= 0.
            num_iters: number of SGD steps, an integer >= 1.
            batch_size: examples per step, an integer >= 1.
            verbose: print the loss every 100 steps.
            seed: seed for the initial weights and the batches (``None`` uses
                the global ``np.random`` state, as the course code does).

        Returns:
            loss_history: the loss at every step (length ``num_iters``).
        """
        fn = "LinearClassifier.train"
        X = check_array(fn, "X", X, ndim=2, nonempty=True, finite=True)  # once, not per batch
        y = check_labels(fn, "y", y, X.shape[0])
        if y.min() < 0:
            raise ValueError(f"{fn}: y must hold labels >= 0, got min {y.min()}")
        check_number(fn, "learning_rate", learning_rate, low=0, low_open=True)
        check_number(fn, "reg", reg, low=0)
        num_iters = check_number(fn, "num_iters", num_iters, low=1, integer=True)
        batch_size = check_number(fn, "batch_size", batch_size, low=1, integer=True)
        if seed is not None:
            seed = check_number(fn, "seed", seed, low=0, integer=True)
        rng = np.random if seed is None else np.random.default_rng(seed)
        num_train, dim = X.shape
        num_classes = int(np.max(y)) + 1  # assume y takes values 0...K-1
        if self.W is None:
            self.W = 0.001 * rng.standard_normal((dim, num_classes))
        elif self.W.shape[0] != dim or self.W.shape[1] < num_classes:
            raise ValueError(
                f"{fn}: X and y must fit the existing W {self.W.shape} (D={self.W.shape[0]}, "
                f"C>={num_classes}), got X {X.shape} and labels up to {num_classes - 1}"
            )

        loss_history = []
        for it in range(num_iters):
            idx = rng.choice(num_train, batch_size, replace=True)  # (batch_size,)
            loss, grad = self.loss(X[idx], y[idx], reg)
            loss_history.append(float(loss))
            self.W -= learning_rate * grad
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")
        return loss_history

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels ``argmax(X @ W)``.

        Args:
            X: (N, D) data.

        Returns:
            y_pred: (N,) integer labels.

        Raises:
            ValueError: before :meth:`train`, X not (N, D), or NaN/inf in X or W (found from
                the scores they make non-finite).
        """
        fn = "LinearClassifier.predict"
        if self.W is None:
            raise ValueError(f"{fn}: call train() first (W is None)")
        X = check_array(fn, "X", X, shape=(None, self.W.shape[0]))
        scores = X @ self.W  # (N, C)
        if not np.isfinite(scores).all():  # one pass over the scores, not over X
            check_finite(fn, "X", X)
            check_finite(fn, "W", self.W)
        return np.argmax(scores, axis=1)

    def loss(self, X_batch: np.ndarray, y_batch: np.ndarray, reg: float):
        """Loss and gradient on a minibatch.

        Args:
            X_batch: (B, D) data.
            y_batch: (B,) labels.
            reg: L2 regularization strength.

        Returns:
            ``(loss, dW)`` with dW of the shape of ``self.W``.
        """
        raise NotImplementedError("subclasses define the loss")

    def _checked_loss(self, kernel, X_batch, y_batch, reg):
        """``kernel(W, X, y, reg, fn, names)`` (a vectorized loss) on the checked batch; the
        errors name ``<Class>.loss`` and its arguments."""
        fn = f"{type(self).__name__}.loss"
        names = ("W", "X_batch", "y_batch")
        W, X, y = check_linear_inputs(fn, self.W, X_batch, y_batch, reg, finite=False, names=names)
        return kernel(W, X, y, reg, fn, names[:2])


class LinearSVM(LinearClassifier):
    """A linear classifier trained with the multiclass SVM (hinge) loss."""

    def loss(self, X_batch, y_batch, reg):
        """:func:`svm_loss_vectorized` of ``self.W`` on the batch (same checks)."""
        return self._checked_loss(_svm_loss_checked, X_batch, y_batch, reg)


class Softmax(LinearClassifier):
    """A linear classifier trained with the softmax (cross-entropy) loss."""

    def loss(self, X_batch, y_batch, reg):
        """:func:`softmax_loss_vectorized` of ``self.W`` on the batch (same checks)."""
        return self._checked_loss(_softmax_loss_checked, X_batch, y_batch, reg)
