"""GANs in TensorFlow/Keras 3: the course's models, losses, Adam solvers, MNIST batches and loop.

The official 2020 names and signatures of ``cs231n/gan_tf.py`` (``leaky_relu``, ``sample_noise``,
``discriminator``, ``generator``, ``discriminator_loss``, ``generator_loss``, ``get_solvers``,
``ls_discriminator_loss``, ``ls_generator_loss``, ``dc_discriminator``, ``dc_generator``,
``run_a_gan``, ``MNIST``, ``preprocess_img``, ``deprocess_img``, ``rel_error``,
``count_params``), plus seeds, :func:`gan_step` (one training step of both networks) and the
keyword-only extras of :func:`run_a_gan` that the notebook uses (an iteration limit, snapshots
from a fixed noise batch, a loss history, no plotting).

Differences from the official code, each documented where it happens:

* :class:`MNIST` really shuffles every epoch (seeded); the official iterator drew a
  permutation and then sliced the data in its stored order (``legacy=True`` keeps that). The
  official default was ``shuffle=False``; here it is ``True`` (the official loop always passed
  ``True``, which had no effect).
* :func:`gan_step` calls the models with ``training=True``: the official loop called them
  without it, so Keras ran every ``BatchNormalization`` in inference mode (moving statistics
  at their initial 0 and 1, never updated) and the DCGAN generator trained without batchnorm.

**Parameter counts.** :func:`count_params` sums ``model.weights``, which in Keras includes the
non-trainable moving mean and variance of every ``BatchNormalization``; PyTorch's
``count_params`` sums ``parameters()``, where the running statistics are buffers. The DC
generator has three batchnorms (1024, 7*7*128 = 6272 and 64 channels), so its Keras count
exceeds PyTorch's by ``2 * (1024 + 6272 + 64) = 14720``: the course's check values,
``dc_generator(4)`` 6595521 here and ``build_dc_generator(4)`` 6580801 in PyTorch, are counted
with ``noise_dim = 4`` (``dc_generator(96)`` has 6689729).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import numpy as np
import tensorflow as tf

from cs231n.gradient_check import rel_error
from cs231n.kernels.geometry import check_int
from cs231n.validation import check_array, check_number
from cs231n.validation.tensors import check_scores, check_tensor

__all__ = [
    "MNIST",
    "NOISE_DIM",
    "SNAPSHOT_SEED",
    "count_params",
    "dc_discriminator",
    "dc_generator",
    "deprocess_img",
    "discriminator",
    "discriminator_loss",
    "gan_step",
    "generator",
    "generator_loss",
    "get_solvers",
    "leaky_relu",
    "ls_discriminator_loss",
    "ls_generator_loss",
    "preprocess_img",
    "rel_error",
    "run_a_gan",
    "sample_noise",
]

NOISE_DIM = 96
IMAGE_DIM = 784  # 28 * 28


# --------------------------------------------------------------------------- helpers


def _as_tensor(fn: str, name: str, x):
    """A tensor or variable as it is; an array or list of numbers via ``tf.convert_to_tensor``
    (its dtype kept, as TensorFlow's ops would convert it)."""
    if tf.is_tensor(x) or isinstance(x, tf.Variable):
        return x
    return tf.convert_to_tensor(check_array(fn, name, x))


def _scores(fn: str, name: str, x):
    return check_scores(fn, name, _as_tensor(fn, name, x))


def _same_layout(fn: str, names: tuple[str, str], a, b) -> None:
    """Real and fake scores: both ``(N,)`` or both ``(N, 1)`` (N may differ: the official
    loop's last batch has fewer real images than the ``batch_size`` fakes)."""
    if len(a.shape) != len(b.shape):
        raise ValueError(
            f"{fn}: {names[0]} and {names[1]} must both be (N,) or both (N, 1), got "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )


def _seed(fn: str, seed) -> None:
    if seed is not None:
        check_int(fn, "seed", seed, 0)


def _model(fn: str, name: str, m):
    if not isinstance(m, tf.keras.Model):
        raise TypeError(f"{fn}: {name} must be a Keras model, got {type(m).__name__}")
    return m


def leaky_relu(x, alpha: float = 0.01) -> tf.Tensor:
    """Leaky ReLU ``max(x, alpha * x)`` (for ``0 <= alpha <= 1``), elementwise.

    Args:
        x: a tensor of any shape (its dtype is kept, e.g. float64 for the check).
        alpha: the slope for negative inputs.

    Returns:
        a tensor of the shape of ``x``.
    """
    alpha = check_number("leaky_relu", "alpha", alpha, low=0, high=1)
    x = _as_tensor("leaky_relu", "x", x)
    return tf.maximum(x, alpha * x)


def sample_noise(batch_size: int, dim: int, seed: int | None = None) -> tf.Tensor:
    """Uniform noise in ``[-1, 1)``.

    Args:
        batch_size: N, the number of noise vectors.
        dim: D, their dimension.
        seed: an int gives the same noise on every call (``tf.random.stateless_uniform``);
            ``None`` draws from TensorFlow's global generator.

    Returns:
        ``(N, D)`` float32 tensor.
    """
    shape = (
        check_int("sample_noise", "batch_size", batch_size, 1),
        check_int("sample_noise", "dim", dim, 1),
    )
    _seed("sample_noise", seed)
    if seed is None:
        return tf.random.uniform(shape, minval=-1.0, maxval=1.0)
    return tf.random.stateless_uniform(shape, seed=(int(seed), 0), minval=-1.0, maxval=1.0)


def preprocess_img(x):
    """Pixels from ``[0, 1]`` to ``[-1, 1]``: ``2 x - 1`` (any shape)."""
    if not (tf.is_tensor(x) or isinstance(x, tf.Variable)):
        x = check_array("preprocess_img", "x", x)
    return 2 * x - 1.0


def deprocess_img(x):
    """Pixels from ``[-1, 1]`` to ``[0, 1]``: ``(x + 1) / 2`` (any shape)."""
    if not (tf.is_tensor(x) or isinstance(x, tf.Variable)):
        x = check_array("deprocess_img", "x", x)
    return (x + 1.0) / 2.0


def count_params(model: tf.keras.Model) -> int:
    """Number of scalars in ``model.weights`` (trainable and not: batchnorm moving stats too)."""
    _model("count_params", "model", model)
    return int(sum(math.prod(w.shape) for w in model.weights))


def _init(seed: int | None, i: int):
    """Glorot-uniform (Keras's default) seeded with ``seed + i`` for layer i, or unseeded."""
    return tf.keras.initializers.GlorotUniform(seed=None if seed is None else seed + i)


# --------------------------------------------------------------------------- the models


def discriminator(seed: int | None = None) -> tf.keras.Sequential:
    """The vanilla discriminator: Dense(256), LeakyReLU(0.01), Dense(256), LeakyReLU, Dense(1).

    Args:
        seed: seeds the Glorot-uniform kernels (biases start at zero); ``None``: unseeded.

    Returns:
        a Keras model ``(N, 784) -> (N, 1)`` logits; 267009 parameters.
    """
    _seed("discriminator", seed)
    layers = tf.keras.layers
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(IMAGE_DIM,)),
            layers.Dense(256, kernel_initializer=_init(seed, 0)),
            layers.LeakyReLU(negative_slope=0.01),
            layers.Dense(256, kernel_initializer=_init(seed, 1)),
            layers.LeakyReLU(negative_slope=0.01),
            layers.Dense(1, kernel_initializer=_init(seed, 2)),
        ],
        name="discriminator",
    )


