"""Normalization layers: the notebooks' shape checks, numeric gradients, PyTorch twins.

PyTorch comparisons use an elementwise relative tolerance of 1e-8 although both
sides are float64: an entry that happens to cancel to nearly zero carries a relative
round-off far above machine epsilon.
"""

import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cs231n.gradient_check import rel_error
from cs231n.layers import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
)
from tests.checks import assert_close, assert_grad, torch_forward_backward

pytestmark = pytest.mark.a2


def two_layer_activations(rng, N, D1=50, D2=60, D3=3):
    """The notebook's input: activations of a random two-layer ReLU net, with very
    different means and scales per feature."""
    X = rng.standard_normal((N, D1))
    W1, W2 = rng.standard_normal((D1, D2)), rng.standard_normal((D2, D3))
    return np.maximum(0, X @ W1) @ W2


# --------------------------------------------------------------------------- batch norm


def test_batchnorm_train_forward_official_checks(rng):
    # BatchNormalization.ipynb: after batch norm the features have mean beta, std gamma.
    a = two_layer_activations(rng, 200)
    for gamma, beta in [
        (np.ones(3), np.zeros(3)),
        (np.array([1.0, 2, 3]), np.array([11.0, 12, 13])),
    ]:
        out, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
        np.testing.assert_allclose(out.mean(axis=0), beta, rtol=0, atol=1e-10)
        np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-4)  # eps shrinks them a bit


def test_batchnorm_test_forward_official_checks(rng):
    # BatchNormalization.ipynb: warm up the running averages with 50 training batches;
    # the test-mode output of a fresh batch is then roughly standardized.
    N, D1, D2, D3 = 200, 50, 60, 3
    W1, W2 = rng.standard_normal((D1, D2)), rng.standard_normal((D2, D3))
    bn_param = {"mode": "train"}
    gamma, beta = np.ones(D3), np.zeros(D3)
    for _ in range(50):
        a = np.maximum(0, rng.standard_normal((N, D1)) @ W1) @ W2
        batchnorm_forward(a, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    a = np.maximum(0, rng.standard_normal((N, D1)) @ W1) @ W2
    out, _ = batchnorm_forward(a, gamma, beta, bn_param)
    assert np.all(np.abs(out.mean(axis=0)) < 0.2)
    assert np.all(np.abs(out.std(axis=0) - 1) < 0.2)


@pytest.mark.parametrize("backward", [batchnorm_backward, batchnorm_backward_alt])
def test_batchnorm_backward_numeric(backward, rng):
    # BatchNormalization.ipynb gradient check.
    N, D = 4, 5
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    f = lambda: batchnorm_forward(x, gamma, beta, {"mode": "train"})[0]
    dx, dgamma, dbeta = backward(dout, batchnorm_forward(x, gamma, beta, {"mode": "train"})[1])
    assert_grad(f"{backward.__name__} dx", f, x, dx, dout)
    assert_grad(f"{backward.__name__} dgamma", f, gamma, dgamma, dout)
    assert_grad(f"{backward.__name__} dbeta", f, beta, dbeta, dout)


def test_batchnorm_test_mode_backward_numeric(rng):
    x, gamma, beta = rng.standard_normal((4, 5)), rng.standard_normal(5), rng.standard_normal(5)
    param = {
        "mode": "test",
        "running_mean": rng.standard_normal(5),
        "running_var": rng.random(5) + 0.5,
    }
    dout = rng.standard_normal((4, 5))
    f = lambda: batchnorm_forward(x, gamma, beta, dict(param))[0]
    for backward in (batchnorm_backward, batchnorm_backward_alt):
        dx, dgamma, dbeta = backward(dout, batchnorm_forward(x, gamma, beta, dict(param))[1])
        assert_grad("test-mode bn dx", f, x, dx, dout)
        assert_grad("test-mode bn dgamma", f, gamma, dgamma, dout)
        assert_grad("test-mode bn dbeta", f, beta, dbeta, dout)


def test_batchnorm_backward_alt_agrees_and_is_faster(rng):
    # BatchNormalization.ipynb: same gradients; the closed form needs fewer passes over
    # the (N, D) arrays. Timings depend on the machine's load, so we print, never assert.
    N, D = 100, 500
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta, dout = rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D))
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    graph, closed = batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache)
    for name, a, b in zip(("dx", "dgamma", "dbeta"), graph, closed):
        assert rel_error(a, b) < 1e-8, name

    def best_of(fn, repeats=50):
        best = np.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn(dout, cache)
            best = min(best, time.perf_counter() - t0)
        return best

    t_graph, t_closed = best_of(batchnorm_backward), best_of(batchnorm_backward_alt)
    print(
        f"\nbatchnorm_backward {1e6 * t_graph:.0f} us, batchnorm_backward_alt "
        f"{1e6 * t_closed:.0f} us, speedup x{t_graph / t_closed:.2f} (N={N}, D={D})"
    )


