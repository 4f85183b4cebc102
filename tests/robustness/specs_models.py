"""Specs of the optimizers, the classifiers and models, and the Solver constructor:
cs231n.optim, cs231n.classifiers.*, cs231n.nn.convnet, cs231n.solver.

Losses, metrics and predictions reject NaN/inf inputs and empty batches; a model's ``loss``
with ``y=None`` (test mode) is valid."""

from __future__ import annotations

import importlib

import numpy as np

from tests.robustness.common import (
    INT0,
    INT1,
    KEEP,
    NONNEG,
    POSITIVE,
    UNIT,
    func,
    method,
    randn,
)
from tests.robustness.spec import Arr, Labels, Num, Params, Spec

OPT = "cs231n.optim"
CL = "cs231n.classifiers"

# optimizers: w and dw of one shape; config None or a dict of known keys
ODIMS = {"A": (3, 1, 4), "B": (2, 1, 3)}
W_ROLE = Arr(("A", "B"), listable=False)
# An update's learning rate may be 0: a schedule (cs231n.training.schedules) anneals it to 0
# on the last step, and the Solver hands the scheduled value to the rule. The configured
# rate is checked > 0 where it is given (Solver's optim_config['learning_rate']).
STEP_LR = NONNEG
STATE = Arr(("A", "B"), dout=True)  # optimizer state: the shape of w, no broadcasting
OPT_CONFIG = {
    "sgd": {"learning_rate": STEP_LR},
    "sgd_momentum": {"learning_rate": STEP_LR, "momentum": UNIT, "velocity": STATE},
    "rmsprop": {
        "learning_rate": STEP_LR,
        "decay_rate": UNIT,
        "epsilon": POSITIVE,
        "cache": STATE,
    },
    "adam": {
        "learning_rate": STEP_LR,
        "beta1": UNIT,
        "beta2": UNIT,
        "epsilon": POSITIVE,
        "m": STATE,
        "v": STATE,
        "t": INT0,
    },
}
OPT_VALID = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9, "velocity": "w"},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8, "cache": "w"},
    "adam": {
        "learning_rate": 1e-3,
        "beta1": 0.9,
        "beta2": 0.999,
        "epsilon": 1e-8,
        "m": "w",
        "v": "w",
        "t": 0,
    },
}


def _opt_args(rule):
    def make(d):
        w = randn(d["A"], d["B"])
        config = {k: (np.zeros_like(w) if v == "w" else v) for k, v in OPT_VALID[rule].items()}
        return {"w": w, "dw": randn(d["A"], d["B"], seed=1), "config": config}

    return make


def _spec(target, build, roles, dims=None, **kw):
    return Spec(target=target, build=build, roles=roles, dims=dims or {}, **kw)


def _fn(target, make):
    return lambda d: (func(target), make(d))


SPECS: list[Spec] = [
    _spec(
        f"{OPT}:{rule}",
        _fn(f"{OPT}:{rule}", _opt_args(rule)),
        {
            "w": W_ROLE,
            "dw": Arr(("A", "B")),
            "config": Params(allowed=tuple(cfg), values=cfg, optional=True),
        },
        ODIMS,
    )
    for rule, cfg in OPT_CONFIG.items()
]

# linear classifiers' losses: W (D, C), X (N, D), y (N,) in [0, C), reg >= 0
LDIMS = {"N": (4, 1, 5), "D": (3, 1, 4), "C": (3, 2, 4)}


def lin_args(d):
    return {
        "W": randn(d["D"], d["C"]) * 1e-2,
        "X": randn(d["N"], d["D"], seed=1),
        "y": np.arange(d["N"]) % d["C"],
        "reg": 0.1,
    }


LIN_ROLES = {
    "W": Arr(("D", "C"), nan="error"),
    "X": Arr(("N", "D"), nan="error", listable=True),
    "y": Labels(),
    "reg": NONNEG,
}
for mod, names in (
    ("linear_svm", ("svm_loss_naive", "svm_loss_vectorized")),
    ("softmax", ("softmax_loss_naive", "softmax_loss_vectorized")),
):
    for n in names:
        t = f"{CL}.{mod}:{n}"
        SPECS.append(_spec(t, _fn(t, lin_args), LIN_ROLES, LDIMS, empty="error"))


