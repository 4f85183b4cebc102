"""TensorFlow 2 on CIFAR-10, Parts I to IV of the 2020 ``TensorFlow.ipynb``.

* Part I, data: :class:`Dataset` (the official notebook's minibatch iterator,
  from :mod:`cs231n.frameworks.data`; batches are ``(N, H, W, C)`` numpy arrays,
  which TensorFlow takes as they are).
* Part II, barebones: :func:`flatten`, :func:`two_layer_fc`,
  :func:`three_layer_convnet`, :func:`create_matrix_with_kaiming_normal`,
  :func:`two_layer_fc_init`, :func:`three_layer_convnet_init`,
  :func:`training_step`, :func:`train_part2`, :func:`check_accuracy`.
* Part III, ``tf.keras.Model`` subclasses: :class:`TwoLayerFC`,
  :class:`ThreeLayerConvNet`, :func:`train_part34`.
* Part IV, sequential and functional APIs: :func:`sequential_two_layer_fc`,
  :func:`sequential_three_layer_convnet`, :func:`two_layer_fc_functional`.

The Part V model and its training loop are in :mod:`cs231n.frameworks.tf_models`.

One deliberate change from the official notebook: models return *scores*
(logits) and losses use ``from_logits=True``, as in the PyTorch notebook; a
softmax output layer followed by a log is less stable numerically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf

from cs231n.frameworks.data import Dataset  # noqa: F401  (re-exported: the notebook's Dataset)


def set_threads(n: int) -> bool:
    """Ask TensorFlow for ``n`` intra-op and inter-op threads.

    Only possible before TensorFlow runs its first operation; returns ``False``
    (and changes nothing) when it is too late.
    """
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
        return True
    except RuntimeError:
        return False


# ----------------------------------------------------------------------------- Part II


def flatten(x: tf.Tensor) -> tf.Tensor:
    """``(N, d1, ..., dk) -> (N, d1 * ... * dk)``; ``N`` may be unknown until run time."""
    return tf.reshape(x, (tf.shape(x)[0], -1))


def two_layer_fc(x, params: Sequence[tf.Variable]) -> tf.Tensor:
    """Fully connected net ``relu(flatten(x) @ w1) @ w2`` (no biases, as in the course).

    Args:
        x: ``(N, d1, ..., dk)`` inputs, ``D = d1 * ... * dk``.
        params: ``[w1 (D, H), w2 (H, C)]``.

    Returns:
        scores ``(N, C)``.
    """
    w1, w2 = params
    x = flatten(x)  # (N, D)
    if x.shape[1] is not None and x.shape[1] != w1.shape[0]:
        raise ValueError(
            f"two_layer_fc: flattened x has {x.shape[1]} features but w1 is {w1.shape}"
        )
    return tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2)


def three_layer_convnet(x, params: Sequence[tf.Variable]) -> tf.Tensor:
    """conv(5x5, 'SAME') - ReLU - conv(3x3, 'SAME') - ReLU - fully connected, channels-last.

    Args:
        x: ``(N, H, W, 3)`` images.
        params: ``[conv_w1 (KH1, KW1, 3, F1), conv_b1 (F1,), conv_w2 (KH2, KW2, F1, F2),
            conv_b2 (F2,), fc_w (H * W * F2, C), fc_b (C,)]``. Kernels are
            TensorFlow's ``(KH, KW, C_in, C_out)``; ``'SAME'`` padding with stride 1
            and odd kernels is the course's ``pad = (K - 1) // 2``.

    Returns:
        scores ``(N, C)``. Note the flattening order is ``(H, W, F2)``, not
        PyTorch's ``(F2, H, W)``: the same net in both frameworks needs ``fc_w``'s
        rows permuted (``tests/test_frameworks_agree.py`` does exactly that).
    """
    conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
    h = tf.nn.relu(tf.nn.conv2d(x, conv_w1, strides=1, padding="SAME") + conv_b1)  # (N, H, W, F1)
    h = tf.nn.relu(tf.nn.conv2d(h, conv_w2, strides=1, padding="SAME") + conv_b2)  # (N, H, W, F2)
    return tf.matmul(flatten(h), fc_w) + fc_b  # (N, H*W*F2) @ (H*W*F2, C)


def create_matrix_with_kaiming_normal(shape: Sequence[int], seed: int | None = None) -> tf.Tensor:
    """Kaiming-normal values ``N(0, 2 / fan_in)``.

    ``fan_in`` is ``shape[0]`` for a ``(D, M)`` matrix and ``KH * KW * C_in``
    for a ``(KH, KW, C_in, C_out)`` kernel.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) == 2:
        fan_in = shape[0]
    elif len(shape) == 4:
        fan_in = int(np.prod(shape[:3]))
    else:
        raise ValueError(
            f"create_matrix_with_kaiming_normal: shape must have 2 or 4 axes, got {shape}"
        )
    return tf.random.normal(shape, seed=seed) * np.sqrt(2.0 / fan_in)