@settings(max_examples=15, deadline=None)
@given(N=st.integers(2, 6), D=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_batchnorm_matches_torch_including_running_stats(N, D, seed):
    r = np.random.default_rng(seed)
    x, gamma, beta = 3 * r.standard_normal((N, D)) + 1, r.standard_normal(D), r.standard_normal(D)
    dout = r.standard_normal((N, D))
    rm, rv = r.standard_normal(D), r.random(D) + 0.5
    bn_param = {
        "mode": "train",
        "momentum": 0.9,
        "eps": 1e-5,
        "running_mean": rm.copy(),
        "running_var": rv.copy(),
    }
    out, cache = batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)

    # torch's momentum is the weight of the NEW statistic: ours 0.9 is theirs 0.1.
    rm_t, rv_t = torch.tensor(rm), torch.tensor(rv)
    ref, g = torch_forward_backward(
        lambda x, gamma, beta: F.batch_norm(x, rm_t, rv_t, gamma, beta, True, 0.1, 1e-5),
        {"x": x, "gamma": gamma, "beta": beta},
        dout,
    )
    assert_close(out, ref, 1e-8, "bn out")
    assert_close(dx, g["x"], 1e-8, "bn dx")
    assert_close(dgamma, g["gamma"], 1e-8, "bn dgamma")
    assert_close(dbeta, g["beta"], 1e-8, "bn dbeta")
    assert_close(bn_param["running_mean"], rm_t.numpy(), 1e-12, "running_mean")
    # torch folds in the UNBIASED variance N/(N-1) * var; we (like the official code)
    # fold in the biased one. Undo the factor on torch's update before comparing.
    torch_new_var_term = rv_t.numpy() - 0.9 * rv  # 0.1 * N/(N-1) * var
    assert_close(
        bn_param["running_var"], 0.9 * rv + torch_new_var_term * (N - 1) / N, 1e-10, "running_var"
    )

    # Test mode with the updated running statistics.
    bn_param["mode"] = "test"
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    ref = F.batch_norm(
        torch.tensor(x),
        torch.tensor(bn_param["running_mean"]),
        torch.tensor(bn_param["running_var"]),
        torch.tensor(gamma),
        torch.tensor(beta),
        False,
        0.1,
        1e-5,
    ).numpy()
    assert_close(out, ref, 1e-8, "bn test-mode out")


def test_batchnorm_bad_params_raise(rng):
    x = rng.standard_normal((4, 3))
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\), got \(4,\)"):
        batchnorm_forward(x, np.ones(4), np.zeros(3), {"mode": "train"})
    with pytest.raises(ValueError, match=r"beta must have shape \(3,\), got \(1, 3\)"):
        batchnorm_forward(x, np.ones(3), np.zeros((1, 3)), {"mode": "train"})
    with pytest.raises(ValueError, match="mode'\\] must be one of 'train', 'test', got 'eval'"):
        batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "eval"})
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\)"):
        batchnorm_forward(np.ones((2, 3, 4)), np.ones(3), np.zeros(3), {"mode": "train"})


# --------------------------------------------------------------------------- layer norm


def test_layernorm_forward_official_checks(rng):
    # LayerNormalization.ipynb: every EXAMPLE (row) ends up with mean 0 and std 1.
    a = two_layer_activations(rng, 4)
    out, _ = layernorm_forward(a, np.ones(3), np.zeros(3), {})
    assert np.all(np.abs(out.mean(axis=1)) < 1e-8)
    assert np.all(np.abs(out.std(axis=1) - 1) < 1e-4)


def test_layernorm_backward_numeric(rng):
    N, D = 4, 5
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta, dout = rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D))
    f = lambda: layernorm_forward(x, gamma, beta, {})[0]
    dx, dgamma, dbeta = layernorm_backward(dout, layernorm_forward(x, gamma, beta, {})[1])
    assert_grad("layernorm dx", f, x, dx, dout)
    assert_grad("layernorm dgamma", f, gamma, dgamma, dout)
    assert_grad("layernorm dbeta", f, beta, dbeta, dout)


