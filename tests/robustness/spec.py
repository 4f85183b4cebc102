"""Roles of arguments, the :class:`Spec` of one public callable, and the enumeration of the
public callables of the modules under test (so a new function needs a spec the day it is added).

A spec's ``build(dims)`` returns a valid call as ``(call, kwargs)``: ``call(**kwargs)`` must
succeed. ``dims`` maps the size symbols of the spec (``N``, ``D``, ...) to small integers;
the deterministic campaign uses the defaults, hypothesis draws them from the ranges.
Array shapes are written with the same symbols (``('N', 'D')``); an axis whose symbol appears
in two roles (or in ``Spec.tied``, for sizes carried by a cache or a trained model) must match,
so a mutation that changes it must be rejected.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Callable
from typing import Any

#: The modules whose public callables are enumerated (the numpy API of assignments 1-3).
#: Assignment 3's framework modules (gan_*, style_transfer_*, net_visualization_*) are left to
#: tests/test_validation_a3.py, which covers each public function with explicit cases.
MODULES = (
    "cs231n.layers",
    "cs231n.nn.norm",
    "cs231n.nn.conv",
    "cs231n.fast_layers",
    "cs231n.kernels.winograd",
    "cs231n.kernels.im2col_numpy",
    "cs231n.im2col",
    "cs231n.layer_utils",
    "cs231n.optim",
    "cs231n.classifiers.linear_svm",
    "cs231n.classifiers.softmax",
    "cs231n.classifiers.linear_classifier",
    "cs231n.classifiers.k_nearest_neighbor",
    "cs231n.classifiers.neural_net",
    "cs231n.classifiers.fc_net",
    "cs231n.classifiers.cnn",
    "cs231n.classifiers.rnn",
    "cs231n.nn.convnet",
    "cs231n.rnn_layers",
    "cs231n.kernels.geometry",
    "cs231n.solver",
)


@dataclasses.dataclass(frozen=True)
class Num:
    """A number in an interval (``low``/``high`` None: unbounded), integer or not.

    ``bad`` lists extra values that must be rejected (e.g. a group count that does not divide
    C); ``none_ok`` says None is a valid value (e.g. ``seed``)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    bad: tuple = ()
    none_ok: bool = False


@dataclasses.dataclass(frozen=True)
class Choice:
    """One of a few strings (or values)."""

    choices: tuple
    none_ok: bool = False


@dataclasses.dataclass(frozen=True)
class Arr:
    """An array argument.

    ``shape``: symbols per axis; a trailing ``'*'`` means "any further axes" (then only the
    named axes and the minimum number of dimensions are checked); None: any shape (no shape
    mutations). ``dout``: an upstream gradient, every axis tied to the output. ``nan``:
    ``'error'`` (a loss, a metric, a prediction: NaN/inf must be rejected), ``'pass'`` (a
    layer: NaN and inf propagate, the call must return) or None (not tested).
    ``listable``: a list of numbers must be accepted in its place (the official API takes
    arrays). ``integer``: the values are indices (int dtype; no NaN mutations)."""

    shape: tuple | None
    dout: bool = False
    nan: str | None = None
    listable: bool = False
    integer: bool = False
    optional: bool = False


@dataclasses.dataclass(frozen=True)
class Labels:
    """Integer class labels ``y`` of shape ``(n,)`` in ``[0, classes)`` (``classes`` a symbol
    or an int). ``optional``: None is valid (a model's test mode)."""

    n: str = "N"
    classes: str | int | None = "C"
    optional: bool = False
    listable: bool = True


@dataclasses.dataclass(frozen=True)
class Params:
    """An option dict: ``required`` keys, further ``allowed`` keys, value roles per key.

    ``optional``: None is valid (the optimizers' ``config=None``). ``spread``: the keys are
    keyword arguments of the call (Solver's ``**kwargs``), so an error names the key itself.
    ``open``: further keys are accepted (Solver's ``data`` may hold ``X_test``). ``label``:
    the name an error must contain when it is not the argument's (``from_dict``'s ``param``
    is a ``conv_param``)."""

    required: tuple = ()
    allowed: tuple = ()
    values: dict = dataclasses.field(default_factory=dict)
    optional: bool = False
    spread: bool = False
    open: bool = False
    label: str | None = None


