"""The dataset registry: statuses, ``check``, and ``fetch`` without a network.

Downloads are served by a fake pooch downloader that copies files from
``tmp_path`` (the signature pooch calls: ``downloader(url, output_file, pooch)``),
so the whole fetch path runs: pooch's temporary file and hash check, archive
extraction, our per-file checks, and the move into place.
"""

import gzip
import hashlib
import io
import re
import shutil
import tarfile
import zipfile

import pytest

from cs231n.data import checksums, download
from cs231n.data import registry as ds
from cs231n.data.registry import DatasetSpec, FileSpec, Source
from cs231n.tooling import data_commands as commands

pytestmark = pytest.mark.a1


def md5(b: bytes) -> str:
    return hashlib.md5(b).hexdigest()


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


@pytest.fixture
def data(tmp_path, monkeypatch):
    """An empty data folder, made the current one."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("CS231N_DATA", str(root))
    return root


class FakeServer:
    """url -> bytes; called by pooch like a downloader. Records the urls asked for."""

    def __init__(self, files=None, fail=None):
        self.files = dict(files or {})
        self.fail = fail
        self.calls = []

    def __call__(self, url, output_file, pooch):
        self.calls.append(url)
        if self.fail is not None:
            with open(output_file, "wb") as f:
                f.write(b"half a file")  # a partial download before the connection drops
            raise self.fail
        with open(output_file, "wb") as f:
            f.write(self.files[url])


def leftovers(root):
    """Everything under the data folder (the staging folder must be gone)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def add(monkeypatch, dataset: DatasetSpec):
    monkeypatch.setitem(ds.REGISTRY, dataset.name, dataset)
    return dataset


# --------------------------------------------------------------------------- the registry


def test_registry_is_consistent():
    hexes = re.compile(r"^[0-9a-f]+$")
    for name, d in ds.REGISTRY.items():
        assert d.name == name and d.files, name
        paths = [f.path for f in d.files]
        assert len(set(paths)) == len(paths), f"{name}: duplicate paths"
        for f in d.files:
            assert f.md5 is None or (len(f.md5) == 32 and hexes.match(f.md5)), f.path
            for h in [f.sha256, f.known_sha256, *f.variants, *f.content_variants]:
                assert h is None or (len(h) == 64 and hexes.match(h)), f.path
            if f.has_official:
                assert f.known_sha256 is None, f"{f.path}: official and known checksums both set"
        if d.derived:
            assert not d.sources, f"{name}: a derived dataset has nothing to download"
        else:
            assert d.sources, f"{name}: nothing to download from"
            provided = {p for s in d.sources for p in s.files}
            assert provided == set(paths), f"{name}: sources do not provide exactly its files"


def test_registry_holds_the_official_checksums():
    cifar = ds.REGISTRY["cifar10"]
    assert cifar.sources[0].known_hash == "md5:c58f30108f718f92721af3b95e74349a"
    assert cifar.sources[0].url == "http://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert cifar.spec("cifar-10-batches-py/data_batch_1").md5 == "c99cafc152244af753f735de768cd75f"
    assert cifar.spec("cifar-10-batches-py/batches.meta").md5 == "5ff9c542aee3614f3951f8cda6e48888"
    mnist = ds.REGISTRY["mnist"]
    assert mnist.spec("mnist/t10k-images-idx3-ubyte.gz").md5 == "9fb629c4189551a2d022fa330f9573f3"
    assert all(
        s.url.startswith("https://ossci-datasets.s3.amazonaws.com/mnist/") for s in mnist.sources
    )
    sq = ds.REGISTRY["squeezenet"]
    assert sq.files[0].sha256_prefix == "b8a52dc0" and sq.sources[0].url.endswith("b8a52dc0.pth")
    assert ds.REGISTRY["cifar10-subset"].derived and ds.REGISTRY["mnist-train-subset"].derived


# --------------------------------------------------------------------------- statuses


