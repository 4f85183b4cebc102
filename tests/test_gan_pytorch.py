"""GANs in PyTorch (:mod:`cs231n.gan_pytorch`): the official checks, the models, the loop.

* The official ``gan-checks.npz`` values of the four losses to < 1e-7 (in float32, as the
  notebook computes them) and the official parameter counts of the four models.
* ``sample_noise`` and the models (shapes, ranges, seeding), ``bce_loss`` against torch's
  ``binary_cross_entropy_with_logits`` in float64 and at ``|logit| = 1000``, the helpers.
* :func:`mnist_loaders` on the real MNIST training file.
* :func:`run_a_gan` on tiny synthetic batches: history lengths, snapshots from a fixed noise
  that change nothing in the run, exact reproduction with a seed, no figure unless asked.
"""

import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from cs231n import gan_pytorch as gp
from cs231n.data_utils import load_mnist
from tests.checks import assert_close

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


def test_run_a_gan_keeps_the_official_signature():
    params = list(inspect.signature(gp.run_a_gan).parameters.values())
    official = [
        ("D", None), ("G", None), ("D_solver", None), ("G_solver", None),
        ("discriminator_loss", None), ("generator_loss", None), ("loader_train", None),
        ("show_every", 250), ("batch_size", 128), ("noise_size", 96), ("num_epochs", 10),
    ]  # fmt: skip
    got = [(p.name, None if p.default is p.empty else p.default) for p in params[:11]]
    assert got == official
    extras = {p.name: p.default for p in params[11:]}
    assert all(p.kind is p.KEYWORD_ONLY for p in params[11:])
    assert extras == {
        "max_iterations": None,
        "snapshot_every": None,
        "snapshot_noise": None,
        "show": True,
        "seed": None,
    }


# =========================================================================== noise and models


def test_sample_noise_range_shape_type_signs_and_seed():
    torch.manual_seed(231)
    z = gp.sample_noise(3, 4)
    assert torch.is_tensor(z) and z.shape == (3, 4) and z.dtype == torch.float32
    big = gp.sample_noise(1000, 8).numpy()
    assert big.min() >= -1.0 and big.max() <= 1.0
    assert np.any(big < 0) and np.any(big > 0)
    assert big.min() < -0.99 and big.max() > 0.99  # it spans [-1, 1], not [0, 1] or less
    assert abs(big.mean()) < 0.02
    a, b, c = gp.sample_noise(5, 6, seed=1), gp.sample_noise(5, 6, seed=1), gp.sample_noise(5, 6)
    assert torch.equal(a, b) and not torch.equal(b, c)
    torch.manual_seed(1)  # the official form: the global generator, 2 * U[0, 1) - 1
    assert torch.equal(a, 2 * torch.rand(5, 6) - 1)
    for bad in (0, -2, 2.5, True):
        with pytest.raises(ValueError, match="sample_noise: batch_size must be an integer >= 1"):
            gp.sample_noise(bad, 4)
    with pytest.raises(ValueError, match="sample_noise: dim must be an integer >= 1, got 0"):
        gp.sample_noise(3, 0)


def test_vanilla_models_shapes_ranges_and_seeds():
    D, G = gp.discriminator(seed=3), gp.generator(noise_dim=5, seed=3)
    images = torch.rand(7, 1, 28, 28)
    assert D(images).shape == (7, 1)
    assert torch.equal(D(images), D(images.reshape(7, 784)))  # flattened or not
    out = G(gp.sample_noise(7, 5) * 100)  # large inputs saturate tanh, never leave [-1, 1]
    assert out.shape == (7, 784) and out.abs().max() <= 1.0
    assert torch.equal(gp.discriminator(seed=3)[1].weight, D[1].weight)
    assert not torch.equal(gp.discriminator(seed=4)[1].weight, D[1].weight)
    assert torch.equal(gp.generator(5, seed=3)[0].weight, G[0].weight)
    assert gp.generator()[0].in_features == gp.NOISE_DIM == 96
    slopes = [m.negative_slope for m in D if isinstance(m, torch.nn.LeakyReLU)]
    assert slopes == [0.01, 0.01]


