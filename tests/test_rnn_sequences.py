"""cs231n.rnn_layers: the sequence functions are their step functions run over time (the way the
course writes them), in float64 and float32, and keep the dtype; sigmoid is the two-branch
stable formula exactly."""

import numpy as np
import pytest

from cs231n.rnn_layers import (
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    sigmoid,
)

pytestmark = pytest.mark.a3

# (N, T, D, H): odd sizes, one step, one hidden unit, and a size past the 64-row blocks
SHAPES = [(3, 5, 4, 6), (1, 1, 2, 1), (4, 3, 5, 70)]


def _inputs(rng, shape, gates, dtype):
    N, T, D, H = shape
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh = rng.standard_normal((D, gates * H)), rng.standard_normal((H, gates * H)) / np.sqrt(H)
    b, dh = rng.standard_normal(gates * H), rng.standard_normal((N, T, H))
    return [a.astype(dtype) for a in (x, h0, Wx, Wh, b, dh)]


def rnn_by_steps(x, h0, Wx, Wh, b, dh):
    """rnn_forward + rnn_backward written with the step functions: h (N, T, H) and the five
    gradients."""
    hs, caches, h = [], [], h0
    for t in range(x.shape[1]):
        h, cache = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev = np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        dx[:, t], dprev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev, caches[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return np.stack(hs, axis=1), (dx, dprev, dWx, dWh, db)


def lstm_by_steps(x, h0, Wx, Wh, b, dh):
    """lstm_forward + lstm_backward written with the step functions."""
    hs, caches, h, c = [], [], h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev_h, dprev_c = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(x.shape[1])):
        dx[:, t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t] + dprev_h, dprev_c, caches[t]
        )
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return np.stack(hs, axis=1), (dx, dprev_h, dWx, dWh, db)


CELLS = {
    "rnn": (1, rnn_forward, rnn_backward, rnn_by_steps),
    "lstm": (4, lstm_forward, lstm_backward, lstm_by_steps),
}
NAMES = ("dx", "dh0", "dWx", "dWh", "db")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_sequence_equals_its_steps_and_keeps_the_dtype(cell, shape, dtype, rtol):
    gates, forward, backward, by_steps = CELLS[cell]
    rng = np.random.default_rng(sum(shape) + gates)
    x, h0, Wx, Wh, b, dh = _inputs(rng, shape, gates, dtype)
    h, cache = forward(x, h0, Wx, Wh, b)
    grads = backward(dh, cache)
    want_h, want_grads = by_steps(x, h0, Wx, Wh, b, dh)
    assert h.dtype == dtype and h.shape == want_h.shape
    np.testing.assert_allclose(h, want_h, rtol=rtol, atol=rtol)
    for name, got, want in zip(NAMES, grads, want_grads):
        assert got.dtype == dtype and got.shape == want.shape, name
        scale = np.abs(want).max()
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale, err_msg=name)
    for k, a in enumerate(cache):
        assert a.dtype == dtype, f"cache entry {k}"


def test_backward_leaves_the_cache_unchanged():
    rng = np.random.default_rng(0)
    for cell, (gates, forward, backward, _) in CELLS.items():
        x, h0, Wx, Wh, b, dh = _inputs(rng, (3, 4, 5, 6), gates, np.float64)
        _, cache = forward(x, h0, Wx, Wh, b)
        before = [a.copy() for a in cache]
        first = backward(dh, cache)
        for k, (a, a0) in enumerate(zip(cache, before)):
            np.testing.assert_array_equal(a, a0, err_msg=f"{cell} cache entry {k}")
        for g1, g2 in zip(first, backward(dh, cache)):  # a second call gives the same
            np.testing.assert_array_equal(g1, g2)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sigmoid_is_the_two_branch_stable_formula_exactly(dtype):
    x = np.concatenate([np.linspace(-40, 40, 2001), [0.0, -0.0, np.inf, -np.inf]]).astype(dtype)
    z = np.exp(-np.abs(x))
    two_branch = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    got = sigmoid(x)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, two_branch)
    assert np.all(np.diff(got[:2001].astype(np.float64)) >= 0)  # monotone
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
    np.testing.assert_allclose(sigmoid(np.arange(-3, 4)), 1 / (1 + np.exp(-np.arange(-3, 4))))
