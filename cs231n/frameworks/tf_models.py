"""TensorFlow Part V: the same small residual CIFAR-10 net as :mod:`cs231n.frameworks.torch_models`,
as a ``tf.keras.Model``, with a one-cycle training loop.

Layers, widths, schedule and augmentation are those of the PyTorch version (see
its module docstring for why they fit a 2-core CPU budget). Two settings are
translated rather than copied, so that both frameworks compute the same thing:

* Batch norm uses PyTorch's ``epsilon=1e-5`` and running-average ``momentum=0.9``
  (Keras defaults are ``1e-3`` and ``0.99``).
* Keras' SGD ``weight_decay`` is *decoupled* (``w -= lr * wd * w`` each step),
  PyTorch's is an L2 term added to the gradient and then amplified by momentum,
  about ``1 / (1 - momentum)`` times. :func:`sgd_one_cycle` therefore takes the
  PyTorch value and passes ``weight_decay / (1 - momentum)`` to Keras.

Images are channels-last ``(N, H, W, C)``, TensorFlow's native layout.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

DEFAULT_WIDTHS = (32, 64, 128, 256)
layers = tf.keras.layers


def _bn(dtype=None):
    return layers.BatchNormalization(epsilon=1e-5, momentum=0.9, dtype=dtype)


class ConvBN(layers.Layer):
    """3x3 convolution ('same', no bias), batch norm, ReLU.

    ``(N, H, W, c_in) -> (N, H, W, c_out)``.
    """

    def __init__(self, c_out: int, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(
            c_out, 3, padding="same", use_bias=False, kernel_initializer="he_uniform",
            dtype=self.dtype_policy,
        )  # fmt: skip
        self.bn = _bn(self.dtype_policy)

    def call(self, x, training=False):
        return tf.nn.relu(self.bn(self.conv(x), training=training))


class Stage(layers.Layer):
    """``conv3x3 -> maxpool 2 -> BN -> ReLU``, then ``h + ConvBN(h)``:
    ``(N, H, W, c_in) -> (N, H/2, W/2, c_out)``."""

    def __init__(self, c_out: int, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv2D(
            c_out, 3, padding="same", use_bias=False, kernel_initializer="he_uniform",
            dtype=self.dtype_policy,
        )  # fmt: skip
        self.bn = _bn(self.dtype_policy)
        self.res = ConvBN(c_out, dtype=self.dtype_policy)

    def call(self, x, training=False):
        h = tf.nn.max_pool2d(
            self.conv(x), ksize=2, strides=2, padding="VALID"
        )  # (N, H/2, W/2, c_out)
        h = tf.nn.relu(self.bn(h, training=training))
        return h + self.res(h, training=training)


class CifarResNet(tf.keras.Model):
    """stem ConvBN - 3 stages - global max pool - Dense, scores times ``logit_scale``.

    Args:
        widths: ``(stem, stage1, stage2, stage3)`` channel counts.
        num_classes: C.
        logit_scale: fixed factor on the scores (keeps the first steps stable).
        policy: Keras dtype policy of the convolutional body, e.g.
            ``"mixed_bfloat16"`` (bfloat16 compute, float32 weights; 2-3x faster
            on CPUs with AMX/AVX512-BF16). The last layer always computes in
            float32, so the scores and the loss are float32.

    Input ``(N, 32, 32, 3)``, output float32 scores ``(N, C)``.
    """

    def __init__(
        self,
        widths: Sequence[int] = DEFAULT_WIDTHS,
        num_classes: int = 10,
        logit_scale: float = 0.125,
        policy: str | None = None,
    ):
        super().__init__()
        if len(widths) != 4:
            raise ValueError(
                f"CifarResNet: widths must be (stem, stage1, stage2, stage3), got {widths}"
            )
        self.stem = ConvBN(widths[0], dtype=policy)
        self.stages = [Stage(w, dtype=policy) for w in widths[1:]]
        self.fc = layers.Dense(num_classes, dtype="float32")
        self.logit_scale = logit_scale

    def call(self, x, training=False):
        h = self.stem(x, training=training)
        for stage in self.stages:
            h = stage(h, training=training)  # (N, H/8, W/8, w3) at the end
        h = tf.reduce_max(h, axis=(1, 2))  # global max pool: (N, w3)
        return self.fc(h) * self.logit_scale


class OneCycle(tf.keras.optimizers.schedules.LearningRateSchedule):
    """Linear one-cycle learning rate, as PyTorch's ``OneCycleLR(anneal_strategy="linear")``.

    Rises from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start`` of ``total_steps``, then falls to
    ``max_lr / (div_factor * final_div_factor)`` at the last step.
    """

    def __init__(
        self,
        max_lr: float,
        total_steps: int,
        pct_start: float = 0.25,
        div_factor: float = 10.0,
        final_div_factor: float = 100.0,
    ):
        self.max_lr, self.total_steps, self.pct_start = max_lr, total_steps, pct_start
        self.div_factor, self.final_div_factor = div_factor, final_div_factor

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        lo = self.max_lr / self.div_factor
        end = lo / self.final_div_factor
        up = float(self.pct_start * self.total_steps) - 1.0
        down = float(self.total_steps - 1) - up
        rising = lo + (self.max_lr - lo) * step / up
        falling = self.max_lr + (end - self.max_lr) * (step - up) / down
        return tf.where(step <= up, rising, tf.maximum(falling, end))

    def get_config(self):
        return dict(
            max_lr=self.max_lr,
            total_steps=self.total_steps,
            pct_start=self.pct_start,
            div_factor=self.div_factor,
            final_div_factor=self.final_div_factor,
        )


def sgd_one_cycle(
    model: tf.keras.Model,
    epochs: int,
    steps_per_epoch: int,
    max_lr: float = 0.2,
    weight_decay: float = 5e-4,
    momentum: float = 0.9,
    pct_start: float = 0.25,
) -> tf.keras.optimizers.Optimizer:
    """Nesterov SGD with a :class:`OneCycle` schedule and decoupled weight decay on
    kernels only (``weight_decay`` is given in PyTorch's convention, see above).

    The model must be built (called once) so that its variables exist.
    """
    if not model.built:
        raise ValueError("sgd_one_cycle: build the model first (call it on a batch)")
    opt = tf.keras.optimizers.SGD(
        learning_rate=OneCycle(max_lr, epochs * steps_per_epoch, pct_start),
        momentum=momentum,
        nesterov=True,
        weight_decay=weight_decay / (1.0 - momentum),
    )
    # Batch-norm scales/offsets and biases are vectors: no decay for them.
    opt.exclude_from_weight_decay(
        var_list=[v for v in model.trainable_variables if len(v.shape) <= 1]
    )
    return opt


def predict_scores(
    model: tf.keras.Model, dset, tta_flip: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities ``(N, C)`` and labels ``(N,)`` over ``dset`` (inference mode);
    with ``tta_flip`` averaged over each image and its mirror image."""
    probs, labels = [], []
    for x, y in dset:
        x = tf.convert_to_tensor(x)
        p = tf.nn.softmax(model(x, training=False))
        if tta_flip:
            p = 0.5 * (p + tf.nn.softmax(model(tf.reverse(x, axis=[2]), training=False)))  # width
        probs.append(p.numpy())
        labels.append(np.asarray(y))
    return np.concatenate(probs), np.concatenate(labels)


def evaluate(model: tf.keras.Model, dset, tta_flip: bool = False) -> float:
    """Accuracy of ``model`` over ``dset`` (see :func:`predict_scores`)."""
    probs, y = predict_scores(model, dset, tta_flip)
    return float(np.mean(probs.argmax(axis=1) == y))


def save_weights_atomic(model: tf.keras.Model, path: str | os.PathLike) -> Path:
    """``model.save_weights(path)`` through a temporary file and a rename.
    Keras requires ``path`` to end in ``.weights.h5``."""
    path = Path(path)
    if not path.name.endswith(".weights.h5"):
        raise ValueError(
            f"save_weights_atomic: path must end with '.weights.h5', got {path.name!r}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp.weights.h5")
    os.close(fd)
    try:
        model.save_weights(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def fit(
    model: tf.keras.Model,
    train_dset,
    val_dset,
    epochs: int,
    optimizer: tf.keras.optimizers.Optimizer,
    *,
    label_smoothing: float = 0.0,
    checkpoint: str | os.PathLike | None = None,
    max_iters: int | None = None,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train with per-epoch validation, a tqdm bar and (optionally) best-model saving.

    Same contract as :func:`cs231n.frameworks.torch_models.fit`: ``train_dset``/``val_dset``
    yield numpy ``(x (B, H, W, C), y (B,))`` batches; the learning-rate schedule
    lives in the optimizer. Returns the history (``epoch``, ``train_loss``,
    ``train_acc``, ``val_acc``, ``lr``, ``seconds``), one entry per epoch.
    """
    from tqdm import tqdm  # plain text bar: works without ipywidgets

    loss_fn = tf.keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=label_smoothing
    )

    @tf.function(reduce_retracing=True)
    def step(x, y):
        with tf.GradientTape() as tape:
            scores = model(x, training=True)
            loss = loss_fn(tf.one_hot(y, tf.shape(scores)[1]), scores)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        correct = tf.reduce_sum(
            tf.cast(tf.argmax(scores, axis=1, output_type=y.dtype) == y, tf.int32)
        )
        return loss, correct

    hist = {k: [] for k in ("epoch", "train_loss", "train_acc", "val_acc", "lr", "seconds")}
    best = -1.0
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        total = correct = 0
        loss_sum = 0.0
        n_batches = len(train_dset) if max_iters is None else min(max_iters, len(train_dset))
        bar = tqdm(
            total=n_batches,
            desc=f"epoch {epoch}/{epochs}",
            disable=not progress,
            leave=False,
            mininterval=5,
        )
        for t, (x, y) in enumerate(train_dset):
            if t >= n_batches:
                break
            loss, c = step(tf.convert_to_tensor(x), tf.convert_to_tensor(y))
            loss = float(loss)
            loss_sum += loss * len(y)
            correct += int(c)
            total += len(y)
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
            bar.update()
        bar.close()
        seconds = time.perf_counter() - t0
        val_acc = evaluate(model, val_dset)
        lr = optimizer.learning_rate
        lr = float(lr(optimizer.iterations) if callable(lr) else lr)
        for k, v in zip(hist, (epoch, loss_sum / total, correct / total, val_acc, lr, seconds)):
            hist[k].append(v)
        print(
            f"epoch {epoch}: loss {loss_sum / total:.4f}, train acc {correct / total:.4f}, "
            f"val acc {val_acc:.4f}, {seconds:.1f} s"
        )
        if checkpoint is not None and val_acc > best:
            best = val_acc
            save_weights_atomic(model, checkpoint)
    return hist