def test_dc_models_shapes():
    B = 6
    Dc = gp.build_dc_classifier(B)
    x = torch.rand(B, 1, 28, 28)
    assert Dc(x).shape == (B, 1) and torch.equal(Dc(x), Dc(x.reshape(B, 784)))
    with pytest.raises(ValueError, match=r"Unflatten: expected 6 x 784 values .* got shape \(5,"):
        Dc(x[:5])
    Gc = gp.build_dc_generator(noise_dim=10)
    out = Gc(gp.sample_noise(B, 10))
    assert out.shape == (B, 784) and out.abs().max() <= 1.0
    # the intermediate maps: 7 x 7 x 128 -> 14 x 14 x 64 -> 28 x 28 x 1
    feats = gp.sample_noise(B, 10)
    shapes = []
    for module in Gc:
        feats = module(feats)
        shapes.append(tuple(feats.shape[1:]))
    assert shapes[6] == (128, 7, 7) and shapes[7] == (64, 14, 14) and shapes[10] == (1, 28, 28)
    assert gp.Unflatten()(torch.zeros(3, 6272)).shape == (3, 128, 7, 7)
    assert gp.Flatten()(torch.zeros(3, 2, 4, 5)).shape == (3, 40)


def test_initialize_weights_is_xavier_uniform_on_linear_and_transposed_conv():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(300, 200), torch.nn.ConvTranspose2d(64, 32, 4), torch.nn.Conv2d(3, 5, 3)
    )
    before = [m.weight.clone() for m in model]
    biases = [m.bias.clone() for m in model]
    model.apply(gp.initialize_weights)
    for m, w0, b0 in zip(model, before, biases):
        assert torch.equal(m.bias, b0)  # biases are left alone
        if isinstance(m, torch.nn.Conv2d):
            assert torch.equal(m.weight, w0)  # not a Linear or ConvTranspose2d
            continue
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(m.weight)
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        w = m.weight.detach()
        assert not torch.equal(w, w0) and w.abs().max() <= bound
        assert w.abs().max() > 0.98 * bound  # uniform on the whole interval
        assert abs(w.std().item() - bound / np.sqrt(3)) < 0.02 * bound


# =========================================================================== losses


def test_bce_loss_matches_torch_in_float64_with_its_gradient(rng):
    x = torch.tensor(rng.normal(scale=4.0, size=(50, 1)), requires_grad=True)
    for t in (torch.ones(50, 1), torch.zeros(50, 1), torch.tensor(rng.uniform(size=(50, 1)))):
        t = t.double()
        ours = gp.bce_loss(x, t)
        ref = F.binary_cross_entropy_with_logits(x, t)
        assert ours.dtype == torch.float64 and ours.shape == ()
        assert_close(ours.item(), ref.item(), 1e-14, "bce_loss")
        (g_ours,) = torch.autograd.grad(ours, x)
        (g_ref,) = torch.autograd.grad(ref, x)
        assert_close(g_ours.numpy(), g_ref.numpy(), 1e-12, "d bce_loss / d input")
    with pytest.raises(ValueError, match=r"bce_loss: .* same shape .* got \(50, 1\) and \(50,\)"):
        gp.bce_loss(x, torch.ones(50, dtype=torch.float64))


def test_bce_loss_is_stable_at_large_logits():
    x = torch.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    t = torch.tensor([1.0, 0.0, 0.0, 1.0])
    per_entry = [gp.bce_loss(x[i : i + 1], t[i : i + 1]).item() for i in range(4)]
    assert per_entry == [0.0, 0.0, 1000.0, 1000.0]
    loss = gp.bce_loss(x, t)
    loss.backward()
    assert loss.item() == 500.0 and torch.isfinite(x.grad).all()
    # the gradient sigmoid(x) - t, divided by the 4 entries of the mean
    assert torch.equal(x.grad, torch.tensor([0.0, 0.0, 0.25, -0.25]))
    naive = -(t * torch.log(torch.sigmoid(x)) + (1 - t) * torch.log(1 - torch.sigmoid(x)))
    assert torch.isinf(naive).any()  # what the stable form avoids


def test_gan_losses_are_their_formulas(rng):
    real = torch.tensor(rng.normal(size=(9, 1)))
    fake = torch.tensor(rng.normal(size=(9, 1)))
    bce = F.binary_cross_entropy_with_logits
    d = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))  # the SUM of means
    assert_close(gp.discriminator_loss(real, fake).item(), d.item(), 1e-14, "discriminator_loss")
    g = -torch.log(torch.sigmoid(fake)).mean()
    assert_close(gp.generator_loss(fake).item(), g.item(), 1e-14, "generator_loss")
    ls_d = 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()
    assert_close(gp.ls_discriminator_loss(real, fake).item(), ls_d.item(), 1e-14, "ls_d")
    assert_close(gp.ls_generator_loss(fake).item(), 0.5 * ((fake - 1) ** 2).mean().item(), 1e-14)


def test_get_optimizer_is_the_courses_adam():
    model = gp.discriminator()
    opt = gp.get_optimizer(model)
    assert isinstance(opt, torch.optim.Adam)
    group = opt.param_groups[0]
    assert group["lr"] == 1e-3 and group["betas"] == (0.5, 0.999)
    assert len(group["params"]) == len(list(model.parameters()))


