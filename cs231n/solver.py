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
* checks its options and data at construction (NaN/inf in ``X_train``/``X_val`` is an error
  naming the array and the first bad index);
* stops with :class:`DivergenceError` (a ``FloatingPointError``) naming the
  iteration and epoch as soon as the loss is NaN or infinite, or has stayed above
  ``divergence_ratio`` times the first iteration's loss for ``divergence_patience``
  iterations in a row (an exploding but still finite loss);
* writes checkpoints atomically (a temporary file per process, fsynced, ``os.replace``,
  the folder fsynced; temporary files of killed writers are removed) with a sha256 of
  their contents, and can resume from one (``Solver(model, data, resume_from=path)`` or
  :meth:`Solver.from_checkpoint`): a resumed run is bit-identical to an uninterrupted one,
  dropout included (the global ``np.random`` state that draws the masks is saved); a
  damaged checkpoint or one of a model of other sizes is an error naming the file;
* shows a ``tqdm`` progress bar when ``verbose`` and stderr is a terminal (the
  official print lines go through ``tqdm.write``; in a notebook, where redrawing
  a bar would litter the saved outputs, only the print lines appear);
* can augment every training minibatch (``augment``), follow a per-iteration
  learning-rate schedule (``lr_schedule``, e.g. from :mod:`cs231n.training.schedules`)
  and stop at a wall-time budget (``time_limit``), recording the time each epoch took.
"""

from __future__ import annotations

import copy
import hashlib
import os
import pickle
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from cs231n import optim
from cs231n.validation import check_array, check_choice, check_finite, check_labels, check_number

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
    "divergence_ratio": 100.0,
    "divergence_patience": 10,
}

# The Solver's clock (seconds); a module attribute so tests can replace it with a fake one.
_now = time.perf_counter


class DivergenceError(FloatingPointError):
    """The training loss became NaN or infinite, or stayed far above its first value
    (``divergence_ratio``); usually: the learning rate is too high."""


# A checkpoint file: this header line, the sha256 (hex) of the payload and a newline, then the
# payload (a pickle of the checkpoint dict).
_MAGIC = b"cs231n.solver checkpoint v2\n"
_DIGEST_LEN = 64


def _first_bad_index(a: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(~np.isfinite(a))), a.shape))


def check_finite_data(fn: str, name: str, a: np.ndarray) -> None:
    """``ValueError`` naming ``name`` and its first NaN/inf index if the float array ``a`` is
    not finite. One ``sum`` over ``a`` (no temporary array) decides in the common case: a
    finite sum means every entry is finite; only otherwise is every entry looked at."""
    if a.dtype.kind != "f" or a.size == 0 or np.isfinite(np.sum(a, dtype=np.float64)):
        return
    try:
        check_finite(fn, name, a)
    except ValueError as e:
        raise ValueError(f"{e}; the first at index {_first_bad_index(a)}") from None


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform lets a folder be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_checkpoint(ckpt: dict, path: Path) -> None:
    """Write ``ckpt`` to ``path`` atomically and durably: header, sha256 and pickle into
    ``.<name>.<pid>.<random>.tmp`` in the same folder, fsync, ``os.replace``, fsync of the
    folder. A crash leaves the previous file (or none) and at most a temporary file, which
    :func:`remove_stale_temp_files` removes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps(ckpt, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(payload).hexdigest().encode("ascii")
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + digest + b"\n")
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: keep its file
    return True


