"""Checks of scalar and option arguments: numbers in a range, choices, dict keys.

Each function raises ``ValueError`` (``TypeError`` for a value of the wrong kind) with a message
that starts with the calling function ``fn`` and names the argument, e.g.
``adam: config['beta1'] must be a finite number in [0, 1), got 1.0``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping

__all__ = ["check_choice", "check_keys", "check_number"]


def _interval(low, high, low_open: bool, high_open: bool) -> str:
    if high is None:
        return f"{'>' if low_open else '>='} {low:g}"
    if low is None:
        return f"{'<' if high_open else '<='} {high:g}"
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    return f"in {left}{low:g}, {high:g}{right}"


def check_number(
    fn: str,
    name: str,
    value,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> float | int:
    """``value`` as a Python ``float`` (``int`` when ``integer``) if it is a finite real
    number (not a bool) in the interval given by ``low``/``high``; ``*_open`` excludes the
    bound itself. NumPy scalars and 0-d arrays are accepted.
    """
    kind = "an integer" if integer else "a finite number"
    if hasattr(value, "ndim") and getattr(value, "ndim", 1) == 0 and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        what = _interval(low, high, low_open, high_open) if (low, high) != (None, None) else ""
        raise TypeError(f"{fn}: {name} must be {kind} {what}".rstrip() + f", got {value!r}")
    if integer and not isinstance(value, numbers.Integral):
        if not (math.isfinite(value) and float(value).is_integer()):
            raise ValueError(f"{fn}: {name} must be an integer, got {value!r}")
    bad = not math.isfinite(value)
    if not bad and low is not None:
        bad = value <= low if low_open else value < low
    if not bad and high is not None:
        bad = value >= high if high_open else value > high
    if bad:
        what = _interval(low, high, low_open, high_open) if (low, high) != (None, None) else ""
        raise ValueError(f"{fn}: {name} must be {kind} {what}".rstrip() + f", got {value!r}")
    return int(value) if integer else float(value)


def check_choice(fn: str, name: str, value, choices: Iterable):
    """``value`` unchanged if it is one of ``choices``, else ``ValueError`` listing them."""
    choices = tuple(choices)
    # isinstance as well as ==, so that True is not taken for 1 nor 1.0 for 1
    if not any(
        isinstance(value, bool) == isinstance(c, bool) and isinstance(value, type(c)) and value == c
        for c in choices
    ):
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{fn}: {name} must be one of {listed}, got {value!r}")
    return value


def check_keys(
    fn: str,
    name: str,
    d,
    *,
    allowed: Iterable[str] = (),
    required: Iterable[str] = (),
    none_ok: bool = False,
) -> dict:
    """``d`` (a dict of options) if its keys are all in ``allowed`` (or ``required``) and
    every key of ``required`` is present; ``None`` becomes ``{}`` when ``none_ok``.

    The dict itself is returned, not a copy, so that functions that update it in place (the
    optimizers' ``config``, the norm layers' ``bn_param``) keep doing so.
    """
    if d is None and none_ok:
        return {}
    if not isinstance(d, Mapping):
        raise TypeError(f"{fn}: {name} must be a dict, got {type(d).__name__} {d!r}")
    required = tuple(required)
    keys = set(allowed) | set(required)
    unknown = sorted(str(k) for k in d if k not in keys)
    if unknown:
        listed = ", ".join(repr(k) for k in sorted(keys))
        raise ValueError(
            f"{fn}: {name} has unknown key {unknown[0]!r} (its keys are {listed}), got {dict(d)!r}"
        )
    missing = [k for k in required if k not in d]
    if missing:
        raise ValueError(f"{fn}: {name} must have the key {missing[0]!r}, got {dict(d)!r}")
    return d
