"""cs231n.coco_utils on a tiny captioning folder written with the official file and key names."""

import json

import h5py
import numpy as np
import pytest

from cs231n.coco_utils import decode_captions, load_coco_data, sample_coco_minibatch
from cs231n.data_utils import DatasetFormatError, DatasetReadError
from cs231n.paths import DatasetNotFoundError

pytestmark = pytest.mark.a3

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "on", "mat", "dog"]


def make_coco(root, rng, n_train=12, n_val=5, n_img=(6, 3), T=7, D=(4, 10)):
    """Write the official files: captions h5, PCA and full fc7 features, vocab json, url lists."""
    root.mkdir(parents=True, exist_ok=True)
    V = len(WORDS)
    caps = {s: rng.integers(0, V, size=(n, T)) for s, n in (("train", n_train), ("val", n_val))}
    with h5py.File(root / "coco2014_captions.h5", "w") as f:
        for s, n_im in zip(("train", "val"), n_img):
            f[f"{s}_captions"] = caps[s]
            f[f"{s}_image_idxs"] = rng.integers(0, n_im, size=caps[s].shape[0])
    feats = {}
    for s, n_im in zip(("train", "val"), n_img):
        for suffix, d in (("_pca", D[0]), ("", D[1])):
            feats[s + suffix] = rng.standard_normal((n_im, d)).astype(np.float32)
            with h5py.File(root / f"{s}2014_vgg16_fc7{suffix}.h5", "w") as f:
                f["features"] = feats[s + suffix]
        (root / f"{s}2014_urls.txt").write_text(
            "".join(f"http://img/{s}/{i}.jpg\n" for i in range(n_im))
        )
    vocab = {"idx_to_word": WORDS, "word_to_idx": {w: i for i, w in enumerate(WORDS)}}
    (root / "coco2014_vocab.json").write_text(json.dumps(vocab))
    return caps, feats


def test_load_coco_data_reads_every_official_key(tmp_path, rng):
    caps, feats = make_coco(tmp_path / "coco", rng)
    data = load_coco_data(tmp_path / "coco")
    assert set(data) == {
        "train_captions", "train_image_idxs", "val_captions", "val_image_idxs",
        "train_features", "val_features", "idx_to_word", "word_to_idx", "train_urls", "val_urls",
    }  # fmt: skip
    np.testing.assert_array_equal(data["train_captions"], caps["train"])
    np.testing.assert_array_equal(data["val_features"], feats["val_pca"])
    assert data["train_features"].shape == (6, 4) and data["idx_to_word"] == WORDS
    assert data["word_to_idx"]["cat"] == 5 and data["val_urls"][2] == "http://img/val/2.jpg"
    full = load_coco_data(tmp_path / "coco", pca_features=False)
    np.testing.assert_array_equal(full["train_features"], feats["train"])


def test_max_train_subsamples_captions_with_their_image_indices(tmp_path, rng):
    make_coco(tmp_path / "coco", rng)
    data = load_coco_data(tmp_path / "coco")
    small = load_coco_data(tmp_path / "coco", max_train=5, rng=np.random.default_rng(0))
    mask = np.random.default_rng(0).integers(12, size=5)
    np.testing.assert_array_equal(small["train_captions"], data["train_captions"][mask])
    np.testing.assert_array_equal(small["train_image_idxs"], data["train_image_idxs"][mask])
    assert small["val_captions"].shape == data["val_captions"].shape


def test_sample_coco_minibatch_pairs_captions_features_and_urls(tmp_path, rng):
    make_coco(tmp_path / "coco", rng)
    data = load_coco_data(tmp_path / "coco")
    caps, feats, urls = sample_coco_minibatch(
        data, batch_size=8, split="val", rng=np.random.default_rng(1)
    )
    assert caps.shape == (8, 7) and feats.shape == (8, 4) and urls.shape == (8,)
    mask = np.random.default_rng(1).choice(5, 8)
    idx = data["val_image_idxs"][mask]
    np.testing.assert_array_equal(caps, data["val_captions"][mask])
    np.testing.assert_array_equal(feats, data["val_features"][idx])
    assert list(urls) == [f"http://img/val/{i}.jpg" for i in idx]
    with pytest.raises(ValueError, match="split must be 'train' or 'val'"):
        sample_coco_minibatch(data, split="test")


def test_decode_captions_drops_null_and_stops_after_end():
    caps = np.array([[1, 4, 5, 6, 4, 7, 2, 0, 0], [1, 8, 2, 5, 5, 0, 0, 0, 0]])
    assert decode_captions(caps, WORDS) == ["<START> a cat on a mat <END>", "<START> dog <END>"]
    assert decode_captions(caps[0], WORDS) == "<START> a cat on a mat <END>"
    with pytest.raises(ValueError, match=r"captions must be \(N, T\) or \(T,\)"):
        decode_captions(np.zeros((1, 2, 3), int), WORDS)


def test_missing_captions_file_names_dataset_and_fetch_command(tmp_path, rng, monkeypatch):
    make_coco(tmp_path / "coco_captioning", rng)
    (tmp_path / "coco_captioning" / "coco2014_captions.h5").unlink()
    monkeypatch.setenv("CS231N_DATA", str(tmp_path))
    with pytest.raises(
        DatasetNotFoundError,
        match=r"coco2014_captions.h5 does not exist.*cs231n data fetch coco_captioning",
    ):
        load_coco_data()


def test_corrupted_or_inconsistent_files_are_clear_errors(tmp_path, rng):
    make_coco(tmp_path / "coco", rng)
    p = tmp_path / "coco" / "val2014_vgg16_fc7_pca.h5"
    p.write_bytes(p.read_bytes()[:100])  # truncated
    with pytest.raises(DatasetFormatError, match="val2014_vgg16_fc7_pca.h5: not a readable HDF5"):
        load_coco_data(tmp_path / "coco")
    make_coco(tmp_path / "coco", rng)
    (tmp_path / "coco" / "train2014_urls.txt").write_text("http://only/one\n")
    with pytest.raises(DatasetFormatError, match="1 train urls for 6 feature rows"):
        load_coco_data(tmp_path / "coco")


@pytest.mark.parametrize("name", ["coco2014_captions.h5", "coco2014_vocab.json"])
def test_a_file_that_cannot_be_read_is_not_called_damaged(tmp_path, rng, name):
    # A folder in the file's place (chmod 000 would not stop root, who may run the tests).
    make_coco(tmp_path / "coco", rng)
    p = tmp_path / "coco" / name
    p.unlink()
    p.mkdir()
    with pytest.raises(DatasetReadError, match=rf"{name}: cannot read the .*: Is a directory"):
        load_coco_data(tmp_path / "coco")
