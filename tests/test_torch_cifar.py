"""PyTorch Parts I-V: barebones functions, modules, loaders, the Part V net and its
training loop, on tiny inputs."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from cs231n.frameworks import torch_cifar as tc  # noqa: E402
from cs231n.frameworks import torch_models as tm  # noqa: E402
from cs231n.nn.conv import conv_forward_naive  # noqa: E402

pytestmark = pytest.mark.a2
torch.set_num_threads(1)


def _tiny_data(rng, N=64, C=10, H=8):
    X = rng.normal(size=(N, H, H, 3)).astype(np.float32)
    y = rng.integers(0, C, size=N)
    return X, y


# ----------------------------------------------------------------------------- Part I


def test_loader_gives_channels_first_float32_batches(rng):
    X, y = _tiny_data(rng, N=10)
    batches = list(tc.CifarLoader(X, y, batch_size=4, name="val"))
    assert [tuple(x.shape) for x, _ in batches] == [(4, 3, 8, 8), (4, 3, 8, 8), (2, 3, 8, 8)]
    x0, y0 = batches[0]
    assert x0.dtype == torch.float32 and y0.dtype == torch.int64
    # (N, H, W, C) -> (N, C, H, W): pixel (n, h, w, c) lands at (n, c, h, w)
    assert x0[1, 2, 5, 3].item() == X[1, 5, 3, 2]
    xl, _ = next(iter(tc.CifarLoader(X, y, batch_size=4, channels_last=True)))
    assert xl.is_contiguous(memory_format=torch.channels_last) and torch.equal(xl, x0)


# ----------------------------------------------------------------------------- Part II


def test_flatten_keeps_the_batch_axis():
    x = torch.arange(24.0).reshape(2, 3, 2, 2)
    assert tc.flatten(x).shape == (2, 12)
    assert tc.flatten(x)[1, 0].item() == 12.0


def test_two_layer_fc_official_shapes_and_numpy_reference(rng):
    # Official two_layer_fc_test: (64, 50) input, hidden 42 -> scores (64, 10).
    params = [torch.zeros(50, 42), torch.zeros(42, 10)]
    assert tc.two_layer_fc(torch.zeros(64, 50), params).shape == (64, 10)
    x = rng.normal(size=(5, 2, 3, 4))
    w1, w2 = rng.normal(size=(24, 7)), rng.normal(size=(7, 3))
    ref = np.maximum(x.reshape(5, -1) @ w1, 0) @ w2
    out = tc.two_layer_fc(torch.from_numpy(x), [torch.from_numpy(w1), torch.from_numpy(w2)])
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    with pytest.raises(ValueError, match="features"):
        tc.two_layer_fc(torch.zeros(2, 5), [torch.zeros(4, 3), torch.zeros(3, 2)])


def test_three_layer_convnet_official_shapes_and_naive_conv_reference(rng):
    # Official three_layer_convnet_test shapes.
    params = [
        torch.zeros(6, 3, 5, 5),
        torch.zeros(6),
        torch.zeros(9, 6, 3, 3),
        torch.zeros(9),
        torch.zeros(9 * 32 * 32, 10),
        torch.zeros(10),
    ]
    assert tc.three_layer_convnet(torch.zeros(64, 3, 32, 32), params).shape == (64, 10)
    # Against the numpy naive convolution of cs231n.nn.conv, in float64.
    x = rng.normal(size=(2, 3, 6, 6))
    p = [rng.normal(size=s) for s in [(4, 3, 5, 5), (4,), (2, 4, 3, 3), (2,), (2 * 36, 3), (3,)]]
    h, _ = conv_forward_naive(x, p[0], p[1], {"stride": 1, "pad": 2})
    h, _ = conv_forward_naive(np.maximum(h, 0), p[2], p[3], {"stride": 1, "pad": 1})
    ref = np.maximum(h, 0).reshape(2, -1) @ p[4] + p[5]
    out = tc.three_layer_convnet(torch.from_numpy(x), [torch.from_numpy(a) for a in p])
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-10)


def test_random_weight_is_kaiming_normal():
    g = torch.Generator().manual_seed(0)
    w = tc.random_weight((400, 300), generator=g)
    assert w.requires_grad and w.dtype == torch.float32
    assert abs(w.std().item() - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)
    k = tc.random_weight((64, 8, 3, 3), generator=g)
    assert abs(k.std().item() - np.sqrt(2 / 72)) < 0.05 * np.sqrt(2 / 72)
    b = tc.zero_weight((5,))
    assert b.requires_grad and not b.any()


def test_train_part2_sgd_steps_lower_the_loss_and_accuracy_counts(rng):
    X, y = _tiny_data(rng, N=32, H=4)
    loader = tc.CifarLoader(X, y, batch_size=32)
    torch.manual_seed(0)
    params = [tc.random_weight((48, 20)), tc.random_weight((20, 10))]
    xb, yb = next(iter(loader))
    before = F.cross_entropy(tc.two_layer_fc(xb, params), yb).item()
    losses = []
    for _ in range(10):  # same batch each time: the loss must go down
        losses += tc.train_part2(tc.two_layer_fc, params, 0.1, loader_train=loader, print_every=0)
    after = F.cross_entropy(tc.two_layer_fc(xb, params), yb).item()
    assert losses[0] == pytest.approx(before, rel=1e-5)
    assert after < 0.8 * before
    acc = tc.check_accuracy_part2(loader, tc.two_layer_fc, params, verbose=False)
    preds = tc.two_layer_fc(xb, params).argmax(1)
    assert acc == pytest.approx((preds == yb).float().mean().item())


# ----------------------------------------------------------------------------- Parts III, IV


@pytest.mark.parametrize(
    "make",
    [
        lambda: tc.TwoLayerFC(3 * 8 * 8, 16, 10),
        lambda: tc.ThreeLayerConvNet(3, 4, 3, 10, image_size=8),
        lambda: tc.sequential_two_layer_fc(3 * 8 * 8, 16, 10),
        lambda: tc.sequential_three_layer_convnet(4, 3, 10, image_size=8),
    ],
    ids=["TwoLayerFC", "ThreeLayerConvNet", "Sequential FC", "Sequential convnet"],
)
def test_module_and_sequential_models_train(make, rng):
    X, y = _tiny_data(rng, N=32)
    loader = tc.CifarLoader(X, y, batch_size=32)
    torch.manual_seed(0)
    model = make()
    xb, yb = next(iter(loader))
    assert model(xb).shape == (32, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, nesterov=True)
    # 16 full-batch steps: PyTorch's default init starts with small scores, so the
    # sequential convnet needs more than 8 steps to cut the loss by 10%.
    losses = tc.train_part34(model, opt, epochs=16, loader_train=loader, print_every=0)
    assert len(losses) == 16
    assert losses[-1] < 0.9 * losses[0]
    assert 0 <= tc.check_accuracy_part34(loader, model, verbose=False) <= 1


def test_official_three_layer_module_shapes():
    model = tc.ThreeLayerConvNet(in_channel=3, channel_1=12, channel_2=8, num_classes=10)
    assert model(torch.zeros(64, 3, 32, 32)).shape == (64, 10)


# ----------------------------------------------------------------------------- Part V


def test_cifar_resnet_shapes_and_downsampling():
    model = tm.CifarResNet((4, 8, 8, 16))
    x = torch.zeros(3, 3, 32, 32)
    assert model.stages(model.stem(x)).shape == (3, 16, 4, 4)
    assert model(x).shape == (3, 10)
    with pytest.raises(ValueError, match="widths"):
        tm.CifarResNet((4, 8, 8))


def test_one_cycle_warms_up_then_anneals():
    model = tm.CifarResNet((4, 4, 4, 4))
    opt, sched = tm.sgd_one_cycle(model, epochs=2, steps_per_epoch=10, max_lr=0.4)
    lrs = []
    for _ in range(20):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    peak = int(np.argmax(lrs))
    assert lrs[peak] == pytest.approx(0.4) and 3 <= peak <= 6
    assert lrs[0] == pytest.approx(0.04) and lrs[-1] < 0.01
    assert opt.param_groups[1]["weight_decay"] == 0  # BN and biases


def test_fit_smoke_run_lowers_loss_saves_best_and_reloads(rng, tmp_path):
    X, y = _tiny_data(rng, N=64, H=16)
    train = tc.CifarLoader(X, y, batch_size=32, shuffle=True, augment=True, seed=0)
    val = tc.CifarLoader(X, y, batch_size=32, name="val")
    torch.manual_seed(0)
    model = tm.CifarResNet((8, 8, 16, 16))
    opt, sched = tm.sgd_one_cycle(model, epochs=4, steps_per_epoch=len(train), max_lr=0.1)
    ckpt = tmp_path / "best.pt"
    hist = tm.fit(
        model, train, val, 4, opt, sched, label_smoothing=0.1, checkpoint=ckpt, progress=False
    )
    assert hist["epoch"] == [1, 2, 3, 4] and all(s > 0 for s in hist["seconds"])
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert ckpt.exists() and not list(tmp_path.glob(".*.tmp")), "atomic save left a temp file"
    # The checkpoint holds the best epoch; reloading it reproduces that accuracy.
    fresh = tm.CifarResNet((8, 8, 16, 16))
    extra = tm.load_checkpoint(fresh, ckpt)
    assert extra["val_acc"] == max(hist["val_acc"])
    assert tm.evaluate(fresh, val) == pytest.approx(extra["val_acc"])


def test_tta_flip_changes_nothing_on_mirror_symmetric_images(rng):
    X = rng.normal(size=(6, 8, 8, 3)).astype(np.float32)
    X = X + X[:, :, ::-1]  # symmetric along the width
    loader = tc.CifarLoader(X, np.zeros(6, dtype=np.int64), batch_size=6)
    model = tm.CifarResNet((4, 4, 4, 8))
    p_plain, _ = tm.predict_scores(model, loader)
    p_tta, _ = tm.predict_scores(model, loader, tta_flip=True)
    np.testing.assert_allclose(p_tta.numpy(), p_plain.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p_plain.sum(1).numpy(), 1, rtol=1e-6)


def test_bf16_autocast_scores_stay_close_to_float32(rng):
    X = rng.normal(size=(8, 16, 16, 3)).astype(np.float32)
    loader = tc.CifarLoader(X, np.zeros(8, dtype=np.int64), batch_size=8)
    torch.manual_seed(0)
    model = tm.CifarResNet((8, 8, 16, 16))
    p32, _ = tm.predict_scores(model, loader)
    p16, _ = tm.predict_scores(model, loader, bf16=True)
    assert p16.dtype == torch.float32
    # bfloat16 keeps 8 bits of mantissa: probabilities agree to about 1e-2, not 1e-6.
    np.testing.assert_allclose(p16.numpy(), p32.numpy(), atol=3e-2)
    assert not np.array_equal(p16.numpy(), p32.numpy()), "autocast had no effect"


def test_sequential_convnet_init_options():
    """'kaiming' draws N(0, 2/fan_in) weights and zero biases; 'default' keeps PyTorch's
    uniform init, whose weights stay within 1/sqrt(fan_in) (much smaller than He init)."""
    torch.manual_seed(0)
    he = tc.sequential_three_layer_convnet(32, 16, 10, init="kaiming")
    torch.manual_seed(0)
    default = tc.sequential_three_layer_convnet(32, 16, 10)
    fc_he, fc_default = he[-1], default[-1]
    fan_in = 16 * 32 * 32
    assert fc_he.weight.std().item() == pytest.approx(np.sqrt(2 / fan_in), rel=0.05)
    assert torch.all(fc_he.bias == 0)
    assert fc_default.weight.abs().max().item() <= 1 / np.sqrt(fan_in)
    assert fc_default.bias.abs().max().item() > 0
    with pytest.raises(ValueError, match="init must be 'default' or 'kaiming'"):
        tc.sequential_three_layer_convnet(init="xavier")
