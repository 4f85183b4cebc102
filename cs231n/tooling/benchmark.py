"""What the benchmark scripts share: alternating timed calls, per-step times, quick mode.

:func:`alternate` and :func:`alternate_self_timed` take medians over rounds in which the
compared functions are called in turn; :func:`per_step` removes a run's fixed cost. A
benchmark's ``--quick`` run measures small cases only and its records must not reach the
committed ``results/``: :func:`quick_mode` switches :mod:`cs231n.quick`'s mode on for the
duration of such a run, so :func:`cs231n.results.record` keeps them out.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence

from cs231n.quick import QUICK_ENV

__all__ = ["alternate", "alternate_self_timed", "per_step", "quick_mode"]


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


def alternate(
    fns: Sequence[Callable[[], object]], repeats: int, clock=time.perf_counter
) -> list[float]:
    """Median seconds (by ``clock``) of each function, calling them in turn ``repeats`` times
    after one warm-up call each, so that a change of machine load hits all of them alike.

    Args:
        fns: functions of no argument, timed around each call.
        repeats: timed rounds.
        clock: the clock (``time.perf_counter``; ``time.process_time`` for CPU time).

    Returns:
        one median per function, in the order of ``fns``.
    """
    for f in fns:
        f()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for t, f in zip(times, fns):
            start = clock()
            f()
            t.append(clock() - start)
    return [statistics.median(t) for t in times]


def alternate_self_timed(fns: Mapping[str, Callable[[], float]], repeats: int) -> dict:
    """As :func:`alternate` for functions that measure themselves: each call returns its own
    seconds (e.g. :func:`per_step`). Returns ``{name: median seconds}``."""
    for f in fns.values():
        f()
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, f in fns.items():
            times[name].append(f())
    return {name: float(statistics.median(t)) for name, t in times.items()}


def per_step(run: Callable[[int], float], n: int) -> float:
    """Seconds per step from ``run(steps) -> seconds``: ``(run(1 + n) - run(1)) / n``, which
    leaves out what a run costs once (set-up, tracing, the first step)."""
    return (run(1 + n) - run(1)) / n
