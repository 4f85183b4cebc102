"""Solver: minibatch training of a classification model (official CS231n 2020 API).

A model is any object with

* ``model.params``: a dict name -> ndarray of the learnable parameters;
* ``model.loss(X, y=None)``: with ``y`` it returns ``(loss, grads)``, ``grads``
  having the keys of ``params``; without ``y`` it returns ``scores`` of shape
  ``(N, C)`` (test time).

Example::

    data = get_CIFAR10_data()          # X_train, y_train, X_val, y_val, ...
    model = TwoLayerNet(hidden_dim=100, reg=0.1)
    solver = Solver(model, data, update_rule="sgd",
                    optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=10, batch_size=100, print_every=100)
    solver.train()
    solver.best_val_acc, solver.loss_history, solver.val_acc_history

On top of the official Solver this one

* samples minibatches from its own seeded ``np.random.Generator`` (``seed``),
  so two runs with the same seed give the same history;
* stops with :class:`DivergenceError` (a ``FloatingPointError``) naming the
  iteration and epoch as soon as the loss is NaN or infinite;
* writes checkpoints atomically and can resume from one
  (``Solver(model, data, resume_from=path)`` or :meth:`Solver.from_checkpoint`):
  a resumed run gives the same history as an uninterrupted one;
* shows a ``tqdm`` progress bar when ``verbose`` and stderr is a terminal (the
  official print lines go through ``tqdm.write``; in a notebook, where redrawing
  a bar would litter the saved outputs, only the print lines appear);
* can augment every training minibatch (``augment``), follow a per-iteration
  learning-rate schedule (``lr_schedule``, e.g. from :mod:`cs231n.training.schedules`)
  and stop at a wall-time budget (``time_limit``), recording the time each epoch took.
"""

from __future__ import annotations

import copy
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from cs231n import optim

__all__ = ["Solver"]  # the official 2020 names; DivergenceError is imported by name

_OPTIONS = {
    "update_rule": "sgd",
    "optim_config": None,
    "lr_decay": 1.0,
    "batch_size": 100,
    "num_epochs": 10,
    "num_train_samples": 1000,
    "num_val_samples": None,
    "checkpoint_name": None,
    "print_every": 10,
    "verbose": True,
    "seed": None,
    "resume_from": None,
    "augment": None,
    "lr_schedule": None,
    "time_limit": None,
}

# The Solver's clock (seconds); a module attribute so tests can replace it with a fake one.
_now = time.perf_counter


class DivergenceError(FloatingPointError):
    """The training loss became NaN or infinite (usually: learning rate too high)."""


