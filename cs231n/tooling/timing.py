"""Wall-clock timing of a function call, for the notebooks' speed comparisons.

One helper, :func:`time_call`: call a function a few times and keep the fastest
(``reduce="min"``, the least disturbed by other jobs on a shared machine) or the
typical (``reduce="median"``) duration, together with what the call returned.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any, NamedTuple

_REDUCERS = {"min": min, "median": statistics.median}


class Timed(NamedTuple):
    """The duration of a call and its result; unpacks as ``seconds, result``."""

    seconds: float
    result: Any


def time_call(fn: Callable, *args: Any, repeats: int = 1, reduce: str = "min", **kwargs) -> Timed:
    """Call ``fn(*args, **kwargs)`` ``repeats`` times and time each call with ``perf_counter``.

    Args:
        fn: the function to time; ``args`` and ``kwargs`` are passed to every call.
        repeats: number of calls, at least 1.
        reduce: ``"min"`` (best of the calls) or ``"median"`` (typical call).

    Returns:
        ``Timed(seconds, result)``: the reduced duration in seconds (a float) and the
        result of the last call.
    """
    if reduce not in _REDUCERS:
        raise ValueError(f"time_call: reduce must be one of {sorted(_REDUCERS)}, got {reduce!r}")
    if not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"time_call: repeats must be an integer >= 1, got {repeats!r}")
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return Timed(float(_REDUCERS[reduce](times)), result)
