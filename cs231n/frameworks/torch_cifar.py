"""PyTorch on CIFAR-10, Parts I to IV of the 2020 ``PyTorch.ipynb``.

* Part I, data: :class:`CifarLoader` turns the numpy splits of
  :mod:`cs231n.frameworks.data` into ``(N, C, H, W)`` float32 tensor batches.
* Part II, barebones: :func:`flatten`, :func:`two_layer_fc`,
  :func:`three_layer_convnet`, :func:`random_weight`, :func:`zero_weight`,
  :func:`check_accuracy_part2`, :func:`train_part2` (raw tensors, manual SGD).
* Part III, module API: :class:`TwoLayerFC`, :class:`ThreeLayerConvNet`,
  :func:`check_accuracy_part34`, :func:`train_part34`.
* Part IV, sequential API: :func:`sequential_two_layer_fc`,
  :func:`sequential_three_layer_convnet`.

The Part V model and its training loop are in :mod:`cs231n.frameworks.torch_models`.

Names and signatures follow the official notebook; the official functions read
``loader_train``/``loader_val`` from notebook globals, here they are keyword
arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from cs231n.frameworks.data import Dataset

dtype = torch.float32


class CifarLoader:
    """Minibatches as torch tensors: ``x (B, C, H, W)`` float32, ``y (B,)`` int64.

    A thin wrapper around :class:`cs231n.frameworks.data.Dataset` (which does the
    shuffling and the flip-and-crop augmentation in numpy on ``(N, H, W, C)``
    arrays); only the transpose to channels-first happens here.

    Args:
        X: ``(N, H, W, C)`` normalized images.
        y: ``(N,)`` labels.
        batch_size, shuffle, augment, seed: as for ``Dataset``.
        name: "train", "val" or "test" (used in messages).
        channels_last: give ``x`` the ``torch.channels_last`` memory format
            (same shape, faster convolutions on CPU).
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int = 64,
        shuffle: bool = False,
        augment: bool = False,
        seed: int | None = None,
        name: str = "data",
        channels_last: bool = False,
    ):
        self.dataset = Dataset(X, y, batch_size, shuffle, augment, seed=seed, name=name)
        self.channels_last = channels_last

    @property
    def name(self) -> str:
        return self.dataset.name

    @property
    def num_samples(self) -> int:
        return self.dataset.num_samples

    def __len__(self) -> int:
        return len(self.dataset)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for x, y in self.dataset:
            xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
            xt = xt.permute(0, 3, 1, 2)  # (B, H, W, C) -> (B, C, H, W), a view
            # A permuted NHWC buffer *is* the channels_last layout; otherwise copy.
            xt = xt if self.channels_last else xt.contiguous()
            yield xt, torch.from_numpy(np.asarray(y, dtype=np.int64))


def make_loaders(
    data: dict,
    batch_size: int = 64,
    augment: bool = False,
    seed: int = 0,
    channels_last: bool = False,
) -> dict[str, CifarLoader]:
    """Loaders for the splits of :func:`cs231n.frameworks.data.framework_splits`.

    Returns:
        ``{"train", "val", "test"}`` -> :class:`CifarLoader`; only ``train`` is
        shuffled (and augmented when ``augment``).
    """
    kw = dict(batch_size=batch_size, channels_last=channels_last)
    return {
        "train": CifarLoader(
            data["X_train"],
            data["y_train"],
            shuffle=True,
            augment=augment,
            seed=seed,
            name="train",
            **kw,
        ),
        "val": CifarLoader(data["X_val"], data["y_val"], name="val", **kw),
        "test": CifarLoader(data["X_test"], data["y_test"], name="test", **kw),
    }


# ----------------------------------------------------------------------------- Part II


def _print_accuracy(loader, num_correct: int, num_samples: int) -> None:
    pct = 100 * num_correct / num_samples
    print(
        f"Got {num_correct} / {num_samples} correct ({pct:.2f}%) on {getattr(loader, 'name', '')}"
    )


def flatten(x: torch.Tensor) -> torch.Tensor:
    """``(N, d1, ..., dk) -> (N, d1 * ... * dk)``, keeping the batch axis."""
    return x.reshape(x.shape[0], -1)


