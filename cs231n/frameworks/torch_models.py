"""PyTorch Part V: a small residual CIFAR-10 net for 2 CPU cores, and its training loop.

The budget is 10 epochs of 49,000 images in 30 minutes on 2 CPU cores, i.e.
at most 3.7 ms of wall time (7 ms of CPU time) per training image, forward and
backward. That rules out the usual CIFAR ResNet-18 (0.56 G multiply-adds per
image forward) and even a full-width ResNet-9. What fast CIFAR-10 training
work shows, and what survives on a CPU:

* **Downsample early, inside each stage** (conv, then 2x2 max pool, then batch
  norm): most convolutions run at 16x16, 8x8 and 4x4, not 32x32.
* **Batch norm** after every convolution, so a large learning rate is stable.
* **One residual convolution per stage** (``h + relu(bn(conv(h)))``).
* **Global max pool** and one linear layer as the head, its scores multiplied
  by a fixed 0.125: a max-pooled residual output is large at initialization,
  and unscaled logits make the first high-learning-rate steps diverge.
* **One-cycle schedule** (learning rate up for a quarter of the steps, then
  linearly down to ~0), SGD with Nesterov momentum and weight decay.
* **Label smoothing** 0.1, **random flips and 4-pixel crops** (done in numpy by
  :func:`cs231n.training.augment.random_flip_crop`), **test-time flip averaging**.
* **bfloat16 autocast** on CPUs with AMX or AVX512-BF16 (``fit(..., bf16=True)``):
  convolutions 2-3x faster, weights and optimizer state stay float32.

The default widths are the PyTorch notebook's ``(48, 96, 192, 384)``; the
TensorFlow notebook uses ``(32, 64, 128, 256)`` (its convolutions are slower).

:class:`CifarResNet` has a twin in :mod:`cs231n.frameworks.tf_models` with the same
layers; ``tests/test_frameworks_agree.py`` copies weights from one to the other
and checks that both give the same scores.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

#: Default stage widths of :class:`CifarResNet` (stem, stage 1, stage 2, stage 3).
DEFAULT_WIDTHS = (48, 96, 192, 384)


def conv_bn(c_in: int, c_out: int) -> nn.Sequential:
    """3x3 convolution (pad 1, no bias: batch norm has one), batch norm, ReLU.
    ``(N, c_in, H, W) -> (N, c_out, H, W)``."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class Stage(nn.Module):
    """``conv3x3 -> maxpool 2 -> BN -> ReLU``, then a residual ``h + ReLU(BN(conv3x3(h)))``.

    ``(N, c_in, H, W) -> (N, c_out, H/2, W/2)``. Pooling right after the first
    convolution puts the second one at a quarter of the cost.
    """

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c_out)
        self.res = conv_bn(c_out, c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn(F.max_pool2d(self.conv(x), 2)))  # (N, c_out, H/2, W/2)
        return h + self.res(h)


class CifarResNet(nn.Module):
    """stem conv - 3 stages (each halves H, W) - global max pool - linear.

    Args:
        widths: ``(stem, stage1, stage2, stage3)`` channel counts.
        num_classes: C.
        logit_scale: fixed factor on the scores.

    Input ``(N, 3, 32, 32)`` (any memory format), output scores ``(N, C)``.
    """

    def __init__(
        self,
        widths: Sequence[int] = DEFAULT_WIDTHS,
        num_classes: int = 10,
        logit_scale: float = 0.125,
    ):
        super().__init__()
        if len(widths) != 4:
            raise ValueError(
                f"CifarResNet: widths must be (stem, stage1, stage2, stage3), got {widths}"
            )
        w0, w1, w2, w3 = widths
        self.stem = conv_bn(3, w0)
        self.stages = nn.Sequential(Stage(w0, w1), Stage(w1, w2), Stage(w2, w3))
        self.fc = nn.Linear(w3, num_classes)
        self.logit_scale = logit_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stages(self.stem(x))  # (N, w3, H/8, W/8)
        h = torch.amax(h, dim=(2, 3))  # global max pool: (N, w3)
        return self.fc(h) * self.logit_scale


