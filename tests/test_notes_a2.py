"""The formulas of the assignment-2 notes, each implemented as written and compared
with the package.

Every test here is named in a note (``notes/batchnorm.md``,
``notes/layernorm_groupnorm.md``, ``notes/dropout.md``, ``notes/conv_backward.md``,
``notes/maxpool_backward.md``) next to the formula it checks, and
:func:`test_every_note_formula_has_its_test` keeps the two lists in step.
"""

import re
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
import torch.nn.functional as F

from cs231n.layers import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    conv_backward_naive,
    conv_forward_naive,
    dropout_backward,
    dropout_forward,
    layernorm_backward,
    layernorm_forward,
    max_pool_backward_naive,
    max_pool_forward_naive,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
)
from tests.checks import assert_close, torch_forward_backward

pytestmark = pytest.mark.a2

NOTES = Path(__file__).resolve().parents[1] / "notes"
NOTE_FILES = [
    "batchnorm.md",
    "layernorm_groupnorm.md",
    "dropout.md",
    "conv_backward.md",
    "maxpool_backward.md",
]
EPS = 1e-5


def test_every_note_formula_has_its_test():
    named = set()
    for name in NOTE_FILES:
        named |= set(re.findall(r"`(test_note_\w+)`", (NOTES / name).read_text()))
    defined = {k for k in globals() if k.startswith("test_note_")}
    assert named - defined == set(), f"named in a note but not defined: {named - defined}"
    assert defined - named == set(), f"defined but named in no note: {defined - named}"


# =========================================================================== batchnorm.md


def bn_inputs(rng, N=6, D=4):
    x = 5 * rng.standard_normal((N, D)) + 12
    return x, rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D))


def test_note_batchnorm_graph_walk(rng):
    x, gamma, beta, dy = bn_inputs(rng)
    N = x.shape[0]
    # forward nodes
    mu = x.sum(axis=0) / N
    x_mu = x - mu
    v = (x_mu**2).sum(axis=0) / N
    sigma = np.sqrt(v + EPS)
    s = 1 / sigma
    x_hat = x_mu * s
    # the table, row by row
    dbeta, dgamma, dx_hat = dy.sum(axis=0), (dy * x_hat).sum(axis=0), gamma * dy  # 1
    ds, dx_mu1 = (dx_hat * x_mu).sum(axis=0), dx_hat * s  # 2
    dsigma = -ds / sigma**2  # 3
    dv = dsigma / (2 * sigma)  # 4
    dx_mu2 = (2 / N) * x_mu * dv  # 5
    dx1, dmu = dx_mu1 + dx_mu2, -(dx_mu1 + dx_mu2).sum(axis=0)  # 6
    dx2 = np.broadcast_to(dmu / N, x.shape)  # 7
    dx = dx1 + dx2

    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": EPS})
    ours = batchnorm_backward(dy, cache)
    for name, a, b in zip(("dx", "dgamma", "dbeta"), ours, (dx, dgamma, dbeta)):
        assert_close(a, b, 1e-10, f"graph walk {name}")


def test_note_batchnorm_jacobian(rng):
    x, _, _, _ = bn_inputs(rng, N=5, D=3)
    N, D = x.shape
    ones, zeros = np.ones(D), np.zeros(D)
    x_hat_of = lambda x: batchnorm_forward(x, ones, zeros, {"mode": "train"})[0]
    x_hat = x_hat_of(x)
    s = 1 / np.sqrt(x.var(axis=0) + EPS)
    h = 1e-5
    for d in range(D):
        # J[j, i] = d x_hat_j / d x_i = s/N (N delta_ij - 1 - x_hat_i x_hat_j)
        J = s[d] / N * (N * np.eye(N) - 1 - np.outer(x_hat[:, d], x_hat[:, d]))
        J_num = np.empty((N, N))
        for i in range(N):
            xp, xm = x.copy(), x.copy()
            xp[i, d] += h
            xm[i, d] -= h
            J_num[:, i] = (x_hat_of(xp)[:, d] - x_hat_of(xm)[:, d]) / (2 * h)
        # absolute check scaled by the entries' size: some entries are close to zero
        np.testing.assert_allclose(J, J_num, rtol=0, atol=1e-8 * np.abs(J).max())


