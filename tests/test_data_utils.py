"""The loaders of cs231n.data_utils on tiny files written in each official format.

Each test writes a few rows into ``tmp_path`` exactly as the official files are
laid out (a python-2 pickle for CIFAR-10, big-endian idx for MNIST, ...), loads
them back and checks every value; damaged files must give a clear error.
"""

import gzip
import io
import pickle
import struct

import numpy as np
import pytest

from cs231n import data_utils as du
from cs231n.paths import DatasetNotFoundError

pytestmark = pytest.mark.a1


# --------------------------------------------------------------------------- writers


def _pint(v: int) -> bytes:
    """A pickle integer opcode as python 2 wrote it."""
    if 0 <= v < 256:
        return b"K" + bytes([v])
    if 0 <= v < 65536:
        return b"M" + struct.pack("<H", v)
    return b"J" + struct.pack("<i", v)


def _pstr(b: bytes) -> bytes:
    """A python-2 ``str`` (SHORT_BINSTRING / BINSTRING)."""
    return b"U" + bytes([len(b)]) + b if len(b) < 256 else b"T" + struct.pack("<i", len(b)) + b


def py2_cifar_pickle(data: np.ndarray, labels, batch_label: str, filenames=None) -> bytes:
    """A CIFAR-10 batch with the opcodes of the official (python 2, protocol 2) files:
    py2 ``str`` keys, a labels list, and the pixels as a ``numpy.core`` reconstruct."""
    n = data.shape[0]
    out = b"\x80\x02}("  # PROTO 2, EMPTY_DICT, MARK
    out += _pstr(b"batch_label") + _pstr(batch_label.encode())
    out += _pstr(b"labels") + b"](" + b"".join(_pint(int(v)) for v in labels) + b"e"
    out += _pstr(b"data")
    out += b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" + _pint(0) + b"\x85"
    out += _pstr(b"b") + b"\x87R("  # TUPLE3 REDUCE, MARK (the state tuple)
    out += _pint(1) + _pint(n) + _pint(3072) + b"\x86"  # version, shape
    out += b"cnumpy\ndtype\n" + _pstr(b"u1") + _pint(0) + _pint(1) + b"\x87R"
    out += b"(" + _pint(3) + _pstr(b"|") + b"NNN" + _pint(-1) + _pint(-1) + _pint(0) + b"tb"
    out += b"\x89" + _pstr(data.astype(np.uint8).tobytes()) + b"tb"  # NEWFALSE, pixels
    if filenames is not None:
        out += _pstr(b"filenames") + b"](" + b"".join(_pstr(f.encode()) for f in filenames) + b"e"
    return out + b"u."  # SETITEMS, STOP


def make_cifar_folder(root, rng, n_train=7, n_test=5, filenames=False):
    """Five training batches of ``n_train`` rows and a test batch: returns the raw rows."""
    root.mkdir(parents=True, exist_ok=True)
    rows = {}
    names = [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(names):
        n = n_test if name == "test_batch" else n_train
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n)
        fn = [f"img_{i}_{j}.png" for j in range(n)] if filenames else None
        (root / name).write_bytes(py2_cifar_pickle(data, labels, f"batch {i}", fn))
        rows[name] = (data, labels)
    return rows


def write_idx(path, array: np.ndarray, magic: int | None = None):
    """An idx file: magic 0x0800 + ndim, big-endian uint32 dims, then the bytes."""
    ndim = array.ndim
    raw = struct.pack(">I", magic if magic is not None else 0x0800 + ndim)
    raw += struct.pack(f">{ndim}I", *array.shape) + array.astype(np.uint8).tobytes()
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb") as f:
            f.write(raw)
    else:
        path.write_bytes(raw)
    return raw


# --------------------------------------------------------------------------- CIFAR-10


def _expected_images(data):
    # Row layout: 1024 red, 1024 green, 1024 blue, each row-major 32x32.
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float64)


def test_load_cifar10_reads_py2_pickles_with_row_counts_from_the_file(tmp_path, rng):
    rows = make_cifar_folder(tmp_path / "cifar", rng, n_train=7, n_test=5)
    Xtr, ytr, Xte, yte = du.load_CIFAR10(str(tmp_path / "cifar"))
    assert Xtr.shape == (35, 32, 32, 3) and Xtr.dtype == np.float64
    assert Xte.shape == (5, 32, 32, 3) and ytr.dtype == np.int64 and yte.shape == (5,)
    data = np.concatenate([rows[f"data_batch_{b}"][0] for b in range(1, 6)])
    np.testing.assert_array_equal(Xtr, _expected_images(data))
    np.testing.assert_array_equal(
        ytr, np.concatenate([rows[f"data_batch_{b}"][1] for b in range(1, 6)])
    )
    np.testing.assert_array_equal(Xte, _expected_images(rows["test_batch"][0]))
    np.testing.assert_array_equal(yte, rows["test_batch"][1])
    # pixel (row 0, h=1, w=2, green) is data[0, 1024 + 1*32 + 2]
    assert Xtr[0, 1, 2, 1] == data[0, 1024 + 34]


