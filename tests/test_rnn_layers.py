"""cs231n.rnn_layers: official 2020 notebook values, numeric gradients, PyTorch float64 twins."""

import numpy as np
import pytest
import torch

from cs231n.gradient_check import eval_numerical_gradient_array, rel_error
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
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)


def _grad_check(f, args, dout, grads, tol):
    for k, g in enumerate(grads):

        def fk(v, k=k):
            a = list(args)
            a[k] = v
            return f(*a)

        num = eval_numerical_gradient_array(fk, args[k].copy(), dout)
        assert rel_error(num, g) < tol, f"argument {k}: rel error {rel_error(num, g)}"


def test_official_rnn_step_forward():
    N, D, H = 3, 10, 4
    x = np.linspace(-0.4, 0.7, num=N * D).reshape(N, D)
    prev_h = np.linspace(-0.2, 0.5, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.1, 0.9, num=D * H).reshape(D, H)
    Wh = np.linspace(-0.3, 0.7, num=H * H).reshape(H, H)
    b = np.linspace(-0.2, 0.4, num=H)
    next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)
    expected = np.asarray(
        [
            [-0.58172089, -0.50182032, -0.41232771, -0.31410098],
            [0.66854692, 0.79562378, 0.87755553, 0.92795967],
            [0.97934501, 0.99144213, 0.99646691, 0.99854353],
        ]
    )
    assert rel_error(expected, next_h) < 1e-8


