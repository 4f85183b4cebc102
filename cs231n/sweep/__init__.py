"""Hyperparameter sweeps on Optuna: one study per tuning task of the course.

``cs231n sweep TASK`` (:mod:`cs231n.tooling.sweep_command`) or, in Python::

    from cs231n.sweep import run_sweep, load
    result = run_sweep("softmax", trials=20, seed=0)   # results/sweeps/softmax.db
    study = load("softmax")                            # an optuna.Study: plots, best_trial

* :mod:`cs231n.sweep.tasks`: the tasks (svm, softmax, two_layer_net, features-svm,
  features-nn, fc_net, torch, tf), their search spaces, the course's grids, their data.
* :mod:`cs231n.sweep.space`: log-uniform, uniform and categorical parameters.
* :mod:`cs231n.sweep.pruning`: :class:`EpochReporter`, the one per-epoch callback of the
  Solver and the PyTorch/TensorFlow loops (``MedianPruner``).
* :mod:`cs231n.sweep.storage`: SQLite, journal file and RDB storages, dead workers.
* :mod:`cs231n.sweep.runner`: :func:`run_sweep` (workers, progress bar, Ctrl-C).
* :mod:`cs231n.sweep.threads`: BLAS threads per worker through threadpoolctl.
* :mod:`cs231n.sweep.report`: the best trials and the parameter importances.
* :mod:`cs231n.sweep.notebook`: :func:`notebook_sweep` (a fresh study per notebook run)
  and :func:`best_config` (the best trial's training configuration).
"""

import importlib

# Imported on first use, so that the ``cs231n`` command can list the tasks without Optuna.
_EXPORTS = {
    "TASKS": "cs231n.sweep.tasks",
    "EpochReporter": "cs231n.sweep.pruning",
    "SweepArgumentError": "cs231n.sweep.runner",
    "SweepResult": "cs231n.sweep.runner",
    "run_sweep": "cs231n.sweep.runner",
    "load": "cs231n.sweep.report",
    "summary": "cs231n.sweep.report",
    "notebook_sweep": "cs231n.sweep.notebook",
    "best_config": "cs231n.sweep.notebook",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'cs231n.sweep' has no attribute {name!r}")
