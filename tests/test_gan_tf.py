"""GANs in TensorFlow (:mod:`cs231n.gan_tf`): the course's checks, then ours.

* The official checks of the 2020 TF notebook: the four losses against ``gan-checks.npz`` to
  < 1e-8 (float64 logits, as the notebook passes them), ``leaky_relu`` to < 1e-10, the
  parameter counts (the DC generator's includes the batchnorm moving statistics), the range,
  shape, type and both signs of ``sample_noise``.
"""

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

pytestmark = pytest.mark.a3

CHECKS = "cs231n_extras/gan-checks.npz"


@pytest.fixture(scope="module")
def answers():
    import os

    from cs231n.paths import DATA_ENV, data_root

    if not os.environ.get(DATA_ENV):
        if os.environ.get("CI"):
            pytest.fail(f"${DATA_ENV} is not set under CI; the real-data tests must run")
        pytest.skip(f"${DATA_ENV} not set")
    return dict(np.load(data_root() / CHECKS))


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
    import json

    from cs231n.tooling.modules import OFFICIAL_MANIFEST

    names = json.loads(OFFICIAL_MANIFEST.read_text())["cs231n.gan_tf"]
    namespace: dict = {}
    exec("from cs231n.gan_tf import *", namespace)
    assert [n for n in names if n not in namespace] == []
    assert gan_tf.NOISE_DIM == 96
