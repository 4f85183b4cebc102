"""GANs in PyTorch: noise, the vanilla/LS/DC models and losses, the training loop, MNIST loaders.

The course's 2020 functions with their official names and signatures (``sample_noise``,
``discriminator``, ``generator``, ``bce_loss``, ``discriminator_loss``, ``generator_loss``,
``get_optimizer``, ``ls_discriminator_loss``, ``ls_generator_loss``, ``build_dc_classifier``,
``build_dc_generator``, ``run_a_gan`` and the helpers ``Flatten``, ``Unflatten``,
``initialize_weights``, ``count_params``, ``preprocess_img``, ``deprocess_img``,
``ChunkSampler``, ``rel_error``), written with plain torch. torchvision does not import here,
so :func:`mnist_loaders` replaces the notebook's ``dset.MNIST`` + ``T.ToTensor()`` with a small
dataset over :func:`cs231n.data_utils.load_mnist`. :func:`run_a_gan` keeps the official loop and
also returns the loss curves and samples from a fixed noise batch. Derivations:
``notes/gan_losses.md``.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler, SubsetRandomSampler

from cs231n.kernels.geometry import check_int
from cs231n.validation import check_array
from cs231n.validation.tensors import check_scores, check_tensor, check_tensor_finite

__all__ = [
    "NOISE_DIM",
    "ChunkSampler",
    "Flatten",
    "Unflatten",
    "bce_loss",
    "build_dc_classifier",
    "build_dc_generator",
    "count_params",
    "deprocess_img",
    "discriminator",
    "discriminator_loss",
    "generator",
    "generator_loss",
    "get_optimizer",
    "initialize_weights",
    "ls_discriminator_loss",
    "ls_generator_loss",
    "mnist_loaders",
    "preprocess_img",
    "rel_error",
    "run_a_gan",
    "sample_noise",
]

#: The course's noise dimension.
NOISE_DIM = 96


def _positive_int(fn: str, name: str, value) -> int:
    return check_int(fn, name, value, 1)


def _seed(fn: str, seed) -> None:
    """``seed`` must be ``None`` or an integer >= 0 (what ``torch.manual_seed`` takes)."""
    if seed is not None:
        check_int(fn, "seed", seed, 0)


def _tensor(fn: str, name: str, t, **kwargs) -> torch.Tensor:
    return check_tensor(fn, name, t, types=(torch.Tensor,), what="a torch.Tensor", **kwargs)


def _scores(fn: str, name: str, t) -> torch.Tensor:
    return check_scores(fn, name, t, types=(torch.Tensor,), what="a torch.Tensor")


def _same_layout(fn: str, names: tuple[str, str], a: torch.Tensor, b: torch.Tensor) -> None:
    """Real and fake scores: both ``(N,)`` or both ``(N, 1)`` (their N may differ)."""
    if a.ndim != b.ndim:
        raise ValueError(
            f"{fn}: {names[0]} and {names[1]} must both be (N,) or both (N, 1), got "
            f"{tuple(a.shape)} and {tuple(b.shape)}"
        )


def _module(fn: str, name: str, m) -> nn.Module:
    if not isinstance(m, nn.Module):
        raise TypeError(f"{fn}: {name} must be a torch.nn.Module, got {type(m).__name__}")
    return m


# --------------------------------------------------------------------------- noise, models


def sample_noise(batch_size: int, dim: int, seed: int | None = None) -> torch.Tensor:
    """Uniform noise in [-1, 1): ``2 * U[0, 1) - 1``.

    Args:
        batch_size: N.
        dim: the noise dimension D.
        seed: if given, seeds torch's global generator first (as the official code does).

    Returns:
        ``(N, D)`` float32 tensor.
    """
    batch_size = _positive_int("sample_noise", "batch_size", batch_size)
    dim = _positive_int("sample_noise", "dim", dim)
    _seed("sample_noise", seed)
    if seed is not None:
        torch.manual_seed(seed)
    return 2 * torch.rand(batch_size, dim) - 1


def discriminator(seed: int | None = None) -> nn.Sequential:
    """The vanilla GAN's discriminator, an MLP on flattened digits (267,009 parameters).

    ``Flatten, Linear(784, 256), LeakyReLU(0.01), Linear(256, 256), LeakyReLU(0.01),
    Linear(256, 1)``: ``(N, 1, 28, 28)`` or ``(N, 784)`` images -> ``(N, 1)`` logits.

    Args:
        seed: if given, seeds torch's global generator before the default initialization.
    """
    _seed("discriminator", seed)
    if seed is not None:
        torch.manual_seed(seed)
    return nn.Sequential(
        Flatten(),
        nn.Linear(784, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 256),
        nn.LeakyReLU(0.01),
        nn.Linear(256, 1),
    )


def generator(noise_dim: int = NOISE_DIM, seed: int | None = None) -> nn.Sequential:
    """The vanilla GAN's generator (1,858,320 parameters for ``noise_dim = 4``).

    ``Linear(noise_dim, 1024), ReLU, Linear(1024, 1024), ReLU, Linear(1024, 784), Tanh``:
    ``(N, noise_dim)`` noise -> ``(N, 784)`` images in [-1, 1].

    Args:
        noise_dim: the noise dimension.
        seed: if given, seeds torch's global generator before the default initialization.
    """
    noise_dim = _positive_int("generator", "noise_dim", noise_dim)
    _seed("generator", seed)
    if seed is not None:
        torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.Linear(1024, 1024),
        nn.ReLU(),
        nn.Linear(1024, 784),
        nn.Tanh(),
    )


def build_dc_classifier(batch_size: int) -> nn.Sequential:
    """The DCGAN discriminator (1,102,721 parameters).

    ``Unflatten(batch_size, 1, 28, 28), Conv2d(1, 32, 5), LeakyReLU(0.01), MaxPool2d(2, 2),
    Conv2d(32, 64, 5), LeakyReLU(0.01), MaxPool2d(2, 2), Flatten, Linear(1024, 1024),
    LeakyReLU(0.01), Linear(1024, 1)``: ``(batch_size, 784)`` or ``(batch_size, 1, 28, 28)``
    -> ``(batch_size, 1)`` logits (maps 28 -> 24 -> 12 -> 8 -> 4, so 4 * 4 * 64 = 1024).

    Args:
        batch_size: the batch size N the first ``Unflatten`` reshapes to (as the course).
    """
    batch_size = _positive_int("build_dc_classifier", "batch_size", batch_size)
    return nn.Sequential(
        Unflatten(batch_size, 1, 28, 28),
        nn.Conv2d(1, 32, kernel_size=5, stride=1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Conv2d(32, 64, kernel_size=5, stride=1),
        nn.LeakyReLU(0.01),
        nn.MaxPool2d(kernel_size=2, stride=2),
        Flatten(),  # (N, 64 * 4 * 4)
        nn.Linear(4 * 4 * 64, 4 * 4 * 64),
        nn.LeakyReLU(0.01),
        nn.Linear(4 * 4 * 64, 1),
    )


def build_dc_generator(noise_dim: int = NOISE_DIM) -> nn.Sequential:
    """The DCGAN generator (6,580,801 parameters for ``noise_dim = 4``).

    ``Linear(noise_dim, 1024), ReLU, BatchNorm1d, Linear(1024, 7*7*128), ReLU, BatchNorm1d,
    Unflatten(-1, 128, 7, 7), ConvTranspose2d(128, 64, 4, stride 2, padding 1), ReLU,
    BatchNorm2d, ConvTranspose2d(64, 1, 4, stride 2, padding 1), Tanh, Flatten``:
    ``(N, noise_dim)`` -> ``(N, 784)`` images in [-1, 1] (maps 7 -> 14 -> 28).

    Args:
        noise_dim: the noise dimension.
    """
    noise_dim = _positive_int("build_dc_generator", "noise_dim", noise_dim)
    return nn.Sequential(
        nn.Linear(noise_dim, 1024),
        nn.ReLU(),
        nn.BatchNorm1d(1024),
        nn.Linear(1024, 7 * 7 * 128),
        nn.ReLU(),
        nn.BatchNorm1d(7 * 7 * 128),
        Unflatten(-1, 128, 7, 7),  # (N, 128, 7, 7)
        nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1),  # (N, 64, 14, 14)
        nn.ReLU(),
        nn.BatchNorm2d(64),
        nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1),  # (N, 1, 28, 28)
        nn.Tanh(),
        Flatten(),  # (N, 784)
    )


# --------------------------------------------------------------------------- losses


def bce_loss(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy of logits, in the stable form.

    ``-[t log s(x) + (1 - t) log(1 - s(x))] = max(x, 0) - x t + log(1 + exp(-|x|))`` with
    ``s`` the sigmoid: no exp of a large positive number and no log of 0, so
    ``|x| = 1000`` gives 0 or 1000, not inf or nan.

    Args:
        input: logits x of any shape, e.g. ``(N, 1)`` or ``(N,)``, finite, at least one entry.
        target: targets t in [0, 1], the same shape.

    Returns:
        ``()`` scalar tensor, the mean over all entries.

    Raises:
        TypeError: an argument that is not a float tensor.
        ValueError: shapes that differ (no broadcasting), no entries, NaN/inf logits (the loss
            would be NaN) or targets outside [0, 1].
    """
    fn = "bce_loss"
    _tensor(fn, "input", input, floating=True, nonempty=True)
    _tensor(fn, "target", target, floating=True)
    if input.shape != target.shape:
        raise ValueError(
            "bce_loss: input and target must have the same shape (no broadcasting), got "
            f"{tuple(input.shape)} and {tuple(target.shape)}"
        )
    check_tensor_finite(fn, "input", input)
    check_tensor_finite(fn, "target", target)
    if bool((target < 0).any() | (target > 1).any()):
        raise ValueError(
            f"bce_loss: target must lie in [0, 1], got min {float(target.min()):g} and max "
            f"{float(target.max()):g}"
        )
    return _bce(input, target)


