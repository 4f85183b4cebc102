"""Network visualization (assignment 3): cs231n/net_visualization_pytorch.py,
cs231n/net_visualization_tensorflow.py and cs231n/frameworks/visualization_metrics.py.

Every formula of ``notes/network_visualization.md`` is checked here by the test named next
to it in the note: saliency against float64 finite differences, the fooling and
class-visualization steps against hand computations on linear models, blur against a
Gaussian kernel built by hand, jitter against the official concatenation, PyTorch against
TensorFlow on the same weights; then SqueezeNet with real ImageNet weights.
"""

import functools

import numpy as np
import pytest
import scipy.stats
import tensorflow as tf
import torch
from torch import nn

import cs231n.net_visualization_pytorch as nvt
import cs231n.net_visualization_tensorflow as nvf
from cs231n.frameworks import visualization_metrics as vm
from cs231n.image_utils import SQUEEZENET_MEAN, SQUEEZENET_STD, preprocess_image

pytestmark = pytest.mark.a3


# ----------------------------------------------------------------------------- tiny models


def tiny_weights(rng, K=5):
    """Weights of a tiny conv net, shared by its torch and Keras twins."""
    return {
        "w1": rng.normal(0, 0.5, (4, 3, 3, 3)),  # (F, C, kh, kw)
        "b1": rng.normal(0, 0.1, 4),
        "w2": rng.normal(0, 0.5, (K, 4)),  # (K, F)
        "b2": rng.normal(0, 0.1, K),
    }


def tiny_torch(weights, dtype=torch.float32):
    """conv 3x3 (pad 1) - ReLU - max pool 2 - global average - linear: (N, 3, H, W) -> (N, K)."""
    K = weights["w2"].shape[0]
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, K),
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(weights["w1"]))
        model[0].bias.copy_(torch.from_numpy(weights["b1"]))
        model[5].weight.copy_(torch.from_numpy(weights["w2"]))
        model[5].bias.copy_(torch.from_numpy(weights["b2"]))
    return model.to(dtype).eval()


def tiny_keras(weights):
    """The same net channels last: (N, H, W, 3) -> (N, K)."""
    L = tf.keras.layers
    K = weights["w2"].shape[0]
    model = tf.keras.Sequential(
        [
            L.Conv2D(4, 3, padding="same", activation="relu"),
            L.MaxPool2D(2),
            L.GlobalAveragePooling2D(),
            L.Dense(K),
        ]
    )
    model.build((None, None, None, 3))
    model.layers[0].set_weights([weights["w1"].transpose(2, 3, 1, 0), weights["b1"]])
    model.layers[3].set_weights([weights["w2"].T, weights["b2"]])
    return model


class LinearTorch(nn.Module):
    """Scores ``s = W flatten(x) + b``: ``d s_k / d x = W[k]`` everywhere (for hand checks)."""

    def __init__(self, W, b):
        super().__init__()
        self.W = nn.Parameter(torch.as_tensor(W))
        self.b = nn.Parameter(torch.as_tensor(b))

    def forward(self, x):
        return x.flatten(1) @ self.W.T + self.b  # (N, K)


def linear_keras(W, b):
    model = tf.keras.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(W.shape[0])])
    model.build((None, 4, 5, 3))
    model.layers[1].set_weights([W.T.astype(np.float32), b.astype(np.float32)])
    return model


# ------------------------------------------------------------------------------- saliency


def numeric_saliency(model, X, y, h=1e-6):
    """max_c |d s_y / d X| by centred differences, float64, one pixel at a time."""
    X = X.double()
    N, C, H, W = X.shape
    grad = torch.zeros_like(X)
    with torch.no_grad():
        for idx in np.ndindex(N, C, H, W):
            Xp, Xm = X.clone(), X.clone()
            Xp[idx] += h
            Xm[idx] -= h
            n = idx[0]
            grad[idx] = (model(Xp)[n, y[n]] - model(Xm)[n, y[n]]) / (2 * h)
    return grad.abs().amax(dim=1)


def test_saliency_equals_finite_differences(rng):
    model = tiny_torch(tiny_weights(rng), dtype=torch.float64)
    X = torch.from_numpy(rng.normal(size=(2, 3, 6, 6)))
    y = torch.tensor([1, 3])
    got = nvt.compute_saliency_maps(X, y, model)
    assert got.shape == (2, 6, 6) and got.dtype == torch.float64
    want = numeric_saliency(model, X, y)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-9)