def _atomic_pickle(obj: Any, path: Path) -> None:
    """Pickle ``obj`` to ``path`` through a temporary file in the same folder and
    an ``os.replace``, so a crash never leaves a truncated checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Solver:
    """Train a classification model with minibatch gradient descent.

    Parameters
    ----------
    model : object
        Has ``params`` (dict of ndarrays) and ``loss(X, y=None)`` (see module doc).
    data : dict
        ``X_train`` (N_train, d_1, ..., d_k), ``y_train`` (N_train,) int labels,
        ``X_val`` (N_val, d_1, ..., d_k), ``y_val`` (N_val,).
    update_rule : str
        A rule of :mod:`cs231n.optim`: ``"sgd"`` (default), ``"sgd_momentum"``,
        ``"rmsprop"``, ``"adam"``.
    optim_config : dict
        Hyperparameters handed to the update rule (e.g. ``{"learning_rate": 1e-3}``);
        each parameter gets its own copy, which also carries its optimizer state.
    lr_decay : float
        The learning rate is multiplied by this after every epoch (default 1.0).
        Not together with ``lr_schedule``.
    batch_size : int
        Minibatch size (default 100); minibatches are drawn with replacement, as
        in the official Solver.
    num_epochs : int
        Epochs to train for (default 10); one epoch is
        ``max(N_train // batch_size, 1)`` iterations.
    num_train_samples : int or None
        Training points used for ``train_acc_history`` (default 1000; None = all).
    num_val_samples : int or None
        Validation points used for ``val_acc_history`` (default None = all).
    checkpoint_name : str or None
        If set, a checkpoint ``<checkpoint_name>_epoch_<e>.pkl`` is written at
        every accuracy check.
    print_every : int
        Print the training loss every this many iterations (default 10).
    verbose : bool
        Print progress (default True), with a progress bar on a terminal.
    seed : int or None
        Seed of the Solver's generator (minibatches and accuracy subsamples).
    resume_from : str or Path or None
        A checkpoint written by this class: restores the model parameters, the
        optimizer state, the iteration, the histories, the elapsed time and the
        generator state. Callables (``augment``, ``lr_schedule``) are not stored:
        pass the same ones again to continue the same run.
    augment : callable or None
        ``augment(X_batch, rng) -> X_batch``, applied to every training minibatch
        (N, d_1, ..., d_k) with the Solver's generator, so a seeded run is
        reproducible (e.g. :func:`cs231n.training.augment.random_flip_crop` with
        ``channels_first=True``). Labels are not passed: an augmentation must keep
        each image's class. Accuracy checks never augment.
    lr_schedule : callable or None
        ``lr_schedule(it, num_iterations) -> factor``: iteration ``it`` (0-based)
        uses ``learning_rate = optim_config['learning_rate'] * factor``, which then
        must be given. Exclusive with ``lr_decay`` (a ValueError if both are set).
    time_limit : float or None
        Wall-time budget in seconds: training stops after the iteration that
        crosses it (counted from the start of :meth:`train`, plus the time of the
        run a checkpoint was resumed from), then checks the accuracies and keeps
        the best parameters as at the end of a full run.

    Attributes
    ----------
    loss_history : list of float
        The minibatch loss at every iteration.
    train_acc_history, val_acc_history : list of float
        Accuracies at the first iteration, every epoch end and the last iteration.
    best_val_acc : float
        The best validation accuracy seen; ``best_params`` (and ``best_bn_params``, the
        batchnorm running statistics of a model with ``bn_params``) are the matching
        parameters, copied into ``model.params`` (``model.bn_params``) at the end of
        :meth:`train`, so the model then scores ``best_val_acc`` again.
    epoch : int
        Epochs completed.
    elapsed : float
        Wall seconds spent in :meth:`train` (iterations and accuracy checks).
    epoch_times : list of float
        Wall seconds each completed epoch took, its accuracy check included.
    stopped_early : bool
        Whether ``time_limit`` ended the last call to :meth:`train`.

    Raises
    ------
    ValueError
        Unknown keyword arguments, unknown ``update_rule``, missing data keys, or
        ``lr_schedule`` together with ``lr_decay != 1`` or without a learning rate.
    """

    def __init__(self, model, data: dict, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(_OPTIONS))
        if unknown:
            raise ValueError(
                f"Solver: unrecognized arguments {unknown}; expected some of {sorted(_OPTIONS)}"
            )
        missing = [k for k in ("X_train", "y_train", "X_val", "y_val") if k not in data]
        if missing:
            raise ValueError(f"Solver: data is missing the keys {missing}")
        opts = {**_OPTIONS, **kwargs}

        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        if len(self.X_train) != len(self.y_train) or len(self.X_val) != len(self.y_val):
            raise ValueError(
                f"Solver: X_train/y_train have {len(self.X_train)}/{len(self.y_train)} rows "
                f"and X_val/y_val {len(self.X_val)}/{len(self.y_val)}; they must match"
            )

        rule = opts["update_rule"]
        if rule not in optim.UPDATE_RULES:
            raise ValueError(
                f"Solver: invalid update_rule {rule!r}; "
                f"expected one of {sorted(optim.UPDATE_RULES)}"
            )
        self.update_rule_name: str = rule
        self.update_rule = optim.UPDATE_RULES[rule]
        self.optim_config: dict = dict(opts["optim_config"] or {})
        self.lr_decay: float = opts["lr_decay"]
        self.batch_size: int = opts["batch_size"]
        self.num_epochs: int = opts["num_epochs"]
        self.num_train_samples = opts["num_train_samples"]
        self.num_val_samples = opts["num_val_samples"]
        self.checkpoint_name = opts["checkpoint_name"]
        self.print_every: int = opts["print_every"]
        self.verbose: bool = opts["verbose"]
        self.seed = opts["seed"]
        if self.batch_size < 1:
            raise ValueError(f"Solver: batch_size must be >= 1, got {self.batch_size}")
        self.augment: Callable | None = opts["augment"]
        self.lr_schedule: Callable | None = opts["lr_schedule"]
        self.time_limit: float | None = opts["time_limit"]
        for name in ("augment", "lr_schedule"):
            if opts[name] is not None and not callable(opts[name]):
                raise ValueError(f"Solver: {name} must be callable or None, got {opts[name]!r}")
        if self.lr_schedule is not None:
            if self.lr_decay != 1.0:
                raise ValueError(
                    f"Solver: give lr_schedule or lr_decay, not both (lr_decay={self.lr_decay}); "
                    "a schedule that also decays per epoch can multiply the two itself"
                )
            if "learning_rate" not in self.optim_config:
                raise ValueError(
                    "Solver: lr_schedule scales optim_config['learning_rate'], which is missing"
                )
        if self.time_limit is not None and not self.time_limit > 0:
            raise ValueError(f"Solver: time_limit must be > 0 seconds, got {self.time_limit}")

        self._reset()
        if opts["resume_from"] is not None:
            self._load_checkpoint(opts["resume_from"])

    # ------------------------------------------------------------------ state
    def _reset(self) -> None:
        """Fresh book-keeping: histories, optimizer configs, generator."""
        self.epoch = 0
        self.iteration = 0  # iterations completed (used to resume)
        self.best_val_acc = 0.0
        self.best_params: dict[str, np.ndarray] = {}
        self.best_bn_params: list[dict] | None = None  # batchnorm statistics that go with them
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        self.elapsed = 0.0
        self.epoch_times: list[float] = []
        self.stopped_early = False
        # One deep copy of optim_config per parameter: each holds its own state.
        self.optim_configs = {p: copy.deepcopy(self.optim_config) for p in self.model.params}
        self.rng = np.random.default_rng(self.seed)

    def _checkpoint(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "update_rule": self.update_rule_name,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "optim_configs": self.optim_configs,
            "batch_size": self.batch_size,
            "num_epochs": self.num_epochs,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "iteration": self.iteration,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
            "best_val_acc": self.best_val_acc,
            "best_params": self.best_params,
            "best_bn_params": self.best_bn_params,
            "rng_state": self.rng.bit_generator.state,
            "elapsed": self.elapsed,
            "epoch_times": self.epoch_times,
        }

    def _save_checkpoint(self) -> Path | None:
        """Write ``<checkpoint_name>_epoch_<epoch>.pkl`` atomically (no-op when
        ``checkpoint_name`` is None) and return its path."""
        if self.checkpoint_name is None:
            return None
        path = Path(f"{self.checkpoint_name}_epoch_{self.epoch}.pkl")
        _atomic_pickle(self._checkpoint(), path)
        return path

    def _load_checkpoint(self, path: str | os.PathLike) -> None:
        with open(path, "rb") as f:
            ckpt = pickle.load(f)
        if ckpt.get("update_rule") != self.update_rule_name:
            raise ValueError(
                f"Solver: checkpoint {path} was trained with update_rule "
                f"{ckpt.get('update_rule')!r}, not {self.update_rule_name!r}"
            )
        saved = ckpt["model"]
        if set(saved.params) != set(self.model.params):
            raise ValueError(
                f"Solver: checkpoint {path} has parameters {sorted(saved.params)}, "
                f"the model has {sorted(self.model.params)}"
            )
        self.model.params = copy.deepcopy(saved.params)
        # Batchnorm running statistics are model state too.
        if hasattr(saved, "bn_params"):
            self.model.bn_params = copy.deepcopy(saved.bn_params)
        self.optim_configs = copy.deepcopy(ckpt["optim_configs"])
        for key in ("epoch", "iteration", "best_val_acc", "lr_decay", "batch_size"):
            setattr(self, key, ckpt[key])
        for key in ("loss_history", "train_acc_history", "val_acc_history"):
            setattr(self, key, list(ckpt[key]))
        self.best_params = copy.deepcopy(ckpt["best_params"])
        self.best_bn_params = copy.deepcopy(ckpt.get("best_bn_params"))
        self.rng.bit_generator.state = ckpt["rng_state"]
        # Checkpoints from before the time budget have no clock: start it at zero.
        self.elapsed = float(ckpt.get("elapsed", 0.0))
        self.epoch_times = list(ckpt.get("epoch_times", []))

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, data: dict, **kwargs: Any) -> Solver:
        """A Solver for the model stored in the checkpoint ``path``, ready to
        continue training; ``kwargs`` are Solver options (the update rule and
        schedule default to the checkpoint's)."""
        with open(path, "rb") as f:
            ckpt = pickle.load(f)
        keys = ("update_rule", "optim_config", "lr_decay", "batch_size", "num_epochs")
        defaults = {k: ckpt[k] for k in (*keys, "num_train_samples", "num_val_samples")}
        return cls(ckpt["model"], data, **{**defaults, **kwargs, "resume_from": path})

    # --------------------------------------------------------------- training
    @property
    def _iterations_per_epoch(self) -> int:
        return max(self.X_train.shape[0] // self.batch_size, 1)

    def _sample_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """A random training minibatch (drawn with replacement), augmented if asked."""
        batch_mask = self.rng.choice(self.X_train.shape[0], self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]
        if self.augment is not None:
            X_batch = self.augment(X_batch, self.rng)
            if X_batch.shape[0] != self.batch_size:
                raise ValueError(
                    f"Solver: augment returned {X_batch.shape[0]} rows for a batch of "
                    f"{self.batch_size}; it must keep one image per label"
                )
        return X_batch, y_batch

    def _check_divergence(self, loss: float) -> None:
        """Raise :class:`DivergenceError` if the loss of the current iteration is not finite."""
        if not np.isfinite(loss):
            raise DivergenceError(
                f"Solver: the loss is {loss} at iteration {self.iteration + 1} "
                f"(epoch {self.iteration // self._iterations_per_epoch + 1} of {self.num_epochs}); "
                f"lower the learning rate ({self.update_rule_name}, "
                f"optim_config={self.optim_config})"
            )

    def _step(self) -> float:
        """One gradient update on a random minibatch; returns its loss."""
        X_batch, y_batch = self._sample_batch()
        loss, grads = self.model.loss(X_batch, y_batch)
        loss = float(loss)
        self.loss_history.append(loss)
        self._check_divergence(loss)

        for p, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config
        self.iteration += 1
        return loss

    def check_accuracy(
        self, X: np.ndarray, y: np.ndarray, num_samples: int | None = None, batch_size: int = 100
    ) -> float:
        """Accuracy of the model on ``X`` (N, d_1, ..., d_k) with labels ``y`` (N,).

        If ``num_samples`` is set and smaller than N, a random subsample (drawn
        with replacement from the Solver's generator) of that size is used.
        Scores are computed ``batch_size`` rows at a time to bound memory.
        """
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = self.rng.choice(N, num_samples)
            N = num_samples
            X, y = X[mask], y[mask]
        y_pred = []
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start : start + batch_size])  # (B, C)
            y_pred.append(np.argmax(scores, axis=1))
        return float(np.mean(np.hstack(y_pred) == y))

    def _log(self, msg: str) -> None:
        if self.verbose:
            tqdm.write(msg)

    def _set_scheduled_learning_rate(self, t: int, num_iterations: int) -> None:
        """With ``lr_schedule``: every parameter's learning rate for iteration ``t``."""
        if self.lr_schedule is not None:
            lr = self.optim_config["learning_rate"] * self.lr_schedule(t, num_iterations)
            for config in self.optim_configs.values():
                config["learning_rate"] = lr

    def _end_epoch(self) -> None:
        """Count the epoch and decay every parameter's learning rate by ``lr_decay``."""
        self.epoch += 1
        for config in self.optim_configs.values():
            config["learning_rate"] *= self.lr_decay

    def _record_accuracies(self) -> None:
        """Check the training and validation accuracy, log them, keep the best parameters."""
        train_acc = self.check_accuracy(
            self.X_train, self.y_train, num_samples=self.num_train_samples
        )
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        self._log(
            f"(Epoch {self.epoch} / {self.num_epochs}) "
            f"train acc: {train_acc:f}; val_acc: {val_acc:f}"
        )
        if val_acc > self.best_val_acc:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
            if hasattr(self.model, "bn_params"):
                # the running statistics the accuracy was measured with
                self.best_bn_params = copy.deepcopy(self.model.bn_params)

    def _past_time_limit(self, session: _Session) -> bool:
        """Whether ``time_limit`` is set and used up (reads the clock only then)."""
        return self.time_limit is not None and session.elapsed() >= self.time_limit

    def _check_and_save(self, session: _Session, epoch_end: bool) -> None:
        """The accuracy check of the first, the last, an epoch's last or the stopping
        iteration: record the accuracies and the time, then write the checkpoint."""
        self._record_accuracies()
        self.elapsed = session.elapsed()
        if epoch_end:
            self.epoch_times.append(self.elapsed - session.epoch_start)
            session.epoch_start = self.elapsed
        # After the bookkeeping, so a resumed run continues exactly here.
        self._save_checkpoint()

    def _progress_bar(self, num_iterations: int) -> tqdm:
        """A bar from the current iteration; only when ``verbose`` and stderr is a terminal."""
        return tqdm(
            total=num_iterations,
            initial=self.iteration,
            disable=None if self.verbose else True,  # None: off when stderr is no TTY
            mininterval=2.0,
            leave=False,
        )

    def _stop_early(self, t: int, num_iterations: int) -> None:
        """Mark and log the stop by ``time_limit`` after iteration ``t`` (0-based)."""
        self.stopped_early = True
        self._log(
            f"(Stopped at iteration {t + 1} / {num_iterations}: "
            f"{self.elapsed:.0f} s >= time_limit {self.time_limit:g} s)"
        )

    def _restore_best(self) -> None:
        """Put the best parameters (and their batchnorm statistics) into the model."""
        if self.best_params:
            self.model.params = {k: v.copy() for k, v in self.best_params.items()}
        if self.best_bn_params is not None:
            self.model.bn_params = copy.deepcopy(self.best_bn_params)

    def train(self) -> None:
        """Run the optimization; at the end ``model.params`` are ``best_params``.

        Runs until ``num_epochs`` epochs are done or, with ``time_limit``, until the
        iteration that crosses the budget (``stopped_early`` tells which).

        Raises
        ------
        DivergenceError
            When a minibatch loss is NaN or infinite.
        """
        num_iterations = self.num_epochs * self._iterations_per_epoch
        self.stopped_early = False
        session = _Session(self.elapsed)
        bar = self._progress_bar(num_iterations)
        try:
            while self.iteration < num_iterations:
                t = self.iteration  # 0-based index of this iteration
                self._set_scheduled_learning_rate(t, num_iterations)
                self._step()
                bar.update(1)
                if t % self.print_every == 0:
                    self._log(
                        f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}"
                    )
                epoch_end = (t + 1) % self._iterations_per_epoch == 0
                if epoch_end:
                    self._end_epoch()
                out_of_time = self._past_time_limit(session) and t < num_iterations - 1
                if t == 0 or t == num_iterations - 1 or epoch_end or out_of_time:
                    self._check_and_save(session, epoch_end)
                if out_of_time:
                    self._stop_early(t, num_iterations)
                    break
        finally:
            self.elapsed = session.elapsed()
            bar.close()
        self._restore_best()


class _Session:
    """The clock of one call to :meth:`Solver.train`: ``elapsed()`` counts on from the
    seconds of the run it resumes; ``epoch_start`` is when the current epoch began."""

    def __init__(self, elapsed_before: float) -> None:
        self.start = _now()
        self.elapsed_before = elapsed_before
        self.epoch_start = elapsed_before

    def elapsed(self) -> float:
        return self.elapsed_before + _now() - self.start
