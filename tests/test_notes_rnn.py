"""The formulas of ``notes/rnn_backprop.md``, implemented as written there and compared with
``cs231n.rnn_layers``.

Every ``test_note_*`` here is named in the note next to the formula it checks, and
:func:`test_every_note_formula_has_its_test` keeps the two lists in step. All in float64 on
small inputs.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from cs231n.classifiers.rnn import CaptioningRNN
from cs231n.gradient_check import eval_numerical_gradient_array
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
    temporal_softmax_loss,
)
from tests.checks import assert_close

pytestmark = pytest.mark.a3

NOTE = Path(__file__).resolve().parents[1] / "notes" / "rnn_backprop.md"


def test_every_note_formula_has_its_test():
    named = set(re.findall(r"`(test_note_\w+)`", NOTE.read_text(encoding="utf-8")))
    defined = {k for k in globals() if k.startswith("test_note_")}
    assert named - defined == set(), f"named in the note but not defined: {named - defined}"
    assert defined - named == set(), f"defined but named in no note: {defined - named}"


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _rnn_inputs(rng, N=3, T=5, D=4, H=6, scale=0.5):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh = scale * rng.standard_normal((D, H)), scale * rng.standard_normal((H, H))
    return x, h0, Wx, Wh, rng.standard_normal(H)


# ============================================================================ vanilla RNN
def test_note_rnn_step_closed_form(rng):
    N, D, H = 4, 5, 6
    x, h, Wx, Wh, b = (rng.standard_normal(s) for s in [(N, D), (N, H), (D, H), (H, H), (H,)])
    dnext = rng.standard_normal((N, H))
    nh = np.tanh(x @ Wx + h @ Wh + b)
    da = dnext * (1 - nh**2)
    want = (da @ Wx.T, da @ Wh.T, x.T @ da, h.T @ da, da.sum(axis=0))
    _, cache = rnn_step_forward(x, h, Wx, Wh, b)
    got = rnn_step_backward(dnext, cache)
    for name, a, w in zip(("dx", "dprev_h", "dWx", "dWh", "db"), got, want, strict=True):
        assert_close(a, w, 1e-12, name)


def test_note_bptt_recursion(rng):
    """g_t = dh[:, t] + da_{t+1} Wh^T, da_t = g_t * (1 - h_t^2); weight gradients summed."""
    x, h0, Wx, Wh, b = _rnn_inputs(rng)
    N, T, _ = x.shape
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)
    carried = np.zeros_like(h0)
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    for t in reversed(range(T)):
        g = dh[:, t] + carried  # the loss at step t, plus everything later, through h_{t+1}
        da = g * (1 - h[:, t] ** 2)
        prev = h[:, t - 1] if t else h0
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += prev.T @ da
        db += da.sum(axis=0)
        carried = da @ Wh.T
    for name, a, w in zip(
        ("dx", "dh0", "dWx", "dWh", "db"),
        rnn_backward(dh, cache),
        (dx, carried, dWx, dWh, db),
        strict=True,
    ):
        assert_close(a, w, 1e-11, name)


def test_note_bptt_sum_of_paths(rng):
    """dh0 = sum over t of dh[:, t] pushed back through t Jacobians: one path per loss term."""
    x, h0, Wx, Wh, b = _rnn_inputs(rng, T=4)
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)
    total = np.zeros_like(h0)
    for t in range(h.shape[1]):
        g = dh[:, t]
        for k in range(t, -1, -1):  # back from step t to step 0
            g = (g * (1 - h[:, k] ** 2)) @ Wh.T
        total += g
    assert_close(rnn_backward(dh, cache)[1], total, 1e-11, "dh0 as a sum of paths")
    # leaving out dh[:, t] for t < T-1 (only the last loss term) gives another gradient
    last = np.zeros_like(dh)
    last[:, -1] = dh[:, -1]
    assert np.abs(rnn_backward(last, cache)[1] - total).max() > 1e-2


def _spectral(rng, H, rho):
    """A random (H, H) matrix rescaled to spectral radius ``rho``."""
    W = rng.standard_normal((H, H))
    return W * rho / np.abs(np.linalg.eigvals(W)).max()


@pytest.mark.parametrize("rho", [0.9, 1.1])
def test_note_gradient_norm_follows_spectral_radius(rng, rho):
    """In the linear regime (h tiny, tanh' = 1) |dh0| grows or decays like rho(Wh)^T."""
    N, D, H = 1, 2, 8
    Wh = _spectral(rng, H, rho)
    Wx, b = np.zeros((D, H)), np.zeros(H)
    h0 = 1e-60 * rng.standard_normal((N, H))  # stays tiny for 300 steps even at rho = 1.1
    norms = {}
    for T in (150, 300):
        h, cache = rnn_forward(np.zeros((N, T, D)), h0, Wx, Wh, b)
        dh = np.zeros_like(h)
        dh[:, -1] = rng.standard_normal((N, H))
        dh[:, -1] /= np.linalg.norm(dh[:, -1])
        norms[T] = np.linalg.norm(rnn_backward(dh, cache)[1])
    rate = (norms[300] / norms[150]) ** (1 / 150)  # Gelfand: |A^T v|^(1/T) -> rho(A)
    assert abs(rate - rho) < 0.01 * rho, (rate, rho)
    assert (norms[300] < 1e-6) if rho < 1 else (norms[300] > 1e6)


def test_note_saturation_vanishes(rng):
    """Large pre-activations: tanh' = 1 - h^2 is near 0 and cuts the gradient, even with
    rho(Wh) = 1, where the linear regime keeps it."""
    N, T, D, H = 2, 20, 3, 5
    Wh = _spectral(rng, H, 1.0)
    x = rng.standard_normal((N, T, D))
    norms = []
    for scale in (1e-3, 10.0):  # small inputs keep h in the linear part; large ones saturate
        Wx = scale * rng.standard_normal((D, H))
        h, cache = rnn_forward(x, np.zeros((N, H)), Wx, Wh, np.zeros(H))
        dh = np.zeros_like(h)
        dh[:, -1] = 1.0
        norms.append(np.linalg.norm(rnn_backward(dh, cache)[1]))
        if scale > 1:
            assert np.mean(1 - h**2) < 0.1  # most units saturated
    assert norms[1] < 1e-6 and norms[0] > 0.1, norms


# =================================================================================== LSTM
def _lstm_step_inputs(rng, N=3, D=4, H=5):
    x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Wx, Wh = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H))
    return x, h, c, Wx, Wh, rng.standard_normal(4 * H)


