"""cs231n.gan_metrics: the metrics against closed forms (Gaussians, constructed probabilities,
identical and disjoint point sets)."""

import math

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial.distance

from cs231n import gan_metrics as gm

pytestmark = pytest.mark.a3


def _random_cov(rng, F):
    A = rng.standard_normal((F, F))
    return A @ A.T / F + 0.1 * np.eye(F)  # symmetric positive definite


def test_frechet_gaussians_matches_scipy_sqrtm(rng):
    for F in (1, 3, 8):
        m1, m2 = rng.standard_normal(F), rng.standard_normal(F)
        s1, s2 = _random_cov(rng, F), _random_cov(rng, F)
        want = ((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
        assert gm.frechet_distance_gaussians(m1, s1, m2, s2) == pytest.approx(want, rel=1e-9)


def test_frechet_gaussians_diagonal_closed_form():
    # commuting (diagonal) covariances: d^2 = |m1 - m2|^2 + sum (sqrt(a) - sqrt(b))^2
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 0.25])
    m1, m2 = np.array([0.0, 1.0, 2.0]), np.array([3.0, 1.0, 0.0])
    want = 9.0 + 4.0 + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    got = gm.frechet_distance_gaussians(m1, np.diag(a), m2, np.diag(b))
    assert got == pytest.approx(want, rel=1e-12)
    assert gm.frechet_distance_gaussians(m1, np.diag(a), m1, np.diag(a)) == pytest.approx(
        0, abs=1e-12
    )


def test_frechet_distance_from_samples_matches_formula(rng):
    F, n = 4, 40_000
    m1, m2 = rng.standard_normal(F), rng.standard_normal(F)
    s1, s2 = _random_cov(rng, F), _random_cov(rng, F)
    x1 = rng.multivariate_normal(m1, s1, size=n)  # (n, F)
    x2 = rng.multivariate_normal(m2, s2, size=n)
    want = gm.frechet_distance_gaussians(m1, s1, m2, s2)
    assert want > 1.0
    assert gm.frechet_distance(x1, x2) == pytest.approx(want, rel=0.03)
    # the sample version is exactly the Gaussian formula at the sample moments
    got = gm.frechet_distance_gaussians(x1.mean(0), np.cov(x1.T), x2.mean(0), np.cov(x2.T))
    assert gm.frechet_distance(x1, x2) == pytest.approx(got, rel=1e-12)


def test_frechet_distance_identical_and_shifted(rng):
    x = rng.standard_normal((500, 6))
    assert gm.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
    assert gm.frechet_distance(x, x + 2.0) == pytest.approx(6 * 4.0, rel=1e-8)  # |shift|^2
    assert gm.frechet_distance(x, x[::-1]) == pytest.approx(0.0, abs=1e-8)  # order-free


def test_frechet_distance_errors(rng):
    with pytest.raises(ValueError, match=r"frechet_distance: f1 and f2 .* same feature size"):
        gm.frechet_distance(rng.standard_normal((5, 3)), rng.standard_normal((5, 4)))
    with pytest.raises(ValueError, match=r"frechet_distance: f1 must be .*\(N, F\)"):
        gm.frechet_distance(np.ones(5), np.ones((5, 1)))
    with pytest.raises(ValueError, match=r"frechet_distance_gaussians: sigma2 must have shape"):
        gm.frechet_distance_gaussians(np.zeros(2), np.eye(2), np.zeros(2), np.eye(3))


def test_inception_score_closed_forms():
    uniform = np.full((40, 10), 0.1)
    assert gm.inception_score(uniform) == pytest.approx(1.0, abs=1e-9)
    onehot = np.eye(10)[np.arange(50) % 10]  # every class 5 times
    assert gm.inception_score(onehot) == pytest.approx(10.0, rel=1e-9)
    assert gm.inception_score(onehot, splits=5) == pytest.approx(10.0, rel=1e-9)
    assert gm.inception_score(np.eye(10)[np.zeros(30, int)]) == pytest.approx(1.0, abs=1e-9)
    # two classes, confident and balanced: exp(ln 2) = 2
    assert gm.inception_score(np.eye(10)[np.arange(20) % 2]) == pytest.approx(2.0, rel=1e-9)
    with pytest.raises(ValueError, match=r"inception_score: splits must be an int in 1..N=40"):
        gm.inception_score(uniform, splits=41)
    with pytest.raises(ValueError, match=r"inception_score: p must have shape \(N, 10\)"):
        gm.inception_score(np.full((4, 5), 0.2))
    with pytest.raises(ValueError, match=r"inception_score: every row of p"):
        gm.inception_score(np.ones((4, 10)))


