"""The formulas of ``notes/gan_losses.md``, implemented as written there in float64 (numpy and
torch, not the package).

Every ``test_note_*`` here is named in the note next to the formula it checks, and
:func:`test_every_note_formula_has_its_test` keeps the two lists in step.
"""

import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cs231n.paths import dataset_path
from tests.checks import assert_close

pytestmark = pytest.mark.a3

NOTE = Path(__file__).resolve().parents[1] / "notes" / "gan_losses.md"


def test_every_note_formula_has_its_test():
    named = set(re.findall(r"`(test_note_\w+)`", NOTE.read_text(encoding="utf-8")))
    defined = {k for k in globals() if k.startswith("test_note_")}
    assert named - defined == set(), f"named in the note but not defined: {named - defined}"
    assert defined - named == set(), f"defined but named in no note: {defined - named}"


def _sig(s):
    return 1 / (1 + np.exp(-s))


def _bce_stable(s, y):
    """max(s, 0) - s y + log(1 + exp(-|s|)), elementwise."""
    return np.maximum(s, 0) - s * y + np.log1p(np.exp(-np.abs(s)))


def _official():
    path = dataset_path("cs231n_extras", "gan-checks.npz")
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


# ============================================================== minimax and D*
def test_note_optimal_discriminator(rng):
    p_data, p_g = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(7))
    grid = np.linspace(1e-6, 1 - 1e-6, 200001)  # candidate D values
    pointwise = p_data[:, None] * np.log(grid) + p_g[:, None] * np.log(1 - grid)  # (7, G)
    d_grid = grid[pointwise.argmax(axis=1)]
    d_star = p_data / (p_data + p_g)
    assert np.abs(d_grid - d_star).max() < 1e-5
    value = np.sum(p_data * np.log(d_star) + p_g * np.log(1 - d_star))
    mix = (p_data + p_g) / 2
    jsd = 0.5 * np.sum(p_data * np.log(p_data / mix)) + 0.5 * np.sum(p_g * np.log(p_g / mix))
    assert_close(value, -np.log(4) + 2 * jsd, 1e-12, "V(D*, G)")
    # at p_g = p_data: D* = 1/2 everywhere and V = -log 4
    assert_close(p_data / (2 * p_data), np.full(7, 0.5), 1e-15, "D* at p_g = p_data")
    assert_close(np.sum(p_data * 2 * np.log(0.5)), -np.log(4), 1e-12, "V at p_g = p_data")


def test_note_saturating_generator_gradient():
    s = torch.tensor([-10.0, -5.0, -2.0, 0.0, 3.0], dtype=torch.float64, requires_grad=True)
    saturating = torch.log(1 - torch.sigmoid(s)).sum()  # minimize log(1 - D(G(z)))
    (g_sat,) = torch.autograd.grad(saturating, s)
    non_saturating = (-torch.log(torch.sigmoid(s))).sum()  # minimize -log D(G(z))
    (g_non,) = torch.autograd.grad(non_saturating, s)
    d = _sig(s.detach().numpy())
    assert_close(g_sat.numpy(), -d, 1e-12, "d/ds log(1 - sigma(s)) = -sigma(s)")
    assert_close(g_non.numpy(), -(1 - d), 1e-12, "d/ds -log sigma(s) = -(1 - sigma(s))")
    ratio = g_non.numpy() / g_sat.numpy()
    assert_close(ratio, np.exp(-s.detach().numpy()), 1e-12, "ratio e^{-s}")
    at5, at10 = 1, 0  # indices of s = -5 and s = -10
    assert round(-g_sat[at5].item(), 4) == 0.0067 and round(-g_non[at5].item(), 3) == 0.993
    assert round(ratio[at5]) == 148 and round(ratio[at10]) == 22026


@pytest.mark.data
def test_note_official_losses(real_data):
    f = _official()
    real, fake = f["logits_real"].ravel(), f["logits_fake"].ravel()
    d_loss = _bce_stable(real, 1).mean() + _bce_stable(fake, 0).mean()
    g_loss = _bce_stable(fake, 1).mean()
    assert_close(d_loss, f["d_loss_true"], 1e-12, "d_loss")
    assert_close(g_loss, f["g_loss_true"], 1e-12, "g_loss")
    assert_close(f["d_loss_true"], 1.8423983904443109, 1e-15, "the file's d_loss_true")
    assert_close(f["g_loss_true"], 0.771286196423346, 1e-15, "the file's g_loss_true")


