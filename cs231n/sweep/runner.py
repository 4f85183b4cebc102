"""Run a sweep: one Optuna study per task, trials on one or several worker processes.

:func:`run_sweep` checks every argument before it writes anything (a bad one raises
:class:`SweepArgumentError` naming it), opens the storage, marks failed the trials of dead
workers on this machine, and runs trials until ``trials`` of them have finished (completed
or pruned: a study continued later goes on to the requested number; failed trials do not
count). One worker runs in this process; ``workers > 1`` start that many processes
(``spawn``), each with its share of the cores (:func:`cs231n.sweep.threads.limit_threads`),
its own connection to the storage and its own sampler seed (``seed + 1000 * worker``), so
they propose different points. They stop when the study holds ``trials`` finished trials;
a trial started just before that may still finish, so a study can end up to
``workers - 1`` trials over.

Reproducible: with one worker, a file storage (SQLite or journal) and a fixed ``seed``,
the same command on a new study gives the same trials (TPE, random and grid samplers
alike; the trainings are seeded with ``seed`` too). With a server database (PostgreSQL...)
every process mixes its host and pid into the sampler seed, so that the same command
started on several machines draws different points. The sampler of a continued study is
seeded with ``seed`` plus the number of trials already there, so a restart does not draw
the first points again.

Ctrl-C stops cleanly: the running trials are marked failed, every finished trial stays in
the storage, and the next run goes on from there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing as mp
import os
import signal
import socket
import sys
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import TrialState

from cs231n.sweep import storage as st
from cs231n.sweep.pruning import EpochReporter
from cs231n.sweep.space import check_grid, grid_size, suggest
from cs231n.sweep.tasks import TASKS, Task
from cs231n.sweep.threads import limit_threads, threads_per_worker

SAMPLERS = ("tpe", "random", "grid")
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


class SweepArgumentError(ValueError):
    """A bad argument of :func:`run_sweep` / :func:`show`; ``argument`` is its name."""

    def __init__(self, argument: str, problem: str, fn: str = "run_sweep") -> None:
        super().__init__(f"{fn}: {argument} {problem}")
        self.argument = argument
        self.problem = problem


@dataclass(frozen=True)
class Plan:
    """A checked request: what one worker needs (picklable, sent to spawned workers)."""

    task: str
    study_name: str
    storage: st.StorageSpec
    target: int
    sampler: str
    seed: int
    quick: bool
    fixed: dict[str, Any]
    threads: int
    timeout: float | None
    startup_trials: int = 10

    @property
    def space(self) -> dict:
        return {k: v for k, v in TASKS[self.task].space.items() if k not in self.fixed}

    @property
    def grid(self) -> dict | None:
        grid = TASKS[self.task].grid
        return None if grid is None else {k: v for k, v in grid.items() if k not in self.fixed}


@dataclass(frozen=True)
class SweepResult:
    """What a run left in the study."""

    study_name: str
    storage: str
    finished: int
    failed_dead: list[int]
    interrupted: bool
    best_value: float | None
    best_params: dict[str, Any] | None


def study_name_for(task: str, quick: bool) -> str:
    """The study of a task: its name, ``-quick`` in quick mode (kept apart from real runs)."""
    return f"{task}-quick" if quick else task


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def parse_fixed(task: Task, items: Mapping[str, Any] | None) -> dict[str, Any]:
    """Fixed values for parameters of the space or settings of ``task`` (strings parsed
    as the parameter's type)."""
    fixed = {}
    for name, value in (items or {}).items():
        if name in task.space:
            param = task.space[name]
            fixed[name] = param.parse(value) if isinstance(value, str) else value
        elif name in task.settings:
            default = task.settings[name]
            if isinstance(value, str) and isinstance(default, (int, float)):
                try:
                    value = type(default)(float(value)) if _is_int(default) else float(value)
                except ValueError:
                    raise SweepArgumentError(
                        "fixed", f"{name} must be a number, got {value!r}"
                    ) from None
            fixed[name] = value
        else:
            known = sorted(task.space) + sorted(task.settings)
            raise SweepArgumentError("fixed", f"names no parameter of {task.name}: {name!r} "
                                              f"(known: {', '.join(known)})")  # fmt: skip
    return fixed


def plan_sweep(
    task: str,
    *,
    trials: int,
    workers: int = 1,
    storage: str | None = None,
    timeout: float | None = None,
    sampler: str = "tpe",
    seed: int = 0,
    quick: bool = False,
    fixed: Mapping[str, Any] | None = None,
    threads: int | None = None,
    study_name: str | None = None,
    startup_trials: int = 10,
) -> Plan:
    """Check every argument of :func:`run_sweep`; nothing is written.

    Raises:
        SweepArgumentError: the first bad argument (``task``, ``trials``, ``workers``,
            ``timeout``, ``sampler``, ``seed``, ``fixed``, ``threads``, ``storage``).
    """
    if task not in TASKS:
        raise SweepArgumentError("task", f"must be one of {', '.join(TASKS)}, got {task!r}")
    if not _is_int(trials) or trials < 1:
        raise SweepArgumentError("trials", f"must be an integer >= 1, got {trials!r}")
    if not _is_int(workers) or workers < 1:
        raise SweepArgumentError("workers", f"must be an integer >= 1, got {workers!r}")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise SweepArgumentError("timeout", f"must be > 0 seconds, got {timeout!r}")
    if sampler not in SAMPLERS:
        raise SweepArgumentError(
            "sampler", f"must be one of {', '.join(SAMPLERS)}, got {sampler!r}"
        )
    if not _is_int(seed) or seed < 0:
        raise SweepArgumentError("seed", f"must be an integer >= 0, got {seed!r}")
    if threads is not None and (not _is_int(threads) or threads < 1):
        raise SweepArgumentError("threads", f"must be an integer >= 1, got {threads!r}")
    if not _is_int(startup_trials) or startup_trials < 1:
        raise SweepArgumentError(
            "startup_trials", f"must be an integer >= 1, got {startup_trials!r}"
        )
    t = TASKS[task]
    fixed_values = parse_fixed(t, fixed)
    space = {k: v for k, v in t.space.items() if k not in fixed_values}
    if not space:
        raise SweepArgumentError(
            "fixed", f"fixes every parameter of {task} ({', '.join(t.space)}): empty search space"
        )
    if sampler == "grid":
        if t.grid is None:
            raise SweepArgumentError(
                "sampler", f"grid: the course searches {task} at random, there is no grid"
            )
        grid = {k: v for k, v in t.grid.items() if k in space}
        check_grid("run_sweep", space, grid)
    name = study_name or study_name_for(task, quick)
    if storage is None:
        spec = st.default_storage(name, workers, create=False)
    else:
        try:
            spec = st.parse_storage(storage)
        except st.StorageError as exc:
            raise SweepArgumentError("storage", str(exc)) from None
    return Plan(
        task=task, study_name=name, storage=spec, target=trials, sampler=sampler, seed=seed,
        quick=quick, fixed=fixed_values, threads=threads or threads_per_worker(workers),
        timeout=timeout, startup_trials=startup_trials,
    )  # fmt: skip


def _open(plan: Plan, workers: int) -> tuple[optuna.storages.BaseStorage, st.StorageSpec]:
    spec = plan.storage
    if spec.default:
        spec = st.default_storage(plan.study_name, workers, create=True)
    try:
        return st.open_storage(spec), spec
    except st.StorageError as exc:
        raise SweepArgumentError("storage", str(exc)) from None


def _make_sampler(plan: Plan, worker: int, existing: int) -> optuna.samplers.BaseSampler:
    seed = plan.seed + 1000 * worker + existing
    if plan.storage.kind == "rdb" and not plan.storage.is_sqlite:
        # A server database: the same command runs on many machines at once; each process
        # needs its own draws (the host and pid make them differ).
        seed += zlib.crc32(f"{socket.gethostname()}:{os.getpid()}".encode())
    seed %= 2**32
    if plan.sampler == "grid":
        return optuna.samplers.GridSampler(plan.grid, seed=seed)
    if plan.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=plan.startup_trials)


