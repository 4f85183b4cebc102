"""Network visualization in PyTorch (assignment 3): saliency, fooling images, class images.

The official 2020 names and signatures: :func:`compute_saliency_maps`,
:func:`make_fooling_image`, :func:`class_visualization_update_step` (the three functions a
student writes) and the helpers :func:`preprocess`, :func:`deprocess`, :func:`rescale`,
:func:`blur_image`, :func:`jitter`. Ours: :func:`fooling_attack` (the fooling loop with its
iteration count, used by :func:`make_fooling_image`) and :func:`class_visualization` (the
notebook's ``create_class_visualization`` loop: random start, jitter, update step, undo the
jitter, clamp, periodic blur).

Images are ``(N, 3, H, W)`` float32 tensors normalised as SqueezeNet expects,
``(x / 255 - SQUEEZENET_MEAN) / SQUEEZENET_STD`` per channel. Plain torch and PIL
(torchvision does not import here). The maths: ``notes/network_visualization.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d

from cs231n.image_utils import SQUEEZENET_MEAN, SQUEEZENET_STD
from cs231n.kernels.geometry import check_int
from cs231n.validation import check_array, check_labels, check_number
from cs231n.validation.tensors import (
    check_class_bound,
    check_class_index,
    check_tensor,
    check_tensor_finite,
)

__all__ = [
    "blur_image",
    "class_visualization_update_step",
    "compute_saliency_maps",
    "deprocess",
    "jitter",
    "make_fooling_image",
    "preprocess",
    "rescale",
    "FoolingResult",
    "fooling_attack",
    "ClassVisualization",
    "class_visualization",
]


def _check_images(fn: str, X: torch.Tensor, n: int | None = None, name: str = "X") -> None:
    """``X``: a float ``(N, 3, H, W)`` tensor with ``N >= 1`` (``N == n`` if given)."""
    if not isinstance(X, torch.Tensor) or X.ndim != 4 or X.shape[1] != 3:
        got = tuple(X.shape) if hasattr(X, "shape") else type(X).__name__
        error = ValueError if isinstance(X, torch.Tensor) else TypeError
        raise error(f"{fn}: {name} must be a (N, 3, H, W) torch.Tensor, got {got}")
    check_tensor(fn, name, X, floating=True, nonempty=True)
    if n is not None and X.shape[0] != n:
        raise ValueError(f"{fn}: {name} must hold {n} image(s), got shape {tuple(X.shape)}")


def _check_model(fn: str, model) -> None:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{fn}: model must be a torch.nn.Module, got {type(model).__name__}")


def compute_saliency_maps(X: torch.Tensor, y: torch.Tensor, model) -> torch.Tensor:
    """Class saliency maps (Simonyan et al. 2014) of ``model`` for images ``X`` and labels ``y``.

    ``saliency[i, h, w] = max_c |d s_{y_i}(X_i) / d X[i, c, h, w]|``, with ``s`` the
    unnormalised class scores. The gradient of ``sum_i s_{y_i}(X_i)`` gives every image's own
    gradient at once, because in eval mode image ``i``'s scores do not depend on image ``j``.
    ``X`` itself is not modified (the gradient is taken on a copy) and the model's parameter
    gradients are left alone. The model is put in eval mode, as in the official code.

    Args:
        X: ``(N, 3, H, W)`` input images.
        y: ``(N,)`` integer labels.
        model: a CNN mapping ``(N, 3, H, W) -> (N, K)`` scores.

    Returns:
        saliency: ``(N, H, W)`` tensor, non-negative, same dtype as ``X``.
    """
    fn = "compute_saliency_maps"
    _check_images(fn, X)
    _check_model(fn, model)
    y_np = y.detach().cpu().numpy() if torch.is_tensor(y) else y  # (N,) labels: a small copy
    if np.shape(y_np) != (X.shape[0],):
        raise ValueError(
            f"compute_saliency_maps: y must have shape ({X.shape[0]},), got {np.shape(y_np)}"
        )
    y_np = check_labels(fn, "y", y_np, X.shape[0])
    y = torch.as_tensor(y_np, dtype=torch.long)
    model.eval()
    with torch.enable_grad():  # also inside a caller's torch.no_grad()
        X = X.detach().clone().requires_grad_(True)
        scores = model(X)  # (N, K)
        if y_np.min() < 0 or y_np.max() >= scores.shape[1]:
            raise ValueError(
                f"compute_saliency_maps: y must lie in [0, K={scores.shape[1]}), got min "
                f"{y_np.min()} and max {y_np.max()}"
            )
        correct = scores.gather(1, y.view(-1, 1)).squeeze(1)  # (N,) = scores[arange(N), y]
        (dX,) = torch.autograd.grad(correct.sum(), X)  # (N, 3, H, W)
    return dX.abs().amax(dim=1)  # (N, H, W)


@dataclass
class FoolingResult:
    """What :func:`fooling_attack` did.

    Attributes:
        image: ``(1, 3, H, W)`` the last image (detached); fooling when ``fooled``.
        iterations: gradient steps taken (0 when ``X`` was already classified ``target_y``).
        fooled: whether the model predicts ``target_y`` for ``image``.
        target_y: the target class.
    """

    image: torch.Tensor
    iterations: int
    fooled: bool
    target_y: int


def fooling_attack(
    X: torch.Tensor,
    target_y: int,
    model,
    *,
    max_iters: int = 100,
    learning_rate: float = 1.0,
) -> FoolingResult:
    """Gradient ascent on the target score until the model predicts ``target_y``.

    Each step: ``g = d s_target / d X``, ``X <- X + learning_rate * g / ||g||_2`` (the
    official step, ``learning_rate = 1``). Before every step the prediction is checked; the
    loop stops as soon as it is ``target_y``, or after ``max_iters`` steps, or when ``g`` is
    exactly zero (then no step can move the score; ``fooled`` is False).

    Args:
        X: ``(1, 3, H, W)`` input image (not modified).
        target_y: class index in ``[0, K)``.
        model: ``(N, 3, H, W) -> (N, K)`` scores (put in eval mode).
        max_iters: at most this many steps.
        learning_rate: step length in the normalised input space (L2 norm of each step).

    Returns:
        a :class:`FoolingResult`.
    """
    fn = "fooling_attack"
    _check_images(fn, X, n=1)
    _check_model(fn, model)
    target_y = check_class_index(fn, "target_y", target_y)
    max_iters = check_int(fn, "max_iters", max_iters, 0)
    check_number(fn, "learning_rate", learning_rate, low=0, low_open=True)
    model.eval()
    X_fooling = X.detach().clone()
    for it in range(max_iters + 1):
        X_fooling.requires_grad_(True)
        with torch.enable_grad():  # also inside a caller's torch.no_grad()
            scores = model(X_fooling)  # (1, K)
        check_class_bound(fn, "target_y", target_y, scores.shape[1])
        if int(scores.argmax(dim=1)) == target_y:
            return FoolingResult(X_fooling.detach(), it, True, target_y)
        if it == max_iters:
            break
        with torch.enable_grad():
            (g,) = torch.autograd.grad(scores[0, target_y], X_fooling)  # (1, 3, H, W)
        norm = g.norm()
        X_fooling = X_fooling.detach()
        if norm == 0:  # e.g. a class whose final ReLU is off everywhere: the score cannot move
            return FoolingResult(X_fooling, it, False, target_y)
        X_fooling += learning_rate * g / norm
    return FoolingResult(X_fooling.detach(), max_iters, False, target_y)


def make_fooling_image(
    X: torch.Tensor, target_y: int, model, *, max_iters: int = 100
) -> torch.Tensor:
    """An image close to ``X`` that ``model`` classifies as ``target_y`` (official function).

    Gradient ascent on the unnormalised target score with the L2-normalised step and
    learning rate 1, stopping as soon as the model predicts ``target_y`` (see
    :func:`fooling_attack`, which also returns the number of steps).

    Args:
        X: ``(1, 3, H, W)`` input image.
        target_y: class index in ``[0, 1000)``.
        model: a pretrained CNN.
        max_iters: give up after this many steps (then the returned image is not fooling).

    Returns:
        X_fooling: ``(1, 3, H, W)`` tensor.
    """
    return fooling_attack(X, target_y, model, max_iters=max_iters).image


def class_visualization_update_step(
    img: torch.Tensor, model, target_y: int, l2_reg: float, learning_rate: float
) -> None:
    """One gradient-ascent step on ``s_target(img) - l2_reg * ||img||_2^2``, in place (official).

    ``g = d s_target / d img - 2 * l2_reg * img`` and ``img <- img + learning_rate * g / ||g||_2``.

    Args:
        img: ``(1, 3, H, W)`` image, updated in place (its ``requires_grad`` flag is kept).
        model: ``(N, 3, H, W) -> (N, K)`` scores.
        target_y: class index.
        l2_reg: strength of the L2 penalty.
        learning_rate: L2 length of the step.
    """
    fn = "class_visualization_update_step"
    _check_images(fn, img, n=1, name="img")
    if not callable(model):
        raise TypeError(f"{fn}: model must be callable, got {type(model).__name__}")
    target_y = check_class_index(fn, "target_y", target_y)
    check_number(fn, "l2_reg", l2_reg, low=0)
    check_number(fn, "learning_rate", learning_rate, low=0, low_open=True)
    with torch.enable_grad():  # also inside a caller's torch.no_grad()
        x = img.detach().clone().requires_grad_(True)
        scores = model(x)  # (1, K)
        check_class_bound(fn, "target_y", target_y, scores.shape[1])
        objective = scores[0, target_y] - l2_reg * (x * x).sum()
        (g,) = torch.autograd.grad(objective, x)  # (1, 3, H, W)
    with torch.no_grad():
        img.add_(learning_rate * g / g.norm().clamp_min(1e-12))


def preprocess(img, size: int = 224) -> torch.Tensor:
    """A PIL image or ``(H, W, 3)`` uint8 array -> ``(1, 3, H', W')`` normalised float32 tensor.

    As the official ``T.Resize(size)``, ``ToTensor``, ``Normalize``: the shorter side is
    resized to ``size`` (bilinear, PIL; the longer one to ``int(size * long / short)``; an
    image already that size is left as it is), pixels are divided by 255, and each channel
    ``c`` becomes ``(x - SQUEEZENET_MEAN[c]) / SQUEEZENET_STD[c]``.
    """
    from PIL import Image

    size = check_int("preprocess", "size", size, 1)
    if not isinstance(img, Image.Image):
        arr = check_array("preprocess", "img", img, shape=(None, None, 3))
        if arr.dtype != np.uint8:
            raise TypeError(f"preprocess: img must be a uint8 array (0..255), got {arr.dtype}")
        if arr.size == 0:
            raise ValueError(f"preprocess: img must not be empty, got shape {arr.shape}")
    pil = img if isinstance(img, Image.Image) else Image.fromarray(arr)
    w, h = pil.size
    short, long = (w, h) if w <= h else (h, w)
    if short != size:
        new_short, new_long = int(size), int(size * long / short)
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        pil = pil.resize((new_w, new_h), Image.BILINEAR)  # PIL sizes are (width, height)
    x = torch.from_numpy(np.asarray(pil.convert("RGB"), dtype=np.float32) / 255.0)  # (H, W, 3)
    x = x.permute(2, 0, 1)  # (3, H, W)
    mean = torch.from_numpy(SQUEEZENET_MEAN).view(3, 1, 1)
    std = torch.from_numpy(SQUEEZENET_STD).view(3, 1, 1)
    return ((x - mean) / std)[None].contiguous()  # (1, 3, H, W)


def rescale(x: torch.Tensor) -> torch.Tensor:
    """Stretch ``x`` linearly to span ``[0, 1]``: ``(x - min) / (max - min)`` (any shape;
    a constant ``x`` gives zeros)."""
    check_tensor("rescale", "x", x, types=(torch.Tensor,), what="a torch.Tensor", nonempty=True)
    low, high = x.min(), x.max()
    return (x - low) / (high - low).clamp_min(1e-12)


def deprocess(img: torch.Tensor, should_rescale: bool = True):
    """Undo :func:`preprocess`: ``(1, 3, H, W)`` tensor -> PIL image of ``(H, W, 3)`` uint8.

    Each channel becomes ``x * SQUEEZENET_STD[c] + SQUEEZENET_MEAN[c]``; with
    ``should_rescale`` the result is stretched to ``[0, 1]`` by :func:`rescale`; then it is
    multiplied by 255 and truncated to uint8 as ``ToPILImage`` does. Values outside
    ``[0, 1]`` are clipped first (``ToPILImage`` would wrap them around).
    """
    from PIL import Image

    check_tensor("deprocess", "img", img, types=(torch.Tensor,), what="a torch.Tensor")
    if img.ndim != 4 or img.shape[:2] != (1, 3) or img.numel() == 0:
        raise ValueError(f"deprocess: img must have shape (1, 3, H, W), got {tuple(img.shape)}")
    check_tensor_finite("deprocess", "img", img)  # NaN has no pixel value
    x = img.detach()[0].to(torch.float32).cpu()  # (3, H, W)
    x = x * torch.from_numpy(SQUEEZENET_STD).view(3, 1, 1)
    x = x + torch.from_numpy(SQUEEZENET_MEAN).view(3, 1, 1)
    if should_rescale:
        x = rescale(x)
    x = (x.clamp(0.0, 1.0) * 255).to(torch.uint8)  # truncation, as ToPILImage's .byte()
    return Image.fromarray(x.permute(1, 2, 0).numpy())  # (H, W, 3)


def blur_image(X: torch.Tensor, sigma: float = 1) -> torch.Tensor:
    """Gaussian blur of each image and channel over H and W, in place (official helper).

    Two 1-D Gaussian filters (``scipy.ndimage.gaussian_filter1d``, standard deviation
    ``sigma`` pixels, radius ``4 * sigma``, 'reflect' borders) along axes 2 and 3.

    Args:
        X: ``(N, C, H, W)`` tensor, overwritten.

    Returns:
        ``X`` itself.
    """
    check_tensor("blur_image", "X", X, types=(torch.Tensor,), what="a torch.Tensor", floating=True)
    if X.ndim != 4:
        raise ValueError(f"blur_image: X must be (N, C, H, W), got shape {tuple(X.shape)}")
    check_number("blur_image", "sigma", sigma, low=0, low_open=True)
    X_np = X.detach().cpu().numpy()
    X_np = gaussian_filter1d(X_np, sigma, axis=2)
    X_np = gaussian_filter1d(X_np, sigma, axis=3)
    with torch.no_grad():
        X.copy_(torch.from_numpy(X_np).to(X.dtype))
    return X


def jitter(X: torch.Tensor, ox: int, oy: int) -> torch.Tensor:
    """Shift images circularly by ``ox`` pixels along W and ``oy`` along H (official helper).

    ``out[..., h, w] = X[..., (h - oy) % H, (w - ox) % W]``; ``jitter(jitter(X, ox, oy),
    -ox, -oy)`` is ``X``.

    Args:
        X: ``(N, C, H, W)`` tensor.
        ox, oy: integer shifts (any sign).

    Returns:
        a new ``(N, C, H, W)`` tensor.
    """
    check_tensor("jitter", "X", X, types=(torch.Tensor,), what="a torch.Tensor")
    if X.ndim != 4:
        raise ValueError(f"jitter: X must be (N, C, H, W), got shape {tuple(X.shape)}")
    ox = check_number("jitter", "ox", ox, integer=True)
    oy = check_number("jitter", "oy", oy, integer=True)
    return torch.roll(X, shifts=(oy, ox), dims=(2, 3))


@dataclass
class ClassVisualization:
    """What :func:`class_visualization` produced.

    Attributes:
        image: ``(1, 3, H, W)`` final normalised image.
        snapshots: iteration number (1-based) -> ``(H, W, 3)`` uint8 picture of the image
            then (``deprocess``), at the first, every ``show_every``-th and the last iteration.
    """

    image: torch.Tensor
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
    callback: Callable[[int, torch.Tensor], None] | None = None,
) -> ClassVisualization:
    """Generate an image that maximises class ``target_y``'s score (the notebook's loop).

    Start from ``randn(1, 3, size, size)``; then ``num_iterations`` times: jitter by random
    ``ox, oy`` in ``[0, max_jitter]``, one :func:`class_visualization_update_step`, undo
    the jitter, clamp each channel to the range of a valid pixel
    (``[-mean_c / std_c, (1 - mean_c) / std_c]``), and every ``blur_every`` iterations
    (from iteration 0) blur with ``sigma = 0.5``. Defaults are the official ones.

    Args:
        target_y: class index.
        model: ``(N, 3, H, W) -> (N, K)`` scores (put in eval mode).
        seed: seeds the start image and the jitters (``None``: torch's global generator).
        callback: called as ``callback(t, img)`` after iteration ``t`` (0-based).

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
        ("show_every", show_every), ("size", size),
    ):  # fmt: skip
        check_int(fn, name, value, 1)
    check_int(fn, "max_jitter", max_jitter, 0)
    if seed is not None:
        check_int(fn, "seed", seed, 0)
    if callback is not None and not callable(callback):
        raise TypeError(f"{fn}: callback must be callable or None, got {type(callback).__name__}")
    model.eval()
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    img = torch.randn(1, 3, size, size, generator=gen)  # (1, 3, size, size)
    lo = torch.from_numpy(-SQUEEZENET_MEAN / SQUEEZENET_STD).view(1, 3, 1, 1)
    hi = torch.from_numpy((1.0 - SQUEEZENET_MEAN) / SQUEEZENET_STD).view(1, 3, 1, 1)
    out = ClassVisualization(img, int(target_y))
    for t in range(num_iterations):
        ox, oy = (int(v) for v in torch.randint(0, max_jitter + 1, (2,), generator=gen))
        img = jitter(img, ox, oy)
        class_visualization_update_step(img, model, target_y, l2_reg, learning_rate)
        img = jitter(img, -ox, -oy)
        img = torch.maximum(torch.minimum(img, hi), lo)  # clamp to valid pixels, per channel
        if t % blur_every == 0:
            blur_image(img, sigma=0.5)
        if callback is not None:
            callback(t, img)
        if t == 0 or (t + 1) % show_every == 0 or t == num_iterations - 1:
            out.snapshots[t + 1] = np.asarray(deprocess(img))
    out.image = img
    return out