# =========================================================================== helpers


def test_pre_and_deprocess_chunk_sampler_rel_error():
    x = np.array([0.0, 0.25, 1.0])
    assert np.array_equal(gp.preprocess_img(x), [-1.0, -0.5, 1.0])
    assert np.array_equal(gp.deprocess_img(gp.preprocess_img(x)), x)
    assert torch.equal(gp.deprocess_img(torch.tensor([-1.0, 1.0])), torch.tensor([0.0, 1.0]))
    sampler = gp.ChunkSampler(5, start=3)
    assert len(sampler) == 5 and list(sampler) == [3, 4, 5, 6, 7] == list(sampler)
    assert list(gp.ChunkSampler(3)) == [0, 1, 2]
    data = TensorDataset(torch.arange(20))
    batches = [b.tolist() for (b,) in DataLoader(data, batch_size=2, sampler=sampler)]
    assert batches == [[3, 4], [5, 6], [7]]
    assert gp.rel_error(np.array([1.0, 2.0]), torch.tensor([1.0, 2.2])) == pytest.approx(0.2 / 4.2)


def test_show_images_draws_a_square_grid():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cs231n.plots.gan import show_images

    fig = show_images(np.zeros((10, 784)), "ten")
    assert len(fig.axes) == 10 and fig.axes[0].get_images()[0].get_array().shape == (28, 28)
    assert tuple(fig.get_size_inches()) == (4, 4)  # ceil(sqrt(10)) = 4 on each side
    plt.close(fig)
    with pytest.raises(ValueError, match="show_images: .* square number of pixels, got 10"):
        show_images(np.zeros((2, 10)))


# =========================================================================== MNIST


