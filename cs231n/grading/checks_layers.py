"""Checks of assignment 2's layers (``layers.py``) and sandwich layers (``layer_utils.py``).

Inputs are small float64 arrays: odd sizes, N = 1, strides 1 to 3, padding 0 to 2,
non-square kernels and overlapping pools. Every forward is compared with ours, every
backward as :func:`cs231n.grading.checks.check_backward` describes.
"""

from __future__ import annotations

import numpy as np

from cs231n.grading.checks import (
    Subject,
    cases_rng,
    check_backward,
    check_forward,
    check_loss_layer,
)
from cs231n.grading.compare import Grade, NotDone, pair


def _affine_cases():
    out = []
    for seed, (N, dims, M) in enumerate([(3, (4, 5), 6), (1, (7,), 1), (5, (2, 3, 2), 4)]):
        r = cases_rng(seed)
        D = int(np.prod(dims))
        x, w, b = r.standard_normal((N, *dims)), r.standard_normal((D, M)), r.standard_normal(M)
        out.append((f"x {x.shape}, w {w.shape}, seed {seed}", (x, w, b)))
    return out


def _official_affine():
    x = np.linspace(-0.1, 0.5, num=240).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=360).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    return x, w, b


def affine_forward(s: Subject) -> float:
    g = Grade()
    out, _ = pair(s.student()(*_official_affine()), "affine_forward")
    want = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    g.array("out", out, want, "the official check (FullyConnectedNets.ipynb)", 1e-7)
    g.result()
    return max(g.worst_pass, check_forward(s, _affine_cases()))


def affine_backward(s: Subject) -> float:
    return check_backward(s, "affine_forward", _affine_cases(), ("dx", "dw", "db"), (0, 1, 2))


def _relu_cases():
    out = []
    for seed, shape in enumerate([(4, 5), (2, 3, 4, 5), (1, 1)]):
        x = cases_rng(seed).standard_normal(shape)
        x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink
        out.append((f"x {shape}, seed {seed}", (x,)))
    return out


def relu_forward(s: Subject) -> float:
    return check_forward(s, _relu_cases())


def relu_backward(s: Subject) -> float:
    return check_backward(s, "relu_forward", _relu_cases(), ("dx",), (0,))


def _loss_cases():
    out = []
    for seed, (N, C) in enumerate([(7, 5), (1, 3), (10, 10)]):
        r = cases_rng(seed)
        out.append(
            (f"x ({N}, {C}), seed {seed}", (r.standard_normal((N, C)), r.integers(C, size=N)))
        )
    return out


def svm_loss(s: Subject) -> float:
    return check_loss_layer(s, _loss_cases())


def softmax_loss(s: Subject) -> float:
    return check_loss_layer(s, _loss_cases())


# ------------------------------------------------------------------ normalization
def _bn_cases(spatial: bool = False, preset: bool = False):
    """Batch norm inputs; ``preset`` starts the running averages at the batch's own
    statistics, so a forward that wrongly normalizes with the running averages still
    hands its backward a right cache (the backward is graded on its own)."""
    shapes = [(3, 4, 3, 5), (2, 2, 5, 3), (1, 3, 2, 2)] if spatial else [(7, 5), (4, 3), (10, 1)]
    out = []
    for seed, shape in enumerate(shapes):
        r = cases_rng(seed)
        x = 4 * r.standard_normal(shape) + 3
        C = shape[1]
        gamma, beta = r.standard_normal(C), r.standard_normal(C)
        param = {"mode": "train"}
        if preset:
            axes = (0, 2, 3) if spatial else (0,)
            param.update(running_mean=x.mean(axis=axes), running_var=x.var(axis=axes))
        out.append((f"x {shape}, train mode, seed {seed}", (x, gamma, beta, param)))
    return out


def _check_bn_forward(s: Subject, spatial: bool) -> float:
    g = Grade()
    student, ours = s.student(), s.ours()
    for case, (x, gamma, beta, _) in _bn_cases(spatial):
        params = [{"mode": "train", "momentum": 0.8}, {"mode": "train", "momentum": 0.8}]
        for fn, p in ((student, params[0]), (ours, params[1])):
            for k in range(3):  # three training steps, then test mode
                fn(x + k, gamma, beta, p)
        s_out, _ = pair(student(x.copy(), gamma, beta, params[0]), s.entry.qualname)
        o_out, _ = ours(x.copy(), gamma, beta, params[1])
        g.array("train out", s_out, o_out, case)
        for key in ("running_mean", "running_var"):
            got = params[0].get(key)
            g.array(key, got, params[1][key], case + ", after 4 steps", zeros_are_starter=False)
        params[0]["mode"] = params[1]["mode"] = "test"
        s_out, _ = pair(student(x.copy(), gamma, beta, params[0]), s.entry.qualname)
        o_out, _ = ours(x.copy(), gamma, beta, params[1])
        g.array("test out", s_out, o_out, case.replace("train mode", "test mode"))
    return g.result()