def generator(noise_dim: int = NOISE_DIM, seed: int | None = None) -> tf.keras.Sequential:
    """The vanilla generator: Dense(1024) ReLU, Dense(1024) ReLU, Dense(784) tanh.

    Args:
        noise_dim: D, the noise dimension.
        seed: seeds the Glorot-uniform kernels; ``None``: unseeded.

    Returns:
        a Keras model ``(N, D) -> (N, 784)`` images in ``[-1, 1]``; 1858320 parameters at D = 4.
    """
    noise_dim = check_int("generator", "noise_dim", noise_dim, 1)
    _seed("generator", seed)
    layers = tf.keras.layers
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(noise_dim,)),
            layers.Dense(1024, activation="relu", kernel_initializer=_init(seed, 0)),
            layers.Dense(1024, activation="relu", kernel_initializer=_init(seed, 1)),
            layers.Dense(IMAGE_DIM, activation="tanh", kernel_initializer=_init(seed, 2)),
        ],
        name="generator",
    )


def dc_discriminator(*, seed: int | None = None) -> tf.keras.Sequential:
    """The DCGAN discriminator of the course (a 2-conv classifier), valid convolutions.

    Reshape to ``(28, 28, 1)``; Conv2D(32, 5x5), LeakyReLU(0.01), MaxPool(2x2, stride 2)
    -> ``(12, 12, 32)``; Conv2D(64, 5x5), LeakyReLU, MaxPool -> ``(4, 4, 64)``; Flatten;
    Dense(4*4*64), LeakyReLU; Dense(1).

    Args:
        seed: seeds the Glorot-uniform kernels (ours; the official function takes no
            arguments).

    Returns:
        a Keras model ``(N, 784) -> (N, 1)`` logits; 1102721 parameters.
    """
    _seed("dc_discriminator", seed)
    layers = tf.keras.layers
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(IMAGE_DIM,)),
            layers.Reshape((28, 28, 1)),
            layers.Conv2D(32, 5, kernel_initializer=_init(seed, 0)),  # (N, 24, 24, 32)
            layers.LeakyReLU(negative_slope=0.01),
            layers.MaxPool2D(2, strides=2),  # (N, 12, 12, 32)
            layers.Conv2D(64, 5, kernel_initializer=_init(seed, 1)),  # (N, 8, 8, 64)
            layers.LeakyReLU(negative_slope=0.01),
            layers.MaxPool2D(2, strides=2),  # (N, 4, 4, 64)
            layers.Flatten(),  # (N, 1024)
            layers.Dense(4 * 4 * 64, kernel_initializer=_init(seed, 2)),
            layers.LeakyReLU(negative_slope=0.01),
            layers.Dense(1, kernel_initializer=_init(seed, 3)),
        ],
        name="dc_discriminator",
    )


