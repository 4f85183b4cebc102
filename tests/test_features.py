"""Image features (HOG, hue histogram, extract_features) and the image-grid helpers."""

import functools

import matplotlib.colors
import numpy as np
import pytest
from scipy.ndimage import uniform_filter

from cs231n.features import (
    color_histogram_hsv,
    extract_features,
    hog_feature,
    rgb2gray,
)
from cs231n.vis_utils import vis_grid, vis_nn, visualize_grid
from tests.checks import assert_close

pytestmark = pytest.mark.a1


def _stripes(direction: str, size: int = 32) -> np.ndarray:
    """A gray RGB image whose intensity ramps along one direction: (size, size, 3)."""
    r = np.arange(size, dtype=float)
    if direction == "x":  # varies along columns: vertical edges, horizontal gradient
        g = np.tile(r * 5, (size, 1))
    elif direction == "y":
        g = np.tile(r[:, None] * 5, (1, size))
    else:  # along the diagonal
        g = (r[:, None] + r[None, :]) * 3
    return np.repeat(g[:, :, None], 3, axis=2)


@pytest.mark.parametrize(
    "direction, expected_bin",
    # Orientation = angle of the gradient + 90 deg (mod 180), bins of 20 deg:
    # gradient along x -> 90 deg -> bin 4; along y -> 180 = 0 deg -> bin 0;
    # along the diagonal (45 deg) -> 135 deg -> bin 6.
    [("x", 4), ("y", 0), ("diag", 6)],
)
def test_hog_puts_the_energy_in_the_edge_orientation_bin(direction, expected_bin):
    feat = hog_feature(_stripes(direction))
    assert feat.shape == (4 * 4 * 9,)
    per_bin = feat.reshape(16, 9).sum(axis=0)
    assert np.argmax(per_bin) == expected_bin
    # Everything else holds only the zero-padding border effects.
    assert per_bin[expected_bin] > 0.85 * per_bin.sum()


def _hog_reference(im):
    """The documented semantics, written plainly: per-pixel forward differences,
    9 unsigned bins of 20 degrees, a uniform 8x8 filter sampled at the cell
    centres, cells in column-major order."""
    gray = rgb2gray(im)
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, :-1] = np.diff(gray, axis=1)
    gy[:-1, :] = np.diff(gray, axis=0)
    mag = np.sqrt(gx**2 + gy**2)
    ori = (np.arctan2(gy, gx) * 180 / np.pi + 90) % 180
    n_rows, n_cols = gray.shape[0] // 8, gray.shape[1] // 8
    hist = np.zeros((n_cols, n_rows, 9))
    for b in range(9):
        in_bin = (ori >= 20 * b) & (ori < 20 * (b + 1))
        filtered = uniform_filter(np.where(in_bin, mag, 0.0), size=(8, 8))
        hist[:, :, b] = filtered[4 : 8 * n_rows : 8, 4 : 8 * n_cols : 8].T
    return hist.ravel()


def test_hog_matches_the_filter_based_reference(rng):
    for shape in [(32, 32, 3), (24, 40, 3), (35, 17, 3)]:
        im = rng.uniform(0, 255, size=shape)
        assert_close(hog_feature(im), _hog_reference(im), 1e-10, f"hog {shape}")


def test_hog_batch_equals_one_image_at_a_time(rng):
    ims = rng.uniform(0, 255, size=(5, 16, 16, 3))
    batch = hog_feature.batch(ims)
    assert batch.shape == (5, 2 * 2 * 9)
    for i in range(5):
        assert_close(batch[i], hog_feature(ims[i]), 1e-12, f"image {i}")


def test_color_histogram_matches_numpy_histogram(rng):
    im = rng.uniform(0, 255, size=(8, 8, 3))
    im[0, 0] = [255, 0, 0]  # pure red: hue 0, on the lowest edge
    hue = matplotlib.colors.rgb_to_hsv(im / 255) * 255
    counts, edges = np.histogram(hue[:, :, 0], bins=np.linspace(0, 255, 8), density=True)
    expected = counts * np.diff(edges)
    assert_close(color_histogram_hsv(im, nbin=7), expected, 1e-12, "normalized histogram")
    raw = color_histogram_hsv(im, nbin=7, normalized=False)
    assert raw.sum() == 64
    assert_close(raw, np.histogram(hue[:, :, 0], bins=np.linspace(0, 255, 8))[0], 1e-15, "counts")


def test_extract_features_vectorized_and_plain_paths_agree(rng):
    imgs = rng.uniform(0, 255, size=(7, 16, 16, 3))
    fast = extract_features(
        imgs, [hog_feature, functools.partial(color_histogram_hsv, nbin=5)], chunk=3
    )
    slow = extract_features(
        imgs, [lambda im: hog_feature(im), lambda im: color_histogram_hsv(im, nbin=5)]
    )
    assert fast.shape == (7, 36 + 5)
    assert_close(fast, slow, 1e-12, "features")


def test_feature_functions_reject_bad_shapes():
    with pytest.raises(ValueError, match="extract_features: imgs must have shape \\(N, H, W, C\\)"):
        extract_features(np.zeros((4, 32, 32)), [hog_feature])
    with pytest.raises(ValueError, match="at least 8x8"):
        hog_feature(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="\\(H, W, 3\\)"):
        color_histogram_hsv(np.zeros((8, 8)))


def test_visualize_grid_tiles_and_rescales(rng):
    Xs = rng.normal(size=(5, 4, 3, 2))
    grid = visualize_grid(Xs, ubound=255.0, padding=1)
    assert grid.shape == (3 * 4 + 2, 3 * 3 + 2, 2)  # ceil(sqrt(5)) = 3 tiles a side
    tile = grid[5:9, 0:3]  # image 3 sits in row 1, column 0
    assert tile.min() == 0 and tile.max() == 255
    assert_close(tile, 255 * (Xs[3] - Xs[3].min()) / np.ptp(Xs[3]), 1e-12, "tile 3")


def test_vis_grid_and_vis_nn_shapes_and_range(rng):
    Xs = rng.normal(size=(4, 5, 5, 3))
    g = vis_grid(Xs)
    assert g.shape == (2 * 5 + 2, 2 * 5 + 2, 3) and g.min() == 0 and g.max() == 1
    rows = [[Xs[0], Xs[1], Xs[2]], [Xs[3], Xs[0], Xs[1]]]
    n = vis_nn(rows)
    assert n.shape == (2 * 5 + 2, 3 * 5 + 3, 3) and 0 <= n.min() and n.max() <= 1
    with pytest.raises(ValueError, match="row 1 has 2 images"):
        vis_nn([[Xs[0]] * 3, [Xs[0]] * 2])
