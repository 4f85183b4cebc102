"""Assignment 3 recurrent layers in numpy: RNN, LSTM, word embedding, temporal affine and softmax.

Every layer follows the course contract ``out, cache = *_forward(...)`` and
``grads = *_backward(dout, cache)``. Shapes: N minibatch, T time steps, D input size,
H hidden size, V vocabulary size, M output size. LSTM gates are stacked in the order
i, f, o, g along the last axis of ``Wx: (D, 4H)``, ``Wh: (H, 4H)`` and ``b: (4H,)``.
"""

from __future__ import annotations

import numpy as np

from cs231n.validation import check_array, check_labels, check_like

__all__ = [
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "word_embedding_forward",
    "word_embedding_backward",
    "sigmoid",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
    "temporal_affine_forward",
    "temporal_affine_backward",
    "temporal_softmax_loss",
]


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One vanilla RNN step: ``next_h = tanh(x @ Wx + prev_h @ Wh + b)``.

    x: (N, D), prev_h: (N, H), Wx: (D, H), Wh: (H, H), b: (H,).
    Returns next_h: (N, H) and cache = (x, prev_h, Wx, Wh, next_h).
    """
    x = check_array("rnn_step_forward", "x", x, shape=(None, None))
    N, D = x.shape
    Wx = check_array("rnn_step_forward", "Wx", Wx, shape=(D, None))
    H = Wx.shape[1]
    prev_h = check_array("rnn_step_forward", "prev_h", prev_h, shape=(N, H))
    Wh = check_array("rnn_step_forward", "Wh", Wh, shape=(H, H))
    b = check_array("rnn_step_forward", "b", b, shape=(H,))
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    """Backward of :func:`rnn_step_forward`.

    dnext_h: (N, H). Returns dx: (N, D), dprev_h: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    x, prev_h, Wx, Wh, next_h = cache
    dnext_h = check_like("rnn_step_backward", "dnext_h", dnext_h, next_h.shape, of="next_h")
    da = dnext_h * (1.0 - next_h**2)  # tanh' = 1 - tanh^2, (N, H)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    """Vanilla RNN over a whole sequence.

    x: (N, T, D), h0: (N, H), Wx: (D, H), Wh: (H, H), b: (H,).
    Returns h: (N, T, H) and cache = (x, h0, Wx, Wh, h).
    """
    x = check_array("rnn_forward", "x", x, shape=(None, None, None))
    N, T, D = x.shape
    Wx = check_array("rnn_forward", "Wx", Wx, shape=(D, None))
    H = Wx.shape[1]
    h0 = check_array("rnn_forward", "h0", h0, shape=(N, H))
    Wh = check_array("rnn_forward", "Wh", Wh, shape=(H, H))
    b = check_array("rnn_forward", "b", b, shape=(H,))
    # The step of rnn_step_forward, tanh(x_t @ Wx + prev_h @ Wh + b), with the input part of
    # every step in one GEMM and the loop writing into arrays made once.
    xw = x.reshape(N * T, D) @ Wx  # (N*T, H)
    xw += b
    xw = xw.reshape(N, T, H)
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, Wx))
    a = np.empty((N, H), dtype=np.result_type(xw, h0, Wh))  # the pre-activation of a step
    prev = h0
    for t in range(T):
        np.matmul(prev, Wh, out=a)
        a += xw[:, t]
        np.tanh(a, out=h[:, t])
        prev = h[:, t]
    return h, (x, h0, Wx, Wh, h)


def _transposed(W):
    """``W.T`` (for the GEMM of every backward step) as a C-contiguous copy in float32, the view
    otherwise. OpenBLAS's sgemm runs faster on the contiguous copy (worth one copy for T
    GEMMs), its dgemm does not. The copy goes by blocks of 64 rows, which keeps the reads and
    writes in cache (``np.ascontiguousarray(W.T)`` takes about 2.5 times longer)."""
    if W.dtype != np.float32:
        return W.T
    out = np.empty(W.shape[::-1], dtype=W.dtype)
    for k in range(0, W.shape[0], 64):
        out[:, k : k + 64] = W[k : k + 64].T
    return out


def rnn_backward(dh, cache):
    """Backward of :func:`rnn_forward` (backpropagation through time).

    dh: (N, T, H), the upstream gradient of every hidden state.
    Returns dx: (N, T, D), dh0: (N, H), dWx: (D, H), dWh: (H, H), db: (H,).
    """
    x, h0, Wx, Wh, h = cache
    dh = check_like("rnn_backward", "dh", dh, h.shape, of="h")
    N, T, D = x.shape
    H = h0.shape[1]
    da = np.empty_like(h)  # (N, T, H) gradient of the pre-activations
    dprev = np.zeros((N, H), dtype=np.result_type(h, Wh))
    work = np.empty((N, H), dtype=h.dtype)
    WhT = _transposed(Wh)  # (H, H)
    for t in reversed(range(T)):
        # dh[:, t] comes from the loss at step t; dprev is carried back from step t+1
        da_t = da[:, t]
        np.add(dh[:, t], dprev, out=da_t)
        np.multiply(h[:, t], h[:, t], out=work)
        np.subtract(1.0, work, out=work)  # tanh' = 1 - tanh^2
        da_t *= work
        np.matmul(da_t, WhT, out=dprev)
    hprev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H)
    # the input and weight gradients of all steps, each in one GEMM
    da2 = da.reshape(N * T, H)
    dx = (da2 @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da2
    dWh = hprev.reshape(N * T, H).T @ da2
    return dx, dprev, dWx, dWh, da2.sum(axis=0)


def word_embedding_forward(x, W):
    """Look up word vectors: ``out[n, t] = W[x[n, t]]``.

    x: (N, T) integer indices in [0, V) (a float array is a ``TypeError``), W: (V, D).
    Returns out: (N, T, D), cache = (x, W.shape, W.dtype).
    """
    x = check_array("word_embedding_forward", "x", x, shape=(None, None))
    W = check_array("word_embedding_forward", "W", W, shape=(None, None))
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(
            f"word_embedding_forward: x must hold integer word indices, got dtype {x.dtype}"
        )
    if x.size and (x.min() < 0 or x.max() >= W.shape[0]):
        raise ValueError(
            f"word_embedding_forward: x must lie in [0, {W.shape[0]}), "
            f"got values in [{x.min()}, {x.max()}]"
        )
    return W[x], (x, W.shape, W.dtype)


def word_embedding_backward(dout, cache):
    """Backward of :func:`word_embedding_forward`. dout: (N, T, D). Returns dW: (V, D)."""
    x, w_shape, dtype = cache
    dout = check_like(
        "word_embedding_backward", "dout", dout, (*x.shape, w_shape[1]), of="the output"
    )
    dW = np.zeros(w_shape, dtype=dtype)
    np.add.at(dW, x, dout)  # repeated words accumulate, so no fancy-index assignment
    return dW


def sigmoid(x):
    """Numerically stable logistic function, elementwise; x: a numeric array of any shape (NaN
    propagates), returns the same shape."""
    x = check_array("sigmoid", "x", x)
    # exp of a non-positive number never overflows: exp(min(x, 0)) / (1 + exp(-|x|)) is
    # 1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) for x < 0, with no branch to select
    z = np.exp(-np.abs(x))
    z += 1.0
    return np.exp(np.minimum(x, 0)) / z


def _sigmoid_into(x, out, work):
    """:func:`sigmoid` of ``x`` written into ``out`` by the same operations; work: like x."""
    np.abs(x, out=work)
    np.negative(work, out=work)
    np.exp(work, out=work)
    work += 1.0
    np.minimum(x, 0, out=out)
    np.exp(out, out=out)
    np.divide(out, work, out=out)


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM step with gates i, f, o, g.

    ``a = x @ Wx + prev_h @ Wh + b`` split into four (N, H) blocks; ``i, f, o = sigmoid``,
    ``g = tanh``; ``next_c = f * prev_c + i * g``; ``next_h = o * tanh(next_c)``.
    x: (N, D), prev_h, prev_c: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,).
    Returns next_h: (N, H), next_c: (N, H) and
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh(next_c)).
    """
    x = check_array("lstm_step_forward", "x", x, shape=(None, None))
    N, D = x.shape
    Wx = check_array("lstm_step_forward", "Wx", Wx, shape=(D, None))
    H4 = Wx.shape[1]
    if H4 % 4:
        raise ValueError(f"lstm_step_forward: Wx must have shape (D, 4H), got {Wx.shape}")
    H = H4 // 4
    prev_h = check_array("lstm_step_forward", "prev_h", prev_h, shape=(N, H))
    prev_c = check_array("lstm_step_forward", "prev_c", prev_c, shape=(N, H))
    Wh = check_array("lstm_step_forward", "Wh", Wh, shape=(H, H4))
    b = check_array("lstm_step_forward", "b", b, shape=(H4,))
    a = x @ Wx + prev_h @ Wh + b  # (N, 4H)
    i, f, o = (sigmoid(a[:, k * H : (k + 1) * H]) for k in range(3))
    g = np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tc = np.tanh(next_c)
    next_h = o * tc
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc)


