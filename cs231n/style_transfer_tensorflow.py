"""Style transfer in TensorFlow (NHWC): the losses, features, the legacy TF image loader, the loop.

The course's 2020 functions with their official names and signatures (``content_loss``,
``gram_matrix``, ``style_loss``, ``tv_loss``, ``extract_features``, ``rel_error``), plus
:func:`load_image` (the correct resize by default; ``legacy=True`` reproduces the official TF
loader, see below), :func:`features_from_img` and the notebook's loop :func:`style_transfer`,
which returns the final image and its loss curves instead of plotting.

Layer indices differ from PyTorch by one: the Keras SqueezeNet fuses conv1 and its ReLU into
one layer, so PyTorch's feature ``i`` (``i >= 1``) is TensorFlow's feature ``i - 1`` (content
layer 2, style layers 0, 3, 5, 6 in the course's TF notebook).

**The official TF image loader.** It computed the new ``(H, W)`` and passed it to PIL's
``resize``, which takes ``(width, height)``: the image came out transposed in shape (a
768x1024 photo resized to 192 became 256 high and 192 wide, squeezed) and, with the Pillow of
the time, resampled with NEAREST (Pillow's default before 7.0). The official TF check value
``tv_out`` = 1704.19 was computed on that image. ``load_image(..., legacy=True)`` does exactly
this; the default is the correct bilinear resize of :func:`cs231n.image_utils.load_image`,
on which ``tv_out`` is 303.47 as in PyTorch. Derivations: ``notes/style_transfer.md``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from cs231n import image_utils
from cs231n.kernels.geometry import check_int
from cs231n.validation import check_array, check_number
from cs231n.validation.tensors import check_layer_weights, check_tensor, check_tensor_finite

__all__ = [
    "content_loss",
    "default_model",
    "extract_features",
    "features_from_img",
    "gram_matrix",
    "load_image",
    "official_check_values",
    "rel_error",
    "style_loss",
    "style_transfer",
    "tv_loss",
]


# --------------------------------------------------------------------------- the losses


def _tensor(fn: str, name: str, x, **kwargs):
    """A tensor, variable or ndarray checked as it is (a list of numbers as an ndarray)."""
    if x is not None and not (hasattr(x, "shape") and hasattr(x, "dtype")):
        x = check_array(fn, name, x)
    return check_tensor(fn, name, x, what="a tensor or array", **kwargs)


def _weight(fn: str, name: str, w) -> None:
    """A loss weight: a finite number >= 0 (a Python/NumPy scalar or a 0-d tensor)."""
    check_number(fn, name, w, low=0)


def content_loss(content_weight: float, content_current, content_original) -> tf.Tensor:
    """Content loss ``w_c * sum((F - P)**2)`` between two feature maps of one layer.

    Args:
        content_weight: w_c, a scalar.
        content_current: F, ``(1, H_l, W_l, C_l)`` features of the current image.
        content_original: P, ``(1, H_l, W_l, C_l)`` features of the content image.

    Returns:
        ``()`` scalar tensor.

    Raises:
        TypeError / ValueError: a weight that is not a finite number >= 0, features that are
            not 4-D float tensors of one shape, or NaN/inf features.
    """
    fn = "content_loss"
    _weight(fn, "content_weight", content_weight)
    content_current = _tensor(fn, "content_current", content_current, ndim=4, floating=True)
    content_original = _tensor(fn, "content_original", content_original, ndim=4, floating=True)
    if tuple(content_current.shape) != tuple(content_original.shape):
        raise ValueError(
            "content_loss: content_current and content_original must have the same shape, "
            f"got {tuple(content_current.shape)} and {tuple(content_original.shape)}"
        )
    check_tensor_finite(fn, "content_current", content_current)
    check_tensor_finite(fn, "content_original", content_original)
    return content_weight * tf.reduce_sum(tf.square(content_current - content_original))


def gram_matrix(features, normalize: bool = True) -> tf.Tensor:
    """Gram matrix ``G = F^T F`` of one image's features flattened over space.

    Args:
        features: ``(1, H, W, C)`` features of a single image.
        normalize: divide by the number of neurons ``H * W * C`` (as the course does).

    Returns:
        ``(C, C)`` tensor, ``G[i, j] = sum_k F[k, i] F[k, j]`` over the ``H*W`` positions k.
    """
    features = _tensor("gram_matrix", "features", features, floating=True)
    shape = tuple(features.shape)
    if len(shape) != 4 or shape[0] != 1:
        raise ValueError(f"gram_matrix: features must be (1, H, W, C), got shape {shape}")
    if not isinstance(normalize, bool):
        raise TypeError(f"gram_matrix: normalize must be a bool, got {normalize!r}")
    _, H, W, C = shape
    F = tf.reshape(features, (H * W, C))  # (M, C), one row per position
    gram = tf.matmul(F, F, transpose_a=True)  # (C, C)
    if normalize:
        gram = gram / tf.cast(H * W * C, gram.dtype)
    return gram


def style_loss(
    feats: Sequence, style_layers: Sequence[int], style_targets: Sequence, style_weights
) -> tf.Tensor:
    """Style loss ``sum_l w_l * sum((G_l - A_l)**2)`` over a set of layers.

    Args:
        feats: the features of the current image at every layer, as from
            :func:`extract_features` (``feats[i]`` is ``(1, H_i, W_i, C_i)``).
        style_layers: L layer indices into ``feats``.
        style_targets: L Gram matrices ``(C_l, C_l)`` of the style image.
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
        C = f.shape[3]
        _tensor(fn, f"style_targets[{k}]", target, shape=(C, C), floating=True)
        check_tensor_finite(fn, f"style_targets[{k}]", target)
    loss = tf.zeros((), dtype=feats[0].dtype)
    for layer, target, weight in zip(style_layers, style_targets, style_weights):
        loss += weight * tf.reduce_sum(tf.square(gram_matrix(feats[layer]) - target))
    return loss


