"""A two-layer fully connected network: affine - ReLU - affine - softmax.

Forward pass for a minibatch ``X`` (N, D)::

    h = max(0, X W1 + b1)        # (N, H)
    s = h W2 + b2                # (N, C)
    L = softmax_cross_entropy(s, y) + reg * (sum(W1^2) + sum(W2^2))

The backward pass is derived step by step in ``notes/two_layer_net.md``.
"""

from __future__ import annotations

import numpy as np

from cs231n.validation import check_array, check_finite, check_labels, check_number


class TwoLayerNet:
    """Two-layer net with a ReLU hidden layer and a softmax loss.

    Attributes:
        params: dict with
            ``W1`` (D, H) first-layer weights, ``b1`` (H,) first-layer biases,
            ``W2`` (H, C) second-layer weights, ``b2`` (C,) second-layer biases.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, std: float = 1e-4):
        """Weights are ``std * N(0, 1)``, biases zero (drawn from ``np.random``, W1 then W2).

        Args:
            input_size: D, the input dimension.
            hidden_size: H, the number of hidden units.
            output_size: C, the number of classes.
            std: standard deviation of the initial weights, > 0.
        """
        fn = "TwoLayerNet"
        input_size = check_number(fn, "input_size", input_size, low=1, integer=True)
        hidden_size = check_number(fn, "hidden_size", hidden_size, low=1, integer=True)
        output_size = check_number(fn, "output_size", output_size, low=1, integer=True)
        check_number(fn, "std", std, low=0, low_open=True)
        # The global np.random state, as in the course: seeding it reproduces the toy checks.
        self.params = {
            "W1": std * np.random.randn(input_size, hidden_size),  # noqa: NPY002
            "b1": np.zeros(hidden_size),
            "W2": std * np.random.randn(hidden_size, output_size),  # noqa: NPY002
            "b2": np.zeros(output_size),
        }

    def loss(self, X: np.ndarray, y: np.ndarray | None = None, reg: float = 0.0):
        """Scores, or the loss and its gradients.

        Args:
            X: (N, D) inputs (N >= 1 with labels).
            y: (N,) integer labels with 0 <= y[i] < C (integral floats accepted), or ``None``.
            reg: L2 regularization strength (penalty ``reg * (sum W1^2 + sum W2^2)``), >= 0.

        Returns:
            If ``y`` is None: scores (N, C). Otherwise ``(loss, grads)`` where
            ``grads`` has the keys of ``self.params`` and arrays of their shapes.

        Raises:
            ValueError/TypeError: X not (N, D), y not (N,) labels in [0, C), an empty batch with
                labels, a negative reg, or NaN/inf in X (found from the first layer's
                pre-activations). Weights that training made NaN are not an error here.
        """
        fn = "TwoLayerNet.loss"
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        X = check_array(fn, "X", X, shape=(None, W1.shape[0]))
        N = X.shape[0]
        check_number(fn, "reg", reg, low=0)
        if y is not None:
            y = check_labels(fn, "y", y, N, W2.shape[1])
            if N == 0:
                raise ValueError(f"{fn}: X must hold at least one example, got shape {X.shape}")

        # Forward pass.
        z1 = X @ W1 + b1  # (N, H)
        # NaN/inf in X makes z1 non-finite (0 * inf is NaN); a pass over the N x H
        # pre-activations stands for one over X. NaN weights of a diverged run are no error.
        if not np.isfinite(z1).all():
            check_finite(fn, "X", X)
        h = np.maximum(0.0, z1)  # (N, H)
        scores = h @ W2 + b2  # (N, C)
        if y is None:
            return scores

        rows = np.arange(N)
        shifted = scores - scores.max(axis=1, keepdims=True)  # (N, C), log-sum-exp shift
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, C)
        data_loss = -log_probs[rows, y].mean()
        reg_loss = reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        loss = data_loss + reg_loss

        # Backward pass.
        dscores = np.exp(log_probs)  # (N, C) = P
        dscores[rows, y] -= 1.0
        dscores /= N  # dL/ds = (P - Y) / N
        grads = {
            "W2": h.T @ dscores + 2 * reg * W2,  # (H, C)
            "b2": dscores.sum(axis=0),  # (C,)
        }
        dh = dscores @ W2.T  # (N, H)
        dz1 = dh * (z1 > 0)  # ReLU passes the gradient where it was active
        grads["W1"] = X.T @ dz1 + 2 * reg * W1  # (D, H)
        grads["b1"] = dz1.sum(axis=0)  # (H,)
        return loss, grads

    def train(
        self,
        X: np.ndarray,
        y: np.ndarray,
        X_val: np.ndarray,
        y_val: np.ndarray,
        learning_rate: float = 1e-3,
        learning_rate_decay: float = 0.95,
        reg: float = 5e-6,
        num_iters: int = 100,
        batch_size: int = 200,
        verbose: bool = False,
        seed: int | None = None,
    ) -> dict[str, list[float]]:
        """Minibatch SGD with the learning rate multiplied by ``learning_rate_decay`` each epoch.

        Args:
            X: (N, D) training data; y: (N,) training labels in [0, C).
            X_val: (N_val, D) validation data; y_val: (N_val,) validation labels.
            learning_rate: initial step size, > 0.
            learning_rate_decay: factor in (0, 1] applied to the step size after every epoch.
            reg: L2 regularization strength, >= 0.
            num_iters: number of SGD steps, an integer >= 1.
            batch_size: examples per step (drawn with replacement), an integer >= 1.
            verbose: print the loss every 100 steps.
            seed: seed for the batches (``None`` uses the global ``np.random`` state).

        Returns:
            dict with ``loss_history`` (one per step) and ``train_acc_history``,
            ``val_acc_history`` (one per epoch; the training accuracy is measured on
            the current batch, as in the course code).
        """
        fn = "TwoLayerNet.train"
        D, C = self.params["W1"].shape[0], self.params["W2"].shape[1]
        X = check_array(fn, "X", X, shape=(None, D), nonempty=True, finite=True)
        y = check_labels(fn, "y", y, X.shape[0], C)
        X_val = check_array(fn, "X_val", X_val, shape=(None, D), nonempty=True, finite=True)
        y_val = check_labels(fn, "y_val", y_val, X_val.shape[0], C)
        check_number(fn, "learning_rate", learning_rate, low=0, low_open=True)
        check_number(fn, "learning_rate_decay", learning_rate_decay, low=0, high=1, low_open=True)
        check_number(fn, "reg", reg, low=0)
        num_iters = check_number(fn, "num_iters", num_iters, low=1, integer=True)
        batch_size = check_number(fn, "batch_size", batch_size, low=1, integer=True)
        if seed is not None:
            seed = check_number(fn, "seed", seed, low=0, integer=True)
        rng = np.random if seed is None else np.random.default_rng(seed)
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train // batch_size, 1)

        loss_history, train_acc_history, val_acc_history = [], [], []
        for it in range(num_iters):
            idx = rng.choice(num_train, batch_size, replace=True)  # (batch_size,)
            X_batch, y_batch = X[idx], y[idx]
            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(float(loss))
            for name in self.params:
                self.params[name] -= learning_rate * grads[name]
            if verbose and it % 100 == 0:
                print(f"iteration {it} / {num_iters}: loss {loss:f}")
            if it % iterations_per_epoch == 0:
                train_acc_history.append(float((self.predict(X_batch) == y_batch).mean()))
                val_acc_history.append(float((self.predict(X_val) == y_val).mean()))
                learning_rate *= learning_rate_decay

        return {
            "loss_history": loss_history,
            "train_acc_history": train_acc_history,
            "val_acc_history": val_acc_history,
        }

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels: the argmax of the scores.

        Args:
            X: (N, D) data.

        Returns:
            y_pred: (N,) integer labels.

        Raises:
            ValueError/TypeError: X not (N, D) or holding NaN/inf.
        """
        X = check_array(
            "TwoLayerNet.predict", "X", X, shape=(None, self.params["W1"].shape[0]), finite=True
        )
        return np.argmax(self.loss(X), axis=1)
