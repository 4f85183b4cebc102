"""Network visualization in TensorFlow (assignment 3): saliency, fooling images, class images.

The official 2020 names: :func:`compute_saliency_maps`, :func:`make_fooling_image`,
:func:`class_visualization_update_step` (what a student writes, with ``tf.GradientTape``)
and the helpers :func:`blur_image`, :func:`jitter`. Ours, as in the PyTorch module:
:func:`fooling_attack` (the fooling loop with its iteration count) and
:func:`class_visualization` (the notebook's loop). Pre- and de-processing are
:func:`cs231n.image_utils.preprocess_image` / :func:`~cs231n.image_utils.deprocess_image`.

Images are channels last, ``(N, H, W, 3)`` float32, normalised as SqueezeNet expects.
The same weights give the same saliency maps as :mod:`cs231n.net_visualization_pytorch`
(tested). The maths: ``notes/network_visualization.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf
from scipy.ndimage import gaussian_filter1d

from cs231n.image_utils import SQUEEZENET_MEAN, SQUEEZENET_STD, deprocess_image, preprocess_image
from cs231n.kernels.geometry import check_int
from cs231n.validation import check_array, check_labels, check_number
from cs231n.validation.tensors import check_class_bound, check_class_index, check_tensor

__all__ = [
    "blur_image",
    "class_visualization_update_step",
    "compute_saliency_maps",
    "jitter",
    "make_fooling_image",
    "FoolingResult",
    "fooling_attack",
    "ClassVisualization",
    "class_visualization",
]


def _as_array(fn: str, name: str, X):
    """A tensor, variable or ndarray as it is; a list of numbers as an ndarray."""
    if X is not None and not (hasattr(X, "shape") and hasattr(X, "dtype")):
        X = check_array(fn, name, X)
    return check_tensor(fn, name, X, what="a tensor or array")


def _check_images(fn: str, X, n: int | None = None) -> None:
    """``X``: a float ``(N, H, W, 3)`` tensor or array with ``N >= 1`` (``N == n`` if given)."""
    shape = tuple(X.shape) if hasattr(X, "shape") else None
    if shape is None:
        raise TypeError(f"{fn}: X must be (N, H, W, 3), got {type(X).__name__}")
    if len(shape) != 4 or shape[3] != 3:
        raise ValueError(f"{fn}: X must be (N, H, W, 3), got {shape}")
    check_tensor(fn, "X", X, floating=True, nonempty=True)
    if n is not None and shape[0] != n:
        raise ValueError(f"{fn}: X must hold {n} image(s), got shape {shape}")


def _check_model(fn: str, model) -> None:
    if not callable(model):
        raise TypeError(f"{fn}: model must be a Keras model, got {type(model).__name__}")


def compute_saliency_maps(X, y, model) -> np.ndarray:
    """Class saliency maps: ``saliency[i, h, w] = max_c |d s_{y_i} / d X[i, h, w, c]|``.

    One tape over ``sum_i s_{y_i}(X_i)`` (images do not interact at inference), the
    correct scores picked with ``tf.gather`` (as ``scores[np.arange(N), y]`` in numpy).

    Args:
        X: ``(N, H, W, 3)`` images (numpy or tensor).
        y: ``(N,)`` integer labels.
        model: a Keras model ``(N, H, W, 3) -> (N, K)`` scores.

    Returns:
        saliency: ``(N, H, W)`` numpy float32 array.
    """
    fn = "compute_saliency_maps"
    _check_images(fn, X)
    _check_model(fn, model)
    y = np.asarray(y.numpy() if hasattr(y, "numpy") else y)  # (N,) labels
    if y.shape != (X.shape[0],):
        raise ValueError(f"compute_saliency_maps: y must have shape ({X.shape[0]},), got {y.shape}")
    y = check_labels(fn, "y", y, X.shape[0]).astype(np.int64)
    X = tf.convert_to_tensor(X, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(X)
        scores = model(X, training=False)  # (N, K)
        if y.min() < 0 or y.max() >= scores.shape[1]:
            raise ValueError(
                f"compute_saliency_maps: y must lie in [0, K={scores.shape[1]}), got min "
                f"{y.min()} and max {y.max()}"
            )
        correct = tf.gather(scores, y, axis=1, batch_dims=1)  # (N,)
        total = tf.reduce_sum(correct)
    dX = tape.gradient(total, X)  # (N, H, W, 3)
    return tf.reduce_max(tf.abs(dX), axis=3).numpy()  # (N, H, W)


@dataclass
class FoolingResult:
    """What :func:`fooling_attack` did: ``image`` ``(1, H, W, 3)`` numpy float32 (fooling
    when ``fooled``), ``iterations`` gradient steps, ``fooled``, ``target_y``."""

    image: np.ndarray
    iterations: int
    fooled: bool
    target_y: int


def fooling_attack(
    X, target_y: int, model, *, max_iters: int = 100, learning_rate: float = 1.0
) -> FoolingResult:
    """Gradient ascent on the target score until the model predicts ``target_y``.

    ``X <- X + learning_rate * g / ||g||_2`` with ``g = d s_target / d X``; the prediction
    is checked before each step; stops when fooled, after ``max_iters`` steps, or when ``g``
    is zero (see :func:`cs231n.net_visualization_pytorch.fooling_attack`).

    Args:
        X: ``(1, H, W, 3)`` image (not modified).
        target_y: class index in ``[0, K)``.
        model: Keras model ``(N, H, W, 3) -> (N, K)``.

    Returns:
        a :class:`FoolingResult`.
    """
    fn = "fooling_attack"
    _check_images(fn, X, n=1)
    _check_model(fn, model)
    target_y = check_class_index(fn, "target_y", target_y)
    max_iters = check_int(fn, "max_iters", max_iters, 0)
    check_number(fn, "learning_rate", learning_rate, low=0, low_open=True)
    X_fooling = tf.Variable(np.asarray(X, dtype=np.float32))
    for it in range(max_iters + 1):
        with tf.GradientTape() as tape:
            scores = model(X_fooling, training=False)  # (1, K)
            check_class_bound(fn, "target_y", target_y, scores.shape[1])
            target_score = scores[0, target_y]
        if int(tf.argmax(scores[0])) == target_y:
            return FoolingResult(X_fooling.numpy(), it, True, target_y)
        if it == max_iters:
            break
        g = tape.gradient(target_score, X_fooling)  # (1, H, W, 3)
        norm = tf.norm(g)
        if float(norm) == 0.0:
            return FoolingResult(X_fooling.numpy(), it, False, target_y)
        X_fooling.assign_add(learning_rate * g / norm)
    return FoolingResult(X_fooling.numpy(), max_iters, False, target_y)


def make_fooling_image(X, target_y: int, model, *, max_iters: int = 100) -> np.ndarray:
    """An image close to ``X`` classified as ``target_y`` (official function): normalised
    gradient ascent on the target score, learning rate 1, until fooled (:func:`fooling_attack`).

    Args:
        X: ``(1, H, W, 3)`` image.
        target_y: class index in ``[0, 1000)``.
        model: pretrained SqueezeNet (Keras).
        max_iters: give up after this many steps.

    Returns:
        X_fooling: ``(1, H, W, 3)`` numpy float32.
    """
    return fooling_attack(X, target_y, model, max_iters=max_iters).image


def class_visualization_update_step(X, model, target_y: int, l2_reg: float, learning_rate: float):
    """One gradient-ascent step on ``s_target(X) - l2_reg * ||X||_2^2`` (official function).

    ``g = d s_target / d X - 2 * l2_reg * X``, ``X <- X + learning_rate * g / ||g||_2``.

    Args:
        X: ``(1, H, W, 3)``; a ``tf.Variable`` is updated in place and returned, anything
            else (tensor, numpy) gives a new tensor.
        model: Keras model ``(N, H, W, 3) -> (N, K)``.

    Returns:
        the updated ``(1, H, W, 3)`` image.
    """
    fn = "class_visualization_update_step"
    _check_images(fn, X, n=1)
    _check_model(fn, model)
    target_y = check_class_index(fn, "target_y", target_y)
    check_number(fn, "l2_reg", l2_reg, low=0)
    check_number(fn, "learning_rate", learning_rate, low=0, low_open=True)
    x = tf.convert_to_tensor(X, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = model(x, training=False)  # (1, K)
        check_class_bound(fn, "target_y", target_y, scores.shape[1])
        objective = scores[0, target_y] - l2_reg * tf.reduce_sum(x * x)
    g = tape.gradient(objective, x)  # (1, H, W, 3)
    step = learning_rate * g / tf.maximum(tf.norm(g), 1e-12)
    if isinstance(X, tf.Variable):
        X.assign_add(step)
        return X
    return x + step


def blur_image(X, sigma: float = 1) -> np.ndarray:
    """Gaussian blur over H and W (official helper): ``gaussian_filter1d`` along axes 1 and 2.

    Args:
        X: ``(N, H, W, C)`` numpy array or tensor.

    Returns:
        ``(N, H, W, C)`` numpy array.
    """
    X = check_array("blur_image", "X", X)
    if X.ndim != 4:
        raise ValueError(f"blur_image: X must be (N, H, W, C), got shape {X.shape}")
    check_number("blur_image", "sigma", sigma, low=0, low_open=True)
    X = gaussian_filter1d(X, sigma, axis=1)
    return gaussian_filter1d(X, sigma, axis=2)


def jitter(X, ox: int, oy: int) -> tf.Tensor:
    """Shift circularly by ``ox`` pixels along W and ``oy`` along H (official helper):
    ``out[:, h, w] = X[:, (h - oy) % H, (w - ox) % W]``.

    Args:
        X: ``(N, H, W, C)``.

    Returns:
        a new ``(N, H, W, C)`` tensor.
    """
    X = _as_array("jitter", "X", X)
    if len(X.shape) != 4:
        raise ValueError(f"jitter: X must be (N, H, W, C), got shape {tuple(X.shape)}")
    ox = check_number("jitter", "ox", ox, integer=True)
    oy = check_number("jitter", "oy", oy, integer=True)
    return tf.roll(X, shift=(oy, ox), axis=(1, 2))


@dataclass
class ClassVisualization:
    """``image`` ``(1, H, W, 3)`` numpy float32 (normalised), ``target_y``, and ``snapshots``:
    iteration (1-based) -> ``(H, W, 3)`` uint8 (``deprocess_image(..., rescale=True)``)."""

    image: np.ndarray
    target_y: int
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)


def class_visualization(
    target_y: int,
    model,
    *,
    l2_reg: float = 1e-3,
    learning_rate: float = 25,
    num_iterations: int = 100,
    blur_every: int = 10,
    max_jitter: int = 16,
    show_every: int = 25,
    size: int = 224,
    seed: int | None = 0,
    callback: Callable[[int, np.ndarray], None] | None = None,
) -> ClassVisualization:
    """The official TF notebook's loop: start from ``preprocess_image(255 * rand(size, size, 3))``,
    then jitter, :func:`class_visualization_update_step`, undo the jitter, clip to valid
    pixels, blur (``sigma = 0.5``) every ``blur_every`` iterations. Jitters ``ox, oy`` are
    drawn in ``[0, max_jitter)`` as ``np.random.randint(0, max_jitter, 2)`` does there.

    Returns:
        a :class:`ClassVisualization`.
    """
    fn = "class_visualization"
    target_y = check_class_index(fn, "target_y", target_y)
    _check_model(fn, model)
    check_number(fn, "l2_reg", l2_reg, low=0)
    check_number(fn, "learning_rate", learning_rate, low=0, low_open=True)
    for name, value in (
        ("num_iterations", num_iterations), ("blur_every", blur_every),
        ("max_jitter", max_jitter), ("show_every", show_every), ("size", size),
    ):  # fmt: skip
        check_int(fn, name, value, 1)  # max_jitter >= 1: rng.integers(0, max_jitter) as official
    if seed is not None:
        check_int(fn, "seed", seed, 0)
    if callback is not None and not callable(callback):
        raise TypeError(f"{fn}: callback must be callable or None, got {type(callback).__name__}")
    rng = np.random.default_rng(seed)
    X = preprocess_image(255 * rng.random((size, size, 3)))[None]  # (1, size, size, 3)
    lo, hi = -SQUEEZENET_MEAN / SQUEEZENET_STD, (1.0 - SQUEEZENET_MEAN) / SQUEEZENET_STD
    out = ClassVisualization(X, int(target_y))
    for t in range(num_iterations):
        ox, oy = (int(v) for v in rng.integers(0, max_jitter, 2))
        Xt = jitter(X, ox, oy)
        Xt = class_visualization_update_step(Xt, model, target_y, l2_reg, learning_rate)
        X = np.clip(jitter(Xt, -ox, -oy).numpy(), lo, hi)  # (1, H, W, 3), per channel
        if t % blur_every == 0:
            X = blur_image(X, sigma=0.5)
        if callback is not None:
            callback(t, X)
        if t == 0 or (t + 1) % show_every == 0 or t == num_iterations - 1:
            out.snapshots[t + 1] = deprocess_image(X[0], rescale=True)
    out.image = X.astype(np.float32)
    return out
