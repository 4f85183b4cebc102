"""Specs of the layers: cs231n.layers, cs231n.nn.norm, cs231n.nn.conv, cs231n.layer_utils.

Layers pass NaN and inf through (``nan='pass'``); losses reject them and empty batches."""

from __future__ import annotations

import numpy as np

from tests.robustness.common import (
    CONV_PARAM,
    DROPOUT_PARAM,
    EPS_PARAM,
    POOL_PARAM,
    backward,
    bn_param,
    bn_param_role,
    forward,
    randn,
)
from tests.robustness.spec import Arr, Labels, Num

L = "cs231n.layers"
NORM = "cs231n.nn.norm"
CONV = "cs231n.nn.conv"
LU = "cs231n.layer_utils"

X_IN = Arr(("N", "D", "*"), nan="pass", listable=True)
AFF = {"N": (3, 1, 4), "D": (4, 1, 5), "M": (3, 1, 4)}
# batch normalization in train mode needs N >= 2 (one value's statistics make the output beta)
BDIMS = {**AFF, "N": (3, 2, 4)}
CDIMS = {"N": (2, 1, 3), "C": (2, 1, 3), "F": (3, 1, 4), "H": (4, 6), "W": (4, 6)}
PDIMS = {"N": (2, 1, 3), "C": (2, 1, 3), "H": (4, 2, 6), "W": (4, 2, 6)}


def affine_args(d):
    return {
        "x": randn(d["N"], d["D"]),
        "w": randn(d["D"], d["M"], seed=2),
        "b": randn(d["M"], seed=3),
    }


AFF_ROLES = {
    "x": X_IN,
    "w": Arr(("D", "M"), nan="pass"),
    "b": Arr(("M",), nan="pass"),
}


def conv_args(d, stride=1):
    return {
        "x": randn(d["N"], d["C"], d["H"], d["W"]),
        "w": randn(d["F"], d["C"], 3, 3, seed=2),
        "b": randn(d["F"], seed=3),
        "conv_param": {"stride": stride, "pad": 1},
    }


CONV_ROLES = {
    "x": Arr(("N", "C", "H", "W"), nan="pass", listable=True),
    "w": Arr(("F", "C", 3, 3), nan="pass"),
    "b": Arr(("F",), nan="pass"),
    "conv_param": CONV_PARAM,
}


def _indivisible(kwargs):
    """stride 2 over H = W = 4 with a 3x3 filter and pad 1: (4 + 2 - 3) = 3 is odd."""
    out = dict(kwargs)
    x = out["x"]
    out["x"] = np.zeros(x.shape[:2] + (4, 4))
    out["conv_param"] = {"stride": 2, "pad": 1}
    return out


CONV_EXTRA = (("conv_param:indivisible", "stride", _indivisible, "error"),)


def pool_args(d):
    return {
        "x": randn(d["N"], d["C"], d["H"], d["W"]),
        "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2},
    }


POOL_ROLES = {"x": Arr(("N", "C", "H", "W"), nan="pass", listable=True), "pool_param": POOL_PARAM}


def _pool_odd(kwargs):
    out = dict(kwargs)
    out["x"] = np.zeros(out["x"].shape[:2] + (5, 5))
    return out


def _pool_too_big(kwargs):
    out = dict(kwargs)
    out["pool_param"] = {"pool_height": 9, "pool_width": 9, "stride": 2}
    return out


POOL_EXTRA = (
    ("pool:indivisible", "stride", _pool_odd, "error"),
    ("pool:window>input", "pool_height", _pool_too_big, "error"),
)


def dropout_args(d):
    return {"x": randn(d["N"], d["D"]), "dropout_param": {"p": 0.5, "mode": "train", "seed": 1}}


def bn_args(d):
    return {
        "x": randn(d["N"], d["D"]),
        "gamma": randn(d["D"], seed=2),
        "beta": randn(d["D"], seed=3),
        "bn_param": bn_param(d["D"]),
    }


BN_ROLES = {
    "x": Arr(("N", "D"), nan="pass", listable=True),
    "gamma": Arr(("D",), nan="pass"),
    "beta": Arr(("D",), nan="pass"),
    "bn_param": bn_param_role("D"),
}


def ln_args(d):
    args = bn_args(d)
    args["ln_param"] = {"eps": 1e-5}
    del args["bn_param"]
    return args