def batchnorm_forward(s: Subject) -> float:
    return _check_bn_forward(s, spatial=False)


def spatial_batchnorm_forward(s: Subject) -> float:
    return _check_bn_forward(s, spatial=True)


def _bn_backward(s: Subject, forward: str, spatial: bool) -> float:
    cases = _bn_cases(spatial, preset=True)
    return check_backward(s, forward, cases, ("dx", "dgamma", "dbeta"), (0, 1, 2))


def batchnorm_backward(s: Subject) -> float:
    return _bn_backward(s, "batchnorm_forward", spatial=False)


def batchnorm_backward_alt(s: Subject) -> float:
    return _bn_backward(s, "batchnorm_forward", spatial=False)


def spatial_batchnorm_backward(s: Subject) -> float:
    return _bn_backward(s, "spatial_batchnorm_forward", spatial=True)


def _ln_cases():
    out = []
    for seed, shape in enumerate([(4, 7), (1, 5), (6, 3)]):
        r = cases_rng(seed)
        x = 3 * r.standard_normal(shape) - 1
        gamma, beta = r.standard_normal(shape[1]), r.standard_normal(shape[1])
        out.append((f"x {shape}, seed {seed}", (x, gamma, beta, {})))
    return out


def layernorm_forward(s: Subject) -> float:
    return check_forward(s, _ln_cases())


def layernorm_backward(s: Subject) -> float:
    return check_backward(s, "layernorm_forward", _ln_cases(), ("dx", "dgamma", "dbeta"), (0, 1, 2))


def _gn_cases():
    out = []
    for seed, (shape, G) in enumerate([((2, 6, 3, 4), 2), ((1, 4, 3, 3), 4), ((3, 6, 2, 3), 3)]):
        r = cases_rng(seed)
        x = 2 * r.standard_normal(shape) + 1
        C = shape[1]
        gamma, beta = r.standard_normal((1, C, 1, 1)), r.standard_normal((1, C, 1, 1))
        out.append((f"x {shape}, G={G}, seed {seed}", (x, gamma, beta, G, {})))
    return out


def spatial_groupnorm_forward(s: Subject) -> float:
    return check_forward(s, _gn_cases())


def spatial_groupnorm_backward(s: Subject) -> float:
    cases = _gn_cases()
    return check_backward(
        s, "spatial_groupnorm_forward", cases, ("dx", "dgamma", "dbeta"), (0, 1, 2)
    )


# ------------------------------------------------------------------------ dropout
def dropout_forward(s: Subject) -> float:
    """Statistics, not the exact mask: a student may draw the mask another way."""
    g = Grade()
    fn = s.student()
    x = cases_rng(0).standard_normal((100, 50)) + 10  # no zeros
    for p in (0.25, 0.6, 1.0):
        case = f"x (100, 50), p={p}"
        out, _ = pair(fn(x.copy(), {"mode": "train", "p": p, "seed": 123}), "dropout_forward")
        if out is None:
            raise NotDone("out is None")
        out = np.asarray(out, dtype=np.float64)
        if out.shape != x.shape:
            g.check(False, f"out has shape {out.shape}, expected {x.shape}", case)
            continue
        kept = out != 0
        g.check(abs(kept.mean() - p) < 0.03, f"kept {kept.mean():.3f} of the units, not p", case)
        g.array("kept units", out[kept], (x / p)[kept], case + " (kept units must be x / p)")
        out, _ = pair(fn(x.copy(), {"mode": "test", "p": p}), "dropout_forward")
        g.array("test out", out, x, case + ", test mode")
    return g.result()


def dropout_backward(s: Subject) -> float:
    """``dx = dout * out / x`` for the student's own mask (train), ``dout`` (test)."""
    g = Grade()
    fwd, bwd = s.student("dropout_forward"), s.student()
    x = cases_rng(1).standard_normal((7, 9)) + 10
    dout = cases_rng(2).standard_normal((7, 9))
    for mode in ("train", "test"):
        case = f"x (7, 9), p=0.4, {mode} mode"
        result = fwd(x.copy(), {"mode": mode, "p": 0.4, "seed": 5})
        out, cache = result if isinstance(result, (tuple, list)) else (None, None)
        dx = bwd(dout.copy(), cache)
        if dx is None:
            raise NotDone("dx is None")
        want = dout * np.asarray(out, dtype=np.float64) / x if mode == "train" else dout
        g.array("dx", dx, want, case)
    return g.result()


