"""GANs in TensorFlow (:mod:`cs231n.gan_tf`): the course's checks, then ours.

* The official checks of the 2020 TF notebook: the four losses against ``gan-checks.npz`` to
  < 1e-8 (float64 logits, as the notebook passes them), ``leaky_relu`` to < 1e-10, the
  parameter counts (the DC generator's includes the batchnorm moving statistics), the range,
  shape, type and both signs of ``sample_noise``.
* Ours: seeded noise and models, the losses against ``tf.nn.sigmoid_cross_entropy_with_logits``
  and float64 numpy (large logits stay finite), the MNIST iterator (the 60,000 training digits,
  every image once per epoch in a new seeded order; ``legacy=True`` slices in stored order and
  draws its unused permutation from ``np.random`` as the official one), ``gan_step`` (losses
  before each update, batchnorm in training mode), ``run_a_gan`` on 96 digits (history,
  snapshots that change nothing, seeds).
"""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from cs231n import gan_tf
from cs231n.gan_tf import (
    count_params,
    dc_discriminator,
    dc_generator,
    discriminator,
    discriminator_loss,
    generator,
    generator_loss,
    leaky_relu,
    ls_discriminator_loss,
    ls_generator_loss,
    rel_error,
    sample_noise,
)
from cs231n.paths import DATA_ENV, data_root
from cs231n.tooling.modules import OFFICIAL_MANIFEST

pytestmark = pytest.mark.a3

CHECKS = "cs231n_extras/gan-checks.npz"


@pytest.fixture(scope="module")
def data_folder():
    """The real data folder (module-scoped ``real_data``: under CI a missing one fails)."""
    if not os.environ.get(DATA_ENV):
        if os.environ.get("CI"):
            pytest.fail(f"${DATA_ENV} is not set under CI; the real-data tests must run")
        pytest.skip(f"${DATA_ENV} not set")
    return data_root()


@pytest.fixture(scope="module")
def answers(data_folder):
    return dict(np.load(data_folder / CHECKS))


# --------------------------------------------------------------------------- official checks


def test_official_discriminator_loss(answers):
    d = discriminator_loss(tf.constant(answers["logits_real"]), tf.constant(answers["logits_fake"]))
    assert d.dtype == tf.float64
    assert rel_error(answers["d_loss_true"], d.numpy()) < 1e-8
    assert abs(float(answers["d_loss_true"]) - 1.8423983904443109) < 1e-15


def test_official_generator_loss(answers):
    g = generator_loss(tf.constant(answers["logits_fake"]))
    assert rel_error(answers["g_loss_true"], g.numpy()) < 1e-8
    assert abs(float(answers["g_loss_true"]) - 0.771286196423346) < 1e-15


def test_official_lsgan_losses(answers):
    real, fake = tf.constant(answers["logits_real"]), tf.constant(answers["logits_fake"])
    assert rel_error(answers["d_loss_lsgan_true"], ls_discriminator_loss(real, fake).numpy()) < 1e-8
    assert rel_error(answers["g_loss_lsgan_true"], ls_generator_loss(fake).numpy()) < 1e-8
    assert abs(float(answers["d_loss_lsgan_true"]) - 1.8770293614440594) < 1e-15
    assert abs(float(answers["g_loss_lsgan_true"]) - 0.816954786997558) < 1e-15


def test_official_leaky_relu(answers):
    y = leaky_relu(tf.constant(answers["lrelu_x"]))
    assert y.shape == answers["lrelu_y"].shape
    assert rel_error(answers["lrelu_y"], y.numpy()) < 1e-10


@pytest.mark.parametrize(
    "build, count",
    [
        (lambda: discriminator(), 267009),
        (lambda: generator(4), 1858320),
        (lambda: dc_discriminator(), 1102721),
        (lambda: dc_generator(4), 6595521),
    ],
    ids=["discriminator", "generator(4)", "dc_discriminator", "dc_generator(4)"],
)
def test_official_parameter_counts(build, count):
    assert count_params(build()) == count