# ============================================================== BCE on logits
def test_note_bce_forms_agree(rng):
    s_np = rng.uniform(-8, 8, size=40)
    y_np = rng.integers(0, 2, size=40).astype(np.float64)
    y_np[:5] = rng.uniform(0, 1, size=5)  # soft targets work the same
    s, y = torch.tensor(s_np), torch.tensor(y_np)
    sig = torch.sigmoid(s)
    forms = {
        "sigmoid": -y * torch.log(sig) - (1 - y) * torch.log(1 - sig),
        "log_sigmoid": -y * F.logsigmoid(s) - (1 - y) * F.logsigmoid(-s),
        "softplus, two terms": y * F.softplus(-s) + (1 - y) * F.softplus(s),
        "softplus(s) - s y": F.softplus(s) - s * y,
        "max form": s.clamp(min=0) - s * y + torch.log1p(torch.exp(-s.abs())),
        "BCEWithLogits": F.binary_cross_entropy_with_logits(s, y, reduction="none"),
    }
    want = _bce_stable(s_np, y_np)
    for name, value in forms.items():
        assert value.dtype == torch.float64
        assert_close(value.numpy(), want, 1e-12, name)
    # softplus(s) = max(s, 0) + log(1 + e^{-|s|}) and softplus(-s) = softplus(s) - s
    assert_close(F.softplus(s).numpy(), np.maximum(s_np, 0) + np.log1p(np.exp(-abs(s_np))), 1e-12)
    assert_close(F.softplus(-s).numpy(), F.softplus(s).numpy() - s_np, 1e-12, "softplus(-s)")
    leaf = s.clone().requires_grad_()
    loss = (leaf.clamp(min=0) - leaf * y + torch.log1p(torch.exp(-leaf.abs()))).sum()
    (grad,) = torch.autograd.grad(loss, leaf)
    assert_close(grad.numpy(), _sig(s_np) - y_np, 1e-12, "d loss / ds = sigma(s) - y")


def test_note_float32_sigmoid_breaks():
    f32 = np.float32
    with np.errstate(over="ignore", divide="ignore"):
        sig = lambda s: f32(1) / (f32(1) + np.exp(-f32(s)))  # noqa: E731
        assert sig(100) == 1.0 and sig(20) == 1.0  # 1 - e^{-20} rounds to 1
        assert np.exp(f32(100)) == np.inf and sig(-100) == 0.0  # e^{100} overflows float32
        assert -np.log(f32(1) - sig(100)) == np.inf  # y = 0 at s = 100
        assert -np.log(sig(-100)) == np.inf  # y = 1 at s = -100
    for s, y in ((100, 0), (-100, 1)):
        stable = _bce_stable(np.float32(s), np.float32(y))
        assert stable.dtype == np.float32 and stable == 100.0
    # torch: BCE on the float32 sigmoid clamps log at -100 (100 at s = 100 and at s = 300)
    # and its gradient is 0; on the logits the gradient is sigma(s) - y = 1
    for s0 in (100.0, 300.0):
        s = torch.tensor([s0], requires_grad=True)
        loss = F.binary_cross_entropy(torch.sigmoid(s), torch.zeros(1))
        (grad,) = torch.autograd.grad(loss, s)
        assert loss.item() == 100.0 and grad.item() == 0.0
        loss = F.binary_cross_entropy_with_logits(s, torch.zeros(1))
        (grad,) = torch.autograd.grad(loss, s)
        assert loss.item() == s0 and grad.item() == 1.0