# --------------------------------------------------------------- convolution, pool
def _conv_cases():
    specs = [
        ((2, 3, 5, 5), (4, 3, 3, 3), 1, 1),
        ((1, 2, 7, 7), (3, 2, 3, 3), 2, 1),
        ((2, 1, 6, 8), (2, 1, 2, 4), 2, 0),
        ((1, 2, 7, 7), (2, 2, 1, 1), 3, 0),
        ((1, 1, 4, 5), (2, 1, 3, 2), 1, 2),
    ]
    out = []
    for seed, (xs, ws, stride, pad) in enumerate(specs):
        r = cases_rng(seed)
        x, w, b = r.standard_normal(xs), r.standard_normal(ws), r.standard_normal(ws[0])
        param = {"stride": stride, "pad": pad}
        out.append((f"x {xs}, w {ws}, stride {stride}, pad {pad}", (x, w, b, param)))
    return out


def conv_forward_naive(s: Subject) -> float:
    g = Grade()
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = pair(s.student()(x, w, b, {"stride": 2, "pad": 1}), "conv_forward_naive")
    want, _ = s.ours()(x, w, b, {"stride": 2, "pad": 1})  # = the notebook's correct_out
    g.array("out", out, want, "the official check (ConvolutionalNetworks.ipynb)")
    g.result()
    return max(g.worst_pass, check_forward(s, _conv_cases()))


def conv_backward_naive(s: Subject) -> float:
    cases = _conv_cases()
    return check_backward(s, "conv_forward_naive", cases, ("dx", "dw", "db"), (0, 1, 2))


def _pool_cases():
    specs = [((2, 3, 4, 4), 2, 2, 2), ((1, 2, 5, 5), 3, 3, 2), ((2, 1, 6, 4), 3, 2, 1)]
    out = []
    for seed, (xs, ph, pw, stride) in enumerate(specs):
        x = cases_rng(seed).standard_normal(xs)  # continuous values: no ties
        param = {"pool_height": ph, "pool_width": pw, "stride": stride}
        out.append((f"x {xs}, pool {ph}x{pw}, stride {stride}", (x, param)))
    return out


def max_pool_forward_naive(s: Subject) -> float:
    return check_forward(s, _pool_cases())


def max_pool_backward_naive(s: Subject) -> float:
    return check_backward(s, "max_pool_forward_naive", _pool_cases(), ("dx",), (0,))


# ---------------------------------------------------------------------- sandwiches
def _conv_relu_cases():
    return [(c, a) for c, a in _conv_cases() if a[3]["stride"] in (1, 2)][:3]


def _conv_relu_pool_cases():
    out = []
    for seed, (xs, ws) in enumerate([((2, 3, 6, 6), (2, 3, 3, 3)), ((1, 1, 4, 8), (3, 1, 3, 3))]):
        r = cases_rng(seed)
        x, w, b = r.standard_normal(xs), r.standard_normal(ws), r.standard_normal(ws[0])
        conv, pool = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
        out.append((f"x {xs}, w {ws}, pad 1, pool 2x2", (x, w, b, conv, pool)))
    return out


def affine_relu_forward(s: Subject) -> float:
    return check_forward(s, _affine_cases())


def affine_relu_backward(s: Subject) -> float:
    cases = _affine_cases()
    return check_backward(s, "affine_relu_forward", cases, ("dx", "dw", "db"), (0, 1, 2))


def conv_relu_forward(s: Subject) -> float:
    return check_forward(s, _conv_relu_cases())


def conv_relu_backward(s: Subject) -> float:
    cases = _conv_relu_cases()
    return check_backward(s, "conv_relu_forward", cases, ("dx", "dw", "db"), (0, 1, 2))


def conv_relu_pool_forward(s: Subject) -> float:
    return check_forward(s, _conv_relu_pool_cases())


def conv_relu_pool_backward(s: Subject) -> float:
    cases = _conv_relu_pool_cases()
    return check_backward(s, "conv_relu_pool_forward", cases, ("dx", "dw", "db"), (0, 1, 2))


CHECKS = {
    name: fn
    for name, fn in list(globals().items())
    if callable(fn) and not name.startswith("_") and fn.__module__ == __name__
}