def test_note_lstm_step_closed_form(rng):
    x, h, c, Wx, Wh, b = _lstm_step_inputs(rng)
    H = h.shape[1]
    a = x @ Wx + h @ Wh + b
    a_i, a_f, a_o, a_g = (a[:, k * H : (k + 1) * H] for k in range(4))  # the course's order
    i, f, o, g = _sig(a_i), _sig(a_f), _sig(a_o), np.tanh(a_g)
    nc = f * c + i * g
    nh = o * np.tanh(nc)
    dnh, dnc = rng.standard_normal(nh.shape), rng.standard_normal(nc.shape)
    dc = dnc + dnh * o * (1 - np.tanh(nc) ** 2)  # both ways into next_c
    di, df, do, dg = dc * g, dc * c, dnh * np.tanh(nc), dc * i
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g**2)])
    want = (da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h.T @ da, da.sum(axis=0))
    out_h, out_c, cache = lstm_step_forward(x, h, c, Wx, Wh, b)
    assert_close(out_h, nh, 1e-12, "next_h")
    assert_close(out_c, nc, 1e-12, "next_c")
    got = lstm_step_backward(dnh, dnc, cache)
    names = ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db")
    for name, a_, w in zip(names, got, want, strict=True):
        assert_close(a_, w, 1e-12, name)
    # the gate order matters: the blocks read as i, f, g, o (PyTorch's) give another step
    i2, f2, g2, o2 = _sig(a_i), _sig(a_f), np.tanh(a_o), _sig(a_g)
    assert np.abs(o2 * np.tanh(f2 * c + i2 * g2) - out_h).max() > 1e-2


def test_note_lstm_bptt(rng):
    """lstm_backward = lstm_step_backward run back in time, with dh[:, t] added to the
    carried dprev_h at every step and dprev_c carried on its own."""
    N, T, D, H = 2, 4, 3, 5
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh, b = (rng.standard_normal(s) for s in [(D, 4 * H), (H, 4 * H), (4 * H,)])
    h, cache = lstm_forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)
    caches, prev_h, prev_c = [], h0, np.zeros_like(h0)
    for t in range(T):
        prev_h, prev_c, step = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        caches.append(step)
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dprev_h, dprev_c = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, dwx, dwh, dbb = lstm_step_backward(
            dh[:, t] + dprev_h, dprev_c, caches[t]
        )
        dWx, dWh, db = dWx + dwx, dWh + dwh, db + dbb
    got = lstm_backward(dh, cache)
    for name, a, w in zip(
        ("dx", "dh0", "dWx", "dWh", "db"), got, (dx, dprev_h, dWx, dWh, db), strict=True
    ):
        assert_close(a, w, 1e-11, name)