def test_saliency_of_a_batch_is_each_images_own(rng):
    # The note's sum trick: the gradient of sum_i s_{y_i}(X_i) w.r.t. X_j is image j's own.
    model = tiny_torch(tiny_weights(rng))
    X = torch.from_numpy(rng.normal(size=(3, 3, 8, 8)).astype(np.float32))
    y = torch.tensor([0, 4, 2])
    batch = nvt.compute_saliency_maps(X, y, model)
    for i in range(3):
        one = nvt.compute_saliency_maps(X[i : i + 1], y[i : i + 1], model)
        np.testing.assert_allclose(batch[i].numpy(), one[0].numpy(), rtol=1e-5, atol=1e-7)


def test_saliency_leaves_inputs_and_model_alone(rng):
    model = tiny_torch(tiny_weights(rng))
    X = torch.from_numpy(rng.normal(size=(2, 3, 6, 6)).astype(np.float32))
    X0 = X.clone()
    nvt.compute_saliency_maps(X, torch.tensor([0, 1]), model)
    assert torch.equal(X, X0) and X.grad is None and not X.requires_grad
    assert all(p.grad is None for p in model.parameters())
    with torch.no_grad():  # gradients are still taken inside a caller's no_grad block
        inside = nvt.compute_saliency_maps(X, torch.tensor([0, 1]), model)
    assert torch.equal(inside, nvt.compute_saliency_maps(X, torch.tensor([0, 1]), model))


def test_saliency_of_a_linear_model_is_the_weight_row():
    # s = W x + b: d s_y / d X = W[y] reshaped, so the map is max_c |W[y, c, h, w]|.
    rng = np.random.default_rng(0)
    W = rng.normal(size=(6, 3 * 4 * 5)).astype(np.float32)
    model = LinearTorch(W, np.zeros(6, np.float32))
    X = torch.from_numpy(rng.normal(size=(2, 3, 4, 5)).astype(np.float32))
    got = nvt.compute_saliency_maps(X, torch.tensor([2, 5]), model)
    want = np.abs(W[[2, 5]].reshape(2, 3, 4, 5)).max(axis=1)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_saliency_errors_name_the_argument(rng):
    model = tiny_torch(tiny_weights(rng))
    with pytest.raises(ValueError, match=r"compute_saliency_maps: X must be a \(N, 3, H, W\)"):
        nvt.compute_saliency_maps(torch.zeros(2, 6, 6, 3), torch.tensor([0, 1]), model)
    with pytest.raises(ValueError, match=r"compute_saliency_maps: y must have shape \(2,\)"):
        nvt.compute_saliency_maps(torch.zeros(2, 3, 6, 6), torch.tensor([0, 1, 2]), model)
    with pytest.raises(ValueError, match=r"compute_saliency_maps: X must be \(N, H, W, 3\)"):
        nvf.compute_saliency_maps(np.zeros((2, 3, 6, 6)), [0, 1], tiny_keras(tiny_weights(rng)))


def test_torch_and_tensorflow_saliency_agree_on_the_tiny_net(rng):
    weights = tiny_weights(rng)
    X = rng.normal(size=(3, 3, 8, 8)).astype(np.float32)  # (N, C, H, W)
    y = np.array([0, 2, 4])
    s_torch = nvt.compute_saliency_maps(
        torch.from_numpy(X), torch.from_numpy(y), tiny_torch(weights)
    )
    s_tf = nvf.compute_saliency_maps(X.transpose(0, 2, 3, 1), y, tiny_keras(weights))
    assert s_tf.shape == (3, 8, 8)
    np.testing.assert_allclose(s_tf, s_torch.numpy(), rtol=1e-4, atol=1e-6)


def test_torch_and_tensorflow_saliency_agree_on_squeezenet():
    # Same (random, torchvision-initialised) SqueezeNet 1.1 weights in both frameworks.
    from cs231n.classifiers.squeezenet import SqueezeNet as KerasSqueezeNet
    from cs231n.classifiers.squeezenet import load_torch_state
    from cs231n.frameworks.squeezenet_torch import squeezenet1_1

    torch.manual_seed(0)
    net = squeezenet1_1().eval()
    keras_net = KerasSqueezeNet()
    load_torch_state(keras_net, {k: v.numpy() for k, v in net.state_dict().items()})
    X = np.random.default_rng(1).normal(size=(2, 224, 224, 3)).astype(np.float32)  # NHWC
    y = np.array([3, 700])
    s_tf = nvf.compute_saliency_maps(X, y, keras_net)
    s_torch = nvt.compute_saliency_maps(
        torch.from_numpy(X.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y), net
    ).numpy()
    assert s_torch.shape == s_tf.shape == (2, 224, 224)
    assert s_torch.max() > 0
    rel = np.abs(s_tf - s_torch).max() / np.abs(s_torch).max()
    assert rel < 1e-4, f"PyTorch and TensorFlow saliency differ: max rel. error {rel:.2e}"


