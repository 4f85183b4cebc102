"""Damaged data: ``cs231n data verify`` and the loaders both name the file and say what is wrong.

Every damaged copy is built in ``tmp_path`` from the real files (``$CS231N_DATA`` is only
read): a flipped pixel, a flipped label, a truncated file, trailing garbage, a wrong header,
an MNIST file decompressed, altered and compressed again (so its gzip stream is valid), an
empty and a missing data folder, and files that cannot be read (a folder in the file's place;
``open`` raising PermissionError, since the tests may run as root, where ``chmod 000`` does
not stop reading). For each, the command (through the CLI entry, exit code and message) and
the loader must fail clearly. Then the loaders' checksum cache: hashed once per file version,
looked up afterwards, invalidated when the size or mtime change, written atomically.
"""

import builtins
import gzip
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from cs231n import data_utils as du
from cs231n.data import integrity
from cs231n.paths import DatasetNotFoundError
from cs231n.tooling import cli

pytestmark = pytest.mark.data

CIFAR = "cifar-10-batches-py-subset"  # 1017 exact rows per batch: small enough to copy
BATCHES = [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]
T10K = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh checksum cache for the test."""
    monkeypatch.setenv("CS231N_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def hashes(monkeypatch):
    """Counts the loaders' hashing of bytes (one call per file version hashed)."""
    calls = []
    real = integrity._hash

    def counting(data):
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(integrity, "_hash", counting)
    return calls


@pytest.fixture
def data(real_data, tmp_path, monkeypatch, cache):
    """A data folder in tmp_path with copies of the CIFAR-10 subset and the MNIST test set."""
    root = tmp_path / "data"
    shutil.copytree(real_data / CIFAR, root / CIFAR)
    (root / "mnist").mkdir()
    for name in T10K:
        shutil.copy(real_data / "mnist" / name, root / "mnist" / name)
    for p in root.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)  # the originals are read-only
    monkeypatch.setenv("CS231N_DATA", str(root))
    return root


def verify(capsys, *names):
    code = cli.main(["data", "verify", *names])
    out, err = capsys.readouterr()
    return code, out + err


def gz_edit(path: Path, edit) -> None:
    """Decompress, ``edit(bytearray)``, compress again: a valid gzip stream, altered data."""
    raw = bytearray(gzip.decompress(path.read_bytes()))
    edit(raw)
    path.write_bytes(gzip.compress(bytes(raw), compresslevel=1, mtime=0))


def flip_pixel(raw: bytearray, offset: int = -100) -> None:
    raw[offset] ^= 0x01


def cifar_label_offset(raw: bytes) -> int:
    """Offset of the first label's byte in a batch (labels are BININT1 opcodes: b'K' + value)."""
    start = raw.index(b"labels")
    return raw.index(b"K", start) + 1


def _cifar_flip_label(p: Path) -> None:
    raw = bytearray(p.read_bytes())
    i = cifar_label_offset(raw)
    raw[i] = (raw[i] + 1) % 10  # another valid label
    p.write_bytes(bytes(raw))


def _flip_file_pixel(p: Path) -> None:
    raw = bytearray(p.read_bytes())
    flip_pixel(raw)
    p.write_bytes(bytes(raw))


# name -> what it does to data_batch_2 of the subset, what the loader must say
CIFAR_DAMAGE = {
    "flipped pixel": (_flip_file_pixel, "matches no known version"),
    "flipped label": (_cifar_flip_label, "matches no known version"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:-1000]), "truncated or corrupted"),
    "trailing garbage": (
        lambda p: p.write_bytes(p.read_bytes() + b"garbage\n"),
        "bytes after the end of the pickle",
    ),
    "wrong header": (
        lambda p: p.write_bytes(b"\x80\x09" + p.read_bytes()[2:]),  # pickle protocol 9
        "not a readable CIFAR-10 pickle",
    ),
}


