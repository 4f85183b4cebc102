r"""Sample quality of generated MNIST digits: FID, Inception score, coverage, precision/recall.

Framework-neutral: numpy arrays in, numpy numbers out. Every metric reads either *features*
``f: (N, F)`` or *class probabilities* ``p: (N, 10)`` of the digits.

- :func:`frechet_distance` (FID-style): fit a Gaussian to each feature set and take

  .. math::

      d^2 = \lVert \mu_1 - \mu_2 \rVert^2
            + \operatorname{tr}\big(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\big)

  (Heusel et al., 2017). It is biased upwards for small N: compare models at the same N.
- :func:`inception_score`: :math:`\exp(\mathbb{E}_x \mathrm{KL}(p(y|x) \,\Vert\, p(y)))`
  (Salimans et al., 2016), between 1 (every digit gets the same prediction) and 10 (confident
  predictions spread evenly over the 10 classes).
- :func:`class_coverage`: the entropy of the predicted-class histogram (nats, at most
  ``ln 10 = 2.303``) and the share of the 10 classes that get at least 5% of the samples.
- :func:`confident_share`: the share of samples whose top class has probability >= 0.9.
- :func:`precision_recall`: the k-NN manifold estimate of Kynkäänniemi et al. (2019):
  precision is the share of generated samples inside the real manifold (the union of balls
  around every real sample reaching its k-th nearest real neighbour), recall the share of real
  samples inside the generated manifold.

The features and probabilities come from a small CNN trained by the package
(:func:`mnist_classifier`: two 3x3 conv + max-pool blocks, a 128-unit hidden layer whose
ReLU output is the feature vector, and a 10-way linear layer), trained with a fixed seed on
the 60,000 training digits (:data:`TRAINING`) and cached under
``cache_root()/gan_metrics/mnist_cnn/`` with the sha256 of its weights and its measured
accuracy on the 10,000 test digits (:func:`classifier_info`). Images go in as the GANs'
generators make them: values in [-1, 1] (``tanh``); :func:`to_tanh_range` maps the course's
uint8 digits there. :func:`sample_quality` reports every metric against the real test digits.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from cs231n.data.built_folder import MANIFEST, commit_folder, manifest_matches, sha256
from cs231n.data_utils import load_mnist
from cs231n.kernels.geometry import check_int
from cs231n.paths import cache_root
from cs231n.validation import check_array, check_choice, check_number

__all__ = [
    "frechet_distance_gaussians",
    "frechet_distance",
    "inception_score",
    "class_coverage",
    "confident_share",
    "precision_recall",
    "TRAINING",
    "to_tanh_range",
    "mnist_cnn",
    "classifier_path",
    "mnist_classifier",
    "classifier_info",
    "features",
    "probabilities",
    "reference_features",
    "sample_quality",
]

NUM_CLASSES = 10
_EPS = 1e-12  # keeps log(0) out of the KL divergence


def _features(name: str, arg: str, f) -> np.ndarray:
    """Finite features ``(N, F)`` with ``N >= 2`` (a covariance needs two samples), float64."""
    f = check_array(name, arg, f, finite=True)
    if f.ndim != 2 or len(f) < 2 or f.shape[1] < 1:
        raise ValueError(
            f"{name}: {arg} must be finite features of shape (N, F) with N >= 2 and F >= 1, "
            f"got shape {f.shape}"
        )
    return np.asarray(f, dtype=np.float64)


def _probabilities(name: str, p) -> np.ndarray:
    p = check_array(name, "p", p)
    if p.ndim != 2 or p.shape[1] != NUM_CLASSES or len(p) == 0:
        raise ValueError(f"{name}: p must have shape (N, {NUM_CLASSES}), N >= 1, got {p.shape}")
    p = np.asarray(p, dtype=np.float64)
    if not np.isfinite(p).all() or (p < 0).any() or not np.allclose(p.sum(1), 1.0, atol=1e-4):
        raise ValueError(f"{name}: every row of p must be a probability vector (>= 0, sum 1)")
    return p


def _sqrt_psd(S: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive semi-definite ``S: (F, F)``."""
    w, V = np.linalg.eigh(S)
    return (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T  # V diag(sqrt w) V^T


def frechet_distance_gaussians(mu1, sigma1, mu2, sigma2) -> float:
    r"""The squared Fréchet (2-Wasserstein) distance between N(mu1, sigma1) and N(mu2, sigma2).

    Args:
        mu1, mu2: means ``(F,)``.
        sigma1, sigma2: symmetric positive semi-definite covariances ``(F, F)``.

    Returns:
        :math:`\lVert\mu_1-\mu_2\rVert^2 + \operatorname{tr}(\Sigma_1 + \Sigma_2
        - 2(\Sigma_1\Sigma_2)^{1/2})` as a float >= 0. The trace of the square root is taken
        by eigen-decomposition: :math:`\Sigma_1\Sigma_2` is similar to the symmetric
        :math:`M = \Sigma_1^{1/2}\Sigma_2\Sigma_1^{1/2}`, so
        :math:`\operatorname{tr}(\Sigma_1\Sigma_2)^{1/2} = \sum_i \sqrt{\lambda_i(M)}`, real
        by construction (tiny negative eigenvalues from rounding are set to 0). This equals
        the real part of ``trace(scipy.linalg.sqrtm(sigma1 @ sigma2))``.
    """
    fn = "frechet_distance_gaussians"
    mu1 = check_array(fn, "mu1", mu1, ndim=1, finite=True, nonempty=True)
    F = mu1.shape[0]
    mu2 = check_array(fn, "mu2", mu2, finite=True)
    s1 = check_array(fn, "sigma1", sigma1, finite=True)
    s2 = check_array(fn, "sigma2", sigma2, finite=True)
    for arg, v, shape in (("mu2", mu2, (F,)), ("sigma1", s1, (F, F)), ("sigma2", s2, (F, F))):
        if v.shape != shape:
            raise ValueError(
                f"frechet_distance_gaussians: {arg} must have shape {shape} to match mu1 "
                f"{mu1.shape}, got {v.shape}"
            )
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(s1, np.float64), np.asarray(s2, np.float64)
    r1 = _sqrt_psd((s1 + s1.T) / 2)
    M = r1 @ s2 @ r1
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((M + M.T) / 2), 0.0, None)).sum()
    d = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2.0 * tr_sqrt)
    return max(d, 0.0)