def _study(plan: Plan, storage, worker: int) -> optuna.Study:
    existing = 0
    try:
        existing = len(optuna.load_study(study_name=plan.study_name, storage=storage).trials)
    except KeyError:
        pass
    study = optuna.create_study(
        study_name=plan.study_name,
        storage=storage,
        sampler=_make_sampler(plan, worker, existing),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0),
        direction="maximize",
        load_if_exists=True,
    )
    if "task" not in study.user_attrs:
        study.set_user_attr("task", plan.task)
        study.set_user_attr("quick", plan.quick)
        study.set_user_attr("seed", plan.seed)
    return study


def _objective(plan: Plan, data: dict):
    task = TASKS[plan.task]
    space = plan.space

    def objective(trial: optuna.Trial) -> float:
        import numpy as np

        st.record_worker(trial)
        if plan.fixed:
            trial.set_user_attr("fixed", plan.fixed)
        config = task.config({**plan.fixed, **suggest(trial, space)}, plan.quick, plan.seed)
        callback = EpochReporter(trial) if task.prunable else None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return task.objective(data, config, callback)

    return objective


def _finished(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=FINISHED))


def _on_grid(study: optuna.Study, grid: dict) -> int:
    """The finished trials whose parameters are all points of ``grid``."""
    return sum(
        all(t.params.get(k) in values for k, values in grid.items())
        for t in study.get_trials(deepcopy=False, states=FINISHED)
    )


