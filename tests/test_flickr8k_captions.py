"""The offline Flickr8k captioning set in the COCO layout, and the caption text rules it uses.

Without data: tokenization, the token-file parser (tab or space), padding and truncation,
the ``<UNK>`` threshold, the seeded split by image, the PCA; then whole builds from a small
Flickr8k-format folder the tests write (real JPEGs, a token file) with a random SqueezeNet
trunk, read back by ``load_coco_data`` (both feature variants), rebuilt byte for byte,
reused, forced, and left intact by a failing build; the ``cs231n data build
flickr8k-captions`` command and the ``coco`` alias of ``fetch``/``verify``. With the real data
folder: the full set from ``$CS231N_DATA/flickr8k`` with the real weights.
"""

import hashlib
import json
import time

import imageio.v2 as imageio
import numpy as np
import pytest

from cs231n.coco_utils import decode_captions, load_coco_data
from cs231n.data import flickr8k_captions as fc
from cs231n.data.caption_features import fit_pca
from cs231n.data.caption_tokens import (
    MAX_LENGTH,
    SPECIAL_TOKENS,
    build_vocabulary,
    encode_captions,
    tokenize,
)
from cs231n.paths import CACHE_ENV, DATA_ENV, DatasetNotFoundError

pytestmark = pytest.mark.a3


# ------------------------------------------------------------------------- caption text


def test_tokenize_lowercases_deletes_punctuation_and_keeps_digits():
    assert tokenize("A man's T-shirt, red .") == ["a", "mans", "tshirt", "red"]
    assert tokenize('Two "dogs" (playing)!\tin  3 parks ;') == ["two", "dogs", "playing", "in", "3", "parks"]  # fmt: skip
    assert tokenize(" . ") == []
    with pytest.raises(ValueError, match="tokenize: caption must be a str, got int"):
        tokenize(3)


def test_the_course_vocabulary_follows_the_same_rules(real_data):
    vocab = json.loads((real_data / "coco_captioning" / "coco2014_vocab.json").read_text())
    words = vocab["idx_to_word"]
    assert tuple(words[:4]) == SPECIAL_TOKENS
    assert all(tokenize(w) == [w] for w in words[4:])  # no punctuation, already lower case
    assert "mans" in words and "closeup" in words and "s" not in words  # deleted, not split


def test_parse_token_file_accepts_tab_or_space_and_orders_by_k(tmp_path):
    p = tmp_path / "tokens.txt"
    p.write_text(
        "b.jpg#1\tA second caption .\n"
        "a.jpg#0 Spaced key , as in three lines of the real file .\n"
        "\n"
        "b.jpg#0\tThe first one\n"
        "a.jpg#1\tTab  and  double  spaces\n"
    )
    assert fc.parse_token_file(p) == {
        "b.jpg": ["The first one", "A second caption ."],
        "a.jpg": ["Spaced key , as in three lines of the real file .", "Tab  and  double  spaces"],
    }
    p.write_text("a.jpg#0\tok\na.jpg caption without a number\n")
    with pytest.raises(ValueError, match=r"line 2 is not '<image>#<k>' followed by a tab"):
        fc.parse_token_file(p)
    p.write_text("a.jpg#0\tone\na.jpg#0 two\n")
    with pytest.raises(ValueError, match=r"line 2: a.jpg#0 again"):
        fc.parse_token_file(p)


def test_encode_pads_with_null_uses_unk_and_cuts_long_captions_to_15_words():
    idx_to_word, word_to_idx = build_vocabulary([["a", "dog"], ["a", "cat"]], min_count=1)
    long = ["a", "dog"] * 10  # 20 words
    caps, truncated = encode_captions([["a", "zebra"], long, []], word_to_idx)
    assert caps.shape == (3, MAX_LENGTH) == (3, 17) and caps.dtype == np.int32
    a, dog = word_to_idx["a"], word_to_idx["dog"]
    assert caps[0].tolist() == [1, a, 3, 2] + [0] * 13  # <START> a <UNK> <END> <NULL>...
    assert caps[1].tolist() == [1, *([a, dog] * 8)[:15], 2]  # first 15 words, then <END>
    assert caps[2].tolist() == [1, 2] + [0] * 15
    assert truncated == 1
    assert decode_captions(caps[1], idx_to_word).split()[-1] == "<END>"
    with pytest.raises(ValueError, match="must map <UNK> to 3, got None"):
        encode_captions([["a"]], {"<NULL>": 0, "<START>": 1, "<END>": 2})