def frechet_distance(f1, f2) -> float:
    """The Fréchet distance (FID-style) between two feature sets, each seen as a Gaussian.

    Args:
        f1: features ``(N1, F)``; f2: features ``(N2, F)`` (N1, N2 >= 2).

    Returns:
        :func:`frechet_distance_gaussians` of their sample means ``(F,)`` and unbiased sample
        covariances ``(F, F)`` (float64). Identical sets give 0 (up to rounding).
    """
    f1, f2 = _features("frechet_distance", "f1", f1), _features("frechet_distance", "f2", f2)
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(
            f"frechet_distance: f1 and f2 must have the same feature size, got {f1.shape[1]} "
            f"and {f2.shape[1]}"
        )
    return frechet_distance_gaussians(
        f1.mean(0), np.cov(f1, rowvar=False), f2.mean(0), np.cov(f2, rowvar=False)
    )


def inception_score(p, splits: int = 1) -> float:
    r"""The Inception-score analogue of class probabilities ``p``.

    Args:
        p: ``(N, 10)`` class probabilities, one row per sample.
        splits: the samples are cut into this many equal consecutive parts (as in Salimans et
            al.'s code); each part gets its own marginal :math:`p(y)`.

    Returns:
        the mean over the parts of :math:`\exp\big(\frac{1}{n}\sum_x \sum_y p(y|x)
        (\log p(y|x) - \log p(y))\big)`, in [1, 10]: 1 when all rows are equal (for instance
        uniform), 10 for one-hot rows spread evenly over the 10 classes.
    """
    p = _probabilities("inception_score", p)
    if (
        isinstance(splits, bool)
        or not isinstance(splits, (int, np.integer))
        or not 1 <= splits <= len(p)
    ):
        raise ValueError(f"inception_score: splits must be an int in 1..N={len(p)}, got {splits}")
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(0, keepdims=True)  # (1, 10) marginal
        kl = (part * (np.log(part + _EPS) - np.log(py + _EPS))).sum(1)  # (n,)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores))


