"""Numerical gradients by centred differences, and the relative error that compares them.

``(f(x + h e_i) - f(x - h e_i)) / (2h)`` has error O(h^2); use float64 inputs
(float32 rounding swamps the difference). All functions perturb ``x`` in place
and restore it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cs231n.validation import check_like, check_number


def _check_x(fn: str, x, h) -> None:
    """x a float ndarray (perturbed in place: a list or an int array cannot take x + h) and
    h a finite step > 0."""
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        what = f"dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"{fn}: x must be a float ndarray (perturbed in place), got {what}")
    check_number(fn, "h", h, low=0, low_open=True)


def rel_error(x, y) -> float:
    """The course's relative error ``max |x - y| / max(1e-8, |x| + |y|)``, elementwise.

    Args:
        x, y: arrays (or scalars) of the same shape, or shapes that broadcast.

    Returns:
        the largest elementwise relative error, a Python float (0 when ``x == y``).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, verbose: bool = True, h: float = 0.00001
) -> np.ndarray:
    """Numerical gradient of a scalar function ``f`` at ``x``.

    Args:
        f: function of one array returning a scalar.
        x: array of any shape; modified temporarily.
        verbose: print each index and its gradient.
        h: step size, > 0.

    Returns:
        grad: array of the shape of ``x``.

    Raises:
        TypeError/ValueError: x not a float ndarray, h not a finite number > 0.
    """
    _check_x("eval_numerical_gradient", x, h)
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Numerical gradient of ``sum(f(x) * df)``: backprop of an upstream gradient.

    Args:
        f: function of one array returning an array of the shape of ``df``.
        x: input array; modified temporarily.
        df: upstream gradient, the shape of ``f(x)``.
        h: step size, > 0.

    Returns:
        grad: array of the shape of ``x``.

    Raises:
        TypeError/ValueError: x not a float ndarray, h not a finite number > 0, df not a
            numeric array.
    """
    _check_x("eval_numerical_gradient_array", x, h)
    if df is None or np.asarray(df).dtype.kind not in "biuf":
        raise TypeError(f"eval_numerical_gradient_array: df must be a numeric array, got {df!r}")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = np.copy(f(x))
        x[ix] = old - h
        neg = np.copy(f(x))
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_blobs(f: Callable, inputs: tuple, output, h: float = 1e-5) -> list:
    """Numerical gradients for functions on "blobs" (objects with ``.vals`` and ``.diffs``).

    ``f(*inputs, output)`` reads the ``vals`` of the input blobs and writes
    ``output.vals``; ``output.diffs`` is the upstream gradient.

    Args:
        f: function of ``(*inputs, output)``.
        inputs: tuple of input blobs.
        output: output blob.
        h: step size, > 0.

    Returns:
        list with one gradient array per input blob, of the shape of its ``vals``.
    """
    check_number("eval_numerical_gradient_blobs", "h", h, low=0, low_open=True)
    numeric_diffs = []
    for blob in inputs:
        diff = np.zeros_like(blob.diffs, dtype=np.float64)
        it = np.nditer(blob.vals, flags=["multi_index"], op_flags=["readwrite"])
        while not it.finished:
            idx = it.multi_index
            old = blob.vals[idx]
            blob.vals[idx] = old + h
            f(*(tuple(inputs) + (output,)))
            pos = np.copy(output.vals)
            blob.vals[idx] = old - h
            f(*(tuple(inputs) + (output,)))
            neg = np.copy(output.vals)
            blob.vals[idx] = old
            diff[idx] = np.sum((pos - neg) * output.diffs) / (2.0 * h)
            it.iternext()
        numeric_diffs.append(diff)
    return numeric_diffs


def eval_numerical_gradient_net(net, inputs: tuple, output, h: float = 1e-5) -> list:
    """:func:`eval_numerical_gradient_blobs` for a net whose ``forward()`` fills ``output``."""
    return eval_numerical_gradient_blobs(lambda *args: net.forward(), inputs, output, h=h)


def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    verbose: bool = True,
) -> list[float]:
    """Compare ``analytic_grad`` with the numerical gradient at ``num_checks`` random entries.

    Indices come from ``np.random`` (seed it for repeatable checks).

    Args:
        f: scalar function of ``x``.
        x: array; modified temporarily.
        analytic_grad: the gradient to check, the shape of ``x``.
        num_checks: number of random entries, an integer >= 0.
        h: step size, > 0.
        verbose: print each comparison, as the course notebooks do.

    Returns:
        the relative error at each checked entry.

    Raises:
        TypeError/ValueError: x not a float ndarray, analytic_grad not of x's shape, h or
            num_checks out of range.
    """
    fn = "grad_check_sparse"
    _check_x(fn, x, h)
    analytic_grad = check_like(fn, "analytic_grad", analytic_grad, x.shape, of="x")
    num_checks = check_number(fn, "num_checks", num_checks, low=0, integer=True)
    errors = []
    for _ in range(num_checks):
        # The global np.random state, so that np.random.seed makes the check repeatable.
        ix = tuple(int(np.random.randint(m)) for m in x.shape)  # noqa: NPY002
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        num = (fxph - fxmh) / (2 * h)
        ana = analytic_grad[ix]
        denom = abs(num) + abs(ana)
        err = 0.0 if denom == 0 else abs(num - ana) / denom
        errors.append(float(err))
        if verbose:
            print(f"numerical: {num:f} analytic: {ana:f}, relative error: {err:e}")
    return errors