@dataclasses.dataclass(frozen=True)
class Opaque:
    """An argument not mutated (a cache from the forward pass, a model, a callback)."""


Role = Num | Choice | Arr | Labels | Params | Opaque


@dataclasses.dataclass
class Spec:
    """How to call one public callable validly and what each argument is.

    ``target``: ``'module:qualname'`` where it is defined (``'m:Class'`` is the constructor,
    ``'m:Class.method'`` a method). ``names``: the prefixes a clear message may start with
    (default: the qualname, e.g. ``KNearestNeighbor.predict``). ``empty``: what an empty batch
    (every ``N`` axis 0) must give: ``'error'``, ``'ok'`` or None (not tested). ``extra``:
    further mutations ``(label, arg, mutate(kwargs) -> kwargs, expect)`` specific to this
    callable, ``expect`` ``'error'`` or ``'ok'``."""

    target: str
    build: Callable[[dict], tuple[Callable, dict]]
    roles: dict[str, Role]
    dims: dict[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)
    tied: tuple = ()
    names: tuple = ()
    empty: str | None = None
    extra: tuple = ()

    @property
    def module(self) -> str:
        return self.target.split(":")[0]

    @property
    def qualname(self) -> str:
        return self.target.split(":")[1]

    def prefixes(self) -> tuple:
        return self.names or (self.qualname,)

    def default_dims(self) -> dict:
        return {k: v[0] for k, v in self.dims.items()}

    def tied_symbols(self) -> set:
        """Symbols that appear in two array roles, or are tied through a cache/model."""
        seen: dict[str, int] = {}
        for role in self.roles.values():
            syms: tuple = ()
            if isinstance(role, Arr) and role.shape is not None:
                syms = role.shape
            elif isinstance(role, Labels):
                syms = (role.n,)
            for s in set(syms):
                seen[s] = seen.get(s, 0) + 1
        return {s for s, c in seen.items() if c >= 2 and s != "*"} | set(self.tied)


def resolve(target: str) -> Any:
    """The object named by ``'module:qualname'``; raises AttributeError/ImportError if missing."""
    mod_name, qual = target.split(":")
    obj: Any = importlib.import_module(mod_name)
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj


def public_callables(mod_name: str) -> list[str]:
    """The public callables defined in ``mod_name``, as targets ``'module:qualname'``.

    Names: the module's ``__all__`` if it has one, else every name not starting with ``_``;
    kept: functions and classes defined in this module (re-exports are covered where they are
    defined). For a class: the constructor and every public method (also classmethods and
    staticmethods) defined in this module, an inherited one under the public class defining it
    (``LinearSVM.train`` is ``LinearClassifier.train``)."""
    mod = importlib.import_module(mod_name)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in vars(mod) if not n.startswith("_")]
    out = []
    for n in names:
        obj = getattr(mod, n, None)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if getattr(obj, "__module__", None) != mod_name:
            continue
        out.append(f"{mod_name}:{n}")
        if inspect.isclass(obj):
            for m in dir(obj):
                if m.startswith("_"):
                    continue
                # the class of the MRO that defines m; methods of this module's classes only
                owner = next(k for k in obj.__mro__ if m in vars(k))
                if owner.__module__ != mod_name:
                    continue
                v = vars(owner)[m]
                if isinstance(v, classmethod | staticmethod):
                    v = v.__func__
                if inspect.isfunction(v):
                    # an inherited method is listed once, under the public class defining it
                    cls_name = n if owner.__name__.startswith("_") else owner.__name__
                    out.append(f"{mod_name}:{cls_name}.{m}")
    return list(dict.fromkeys(out))