@pytest.mark.data
def test_mnist_loaders_are_the_courses_chunks(real_data):
    images, labels = load_mnist("train")
    train, val = gp.mnist_loaders()
    assert len(train.sampler) == 50000 and len(val.sampler) == 5000
    assert len(train) == 391 and len(val) == 40  # ceil(50000 / 128), ceil(5000 / 128)
    x, y = next(iter(train))
    assert x.shape == (128, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert y[:5].tolist() == [5, 0, 4, 1, 9]  # the first training digits, in order
    assert torch.equal(x[:, 0], torch.from_numpy(images[:128]).float() / 255)  # T.ToTensor()
    xv, yv = next(iter(val))
    assert torch.equal(xv[:, 0], torch.from_numpy(images[50000:50128]).float() / 255)
    assert torch.equal(yv, torch.from_numpy(labels[50000:50128]))
    last = list(val)[-1][0]
    assert len(last) == 5000 - 39 * 128  # the last batch is short (run_a_gan skips such)


@pytest.mark.data
def test_mnist_loaders_shuffle_is_a_seeded_permutation_of_the_chunk(real_data):
    def order(seed):
        train, _ = gp.mnist_loaders(batch_size=100, num_train=1000, num_val=0, shuffle=True,
                                    seed=seed)  # fmt: skip
        return torch.cat([y for _, y in train])

    ya, yb, yc = order(1), order(1), order(2)
    assert torch.equal(ya, yb) and not torch.equal(ya, yc)
    _, labels = load_mnist("train")
    counts = np.bincount(ya.numpy(), minlength=10)
    assert np.array_equal(counts, np.bincount(labels[:1000], minlength=10))
    assert not np.array_equal(ya.numpy(), labels[:1000])  # really shuffled
    with pytest.raises(ValueError, match=r"mnist_loaders: num_train \+ num_val .* 60000 .* 59999"):
        gp.mnist_loaders(num_train=59999, num_val=2)


# =========================================================================== run_a_gan


NOISE = 8


def tiny_loader(n=44, batch_size=8):
    """n images in [0, 1] (blurry random blobs) in batches of 8: 5 full ones, one of 4."""
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(n, 1, 28, 28, generator=gen)
    return DataLoader(TensorDataset(x, torch.zeros(n, dtype=torch.int64)), batch_size=batch_size)


def tiny_run(D_G=None, **kw):
    D, G = D_G or (gp.discriminator(seed=1), gp.generator(NOISE, seed=2))
    args = dict(show_every=100, batch_size=8, noise_size=NOISE, num_epochs=2, show=False)
    args.update(kw)
    return gp.run_a_gan(
        D, G, gp.get_optimizer(D), gp.get_optimizer(G), gp.discriminator_loss,
        gp.generator_loss, tiny_loader(), **args,
    )  # fmt: skip


def test_run_a_gan_history_and_fixed_noise_snapshots(capsys):
    import matplotlib.pyplot as plt

    plt.close("all")
    G = gp.generator(NOISE, seed=2)
    noise = 2 * torch.rand(100, NOISE, generator=torch.Generator().manual_seed(0)) - 1
    with torch.no_grad():
        untrained = G(noise).numpy()
    h = tiny_run((gp.discriminator(seed=1), G), show_every=4, snapshot_every=3, seed=5)
    assert plt.get_fignums() == []  # show=False: nothing plotted
    out = capsys.readouterr().out
    assert out.count("Iter: ") == 3 and "Iter: 0, D: " in out and "Iter: 8, D: " in out
    # 2 epochs of 5 full batches (the short batch of 4 is skipped)
    assert h["d_loss"].shape == h["g_loss"].shape == (10,) and h["d_loss"].dtype == np.float64
    assert np.all(np.isfinite(h["d_loss"])) and np.all(h["g_loss"] > 0)
    assert sorted(h["snapshots"]) == [0, 3, 6, 9, 10]  # before 0, 3, 6, 9 and after the last
    for snap in h["snapshots"].values():
        assert snap.shape == (100, 784) and snap.dtype == np.float32 and np.abs(snap).max() <= 1
    # the default fixed noise: SNAPSHOT_SEED, independent of the run's seed
    assert np.array_equal(h["snapshots"][0], untrained)
    with torch.no_grad():
        assert np.array_equal(h["snapshots"][10], G(noise).numpy())  # the trained G
    assert not np.array_equal(h["snapshots"][10], untrained)
    assert h["seconds"] > 0

    short = tiny_run(max_iterations=7, snapshot_every=7, seed=5)
    assert short["d_loss"].shape == (7,) and sorted(short["snapshots"]) == [0, 7]
    assert np.array_equal(short["d_loss"], h["d_loss"][:7])  # the same run, stopped early
    assert tiny_run(max_iterations=3)["snapshots"] == {}
    own = torch.zeros(2, NOISE)
    mine = tiny_run(max_iterations=1, snapshot_every=5, snapshot_noise=own)["snapshots"]
    assert sorted(mine) == [0, 1] and mine[0].shape == (2, 784)
    with pytest.raises(ValueError, match="run_a_gan: snapshot_every must be an integer >= 1"):
        tiny_run(snapshot_every=0)


def test_run_a_gan_seeded_runs_reproduce_and_snapshots_change_nothing():
    a = tiny_run(seed=5, max_iterations=4)
    b = tiny_run(seed=5, max_iterations=4, snapshot_every=1)
    c = tiny_run(seed=6, max_iterations=4)
    assert np.array_equal(a["d_loss"], b["d_loss"]) and np.array_equal(a["g_loss"], b["g_loss"])
    assert not np.array_equal(a["d_loss"], c["d_loss"])
    again = tiny_run(seed=5, max_iterations=4, snapshot_every=1)
    assert all(np.array_equal(again["snapshots"][k], v) for k, v in b["snapshots"].items())


def test_run_a_gan_dcgan_lsgan_snapshots_keep_the_batchnorm_statistics():
    def run(snapshot_every):
        torch.manual_seed(0)
        D, G = gp.build_dc_classifier(8), gp.build_dc_generator(NOISE)
        D.apply(gp.initialize_weights)
        G.apply(gp.initialize_weights)
        h = gp.run_a_gan(
            D, G, gp.get_optimizer(D), gp.get_optimizer(G), gp.ls_discriminator_loss,
            gp.ls_generator_loss, tiny_loader(), show_every=100, batch_size=8, noise_size=NOISE,
            max_iterations=2, snapshot_every=snapshot_every, show=False, seed=1,
        )  # fmt: skip
        return h, G.state_dict()

    (h, state), (h_snap, state_snap) = run(None), run(1)
    assert np.array_equal(h["g_loss"], h_snap["g_loss"])
    assert sorted(h_snap["snapshots"]) == [0, 1, 2]
    assert state.keys() == state_snap.keys()
    assert all(torch.equal(state[k], state_snap[k]) for k in state)  # running stats included
    assert state["2.num_batches_tracked"] == 4  # two G batches an iteration (D and G steps)


def test_run_a_gan_show_plots_the_official_16_images():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    tiny_run(show=True, show_every=2, max_iterations=3)
    figs = plt.get_fignums()
    assert len(figs) == 2  # iterations 0 and 2
    assert all(len(plt.figure(n).axes) == 8 for n in figs)  # a batch of 8 (the official 16)
    plt.close("all")