def remove_stale_temp_files(checkpoint_name: str | os.PathLike) -> list[Path]:
    """Remove the temporary files that killed writers of ``<checkpoint_name>_epoch_<e>.pkl``
    left (those of this process and of processes that no longer exist; a running writer's
    file stays). Returns the removed paths."""
    stem = Path(checkpoint_name)
    folder = stem.parent
    if not folder.is_dir():
        return []
    pattern = re.compile(rf"^\.{re.escape(stem.name)}_epoch_\d+\.pkl\.(\d+)\.[^/]*\.tmp$")
    removed = []
    for p in folder.glob(f".{stem.name}_epoch_*.pkl.*.tmp"):
        m = pattern.match(p.name)
        if m is None:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or not _pid_alive(pid):
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def read_checkpoint(path: str | os.PathLike, fn: str = "Solver", arg: str = "resume_from") -> dict:
    """The checkpoint dict stored in ``path`` by :class:`Solver` (or a subclass), after
    checking its header and its sha256.

    Raises
    ------
    ValueError
        Naming ``fn``, ``arg`` and the file if it cannot be read, is not a checkpoint of this
        module, or is damaged (truncated or altered: the checksum differs).
    """
    try:
        raw = Path(path).read_bytes()
    except (OSError, TypeError) as e:
        raise ValueError(
            f"{fn}: {arg} must be a readable checkpoint file, got {path!r} ({e})"
        ) from None
    if not raw.startswith(_MAGIC):
        raise ValueError(
            f"{fn}: {arg} {str(path)!r} is not a Solver checkpoint (no {_MAGIC.strip()!r} header: "
            "another file, or one written before checkpoints had checksums)"
        )
    head = len(_MAGIC) + _DIGEST_LEN + 1
    stored, payload = raw[len(_MAGIC) : head - 1], raw[head:]
    if len(raw) < head or hashlib.sha256(payload).hexdigest().encode("ascii") != stored:
        raise ValueError(
            f"{fn}: {arg} {str(path)!r} is damaged: its sha256 does not match the one stored "
            f"in it ({len(raw)} bytes; a truncated or altered file)"
        )
    try:
        ckpt = pickle.loads(payload)
    except Exception as e:  # a matching checksum over a payload that does not unpickle
        raise ValueError(f"{fn}: {arg} {str(path)!r} does not unpickle ({e!r})") from None
    if not isinstance(ckpt, dict):
        raise ValueError(f"{fn}: {arg} {str(path)!r} holds {type(ckpt).__name__}, not a checkpoint")
    return ckpt


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
    divergence_ratio : float or None
        With ``divergence_patience``: training stops with :class:`DivergenceError` when the
        minibatch loss has been above ``divergence_ratio * max(loss_history[0], 1)`` for
        ``divergence_patience`` iterations in a row (default 100 and 10; None: only NaN/inf
        stop it). Healthy runs of the course's notebooks stay below 3.3 times their first
        loss (the largest: the 3-layer net of weight scale 0.3 in FullyConnectedNets, at one
        iteration); Adam at learning rate 0.1 to 1e6 on a [100, 100] net of 50 images goes
        above 100 times it from the second iteration on, for 13 to 39 iterations.
    divergence_patience : int
        See ``divergence_ratio`` (default 10).

    Resuming (``resume_from``) restores the global ``np.random`` state saved with the
    checkpoint (dropout masks are drawn from it), when the Solver is built. ``batch_size``
    and ``lr_decay`` come from the checkpoint; given explicitly with another value they are
    an error, as are a model whose parameters differ in name or shape, data with another
    number of training rows and a damaged checkpoint (its sha256 is verified).

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
        Unknown keyword arguments, unknown ``update_rule``, an ``optim_config`` the rule
        rejects or a ``learning_rate`` <= 0, ``lr_decay`` outside (0, 1], ``batch_size``,
        ``num_epochs`` or ``print_every`` not an integer >= 1, sample counts < 1, missing data
        keys, arrays that do not fit together or are empty, NaN/inf in ``X_train`` or
        ``X_val`` (the message gives the first bad index), ``lr_schedule`` together with
        ``lr_decay != 1`` or without a learning rate, a bad checkpoint to resume from; every
        message starts with ``Solver:``.
    TypeError
        Options or data of the wrong kind.
    """

    _FN = "Solver"  # the name that starts every message (CaptioningSolver sets its own)

    def __init__(self, model, data: dict, **kwargs: Any) -> None:
        fn = self._FN
        unknown = sorted(set(kwargs) - set(_OPTIONS))
        if unknown:
            raise ValueError(
                f"{fn}: unrecognized arguments {unknown}; expected some of {sorted(_OPTIONS)}"
            )
        self._explicit = frozenset(kwargs)  # options the caller gave (resume checks them)
        opts = {**_OPTIONS, **kwargs}
        if model is None or not hasattr(model, "params") or not hasattr(model, "loss"):
            raise TypeError(f"{fn}: model must have params and loss(X, y=None), got {model!r}")

        self.model = model
        self.X_train, self.y_train, self.X_val, self.y_val = self._check_data(data)
        self._check_options(opts)
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
        self.augment: Callable | None = opts["augment"]
        self.lr_schedule: Callable | None = opts["lr_schedule"]
        self.time_limit: float | None = opts["time_limit"]
        self.divergence_ratio: float | None = opts["divergence_ratio"]
        self.divergence_patience: int = opts["divergence_patience"]

        if self.checkpoint_name is not None:
            remove_stale_temp_files(self.checkpoint_name)
        self._reset()
        if opts["resume_from"] is not None:
            self._load_checkpoint(opts["resume_from"])

    # --------------------------------------------------------------- checks
    def _check_data(self, data: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(X_train, y_train, X_val, y_val)`` checked: numeric arrays, N >= 1 rows each,
        labels (N,) integers, X finite (the first NaN/inf index in the message)."""
        fn = self._FN
        if not isinstance(data, dict):
            raise TypeError(f"{fn}: data must be a dict, got {type(data).__name__}")
        missing = [k for k in ("X_train", "y_train", "X_val", "y_val") if k not in data]
        if missing:
            raise ValueError(f"{fn}: data is missing the keys {missing}")
        out = []
        for split in ("train", "val"):
            X = check_array(fn, f"X_{split}", data[f"X_{split}"], min_ndim=1, nonempty=True)
            if out and X.shape[1:] != out[0].shape[1:]:
                raise ValueError(
                    f"{fn}: X_val must have rows of the shape of X_train's {out[0].shape[1:]}, "
                    f"got {X.shape[1:]}"
                )
            check_finite_data(fn, f"X_{split}", X)
            y = check_labels(fn, f"y_{split}", data[f"y_{split}"], X.shape[0])
            if y.size and y.min() < 0:
                raise ValueError(f"{fn}: y_{split} must be labels >= 0, got min {y.min()}")
            out += [X, y]
        return tuple(out)

    def _check_options(self, opts: dict) -> None:
        """The options' kinds and ranges; also the update rule (``update_rule_name``)."""
        fn = self._FN
        rule = check_choice(fn, "update_rule", opts["update_rule"], tuple(optim.UPDATE_RULES))
        self.update_rule_name: str = rule
        self.update_rule = optim.UPDATE_RULES[rule]
        config = opts["optim_config"]
        if config is not None:
            try:  # the rule's own check of its hyperparameters, on a 1-element stand-in
                self.update_rule(np.zeros(1), np.zeros(1), copy.deepcopy(config))
            except (ValueError, TypeError) as e:
                raise type(e)(
                    f"{fn}: optim_config is not one of update_rule {rule!r}: {e}"
                ) from None
            if "learning_rate" in config:
                check_number(
                    fn,
                    "optim_config['learning_rate']",
                    config["learning_rate"],
                    low=0,
                    low_open=True,
                )
        check_number(fn, "lr_decay", opts["lr_decay"], low=0, high=1, low_open=True)
        for name in ("batch_size", "num_epochs", "print_every", "divergence_patience"):
            check_number(fn, name, opts[name], low=1, integer=True)
        for name in ("num_train_samples", "num_val_samples"):
            if opts[name] is not None:
                check_number(fn, name, opts[name], low=1, integer=True)
        if opts["seed"] is not None:
            check_number(fn, "seed", opts["seed"], low=0, integer=True)
        if opts["divergence_ratio"] is not None:
            check_number(fn, "divergence_ratio", opts["divergence_ratio"], low=1, low_open=True)
        if opts["time_limit"] is not None:
            check_number(fn, "time_limit", opts["time_limit"], low=0, low_open=True)
        name = opts["checkpoint_name"]
        if name is not None and not isinstance(name, str | os.PathLike):
            raise TypeError(f"{fn}: checkpoint_name must be a str or a path, got {name!r}")
        for name in ("augment", "lr_schedule"):
            if opts[name] is not None and not callable(opts[name]):
                raise ValueError(f"{fn}: {name} must be callable or None, got {opts[name]!r}")
        if opts["lr_schedule"] is not None:
            if opts["lr_decay"] != 1.0:
                raise ValueError(
                    f"{fn}: give lr_schedule or lr_decay, not both (lr_decay={opts['lr_decay']}); "
                    "a schedule that also decays per epoch can multiply the two itself"
                )
            if "learning_rate" not in (config or {}):
                raise ValueError(
                    f"{fn}: lr_schedule scales optim_config['learning_rate'], which is missing"
                )

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
            # the global state dropout draws its masks from (get_state draws nothing)
            "np_random_state": np.random.get_state(),  # noqa: NPY002
            "num_train": int(self.X_train.shape[0]),
            "elapsed": self.elapsed,
            "epoch_times": self.epoch_times,
        }

    def _save_checkpoint(self) -> Path | None:
        """Write ``<checkpoint_name>_epoch_<epoch>.pkl`` atomically (no-op when
        ``checkpoint_name`` is None), remove temporary files killed writers left, and return
        the path."""
        if self.checkpoint_name is None:
            return None
        path = Path(f"{self.checkpoint_name}_epoch_{self.epoch}.pkl")
        _write_checkpoint(self._checkpoint(), path)
        remove_stale_temp_files(self.checkpoint_name)
        return path

    def _check_checkpoint(self, ckpt: dict, path: str | os.PathLike) -> None:
        """Errors naming ``path``: another update rule, parameters of other names or shapes,
        other data size, an explicit ``batch_size``/``lr_decay`` that differs."""
        fn = self._FN
        where = f"{fn}: checkpoint {str(path)!r}"
        if ckpt.get("update_rule") != self.update_rule_name:
            raise ValueError(
                f"{where} was trained with update_rule "
                f"{ckpt.get('update_rule')!r}, not {self.update_rule_name!r}"
            )
        saved = ckpt["model"]
        if set(saved.params) != set(self.model.params):
            raise ValueError(
                f"{where} has parameters {sorted(saved.params)}, "
                f"the model has {sorted(self.model.params)}"
            )
        for name in sorted(saved.params):
            have, want = np.shape(self.model.params[name]), np.shape(saved.params[name])
            if have != want:
                raise ValueError(
                    f"{where} has parameter {name!r} of shape {want}, the model's is {have} "
                    "(a model of other layer sizes)"
                )
        for key in ("batch_size", "lr_decay"):
            if key in self._explicit and getattr(self, key) != ckpt[key]:
                raise ValueError(
                    f"{where} was trained with {key}={ckpt[key]!r}, got {key}="
                    f"{getattr(self, key)!r} (leave it out to continue with the checkpoint's)"
                )
        n = ckpt.get("num_train")
        if n is not None and n != self.X_train.shape[0]:
            raise ValueError(
                f"{where} was trained on {n} training rows, X_train has {self.X_train.shape[0]}"
            )

    def _load_checkpoint(self, path: str | os.PathLike) -> dict:
        """Restore the run stored in ``path`` (checked first); returns the checkpoint dict."""
        ckpt = read_checkpoint(path, self._FN)
        self._check_checkpoint(ckpt, path)
        saved = ckpt["model"]
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
        np.random.set_state(ckpt["np_random_state"])  # noqa: NPY002 -- dropout's masks
        self.elapsed = float(ckpt["elapsed"])
        self.epoch_times = list(ckpt["epoch_times"])
        return ckpt

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, data: dict, **kwargs: Any) -> Solver:
        """A Solver for the model stored in the checkpoint ``path``, ready to
        continue training; ``kwargs`` are Solver options (the update rule and
        schedule default to the checkpoint's).

        Raises
        ------
        ValueError
            If ``path`` is not a readable, undamaged checkpoint of this class (see
            :func:`read_checkpoint`), or as the constructor.
        """
        ckpt = read_checkpoint(path, f"{cls._FN}.from_checkpoint", "path")
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

    def _where(self) -> str:
        """'at iteration i (epoch e of E)' of the iteration being run."""
        epoch = self.iteration // self._iterations_per_epoch + 1
        return f"at iteration {self.iteration + 1} (epoch {epoch} of {self.num_epochs})"

    def _advice(self) -> str:
        return (
            f"lower the learning rate ({self.update_rule_name}, optim_config={self.optim_config})"
        )

    def _check_divergence(self, loss: float) -> None:
        """Raise :class:`DivergenceError` if the loss of the current iteration (the last of
        ``loss_history``) is not finite, or it and the ``divergence_patience - 1`` before it
        are all above ``divergence_ratio * max(loss_history[0], 1)``."""
        where, advice = self._where(), self._advice()
        if not np.isfinite(loss):
            raise DivergenceError(f"{self._FN}: the loss is {loss} {where}; {advice}")
        ratio, patience = self.divergence_ratio, self.divergence_patience
        if ratio is None or len(self.loss_history) <= patience:
            return
        limit = ratio * max(self.loss_history[0], 1.0)
        if loss > limit and all(v > limit for v in self.loss_history[-patience:]):
            raise DivergenceError(
                f"{self._FN}: the loss is {loss:.4g} {where}, above {ratio:g} times the first "
                f"iteration's ({self.loss_history[0]:.4g}) for {patience} iterations in a row "
                f"(divergence_ratio, divergence_patience); {advice}"
            )

    def _step(self) -> float:
        """One gradient update on a random minibatch; returns its loss."""
        X_batch, y_batch = self._sample_batch()
        try:
            loss, grads = self.model.loss(X_batch, y_batch)
        except FloatingPointError as e:
            # A loss that rejects non-finite scores (the data were checked finite at the door):
            # the run diverged; the loss of this iteration is recorded as NaN.
            self.loss_history.append(float("nan"))
            raise DivergenceError(
                f"{self._FN}: the loss is nan {self._where()} (model.loss: {e}); {self._advice()}"
            ) from e
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

        Raises:
            TypeError / ValueError: ``X`` not a numeric array of N >= 1 finite rows, ``y`` not
                N integer labels in [0, C) (C: the scores' columns), ``num_samples`` not None or
                an integer >= 1, ``batch_size`` not an integer >= 1.
        """
        fn = f"{self._FN}.check_accuracy"
        X = check_array(fn, "X", X, min_ndim=2, nonempty=True)
        if X.dtype.kind not in "fiu":
            raise TypeError(f"{fn}: X must be a numeric array, got dtype {X.dtype}")
        check_finite(fn, "X", X)
        y_shape = np.shape(y) if isinstance(y, np.ndarray | list | tuple) else None
        if y_shape is not None and len(y_shape) == 1 and y_shape[0] != X.shape[0]:
            raise ValueError(
                f"{fn}: X and y must have the same number N of rows, got X {X.shape} and y "
                f"{y_shape}"
            )
        y = check_labels(fn, "y", y, X.shape[0])
        if y.min() < 0:
            raise ValueError(f"{fn}: y must hold labels >= 0, got min {y.min()}")
        if num_samples is not None:
            check_number(fn, "num_samples", num_samples, low=1, integer=True)
        check_number(fn, "batch_size", batch_size, low=1, integer=True)
        try:
            return self._accuracy(X, y, num_samples, batch_size, fn)
        except (ValueError, TypeError) as e:
            if str(e).startswith(fn):
                raise
            raise type(e)(f"{fn}: X does not fit the model: {e}") from None

    def _accuracy(
        self, X: np.ndarray, y: np.ndarray, num_samples: int | None, batch_size: int, fn=None
    ) -> float:
        """:meth:`check_accuracy` without the checks (the per-epoch call: data checked at
        construction). With ``fn``, labels beyond the scores' C columns are an error."""
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = self.rng.choice(N, num_samples)
            N = num_samples
            X, y = X[mask], y[mask]
        y_pred = []
        num_classes = None
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start : start + batch_size])  # (B, C)
            num_classes = scores.shape[1]
            y_pred.append(np.argmax(scores, axis=1))
        if fn is not None and y.max() >= num_classes:
            raise ValueError(
                f"{fn}: y must lie in [0, C={num_classes}) (the scores' columns), got max {y.max()}"
            )
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
        train_acc = self._accuracy(self.X_train, self.y_train, self.num_train_samples, 100)
        val_acc = self._accuracy(self.X_val, self.y_val, self.num_val_samples, 100)
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
            When a minibatch loss is NaN or infinite, or has stayed above
            ``divergence_ratio`` times the first loss for ``divergence_patience`` iterations.
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
