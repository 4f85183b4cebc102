"""Style transfer in PyTorch: content, Gram-matrix style and total-variation losses, the loop.

The course's 2020 functions with their official names and signatures (``content_loss``,
``gram_matrix``, ``style_loss``, ``tv_loss``, ``extract_features``, ``features_from_img``,
``preprocess``, ``deprocess``, ``rescale``, ``rel_error``), written with plain torch
(torchvision does not import here), and the notebook's transfer loop :func:`style_transfer`,
which returns the final image and its loss curves instead of plotting.

The feature extractor ``cnn`` is SqueezeNet 1.1's ``.features`` (an ``nn.Sequential`` of 13
modules, see :mod:`cs231n.frameworks.squeezenet_torch`); ``extract_features`` returns the
output of every module, so the course's layer indices (content layer 3, style layers
1, 4, 6, 7) index that list. Derivations: ``notes/style_transfer.md``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import torch

from cs231n.image_utils import SQUEEZENET_MEAN, SQUEEZENET_STD, resolve_image_path
from cs231n.kernels.geometry import check_int
from cs231n.validation import check_number
from cs231n.validation.tensors import check_layer_weights, check_tensor, check_tensor_finite

__all__ = [
    "content_loss",
    "default_cnn",
    "deprocess",
    "extract_features",
    "features_from_img",
    "gram_matrix",
    "official_check_values",
    "preprocess",
    "rel_error",
    "rescale",
    "style_loss",
    "style_transfer",
    "tv_loss",
]


# --------------------------------------------------------------------------- the losses


def _tensor(fn: str, name: str, t, **kwargs) -> torch.Tensor:
    return check_tensor(fn, name, t, types=(torch.Tensor,), what="a torch.Tensor", **kwargs)


def _weight(fn: str, name: str, w) -> None:
    """A loss weight: a finite number >= 0 (a Python/NumPy scalar or a 0-d tensor)."""
    check_number(fn, name, w, low=0)


def content_loss(
    content_weight: float, content_current: torch.Tensor, content_original: torch.Tensor
) -> torch.Tensor:
    """Content loss ``w_c * sum((F - P)**2)`` between two feature maps of one layer.

    Args:
        content_weight: w_c, a scalar.
        content_current: F, ``(1, C_l, H_l, W_l)`` features of the current image.
        content_original: P, ``(1, C_l, H_l, W_l)`` features of the content image.

    Returns:
        ``()`` scalar tensor.

    Raises:
        TypeError / ValueError: a weight that is not a finite number >= 0, features that are
            not 4-D float tensors of one shape, or NaN/inf features.
    """
    fn = "content_loss"
    _weight(fn, "content_weight", content_weight)
    _tensor(fn, "content_current", content_current, ndim=4, floating=True)
    _tensor(fn, "content_original", content_original, ndim=4, floating=True)
    if content_current.shape != content_original.shape:
        raise ValueError(
            "content_loss: content_current and content_original must have the same shape, "
            f"got {tuple(content_current.shape)} and {tuple(content_original.shape)}"
        )
    check_tensor_finite(fn, "content_current", content_current)
    check_tensor_finite(fn, "content_original", content_original)
    return content_weight * torch.sum((content_current - content_original) ** 2)


def gram_matrix(features: torch.Tensor, normalize: bool = True) -> torch.Tensor:
    """Gram matrices ``G[n] = F[n] F[n]^T`` of feature maps flattened over space.

    Args:
        features: ``(N, C, H, W)`` feature maps.
        normalize: divide by the number of neurons ``H * W * C`` (as the course does).

    Returns:
        ``(N, C, C)`` tensor, ``G[n, i, j] = sum_k F[n, i, k] F[n, j, k]`` (``/ (H*W*C)``).
    """
    _tensor("gram_matrix", "features", features, floating=True)
    if features.ndim != 4:
        raise ValueError(
            f"gram_matrix: features must be (N, C, H, W), got shape {tuple(features.shape)}"
        )
    if not isinstance(normalize, bool):
        raise TypeError(f"gram_matrix: normalize must be a bool, got {normalize!r}")
    N, C, H, W = features.shape
    F = features.reshape(N, C, H * W)  # (N, C, M) with M = H*W positions
    gram = torch.bmm(F, F.transpose(1, 2))  # (N, C, C)
    if normalize:
        gram = gram / (H * W * C)
    return gram


def style_loss(
    feats: Sequence[torch.Tensor],
    style_layers: Sequence[int],
    style_targets: Sequence[torch.Tensor],
    style_weights: Sequence[float],
) -> torch.Tensor:
    """Style loss ``sum_l w_l * sum((G_l - A_l)**2)`` over a set of layers.

    Args:
        feats: the features of the current image at every layer, as from
            :func:`extract_features` (``feats[i]`` is ``(1, C_i, H_i, W_i)``).
        style_layers: L layer indices into ``feats``.
        style_targets: L Gram matrices ``(1, C_l, C_l)`` of the style image
            (``style_targets[k]`` belongs to layer ``style_layers[k]``).
        style_weights: L scalars w_l.

    Returns:
        ``()`` scalar tensor.
    """
    fn = "style_loss"
    if not isinstance(feats, list | tuple) or not feats:
        raise TypeError(f"style_loss: feats must be a non-empty list of tensors, got {feats!r:.60}")
    if not isinstance(style_targets, list | tuple):
        raise TypeError(
            "style_loss: style_targets must be a list of tensors, got "
            f"{type(style_targets).__name__}"
        )
    check_layer_weights(fn, len(feats), style_layers, style_weights, len(style_targets))
    for k, (layer, target) in enumerate(zip(style_layers, style_targets)):
        f = _tensor(fn, f"feats[{layer}]", feats[layer], ndim=4, floating=True)
        expected = (f.shape[0], f.shape[1], f.shape[1])  # the Gram matrix of feats[layer]
        _tensor(fn, f"style_targets[{k}]", target, shape=expected, floating=True)
        check_tensor_finite(fn, f"style_targets[{k}]", target)
    loss = feats[0].new_zeros(())
    for layer, target, weight in zip(style_layers, style_targets, style_weights):
        loss = loss + weight * torch.sum((gram_matrix(feats[layer]) - target) ** 2)
    return loss


def tv_loss(img: torch.Tensor, tv_weight: float) -> torch.Tensor:
    """Total-variation loss: ``w_t`` times the summed squared differences of neighbours.

    ``w_t * (sum (x[:, :, i+1, j] - x[:, :, i, j])**2 + sum (x[:, :, i, j+1] - x[:, :, i, j])**2)``
    over all channels, vertical and horizontal pairs; no Python loops.

    Args:
        img: ``(1, 3, H, W)`` image (any N works: every image is summed).
        tv_weight: w_t, a scalar.

    Returns:
        ``()`` scalar tensor.
    """
    _tensor("tv_loss", "img", img, floating=True, nonempty=True)
    if img.ndim != 4:
        raise ValueError(f"tv_loss: img must be (N, 3, H, W), got shape {tuple(img.shape)}")
    _weight("tv_loss", "tv_weight", tv_weight)
    check_tensor_finite("tv_loss", "img", img)
    down = img[:, :, 1:, :] - img[:, :, :-1, :]  # (N, 3, H-1, W) vertical neighbours
    right = img[:, :, :, 1:] - img[:, :, :, :-1]  # (N, 3, H, W-1) horizontal neighbours
    return tv_weight * (torch.sum(down**2) + torch.sum(right**2))


# --------------------------------------------------------------------------- features


def extract_features(x: torch.Tensor, cnn: torch.nn.Module) -> list[torch.Tensor]:
    """The output of every module of ``cnn`` in order, as the course's function.

    Args:
        x: ``(N, 3, H, W)`` preprocessed images.
        cnn: an ``nn.Sequential`` (SqueezeNet's ``.features``); module ``i`` is applied to
            the output of module ``i - 1``.

    Returns:
        list with one ``(N, C_i, H_i, W_i)`` tensor per module. SqueezeNet's ReLUs are
        in-place, so a conv's entry is the same tensor as the ReLU's after it (as in the
        official code, whose checks were computed this way).
    """
    _tensor("extract_features", "x", x, ndim=4, floating=True)
    if not isinstance(cnn, torch.nn.Module):
        raise TypeError(
            f"extract_features: cnn must be a torch.nn.Module, got {type(cnn).__name__}"
        )
    features = []
    prev = x
    for module in cnn.children():
        prev = module(prev)
        features.append(prev)
    return features


_DEFAULT_CNN: torch.nn.Module | None = None


def default_cnn() -> torch.nn.Module:
    """SqueezeNet 1.1's pretrained ``.features`` (float32, eval mode, frozen), loaded once.

    The weights are those of :func:`cs231n.data.squeezenet_weights.pretrained_weights`
    (torchvision's official file when present, else the built ones); print its ``.source``.
    """
    global _DEFAULT_CNN
    if _DEFAULT_CNN is None:
        from cs231n.frameworks.squeezenet_torch import squeezenet1_1

        cnn = squeezenet1_1(pretrained=True).features.float().eval()
        for p in cnn.parameters():
            p.requires_grad_(False)  # we optimise the image, never the network
        _DEFAULT_CNN = cnn
    return _DEFAULT_CNN


# --------------------------------------------------------------------------- images


def _as_pil(img):
    """A PIL RGB image from a PIL image, an ``(H, W, 3)`` uint8 array or an image path/name."""
    from PIL import Image

    if isinstance(img, Image.Image):
        return img if img.mode == "RGB" else img.convert("RGB")
    if isinstance(img, np.ndarray):
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(
                f"preprocess: an array image must be (H, W, 3) uint8, got {img.shape} {img.dtype}"
            )
        return Image.fromarray(img)
    return Image.open(resolve_image_path(img)).convert("RGB")


def _resized_size(width: int, height: int, size) -> tuple[int, int]:
    """torchvision ``Resize(size)``'s output ``(width, height)``: an int sets the shorter side
    (the longer one is ``int(size * long / short)``), a pair is ``(height, width)``."""
    if isinstance(size, int | np.integer) and not isinstance(size, bool):
        if size <= 0:
            raise ValueError(f"preprocess: size must be positive, got {size}")
        if width <= height:
            return int(size), int(size * height / width)
        return int(size * width / height), int(size)
    if not isinstance(size, tuple | list) or len(size) != 2:
        raise TypeError(f"preprocess: size must be an int or a pair (H, W), got {size!r}")
    h, w = (check_int("preprocess", "size", v, 1) for v in size)
    return int(w), int(h)


def preprocess(img, size=512) -> torch.Tensor:
    """The course's SqueezeNet input: resize, scale to [0, 1], normalise, add a batch axis.

    Equivalent to the official ``T.Resize(size)``, ``T.ToTensor()``,
    ``T.Normalize(SQUEEZENET_MEAN, SQUEEZENET_STD)``, ``x[None]``: bilinear resize (PIL) so the
    shorter side is ``size`` (or to ``(H, W) = size`` for a pair), then
    ``(x / 255 - mean) / std`` per channel.

    Args:
        img: a PIL image (as the official code passes), an ``(H0, W0, 3)`` uint8 array, or a
            path / short name that :func:`cs231n.image_utils.resolve_image_path` finds.
        size: int (the shorter side) or ``(H, W)``.

    Returns:
        ``(1, 3, H, W)`` float32 tensor.
    """
    from PIL import Image

    pil = _as_pil(img)
    new_size = _resized_size(pil.width, pil.height, size)
    if new_size != pil.size:
        pil = pil.resize(new_size, Image.BILINEAR)
    x = np.asarray(pil, dtype=np.float32) / 255.0  # (H, W, 3) in [0, 1]
    x = (x - SQUEEZENET_MEAN) / SQUEEZENET_STD  # broadcast over the channel axis
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]  # (1, 3, H, W)


def rescale(x: torch.Tensor) -> torch.Tensor:
    """Stretch ``x`` linearly to span [0, 1]: ``(x - min) / (max - min)``; same shape."""
    low, high = x.min(), x.max()
    return (x - low) / (high - low)


def deprocess(img: torch.Tensor):
    """Invert :func:`preprocess` for display, as the official transform chain.

    Takes image 0, multiplies by the std and adds the mean per channel, rescales to [0, 1]
    (:func:`rescale`) and converts to an 8-bit image (``floor(255 * x)``, as ``ToPILImage``).

    Args:
        img: ``(N, 3, H, W)`` tensor (only ``img[0]`` is used).

    Returns:
        a PIL RGB image of size ``(W, H)``.
    """
    from PIL import Image

    _tensor("deprocess", "img", img, floating=True, nonempty=True)
    if img.ndim != 4 or img.shape[1] != 3:
        raise ValueError(f"deprocess: img must be (N, 3, H, W), got shape {tuple(img.shape)}")
    x = img[0].detach().cpu().float()  # (3, H, W)
    std = torch.as_tensor(SQUEEZENET_STD)[:, None, None]  # (3, 1, 1)
    mean = torch.as_tensor(SQUEEZENET_MEAN)[:, None, None]
    x = rescale(x * std + mean)
    pixels = (x * 255).to(torch.uint8).permute(1, 2, 0).numpy()  # (H, W, 3), truncating
    return Image.fromarray(pixels)


def rel_error(x, y) -> float:
    """Official relative error ``max |x - y| / max(1e-8, |x| + |y|)`` (arrays or tensors)."""
    x = np.asarray(x.detach().cpu() if torch.is_tensor(x) else x, dtype=np.float64)
    y = np.asarray(y.detach().cpu() if torch.is_tensor(y) else y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def features_from_img(imgpath, imgsize, cnn: torch.nn.Module | None = None):
    """Preprocess an image and extract its features (official name and first two arguments).

    Args:
        imgpath: an image path or name (or a PIL image / uint8 array), see :func:`preprocess`.
        imgsize: the shorter side in pixels.
        cnn: the feature extractor; default :func:`default_cnn` (the notebook's module-level
            ``cnn``), so the official two-argument call works.

    Returns:
        ``(features, img)``: the list of :func:`extract_features` and the ``(1, 3, H, W)``
        float32 image tensor.
    """
    cnn = default_cnn() if cnn is None else cnn
    img = preprocess(imgpath, size=imgsize)
    return extract_features(img, cnn), img


#: The course's check setting (``style-transfer-checks.npz``): tubingen / starry_night at 192 px.
CHECK_CONTENT, CHECK_STYLE, CHECK_SIZE = "styles/tubingen.jpg", "styles/starry_night.jpg", 192


def official_check_values(cnn: torch.nn.Module | None = None) -> dict[str, np.ndarray]:
    """The four values of ``style-transfer-checks.npz``, computed as the official test cells.

    * ``cl_out``: content loss (w_c = 6e-2, layer 3) between the features of tubingen and of
      an all-zero image of the same shape;
    * ``gm_out``: the normalized Gram matrix of starry_night's layer-5 features, ``(1, 128, 128)``;
    * ``sl_out``: style loss of tubingen's features against starry_night's Gram matrices at
      layers 1, 4, 6, 7 with weights 300000, 1000, 15, 3;
    * ``tv_out``: TV loss (w_t = 2e-2) of the preprocessed tubingen.

    All images at 192 px (shorter side). ``cl_out``, ``gm_out`` and ``sl_out`` match the file
    only with the course's own SqueezeNet weights; ``tv_out`` needs no network.

    Args:
        cnn: the feature extractor (default :func:`default_cnn`).

    Returns:
        dict name -> float32 numpy array (``()`` scalars, ``gm_out`` ``(1, 128, 128)``).
    """
    cnn = default_cnn() if cnn is None else cnn
    with torch.no_grad():
        c_feats, content_img = features_from_img(CHECK_CONTENT, CHECK_SIZE, cnn)
        zero_feats = extract_features(torch.zeros_like(content_img), cnn)
        s_feats, _ = features_from_img(CHECK_STYLE, CHECK_SIZE, cnn)
        layers, weights = [1, 4, 6, 7], [300000, 1000, 15, 3]
        targets = [gram_matrix(s_feats[i].clone()) for i in layers]
        out = {
            "cl_out": content_loss(6e-2, c_feats[3], zero_feats[3]),
            "gm_out": gram_matrix(s_feats[5].clone()),
            "sl_out": style_loss(c_feats, layers, targets, weights),
            "tv_out": tv_loss(content_img, 2e-2),
        }
    return {k: v.numpy().astype(np.float32) for k, v in out.items()}


# --------------------------------------------------------------------------- the loop


def style_transfer(
    content_image,
    style_image,
    image_size,
    style_size,
    content_layer: int,
    content_weight: float,
    style_layers: Sequence[int],
    style_weights: Sequence[float],
    tv_weight: float,
    init_random: bool = False,
    *,
    cnn: torch.nn.Module | None = None,
    max_iter: int = 200,
    initial_lr: float = 3.0,
    decayed_lr: float = 0.1,
    decay_lr_at: int = 180,
    clamp_until: int = 190,
    seed: int = 0,
    show_every: int | None = None,
):
    """The 2020 notebook's style transfer: Adam on the pixels of one image.

    The content target is layer ``content_layer`` of the content image, the style targets the
    Gram matrices of the style image at ``style_layers``. The image starts as the content
    image (or uniform noise in [0, 1) with ``init_random``, seeded by ``seed``). Each
    iteration ``t``: clamp the image to [-1.5, 1.5] while ``t < clamp_until``, compute
    ``content + style + tv`` loss and its gradient, and take one Adam step with learning rate
    ``initial_lr``; at ``t == decay_lr_at`` a fresh Adam with ``decayed_lr`` takes over (as the
    official loop, which re-creates the optimizer).

    Args:
        content_image, style_image: image paths or names (or PIL images / uint8 arrays).
        image_size: shorter side of the content (and generated) image.
        style_size: shorter side of the style image.
        content_layer, content_weight: layer index and weight w_c of the content loss.
        style_layers, style_weights: layer indices and weights w_l of the style loss.
        tv_weight: w_t of the total-variation loss.
        init_random: start from noise instead of the content image.
        cnn: feature extractor (default :func:`default_cnn`).
        max_iter: number of Adam steps (200 in the course).
        show_every: if given, show the image with matplotlib every that many iterations
            and at the end (the notebook's behaviour); by default nothing is plotted.

    Returns:
        ``(img, history)``: the final ``(1, 3, H, W)`` image tensor (detached) and a dict of
        ``(max_iter,)`` numpy arrays ``"content"``, ``"style"``, ``"tv"``, ``"total"`` (the
        losses evaluated at iteration t, before its step) and ``"lr"`` (the learning rate of
        the optimizer that took step t), plus ``"seconds"`` (float, the wall time of the loop).
    """
    fn = "style_transfer"
    if cnn is not None and not isinstance(cnn, torch.nn.Module):
        raise TypeError(f"style_transfer: cnn must be a torch.nn.Module, got {type(cnn).__name__}")
    max_iter = check_int(fn, "max_iter", max_iter, 1)
    for name, lr in (("initial_lr", initial_lr), ("decayed_lr", decayed_lr)):
        check_number(fn, name, lr, low=0, low_open=True)
    check_int(fn, "decay_lr_at", decay_lr_at, 0)
    check_int(fn, "clamp_until", clamp_until, 0)
    check_int(fn, "seed", seed, 0)
    if show_every is not None:
        check_int(fn, "show_every", show_every, 0)  # 0 or None: never
    if not isinstance(init_random, bool):
        raise TypeError(f"style_transfer: init_random must be a bool, got {init_random!r}")
    _weight(fn, "content_weight", content_weight)
    _weight(fn, "tv_weight", tv_weight)
    cnn = default_cnn() if cnn is None else cnn
    num_layers = len(list(cnn.children()))
    check_int(fn, "content_layer", content_layer, 0)
    if content_layer >= num_layers:
        raise ValueError(
            f"style_transfer: content_layer must be a layer index in [0, {num_layers}), "
            f"got {content_layer}"
        )
    check_layer_weights(fn, num_layers, style_layers, style_weights)
    content_img = preprocess(content_image, size=image_size)
    with torch.no_grad():
        content_target = extract_features(content_img, cnn)[content_layer].clone()
        style_img = preprocess(style_image, size=style_size)
        style_feats = extract_features(style_img, cnn)
        style_targets = [gram_matrix(style_feats[i].clone()) for i in style_layers]

    if init_random:
        gen = torch.Generator().manual_seed(seed)
        img = torch.rand(content_img.shape, generator=gen, dtype=content_img.dtype)
    else:
        img = content_img.clone()
    img.requires_grad_()
    optimizer = torch.optim.Adam([img], lr=initial_lr)

    names = ("content", "style", "tv", "total", "lr")
    history: dict = {k: np.zeros(max_iter) for k in names}
    start = time.perf_counter()
    for t in range(max_iter):
        if t < clamp_until:
            img.data.clamp_(-1.5, 1.5)
        optimizer.zero_grad()
        feats = extract_features(img, cnn)
        c_loss = content_loss(content_weight, feats[content_layer], content_target)
        s_loss = style_loss(feats, style_layers, style_targets, style_weights)
        t_loss = tv_loss(img, tv_weight)
        loss = c_loss + s_loss + t_loss
        loss.backward()
        if t == decay_lr_at:
            optimizer = torch.optim.Adam([img], lr=decayed_lr)
        optimizer.step()
        for k, v in zip(names, (c_loss, s_loss, t_loss, loss)):
            history[k][t] = float(v.detach())
        history["lr"][t] = optimizer.param_groups[0]["lr"]  # read back from the optimizer
        if show_every and t % show_every == 0:
            _show(img, f"Iteration {t}")
    history["seconds"] = time.perf_counter() - start
    if show_every:
        _show(img, f"Iteration {max_iter - 1} (final)")
    return img.detach(), history


def _show(img: torch.Tensor, title: str) -> None:
    import matplotlib.pyplot as plt

    plt.figure()
    plt.axis("off")
    plt.title(title)
    plt.imshow(deprocess(img.data))
    plt.show()
