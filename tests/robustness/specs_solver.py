"""Specs of cs231n.solver: the Solver constructor (options checked at the door), train and
check_accuracy."""

from __future__ import annotations

import numpy as np

from tests.robustness.common import INT1, KEEP, POSITIVE, method, randn
from tests.robustness.spec import Arr, Choice, Labels, Num, Opaque, Params, Spec

SPECS: list[Spec] = []
# Solver(model, data, **kwargs)
SOLVER_OPTIONS = {
    "update_rule": Choice(("sgd", "sgd_momentum", "rmsprop", "adam")),
    "optim_config": Params(
        allowed=("learning_rate",), values={"learning_rate": POSITIVE}, optional=True
    ),
    "lr_decay": KEEP,
    "batch_size": INT1,
    "num_epochs": INT1,
    "num_train_samples": Num(low=1, integer=True, none_ok=True),
    "num_val_samples": Num(low=1, integer=True, none_ok=True),
    "print_every": INT1,
    "seed": Num(low=0, integer=True, none_ok=True),
    "time_limit": Num(low=0, low_open=True, none_ok=True),
}


def _solver_build(d):
    from cs231n.classifiers.fc_net import TwoLayerNet
    from cs231n.solver import Solver

    model = TwoLayerNet(input_dim=4, hidden_dim=5, num_classes=3)
    data = {
        "X_train": randn(6, 4),
        "y_train": np.arange(6) % 3,
        "X_val": randn(3, 4, seed=1),
        "y_val": np.arange(3) % 3,
    }
    kwargs = {
        "update_rule": "sgd",
        "optim_config": {"learning_rate": 1e-3},
        "lr_decay": 0.95,
        "batch_size": 2,
        "num_epochs": 1,
        "num_train_samples": 3,
        "num_val_samples": None,
        "print_every": 10,
        "seed": 0,
        "time_limit": None,
        "verbose": False,
    }

    def call(model, data, kwargs):
        return Solver(model, data, **kwargs)

    return call, {"model": model, "data": data, "kwargs": kwargs}


def _data_set(key, value):
    def apply(kw):
        data = dict(kw["data"])
        data[key] = value
        return {**kw, "data": data}

    return apply


SPECS.append(
    Spec(
        target="cs231n.solver:Solver",
        build=_solver_build,
        roles={
            "model": Opaque(),
            "data": Params(required=("X_train", "y_train", "X_val", "y_val"), open=True),
            "kwargs": Params(allowed=tuple(SOLVER_OPTIONS), values=SOLVER_OPTIONS, spread=True),
        },
        extra=(
            ("model=None", "model", lambda kw: {**kw, "model": None}, "error"),
            ("data:y_train length", "y_train", _data_set("y_train", np.arange(5) % 3), "error"),
            ("data:X_val=None", "X_val", _data_set("X_val", None), "error"),
            ("data:y_val float", "y_val", _data_set("y_val", np.arange(3) + 0.5), "error"),
        ),
    )
)


def _solver(d):
    call, kw = _solver_build(d)
    return call(**kw)


SPECS += [
    Spec(
        target="cs231n.solver:Solver.train",
        build=method(_solver, "train", lambda d, o: {}),
        roles={},
    ),
    Spec(
        target="cs231n.solver:Solver.check_accuracy",
        build=method(
            _solver,
            "check_accuracy",
            lambda d, o: {
                "X": randn(d["N"], 4, seed=2),
                "y": np.arange(d["N"]) % 3,
                "num_samples": None,
                "batch_size": 2,
            },
        ),
        roles={
            "X": Arr(("N", "D"), nan="error", listable=True),
            "y": Labels(classes=3),
            "num_samples": Num(low=1, integer=True, none_ok=True),
            "batch_size": INT1,
        },
        # N >= 2: with one row, X of shape (1, N, D) is a valid (N, d_1, d_2) input
        dims={"N": (4, 2, 5), "D": (4,)},
        tied=("D",),
        empty="error",
    ),
]