def _bce(input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """:func:`bce_loss` without the checks (for the losses that checked their logits)."""
    loss = input.clamp(min=0) - input * target + torch.log1p(torch.exp(-input.abs()))
    return loss.mean()


def discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    """``bce(logits_real, 1) + bce(logits_fake, 0)``: the sum of the two means.

    Args:
        logits_real: ``(N, 1)`` (or ``(N,)``) discriminator logits of real images.
        logits_fake: ``(M, 1)`` (or ``(M,)``, the layout of ``logits_real``) logits of
            generated images; the course has ``M = N``. Finite, ``N, M >= 1``.

    Returns:
        ``()`` scalar tensor.
    """
    fn = "discriminator_loss"
    _scores(fn, "logits_real", logits_real)
    _scores(fn, "logits_fake", logits_fake)
    _same_layout(fn, ("logits_real", "logits_fake"), logits_real, logits_fake)
    return _bce(logits_real, torch.ones_like(logits_real)) + _bce(
        logits_fake, torch.zeros_like(logits_fake)
    )


def generator_loss(logits_fake: torch.Tensor) -> torch.Tensor:
    """``bce(logits_fake, 1) = -mean log D(G(z))``, the non-saturating generator loss.

    Args:
        logits_fake: ``(N, 1)`` (or ``(N,)``) finite discriminator logits of generated images.

    Returns:
        ``()`` scalar tensor.
    """
    _scores("generator_loss", "logits_fake", logits_fake)
    return _bce(logits_fake, torch.ones_like(logits_fake))


def ls_discriminator_loss(scores_real: torch.Tensor, scores_fake: torch.Tensor) -> torch.Tensor:
    """Least-squares GAN: ``0.5 mean((D(x) - 1)^2) + 0.5 mean(D(G(z))^2)``.

    Args:
        scores_real: ``(N, 1)`` (or ``(N,)``) discriminator scores of real images.
        scores_fake: ``(M, 1)`` (or ``(M,)``, the layout of ``scores_real``) scores of
            generated images (the course has ``M = N``). Finite, ``N, M >= 1``.

    Returns:
        ``()`` scalar tensor.
    """
    fn = "ls_discriminator_loss"
    _scores(fn, "scores_real", scores_real)
    _scores(fn, "scores_fake", scores_fake)
    _same_layout(fn, ("scores_real", "scores_fake"), scores_real, scores_fake)
    return 0.5 * torch.mean((scores_real - 1) ** 2) + 0.5 * torch.mean(scores_fake**2)


def ls_generator_loss(scores_fake: torch.Tensor) -> torch.Tensor:
    """Least-squares GAN: ``0.5 mean((D(G(z)) - 1)^2)``.

    Args:
        scores_fake: ``(N, 1)`` (or ``(N,)``) finite discriminator scores of generated images.

    Returns:
        ``()`` scalar tensor.
    """
    _scores("ls_generator_loss", "scores_fake", scores_fake)
    return 0.5 * torch.mean((scores_fake - 1) ** 2)


def get_optimizer(model: nn.Module) -> torch.optim.Adam:
    """Adam on ``model.parameters()`` with learning rate 1e-3 and betas (0.5, 0.999).

    ``model`` must be a ``torch.nn.Module`` with at least one parameter.
    """
    _module("get_optimizer", "model", model)
    if next(iter(model.parameters()), None) is None:
        raise ValueError("get_optimizer: model must have parameters to optimize, got none")
    return torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))