@pytest.mark.parametrize("damage", list(CIFAR_DAMAGE))
def test_a_damaged_cifar_batch_fails_verify_and_the_loader(data, capsys, damage):
    edit, says = CIFAR_DAMAGE[damage]
    target = data / CIFAR / "data_batch_2"
    edit(target)
    code, out = verify(capsys, "cifar10-subset")
    assert code == 2, out
    assert re.search(rf"differs\s+{CIFAR}/data_batch_2\s+\(checksum differs", out), out
    with pytest.raises(du.DatasetFormatError, match=rf"{re.escape(str(target))}: .*{says}"):
        du.load_CIFAR10(data / CIFAR)
    with pytest.raises(du.DatasetFormatError, match="data_batch_2"):
        du.load_CIFAR_batch(target)


def test_the_undamaged_copies_verify_and_load(data, capsys):
    code, out = verify(capsys, "cifar10-subset", "mnist")
    assert (
        "differs     cifar-10-batches-py-subset/data_batch_2  (checksum differs from the "
        "official one: derived subset" in out
    )
    assert code == 1, out  # the copy of mnist/ has only the test files: the rest is missing
    assert "missing     mnist/train-images-idx3-ubyte.gz" in out
    Xtr, ytr, Xte, yte = du.load_CIFAR10(data / CIFAR, dtype=np.uint8)
    assert Xtr.shape == (5085, 32, 32, 3) and Xte.shape == (1017, 32, 32, 3)
    X, y = du.load_mnist("test", root=data / "mnist")
    assert X.shape == (10000, 28, 28) and y.shape == (10000,)


def _mnist_magic(raw: bytearray) -> None:
    raw[2] = 0x55  # not an idx dtype code


# name -> (file of the MNIST test set, what to do to it, what the loader must say)
MNIST_DAMAGE = {
    "flipped pixel, compressed again": (0, lambda p: gz_edit(p, flip_pixel), "no known version"),
    "flipped label, compressed again": (
        1,
        lambda p: gz_edit(p, lambda r: r.__setitem__(8, (r[8] + 1) % 10)),
        "no known version",
    ),
    "flipped byte in the gzip stream": (0, _flip_file_pixel, "damaged gzip stream"),
    "truncated": (0, lambda p: p.write_bytes(p.read_bytes()[:-5000]), "damaged gzip stream"),
    "trailing garbage": (
        1,
        lambda p: p.write_bytes(p.read_bytes() + b"garbage"),
        "damaged gzip stream",
    ),
    "trailing garbage inside the stream": (
        0,
        lambda p: gz_edit(p, lambda r: r.extend(b"garbage")),
        "has trailing bytes",
    ),
    "wrong header": (0, lambda p: gz_edit(p, _mnist_magic), "bad idx magic number"),
    "wrong count in the header": (
        1,
        lambda p: gz_edit(p, lambda r: r.__setitem__(slice(4, 8), (9999).to_bytes(4, "big"))),
        "has trailing bytes",
    ),
}


@pytest.mark.parametrize("damage", list(MNIST_DAMAGE))
def test_a_damaged_mnist_file_fails_verify_and_the_loader(data, capsys, damage):
    which, edit, says = MNIST_DAMAGE[damage]
    target = data / "mnist" / T10K[which]
    edit(target)
    code, out = verify(capsys, "mnist")
    assert code == 2, out
    assert re.search(rf"differs\s+mnist/{T10K[which]}\s+\(checksum differs", out), out
    with pytest.raises(du.DatasetFormatError, match=rf"{re.escape(str(target))}: .*{says}"):
        du.load_mnist("test", root=data / "mnist")


def test_the_regzipped_training_images_load_and_an_altered_copy_does_not(
    real_data, tmp_path, cache, capsys, monkeypatch
):
    # mnist/train-images is the official file gzipped with other settings: its uncompressed
    # bytes are compared. An altered copy, compressed again, has a valid gzip stream.
    X, y = du.load_mnist("train", root=real_data / "mnist")
    assert X.shape == (60000, 28, 28)
    folder = tmp_path / "data" / "mnist"
    shutil.copytree(real_data / "mnist", folder)
    target = folder / "train-images-idx3-ubyte.gz"
    folder.chmod(0o755)
    target.chmod(0o644)
    gz_edit(target, lambda r: flip_pixel(r, 16 + 784 * 123 + 400))
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "data"))
    code, out = verify(capsys, "mnist")
    assert code == 2 and re.search(r"differs\s+mnist/train-images-idx3-ubyte.gz", out), out
    with pytest.raises(
        du.DatasetFormatError,
        match=rf"{re.escape(str(target))}: 60000 rows.*sha256 of its uncompressed bytes",
    ):
        du.load_mnist("train", root=folder)