def test_note_batchnorm_closed_form(rng):
    x, gamma, beta, dy = bn_inputs(rng)
    N = x.shape[0]
    mu, v = x.mean(axis=0), ((x - x.mean(axis=0)) ** 2).mean(axis=0)
    s = 1 / np.sqrt(v + EPS)
    x_hat = (x - mu) * s
    dx = gamma * s / N * (N * dy - dy.sum(axis=0) - x_hat * (dy * x_hat).sum(axis=0))
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert_close(batchnorm_backward_alt(dy, cache)[0], dx, 1e-10, "closed form vs _alt")
    assert_close(batchnorm_backward(dy, cache)[0], dx, 1e-8, "closed form vs graph walk")


def test_note_batchnorm_dx_sums(rng):
    x, gamma, beta, dy = bn_inputs(rng)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, _ = batchnorm_backward_alt(dy, cache)
    v = x.var(axis=0)
    s = 1 / np.sqrt(v + EPS)
    x_hat = (x - x.mean(axis=0)) * s
    scale = np.abs(dx).max()
    np.testing.assert_allclose(dx.sum(axis=0), 0, atol=1e-12 * scale)
    np.testing.assert_allclose(
        (dx * x_hat).sum(axis=0),
        gamma * s * dgamma * EPS / (v + EPS),
        rtol=1e-6,
        atol=1e-14 * scale,
    )


# =========================================================================== layernorm_groupnorm.md


def test_note_core_backward_for_layernorm(rng):
    x, gamma, beta, dy = bn_inputs(rng)
    _, cache = layernorm_forward(x, gamma, beta, {})
    z = x.T  # (D, N): columns are examples, M = D
    M = z.shape[0]
    s = 1 / np.sqrt(z.var(axis=0) + EPS)
    z_hat = (z - z.mean(axis=0)) * s
    dz_hat = (gamma * dy).T
    dz = s / M * (M * dz_hat - dz_hat.sum(axis=0) - z_hat * (dz_hat * z_hat).sum(axis=0))
    assert_close(layernorm_backward(dy, cache)[0], dz.T, 1e-10, "(core) on x.T")


def test_note_layernorm_is_transposed_batchnorm(rng):
    x, gamma, beta, dy = bn_inputs(rng)
    N = x.shape[0]
    x_hat_t, bn_cache = batchnorm_forward(x.T, np.ones(N), np.zeros(N), {"mode": "train"})
    x_hat = x_hat_t.T  # (N, D)
    out = gamma * x_hat + beta  # gamma, beta per feature, applied after transposing back
    dx = batchnorm_backward((gamma * dy).T, bn_cache)[0].T
    dgamma, dbeta = (dy * x_hat).sum(axis=0), dy.sum(axis=0)

    ours, cache = layernorm_forward(x, gamma, beta, {})
    assert_close(ours, out, 1e-10, "layernorm out")
    for name, a, b in zip(
        ("dx", "dgamma", "dbeta"), layernorm_backward(dy, cache), (dx, dgamma, dbeta)
    ):
        assert_close(a, b, 1e-8, f"layernorm {name}")


def test_note_spatial_batchnorm_is_reshaped_batchnorm(rng):
    N, C, H, W = 2, 3, 4, 5
    x, dy = 3 * rng.standard_normal((N, C, H, W)) + 1, rng.standard_normal((N, C, H, W))
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    z = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)
    bn_param = {"mode": "train"}
    out_z, cache_z = batchnorm_forward(z, gamma, beta, bn_param)
    out = out_z.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    dz, dgamma, dbeta = batchnorm_backward(dy.transpose(0, 2, 3, 1).reshape(-1, C), cache_z)
    dx = dz.reshape(N, H, W, C).transpose(0, 3, 1, 2)

    ours_param = {"mode": "train"}
    ours, cache = spatial_batchnorm_forward(x, gamma, beta, ours_param)
    assert_close(ours, out, 1e-12, "spatial bn out")
    assert_close(ours_param["running_var"], bn_param["running_var"], 1e-12, "running_var")
    for name, a, b in zip(
        ("dx", "dgamma", "dbeta"), spatial_batchnorm_backward(dy, cache), (dx, dgamma, dbeta)
    ):
        assert_close(a, b, 1e-8, f"spatial bn {name}")