def dc_generator(noise_dim: int = NOISE_DIM, *, seed: int | None = None) -> tf.keras.Sequential:
    """The DCGAN generator of the course (InfoGAN's), channels-last.

    Dense(1024) ReLU, BatchNorm; Dense(7*7*128) ReLU, BatchNorm; Reshape ``(7, 7, 128)``;
    Conv2DTranspose(64, 4x4, stride 2, 'same') ReLU -> ``(14, 14, 64)``, BatchNorm;
    Conv2DTranspose(1, 4x4, stride 2, 'same') tanh -> ``(28, 28, 1)``; Reshape ``(784,)``.

    Args:
        noise_dim: D, the noise dimension.
        seed: seeds the Glorot-uniform kernels (ours).

    Returns:
        a Keras model ``(N, D) -> (N, 784)`` in ``[-1, 1]``. :func:`count_params` gives 6595521
        at D = 4, 14720 more than PyTorch's 6580801: the moving mean and variance of the three
        batchnorms, ``2 * (1024 + 6272 + 64)`` (see the module docstring).
    """
    noise_dim = check_int("dc_generator", "noise_dim", noise_dim, 1)
    _seed("dc_generator", seed)
    layers = tf.keras.layers
    return tf.keras.Sequential(
        [
            tf.keras.Input(shape=(noise_dim,)),
            layers.Dense(1024, activation="relu", kernel_initializer=_init(seed, 0)),
            layers.BatchNormalization(),
            layers.Dense(7 * 7 * 128, activation="relu", kernel_initializer=_init(seed, 1)),
            layers.BatchNormalization(),
            layers.Reshape((7, 7, 128)),
            layers.Conv2DTranspose(
                64, 4, strides=2, padding="same", activation="relu",
                kernel_initializer=_init(seed, 2),
            ),  # (N, 14, 14, 64)
            layers.BatchNormalization(),
            layers.Conv2DTranspose(
                1, 4, strides=2, padding="same", activation="tanh",
                kernel_initializer=_init(seed, 3),
            ),  # (N, 28, 28, 1)
            layers.Reshape((IMAGE_DIM,)),
        ],
        name="dc_generator",
    )  # fmt: skip