# --------------------------------------------------------------------------- helpers


class Flatten(nn.Module):
    """``(N, d_1, ..., d_k) -> (N, d_1 * ... * d_k)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], -1)


class Unflatten(nn.Module):
    """``(N, C*H*W) -> (N, C, H, W)`` (``N = -1``: whatever the batch is)."""

    def __init__(self, N: int = -1, C: int = 128, H: int = 7, W: int = 7):
        super().__init__()
        if N != -1:
            check_int("Unflatten", "N", N, 1)  # -1 (any batch) or a batch size >= 1
        for name, value in (("C", C), ("H", H), ("W", W)):
            check_int("Unflatten", name, value, 1)
        self.N, self.C, self.H, self.W = N, C, H, W

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        per_image = self.C * self.H * self.W
        if x.numel() % per_image or (self.N != -1 and x.numel() != self.N * per_image):
            n = "N" if self.N == -1 else self.N
            raise ValueError(
                f"Unflatten: expected {n} x {self.C * self.H * self.W} values to view as "
                f"({n}, {self.C}, {self.H}, {self.W}), got shape {tuple(x.shape)}"
            )
        return x.reshape(self.N, self.C, self.H, self.W)

    def extra_repr(self) -> str:
        return f"N={self.N}, C={self.C}, H={self.H}, W={self.W}"


def initialize_weights(m: nn.Module) -> None:
    """Xavier-uniform weights for ``Linear`` and ``ConvTranspose2d`` (use ``model.apply``)."""
    _module("initialize_weights", "m", m)
    if isinstance(m, nn.Linear | nn.ConvTranspose2d):
        nn.init.xavier_uniform_(m.weight.data)


def count_params(model: nn.Module) -> int:
    """The number of entries of all of ``model.parameters()`` (buffers not counted)."""
    _module("count_params", "model", model)
    return int(sum(p.numel() for p in model.parameters()))


def preprocess_img(x):
    """[0, 1] pixels -> [-1, 1]: ``2 x - 1`` (array or tensor, any shape)."""
    if not torch.is_tensor(x):
        x = check_array("preprocess_img", "x", x)
    return 2 * x - 1.0


def deprocess_img(x):
    """[-1, 1] -> [0, 1]: ``(x + 1) / 2`` (array or tensor, any shape)."""
    if not torch.is_tensor(x):
        x = check_array("deprocess_img", "x", x)
    return (x + 1.0) / 2.0


def rel_error(x, y) -> float:
    """Official relative error ``max |x - y| / max(1e-8, |x| + |y|)`` (arrays or tensors)."""
    x = np.asarray(x.detach().cpu() if torch.is_tensor(x) else x, dtype=np.float64)
    y = np.asarray(y.detach().cpu() if torch.is_tensor(y) else y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


class ChunkSampler(Sampler):
    """Indices ``start, start + 1, ..., start + num_samples - 1`` in order, every epoch."""

    def __init__(self, num_samples: int, start: int = 0):
        self.num_samples = check_int("ChunkSampler", "num_samples", num_samples, 0)
        self.start = check_int("ChunkSampler", "start", start, 0)

    def __iter__(self):
        return iter(range(self.start, self.start + self.num_samples))

    def __len__(self) -> int:
        return self.num_samples


# --------------------------------------------------------------------------- data


class _Digits(Dataset):
    """MNIST digits as ``T.ToTensor()`` gives them: ``((1, 28, 28) float32 in [0, 1], label)``.

    The images stay uint8 (47 MB for 60,000) and are scaled per item (``x / 255``).
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        self.images = torch.from_numpy(images).unsqueeze(1)  # (N, 1, 28, 28) uint8
        self.labels = torch.from_numpy(labels)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i].float().div_(255), self.labels[i]