def test_vocabulary_keeps_words_at_the_threshold_by_count_then_alphabet():
    train = [["b", "a", "c"], ["a", "b", "d"], ["a", "e"], ["e", "b"]]
    idx_to_word, word_to_idx = build_vocabulary(train, min_count=2)
    # counts a 3, b 3, e 2, c 1, d 1: c and d are rarer than 2 -> <UNK>
    assert idx_to_word == [*SPECIAL_TOKENS, "a", "b", "e"]
    assert word_to_idx == {w: i for i, w in enumerate(idx_to_word)}
    assert build_vocabulary(train, min_count=4)[0] == list(SPECIAL_TOKENS)
    with pytest.raises(ValueError, match="min_count must be an integer >= 1, got 0"):
        build_vocabulary(train, min_count=0)


def test_split_by_image_is_seeded_disjoint_and_independent_of_input_order():
    names = [f"{i:04d}_x.jpg" for i in range(1000)]
    train, val = fc.split_images(names, seed=0)
    assert (len(train), len(val)) == (800, 200) and not set(train) & set(val)
    assert sorted(train + val) == names and train == sorted(train) and val == sorted(val)
    assert fc.split_images(names[::-1], seed=0) == (train, val)
    assert fc.split_images(names, seed=1)[1] != val
    with pytest.raises(ValueError, match="1 images cannot be split"):
        fc.split_images(["a.jpg"])


def test_pca_is_orthonormal_sign_fixed_and_reports_explained_variance(rng):
    X = rng.standard_normal((40, 6)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.1])
    mean, comps, explained = fit_pca(X, 3)
    assert comps.shape == (3, 6)
    np.testing.assert_allclose(comps @ comps.T, np.eye(3), atol=1e-12)
    assert np.all(comps[np.arange(3), np.abs(comps).argmax(axis=1)] > 0)
    Z = (X - mean) @ comps.T  # (40, 3)
    total = ((X - mean) ** 2).sum()
    assert explained == pytest.approx((Z**2).sum() / total) and 0.9 < explained < 1
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    with pytest.raises(ValueError, match="1 <= dim <= min"):
        fit_pca(X, 7)


# ------------------------------------------------------------------- builds on a fake folder

WORDS = ["dog", "runs", "on", "grass", "a", "red", "ball", "child", "jumps", "water"]
N_IMAGES = 10


def _names():
    return [f"{1000 + i}_{i:02x}ab.jpg" for i in range(N_IMAGES)]


