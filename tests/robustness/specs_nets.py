"""Specs of the assignment 2/3 models: cs231n.classifiers.fc_net, cnn, rnn, cs231n.nn.convnet."""

from __future__ import annotations

import importlib

import numpy as np

from tests.robustness.common import INT1, KEEP, NONNEG, POSITIVE, UNIT, method, randn
from tests.robustness.spec import Arr, Choice, Labels, Num, Spec

CL = "cs231n.classifiers"
FC = f"{CL}.fc_net"
CNN = f"{CL}.cnn"
RNN = f"{CL}.rnn"
CN = "cs231n.nn.convnet"


def _cls(target):
    mod, name = target.split(":")
    return getattr(importlib.import_module(mod), name)


def _ctor(target, kwargs, roles, extra=()):
    return Spec(
        target=target,
        build=lambda d: (_cls(target), dict(kwargs)),
        roles=roles,
        extra=extra,
    )


def _loss_spec(target, make_model, x_shape, x_roles_shape, dims, tied, classes="C"):
    def args(d, o):
        return {
            "X": randn(d["N"], *x_shape(d), seed=1),
            "y": np.arange(d["N"]) % (d[classes] if isinstance(classes, str) else classes),
        }

    return Spec(
        target=target,
        build=method(make_model, "loss", args),
        # NaN in X of a model's loss: not tested (the contract names losses of arrays, the
        # course's models take NaN through their layers)
        roles={"X": Arr(x_roles_shape, listable=True), "y": Labels(optional=True, classes=classes)},
        dims=dims,
        tied=tied,
        empty="error",
    )


def _set(key, value):
    return lambda kw: {**kw, key: value}


FDIMS = {"N": (3, 1, 4), "D": (4, 2, 5), "C": (3, 2, 4)}
SPECS: list[Spec] = [
    _ctor(
        f"{FC}:TwoLayerNet",
        {"input_dim": 4, "hidden_dim": 5, "num_classes": 3, "weight_scale": 1e-3, "reg": 0.0},
        {
            "input_dim": INT1,
            "hidden_dim": INT1,
            "num_classes": INT1,
            "weight_scale": POSITIVE,
            "reg": NONNEG,
        },
    ),
    _loss_spec(
        f"{FC}:TwoLayerNet.loss",
        lambda d: _cls(f"{FC}:TwoLayerNet")(input_dim=d["D"], hidden_dim=5, num_classes=d["C"]),
        lambda d: (d["D"],),
        ("N", "D", "*"),
        FDIMS,
        ("D", "C"),
    ),
    _ctor(
        f"{FC}:FullyConnectedNet",
        {
            "hidden_dims": [5, 4],
            "input_dim": 4,
            "num_classes": 3,
            "dropout_keep_ratio": 0.5,
            "normalization": "batchnorm",
            "reg": 0.0,
            "weight_scale": 1e-2,
            "seed": 0,
        },
        {
            "input_dim": INT1,
            "num_classes": INT1,
            "dropout_keep_ratio": KEEP,
            "normalization": Choice(("batchnorm", "layernorm"), none_ok=True),
            "reg": NONNEG,
            "weight_scale": POSITIVE,
            "seed": Num(low=0, integer=True, none_ok=True),
        },
        extra=(
            ("hidden_dims=None", "hidden_dims", _set("hidden_dims", None), "error"),
            ("hidden_dims=[0]", "hidden_dims", _set("hidden_dims", [0]), "error"),
            ("hidden_dims=[2.5]", "hidden_dims", _set("hidden_dims", [2.5]), "error"),
            ("hidden_dims='ab'", "hidden_dims", _set("hidden_dims", "ab"), "error"),
        ),
    ),
]
for norm in (None, "batchnorm", "layernorm"):
    SPECS.append(
        _loss_spec(
            f"{FC}:FullyConnectedNet.loss",
            lambda d, norm=norm: _cls(f"{FC}:FullyConnectedNet")(
                [5, 4],
                input_dim=d["D"],
                num_classes=d["C"],
                dropout_keep_ratio=0.5,
                normalization=norm,
                seed=0,
                dtype=np.float64,
            ),
            lambda d: (d["D"],),
            ("N", "D", "*"),
            {**FDIMS, "N": (3, 2, 4)} if norm == "batchnorm" else FDIMS,
            ("D", "C"),
        )
    )

# ThreeLayerConvNet on (3, 8, 8) inputs
CDIMS = {"N": (2, 1, 3), "C": (3,), "H": (8,), "W": (8,), "K": (3, 2, 4)}
SPECS += [
    _ctor(
        f"{CNN}:ThreeLayerConvNet",
        {
            "input_dim": (3, 8, 8),
            "num_filters": 4,
            "filter_size": 3,
            "hidden_dim": 5,
            "num_classes": 3,
            "weight_scale": 1e-3,
            "reg": 0.0,
        },
        {
            "num_filters": INT1,
            "filter_size": INT1,
            "hidden_dim": INT1,
            "num_classes": INT1,
            "weight_scale": POSITIVE,
            "reg": NONNEG,
        },
        extra=(
            ("input_dim=(3, 8)", "input_dim", _set("input_dim", (3, 8)), "error"),
            ("input_dim=None", "input_dim", _set("input_dim", None), "error"),
            ("input_dim=(3, 7, 7)", "input_dim", _set("input_dim", (3, 7, 7)), "error"),
            ("filter_size=4 (even)", "filter_size", _set("filter_size", 4), "error"),
        ),
    ),
    _loss_spec(
        f"{CNN}:ThreeLayerConvNet.loss",
        lambda d: _cls(f"{CNN}:ThreeLayerConvNet")(
            input_dim=(3, 8, 8), num_filters=4, filter_size=3, hidden_dim=5, num_classes=d["K"]
        ),
        lambda d: (3, 8, 8),
        ("N", "C", "H", "W"),
        CDIMS,
        ("C", "H", "W", "K"),
        classes="K",
    ),
]