def class_coverage(p, min_share: float = 0.05) -> tuple[float, float]:
    """How evenly the samples spread over the 10 digits, by their predicted (argmax) class.

    Args:
        p: ``(N, 10)`` class probabilities.
        min_share: a class counts as covered when at least this share of samples is predicted
            as it (the issue's 5%).

    Returns:
        ``(entropy, covered)``: the entropy in **nats** of the predicted-class histogram
        (0 for a single class, ``ln 10 = 2.303`` for all ten equally often), and the share of
        the 10 classes that are covered (0.1 .. 1.0).
    """
    p = _probabilities("class_coverage", p)
    min_share = check_number("class_coverage", "min_share", min_share, low=0, high=1)
    hist = np.bincount(p.argmax(1), minlength=NUM_CLASSES) / len(p)  # (10,)
    nz = hist[hist > 0]
    entropy = float((nz * np.log(1.0 / nz)).sum())  # >= 0, never -0.0 for a single class
    return entropy, float((hist >= min_share - 1e-12).sum() / NUM_CLASSES)


def confident_share(p, threshold: float = 0.9) -> float:
    """The share of samples whose most likely class has probability >= ``threshold``.

    Args:
        p: ``(N, 10)`` class probabilities; threshold: in (0, 1].

    Returns:
        a float in [0, 1].
    """
    p = _probabilities("confident_share", p)
    threshold = check_number(
        "confident_share", "threshold", threshold, low=0, high=1, low_open=True
    )
    return float((p.max(1) >= threshold).mean())


def _sq_distances(a: np.ndarray, b: np.ndarray, rows: slice) -> np.ndarray:
    """Squared distances ``(len(rows), Nb)`` from ``a[rows]`` to every row of ``b``."""
    x = a[rows]
    d = (x**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * x @ b.T  # (n, Nb)
    return np.maximum(d, 0.0)


def _kth_radius(f: np.ndarray, k: int, chunk: int) -> np.ndarray:
    """Squared distance of every row of ``f`` to its k-th nearest other row, ``(N,)``."""
    out = np.empty(len(f))
    for s in range(0, len(f), chunk):
        d = _sq_distances(f, f, slice(s, s + chunk))
        # each row's own distance (0) is the smallest, so the k-th neighbour is at index k
        out[s : s + chunk] = np.partition(d, k, axis=1)[:, k]
    return out


def _inside(points: np.ndarray, centres: np.ndarray, radii: np.ndarray, chunk: int) -> np.ndarray:
    """For each point ``(N,)`` bool: within radius of at least one centre."""
    out = np.empty(len(points), dtype=bool)
    for s in range(0, len(points), chunk):
        d = _sq_distances(points, centres, slice(s, s + chunk))  # (n, Nc)
        out[s : s + chunk] = (d <= radii[None, :] * (1 + 1e-9) + 1e-12).any(1)
    return out


def precision_recall(real_f, fake_f, k: int = 5, chunk: int = 1024) -> tuple[float, float]:
    """Precision and recall in feature space by the k-NN manifold estimate (Kynkäänniemi 2019).

    Around every real feature a ball reaches its k-th nearest real neighbour (Euclidean); the
    union is the real manifold. Likewise for the generated features.

    Args:
        real_f: ``(Nr, F)`` features of real digits; fake_f: ``(Nf, F)`` of generated ones
            (Nr, Nf > k; the paper uses equal sizes).
        k: the neighbour that sets each radius (the paper's 3 for FFHQ; 5 here).
        chunk: rows of distances computed at a time (memory ``chunk * N`` floats).

    Returns:
        ``(precision, recall)``: the share of generated samples inside the real manifold and
        the share of real samples inside the generated one. Identical sets give (1, 1);
        far-apart sets (0, 0).
    """
    real = _features("precision_recall", "real_f", real_f)
    fake = _features("precision_recall", "fake_f", fake_f)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"precision_recall: real_f and fake_f must have the same feature size, got "
            f"{real.shape[1]} and {fake.shape[1]}"
        )
    chunk = check_int("precision_recall", "chunk", chunk, 1)
    if (
        isinstance(k, bool)
        or not isinstance(k, (int, np.integer))
        or not 1 <= k < min(len(real), len(fake))
    ):
        raise ValueError(
            f"precision_recall: k must be an int in 1..min(Nr, Nf)-1 = "
            f"{min(len(real), len(fake)) - 1}, got {k}"
        )
    r_real, r_fake = _kth_radius(real, k, chunk), _kth_radius(fake, k, chunk)
    precision = _inside(fake, real, r_real, chunk).mean()
    recall = _inside(real, fake, r_fake, chunk).mean()
    return float(precision), float(recall)