@pytest.fixture
def fake(tmp_path, monkeypatch):
    """A Flickr8k-format data folder (10 real JPEGs, one grayscale, 5 captions each, one line
    with a space after the key, captions of an image that is absent), an empty cache, and a
    random SqueezeNet trunk in place of the pretrained one (``calls`` counts builds)."""
    torch = pytest.importorskip("torch")
    from cs231n.frameworks.squeezenet_torch import SqueezeNet

    rng = np.random.default_rng(5)
    src = tmp_path / "data" / "flickr8k"
    (src / "images").mkdir(parents=True)
    names = _names()
    train, val = fc.split_images(names, seed=0)
    lines = []
    for i, name in enumerate(names):
        h, w = (60 + 7 * i, 80 - 3 * i)
        shape = (h, w) if i == 3 else (h, w, 3)
        imageio.imwrite(src / "images" / name, rng.integers(0, 256, shape).astype(np.uint8))
        for k in range(5):
            words = list(rng.choice(WORDS, size=4 + k))
            if name in val:
                words.append("zebra")  # common, but only in validation captions -> <UNK>
            if (i, k) == (0, 4):
                words = words * 5  # 40 words: cut to 15
            sep = " " if (i, k) == (1, 0) else "\t"
            lines.append(f"{name}#{k}{sep}{' '.join(words).capitalize()} .\n")
    lines.append("9999_absent.jpg#0\tAn image that is not in images/ .\n")
    (src / fc.TOKEN_FILE).write_text("".join(lines))
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    calls = []

    def random_trunk():
        calls.append(1)
        torch.manual_seed(0)
        return SqueezeNet().features.eval()

    monkeypatch.setattr(fc, "_squeezenet_trunk", random_trunk)
    monkeypatch.setattr(fc, "_weights_source", lambda: "random SqueezeNet (test)")
    monkeypatch.setattr(fc, "MIN_WORD_COUNT", 2)
    return {"src": src, "train": train, "val": val, "calls": calls, "torch": torch}


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_build_writes_the_official_layout_that_load_coco_data_reads(fake):
    torch = fake["torch"]
    out = fc.build_flickr8k_captions()
    assert out == fc.built_folder() and sorted(p.name for p in out.iterdir()) == sorted(
        [*fc.COCO_FILES, "MANIFEST.json"]
    )
    data = load_coco_data(out)
    n_tr, n_va = len(fake["train"]), len(fake["val"])
    assert (n_tr, n_va) == (8, 2)
    assert data["train_captions"].shape == (5 * n_tr, 17) and data["val_captions"].shape == (10, 17)
    for key in ("train_captions", "val_captions", "train_image_idxs", "val_image_idxs"):
        assert data[key].dtype == np.int32, key
    assert data["train_features"].shape == (n_tr, n_tr)  # PCA_DIM capped by 8 training images
    assert data["idx_to_word"][:4] == list(SPECIAL_TOKENS)
    # vocabulary from the training captions only: 'zebra' (10 times in val) is <UNK> there
    assert "zebra" not in data["word_to_idx"]
    assert all("<UNK>" in decode_captions(c, data["idx_to_word"]).split()
               for c in data["val_captions"])  # fmt: skip
    # each caption row is its image's caption, and image_idxs/urls/images.txt agree
    tokens = {n: [tokenize(c) for c in caps] for n, caps in fc.parse_token_file(
        fake["src"] / fc.TOKEN_FILE).items()}  # fmt: skip
    listed = (out / "train2014_images.txt").read_text().split()
    assert listed == [f"flickr8k/images/{n}" for n in fake["train"]]
    for row, idx in zip(data["train_captions"], data["train_image_idxs"]):
        name = fake["train"][idx]
        assert data["train_urls"][idx] == (fake["src"] / "images" / name).as_uri()
        words = decode_captions(row, data["idx_to_word"]).split()[1:-1]
        assert any(words == [w if w in data["word_to_idx"] else "<UNK>" for w in t[:15]]
                   for t in tokens[name])  # fmt: skip
    name0 = _names()[0]  # its caption #4 has 40 words: cut to 15, then <END> in column 17
    split0 = "train" if name0 in fake["train"] else "val"
    rows = data[f"{split0}_captions"][data[f"{split0}_image_idxs"] == fake[split0].index(name0)]
    assert (rows[:, -1] == 2).sum() == 1 and (data["train_captions"][:, -1] == 2).sum() == (
        split0 == "train"
    )
    # the 512-d features are the trunk's mean activation on the preprocessed 224x224 image
    full = load_coco_data(out, pca_features=False)
    assert full["train_features"].shape == (n_tr, 512) and full["val_features"].dtype == np.float32
    from PIL import Image

    from cs231n.image_utils import image_from_url, preprocess_image

    photo = fake["src"] / "images" / fake["val"][1]
    img = np.asarray(Image.open(photo).convert("RGB").resize((224, 224), Image.BILINEAR))
    x = torch.from_numpy(preprocess_image(img).transpose(2, 0, 1)[None].copy())
    with torch.no_grad():
        want = fc._squeezenet_trunk()(x).mean(dim=(2, 3)).numpy()[0]
    np.testing.assert_allclose(full["val_features"][1], want, rtol=1e-4, atol=1e-6)
    # the PCA variant: fitted on the training features only, applied to both splits
    mean, comps, explained = fit_pca(full["train_features"], n_tr)
    for s in ("train", "val"):
        np.testing.assert_allclose(
            data[f"{s}_features"], (full[f"{s}_features"] - mean) @ comps.T, atol=1e-4
        )
    np.testing.assert_array_equal(image_from_url(full["val_urls"][1]), imageio.imread(photo))
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert manifest["files"] == {n: h for n, h in _digests(out).items() if n in fc.COCO_FILES}
    assert manifest["split"]["train"] == {
        "images": 8, "captions": 40, "truncated": int(split0 == "train")
    }  # fmt: skip
    assert manifest["seed"] == 0 and manifest["vocab_size"] == len(data["idx_to_word"])
    assert manifest["features"]["pca_explained_variance"] == pytest.approx(explained, abs=1e-6)
    assert "SqueezeNet" in manifest["features_note"] and "not VGG16" in manifest["features_note"]
    assert manifest["sources"]["weights"] == "random SqueezeNet (test)"
    assert manifest["sources"]["num_image_files"] == N_IMAGES
    token_sha = hashlib.sha256((fake["src"] / fc.TOKEN_FILE).read_bytes()).hexdigest()
    assert manifest["sources"]["token_file_sha256"] == token_sha


