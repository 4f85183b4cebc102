"""Style transfer in PyTorch and TensorFlow: the formulas, the official checks, the loops.

* Every formula of ``notes/style_transfer.md`` is implemented here independently in float64
  (loops or ``einsum``) and compared with both packages (``test_note_*``; the note names each
  test next to its formula and :func:`test_every_note_formula_has_its_test` keeps them in step).
* The official check files: ``tv_out`` reproduces with the PyTorch preprocessing and with the
  official TF loader's resize (``legacy=True``); ``cl_out``, ``gm_out``, ``sl_out`` need the
  course's own SqueezeNet weights and are compared when those are in the data folder (the test
  prints why not otherwise).
* The loops on small random conv stacks (learning-rate decay, clamping, seeding, no plotting),
  and PyTorch against TensorFlow on the same weights (random stacks and the real SqueezeNet).
"""

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
import torch
from PIL import Image

from cs231n import style_transfer_pytorch as stp
from cs231n import style_transfer_tensorflow as stt
from cs231n.image_utils import load_image, preprocess_image
from tests.checks import assert_close

pytestmark = pytest.mark.a3

NOTE = Path(__file__).resolve().parents[1] / "notes" / "style_transfer.md"
CHECKS = "cs231n_extras/style-transfer-checks.npz"
CHECKS_TF = "cs231n_extras/style-transfer-checks-tf.npz"


def test_every_note_formula_has_its_test():
    named = set(re.findall(r"`(test_note_\w+)`", NOTE.read_text()))
    defined = {k for k in globals() if k.startswith("test_note_")}
    assert named - defined == set(), f"named in the note but not defined: {named - defined}"
    assert defined - named == set(), f"defined but named in no note: {defined - named}"


# =========================================================================== references
# float64, written from the note's formulas with explicit sums, independent of the package.


def ref_gram(F, normalize=True):
    """F: (C, H, W) -> (C, C), G_ij = sum_k F_ik F_jk (/ (H*W*C))."""
    C, H, W = F.shape
    G = np.einsum("ihw,jhw->ij", F, F)
    return G / (H * W * C) if normalize else G


def ref_tv(x, w):
    """x: (C, H, W); sum of squared differences of vertical and horizontal neighbours."""
    C, H, W = x.shape
    total = 0.0
    for c in range(C):
        for i in range(H):
            for j in range(W):
                if i + 1 < H:
                    total += (x[c, i + 1, j] - x[c, i, j]) ** 2
                if j + 1 < W:
                    total += (x[c, i, j + 1] - x[c, i, j]) ** 2
    return w * total


def nhwc(x):
    return np.ascontiguousarray(np.moveaxis(x, 1, -1))  # (N, C, H, W) -> (N, H, W, C)


# =========================================================================== note formulas


def test_note_content_loss(rng):
    F, P = rng.normal(size=(2, 1, 5, 4, 3))  # (1, C, H, W) each
    expected = 0.7 * sum((F.ravel()[k] - P.ravel()[k]) ** 2 for k in range(F.size))
    got = stp.content_loss(0.7, torch.from_numpy(F), torch.from_numpy(P))
    assert_close(got.item(), expected, 1e-12, "content_loss (PyTorch)")
    got_tf = stt.content_loss(0.7, tf.constant(nhwc(F)), tf.constant(nhwc(P)))
    assert_close(float(got_tf), expected, 1e-12, "content_loss (TF)")
    # its gradient is 2 w_c (F - P)
    Ft = torch.from_numpy(F).requires_grad_()
    stp.content_loss(0.7, Ft, torch.from_numpy(P)).backward()
    assert_close(Ft.grad.numpy(), 2 * 0.7 * (F - P), 1e-12, "d content_loss / dF")
    with pytest.raises(ValueError, match="content_loss: .*same shape"):
        stp.content_loss(1.0, torch.zeros(1, 2, 3, 3), torch.zeros(1, 2, 3, 4))