@settings(max_examples=15, deadline=None)
@given(N=st.integers(1, 5), D=st.integers(2, 6), seed=st.integers(0, 2**16))
def test_layernorm_matches_torch(N, D, seed):
    r = np.random.default_rng(seed)
    x, gamma, beta = 3 * r.standard_normal((N, D)) + 1, r.standard_normal(D), r.standard_normal(D)
    dout = r.standard_normal((N, D))
    out, cache = layernorm_forward(x, gamma, beta, {"eps": 1e-5})
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    ref, g = torch_forward_backward(
        lambda x, gamma, beta: F.layer_norm(x, (D,), gamma, beta, 1e-5),
        {"x": x, "gamma": gamma, "beta": beta},
        dout,
    )
    for name, ours, theirs in [
        ("out", out, ref),
        ("dx", dx, g["x"]),
        ("dgamma", dgamma, g["gamma"]),
        ("dbeta", dbeta, g["beta"]),
    ]:
        assert_close(ours, theirs, 1e-8, f"layernorm {name}")


def test_layernorm_bad_gamma_raises(rng):
    with pytest.raises(ValueError, match=r"layernorm_forward: gamma must have shape \(3,\)"):
        layernorm_forward(rng.standard_normal((4, 3)), np.ones(4), np.zeros(3), {})


# --------------------------------------------------------------------------- spatial


def test_spatial_batchnorm_official_checks(rng):
    # ConvolutionalNetworks.ipynb: per-channel means beta and stds gamma over (N, H, W).
    N, C, H, W = 2, 3, 4, 5
    x = 4 * rng.standard_normal((N, C, H, W)) + 10
    for gamma, beta in [(np.ones(C), np.zeros(C)), (np.array([3.0, 4, 5]), np.array([6.0, 7, 8]))]:
        out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
        assert out.shape == x.shape
        np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), beta, rtol=0, atol=1e-10)
        np.testing.assert_allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-4)


def test_spatial_batchnorm_backward_numeric(rng):
    N, C, H, W = 2, 3, 4, 5
    x = 5 * rng.standard_normal((N, C, H, W)) + 12
    gamma, beta, dout = (
        rng.standard_normal(C),
        rng.standard_normal(C),
        rng.standard_normal((N, C, H, W)),
    )
    f = lambda: spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})[0]
    _, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    assert_grad("spatial bn dx", f, x, dx, dout)
    assert_grad("spatial bn dgamma", f, gamma, dgamma, dout)
    assert_grad("spatial bn dbeta", f, beta, dbeta, dout)


def test_spatial_batchnorm_test_mode_uses_running_stats_and_equals_reshaped_batchnorm(rng):
    N, C, H, W = 3, 4, 2, 5
    x, dout = 2 * rng.standard_normal((N, C, H, W)) + 1, rng.standard_normal((N, C, H, W))
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    stats = {"running_mean": rng.standard_normal(C), "running_var": rng.uniform(0.5, 2, C)}
    z = x.transpose(0, 2, 3, 1).reshape(-1, C)  # (N*H*W, C)
    ref, ref_cache = batchnorm_forward(z, gamma, beta, {"mode": "test", **stats})
    out, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "test", **stats})
    assert_close(out, ref.reshape(N, H, W, C).transpose(0, 3, 1, 2), 1e-12, "test-mode out")
    f = lambda: spatial_batchnorm_forward(x, gamma, beta, {"mode": "test", **stats})[0]
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    # In test mode out is linear in x, gamma and beta, so a large step h has no truncation
    # error and shrinks the round-off (~1e-16 |f| / h) below the 1e-7 tolerance.
    assert_grad("test-mode spatial bn dx", f, x, dx, dout, h=1e-2)
    assert_grad("test-mode spatial bn dgamma", f, gamma, dgamma, dout, h=1e-2)
    assert_grad("test-mode spatial bn dbeta", f, beta, dbeta, dout, h=1e-2)
    with pytest.raises(ValueError, match=r"dout must have the shape of x \(3, 4, 2, 5\)"):
        spatial_batchnorm_backward(dout[:2], cache)


def test_spatial_groupnorm_official_checks(rng):
    # ConvolutionalNetworks.ipynb: every (example, group) has mean 0 and std 1.
    N, C, H, W, G = 2, 6, 4, 5, 2
    x = 4 * rng.standard_normal((N, C, H, W)) + 10
    out, _ = spatial_groupnorm_forward(x, np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1)), G, {})
    groups = out.reshape(N * G, -1)
    assert np.all(np.abs(groups.mean(axis=1)) < 1e-8)
    assert np.all(np.abs(groups.std(axis=1) - 1) < 1e-4)