# -------------------------------------------------------------------------------- fooling


def linear_problem(seed=0, K=4):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(K, 3 * 4 * 5))
    b = np.zeros(K)
    X = rng.normal(size=(1, 3, 4, 5))
    return W, b, X


def hand_fooling(W, b, X, target, lr=1.0, max_iters=100):
    """The note's loop in float64: check the prediction, else X += lr * W[t] / ||W[t]||."""
    x = X.reshape(-1).copy()
    for it in range(max_iters + 1):
        if np.argmax(W @ x + b) == target:
            return x.reshape(X.shape), it
        if it == max_iters:
            return x.reshape(X.shape), None
        x += lr * W[target] / np.linalg.norm(W[target])


def test_fooling_step_is_the_normalised_gradient():
    W, b, X = linear_problem()
    scores = W @ X.reshape(-1)
    target = int(np.argmin(scores))
    model = LinearTorch(W, b)
    res = nvt.fooling_attack(torch.from_numpy(X), target, model, max_iters=1)
    step = (res.image - torch.from_numpy(X)).numpy().reshape(-1)
    assert res.iterations == 1
    np.testing.assert_allclose(step, W[target] / np.linalg.norm(W[target]), rtol=1e-10)
    assert np.linalg.norm(step) == pytest.approx(1.0)  # learning rate 1, unit L2 step
    res2 = nvt.fooling_attack(torch.from_numpy(X), target, model, max_iters=1, learning_rate=0.5)
    assert np.linalg.norm((res2.image - torch.from_numpy(X)).numpy()) == pytest.approx(0.5)


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_fooling_stops_as_soon_as_fooled(framework):
    W, b, X = linear_problem(seed=3, K=5)
    target = int(np.argmin(W @ X.reshape(-1)))
    want, want_iters = hand_fooling(W, b, X, target)
    assert want_iters is not None and want_iters > 1
    if framework == "torch":
        res = nvt.fooling_attack(torch.from_numpy(X), target, LinearTorch(W, b))
        image = res.image.numpy()
        fooled = nvt.make_fooling_image(torch.from_numpy(X), target, LinearTorch(W, b)).numpy()
    else:
        Xh = X.transpose(0, 2, 3, 1)  # (1, H, W, C); the Keras Dense sees the NHWC flattening
        Wh = W.reshape(-1, 3, 4, 5).transpose(0, 2, 3, 1).reshape(len(W), -1)
        model = linear_keras(Wh, b)
        res = nvf.fooling_attack(Xh, target, model)
        image = res.image.transpose(0, 3, 1, 2)
        fooled = nvf.make_fooling_image(Xh, target, model).transpose(0, 3, 1, 2)
    assert res.fooled and res.iterations == want_iters and res.target_y == target
    np.testing.assert_allclose(image, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fooled, image)  # the official function returns the same image


def test_fooling_gives_up_at_max_iters_and_on_a_dead_gradient():
    W, b, X = linear_problem(seed=3, K=5)
    target = int(np.argmin(W @ X.reshape(-1)))
    res = nvt.fooling_attack(torch.from_numpy(X), target, LinearTorch(W, b), max_iters=1)
    assert not res.fooled and res.iterations == 1
    already = int(np.argmax(W @ X.reshape(-1)))
    res = nvt.fooling_attack(torch.from_numpy(X), already, LinearTorch(W, b))
    assert res.fooled and res.iterations == 0
    # ReLU scores (as SqueezeNet's last layer): a target at 0 everywhere has zero gradient.
    W0 = W.copy()
    W0[target] = 0.0
    b0 = np.full(5, 10.0)
    b0[target] = -1.0  # s_target = relu(-1) = 0 for every input
    relu_model = nn.Sequential(LinearTorch(W0, b0), nn.ReLU())
    res = nvt.fooling_attack(torch.from_numpy(X), target, relu_model)
    assert not res.fooled and res.iterations == 0
    with pytest.raises(ValueError, match=r"fooling_attack: X must hold 1 image"):
        nvt.fooling_attack(torch.zeros(2, 3, 4, 5), 0, LinearTorch(W, b))
    with pytest.raises(ValueError, match=r"fooling_attack: target_y must be in \[0, 5\), got 9"):
        nvt.fooling_attack(torch.from_numpy(X), 9, LinearTorch(W, b))


