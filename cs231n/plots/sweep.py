"""Optuna's matplotlib plots of a sweep (:mod:`cs231n.sweep`), for the notebooks' tuning cells."""

from __future__ import annotations

import warnings

import optuna
from optuna.trial import TrialState


def show_study(study: optuna.Study, *, show: bool = True) -> dict[str, object]:
    """Plot the optimization history, the parameters and their importances of ``study``.

    * ``"history"``: :func:`optuna.visualization.matplotlib.plot_optimization_history`
      (each trial's validation accuracy and the best so far);
    * ``"contour"`` for a study of two parameters
      (:func:`~optuna.visualization.matplotlib.plot_contour`), else ``"parallel"``
      (:func:`~optuna.visualization.matplotlib.plot_parallel_coordinate`);
    * ``"importances"``: :func:`~optuna.visualization.matplotlib.plot_param_importances`
      (fANOVA), only with at least 2 completed trials whose values differ; otherwise a
      printed line says why it is skipped (quick runs have few trials).

    Each plot is its own figure. Optuna's ``ExperimentalWarning`` (the matplotlib backend
    is marked experimental) is silenced.

    Args:
        study: a study with at least one completed trial.
        show: call ``plt.show()`` after each figure (``False``: leave them open, for tests).

    Returns:
        ``{name: matplotlib Axes}`` of the plots drawn (the contour of two parameters is
        one Axes).

    Raises:
        ValueError: the study has no completed trial.
    """
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as ovm

    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not done:
        raise ValueError(f"show_study: study {study.study_name!r} has no completed trial")
    params = sorted({name for t in done for name in t.params})
    plots = {"history": ovm.plot_optimization_history}
    if len(params) == 2:
        plots["contour"] = ovm.plot_contour
    else:
        plots["parallel"] = ovm.plot_parallel_coordinate
    reason = None
    if len(done) < 2:
        reason = f"{len(done)} completed trial (fANOVA needs at least 2)"
    elif len({t.value for t in done}) < 2:
        reason = "every completed trial has the same value"
    if reason is None:
        plots["importances"] = ovm.plot_param_importances
    else:
        print(f"show_study: parameter importances skipped: {reason}")
    out: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        for name, plot in plots.items():
            ax = plot(study)
            out[name] = ax
            if show:
                plt.show()
    return out
