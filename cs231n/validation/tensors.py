"""Checks of framework tensors (PyTorch, TensorFlow) without copying them to numpy.

The assignment-3 modules take ``torch.Tensor`` / ``tf.Tensor`` arguments. These checks read
only ``.shape`` and ``.dtype`` (and, for :func:`check_tensor_finite`, one reduction in the
tensor's own framework), so a check costs nothing next to the model that follows. Shapes are
patterns as in :mod:`cs231n.validation.arrays` (``None`` matches any size); a symbolic
dimension of a traced TensorFlow function (``None``) matches anything. Messages:
``<fn>: <name> must ..., got ...``.
"""

from __future__ import annotations

import numbers

import numpy as np

from cs231n.validation.arrays import shape_text

__all__ = [
    "check_class_bound",
    "check_class_index",
    "check_layer_weights",
    "check_scores",
    "check_tensor",
    "check_tensor_finite",
    "tensor_shape",
]


def tensor_shape(t) -> tuple:
    """``t.shape`` as a tuple of ints (``None`` for an unknown TensorFlow dimension)."""
    return tuple(None if s is None else int(s) for s in t.shape)


def _framework(t) -> str:
    module = type(t).__module__
    if module.startswith("torch"):
        return "torch"
    if module.startswith(("tensorflow", "keras")):
        return "tf"
    return "numpy"


def _dtype_kind(t) -> str:
    """``'f'`` floating, ``'n'`` other numeric (int, uint, bool), ``'x'`` anything else."""
    dtype, fw = t.dtype, _framework(t)
    if fw == "torch":
        if dtype.is_floating_point:
            return "f"
        return "x" if dtype.is_complex else "n"
    if fw == "tf":
        import tensorflow as tf

        dtype = tf.as_dtype(dtype)  # a Keras variable's dtype is a string
        if dtype.is_floating:
            return "f"
        return "n" if (dtype.is_integer or dtype.is_bool) else "x"
    kind = np.dtype(dtype).kind
    return "f" if kind == "f" else ("n" if kind in "biu" else "x")


def check_tensor(
    fn: str,
    name: str,
    t,
    *,
    types: tuple = (),
    what: str = "a tensor",
    shape: tuple | None = None,
    ndim: int | None = None,
    floating: bool = False,
    nonempty: bool = False,
):
    """``t`` unchanged if it is one of ``types`` with a numeric dtype and the given shape.

    Parameters
    ----------
    fn, name : str
        The calling function and the argument, named in every message.
    t : tensor
        A ``torch.Tensor``, ``tf.Tensor`` / ``tf.Variable`` or ndarray (anything with
        ``.shape`` and ``.dtype`` when ``types`` is empty).
    types : tuple of type
        The accepted types (``TypeError`` for anything else, ``what`` naming them).
    shape : tuple of int or None, optional
        The exact shape pattern; ``None`` entries match any size.
    ndim : int, optional
        The exact number of dimensions.
    floating : bool
        Require a floating dtype (float16/32/64, bfloat16).
    nonempty : bool
        Reject a tensor with no entries (an empty batch).
    """
    if t is None or (types and not isinstance(t, types)):
        raise TypeError(f"{fn}: {name} must be {what}, got {type(t).__name__}")
    if not (hasattr(t, "shape") and hasattr(t, "dtype")):
        raise TypeError(f"{fn}: {name} must be {what}, got {type(t).__name__}")
    kind = _dtype_kind(t)
    if kind == "x" or (floating and kind != "f"):
        expected = "a floating" if floating else "a numeric"
        raise TypeError(f"{fn}: {name} must have {expected} dtype, got {t.dtype}")
    got = tensor_shape(t)
    if shape is not None and not (
        len(shape) == len(got) and all(s is None or g is None or s == g for s, g in zip(shape, got))
    ):
        raise ValueError(f"{fn}: {name} must have shape {shape_text(tuple(shape))}, got {got}")
    if ndim is not None and len(got) != ndim:
        raise ValueError(f"{fn}: {name} must have {ndim} dimensions, got shape {got}")
    if nonempty and any(g == 0 for g in got):
        raise ValueError(f"{fn}: {name} must not be empty, got shape {got}")
    return t