# --------------------------------------------------------------------- class visualization


def hand_update(W, x, target, l2_reg, lr):
    """g = W[t] - 2 l2_reg x;  x + lr g / ||g||."""
    g = W[target] - 2 * l2_reg * x
    return x + lr * g / np.linalg.norm(g)


def test_class_visualization_update_step_by_hand():
    W, b, X = linear_problem(seed=5)
    img = torch.from_numpy(X.copy()).requires_grad_()
    nvt.class_visualization_update_step(img, LinearTorch(W, b), 2, 0.3, 7.0)
    want = hand_update(W, X.reshape(-1), 2, 0.3, 7.0).reshape(X.shape)
    assert img.requires_grad  # updated in place, still a leaf that requires grad
    np.testing.assert_allclose(img.detach().numpy(), want, rtol=1e-10)


def test_class_visualization_update_step_by_hand_tensorflow():
    W, b, X = linear_problem(seed=5)
    Xh = X.transpose(0, 2, 3, 1)
    Wh = W.reshape(-1, 3, 4, 5).transpose(0, 2, 3, 1).reshape(len(W), -1)
    model = linear_keras(Wh, b)
    want = hand_update(Wh, Xh.reshape(-1), 2, 0.3, 7.0).reshape(Xh.shape)
    out = nvf.class_visualization_update_step(Xh, model, 2, 0.3, 7.0)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-5)
    var = tf.Variable(Xh.astype(np.float32))
    assert nvf.class_visualization_update_step(var, model, 2, 0.3, 7.0) is var  # in place
    np.testing.assert_allclose(var.numpy(), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_class_visualization_loop(rng, framework):
    weights = tiny_weights(rng)
    lo, hi = -SQUEEZENET_MEAN / SQUEEZENET_STD, (1 - SQUEEZENET_MEAN) / SQUEEZENET_STD
    kw = dict(num_iterations=5, show_every=2, size=16, max_jitter=3, blur_every=2)
    if framework == "torch":
        runs = [nvt.class_visualization(1, tiny_torch(weights), seed=4, **kw) for _ in range(2)]
        img = runs[0].image.numpy().transpose(0, 2, 3, 1)  # (1, H, W, 3)
        score = lambda im: float(tiny_torch(weights)(im)[0, 1].detach())  # noqa: E731
        start = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(4))
        final = runs[0].image
    else:
        runs = [nvf.class_visualization(1, tiny_keras(weights), seed=4, **kw) for _ in range(2)]
        img = runs[0].image
        score = lambda im: float(tiny_keras(weights)(im)[0, 1])  # noqa: E731
        start = preprocess_image(255 * np.random.default_rng(4).random((16, 16, 3)))[None]
        final = runs[0].image
    assert img.shape == (1, 16, 16, 3)
    assert np.all(img >= lo - 1e-5) and np.all(img <= hi + 1e-5)  # clamped to valid pixels
    assert sorted(runs[0].snapshots) == [1, 2, 4, 5]
    assert all(s.shape == (16, 16, 3) and s.dtype == np.uint8 for s in runs[0].snapshots.values())
    np.testing.assert_array_equal(np.asarray(runs[0].image), np.asarray(runs[1].image))  # seeded
    assert score(final) > score(start)  # the ascent raised the target score


# ----------------------------------------------------------------------- blur, jitter, io