def tv_loss(img, tv_weight: float) -> tf.Tensor:
    """Total-variation loss: ``w_t`` times the summed squared differences of neighbours.

    ``w_t * (sum (x[:, i+1, j, :] - x[:, i, j, :])**2 + sum (x[:, i, j+1, :] - x[:, i, j, :])**2)``;
    no Python loops.

    Args:
        img: ``(1, H, W, 3)`` image (any N works: every image is summed).
        tv_weight: w_t, a scalar.

    Returns:
        ``()`` scalar tensor.
    """
    img = _tensor("tv_loss", "img", img, floating=True, nonempty=True)
    if len(img.shape) != 4:
        raise ValueError(f"tv_loss: img must be (N, H, W, 3), got shape {tuple(img.shape)}")
    _weight("tv_loss", "tv_weight", tv_weight)
    check_tensor_finite("tv_loss", "img", img)
    down = img[:, 1:, :, :] - img[:, :-1, :, :]  # (N, H-1, W, 3) vertical neighbours
    right = img[:, :, 1:, :] - img[:, :, :-1, :]  # (N, H, W-1, 3) horizontal neighbours
    return tv_weight * (tf.reduce_sum(tf.square(down)) + tf.reduce_sum(tf.square(right)))


def rel_error(x, y) -> float:
    """Official relative error ``max |x - y| / max(1e-8, |x| + |y|)`` (arrays or tensors)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


# --------------------------------------------------------------------------- features


def extract_features(x, cnn) -> list:
    """Features of ``x`` at every layer of ``cnn.net`` but the last two, as the course's.

    Args:
        x: ``(N, H, W, 3)`` preprocessed images (array, tensor or variable).
        cnn: a model with a Keras ``Sequential`` ``.net`` whose last two layers are the
            classifier conv and the average pool (the course's ``SqueezeNet``).

    Returns:
        list with one ``(N, H_i, W_i, C_i)`` tensor per layer (12 for SqueezeNet).
    """
    net = getattr(cnn, "net", None)
    if net is None:
        raise ValueError(
            f"extract_features: cnn must have a Keras Sequential .net, got {type(cnn).__name__}"
        )
    x = _tensor("extract_features", "x", x, ndim=4, floating=True)
    features = []
    prev = x
    for layer in net.layers[:-2]:
        prev = layer(prev)
        features.append(prev)
    return features


_DEFAULT_MODEL = None


def default_model():
    """The pretrained Keras SqueezeNet of
    :func:`cs231n.classifiers.squeezenet.pretrained_squeezenet_tf` (frozen), loaded once.

    Returns:
        ``(model, source)``: the model and the sentence naming its weights.
    """
    global _DEFAULT_MODEL
    if _DEFAULT_MODEL is None:
        from cs231n.classifiers.squeezenet import pretrained_squeezenet_tf

        model, source = pretrained_squeezenet_tf()
        model.trainable = False
        _DEFAULT_MODEL = (model, source)
    return _DEFAULT_MODEL


# --------------------------------------------------------------------------- images


def load_image(filename, size: int | None = None, *, legacy: bool = False) -> np.ndarray:
    """Load an image as ``(H, W, 3)`` uint8, optionally resized so the shorter side is ``size``.

    Args:
        filename: a path or a name :func:`cs231n.image_utils.resolve_image_path` finds.
        size: the shorter side in pixels (None: no resize).
        legacy: False (default): :func:`cs231n.image_utils.load_image`, bilinear, the aspect
            ratio kept. True: the official 2020 TF loader's behaviour on which the official
            TF checks were computed: the new ``(H', W') = floor((H, W) * size / min(H, W))``
            is passed to PIL as ``(width, height)``, so the result is ``(W', H', 3)``
            (transposed in shape, the picture squeezed), resampled with NEAREST.

    Returns:
        ``(H', W', 3)`` uint8 (``(W', H', 3)`` with ``legacy``).
    """
    if not legacy or size is None:
        return image_utils.load_image(filename, size)
    from PIL import Image

    check_int("load_image", "size", size, 1)
    img = image_utils.load_image(filename)
    orig_shape = np.array(img.shape[:2])  # (H, W)
    new_shape = (orig_shape * (float(size) / orig_shape.min())).astype(int)  # (H', W')
    # the official bug, kept on purpose: PIL reads (H', W') as (width, height)
    return np.array(Image.fromarray(img).resize(tuple(new_shape), Image.NEAREST))


def features_from_img(imgpath, imgsize, model=None, *, legacy: bool = False):
    """Load, preprocess and extract the features of one image.

    Args:
        imgpath: an image path or name.
        imgsize: the shorter side in pixels.
        model: the course's SqueezeNet (default :func:`default_model`).
        legacy: the official TF loader's resize (see :func:`load_image`).

    Returns:
        ``(features, img)``: the list of :func:`extract_features` and the ``(1, H, W, 3)``
        float32 preprocessed image.
    """
    model = default_model()[0] if model is None else model
    img = image_utils.preprocess_image(load_image(imgpath, size=imgsize, legacy=legacy))[None]
    return extract_features(img, model), img


#: The course's check setting (``style-transfer-checks-tf.npz``): tubingen / starry_night at 192 px.
CHECK_CONTENT, CHECK_STYLE, CHECK_SIZE = "styles/tubingen.jpg", "styles/starry_night.jpg", 192


def official_check_values(model=None, *, legacy: bool = False) -> dict[str, np.ndarray]:
    """The four values of ``style-transfer-checks-tf.npz``, computed as the official test cells.

    * ``cl_out``: content loss (w_c = 6e-2, layer 2) between the features of tubingen and of
      an all-zero image of the same shape;
    * ``gm_out``: the normalized Gram matrix of starry_night's layer-4 features, ``(128, 128)``;
    * ``sl_out``: style loss of tubingen's features against starry_night's Gram matrices at
      layers 0, 3, 5, 6 with weights 300000, 1000, 15, 3;
    * ``tv_out``: TV loss (w_t = 2e-2) of the preprocessed tubingen.

    All images at 192 px. The file's values were computed on images loaded by the official
    TF loader: pass ``legacy=True`` to reproduce them (``tv_out`` needs no network; the other
    three also need the course's own TF checkpoint).

    Args:
        model: the course's SqueezeNet (default :func:`default_model`).
        legacy: the official TF loader's resize (see :func:`load_image`).

    Returns:
        dict name -> float32 numpy array (``()`` scalars, ``gm_out`` ``(128, 128)``).
    """
    model = default_model()[0] if model is None else model
    c_feats, content_img = features_from_img(CHECK_CONTENT, CHECK_SIZE, model, legacy=legacy)
    zero_feats = extract_features(tf.zeros(content_img.shape), model)
    s_feats, _ = features_from_img(CHECK_STYLE, CHECK_SIZE, model, legacy=legacy)
    layers, weights = [0, 3, 5, 6], [300000, 1000, 15, 3]
    targets = [gram_matrix(s_feats[i]) for i in layers]
    out = {
        "cl_out": content_loss(6e-2, c_feats[2], zero_feats[2]),
        "gm_out": gram_matrix(s_feats[4]),
        "sl_out": style_loss(c_feats, layers, targets, weights),
        "tv_out": tv_loss(content_img, 2e-2),
    }
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}


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
    model=None,
    max_iter: int = 200,
    initial_lr: float = 3.0,
    decayed_lr: float = 0.1,
    decay_lr_at: int = 180,
    seed: int = 0,
    legacy: bool = False,
    show_every: int | None = None,
):
    """The 2020 TF notebook's style transfer, with the learning-rate decay it meant to have.

    As the official loop: the content target is layer ``content_layer`` of the content image,
    the style targets the Gram matrices of the style image at ``style_layers``; the image
    starts as the content image (or uniform noise in [0, 1) with ``init_random``, seeded by
    ``seed``); each iteration takes one Adam step on ``content + style + tv`` loss and then
    clips the image to [-1.5, 1.5]. The official TF loop built its learning rate once from a
    schedule evaluated at step 0, so it ran at ``initial_lr`` throughout; here, as in the
    PyTorch loop, a fresh Adam with ``decayed_lr`` takes over at ``t == decay_lr_at``.

    Args:
        content_image, style_image: image paths or names.
        image_size, style_size: shorter sides of the content and style images.
        content_layer, content_weight: layer index and weight w_c of the content loss.
        style_layers, style_weights: layer indices and weights w_l of the style loss.
        tv_weight: w_t of the total-variation loss.
        init_random: start from noise instead of the content image.
        model: the course's SqueezeNet (default :func:`default_model`).
        max_iter: number of Adam steps (200 in the course).
        legacy: load the images with the official TF loader's resize (:func:`load_image`).
        show_every: if given, show the image every that many iterations and at the end.

    Returns:
        ``(img, history)``: the final ``(1, H, W, 3)`` float32 numpy image and a dict of
        ``(max_iter,)`` numpy arrays ``"content"``, ``"style"``, ``"tv"``, ``"total"`` (the
        losses at iteration t, before its step) and ``"lr"`` (the learning rate the optimizer
        used for step t, read back from it), plus ``"seconds"`` (float).
    """
    fn = "style_transfer"
    max_iter = check_int(fn, "max_iter", max_iter, 1)
    for name, lr in (("initial_lr", initial_lr), ("decayed_lr", decayed_lr)):
        check_number(fn, name, lr, low=0, low_open=True)
    check_int(fn, "decay_lr_at", decay_lr_at, 0)
    check_int(fn, "seed", seed, 0)
    if show_every is not None:
        check_int(fn, "show_every", show_every, 0)  # 0 or None: never
    for name, flag in (("init_random", init_random), ("legacy", legacy)):
        if not isinstance(flag, bool):
            raise TypeError(f"style_transfer: {name} must be a bool, got {flag!r}")
    for name, size in (("image_size", image_size), ("style_size", style_size)):
        check_int(fn, name, size, 1)
    _weight(fn, "content_weight", content_weight)
    _weight(fn, "tv_weight", tv_weight)
    model = default_model()[0] if model is None else model
    if getattr(model, "net", None) is None:
        raise TypeError(
            f"style_transfer: model must have a Keras Sequential .net, got {type(model).__name__}"
        )
    num_layers = len(model.net.layers) - 2  # the features extract_features gives
    check_int(fn, "content_layer", content_layer, 0)
    if content_layer >= num_layers:
        raise ValueError(
            f"style_transfer: content_layer must be a layer index in [0, {num_layers}), "
            f"got {content_layer}"
        )
    check_layer_weights(fn, num_layers, style_layers, style_weights)
    content_feats, content_img = features_from_img(content_image, image_size, model, legacy=legacy)
    content_target = content_feats[content_layer]
    style_feats, _ = features_from_img(style_image, style_size, model, legacy=legacy)
    style_targets = [gram_matrix(style_feats[i]) for i in style_layers]

    if init_random:
        rng = np.random.default_rng(seed)
        img_var = tf.Variable(rng.random(content_img.shape, dtype=np.float32))
    else:
        img_var = tf.Variable(content_img)
    optimizer = tf.keras.optimizers.Adam(learning_rate=initial_lr)

    names = ("content", "style", "tv", "total", "lr")
    history: dict = {k: np.zeros(max_iter) for k in names}
    start = time.perf_counter()
    for t in range(max_iter):
        with tf.GradientTape() as tape:
            feats = extract_features(img_var, model)
            c_loss = content_loss(content_weight, feats[content_layer], content_target)
            s_loss = style_loss(feats, style_layers, style_targets, style_weights)
            t_loss = tv_loss(img_var, tv_weight)
            loss = c_loss + s_loss + t_loss
        grad = tape.gradient(loss, img_var)
        if t == decay_lr_at:
            optimizer = tf.keras.optimizers.Adam(learning_rate=decayed_lr)
        optimizer.apply_gradients([(grad, img_var)])
        img_var.assign(tf.clip_by_value(img_var, -1.5, 1.5))
        for k, v in zip(names, (c_loss, s_loss, t_loss, loss)):
            history[k][t] = float(v)
        history["lr"][t] = float(np.asarray(optimizer.learning_rate))
        if show_every and t % show_every == 0:
            _show(img_var.numpy(), f"Iteration {t}")
    history["seconds"] = time.perf_counter() - start
    if show_every:
        _show(img_var.numpy(), f"Iteration {max_iter - 1} (final)")
    return img_var.numpy(), history


def _show(img: np.ndarray, title: str) -> None:
    import matplotlib.pyplot as plt

    plt.figure()
    plt.axis("off")
    plt.title(title)
    plt.imshow(image_utils.deprocess_image(img[0], rescale=True))
    plt.show()