def test_a_damaged_imagenet_npz_fails_verify_and_the_loader(
    real_data, tmp_path, cache, capsys, monkeypatch
):
    root = tmp_path / "data"
    root.mkdir()
    target = root / "imagenet_val_25.npz"
    raw = bytearray((real_data / "imagenet_val_25.npz").read_bytes())
    raw += b"trailing"
    target.write_bytes(bytes(raw))
    monkeypatch.setenv("CS231N_DATA", str(root))
    code, out = verify(capsys, "imagenet_val")
    assert code == 2 and "differs     imagenet_val_25.npz" in out, out
    with pytest.raises(du.DatasetFormatError, match=rf"{re.escape(str(target))}: 25 rows"):
        du.load_imagenet_val()


# --------------------------------------------------------------------------- empty, missing


def test_an_empty_data_folder_fails_verify_naming_what_is_missing(tmp_path, monkeypatch, capsys):
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "empty"))
    code, out = verify(capsys)
    assert code == 1, out
    assert "no dataset is present in the data folder" in out
    assert "cifar10 (8 required files)" in out and "mnist (4 required files)" in out
    code, out = verify(capsys, "cifar10")
    assert code == 1 and "missing     cifar-10-batches-py/data_batch_1" in out
    with pytest.raises(DatasetNotFoundError, match="dataset 'cifar10' not found"):
        du.load_CIFAR10()
    with pytest.raises(DatasetNotFoundError, match="dataset 'mnist' not found"):
        du.load_mnist("test")


def test_a_missing_data_folder_fails_verify_and_list_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "nowhere"))
    for names in [(), ("mnist",)]:
        code, out = verify(capsys, *names)
        assert code == 1, out
        assert f"the data folder {tmp_path / 'nowhere'} does not exist" in out
        assert "missing: " + ("mnist" if names else "cifar10, cifar10-subset, mnist") in out
    assert cli.main(["data", "list"]) == 0
    assert f"{tmp_path / 'nowhere'} (from $CS231N_DATA): does not exist" in capsys.readouterr().out
    with pytest.raises(DatasetNotFoundError, match="nowhere"):
        du.load_mnist("test")


# --------------------------------------------------------------------------- unreadable


def test_a_folder_in_place_of_a_file_is_unreadable_not_missing(data, capsys):
    target = data / CIFAR / "data_batch_3"
    target.unlink()
    target.mkdir()
    code, out = verify(capsys, "cifar10-subset")
    assert code == 2, out
    assert re.search(rf"unreadable\s+{CIFAR}/data_batch_3\s+\(a folder, not a file\)", out), out
    assert cli.main(["data", "list"]) == 0
    assert re.search(r"cifar10-subset\s+unreadable 1/8", capsys.readouterr().out)
    with pytest.raises(
        du.DatasetReadError,
        match=rf"{re.escape(str(target))}: cannot read the "
        "CIFAR-10 batch: Is a directory",
    ):
        du.load_CIFAR10(data / CIFAR)


@pytest.fixture
def forbid(monkeypatch):
    """``forbid(path)``: opening ``path`` raises PermissionError, as for a chmod 000 file."""
    real_open = builtins.open
    forbidden = set()

    def guarded(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) in forbidden:
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    return lambda p: forbidden.add(os.path.abspath(p))


@pytest.mark.parametrize("which", ["cifar", "mnist"])
def test_a_file_without_read_permission_is_a_clear_error(data, capsys, forbid, which):
    if which == "cifar":
        target, name, rel = data / CIFAR / "test_batch", "cifar10-subset", f"{CIFAR}/test_batch"
        load, what = (lambda: du.load_CIFAR10(data / CIFAR)), "CIFAR-10 batch"
    else:
        target, name, rel = data / "mnist" / T10K[0], "mnist", f"mnist/{T10K[0]}"
        load, what = (lambda: du.load_mnist("test", root=data / "mnist")), "idx file"
    forbid(target)
    code, out = verify(capsys, name)
    assert code == 2, out
    assert re.search(rf"unreadable\s+{rel}\s+\(cannot be opened: Permission denied", out), out
    assert cli.main(["data", "list"]) == 0  # no traceback
    assert re.search(rf"{name}\s+unreadable 1/", capsys.readouterr().out)
    with pytest.raises(
        du.DatasetReadError,
        match=rf"{re.escape(str(target))}: cannot read the {what}: Permission denied "
        r"\(PermissionError\)",
    ):
        load()


