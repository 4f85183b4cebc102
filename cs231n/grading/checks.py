"""The checks: one function per manifest entry, and the pieces they share.

A check takes a :class:`Subject` (the student's function, isolated, and ours) and
returns the largest relative error it saw, or raises :class:`~cs231n.grading.compare.Wrong`
or :class:`~cs231n.grading.compare.NotDone`. Every input is small and float64.

The kinds of checks are those of the test suite: the official 2020 check values where the
notebooks print them, our implementation run on the same random inputs (several seeds, odd
sizes, stride and padding cases), float64 centred-difference gradients (of our forward,
so that a backward is graded on its own), shapes and dtypes. A backward gets its ``cache``
from the student's own forward, and the cache is only ever handed back to the student's
backward, never looked into.

:data:`CHECKS` maps the manifest's check keys to the functions of
:mod:`cs231n.grading.checks_a1`, :mod:`cs231n.grading.checks_layers`,
:mod:`cs231n.grading.checks_models`, :mod:`cs231n.grading.checks_a3`,
:mod:`cs231n.grading.checks_rnn` and :mod:`cs231n.grading.checks_gan`.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Sequence

import numpy as np

from cs231n.gradient_check import eval_numerical_gradient_array
from cs231n.grading.compare import Grade, NotDone, pair
from cs231n.grading.loader import StudentPackage
from cs231n.grading.manifest import Entry


class Subject:
    """The function under grading: the student's (isolated) and ours, by qualname."""

    def __init__(self, package: StudentPackage, entry: Entry) -> None:
        self.package = package
        self.entry = entry

    def student(self, qualname: str | None = None) -> Callable:
        """The student's ``qualname`` (default: the entry's) from the entry's module."""
        return self.package.function(self.entry.module, qualname or self.entry.qualname)

    def ours(self, qualname: str | None = None, module: str | None = None):
        """Our ``qualname`` from ``cs231n.<module>`` (default: the entry's)."""
        value = importlib.import_module("cs231n." + (module or self.entry.module))
        for part in (qualname or self.entry.qualname).split("."):
            value = getattr(value, part)
        return value


def cases_rng(seed: int) -> np.random.Generator:
    """The generator of the check inputs (one seed per case)."""
    return np.random.default_rng(1000 + seed)


def check_forward(s: Subject, cases: Sequence[tuple[str, tuple]], tol: float = 1e-7) -> float:
    """``out, cache = f(*args)``: ``out`` against ours for every ``(case, args)``."""
    g = Grade()
    student, ours = s.student(), s.ours()
    for case, args in cases:
        got = pair(student(*copy.deepcopy(args)), s.entry.qualname)
        want = ours(*copy.deepcopy(args))
        g.array("out", got[0], want[0], case, tol)
    return g.result()


def _grads(value, names: Sequence[str], what: str) -> tuple:
    if value is None:
        raise NotDone(f"{what} returns None")
    if len(names) == 1:
        return (value,)
    return pair(value, what, len(names))


def check_backward(
    s: Subject,
    forward: str,
    cases: Sequence[tuple[str, tuple]],
    names: Sequence[str],
    wrt: Sequence[int],
    tol: float = 1e-7,
    numeric_cases: int = 1,
) -> float:
    """The student's backward on the cache of the student's forward, against ours.

    ``names`` are the gradients the backward returns, ``wrt`` the indices of the forward
    arguments they belong to. The first ``numeric_cases`` cases are also compared with
    centred differences of our forward.
    """
    g = Grade()
    s_fwd, s_bwd = s.student(forward), s.student()
    o_fwd, o_bwd = s.ours(forward), s.ours()
    for i, (case, args) in enumerate(cases):
        out, o_cache = o_fwd(*copy.deepcopy(args))
        dout = cases_rng(50 + i).standard_normal(np.shape(out))
        result = s_fwd(*copy.deepcopy(args))
        cache = result[1] if isinstance(result, (tuple, list)) and len(result) == 2 else None
        try:
            got = s_bwd(dout.copy(), cache)
        except Exception as exc:
            if cache is None:
                raise RuntimeError(
                    f"cannot grade: {forward} returned {result!r:.40}, not (out, cache)"
                ) from exc
            raise
        got = _grads(got, names, s.entry.qualname)
        want = _grads(o_bwd(dout.copy(), o_cache), names, "ours")
        for name, a, b in zip(names, got, want, strict=True):
            g.array(name, a, b, case, tol)
        if i < numeric_cases:
            for name, j, a in zip(names, wrt, got, strict=True):
                work = [np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in args]

                def f(_, work=work):
                    return o_fwd(*copy.deepcopy(work))[0]

                num = eval_numerical_gradient_array(f, work[j], dout)
                g.array(name, a, num, case, 1e-7, numeric=True)
    return g.result()


def check_loss_layer(s: Subject, cases: Sequence[tuple[str, tuple]]) -> float:
    """``loss, dx = f(x, y)`` against ours, and dx against centred differences."""
    g = Grade()
    student, ours = s.student(), s.ours()
    for i, (case, (x, y)) in enumerate(cases):
        loss, dx = pair(student(x.copy(), y.copy()), s.entry.qualname)
        want_loss, want_dx = ours(x.copy(), y.copy())
        g.scalar("loss", loss, want_loss, case)
        g.array("dx", dx, want_dx, case)
        if i == 0:
            work = x.copy()
            num = eval_numerical_gradient_array(
                lambda _, work=work, y=y: np.float64(ours(work, y)[0]), work, 1.0
            )
            g.array("dx", dx, num, case, 1e-7, numeric=True)
    return g.result()


def _registry() -> dict[str, Callable[[Subject], float]]:
    from cs231n.grading import (
        checks_a1,
        checks_a3,
        checks_gan,
        checks_layers,
        checks_models,
        checks_rnn,
    )

    table: dict[str, Callable[[Subject], float]] = {}
    for module in (checks_a1, checks_layers, checks_models, checks_a3, checks_rnn, checks_gan):
        table.update(module.CHECKS)
    return table


def run(package: StudentPackage, entry: Entry) -> float:
    """Run the check of ``entry`` on ``package``; see the module docstring for the outcome."""
    return _registry()[entry.check](Subject(package, entry))
