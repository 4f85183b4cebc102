"""Learning-rate schedules for ``Solver(lr_schedule=...)``.

A schedule is a function ``schedule(it, num_iterations) -> factor``: iteration ``it``
(0-based, of ``num_iterations``) trains with ``optim_config['learning_rate'] * factor``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

__all__ = ["cosine_schedule", "budgeted_schedule"]

# The clock of budgeted_schedule (seconds); a module attribute so tests can replace it.
_now = time.perf_counter


def cosine_schedule(it: float, num_iterations: int) -> float:
    """Half a cosine from 1 at ``it = 0`` down to 0 at ``it = num_iterations``.

    Parameters
    ----------
    it : float
        The iteration (0-based; fractional values are fine); beyond ``num_iterations``
        the factor stays 0.
    num_iterations : int
        The length of the run.

    Returns
    -------
    float
        ``0.5 * (1 + cos(pi * min(it / num_iterations, 1)))``, in [0, 1].
    """
    return 0.5 * (1.0 + np.cos(np.pi * min(it / num_iterations, 1.0)))


def budgeted_schedule(schedule: Callable, seconds: float) -> Callable:
    """``schedule`` driven by the iterations or by the clock, whichever is further along.

    The returned ``f(it, n)`` is ``schedule(p * n, n)`` with progress
    ``p = min(1, max(it / n, elapsed / seconds))`` and ``elapsed`` counted from its
    first call. On a machine slower than planned (or shared), a run stopped by
    ``Solver(time_limit=seconds)`` has then still annealed its learning rate to the end
    of ``schedule`` instead of stopping halfway through it.

    Parameters
    ----------
    schedule : callable
        ``schedule(it, n) -> factor``, defined for fractional ``it`` (e.g.
        :func:`cosine_schedule`).
    seconds : float
        The time budget (use the Solver's ``time_limit``).

    Returns
    -------
    callable
        ``f(it, num_iterations) -> factor``, a schedule for ``Solver(lr_schedule=...)``.

    Raises
    ------
    ValueError
        If ``seconds`` is not > 0.
    """
    if not seconds > 0:
        raise ValueError(f"budgeted_schedule: seconds must be > 0, got {seconds}")
    start: list[float] = []  # the clock reading at the first call

    def scheduled(it: int, num_iterations: int) -> float:
        now = _now()
        if not start:
            start.append(now)
        progress = min(1.0, max(it / num_iterations, (now - start[0]) / seconds))
        return schedule(progress * num_iterations, num_iterations)

    return scheduled