# --------------------------------------------------------------------------- the losses


def _bce_with_logits(logits, target: float) -> tf.Tensor:
    """Mean binary cross-entropy of logits against a constant target, in the logits' dtype
    (``logits`` checked by the caller)."""
    logits = tf.convert_to_tensor(logits)
    labels = tf.fill(tf.shape(logits), tf.constant(target, logits.dtype))
    # max(s, 0) - s*y + log(1 + exp(-|s|)): stable for any s (notes/gan_losses.md)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))


def discriminator_loss(logits_real, logits_fake) -> tf.Tensor:
    """The discriminator's loss: the SUM of the mean BCEs of real against 1 and fake against 0.

    Args:
        logits_real: ``(N, 1)`` (or ``(N,)``) discriminator logits on real images.
        logits_fake: ``(M, 1)`` (or ``(M,)``, the layout of ``logits_real``) logits on
            generated images; M may differ from N (the official loop's last batch). Finite
            (checked in eager mode), ``N, M >= 1``.

    Returns:
        ``()`` scalar tensor in the logits' dtype.
    """
    fn = "discriminator_loss"
    logits_real = _scores(fn, "logits_real", logits_real)
    logits_fake = _scores(fn, "logits_fake", logits_fake)
    _same_layout(fn, ("logits_real", "logits_fake"), logits_real, logits_fake)
    return _bce_with_logits(logits_real, 1.0) + _bce_with_logits(logits_fake, 0.0)


def generator_loss(logits_fake) -> tf.Tensor:
    """The generator's (non-saturating) loss: mean BCE of the fake logits against 1.

    Args:
        logits_fake: ``(N, 1)`` (or ``(N,)``) finite discriminator logits on generated images.

    Returns:
        ``()`` scalar tensor.
    """
    logits_fake = _scores("generator_loss", "logits_fake", logits_fake)
    return _bce_with_logits(logits_fake, 1.0)


def ls_discriminator_loss(scores_real, scores_fake) -> tf.Tensor:
    """LSGAN discriminator loss ``0.5 mean((D(x) - 1)^2) + 0.5 mean(D(G(z))^2)``.

    Args:
        scores_real, scores_fake: ``(N, 1)`` and ``(M, 1)`` (or ``(N,)`` and ``(M,)``) finite
            discriminator scores, N, M >= 1.

    Returns:
        ``()`` scalar tensor.
    """
    fn = "ls_discriminator_loss"
    scores_real = _scores(fn, "scores_real", scores_real)
    scores_fake = _scores(fn, "scores_fake", scores_fake)
    _same_layout(fn, ("scores_real", "scores_fake"), scores_real, scores_fake)
    return 0.5 * tf.reduce_mean(tf.square(scores_real - 1)) + 0.5 * tf.reduce_mean(
        tf.square(scores_fake)
    )


def ls_generator_loss(scores_fake) -> tf.Tensor:
    """LSGAN generator loss ``0.5 mean((D(G(z)) - 1)^2)``; ``scores_fake: (N, 1)`` -> ``()``."""
    scores_fake = _scores("ls_generator_loss", "scores_fake", scores_fake)
    return 0.5 * tf.reduce_mean(tf.square(scores_fake - 1))


def get_solvers(learning_rate: float = 1e-3, beta1: float = 0.5):
    """Two Adam optimizers ``(D_solver, G_solver)``, ``beta_2 = 0.999``, Keras's epsilon 1e-7.

    Keras adds epsilon to ``sqrt(v)`` before bias correction, PyTorch after it: at step t the
    two agree when Keras's epsilon is PyTorch's times ``sqrt(1 - beta_2**t)``.

    ``learning_rate`` must be a finite number > 0, ``beta1`` in [0, 1).
    """
    learning_rate = check_number(
        "get_solvers", "learning_rate", learning_rate, low=0, low_open=True
    )
    beta1 = check_number("get_solvers", "beta1", beta1, low=0, high=1, high_open=True)
    return (
        tf.keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta1),
        tf.keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta1),
    )


