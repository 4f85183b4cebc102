"""ConvNet: a configurable deep convolutional network with spatial batch normalization.

Architecture (``stages`` sets the widths; every convolution is 3x3, stride 1, pad 1)::

    {[conv3x3 - spatial batchnorm - relu] x k_s - 2x2 max pool} for each stage s
    - (flatten | global average pool) - affine - softmax

so each stage keeps its (H, W) through the convolutions and halves it in the pool. The
model follows the contract of :class:`~cs231n.solver.Solver` (``params``,
``loss(X, y=None)``) like :class:`~cs231n.classifiers.fc_net.FullyConnectedNet`.

The convolutions have no bias: batch normalization subtracts each channel's mean right
after them, so a bias there would have an identically zero gradient (``beta`` is the
shift). ``conv_method`` picks the convolution: ``'fast'`` (the strided-view im2col of
:mod:`cs231n.fast_layers`) or ``'winograd'`` (Winograd F(2x2, 3x3), same numbers up to
rounding, fewer multiplies).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cs231n.classifiers.fc_net import check_model_input
from cs231n.fast_layers import (
    conv_backward_fast,
    conv_backward_winograd,
    conv_forward_fast,
    conv_forward_winograd,
    max_pool_backward_fast,
    max_pool_forward_fast,
)
from cs231n.layer_utils import conv_bn_relu_backward, conv_bn_relu_forward
from cs231n.layers import (
    affine_backward,
    affine_forward,
    softmax_loss,
)
from cs231n.validation import check_choice, check_number

__all__ = ["ConvNet", "conv_functions"]

_CONV_PARAM = {"stride": 1, "pad": 1}
_POOL_PARAM = {"pool_height": 2, "pool_width": 2, "stride": 2}


def conv_functions(conv_method: str):
    """The ``(forward, backward)`` convolution pair for ``conv_method``.

    ``'fast'``: :func:`~cs231n.fast_layers.conv_forward_fast` and its backward pass;
    ``'winograd'``: ``conv_forward_winograd`` / ``conv_backward_winograd`` of
    :mod:`cs231n.fast_layers` (3x3 stride 1 only).

    Raises
    ------
    ValueError
        For any other name.
    """
    if conv_method == "fast":
        return conv_forward_fast, conv_backward_fast
    if conv_method == "winograd":
        return conv_forward_winograd, conv_backward_winograd
    raise ValueError(f"ConvNet: conv_method must be 'fast' or 'winograd', got {conv_method!r}")


def _normalize_stages(stages) -> tuple[tuple[int, ...], ...]:
    """``(32, (64, 64))`` -> ``((32,), (64, 64))``, or ``ValueError``."""
    if isinstance(stages, (int, np.integer)) or not isinstance(stages, Sequence) or not stages:
        raise ValueError(
            "ConvNet: stages must be a non-empty sequence of widths or of sequences of "
            f"widths, e.g. (32, 64, 128) or ((32, 32), (64,)); got {stages!r}"
        )
    out = []
    for s, stage in enumerate(stages):
        widths = (stage,) if isinstance(stage, (int, np.integer)) else tuple(stage)
        if not widths or any(not isinstance(f, (int, np.integer)) or f < 1 for f in widths):
            raise ValueError(
                f"ConvNet: stages[{s}] must be a positive int or a non-empty sequence of "
                f"positive ints, got {stage!r}"
            )
        out.append(tuple(int(f) for f in widths))
    return tuple(out)


class ConvNet:
    """A deep convnet of 3x3 conv - batchnorm - relu blocks in pooled stages.

    Parameters
    ----------
    input_dim : tuple (C, H, W)
        Size of one input image (default (3, 32, 32)); H and W must be divisible by
        ``2 ** len(stages)`` (one 2x2 pool per stage).
    stages : sequence
        One entry per stage: an int F (one conv of F filters) or a sequence of ints
        (several convs). Default ``(32, 64, 128)``.
    num_classes : int
        K, the number of classes (default 10).
    head : 'affine' or 'gap'
        ``'affine'``: the last stage's output (N, F_L, H_L, W_L) is flattened into the
        affine layer; ``'gap'``: it is averaged over (H_L, W_L) first (global average
        pooling), so the affine layer sees (N, F_L).
    weight_scale : float or None
        Standard deviation of the Gaussian weights; None (default) is He
        initialization, ``sqrt(2 / fan_in)`` for the convs (fan_in = 9 C_in) and
        ``sqrt(1 / D)`` for the affine layer (D inputs).
    reg : float
        L2 strength (loss term ``0.5 * reg * sum(W**2)`` over every ``W{l}``).
    dtype : numpy dtype
        Of the parameters and the computation: float32 to train, float64 for gradient
        checks.
    seed : int or None
        Seed of the generator of the initial weights (the global ``np.random`` is not used).
    conv_method : 'fast' or 'winograd'
        The convolution implementation (see :func:`conv_functions`).
    bn_momentum : float
        Momentum of the batchnorm running averages (default 0.9).

    Attributes
    ----------
    params : dict
        For conv layer l = 1..L (numbered through all stages): ``W{l}`` (F_l, F_{l-1}, 3, 3)
        with F_0 = C, ``gamma{l}`` (F_l,) ones, ``beta{l}`` (F_l,) zeros; then the affine
        layer ``W{L+1}`` (D, K) and ``b{L+1}`` (K,), with D = F_L * H_L * W_L for
        ``'affine'`` and F_L for ``'gap'`` (H_L = H / 2**len(stages)).
    bn_params : list of dict
        One per conv layer (``mode``, ``momentum``, running statistics (F_l,)).
    num_conv : int
        L.
    """

    def __init__(
        self,
        input_dim: tuple[int, int, int] = (3, 32, 32),
        stages=(32, 64, 128),
        num_classes: int = 10,
        head: str = "affine",
        weight_scale: float | None = None,
        reg: float = 0.0,
        dtype=np.float32,
        seed: int | None = None,
        conv_method: str = "fast",
        bn_momentum: float = 0.9,
    ) -> None:
        fn = "ConvNet"
        if not isinstance(input_dim, tuple | list) or len(input_dim) != 3:
            raise TypeError(f"{fn}: input_dim must be a tuple (C, H, W), got {input_dim!r}")
        C, H, W = (
            check_number(fn, f"input_dim[{i}]", d, low=1, integer=True)
            for i, d in enumerate(input_dim)
        )
        num_classes = check_number(fn, "num_classes", num_classes, low=1, integer=True)
        if weight_scale is not None:
            check_number(fn, "weight_scale", weight_scale, low=0, low_open=True)
        check_number(fn, "reg", reg, low=0)
        check_number(fn, "bn_momentum", bn_momentum, low=0, high=1, high_open=True)
        if seed is not None:
            check_number(fn, "seed", seed, low=0, integer=True)
        self.stages = _normalize_stages(stages)
        factor = 2 ** len(self.stages)
        if H % factor or W % factor:
            raise ValueError(
                f"ConvNet: input_dim's H and W must be divisible by {factor} ({len(self.stages)} "
                f"stages of 2x2 pools), got input_dim {tuple(input_dim)}"
            )
        check_choice(fn, "head", head, ("affine", "gap"))
        self._conv_forward, self._conv_backward = conv_functions(conv_method)
        self.conv_method = conv_method
        self.input_dim = (C, H, W)
        self.head = head
        self.reg = reg
        self.dtype = dtype
        rng = np.random.default_rng(seed)

        def init(shape, fan_in, gain):
            std = np.sqrt(gain / fan_in) if weight_scale is None else weight_scale
            return (std * rng.standard_normal(shape)).astype(dtype)

        self.params: dict[str, np.ndarray] = {}
        self.bn_params: list[dict] = []
        c_in, l = C, 0
        for widths in self.stages:
            for f in widths:
                l += 1
                self.params[f"W{l}"] = init((f, c_in, 3, 3), 9 * c_in, 2.0)
                self.params[f"gamma{l}"] = np.ones(f, dtype=dtype)
                self.params[f"beta{l}"] = np.zeros(f, dtype=dtype)
                # zero running statistics: batchnorm's official defaults, there from the start
                self.bn_params.append(
                    {
                        "mode": "train",
                        "momentum": bn_momentum,
                        "running_mean": np.zeros(f, dtype=dtype),
                        "running_var": np.zeros(f, dtype=dtype),
                    }
                )
                c_in = f
        self.num_conv = l
        D = c_in if head == "gap" else c_in * (H // factor) * (W // factor)
        self.params[f"W{l + 1}"] = init((D, num_classes), D, 1.0)
        self.params[f"b{l + 1}"] = np.zeros(num_classes, dtype=dtype)

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores, or loss and gradients, for a minibatch.

        Batch normalization uses the minibatch statistics (and updates the running
        averages in ``bn_params``) when ``y`` is given, the running averages otherwise.

        Parameters
        ----------
        X : (N, C, H, W)
        y : (N,) int in [0, K), or None

        Returns
        -------
        scores : (N, K)
            When ``y`` is None.
        loss, grads : float, dict
            Otherwise; ``grads`` has the keys and shapes of ``params``.

        Raises
        ------
        ValueError, TypeError
            X not (N, C, H, W), y not (N,) labels in [0, K), an empty batch with labels
            (:func:`~cs231n.classifiers.fc_net.check_model_input`).
        """
        K = self.params[f"b{self.num_conv + 1}"].shape[0]
        X, y = check_model_input("ConvNet.loss", X, y, self.input_dim, K)
        mode = "test" if y is None else "train"
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        h = X.astype(self.dtype, copy=False)
        caches = []  # one list per stage: block caches, then the pool cache
        l = 0
        for widths in self.stages:
            stage = []
            for f in widths:
                l += 1
                h, cache = conv_bn_relu_forward(
                    h,
                    self.params[f"W{l}"],
                    np.zeros(f, dtype=self.dtype),  # no bias (see the module docstring)
                    self.params[f"gamma{l}"],
                    self.params[f"beta{l}"],
                    _CONV_PARAM,
                    self.bn_params[l - 1],
                    conv_forward=self._conv_forward,
                )  # (N, F_{l-1}, h, w) -> (N, F_l, h, w)
                stage.append(cache)
            h, pool_cache = max_pool_forward_fast(h, _POOL_PARAM)  # (N, F, h/2, w/2)
            stage.append(pool_cache)
            caches.append(stage)
        pooled_shape = h.shape  # (N, F_L, H_L, W_L)
        if self.head == "gap":
            h = h.mean(axis=(2, 3))  # (N, F_L)
        L1 = self.num_conv + 1
        scores, fc_cache = affine_forward(h, self.params[f"W{L1}"], self.params[f"b{L1}"])
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        weights = [self.params[f"W{k}"] for k in range(1, L1 + 1)]
        loss += 0.5 * self.reg * sum(float(np.sum(w * w)) for w in weights)
        grads = {}
        dh, grads[f"W{L1}"], grads[f"b{L1}"] = affine_backward(dscores, fc_cache)
        if self.head == "gap":
            N, F, HL, WL = pooled_shape
            # The mean spreads each gradient evenly over the HL * WL positions.
            dh = np.broadcast_to(dh[:, :, None, None] / (HL * WL), pooled_shape)
        dh = dh.reshape(pooled_shape)  # (N, F_L, H_L, W_L)
        for stage in reversed(caches):
            dh = max_pool_backward_fast(dh, stage[-1])
            for cache in reversed(stage[:-1]):
                dh, dw, _, dgamma, dbeta = conv_bn_relu_backward(
                    dh, cache, conv_backward=self._conv_backward
                )
                grads[f"W{l}"], grads[f"gamma{l}"], grads[f"beta{l}"] = dw, dgamma, dbeta
                l -= 1
        for k in range(1, L1 + 1):
            grads[f"W{k}"] = grads[f"W{k}"] + self.reg * self.params[f"W{k}"]
        return loss, grads