def mnist_loaders(
    batch_size: int = 128,
    num_train: int = 50000,
    num_val: int = 5000,
    *,
    shuffle: bool = False,
    seed: int | None = None,
    root=None,
) -> tuple[DataLoader, DataLoader]:
    """The notebook's ``loader_train`` and ``loader_val`` over the MNIST training file.

    As the course: training digits ``0 .. num_train - 1`` and validation digits
    ``num_train .. num_train + num_val - 1``, both of the 60,000 training digits (the 10,000
    test digits stay for evaluation), read in order by :class:`ChunkSampler`.

    Args:
        batch_size: B.
        num_train, num_val: the two chunk sizes (50,000 and 5,000 in the course).
        shuffle: draw a new order of the training chunk every epoch (the course reads it in
            order); the validation loader always reads in order.
        seed: seeds that order (``None``: torch's global generator).
        root: the folder for :func:`cs231n.data_utils.load_mnist` (default: the data folder).

    Returns:
        ``(loader_train, loader_val)``: each yields ``(x, y)`` with ``x`` ``(B, 1, 28, 28)``
        float32 in [0, 1] and ``y`` ``(B,)`` int64 labels (the last batch may be smaller).
    """
    from cs231n.data_utils import load_mnist

    batch_size = _positive_int("mnist_loaders", "batch_size", batch_size)
    num_train = _positive_int("mnist_loaders", "num_train", num_train)
    num_val = check_int("mnist_loaders", "num_val", num_val, 0)
    _seed("mnist_loaders", seed)
    images, labels = load_mnist("train", root=root)
    if num_train + num_val > len(images):
        raise ValueError(
            f"mnist_loaders: num_train + num_val must be <= {len(images)} training digits, "
            f"got {num_train} + {num_val}"
        )
    data = _Digits(images[: num_train + num_val], labels[: num_train + num_val])
    if shuffle:
        gen = None if seed is None else torch.Generator().manual_seed(seed)
        train_sampler = SubsetRandomSampler(range(num_train), generator=gen)
    else:
        train_sampler = ChunkSampler(num_train, 0)
    loader_train = DataLoader(data, batch_size=batch_size, sampler=train_sampler)
    loader_val = DataLoader(data, batch_size=batch_size, sampler=ChunkSampler(num_val, num_train))
    return loader_train, loader_val