# --------------------------------------------------------------------------- data


class MNIST:
    """Batches ``(x: (B, 784) float32 in [0, 1], y: (B,) int64)`` over the 60,000 training digits.

    Args:
        batch_size: B; the last batch of an epoch is smaller when B does not divide N.
        shuffle: draw a new permutation every epoch (from ``seed``).
        legacy: the official iterator: it draws a permutation from ``np.random`` when
            ``shuffle`` and does not use it, so every epoch yields the digits in stored order.
        seed: seeds the per-epoch permutations (ours); ``None``: fresh entropy.
        data: ``(X, y)`` to iterate instead of MNIST (ours, for tests): ``X (N, 784)`` in
            ``[0, 1]``, ``y (N,)``.

    ``iter(mnist)`` starts an epoch; ``len(mnist)`` is the number of batches ``ceil(N / B)``.
    Attributes ``X (N, 784)``, ``y (N,)`` as official.
    """

    def __init__(
        self,
        batch_size: int,
        shuffle: bool = True,
        legacy: bool = False,
        *,
        seed: int | None = None,
        data: tuple | None = None,
    ):
        batch_size = check_int("MNIST", "batch_size", batch_size, 1)
        for name, flag in (("shuffle", shuffle), ("legacy", legacy)):
            if not isinstance(flag, bool):
                raise TypeError(f"MNIST: {name} must be a bool, got {flag!r}")
        _seed("MNIST", seed)
        if data is None:
            from cs231n.data_utils import load_mnist

            images, y = load_mnist("train")
            X = images.reshape(len(images), -1).astype(np.float32) / 255  # (N, 784)
        else:
            if not isinstance(data, tuple | list) or len(data) != 2:
                raise TypeError(f"MNIST: data must be a pair (X, y), got {type(data).__name__}")
            X, y = (
                check_array("MNIST", "data[0]", data[0]),
                check_array("MNIST", "data[1]", data[1]),
            )
            if X.ndim != 2 or X.shape[1] != IMAGE_DIM or y.shape != (len(X),):
                raise ValueError(
                    f"MNIST: data must be (X (N, 784), y (N,)), got shapes {X.shape}, {y.shape}"
                )
        self.X, self.y = X, y
        self.batch_size, self.shuffle, self.legacy = int(batch_size), shuffle, legacy
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        N, B = len(self.X), self.batch_size
        if self.legacy:
            idxs = np.arange(N)
            if self.shuffle:
                np.random.shuffle(idxs)  # noqa: NPY002 (the official code: drawn, then not used)
            return iter((self.X[i : i + B], self.y[i : i + B]) for i in range(0, N, B))
        order = self._rng.permutation(N) if self.shuffle else np.arange(N)
        return iter((self.X[order[i : i + B]], self.y[order[i : i + B]]) for i in range(0, N, B))


# --------------------------------------------------------------------------- training


def gan_step(
    D, G, D_solver, G_solver, discriminator_loss, generator_loss, x, z_d, z_g
) -> tuple[tf.Tensor, tf.Tensor]:
    """One training step of the official loop: a D update, then a G update against the new D.

    Args:
        D, G: Keras models ``(N, 784) -> (N, 1)`` and ``(M, D) -> (M, 784)`` (any shape with
            784 values per sample: the output is reshaped).
        D_solver, G_solver: Keras optimizers.
        discriminator_loss, generator_loss: ``(logits_real, logits_fake) -> ()`` and
            ``(logits_fake) -> ()``.
        x: ``(N, 784)`` real images in ``[0, 1]`` (preprocessed to ``[-1, 1]`` here).
        z_d, z_g: ``(M, D)`` noise for the D step and for the G step.

    Returns:
        ``(d_loss, g_loss)`` scalar tensors, each computed before its own update.
    """
    fn = "gan_step"
    check_tensor(fn, "x", _as_tensor(fn, "x", x), shape=(None, IMAGE_DIM), floating=True)
    for name, z in (("z_d", z_d), ("z_g", z_g)):
        check_tensor(fn, name, _as_tensor(fn, name, z), ndim=2, floating=True)
    with tf.GradientTape() as tape:
        logits_real = D(preprocess_img(x), training=True)
        fake = tf.reshape(G(z_d, training=True), (-1, IMAGE_DIM))  # (M, 784)
        d_loss = discriminator_loss(logits_real, D(fake, training=True))
    D_solver.apply_gradients(
        zip(tape.gradient(d_loss, D.trainable_variables), D.trainable_variables)
    )
    with tf.GradientTape() as tape:
        fake = tf.reshape(G(z_g, training=True), (-1, IMAGE_DIM))
        g_loss = generator_loss(D(fake, training=True))
    G_solver.apply_gradients(
        zip(tape.gradient(g_loss, G.trainable_variables), G.trainable_variables)
    )
    return d_loss, g_loss