@pytest.mark.parametrize("normalize", [True, False])
def test_note_gram_matrix(rng, normalize):
    feats = rng.normal(size=(2, 4, 3, 5))  # (N, C, H, W), N = 2 in PyTorch
    got = stp.gram_matrix(torch.from_numpy(feats), normalize=normalize).numpy()
    assert got.shape == (2, 4, 4)
    for n in range(2):
        assert_close(got[n], ref_gram(feats[n], normalize), 1e-12, f"gram_matrix[{n}]")
    got_tf = stt.gram_matrix(tf.constant(nhwc(feats[:1])), normalize=normalize).numpy()
    assert got_tf.shape == (4, 4)
    assert_close(got_tf, ref_gram(feats[0], normalize), 1e-12, "gram_matrix (TF)")
    with pytest.raises(ValueError, match=r"gram_matrix: features must be \(1, H, W, C\)"):
        stt.gram_matrix(tf.constant(nhwc(feats)))
    with pytest.raises(ValueError, match=r"gram_matrix: features must be \(N, C, H, W\)"):
        stp.gram_matrix(torch.zeros(4, 3, 5))


def test_note_gram_ignores_where(rng):
    """Shuffling the spatial positions leaves the Gram matrix unchanged: it keeps which
    channels fire together, not where (that is why it describes style, not content)."""
    feats = rng.normal(size=(1, 6, 4, 5))
    perm = rng.permutation(20)
    shuffled = feats.reshape(1, 6, 20)[:, :, perm].reshape(1, 6, 4, 5)
    a = stp.gram_matrix(torch.from_numpy(feats)).numpy()
    b = stp.gram_matrix(torch.from_numpy(shuffled)).numpy()
    assert_close(a, b, 1e-12, "gram of shuffled positions")
    content = stp.content_loss(1.0, torch.from_numpy(feats), torch.from_numpy(shuffled))
    assert content.item() > 1.0  # the content loss does see the shuffle


def test_note_gram_normalization_scale(rng):
    """Normalized by H*W*C, tiling an image's features 2x2 (4 times the positions) leaves the
    Gram matrix unchanged; unnormalized it grows 4 times."""
    feats = rng.normal(size=(1, 3, 4, 4))
    tiled = np.tile(feats, (1, 1, 2, 2))  # (1, 3, 8, 8)
    g, g4 = (stp.gram_matrix(torch.from_numpy(f)).numpy() for f in (feats, tiled))
    assert_close(g4, g, 1e-12, "normalized gram, tiled")
    u, u4 = (stp.gram_matrix(torch.from_numpy(f), normalize=False).numpy() for f in (feats, tiled))
    assert_close(u4, 4 * u, 1e-12, "unnormalized gram, tiled")


def test_note_style_loss(rng):
    shapes = [(1, 3, 6, 5), (1, 4, 4, 4), (1, 5, 3, 2)]
    feats = [rng.normal(size=s) for s in shapes]
    layers, weights = [0, 2], [10.0, 0.5]
    targets = [ref_gram(rng.normal(size=shapes[i][1:])) for i in layers]
    expected = sum(
        w * np.sum((ref_gram(feats[i][0]) - A) ** 2) for i, A, w in zip(layers, targets, weights)
    )
    got = stp.style_loss(
        [torch.from_numpy(f) for f in feats],
        layers,
        [torch.from_numpy(A[None]) for A in targets],
        weights,
    )
    assert_close(got.item(), expected, 1e-12, "style_loss (PyTorch)")
    got_tf = stt.style_loss(
        [tf.constant(nhwc(f)) for f in feats], layers, [tf.constant(A) for A in targets], weights
    )
    assert_close(float(got_tf), expected, 1e-12, "style_loss (TF)")
    with pytest.raises(ValueError, match="style_loss: .*same length, got 2, 1 and 2"):
        stp.style_loss([torch.from_numpy(f) for f in feats], layers, targets[:1], weights)


def test_note_style_gradient(rng):
    """d/dF of w * sum((G - A)**2) with G = F F^T / (M C): 4 w / (M C) * (G - A) F."""
    C, H, W = 3, 4, 2
    F = rng.normal(size=(1, C, H, W))
    A = ref_gram(rng.normal(size=(C, H, W)))
    Ft = torch.from_numpy(F).requires_grad_()
    stp.style_loss([Ft], [0], [torch.from_numpy(A[None])], [2.5]).backward()
    Fm = F[0].reshape(C, H * W)  # (C, M)
    expected = 4 * 2.5 / (H * W * C) * (ref_gram(F[0]) - A) @ Fm
    assert_close(Ft.grad.numpy()[0].reshape(C, H * W), expected, 1e-10, "d style_loss / dF")


