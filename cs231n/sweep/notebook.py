"""The notebooks' tuning cells: a fresh study per run, and the configuration of its best trial.

A notebook run top to bottom starts its search over, so :func:`notebook_sweep` deletes the
study file of the same name before it runs (``cs231n sweep TASK`` continues a study; a
notebook does not)::

    from cs231n.plots.sweep import show_study
    from cs231n.sweep import best_config, notebook_sweep, summary
    from cs231n.sweep.tasks import train_linear

    study = notebook_sweep("svm", trials=pick(9, quick=4))   # an optuna.Study
    print(summary(study))
    show_study(study)
    best_svm, _ = train_linear("svm", data, best_config(study))  # the best trial's model

Where the study lives:

* quick mode (:func:`cs231n.quick.is_quick`): the task's quick settings and synthetic data,
  a journal file in a new temporary folder, removed when the process ends (quick runs
  never write under ``results/``);
* full mode: ``<sweeps_dir>/<task>-notebook.journal`` (``results/sweeps/`` unless
  ``$CS231N_SWEEPS_DIR`` says otherwise; working files, ignored by git).

The trainings are seeded with ``seed``, so retraining :func:`best_config` on the task's data
with the task's trainer gives the best trial's model again (with another BLAS thread count
the last digits of the sums may differ).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from cs231n.paths import REPO_ROOT
from cs231n.quick import is_quick
from cs231n.sweep import storage as st
from cs231n.sweep.runner import SweepArgumentError, plan_sweep, run_sweep, study_name_for
from cs231n.sweep.tasks import TASKS


def notebook_study_name(task: str, quick: bool) -> str:
    """The study of a notebook's tuning cell: ``<task>-notebook`` (``<task>-quick-notebook``)."""
    return f"{study_name_for(task, quick)}-notebook"


def notebook_sweep(
    task: str,
    *,
    trials: int,
    workers: int = 2,
    seed: int = 0,
    sampler: str = "tpe",
    fixed: Mapping[str, Any] | None = None,
    quick: bool | None = None,
    data: Mapping[str, Any] | None = None,
    startup_trials: int = 4,
) -> optuna.Study:
    """Run a fresh study of ``task`` with ``trials`` finished trials and return it.

    Args:
        task: a name of :data:`cs231n.sweep.tasks.TASKS` (``"svm"``, ``"fc_net"``, ...).
        trials: finished (completed or pruned) trials, >= 1.
        workers: processes, each with its share of the cores (2 on this 2-core machine:
            one BLAS thread each); 1 runs the trials in this process.
        seed: sampler seed (worker ``w`` uses ``seed + 1000 * w``) and training seed.
        sampler: ``"tpe"`` (default), ``"random"`` or ``"grid"`` (the course's grid).
        fixed: ``{name: value}`` fixing parameters of the space or settings of the task
            (e.g. ``{"num_epochs": 2}``); recorded on every trial.
        quick: the task's quick mode (default :func:`cs231n.quick.is_quick`).
        data: the notebook's own arrays (``X_train (N, D)``, ``y_train (N,)``, ``X_val``,
            ``y_val``, prepared as ``Task.load`` prepares them) instead of the task's; only
            with ``workers=1`` (the trials then run in this process).
        startup_trials: TPE's random trials before it models the results: 4, not Optuna's
            10, because a notebook's budget is about 10 trials.

    Returns:
        the :class:`optuna.Study` (``direction="maximize"``, values are validation
        accuracies), with user attributes ``task``, ``quick``, ``seed``.

    Raises:
        cs231n.sweep.SweepArgumentError: a bad argument (nothing written or deleted).
    """
    quick = is_quick() if quick is None else bool(quick)
    name = notebook_study_name(task, quick)
    if quick:
        folder = Path(tempfile.mkdtemp(prefix="cs231n-sweep-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    else:
        folder = st.sweeps_dir()
    path = folder / f"{name}.journal"
    storage = f"{st.JOURNAL_PREFIX}{path}"
    # Check the arguments before the old study is deleted (nothing is written here).
    plan_sweep(
        task, trials=trials, workers=workers, sampler=sampler, seed=seed, quick=quick,
        fixed=fixed, study_name=name, startup_trials=startup_trials,
    )  # fmt: skip
    if data is not None and workers > 1:
        raise SweepArgumentError(
            "data", f"needs workers=1 (spawned workers load the task's data), got {workers}",
            "notebook_sweep",
        )  # fmt: skip
    if not quick:
        st.make_sweeps_dir()
    for stale in (path, path.with_name(path.name + ".lock")):
        stale.unlink(missing_ok=True)  # a fresh study: the notebook starts over
    tic = time.time()
    result = run_sweep(
        task, trials=trials, workers=workers, storage=storage, sampler=sampler, seed=seed,
        quick=quick, fixed=fixed, study_name=name, progress=False, data=data,
        startup_trials=startup_trials,
    )  # fmt: skip
    study = optuna.load_study(study_name=name, storage=st.open_storage(st.parse_storage(storage)))
    print(
        f"{task}: {result.finished} trials on {workers} worker(s) in {time.time() - tic:.0f}s "
        f"(study {name}, {'quick mode, ' if quick else ''}{_shown(path)})"
    )
    return study


def _shown(path: Path) -> Path:
    """``path`` relative to the repository when it is inside (printed outputs stay portable)."""
    return path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path


def best_config(study: optuna.Study) -> dict[str, Any]:
    """The full training configuration of the best completed trial of ``study``.

    ``Task.config(params, quick, seed)``: the task's settings (quick ones in quick mode),
    the values ``fixed`` for the sweep, the trial's sampled parameters and the seed.

    Args:
        study: a study made by :func:`notebook_sweep` or ``cs231n sweep`` (it names its task
            and mode in ``study.user_attrs``).

    Returns:
        ``{name: value}``, e.g. ``{"num_iters": 3000, "batch_size": 200, "seed": 0,
        "learning_rate": 2e-07, "reg": 1000.0}`` for ``svm``.

    Raises:
        ValueError: the study names no task of :data:`TASKS`, or has no completed trial.
    """
    task = study.user_attrs.get("task")
    if task not in TASKS:
        raise ValueError(
            f"best_config: study {study.study_name!r} must name a task of TASKS in "
            f"user_attrs['task'], got {task!r}"
        )
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not done:
        raise ValueError(f"best_config: study {study.study_name!r} has no completed trial")
    best = study.best_trial
    fixed = dict(best.user_attrs.get("fixed", {}))
    if "hidden_dims" in fixed:  # JSON storages give lists back for tuples
        fixed["hidden_dims"] = tuple(fixed["hidden_dims"])
    return TASKS[task].config(
        {**fixed, **best.params},
        bool(study.user_attrs.get("quick", False)),
        int(study.user_attrs.get("seed", 0)),
    )
