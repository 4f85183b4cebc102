"""The course's TensorFlow SqueezeNet 1.1 (Keras ``Fire``, ``SqueezeNet``) and its ImageNet weights.

The classes are the official 2020 TF2 ones: ``model.net`` is a ``Sequential`` of
conv1, max pool, Fire x2, max pool, Fire x2, max pool, Fire x4, the 1x1 classifier conv
and a 13x13 average pool, all channels-last; ``model(x: (N, 224, 224, 3)) -> (N, 1000)``.
The input is RGB normalised by :func:`cs231n.image_utils.preprocess_image`.

Keras 3 forbids ``/`` in layer names, so every official name has ``/`` replaced by ``_``:

=========================  ===========================
official 2020 name         name here
=========================  ===========================
``features/layer0``        ``features_layer0``
``features/layer2``        ``features_layer2`` (pool)
``features/layer3/fire``   ``features_layer3_fire``
...                        ...
``classifier/layer1``      ``classifier_layer1``
``classifier/layer3``      ``classifier_layer3``
=========================  ===========================

Inside a Fire the convs keep their official names ``squeeze``, ``e11``, ``e33`` (attributes
``squeeze``, ``expand1x1``, ``expand3x3``). The official pools have no ``ceil_mode``; at
224 px the feature maps are those of PyTorch's ceil-mode pools (111 -> 55 -> 27 -> 13).

:func:`pretrained_squeezenet_tf` loads the course's checkpoint when it is in the data
folder, else the weights :mod:`cs231n.data.squeezenet_weights` builds from DeepScale's
Core ML copy.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

__all__ = ["Fire", "SqueezeNet"]

NUM_CLASSES = 1000

#: Official ``features/layerI`` index of each Fire, in order (the torchvision
#: ``features.I`` index is the same number).
FIRE_INDICES = (3, 4, 6, 7, 9, 10, 11, 12)


class Fire(tf.keras.Model):
    """The Fire module, channels-last.

    Args:
        inplanes: input channels C (kept as an attribute, as in the official code).
        squeeze_planes, expand1x1_planes, expand3x3_planes: S, E1, E3.
        name: the official prefix (``'features/layer3'`` or ``'features_layer3'``); the
            module is named ``<prefix>_fire`` with ``/`` replaced by ``_``.

    ``call(x: (N, H, W, C)) -> (N, H, W, E1 + E3)``; each conv has a ReLU.
    """

    def __init__(
        self,
        inplanes: int,
        squeeze_planes: int,
        expand1x1_planes: int,
        expand3x3_planes: int,
        name: str | None = None,
    ) -> None:
        super().__init__(name=None if name is None else f"{name}/fire".replace("/", "_"))
        self.inplanes = inplanes
        conv = tf.keras.layers.Conv2D
        self.squeeze = conv(squeeze_planes, 1, padding="valid", activation="relu", name="squeeze")
        self.expand1x1 = conv(expand1x1_planes, 1, padding="valid", activation="relu", name="e11")
        self.expand3x3 = conv(expand3x3_planes, 3, padding="same", activation="relu", name="e33")

    def call(self, x):
        x = self.squeeze(x)  # (N, H, W, S)
        return tf.concat([self.expand1x1(x), self.expand3x3(x)], axis=3)  # (N, H, W, E1+E3)


class SqueezeNet(tf.keras.Model):
    """SqueezeNet 1.1, the official 2020 Keras model.

    Args:
        num_classes: K.

    ``call(x: (N, 224, 224, 3) float32) -> (N, K)``. The weights exist right after
    construction (the net is built for any ``(H, W)``; the final 13x13 average pool
    needs 224 px input, the feature layers in ``model.net.layers`` take any size).
    """

    def __init__(self, num_classes: int = NUM_CLASSES) -> None:
        super().__init__()
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"SqueezeNet: num_classes must be a positive int, got {num_classes!r}")
        self.num_classes = num_classes
        L = tf.keras.layers
        self.net = tf.keras.models.Sequential(
            [
                L.Conv2D(
                    64, 3, strides=2, padding="valid", activation="relu", name="features_layer0"
                ),
                L.MaxPool2D(pool_size=3, strides=2, name="features_layer2"),
                Fire(64, 16, 64, 64, name="features_layer3"),
                Fire(128, 16, 64, 64, name="features_layer4"),
                L.MaxPool2D(pool_size=3, strides=2, name="features_layer5"),
                Fire(128, 32, 128, 128, name="features_layer6"),
                Fire(256, 32, 128, 128, name="features_layer7"),
                L.MaxPool2D(pool_size=3, strides=2, name="features_layer8"),
                Fire(256, 48, 192, 192, name="features_layer9"),
                Fire(384, 48, 192, 192, name="features_layer10"),
                Fire(384, 64, 256, 256, name="features_layer11"),
                Fire(512, 64, 256, 256, name="features_layer12"),
                L.Conv2D(
                    num_classes, 1, padding="valid", activation="relu", name="classifier_layer1"
                ),
                L.AveragePooling2D(
                    pool_size=13, strides=13, padding="valid", name="classifier_layer3"
                ),
            ]
        )
        # Create every weight now, as the official code (input_shape on conv1) did.
        self.net.build((None, None, None, 3))
        self.built = True

    def call(self, x):
        x = self.net(x)  # (N, 1, 1, K) at 224 px
        return tf.reshape(x, (-1, self.num_classes))  # (N, K)


# ------------------------------------------------------------------------- weights


def _conv_layers(model: SqueezeNet) -> dict[str, tf.keras.layers.Conv2D]:
    """torchvision key prefix -> the Keras conv holding those weights (26 convs)."""
    layers = model.net.layers
    fires = [m for m in layers if isinstance(m, Fire)]
    out = {"features.0": layers[0], "classifier.1": layers[-2]}
    for i, fire in zip(FIRE_INDICES, fires):
        out[f"features.{i}.squeeze"] = fire.squeeze
        out[f"features.{i}.expand1x1"] = fire.expand1x1
        out[f"features.{i}.expand3x3"] = fire.expand3x3
    return out


def load_torch_state(model: SqueezeNet, state: dict[str, np.ndarray]) -> None:
    """Copy a torchvision-keyed SqueezeNet 1.1 state into ``model`` (in place).

    Args:
        model: a :class:`SqueezeNet` with 1000 classes.
        state: torchvision key -> array; conv weights ``(F, C, KH, KW)`` are transposed to
            Keras' ``(KH, KW, C, F)``, biases ``(F,)`` copied.
    """
    for prefix, layer in _conv_layers(model).items():
        try:
            w, b = state[f"{prefix}.weight"], state[f"{prefix}.bias"]
        except KeyError as e:
            raise ValueError(f"load_torch_state: state has no {e.args[0]!r}") from None
        layer.set_weights(
            [np.asarray(w, np.float32).transpose(2, 3, 1, 0), np.asarray(b, np.float32)]
        )


def checkpoint_key(prefix: str, param: str) -> str:
    """The official checkpoint's variable name for torchvision key ``<prefix>.<param>``.

    The course wrote its checkpoint with ``model.save_weights`` (TF2 object-based format):
    ``net`` is the Sequential, whose layers with weights are numbered in order
    (``layer_with_weights-0`` conv1, ``-1`` .. ``-8`` the Fires, ``-9`` the classifier conv);
    a Fire's convs are its attributes ``squeeze``, ``expand1x1``, ``expand3x3``; a conv's
    variables are ``kernel`` and ``bias``. For example ``features.3.squeeze.weight`` ->
    ``net/layer_with_weights-1/squeeze/kernel/.ATTRIBUTES/VARIABLE_VALUE``.
    """
    var = {"weight": "kernel", "bias": "bias"}[param]
    if prefix == "features.0":
        path = "layer_with_weights-0"
    elif prefix == "classifier.1":
        path = f"layer_with_weights-{len(FIRE_INDICES) + 1}"
    else:
        _, idx, conv = prefix.split(".")
        path = f"layer_with_weights-{FIRE_INDICES.index(int(idx)) + 1}/{conv}"
    return f"net/{path}/{var}/.ATTRIBUTES/VARIABLE_VALUE"


def load_checkpoint_variables(model: SqueezeNet, variables: dict[str, np.ndarray]) -> None:
    """Copy the variables of the course's checkpoint (name -> array, Keras layout) into ``model``.

    Args:
        model: a :class:`SqueezeNet` with 1000 classes.
        variables: what :func:`cs231n.data_utils.load_squeezenet_tf_checkpoint` returns;
            kernels ``(KH, KW, C, F)``, biases ``(F,)``, names as :func:`checkpoint_key`.
    """
    for prefix, layer in _conv_layers(model).items():
        arrays = []
        for param in ("weight", "bias"):
            key = checkpoint_key(prefix, param)
            if key not in variables:
                raise ValueError(
                    f"load_checkpoint_variables: the checkpoint has no {key!r} "
                    f"(expected the official object-based names; got e.g. {sorted(variables)[:3]})"
                )
            a = np.asarray(variables[key], np.float32)
            want = tuple(v.shape for v in layer.weights)[len(arrays)]
            if a.shape != tuple(want):
                raise ValueError(
                    f"load_checkpoint_variables: {key} has shape {a.shape}, expected {tuple(want)}"
                )
            arrays.append(a)
        layer.set_weights(arrays)


def pretrained_squeezenet_tf() -> tuple[SqueezeNet, str]:
    """The course's SqueezeNet with ImageNet weights.

    Returns:
        ``(model, source)``: ``model(x: (N, 224, 224, 3)) -> (N, 1000)``; ``source`` one
        sentence naming the weights: the course's checkpoint ``squeezenet/squeezenet.ckpt``
        when it is in the data folder, else those of
        :func:`cs231n.data.squeezenet_weights.pretrained_weights` (torchvision's ``.pth``
        when present, else the ones built from DeepScale's Core ML copy), transposed to
        Keras layout: the same numbers the PyTorch model gets.
    """
    from cs231n.data.squeezenet_weights import official_tf_checkpoint, pretrained_weights

    model = SqueezeNet(NUM_CLASSES)
    ckpt = official_tf_checkpoint()
    if ckpt is not None:
        from cs231n.data_utils import load_squeezenet_tf_checkpoint

        load_checkpoint_variables(model, load_squeezenet_tf_checkpoint(ckpt))
        return model, f"the course's official TensorFlow checkpoint {ckpt}"
    weights = pretrained_weights()  # the same numbers the PyTorch model gets
    load_torch_state(model, weights.state)
    return model, weights.source
