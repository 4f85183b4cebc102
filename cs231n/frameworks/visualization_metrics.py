"""Measurements on network visualization: fooling statistics, saliency randomization check.

Beyond the course (assignment 3):

* :func:`random_targets`, :func:`perturbation_norms`, :func:`fooling_stats`: run a fooling
  attack (either framework's ``fooling_attack``) on every image, each to a random class
  other than its own, and report the success rate, the iterations and the L2 / Linf size
  of the perturbation, in the normalised input units and in pixel units (0..255, i.e.
  after ``deprocess``: ``255 * std_c * delta``).
* :func:`spearman`, :func:`randomized_copy`, :func:`saliency_rank_correlations`: the
  model-randomization test of Adebayo et al. 2018 ("Sanity checks for saliency maps"). A
  saliency map that explains the *model* must change when the weights are replaced by
  random ones; we compare the maps of the trained network and of copies whose top ``k``
  weight layers are re-drawn (cascading randomization, from the classifier down to conv1),
  by the Spearman rank correlation of each image's two maps.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from cs231n.image_utils import SQUEEZENET_STD

__all__ = [
    "random_targets",
    "perturbation_norms",
    "FoolingStats",
    "fooling_stats",
    "spearman",
    "weight_layers",
    "randomized_copy",
    "randomized_keras_copy",
    "saliency_rank_correlations",
]


def random_targets(y, num_classes: int = 1000, seed: int = 0) -> np.ndarray:
    """A random target class for each label, never the label itself.

    Args:
        y: ``(N,)`` integer labels in ``[0, num_classes)``.
        seed: seed of ``numpy.random.default_rng``.

    Returns:
        ``(N,)`` int64 targets, ``targets[i] != y[i]``, uniform over the other classes.
    """
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"random_targets: y must be in [0, {num_classes}), got {y.min()}..{y.max()}"
        )
    draw = np.random.default_rng(seed).integers(0, num_classes - 1, size=y.shape)  # (N,)
    return draw + (draw >= y)  # skip the true label: uniform over the other K - 1 classes


def perturbation_norms(X, X_fooling, *, channel_axis: int) -> dict[str, np.ndarray]:
    """L2 and Linf norms of ``delta = X_fooling - X`` per image.

    Args:
        X, X_fooling: ``(N, 3, H, W)`` (``channel_axis=1``) or ``(N, H, W, 3)``
            (``channel_axis=3``) normalised images.

    Returns:
        dict of ``(N,)`` arrays: ``l2``, ``linf`` (normalised units) and ``l2_pixels``,
        ``linf_pixels`` (0..255 pixel units: ``255 * SQUEEZENET_STD[c] * delta``, the
        difference ``deprocess`` shows before rounding).
    """
    X, X_fooling = np.asarray(X, np.float64), np.asarray(X_fooling, np.float64)
    if X.shape != X_fooling.shape or X.ndim != 4 or X.shape[channel_axis] != 3:
        raise ValueError(
            f"perturbation_norms: X and X_fooling must be the same (N, ...) images with 3 "
            f"channels on axis {channel_axis}, got {X.shape} and {X_fooling.shape}"
        )
    delta = X_fooling - X  # (N, ...)
    scale = np.ones(4, dtype=int)
    scale[channel_axis] = 3
    pixels = delta * 255.0 * SQUEEZENET_STD.astype(np.float64).reshape(scale)  # broadcast on C
    flat, flat_px = delta.reshape(len(delta), -1), pixels.reshape(len(delta), -1)  # (N, D)
    return {
        "l2": np.linalg.norm(flat, axis=1),
        "linf": np.abs(flat).max(axis=1),
        "l2_pixels": np.linalg.norm(flat_px, axis=1),
        "linf_pixels": np.abs(flat_px).max(axis=1),
    }


@dataclass
class FoolingStats:
    """Per-image results of :func:`fooling_stats` (each ``(N,)``) and their summary.

    Attributes:
        targets, iterations, fooled: the target class, the steps taken, and success.
        l2, linf, l2_pixels, linf_pixels: perturbation norms (see :func:`perturbation_norms`).
    """

    targets: np.ndarray
    iterations: np.ndarray
    fooled: np.ndarray
    l2: np.ndarray
    linf: np.ndarray
    l2_pixels: np.ndarray
    linf_pixels: np.ndarray

    @property
    def success_rate(self) -> float:
        """Fraction of images fooled."""
        return float(np.mean(self.fooled))

    def summary(self) -> dict[str, float]:
        """Success rate, mean / max iterations and mean / max norms, over all images."""
        out = {"success_rate": self.success_rate, "num_images": float(len(self.fooled))}
        out["mean_iterations"] = float(np.mean(self.iterations))
        out["max_iterations"] = float(np.max(self.iterations))
        for k in ("l2", "linf", "l2_pixels", "linf_pixels"):
            out[f"mean_{k}"] = float(np.mean(getattr(self, k)))
            out[f"max_{k}"] = float(np.max(getattr(self, k)))
        return out


def fooling_stats(
    X, targets, attack: Callable, *, channel_axis: int, max_iters: int = 100
) -> FoolingStats:
    """Run ``attack`` on every image and measure it.

    Args:
        X: ``(N, 3, H, W)`` or ``(N, H, W, 3)`` normalised images (torch, TF or numpy).
        targets: ``(N,)`` target classes (e.g. :func:`random_targets`).
        attack: ``attack(X[i:i+1], target, max_iters=...) -> result`` with ``.image``
            (same layout as ``X``), ``.iterations``, ``.fooled``: either framework's
            ``fooling_attack`` with the model bound (``functools.partial(..., model=m)``).
        channel_axis: 1 (NCHW) or 3 (NHWC).

    Returns:
        a :class:`FoolingStats`.
    """
    targets = np.asarray(targets, dtype=np.int64).reshape(-1)
    if len(targets) != len(X):
        raise ValueError(f"fooling_stats: need one target per image ({len(X)}), got {len(targets)}")
    results = [attack(X[i : i + 1], int(t), max_iters=max_iters) for i, t in enumerate(targets)]
    fooled_images = np.concatenate([np.asarray(r.image) for r in results])  # like X
    norms = perturbation_norms(np.asarray(X), fooled_images, channel_axis=channel_axis)
    return FoolingStats(
        targets=targets,
        iterations=np.array([r.iterations for r in results]),
        fooled=np.array([bool(r.fooled) for r in results]),
        **norms,
    )


def spearman(a, b) -> float:
    """Spearman rank correlation of two arrays of the same size (flattened): the Pearson
    correlation of their ranks, ties given their average rank. ``nan`` if either is constant."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"spearman: a and b must have the same size, got {a.size} and {b.size}")
    ra, rb = rankdata(a) - (a.size + 1) / 2, rankdata(b) - (b.size + 1) / 2  # centred ranks
    denom = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / denom) if denom > 0 else float("nan")


