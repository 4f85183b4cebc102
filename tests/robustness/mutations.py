"""The mutations of each role: every way an argument can be wrong that the contract (issue 14,
"What counts" and "Rules for what must fail") says must be rejected, plus the variants it says
must be accepted (lists of numbers, NaN through a layer).

A :class:`Mutation` rewrites the valid keyword arguments of a spec's call; ``expect`` is
``'error'`` (a clear ``ValueError``/``TypeError`` naming the function and ``name``) or
``'ok'`` (the call must return).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from tests.robustness.spec import Arr, Choice, Labels, Num, Opaque, Params, Spec

STRINGS = ["a", "b"]


@dataclasses.dataclass(frozen=True)
class Mutation:
    label: str  # e.g. "dout:broadcast_axis0"
    name: str | tuple  # the name a clear message must contain (one of them, for a tuple)
    apply: Callable[[dict], dict]
    expect: str  # "error" or "ok"


def _set(arg: str, value_fn: Callable):
    def apply(kwargs: dict) -> dict:
        out = dict(kwargs)
        out[arg] = value_fn(kwargs[arg])
        return out

    return apply


def _with_shape(a: np.ndarray, shape: tuple) -> np.ndarray:
    """An array of ``shape`` with ``a``'s dtype, filled from ``a``'s values (cycled)."""
    flat = np.asarray(a).ravel()
    n = int(np.prod(shape))
    if flat.size == 0:
        return np.zeros(shape, dtype=a.dtype)
    return np.resize(flat, n).reshape(shape).astype(a.dtype)


def _poison(a: np.ndarray, value: float) -> np.ndarray:
    out = np.array(a, dtype=a.dtype if a.dtype.kind == "f" else np.float64, copy=True)
    out.flat[0] = value
    return out


def number_mutations(arg: str, role: Num, name: str, setter) -> list[Mutation]:
    """Out-of-range numbers, NaN, inf, strings, None (unless valid) for a numeric role."""
    bad: list = []
    if role.low is not None:
        bad.append(role.low if role.low_open else role.low - 1)
    if role.high is not None and not math.isinf(role.high):
        bad.append(role.high if role.high_open else role.high + 1)
    bad += [float("nan"), float("inf"), "1"]
    if role.integer:
        lo = 0 if role.low is None else role.low
        bad.append(lo + 1.5)
    bad += list(role.bad)
    if not role.none_ok:
        bad.append(None)
    out = []
    for v in dict.fromkeys(map(repr, bad)):
        value = eval(v, {"nan": float("nan"), "inf": float("inf")})  # noqa: S307 (our reprs)
        out.append(Mutation(f"{arg}={v}", name, setter(value), "error"))
    return out


def choice_mutations(arg: str, role: Choice, name: str, setter) -> list[Mutation]:
    out = [Mutation(f"{arg}='bogus'", name, setter("bogus"), "error")]
    if not role.none_ok:
        out.append(Mutation(f"{arg}=None", name, setter(None), "error"))
    return out


def _value_setter(arg: str):
    return lambda value: _set(arg, lambda _old: value)


def _key_setter(arg: str, key: str):
    def setter(value):
        def apply(kwargs):
            out = dict(kwargs)
            d = dict(out[arg])
            d[key] = value
            out[arg] = d
            return out

        return apply

    return setter


def array_mutations(spec: Spec, arg: str, role: Arr, valid: dict) -> list[Mutation]:
    a = valid[arg]
    out: list[Mutation] = []
    if not role.optional:
        out.append(Mutation(f"{arg}:None", arg, _set(arg, lambda _: None), "error"))
    out += [
        Mutation(f"{arg}:strings", arg, _set(arg, lambda _: list(STRINGS)), "error"),
        Mutation(f"{arg}:object", arg, _set(arg, lambda x: np.asarray(x).astype(object)), "error"),
    ]
    if not role.integer:
        out.append(
            Mutation(f"{arg}:complex", arg, _set(arg, lambda x: np.asarray(x) + 0j), "error")
        )
    if role.listable:
        out.append(Mutation(f"{arg}:list", arg, _set(arg, lambda x: np.asarray(x).tolist()), "ok"))
    if role.nan is not None and not role.integer:
        for v, lab in ((np.nan, "nan"), (np.inf, "inf")):
            out.append(
                Mutation(
                    f"{arg}:{lab}",
                    arg,
                    _set(arg, lambda x, v=v: _poison(x, v)),
                    "ok" if role.nan == "pass" else "error",
                )
            )
    if role.shape is None:
        return out
    a = np.asarray(a)
    named = [s for s in role.shape if s != "*"]
    fixed_ndim = "*" not in role.shape
    tied = spec.tied_symbols()
    tied_axes = [i for i, s in enumerate(named) if role.dout or s in tied]

    def names(i):
        """A size mismatch may be reported under either argument that has the size."""
        return (arg, *_partners(spec, arg, named[i]))

    for i in tied_axes:
        shape = list(a.shape)
        shape[i] += 1
        out.append(
            Mutation(
                f"{arg}:axis{i}+1",
                names(i),
                _set(arg, lambda x, s=tuple(shape): _with_shape(x, s)),
                "error",
            )
        )
    big = [i for i in tied_axes if a.shape[i] > 1]
    if big:
        shape = list(a.shape)
        shape[big[0]] = 1
        out.append(
            Mutation(
                f"{arg}:broadcast_axis{big[0]}",
                names(big[0]),
                _set(arg, lambda x, s=tuple(shape): _with_shape(x, s)),
                "error",
            )
        )
    if a.ndim >= 1:
        out.append(
            Mutation(
                f"{arg}:scalar",
                arg,
                _set(arg, lambda x: np.asarray(x).ravel()[0]),
                "error",
            )
        )
    if fixed_ndim:
        out.append(
            Mutation(f"{arg}:prepend1", arg, _set(arg, lambda x: np.asarray(x)[None]), "error")
        )
        if a.ndim >= 2:
            out.append(
                Mutation(f"{arg}:drop_axis0", arg, _set(arg, lambda x: np.asarray(x)[0]), "error")
            )
    elif a.ndim >= 2:
        # fewer dimensions than the named ones: e.g. x (N*D,) for affine's x (N, d_1, ...)
        out.append(
            Mutation(f"{arg}:flat", arg, _set(arg, lambda x: np.asarray(x).reshape(-1)), "error")
        )
    return out


def _partners(spec: Spec, arg: str, sym) -> list[str]:
    out = []
    for other, role in spec.roles.items():
        if other == arg:
            continue
        if isinstance(role, Arr) and role.shape is not None and sym in role.shape:
            out.append(other)
        elif isinstance(role, Labels) and role.n == sym:
            out.append(other)
    return out


def label_mutations(spec: Spec, arg: str, role: Labels, valid: dict, dims: dict) -> list[Mutation]:
    y = np.asarray(valid[arg])
    C = role.classes if isinstance(role.classes, int | None) else dims[role.classes]
    out = [
        Mutation(f"{arg}:strings", arg, _set(arg, lambda _: list(STRINGS)), "error"),
        Mutation(f"{arg}:float", arg, _set(arg, lambda v: np.asarray(v) + 0.5), "error"),
        Mutation(f"{arg}:object", arg, _set(arg, lambda v: np.asarray(v).astype(object)), "error"),
        Mutation(f"{arg}:negative", arg, _set(arg, lambda v: _label_at(v, -1)), "error"),
        Mutation(f"{arg}:2d", arg, _set(arg, lambda v: np.asarray(v)[:, None]), "error"),
        Mutation(f"{arg}:scalar", arg, _set(arg, lambda v: np.asarray(v).ravel()[0]), "error"),
        Mutation(
            f"{arg}:length+1",
            (arg, *_partners(spec, arg, role.n)),
            _set(arg, lambda v: np.resize(np.asarray(v), len(v) + 1)),
            "error",
        ),
    ]
    if C is not None:
        out.append(Mutation(f"{arg}:C", arg, _set(arg, lambda v: _label_at(v, C)), "error"))
    if not role.optional:
        out.append(Mutation(f"{arg}:None", arg, _set(arg, lambda _: None), "error"))
    if role.listable:
        out.append(Mutation(f"{arg}:list", arg, _set(arg, lambda v: np.asarray(v).tolist()), "ok"))
    if y.size >= 2:
        out.append(
            Mutation(
                f"{arg}:broadcast1",
                (arg, *_partners(spec, arg, role.n)),
                _set(arg, lambda v: np.asarray(v)[:1]),
                "error",
            )
        )
    return out


def _label_at(v, value):
    out = np.array(v, copy=True)
    out.flat[0] = value
    return out


def params_mutations(arg: str, role: Params, valid: dict) -> list[Mutation]:
    out: list[Mutation] = []
    d = valid[arg]
    label = role.label or arg
    if not role.spread:
        if not role.optional:
            out.append(Mutation(f"{arg}:None", label, _set(arg, lambda _: None), "error"))
        out.append(Mutation(f"{arg}:list", label, _set(arg, lambda _: [1, 2]), "error"))
    for key in role.required:
        name = key if role.spread else label

        def drop(kwargs, key=key):
            out = dict(kwargs)
            out[arg] = {k: v for k, v in out[arg].items() if k != key}
            return out

        out.append(Mutation(f"{arg}:missing[{key}]", name, drop, "error"))
    out += (
        []
        if role.open
        else [
            Mutation(
                f"{arg}:unknown[bogus]",
                "bogus" if role.spread else label,
                _key_setter(arg, "bogus")(1),
                "error",
            )
        ]
    )
    for key, vrole in role.values.items():
        name = key if role.spread else label
        setter = _key_setter(arg, key)
        if isinstance(vrole, Num):
            out += number_mutations(f"{arg}[{key}]", vrole, name, setter)
        elif isinstance(vrole, Choice):
            out += choice_mutations(f"{arg}[{key}]", vrole, name, setter)
        elif isinstance(vrole, Arr) and key in d:
            sub = Spec(target="x:y", build=None, roles={key: vrole})  # type: ignore[arg-type]
            for m in array_mutations(sub, key, vrole, d):

                def apply(kwargs, m=m, key=key):
                    out = dict(kwargs)
                    out[arg] = m.apply(dict(out[arg]))
                    return out

                out.append(Mutation(f"{arg}[{m.label}]", name, apply, m.expect))
    return out


def _empty(spec: Spec):
    def apply(kwargs):
        out = dict(kwargs)
        for arg, role in spec.roles.items():
            v = out.get(arg)
            if isinstance(role, Arr) and role.shape is not None and "N" in role.shape:
                out[arg] = np.take(np.asarray(v), [], axis=role.shape.index("N"))
            elif isinstance(role, Labels) and role.n == "N" and v is not None:
                out[arg] = np.asarray(v)[:0]
        return out

    return apply


def mutations_of(spec: Spec, valid: dict, dims: dict) -> list[Mutation]:
    """Every mutation of every role of ``spec`` (plus its extras), for the valid ``kwargs``."""
    out: list[Mutation] = []
    for arg, role in spec.roles.items():
        if isinstance(role, Opaque):
            continue
        if isinstance(role, Arr):
            out += array_mutations(spec, arg, role, valid)
        elif isinstance(role, Labels):
            out += label_mutations(spec, arg, role, valid, dims)
        elif isinstance(role, Params):
            out += params_mutations(arg, role, valid)
        elif isinstance(role, Num):
            out += number_mutations(arg, role, arg, _value_setter(arg))
        elif isinstance(role, Choice):
            out += choice_mutations(arg, role, arg, _value_setter(arg))
    if spec.empty is not None:
        out.append(Mutation("empty_batch", "", _empty(spec), spec.empty))
    for label, arg, fn, expect in spec.extra:
        out.append(Mutation(label, arg, fn, expect))
    return out
