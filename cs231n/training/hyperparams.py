"""What Optuna does not do for assignment 1: the kNN k-fold split, and a process pool.

Sweeps (samplers, pruning, storage, resumption) are :mod:`cs231n.sweep`. What stays here:

* :func:`knn_cross_validate`: k-fold cross-validation of the kNN notebook (one distance
  matrix per fold serves every k);
* :func:`parallel_map` / :func:`shared`: ``[fn(c) for c in configs]`` on spawned workers that
  read large data through :func:`shared` (sent once to each worker), each pinned to one
  BLAS thread through threadpoolctl (:func:`cs231n.sweep.threads.limit_threads`).

Kept only until the notebooks' tuning cells use :mod:`cs231n.sweep` (then obsolete):
:func:`grid`, :func:`fit_linear` and :func:`fit_two_layer_net` (thin wrappers of
:func:`cs231n.sweep.tasks.train_linear` and :func:`~cs231n.sweep.tasks.train_two_layer_net`,
the trainers of the sweep tasks: one copy of the training code).

Typical use in a notebook::

    configs = grid(learning_rate=[1e-7, 5e-7], reg=[2.5e4, 5e4])
    runs = parallel_map(fit_linear, configs, shared={"X_train": ..., "y_train": ...,
                                                    "X_val": ..., "y_val": ...})
    best = max(runs, key=lambda r: r["val_acc"])
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

_SHARED: dict[str, Any] = {}


def shared() -> dict[str, Any]:
    """The data given to the running :func:`parallel_map` (read it inside a worker)."""
    return _SHARED


def grid(**axes: Sequence) -> list[dict[str, Any]]:
    """All combinations of the given values, e.g. ``grid(lr=[1, 2], reg=[3])`` ->
    ``[{"lr": 1, "reg": 3}, {"lr": 2, "reg": 3}]``."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*axes.values())]


def _one_blas_thread() -> None:
    """Initializer of :func:`parallel_map`'s workers: two workers that each start their own
    BLAS threads would fight over the same cores."""
    from cs231n.sweep.threads import limit_threads

    limit_threads(1)


def _init_worker(data: dict[str, Any]) -> None:
    """Initializer of :func:`parallel_map`'s workers: the shared data, one BLAS thread."""
    _SHARED.clear()
    _SHARED.update(data)
    _one_blas_thread()


def default_workers() -> int:
    """Two workers when the machine has at least two cores, else one."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def parallel_map(
    fn: Callable[[dict], Any],
    configs: Sequence[dict],
    *,
    shared: dict[str, Any] | None = None,
    workers: int | None = None,
) -> list[Any]:
    """``[fn(c) for c in configs]``, on ``workers`` spawned processes.

    Args:
        fn: a module-level function (it is sent to the workers by name) that
            reads its data from :func:`shared`.
        configs: one dict per run.
        shared: data the workers read through :func:`shared` (pickled once per worker).
        workers: number of processes (default :func:`default_workers`); 1 runs
            in this process.

    Returns:
        the results, in the order of ``configs``.
    """
    workers = default_workers() if workers is None else workers
    _SHARED.clear()
    _SHARED.update(shared or {})
    try:
        if workers <= 1 or len(configs) <= 1:
            return [fn(c) for c in configs]
        # Spawned, not forked: a fork copies a process whose other threads (tqdm's monitor,
        # OpenMP or BLAS pools of PyTorch/TensorFlow) may hold locks, and the child can hang.
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(dict(_SHARED),)) as pool:
            return pool.map(fn, configs, chunksize=1)
    finally:
        _SHARED.clear()


def fit_linear(config: dict) -> dict[str, Any]:
    """Train one linear classifier on the shared data; a worker for :func:`parallel_map`.

    Args:
        config: ``kind`` ("svm" or "softmax"), ``learning_rate``, ``reg``,
            ``num_iters``, optional ``batch_size`` (200) and ``seed`` (0).
            Shared data: ``X_train`` (N, D), ``y_train``, ``X_val``, ``y_val``.

    Returns:
        the config plus ``train_acc``, ``val_acc``, ``W`` (D, C) and ``loss_history``.
    """
    from cs231n.sweep.tasks import train_linear

    d = shared()
    if config.get("kind") not in ("svm", "softmax"):
        raise ValueError(
            f"fit_linear: config['kind'] must be 'svm' or 'softmax', got {config.get('kind')!r}"
        )
    clf, hist = train_linear(config["kind"], d, config)
    return {
        **config,
        "train_acc": float(np.mean(clf.predict(d["X_train"]) == d["y_train"])),
        "val_acc": float(np.mean(clf.predict(d["X_val"]) == d["y_val"])),
        "W": clf.W,
        "loss_history": hist,
    }


def fit_two_layer_net(config: dict) -> dict[str, Any]:
    """Train one :class:`~cs231n.classifiers.neural_net.TwoLayerNet` on the shared data.

    Args:
        config: ``hidden_size``, ``learning_rate``, ``reg``, ``num_iters``, optional
            ``learning_rate_decay`` (0.95), ``batch_size`` (200), ``std`` (1e-4),
            ``seed`` (0), ``dtype`` ("float64"; "float32" with float32 data is twice
            as fast). Shared data: ``X_train``, ``y_train``, ``X_val``, ``y_val``.

    Returns:
        the config plus ``val_acc``, ``params`` and ``stats`` (the histories).
    """
    from cs231n.sweep.tasks import train_two_layer_net

    d = shared()
    net, stats = train_two_layer_net(d, config)
    return {
        **config,
        "val_acc": float(np.mean(net.predict(d["X_val"]) == d["y_val"])),
        "params": net.params,
        "stats": stats,
    }


def _knn_fold(config: dict) -> dict[int, float]:
    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor

    d = shared()
    folds_X, folds_y, f = d["folds_X"], d["folds_y"], config["fold"]
    knn = KNearestNeighbor()
    knn.train(
        np.concatenate(folds_X[:f] + folds_X[f + 1 :]),
        np.concatenate(folds_y[:f] + folds_y[f + 1 :]),
    )
    dists = knn.compute_distances_no_loops(folds_X[f])  # one distance matrix serves every k
    return {k: float(np.mean(knn.predict_labels(dists, k=k) == folds_y[f])) for k in d["k_choices"]}


def knn_cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    k_choices: Sequence[int],
    num_folds: int = 5,
    workers: int | None = None,
) -> dict[int, list[float]]:
    """k-fold cross-validation of :class:`KNearestNeighbor` for several k.

    The data are split into ``num_folds`` consecutive folds (``np.array_split``);
    each fold in turn is the validation set for a classifier trained on the others.

    Args:
        X: (N, D) data; y: (N,) labels.
        k_choices: the k values to try.
        num_folds: number of folds, >= 2.
        workers: processes for the folds (default :func:`default_workers`).

    Returns:
        k -> list of ``num_folds`` validation accuracies.
    """
    if num_folds < 2 or num_folds > len(X):
        raise ValueError(
            f"knn_cross_validate: num_folds must be in [2, N={len(X)}], got {num_folds}"
        )
    folds_X, folds_y = np.array_split(X, num_folds), np.array_split(y, num_folds)
    shared_data = {"folds_X": folds_X, "folds_y": folds_y, "k_choices": list(k_choices)}
    configs = [{"fold": f} for f in range(num_folds)]
    per_fold = parallel_map(_knn_fold, configs, shared=shared_data, workers=workers)
    return {k: [acc[k] for acc in per_fold] for k in k_choices}