def _cell_gradient(x, c0, Wx, b):
    """d c_T / d c_0 (elementwise) by the package's step backward, with Wh = 0 (no path
    through h) and only the cell gradient flowing back; also the forget gates."""
    N, T, _ = x.shape
    H = c0.shape[1]
    Wh = np.zeros((H, 4 * H))
    h, c, caches = np.zeros_like(c0), c0, []
    for t in range(T):
        h, c, step = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        caches.append(step)
    dc, zero = np.ones_like(c0), np.zeros_like(c0)
    for step in reversed(caches):
        dc = lstm_step_backward(zero, dc, step)[2]
    forget = np.stack([_sig(x[:, t] @ Wx[:, H : 2 * H] + b[H : 2 * H]) for t in range(T)])
    return dc, forget


def test_note_cell_state_highway(rng):
    """With the paths through h cut, d c_T / d c_0 is the product of the forget gates."""
    N, T, D, H = 2, 10, 3, 4
    x, c0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, b = rng.standard_normal((D, 4 * H)), rng.standard_normal(4 * H)
    b[H : 2 * H] += 2.0  # forget gates mostly open, so that the product is not tiny
    dc0, forget = _cell_gradient(x, c0, Wx, b)
    assert_close(dc0, forget.prod(axis=0), 1e-12, "dc0 = prod_t f_t")
    # and the same through numeric differences of the forward alone
    Wh = np.zeros((H, 4 * H))

    def c_T(c):
        h = np.zeros_like(c)
        for t in range(T):
            h, c, _ = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        return c

    num = eval_numerical_gradient_array(c_T, c0.copy(), np.ones_like(c0))
    assert_close(num, dc0, 1e-6, "numeric dc0")


def test_note_highway_numbers():
    """The note's numbers: 50 steps of a forget gate at sigmoid(3) against a vanilla RNN at
    rho = 0.9 in its linear regime."""
    T, H = 50, 1
    b = np.zeros(4 * H)
    b[H : 2 * H] = 3.0  # forget bias 3: f = sigmoid(3) = 0.9526 whatever the input
    dc0, _ = _cell_gradient(np.zeros((1, T, 1)), np.zeros((1, H)), np.zeros((1, 4 * H)), b)
    assert abs(dc0.item() - 0.0881) < 5e-4  # 0.9526^50
    h, cache = rnn_forward(np.zeros((1, T, 1)), np.zeros((1, 1)), np.zeros((1, 1)),
                           np.full((1, 1), 0.9), np.zeros(1))  # fmt: skip
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0
    assert abs(rnn_backward(dh, cache)[1].item() - 0.9**50) < 1e-12  # 0.00515
    b[H : 2 * H] = 0.0  # forget bias 0: f = 1/2, the gradient halves every step
    dc0, _ = _cell_gradient(np.zeros((1, T, 1)), np.zeros((1, H)), np.zeros((1, 4 * H)), b)
    assert abs(dc0.item() - 0.5**50) < 1e-25


def test_note_sigmoid_gates_not_relu():
    """Sigmoid gates keep every factor of the highway in (0, 1) and never stop learning; a
    ReLU forget gate is unbounded above and dead below zero."""
    T, H = 40, 1
    x, Wx, c0 = np.zeros((1, T, 1)), np.zeros((1, 4 * H)), np.ones((1, H))
    b = np.zeros(4 * H)
    b[H : 2 * H] = 1.5  # the forget gate's pre-activation at every step
    dc0, _ = _cell_gradient(x, c0, Wx, b)
    assert abs(dc0.item() - sigmoid(1.5) ** T) < 1e-15  # 0.8176^40 = 3.2e-4
    c = c0.copy()
    for _ in range(T):  # the same cell with f = relu(1.5): c_t = 1.5 c_{t-1}
        c = np.maximum(0, 1.5) * c
    assert c.item() > 1e7  # 1.5^40 = 1.1e7, value and gradient alike
    # at a pre-activation of -1 a ReLU gate is 0 with slope 0; the sigmoid still learns
    b[H : 2 * H] = -1.0
    _, _, cache = lstm_step_forward(
        np.zeros((1, 1)), np.zeros((1, H)), c0, Wx, np.zeros((H, 4 * H)), b
    )
    db = lstm_step_backward(np.zeros((1, H)), np.ones((1, H)), cache)[5]
    f = sigmoid(-1.0)
    assert abs(db[H] - f * (1 - f)) < 1e-15  # d c_t / d b_f = c_{t-1} f (1 - f) = 0.197