def test_py2_pickle_loads_with_latin1_str_keys_like_the_official_files(tmp_path, rng):
    data = rng.integers(0, 256, size=(3, 3072), dtype=np.uint8)
    blob = py2_cifar_pickle(data, [1, 2, 3], "training batch 1 of 5")
    d = pickle.loads(blob, encoding="latin1")  # what the official load_pickle does
    assert set(d) == {"batch_label", "labels", "data"}
    d = du.load_pickle(io.BytesIO(blob))
    np.testing.assert_array_equal(d["data"], data)


def test_load_cifar_batch_accepts_filenames_key_and_bytes_keys(tmp_path, rng):
    make_cifar_folder(tmp_path / "c", rng, n_train=4, n_test=2, filenames=True)
    X, y = du.load_CIFAR_batch(tmp_path / "c" / "data_batch_3")
    assert X.shape == (4, 32, 32, 3) and y.shape == (4,)
    # A python-3 protocol-2 pickle with bytes keys (as pickle.load(encoding='bytes') gives).
    data = rng.integers(0, 256, size=(6, 3072), dtype=np.uint8)
    p = tmp_path / "bytes_keys"
    with open(p, "wb") as f:
        pickle.dump({b"data": data, b"labels": [0, 1, 2, 3, 4, 9]}, f, protocol=2)
    X, y = du.load_CIFAR_batch(p)
    np.testing.assert_array_equal(X, _expected_images(data))
    np.testing.assert_array_equal(y, [0, 1, 2, 3, 4, 9])


def test_load_cifar10_default_root_comes_from_cs231n_data(tmp_path, rng, monkeypatch):
    make_cifar_folder(tmp_path / "cifar-10-batches-py", rng, n_train=2, n_test=3)
    monkeypatch.setenv("CS231N_DATA", str(tmp_path))
    Xtr, ytr, Xte, yte = du.load_CIFAR10()
    assert Xtr.shape[0] == 10 and Xte.shape[0] == 3


def test_load_cifar10_missing_folder_names_dataset_folder_and_command(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path))
    with pytest.raises(DatasetNotFoundError, match=r"cifar10.*cs231n data fetch cifar10"):
        du.load_CIFAR10()
    (tmp_path / "cifar-10-batches-py").mkdir()
    with pytest.raises(DatasetNotFoundError, match="data_batch_1"):
        du.load_CIFAR10()