def two_layer_fc_init(
    input_size: int = 3 * 32 * 32, hidden_size: int = 4000, num_classes: int = 10
):
    """``[w1 (D, H), w2 (H, C)]`` as Kaiming-initialized ``tf.Variable`` s."""
    return [
        tf.Variable(create_matrix_with_kaiming_normal((input_size, hidden_size))),
        tf.Variable(create_matrix_with_kaiming_normal((hidden_size, num_classes))),
    ]


def three_layer_convnet_init(
    channel_1: int = 32, channel_2: int = 16, num_classes: int = 10, image_size: int = 32
):
    """Variables for :func:`three_layer_convnet`: 5x5 and 3x3 kernels, zero biases."""
    return [
        tf.Variable(create_matrix_with_kaiming_normal((5, 5, 3, channel_1))),
        tf.Variable(tf.zeros((channel_1,))),
        tf.Variable(create_matrix_with_kaiming_normal((3, 3, channel_1, channel_2))),
        tf.Variable(tf.zeros((channel_2,))),
        tf.Variable(
            create_matrix_with_kaiming_normal((image_size * image_size * channel_2, num_classes))
        ),
        tf.Variable(tf.zeros((num_classes,))),
    ]


def training_step(model_fn: Callable, x, y, params: Sequence[tf.Variable], learning_rate: float):
    """One SGD step on the mean softmax cross-entropy; updates ``params`` in place.

    Returns:
        the loss before the step (a scalar tensor).
    """
    with tf.GradientTape() as tape:
        scores = model_fn(x, params)  # (N, C)
        loss = tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=scores)
        )
    grads = tape.gradient(loss, params)
    for w, dw in zip(params, grads):
        w.assign_sub(learning_rate * dw)  # w -= lr * dL/dw
    return loss


def check_accuracy(dset, model_fn: Callable, params, verbose: bool = True) -> float:
    """Accuracy of ``model_fn(x, params)`` (or of a Keras model when ``params`` is
    ``None``) over ``dset``; prints and returns it."""
    num_correct = num_samples = 0
    for x, y in dset:
        scores = model_fn(x, params) if params is not None else model_fn(x, training=False)
        num_correct += int(np.sum(np.argmax(scores, axis=1) == y))
        num_samples += len(y)
    acc = num_correct / num_samples
    if verbose:
        pct = 100 * acc
        print(
            f"Got {num_correct} / {num_samples} correct ({pct:.2f}%) on {getattr(dset, 'name', '')}"
        )
    return acc


def train_part2(
    model_fn: Callable,
    init_fn: Callable,
    learning_rate: float,
    *,
    train_dset,
    val_dset=None,
    print_every: int = 100,
    max_iters: int | None = None,
):
    """One epoch of manual SGD on the variables made by ``init_fn()``.

    Returns:
        ``(params, losses)``: the trained variables and every iteration's loss.
    """
    params = init_fn()
    losses = []
    for t, (x, y) in enumerate(train_dset):
        if max_iters is not None and t >= max_iters:
            break
        loss = float(training_step(model_fn, x, y, params, learning_rate))
        losses.append(loss)
        if print_every and t % print_every == 0:
            print(f"Iteration {t}, loss = {loss:.4f}")
            if val_dset is not None:
                check_accuracy(val_dset, model_fn, params)
    return params, losses


# ----------------------------------------------------------------------------- Part III


def _kaiming():
    return tf.keras.initializers.VarianceScaling(scale=2.0)


def _init_kwargs(init: str) -> dict:
    """Layer keyword arguments for Part IV's ``init`` choice, a fresh initializer per call.

    ``"default"``: Keras' own initializers (Glorot uniform weights, zero biases);
    ``"kaiming"``: He normal weights, ``VarianceScaling(scale=2.0)``, as in Parts II and III.
    """
    if init not in ("default", "kaiming"):
        raise ValueError(f"init must be 'default' or 'kaiming', got {init!r}")
    return {"kernel_initializer": _kaiming()} if init == "kaiming" else {}


class TwoLayerFC(tf.keras.Model):
    """``Flatten - Dense(H, relu) - Dense(C)``: ``(N, ...) -> scores (N, C)``."""

    def __init__(self, hidden_size: int, num_classes: int):
        super().__init__()
        self.flatten = tf.keras.layers.Flatten()
        self.fc1 = tf.keras.layers.Dense(
            hidden_size, activation="relu", kernel_initializer=_kaiming()
        )
        self.fc2 = tf.keras.layers.Dense(num_classes, kernel_initializer=_kaiming())

    def call(self, x, training=False):
        return self.fc2(self.fc1(self.flatten(x)))


class ThreeLayerConvNet(tf.keras.Model):
    """conv(5x5, ``channel_1``) - ReLU - conv(3x3, ``channel_2``) - ReLU - Dense(C), 'same' padding.

    Input ``(N, 32, 32, 3)``, output scores ``(N, num_classes)``.
    """

    def __init__(self, channel_1: int, channel_2: int, num_classes: int):
        super().__init__()
        Conv = tf.keras.layers.Conv2D
        self.conv1 = Conv(
            channel_1, 5, padding="same", activation="relu", kernel_initializer=_kaiming()
        )
        self.conv2 = Conv(
            channel_2, 3, padding="same", activation="relu", kernel_initializer=_kaiming()
        )
        self.flatten = tf.keras.layers.Flatten()
        self.fc = tf.keras.layers.Dense(num_classes, kernel_initializer=_kaiming())

    def call(self, x, training=False):
        return self.fc(self.flatten(self.conv2(self.conv1(x))))


