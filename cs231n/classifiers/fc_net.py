"""Fully connected networks built from the modular layers (official 2020 API).

* :class:`TwoLayerNet`: ``affine - relu - affine - softmax``.
* :class:`FullyConnectedNet`: ``{affine - [batch/layer norm] - relu - [dropout]} x (L - 1)
  - affine - softmax`` with any number of hidden layers.

Both follow the model contract of :class:`~cs231n.solver.Solver`: a ``params``
dict, and ``loss(X, y=None)`` returning the scores (N, C) at test time or
``(loss, grads)`` in training, with

.. math:: L = \\frac{1}{N}\\sum_i -\\log \\mathrm{softmax}(s_i)_{y_i}
          + \\frac{\\lambda}{2} \\sum_l \\lVert W_l \\rVert^2

(the 2020 convention: ``0.5 * reg`` times the squared weights; biases, gammas
and betas are not regularized).

Weights are drawn from the GLOBAL ``np.random`` state, as in the official code,
so ``np.random.seed(231)`` before building a model reproduces the notebooks'
check values.
"""

from __future__ import annotations

import math

import numpy as np

from cs231n import layer_utils
from cs231n.layer_utils import *  # noqa: F403  (re-exported, see __all__)
from cs231n.layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
)
from cs231n.validation import check_array, check_choice, check_labels, check_number

# As in the official code, `from cs231n.classifiers.fc_net import *` also gives every layer and
# sandwich layer (cs231n.layer_utils re-exports cs231n.layers and cs231n.fast_layers): the
# official FullyConnectedNets, BatchNormalization and Dropout notebooks call affine_forward,
# batchnorm_forward, dropout_forward... after that one import.
__all__ = ["TwoLayerNet", "FullyConnectedNet", *layer_utils.__all__]


def check_model_input(
    fn: str, X, y, input_shape: int | tuple, C: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, y)`` of a model's ``loss`` checked at the door.

    X is a numeric array: for an int ``input_shape`` D, of shape (N, d_1, ..., d_k) with
    d_1 * ... * d_k = D (the affine nets flatten it); for a tuple, exactly (N, *input_shape)
    (the convnets' (N, C, H, W)). y is None or (N,) integer labels in ``[0, C)`` (integral
    floats become ints), and then N >= 1. Lists of numbers become arrays; NaN is not looked for
    (the Solver reports a non-finite loss).
    """
    if isinstance(input_shape, tuple):
        X = check_array(fn, "X", X, shape=(None, *input_shape))
    else:
        X = check_array(fn, "X", X, min_ndim=2)
        if math.prod(X.shape[1:]) != input_shape:
            raise ValueError(
                f"{fn}: X must have shape (N, d_1, ..., d_k) with d_1 * ... * d_k = D = "
                f"{input_shape}, got {X.shape}"
            )
    if y is not None:
        y = check_labels(fn, "y", y, X.shape[0], C)
        if X.shape[0] == 0:
            raise ValueError(f"{fn}: X must hold at least one example, got shape {X.shape}")
    return X, y


class TwoLayerNet:
    """A two-layer net: ``affine - relu - affine - softmax``.

    Parameters
    ----------
    input_dim : int
        D, the size of one (flattened) input (default 3*32*32).
    hidden_dim : int
        H, the hidden layer size (default 100).
    num_classes : int
        C (default 10).
    weight_scale : float
        Standard deviation of the Gaussian weight initialization (default 1e-3).
    reg : float
        L2 strength :math:`\\lambda` (loss term ``0.5 * reg * sum(W**2)``).

    Attributes
    ----------
    params : dict
        ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,); biases start at zero.
    """

    def __init__(
        self,
        input_dim: int = 3 * 32 * 32,
        hidden_dim: int = 100,
        num_classes: int = 10,
        weight_scale: float = 1e-3,
        reg: float = 0.0,
    ) -> None:
        fn = "TwoLayerNet"
        input_dim = check_number(fn, "input_dim", input_dim, low=1, integer=True)
        hidden_dim = check_number(fn, "hidden_dim", hidden_dim, low=1, integer=True)
        num_classes = check_number(fn, "num_classes", num_classes, low=1, integer=True)
        check_number(fn, "weight_scale", weight_scale, low=0, low_open=True)
        check_number(fn, "reg", reg, low=0)
        self.reg = reg
        self.params = {
            # global np.random on purpose: np.random.seed(231) reproduces the notebook
            "W1": weight_scale * np.random.randn(input_dim, hidden_dim),  # noqa: NPY002
            "b1": np.zeros(hidden_dim),
            "W2": weight_scale * np.random.randn(hidden_dim, num_classes),  # noqa: NPY002
            "b2": np.zeros(num_classes),
        }

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores, or loss and gradients, for a minibatch.

        Parameters
        ----------
        X : (N, d_1, ..., d_k)
            Inputs; each is flattened to D = d_1 * ... * d_k.
        y : (N,) int or None
            Labels in [0, C).

        Returns
        -------
        scores : (N, C)
            When ``y`` is None.
        loss, grads : float, dict
            Otherwise; ``grads`` has the keys and shapes of ``params``.

        Raises
        ------
        ValueError, TypeError
            X of the wrong size or kind, y not (N,) labels in [0, C), an empty batch with
            labels (:func:`check_model_input`).
        """
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        X, y = check_model_input("TwoLayerNet.loss", X, y, W1.shape[0], W2.shape[1])
        a1, cache_a1 = affine_forward(X, W1, b1)  # (N, H)
        h1, cache_r1 = relu_forward(a1)  # (N, H)
        scores, cache_a2 = affine_forward(h1, W2, b2)  # (N, C)
        if y is None:
            return scores

        data_loss, dscores = softmax_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        grads = {}
        dh1, grads["W2"], grads["b2"] = affine_backward(dscores, cache_a2)
        da1 = relu_backward(dh1, cache_r1)
        _, grads["W1"], grads["b1"] = affine_backward(da1, cache_a1)
        grads["W1"] = grads["W1"] + self.reg * W1
        grads["W2"] = grads["W2"] + self.reg * W2
        return loss, grads