def test_dc_generator_count_exceeds_pytorch_by_the_batchnorm_moving_statistics():
    """6595521 - 6580801 = 14720 = 2 * (1024 + 7*7*128 + 64): mean and variance of 3 batchnorms."""
    model = dc_generator(4)
    moving = [w for w in model.non_trainable_weights]
    assert sorted(int(np.prod(w.shape)) for w in moving) == [64, 64, 1024, 1024, 6272, 6272]
    assert sum(int(np.prod(w.shape)) for w in moving) == 14720 == 6595521 - 6580801
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 6580801
    assert count_params(dc_generator()) == 6580801 + 14720 + (96 - 4) * 1024


def test_official_sample_noise():
    batch_size, dim = 3, 4
    z = sample_noise(batch_size, dim)
    assert isinstance(z, tf.Tensor) and z.dtype == tf.float32
    assert z.shape == (batch_size, dim)
    z = sample_noise(1000, 50).numpy()
    assert np.all(z >= -1.0) and np.all(z <= 1.0)
    assert np.any(z < 0.0) and np.any(z > 0.0)


def test_star_import_gives_the_official_names():

    names = json.loads(OFFICIAL_MANIFEST.read_text())["cs231n.gan_tf"]
    namespace: dict = {}
    exec("from cs231n.gan_tf import *", namespace)
    assert [n for n in names if n not in namespace] == []
    assert gan_tf.NOISE_DIM == 96


# --------------------------------------------------------------------------- ours: noise, models


def test_sample_noise_seed():
    a, b = sample_noise(5, 7, seed=3), sample_noise(5, 7, seed=3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), sample_noise(5, 7, seed=4).numpy())
    assert not np.array_equal(sample_noise(5, 7).numpy(), sample_noise(5, 7).numpy())
    z = sample_noise(2000, 10, seed=0).numpy()
    assert abs(z.mean()) < 0.02 and abs(z.var() - 1 / 3) < 0.01  # uniform on [-1, 1]


@pytest.mark.parametrize("args", [(0, 3), (3, 0), (2.5, 3), (True, 3)])
def test_sample_noise_errors_name_the_argument(args):
    name = "batch_size" if args[1] == 3 else "dim"
    with pytest.raises(ValueError, match=rf"sample_noise: {name} must be an integer >= 1"):
        sample_noise(*args)


@pytest.mark.parametrize(
    "build, inp, out",
    [
        (discriminator, (3, 784), (3, 1)),
        (lambda seed: generator(5, seed=seed), (3, 5), (3, 784)),
        (lambda seed: dc_discriminator(seed=seed), (3, 784), (3, 1)),
        (lambda seed: dc_generator(5, seed=seed), (3, 5), (3, 784)),
    ],
    ids=["discriminator", "generator", "dc_discriminator", "dc_generator"],
)
def test_models_shapes_and_seeds(build, inp, out):
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, inp), tf.float32)
    a, b, c = build(seed=1), build(seed=1), build(seed=2)
    ya = a(x)
    assert ya.shape == out
    np.testing.assert_array_equal(ya.numpy(), b(x).numpy())
    assert not np.array_equal(ya.numpy(), c(x).numpy())
    for wa, wc in zip(a.trainable_weights, c.trainable_weights):
        if wa.path.endswith("bias"):  # biases start at zero
            assert not np.any(wa.numpy()), wa.path
        elif wa.path.endswith("kernel"):  # kernels differ between seeds
            assert not np.array_equal(wa.numpy(), wc.numpy()), wa.path
            if wa.shape.rank == 2:  # Dense: Glorot-uniform, |w| <= sqrt(6 / (fan_in + fan_out))
                assert np.abs(wa.numpy()).max() <= np.sqrt(6 / sum(wa.shape)) + 1e-7


def test_generators_output_in_minus_one_one():
    z = sample_noise(64, 96, seed=0) * 50  # large inputs saturate tanh
    for G in (generator(seed=0), dc_generator(seed=0)):
        y = G(z).numpy()
        assert y.min() >= -1 and y.max() <= 1


# --------------------------------------------------------------------------- ours: losses


def _np_bce(s, y):
    return np.mean(np.maximum(s, 0) - s * y + np.log1p(np.exp(-np.abs(s))))