def test_same_seed_rebuilds_byte_identical_files_and_another_seed_another_split(fake):
    out = fc.build_flickr8k_captions()
    first = _digests(out)
    fc.build_flickr8k_captions(force=True)
    assert len(fake["calls"]) == 2 and _digests(out) == first  # features too, on this machine
    assert fc.is_built(seed=0) and not fc.is_built(seed=1)
    fc.build_flickr8k_captions(seed=1)
    assert len(fake["calls"]) == 3 and fc.is_built(seed=1)
    assert (out / "val2014_images.txt").read_text().split() != [
        f"flickr8k/images/{n}" for n in fake["val"]
    ]


def test_a_valid_build_is_reused_a_damaged_or_stale_one_rebuilt(fake, monkeypatch):
    out = fc.build_flickr8k_captions()
    good = _digests(out)
    stamp = (out / "coco2014_captions.h5").stat().st_mtime_ns
    assert fc.build_flickr8k_captions() == out and len(fake["calls"]) == 1
    assert (out / "coco2014_captions.h5").stat().st_mtime_ns == stamp
    with open(out / "val2014_urls.txt", "a") as f:
        f.write("file:///extra\n")  # damaged: its sha256 no longer matches the manifest
    assert not fc.is_built()
    fc.build_flickr8k_captions()
    assert len(fake["calls"]) == 2 and _digests(out) == good
    (out / "train2014_vgg16_fc7_pca.h5").unlink()
    assert not fc.is_built()
    monkeypatch.setattr(fc, "_weights_source", lambda: "other weights")  # stale: new weights
    assert not fc.is_built()
    fc.build_flickr8k_captions()
    assert len(fake["calls"]) == 3 and fc.is_built()
    monkeypatch.setattr(fc, "MIN_WORD_COUNT", 3)  # stale: another setting of the build
    assert not fc.is_built()
    assert sorted(p.name for p in out.parent.iterdir()) == [fc.FOLDER]  # no temporary folders


def test_a_failing_build_leaves_no_half_written_folder_and_keeps_the_old_one(fake, monkeypatch):
    working = fc._squeezenet_trunk

    def broken_trunk():
        def trunk(x):
            raise RuntimeError("trunk failed")

        return trunk

    cache = fc.built_folder().parent
    monkeypatch.setattr(fc, "_squeezenet_trunk", broken_trunk)
    with pytest.raises(RuntimeError, match="trunk failed"):  # after the captions were written
        fc.build_flickr8k_captions()
    assert not fc.built_folder().exists() and list(cache.iterdir()) == []
    monkeypatch.setattr(fc, "_squeezenet_trunk", working)
    out = fc.build_flickr8k_captions()
    good = _digests(out)
    monkeypatch.setattr(fc, "_squeezenet_trunk", broken_trunk)
    with pytest.raises(RuntimeError, match="trunk failed"):
        fc.build_flickr8k_captions(force=True)
    assert _digests(out) == good and fc.is_built()
    assert sorted(p.name for p in cache.iterdir()) == [fc.FOLDER]


def test_a_missing_source_file_is_named(fake):
    (fake["src"] / fc.TOKEN_FILE).unlink()
    with pytest.raises(DatasetNotFoundError, match=r"flickr8k/Flickr8k.token.txt does not exist"):
        fc.build_flickr8k_captions()
    fake["src"].joinpath("images").rename(fake["src"] / "moved")
    (fake["src"] / fc.TOKEN_FILE).write_text("")
    with pytest.raises(DatasetNotFoundError, match=r"flickr8k/images does not exist"):
        fc.captioning_folder()


def test_captioning_folder_uses_complete_coco_files_else_the_offline_set(fake):
    from cs231n.data.registry import REGISTRY, DatasetName
    from cs231n.paths import data_root

    folder, which = fc.captioning_folder()
    assert folder == fc.built_folder() and fc.is_built()
    assert (
        which.startswith("Using the offline Flickr8k captioning set") and "8 train / 2 val" in which
    )
    assert which.endswith("coco_captioning/coco2014_captions.h5 is missing.")
    for spec in REGISTRY[DatasetName.COCO_CAPTIONING].files:
        if not spec.optional:  # the 4096-d files are optional, as in the registry
            (data_root() / spec.path).parent.mkdir(parents=True, exist_ok=True)
            (data_root() / spec.path).write_bytes(b"")
    folder, which = fc.captioning_folder()
    assert folder == data_root() / "coco_captioning"
    assert which == f"Using the course's COCO captioning files in {folder}."