def reference_blur_1d(x, sigma, axis):
    """Gaussian by hand: weights exp(-k^2 / 2 sigma^2) / sum, |k| <= int(4 sigma + 0.5),
    mirror padding (d c b a | a b c d), as scipy's default 'reflect' mode."""
    r = int(4 * sigma + 0.5)
    k = np.arange(-r, r + 1)
    w = np.exp(-(k**2) / (2 * sigma**2))
    w /= w.sum()
    x = np.moveaxis(x, axis, -1)
    pad = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(r, r)], mode="symmetric")
    out = sum(w[j] * pad[..., j : j + x.shape[-1]] for j in range(2 * r + 1))
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("sigma", [0.5, 1.0])
def test_blur_matches_a_hand_built_gaussian(rng, sigma):
    X = rng.normal(size=(2, 3, 9, 7))
    want = reference_blur_1d(reference_blur_1d(X, sigma, 2), sigma, 3)
    Xt = torch.from_numpy(X.copy())
    out = nvt.blur_image(Xt, sigma=sigma)
    assert out is Xt  # in place, as the official helper
    np.testing.assert_allclose(Xt.numpy(), want, rtol=1e-12, atol=1e-12)
    out_tf = nvf.blur_image(X.transpose(0, 2, 3, 1), sigma=sigma)
    np.testing.assert_allclose(out_tf, want.transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)


def official_jitter(X, ox, oy):
    """The 2020 starter's jitter: concatenations along W, then H."""
    if ox != 0:
        X = torch.cat([X[:, :, :, -ox:], X[:, :, :, :-ox]], dim=3)
    if oy != 0:
        X = torch.cat([X[:, :, -oy:], X[:, :, :-oy]], dim=2)
    return X


