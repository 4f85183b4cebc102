"""The numpy data pipeline shared by the PyTorch and TensorFlow notebooks:
split, normalization, flip-and-crop augmentation, minibatches."""

import numpy as np
import pytest

from cs231n.frameworks.data import Dataset, channel_stats, framework_splits, normalize
from cs231n.training.augment import random_flip_crop

pytestmark = pytest.mark.a2


def test_normalize_gives_zero_mean_unit_std_per_channel(rng):
    X = rng.uniform(0, 255, size=(20, 8, 8, 3)) * np.array([1.0, 0.5, 0.2])
    mean, std = channel_stats(X)
    Xn = normalize(X, mean, std, dtype=np.float64)
    m2, s2 = channel_stats(Xn)
    np.testing.assert_allclose(m2, 0, atol=1e-12)
    np.testing.assert_allclose(s2, 1, rtol=1e-12)


def test_normalize_rejects_bad_shapes():
    with pytest.raises(ValueError, match="mean, std of shape"):
        normalize(np.zeros((2, 4, 4, 3)), np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="std must be positive"):
        normalize(np.zeros((2, 4, 4, 3)), np.zeros(3), np.array([1.0, 0.0, 1.0]))


def test_flip_crop_without_padding_only_mirrors(rng):
    X = rng.normal(size=(16, 5, 6, 3))
    out = random_flip_crop(X, rng, pad=0)
    for x, o in zip(X, out):
        assert np.array_equal(o, x) or np.array_equal(o, x[:, ::-1]), (
            "pad=0 must give x or its mirror"
        )
    assert out.shape == X.shape


def test_flip_crop_output_is_a_window_of_the_padded_possibly_mirrored_input(rng):
    X = rng.normal(size=(12, 6, 7, 2))
    pad = 2
    out = random_flip_crop(X, np.random.default_rng(5), pad=pad)
    for x, o in zip(X, out):
        found = False
        for src in (x, x[:, ::-1]):
            p = np.pad(src, ((pad, pad), (pad, pad), (0, 0)))
            for dy in range(2 * pad + 1):
                for dx in range(2 * pad + 1):
                    found |= np.array_equal(p[dy : dy + 6, dx : dx + 7], o)
        assert found, "an augmented image is not a shifted/mirrored copy of its own input"


@pytest.mark.parametrize("pad", [0, 4])
def test_flip_crop_channels_first_is_the_same_augmentation_in_nchw(rng, pad):
    X = rng.normal(size=(10, 5, 6, 3)).astype(np.float32)  # (N, H, W, C)
    X_nchw = np.ascontiguousarray(X.transpose(0, 3, 1, 2))  # (N, C, H, W)
    nhwc = random_flip_crop(X, np.random.default_rng(9), pad=pad)
    nchw = random_flip_crop(X_nchw, np.random.default_rng(9), pad=pad, channels_first=True)
    assert nchw.shape == X_nchw.shape and nchw.dtype == np.float32
    assert np.array_equal(nchw, nhwc.transpose(0, 3, 1, 2))
    assert not np.array_equal(nchw, X_nchw), "nothing was flipped or shifted"


def test_flip_crop_channels_first_mirrors_and_shifts_each_image(rng):
    # One image, every draw: a flipped-or-not copy shifted by at most pad, never another image.
    x = rng.normal(size=(1, 2, 5, 5))
    outs = [
        random_flip_crop(x, np.random.default_rng(s), 1, channels_first=True) for s in range(40)
    ]
    p = np.pad(x[0], ((0, 0), (1, 1), (1, 1)))
    windows = [src[:, dy : dy + 5, dx : dx + 5] for src in (p, p[:, :, ::-1])
               for dy in range(3) for dx in range(3)]  # fmt: skip
    seen = {next((i for i, w in enumerate(windows) if np.array_equal(w, o[0])), None) for o in outs}
    assert None not in seen, "an output is not a flipped or shifted copy of the input"
    assert len(seen) > 9, "40 draws should reach most of the 18 flip/shift combinations"


def test_augmentation_keeps_labels_through_shuffled_batches(rng):
    # Image i is the constant y[i] + 1: after any shift the nonzero pixels must
    # still equal its label, so an image can never change places with its label.
    N, H, W = 50, 8, 8
    y = rng.integers(0, 10, size=N)
    X = np.broadcast_to((y + 1.0)[:, None, None, None], (N, H, W, 3)).copy()
    ds = Dataset(X, y, batch_size=16, shuffle=True, augment=True, pad=3, seed=0)
    seen = 0
    for xb, yb in ds:
        for x, label in zip(xb, yb):
            vals = np.unique(x[x != 0])
            assert vals.tolist() == [label + 1.0]
            assert np.count_nonzero(x[..., 0]) >= (H - 3) * (W - 3)  # shifted by at most 3
        seen += len(yb)
    assert seen == N


def test_dataset_batches_cover_every_row_once_and_reshuffle(rng):
    X = np.arange(10.0).reshape(10, 1, 1, 1)
    y = np.arange(10)
    ds = Dataset(X, y, batch_size=4, shuffle=True, seed=1)
    assert len(ds) == 3
    epochs = [np.concatenate([yb for _, yb in ds]) for _ in range(2)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(10))
    assert not np.array_equal(epochs[0], epochs[1]), "each epoch should draw a new order"
    ordered = np.concatenate([yb for _, yb in Dataset(X, y, batch_size=4)])
    assert ordered.tolist() == list(range(10))
    with pytest.raises(ValueError, match="must match"):
        Dataset(X, y[:5])


@pytest.mark.data
def test_real_split_sizes_order_and_statistics(real_data):
    from cs231n.data_utils import load_CIFAR10

    d = framework_splits(num_training=300, num_validation=50, num_test=40)
    assert d["X_train"].shape == (300, 32, 32, 3) and d["X_train"].dtype == np.float32
    assert d["X_val"].shape == (50, 32, 32, 3) and d["X_test"].shape == (40, 32, 32, 3)
    np.testing.assert_allclose(d["X_train"].mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(d["X_train"].std(axis=(0, 1, 2)), 1, atol=1e-4)
    Xtr, ytr, Xte, yte = load_CIFAR10(dtype=np.uint8)
    # Validation rows are the 300..349th training images, test rows the first test images.
    np.testing.assert_allclose(d["X_val"][0] * d["std"] + d["mean"], Xtr[300], atol=1e-3)
    assert np.array_equal(d["y_val"], ytr[300:350]) and np.array_equal(d["y_test"], yte[:40])
    with pytest.raises(ValueError, match="exceeds"):
        framework_splits(num_training=len(Xtr), num_validation=1)