def test_truncated_or_corrupted_cifar_batch_raises_format_error(tmp_path, rng):
    rows = make_cifar_folder(tmp_path / "c", rng, n_train=3, n_test=3)
    p = tmp_path / "c" / "data_batch_2"
    full = p.read_bytes()
    p.write_bytes(full[: len(full) // 2])
    with pytest.raises(du.DatasetFormatError, match="data_batch_2.*truncated or corrupted"):
        du.load_CIFAR10(tmp_path / "c")
    p.write_bytes(b"<html>404 not found</html>")
    with pytest.raises(du.DatasetFormatError, match="data_batch_2"):
        du.load_CIFAR_batch(p)
    # labels and rows disagree
    p.write_bytes(py2_cifar_pickle(rows["data_batch_1"][0], [1, 2], "x"))
    with pytest.raises(du.DatasetFormatError, match="2 labels for 3 images"):
        du.load_CIFAR_batch(p)


def test_pickle_with_foreign_globals_is_refused_not_executed(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("this must never run",))

    p = tmp_path / "evil"
    p.write_bytes(pickle.dumps({"data": Evil(), "labels": []}, protocol=2))
    with pytest.raises(du.DatasetFormatError, match=r"refusing to load global \S*\.print"):
        du.load_CIFAR_batch(p)


def test_get_cifar10_data_splits_centres_and_transposes(tmp_path, rng):
    make_cifar_folder(tmp_path / "c", rng, n_train=6, n_test=5)
    Xtr, ytr, Xte, yte = du.load_CIFAR10(tmp_path / "c")
    d = du.get_CIFAR10_data(num_training=20, num_validation=7, num_test=4, root=tmp_path / "c")
    shapes = {k: v.shape for k, v in d.items()}
    assert shapes == {
        "X_train": (20, 3, 32, 32), "y_train": (20,), "X_val": (7, 3, 32, 32),
        "y_val": (7,), "X_test": (4, 3, 32, 32), "y_test": (4,),
    }  # fmt: skip
    assert d["X_train"].dtype == np.float32 and d["y_train"].dtype == np.int64
    mean = Xtr[:20].mean(axis=0)  # (32, 32, 3), training rows only
    np.testing.assert_allclose(d["X_train"], (Xtr[:20] - mean).transpose(0, 3, 1, 2), atol=1e-4)
    np.testing.assert_allclose(d["X_val"], (Xtr[20:27] - mean).transpose(0, 3, 1, 2), atol=1e-4)
    np.testing.assert_allclose(d["X_test"], (Xte[:4] - mean).transpose(0, 3, 1, 2), atol=1e-4)
    np.testing.assert_array_equal(d["y_val"], ytr[20:27])
    assert abs(d["X_train"].mean(axis=0)).max() < 1e-3
    raw = du.get_CIFAR10_data(5, 1, 1, subtract_mean=False, root=tmp_path / "c")
    np.testing.assert_array_equal(raw["X_train"], Xtr[:5].transpose(0, 3, 1, 2))


def test_get_cifar10_data_rejects_more_rows_than_available(tmp_path, rng):
    make_cifar_folder(tmp_path / "c", rng, n_train=2, n_test=2)
    with pytest.raises(ValueError, match=r"num_training \+ num_validation = 11 > 10"):
        du.get_CIFAR10_data(10, 1, 1, root=tmp_path / "c")
    with pytest.raises(ValueError, match="num_test = 3 > 2"):
        du.get_CIFAR10_data(1, 1, 3, root=tmp_path / "c")
    with pytest.raises(ValueError, match="num_training must be a non-negative integer"):
        du.get_CIFAR10_data(-1, 1, 1, root=tmp_path / "c")


# --------------------------------------------------------------------------- MNIST


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_load_mnist_reads_idx_gz_and_raw_with_counts_from_the_header(tmp_path, rng, suffix):
    images = rng.integers(0, 256, size=(9, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=9).astype(np.uint8)
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", labels)
    X, y = du.load_mnist("test", root=tmp_path)
    assert X.dtype == np.uint8 and X.shape == (9, 28, 28) and y.dtype == np.int64
    np.testing.assert_array_equal(X, images)
    np.testing.assert_array_equal(y, labels)


def test_mnist_bad_magic_truncation_and_count_mismatch_are_clear_errors(tmp_path, rng):
    images = rng.integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    raw = write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(3))
    with pytest.raises(du.DatasetFormatError, match="4 train images but 3 labels"):
        du.load_mnist("train", root=tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(raw[:-100])  # payload cut short
    with pytest.raises(du.DatasetFormatError, match=r"truncated: header says shape \(4, 28, 28\)"):
        du.load_mnist("train", root=tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x1f\x8b" + raw[2:])  # bad magic
    with pytest.raises(du.DatasetFormatError, match="bad idx magic number"):
        du.load_mnist("train", root=tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte", np.arange(4))  # labels file as images
    with pytest.raises(du.DatasetFormatError, match="1 dimensions, expected 3"):
        du.load_mnist("train", root=tmp_path)


def test_truncated_mnist_gzip_is_a_clear_error(tmp_path, rng):
    p = tmp_path / "x-idx3-ubyte.gz"
    write_idx(p, rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8))
    p.write_bytes(p.read_bytes()[:-400])  # interrupted download
    with pytest.raises(du.DatasetFormatError, match="damaged gzip stream"):
        du.read_idx(p)


def test_load_mnist_missing_files_and_bad_split(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path))
    with pytest.raises(DatasetNotFoundError, match=r"'mnist'.*cs231n data fetch mnist"):
        du.load_mnist("test")
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        du.load_mnist("val")


# --------------------------------------------------------------------------- ImageNet, models


def _write_imagenet_npz(path, rng, n=4):
    X = rng.integers(0, 256, size=(n, 16, 16, 3), dtype=np.uint8)
    y = rng.integers(0, 1000, size=n)
    label_map = np.array({int(c): f"class {c}" for c in y}, dtype=object)  # a 0-d object array
    np.savez(path, X=X, y=y, label_map=label_map)
    return X, y


def test_load_imagenet_val_reads_the_official_npz(tmp_path, rng, monkeypatch):
    X, y = _write_imagenet_npz(tmp_path / "imagenet_val_25.npz", rng)
    monkeypatch.setenv("CS231N_DATA", str(tmp_path))
    X2, y2, names = du.load_imagenet_val()
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    assert names[int(y[0])] == f"class {y[0]}"
    X3, y3, _ = du.load_imagenet_val(num=2)
    assert X3.shape == (2, 16, 16, 3) and y3.shape == (2,)
    (tmp_path / "imagenet_val_25.npz").write_bytes(b"PK\x03\x04 broken zip")
    with pytest.raises(du.DatasetFormatError, match="imagenet_val"):
        du.load_imagenet_val()
    (tmp_path / "imagenet_val_25.npz").unlink()
    with pytest.raises(DatasetNotFoundError, match="cs231n data fetch imagenet_val"):
        du.load_imagenet_val()


def test_load_models_skips_files_that_are_not_model_pickles(tmp_path):
    with open(tmp_path / "net.pkl", "wb") as f:
        pickle.dump({"model": {"W1": np.ones((2, 3))}}, f, protocol=2)
    (tmp_path / "notes.txt").write_text("not a pickle")
    models = du.load_models(tmp_path)
    assert list(models) == ["net.pkl"]
    np.testing.assert_array_equal(models["net.pkl"]["W1"], np.ones((2, 3)))


# --------------------------------------------------------------------------- SqueezeNet


def test_squeezenet_shapes_are_squeezenet_1_1():
    shapes = du.SQUEEZENET1_1_SHAPES
    assert len(shapes) == 52  # conv1 + 8 fire modules x 3 convs + classifier, weight and bias
    assert sum(int(np.prod(s)) for s in shapes.values()) == 1_235_496
    assert shapes["features.0.weight"] == (64, 3, 3, 3)
    assert shapes["features.12.expand3x3.weight"] == (256, 64, 3, 3)
    assert shapes["classifier.1.weight"] == (1000, 512, 1, 1)


def test_load_squeezenet_state_dict_validates_keys_and_shapes(tmp_path):
    torch = pytest.importorskip("torch")
    state = {k: torch.full(s, 0.5) for k, s in du.SQUEEZENET1_1_SHAPES.items()}
    p = tmp_path / "sq.pth"
    torch.save(state, p)
    loaded = du.load_squeezenet_state_dict(p)
    assert list(loaded) == list(du.SQUEEZENET1_1_SHAPES)
    assert float(loaded["classifier.1.bias"][3]) == 0.5
    bad = dict(state)
    bad["features.3.squeeze.weight"] = torch.zeros(16, 64, 3, 3)
    torch.save(bad, p)
    with pytest.raises(
        du.DatasetFormatError,
        match=r"features.3.squeeze.weight has shape \(16, 64, 3, 3\), expected \(16, 64, 1, 1\)",
    ):
        du.load_squeezenet_state_dict(p)
    del bad["classifier.1.bias"]
    torch.save(bad, p)
    with pytest.raises(du.DatasetFormatError, match="missing keys.*classifier.1.bias"):
        du.load_squeezenet_state_dict(p)
    p.write_bytes(b"\x80\x02garbage")
    with pytest.raises(du.DatasetFormatError, match="not a readable torch state dict"):
        du.load_squeezenet_state_dict(p)


def test_load_squeezenet_missing_file_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path))
    with pytest.raises(DatasetNotFoundError, match="cs231n data fetch squeezenet"):
        du.load_squeezenet_state_dict()
    with pytest.raises(DatasetNotFoundError, match="squeezenet.ckpt.index"):
        du.load_squeezenet_tf_checkpoint()


@pytest.mark.slow
def test_load_squeezenet_tf_checkpoint_reads_variables(tmp_path):
    tf = pytest.importorskip("tensorflow")
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    ckpt = tf.train.Checkpoint(conv=tf.Variable(w), bias=tf.Variable(np.ones(3, np.float32)))
    prefix = ckpt.write(str(tmp_path / "squeezenet.ckpt"))
    out = du.load_squeezenet_tf_checkpoint(prefix)
    assert len(out) == 2
    arrays = sorted(out.values(), key=np.size)
    np.testing.assert_array_equal(arrays[0], np.ones(3))
    np.testing.assert_array_equal(arrays[1], w)
    data = next(tmp_path.glob("squeezenet.ckpt.data-*"))
    data.write_bytes(data.read_bytes()[:10])  # truncated
    with pytest.raises(du.DatasetFormatError, match="not a readable TensorFlow checkpoint"):
        du.load_squeezenet_tf_checkpoint(prefix)