#: The seed of the default fixed noise batch of :func:`run_a_gan`'s snapshots.
SNAPSHOT_SEED = 0


def _snapshot(G, noise) -> np.ndarray:
    """``G(noise)`` in training mode as ``(n, 784)`` numpy, leaving G's variables as they were.

    Training mode (batchnorm on this batch's statistics, as for the images the loop trains on);
    Keras updates the moving statistics in such a call, so they are put back: taking snapshots
    changes nothing in the run.
    """
    saved = [v.numpy() for v in G.non_trainable_variables]
    out = tf.reshape(G(noise, training=True), (len(noise), IMAGE_DIM)).numpy()  # (n, 784)
    for v, value in zip(G.non_trainable_variables, saved):
        v.assign(value)
    return out


def run_a_gan(
    D,
    G,
    D_solver,
    G_solver,
    discriminator_loss: Callable,
    generator_loss: Callable,
    show_every: int = 20,
    print_every: int = 20,
    batch_size: int = 128,
    num_epochs: int = 10,
    noise_size: int = NOISE_DIM,
    *,
    max_iterations: int | None = None,
    snapshot_every: int | None = None,
    snapshot_noise=None,
    show: bool = True,
    seed: int | None = None,
    data: Iterable | None = None,
) -> dict:
    """Train a GAN as the official loop: per batch one D step then one G step (:func:`gan_step`).

    Every batch of the epoch is used, the last shorter one too (the noise keeps
    ``batch_size`` rows, as official).

    Args:
        D, G, D_solver, G_solver, discriminator_loss, generator_loss: as :func:`gan_step`.
        show_every: plot 16 generated images every that many iterations when ``show``
            (``0``/``None``: never).
        print_every: print ``Epoch: e, Iter: i, D: ..., G: ...`` every that many iterations
            (``0``/``None``: never). (The official loop printed at ``show_every``.)
        batch_size, num_epochs, noise_size: as the course (integers >= 1).
        max_iterations: stop after that many iterations in all, an integer >= 0 (``None``:
            all the epochs).
        snapshot_every: record ``G(snapshot_noise)`` before iterations 0, k, 2k, ... and after
            the last one (``None``: no snapshots); see :func:`_snapshot`.
        snapshot_noise: ``(n, noise_size)`` fixed noise; default
            ``sample_noise(100, noise_size, seed=SNAPSHOT_SEED)``.
        show: plot images (``False``: plot nothing; the losses are still printed).
        seed: seeds the data order and every noise batch (the models have their own seeds);
            ``None``: unseeded.
        data: any iterable of ``(x (B, 784) in [0, 1], y)`` batches, iterated once per epoch,
            instead of ``MNIST(batch_size, shuffle=True, seed=seed)``.

    Returns:
        dict: ``"d_loss"``, ``"g_loss"``: ``(T,)`` float64 arrays, the losses of the T
        iterations run; ``"snapshots"``: {number of generator steps taken: ``(n, 784)``
        float32 samples in [-1, 1]}; ``"seconds"``: wall time of the loop (float).
    """
    fn = "run_a_gan"
    for name, model in (("D", D), ("G", G)):
        _model(fn, name, model)
    for name, solver in (("D_solver", D_solver), ("G_solver", G_solver)):
        if not isinstance(solver, tf.keras.optimizers.Optimizer):
            raise TypeError(
                f"run_a_gan: {name} must be a Keras optimizer, got {type(solver).__name__}"
            )
    for name, loss in (
        ("discriminator_loss", discriminator_loss),
        ("generator_loss", generator_loss),
    ):
        if not callable(loss):
            raise TypeError(f"run_a_gan: {name} must be callable, got {type(loss).__name__}")
    for name, every in (("show_every", show_every), ("print_every", print_every)):
        if every is not None:
            check_int(fn, name, every, 0)  # 0 or None: never
    batch_size = check_int(fn, "batch_size", batch_size, 1)
    num_epochs = check_int(fn, "num_epochs", num_epochs, 1)
    noise_size = check_int(fn, "noise_size", noise_size, 1)
    if max_iterations is not None:
        max_iterations = check_int(fn, "max_iterations", max_iterations, 0)
    if snapshot_every is not None:
        snapshot_every = check_int(fn, "snapshot_every", snapshot_every, 1)
    if snapshot_noise is not None:
        snapshot_noise = check_array(
            fn, "snapshot_noise", snapshot_noise, shape=(None, noise_size), finite=True,
            nonempty=True,
        )  # fmt: skip
    if not isinstance(show, bool):
        raise TypeError(f"run_a_gan: show must be a bool, got {show!r}")
    _seed(fn, seed)
    if data is not None and not hasattr(data, "__iter__"):
        raise TypeError(
            f"run_a_gan: data must be an iterable of (x, y) batches, got {type(data).__name__}"
        )
    mnist = MNIST(batch_size, shuffle=True, seed=seed) if data is None else data
    rng = np.random.default_rng(seed)

    def noise(n: int) -> tf.Tensor:
        return sample_noise(n, noise_size, seed=None if seed is None else int(rng.integers(2**31)))

    if snapshot_every is not None:
        if snapshot_noise is None:
            snapshot_noise = sample_noise(100, noise_size, seed=SNAPSHOT_SEED)
        snapshot_noise = tf.convert_to_tensor(snapshot_noise, tf.float32)
    for solver, model in ((D_solver, D), (G_solver, G)):
        if not solver.built:  # make the slots before tracing (no variables created in a trace)
            solver.build(model.trainable_variables)
    step = tf.function(
        lambda x, z_d, z_g: gan_step(
            D, G, D_solver, G_solver, discriminator_loss, generator_loss, x, z_d, z_g
        ),
        reduce_retracing=True,
    )

    d_losses, g_losses, snapshots = [], [], {}
    it = 0
    start = time.perf_counter()
    for epoch in range(num_epochs):
        for x, _ in mnist:
            if max_iterations is not None and it >= max_iterations:
                break
            if snapshot_every is not None and it % snapshot_every == 0:
                snapshots[it] = _snapshot(G, snapshot_noise)
            x = tf.convert_to_tensor(x, tf.float32)  # (B, 784)
            d_loss, g_loss = step(x, noise(batch_size), noise(batch_size))
            d_losses.append(float(d_loss))
            g_losses.append(float(g_loss))
            if print_every and it % print_every == 0:
                print(f"Epoch: {epoch}, Iter: {it}, D: {float(d_loss):.4}, G:{float(g_loss):.4}")
            if show and show_every and it % show_every == 0:
                # unseeded noise: the run does not depend on show
                _show(G(sample_noise(16, noise_size), training=True), f"Iteration {it}")
            it += 1
        if max_iterations is not None and it >= max_iterations:
            break
    if snapshot_every is not None and it not in snapshots:
        snapshots[it] = _snapshot(G, snapshot_noise)
    seconds = time.perf_counter() - start
    if show:
        print("Final images")
        _show(G(sample_noise(16, noise_size), training=True), "Final images")
    return {
        "d_loss": np.asarray(d_losses, dtype=np.float64),
        "g_loss": np.asarray(g_losses, dtype=np.float64),
        "snapshots": snapshots,
        "seconds": seconds,
    }


def _show(images, title: str) -> None:
    import matplotlib.pyplot as plt

    from cs231n.plots.gan import show_images

    show_images(tf.reshape(images, (-1, IMAGE_DIM)).numpy()[:16], title=title)
    plt.show()