def test_cli_data_build_flickr8k_captions(fake, capsys, monkeypatch, tmp_path):
    from cs231n.tooling import cli

    assert cli.main(["data", "build", "flickr8k-captions"]) == 0
    out = capsys.readouterr().out
    assert "flickr8k-captions: building the offline captioning set" in out
    assert f"wrote {fc.built_folder()}" in out and fc.is_built()
    assert cli.main(["data", "build", "flickr8k-captions"]) == 0
    assert "flickr8k-captions: already built" in capsys.readouterr().out
    assert cli.main(["data", "build", "flickr8k-captions", "--force"]) == 0
    assert "wrote" in capsys.readouterr().out and len(fake["calls"]) == 2
    assert cli.main(["data", "build", "nope"]) == 2
    assert "buildable: squeezenet, flickr8k-captions" in capsys.readouterr().err
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "empty"))
    assert cli.main(["data", "build", "flickr8k-captions"]) == 1
    err = capsys.readouterr().err
    assert "flickr8k-captions: error" in err and "Flickr8k.token.txt does not exist" in err


def test_fetch_and_verify_accept_coco_for_coco_captioning(tmp_path, monkeypatch, capsys):
    from cs231n.tooling import cli, data_commands

    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    fetched = []
    monkeypatch.setattr(data_commands, "fetch", lambda name: fetched.append(name) or [])
    assert cli.main(["data", "fetch", "coco"]) == 0 and fetched == ["coco_captioning"]
    assert "coco_captioning: already present" in capsys.readouterr().out
    assert cli.main(["data", "verify", "coco"]) == 1  # nothing here: the required files missing
    out = capsys.readouterr().out
    assert "coco_captioning:" in out and "missing     coco_captioning/coco2014_captions.h5" in out
    assert cli.main(["data", "fetch", "cocoa"]) == 2


# ------------------------------------------------------------------------- real data


@pytest.mark.data
@pytest.mark.slow
def test_the_real_offline_set_from_flickr8k(real_data, tmp_path, monkeypatch):
    """The whole build from ``$CS231N_DATA/flickr8k`` with the real weights (about 35 s
    single-threaded here, SqueezeNet weights built into the temporary cache included)."""
    pytest.importorskip("torch")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    t0 = time.perf_counter()
    out = fc.build_flickr8k_captions()
    elapsed = time.perf_counter() - t0
    print(f"built the offline captioning set in {elapsed:.1f} s")
    captions = fc.parse_token_file(real_data / "flickr8k" / fc.TOKEN_FILE)
    present = {p.name for p in (real_data / "flickr8k" / "images").iterdir()}
    assert len(present) == 1000 and present <= set(captions)
    # 5,000 captions: the README's 4,997 is what splitting on tabs alone finds (it loses the
    # three lines whose key is followed by a space)
    lines = (real_data / "flickr8k" / fc.TOKEN_FILE).read_text().splitlines()
    ours = [ln for ln in lines if ln.split("#")[0] in present]
    assert len(ours) == sum(len(captions[n]) for n in present) == 5000
    assert sum("\t" in ln for ln in ours) == 4997
    data = load_coco_data(out)
    full = load_coco_data(out, pca_features=False)
    manifest = json.loads((out / "MANIFEST.json").read_text())
    assert manifest["split"]["train"]["images"] == 800 and manifest["split"]["val"]["images"] == 200
    assert data["train_captions"].shape == (4000, 17) and data["val_captions"].shape == (1000, 17)
    assert data["idx_to_word"][:4] == list(SPECIAL_TOKENS)
    assert len(data["idx_to_word"]) == manifest["vocab_size"] == 775
    assert full["train_features"].shape == (800, 512) and full["val_features"].shape == (200, 512)
    assert data["train_features"].shape == (800, fc.PCA_DIM)
    for d in (data, full):
        assert np.isfinite(d["train_features"]).all() and np.isfinite(d["val_features"]).all()
    assert full["train_features"].min() >= 0  # averaged ReLU outputs
    assert 0.8 < manifest["features"]["pca_explained_variance"] < 0.95
    assert (
        "DeepScale" in manifest["sources"]["weights"]
        or "official" in manifest["sources"]["weights"]
    )
    assert data["val_urls"][0].startswith("file://") and data["val_urls"][0].endswith(".jpg")
    assert fc.build_flickr8k_captions() == out  # reused
