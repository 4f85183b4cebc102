"""The controlled MNIST captioning set: digit strips read aloud, in the COCO layout.

Without data: the strip layout, and a small build from fake digits (each a distinct random
image, so every block of every strip can be traced to its source digit) read back by
``load_coco_data``: every caption reads its strip's digits; rebuilt byte for byte, reused,
rebuilt when a file changes; ``cs231n data build mnist-captions``. With the real MNIST files:
the full set's sizes.
"""

import hashlib
import json

import numpy as np
import pytest

from cs231n.coco_utils import decode_captions, load_coco_data
from cs231n.data import mnist_captions as mc
from cs231n.data.caption_features import fit_pca
from cs231n.data.caption_tokens import SPECIAL_TOKENS
from cs231n.image_utils import image_from_url
from cs231n.paths import CACHE_ENV

pytestmark = pytest.mark.a3


def test_digit_strip_places_digits_left_to_right_and_pads_with_black(rng):
    digits = rng.integers(1, 256, (3, 28, 28)).astype(np.uint8)
    strip = mc.digit_strip(digits)
    assert strip.shape == (28, 28 * 15) and strip.dtype == np.uint8
    for k in range(3):
        np.testing.assert_array_equal(strip[:, 28 * k : 28 * (k + 1)], digits[k])
    assert not strip[:, 84:].any()
    with pytest.raises(ValueError, match=r"digits must be \(L, 28, 28\) with 1 <= L <= 15"):
        mc.digit_strip(np.zeros((16, 28, 28), np.uint8))


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """Distinct random 'digits' with labels for both splits, small split sizes, an empty cache."""
    rng = np.random.default_rng(3)
    digits = {
        s: (rng.integers(1, 256, (m, 28, 28)).astype(np.uint8), rng.integers(0, 10, m))
        for s, m in (("train", 40), ("val", 20))
    }
    loads = []
    monkeypatch.setattr(mc, "_load_digits", lambda s: loads.append(s) or digits[s])
    monkeypatch.setattr(mc, "NUM_IMAGES", {"train": 12, "val": 5})
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return digits


def _digests(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_every_caption_reads_the_digits_of_its_strip(fake):
    out = mc.build_mnist_captions()
    data = load_coco_data(out)
    full = load_coco_data(out, pca_features=False)
    assert data["train_captions"].shape == (12, 17) and data["val_captions"].shape == (5, 17)
    assert data["idx_to_word"][:4] == list(SPECIAL_TOKENS)
    assert set(data["idx_to_word"][4:]) <= set(mc.DIGIT_WORDS)
    assert full["train_features"].shape == (12, 14 * 210)
    for s in ("train", "val"):
        X, y = fake[s]
        np.testing.assert_array_equal(data[f"{s}_image_idxs"], np.arange(mc.NUM_IMAGES[s]))
        for i, (row, url) in enumerate(zip(data[f"{s}_captions"], data[f"{s}_urls"])):
            strip = image_from_url(url)  # (28, 420): what a notebook shows
            words = decode_captions(row, data["idx_to_word"]).split()[1:-1]
            assert 1 <= len(words) <= 15 and not strip[:, 28 * len(words) :].any()
            for k, w in enumerate(words):  # find the source digit of block k: its label is word k
                block = strip[:, 28 * k : 28 * (k + 1)]
                (src,) = np.flatnonzero((X == block).all(axis=(1, 2)))
                assert mc.DIGIT_WORDS[y[src]] == w
            pooled = strip.reshape(14, 2, 210, 2).mean(axis=(1, 3)).ravel() / 255  # (2940,)
            np.testing.assert_allclose(full[f"{s}_features"][i], pooled, rtol=1e-6)
        listed = (out / f"{s}2014_images.txt").read_text().split()
        assert [out / n for n in listed] == [out / "images" / f"{s}_{i:05d}.png" for i in range(
            mc.NUM_IMAGES[s])]  # fmt: skip
    mean, comps, _ = fit_pca(full["train_features"], 12)
    np.testing.assert_allclose(
        data["val_features"], (full["val_features"] - mean) @ comps.T, atol=1e-4
    )
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert manifest["num_images"] == {"train": 12, "val": 5} and manifest["seed"] == 0
    assert "pixels" in manifest["features_note"] and "not VGG16" in manifest["features_note"]
    assert set(manifest["files"]) == set(_digests(out)) - {"MANIFEST.json"}


def test_same_seed_same_bytes_reuse_and_rebuild_when_damaged(fake, monkeypatch):
    out = mc.build_mnist_captions()
    good = _digests(out)
    mc.build_mnist_captions(force=True)
    assert _digests(out) == good and mc.is_built()
    stamp = (out / "coco2014_captions.h5").stat().st_mtime_ns
    assert mc.build_mnist_captions() == out
    assert (out / "coco2014_captions.h5").stat().st_mtime_ns == stamp  # reused
    (out / "images" / "val_00002.png").write_bytes(b"")  # damaged: rebuilt
    assert not mc.is_built()
    mc.build_mnist_captions()
    assert _digests(out) == good
    assert not mc.is_built(seed=1)
    mc.build_mnist_captions(seed=1)
    assert _digests(out)["coco2014_captions.h5"] != good["coco2014_captions.h5"]
    assert sorted(p.name for p in out.parent.iterdir()) == [mc.FOLDER]  # no temporary folders
    assert mc.is_built(seed=1)
    monkeypatch.setattr(mc, "PCA_DIM", 8)  # stale: another setting of the build
    assert not mc.is_built(seed=1)


def test_cli_data_build_mnist_captions(fake, capsys):
    from cs231n.tooling import cli

    assert cli.main(["data", "build", "mnist-captions"]) == 0
    assert f"mnist-captions: wrote {mc.built_folder()}" in capsys.readouterr().out
    assert cli.main(["data", "build", "mnist-captions"]) == 0
    assert "mnist-captions: already built" in capsys.readouterr().out


@pytest.mark.data
@pytest.mark.slow
def test_the_real_mnist_captioning_set(real_data, tmp_path, monkeypatch):
    """The full set from the real MNIST files (about 20 s here)."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    out = mc.build_mnist_captions()
    data = load_coco_data(out)
    assert data["train_captions"].shape == (4000, 17) and data["val_captions"].shape == (1000, 17)
    assert sorted(data["idx_to_word"]) == sorted([*SPECIAL_TOKENS, *mc.DIGIT_WORDS])
    assert data["train_features"].shape == (4000, 512) and np.isfinite(data["val_features"]).all()
    lengths = (data["train_captions"] > 2).sum(axis=1)  # words per caption
    assert lengths.min() == 1 and lengths.max() == 15
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert manifest["sources"]["train_mnist_train"]["num_images"] == 60000
    assert manifest["sources"]["val_mnist_test"]["num_images"] == 10000