LN_ROLES = {**{k: v for k, v in BN_ROLES.items() if k != "bn_param"}, "ln_param": EPS_PARAM}


def sbn_args(d):
    return {
        "x": randn(d["N"], d["C"], d["H"], d["W"]),
        "gamma": randn(d["C"], seed=2),
        "beta": randn(d["C"], seed=3),
        "bn_param": bn_param(d["C"]),
    }


SBN_ROLES = {
    "x": Arr(("N", "C", "H", "W"), nan="pass", listable=True),
    "gamma": Arr(("C",), nan="pass"),
    "beta": Arr(("C",), nan="pass"),
    "bn_param": bn_param_role("C"),
}
GDIMS = {"N": (2, 1, 3), "C": (4, 4, 4), "H": (3, 2, 4), "W": (3, 2, 4)}


def gn_args(d):
    C = d["C"]
    return {
        "x": randn(d["N"], C, d["H"], d["W"]),
        "gamma": randn(1, C, 1, 1, seed=2),
        "beta": randn(1, C, 1, 1, seed=3),
        "G": 2,
        "gn_param": {"eps": 1e-5},
    }


GN_ROLES = {
    "x": Arr(("N", "C", "H", "W"), nan="pass", listable=True),
    "gamma": Arr((1, "C", 1, 1), nan="pass"),
    "beta": Arr((1, "C", 1, 1), nan="pass"),
    # C = 4: G must divide it (3 does not)
    "G": Num(low=1, integer=True, bad=(3,)),
    "gn_param": EPS_PARAM,
}


def loss_args(d):
    return {
        "x": randn(d["N"], d["C"]),
        "y": np.arange(d["N"]) % d["C"],
    }


LOSS_ROLES = {"x": Arr(("N", "C"), nan="error", listable=True), "y": Labels()}
LDIMS = {"N": (3, 1, 5), "C": (4, 2, 5)}


def _bn_test_mode(make):
    def m(d):
        a = make(d)
        a["bn_param"]["mode"] = "test"
        return a

    return m


SPECS = [
    forward(f"{L}:affine_forward", affine_args, AFF_ROLES, AFF),
    backward(f"{L}:affine_backward", f"{L}:affine_forward", affine_args, ("N", "M"), AFF),
    forward(
        f"{L}:relu_forward",
        lambda d: {"x": randn(d["N"], d["D"])},
        {"x": Arr(None, nan="pass", listable=True)},
        AFF,
    ),
    backward(
        f"{L}:relu_backward",
        f"{L}:relu_forward",
        lambda d: {"x": randn(d["N"], d["D"])},
        ("N", "D"),
        AFF,
    ),
    forward(
        f"{L}:dropout_forward",
        dropout_args,
        {"x": Arr(None, nan="pass", listable=True), "dropout_param": DROPOUT_PARAM},
        AFF,
    ),
    backward(f"{L}:dropout_backward", f"{L}:dropout_forward", dropout_args, ("N", "D"), AFF),
    forward(f"{L}:svm_loss", loss_args, LOSS_ROLES, LDIMS, empty="error"),
    forward(f"{L}:softmax_loss", loss_args, LOSS_ROLES, LDIMS, empty="error"),
    # normalization
    forward(f"{NORM}:batchnorm_forward", bn_args, BN_ROLES, BDIMS, empty="error"),
    forward(
        f"{NORM}:batchnorm_forward",
        _bn_test_mode(bn_args),
        BN_ROLES,
        BDIMS,
        names=("batchnorm_forward",),
    ),
    backward(f"{NORM}:batchnorm_backward", f"{NORM}:batchnorm_forward", bn_args, ("N", "D"), BDIMS),
    backward(
        f"{NORM}:batchnorm_backward_alt", f"{NORM}:batchnorm_forward", bn_args, ("N", "D"), BDIMS
    ),
    forward(f"{NORM}:layernorm_forward", ln_args, LN_ROLES, AFF),
    backward(f"{NORM}:layernorm_backward", f"{NORM}:layernorm_forward", ln_args, ("N", "D"), AFF),
    forward(f"{NORM}:spatial_batchnorm_forward", sbn_args, SBN_ROLES, PDIMS, empty="error"),
    backward(
        f"{NORM}:spatial_batchnorm_backward",
        f"{NORM}:spatial_batchnorm_forward",
        sbn_args,
        ("N", "C", "H", "W"),
        PDIMS,
    ),
    forward(f"{NORM}:spatial_groupnorm_forward", gn_args, GN_ROLES, GDIMS),
    backward(
        f"{NORM}:spatial_groupnorm_backward",
        f"{NORM}:spatial_groupnorm_forward",
        gn_args,
        ("N", "C", "H", "W"),
        GDIMS,
    ),
    # naive conv / pool
    forward(f"{CONV}:conv_forward_naive", conv_args, CONV_ROLES, CDIMS, extra=CONV_EXTRA),
    backward(
        f"{CONV}:conv_backward_naive",
        f"{CONV}:conv_forward_naive",
        conv_args,
        ("N", "F", "H", "W"),
        CDIMS,
    ),
    forward(f"{CONV}:max_pool_forward_naive", pool_args, POOL_ROLES, PDIMS, extra=POOL_EXTRA),
    backward(
        f"{CONV}:max_pool_backward_naive",
        f"{CONV}:max_pool_forward_naive",
        pool_args,
        ("N", "C", "Ho", "Wo"),
        PDIMS,
    ),
]