def check_tensor_finite(fn: str, name: str, t):
    """``t`` unchanged if every entry is finite, else ``ValueError`` with the count of NaN and
    infinite entries. One reduction in ``t``'s framework; a symbolic TensorFlow tensor (inside
    a traced ``tf.function``) cannot be looked at and passes."""
    if _dtype_kind(t) != "f":
        return t
    fw = _framework(t)
    if fw == "torch":
        import torch

        if bool(torch.isfinite(t).all()):
            return t
        n_nan, n_inf = int(torch.isnan(t).sum()), int(torch.isinf(t).sum())
    elif fw == "tf":
        import tensorflow as tf

        if not tf.executing_eagerly() or not hasattr(t, "numpy"):
            return t
        if bool(tf.reduce_all(tf.math.is_finite(t))):
            return t
        n_nan = int(tf.reduce_sum(tf.cast(tf.math.is_nan(t), tf.int64)))
        n_inf = int(tf.reduce_sum(tf.cast(tf.math.is_inf(t), tf.int64)))
    else:
        a = np.asarray(t)
        if np.isfinite(a).all():
            return t
        n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
    size = int(np.prod(tensor_shape(t)))
    raise ValueError(
        f"{fn}: {name} must be finite, got {n_nan} NaN and {n_inf} infinite of {size} entries"
    )


def check_scores(fn: str, name: str, t, *, types: tuple = (), what: str = "a tensor"):
    """``t`` unchanged if it is a non-empty finite float ``(N,)`` or ``(N, 1)`` tensor of
    per-sample scores (a discriminator's logits, as the course's losses take them)."""
    check_tensor(fn, name, t, types=types, what=what, floating=True)
    got = tensor_shape(t)
    if not (len(got) == 1 or (len(got) == 2 and got[1] in (1, None))) or got[0] == 0:
        raise ValueError(f"{fn}: {name} must have shape (N,) or (N, 1) with N >= 1, got {got}")
    return check_tensor_finite(fn, name, t)


def check_layer_weights(
    fn: str, num_layers: int, style_layers, style_weights, n_targets: int | None = None
) -> None:
    """Style-transfer layers: ``style_layers`` a sequence of integer indices in
    ``[0, num_layers)``, ``style_weights`` as many finite numbers >= 0 (and, when
    ``n_targets`` is given, that many ``style_targets``)."""
    from cs231n.validation.values import check_number

    for name, seq in (("style_layers", style_layers), ("style_weights", style_weights)):
        if isinstance(seq, str) or not hasattr(seq, "__len__"):
            raise TypeError(f"{fn}: {name} must be a sequence, got {type(seq).__name__}")
    if n_targets is None:
        if len(style_layers) != len(style_weights):
            raise ValueError(
                f"{fn}: style_layers and style_weights must have the same length, got "
                f"{len(style_layers)} and {len(style_weights)}"
            )
    elif not len(style_layers) == n_targets == len(style_weights):
        raise ValueError(
            f"{fn}: style_layers, style_targets and style_weights must have the same length, "
            f"got {len(style_layers)}, {n_targets} and {len(style_weights)}"
        )
    for i, layer in enumerate(style_layers):
        if isinstance(layer, bool) or not isinstance(layer, numbers.Integral):
            raise TypeError(f"{fn}: style_layers[{i}] must be an integer, got {layer!r}")
        if not 0 <= layer < num_layers:
            raise ValueError(
                f"{fn}: style_layers[{i}] must be a layer index in [0, {num_layers}), got {layer}"
            )
    for i, w in enumerate(style_weights):
        check_number(fn, f"style_weights[{i}]", w, low=0)


def check_class_index(fn: str, name: str, value) -> int:
    """A class index: an integer >= 0 (a 0-d integer tensor or array too: PyTorch, TensorFlow
    or numpy). Returns it as an ``int``."""
    from cs231n.kernels.geometry import check_int

    if getattr(value, "ndim", None) == 0 and hasattr(value, "numpy"):
        value = value.numpy()
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()
    return check_int(fn, name, value, 0)


def check_class_bound(fn: str, name: str, value: int, num_classes: int) -> None:
    """The upper bound of a class index, known once the model's scores ``(N, K)`` are there."""
    if value >= num_classes:
        raise ValueError(f"{fn}: {name} must be in [0, {num_classes}), got {value}")