def test_class_coverage_and_confidence_on_constructed_p():
    counts = {0: 50, 1: 30, 2: 17, 3: 3}  # 100 samples; class 3 has 3% < 5%
    labels = np.concatenate([np.full(c, k) for k, c in counts.items()])
    p = np.full((100, 10), 0.02)
    p[np.arange(100), labels] = 0.82  # rows sum to 1, argmax = label
    entropy, covered = gm.class_coverage(p)
    shares = np.array(list(counts.values())) / 100
    assert entropy == pytest.approx(-(shares * np.log(shares)).sum(), rel=1e-12)
    assert covered == pytest.approx(0.3)
    even = np.eye(10)[np.arange(100) % 10]
    assert gm.class_coverage(even) == pytest.approx((math.log(10), 1.0))
    assert gm.class_coverage(np.eye(10)[np.zeros(7, int)]) == pytest.approx((0.0, 0.1))
    # exactly 5% counts as covered
    edge = np.eye(10)[np.r_[np.zeros(19, int), 1]]
    assert gm.class_coverage(edge)[1] == pytest.approx(0.2)
    # confidence: 0.82 < 0.9; one-hot rows are confident; threshold is inclusive
    assert gm.confident_share(p) == 0.0
    assert gm.confident_share(p, threshold=0.8) == 1.0
    mixed = np.vstack([np.eye(10)[:3], np.full((7, 10), 0.1)])
    assert gm.confident_share(mixed) == pytest.approx(0.3)
    assert gm.confident_share(mixed, threshold=0.1) == 1.0
    with pytest.raises(ValueError, match=r"confident_share: threshold must be in \(0, 1\]"):
        gm.confident_share(mixed, threshold=0)


def _brute_force_precision_recall(real, fake, k):
    # the paper's definition, one point at a time with scipy's distances
    d_rr, d_ff, d_fr = (
        scipy.spatial.distance.cdist(a, b) for a, b in ((real, real), (fake, fake), (fake, real))
    )
    r_real = np.sort(d_rr, 1)[:, k]  # column 0 is the point itself
    r_fake = np.sort(d_ff, 1)[:, k]
    precision = np.mean(
        [any(d_fr[i, j] <= r_real[j] for j in range(len(real))) for i in range(len(fake))]
    )
    recall = np.mean(
        [any(d_fr[i, j] <= r_fake[i] for i in range(len(fake))) for j in range(len(real))]
    )
    return float(precision), float(recall)


def test_precision_recall_matches_brute_force(rng):
    real = rng.standard_normal((120, 4))
    fake = 0.7 * rng.standard_normal((90, 4)) + 0.5
    for k in (1, 3, 5):
        want = _brute_force_precision_recall(real, fake, k)
        assert 0 < want[0] < 1 and 0 < want[1] < 1
        assert gm.precision_recall(real, fake, k=k, chunk=50) == pytest.approx(want, abs=1e-12)


def test_precision_recall_identical_disjoint_and_partial(rng):
    real = rng.standard_normal((300, 5))
    assert gm.precision_recall(real, real, k=5) == (1.0, 1.0)
    assert gm.precision_recall(real, real.copy(), k=3, chunk=64) == (1.0, 1.0)
    far = rng.standard_normal((200, 5)) + 100.0
    assert gm.precision_recall(real, far) == (0.0, 0.0)
    # half of the fakes are real points, half far away: precision 1/2; the fake manifold
    # holds at least the 150 real points it contains
    fake = np.vstack([real[:150], far[:150]])
    precision, recall = gm.precision_recall(real, fake)
    assert precision == pytest.approx(0.5)
    assert recall >= 0.5
    assert (precision, recall) == _brute_force_precision_recall(real, fake, 5)
    # mode collapse: fakes from a tight cluster at one real point -> precise, low recall
    collapsed = real[0] + 0.01 * rng.standard_normal((300, 5))
    precision, recall = gm.precision_recall(real, collapsed)
    assert precision == 1.0 and recall < 0.05
    with pytest.raises(ValueError, match=r"precision_recall: k must be an int in 1..min"):
        gm.precision_recall(real, far[:5], k=5)