def _best(study: optuna.Study) -> tuple[float | None, dict | None]:
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not done:
        return None, None
    best = max(done, key=lambda t: t.value)
    return best.value, dict(best.params)


def _work(plan: Plan, worker: int, budget: int, on_trial=None, data=None) -> None:
    """One worker: run trials until the study has ``plan.target`` finished ones (on
    ``data``, else the task's own)."""
    limit_threads(plan.threads)
    storage, _ = _open(plan, workers=1)
    study = _study(plan, storage, worker)
    if data is None:
        data = TASKS[plan.task].load(plan.quick)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    callbacks = [optuna.study.MaxTrialsCallback(plan.target, states=FINISHED)]
    if on_trial is not None:
        callbacks.append(on_trial)
    study.optimize(
        _objective(plan, data), n_trials=budget, timeout=plan.timeout, callbacks=callbacks
    )


def _worker_main(plan: Plan, worker: int, budget: int) -> None:
    """Entry point of a spawned worker process."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        _work(plan, worker, budget)
    except KeyboardInterrupt:
        sys.exit(130)


def run_sweep(
    task: str,
    *,
    trials: int,
    workers: int = 1,
    storage: str | None = None,
    timeout: float | None = None,
    sampler: str = "tpe",
    seed: int = 0,
    quick: bool = False,
    fixed: Mapping[str, Any] | None = None,
    threads: int | None = None,
    study_name: str | None = None,
    progress: bool = True,
    data: Mapping[str, Any] | None = None,
    startup_trials: int = 10,
) -> SweepResult:
    """Run the sweep of ``task`` until its study holds ``trials`` finished trials.

    Args:
        task: a name of :data:`cs231n.sweep.tasks.TASKS`.
        trials: finished (completed or pruned) trials the study should hold, >= 1.
        workers: processes (1: this one).
        storage: see :mod:`cs231n.sweep.storage` (None: ``results/sweeps/<study>``).
        timeout: seconds after which no new trial starts (each worker).
        sampler: ``"tpe"`` (default), ``"random"`` or ``"grid"`` (the course's grid).
        seed: sampler and training seed.
        quick: the task's quick mode (synthetic data; study ``<task>-quick``).
        fixed: ``{name: value}`` fixing parameters of the space (or settings).
        threads: threads per worker (default: the cores shared among the workers).
        study_name: instead of the task's (benchmarks compare samplers this way).
        progress: a progress bar with the best value so far.
        data: the arrays to train on, as ``Task.load`` gives them (``X_train (N, D)``,
            ``y_train (N,)``, ``X_val``, ``y_val``), instead of the task's own; only with
            ``workers=1`` (spawned workers load the task's data themselves).
        startup_trials: TPE's random trials before it models the results (Optuna's 10).

    Returns:
        a :class:`SweepResult`.

    Raises:
        SweepArgumentError: a bad argument (nothing written).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    plan = plan_sweep(
        task, trials=trials, workers=workers, storage=storage, timeout=timeout, sampler=sampler,
        seed=seed, quick=quick, fixed=fixed, threads=threads, study_name=study_name,
        startup_trials=startup_trials,
    )  # fmt: skip
    if data is not None and workers > 1:
        raise SweepArgumentError(
            "data", f"needs workers=1 (spawned workers load the task's data), got {workers}"
        )
    if workers > 1 and plan.storage.is_sqlite:
        print(
            f"warning: {workers} workers on SQLite ({plan.storage.shown}) may fail with "
            "'database is locked'; journal:PATH is safe on one machine",
            file=sys.stderr,
        )
    storage_obj, spec = _open(plan, workers)
    plan = dataclasses.replace(plan, storage=dataclasses.replace(spec, default=False))
    study = _study(plan, storage_obj, 0)
    dead = st.fail_dead_trials(storage_obj, plan.study_name)
    target = plan.target
    done = _finished(study)
    if plan.sampler == "grid":
        # Trials of other samplers (off the grid) stay in the study: the cap leaves room for
        # every grid point on top of them.
        points = grid_size(plan.grid)
        off_grid = done - _on_grid(study, plan.grid)
        if target > off_grid + points:
            print(f"the grid has {points} points: running up to {points} trials", file=sys.stderr)
            target = off_grid + points
            plan = dataclasses.replace(plan, target=target)
    interrupted = False
    bar = _progress_bar(target, done, progress)
    try:
        if done < target:
            if workers == 1:
                _work(plan, 0, target - done, lambda s, t: _update(bar, s), data)
            else:
                interrupted = _run_workers(plan, workers, target - done, study, bar)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        _update(bar, study)
        bar.close()
    if interrupted:
        print(
            f"interrupted: {_finished(study)} finished trials kept in {spec.shown}",
            file=sys.stderr,
        )
    value, params = _best(study)
    return SweepResult(
        plan.study_name, spec.shown, _finished(study), dead, interrupted, value, params
    )


def _run_workers(plan: Plan, workers: int, budget: int, study: optuna.Study, bar) -> bool:
    """Start the workers, show their progress, wait; True if interrupted."""
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_worker_main, args=(plan, w, budget)) for w in range(workers)]
    for p in procs:
        p.start()
    try:
        while any(p.is_alive() for p in procs):
            time.sleep(1.0)
            _update(bar, study)
    except KeyboardInterrupt:
        for p in procs:
            if p.is_alive() and p.pid is not None:
                with contextlib.suppress(OSError):
                    os.kill(p.pid, signal.SIGINT)
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.terminate()
                p.join()
        return True
    bad = [p.exitcode for p in procs if p.exitcode not in (0, None)]
    if bad:
        raise RuntimeError(f"run_sweep: {len(bad)} worker(s) failed (exit codes {bad})")
    return False


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total, initial=min(initial, total), unit="trial", disable=not enabled,
        dynamic_ncols=True, desc="sweep",
    )  # fmt: skip


def _update(bar, study: optuna.Study) -> None:
    if bar.disable:
        return
    done = _finished(study)
    bar.n = min(done, bar.total)
    value, _ = _best(study)
    if value is not None:
        bar.set_postfix_str(f"best {value:.4f}", refresh=False)
    bar.refresh()
