"""Checks of array arguments: dimensions, shapes, dtypes, finite values, class labels.

Shapes are written as tuples whose entries are an ``int`` (that size exactly) or ``None``
(any size), e.g. ``(None, D)`` for "N rows of D features". Every function raises a
``ValueError`` (``TypeError`` where the *kind* of value is wrong) whose message starts with
the calling function's name ``fn``, and returns the array it checked, so a call reads
``x = check_array("affine_forward", "x", x, min_ndim=2)``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "NonFiniteError",
    "check_array",
    "check_finite",
    "check_labels",
    "check_like",
    "shape_text",
]

# dtype kinds numpy arithmetic accepts for layer inputs: bool, signed/unsigned int, float.
_NUMERIC_KINDS = "biuf"


def shape_text(shape: tuple) -> str:
    """``(None, 3)`` -> ``'(?, 3)'``: a shape pattern as the messages print it."""
    inner = ", ".join("?" if s is None else str(s) for s in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _asarray(fn: str, name: str, a, what: str) -> np.ndarray:
    """``np.asarray(a)``; a ragged nested list (numpy's own ``ValueError``) named like the rest."""
    try:
        return np.asarray(a)
    except ValueError as e:
        raise ValueError(f"{fn}: {name} must be {what}, got a ragged sequence ({e})") from None


def _matches(shape: tuple, got: tuple) -> bool:
    return len(shape) == len(got) and all(s is None or s == g for s, g in zip(shape, got))


def check_array(
    fn: str,
    name: str,
    a,
    *,
    shape: tuple | None = None,
    ndim: int | None = None,
    min_ndim: int | None = None,
    floating: bool = False,
    finite: bool = False,
    nonempty: bool = False,
) -> np.ndarray:
    """``a`` as a numeric ndarray (``np.asarray``; no copy when it already is one).

    Parameters
    ----------
    fn, name : str
        The calling function and the argument, named in every message.
    a : array_like
        The argument. Object, string, complex and ``None`` values are rejected.
    shape : tuple of int or None, optional
        The exact shape; ``None`` entries match any size.
    ndim, min_ndim : int, optional
        The exact or the least number of dimensions.
    floating : bool
        Return a float array: float16/32/64 stay as they are, other numeric dtypes become
        float64.
    finite : bool
        Reject NaN and infinite entries (one pass over ``a``: use where a NaN cannot give a
        meaningful result, e.g. in a loss, not in the layers whose NaN pass-through is the
        course's semantics).
    nonempty : bool
        Reject an array with no entries (e.g. an empty batch).

    Returns
    -------
    ndarray
        ``a`` as an array, float when ``floating``.
    """
    if a is None:
        raise TypeError(f"{fn}: {name} must be an array, got None")
    arr = a if isinstance(a, np.ndarray) else _asarray(fn, name, a, "a numeric array")
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(f"{fn}: {name} must be a numeric array, got dtype {arr.dtype}")
    if shape is not None and not _matches(tuple(shape), arr.shape):
        raise ValueError(
            f"{fn}: {name} must have shape {shape_text(tuple(shape))}, got {arr.shape}"
        )
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{fn}: {name} must have {ndim} dimensions, got shape {arr.shape}")
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(
            f"{fn}: {name} must have at least {min_ndim} dimensions, got shape {arr.shape}"
        )
    if nonempty and arr.size == 0:
        raise ValueError(f"{fn}: {name} must not be empty, got shape {arr.shape}")
    if floating and arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if finite:
        check_finite(fn, name, arr)
    return arr


class NonFiniteError(ValueError, FloatingPointError):
    """A NaN or infinite entry where a finite one is needed (raised by :func:`check_finite`).

    A ``ValueError`` like every other bad argument, and also a ``FloatingPointError``, so that
    a training loop that stops a diverging run on ``FloatingPointError`` (the Solver's
    ``DivergenceError`` is one) also stops when a loss rejects the overflowed scores of that
    run.
    """


def check_finite(fn: str, name: str, a: np.ndarray) -> np.ndarray:
    """``a`` unchanged if every entry is finite, else :class:`NonFiniteError` (a
    ``ValueError``) with the count of NaN and infinite entries."""
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        n_nan = int(np.isnan(a).sum())
        n_inf = int(np.isinf(a).sum())
        raise NonFiniteError(
            f"{fn}: {name} must be finite, got {n_nan} NaN and {n_inf} infinite of {a.size} entries"
        )
    return a


def check_like(
    fn: str, name: str, a, shape: tuple, dtype=None, *, of: str = "the output"
) -> np.ndarray:
    """``a`` (e.g. an upstream gradient ``dout``) as an array of exactly ``shape``.

    No broadcasting: a ``(1, D)`` or scalar ``dout`` for an ``(N, D)`` output is an error, not a
    full-size wrong gradient. ``dtype`` (optional) converts the array; ``of`` says whose shape
    it must have in the message (``"x"``, ``"the output"``...).
    """
    arr = check_array(fn, name, a)
    if arr.shape != tuple(shape):
        raise ValueError(
            f"{fn}: {name} must have the shape of {of} {tuple(shape)}, got {arr.shape}"
        )
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def check_labels(fn: str, name: str, y, n: int, num_classes: int | None = None) -> np.ndarray:
    """``y`` as an integer array of shape ``(n,)`` with every label in ``[0, num_classes)``.

    Float labels with integral values (``3.0``) are accepted as integers; any other float, a
    bool array or a label out of range is an error.
    """
    if y is None:
        raise TypeError(f"{fn}: {name} must be an array of integer labels, got None")
    arr = y if isinstance(y, np.ndarray) else _asarray(fn, name, y, "an array of integer labels")
    if arr.shape != (n,):
        raise ValueError(f"{fn}: {name} must have shape (N,) = ({n},), got {arr.shape}")
    if arr.dtype.kind == "f":
        if not (np.isfinite(arr).all() and (arr == np.round(arr)).all()):
            raise ValueError(f"{fn}: {name} must hold integer labels, got non-integral floats")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{fn}: {name} must hold integer labels, got dtype {arr.dtype}")
    if num_classes is not None and arr.size and (arr.min() < 0 or arr.max() >= num_classes):
        raise ValueError(
            f"{fn}: {name} must lie in [0, C={num_classes}), got min {arr.min()} and max "
            f"{arr.max()}"
        )
    return arr