def test_note_groupnorm_is_reshaped_layernorm(rng):
    N, C, H, W, G = 2, 6, 3, 2, 3
    x, dy = 3 * rng.standard_normal((N, C, H, W)) + 1, rng.standard_normal((N, C, H, W))
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    K = C // G * H * W
    z_hat, ln_cache = layernorm_forward(x.reshape(N * G, K), np.ones(K), np.zeros(K), {})
    x_hat = z_hat.reshape(N, C, H, W)
    out = gamma * x_hat + beta
    dz = layernorm_backward((gamma * dy).reshape(N * G, K), ln_cache)[0]
    dx = dz.reshape(N, C, H, W)
    dgamma = (dy * x_hat).sum(axis=(0, 2, 3), keepdims=True)
    dbeta = dy.sum(axis=(0, 2, 3), keepdims=True)

    ours, cache = spatial_groupnorm_forward(x, gamma, beta, G, {})
    assert_close(ours, out, 1e-10, "groupnorm out")
    for name, a, b in zip(
        ("dx", "dgamma", "dbeta"), spatial_groupnorm_backward(dy, cache), (dx, dgamma, dbeta)
    ):
        assert_close(a, b, 1e-8, f"groupnorm {name}")


@pytest.mark.parametrize("which", ["G=1 is layer norm", "G=C is instance norm"])
def test_note_groupnorm_special_cases(which, rng):
    N, C, H, W = 2, 4, 3, 3
    x, dy = 3 * rng.standard_normal((N, C, H, W)) + 1, rng.standard_normal((N, C, H, W))
    ones, zeros = np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1))
    G = 1 if which.startswith("G=1") else C
    out, cache = spatial_groupnorm_forward(x, ones, zeros, G, {})
    dx = spatial_groupnorm_backward(dy, cache)[0]
    if G == 1:
        torch_fn = lambda x: F.layer_norm(x, (C, H, W), eps=EPS)
    else:
        torch_fn = lambda x: F.instance_norm(x, eps=EPS)
    ref, g = torch_forward_backward(torch_fn, {"x": x}, dy)
    assert_close(out, ref, 1e-8, f"{which}: out")
    assert_close(dx, g["x"], 1e-8, f"{which}: dx")


# =========================================================================== dropout.md


@pytest.mark.parametrize("p", [0.3, 0.8])
def test_note_dropout_expectation(p):
    T = 200_000  # masks
    x = np.array([-2.0, -0.5, 0.5, 1.0, 3.0])
    y, _ = dropout_forward(np.broadcast_to(x, (T, x.size)), {"mode": "train", "p": p, "seed": 0})
    # E[y] = x; the sample mean's standard error follows from Var[y] = x^2 (1-p)/p.
    stderr = np.abs(x) * np.sqrt((1 - p) / p / T)
    assert np.all(np.abs(y.mean(axis=0) - x) < 5 * stderr)


@pytest.mark.parametrize("p", [0.3, 0.8])
def test_note_dropout_variance(p):
    T = 200_000
    x = np.array([-2.0, 0.5, 3.0])
    y, _ = dropout_forward(np.broadcast_to(x, (T, x.size)), {"mode": "train", "p": p, "seed": 1})
    np.testing.assert_allclose(y.var(axis=0), x**2 * (1 - p) / p, rtol=0.02)


def test_note_vanilla_vs_inverted(rng):
    x, p, seed = rng.standard_normal((4, 5)), 0.6, 3
    m = np.random.RandomState(seed).rand(*x.shape) < p  # the mask bits m_i ~ Bernoulli(p)
    vanilla_train, vanilla_test = m * x, p * x
    inverted_train, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": seed})
    inverted_test, _ = dropout_forward(x, {"mode": "test", "p": p})
    assert_close(inverted_train, vanilla_train / p, 1e-15, "train: y_inv = y_van / p")
    assert_close(inverted_test, vanilla_test / p, 1e-15, "test: y_inv = y_van / p")