def weight_layers(model) -> list[str]:
    """Names of a torch model's modules that own a ``weight`` (convs, linears), input first."""
    return [n for n, m in model.named_modules() if getattr(m, "weight", None) is not None]


def randomized_copy(model, num_top_layers: int | None = None, seed: int = 0):
    """A copy of a torch ``model`` with its top ``num_top_layers`` weight layers re-drawn.

    The layers are :func:`weight_layers` counted from the output (``None``: all of them,
    full randomization). Each re-drawn weight is Kaiming-normal for ReLU,
    ``N(0, 2 / fan_in)``, and its bias zero: the signal keeps its scale through the ReLUs,
    so the random network's gradients do not vanish (a constant map has no ranks).
    The original ``model`` is untouched.
    """
    import torch

    layers = weight_layers(model)
    k = len(layers) if num_top_layers is None else int(num_top_layers)
    if not 0 <= k <= len(layers):
        raise ValueError(
            f"randomized_copy: num_top_layers must be in [0, {len(layers)}], got {num_top_layers}"
        )
    clone = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(seed)
    modules = dict(clone.named_modules())
    with torch.no_grad():
        for name in layers[len(layers) - k :]:
            m = modules[name]
            fan_in = m.weight[0].numel()  # in_channels * kh * kw (or in_features)
            w = torch.randn(m.weight.shape, generator=gen) * np.sqrt(2.0 / fan_in)
            m.weight.copy_(w)
            if getattr(m, "bias", None) is not None:
                m.bias.zero_()
    return clone.eval()


