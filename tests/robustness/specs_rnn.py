"""Specs of cs231n.rnn_layers: vanilla RNN and LSTM steps and sequences, word embeddings,
temporal affine and the masked temporal softmax loss."""

from __future__ import annotations

import numpy as np

from tests.robustness.common import backward, forward, func, randn
from tests.robustness.spec import Arr, Opaque, Spec

R = "cs231n.rnn_layers"
DIMS = {"N": (2, 1, 3), "T": (3, 2, 4), "D": (4, 2, 5), "H": (3, 2, 4), "V": (5, 3, 6)}


def P(shape):
    return Arr(shape, nan="pass")


def step_args(d):
    N, D, H = d["N"], d["D"], d["H"]
    return {
        "x": randn(N, D),
        "prev_h": randn(N, H, seed=1),
        "Wx": randn(D, H, seed=2),
        "Wh": randn(H, H, seed=3),
        "b": randn(H, seed=4),
    }


def seq_args(d):
    N, T, D, H = d["N"], d["T"], d["D"], d["H"]
    return {
        "x": randn(N, T, D),
        "h0": randn(N, H, seed=1),
        "Wx": randn(D, H, seed=2),
        "Wh": randn(H, H, seed=3),
        "b": randn(H, seed=4),
    }


def lstm_step_args(d):
    N, D, H = d["N"], d["D"], d["H"]
    return {
        "x": randn(N, D),
        "prev_h": randn(N, H, seed=1),
        "prev_c": randn(N, H, seed=5),
        "Wx": randn(D, 4 * H, seed=2),
        "Wh": randn(H, 4 * H, seed=3),
        "b": randn(4 * H, seed=4),
    }


def lstm_seq_args(d):
    a = seq_args(d)
    H = d["H"]
    a.update(Wx=randn(d["D"], 4 * H, seed=2), Wh=randn(H, 4 * H, seed=3), b=randn(4 * H, seed=4))
    return a


STEP = {
    "x": Arr(("N", "D"), nan="pass", listable=True),
    "prev_h": P(("N", "H")),
    "Wx": P(("D", "H")),
    "Wh": P(("H", "H")),
    "b": P(("H",)),
}
SEQ = {
    "x": Arr(("N", "T", "D"), nan="pass", listable=True),
    "h0": P(("N", "H")),
    "Wx": P(("D", "H")),
    "Wh": P(("H", "H")),
    "b": P(("H",)),
}
# 4H is written G: tied between Wx, Wh and b, and to H through Wh's first axis
LSTM_STEP = {
    "x": Arr(("N", "D"), nan="pass", listable=True),
    "prev_h": P(("N", "H")),
    "prev_c": P(("N", "H")),
    "Wx": P(("D", "G")),
    "Wh": P(("H", "G")),
    "b": P(("G",)),
}
LSTM_SEQ = {**SEQ, "Wx": P(("D", "G")), "Wh": P(("H", "G")), "b": P(("G",))}


def lstm_step_backward_build(d):
    next_h, next_c, cache = func(f"{R}:lstm_step_forward")(**lstm_step_args(d))
    return func(f"{R}:lstm_step_backward"), {
        "dnext_h": randn(*next_h.shape, seed=1),
        "dnext_c": randn(*next_c.shape, seed=2),
        "cache": cache,
    }


def embed_args(d):
    return {
        "x": (np.arange(d["N"] * d["T"]).reshape(d["N"], d["T"]) % d["V"]),
        "W": randn(d["V"], d["D"]),
    }


def _index(value):
    def apply(kw):
        x = np.array(kw["x"], copy=True)
        x.flat[0] = value
        return {**kw, "x": x}

    return apply


def ta_args(d):
    return {
        "x": randn(d["N"], d["T"], d["D"]),
        "w": randn(d["D"], d["V"], seed=1),
        "b": randn(d["V"], seed=2),
    }


def tsl_args(d):
    N, T, V = d["N"], d["T"], d["V"]
    mask = np.ones((N, T), dtype=bool)
    mask[0, -1] = False
    return {
        "x": randn(N, T, V),
        "y": np.arange(N * T).reshape(N, T) % V,
        "mask": mask,
    }


def _y(value):
    def apply(kw):
        y = np.array(kw["y"], copy=True).astype(type(value))
        y.flat[0] = value
        return {**kw, "y": y}

    return apply


SPECS: list[Spec] = [
    forward(f"{R}:rnn_step_forward", step_args, STEP, DIMS),
    backward(
        f"{R}:rnn_step_backward", f"{R}:rnn_step_forward", step_args, ("N", "H"), DIMS, "dnext_h"
    ),
    forward(f"{R}:rnn_forward", seq_args, SEQ, DIMS),
    backward(f"{R}:rnn_backward", f"{R}:rnn_forward", seq_args, ("N", "T", "H"), DIMS, "dh"),
    forward(f"{R}:lstm_step_forward", lstm_step_args, LSTM_STEP, DIMS, tied=("G",)),
    Spec(
        target=f"{R}:lstm_step_backward",
        build=lstm_step_backward_build,
        roles={
            "dnext_h": Arr(("N", "H"), dout=True, nan="pass"),
            "dnext_c": Arr(("N", "H"), dout=True, nan="pass"),
            "cache": Opaque(),
        },
        dims=DIMS,
    ),
    forward(f"{R}:lstm_forward", lstm_seq_args, LSTM_SEQ, DIMS),
    backward(f"{R}:lstm_backward", f"{R}:lstm_forward", lstm_seq_args, ("N", "T", "H"), DIMS, "dh"),
    forward(
        f"{R}:word_embedding_forward",
        embed_args,
        {"x": Arr(("N", "T"), integer=True, listable=True), "W": P(("V", "D"))},
        DIMS,
        extra=(
            ("x:index>=V", "x", _index(99), "error"),
            ("x:negative", "x", _index(-1), "error"),
            ("x:float", "x", lambda kw: {**kw, "x": kw["x"] + 0.5}, "error"),
        ),
    ),
    backward(
        f"{R}:word_embedding_backward",
        f"{R}:word_embedding_forward",
        embed_args,
        ("N", "T", "D"),
        DIMS,
    ),
    forward(
        f"{R}:sigmoid",
        lambda d: {"x": randn(d["N"], d["D"])},
        {"x": Arr(None, nan="pass", listable=True)},
        DIMS,
    ),
    forward(
        f"{R}:temporal_affine_forward",
        ta_args,
        {
            "x": Arr(("N", "T", "D"), nan="pass", listable=True),
            "w": P(("D", "V")),
            "b": P(("V",)),
        },
        DIMS,
    ),
    backward(
        f"{R}:temporal_affine_backward",
        f"{R}:temporal_affine_forward",
        ta_args,
        ("N", "T", "V"),
        DIMS,
    ),
    forward(
        f"{R}:temporal_softmax_loss",
        tsl_args,
        {
            "x": Arr(("N", "T", "V"), nan="error", listable=True),
            "y": Arr(("N", "T"), integer=True, listable=True),
            "mask": Arr(("N", "T"), integer=True, listable=True),
        },
        DIMS,
        empty="error",
        extra=(
            ("y:label>=V", "y", _y(99), "error"),
            ("y:negative", "y", _y(-1), "error"),
            ("y:float", "y", lambda kw: {**kw, "y": kw["y"] + 0.5}, "error"),
        ),
    ),
]
