"""cs231n.gan_metrics: the metrics against closed forms (Gaussians, constructed probabilities,
identical and disjoint point sets); the image checks and batching on an untrained network; with
the real MNIST files: the cache (a classifier trained on 2,000 digits in a temporary cache, whose
lower accuracy bar is 90%: it reaches 93%), the default classifier's >= 99% test accuracy
(trained on all 60,000 digits: about 40 s on one thread when the cache is cold), and FIDs of
real, shuffled-pixel and single-class digits against the test digits."""

import functools
import json
import math

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial.distance

from cs231n import gan_metrics as gm
from cs231n.data_utils import load_mnist
from cs231n.paths import CACHE_ENV

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
    assert math.copysign(1.0, gm.class_coverage(np.eye(10)[np.zeros(7, int)])[0]) == 1.0  # not -0.0
    # exactly 5% counts as covered
    edge = np.eye(10)[np.r_[np.zeros(19, int), 1]]
    assert gm.class_coverage(edge)[1] == pytest.approx(0.2)
    # confidence: 0.82 < 0.9; one-hot rows are confident; threshold is inclusive
    assert gm.confident_share(p) == 0.0
    assert gm.confident_share(p, threshold=0.8) == 1.0
    mixed = np.vstack([np.eye(10)[:3], np.full((7, 10), 0.1)])
    assert gm.confident_share(mixed) == pytest.approx(0.3)
    assert gm.confident_share(mixed, threshold=0.1) == 1.0
    with pytest.raises(
        ValueError, match=r"confident_share: threshold must be a finite number in \(0, 1\]"
    ):
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


def test_images_are_checked_before_the_classifier_is_needed():
    with pytest.raises(ValueError, match=r"features: images must have values in \[-1, 1\]"):
        gm.features(np.full((2, 784), 255.0))
    with pytest.raises(ValueError, match=r"probabilities: images must have shape \(N, 784\)"):
        gm.probabilities(np.zeros((2, 27, 28)))
    with pytest.raises(ValueError, match=r"sample_quality: images must be a non-empty finite"):
        gm.sample_quality(np.full((3, 784), np.nan))
    with pytest.raises(ValueError, match=r"to_tanh_range: images must be uint8"):
        gm.to_tanh_range(np.zeros((2, 28, 28)))
    x = gm.to_tanh_range(np.array([[0, 255, 128]], np.uint8))
    assert x.dtype == np.float32 and x[0, 0] == -1 and x[0, 1] == 1


def test_features_and_probabilities_shapes_layouts_batching(rng):
    net = gm.mnist_cnn(seed=0)
    x = rng.uniform(-1, 1, size=(13, 28, 28)).astype(np.float32)
    f = gm.features(x, net)
    p = gm.probabilities(x, net)
    assert f.shape == (13, gm.FEATURE_DIM) and f.dtype == np.float64 and (f >= 0).all()
    assert p.shape == (13, 10) and np.allclose(p.sum(1), 1)
    for layout in (x.reshape(13, 784), x[:, None]):
        np.testing.assert_array_equal(gm.features(layout, net), f)
    np.testing.assert_allclose(gm.features(x, net, batch_size=4), f, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gm.probabilities(x, net, batch_size=5), p, rtol=1e-6, atol=1e-9)
    # the same seed gives the same network
    np.testing.assert_array_equal(gm.features(x, gm.mnist_cnn(seed=0)), f)


@pytest.mark.data
@pytest.mark.slow
def test_classifier_cache_reused_and_rebuilt(real_data, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    net = gm.mnist_classifier(num_train=2000, threads=1)
    folder = gm.classifier_path()
    assert folder == tmp_path / "gan_metrics" / "mnist_cnn"
    info = json.loads((folder / "MANIFEST.json").read_text())
    assert info == net.info and info["num_train"] == 2000 and info["seed"] == gm.TRAINING["seed"]
    assert info["test_accuracy"] >= 0.90 and info["num_test"] == 10_000  # 2,000 digits only
    state = folder / "state_dict.pt"
    assert info["files"]["state_dict.pt"] == gm.sha256(state)

    def no_training(*args):
        raise AssertionError("retrained a valid cache")

    with monkeypatch.context() as m:
        m.setattr(gm, "_train", no_training)
        assert gm.mnist_classifier(num_train=2000) is net  # valid cache: reused
    data = bytearray(state.read_bytes())
    data[len(data) // 2] ^= 0xFF
    state.write_bytes(bytes(data))  # damaged: retrained, same seed, same accuracy
    again = gm.mnist_classifier(num_train=2000, threads=1)
    assert gm.sha256(state) == again.info["files"]["state_dict.pt"]
    assert again.info["test_accuracy"] == info["test_accuracy"]
    (folder / "MANIFEST.json").write_text("{not json")
    assert gm.mnist_classifier(num_train=2000, threads=1).info["num_train"] == 2000
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no leftovers


@functools.cache
def _mnist():
    (xtr, ytr), (xte, yte) = load_mnist("train"), load_mnist("test")
    return gm.to_tanh_range(xtr), ytr, gm.to_tanh_range(xte), yte


@pytest.fixture
def mnist(real_data):
    """The real digits in [-1, 1], read once: (60000, 28, 28), (60000,), (10000, 28, 28), ..."""
    return _mnist()


@pytest.mark.data
@pytest.mark.slow
def test_default_classifier_is_99_percent_accurate(mnist):
    _, _, xte, yte = mnist
    info = gm.classifier_info()
    assert info["num_train"] == 60_000 and info["num_test"] == 10_000
    assert info["test_accuracy"] >= 0.99
    measured = (gm.probabilities(xte).argmax(1) == yte).mean()  # not only the record
    assert measured == pytest.approx(info["test_accuracy"], abs=1e-4)


@pytest.mark.data
@pytest.mark.slow
def test_fid_real_small_shuffled_and_single_class_large(mnist):
    xtr, ytr, _, _ = mnist
    rng = np.random.default_rng(0)
    real = xtr[:2000]  # training digits against the test digits
    shuffled = rng.permuted(real.reshape(2000, 784), axis=1)  # each image's pixels shuffled
    ones = xtr[ytr == 1][:2000]
    q_real, q_shuf, q_one = (gm.sample_quality(x) for x in (real, shuffled, ones))
    print(
        {
            k: {m: round(v, 3) for m, v in q.items()}
            for k, q in (("real", q_real), ("shuffled", q_shuf), ("ones", q_one))
        }
    )
    assert q_real["num_reference"] == 10_000 and q_real["num_samples"] == 2000
    assert q_real["fid"] < 0.05 * q_shuf["fid"] and q_real["fid"] < 0.05 * q_one["fid"]
    assert q_real["classes_covered"] == 1.0 and q_real["class_entropy"] > 0.99 * math.log(10)
    assert q_real["inception_score"] > 9.0 and q_real["confident_share"] > 0.95
    assert q_real["precision"] > 0.7 and q_real["recall"] > 0.7
    assert q_one["classes_covered"] == 0.1 and q_one["inception_score"] < 1.2
    assert q_one["recall"] < 0.3
    # shuffled digits collapse to a few similar features: no recall. (Their precision is
    # high: they land inside the large balls of the outlying real digits, a known weakness
    # of the k-NN estimate, so FID and recall are the numbers that flag them.)
    assert q_shuf["recall"] < 0.05 and q_shuf["confident_share"] < 0.2
    # FID is biased upwards for small samples: 10,000 training digits come closer still
    assert gm.frechet_distance(gm.reference_features(), gm.features(xtr[:10_000])) < q_real["fid"]
