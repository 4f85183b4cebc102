"""CaptioningSolver: minibatch training of a captioning model on the captions of load_coco_data.

The official 2020 class, sharing the training loop of :class:`cs231n.solver.Solver`
(progress bar, seeded minibatches, NaN guard, atomic checkpoints and exact resume,
``lr_schedule`` and ``time_limit``) by subclassing it. A model is any object with

* ``model.params``: a dict name -> ndarray of the learnable parameters;
* ``model.loss(features, captions) -> (loss, grads)``: ``features (B, D)``,
  ``captions (B, T)`` word indices, ``grads`` with the keys of ``params``
  (e.g. :class:`cs231n.classifiers.rnn.CaptioningRNN`).

Example::

    data = load_coco_data(max_train=50)
    model = CaptioningRNN(data["word_to_idx"], input_dim=data["train_features"].shape[1])
    solver = CaptioningSolver(model, data, update_rule="adam", num_epochs=50,
                              batch_size=25, optim_config={"learning_rate": 5e-3},
                              lr_decay=0.995, verbose=True, print_every=10)
    solver.train()
    solver.loss_history, solver.val_loss_history

One epoch is ``max(num_train_captions // batch_size, 1)`` iterations; every
minibatch is ``batch_size`` training captions drawn with replacement, with their
images' features (:func:`cs231n.coco_utils.sample_coco_minibatch`). As in the official
class there is no accuracy and no best-parameter selection: the model keeps the
parameters of the last iteration. Instead of accuracies, the validation loss on a fixed
subsample of the validation captions is recorded at the first iteration, at every
epoch end and at the last iteration (``val_loss_history``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from cs231n.coco_utils import sample_coco_minibatch
from cs231n.solver import Solver, check_finite_data, read_checkpoint
from cs231n.validation import check_number

__all__ = ["CaptioningSolver", "sample_coco_minibatch"]

_OPTIONS = {
    "update_rule": "sgd",
    "optim_config": None,
    "lr_decay": 1.0,
    "batch_size": 100,
    "num_epochs": 10,
    "print_every": 10,
    "verbose": True,
    "num_val_samples": 1000,
    "seed": None,
    "checkpoint_name": None,
    "resume_from": None,
    "lr_schedule": None,
    "time_limit": None,
    "divergence_ratio": 100.0,
    "divergence_patience": 10,
}

_DATA_KEYS = (
    "train_captions",
    "train_image_idxs",
    "train_features",
    "train_urls",
    "val_captions",
    "val_image_idxs",
    "val_features",
    "val_urls",
)

# The checkpoint keys that CaptioningSolver.from_checkpoint restores as options.
_RESTORED_OPTIONS = (
    "update_rule",
    "optim_config",
    "lr_decay",
    "batch_size",
    "num_epochs",
    "num_val_samples",
)


class CaptioningSolver(Solver):
    """Train a captioning model with minibatch gradient descent (official 2020 options).

    Parameters
    ----------
    model : object
        Has ``params`` and ``loss(features, captions)`` (see the module doc).
    data : dict
        As returned by :func:`cs231n.coco_utils.load_coco_data`: ``train_captions (N_tr, T)``,
        ``train_image_idxs (N_tr,)``, ``train_features (num_train_images, D)``,
        ``train_urls (num_train_images,)`` and the same four ``val_*`` arrays (the vocabulary
        may be there too, unused).
    update_rule, optim_config, lr_decay, batch_size, num_epochs, print_every, verbose
        The official options, as for :class:`cs231n.solver.Solver`: an update rule of
        :mod:`cs231n.optim` (default ``'sgd'``) with its ``optim_config`` (one copy per
        parameter); the learning rate is multiplied by ``lr_decay`` after every epoch;
        ``batch_size`` captions per minibatch (default 100); ``num_epochs`` (default 10);
        the official ``(Iteration i / n) loss: ...`` line every ``print_every`` iterations
        when ``verbose``.
    num_val_samples : int or None
        Size of the fixed validation subsample of ``val_loss_history``: that many captions
        evenly spaced over the validation split (default 1000; None = all of them;
        0 = no validation loss).
    seed, checkpoint_name, resume_from, lr_schedule, time_limit
        As for :class:`cs231n.solver.Solver`: the seed of the minibatch generator, a
        checkpoint ``<checkpoint_name>_epoch_<e>.pkl`` at the first iteration, every epoch
        end and the last iteration, a checkpoint of this class to resume from (the resumed
        run gives the loss history of an uninterrupted one), a per-iteration factor of the
        learning rate ``lr_schedule(it, num_iterations)`` (exclusive with ``lr_decay``), a
        wall-time budget in seconds. Resuming checks the checkpoint's sha256, its
        parameters' names and shapes and an explicit ``batch_size``/``lr_decay``, as for
        the Solver.
    divergence_ratio, divergence_patience
        As for :class:`cs231n.solver.Solver`: a loss above ``divergence_ratio`` (default 100)
        times the first one for ``divergence_patience`` (10) iterations in a row stops the
        run; the notebooks' captioning runs stay below 1.22 times their first loss.

    Attributes
    ----------
    loss_history : list of float
        The minibatch loss at every iteration.
    val_loss_history : list of float
        The validation loss (the model's loss on the validation subsample, per caption) at
        the first iteration, every epoch end and the last iteration (and when ``time_limit``
        stops the run); empty with ``num_val_samples=0``.
    val_loss_iterations : list of int
        The iteration (1-based) after which each validation loss was measured.
    epoch, iteration, elapsed, epoch_times, stopped_early
        As for :class:`cs231n.solver.Solver`.

    Raises
    ------
    ValueError
        Unknown keyword arguments, an unknown ``update_rule``, a bad ``optim_config``,
        ``lr_decay``, ``batch_size``, ``num_epochs``, ``print_every``, ``num_val_samples``,
        ``lr_schedule`` or ``time_limit``, missing data keys, arrays that do not fit together,
        NaN/inf features (the first bad index named), a bad checkpoint; all named
        ``CaptioningSolver``.
    """

    _FN = "CaptioningSolver"

    def __init__(self, model, data: dict, **kwargs: Any) -> None:
        opts = self._check_own_options(kwargs)
        self._check_coco_data(data)
        self.data = data
        self._val_rows = self._val_subsample(data, opts["num_val_samples"])
        # The base Solver counts training rows in X_train: here the captions, each of which
        # names its image in y_train. Minibatches come from sample_coco_minibatch instead.
        base_data = {
            "X_train": data["train_captions"],
            "y_train": data["train_image_idxs"],
            "X_val": data["val_captions"],
            "y_val": data["val_image_idxs"],
        }
        # Only the options the caller gave (the base tells them from its defaults, which are
        # these); the base checks them and never sees resume_from or num_val_samples.
        own = ("resume_from", "num_val_samples")
        super().__init__(model, base_data, **{k: v for k, v in kwargs.items() if k not in own})
        self.num_val_samples = opts["num_val_samples"]
        if opts["resume_from"] is not None:
            self._load_checkpoint(opts["resume_from"])

    # --------------------------------------------------------------- checks
    @staticmethod
    def _check_own_options(kwargs: dict) -> dict:
        """Unknown keywords and ``num_val_samples`` (the base Solver checks the others)."""
        unknown = sorted(set(kwargs) - set(_OPTIONS))
        if unknown:
            raise ValueError(
                f"CaptioningSolver: unrecognized arguments {unknown}; "
                f"expected some of {sorted(_OPTIONS)}"
            )
        opts = {**_OPTIONS, **kwargs}
        if opts["num_val_samples"] is not None:
            check_number(
                "CaptioningSolver", "num_val_samples", opts["num_val_samples"], low=0, integer=True
            )
        return opts

    def _check_data(self, data: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The base Solver's data: captions and image indices, checked by ``_check_coco_data``."""
        return data["X_train"], data["y_train"], data["X_val"], data["y_val"]

    @staticmethod
    def _check_coco_data(data: dict) -> None:
        missing = [k for k in _DATA_KEYS if k not in data]
        if missing:
            raise ValueError(
                f"CaptioningSolver: data is missing the keys {missing} "
                "(expected the dict of cs231n.coco_utils.load_coco_data)"
            )
        for split in ("train", "val"):
            caps = np.asarray(data[f"{split}_captions"])
            idxs = np.asarray(data[f"{split}_image_idxs"])
            feats = np.asarray(data[f"{split}_features"])
            if caps.ndim != 2 or caps.shape[1] < 2 or idxs.shape != (caps.shape[0],):
                raise ValueError(
                    f"CaptioningSolver: {split}_captions must be (N, T) with T >= 2 and "
                    f"{split}_image_idxs (N,), got {caps.shape} and {idxs.shape}"
                )
            if feats.ndim != 2:
                raise ValueError(
                    f"CaptioningSolver: {split}_features must be (num_images, D), got {feats.shape}"
                )
            check_finite_data("CaptioningSolver", f"{split}_features", feats)
            if len(data[f"{split}_urls"]) != feats.shape[0]:
                raise ValueError(
                    f"CaptioningSolver: {split}_urls must have one entry per row of "
                    f"{split}_features ({feats.shape[0]}), got {len(data[f'{split}_urls'])}"
                )
            if idxs.size and (idxs.min() < 0 or idxs.max() >= feats.shape[0]):
                raise ValueError(
                    f"CaptioningSolver: {split}_image_idxs must lie in [0, {feats.shape[0]}) "
                    f"(the rows of {split}_features), got [{idxs.min()}, {idxs.max()}]"
                )
        if data["train_captions"].shape[0] == 0:
            raise ValueError("CaptioningSolver: train_captions is empty")

    @staticmethod
    def _val_subsample(data: dict, num_samples: int | None) -> np.ndarray:
        """Rows of the fixed validation subsample: evenly spaced, so no generator is needed."""
        n = data["val_captions"].shape[0]
        if num_samples is None or num_samples >= n:
            return np.arange(n)
        return np.linspace(0, n - 1, num=num_samples).round().astype(int)

    # ----------------------------------------------------------------- state
    def _reset(self) -> None:
        super()._reset()
        self.val_loss_history: list[float] = []
        self.val_loss_iterations: list[int] = []

    def _checkpoint(self) -> dict[str, Any]:
        return {
            **super()._checkpoint(),
            "solver": type(self).__name__,
            "val_loss_history": self.val_loss_history,
            "val_loss_iterations": self.val_loss_iterations,
        }

    def _check_checkpoint(self, ckpt: dict, path: str | os.PathLike) -> None:
        if ckpt.get("solver") != type(self).__name__:
            raise ValueError(
                f"CaptioningSolver: {path} is not a CaptioningSolver checkpoint "
                f"(written by {ckpt.get('solver', 'Solver')})"
            )
        super()._check_checkpoint(ckpt, path)

    def _load_checkpoint(self, path: str | os.PathLike) -> dict:
        # Called by CaptioningSolver.__init__ (the base never sees resume_from).
        ckpt = super()._load_checkpoint(path)
        self.val_loss_history = list(ckpt["val_loss_history"])
        self.val_loss_iterations = list(ckpt["val_loss_iterations"])
        return ckpt

    @classmethod
    def from_checkpoint(
        cls, path: str | os.PathLike, data: dict, **kwargs: Any
    ) -> CaptioningSolver:
        """A CaptioningSolver for the model stored in the checkpoint ``path``, ready to
        continue training; ``kwargs`` are options (the update rule, its configuration,
        lr_decay, batch_size, num_epochs and num_val_samples default to the checkpoint's).

        Raises
        ------
        ValueError
            If ``path`` is not a readable, undamaged CaptioningSolver checkpoint, or as the
            constructor.
        """
        ckpt = read_checkpoint(path, "CaptioningSolver.from_checkpoint", "path")
        if ckpt.get("solver") != cls.__name__:
            raise ValueError(
                f"CaptioningSolver.from_checkpoint: path {path} is not a CaptioningSolver "
                "checkpoint"
            )
        defaults = {k: ckpt[k] for k in _RESTORED_OPTIONS}
        return cls(ckpt["model"], data, **{**defaults, **kwargs, "resume_from": path})

    # -------------------------------------------------------------- training
    def _sample_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """(features (B, D), captions (B, T)) of B training captions drawn with replacement."""
        captions, features, _ = sample_coco_minibatch(
            self.data, batch_size=self.batch_size, split="train", rng=self.rng
        )
        return features, captions

    def validation_loss(self, batch_size: int = 500) -> float:
        """The model's loss on the fixed validation subsample (per caption, as the training
        loss), computed ``batch_size`` captions at a time; NaN when the subsample is empty.

        A model with ``log_likelihoods(features, captions) -> (B,)`` (CaptioningRNN) gives
        the same number without a backward pass: the loss is ``-log_likelihoods.sum() / B``.
        """
        rows = self._val_rows
        if rows.size == 0:
            return float("nan")
        total = 0.0  # summed over captions
        for start in range(0, rows.size, batch_size):
            part = rows[start : start + batch_size]
            captions = self.data["val_captions"][part]  # (B, T)
            features = self.data["val_features"][self.data["val_image_idxs"][part]]  # (B, D)
            if hasattr(self.model, "log_likelihoods"):
                total -= float(np.sum(self.model.log_likelihoods(features, captions)))
            else:
                total += float(self.model.loss(features, captions)[0]) * part.size
        return total / rows.size

    def check_accuracy(self, *args: Any, **kwargs: Any) -> float:
        """Not defined for captions (the official class has no working one either)."""
        raise NotImplementedError(
            "CaptioningSolver.check_accuracy: captions have no accuracy; use "
            "validation_loss() or cs231n.caption_metrics.evaluate"
        )

    def _record_accuracies(self) -> None:
        """The base Solver's periodic check: here the validation loss, logged at epoch ends."""
        if self._val_rows.size == 0:
            return
        val_loss = self.validation_loss()
        self.val_loss_history.append(val_loss)
        self.val_loss_iterations.append(self.iteration)
        self._log(f"(Epoch {self.epoch} / {self.num_epochs}) val loss: {val_loss:f}")

    def _restore_best(self) -> None:
        """No best-parameter selection: the model keeps its last parameters."""

    def train(self) -> None:
        """Run the optimization; the model keeps the parameters of the last iteration.

        Raises
        ------
        DivergenceError
            When a minibatch loss is NaN or infinite, or has stayed above
            ``divergence_ratio`` times the first loss for ``divergence_patience`` iterations.
        """
        super().train()
