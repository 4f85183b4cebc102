"""The one pruning callback of every trainer: ``callback(epoch, val_acc)`` after each epoch.

The numpy :class:`~cs231n.solver.Solver` (through the Solver task of
:mod:`cs231n.sweep.tasks`), :func:`cs231n.frameworks.torch_cifar.train_part34` and
:func:`cs231n.frameworks.tf_cifar.train_part34` call an ``epoch_callback`` with the number of
epochs done (1, 2, ...) and the validation accuracy measured after that epoch.
:class:`EpochReporter` is that callback for a sweep: it reports the accuracy to the Optuna
trial as its intermediate value at step ``epoch`` and raises :class:`optuna.TrialPruned`
when the study's pruner (``MedianPruner`` by default) says the trial is worse than the
median of the earlier trials at the same epoch. A trainer needs no Optuna code.
"""

from __future__ import annotations

import math

import optuna


class EpochReporter:
    """``EpochReporter(trial)(epoch, val_acc)``: report, then prune if the pruner says so.

    Attributes:
        history: ``[(epoch, val_acc), ...]`` as reported.
    """

    def __init__(self, trial: optuna.trial.BaseTrial) -> None:
        self.trial = trial
        self.history: list[tuple[int, float]] = []

    def __call__(self, epoch: int, val_acc: float) -> None:
        """Report ``val_acc`` (a float in [0, 1]) at step ``epoch`` (an int >= 0).

        Raises:
            optuna.TrialPruned: the trial should stop here.
            ValueError: ``epoch`` or ``val_acc`` out of range.
        """
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"EpochReporter: epoch must be an integer >= 0, got {epoch!r}")
        val_acc = float(val_acc)
        if not (math.isfinite(val_acc) and 0.0 <= val_acc <= 1.0):
            raise ValueError(f"EpochReporter: val_acc must be in [0, 1], got {val_acc!r}")
        self.history.append((epoch, val_acc))
        self.trial.report(val_acc, step=epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch} at val_acc {val_acc:.4f}")
