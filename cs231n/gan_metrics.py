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
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "frechet_distance_gaussians",
    "frechet_distance",
    "inception_score",
    "class_coverage",
    "confident_share",
    "precision_recall",
]

NUM_CLASSES = 10
_EPS = 1e-12  # keeps log(0) out of the KL divergence


def _features(name: str, arg: str, f) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    if f.ndim != 2 or len(f) < 2 or not np.isfinite(f).all():
        raise ValueError(
            f"{name}: {arg} must be finite features of shape (N, F) with N >= 2, "
            f"got shape {f.shape}" + ("" if np.isfinite(f).all() else " with NaN or inf")
        )
    return f


def _probabilities(name: str, p) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != NUM_CLASSES or len(p) == 0:
        raise ValueError(f"{name}: p must have shape (N, {NUM_CLASSES}), N >= 1, got {p.shape}")
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
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    F = mu1.shape[0] if mu1.ndim == 1 else -1
    for arg, v, shape in (("mu2", mu2, (F,)), ("sigma1", s1, (F, F)), ("sigma2", s2, (F, F))):
        if F < 1 or v.shape != shape:
            raise ValueError(
                f"frechet_distance_gaussians: {arg} must have shape {shape} to match mu1 "
                f"{mu1.shape}, got {v.shape}"
            )
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
    if not isinstance(splits, (int, np.integer)) or not 1 <= splits <= len(p):
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
    hist = np.bincount(p.argmax(1), minlength=NUM_CLASSES) / len(p)  # (10,)
    nz = hist[hist > 0]
    entropy = float(-(nz * np.log(nz)).sum())
    return entropy, float((hist >= min_share - 1e-12).sum() / NUM_CLASSES)


def confident_share(p, threshold: float = 0.9) -> float:
    """The share of samples whose most likely class has probability >= ``threshold``.

    Args:
        p: ``(N, 10)`` class probabilities; threshold: in (0, 1].

    Returns:
        a float in [0, 1].
    """
    p = _probabilities("confident_share", p)
    if not 0 < threshold <= 1:
        raise ValueError(f"confident_share: threshold must be in (0, 1], got {threshold}")
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
    if not isinstance(k, (int, np.integer)) or not 1 <= k < min(len(real), len(fake)):
        raise ValueError(
            f"precision_recall: k must be an int in 1..min(Nr, Nf)-1 = "
            f"{min(len(real), len(fake)) - 1}, got {k}"
        )
    r_real, r_fake = _kth_radius(real, k, chunk), _kth_radius(fake, k, chunk)
    precision = _inside(fake, real, r_real, chunk).mean()
    recall = _inside(real, fake, r_fake, chunk).mean()
    return float(precision), float(recall)