def test_official_rnn_forward():
    N, T, D, H = 2, 3, 4, 5
    x = np.linspace(-0.1, 0.3, num=N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.3, 0.1, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.2, 0.4, num=D * H).reshape(D, H)
    Wh = np.linspace(-0.4, 0.1, num=H * H).reshape(H, H)
    b = np.linspace(-0.7, 0.1, num=H)
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    expected = np.asarray(
        [
            [
                [-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
                [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
                [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525],
            ],
            [
                [-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
                [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
                [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043],
            ],
        ]
    )
    assert rel_error(expected, h) < 1e-7


def test_official_word_embedding_forward():
    V, D = 5, 3
    x = np.asarray([[0, 3, 1, 2], [2, 1, 0, 3]])
    W = np.linspace(0, 1, num=V * D).reshape(V, D)
    out, _ = word_embedding_forward(x, W)
    assert rel_error(W[x], out) < 1e-12
    assert rel_error(np.array([0.64285714, 0.71428571, 0.78571429]), out[0, 1]) < 1e-8


def test_official_lstm_step_forward():
    N, D, H = 3, 4, 5
    x = np.linspace(-0.4, 1.2, num=N * D).reshape(N, D)
    prev_h = np.linspace(-0.3, 0.7, num=N * H).reshape(N, H)
    prev_c = np.linspace(-0.4, 0.9, num=N * H).reshape(N, H)
    Wx = np.linspace(-2.1, 1.3, num=4 * D * H).reshape(D, 4 * H)
    Wh = np.linspace(-0.7, 2.2, num=4 * H * H).reshape(H, 4 * H)
    b = np.linspace(0.3, 0.7, num=4 * H)
    next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    eh = np.asarray(
        [
            [0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
            [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
            [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299],
        ]
    )
    ec = np.asarray(
        [
            [0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
            [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
            [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676],
        ]
    )
    assert rel_error(eh, next_h) < 1e-8
    assert rel_error(ec, next_c) < 1e-8


def test_official_lstm_forward():
    N, D, H, T = 2, 5, 4, 3
    x = np.linspace(-0.4, 0.6, num=N * T * D).reshape(N, T, D)
    h0 = np.linspace(-0.4, 0.8, num=N * H).reshape(N, H)
    Wx = np.linspace(-0.2, 0.9, num=4 * D * H).reshape(D, 4 * H)
    Wh = np.linspace(-0.3, 0.6, num=4 * H * H).reshape(H, 4 * H)
    b = np.linspace(0.2, 0.7, num=4 * H)
    h, _ = lstm_forward(x, h0, Wx, Wh, b)
    expected = np.asarray(
        [
            [
                [0.01764008, 0.01823233, 0.01882671, 0.0194232],
                [0.11287491, 0.12146228, 0.13018446, 0.13902939],
                [0.31358768, 0.33338627, 0.35304453, 0.37250975],
            ],
            [
                [0.45767879, 0.4761092, 0.4936887, 0.51041945],
                [0.6704845, 0.69350089, 0.71486014, 0.7346449],
                [0.81733511, 0.83677871, 0.85403753, 0.86935314],
            ],
        ]
    )
    assert rel_error(expected, h) < 1e-7


def test_rnn_step_and_sequence_gradients():
    rng = np.random.default_rng(0)
    N, D, T, H = 3, 4, 5, 6
    x, h, Wx, Wh, b = (rng.standard_normal(s) for s in [(N, D), (N, H), (D, H), (H, H), (H,)])
    out, cache = rnn_step_forward(x, h, Wx, Wh, b)
    dout = rng.standard_normal(out.shape)
    _grad_check(
        lambda *a: rnn_step_forward(*a)[0],
        (x, h, Wx, Wh, b),
        dout,
        rnn_step_backward(dout, cache),
        1e-7,
    )
    xs = rng.standard_normal((N, T, D))
    out, cache = rnn_forward(xs, h, Wx, Wh, b)
    dout = rng.standard_normal(out.shape)
    _grad_check(
        lambda *a: rnn_forward(*a)[0], (xs, h, Wx, Wh, b), dout, rnn_backward(dout, cache), 1e-6
    )


def test_lstm_step_and_sequence_gradients():
    rng = np.random.default_rng(1)
    N, D, T, H = 3, 4, 5, 6
    x, h, c = (rng.standard_normal(s) for s in [(N, D), (N, H), (N, H)])
    Wx, Wh, b = (rng.standard_normal(s) for s in [(D, 4 * H), (H, 4 * H), (4 * H,)])
    nh, nc, cache = lstm_step_forward(x, h, c, Wx, Wh, b)
    dh, dc = rng.standard_normal(nh.shape), rng.standard_normal(nc.shape)
    grads = lstm_step_backward(dh, dc, cache)
    args = (x, h, c, Wx, Wh, b)
    for k in range(6):

        def f(v, k=k):
            a = list(args)
            a[k] = v
            out_h, out_c, _ = lstm_step_forward(*a)
            return np.stack([out_h, out_c])

        num = eval_numerical_gradient_array(f, args[k].copy(), np.stack([dh, dc]))
        assert rel_error(num, grads[k]) < 1e-6, f"argument {k}"
    xs = rng.standard_normal((N, T, D))
    out, cache = lstm_forward(xs, h, Wx, Wh, b)
    dout = rng.standard_normal(out.shape)
    _grad_check(
        lambda *a: lstm_forward(*a)[0], (xs, h, Wx, Wh, b), dout, lstm_backward(dout, cache), 1e-6
    )


def test_embedding_affine_and_loss_gradients():
    rng = np.random.default_rng(2)
    N, T, V, D = 6, 3, 5, 4
    idx = rng.integers(V, size=(N, T))
    W = rng.standard_normal((V, D))
    out, cache = word_embedding_forward(idx, W)
    dout = rng.standard_normal(out.shape)
    num = eval_numerical_gradient_array(lambda w: word_embedding_forward(idx, w)[0], W, dout)
    assert rel_error(num, word_embedding_backward(dout, cache)) < 1e-10
    x, w, b = (rng.standard_normal(s) for s in [(N, T, D), (D, V), (V,)])
    out, cache = temporal_affine_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    _grad_check(
        lambda *a: temporal_affine_forward(*a)[0],
        (x, w, b),
        dout,
        temporal_affine_backward(dout, cache),
        1e-7,
    )
    scores = rng.standard_normal((N, T, V))
    mask = rng.random((N, T)) > 0.5
    _, dx = temporal_softmax_loss(scores, idx, mask)
    num = eval_numerical_gradient_array(
        lambda s: np.array(temporal_softmax_loss(s, idx, mask)[0]), scores, np.array(1.0)
    )
    assert rel_error(num, dx) < 1e-7


def test_temporal_softmax_loss_matches_torch_and_scales_by_n():
    rng = np.random.default_rng(3)
    N, T, V = 7, 8, 9
    x = rng.standard_normal((N, T, V))
    y = rng.integers(V, size=(N, T))
    mask = rng.random((N, T)) > 0.5
    loss, dx = temporal_softmax_loss(x, y, mask)
    xt = torch.tensor(x, requires_grad=True)
    per = torch.nn.functional.cross_entropy(
        xt.reshape(-1, V), torch.tensor(y).reshape(-1), reduction="none"
    )
    ref = (per * torch.tensor(mask.reshape(-1), dtype=torch.float64)).sum() / N
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    assert rel_error(dx, xt.grad.numpy()) < 1e-10
    # sum over time: T steps of near-uniform scores give about T * log(V)
    small = 1e-3 * rng.standard_normal((100, 10, 10))
    loss10 = temporal_softmax_loss(small, rng.integers(10, size=(100, 10)), np.ones((100, 10)))[0]
    assert abs(loss10 - 10 * np.log(10)) < 0.1


def test_rnn_matches_torch():
    rng = np.random.default_rng(4)
    N, T, D, H = 3, 6, 4, 5
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), rng.standard_normal(H)
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dout = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = rnn_backward(dout, cache)
    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(Wx.T))
        rnn.weight_hh_l0.copy_(torch.tensor(Wh.T))
        rnn.bias_ih_l0.copy_(torch.tensor(b))
        rnn.bias_hh_l0.zero_()
    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    out, _ = rnn(xt, ht)
    out.backward(torch.tensor(dout))
    assert rel_error(h, out.detach().numpy()) < 1e-10
    assert rel_error(dx, xt.grad.numpy()) < 1e-10
    assert rel_error(dh0, ht.grad.numpy()[0]) < 1e-10
    assert rel_error(dWx, rnn.weight_ih_l0.grad.numpy().T) < 1e-10
    assert rel_error(dWh, rnn.weight_hh_l0.grad.numpy().T) < 1e-10
    assert rel_error(db, rnn.bias_ih_l0.grad.numpy()) < 1e-10


def test_lstm_matches_torch_with_gate_blocks_permuted():
    rng = np.random.default_rng(5)
    N, T, D, H = 3, 6, 4, 5
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh, b = (rng.standard_normal(s) for s in [(D, 4 * H), (H, 4 * H), (4 * H,)])
    h, cache = lstm_forward(x, h0, Wx, Wh, b)
    dout = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = lstm_backward(dout, cache)
    # ours i, f, o, g -> torch i, f, g, o
    perm = np.concatenate(
        [np.arange(H), H + np.arange(H), 3 * H + np.arange(H), 2 * H + np.arange(H)]
    )
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(Wx.T[perm]))
        lstm.weight_hh_l0.copy_(torch.tensor(Wh.T[perm]))
        lstm.bias_ih_l0.copy_(torch.tensor(b[perm]))
        lstm.bias_hh_l0.zero_()
    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h0[None], requires_grad=True)
    out, _ = lstm(xt, (ht, torch.zeros(1, N, H, dtype=torch.float64)))
    out.backward(torch.tensor(dout))
    inv = np.argsort(perm)
    assert rel_error(h, out.detach().numpy()) < 1e-10
    assert rel_error(dx, xt.grad.numpy()) < 1e-10
    assert rel_error(dh0, ht.grad.numpy()[0]) < 1e-10
    assert rel_error(dWx, lstm.weight_ih_l0.grad.numpy().T[:, inv]) < 1e-10
    assert rel_error(dWh, lstm.weight_hh_l0.grad.numpy().T[:, inv]) < 1e-10
    assert rel_error(db, lstm.bias_ih_l0.grad.numpy()[inv]) < 1e-10


def test_word_embedding_matches_torch():
    rng = np.random.default_rng(6)
    idx = rng.integers(7, size=(4, 5))
    W = rng.standard_normal((7, 3))
    out, cache = word_embedding_forward(idx, W)
    dout = rng.standard_normal(out.shape)
    emb = torch.nn.Embedding(7, 3).double()
    with torch.no_grad():
        emb.weight.copy_(torch.tensor(W))
    ref = emb(torch.tensor(idx))
    ref.backward(torch.tensor(dout))
    assert rel_error(out, ref.detach().numpy()) < 1e-12
    assert rel_error(word_embedding_backward(dout, cache), emb.weight.grad.numpy()) < 1e-12


def test_sigmoid_is_stable():
    with np.errstate(over="raise"):
        s = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    assert np.allclose(s, [0.0, 0.5, 1.0])


@pytest.mark.parametrize(
    "call, pattern",
    [
        (
            lambda: rnn_step_forward(
                np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((5, 4)), np.zeros((4, 4)), np.zeros(4)
            ),
            r"rnn_step_forward: Wx must have shape \(3, \?\), got \(5, 4\)",
        ),
        (
            lambda: lstm_forward(
                np.zeros((2, 3, 4)),
                np.zeros((2, 5)),
                np.zeros((4, 18)),
                np.zeros((5, 20)),
                np.zeros(20),
            ),
            r"lstm_forward: Wx must have shape \(D, 4H\), got \(4, 18\)",
        ),
        (
            lambda: temporal_softmax_loss(
                np.zeros((2, 3, 4)), np.zeros((2, 2), int), np.ones((2, 3))
            ),
            r"temporal_softmax_loss: y must have shape \(2, 3\), got \(2, 2\)",
        ),
        (
            lambda: word_embedding_forward(np.array([[5]]), np.zeros((5, 2))),
            r"word_embedding_forward: x must lie in \[0, 5\)",
        ),
    ],
)
def test_bad_shapes_raise_clear_errors(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
