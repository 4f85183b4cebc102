"""GANs in PyTorch (:mod:`cs231n.gan_pytorch`): the official checks, the models, the loop.

* The official ``gan-checks.npz`` values of the four losses to < 1e-7 (in float32, as the
  notebook computes them) and the official parameter counts of the four models.
"""

import numpy as np
import pytest
import torch

from cs231n import gan_pytorch as gp

pytestmark = pytest.mark.a3

CHECKS = "cs231n_extras/gan-checks.npz"


# =========================================================================== official checks


@pytest.fixture
def checks(real_data):
    return np.load(real_data / CHECKS)


@pytest.mark.data
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_official_loss_values(checks, dtype):
    real = torch.tensor(checks["logits_real"], dtype=dtype)  # (10, 1)
    fake = torch.tensor(checks["logits_fake"], dtype=dtype)
    values = {
        "d_loss_true": gp.discriminator_loss(real, fake),
        "g_loss_true": gp.generator_loss(fake),
        "d_loss_lsgan_true": gp.ls_discriminator_loss(real, fake),
        "g_loss_lsgan_true": gp.ls_generator_loss(fake),
    }
    for name, value in values.items():
        assert value.shape == () and value.dtype == dtype, name
        err = gp.rel_error(checks[name], value)
        print(f"{name} {float(checks[name]):.10f} ({dtype}): relative error {err:.1e}")
        assert err < (1e-7 if dtype == torch.float32 else 1e-14), (name, err)


def test_official_parameter_counts():
    assert gp.count_params(gp.discriminator()) == 267009
    assert gp.count_params(gp.generator(4)) == 1858320
    assert gp.count_params(gp.build_dc_classifier(128)) == 1102721
    assert gp.count_params(gp.build_dc_generator(4)) == 6580801
    # the default noise dimension: 96 inputs instead of 4 to the first Linear (+ 92 * 1024)
    assert gp.count_params(gp.build_dc_generator()) == 6580801 + 92 * 1024
    # batchnorm's running statistics are buffers, not parameters (TF's count includes them)
    buffers = sum(b.numel() for n, b in gp.build_dc_generator(4).named_buffers() if "running" in n)
    assert buffers == 2 * (1024 + 7 * 7 * 128 + 64) == 14720


def test_star_import_gives_the_official_names():
    namespace: dict = {}
    exec("from cs231n.gan_pytorch import *", namespace)
    official = [
        "ChunkSampler", "Flatten", "Unflatten", "bce_loss", "build_dc_classifier",
        "build_dc_generator", "count_params", "deprocess_img", "discriminator",
        "discriminator_loss", "generator", "generator_loss", "get_optimizer",
        "initialize_weights", "ls_discriminator_loss", "ls_generator_loss", "preprocess_img",
        "rel_error", "run_a_gan", "sample_noise",
    ]  # fmt: skip
    assert [n for n in official if n not in namespace] == []