def test_note_tv_loss(rng):
    x = rng.normal(size=(1, 3, 5, 7))
    expected = ref_tv(x[0], 0.3)
    assert_close(stp.tv_loss(torch.from_numpy(x), 0.3).item(), expected, 1e-12, "tv_loss")
    assert_close(float(stt.tv_loss(tf.constant(nhwc(x)), 0.3)), expected, 1e-12, "tv_loss (TF)")
    # no Python loops, as the course requires (its notebook greps the source the same way)
    for fn in (stp.tv_loss, stt.tv_loss):
        lines, _ = inspect.getsourcelines(fn)
        assert not any(re.search(r"for \S* in", line) for line in lines), fn.__module__


def test_note_tv_gradient(rng):
    """The TV gradient at an interior pixel is 2 w_t (4 x_ij - the 4 neighbours): a discrete
    Laplacian, so descending on it smooths the image."""
    x = rng.normal(size=(1, 1, 5, 5))
    xt = torch.from_numpy(x).requires_grad_()
    stp.tv_loss(xt, 0.5).backward()
    g = xt.grad.numpy()[0, 0]
    X = x[0, 0]
    for i in range(1, 4):
        for j in range(1, 4):
            lap = 4 * X[i, j] - X[i - 1, j] - X[i + 1, j] - X[i, j - 1] - X[i, j + 1]
            assert_close(g[i, j], 2 * 0.5 * lap, 1e-12, f"d tv / dx[{i}, {j}]")
    flat = torch.full((1, 3, 4, 4), 0.7, dtype=torch.float64)
    assert stp.tv_loss(flat, 1.0).item() == 0.0  # a constant image has no variation


# =========================================================================== images


def write_image(path, h, w, seed=0):
    pixels = np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path, pixels


@pytest.mark.parametrize(
    ("h", "w", "size", "out"), [(30, 40, 12, (12, 16)), (40, 30, 12, (16, 12))]
)
def test_preprocess_resizes_the_shorter_side_like_torchvision(tmp_path, h, w, size, out):
    path, pixels = write_image(tmp_path / "x.png", h, w)
    x = stp.preprocess(Image.open(path), size=size)
    assert x.shape == (1, 3, *out) and x.dtype == torch.float32
    # the same pixels as the numpy loader (PIL bilinear in (width, height) order) + normalization
    expected = preprocess_image(load_image(path, size)).transpose(2, 0, 1)[None]
    assert_close(x.numpy(), expected, 1e-6, "preprocess")
    assert stp.preprocess(pixels, size=(7, 9)).shape == (1, 3, 7, 9)  # a pair is (H, W)
    same = stp.preprocess(pixels, size=min(h, w))  # no resize at the native size
    assert_close(same.numpy(), preprocess_image(pixels).transpose(2, 0, 1)[None], 1e-6)


def test_deprocess_and_rescale_invert_preprocess(tmp_path):
    _, pixels = write_image(tmp_path / "x.png", 6, 8)
    pixels[0, 0], pixels[0, 1] = 0, 255  # span the full range, so rescale is the identity
    back = np.asarray(stp.deprocess(stp.preprocess(pixels, size=6)))
    assert back.shape == (6, 8, 3) and back.dtype == np.uint8
    assert np.abs(back.astype(int) - pixels).max() <= 1  # floor(255 x) truncates
    r = stp.rescale(torch.tensor([2.0, 4.0, 3.0]))
    assert torch.equal(r, torch.tensor([0.0, 1.0, 0.5]))


def test_legacy_tf_loader_transposes_and_uses_nearest(tmp_path):
    path, pixels = write_image(tmp_path / "x.png", 30, 40)
    correct = stt.load_image(path, size=12)
    assert correct.shape == (12, 16, 3)
    assert np.array_equal(correct, load_image(path, 12))  # the package's loader
    legacy = stt.load_image(path, size=12, legacy=True)
    assert legacy.shape == (16, 12, 3)  # (H', W') given to PIL as (width, height)
    nearest = np.asarray(Image.fromarray(pixels).resize((12, 16), Image.NEAREST))
    assert np.array_equal(legacy, nearest)
    # nearest neighbour: every output pixel is one of the input pixels
    assert {tuple(p) for p in legacy.reshape(-1, 3)} <= {tuple(p) for p in pixels.reshape(-1, 3)}
    assert np.array_equal(stt.load_image(path, legacy=True), pixels)  # no size: no resize