# =========================================================== masked temporal softmax loss
def test_note_temporal_softmax_loss(rng):
    N, T, V = 4, 5, 6
    x = rng.standard_normal((N, T, V))
    y = rng.integers(V, size=(N, T))
    mask = rng.random((N, T)) > 0.4
    loss, dx_want = 0.0, np.zeros_like(x)
    for n in range(N):
        for t in range(T):
            s = x[n, t] - x[n, t].max()
            p = np.exp(s) / np.exp(s).sum()
            loss += mask[n, t] * -np.log(p[y[n, t]]) / N
            dx_want[n, t] = mask[n, t] * (p - np.eye(V)[y[n, t]]) / N
    got, dx = temporal_softmax_loss(x, y, mask)
    assert abs(got - loss) < 1e-12
    assert_close(dx, dx_want, 1e-12, "dx")
    assert np.all(dx[~mask] == 0)  # <NULL> steps get no gradient


def test_note_temporal_softmax_scaling(rng):
    """Summed over time, divided by N only: the notebook's sanity checks, and what that
    scaling means for a longer caption and a larger batch."""

    def check(N, T, V, p):
        x = 0.001 * rng.standard_normal((N, T, V))
        y = rng.integers(V, size=(N, T))
        return temporal_softmax_loss(x, y, rng.random((N, T)) <= p)[0]

    assert abs(check(100, 1, 10, 1.0) - np.log(10)) < 0.01  # about 2.3
    assert abs(check(100, 10, 10, 1.0) - 10 * np.log(10)) < 0.05  # about 23
    assert abs(check(5000, 10, 10, 0.1) - np.log(10)) < 0.05  # about 2.3: 1 step in 10 counts
    x = rng.standard_normal((3, 4, 5))
    y, mask = rng.integers(5, size=(3, 4)), rng.random((3, 4)) > 0.3
    loss = temporal_softmax_loss(x, y, mask)[0]
    twice_as_long = temporal_softmax_loss(np.concatenate([x, x], 1), np.hstack([y, y]),
                                          np.hstack([mask, mask]))[0]  # fmt: skip
    twice_the_batch = temporal_softmax_loss(np.concatenate([x, x]), np.vstack([y, y]),
                                            np.vstack([mask, mask]))[0]  # fmt: skip
    assert abs(twice_as_long - 2 * loss) < 1e-12
    assert abs(twice_the_batch - loss) < 1e-12
    per_token = loss * x.shape[0] / mask.sum()  # what a mean over the counted tokens would give
    assert abs(per_token - loss) > 1e-3


def _coco_like_vocab(V):
    """A vocabulary of V words with the course's four special words first."""
    words = ["<NULL>", "<START>", "<END>", "<UNK>"] + [f"w{i}" for i in range(4, V)]
    return {w: i for i, w in enumerate(words)}


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_note_initial_captioning_loss(rng, cell):
    """At the course's initialization the first loss is about (tokens per caption) * log V."""
    V, N, T1 = 1004, 50, 17
    np.random.seed(231)  # noqa: NPY002 (the model draws its weights from the global state)
    model = CaptioningRNN(_coco_like_vocab(V), input_dim=512, wordvec_dim=256, hidden_dim=512,
                          cell_type=cell)  # fmt: skip
    captions = rng.integers(4, V, size=(N, T1))
    captions[:, 0] = 1  # <START>
    for n, length in enumerate(rng.integers(5, 16, size=N)):
        captions[n, length], captions[n, length + 1 :] = 2, 0  # <END>, then <NULL>
    loss, _ = model.loss(rng.standard_normal((N, 512)), captions)
    tokens = (captions[:, 1:] != 0).sum() / N
    assert abs(loss / (tokens * np.log(V)) - 1) < 0.03, (loss, tokens * np.log(V))


def test_note_char_vs_word_parameters():
    """The share of CaptioningRNN's parameters that grows with V (W_embed, W_vocab, b_vocab)
    at the notebooks' sizes (W = 256, H = 512, D = 512): words (V = 1004) or characters."""

    def share(V, cell):
        model = CaptioningRNN(_coco_like_vocab(V), input_dim=512, wordvec_dim=256,
                              hidden_dim=512, cell_type=cell)  # fmt: skip
        sizes = {k: v.size for k, v in model.params.items()}
        by_vocab = sizes["W_embed"] + sizes["W_vocab"] + sizes["b_vocab"]
        return by_vocab, by_vocab / sum(sizes.values())

    assert share(1004, "rnn") == (772076, pytest.approx(0.540, abs=1e-3))
    assert share(1004, "lstm")[1] == pytest.approx(0.296, abs=1e-3)
    assert share(40, "rnn") == (30760, pytest.approx(0.045, abs=1e-3))