# --------------------------------------------------------------------------- the checksum cache


def test_the_loaders_hash_each_file_version_once(real_data, cache, hashes):
    du.load_CIFAR10(real_data / "cifar-10-batches-py", dtype=np.uint8)
    assert len(hashes) == 6, "first load: the six batches are hashed"
    entries = json.loads(integrity.cache_file().read_text())
    batch = str(real_data / "cifar-10-batches-py" / "data_batch_1")
    assert entries[batch]["size"] == 30740222 and len(entries[batch]["sha256"]) == 64
    du.load_CIFAR10(real_data / "cifar-10-batches-py", dtype=np.uint8)
    assert len(hashes) == 6, "second load: the checksums come from the cache"
    du.load_mnist("test", root=real_data / "mnist")
    du.load_mnist("test", root=real_data / "mnist")
    assert len(hashes) == 8, "MNIST: the uncompressed bytes of both files, once"
    assert [p.name for p in integrity.cache_file().parent.iterdir()] == ["files.json"]


def test_the_cache_is_invalidated_when_mtime_or_size_change(data, hashes):
    du.load_mnist("test", root=data / "mnist")
    assert len(hashes) == 2
    labels = data / "mnist" / T10K[1]
    st = labels.stat()
    os.utime(labels, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched: hashed again
    du.load_mnist("test", root=data / "mnist")
    assert len(hashes) == 3
    du.load_mnist("test", root=data / "mnist")
    assert len(hashes) == 3
    # Same uncompressed bytes, another gzip stream (another size): hashed again, still valid.
    labels.write_bytes(gzip.compress(gzip.decompress(labels.read_bytes()), compresslevel=1))
    du.load_mnist("test", root=data / "mnist")
    assert len(hashes) == 4
    # Altered and compressed again: a new size, so hashed again, and the damage is seen.
    gz_edit(data / "mnist" / T10K[0], flip_pixel)
    with pytest.raises(du.DatasetFormatError, match="no known version"):
        du.load_mnist("test", root=data / "mnist")
    assert len(hashes) == 5


def test_a_file_changed_with_its_size_and_mtime_kept_is_caught_by_verify_only(data, capsys):
    target = data / CIFAR / "data_batch_4"
    du.load_CIFAR_batch(target)  # cached
    st = target.stat()
    _flip_file_pixel(target)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    du.load_CIFAR_batch(target)  # documented: the loader trusts the cached checksum
    code, out = verify(capsys, "cifar10-subset")
    assert code == 2 and re.search(rf"differs\s+{CIFAR}/data_batch_4\s+\(checksum differs", out)
    # verify refreshed the cache with what it computed: the loader now sees the damage
    with pytest.raises(du.DatasetFormatError, match="data_batch_4.*no known version"):
        du.load_CIFAR_batch(target)


def test_the_cache_file_is_written_atomically_and_a_broken_one_is_ignored(data, hashes):
    du.load_mnist("test", root=data / "mnist")
    path = integrity.cache_file()
    assert sorted(p.name for p in path.parent.iterdir()) == ["files.json"]  # no temp file left
    path.write_text("{ not json")
    du.load_mnist("test", root=data / "mnist")
    assert len(hashes) == 4 and json.loads(path.read_text())  # recomputed and rewritten
    # entries of files that are gone are dropped on the next write
    shutil.rmtree(data / "mnist")
    du.load_CIFAR_batch(data / CIFAR / "data_batch_1")
    assert not any("mnist" in p for p in json.loads(path.read_text()))


def test_a_read_only_cache_folder_does_not_stop_loading(data, hashes, monkeypatch, tmp_path):
    (tmp_path / "cache-file").write_text("a file where the cache folder should be")
    monkeypatch.setenv("CS231N_CACHE", str(tmp_path / "cache-file"))
    du.load_mnist("test", root=data / "mnist")
    du.load_mnist("test", root=data / "mnist")
    assert len(hashes) == 4  # nothing cached, nothing failed
