"""Checks of assignment 2's update rules (``optim.py``) and models (``fc_net.py``, ``cnn.py``).

An update rule is checked on the official 2020 inputs and printed values, then against
ours over several steps on random inputs. A model's ``__init__`` is checked for the
shapes, scales and dtypes of ``params``; its ``loss`` is called with an instance that OUR
``__init__`` built (plus any attribute the student's ``__init__`` adds), so a wrong
``__init__`` does not make ``loss`` wrong too.
"""

from __future__ import annotations

import copy

import numpy as np

from cs231n.grading.checks import Subject, cases_rng
from cs231n.grading.compare import Grade, NotDone, pair

# ---------------------------------------------------------------------- optim
_N, _D = 4, 5


def _lin(a: float, b: float) -> np.ndarray:
    return np.linspace(a, b, num=_N * _D).reshape(_N, _D)


_OFFICIAL = {  # FullyConnectedNets.ipynb (2020): config, then the printed expected arrays
    "sgd_momentum": (
        {"learning_rate": 1e-3, "velocity": _lin(0.6, 0.9)},
        "next_w",
    ),
    "rmsprop": ({"learning_rate": 1e-2, "cache": _lin(0.6, 0.9)}, "next_w"),
    "adam": ({"learning_rate": 1e-2, "m": _lin(0.6, 0.9), "v": _lin(0.7, 0.5), "t": 5}, "next_w"),
}
_ADAM_NEXT_W = [
    [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
    [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
    [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
    [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459],
]
_MOMENTUM_NEXT_W = [
    [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
    [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
    [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
    [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096],
]
_RMSPROP_NEXT_W = [
    [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
    [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
    [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
    [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619],
]
_PRINTED = {"sgd_momentum": _MOMENTUM_NEXT_W, "rmsprop": _RMSPROP_NEXT_W, "adam": _ADAM_NEXT_W}


def _update_rule(s: Subject) -> float:
    g = Grade()
    rule, ours = s.student(), s.ours()
    name = s.entry.qualname
    w0, dw0 = _lin(-0.4, 0.6), _lin(-0.6, 0.4)
    config, _ = _OFFICIAL[name]
    next_w, _ = pair(rule(w0.copy(), dw0.copy(), copy.deepcopy(config)), name)
    # The notebook prints 8 decimals: 5e-7 relative is what those digits allow.
    g.array("next_w", next_w, np.asarray(_PRINTED[name]), "the official check", 5e-7, w0)
    for seed, shape in enumerate([(3, 7), (1,), (2, 3, 4)]):
        r = cases_rng(seed)
        w = r.standard_normal(shape)
        configs = [None, None]
        ws = [w.copy(), w.copy()]
        for step in range(4):  # from the default config (None), four steps
            dw = r.standard_normal(shape)
            case = f"w {shape}, default config, step {step + 1}, seed {seed}"
            got = pair(rule(ws[0].copy(), dw.copy(), configs[0]), name)
            want = ours(ws[1].copy(), dw.copy(), configs[1])
            g.array("next_w", got[0], want[0], case, 1e-7, ws[0])
            if got[0] is None or not isinstance(got[1], dict):
                break
            ws, configs = [np.asarray(got[0]), want[0]], [got[1], want[1]]
    return g.result()


# --------------------------------------------------------------------- models
def _params_shapes(params) -> dict:
    return {k: np.shape(v) for k, v in params.items()}


def _adopt(s: Subject, qualname: str, obj, args: tuple, kwargs: dict):
    """Give ``obj`` (built by our ``__init__``) the attributes only the student's adds."""
    cls = type(obj)
    try:
        theirs = cls.__new__(cls)
        state = np.random.get_state()  # noqa: NPY002
        s.student(qualname + ".__init__")(theirs, *args, **kwargs)
        np.random.set_state(state)  # noqa: NPY002
        for key, value in vars(theirs).items():
            if not hasattr(obj, key):
                setattr(obj, key, value)
    except Exception:
        pass  # the student's __init__ is graded in its own row
    return obj


def _instance(s: Subject, qualname: str, args: tuple, kwargs: dict, seed: int = 0):
    """Our instance built by our ``__init__``, plus the student's extra attributes."""
    np.random.seed(seed)  # noqa: NPY002 (the models draw from the global state)
    return _adopt(s, qualname, s.ours(qualname)(*args, **kwargs), args, kwargs)


def _check_init(s: Subject, cls_name: str, cases) -> float:
    """``params`` after the student's ``__init__``: keys, shapes, dtypes, zeros, scales."""
    g = Grade()
    cls = s.ours(cls_name)
    init = s.student()
    for case, args, kwargs, scale in cases:
        obj = cls.__new__(cls)
        np.random.seed(0)  # noqa: NPY002
        init(obj, *args, **kwargs)
        np.random.seed(0)  # noqa: NPY002
        want = cls(*args, **kwargs).params
        got = getattr(obj, "params", None)
        if not got:
            raise NotDone("__init__ leaves self.params empty")
        g.check(set(got) == set(want), f"params keys {sorted(got)}, expected {sorted(want)}", case)
        for key in sorted(set(got) & set(want)):
            a, b = np.asarray(got[key]), want[key]
            g.check(a.shape == b.shape, f"{key} has shape {a.shape}, expected {b.shape}", case)
            g.check(a.dtype == b.dtype, f"{key} has dtype {a.dtype}, expected {b.dtype}", case)
            if a.shape != b.shape:
                continue
            if key.startswith("W"):
                std = float(a.std())
                g.check(abs(std - scale) < scale / 5, f"{key} has std {std:.3g}, not {scale}", case)
            else:  # biases and betas zero, gammas one
                g.array(key, a, b, case)
    return g.result()


def _check_loss(s: Subject, cls_name: str, cases, official=()) -> float:
    """Scores (``y=None``), then loss and every gradient, against our ``loss``."""
    g = Grade()
    loss = s.student()
    ours = s.ours()
    for case, args, kwargs, X, y in cases:
        obj = _instance(s, cls_name, args, kwargs)
        mine = copy.deepcopy(obj)
        scores = loss(copy.deepcopy(obj), X.copy())
        g.array("scores", scores, ours(copy.deepcopy(mine), X.copy()), case)
        got = pair(loss(obj, X.copy(), y.copy()), s.entry.qualname)
        want = ours(mine, X.copy(), y.copy())
        g.scalar("loss", got[0], want[0], case)
        grads = got[1]
        if not isinstance(grads, dict) or not grads:
            raise NotDone("grads is empty")
        g.check(set(grads) == set(want[1]), f"grads keys {sorted(grads)}", case)
        for key in sorted(set(grads) & set(want[1])):
            g.array(f"grads[{key!r}]", grads[key], want[1][key], case, 1e-6)
    for case, obj, X, y, value in official:
        got = pair(loss(obj, X, y), s.entry.qualname)
        g.scalar("loss", got[0], value, case, 1e-9)
    return g.result()


def _fc_cases():
    out = []
    for seed, (N, D, dims, C, kwargs) in enumerate(
        [
            (3, 5, [7], 4, {}),
            (4, 6, [5, 3], 3, {"reg": 0.3}),
            (5, 4, [6, 5], 3, {"normalization": "batchnorm"}),
            (2, 4, [3, 5], 4, {"normalization": "layernorm", "reg": 0.1}),
            (6, 5, [8], 3, {"dropout": 0.5, "seed": 7}),  # the 2020 name of the keep ratio
        ]
    ):
        r = cases_rng(seed)
        X, y = r.standard_normal((N, D)), r.integers(C, size=N)
        kw = {"input_dim": D, "num_classes": C, "weight_scale": 0.3, "dtype": np.float64, **kwargs}
        out.append((f"hidden {dims}, X ({N}, {D}), C={C}, {kwargs}", (dims,), kw, X, y))
    return out


def _two_layer_cases():
    out = []
    for seed, (N, D, H, C, reg) in enumerate([(3, 5, 50, 7, 0.0), (4, 7, 9, 3, 0.7)]):
        r = cases_rng(seed)
        X, y = r.standard_normal((N, D)), r.integers(C, size=N)
        kw = {"input_dim": D, "hidden_dim": H, "num_classes": C, "weight_scale": 0.1, "reg": reg}
        out.append((f"X ({N}, {D}), H={H}, C={C}, reg={reg}", (), kw, X, y))
    return out


def fc_two_layer_init(s: Subject) -> float:
    kw = {"input_dim": 50, "hidden_dim": 60, "num_classes": 7, "weight_scale": 1e-3}
    return _check_init(s, "TwoLayerNet", [("D=50, H=60, C=7, weight_scale=1e-3", (), kw, 1e-3)])


def fc_two_layer_loss(s: Subject) -> float:
    N, D, H, C = 3, 5, 50, 7
    obj = _instance(s, "TwoLayerNet", (), {"input_dim": D, "hidden_dim": H, "num_classes": C})
    obj.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    obj.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    obj.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    obj.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    y = np.asarray([0, 5, 1])
    reg1 = copy.deepcopy(obj)
    obj.reg, reg1.reg = 0.0, 1.0
    official = [
        ("the official check, reg=0", obj, X, y, 3.4702243556),
        ("the official check, reg=1", reg1, X, y, 26.5948426952),
    ]
    return _check_loss(s, "TwoLayerNet", _two_layer_cases(), official)


def fc_init(s: Subject) -> float:
    cases = []
    for norm in (None, "batchnorm", "layernorm"):
        kw = {"input_dim": 40, "num_classes": 6, "weight_scale": 2e-2, "normalization": norm}
        cases.append((f"hidden [50, 30], D=40, C=6, normalization={norm}", ([50, 30],), kw, 2e-2))
    kw = {"input_dim": 40, "num_classes": 6, "weight_scale": 5e-2, "dtype": np.float64}
    cases.append(("hidden [45], D=40, C=6, dtype=float64", ([45],), kw, 5e-2))
    return _check_init(s, "FullyConnectedNet", cases)


def fc_loss(s: Subject) -> float:
    np.random.seed(231)  # noqa: NPY002 (the notebook's recipe)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)  # noqa: NPY002
    y = np.random.randint(C, size=(N,))  # noqa: NPY002
    official = []
    for reg, value in ((0.0, 2.3004790897684924), (3.14, 7.052114776533016)):
        args = ([H1, H2],)
        kw = {"input_dim": D, "num_classes": C, "reg": reg, "weight_scale": 5e-2}
        kw["dtype"] = np.float64
        obj = _adopt(s, "FullyConnectedNet", s.ours("FullyConnectedNet")(*args, **kw), args, kw)
        official.append((f"the official initial loss, reg={reg}", obj, X, y, value))
    return _check_loss(s, "FullyConnectedNet", _fc_cases(), official)


def cnn_init(s: Subject) -> float:
    kw = {"input_dim": (3, 16, 16), "num_filters": 8, "filter_size": 5, "hidden_dim": 40}
    kw.update(num_classes=6, weight_scale=1e-2)
    return _check_init(s, "ThreeLayerConvNet", [("input (3, 16, 16), 8 5x5 filters", (), kw, 1e-2)])


def cnn_loss(s: Subject) -> float:
    cases = []
    for seed, (N, dims, F, HH, hid, C, reg) in enumerate(
        [(2, (3, 6, 6), 3, 3, 7, 4, 0.0), (3, (1, 4, 8), 2, 5, 5, 3, 0.5)]
    ):
        r = cases_rng(seed)
        X, y = r.standard_normal((N, *dims)), r.integers(C, size=N)
        kw = {"input_dim": dims, "num_filters": F, "filter_size": HH, "hidden_dim": hid}
        kw.update(num_classes=C, weight_scale=0.1, reg=reg, dtype=np.float64)
        cases.append((f"X ({N}, {dims}), {F} {HH}x{HH} filters, reg={reg}", (), kw, X, y))
    return _check_loss(s, "ThreeLayerConvNet", cases)


CHECKS = {
    "sgd_momentum": _update_rule,
    "rmsprop": _update_rule,
    "adam": _update_rule,
    "fc_net.TwoLayerNet.__init__": fc_two_layer_init,
    "fc_net.TwoLayerNet.loss": fc_two_layer_loss,
    "fc_net.FullyConnectedNet.__init__": fc_init,
    "fc_net.FullyConnectedNet.loss": fc_loss,
    "ThreeLayerConvNet.__init__": cnn_init,
    "ThreeLayerConvNet.loss": cnn_loss,
}