def sgd_one_cycle(
    model: nn.Module,
    epochs: int,
    steps_per_epoch: int,
    max_lr: float = 0.2,
    weight_decay: float = 5e-4,
    momentum: float = 0.9,
    pct_start: float = 0.25,
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler]:
    """SGD (Nesterov) with weight decay on conv/linear weights only, and a
    linear one-cycle schedule stepped once per *iteration*.

    Batch-norm scales and biases get no weight decay: shrinking them does not
    regularize anything, it only fights the normalization.
    """
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD(
        [
            {"params": decay, "weight_decay": weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=max_lr,
        momentum=momentum,
        nesterov=True,
    )
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt,
        max_lr=max_lr,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        pct_start=pct_start,
        anneal_strategy="linear",
        div_factor=10.0,
        final_div_factor=100.0,
        cycle_momentum=False,
    )
    return opt, sched


def _bf16(enabled: bool):
    """Autocast context: convolutions and matrix products in bfloat16 when ``enabled``
    (weights, batch-norm statistics and the optimizer stay float32)."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=enabled)


@torch.no_grad()
def predict_scores(
    model: nn.Module, loader, tta_flip: bool = False, bf16: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Class probabilities over a loader, in eval mode.

    With ``tta_flip`` the probabilities are averaged over each image and its
    mirror image (test-time augmentation; flips are label-preserving on CIFAR).
    ``bf16`` runs the model under bfloat16 autocast (see :func:`fit`).

    Returns:
        ``(probs (N, C), y (N,))``.
    """
    was_training = model.training
    model.eval()
    probs, labels = [], []
    for x, y in loader:
        with _bf16(bf16):
            p = F.softmax(model(x).float(), dim=1)
            if tta_flip:
                p_flip = F.softmax(model(torch.flip(x, dims=[3])).float(), dim=1)  # flip width
                p = 0.5 * (p + p_flip)
        probs.append(p)
        labels.append(y)
    model.train(was_training)
    return torch.cat(probs), torch.cat(labels)


def evaluate(model: nn.Module, loader, tta_flip: bool = False, bf16: bool = False) -> float:
    """Accuracy of ``model`` over ``loader`` (see :func:`predict_scores`)."""
    probs, y = predict_scores(model, loader, tta_flip, bf16)
    return float((probs.argmax(dim=1) == y).float().mean())


def save_checkpoint(model: nn.Module, path: str | os.PathLike, **extra) -> Path:
    """Save ``model.state_dict()`` (plus ``extra``) atomically: temp file + rename,
    so an interrupted save never leaves a broken checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save({"state_dict": model.state_dict(), **extra}, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(model: nn.Module, path: str | os.PathLike) -> dict:
    """Load weights saved by :func:`save_checkpoint` into ``model``; returns the extras."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(ckpt.pop("state_dict"))
    return ckpt


def fit(
    model: nn.Module,
    loader_train,
    loader_val,
    epochs: int,
    optimizer: torch.optim.Optimizer,
    scheduler=None,
    *,
    label_smoothing: float = 0.0,
    checkpoint: str | os.PathLike | None = None,
    max_iters: int | None = None,
    progress: bool = True,
    bf16: bool = False,
) -> dict[str, list[float]]:
    """Train with per-epoch validation, a tqdm bar and (optionally) best-model saving.

    Args:
        model: scores ``(N, C)`` from ``x (N, 3, H, W)``.
        loader_train, loader_val: yield ``(x, y)`` tensor batches.
        epochs: passes over ``loader_train``.
        optimizer: any torch optimizer; ``scheduler.step()`` is called after every iteration.
        label_smoothing: target smoothing of the cross-entropy.
        checkpoint: where to save the model whenever validation accuracy improves.
        max_iters: cap on iterations per epoch (tests, quick mode).
        progress: show a tqdm bar per epoch.
        bf16: bfloat16 autocast for the forward pass. On CPUs with AMX or
            AVX512-BF16 (see :func:`cs231n.frameworks.data.cpu_has_fast_bf16`)
            this makes the convolutions 2-3x faster; elsewhere it is slower.

    Returns:
        history with one entry per epoch: ``epoch``, ``train_loss`` (mean over the
        epoch), ``train_acc`` (on the augmented batches, in train mode),
        ``val_acc``, ``lr`` (at the end of the epoch), ``seconds`` (training
        time of the epoch, validation excluded).
    """
    from tqdm import tqdm  # plain text bar: works without ipywidgets

    hist = {k: [] for k in ("epoch", "train_loss", "train_acc", "val_acc", "lr", "seconds")}
    best = -1.0
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.perf_counter()
        total = correct = 0
        loss_sum = 0.0
        n_batches = len(loader_train) if max_iters is None else min(max_iters, len(loader_train))
        bar = tqdm(
            total=n_batches,
            desc=f"epoch {epoch}/{epochs}",
            disable=not progress,
            leave=False,
            mininterval=5,
        )
        for t, (x, y) in enumerate(loader_train):
            if t >= n_batches:
                break
            with _bf16(bf16):
                scores = model(x).float()  # (N, C), the loss in float32
            loss = F.cross_entropy(scores, y, label_smoothing=label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            loss_sum += loss.item() * len(y)
            correct += int((scores.argmax(dim=1) == y).sum())
            total += len(y)
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
            bar.update()
        bar.close()
        seconds = time.perf_counter() - t0
        val_acc = evaluate(model, loader_val, bf16=bf16)
        for k, v in zip(
            hist,
            (
                epoch,
                loss_sum / total,
                correct / total,
                val_acc,
                optimizer.param_groups[0]["lr"],
                seconds,
            ),
        ):
            hist[k].append(v)
        print(
            f"epoch {epoch}: loss {loss_sum / total:.4f}, train acc {correct / total:.4f}, "
            f"val acc {val_acc:.4f}, {seconds:.1f} s"
        )
        if checkpoint is not None and val_acc > best:
            best = val_acc
            save_checkpoint(model, checkpoint, epoch=epoch, val_acc=val_acc)
    return hist