# --------------------------------------------------------------------------- training


#: The seed of the default fixed noise batch of :func:`run_a_gan`'s snapshots.
SNAPSHOT_SEED = 0


def _snapshot(G: nn.Module, noise: torch.Tensor) -> np.ndarray:
    """``G(noise)`` as ``(n, 784)`` numpy, leaving G's state as it was.

    G stays in its mode (training mode: batchnorm uses the batch's statistics, as for the
    images the loop trains on) and its buffers (batchnorm running statistics) are restored, so
    taking snapshots changes nothing in the training run.
    """
    buffers = [b.clone() for b in G.buffers()]
    with torch.no_grad():
        out = G(noise).reshape(len(noise), -1).cpu().numpy()  # (n, 784)
        for b, saved in zip(G.buffers(), buffers):
            b.copy_(saved)
    return out


def run_a_gan(
    D,
    G,
    D_solver,
    G_solver,
    discriminator_loss,
    generator_loss,
    loader_train,
    show_every=250,
    batch_size=128,
    noise_size=96,
    num_epochs=10,
    *,
    max_iterations: int | None = None,
    snapshot_every: int | None = None,
    snapshot_noise: torch.Tensor | None = None,
    show: bool = True,
    seed: int | None = None,
) -> dict:
    """Train a GAN: the official loop, returning its loss curves and fixed-noise samples.

    Each iteration (one full real batch ``x`` of ``loader_train``; shorter batches are skipped):
    a discriminator step on ``discriminator_loss(D(2 x - 1), D(G(z).detach()))``, then a
    generator step on ``generator_loss(D(G(z')))``, with fresh noise ``z, z'`` of
    :func:`sample_noise`. Every ``show_every`` iterations it prints both losses and, when
    ``show``, plots 16 of the generated images (the official behaviour).

    Args:
        D: discriminator, ``(B, 1, 28, 28)`` -> ``(B, 1)``; G: generator,
            ``(B, noise_size)`` -> ``(B, 784)``; D_solver, G_solver: their optimizers.
        discriminator_loss, generator_loss: the loss functions (vanilla or least squares).
        loader_train: yields ``(x, y)``, ``x`` ``(B, 1, 28, 28)`` in [0, 1] (see
            :func:`mnist_loaders`).
        show_every, batch_size, noise_size, num_epochs: as the course (integers >= 1;
            ``show_every`` 0 or ``None``: print nothing).
        max_iterations: stop after that many iterations in all, an integer >= 0 (``None``:
            all the epochs).
        snapshot_every: record ``G(snapshot_noise)`` before iterations 0, k, 2k, ... and after
            the last one (``None``: no snapshots). Snapshots do not change the run.
        snapshot_noise: ``(n, noise_size)`` fixed noise; default 100 rows of uniform [-1, 1)
            noise from a generator seeded with :data:`SNAPSHOT_SEED` (the same for every run
            and model; torch's global generator is not touched).
        show: plot the images (``False``: plot nothing; the losses are still printed).
        seed: if given, seeds torch's global generator (the noise) first.

    Returns:
        dict: ``"d_loss"``, ``"g_loss"``: ``(T,)`` float64 arrays, the losses of the T
        iterations run; ``"snapshots"``: {number of generator steps taken: ``(n, 784)``
        float32 samples in [-1, 1]}; ``"seconds"``: wall time of the loop (float).
    """
    fn = "run_a_gan"
    for name, model in (("D", D), ("G", G)):
        _module(fn, name, model)
        if next(iter(model.parameters()), None) is None:
            raise ValueError(f"run_a_gan: {name} must have parameters, got none")
    for name, solver in (("D_solver", D_solver), ("G_solver", G_solver)):
        if not isinstance(solver, torch.optim.Optimizer):
            raise TypeError(
                f"run_a_gan: {name} must be a torch.optim.Optimizer, got {type(solver).__name__}"
            )
    for name, loss in (
        ("discriminator_loss", discriminator_loss),
        ("generator_loss", generator_loss),
    ):
        if not callable(loss):
            raise TypeError(f"run_a_gan: {name} must be callable, got {type(loss).__name__}")
    if not hasattr(loader_train, "__iter__"):
        raise TypeError(
            f"run_a_gan: loader_train must be an iterable of (x, y) batches, got "
            f"{type(loader_train).__name__}"
        )
    if show_every is not None:
        show_every = check_int(fn, "show_every", show_every, 0)  # 0 or None: never print
    batch_size = _positive_int(fn, "batch_size", batch_size)
    noise_size = _positive_int(fn, "noise_size", noise_size)
    num_epochs = _positive_int(fn, "num_epochs", num_epochs)
    if max_iterations is not None:
        max_iterations = check_int(fn, "max_iterations", max_iterations, 0)
    if snapshot_every is not None:
        snapshot_every = _positive_int(fn, "snapshot_every", snapshot_every)
    if snapshot_noise is not None:
        _tensor(
            fn, "snapshot_noise", snapshot_noise, shape=(None, noise_size), floating=True,
            nonempty=True,
        )  # fmt: skip
        check_tensor_finite(fn, "snapshot_noise", snapshot_noise)
    if not isinstance(show, bool):
        raise TypeError(f"run_a_gan: show must be a bool, got {show!r}")
    _seed(fn, seed)
    if seed is not None:
        torch.manual_seed(seed)
    dtype = next(D.parameters()).dtype
    if snapshot_every is not None and snapshot_noise is None:
        gen = torch.Generator().manual_seed(SNAPSHOT_SEED)
        snapshot_noise = 2 * torch.rand(100, noise_size, generator=gen) - 1
    if snapshot_noise is not None:
        snapshot_noise = snapshot_noise.to(dtype)

    d_losses, g_losses, snapshots = [], [], {}
    iter_count = 0
    start = time.perf_counter()
    for _ in range(num_epochs):
        for x, _labels in loader_train:
            if max_iterations is not None and iter_count >= max_iterations:
                break
            if len(x) != batch_size:
                continue
            if snapshot_every is not None and iter_count % snapshot_every == 0:
                snapshots[iter_count] = _snapshot(G, snapshot_noise)

            D_solver.zero_grad()
            logits_real = D(preprocess_img(x.to(dtype)))
            g_fake_seed = sample_noise(batch_size, noise_size).to(dtype)  # (B, noise_size)
            fake_images = G(g_fake_seed).detach()  # (B, 784): no gradient into G here
            logits_fake = D(fake_images.view(batch_size, 1, 28, 28))
            d_total_error = discriminator_loss(logits_real, logits_fake)
            d_total_error.backward()
            D_solver.step()

            G_solver.zero_grad()
            g_fake_seed = sample_noise(batch_size, noise_size).to(dtype)
            fake_images = G(g_fake_seed)
            gen_logits_fake = D(fake_images.view(batch_size, 1, 28, 28))
            g_error = generator_loss(gen_logits_fake)
            g_error.backward()
            G_solver.step()

            d_losses.append(d_total_error.item())
            g_losses.append(g_error.item())
            if show_every and iter_count % show_every == 0:
                print(f"Iter: {iter_count}, D: {d_total_error.item():.4}, G:{g_error.item():.4}")
                if show:
                    _show(fake_images[:16], f"Iteration {iter_count}")
            iter_count += 1
        if max_iterations is not None and iter_count >= max_iterations:
            break
    if snapshot_every is not None and iter_count not in snapshots:
        snapshots[iter_count] = _snapshot(G, snapshot_noise)
    return {
        "d_loss": np.asarray(d_losses, dtype=np.float64),
        "g_loss": np.asarray(g_losses, dtype=np.float64),
        "snapshots": snapshots,
        "seconds": time.perf_counter() - start,
    }


def _show(images: torch.Tensor, title: str) -> None:
    import matplotlib.pyplot as plt

    from cs231n.plots.gan import show_images

    show_images(images.detach().cpu().numpy(), title)
    plt.show()