# LinearClassifier and its subclasses
LC = f"{CL}.linear_classifier"


def _cls(mod, name):
    return getattr(importlib.import_module(mod), name)


def _trained_linear(cls_name):
    def make(d):
        obj = _cls(LC, cls_name)()
        X = randn(d["N"], d["D"], seed=1)
        obj.train(X, np.arange(d["N"]) % d["C"], num_iters=2, batch_size=2, seed=0)
        return obj

    return make


TRAIN_ROLES = {
    "X": Arr(("N", "D"), nan="error", listable=True),
    "y": Labels(classes=None),
    "learning_rate": POSITIVE,
    "reg": NONNEG,
    "num_iters": INT1,
    "batch_size": INT1,
    "seed": Num(low=0, integer=True, none_ok=True),
}


def _train_args(d, obj):
    return {
        "X": randn(d["N"], d["D"], seed=1),
        "y": np.arange(d["N"]) % d["C"],
        "learning_rate": 1e-3,
        "reg": 1e-5,
        "num_iters": 2,
        "batch_size": 2,
        "seed": 0,
    }


for cls_name in ("LinearClassifier", "LinearSVM", "Softmax"):
    SPECS.append(_spec(f"{LC}:{cls_name}", lambda d, c=cls_name: (_cls(LC, c), {}), {}))
SPECS += [
    _spec(
        f"{LC}:LinearClassifier.train",
        method(lambda d: _cls(LC, "LinearSVM")(), "train", _train_args),
        TRAIN_ROLES,
        LDIMS,
        empty="error",
    ),
    _spec(
        f"{LC}:LinearClassifier.predict",
        method(
            _trained_linear("LinearSVM"),
            "predict",
            lambda d, o: {"X": randn(d["N"] + 1, d["D"], seed=2)},
        ),
        {"X": Arr(("M", "D"), nan="error", listable=True)},
        LDIMS,
        tied=("D",),
    ),
]
LOSS_ROLES = {
    "X_batch": Arr(("N", "D"), nan="error", listable=True),
    "y_batch": Labels(),
    "reg": NONNEG,
}


def _loss_args(d, o):
    return {
        "X_batch": randn(d["N"], d["D"], seed=2),
        "y_batch": np.arange(d["N"]) % d["C"],
        "reg": 0.1,
    }


for cls_name in ("LinearSVM", "Softmax"):
    SPECS.append(
        _spec(
            f"{LC}:{cls_name}.loss",
            method(_trained_linear(cls_name), "loss", _loss_args),
            LOSS_ROLES,
            LDIMS,
            tied=("D", "C"),
            empty="error",
        )
    )
SPECS.append(
    _spec(
        f"{LC}:LinearClassifier.loss",
        method(_trained_linear("LinearSVM"), "loss", _loss_args),
        LOSS_ROLES,
        LDIMS,
        tied=("D", "C"),
        names=("LinearSVM.loss", "LinearClassifier.loss"),
        empty="error",
    )
)

# kNN: trained on N_train = N rows; test X (M, D); dists (M, N)
KNN = f"{CL}.k_nearest_neighbor"
KDIMS = {"N": (5, 3, 6), "D": (3, 1, 4), "C": (3, 2, 3), "M": (2, 1, 3)}


def _knn(d):
    obj = _cls(KNN, "KNearestNeighbor")()
    obj.train(randn(d["N"], d["D"]), np.arange(d["N"]) % d["C"])
    return obj


KX = {"X": Arr(("M", "D"), nan="error", listable=True)}


def _kx(d, o):
    return {"X": randn(d["M"], d["D"], seed=3)}


def _k_too_big(kwargs):
    return {**kwargs, "k": 99}