# --- the classifier -------------------------------------------------------------------------

#: Bumped whenever the network or its training changes: older caches are rebuilt.
VERSION = 1
#: How :func:`mnist_classifier` trains: Adam under a one-cycle learning rate, seeded.
TRAINING = {"epochs": 3, "batch_size": 64, "max_lr": 3e-3, "seed": 231}
FEATURE_DIM = 128
_STATE = "state_dict.pt"
_LOADED: dict = {}  # (folder, sha256) -> the loaded network
_REFERENCE: dict = {}  # (reference, n, sha256) -> (n, FEATURE_DIM) features


def to_tanh_range(images) -> np.ndarray:
    """The course's uint8 digits ``(N, ...)`` in 0..255 as float32 in [-1, 1]: ``x / 127.5 - 1``
    (the inverse of the notebooks' ``deprocess_img``, ``(x + 1) / 2`` in [0, 1])."""
    images = check_array("to_tanh_range", "images", images, min_ndim=1)
    if images.dtype != np.uint8:
        raise ValueError(f"to_tanh_range: images must be uint8 (0..255), got {images.dtype}")
    return images.astype(np.float32) / 127.5 - 1.0


def _as_images(name: str, images) -> np.ndarray:
    """Check and reshape images to ``(N, 1, 28, 28)`` float32."""
    x = np.asarray(check_array(name, "images", images), dtype=np.float32)
    if x.ndim not in (2, 3, 4) or x.shape[1:] not in ((784,), (28, 28), (1, 28, 28)):
        raise ValueError(
            f"{name}: images must have shape (N, 784), (N, 28, 28) or (N, 1, 28, 28), "
            f"got {np.shape(images)}"
        )
    if len(x) == 0 or not np.isfinite(x).all():
        raise ValueError(f"{name}: images must be a non-empty finite array, got {np.shape(images)}")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1 - 1e-4 or hi > 1 + 1e-4:
        raise ValueError(
            f"{name}: images must have values in [-1, 1] (the generators' tanh output; "
            f"uint8 digits via to_tanh_range, [0, 1] images as 2 * x - 1), got [{lo:.4g}, {hi:.4g}]"
        )
    return x.reshape(len(x), 1, 28, 28)  # (N, 1, 28, 28)


def mnist_cnn(seed: int | None = None):
    """The classifier's (untrained) network, a ``torch.nn.Sequential``.

    ``(N, 1, 28, 28)`` -> conv 3x3 16, ReLU, pool 2 -> ``(N, 16, 14, 14)`` -> conv 3x3 32, ReLU,
    pool 2 -> ``(N, 32, 7, 7)`` -> flatten 1568 -> linear 128, ReLU (the features) -> linear 10
    (the logits). ``net[:-1]`` gives the features. ``seed`` seeds the initialization without
    touching torch's global generator.
    """
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, FEATURE_DIM), nn.ReLU(),
            nn.Linear(FEATURE_DIM, 10),
        )  # fmt: skip


def classifier_path() -> Path:
    """The classifier's cache folder, ``cache_root()/gan_metrics/mnist_cnn``."""
    return cache_root() / "gan_metrics" / "mnist_cnn"