def _lstm_gate_grad(dnext_h, dnext_c, i, f, o, g, tc, prev_c):
    """Gradient of the (N, 4H) pre-activations and of prev_c for one LSTM step."""
    dc = dnext_c + dnext_h * o * (1.0 - tc**2)  # the cell state is the gradient highway
    da = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * prev_c * f * (1 - f),
            dnext_h * tc * o * (1 - o),
            dc * i * (1 - g**2),
        ],
        axis=1,
    )  # (N, 4H) in gate order i, f, o, g
    return da, dc * f


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward of :func:`lstm_step_forward`.

    dnext_h, dnext_c: (N, H). Returns dx: (N, D), dprev_h: (N, H), dprev_c: (N, H),
    dWx: (D, 4H), dWh: (H, 4H), db: (4H,).
    """
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc = cache
    dnext_h = check_like("lstm_step_backward", "dnext_h", dnext_h, prev_h.shape, of="prev_h")
    dnext_c = check_like("lstm_step_backward", "dnext_c", dnext_c, prev_c.shape, of="prev_c")
    da, dprev_c = _lstm_gate_grad(dnext_h, dnext_c, i, f, o, g, tc, prev_c)
    return da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    """LSTM over a whole sequence; the initial cell state is zero.

    x: (N, T, D), h0: (N, H), Wx: (D, 4H), Wh: (H, 4H), b: (4H,).
    Returns h: (N, T, H) and cache = (x, h0, Wx, Wh, gates (N, T, 4H) as i|f|o|g, c (N, T, H),
    tanh(c) (N, T, H), h).
    """
    x = check_array("lstm_forward", "x", x, shape=(None, None, None))
    N, T, D = x.shape
    Wx = check_array("lstm_forward", "Wx", Wx, shape=(D, None))
    H4 = Wx.shape[1]
    if H4 % 4:
        raise ValueError(f"lstm_forward: Wx must have shape (D, 4H), got {Wx.shape}")
    H = H4 // 4
    h0 = check_array("lstm_forward", "h0", h0, shape=(N, H))
    Wh = check_array("lstm_forward", "Wh", Wh, shape=(H, H4))
    b = check_array("lstm_forward", "b", b, shape=(H4,))
    dtype = np.result_type(x, h0, Wx)
    # The step of lstm_step_forward, with the input part of every step in one GEMM and the
    # loop writing into arrays made once (it allocates nothing).
    xw = x.reshape(N * T, D) @ Wx  # (N*T, 4H)
    xw += b
    xw = xw.reshape(N, T, H4)
    gates = np.empty((N, T, H4), dtype=dtype)
    c = np.empty((N, T, H), dtype=dtype)
    tc = np.empty((N, T, H), dtype=dtype)
    h = np.empty((N, T, H), dtype=dtype)
    a = np.empty((N, H4), dtype=np.result_type(xw, h0, Wh))  # the pre-activations of a step
    work = np.empty((N, 3 * H), dtype=a.dtype)
    ig = np.empty((N, H), dtype=dtype)
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        np.matmul(prev_h, Wh, out=a)
        a += xw[:, t]
        _sigmoid_into(a[:, : 3 * H], gates[:, t, : 3 * H], work)
        np.tanh(a[:, 3 * H :], out=gates[:, t, 3 * H :])
        i, f, o, g = (gates[:, t, k * H : (k + 1) * H] for k in range(4))
        np.multiply(f, prev_c, out=c[:, t])  # next_c = f * prev_c + i * g
        np.multiply(i, g, out=ig)
        c[:, t] += ig
        np.tanh(c[:, t], out=tc[:, t])
        np.multiply(o, tc[:, t], out=h[:, t])  # next_h = o * tanh(next_c)
        prev_h, prev_c = h[:, t], c[:, t]
    return h, (x, h0, Wx, Wh, gates, c, tc, h)


def lstm_backward(dh, cache):
    """Backward of :func:`lstm_forward`.

    dh: (N, T, H). Returns dx: (N, T, D), dh0: (N, H), dWx: (D, 4H), dWh: (H, 4H), db: (4H,).
    """
    x, h0, Wx, Wh, gates, c, tc, h = cache
    dh = check_like("lstm_backward", "dh", dh, h.shape, of="h")
    N, T, D = x.shape
    H = h0.shape[1]
    da = np.empty_like(gates)  # (N, T, 4H) gradient of the pre-activations
    dprev_h = np.zeros((N, H), dtype=np.result_type(gates, Wh))
    dnext_h = np.empty((N, H), dtype=np.result_type(dh, dprev_h))
    dc = np.zeros((N, H), dtype=np.result_type(dnext_h, gates))  # carried back: dc * f
    work, work3 = np.empty((N, H), dtype=gates.dtype), np.empty((N, 3 * H), dtype=gates.dtype)
    zeros = np.zeros((N, H), dtype=c.dtype)  # the cell state before step 0
    WhT = _transposed(Wh)  # (4H, H)
    for t in reversed(range(T)):
        sig = gates[:, t, : 3 * H]  # i | f | o
        i, f, o, g = (gates[:, t, k * H : (k + 1) * H] for k in range(4))
        da_t = da[:, t]
        di, df, do, dg = (da_t[:, k * H : (k + 1) * H] for k in range(4))
        prev_c = c[:, t - 1] if t > 0 else zeros
        np.add(dh[:, t], dprev_h, out=dnext_h)
        # _lstm_gate_grad's products in the same order, written into da[:, t]:
        # dc = dnext_c + dnext_h * o * (1 - tanh(c)^2): the cell state is the gradient highway
        np.multiply(dnext_h, o, out=do)
        np.multiply(tc[:, t], tc[:, t], out=work)
        np.subtract(1.0, work, out=work)
        do *= work
        dc += do
        # di = dc * g * i * (1 - i), df = dc * prev_c * f * (1 - f), do = dnext_h * tanh(c) *
        # o * (1 - o): the three sigmoid gates side by side, (N, 3H)
        np.multiply(dc, g, out=di)
        np.multiply(dc, prev_c, out=df)
        np.multiply(dnext_h, tc[:, t], out=do)
        da_t[:, : 3 * H] *= sig
        np.subtract(1, sig, out=work3)
        da_t[:, : 3 * H] *= work3
        np.multiply(dc, i, out=dg)  # dg = dc * i * (1 - g^2)
        np.multiply(g, g, out=work)
        np.subtract(1, work, out=work)
        dg *= work
        dc *= f  # dprev_c
        np.matmul(da_t, WhT, out=dprev_h)
    hprev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H)
    # the input and weight gradients of all steps, each in one GEMM
    da2 = da.reshape(N * T, 4 * H)
    dx = (da2 @ Wx.T).reshape(N, T, D)
    return dx, dprev_h, x.reshape(N * T, D).T @ da2, hprev.reshape(N * T, H).T @ da2, da2.sum(0)


def temporal_affine_forward(x, w, b):
    """Affine layer at every time step: ``out[n, t] = x[n, t] @ w + b``.

    x: (N, T, D), w: (D, M), b: (M,). Returns out: (N, T, M), cache = (x, w, b, out).
    """
    x = check_array("temporal_affine_forward", "x", x, shape=(None, None, None))
    N, T, D = x.shape
    w = check_array("temporal_affine_forward", "w", w, shape=(D, None))
    M = w.shape[1]
    b = check_array("temporal_affine_forward", "b", b, shape=(M,))
    out = (x.reshape(N * T, D) @ w).reshape(N, T, M) + b
    return out, (x, w, b, out)


def temporal_affine_backward(dout, cache):
    """Backward of :func:`temporal_affine_forward`.

    dout: (N, T, M). Returns dx: (N, T, D), dw: (D, M), db: (M,).
    """
    x, w, b, out = cache
    dout = check_like("temporal_affine_backward", "dout", dout, out.shape, of="out")
    N, T, D = x.shape
    M = w.shape[1]
    d2 = dout.reshape(N * T, M)
    return (d2 @ w.T).reshape(N, T, D), x.reshape(N * T, D).T @ d2, d2.sum(axis=0)


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Masked softmax loss summed over time and averaged over the minibatch (divided by N only).

    x: (N, T, V) scores, y: (N, T) integer labels in [0, V), mask: (N, T) booleans saying which
    steps count. Returns loss (float) and dx: (N, T, V).

    Raises ValueError/TypeError for shapes that do not fit, NaN/inf scores, N = 0 or V = 0 (the
    loss divides by N), or labels that are not integers in [0, V) (integral floats are accepted).
    """
    fn = "temporal_softmax_loss"
    x = check_array(fn, "x", x, shape=(None, None, None), finite=True)  # a loss: no NaN scores
    N, T, V = x.shape
    if N == 0 or V == 0:
        raise ValueError(f"{fn}: x must have N >= 1 and V >= 1, got shape {x.shape}")
    y = check_array(fn, "y", y, shape=(N, T))
    mask = check_array(fn, "mask", mask, shape=(N, T))
    x_flat = x.reshape(N * T, V)
    y_flat = check_labels(fn, "y", y.reshape(N * T), N * T, V)
    mask_flat = mask.reshape(N * T)
    shifted = x_flat - x_flat.max(axis=1, keepdims=True)  # log-sum-exp shift: no overflow
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(N * T)
    loss = -np.sum(mask_flat * log_probs[rows, y_flat]) / N
    dx = np.exp(log_probs)
    dx[rows, y_flat] -= 1
    dx = dx / N * mask_flat[:, None]
    if verbose:
        print("dx_flat: ", dx.shape)
    return float(loss), dx.reshape(N, T, V)