SPECS += [
    _spec(f"{KNN}:KNearestNeighbor", lambda d: (_cls(KNN, "KNearestNeighbor"), {}), {}),
    _spec(
        f"{KNN}:KNearestNeighbor.train",
        method(
            lambda d: _cls(KNN, "KNearestNeighbor")(),
            "train",
            lambda d, o: {"X": randn(d["N"], d["D"]), "y": np.arange(d["N"]) % d["C"]},
        ),
        {"X": Arr(("N", "D"), nan="error", listable=True), "y": Labels(classes=None)},
        KDIMS,
        empty="error",
    ),
    _spec(
        f"{KNN}:KNearestNeighbor.predict",
        method(_knn, "predict", lambda d, o: {**_kx(d, o), "k": 1, "num_loops": 0}),
        {**KX, "k": INT1, "num_loops": Num(low=0, high=2, integer=True)},
        KDIMS,
        tied=("D",),
        extra=(("k>num_train", "k", _k_too_big, "error"),),
    ),
]
for m in (
    "compute_distances_two_loops",
    "compute_distances_one_loop",
    "compute_distances_no_loops",
):
    SPECS.append(_spec(f"{KNN}:KNearestNeighbor.{m}", method(_knn, m, _kx), KX, KDIMS, tied=("D",)))
SPECS.append(
    _spec(
        f"{KNN}:KNearestNeighbor.predict_labels",
        method(_knn, "predict_labels", lambda d, o: {"dists": randn(d["M"], d["N"]), "k": 1}),
        {"dists": Arr(("M", "N"), nan="error", listable=True), "k": INT1},
        KDIMS,
        tied=("N",),
        extra=(("k>num_train", "k", _k_too_big, "error"),),
    )
)

# two-layer net of assignment 1
NN = f"{CL}.neural_net"
NDIMS = {"N": (4, 1, 5), "D": (3, 2, 4), "C": (3, 2, 4)}


def _tln(d):
    return _cls(NN, "TwoLayerNet")(d["D"], 5, d["C"], std=1e-1)


def _tln_train_args(d, o):
    return {
        "X": randn(d["N"], d["D"], seed=1),
        "y": np.arange(d["N"]) % d["C"],
        "X_val": randn(2, d["D"], seed=2),
        "y_val": np.arange(2) % d["C"],
        "learning_rate": 1e-3,
        "learning_rate_decay": 0.95,
        "reg": 1e-5,
        "num_iters": 2,
        "batch_size": 2,
        "seed": 0,
    }


SPECS += [
    _spec(
        f"{NN}:TwoLayerNet",
        lambda d: (
            _cls(NN, "TwoLayerNet"),
            {"input_size": 3, "hidden_size": 4, "output_size": 2, "std": 1e-4},
        ),
        {"input_size": INT1, "hidden_size": INT1, "output_size": INT1, "std": NONNEG},
    ),
    _spec(
        f"{NN}:TwoLayerNet.loss",
        method(
            _tln,
            "loss",
            lambda d, o: {
                "X": randn(d["N"], d["D"], seed=1),
                "y": np.arange(d["N"]) % d["C"],
                "reg": 0.1,
            },
        ),
        {"X": Arr(("N", "D"), listable=True), "y": Labels(optional=True), "reg": NONNEG},
        NDIMS,
        tied=("D", "C"),
        empty="error",
    ),
    _spec(
        f"{NN}:TwoLayerNet.train",
        method(_tln, "train", _tln_train_args),
        {
            "X": Arr(("N", "D"), nan="error", listable=True),
            "y": Labels(),
            "X_val": Arr(("V", "D"), nan="error", listable=True),
            "y_val": Labels(n="V"),
            "learning_rate": POSITIVE,
            "learning_rate_decay": KEEP,
            "reg": NONNEG,
            "num_iters": INT1,
            "batch_size": INT1,
            "seed": Num(low=0, integer=True, none_ok=True),
        },
        {**NDIMS, "V": (2,)},
        tied=("D", "C", "V"),
        empty="error",
    ),
    _spec(
        f"{NN}:TwoLayerNet.predict",
        method(_tln, "predict", lambda d, o: {"X": randn(d["N"], d["D"], seed=1)}),
        {"X": Arr(("N", "D"), nan="error", listable=True)},
        NDIMS,
        tied=("D",),
    ),
]