class FullyConnectedNet:
    """A fully connected net with L = len(hidden_dims) + 1 affine layers.

    Architecture::

        {affine - [batchnorm | layernorm] - relu - [dropout]} x (L - 1) - affine - softmax

    Parameters
    ----------
    hidden_dims : list of int
        The sizes H_1, ..., H_{L-1} of the hidden layers.
    input_dim : int
        D (default 3*32*32).
    num_classes : int
        C (default 10).
    dropout_keep_ratio : float
        Probability of KEEPING a hidden unit in training (2020 convention);
        1 (default) means no dropout.
    normalization : None, 'batchnorm' or 'layernorm'
        Normalization after every hidden affine layer.
    reg : float
        L2 strength (loss term ``0.5 * reg * sum_l sum(W_l**2)``).
    weight_scale : float
        Standard deviation of the Gaussian weight initialization (default 1e-2).
    dtype : numpy dtype
        Of the parameters and of the computation: float32 to train, float64 for
        gradient checks.
    seed : int or None
        If set, dropout masks are drawn from this seed (deterministic, for
        gradient checks).
    dropout : float or None
        Alias of ``dropout_keep_ratio`` (the keyword of some 2020 notebooks).

    Attributes
    ----------
    params : dict
        ``W{l}`` (dims[l-1], dims[l]) and ``b{l}`` (dims[l],) for l = 1..L, with
        dims = [D, H_1, ..., H_{L-1}, C]; with normalization also ``gamma{l}``
        and ``beta{l}`` (H_l,) for l = 1..L-1 (ones and zeros at start).
    bn_params : list of dict
        One per hidden layer with normalization; with batchnorm ``running_mean`` and
        ``running_var`` (H_l,) live here (zeros at start, the official defaults).
    dropout_param : dict
        ``{'mode', 'p'[, 'seed']}`` shared by the dropout layers.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim: int = 3 * 32 * 32,
        num_classes: int = 10,
        dropout_keep_ratio: float = 1,
        normalization: str | None = None,
        reg: float = 0.0,
        weight_scale: float = 1e-2,
        dtype=np.float32,
        seed: int | None = None,
        dropout: float | None = None,
    ) -> None:
        fn = "FullyConnectedNet"
        if dropout is not None:
            if dropout_keep_ratio != 1:
                raise ValueError(f"{fn}: give dropout_keep_ratio or dropout, not both")
            check_number(fn, "dropout", dropout, low=0, high=1, low_open=True)
            dropout_keep_ratio = dropout
        check_number(fn, "dropout_keep_ratio", dropout_keep_ratio, low=0, high=1, low_open=True)
        check_choice(fn, "normalization", normalization, (None, "batchnorm", "layernorm"))
        if isinstance(hidden_dims, (str, bytes)) or not hasattr(hidden_dims, "__iter__"):
            raise TypeError(
                f"{fn}: hidden_dims must be a sequence of positive ints, got {hidden_dims!r}"
            )
        hidden_dims = [
            check_number(fn, f"hidden_dims[{i}]", h, low=1, integer=True)
            for i, h in enumerate(hidden_dims)
        ]
        input_dim = check_number(fn, "input_dim", input_dim, low=1, integer=True)
        num_classes = check_number(fn, "num_classes", num_classes, low=1, integer=True)
        check_number(fn, "reg", reg, low=0)
        check_number(fn, "weight_scale", weight_scale, low=0, low_open=True)
        if seed is not None:
            check_number(fn, "seed", seed, low=0, integer=True)
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params: dict[str, np.ndarray] = {}

        dims = [input_dim, *hidden_dims, num_classes]
        for l in range(1, self.num_layers + 1):
            d_in, d_out = dims[l - 1], dims[l]
            # global np.random on purpose (see the module docstring)
            self.params[f"W{l}"] = weight_scale * np.random.randn(d_in, d_out)  # noqa: NPY002
            self.params[f"b{l}"] = np.zeros(d_out)
            if normalization is not None and l < self.num_layers:
                self.params[f"gamma{l}"] = np.ones(d_out)
                self.params[f"beta{l}"] = np.zeros(d_out)

        # Dropout and normalization layers carry state between calls: the mode,
        # the seed, and batchnorm's running mean and variance.
        self.dropout_param: dict = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params: list[dict] = []
        if normalization == "batchnorm":
            # The running statistics start as the zeros batchnorm_forward's official defaults
            # are, so a test-mode pass before any training step finds them (same numbers).
            self.bn_params = [
                {
                    "mode": "train",
                    "running_mean": np.zeros(h, dtype=dtype),
                    "running_var": np.zeros(h, dtype=dtype),
                }
                for h in hidden_dims
            ]
        elif normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores, or loss and gradients, for a minibatch.

        Parameters
        ----------
        X : (N, d_1, ..., d_k)
            Inputs, flattened to (N, D); cast to ``dtype``.
        y : (N,) int or None
            Labels in [0, C). None selects test mode (no dropout, batchnorm with
            running statistics) and returns the scores.

        Returns
        -------
        scores : (N, C)
            When ``y`` is None.
        loss, grads : float, dict
            Otherwise; ``grads`` has the keys and shapes of ``params``.

        Raises
        ------
        ValueError, TypeError
            X of the wrong size or kind, y not (N,) labels in [0, C), an empty batch with
            labels (:func:`check_model_input`).
        """
        L = self.num_layers
        X, y = check_model_input(
            "FullyConnectedNet.loss",
            X,
            y,
            self.params["W1"].shape[0],
            self.params[f"W{L}"].shape[1],
        )
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        caches = []
        h = X
        for l in range(1, L):
            h, cache = self._hidden_forward(h, l)
            caches.append(cache)
        scores, last_cache = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        if y is None:
            return scores

        loss, dh = softmax_loss(scores, y)
        grads: dict[str, np.ndarray] = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dh, last_cache)
        for l in range(L - 1, 0, -1):
            dh = self._hidden_backward(dh, caches[l - 1], l, grads)

        for l in range(1, L + 1):
            W = self.params[f"W{l}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{l}"] = grads[f"W{l}"] + self.reg * W
        return loss, grads

    def _hidden_forward(self, h: np.ndarray, l: int):
        """Hidden layer ``l``: affine - [norm] - relu - [dropout]; (N, H_{l-1}) -> (N, H_l)."""
        p, bn_param = self.params, self.bn_params[l - 1] if self.bn_params else None
        a, affine_cache = affine_forward(h, p[f"W{l}"], p[f"b{l}"])
        norm_cache = None
        if self.normalization == "batchnorm":
            a, norm_cache = batchnorm_forward(a, p[f"gamma{l}"], p[f"beta{l}"], bn_param)
        elif self.normalization == "layernorm":
            a, norm_cache = layernorm_forward(a, p[f"gamma{l}"], p[f"beta{l}"], bn_param)
        out, relu_cache = relu_forward(a)
        drop_cache = None
        if self.use_dropout:
            out, drop_cache = dropout_forward(out, self.dropout_param)
        return out, (affine_cache, norm_cache, relu_cache, drop_cache)

    def _hidden_backward(self, dout: np.ndarray, cache, l: int, grads: dict) -> np.ndarray:
        """Backward of :meth:`_hidden_forward`; writes the layer's grads, returns dh."""
        affine_cache, norm_cache, relu_cache, drop_cache = cache
        if self.use_dropout:
            dout = dropout_backward(dout, drop_cache)
        da = relu_backward(dout, relu_cache)
        if self.normalization == "batchnorm":
            da, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward_alt(da, norm_cache)
        elif self.normalization == "layernorm":
            da, grads[f"gamma{l}"], grads[f"beta{l}"] = layernorm_backward(da, norm_cache)
        dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(da, affine_cache)
        return dh
