"""Choosing between a compiled extension and its pure-numpy twin, at import time.

:mod:`cs231n.fast_layers` (im2col/col2im) and :mod:`cs231n.kernels.winograd` (tile transforms)
each have a Cython extension and a numpy implementation of the same functions. Both
pick one the same way, through :func:`init_backend`:

* ``$CS231N_FORCE_NUMPY`` set (to anything but ``""``, ``0``, ``false``, ``no``): numpy;
* else the compiled extension when it imports;
* else numpy, with one ``RuntimeWarning`` that says how to build the extension.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable

FORCE_NUMPY_ENV = "CS231N_FORCE_NUMPY"


def force_numpy_requested() -> bool:
    """True when ``$CS231N_FORCE_NUMPY`` asks for the numpy implementations."""
    return os.environ.get(FORCE_NUMPY_ENV, "").strip().lower() not in ("", "0", "false", "no")


def init_backend(set_backend: Callable[[str], str], extension: str, user: str, what: str) -> None:
    """Call ``set_backend('cython')`` or ``set_backend('numpy')`` as described above.

    Args:
        set_backend: the module's switch; raises ImportError when the extension is missing.
        extension: the extension's module name, e.g. ``"cs231n.kernels.im2col_cython"``.
        user: the module that falls back, e.g. ``"cs231n.fast_layers"``.
        what: what the numpy fallback provides, e.g. ``"im2col/col2im (same results,
            slower backward)"``.
    """
    if force_numpy_requested():
        set_backend("numpy")
        return
    try:
        set_backend("cython")
    except ImportError as exc:
        set_backend("numpy")
        warnings.warn(
            f"{extension} is not built ({exc}); {user} uses the pure-numpy {what}. Build it "
            "with `pip install -e .` (needs a C compiler) to use the compiled loops.",
            RuntimeWarning,
            stacklevel=3,
        )