# =========================================================================== small networks


def torch_stack(seed=0):
    """A random conv stack shaped like SqueezeNet's start: conv, ReLU, pool, conv, ReLU, conv,
    ReLU (in-place ReLUs, as torchvision's)."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, stride=2),
        torch.nn.ReLU(inplace=True),
        torch.nn.MaxPool2d(3, stride=2),
        torch.nn.Conv2d(4, 6, 3, padding=1),
        torch.nn.ReLU(inplace=True),
        torch.nn.Conv2d(6, 5, 1),
        torch.nn.ReLU(inplace=True),
    ).eval()


# PyTorch feature index -> TF feature index for these stacks (TF fuses each conv with its ReLU)
TORCH_TO_TF = {1: 0, 2: 1, 4: 2, 6: 3}


class TFStack(tf.keras.Model):
    """The same stack in Keras with a ``.net`` whose last two layers are the "classifier"
    (skipped by ``extract_features``), weights copied from :func:`torch_stack`."""

    def __init__(self, torch_net):
        super().__init__()
        convs = [m for m in torch_net if isinstance(m, torch.nn.Conv2d)]
        self.net = tf.keras.Sequential(
            [
                tf.keras.layers.Conv2D(4, 3, strides=2, activation="relu"),
                tf.keras.layers.MaxPool2D(3, strides=2),
                tf.keras.layers.Conv2D(6, 3, padding="same", activation="relu"),
                tf.keras.layers.Conv2D(5, 1, activation="relu"),
                tf.keras.layers.Conv2D(2, 1),
                tf.keras.layers.GlobalAveragePooling2D(),
            ]
        )
        self.net.build((None, 33, 33, 3))
        conv_layers = [la for la in self.net.layers if isinstance(la, tf.keras.layers.Conv2D)]
        for layer, conv in zip(conv_layers, convs):
            w = conv.weight.detach().numpy().transpose(2, 3, 1, 0)  # (KH, KW, C, F)
            layer.set_weights([w, conv.bias.detach().numpy()])


def test_extract_features_is_every_module_in_order(rng):
    cnn = torch_stack()
    x = torch.from_numpy(rng.normal(size=(2, 3, 21, 25)).astype(np.float32))
    feats = stp.extract_features(x, cnn)
    assert len(feats) == 7
    with torch.no_grad():
        prev = x
        for i, module in enumerate(cnn):
            prev = module(prev.clone())
            # the in-place ReLU after a conv rewrites the conv's entry: relu(conv(x))
            expected = prev.relu() if isinstance(module, torch.nn.Conv2d) else prev
            assert torch.allclose(feats[i], expected), f"feature {i}"
    assert feats[0] is feats[1]  # a conv's entry is the very tensor of the ReLU after it
    tf_feats = stt.extract_features(nhwc(x.numpy()), TFStack(cnn))
    assert len(tf_feats) == 4  # the last two layers of .net are left out
    for i, j in TORCH_TO_TF.items():
        assert_close(nhwc(feats[i].detach().numpy()), tf_feats[j].numpy(), 1e-4, f"feature {i}")
    with pytest.raises(ValueError, match="extract_features: cnn must have a Keras Sequential"):
        stt.extract_features(x.numpy(), object())


def test_features_from_img_default_cnn_keeps_the_official_call(tmp_path, monkeypatch):
    path, _ = write_image(tmp_path / "x.png", 30, 40)
    cnn = torch_stack()
    monkeypatch.setattr(stp, "_DEFAULT_CNN", cnn)  # what default_cnn() returns once loaded
    feats, img = stp.features_from_img(str(path), 24)  # the official two-argument call
    assert img.shape == (1, 3, 24, 32)
    explicit, _ = stp.features_from_img(str(path), 24, cnn)
    assert len(feats) == 7 and all(torch.equal(a, b) for a, b in zip(feats, explicit))


LOOP = dict(content_layer=4, content_weight=0.05, style_layers=[1, 6], style_weights=[5.0, 1.0])


def test_torch_loop_decays_the_learning_rate_and_records_the_curves(tmp_path):
    import matplotlib.pyplot as plt

    content, _ = write_image(tmp_path / "c.png", 33, 41, seed=1)
    style, _ = write_image(tmp_path / "s.png", 35, 35, seed=2)
    plt.close("all")
    img, hist = stp.style_transfer(
        content, style, 33, 35, **LOOP, tv_weight=0.01, cnn=torch_stack(),
        max_iter=12, decay_lr_at=8, decayed_lr=0.01, clamp_until=12,
    )  # fmt: skip
    assert plt.get_fignums() == []  # nothing plotted unless asked
    assert img.shape == (1, 3, 33, 41) and not img.requires_grad
    assert float(img.abs().max()) <= 1.5 + 0.05  # clamped before each step (last step 0.01)
    for k in ("content", "style", "tv", "total", "lr"):
        assert hist[k].shape == (12,), k
    assert_close(hist["total"], hist["content"] + hist["style"] + hist["tv"], 1e-6, "total")
    _, start = stp.style_transfer(
        content, style, 33, 35, **LOOP, tv_weight=0.01, cnn=torch_stack(), max_iter=1,
        clamp_until=0,
    )  # fmt: skip
    assert start["content"][0] == 0.0  # unclamped, it starts from the content image
    assert np.all(hist["lr"][:8] == 3.0) and np.all(hist["lr"][8:] == 0.01)
    assert hist["seconds"] > 0


def test_torch_loop_random_init_is_seeded_and_lowers_the_loss(tmp_path):
    content, _ = write_image(tmp_path / "c.png", 33, 33, seed=1)
    kw = dict(**LOOP, tv_weight=0.01, init_random=True, cnn=torch_stack(), max_iter=30)
    kw["initial_lr"] = 0.1  # a rate for this small random stack
    kw["style_weights"] = [0.0, 0.0]  # feature inversion
    a, ha = stp.style_transfer(content, content, 33, 33, **kw, seed=3)
    b, hb = stp.style_transfer(content, content, 33, 33, **kw, seed=3)
    c, _ = stp.style_transfer(content, content, 33, 33, **kw, seed=4)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert np.all(ha["style"] == 0.0)
    assert ha["total"][-1] < 0.5 * ha["total"][0]


def test_tf_loop_really_decays_the_learning_rate(tmp_path):
    """The official TF loop never decays (its schedule is evaluated once, at step 0); ours
    switches to the decayed rate at ``decay_lr_at``: the optimizer reports it, and the steps
    really shrink."""
    content, _ = write_image(tmp_path / "c.png", 33, 41, seed=1)
    style, _ = write_image(tmp_path / "s.png", 35, 35, seed=2)
    model = TFStack(torch_stack())
    kw = dict(content_layer=2, content_weight=0.05, style_layers=[0, 3], style_weights=[5.0, 1.0])
    args = (content, style, 33, 35)
    kw.update(tv_weight=0.01, init_random=True, model=model, decayed_lr=0.001)
    img, hist = stt.style_transfer(*args, **kw, max_iter=12, decay_lr_at=6)
    assert img.shape == (1, 33, 41, 3) and np.abs(img).max() <= 1.5
    assert np.all(hist["lr"][:6] == 3.0) and np.allclose(hist["lr"][6:], 0.001)
    assert_close(hist["total"], hist["content"] + hist["style"] + hist["tv"], 1e-5, "total")
    # steps 7..11: after the decay the image hardly moves; without it, it moves a lot
    at7, _ = stt.style_transfer(*args, **kw, max_iter=7, decay_lr_at=6)
    at7_nodecay, _ = stt.style_transfer(*args, **kw, max_iter=7, decay_lr_at=100)
    at12_nodecay, _ = stt.style_transfer(*args, **kw, max_iter=12, decay_lr_at=100)
    decayed_move = np.abs(img - at7).max()
    kept_move = np.abs(at12_nodecay - at7_nodecay).max()
    # Adam moves a pixel by at most about lr * (1 - b1) / sqrt(1 - b2) ~ 3.2 lr per step
    assert decayed_move < 5 * 3.2 * 0.001, decayed_move
    assert kept_move > 0.5, kept_move


# =========================================================================== PyTorch = TF


def step0_losses_torch(cnn, content, style, x0, c_layer, s_layers, weights):
    """(content, style, tv) losses of image x0 (N, C, H, W) against content/style images."""
    with torch.no_grad():
        target = stp.extract_features(content, cnn)[c_layer].clone()
        s_feats = stp.extract_features(style, cnn)
        grams = [stp.gram_matrix(s_feats[i].clone()) for i in s_layers]
        feats = stp.extract_features(x0, cnn)
        return (
            stp.content_loss(0.06, feats[c_layer], target).item(),
            stp.style_loss(feats, s_layers, grams, weights).item(),
            stp.tv_loss(x0, 0.02).item(),
        )


def step0_losses_tf(model, content, style, x0, c_layer, s_layers, weights):
    target = stt.extract_features(content, model)[c_layer]
    s_feats = stt.extract_features(style, model)
    grams = [stt.gram_matrix(s_feats[i]) for i in s_layers]
    feats = stt.extract_features(x0, model)
    return (
        float(stt.content_loss(0.06, feats[c_layer], target)),
        float(stt.style_loss(feats, s_layers, grams, weights)),
        float(stt.tv_loss(x0, 0.02)),
    )


def test_torch_and_tf_agree_on_a_random_stack(rng):
    cnn = torch_stack()
    content, style, x0 = (rng.normal(size=(1, 3, 33, 41)).astype(np.float32) for _ in range(3))
    a = step0_losses_torch(cnn, *map(torch.from_numpy, (content, style, x0)), 4, [1, 6], [5, 1])
    b = step0_losses_tf(TFStack(cnn), *map(nhwc, (content, style, x0)), 2, [0, 3], [5, 1])
    for name, x, y in zip(("content", "style", "tv"), a, b):
        assert_close(y, x, 1e-4, f"{name} loss, TF vs PyTorch")


# =========================================================================== real data


@pytest.fixture(scope="module")
def squeezenets():
    """The pretrained SqueezeNet in both frameworks, as the notebooks load them."""
    return stp.default_cnn(), stt.default_model()[0]


@pytest.mark.data
def test_official_tv_out_pytorch(real_data):
    answers = np.load(real_data / CHECKS)
    content = stp.preprocess(Image.open(real_data / "styles/tubingen.jpg"), size=192)
    assert content.shape == (1, 3, 192, 256)
    err = stp.rel_error(answers["tv_out"], stp.tv_loss(content, 2e-2))
    print(f"tv_out 303.47: relative error {err:.2e}")
    assert err < 1e-4


@pytest.mark.data
def test_official_tv_out_tf_needs_the_legacy_loader(real_data):
    answers = np.load(real_data / CHECKS_TF)
    legacy = preprocess_image(stt.load_image("styles/tubingen.jpg", 192, legacy=True))[None]
    correct = preprocess_image(stt.load_image("styles/tubingen.jpg", 192))[None]
    assert legacy.shape == (1, 256, 192, 3) and correct.shape == (1, 192, 256, 3)
    err_legacy = stt.rel_error(answers["tv_out"], stt.tv_loss(legacy, 2e-2))
    err_correct = stt.rel_error(answers["tv_out"], stt.tv_loss(correct, 2e-2))
    print(f"TF tv_out 1704.19: legacy loader {err_legacy:.2e}, correct resize {err_correct:.2f}")
    assert err_legacy < 1e-4
    assert err_correct > 0.5  # the correct image is smoother: 303.47 as in PyTorch
    pt = np.load(real_data / CHECKS)["tv_out"]
    assert stt.rel_error(pt, stt.tv_loss(correct, 2e-2)) < 1e-4


@pytest.mark.data
@pytest.mark.slow
def test_official_cl_gm_sl_with_the_course_weights(real_data, squeezenets, capsys):
    """``cl_out``, ``gm_out``, ``sl_out`` were computed with the course's own weights
    (torchvision's .pth for PyTorch, the course's checkpoint for TF). With those present the
    values must match; without them the test prints why they are not compared and checks that
    the Gram matrix ``gm_out`` really differs entry by entry (the built weights are another
    training run), so weights that are official but not recognized as such would fail here.
    (The built weights are rescaled so that PyTorch's ``cl_out`` and the norm of ``gm_out``
    match the course's, see tests/test_squeezenet.py, so only the entries of ``gm_out`` tell.)"""
    from cs231n.data.squeezenet_weights import official_pth, official_tf_checkpoint

    cnn, model = squeezenets
    pth, ckpt = official_pth(), official_tf_checkpoint()
    cases = [
        ("PyTorch", CHECKS, pth, pth is None, lambda: stp.official_check_values(cnn)),
        ("TF", CHECKS_TF, ckpt, ckpt is None and pth is None,
         lambda: stt.official_check_values(model, legacy=True)),
    ]  # fmt: skip
    for name, file, official, built_only, compute in cases:
        answers = np.load(real_data / file)
        values = compute()
        assert stp.rel_error(answers["tv_out"], values["tv_out"]) < 1e-4
        errors = {k: stp.rel_error(answers[k], values[k]) for k in ("cl_out", "gm_out", "sl_out")}
        if official is None:
            with capsys.disabled():
                print(
                    f"\n{name}: the course's own SqueezeNet weights are not in {real_data}, so "
                    f"cl_out, gm_out, sl_out of {file} cannot be reproduced (relative errors "
                    f"with the weights in use: {errors})"
                )
            if built_only:
                assert errors["gm_out"] > 0.5, errors
            continue
        print(f"{name}: relative errors {errors}")
        assert max(errors.values()) < 1e-3, (name, errors)  # the notebook's own tolerance


@pytest.mark.data
@pytest.mark.slow
def test_torch_and_tf_squeezenet_give_the_same_losses_at_step_0(real_data, squeezenets):
    """Same weights, same pixels: tubingen at 192 px (192 x 256: both frameworks' pools give the
    same maps there; the official Keras pools have no ceil mode, so at other sizes the maps can
    differ by a column), starry night resized to the same size, a seeded random start."""
    from cs231n.classifiers.squeezenet import SqueezeNet, load_torch_state
    from cs231n.data.squeezenet_weights import pretrained_weights

    cnn, _ = squeezenets
    model = (
        SqueezeNet()
    )  # the PyTorch model's numbers, even when the course's TF checkpoint is here
    load_torch_state(model, pretrained_weights().state)
    content = stp.preprocess(real_data / "styles/tubingen.jpg", size=192)  # (1, 3, 192, 256)
    content_tf = preprocess_image(stt.load_image("styles/tubingen.jpg", 192))[None]
    assert_close(nhwc(content.numpy()), content_tf, 1e-6, "the same content pixels")
    style = stp.preprocess(real_data / "styles/starry_night.jpg", size=(192, 256))
    x0 = torch.rand(content.shape, generator=torch.Generator().manual_seed(0))
    a = step0_losses_torch(cnn, content, style, x0, 3, [1, 4, 6, 7], [300000, 1000, 15, 3])
    b = step0_losses_tf(
        model, content_tf, nhwc(style.numpy()), nhwc(x0.numpy()), 2, [0, 3, 5, 6],
        [300000, 1000, 15, 3],
    )  # fmt: skip
    for name, x, y in zip(("content", "style", "tv"), a, b):
        print(f"{name}: PyTorch {x:.6g}, TF {y:.6g}")
        assert_close(y, x, 1e-4, f"{name} loss at step 0, TF vs PyTorch")


def test_plot_transfer_shows_the_images_and_the_curves():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cs231n.plots.style_transfer import plot_transfer

    img = np.zeros((8, 10, 3), np.uint8)
    history = {k: np.linspace(2.0, 1.0, 5) for k in ("content", "tv", "total")}
    history.update(style=np.zeros(5), lr=np.array([3.0, 3, 3, 0.1, 0.1]))
    fig = plot_transfer({"content": img, "result": img}, history, "x")
    assert [ax.get_title() for ax in fig.axes[:2]] == ["content", "result"]
    curves = [line.get_label() for line in fig.axes[2].get_lines()]
    assert curves == ["content", "tv", "total"]  # the all-zero style curve is left out
    assert list(fig.axes[3].get_lines()[0].get_ydata()) == [3.0, 3, 3, 0.1, 0.1]
    plt.close(fig)
