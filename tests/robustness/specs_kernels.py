"""Specs of the fast layers and kernels: cs231n.fast_layers, cs231n.kernels.winograd,
cs231n.im2col, cs231n.kernels.geometry."""

from __future__ import annotations

import dataclasses

import numpy as np

from tests.robustness.common import (
    CONV_PARAM,
    INT0,
    INT1,
    POOL_PARAM,
    Params,
    backward,
    forward,
    randn,
)
from tests.robustness.spec import Arr, Num, Opaque, Spec
from tests.robustness.specs_layers import (
    CONV_EXTRA,
    CONV_ROLES,
    POOL_EXTRA,
    POOL_ROLES,
    conv_args,
    pool_args,
)

FL = "cs231n.fast_layers"
WG = "cs231n.kernels.winograd"
IM = "cs231n.im2col"
GEO = "cs231n.kernels.geometry"

CDIMS = {"N": (2, 1, 3), "C": (2, 1, 3), "F": (3, 1, 4), "H": (4, 6), "W": (4, 6)}
PDIMS = {"N": (2, 1, 3), "C": (2, 1, 3), "H": (4, 2, 6), "W": (4, 2, 6)}

SPECS: list[Spec] = []
# conv_forward_fast is conv_forward_strides (the course's alias): either name is clear
STRIDES = ("strides", "fast")
for kind in ("im2col", "strides", "fast"):
    fnames = STRIDES if kind in STRIDES else (kind,)
    SPECS += [
        forward(
            f"{FL}:conv_forward_{kind}",
            conv_args,
            CONV_ROLES,
            CDIMS,
            extra=CONV_EXTRA,
            names=tuple(f"conv_forward_{k}" for k in fnames),
        ),
        backward(
            f"{FL}:conv_backward_{kind}",
            f"{FL}:conv_forward_{kind}",
            conv_args,
            ("N", "F", "H", "W"),
            CDIMS,
            names=tuple(f"conv_backward_{k}" for k in fnames),
        ),
    ]
for kind in ("fast", "reshape", "im2col", "strides"):
    SPECS += [
        forward(f"{FL}:max_pool_forward_{kind}", pool_args, POOL_ROLES, PDIMS, extra=POOL_EXTRA),
        backward(
            f"{FL}:max_pool_backward_{kind}",
            f"{FL}:max_pool_forward_{kind}",
            pool_args,
            ("N", "C", "Ho", "Wo"),
            PDIMS,
        ),
    ]

WG_PARAM = Params(
    required=("stride", "pad"),
    allowed=("tile",),
    values={
        "stride": Num(low=1, high=1, integer=True),
        "pad": INT0,
        "tile": Num(low=2, high=4, integer=True, bad=(3,)),
    },
)


def wg_args(d):
    a = conv_args(d)
    a["conv_param"] = {"stride": 1, "pad": 1, "tile": 2}
    return a


SPECS += [
    forward(f"{WG}:conv_forward_winograd", wg_args, {**CONV_ROLES, "conv_param": WG_PARAM}, CDIMS),
    backward(
        f"{WG}:conv_backward_winograd",
        f"{WG}:conv_forward_winograd",
        wg_args,
        ("N", "F", "H", "W"),
        CDIMS,
    ),
]

# im2col: x (N, C, H, W) -> cols (C*fh*fw, N*Ho*Wo)
IDIMS = {"N": (2, 1, 3), "C": (2, 1, 3), "H": (4, 3, 5), "W": (4, 3, 5)}
IM_NUMS = {"field_height": INT1, "field_width": INT1, "padding": INT0, "stride": INT1}


def _im_geom(d):
    return {"field_height": 3, "field_width": 3, "padding": 1, "stride": 1}


def _geom_indivisible(kwargs):
    out = dict(kwargs)
    out["stride"] = 2
    shape = (2, 2, 4, 4)
    if "x_shape" in out:
        out["x_shape"] = shape
    if "x" in out:
        out["x"] = np.zeros(shape)
    return out


def _window_too_big(kwargs):
    out = dict(kwargs)
    out["field_height"] = 9
    return out


IM_EXTRA = (
    ("stride:indivisible", "stride", _geom_indivisible, "error"),
    ("field_height>input", "field_height", _window_too_big, "error"),
)


