"""The fully connected experiments of ``BatchNormalization.ipynb`` (one harness for both
norms) and ``FullyConnectedNets.ipynb`` (the update rules).

Every run trains a :class:`~cs231n.classifiers.fc_net.FullyConnectedNet` under
:class:`~cs231n.solver.Solver` (Adam unless told otherwise), from ``np.random.seed(seed)``
(the weights come from the global ``np.random`` state, as in the official code) and the
Solver's own ``solver_seed`` for the minibatches, so runs that differ in the normalization
or the update rule see the same initial weights (up to the normalization parameters) and
the same minibatches.

* :func:`make_solver` builds one net and its Solver, :func:`train_fc_net` trains it;
* :func:`weight_scale_experiment` trains every normalization at every weight scale and
  keeps the best accuracies and the final loss (a diverging run counts, with a NaN loss);
* :func:`batch_size_experiment` trains a normalized net at several batch sizes against
  a baseline without normalization at the smallest one (batch norm vs layer norm).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.solver import Solver

NORMALIZATIONS = ("batchnorm", "layernorm", None)


def _label(normalization: str | None) -> str:
    return normalization or "baseline"


def make_solver(
    data: dict,
    hidden_dims: Sequence[int],
    normalization: str | None,
    *,
    weight_scale: float,
    batch_size: int,
    learning_rate: float,
    num_epochs: int,
    update_rule: str = "adam",
    seed: int = 231,
    solver_seed: int = 0,
    verbose: bool = False,
    print_every: int = 100,
    num_classes: int | None = None,
) -> Solver:
    """A fully connected net and its :class:`Solver` (Adam by default), not trained yet.

    Args:
        data: ``X_train`` (N, D) or (N, C, H, W), ``y_train`` (N,), ``X_val``, ``y_val``.
        hidden_dims: sizes of the hidden layers.
        normalization: ``"batchnorm"``, ``"layernorm"`` or ``None``.
        weight_scale: standard deviation of the initial weights.
        batch_size, learning_rate, num_epochs: the Solver's settings.
        update_rule: the :mod:`cs231n.optim` rule (``"sgd"``, ``"sgd_momentum"``,
            ``"rmsprop"``, ``"adam"``).
        seed: global ``np.random`` seed set before the model draws its weights.
        solver_seed: the Solver's minibatch seed.
        verbose, print_every: the Solver's logging.
        num_classes: C, by default the largest label in ``y_train`` and ``y_val`` plus one;
            the input dimension D is that of one ``X_train`` row.

    Returns:
        the :class:`Solver`; call ``train()``.
    """
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"make_solver: normalization must be one of {NORMALIZATIONS}, got {normalization!r}"
        )
    if num_classes is None:
        num_classes = int(max(np.max(data["y_train"]), np.max(data["y_val"]))) + 1
    input_dim = int(np.prod(data["X_train"].shape[1:]))
    np.random.seed(seed)  # noqa: NPY002 -- the model draws from the global state
    model = FullyConnectedNet(
        list(hidden_dims),
        input_dim=input_dim,
        num_classes=num_classes,
        weight_scale=weight_scale,
        normalization=normalization,
    )
    return Solver(
        model,
        data,
        num_epochs=num_epochs,
        batch_size=batch_size,
        update_rule=update_rule,
        optim_config={"learning_rate": learning_rate},
        verbose=verbose,
        print_every=print_every,
        seed=solver_seed,
    )


def train_fc_net(data: dict, hidden_dims: Sequence[int], normalization: str | None, **kw) -> Solver:
    """:func:`make_solver` with the same arguments, trained; returns the Solver.

    Raises:
        DivergenceError: from the Solver, when the loss becomes NaN or infinite.
    """
    solver = make_solver(data, hidden_dims, normalization, **kw)
    solver.train()
    return solver


class ScaleResult(NamedTuple):
    """One run of :func:`weight_scale_experiment`."""

    best_train_acc: float
    best_val_acc: float
    final_loss: float  # mean of the last 100 minibatch losses; NaN if the run diverged


def weight_scale_experiment(
    data: dict,
    weight_scales: Sequence[float],
    hidden_dims: Sequence[int],
    normalizations: Sequence[str | None] = ("batchnorm", None),
    *,
    num_epochs: int,
    batch_size: int = 50,
    learning_rate: float = 1e-3,
) -> dict[str, list[ScaleResult]]:
    """Train every normalization at every weight scale (the same seeds for all runs).

    A run whose loss diverges is stopped by the Solver and kept with ``final_loss = NaN``
    and the accuracies it reached before.

    Args:
        data: the Solver's data dict (see :func:`train_fc_net`).
        weight_scales: (S,) initial weight scales.
        hidden_dims: sizes of the hidden layers.
        normalizations: the nets to compare; ``None`` is the baseline.
        num_epochs, batch_size, learning_rate: the Solver's settings.

    Returns:
        label (``"batchnorm"``, ``"layernorm"`` or ``"baseline"``) -> S :class:`ScaleResult`,
        in the order of ``weight_scales``.
    """
    results: dict[str, list[ScaleResult]] = {_label(n): [] for n in normalizations}
    for weight_scale in weight_scales:
        for normalization in normalizations:
            solver = make_solver(
                data,
                hidden_dims,
                normalization,
                weight_scale=weight_scale,
                batch_size=batch_size,
                learning_rate=learning_rate,
                num_epochs=num_epochs,
            )
            try:
                # A run that explodes overflows before the Solver sees the NaN loss.
                with np.errstate(over="ignore", invalid="ignore"):
                    solver.train()
                final_loss = float(np.mean(solver.loss_history[-100:]))
            except FloatingPointError:  # DivergenceError, or a loss's NonFiniteError
                final_loss = float("nan")
            results[_label(normalization)].append(
                ScaleResult(
                    float(max(solver.train_acc_history, default=np.nan)),
                    float(solver.best_val_acc),
                    final_loss,
                )
            )
    return results


def batch_size_experiment(
    data: dict,
    normalization: str,
    batch_sizes: Sequence[int] = (5, 10, 50),
    hidden_dims: Sequence[int] = (100, 100, 100, 100, 100),
    *,
    num_epochs: int,
    weight_scale: float = 2e-2,
    learning_rate: float = 10**-3.5,
) -> dict[str, Solver]:
    """A normalized net at every batch size, and a baseline at the smallest batch size.

    Args:
        data: the Solver's data dict (see :func:`train_fc_net`).
        normalization: ``"batchnorm"`` or ``"layernorm"``.
        batch_sizes: the batch sizes, smallest first.
        hidden_dims: sizes of the hidden layers.
        num_epochs, weight_scale, learning_rate: the same for every run.

    Returns:
        ``"baseline, batch B0"`` then ``"<normalization>, batch B"`` for every B -> its
        trained :class:`Solver` (``epoch_times`` holds each run's seconds per epoch).
    """
    if normalization is None or normalization not in NORMALIZATIONS:
        raise ValueError(
            "batch_size_experiment: normalization must be 'batchnorm' or 'layernorm', "
            f"got {normalization!r}"
        )
    runs = [(f"baseline, batch {batch_sizes[0]}", None, batch_sizes[0])]
    runs += [(f"{normalization}, batch {b}", normalization, b) for b in batch_sizes]
    return {
        label: train_fc_net(
            data,
            hidden_dims,
            norm,
            weight_scale=weight_scale,
            batch_size=b,
            learning_rate=learning_rate,
            num_epochs=num_epochs,
        )
        for label, norm, b in runs
    }