def test_losses_against_tf_nn_and_numpy_float64():
    rng = np.random.default_rng(0)
    real = np.concatenate([rng.normal(0, 3, (20, 1)), [[100.0], [-100.0], [0.0]]])
    fake = np.concatenate([rng.normal(0, 3, (20, 1)), [[-800.0], [800.0], [1e-3]]])
    r, f = tf.constant(real), tf.constant(fake)
    sce = tf.nn.sigmoid_cross_entropy_with_logits
    d_ref = tf.reduce_mean(sce(labels=tf.ones_like(r), logits=r)) + tf.reduce_mean(
        sce(labels=tf.zeros_like(f), logits=f)
    )
    g_ref = tf.reduce_mean(sce(labels=tf.ones_like(f), logits=f))
    d, g = discriminator_loss(r, f), generator_loss(f)
    assert np.isfinite(d.numpy()) and np.isfinite(g.numpy())
    assert rel_error(d.numpy(), d_ref.numpy()) < 1e-15
    assert rel_error(g.numpy(), g_ref.numpy()) < 1e-15
    assert rel_error(d.numpy(), _np_bce(real, 1) + _np_bce(fake, 0)) < 1e-14
    assert rel_error(g.numpy(), _np_bce(fake, 1)) < 1e-14
    # float32 logits give float32 losses
    assert discriminator_loss(tf.cast(r, tf.float32), tf.cast(f, tf.float32)).dtype == tf.float32
    assert (
        rel_error(
            ls_discriminator_loss(r, f).numpy(),
            0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean(fake**2),
        )
        < 1e-15
    )
    assert rel_error(ls_generator_loss(f).numpy(), 0.5 * np.mean((fake - 1) ** 2)) < 1e-15


def test_leaky_relu_formula_and_alpha():
    x = tf.constant(np.linspace(-3, 3, 13))
    np.testing.assert_array_equal(leaky_relu(x).numpy(), np.where(x > 0, x, 0.01 * x.numpy()))
    np.testing.assert_array_equal(
        leaky_relu(x, alpha=0.2).numpy(), np.where(x > 0, x, 0.2 * x.numpy())
    )


def test_get_solvers():
    D_solver, G_solver = gan_tf.get_solvers()
    assert D_solver is not G_solver
    for s in (D_solver, G_solver):
        assert isinstance(s, tf.keras.optimizers.Adam)
        assert np.isclose(float(s.learning_rate), 1e-3) and s.beta_1 == 0.5 and s.beta_2 == 0.999
    s, _ = gan_tf.get_solvers(learning_rate=2e-4, beta1=0.9)
    assert np.isclose(float(s.learning_rate), 2e-4) and s.beta_1 == 0.9


def test_preprocess_deprocess():
    x = np.linspace(0, 1, 5)
    np.testing.assert_allclose(gan_tf.preprocess_img(x), 2 * x - 1)
    np.testing.assert_allclose(gan_tf.deprocess_img(gan_tf.preprocess_img(x)), x)


# --------------------------------------------------------------------------- ours: MNIST


@pytest.fixture(scope="module")
def mnist(data_folder):
    return gan_tf.MNIST(128, seed=0)


def _ids(X) -> np.ndarray:
    """One number per image (a fixed random projection), to follow images through batches."""
    return X.astype(np.float64) @ np.random.default_rng(1).standard_normal(X.shape[1])


def test_mnist_is_the_60000_training_digits(mnist):
    from cs231n.data_utils import load_mnist

    images, labels = load_mnist("train")
    assert mnist.X.shape == (60000, 784) and mnist.X.dtype == np.float32
    assert mnist.X.min() == 0.0 and mnist.X.max() == 1.0
    np.testing.assert_array_equal(mnist.X, images.reshape(60000, 784) / np.float32(255))
    np.testing.assert_array_equal(mnist.y, labels)
    assert len(mnist) == 469  # ceil(60000 / 128)