def test_file_status_official_known_variant_differs_missing(data):
    (data / "d").mkdir()
    (data / "d" / "a").write_bytes(b"official bytes")
    (data / "d" / "b").write_bytes(b"known bytes")
    (data / "d" / "c").write_bytes(b"rebuilt bytes")
    (data / "d" / "e").write_bytes(b"who knows")
    (data / "d" / "README.md").write_text("# A rebuilt copy of D\n\nmore text\n")
    assert checksums.file_status(FileSpec("d/a", md5=md5(b"official bytes"))) == ("official", "")
    assert (
        checksums.file_status(FileSpec("d/a", sha256_prefix=sha256(b"official bytes")[:8]))[0]
        == "official"
    )
    assert (
        checksums.file_status(FileSpec("d/b", known_sha256=sha256(b"known bytes")))[0]
        == "known copy"
    )
    status, detail = checksums.file_status(
        FileSpec("d/c", md5="0" * 32, variants={sha256(b"rebuilt bytes"): "rebuild"})
    )
    assert status == "differs" and detail == "checksum differs from the official one: rebuild"
    status, detail = checksums.file_status(FileSpec("d/e", md5="0" * 32))
    assert status == "differs" and "differs from the official one" in detail
    assert "README.md says: A rebuilt copy of D" in detail
    status, detail = checksums.file_status(FileSpec("d/e", known_sha256="0" * 64))
    assert status == "differs" and "known-good copy" in detail
    assert checksums.file_status(FileSpec("d/e")) == ("present", "no checksum to compare with")
    assert checksums.file_status(FileSpec("d/zzz")) == ("missing", "")
    assert checksums.file_status(FileSpec("d/zzz", optional=True)) == ("missing", "optional")


def test_regzipped_file_is_official_by_its_uncompressed_bytes(data):
    raw = b"\x00\x00\x08\x01\x00\x00\x00\x03" + bytes([7, 1, 4])
    official_gz = gzip.compress(raw, compresslevel=9, mtime=0)
    spec = FileSpec("d/x.gz", md5=md5(official_gz), content_md5=md5(raw))
    (data / "d").mkdir()
    (data / "d" / "x.gz").write_bytes(official_gz)
    assert checksums.file_status(spec) == ("official", "")
    (data / "d" / "x.gz").write_bytes(gzip.compress(raw, compresslevel=1, mtime=12345))
    status, detail = checksums.file_status(spec)
    assert status == "official" and "uncompressed bytes match the official file" in detail
    (data / "d" / "x.gz").write_bytes(
        gzip.compress(raw[:-1] + b"\x05", mtime=0)
    )  # one label changed
    assert checksums.file_status(spec)[0] == "differs"
    (data / "d" / "x.gz").write_bytes(official_gz[:-6])  # truncated: not a complete gzip stream
    assert checksums.file_status(spec)[0] == "differs"
    with pytest.raises(OSError, match="x.gz: not a complete gzip stream"):
        checksums.content_md5(data / "d" / "x.gz")


def test_check_lists_missing_required_files_only(data):
    assert checksums.check(["mnist"]) == [f.path for f in ds.REGISTRY["mnist"].files]
    for f in ds.REGISTRY["mnist"].files[1:]:
        (data / f.path).parent.mkdir(exist_ok=True)
        (data / f.path).write_bytes(b"x")
    assert checksums.check(["mnist"]) == ["mnist/train-images-idx3-ubyte.gz"]
    coco = checksums.check(["coco_captioning"])
    assert "coco_captioning/coco2014_captions.h5" in coco
    assert not any(p.endswith("_fc7.h5") for p in coco), "the non-PCA features are optional"
    with pytest.raises(KeyError, match="unknown dataset 'cifar100'; valid names: cifar10, "):
        checksums.check(["cifar100"])


def test_cli_verify_exit_codes(data, monkeypatch, capsys):
    content = b"payload"
    add(
        monkeypatch,
        DatasetSpec("toy", "a toy", (FileSpec("toy/a", md5=md5(content)),), folder="toy"),
    )
    assert commands.cli_verify(["toy"]) == 1  # missing
    assert "missing     toy/a" in capsys.readouterr().out
    (data / "toy").mkdir()
    (data / "toy" / "a").write_bytes(content)
    (data / "toy" / "notes.txt").write_text("hi")
    assert commands.cli_verify(["toy"]) == 0
    out = capsys.readouterr().out
    assert "official    toy/a" in out and "extra       toy/notes.txt" in out
    (data / "toy" / "a").write_bytes(b"corrupted")
    assert commands.cli_verify(["toy"]) == 2
    assert "differs     toy/a" in capsys.readouterr().out
    assert commands.cli_verify(["nope"]) == 2
    assert "valid names" in capsys.readouterr().err


def test_cli_verify_without_names_checks_only_what_is_here(data, monkeypatch, capsys):
    content = b"payload"
    add(monkeypatch, DatasetSpec("toy", "a toy", (FileSpec("toy/a", md5=md5(content)),)))
    (data / "toy").mkdir()
    (data / "toy" / "a").write_bytes(content)
    assert commands.cli_verify() == 0
    out = capsys.readouterr().out
    assert "official    toy/a" in out
    assert re.search(r"not present \(not verified\): cifar10, cifar10-subset, mnist", out)
    assert "cifar-10-batches-py/data_batch_1" not in out