def test_spatial_groupnorm_backward_numeric(rng):
    N, C, H, W, G = 2, 6, 4, 5, 2
    x = 5 * rng.standard_normal((N, C, H, W)) + 12
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    dout = rng.standard_normal((N, C, H, W))
    f = lambda: spatial_groupnorm_forward(x, gamma, beta, G, {})[0]
    dx, dgamma, dbeta = spatial_groupnorm_backward(
        dout, spatial_groupnorm_forward(x, gamma, beta, G, {})[1]
    )
    # 1e-6, not 1e-7: dx sums to zero over each group of 40 values, so a few entries
    # are ~1e-5 while the round-off of the centred difference of sum(out * dout) is
    # ~1e-10 absolute, the same for every entry.
    assert_grad("groupnorm dx", f, x, dx, dout, tol=1e-6)
    assert_grad("groupnorm dgamma", f, gamma, dgamma, dout)
    assert_grad("groupnorm dbeta", f, beta, dbeta, dout)


@st.composite
def spatial_cases(draw):
    G = draw(st.integers(1, 3))
    C = G * draw(st.integers(1, 2))
    H, W = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    assume(C // G * H * W >= 2)  # a group of one value has no variance to normalize
    return (draw(st.integers(1, 3)), C, H, W), G, draw(st.integers(0, 2**16))


@settings(max_examples=15, deadline=None)
@given(case=spatial_cases())
def test_spatial_norms_match_torch(case):
    shape, G, seed = case
    N, C, H, W = shape
    r = np.random.default_rng(seed)
    x, dout = 3 * r.standard_normal(shape) + 1, r.standard_normal(shape)

    gamma, beta = r.standard_normal((1, C, 1, 1)), r.standard_normal((1, C, 1, 1))
    out, cache = spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})
    grads = spatial_groupnorm_backward(dout, cache)
    ref, g = torch_forward_backward(
        lambda x, gamma, beta: F.group_norm(x, G, gamma.reshape(-1), beta.reshape(-1), 1e-5),
        {"x": x, "gamma": gamma, "beta": beta},
        dout,
    )
    assert_close(out, ref, 1e-8, "groupnorm out")
    if C // G * H * W == 2:
        # Two values normalize to about -1 and +1 whatever they are: dx cancels down to
        # the eps term (1e-9 to 1e-5 here) and differs from torch by round-off (~1e-16), so
        # a relative error would measure round-off. Compare absolutely: 1e-12 is far above
        # round-off and far below the O(|dout|) error of a wrong formula.
        np.testing.assert_allclose(grads[0], g["x"], rtol=0, atol=1e-12, err_msg="groupnorm dx")
        grads, names = grads[1:], ("gamma", "beta")
    else:
        names = ("x", "gamma", "beta")
    for name, ours in zip(names, grads):
        assert_close(ours, g[name], 1e-8, f"groupnorm d{name}")

    if N * H * W < 2:
        return  # a single value per channel has no batch variance to speak of
    gamma, beta = gamma.reshape(-1), beta.reshape(-1)
    out, cache = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    grads = spatial_batchnorm_backward(dout, cache)
    ref, g = torch_forward_backward(
        lambda x, gamma, beta: F.batch_norm(x, None, None, gamma, beta, True, 0.1, 1e-5),
        {"x": x, "gamma": gamma, "beta": beta},
        dout,
    )
    assert_close(out, ref, 1e-8, "spatial bn out")
    for name, ours in zip(("x", "gamma", "beta"), grads):
        assert_close(ours, g[name], 1e-8, f"spatial bn d{name}")


def test_spatial_norm_bad_params_raise(rng):
    x = rng.standard_normal((2, 6, 3, 3))
    with pytest.raises(ValueError, match="G must be a positive integer dividing C = 6, got 4"):
        spatial_groupnorm_forward(x, np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1)), 4, {})
    with pytest.raises(ValueError, match=r"gamma must have shape \(1, 6, 1, 1\), got \(6,\)"):
        spatial_groupnorm_forward(x, np.ones(6), np.zeros((1, 6, 1, 1)), 2, {})
    with pytest.raises(ValueError, match=r"gamma must have shape \(6,\)"):
        spatial_batchnorm_forward(x, np.ones(3), np.zeros(6), {"mode": "train"})