def test_mnist_shuffles_every_epoch_and_covers_every_digit_once(mnist):
    ids_all = np.sort(_ids(mnist.X))
    orders = []
    for _ in range(2):
        batches = list(mnist)
        assert len(batches) == 469
        assert all(x.shape == (128, 784) and y.shape == (128,) for x, y in batches[:-1])
        assert batches[-1][0].shape == (60000 - 468 * 128, 784)  # 96
        assert all(x.dtype == np.float32 for x, _ in batches)
        X = np.concatenate([x for x, _ in batches])
        y = np.concatenate([y for _, y in batches])
        ids = _ids(X)
        np.testing.assert_array_equal(np.sort(ids), ids_all)  # every image exactly once
        np.testing.assert_array_equal(np.bincount(y), np.bincount(mnist.y))
        orders.append(ids)
    assert not np.array_equal(orders[0], orders[1])  # a new permutation per epoch
    assert not np.array_equal(orders[0], _ids(mnist.X))  # not the stored order
    again = gan_tf.MNIST(128, data=(mnist.X, mnist.y), seed=0)
    np.testing.assert_array_equal(_ids(np.concatenate([x for x, _ in again])), orders[0])


@pytest.mark.parametrize("shuffle", [True, False])
def test_mnist_legacy_slices_in_stored_order(mnist, shuffle):
    legacy = gan_tf.MNIST(128, shuffle=shuffle, legacy=True, data=(mnist.X, mnist.y))
    np.random.seed(5)  # noqa: NPY002 (the official code uses the global generator)
    for _ in range(2):
        batches = list(legacy)
        assert len(batches) == 469
        for k in (0, 1, 234, 468):
            x, y = batches[k]
            np.testing.assert_array_equal(x, mnist.X[128 * k : 128 * (k + 1)])
            np.testing.assert_array_equal(y, mnist.y[128 * k : 128 * (k + 1)])
    # the official iterator draws (and ignores) one permutation per epoch from np.random
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    np.random.seed(5)  # noqa: NPY002
    if shuffle:
        for _ in range(2):
            np.random.shuffle(np.arange(60000))  # noqa: NPY002
    np.testing.assert_array_equal(state, np.random.get_state()[1])  # noqa: NPY002


def test_mnist_unshuffled_is_the_stored_order():
    X = np.random.default_rng(0).random((10, 784)).astype(np.float32)
    it = gan_tf.MNIST(4, shuffle=False, data=(X, np.arange(10)))
    assert [y.tolist() for _, y in it] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(it) == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0}, "MNIST: batch_size must be an integer >= 1, got 0"),
        ({"batch_size": 2.0}, "MNIST: batch_size must be an integer >= 1, got 2.0"),
        ({"batch_size": 2, "data": (np.zeros((3, 5)), np.zeros(3))}, r"MNIST: data must be"),
        ({"batch_size": 2, "data": (np.zeros((3, 784)), np.zeros(2))}, r"MNIST: data must be"),
    ],
)
def test_mnist_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gan_tf.MNIST(**kwargs)


# --------------------------------------------------------------------------- ours: training


@pytest.fixture(scope="module")
def tiny_digits(mnist):
    return mnist.X[:96], mnist.y[:96]


def _tiny_run(data, *, model_seed=0, **kwargs):
    D, G = discriminator(seed=model_seed), generator(8, seed=model_seed + 1)
    D_solver, G_solver = gan_tf.get_solvers()
    kwargs = {"show": False, "print_every": 0, **kwargs}
    hist = gan_tf.run_a_gan(
        D, G, D_solver, G_solver, discriminator_loss, generator_loss,
        batch_size=32, noise_size=8, data=gan_tf.MNIST(32, data=data, seed=kwargs.get("seed")),
        **kwargs,
    )  # fmt: skip
    return hist, G