# layer_utils: the sandwich layers
def abr_args(d):
    a = affine_args(d)
    a.update(gamma=randn(d["M"], seed=4), beta=randn(d["M"], seed=5), bn_param=bn_param(d["M"]))
    return a


def alr_args(d):
    a = abr_args(d)
    del a["bn_param"]
    a["ln_param"] = {"eps": 1e-5}
    return a


SANDWICH_NORM = {"gamma": Arr(("M",), nan="pass"), "beta": Arr(("M",), nan="pass")}


def cbr_args(d):
    a = conv_args(d)
    a.update(gamma=randn(d["F"], seed=4), beta=randn(d["F"], seed=5), bn_param=bn_param(d["F"]))
    return a


def crp_args(d):
    a = conv_args(d)
    a["pool_param"] = {"pool_height": 2, "pool_width": 2, "stride": 2}
    return a


SPECS += [
    forward(f"{LU}:affine_relu_forward", affine_args, AFF_ROLES, AFF),
    backward(
        f"{LU}:affine_relu_backward", f"{LU}:affine_relu_forward", affine_args, ("N", "M"), AFF
    ),
    forward(
        f"{LU}:affine_bn_relu_forward",
        abr_args,
        {**AFF_ROLES, **SANDWICH_NORM, "bn_param": bn_param_role("M")},
        BDIMS,
    ),
    backward(
        f"{LU}:affine_bn_relu_backward", f"{LU}:affine_bn_relu_forward", abr_args, ("N", "M"), BDIMS
    ),
    forward(
        f"{LU}:affine_ln_relu_forward",
        alr_args,
        {**AFF_ROLES, **SANDWICH_NORM, "ln_param": EPS_PARAM},
        AFF,
    ),
    backward(
        f"{LU}:affine_ln_relu_backward", f"{LU}:affine_ln_relu_forward", alr_args, ("N", "M"), AFF
    ),
    forward(f"{LU}:conv_relu_forward", conv_args, CONV_ROLES, CDIMS, extra=CONV_EXTRA),
    backward(
        f"{LU}:conv_relu_backward",
        f"{LU}:conv_relu_forward",
        conv_args,
        ("N", "F", "H", "W"),
        CDIMS,
    ),
    forward(
        f"{LU}:conv_bn_relu_forward",
        cbr_args,
        {
            **CONV_ROLES,
            "gamma": Arr(("F",), nan="pass"),
            "beta": Arr(("F",), nan="pass"),
            "bn_param": bn_param_role("F"),
        },
        CDIMS,
    ),
    backward(
        f"{LU}:conv_bn_relu_backward",
        f"{LU}:conv_bn_relu_forward",
        cbr_args,
        ("N", "F", "H", "W"),
        CDIMS,
    ),
    forward(
        f"{LU}:conv_relu_pool_forward",
        crp_args,
        {**CONV_ROLES, "pool_param": POOL_PARAM},
        CDIMS,
    ),
    backward(
        f"{LU}:conv_relu_pool_backward",
        f"{LU}:conv_relu_pool_forward",
        crp_args,
        ("N", "F", "Ho", "Wo"),
        CDIMS,
    ),
]
