"""Headline-number records (:mod:`cs231n.results`): where they go, what they hold,
and that quick runs never reach the committed ``results/``."""

import json
import os

import numpy as np
import pytest

import cs231n.results as results
from cs231n.quick import QUICK_ENV
from cs231n.results import RESULTS_ENV, atomic_write_text, load_all, load_group, record


@pytest.fixture
def fake_repo(tmp_path, monkeypatch):
    """Point the module's repository root at a temporary folder, with no
    results folder override and quick mode off."""
    monkeypatch.setattr(results, "REPO_ROOT", tmp_path / "repo")
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    monkeypatch.delenv(QUICK_ENV, raising=False)
    return tmp_path / "repo"


def test_full_run_records_into_repo_results(fake_repo):
    entry = record("knn", "best_k_test_acc", 0.29, dataset="CIFAR-10, 500 test", target=0.28)
    path = fake_repo / "results" / "knn.json"
    data = json.loads(path.read_text())
    assert data == {"best_k_test_acc": entry}
    assert entry["value"] == 0.29 and entry["target"] == 0.28
    assert entry["met"] is True and entry["quick"] is False
    assert entry["dataset"] == "CIFAR-10, 500 test"
    assert entry["when"].endswith("+00:00")  # UTC, ISO 8601


def test_records_of_a_group_accumulate_and_overwrite_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    monkeypatch.delenv(QUICK_ENV, raising=False)
    record("svm", "val_acc", 0.35, dataset="d")
    record("svm", "test_acc", 0.36, dataset="d")
    record("svm", "val_acc", 0.38, dataset="d")  # a rerun replaces the old number
    data = load_group(tmp_path / "svm.json")
    assert sorted(data) == ["test_acc", "val_acc"]
    assert data["val_acc"]["value"] == 0.38
    # Nothing but the JSON file is left behind by the atomic write.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svm.json"]


@pytest.mark.parametrize(
    "value, target, higher_is_better, met",
    [
        (0.30, 0.28, True, True),
        (0.28, 0.28, True, True),  # reaching the target exactly counts
        (0.27, 0.28, True, False),
        (1e-9, 1e-7, False, True),  # e.g. a relative error: lower is better
        (1e-7, 1e-7, False, True),
        (1e-6, 1e-7, False, False),
        (0.5, None, True, None),  # no target: nothing to meet
    ],
)
def test_met_compares_value_with_target_in_the_right_direction(
    tmp_path, monkeypatch, value, target, higher_is_better, met
):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    entry = record("g", "m", value, dataset="d", target=target, higher_is_better=higher_is_better)
    assert entry["met"] is met
    assert load_group(tmp_path / "g.json")["m"]["met"] is met


def test_numpy_scalars_are_stored_as_json_floats(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    entry = record("g", "acc", np.float32(0.25), dataset="d", target=np.float64(0.2))
    assert type(entry["value"]) is float and type(entry["target"]) is float
    assert json.loads((tmp_path / "g.json").read_text())["acc"]["value"] == 0.25


def test_quick_run_without_results_dir_writes_nothing(fake_repo, monkeypatch):
    monkeypatch.setenv(QUICK_ENV, "1")
    assert results.results_dir() is None
    entry = record("knn", "acc", 0.1, dataset="tiny", target=0.28)
    assert entry["quick"] is True and entry["met"] is False
    assert not (fake_repo / "results").exists()


def test_quick_run_with_results_dir_writes_there_marked_quick(fake_repo, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    monkeypatch.setenv(QUICK_ENV, "1")
    monkeypatch.setenv(RESULTS_ENV, str(scratch))
    record("knn", "acc", 0.1, dataset="tiny")
    assert load_group(scratch / "knn.json")["acc"]["quick"] is True
    assert not (fake_repo / "results").exists()


@pytest.mark.parametrize("group", ["", "a/b", ".hidden", "../escape"])
def test_bad_group_names_are_rejected(tmp_path, monkeypatch, group):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    with pytest.raises(ValueError, match="group"):
        record(group, "m", 1.0, dataset="d")
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "g.json"
    atomic_write_text(path, "old\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["g.json"]  # temp file cleaned up


def test_atomic_write_creates_missing_folders(tmp_path):
    path = tmp_path / "a" / "b" / "out.txt"
    atomic_write_text(path, "héllo\n")
    assert path.read_text(encoding="utf-8") == "héllo\n"


def test_load_group_rejects_a_non_object(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="bad.json"):
        load_group(path)
    assert load_group(tmp_path / "missing.json") == {}


def test_load_all_reads_every_group_sorted(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    record("svm", "acc", 0.4, dataset="d")
    record("knn", "acc", 0.3, dataset="d")
    everything = load_all(tmp_path)
    assert list(everything) == ["knn", "svm"]
    assert everything["svm"]["acc"]["value"] == 0.4
    assert load_all() == everything  # default: $CS231N_RESULTS_DIR


def test_atomic_write_keeps_permissions(tmp_path):
    from cs231n.results import atomic_write_text

    new = tmp_path / "new.json"
    atomic_write_text(new, "{}")
    assert new.stat().st_mode & 0o777 == 0o644, "a new file must not be private (mkstemp's 0600)"
    old = tmp_path / "old.txt"
    old.write_text("x")
    old.chmod(0o640)
    atomic_write_text(old, "y")
    assert old.read_text() == "y"
    assert old.stat().st_mode & 0o777 == 0o640