def test_run_a_gan_history_and_seeds(tiny_digits, capsys):
    h, G = _tiny_run(tiny_digits, num_epochs=3, seed=0, snapshot_every=4, print_every=3)
    assert set(h) == {"d_loss", "g_loss", "snapshots", "seconds"}
    assert h["d_loss"].shape == h["g_loss"].shape == (9,) and h["d_loss"].dtype == np.float64
    assert np.all(np.isfinite(h["d_loss"])) and np.all(np.isfinite(h["g_loss"]))
    assert sorted(h["snapshots"]) == [0, 4, 8, 9]
    for snap in h["snapshots"].values():
        assert snap.shape == (100, 784) and snap.dtype == np.float32
        assert snap.min() >= -1 and snap.max() <= 1
    z = gan_tf.sample_noise(100, 8, seed=gan_tf.SNAPSHOT_SEED)
    np.testing.assert_array_equal(h["snapshots"][9], G(z, training=True).numpy())
    assert not np.array_equal(h["snapshots"][0], h["snapshots"][9])  # G trained
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Epoch: 0, Iter: 0, D: ") and len(out) == 3  # iterations 0, 3, 6
    # the same seeds give the same run; snapshots change nothing; another seed another run
    h2, _ = _tiny_run(tiny_digits, num_epochs=3, seed=0)
    np.testing.assert_array_equal(h["d_loss"], h2["d_loss"])
    np.testing.assert_array_equal(h["g_loss"], h2["g_loss"])
    h3, _ = _tiny_run(tiny_digits, num_epochs=3, seed=1)
    assert not np.array_equal(h["d_loss"], h3["d_loss"])
    h4, _ = _tiny_run(tiny_digits, max_iterations=4, seed=0, snapshot_every=10)
    np.testing.assert_array_equal(h4["d_loss"], h["d_loss"][:4])
    assert sorted(h4["snapshots"]) == [0, 4]


def test_run_a_gan_errors(tiny_digits):
    with pytest.raises(ValueError, match="run_a_gan: max_iterations must be an integer >= 0"):
        _tiny_run(tiny_digits, max_iterations=-1)
    with pytest.raises(ValueError, match="run_a_gan: snapshot_every must be an integer >= 1"):
        _tiny_run(tiny_digits, snapshot_every=0)


def test_gan_step_losses_come_before_each_update_and_batchnorm_trains():
    rng = np.random.default_rng(0)
    x = tf.constant(rng.random((8, 784)), tf.float32)
    z_d, z_g = sample_noise(8, 4, seed=1), sample_noise(8, 4, seed=2)
    D, G = dc_discriminator(seed=0), dc_generator(4, seed=1)
    D_solver, G_solver = gan_tf.get_solvers()
    d_before = discriminator_loss(D(2 * x - 1, training=True), D(G(z_d, training=True)))
    moving = [v.numpy() for v in G.non_trainable_variables]
    d_loss, g_loss = gan_tf.gan_step(
        D, G, D_solver, G_solver, discriminator_loss, generator_loss, x, z_d, z_g
    )
    # the moving statistics were updated: the step ran batchnorm in training mode
    assert all(not np.array_equal(a, v.numpy()) for a, v in zip(moving, G.non_trainable_variables))
    assert abs(float(d_loss) - float(d_before)) < 1e-6
    # D was updated: the same loss on the same inputs is now another number
    assert float(discriminator_loss(D(2 * x - 1), D(G(z_d, training=True)))) != float(d_loss)
    assert np.isfinite(float(g_loss))


def test_snapshot_keeps_the_batchnorm_statistics():
    G = dc_generator(4, seed=0)
    before = [v.numpy() for v in G.non_trainable_variables]
    snap = gan_tf._snapshot(G, sample_noise(10, 4, seed=0))
    assert snap.shape == (10, 784)
    for a, v in zip(before, G.non_trainable_variables):
        np.testing.assert_array_equal(a, v.numpy())


def test_run_a_gan_show_plots_16_samples_and_changes_nothing(tiny_digits, monkeypatch, capsys):
    import matplotlib.pyplot as plt

    from cs231n.plots import gan as gan_plots

    shown = []
    monkeypatch.setattr(gan_plots, "show_images", lambda im, title="": shown.append((im, title)))
    monkeypatch.setattr(plt, "show", lambda: None)
    h, _ = _tiny_run(tiny_digits, max_iterations=3, seed=0, show=True, show_every=2)
    assert [t for _, t in shown] == ["Iteration 0", "Iteration 2", "Final images"]
    assert all(im.shape == (16, 784) and -1 <= im.min() <= im.max() <= 1 for im, _ in shown)
    assert "Final images" in capsys.readouterr().out
    quiet, _ = _tiny_run(tiny_digits, max_iterations=3, seed=0)
    np.testing.assert_array_equal(h["d_loss"], quiet["d_loss"])
    np.testing.assert_array_equal(h["g_loss"], quiet["g_loss"])