def test_note_dropout_backward(rng):
    x, dy, p = rng.standard_normal((6, 7)), rng.standard_normal((6, 7)), 0.4
    y, cache = dropout_forward(x, {"mode": "train", "p": p, "seed": 5})
    m = (y != 0).astype(float)  # x has no exact zeros, so y == 0 exactly where m == 0
    assert_close(dropout_backward(dy, cache), m / p * dy, 1e-15, "dx = m/p dy")
    _, cache = dropout_forward(x, {"mode": "test", "p": p})
    np.testing.assert_array_equal(dropout_backward(dy, cache), dy)  # test mode: dx = dy


# =========================================================================== conv_backward.md

CONV_CASES = [  # (x shape, w shape, stride, pad)
    ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
    ((2, 2, 7, 6), (3, 2, 3, 2), 2, 1),
    ((1, 2, 8, 7), (2, 2, 2, 1), 3, 0),
]


def conv_case(rng, x_shape, w_shape, stride, pad):
    x, w, b = (
        rng.standard_normal(x_shape),
        rng.standard_normal(w_shape),
        rng.standard_normal(w_shape[0]),
    )
    out, cache = conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})
    g = rng.standard_normal(out.shape)
    return x, w, g, conv_backward_naive(g, cache)


def dilate(g, s):
    """D[n, f, u, v] = g[n, f, u/s, v/s] where s divides u and v, else 0."""
    N, F_, Ho, Wo = g.shape
    D = np.zeros((N, F_, (Ho - 1) * s + 1, (Wo - 1) * s + 1))
    D[:, :, ::s, ::s] = g
    return D


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_note_conv_db(x_shape, w_shape, stride, pad, rng):
    _, _, g, (_, _, db) = conv_case(rng, x_shape, w_shape, stride, pad)
    assert_close(db, g.sum(axis=(0, 2, 3)), 1e-12, "db")


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_note_conv_dw_is_correlation_with_dilated_gradient(x_shape, w_shape, stride, pad, rng):
    x, w, g, (_, dw, _) = conv_case(rng, x_shape, w_shape, stride, pad)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    D = dilate(g, stride)
    N, C = x.shape[:2]
    expected = np.zeros_like(w)
    for f in range(w.shape[0]):
        for c in range(C):
            for n in range(N):
                expected[f, c] += scipy.signal.correlate(
                    xp[n, c], D[n, f], mode="valid", method="direct"
                )
    assert_close(dw, expected, 1e-8, "dw")


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_note_conv_dx_is_full_convolution_of_dilated_gradient(x_shape, w_shape, stride, pad, rng):
    x, w, g, (dx, _, _) = conv_case(rng, x_shape, w_shape, stride, pad)
    N, C, H, W = x.shape
    D = dilate(g, stride)
    dxp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for n in range(N):
        for c in range(C):
            for f in range(w.shape[0]):
                dxp[n, c] += scipy.signal.convolve(D[n, f], w[f, c], mode="full", method="direct")
    assert_close(dx, dxp[:, :, pad : pad + H, pad : pad + W], 1e-8, "dx")


@pytest.mark.parametrize("x_shape,w_shape,stride,pad", CONV_CASES)
def test_note_conv_dx_is_correlation_with_flipped_kernel(x_shape, w_shape, stride, pad, rng):
    x, w, g, (dx, _, _) = conv_case(rng, x_shape, w_shape, stride, pad)
    N, C, H, W = x.shape
    _, _, HH, WW = w.shape
    D_pad = np.pad(dilate(g, stride), ((0, 0), (0, 0), (HH - 1, HH - 1), (WW - 1, WW - 1)))
    dxp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for a in range(HH):
        for b in range(WW):
            # sum_f D~[n, f, p + a, q + b] * w[f, c, HH-1-a, WW-1-b] for every (p, q) at once
            window = D_pad[:, :, a : a + H + 2 * pad, b : b + W + 2 * pad]  # (N, F, H+2P, W+2P)
            dxp += np.einsum("nfpq,fc->ncpq", window, w[:, :, HH - 1 - a, WW - 1 - b])
    assert_close(dx, dxp[:, :, pad : pad + H, pad : pad + W], 1e-8, "dx")