def _run(net, x: np.ndarray, batch_size: int, head: bool) -> np.ndarray:
    """``net`` (or its feature part) on ``x: (N, 1, 28, 28)`` in batches, as float64."""
    import torch

    part = net if head else net[:-1]
    out = []
    with torch.no_grad():
        for s in range(0, len(x), batch_size):
            out.append(part(torch.from_numpy(x[s : s + batch_size])).double().numpy())
    return np.concatenate(out)


def _train(folder: Path, num_train: int | None, threads: int | None) -> None:
    """Train :func:`mnist_cnn` as :data:`TRAINING` says and write it with its manifest."""
    import torch
    from torch.nn.functional import cross_entropy

    xtr, ytr = load_mnist("train")
    xte, yte = load_mnist("test")
    n = len(xtr) if num_train is None else int(num_train)
    x = torch.from_numpy(to_tanh_range(xtr[:n])[:, None])  # (n, 1, 28, 28)
    y = torch.from_numpy(ytr[:n])
    old_threads = torch.get_num_threads()
    start = time.perf_counter()
    try:
        if threads is not None:
            torch.set_num_threads(threads)
        net = mnist_cnn(seed=TRAINING["seed"])
        bs = TRAINING["batch_size"]
        steps = TRAINING["epochs"] * -(-n // bs)
        opt = torch.optim.Adam(net.parameters(), lr=TRAINING["max_lr"])
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=TRAINING["max_lr"], total_steps=steps, pct_start=0.2
        )
        gen = torch.Generator().manual_seed(TRAINING["seed"])
        net.train()
        for _ in range(TRAINING["epochs"]):
            order = torch.randperm(n, generator=gen)
            for s in range(0, n, bs):
                idx = order[s : s + bs]
                loss = cross_entropy(net(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        net.eval()
        seconds = time.perf_counter() - start
        pred = _run(net, to_tanh_range(xte)[:, None], 1000, head=True).argmax(1)
        used = torch.get_num_threads()
    finally:
        torch.set_num_threads(old_threads)

    def write(tmp: Path) -> None:
        torch.save(net.state_dict(), tmp / _STATE)
        manifest = {
            "version": VERSION,
            **TRAINING,
            "num_train": n,
            "test_accuracy": float((pred == yte).mean()),
            "num_test": len(yte),
            "train_seconds": round(seconds, 1),
            "threads": used,
            "torch": torch.__version__,
            "files": {_STATE: sha256(tmp / _STATE)},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")

    commit_folder(folder, write)


def mnist_classifier(force: bool = False, *, num_train: int | None = None, threads=None):
    """The package's MNIST classifier (a ``torch.nn.Sequential`` in eval mode, see
    :func:`mnist_cnn`), trained on first use and then read from :func:`classifier_path`.

    Args:
        force: retrain even when a valid cache is there.
        num_train: train on the first ``num_train`` training digits (default all 60,000: the
            classifier the metrics use; fewer only for quick tests, with lower accuracy).
        threads: torch threads while training (default: torch's current setting).

    Returns:
        the network; ``net.info`` is the manifest (``test_accuracy`` on the 10,000 test digits,
        ``train_seconds``, the :data:`TRAINING` settings, ``files`` with the sha256). A cache
        whose manifest, version, settings or checksum do not match (damaged, stale, another
        ``num_train``) is retrained; it is written atomically (temporary folder, then rename).
    """
    import torch

    if not isinstance(force, bool):
        raise TypeError(f"mnist_classifier: force must be a bool, got {force!r}")
    if num_train is not None:
        check_int("mnist_classifier", "num_train", num_train, 1)
    if threads is not None:
        check_int("mnist_classifier", "threads", threads, 1)
    folder = classifier_path()
    n = 60_000 if num_train is None else int(num_train)
    expected = {"version": VERSION, **TRAINING, "num_train": n}
    if force or not manifest_matches(folder, expected, [_STATE]):
        _train(folder, num_train, threads)
    info = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    key = (str(folder), info["files"][_STATE])
    if key not in _LOADED:
        net = mnist_cnn()
        net.load_state_dict(torch.load(folder / _STATE, weights_only=True))
        net.eval()
        net.info = info
        _LOADED[key] = net
    return _LOADED[key]


def classifier_info() -> dict:
    """The manifest of the default classifier (building it if needed): ``test_accuracy``,
    ``num_test``, ``train_seconds``, ``threads``, ``seed``, ``epochs``, ``version``, ``files``."""
    return dict(mnist_classifier().info)


def features(images, classifier=None, batch_size: int = 1000) -> np.ndarray:
    """Penultimate-layer features of the classifier.

    Args:
        images: ``(N, 784)``, ``(N, 28, 28)`` or ``(N, 1, 28, 28)`` with values in [-1, 1].
        classifier: a network from :func:`mnist_classifier` (default: the default one).
        batch_size: images per forward pass.

    Returns:
        ``(N, 128)`` float64, the ReLU output of the hidden layer.
    """
    x = _as_images("features", images)
    batch_size = check_int("features", "batch_size", batch_size, 1)
    return _run(mnist_classifier() if classifier is None else classifier, x, batch_size, head=False)


def probabilities(images, classifier=None, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities ``(N, 10)`` float64 (softmax of the logits) of ``images`` as in
    :func:`features`."""
    x = _as_images("probabilities", images)
    batch_size = check_int("probabilities", "batch_size", batch_size, 1)
    logits = _run(
        mnist_classifier() if classifier is None else classifier, x, batch_size, head=True
    )  # (N, 10)
    e = np.exp(logits - logits.max(1, keepdims=True))  # shifted: no overflow
    return e / e.sum(1, keepdims=True)


def reference_features(reference: str = "test", max_reference: int = 10_000) -> np.ndarray:
    """Features ``(n, 128)`` of the first ``max_reference`` real digits of the ``'test'`` or
    ``'train'`` split, computed once per classifier and kept in memory."""
    check_choice("reference_features", "reference", reference, ("test", "train"))
    max_reference = check_int("reference_features", "max_reference", max_reference, 2)
    net = mnist_classifier()
    key = (reference, int(max_reference), net.info["files"][_STATE])
    if key not in _REFERENCE:
        digits, _ = load_mnist(reference)
        _REFERENCE[key] = features(to_tanh_range(digits[:max_reference]), net)
    return _REFERENCE[key]


def sample_quality(
    images, reference: str = "test", max_reference: int = 10_000, k: int = 5
) -> dict:
    """Every metric of this module for ``images`` against real digits.

    Args:
        images: ``(N, 784)``, ``(N, 28, 28)`` or ``(N, 1, 28, 28)`` in [-1, 1], N > k.
        reference: ``'test'`` (the 10,000 test digits, never trained on) or ``'train'``.
        max_reference: use the first this many digits of the reference split.
        k: the neighbour of :func:`precision_recall`.

    Returns:
        ``{'fid', 'inception_score', 'class_entropy' (nats), 'classes_covered' (share of the 10
        with >= 5% of samples), 'confident_share' (top probability >= 0.9), 'precision',
        'recall', 'num_samples', 'num_reference'}``; FID and precision/recall depend on N, so
        compare samples of the same size.
    """
    x = _as_images("sample_quality", images)
    check_choice("sample_quality", "reference", reference, ("test", "train"))
    max_reference = check_int("sample_quality", "max_reference", max_reference, 2)
    k = check_int("sample_quality", "k", k, 1)
    if not k < min(len(x), max_reference):
        raise ValueError(
            f"sample_quality: k must be < min(N, max_reference) = {min(len(x), max_reference)}, "
            f"got {k}"
        )
    net = mnist_classifier()
    real = reference_features(reference, max_reference)
    fake, p = _run(net, x, 1000, head=False), probabilities(x, net)
    entropy, covered = class_coverage(p)
    precision, recall = precision_recall(real, fake, k=k)
    return {
        "fid": frechet_distance(real, fake),
        "inception_score": inception_score(p),
        "class_entropy": entropy,
        "classes_covered": covered,
        "confident_share": confident_share(p),
        "precision": precision,
        "recall": recall,
        "num_samples": len(x),
        "num_reference": len(real),
    }
