"""ThreeLayerConvNet: conv - relu - 2x2 max pool - affine - relu - affine - softmax.

The model follows the contract of :class:`~cs231n.solver.Solver` (``params``,
``loss(X, y=None)``) and is built from the sandwich layers of
:mod:`cs231n.layer_utils`, which use the fast convolution and pooling of
:mod:`cs231n.fast_layers`.
"""

from __future__ import annotations

import numpy as np

from cs231n import layer_utils
from cs231n.classifiers.fc_net import check_model_input
from cs231n.layer_utils import *  # noqa: F403  (re-exported, see __all__)
from cs231n.layer_utils import (
    affine_relu_backward,
    affine_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from cs231n.layers import affine_backward, affine_forward, softmax_loss
from cs231n.validation import check_number

# As in the official code, `from cs231n.classifiers.cnn import *` also gives every layer
# (cs231n.layer_utils re-exports cs231n.layers and cs231n.fast_layers).
__all__ = ["ThreeLayerConvNet", *layer_utils.__all__]


class ThreeLayerConvNet:
    """A three-layer convolutional network::

        conv - relu - 2x2 max pool - affine - relu - affine - softmax

    The convolution has stride 1 and zero padding ``(filter_size - 1) // 2``, so
    for an odd ``filter_size`` it keeps the spatial size (H, W); the pool halves
    it to (H/2, W/2).

    Parameters
    ----------
    input_dim : tuple (C, H, W)
        Size of one input image (default (3, 32, 32)); H and W must be even.
    num_filters : int
        F, the number of convolution filters (default 32).
    filter_size : int
        HH = WW, the (odd) filter width and height (default 7).
    hidden_dim : int
        Units of the hidden affine layer (default 100).
    num_classes : int
        C_out (default 10).
    weight_scale : float
        Standard deviation of the Gaussian weight initialization (default 1e-3).
    reg : float
        L2 strength (loss term ``0.5 * reg * sum(W**2)`` over W1, W2, W3).
    dtype : numpy dtype
        float32 to train, float64 for gradient checks.

    Attributes
    ----------
    params : dict
        ``W1`` (F, C, HH, WW), ``b1`` (F,), ``W2`` (F * H/2 * W/2, hidden_dim),
        ``b2`` (hidden_dim,), ``W3`` (hidden_dim, num_classes), ``b3`` (num_classes,).
        Weights come from the global ``np.random`` (as in the official code), biases are 0.
    """

    def __init__(
        self,
        input_dim: tuple[int, int, int] = (3, 32, 32),
        num_filters: int = 32,
        filter_size: int = 7,
        hidden_dim: int = 100,
        num_classes: int = 10,
        weight_scale: float = 1e-3,
        reg: float = 0.0,
        dtype=np.float32,
    ) -> None:
        fn = "ThreeLayerConvNet"
        if not isinstance(input_dim, tuple | list) or len(input_dim) != 3:
            raise TypeError(f"{fn}: input_dim must be a tuple (C, H, W), got {input_dim!r}")
        C, H, W = (
            check_number(fn, f"input_dim[{i}]", d, low=1, integer=True)
            for i, d in enumerate(input_dim)
        )
        num_filters = check_number(fn, "num_filters", num_filters, low=1, integer=True)
        filter_size = check_number(fn, "filter_size", filter_size, low=1, integer=True)
        hidden_dim = check_number(fn, "hidden_dim", hidden_dim, low=1, integer=True)
        num_classes = check_number(fn, "num_classes", num_classes, low=1, integer=True)
        check_number(fn, "weight_scale", weight_scale, low=0, low_open=True)
        check_number(fn, "reg", reg, low=0)
        if filter_size % 2 != 1:
            raise ValueError(
                f"ThreeLayerConvNet: filter_size must be odd to keep (H, W) = ({H}, {W}), "
                f"got {filter_size}"
            )
        if H % 2 or W % 2:
            raise ValueError(
                f"ThreeLayerConvNet: the 2x2 pool needs even H and W, got input_dim {input_dim}"
            )
        self.reg = reg
        self.dtype = dtype
        self.input_dim = (C, H, W)
        pooled = num_filters * (H // 2) * (W // 2)  # size of the flattened pool output
        randn = np.random.randn  # noqa: NPY002 (global state, as in the official notebook)
        self.params = {
            "W1": weight_scale * randn(num_filters, C, filter_size, filter_size),
            "b1": np.zeros(num_filters),
            "W2": weight_scale * randn(pooled, hidden_dim),
            "b2": np.zeros(hidden_dim),
            "W3": weight_scale * randn(hidden_dim, num_classes),
            "b3": np.zeros(num_classes),
        }
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores, or loss and gradients, for a minibatch.

        Parameters
        ----------
        X : (N, C, H, W)
        y : (N,) int in [0, num_classes), or None

        Returns
        -------
        scores : (N, num_classes)
            When ``y`` is None.
        loss, grads : float, dict
            Otherwise; ``grads`` has the keys and shapes of ``params``.

        Raises
        ------
        ValueError, TypeError
            X not (N, C, H, W), y not (N,) labels in range, an empty batch with labels
            (:func:`~cs231n.classifiers.fc_net.check_model_input`).
        """
        C_out = self.params["W3"].shape[1]
        X, y = check_model_input("ThreeLayerConvNet.loss", X, y, self.input_dim, C_out)
        X = X.astype(self.dtype)
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]
        filter_size = W1.shape[2]
        conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        h1, cache1 = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)  # (N, F, H/2, W/2)
        h2, cache2 = affine_relu_forward(h1, W2, b2)  # (N, hidden_dim); flattens h1
        scores, cache3 = affine_forward(h2, W3, b3)  # (N, num_classes)
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * sum(np.sum(W * W) for W in (W1, W2, W3))
        grads = {}
        dh2, grads["W3"], grads["b3"] = affine_backward(dscores, cache3)
        dh1, grads["W2"], grads["b2"] = affine_relu_backward(dh2, cache2)
        _, grads["W1"], grads["b1"] = conv_relu_pool_backward(dh1, cache1)
        for k in ("W1", "W2", "W3"):
            grads[k] = grads[k] + self.reg * self.params[k]
        return loss, grads