@pytest.mark.parametrize("ox, oy", [(0, 0), (3, 0), (0, 2), (5, 4), (-3, -2)])
def test_jitter_is_the_official_shift_and_round_trips(rng, ox, oy):
    X = torch.from_numpy(rng.normal(size=(2, 3, 7, 9)))
    out = nvt.jitter(X, ox, oy)
    assert torch.equal(out, official_jitter(X, ox, oy))
    assert torch.equal(nvt.jitter(out, -ox, -oy), X)
    h, w = 4, 6  # out[..., h, w] = X[..., (h - oy) % H, (w - ox) % W]
    assert out[1, 2, h, w] == X[1, 2, (h - oy) % 7, (w - ox) % 9]
    Xh = X.numpy().transpose(0, 2, 3, 1)
    out_tf = nvf.jitter(tf.constant(Xh), ox, oy).numpy()
    np.testing.assert_array_equal(out_tf, out.numpy().transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(nvf.jitter(out_tf, -ox, -oy).numpy(), Xh)


def test_preprocess_deprocess_round_trip(rng):
    img = rng.integers(0, 256, size=(10, 14, 3), dtype=np.uint8)
    x = nvt.preprocess(img, size=10)
    assert x.shape == (1, 3, 10, 14) and x.dtype == torch.float32
    np.testing.assert_allclose(x[0].numpy().transpose(1, 2, 0), preprocess_image(img), atol=1e-6)
    back = np.asarray(nvt.deprocess(x, should_rescale=False))
    assert back.shape == (10, 14, 3) and back.dtype == np.uint8
    assert np.abs(back.astype(int) - img).max() <= 1  # x * 255 truncated, as ToPILImage
    assert nvt.preprocess(img, size=5).shape == (1, 3, 5, 7)  # the shorter side becomes size
    stretched = np.asarray(nvt.deprocess(x))  # should_rescale: the image spans 0..255
    assert stretched.min() == 0 and stretched.max() == 255
    r = nvt.rescale(torch.tensor([2.0, 4.0, 3.0]))
    np.testing.assert_allclose(r.numpy(), [0.0, 1.0, 0.5])


def test_official_star_imports():
    ns_t, ns_f = {}, {}
    exec("from cs231n.net_visualization_pytorch import *", ns_t)
    exec("from cs231n.net_visualization_tensorflow import *", ns_f)
    official_t = {"blur_image", "class_visualization_update_step", "compute_saliency_maps"}
    official_t |= {"deprocess", "jitter", "make_fooling_image", "preprocess", "rescale"}
    official_f = official_t - {"deprocess", "preprocess", "rescale"}
    assert official_t <= set(ns_t) and official_f <= set(ns_f)


# ---------------------------------------------------------------------------- measurements


def test_random_targets_never_hit_the_label():
    y = np.array([0, 999, 5, 5, 500] * 40)
    t = vm.random_targets(y, seed=3)
    assert t.shape == y.shape and np.all(t != y) and t.min() >= 0 and t.max() <= 999
    np.testing.assert_array_equal(t, vm.random_targets(y, seed=3))
    assert len(np.unique(t)) > 150  # spread over the classes, not one fixed offset


def test_perturbation_norms_by_hand():
    X = np.zeros((2, 3, 2, 2))
    F = X.copy()
    F[0, 1, 0, 0] = 2.0  # one pixel of channel 1 (green) moved by 2 normalised units
    F[1, :, 1, 1] = [-1.0, 0.5, 0.5]
    out = vm.perturbation_norms(X, F, channel_axis=1)
    np.testing.assert_allclose(out["l2"], [2.0, np.sqrt(1.5)])
    np.testing.assert_allclose(out["linf"], [2.0, 1.0])
    s = 255 * SQUEEZENET_STD.astype(np.float64)
    np.testing.assert_allclose(out["l2_pixels"][0], 2 * s[1])
    np.testing.assert_allclose(out["linf_pixels"][1], max(s[0], 0.5 * s[1], 0.5 * s[2]))
    nhwc = vm.perturbation_norms(X.transpose(0, 2, 3, 1), F.transpose(0, 2, 3, 1), channel_axis=3)
    for k in out:
        np.testing.assert_allclose(nhwc[k], out[k])


def test_fooling_stats_on_a_linear_model():
    W, b, _ = linear_problem(seed=3, K=5)
    X = np.random.default_rng(8).normal(size=(3, 3, 4, 5))
    targets = np.array([int(np.argmin(W @ x.reshape(-1))) for x in X])
    attack = functools.partial(nvt.fooling_attack, model=LinearTorch(W, b))
    stats = vm.fooling_stats(torch.from_numpy(X), targets, attack, channel_axis=1)
    assert stats.success_rate == 1.0
    for i in range(3):
        _, iters = hand_fooling(W, b, X[i : i + 1], targets[i])
        assert stats.iterations[i] == iters
        assert stats.l2[i] == pytest.approx(iters, rel=1e-6)  # unit steps in one direction
    assert stats.summary()["max_iterations"] == stats.iterations.max()


def test_spearman_equals_scipy(rng):
    a, b = rng.normal(size=50), rng.normal(size=50)
    b[:10] = a[:10]
    a[5:8] = 1.0  # ties
    assert vm.spearman(a, b) == pytest.approx(scipy.stats.spearmanr(a, b).statistic, abs=1e-12)
    assert vm.spearman(a, 3 * a + 1) == pytest.approx(1.0)
    assert np.isnan(vm.spearman(a, np.ones(50)))


def test_randomized_copy_cascades_from_the_top(rng):
    model = tiny_torch(tiny_weights(rng))
    assert vm.weight_layers(model) == ["0", "5"]
    top = vm.randomized_copy(model, 1, seed=0)
    assert torch.equal(top[0].weight, model[0].weight)  # conv kept
    assert not torch.equal(top[5].weight, model[5].weight) and torch.all(top[5].bias == 0)
    full = vm.randomized_copy(model, None, seed=0)
    assert not torch.equal(full[0].weight, model[0].weight)
    assert torch.equal(vm.randomized_copy(model, 0)[0].weight, model[0].weight)
    std = full[0].weight.std().item()  # Kaiming normal: std sqrt(2 / fan_in), fan_in = 27
    assert 0.5 * np.sqrt(2 / 27) < std < 1.5 * np.sqrt(2 / 27)
    with pytest.raises(ValueError, match=r"randomized_copy: num_top_layers must be in \[0, 2\]"):
        vm.randomized_copy(model, 3)


# ----------------------------------------------------------------- real weights, real images


@pytest.fixture(scope="module")
def squeezenet_and_images():
    """SqueezeNet 1.1 with the ImageNet weights, and the 25 images preprocessed."""
    from cs231n.data_utils import load_imagenet_val
    from cs231n.frameworks.squeezenet_torch import squeezenet1_1

    X_raw, y, _ = load_imagenet_val()
    X = torch.cat([nvt.preprocess(x) for x in X_raw])  # (25, 3, 224, 224)
    return squeezenet1_1(pretrained=True), X, torch.from_numpy(y)


@pytest.mark.data
def test_fooling_succeeds_on_real_images(real_data, squeezenet_and_images):
    model, X, y = squeezenet_and_images
    targets = vm.random_targets(y.numpy(), seed=0)[:3]
    attack = functools.partial(nvt.fooling_attack, model=model)
    stats = vm.fooling_stats(X[:3], targets, attack, channel_axis=1)
    assert stats.success_rate == 1.0, stats
    assert stats.iterations.max() < 100 and stats.iterations.min() > 0
    with torch.no_grad():
        for i in range(3):
            assert int(model(X[i : i + 1]).argmax()) != targets[i]
            fooled = nvt.make_fooling_image(X[i : i + 1], int(targets[i]), model)
            assert int(model(fooled).argmax()) == targets[i]
    assert np.all(stats.linf_pixels < 64)  # a perturbation far below the 0..255 range


@pytest.mark.data
def test_fooling_succeeds_on_real_images_tensorflow(real_data, squeezenet_and_images):
    from cs231n.classifiers.squeezenet import pretrained_squeezenet_tf

    model, _ = pretrained_squeezenet_tf()
    _, X, y = squeezenet_and_images
    Xh = X[:2].numpy().transpose(0, 2, 3, 1)  # (2, 224, 224, 3)
    targets = vm.random_targets(y.numpy(), seed=0)[:2]
    stats = vm.fooling_stats(
        Xh, targets, functools.partial(nvf.fooling_attack, model=model), channel_axis=3
    )
    assert stats.success_rate == 1.0 and stats.iterations.max() < 100, stats
    for i in range(2):
        fooled = nvf.make_fooling_image(Xh[i : i + 1], int(targets[i]), model)
        assert int(np.argmax(model(fooled))) == targets[i]


@pytest.mark.data
def test_saliency_rank_correlation_drops_under_randomization(real_data, squeezenet_and_images):
    model, X, y = squeezenet_and_images
    corr = vm.saliency_rank_correlations(
        nvt.compute_saliency_maps, X[:5], y[:5], model, steps=[0, 1, None], seeds=(0, 1)
    )
    np.testing.assert_allclose(corr[0], 1.0)
    full = corr[None]
    # nan would be: the random network's class score 0 everywhere (final ReLU) for both seeds
    assert np.all(np.isfinite(full)), full
    assert np.nanmax(full) < 0.6, full
    assert np.nanmean(full) < np.mean(corr[1]) < 0.95, corr  # the more layers, the lower


def test_randomized_keras_copy_cascades_from_the_top(rng):
    weights = tiny_weights(rng)
    model = tiny_keras(weights)
    build = functools.partial(tiny_keras, tiny_weights(np.random.default_rng(99)))
    top = vm.randomized_keras_copy(model, 1, seed=0, build=build)
    np.testing.assert_array_equal(top.layers[0].get_weights()[0], model.layers[0].get_weights()[0])
    kernel, bias = top.layers[3].get_weights()
    assert not np.allclose(kernel, model.layers[3].get_weights()[0]) and np.all(bias == 0)
    full = vm.randomized_keras_copy(model, None, seed=0, build=build)
    std = full.layers[0].get_weights()[0].std()  # fan_in = 3 * 3 * 3
    assert 0.5 * np.sqrt(2 / 27) < std < 1.5 * np.sqrt(2 / 27)
    same = vm.randomized_keras_copy(model, 0, seed=0, build=build)
    for a, b in zip(same.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    X = rng.normal(size=(2, 8, 8, 3)).astype(np.float32)
    randomize = functools.partial(vm.randomized_keras_copy, build=build)
    corr = vm.saliency_rank_correlations(
        nvf.compute_saliency_maps, X, [0, 1], model, steps=[0], randomize=randomize
    )
    np.testing.assert_allclose(corr[0], 1.0)
    np.testing.assert_allclose(corr[0], 1.0)
    with pytest.raises(ValueError, match=r"randomized_keras_copy: num_top_layers must be in"):
        vm.randomized_keras_copy(model, 3, build=build)


def test_rank_correlations_average_over_seeds_and_skip_constant_maps():
    # A fake saliency whose "randomized" maps are known: seed 0 constant (nan), seed 1 the
    # reversed ranks (-1), seed 2 the same ranks (+1).
    base = np.arange(8.0).reshape(1, 2, 4)
    maps = {None: base, 0: np.ones_like(base), 1: -base, 2: 2 * base}

    def saliency_fn(X, y, model):
        return maps[model]

    corr = vm.saliency_rank_correlations(
        saliency_fn, None, None, None, steps=[5], seeds=(0, 1, 2), randomize=lambda m, k, s: s
    )
    np.testing.assert_allclose(corr[5], [0.0])  # mean of -1 and +1, the nan left out
    only_nan = vm.saliency_rank_correlations(
        saliency_fn, None, None, None, steps=[5], seeds=(0,), randomize=lambda m, k, s: s
    )
    assert np.isnan(only_nan[5][0])