def train_part34(
    model_init_fn: Callable,
    optimizer_init_fn: Callable,
    num_epochs: int = 1,
    is_training: bool = False,
    *,
    train_dset,
    val_dset=None,
    print_every: int = 100,
    max_iters: int | None = None,
    epoch_callback: Callable[[int, float], None] | None = None,
):
    """Train the model made by ``model_init_fn()`` with ``optimizer_init_fn()``.

    ``is_training`` is passed to the model as ``training`` during the updates
    (it matters for dropout and batch norm). ``max_iters`` caps iterations per epoch.
    ``epoch_callback(epoch, val_acc)``, when given, is called after each epoch with the
    epochs done (1, 2, ...) and the accuracy on ``val_dset`` (then required); it may
    raise to stop the training (a sweep's pruning: :class:`cs231n.sweep.EpochReporter`).

    Returns:
        ``(model, losses)``.
    """
    if epoch_callback is not None and val_dset is None:
        raise ValueError("train_part34: epoch_callback needs val_dset, got None")
    model = model_init_fn()
    optimizer = optimizer_init_fn()
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function(reduce_retracing=True)
    def step(x, y):
        with tf.GradientTape() as tape:
            scores = model(x, training=is_training)
            loss = loss_fn(y, scores) + tf.add_n([0.0] + model.losses)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    losses = []
    for epoch in range(num_epochs):
        for t, (x, y) in enumerate(train_dset):
            if max_iters is not None and t >= max_iters:
                break
            loss = float(step(tf.convert_to_tensor(x), tf.convert_to_tensor(y)))
            losses.append(loss)
            if print_every and t % print_every == 0:
                print(f"Epoch {epoch}, Iteration {t}, loss = {loss:.4f}")
                if val_dset is not None:
                    check_accuracy(val_dset, model, None)
        if epoch_callback is not None:
            epoch_callback(epoch + 1, check_accuracy(val_dset, model, None, verbose=False))
    return model, losses


# ----------------------------------------------------------------------------- Part IV


def sequential_two_layer_fc(
    hidden_size: int = 4000,
    num_classes: int = 10,
    input_shape=(32, 32, 3),
    init: str = "default",
) -> tf.keras.Sequential:
    """Part IV's two-layer net with ``tf.keras.Sequential``: ``(N, H, W, C) -> (N, classes)``.

    ``init``: ``"default"`` (Keras' Glorot uniform, as PyTorch's Part IV nets keep PyTorch's
    defaults) or ``"kaiming"`` (He normal, as in Parts II and III).
    """
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=input_shape),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(hidden_size, activation="relu", **_init_kwargs(init)),
            tf.keras.layers.Dense(num_classes, **_init_kwargs(init)),
        ]
    )


def sequential_three_layer_convnet(
    channel_1: int = 32,
    channel_2: int = 16,
    num_classes: int = 10,
    input_shape=(32, 32, 3),
    init: str = "default",
) -> tf.keras.Sequential:
    """Part IV's convnet with ``tf.keras.Sequential`` (layers of :class:`ThreeLayerConvNet`).

    ``(N, H, W, C) -> scores (N, num_classes)``.

    Args:
        init: ``"default"`` keeps Keras' own initializers (Glorot uniform weights, zero
            biases); ``"kaiming"`` uses He normal ``VarianceScaling(scale=2.0)`` weights as
            in Parts II and III. With the course's SGD + Nesterov settings (learning rate
            ``1e-2``, one epoch) the default reaches the course's 55%; He init lands near
            51-54% (``TensorFlow.ipynb``, Part IV).
    """
    Conv = tf.keras.layers.Conv2D
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=input_shape),
            Conv(channel_1, 5, padding="same", activation="relu", **_init_kwargs(init)),
            Conv(channel_2, 3, padding="same", activation="relu", **_init_kwargs(init)),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(num_classes, **_init_kwargs(init)),
        ]
    )


def two_layer_fc_functional(
    input_shape=(32, 32, 3), hidden_size: int = 4000, num_classes: int = 10, init: str = "default"
) -> tf.keras.Model:
    """The two-layer net with the Keras functional API (inputs -> layers -> ``Model``).

    ``init`` as in :func:`sequential_two_layer_fc`.
    """
    inputs = tf.keras.Input(shape=input_shape)
    h = tf.keras.layers.Flatten()(inputs)
    h = tf.keras.layers.Dense(hidden_size, activation="relu", **_init_kwargs(init))(h)
    scores = tf.keras.layers.Dense(num_classes, **_init_kwargs(init))(h)
    return tf.keras.Model(inputs=inputs, outputs=scores)
