"""Small builders shared by the spec modules: arrays, forward/backward spec pairs, and the
option-dict roles of the course (conv_param, pool_param, bn_param, ...)."""

from __future__ import annotations

import importlib

import numpy as np

from tests.robustness.spec import Arr, Choice, Num, Opaque, Params, Spec

INT1 = Num(low=1, integer=True)  # a size or a stride
INT0 = Num(low=0, integer=True)  # a pad, a seed
POSITIVE = Num(low=0, low_open=True)  # lr, eps, weight_scale
NONNEG = Num(low=0)  # reg
UNIT = Num(low=0, high=1, high_open=True)  # momentum, betas, decay rates
KEEP = Num(low=0, high=1, low_open=True)  # dropout keep probability, lr decay

CONV_PARAM = Params(required=("stride", "pad"), values={"stride": INT1, "pad": INT0})
POOL_PARAM = Params(
    required=("pool_height", "pool_width", "stride"),
    values={"pool_height": INT1, "pool_width": INT1, "stride": INT1},
)
MODE = Choice(("train", "test"))


def bn_param_role(sym: str) -> Params:
    """``bn_param``: 'mode' required; eps > 0, momentum in [0, 1), running statistics (D,)."""
    return Params(
        required=("mode",),
        allowed=("eps", "momentum", "running_mean", "running_var"),
        values={
            "mode": MODE,
            "eps": POSITIVE,
            "momentum": UNIT,
            # dout=True: every axis must match (here: the D features / C channels)
            "running_mean": Arr((sym,), dout=True),
            "running_var": Arr((sym,), dout=True),
        },
    )


def bn_param(D: int) -> dict:
    return {
        "mode": "train",
        "eps": 1e-5,
        "momentum": 0.9,
        "running_mean": np.zeros(D),
        "running_var": np.ones(D),
    }


DROPOUT_PARAM = Params(
    required=("p", "mode"),
    allowed=("seed",),
    values={"p": KEEP, "mode": MODE, "seed": Num(low=0, integer=True, none_ok=True)},
)
EPS_PARAM = Params(allowed=("eps",), values={"eps": POSITIVE})


def randn(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape)


def func(target: str):
    mod, name = target.split(":")
    return getattr(importlib.import_module(mod), name)


def forward(target: str, make, roles: dict, dims: dict, **kw) -> Spec:
    """A spec calling the function ``target`` with ``make(d)`` (a dict of keyword args)."""

    def build(d):
        return func(target), make(d)

    return Spec(target=target, build=build, roles=roles, dims=dims, **kw)


def backward(
    target: str, fwd: str, make, dout_shape: tuple, dims: dict, dout: str = "dout", **kw
) -> Spec:
    """A spec of a backward pass: the forward ``fwd`` on ``make(d)`` gives the cache; dout has
    the output's shape (symbols ``dout_shape``). NaN and inf in dout propagate."""

    def build(d):
        out, cache = func(fwd)(**make(d))
        return func(target), {dout: randn(*out.shape, seed=1), "cache": cache}

    roles = {dout: Arr(dout_shape, dout=True, nan="pass"), "cache": Opaque()}
    return Spec(target=target, build=build, roles=roles, dims=dims, **kw)


def method(make_obj, name: str, make_args):
    """``build`` for a method: ``make_obj(d)`` gives the object, ``make_args(d, obj)`` the
    keyword arguments."""

    def build(d):
        obj = make_obj(d)
        return getattr(obj, name), make_args(d, obj)

    return build