def randomized_keras_copy(model, num_top_layers: int | None, seed: int = 0, *, build: Callable):
    """The Keras twin of :func:`randomized_copy`: ``build()`` makes a new model of the same
    architecture, which gets ``model``'s weights and then, for its top ``num_top_layers``
    weight layers (a kernel of 2 or more dimensions and the 1-D variables after it, in
    ``model.weights`` order, input first), Kaiming-normal kernels ``N(0, 2 / fan_in)``
    (``fan_in = prod(kernel.shape[:-1])``, Keras kernels end in the output channels) and zero
    biases. Returns the new model; ``model`` is untouched.
    """
    clone = build()
    clone.set_weights(model.get_weights())
    groups: list[list] = []  # one list of variables per weight layer
    for v in clone.weights:
        if len(v.shape) >= 2:
            groups.append([v])
        elif groups:
            groups[-1].append(v)
    k = len(groups) if num_top_layers is None else int(num_top_layers)
    if not 0 <= k <= len(groups):
        raise ValueError(
            f"randomized_keras_copy: num_top_layers must be in [0, {len(groups)}], "
            f"got {num_top_layers}"
        )
    rng = np.random.default_rng(seed)
    for kernel, *rest in groups[len(groups) - k :]:
        shape = tuple(kernel.shape)
        kernel.assign(rng.normal(0.0, np.sqrt(2.0 / np.prod(shape[:-1])), shape).astype("float32"))
        for v in rest:
            v.assign(np.zeros(tuple(v.shape), dtype="float32"))
    return clone


def saliency_rank_correlations(
    saliency_fn: Callable,
    X,
    y,
    model,
    steps: Sequence[int | None],
    seeds: Sequence[int] = (0,),
    randomize: Callable = randomized_copy,
) -> dict[int | None, np.ndarray]:
    """Spearman correlation between each image's saliency map under ``model`` and under
    ``randomize(model, k, seed)`` (default :func:`randomized_copy`; for Keras a
    :func:`randomized_keras_copy` with ``build`` bound), for each ``k`` in ``steps``,
    averaged over the random ``seeds``.

    A network with ReLU scores (SqueezeNet) can come out of the randomization with the
    class score 0 at every position, hence a constant map and no ranks (``nan``); those
    draws are left out of the average over seeds (``nan`` only if every seed gave one).

    Args:
        saliency_fn: ``saliency_fn(X, y, model) -> (N, H, W)`` (e.g.
            :func:`cs231n.net_visualization_pytorch.compute_saliency_maps`).
        X: ``(N, 3, H, W)`` (torch) or ``(N, H, W, 3)`` (Keras) images; y: ``(N,)`` labels.
        steps: numbers of top layers to re-draw (``None``: all).
        seeds: one randomized copy per seed and step.

    Returns:
        ``{k: (N,) mean correlations}``; ``k = 0`` gives ones.
    """
    base = np.asarray(saliency_fn(X, y, model))  # (N, H, W)
    out = {}
    for k in steps:
        per_seed = np.empty((len(seeds), len(base)))  # (S, N)
        for s, seed in enumerate(seeds):
            rand = np.asarray(saliency_fn(X, y, randomize(model, k, seed)))  # (N, H, W)
            per_seed[s] = [spearman(base[i], rand[i]) for i in range(len(base))]
        defined = np.isfinite(per_seed)
        total = np.where(defined, per_seed, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[k] = np.where(defined.any(axis=0), total / defined.sum(axis=0), np.nan)
    return out