def two_layer_fc(x: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    """Fully connected net ``relu(flatten(x) @ w1) @ w2`` (no biases, as in the course).

    Args:
        x: ``(N, d1, ..., dk)`` inputs, ``D = d1 * ... * dk``.
        params: ``[w1 (D, H), w2 (H, C)]``.

    Returns:
        scores ``(N, C)``.
    """
    w1, w2 = params
    x = flatten(x)  # (N, D)
    if x.shape[1] != w1.shape[0]:
        raise ValueError(
            f"two_layer_fc: flattened x has {x.shape[1]} features but w1 is {tuple(w1.shape)}"
        )
    return F.relu(x @ w1) @ w2


def three_layer_convnet(x: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    """conv(5x5, pad 2) - ReLU - conv(3x3, pad 1) - ReLU - fully connected.

    Args:
        x: ``(N, 3, H, W)`` images.
        params: ``[conv_w1 (F1, 3, KH1, KW1), conv_b1 (F1,), conv_w2 (F2, F1, KH2, KW2),
            conv_b2 (F2,), fc_w (F2 * H * W, C), fc_b (C,)]``; the paddings keep
            ``H x W`` for odd kernels (``pad = (K - 1) // 2``).

    Returns:
        scores ``(N, C)``.
    """
    conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
    h = F.relu(F.conv2d(x, conv_w1, conv_b1, padding=(conv_w1.shape[2] - 1) // 2))  # (N, F1, H, W)
    h = F.relu(F.conv2d(h, conv_w2, conv_b2, padding=(conv_w2.shape[2] - 1) // 2))  # (N, F2, H, W)
    return flatten(h) @ fc_w + fc_b  # (N, F2*H*W) @ (F2*H*W, C)


def random_weight(shape: Sequence[int], generator: torch.Generator | None = None) -> torch.Tensor:
    """Kaiming-normal weights ``N(0, 2 / fan_in)`` that require gradients.

    ``fan_in`` is ``shape[0]`` for a ``(D, M)`` matrix (used as ``x @ w``) and
    ``prod(shape[1:])`` for a ``(F, C, KH, KW)`` conv kernel.
    """
    shape = tuple(int(s) for s in shape)
    fan_in = shape[0] if len(shape) == 2 else int(np.prod(shape[1:]))
    w = torch.randn(shape, dtype=dtype, generator=generator) * np.sqrt(2.0 / fan_in)
    return w.requires_grad_()


def zero_weight(shape: Sequence[int]) -> torch.Tensor:
    """Zeros of ``shape`` that require gradients (biases)."""
    return torch.zeros(tuple(shape), dtype=dtype, requires_grad=True)


@torch.no_grad()
def check_accuracy_part2(
    loader, model_fn: Callable, params: Sequence[torch.Tensor], verbose=True
) -> float:
    """Accuracy of ``model_fn(x, params)`` over ``loader``; prints and returns it."""
    num_correct = num_samples = 0
    for x, y in loader:
        preds = model_fn(x.to(dtype), params).argmax(dim=1)
        num_correct += int((preds == y).sum())
        num_samples += len(y)
    acc = num_correct / num_samples
    if verbose:
        _print_accuracy(loader, num_correct, num_samples)
    return acc


def train_part2(
    model_fn: Callable,
    params: Sequence[torch.Tensor],
    learning_rate: float,
    *,
    loader_train,
    loader_val=None,
    print_every: int = 100,
    max_iters: int | None = None,
) -> list[float]:
    """One epoch of plain SGD on raw tensors: ``w -= learning_rate * dL/dw``.

    Args:
        model_fn: ``(x, params) -> scores (N, C)``.
        params: tensors with ``requires_grad``; updated in place.
        learning_rate: SGD step size.
        loader_train: yields ``(x, y)`` batches; ``loader_val`` is checked every
            ``print_every`` iterations when given.
        max_iters: stop early after this many iterations (tests, quick mode).

    Returns:
        the training loss of every iteration.
    """
    losses = []
    for t, (x, y) in enumerate(loader_train):
        if max_iters is not None and t >= max_iters:
            break
        loss = F.cross_entropy(model_fn(x, params), y)
        loss.backward()
        with torch.no_grad():  # the update itself must not be part of the graph
            for w in params:
                w -= learning_rate * w.grad
                w.grad.zero_()
        losses.append(loss.item())
        if print_every and t % print_every == 0:
            print(f"Iteration {t}, loss = {loss.item():.4f}")
            if loader_val is not None:
                check_accuracy_part2(loader_val, model_fn, params)
    return losses


# ----------------------------------------------------------------------------- Part III


class TwoLayerFC(nn.Module):
    """``Linear(D, H) - ReLU - Linear(H, C)`` on flattened inputs ``(N, ...) -> (N, C)``."""

    def __init__(self, input_size: int, hidden_size: int, num_classes: int):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, num_classes)
        nn.init.kaiming_normal_(self.fc1.weight)
        nn.init.kaiming_normal_(self.fc2.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(flatten(x))))


class ThreeLayerConvNet(nn.Module):
    """conv(5x5, ``channel_1``, pad 2) - ReLU - conv(3x3, ``channel_2``, pad 1) - ReLU - fc.

    Input ``(N, in_channel, 32, 32)``, output scores ``(N, num_classes)``.
    """

    def __init__(
        self,
        in_channel: int,
        channel_1: int,
        channel_2: int,
        num_classes: int,
        image_size: int = 32,
    ):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channel, channel_1, 5, padding=2)
        self.conv2 = nn.Conv2d(channel_1, channel_2, 3, padding=1)
        self.fc = nn.Linear(channel_2 * image_size * image_size, num_classes)
        for layer in (self.conv1, self.conv2, self.fc):
            nn.init.kaiming_normal_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv1(x))  # (N, channel_1, H, W)
        h = F.relu(self.conv2(h))  # (N, channel_2, H, W)
        return self.fc(flatten(h))


@torch.no_grad()
def check_accuracy_part34(loader, model: nn.Module, verbose: bool = True) -> float:
    """Accuracy of ``model`` (in eval mode) over ``loader``; prints and returns it."""
    was_training = model.training
    model.eval()
    num_correct = num_samples = 0
    for x, y in loader:
        num_correct += int((model(x).argmax(dim=1) == y).sum())
        num_samples += len(y)
    model.train(was_training)
    acc = num_correct / num_samples
    if verbose:
        _print_accuracy(loader, num_correct, num_samples)
    return acc


def train_part34(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    epochs: int = 1,
    *,
    loader_train,
    loader_val=None,
    print_every: int = 100,
    max_iters: int | None = None,
    epoch_callback: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` with ``optimizer`` for ``epochs`` epochs of cross-entropy.

    Returns the loss of every iteration; ``max_iters`` caps iterations per epoch.
    ``epoch_callback(epoch, val_acc)``, when given, is called after each epoch with the
    epochs done (1, 2, ...) and the accuracy on ``loader_val`` (then required); it may
    raise to stop the training (a sweep's pruning: :class:`cs231n.sweep.EpochReporter`).
    """
    if epoch_callback is not None and loader_val is None:
        raise ValueError("train_part34: epoch_callback needs loader_val, got None")
    losses = []
    for e in range(epochs):
        model.train()
        for t, (x, y) in enumerate(loader_train):
            if max_iters is not None and t >= max_iters:
                break
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if print_every and t % print_every == 0:
                print(f"Epoch {e}, Iteration {t}, loss = {loss.item():.4f}")
                if loader_val is not None:
                    check_accuracy_part34(loader_val, model)
        if epoch_callback is not None:
            epoch_callback(e + 1, check_accuracy_part34(loader_val, model, verbose=False))
    return losses


# ----------------------------------------------------------------------------- Part IV


def sequential_two_layer_fc(
    input_size: int = 3 * 32 * 32, hidden_size: int = 4000, num_classes: int = 10
) -> nn.Sequential:
    """Part IV's two-layer net as ``nn.Sequential``: Flatten - Linear - ReLU - Linear."""
    return nn.Sequential(
        nn.Flatten(),  # (N, 3, 32, 32) -> (N, 3072)
        nn.Linear(input_size, hidden_size),
        nn.ReLU(),
        nn.Linear(hidden_size, num_classes),
    )


def sequential_three_layer_convnet(
    channel_1: int = 32,
    channel_2: int = 16,
    num_classes: int = 10,
    in_channel: int = 3,
    image_size: int = 32,
    init: str = "default",
) -> nn.Sequential:
    """Part IV's convnet as ``nn.Sequential``: the layers of :class:`ThreeLayerConvNet`.

    ``(N, in_channel, image_size, image_size) -> scores (N, num_classes)``.

    Args:
        init: ``"default"`` keeps PyTorch's own initialization of ``nn.Conv2d`` and
            ``nn.Linear`` (uniform, bound ``1/sqrt(fan_in)`` for the biases); ``"kaiming"``
            draws every weight from ``N(0, 2/fan_in)`` (as :func:`random_weight`) with zero
            biases. With the course's SGD + Nesterov settings (learning rate ``1e-2``, one
            epoch) the default reaches the course's 55%; He init lands near 49%
            (``PyTorch.ipynb``, Part IV).
    """
    if init not in ("default", "kaiming"):
        raise ValueError(f"init must be 'default' or 'kaiming', got {init!r}")
    model = nn.Sequential(
        nn.Conv2d(in_channel, channel_1, 5, padding=2),
        nn.ReLU(),
        nn.Conv2d(channel_1, channel_2, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),  # (N, channel_2, H, W) -> (N, channel_2*H*W)
        nn.Linear(channel_2 * image_size * image_size, num_classes),
    )
    if init == "kaiming":
        for m in model:
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)
                nn.init.zeros_(m.bias)
    return model
