"""The loops behind the fast layers, compiled or numpy, as one object with named methods.

:mod:`cs231n.fast_layers` (im2col / col2im) and :mod:`cs231n.kernels.winograd` (the tile
transforms) call every loop through a :class:`Kernels` object. There are two, with the same
signatures and the same numbers (up to rounding order):

* ``COMPILED_KERNELS`` (``name == 'cython'``): the extensions
  ``cs231n.kernels.im2col_cython`` and ``cs231n.kernels.winograd_cython``; ``None`` when
  they are not built;
* ``NUMPY_KERNELS`` (``name == 'numpy'``): :mod:`cs231n.kernels.im2col_numpy` and
  :mod:`cs231n.kernels.winograd_numpy`.

``DEFAULT_KERNELS`` is chosen once, at import:

* ``$CS231N_FORCE_NUMPY`` set (to anything but ``""``, ``0``, ``false``, ``no``): numpy;
* else the compiled kernels when both extensions import;
* else numpy, with one ``RuntimeWarning`` that says how to build the extensions.

The layers use :func:`active_kernels`, which is ``DEFAULT_KERNELS`` except inside
``with use_kernels(kernels):``, the one sanctioned switch (the tests and the benchmark run
both sets with it). It is a context variable, so it is undone on exit and never leaks to
another thread::

    from cs231n.kernels.backend import NUMPY_KERNELS, use_kernels

    with use_kernels(NUMPY_KERNELS):
        out, cache = conv_forward_fast(x, w, b, conv_param)
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import warnings
from collections.abc import Callable, Iterator

from cs231n.kernels import im2col_numpy, winograd_numpy

__all__ = [
    "COMPILED_KERNELS",
    "DEFAULT_KERNELS",
    "FORCE_NUMPY_ENV",
    "NUMPY_KERNELS",
    "Kernels",
    "active_kernels",
    "force_numpy_requested",
    "kernels_named",
    "use_kernels",
]

FORCE_NUMPY_ENV = "CS231N_FORCE_NUMPY"


@dataclasses.dataclass(frozen=True)
class Kernels:
    """One implementation of every loop the fast layers need (signatures: the numpy twins).

    Attributes
    ----------
    name : ``'cython'`` or ``'numpy'``
    im2col : ``(x, field_height, field_width, padding, stride) -> cols``,
        x (N, C, H, W) -> cols (C*fh*fw, Ho*Wo*N).
    col2im : ``(cols, N, C, H, W, field_height, field_width, padding, stride) -> x``,
        the adjoint of ``im2col``.
    im2col_per_image : ``(x, HH, WW, pad, stride, out=None) -> cols``,
        x (N, C, H, W) -> cols (N, C*HH*WW, Ho*Wo).
    col2im_per_image : ``(cols, N, C, H, W, HH, WW, pad, stride, out=None) -> x``,
        its adjoint.
    input_transform, output_transform, output_transform_T, input_transform_T :
        the Winograd tile transforms of :mod:`cs231n.kernels.winograd`.
    """

    name: str
    im2col: Callable
    col2im: Callable
    im2col_per_image: Callable
    col2im_per_image: Callable
    input_transform: Callable
    output_transform: Callable
    output_transform_T: Callable
    input_transform_T: Callable

    def __repr__(self) -> str:
        return f"Kernels({self.name!r})"


NUMPY_KERNELS = Kernels(
    name="numpy",
    im2col=im2col_numpy.im2col_numpy,
    col2im=im2col_numpy.col2im_numpy,
    im2col_per_image=im2col_numpy.im2col_per_image_numpy,
    col2im_per_image=im2col_numpy.col2im_per_image_numpy,
    input_transform=winograd_numpy.input_transform,
    output_transform=winograd_numpy.output_transform,
    output_transform_T=winograd_numpy.output_transform_T,
    input_transform_T=winograd_numpy.input_transform_T,
)


def _compiled() -> tuple[Kernels | None, ImportError | None]:
    try:
        from cs231n.kernels import im2col_cython, winograd_cython
    except ImportError as exc:
        return None, exc
    kernels = Kernels(
        name="cython",
        im2col=im2col_cython.im2col_cython,
        col2im=im2col_cython.col2im_cython,
        im2col_per_image=im2col_cython.im2col_per_image_cython,
        col2im_per_image=im2col_cython.col2im_per_image_cython,
        input_transform=winograd_cython.input_transform,
        output_transform=winograd_cython.output_transform,
        output_transform_T=winograd_cython.output_transform_T,
        input_transform_T=winograd_cython.input_transform_T,
    )
    return kernels, None


def force_numpy_requested() -> bool:
    """True when ``$CS231N_FORCE_NUMPY`` asks for the numpy kernels."""
    return os.environ.get(FORCE_NUMPY_ENV, "").strip().lower() not in ("", "0", "false", "no")


COMPILED_KERNELS, _missing = _compiled()
if force_numpy_requested():
    DEFAULT_KERNELS = NUMPY_KERNELS
elif COMPILED_KERNELS is not None:
    DEFAULT_KERNELS = COMPILED_KERNELS
else:
    DEFAULT_KERNELS = NUMPY_KERNELS
    warnings.warn(
        f"cs231n.kernels.im2col_cython / winograd_cython are not built ({_missing}); "
        "cs231n.fast_layers and cs231n.kernels.winograd use the pure-numpy loops (same "
        "results, slower). Build them with `pip install -e .` (needs a C compiler).",
        RuntimeWarning,
        stacklevel=2,
    )

_ACTIVE: contextvars.ContextVar[Kernels] = contextvars.ContextVar(
    "cs231n_kernels", default=DEFAULT_KERNELS
)


def active_kernels() -> Kernels:
    """The kernels the layers use now: ``DEFAULT_KERNELS`` outside :func:`use_kernels`."""
    return _ACTIVE.get()


@contextlib.contextmanager
def use_kernels(kernels: Kernels) -> Iterator[Kernels]:
    """Run the ``with`` block on ``kernels`` (a :class:`Kernels`), then restore the previous.

    Raises ``ValueError`` for anything that is not a :class:`Kernels` (e.g. ``None``, what
    ``COMPILED_KERNELS`` is when the extensions are not built).
    """
    if not isinstance(kernels, Kernels):
        raise ValueError(f"use_kernels: kernels must be a Kernels object, got {kernels!r}")
    token = _ACTIVE.set(kernels)
    try:
        yield kernels
    finally:
        _ACTIVE.reset(token)


def kernels_named(name: str) -> Kernels:
    """The :class:`Kernels` called ``name`` (``'cython'`` or ``'numpy'``), for command lines.

    Raises ``ValueError`` for another name and ``ImportError`` for ``'cython'`` when the
    extensions are not built.
    """
    if name == "numpy":
        return NUMPY_KERNELS
    if name != "cython":
        raise ValueError(f"kernels_named: name must be 'cython' or 'numpy', got {name!r}")
    if COMPILED_KERNELS is None:
        raise ImportError(f"kernels_named: the compiled kernels are not built ({_missing})")
    return COMPILED_KERNELS