# =========================================================================== maxpool_backward.md

POOLS = [(2, 2, 2), (3, 3, 1), (2, 3, 1), (3, 2, 2)]  # (PH, PW, stride)


def pool_input(rng, PH, PW, s, ties):
    shape = (2, 2, 2 * s + PH, 2 * s + PW)  # three windows each way
    return rng.integers(0, 3, shape).astype(float) if ties else rng.standard_normal(shape)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("pool", POOLS)
def test_note_maxpool_argmax_formula(pool, ties, rng):
    PH, PW, s = pool
    x = pool_input(rng, PH, PW, s, ties)
    out, cache = max_pool_forward_naive(x, {"pool_height": PH, "pool_width": PW, "stride": s})
    g = rng.standard_normal(out.shape)
    expected = np.zeros_like(x)
    N, C, Ho, Wo = out.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, s * i : s * i + PH, s * j : s * j + PW]
                    k, l = np.unravel_index(np.argmax(window), window.shape)  # first max
                    expected[n, c, s * i + k, s * j + l] += g[n, c, i, j]
    assert_close(max_pool_backward_naive(g, cache), expected, 1e-12, "max pool dx")


@pytest.mark.parametrize("pool", POOLS)
def test_note_maxpool_gradient_is_conserved(pool, rng):
    PH, PW, s = pool
    x = pool_input(rng, PH, PW, s, ties=True)
    out, cache = max_pool_forward_naive(x, {"pool_height": PH, "pool_width": PW, "stride": s})
    g = rng.standard_normal(out.shape)
    dx = max_pool_backward_naive(g, cache)
    np.testing.assert_allclose(dx.sum(axis=(2, 3)), g.sum(axis=(2, 3)), rtol=1e-12, atol=1e-12)


def split_ties_backward(g, x, PH, PW, s):
    """The 'split equally' rule: each of the k tied maxima of a window gets g / k."""
    dx = np.zeros_like(x)
    for i in range(g.shape[2]):
        for j in range(g.shape[3]):
            window = x[:, :, s * i : s * i + PH, s * j : s * j + PW]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, s * i : s * i + PH, s * j : s * j + PW] += (
                mask / mask.sum(axis=(2, 3), keepdims=True) * g[:, :, i, j][:, :, None, None]
            )
    return dx


@pytest.mark.parametrize("pool", POOLS)
def test_note_maxpool_tie_rules_are_subgradients(pool, rng):
    PH, PW, s = pool
    param = {"pool_height": PH, "pool_width": PW, "stride": s}
    x = pool_input(rng, PH, PW, s, ties=True)
    out, cache = max_pool_forward_naive(x, param)
    g = rng.random(out.shape)  # g >= 0 keeps sum(g * out) convex in x
    f = lambda x: np.sum(g * max_pool_forward_naive(x, param)[0])
    rules = {
        "first maximum": max_pool_backward_naive(g, cache),
        "split equally": split_ties_backward(g, x, PH, PW, s),
    }
    deltas = [0.5 * rng.standard_normal(x.shape) for _ in range(50)]
    for name, d in rules.items():
        for delta in deltas:
            assert f(x + delta) >= f(x) + np.sum(d * delta) - 1e-12, name
    # A rule that is NOT a subgradient (send each window's gradient to its minimum)
    # breaks the inequality, so the check above has teeth.
    wrong = np.zeros_like(x)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            w = x[:, :, s * i : s * i + PH, s * j : s * j + PW].reshape(*x.shape[:2], -1)
            onehot = (np.arange(PH * PW) == w.argmin(axis=2)[..., None]).reshape(
                *x.shape[:2], PH, PW
            )
            wrong[:, :, s * i : s * i + PH, s * j : s * j + PW] += (
                onehot * g[:, :, i, j][..., None, None]
            )
    # Nudging the minima up by 0.1 leaves most window maxima unchanged, while the wrong
    # "gradient" predicts an increase of 0.1 * sum(g).
    delta = 0.1 * (wrong > 0)
    assert f(x + delta) < f(x) + np.sum(wrong * delta) - 1e-12
