"""What the benchmark scripts share: running them in quick mode, so their records stay out.

A benchmark's ``--quick`` run measures small cases only; its records must not reach the
committed ``results/``. :func:`quick_mode` switches :mod:`cs231n.quick`'s mode on for the
duration of such a run, so :func:`cs231n.results.record` keeps them out.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from cs231n.quick import QUICK_ENV

__all__ = ["quick_mode"]


@contextlib.contextmanager
def quick_mode(on: bool) -> Iterator[None]:
    """``$CS231N_QUICK=1`` while inside (when ``on``), the previous value restored after.

    Args:
        on: whether to switch quick mode on; ``False`` leaves the environment alone.
    """
    old = os.environ.get(QUICK_ENV)
    if on:
        os.environ[QUICK_ENV] = "1"
    try:
        yield
    finally:
        if on and old is None:
            os.environ.pop(QUICK_ENV, None)
        elif on:
            os.environ[QUICK_ENV] = old