def test_cli_list_shows_every_dataset_and_its_state(data, capsys):
    (data / "imagenet_val_25.npz").write_bytes(b"x")
    assert commands.cli_list() == 0
    out = capsys.readouterr().out
    assert str(data) in out
    for name in ds.REGISTRY:
        assert name in out
    assert re.search(r"imagenet_val\s+present", out) and re.search(r"cifar10\s+missing", out)


# --------------------------------------------------------------------------- fetching


def test_fetch_plain_file_goes_through_pooch_and_lands_in_place(data, monkeypatch):
    content = b"\x00\x00\x08\x01" + b"\x00" * 8
    url = "https://example.invalid/x.gz"
    add(monkeypatch, DatasetSpec("toy", "toy", (FileSpec("toy/x.gz", md5=md5(content)),),
                             (Source(url, ("toy/x.gz",), f"md5:{md5(content)}"),)))  # fmt: skip
    server = FakeServer({url: content})
    written = download.fetch("toy", downloader=server, progressbar=False)
    assert written == [data / "toy" / "x.gz"] and (data / "toy" / "x.gz").read_bytes() == content
    assert leftovers(data) == ["toy", "toy/x.gz"], "the staging folder must be removed"
    # already there: nothing is downloaded again
    assert download.fetch("toy", downloader=server, progressbar=False) == []
    assert server.calls == [url]


