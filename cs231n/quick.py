"""Quick mode: one switch that notebooks read to shrink data sizes and iterations.

``cs231n run --quick`` (and the test suite) sets ``CS231N_QUICK=1``. A notebook
never skips a cell in quick mode; it only asks for smaller numbers::

    from cs231n.quick import pick
    num_training = pick(49000, quick=500)
    num_epochs = pick(10, quick=1)
"""

from __future__ import annotations

import os
from typing import TypeVar

QUICK_ENV = "CS231N_QUICK"
T = TypeVar("T")


def is_quick() -> bool:
    """True when ``$CS231N_QUICK`` is set to something other than ``""``/``0``/``false``."""
    return os.environ.get(QUICK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def pick(full: T, quick: T) -> T:
    """``quick`` in quick mode, ``full`` otherwise."""
    return quick if is_quick() else full