def cols_args(d):
    N, C, H, W = d["N"], d["C"], d["H"], d["W"]
    return {"cols": randn(C * 9, N * H * W), "x_shape": (N, C, H, W), **_im_geom(d)}


SPECS += [
    forward(
        f"{IM}:get_im2col_indices",
        lambda d: {"x_shape": (d["N"], d["C"], d["H"], d["W"]), **_im_geom(d)},
        {"x_shape": Opaque(), **IM_NUMS},
        IDIMS,
    ),
    forward(
        f"{IM}:im2col_indices",
        lambda d: {"x": randn(d["N"], d["C"], d["H"], d["W"]), **_im_geom(d)},
        {"x": Arr(("N", "C", "H", "W"), nan="pass", listable=True), **IM_NUMS},
        IDIMS,
        extra=IM_EXTRA,
    ),
    forward(
        f"{IM}:col2im_indices",
        cols_args,
        {"cols": Arr(("K", "P"), dout=True, nan="pass"), "x_shape": Opaque(), **IM_NUMS},
        IDIMS,
    ),
]


# geometry: the checked conv/pool dicts and output sizes
def _geo_extra_bad_shape(kwargs):
    out = dict(kwargs)
    out["H"] = 1
    out["HH"] = 5
    return out


SPECS += [
    forward(
        f"{GEO}:check_int",
        # the message names the argument by the name it is given
        lambda d: {"layer": "lyr", "name": "value", "value": 2, "minimum": 1},
        {"value": Num(low=1, integer=True)},
        {},
        names=("lyr",),
    ),
    forward(
        f"{GEO}:output_hw",
        lambda d: {"layer": "lyr", "H": 4, "W": 4, "HH": 3, "WW": 3, "pad": 1, "stride": 1},
        {"H": INT1, "W": INT1, "HH": INT1, "WW": INT1, "pad": INT0, "stride": INT1},
        {},
        names=("lyr",),
        extra=(
            ("window>input", "HH", _geo_extra_bad_shape, "error"),
            ("stride:indivisible", "stride", lambda kw: {**kw, "stride": 2}, "error"),
        ),
    ),
]


def _from_dict(cls_name, param, role, label, mod=GEO):
    def build(d):
        import importlib

        cls = getattr(importlib.import_module(mod), cls_name)
        return cls.from_dict, {"layer": "lyr", "param": dict(param)}

    return Spec(
        target=f"{mod}:{cls_name}.from_dict",
        build=build,
        roles={"param": dataclasses.replace(role, label=label)},
        names=("lyr",),
    )


def _method(cls_name, param, meth, args, roles, mod=GEO, extra=()):
    def build(d):
        import importlib

        cls = getattr(importlib.import_module(mod), cls_name)
        obj = cls.from_dict("lyr", dict(param))
        return getattr(obj, meth), {"layer": "lyr", **args}

    return Spec(
        target=f"{mod}:{cls_name}.{meth}", build=build, roles=roles, names=("lyr",), extra=extra
    )


HW = {"H": INT1, "W": INT1}
SPECS += [
    _from_dict("ConvParam", {"stride": 1, "pad": 1}, CONV_PARAM, "conv_param"),
    _from_dict(
        "PoolParam", {"pool_height": 2, "pool_width": 2, "stride": 2}, POOL_PARAM, "pool_param"
    ),
    _from_dict("WinogradParam", {"stride": 1, "pad": 1, "tile": 2}, WG_PARAM, "conv_param", mod=WG),
    _method(
        "ConvParam",
        {"stride": 1, "pad": 1},
        "output_hw",
        {"H": 4, "W": 4, "HH": 3, "WW": 3},
        {**HW, "HH": INT1, "WW": INT1},
        extra=(("window>input", "HH", _geo_extra_bad_shape, "error"),),
    ),
    _method(
        "PoolParam",
        {"pool_height": 2, "pool_width": 2, "stride": 2},
        "output_hw",
        {"H": 4, "W": 4},
        HW,
        extra=(("stride:indivisible", "H", lambda kw: {**kw, "H": 5}, "error"),),
    ),
]