# ============================================================== LSGAN
@pytest.mark.data
def test_note_lsgan_losses(real_data):
    f = _official()
    real, fake = f["logits_real"].ravel(), f["logits_fake"].ravel()
    d_loss = 0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean(fake**2)
    g_loss = 0.5 * np.mean((fake - 1) ** 2)
    assert_close(d_loss, f["d_loss_lsgan_true"], 1e-12, "LSGAN d_loss")
    assert_close(g_loss, f["g_loss_lsgan_true"], 1e-12, "LSGAN g_loss")
    assert_close(f["d_loss_lsgan_true"], 1.8770293614440594, 1e-15, "the file's value")
    assert_close(f["g_loss_lsgan_true"], 0.816954786997558, 1e-15, "the file's value")
    s = torch.tensor([-5.0], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(0.5 * (s - 1) ** 2, s)
    assert grad.item() == -6.0  # s - 1
    (sat,) = torch.autograd.grad(torch.log(1 - torch.sigmoid(s)), s)
    assert round(sat.item(), 4) == -0.0067


# ============================================================== the notebooks' questions
def _alternating(x, y, eta=1.0, steps=6):
    """y ascends first (df/dy = x), then x descends with the new y (df/dx = y)."""
    out = [(x, y)]
    for _ in range(steps):
        y = y + eta * x
        x = x - eta * y
        out.append((x, y))
    return np.array(out)  # (steps + 1, 2): (x_t, y_t)


def test_note_xy_game_table():
    table = _alternating(1.0, 1.0)
    assert table[:, 1].tolist() == [1, 2, 1, -1, -2, -1, 1]  # y_t
    assert table[:, 0].tolist() == [1, -1, -2, -1, 1, 2, 1]  # x_t
    values = table[:, 0] * table[:, 1]  # f = xy oscillates between -2 and 1
    assert values.min() == -2 and values.max() == 1
    # min_x max_y xy = 0: for x != 0 the max over y is unbounded; at x = 0 it is 0
    ys = np.linspace(-1e3, 1e3, 11)
    assert (0.5 * ys).max() == 500 and (-0.5 * ys).max() == 500 and (0 * ys).max() == 0


def test_note_xy_game_never_converges():
    M = np.array([[0.0, -1.0], [1.0, 1.0]])  # (x, y) -> (-y, x + y)
    assert_close(np.linalg.det(M), 1.0, 1e-15, "det")
    eig = np.linalg.eigvals(M)
    assert_close(np.abs(eig), np.ones(2), 1e-12, "|eigenvalues|")
    assert_close(np.sort(np.angle(eig)), np.array([-np.pi / 3, np.pi / 3]), 1e-12, "angles")
    assert_close(np.linalg.matrix_power(M, 6), np.eye(2), 1e-12, "M^6 = I")
    for eta in (1.0, 0.5, 0.1, 1.9):
        A = np.array([[1 - eta**2, -eta], [eta, 1.0]])
        assert_close(np.linalg.det(A), 1.0, 1e-12, f"det at eta={eta}")
        assert_close(np.abs(np.linalg.eigvals(A)), np.ones(2), 1e-9, f"|eig| at eta={eta}")
        orbit = _alternating(1.0, 1.0, eta, steps=2000)
        radius = np.linalg.norm(orbit, axis=1)
        assert radius.min() > 0.2 and radius.max() < 20, eta  # neither to 0 nor away
        # the conserved quantity of the alternating map: x^2 + y^2 + eta x y is unchanged
        q = orbit[:, 0] ** 2 + orbit[:, 1] ** 2 + eta * orbit[:, 0] * orbit[:, 1]
        assert np.abs(q - q[0]).max() < 1e-9 * (1 + np.abs(q).max()), eta
    # simultaneous steps: the distance grows by sqrt(1 + eta^2) = sqrt(2) per step
    x, y, radii = 1.0, 1.0, []
    for _ in range(6):
        x, y = x - y, y + x
        radii.append(np.hypot(x, y))
    assert_close(np.diff(np.log(radii)), np.full(5, 0.5 * np.log(2)), 1e-12, "sqrt 2 growth")


def test_note_chance_losses():
    s = np.zeros(16)  # D = 1/2 everywhere
    d_loss = _bce_stable(s, 1).mean() + _bce_stable(s, 0).mean()
    g_loss = _bce_stable(s, 1).mean()
    assert_close(d_loss, 2 * np.log(2), 1e-15, "d_loss at chance")
    assert_close(g_loss, np.log(2), 1e-15, "g_loss at chance")
    assert round(d_loss, 3) == 1.386 and round(g_loss, 3) == 0.693


# ============================================================== the package
def test_note_package_losses(rng):
    """The formulas above against both modules' losses, in float64, with their gradients."""
    import tensorflow as tf

    from cs231n import gan_pytorch as gp
    from cs231n import gan_tf as gt

    real, fake = rng.normal(0, 4, size=(9, 1)), rng.normal(0, 4, size=(9, 1))
    real[0], fake[0] = 100.0, -100.0  # the stable form on logits far from 0
    want = {
        "discriminator_loss": _bce_stable(real, 1).mean() + _bce_stable(fake, 0).mean(),
        "generator_loss": _bce_stable(fake, 1).mean(),
        "ls_discriminator_loss": 0.5 * np.mean((real - 1) ** 2) + 0.5 * np.mean(fake**2),
        "ls_generator_loss": 0.5 * np.mean((fake - 1) ** 2),
    }
    # gradients of the generator losses with respect to the fake scores
    want_grad = {
        "generator_loss": (_sig(fake) - 1) / len(fake),
        "ls_generator_loss": (fake - 1) / len(fake),
    }
    for name, value in want.items():
        args = (real, fake) if name.startswith(("discriminator", "ls_disc")) else (fake,)
        ts = [torch.tensor(a, requires_grad=True) for a in args]
        out = getattr(gp, name)(*ts)
        assert out.dtype == torch.float64
        assert_close(out.item(), value, 1e-12, f"gan_pytorch.{name}")
        vs = [tf.Variable(a) for a in args]
        with tf.GradientTape() as tape:
            tf_out = getattr(gt, name)(*vs)
        assert_close(float(tf_out.numpy()), value, 1e-12, f"gan_tf.{name}")
        if name in want_grad:
            (g_torch,) = torch.autograd.grad(out, ts)
            assert_close(g_torch.numpy(), want_grad[name], 1e-12, f"d gan_pytorch.{name}")
            assert_close(tape.gradient(tf_out, vs)[0].numpy(), want_grad[name], 1e-12, name)
    assert_close(gp.bce_loss(torch.tensor(real), torch.ones(9, 1, dtype=torch.float64)).item(),
                 _bce_stable(real, 1).mean(), 1e-12, "gan_pytorch.bce_loss")  # fmt: skip
