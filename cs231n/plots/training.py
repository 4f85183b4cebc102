"""Training curves: the loss per iteration and the accuracies per check, for the notebooks of
both assignments (assignment 1's ``TwoLayerNet.train`` statistics, assignment 2's Solvers).

A *run* is anything that holds the three histories ``loss_history``, ``train_acc_history``
and ``val_acc_history``: the dict that ``TwoLayerNet.train`` returns, or a trained
:class:`~cs231n.solver.Solver` (as attributes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt

__all__ = ["plot_histories"]

_HISTORIES = ("loss_history", "train_acc_history", "val_acc_history")


def _histories(run, label: str) -> tuple[Sequence[float], Sequence[float], Sequence[float]]:
    """The run's (loss, train accuracy, validation accuracy) histories."""
    if isinstance(run, Mapping):
        missing = [k for k in _HISTORIES if k not in run]
        if not missing:
            return tuple(run[k] for k in _HISTORIES)
    else:
        missing = [k for k in _HISTORIES if not hasattr(run, k)]
        if not missing:
            return tuple(getattr(run, k) for k in _HISTORIES)
    raise ValueError(
        f"plot_histories: run {label!r} must be a Solver or a dict with {list(_HISTORIES)}; "
        f"got a {type(run).__name__} without {missing}"
    )


def plot_histories(runs: Mapping, title: str = ""):
    """The training curves of one run, or of several labelled runs side by side.

    Parameters
    ----------
    runs : mapping
        Either one run's statistics, a dict with ``loss_history`` (T,) and
        ``train_acc_history``, ``val_acc_history`` (E,) (what ``TwoLayerNet.train``
        returns): two panels, the loss per iteration and both accuracies per epoch,
        so the gap between them shows. Or a dict label -> run (a trained Solver or such
        statistics): three panels, the loss, the training and the validation accuracy,
        each with one curve per run, so the runs compare.
    title : str
        Figure title (none by default).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If a run lacks one of the three histories.
    """
    if isinstance(runs, Mapping) and "loss_history" in runs:
        fig = _plot_one_run(*_histories(runs, "stats"))
    else:
        fig = _plot_runs({label: _histories(run, label) for label, run in runs.items()})
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _plot_one_run(loss, train_acc, val_acc):
    fig, (a, b) = plt.subplots(2, 1, figsize=(8, 7))
    a.plot(loss)
    a.set_title("Loss history")
    a.set_xlabel("Iteration")
    a.set_ylabel("Loss")
    b.plot(train_acc, label="train (batch)")
    b.plot(val_acc, label="val")
    b.set_title("Classification accuracy history")
    b.set_xlabel("Epoch")
    b.set_ylabel("Accuracy")
    b.legend()
    return fig


def _plot_runs(histories: Mapping[str, tuple]):
    fig, axes = plt.subplots(3, 1, figsize=(12, 11), sharex=False)
    for label, (loss, train_acc, val_acc) in histories.items():
        axes[0].plot(loss, "o", markersize=2, alpha=0.6, label=label)
        axes[1].plot(train_acc, "-o", label=label)
        axes[2].plot(val_acc, "-o", label=label)
    panels = [("Training loss", "Iteration"), ("Training accuracy", "Epoch"),
              ("Validation accuracy", "Epoch")]  # fmt: skip
    for ax, (name, xlabel) in zip(axes, panels):
        ax.set_title(name)
        ax.set_xlabel(xlabel)
        ax.legend(loc="best", ncol=2)
    return fig