# ConvNet of assignment 2 (ours)
SPECS += [
    _ctor(
        f"{CN}:ConvNet",
        {
            "input_dim": (3, 8, 8),
            "stages": (4,),
            "num_classes": 3,
            "head": "affine",
            "weight_scale": None,
            "reg": 0.0,
            "seed": 0,
            "conv_method": "fast",
            "bn_momentum": 0.9,
        },
        {
            "num_classes": INT1,
            "head": Choice(("affine", "gap")),
            "weight_scale": Num(low=0, low_open=True, none_ok=True),
            "reg": NONNEG,
            "seed": Num(low=0, integer=True, none_ok=True),
            "conv_method": Choice(("fast", "winograd")),
            "bn_momentum": UNIT,
        },
        extra=(
            ("input_dim=(3, 8)", "input_dim", _set("input_dim", (3, 8)), "error"),
            ("input_dim=(3, 7, 7)", "input_dim", _set("input_dim", (3, 7, 7)), "error"),
            ("stages=()", "stages", _set("stages", ()), "error"),
            ("stages=(0,)", "stages", _set("stages", (0,)), "error"),
            ("stages=None", "stages", _set("stages", None), "error"),
        ),
    ),
    _loss_spec(
        f"{CN}:ConvNet.loss",
        lambda d: _cls(f"{CN}:ConvNet")(
            input_dim=(3, 8, 8), stages=(4,), num_classes=d["K"], seed=0
        ),
        lambda d: (3, 8, 8),
        ("N", "C", "H", "W"),
        CDIMS,
        ("C", "H", "W", "K"),
        classes="K",
    ),
    Spec(
        target=f"{CN}:conv_functions",
        build=lambda d: (_cls(f"{CN}:conv_functions"), {"conv_method": "fast"}),
        roles={"conv_method": Choice(("fast", "winograd"))},
        names=("conv_functions", "ConvNet"),
    ),
]

# CaptioningRNN: vocabulary of 5 words, features (N, 6), captions (N, T + 1)
WORDS = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4}
RDIMS = {"N": (2, 1, 3), "F": (6,), "T": (4, 2, 5)}


def _rnn(cell):
    def make(d):
        return _cls(f"{RNN}:CaptioningRNN")(
            dict(WORDS), input_dim=6, wordvec_dim=4, hidden_dim=5, cell_type=cell, dtype=np.float64
        )

    return make


def _captions(d):
    return (np.arange(d["N"] * d["T"]).reshape(d["N"], d["T"]) % 5).astype(np.int64)


CAPTIONS = Arr(("N", "T"), integer=True, listable=True)
FEATURES = Arr(("N", "F"), listable=True)


def _cap_bad(value):
    def apply(kw):
        c = np.array(kw["captions"], copy=True)
        c.flat[0] = value
        return {**kw, "captions": c}

    return apply


CAP_EXTRA = (
    ("captions:word>=V", "captions", _cap_bad(5), "error"),
    ("captions:negative", "captions", _cap_bad(-1), "error"),
    ("captions:float", "captions", lambda kw: {**kw, "captions": kw["captions"] + 0.5}, "error"),
)
SPECS.append(
    _ctor(
        f"{RNN}:CaptioningRNN",
        {
            "word_to_idx": dict(WORDS),
            "input_dim": 6,
            "wordvec_dim": 4,
            "hidden_dim": 5,
            "cell_type": "rnn",
        },
        {
            "input_dim": INT1,
            "wordvec_dim": INT1,
            "hidden_dim": INT1,
            "cell_type": Choice(("rnn", "lstm")),
        },
        extra=(
            ("word_to_idx=None", "word_to_idx", _set("word_to_idx", None), "error"),
            ("word_to_idx:no <NULL>", "word_to_idx", _set("word_to_idx", {"a": 0}), "error"),
        ),
    )
)
for cell in ("rnn", "lstm"):
    for meth in ("loss", "log_likelihoods"):
        SPECS.append(
            Spec(
                target=f"{RNN}:CaptioningRNN.{meth}",
                build=method(
                    _rnn(cell),
                    meth,
                    lambda d, o: {"features": randn(d["N"], d["F"]), "captions": _captions(d)},
                ),
                roles={"features": FEATURES, "captions": CAPTIONS},
                dims=RDIMS,
                tied=("F",),
                extra=CAP_EXTRA,
                empty="error" if meth == "loss" else None,
            )
        )
    SPECS.append(
        Spec(
            target=f"{RNN}:CaptioningRNN.sample",
            build=method(
                _rnn(cell),
                "sample",
                lambda d, o: {"features": randn(d["N"], d["F"]), "max_length": 3, "beam_size": 1},
            ),
            roles={"features": FEATURES, "max_length": INT1, "beam_size": INT1},
            dims=RDIMS,
            tied=("F",),
        )
    )
