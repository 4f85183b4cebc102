"""cs231n.image_utils: SqueezeNet pre/post-processing, the blur filter, image files."""

import numpy as np
import pytest
from PIL import Image

from cs231n import image_utils as iu
from cs231n.paths import DatasetNotFoundError
from tests.checks import assert_close, torch_forward_backward

pytestmark = pytest.mark.a3


def test_blur_image_matches_the_official_convolution_in_torch(rng):
    X = rng.standard_normal((2, 3, 5, 6))
    # The official code: a 3x3 conv with a diagonal weight (channel i -> i), pad 1.
    w = np.zeros((3, 3, 3, 3))
    for i in range(3):
        w[i, i] = np.array([[1, 2, 1], [2, 188, 2], [1, 2, 1]]) / 200.0

    def conv(x, w):
        import torch.nn.functional as F

        return F.conv2d(x, w, padding=1)

    expected, _ = torch_forward_backward(conv, {"x": X, "w": w}, dout=np.ones((2, 3, 5, 6)))
    out = iu.blur_image(X)
    assert out.shape == X.shape
    assert_close(out, expected, tol=1e-12, what="blur_image")
    # a constant image keeps its value away from the border (the weights sum to 1)
    assert np.allclose(iu.blur_image(np.ones((1, 3, 5, 5)))[0, :, 1:-1, 1:-1], 1.0)
    with pytest.raises(ValueError, match=r"X must be \(N, C, H, W\)"):
        iu.blur_image(np.ones((3, 5, 5)))


def test_preprocess_then_deprocess_gives_the_pixels_back(rng):
    img = rng.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    x = iu.preprocess_image(img)
    assert x.dtype == np.float32 and x.shape == (4, 5, 3)
    np.testing.assert_allclose(x, (img / 255.0 - iu.SQUEEZENET_MEAN) / iu.SQUEEZENET_STD, rtol=1e-5)
    back = iu.deprocess_image(x)
    assert back.dtype == np.uint8 and np.abs(back.astype(int) - img).max() <= 1  # truncation
    stretched = iu.deprocess_image(x, rescale=True)
    assert stretched.min() == 0 and stretched.max() == 255
    with pytest.raises(ValueError, match="3 channels"):
        iu.preprocess_image(np.zeros((4, 5)))


def test_load_image_resizes_the_shorter_side_keeping_aspect(tmp_path, rng):
    pixels = rng.integers(0, 256, size=(30, 45, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "im.png")
    img = iu.load_image(tmp_path / "im.png")
    np.testing.assert_array_equal(img, pixels)
    assert iu.load_image(tmp_path / "im.png", size=20).shape == (20, 30, 3)
    Image.fromarray(pixels[:, :, 0]).save(tmp_path / "gray.png")
    assert iu.load_image(tmp_path / "gray.png").shape == (30, 45, 3), "grey images become RGB"
    with pytest.raises(ValueError, match="load_image: size must be an integer >= 1"):
        iu.load_image(tmp_path / "im.png", size=0)


def test_resolve_image_path_finds_course_images_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path))
    (tmp_path / "styles").mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "styles" / "muse.jpg")
    expected = tmp_path / "styles" / "muse.jpg"
    assert iu.resolve_image_path("muse") == expected
    assert iu.resolve_image_path("muse.jpg") == expected
    assert iu.resolve_image_path("styles/muse.jpg") == expected
    with pytest.raises(DatasetNotFoundError, match=r"'extras'.*cs231n data fetch extras"):
        iu.resolve_image_path("kitten")
    with pytest.raises(FileNotFoundError, match="not one of"):
        iu.resolve_image_path("no_such_picture.png")


def test_image_from_url_reads_a_file_url_and_returns_none_on_error(tmp_path, capsys):
    pixels = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    Image.fromarray(pixels).save(tmp_path / "p.png")
    np.testing.assert_array_equal(iu.image_from_url((tmp_path / "p.png").as_uri()), pixels)
    assert iu.image_from_url((tmp_path / "missing.png").as_uri()) is None
    assert "URL Error" in capsys.readouterr().out


def test_load_image_gives_the_array_the_official_imread_gives(tmp_path, rng):
    """The official code reads images with imageio's imread: the same JPEG, the same pixels."""
    import imageio.v2 as imageio

    smooth = np.linspace(0, 255, 40 * 60 * 3).reshape(40, 60, 3).astype(np.uint8)
    Image.fromarray(smooth).save(tmp_path / "im.jpg", quality=75)
    official = imageio.imread(tmp_path / "im.jpg")
    np.testing.assert_array_equal(iu.load_image(tmp_path / "im.jpg"), official)
    assert not np.array_equal(official, smooth)  # JPEG is lossy: the decoder's pixels count
