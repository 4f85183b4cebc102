"""What a check concludes, and the comparisons it is made of.

A check either returns (pass), or raises :class:`Wrong` (a value differs from the
reference: the largest relative error and the input it came from) or :class:`NotDone`
(the starter's placeholder is still there: ``None``, all zeros, the input unchanged, an
empty ``params`` dict). Any other exception is the student's error. :class:`Grade`
collects the comparisons of one check over all its inputs, so the report names the
worst input, not the first.
"""

from __future__ import annotations

import numpy as np


class Wrong(Exception):
    """A value differs: ``error`` is the largest relative error, ``where`` the input."""

    def __init__(self, error: float, where: str) -> None:
        super().__init__(f"max relative error {error:.2e}: {where}")
        self.error = error
        self.where = where


class NotDone(Exception):
    """The function still returns the starter code's placeholder (``why`` says which)."""


def rel_errors(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    """The course's elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``."""
    return np.abs(got - want) / np.maximum(1e-8, np.abs(got) + np.abs(want))


def scaled_error(got: np.ndarray, want: np.ndarray) -> float:
    """``max|a - b| / (max|a| + max|b|)``: for numeric gradients, whose small entries are noisy."""
    scale = np.abs(got).max(initial=0.0) + np.abs(want).max(initial=0.0)
    return float(np.abs(got - want).max(initial=0.0) / max(scale, 1e-12))


class Grade:
    """The comparisons of one check; :meth:`result` raises for the worst failure.

    Every method takes ``case``, a short description of the input (shapes, seed,
    stride and padding), which the report prints next to the error.
    """

    def __init__(self) -> None:
        self.worst_pass = 0.0
        self.failures: list[tuple[float, str]] = []

    def _record(self, error: float, tol: float, where: str) -> None:
        if not np.isfinite(error) or error >= tol:
            self.failures.append((error if np.isfinite(error) else float("inf"), where))
        else:
            self.worst_pass = max(self.worst_pass, error)

    def array(
        self,
        what: str,
        got,
        want,
        case: str,
        tol: float = 1e-7,
        unchanged=None,
        numeric: bool = False,
        zeros_are_starter: bool = True,
    ) -> None:
        """``got`` must have the shape and dtype of ``want`` and match it within ``tol``.

        ``None``, all zeros (when ``want`` is not, and ``zeros_are_starter``: the
        starter's ``np.zeros`` placeholders) or ``unchanged`` itself (when ``want``
        differs from it) raise NotDone; ``numeric`` uses :func:`scaled_error`.
        """
        if got is None:
            raise NotDone(f"{what} is None")
        want = np.asarray(want)
        try:
            got = np.asarray(got)
        except Exception as exc:  # e.g. a ragged list
            self.failures.append((float("inf"), f"{what} is not an array ({exc}); {case}"))
            return
        if got.shape != want.shape:
            self.failures.append(
                (float("inf"), f"{what} has shape {got.shape}, expected {want.shape}; {case}")
            )
            return
        if got.dtype == object or not np.issubdtype(got.dtype, np.number):
            self.failures.append((float("inf"), f"{what} has dtype {got.dtype}; {case}"))
            return
        if np.issubdtype(want.dtype, np.floating) and got.dtype != want.dtype:
            self.failures.append(
                (float("inf"), f"{what} has dtype {got.dtype}, expected {want.dtype}; {case}")
            )
            return
        if zeros_are_starter and want.size and np.any(want != 0) and not np.any(got != 0):
            raise NotDone(f"{what} is still all zeros")
        if unchanged is not None and np.array_equal(got, unchanged):
            if not np.array_equal(want, unchanged):
                raise NotDone(f"{what} is returned unchanged")
        got64, want64 = got.astype(np.float64), want.astype(np.float64)
        if not got.size:
            return
        if numeric:
            self._record(scaled_error(got64, want64), tol, f"{what} vs numeric gradient; {case}")
            return
        err = rel_errors(got64, want64)
        if not np.all(np.isfinite(got64)):
            self.failures.append((float("inf"), f"{what} has inf or nan; {case}"))
            return
        idx = np.unravel_index(int(np.argmax(err)), err.shape)
        at = f" at {tuple(int(i) for i in idx)}" if err.ndim else ""
        self._record(float(err.max()), tol, f"{what}{at}; {case}")

    def scalar(self, what: str, got, want: float, case: str, tol: float = 1e-7) -> None:
        """A float (a loss): not None, finite, within ``tol`` of ``want``."""
        if got is None:
            raise NotDone(f"{what} is None")
        try:
            value = float(np.asarray(got).reshape(()))
        except Exception:
            self.failures.append((float("inf"), f"{what} is not a number: {got!r}; {case}"))
            return
        if value == 0 and want != 0:
            raise NotDone(f"{what} is still 0")
        self._record(float(rel_errors(np.float64(value), np.float64(want))), tol, f"{what}; {case}")

    def check(self, ok: bool, what: str, case: str) -> None:
        """A yes/no property; a failure counts as an infinite error."""
        if not ok:
            self.failures.append((float("inf"), f"{what}; {case}"))

    def result(self) -> float:
        """Raise Wrong for the worst failure; else return the largest passing error."""
        if self.failures:
            error, where = max(self.failures, key=lambda f: f[0])
            raise Wrong(error, where)
        return self.worst_pass


def pair(value, what: str, n: int = 2) -> tuple:
    """``value`` as an n-tuple (``(out, cache)``, ``(loss, dx)``), or NotDone/ValueError."""
    if value is None:
        raise NotDone(f"{what} returns None")
    if not isinstance(value, (tuple, list)) or len(value) != n:
        raise TypeError(f"{what} must return a tuple of {n}, got {type(value).__name__}")
    return tuple(value)