def _tar_gz(files: dict) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _zip(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


def test_fetch_tar_archive_extracts_and_checks_each_file(data, monkeypatch):
    a, b = b"batch one", b"batch meta"
    archive = _tar_gz(
        {"cifar-10-batches-py/data_batch_1": a, "cifar-10-batches-py/batches.meta": b}
    )
    url = "http://example.invalid/cifar.tar.gz"
    files = (FileSpec("c10/data_batch_1", md5=md5(a)), FileSpec("c10/batches.meta", md5=md5(b)))
    add(monkeypatch, DatasetSpec("toy", "toy", files,
                             (Source(url, ("c10/data_batch_1", "c10/batches.meta"), f"md5:{md5(archive)}", "tar"),)))  # fmt: skip
    download.fetch("toy", downloader=FakeServer({url: archive}), progressbar=False)
    assert (data / "c10" / "data_batch_1").read_bytes() == a
    assert (data / "c10" / "batches.meta").read_bytes() == b
    assert leftovers(data) == ["c10", "c10/batches.meta", "c10/data_batch_1"]


def test_fetch_zip_finds_members_by_name_and_alias(data, monkeypatch):
    k, g = b"kitten", b"gan checks"
    archive = _zip(
        {"assignment3/images/kitten.jpg": k, "assignment3/gan-checks-tf.npz": g, "x/other": b"?"}
    )
    url = "https://example.invalid/a3.zip"
    files = (FileSpec("ex/kitten.jpg", known_sha256=sha256(k)),
             FileSpec("ex/gan-checks.npz", known_sha256=sha256(g), member="gan-checks-tf.npz"))  # fmt: skip
    add(
        monkeypatch,
        DatasetSpec(
            "toy", "toy", files, (Source(url, ("ex/kitten.jpg", "ex/gan-checks.npz"), None, "zip"),)
        ),
    )
    download.fetch("toy", downloader=FakeServer({url: archive}), progressbar=False)
    assert (data / "ex" / "gan-checks.npz").read_bytes() == g
    assert leftovers(data) == ["ex", "ex/gan-checks.npz", "ex/kitten.jpg"]


def test_archive_with_members_outside_the_folder_is_refused(data, monkeypatch, tmp_path):
    archive = _tar_gz({"ok": b"fine", "../../escaped": b"evil"})
    url = "https://example.invalid/evil.tar.gz"
    add(
        monkeypatch,
        DatasetSpec("toy", "toy", (FileSpec("t/ok"),), (Source(url, ("t/ok",), None, "tar"),)),
    )
    with pytest.raises(ValueError, match=r"unsafe archive members \['../../escaped'\]"):
        download.fetch("toy", downloader=FakeServer({url: archive}), progressbar=False)
    assert leftovers(data) == [] and not (tmp_path / "escaped").exists()


def test_download_checksum_mismatch_leaves_nothing_behind(data, monkeypatch):
    url = "https://example.invalid/x.bin"
    add(
        monkeypatch,
        DatasetSpec(
            "toy",
            "toy",
            (FileSpec("toy/x.bin"),),
            (Source(url, ("toy/x.bin",), "md5:" + "0" * 32),),
        ),
    )
    with pytest.raises(ValueError, match="(?i)md5.*does not match"):
        download.fetch("toy", downloader=FakeServer({url: b"tampered"}), progressbar=False)
    assert leftovers(data) == []


def test_one_bad_file_in_an_archive_means_no_file_is_written(data, monkeypatch):
    good, bad = b"good", b"bad"
    archive = _zip({"good": good, "bad": bad})
    url = "https://example.invalid/t.zip"
    files = (FileSpec("t/good", md5=md5(good)), FileSpec("t/bad", md5=md5(b"expected")))
    add(
        monkeypatch,
        DatasetSpec("toy", "toy", files, (Source(url, ("t/good", "t/bad"), None, "zip"),)),
    )
    with pytest.raises(
        ValueError, match="checksum mismatch for t/bad from toy.*nothing was written"
    ):
        download.fetch("toy", downloader=FakeServer({url: archive}), progressbar=False)
    assert leftovers(data) == []


def test_squeezenet_fetch_checks_the_hash_prefix_in_its_name(data, monkeypatch):
    """Both official files come with one fetch; a wrong .pth leaves nothing behind."""
    pth, ckpt = ds.REGISTRY["squeezenet"].sources
    assert pth.url.endswith("squeezenet1_1-b8a52dc0.pth") and ckpt.url.endswith("_tf2.zip")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for member in ckpt.files:
            z.writestr(member, b"checkpoint bytes")
    server = FakeServer({pth.url: b"not the weights", ckpt.url: archive.getvalue()})
    with pytest.raises(
        ValueError, match="checksum mismatch for squeezenet/squeezenet1_1-b8a52dc0.pth"
    ):
        download.fetch("squeezenet", downloader=server, progressbar=False)
    assert pth.url in server.calls
    assert leftovers(data) == []


def test_cli_fetch_reports_network_errors_unknown_and_derived_names(data, monkeypatch, capsys):
    import requests

    server = FakeServer(fail=requests.exceptions.ConnectionError("no route to host"))
    real_fetch = download.fetch
    monkeypatch.setattr(
        commands, "fetch", lambda name: real_fetch(name, downloader=server, progressbar=False)
    )
    assert commands.cli_fetch(["imagenet_val"]) == 1
    out = capsys.readouterr().err
    assert "could not download http://cs231n.stanford.edu/imagenet_val_25.npz" in out
    assert "ConnectionError" in out and "network" in out
    assert leftovers(data) == [], "a partial download must not survive"
    assert commands.cli_fetch(["cifar100"]) == 2
    assert "valid names: cifar10, cifar10-subset" in capsys.readouterr().err
    assert commands.cli_fetch(["cifar10-subset"]) == 1
    assert "derived dataset and cannot be downloaded" in capsys.readouterr().err


def test_cli_fetch_without_network_uses_the_real_downloader_and_fails_cleanly(
    data, monkeypatch, capsys
):
    # Port 9 on localhost refuses connections at once: the real HTTP path, no internet needed.
    url = "http://127.0.0.1:9/imagenet_val_25.npz"
    add(
        monkeypatch, DatasetSpec("toy", "toy", (FileSpec("toy.npz"),), (Source(url, ("toy.npz",)),))
    )
    assert commands.cli_fetch(["toy"]) == 1
    assert "could not download http://127.0.0.1:9/" in capsys.readouterr().err
    assert leftovers(data) == []


def test_fetched_mnist_file_is_readable_by_the_loader(data, monkeypatch):
    from cs231n.data_utils import read_idx

    raw = b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + bytes([7, 2, 1])
    gz = gzip.compress(raw)
    url = "https://example.invalid/t10k-labels-idx1-ubyte.gz"
    spec = FileSpec("mnist/t10k-labels-idx1-ubyte.gz", md5=md5(gz))
    add(
        monkeypatch,
        DatasetSpec("toy", "toy", (spec,), (Source(url, (spec.path,), f"md5:{md5(gz)}"),)),
    )
    (path,) = download.fetch("toy", downloader=FakeServer({url: gz}), progressbar=False)
    assert read_idx(path).tolist() == [7, 2, 1]
    shutil.rmtree(data / "mnist")
