"""Faults in training (issue 14, items 5-7): SIGKILL during checkpoint writes, damaged and
foreign checkpoints, resume checks, divergence, bad data and options.

The fault test trains a small FullyConnectedNet WITH dropout (masks from the global
``np.random``) in a child process, kills it with SIGKILL at random moments around its
checkpoint writes many times, restarting it each time from the newest checkpoint on disk, and
checks that every checkpoint on disk is complete, no temporary file outlives the next start,
and resuming from every checkpoint gives the uninterrupted run bit for bit.
"""

# ruff: noqa: NPY002 (the model and its dropout draw from the global np.random, as officially)

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import cs231n.solver as solver_module
from cs231n.captioning_solver import CaptioningSolver
from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.solver import DivergenceError, Solver, read_checkpoint, remove_stale_temp_files
from tests.test_captioning_rnn import synthetic_captions
from tests.test_captioning_solver import _model as caption_model

pytestmark = pytest.mark.a2

ROOT = Path(__file__).resolve().parents[1]
EPOCHS = 40  # 6 iterations per epoch: a checkpoint every 6 iterations, 41 in all


def _data() -> dict:
    r = np.random.default_rng(5)
    centres = 2.0 * r.standard_normal((3, 12))

    def make(n):
        y = r.integers(0, 3, size=n)
        return centres[y] + r.standard_normal((n, 12)), y

    (X_train, y_train), (X_val, y_val) = make(60), make(30)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def _solver(checkpoint_name=None, resume_from=None, **kw) -> Solver:
    """The run of every test here: dropout 0.6 (no dropout seed: global np.random), adam."""
    np.random.seed(0)
    model = FullyConnectedNet([16, 12], input_dim=12, num_classes=3, dropout_keep_ratio=0.6)
    opts = dict(
        update_rule="adam",
        optim_config={"learning_rate": 1e-2},
        lr_decay=0.95,
        batch_size=10,
        num_epochs=EPOCHS,
        num_train_samples=20,
        verbose=False,
        seed=3,
        checkpoint_name=None if checkpoint_name is None else str(checkpoint_name),
        resume_from=resume_from,
    )
    return Solver(model, _data(), **{**opts, **kw})


def _newest(folder: Path) -> Path | None:
    ckpts = sorted(folder.glob("c_epoch_*.pkl"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    return ckpts[-1] if ckpts else None


def _worker(folder: str) -> None:
    """The child: resume from the newest checkpoint, say 'S' and wait for a line on stdin,
    then train, saying 'W' before every checkpoint write (each fsync made 10 ms slower, so
    that kills land inside writes) and 'D' at the end."""
    folder = Path(folder)
    real_write, real_fsync = solver_module._write_checkpoint, os.fsync

    def write(ckpt, path):
        print("W", flush=True)
        real_write(ckpt, path)

    def slow_fsync(fd):
        time.sleep(0.01)
        real_fsync(fd)

    solver_module._write_checkpoint = write
    os.fsync = slow_fsync
    solver = _solver(folder / "c", resume_from=_newest(folder))
    print("S", flush=True)
    sys.stdin.readline()
    solver.train()
    print("D", flush=True)


@pytest.fixture
def keep_global_rng():
    """Resuming sets the global np.random state: give the other tests theirs back."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def _run_reference(folder: Path) -> Solver:
    solver = _solver(folder / "c")
    solver.train()
    return solver


def _assert_same_run(ckpt: dict, ref: dict) -> None:
    assert ckpt["iteration"] == ref["iteration"]
    assert np.array_equal(ckpt["loss_history"], ref["loss_history"])
    assert ckpt["val_acc_history"] == ref["val_acc_history"]
    for k, v in ref["model"].params.items():
        assert np.array_equal(ckpt["model"].params[k], v), k


def test_sigkill_during_checkpoint_writes_leaves_complete_checkpoints_and_exact_resumes(
    tmp_path, keep_global_rng
):
    ref_dir, run_dir = tmp_path / "ref", tmp_path / "run"
    ref_dir.mkdir()
    run_dir.mkdir()
    reference = _run_reference(ref_dir)
    assert reference.model.use_dropout and reference.iteration == 6 * EPOCHS

    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    code = f"from tests.test_solver_faults import _worker; _worker({str(run_dir)!r})"
    r = np.random.default_rng(14)
    kills = temp_left = 0
    finished = False
    start = time.monotonic()
    while not finished:
        assert time.monotonic() - start < 120, "the kill loop takes too long"
        child = subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        assert child.stdout.readline().strip() == "S"
        # The next start removed every temporary file the killed writers left.
        assert list(run_dir.glob(".*.tmp")) == [], "stale temporary files after a start"
        child.stdin.write("go\n")
        child.stdin.flush()
        if kills >= 35:  # the last run goes to the end
            assert child.stdout.read().split()[-1] == "D"
            assert child.wait(timeout=60) == 0
            finished = True
            continue
        writes_to_wait = int(r.integers(1, 3))
        line = ""
        for _ in range(writes_to_wait):
            line = child.stdout.readline().strip()
            if line != "W":
                break
        if line == "D" or child.poll() is not None:  # it finished before the kill
            child.wait(timeout=60)
            finished = True
            continue
        time.sleep(float(r.uniform(0.0, 0.025)))  # fsyncs take 10 ms each: mid-write often
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        kills += 1
        child.stdout.close()
        child.stdin.close()
        temp_left += bool(list(run_dir.glob(f".c_epoch_*.pkl.{child.pid}.*.tmp")))
        # Every checkpoint on disk is complete: it loads and its sha256 matches.
        for p in run_dir.glob("c_epoch_*.pkl"):
            read_checkpoint(p)
    print(f"{kills} kills, {temp_left} inside a write")
    assert kills >= 25, f"only {kills} kills"
    assert temp_left >= 3, f"only {temp_left} of {kills} kills landed inside a write"

    # Every checkpoint is that of the uninterrupted run, and resuming from each gives it.
    names = sorted(p.name for p in run_dir.iterdir())
    assert names == sorted(p.name for p in ref_dir.iterdir()), names
    final = read_checkpoint(ref_dir / f"c_epoch_{EPOCHS}.pkl")
    for p in sorted(run_dir.glob("c_epoch_*.pkl")):
        _assert_same_run(read_checkpoint(p), read_checkpoint(ref_dir / p.name))
        resumed = _solver(resume_from=p)
        resumed.train()
        assert np.array_equal(resumed.loss_history, reference.loss_history), p.name
        assert resumed.val_acc_history == reference.val_acc_history
        for k, v in reference.model.params.items():
            assert np.array_equal(resumed.model.params[k], v), (p.name, k)
        _assert_same_run(read_checkpoint(p.parent / f"c_epoch_{EPOCHS}.pkl"), final)


# ------------------------------------------------------------------ item 5: resume


@pytest.fixture
def ckpt(tmp_path, keep_global_rng) -> Path:
    """The epoch-2 checkpoint of a 4-epoch run."""
    _solver(tmp_path / "c", num_epochs=4).train()
    return tmp_path / "c_epoch_2.pkl"


def test_resume_with_dropout_is_bit_identical_and_saving_changes_nothing(tmp_path, keep_global_rng):
    plain = _solver(num_epochs=4)
    plain.train()
    saving = _solver(tmp_path / "c", num_epochs=4)
    saving.train()
    assert np.array_equal(plain.loss_history, saving.loss_history), "checkpoints changed the run"
    np.random.seed(123)  # whatever the global state is before the resume
    resumed = _solver(resume_from=tmp_path / "c_epoch_1.pkl", num_epochs=4)
    resumed.train()
    assert np.array_equal(resumed.loss_history, plain.loss_history)
    for k, v in plain.model.params.items():
        assert np.array_equal(resumed.model.params[k], v)


def test_resume_into_a_model_of_other_sizes_names_the_file_and_parameter(ckpt):
    np.random.seed(0)
    other = FullyConnectedNet([20, 12], input_dim=12, num_classes=3, dropout_keep_ratio=0.6)
    with pytest.raises(ValueError, match=r"Solver: checkpoint .*c_epoch_2\.pkl.* 'W1' of shape"):
        Solver(other, _data(), update_rule="adam", resume_from=ckpt)


def test_resume_batch_size_and_lr_decay_come_from_the_checkpoint_or_must_agree(ckpt):
    assert _solver(resume_from=ckpt, batch_size=10).batch_size == 10
    with pytest.raises(ValueError, match=r"Solver: checkpoint .* batch_size=10, got batch_size=20"):
        _solver(resume_from=ckpt, batch_size=20)
    with pytest.raises(ValueError, match=r"Solver: checkpoint .* lr_decay=0.95, got lr_decay=0.5"):
        _solver(resume_from=ckpt, lr_decay=0.5)
    np.random.seed(0)
    model = FullyConnectedNet([16, 12], input_dim=12, num_classes=3, dropout_keep_ratio=0.6)
    solver = Solver(model, _data(), update_rule="adam", resume_from=ckpt)  # not given: taken
    assert (solver.batch_size, solver.lr_decay) == (10, 0.95)
    small = {k: v[:40] for k, v in _data().items()}
    with pytest.raises(ValueError, match=r"Solver: checkpoint .* 60 training rows, X_train has 40"):
        Solver(model, small, update_rule="adam", resume_from=ckpt)


def _flip_bit(path: Path, offset: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0x10
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("where", ["payload", "digest", "end"])
def test_a_bit_flipped_checkpoint_is_named_as_damaged(ckpt, where):
    size = ckpt.stat().st_size
    _flip_bit(ckpt, {"payload": size // 2, "digest": 40, "end": size - 1}[where])
    with pytest.raises(ValueError, match=r"Solver: resume_from '.*c_epoch_2\.pkl' is damaged"):
        _solver(resume_from=ckpt)
    with pytest.raises(ValueError, match=r"Solver.from_checkpoint: path .*c_epoch_2.* damaged"):
        Solver.from_checkpoint(ckpt, _data())


@pytest.mark.parametrize("keep", [0, 10, 50, 0.5, -1])
def test_a_truncated_checkpoint_is_named(ckpt, keep):
    raw = ckpt.read_bytes()
    n = int(len(raw) * keep) if isinstance(keep, float) else keep % len(raw)
    ckpt.write_bytes(raw[:n])
    with pytest.raises(
        ValueError, match=r"Solver: resume_from '.*c_epoch_2\.pkl' is (damaged|not)"
    ):
        _solver(resume_from=ckpt)


def test_foreign_and_missing_files_are_named(tmp_path, keep_global_rng):
    import pickle

    foreign = tmp_path / "old.pkl"
    foreign.write_bytes(pickle.dumps({"model": None, "epoch": 1}))
    with pytest.raises(ValueError, match=r"Solver: resume_from '.*old\.pkl' is not a Solver"):
        _solver(resume_from=foreign)
    with pytest.raises(ValueError, match=r"Solver: resume_from must be a readable .*nope\.pkl"):
        _solver(resume_from=tmp_path / "nope.pkl")


def test_captioning_checkpoints_are_verified_too(tmp_path):
    data = synthetic_captions(np.random.default_rng(0), n=60, D=8, T=7, n_val=12)

    def make(**kw):
        return CaptioningSolver(caption_model(data), data, update_rule="adam", batch_size=10,
                                num_epochs=2, verbose=False, seed=1, **kw)  # fmt: skip

    make(checkpoint_name=str(tmp_path / "k")).train()
    path = tmp_path / "k_epoch_1.pkl"
    with pytest.raises(ValueError, match=r"CaptioningSolver: checkpoint .* batch_size=10, got"):
        CaptioningSolver(caption_model(data), data, update_rule="adam", batch_size=20,
                         resume_from=path)  # fmt: skip
    _flip_bit(path, path.stat().st_size // 2)
    with pytest.raises(ValueError, match=r"CaptioningSolver: resume_from .*k_epoch_1.* damaged"):
        make(resume_from=path)
    with pytest.raises(ValueError, match=r"CaptioningSolver.from_checkpoint: path .* damaged"):
        CaptioningSolver.from_checkpoint(path, data)


# --------------------------------------------------------- item 6: temporary files, fsync


def test_stale_temp_files_of_dead_writers_go_on_start_live_ones_stay(tmp_path, keep_global_rng):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".c_epoch_3.pkl.{dead.pid}.abc123.tmp"
    mine = tmp_path / f".c_epoch_1.pkl.{os.getpid()}.zz.tmp"
    live = tmp_path / f".c_epoch_2.pkl.{os.getppid()}.q.tmp"  # a running writer's
    other = tmp_path / f".d_epoch_2.pkl.{dead.pid}.q.tmp"  # another checkpoint name's
    for p in (stale, mine, live, other):
        p.write_bytes(b"half a checkpoint")
    _solver(tmp_path / "c")
    assert not stale.exists() and not mine.exists()
    assert live.exists() and other.exists()
    live.unlink()
    assert remove_stale_temp_files(tmp_path / "d") == [other]


def test_writes_fsync_the_file_then_replace_then_fsync_the_folder(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync", os.path.isdir(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        calls.append(("replace", Path(src).parent == Path(dst).parent))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    solver_module._write_checkpoint({"x": 1}, tmp_path / "a.pkl")
    assert calls == [("fsync", False), ("replace", True), ("fsync", True)]
    assert read_checkpoint(tmp_path / "a.pkl") == {"x": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["a.pkl"]


def test_a_failed_write_leaves_no_temp_file_and_the_old_checkpoint(tmp_path, monkeypatch):
    solver_module._write_checkpoint({"x": 1}, tmp_path / "a.pkl")

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        solver_module._write_checkpoint({"x": 2}, tmp_path / "a.pkl")
    assert [p.name for p in tmp_path.iterdir()] == ["a.pkl"]
    assert read_checkpoint(tmp_path / "a.pkl") == {"x": 1}


# ------------------------------------------------- item 7: divergence, data, options


def test_an_exploding_finite_loss_stops_within_the_patience(keep_global_rng):
    solver = _solver(optim_config={"learning_rate": 1e6})
    with (
        np.errstate(all="ignore"),
        pytest.raises(DivergenceError, match=r"above 100 times the first .* 10 iterations"),
    ):
        solver.train()
    losses = solver.loss_history
    assert len(losses) == 11 and np.all(np.isfinite(losses))
    assert all(v > 100 * losses[0] for v in losses[1:])


def test_divergence_ratio_and_patience_are_options(keep_global_rng):
    for kw in ({"divergence_ratio": None}, {"divergence_patience": 10**6}):
        solver = _solver(optim_config={"learning_rate": 1e6}, num_epochs=3, **kw)
        with np.errstate(all="ignore"):
            try:
                solver.train()
            except DivergenceError as e:  # only a NaN/inf loss may stop it now
                assert re.search("the loss is (nan|inf)", str(e)), str(e)
        assert len(solver.loss_history) > 11, kw


def test_healthy_runs_never_trigger_the_divergence_test(keep_global_rng):
    solver = _solver(divergence_patience=1, divergence_ratio=1.5)
    solver.train()  # dropout noise and all: no loss above 1.5 times the first
    assert max(solver.loss_history) <= 1.5 * max(solver.loss_history[0], 1.0)


@pytest.mark.parametrize("split", ["X_train", "X_val"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_data_is_named_with_the_first_bad_index(split, bad):
    data = _data()
    data[split] = data[split].copy()
    data[split][7, 3] = bad
    data[split][9, 0] = np.nan
    np.random.seed(0)
    model = FullyConnectedNet([16], input_dim=12, num_classes=3)
    with pytest.raises(ValueError, match=rf"Solver: {split} must be finite, .* index \(7, 3\)"):
        Solver(model, data)


def test_an_all_nan_validation_set_is_an_error():
    data = _data()
    data["X_val"] = np.full_like(data["X_val"], np.nan)
    model = FullyConnectedNet([16], input_dim=12, num_classes=3)
    with pytest.raises(ValueError, match=r"Solver: X_val must be finite, got 360 NaN"):
        Solver(model, data)


def test_nan_features_of_captioning_data_are_named():
    data = synthetic_captions(np.random.default_rng(0), n=60, D=8, T=7, n_val=12)
    data["train_features"] = data["train_features"].copy()
    data["train_features"][4, 2] = np.nan
    with pytest.raises(ValueError, match=r"CaptioningSolver: train_features .* index \(4, 2\)"):
        CaptioningSolver(caption_model(data), data)


BAD_OPTIONS = [
    ({"print_every": 0}, "print_every must be an integer >= 1, got 0"),
    ({"num_epochs": -1}, "num_epochs must be an integer >= 1, got -1"),
    ({"num_epochs": 0}, "num_epochs must be an integer >= 1, got 0"),
    ({"batch_size": -5}, "batch_size must be an integer >= 1, got -5"),
    ({"batch_size": 2.5}, "batch_size must be an integer, got 2.5"),
    ({"optim_config": {"learning_rate": -1e-3}}, r"learning_rate'\] must be .*got -0.001"),
    ({"optim_config": {"learning_rate": np.nan}}, r"learning_rate'\] must be .*got nan"),
    ({"optim_config": {"learning_rate": 0.0}}, r"learning_rate'\] must be .*> 0, got 0.0"),
    ({"optim_config": {"momentum": 0.9}}, r"optim_config .*update_rule 'adam'.*'momentum'"),
    ({"optim_config": {"beta1": 1.5}}, r"optim_config .*beta1'\] must be .*got 1.5"),
    ({"optim_config": [1e-3]}, r"optim_config .*must be a dict"),
    ({"lr_decay": 0}, r"lr_decay must be a finite number in \(0, 1\], got 0"),
    ({"lr_decay": 1.5}, r"lr_decay must be a finite number in \(0, 1\], got 1.5"),
    ({"num_train_samples": 0}, "num_train_samples must be an integer >= 1, got 0"),
    ({"num_val_samples": -3}, "num_val_samples must be an integer >= 1, got -3"),
    ({"seed": -1}, "seed must be an integer >= 0, got -1"),
    ({"divergence_ratio": 0.5}, r"divergence_ratio must be a finite number > 1, got 0.5"),
    ({"divergence_patience": 0}, "divergence_patience must be an integer >= 1, got 0"),
    ({"time_limit": -1}, "time_limit must be a finite number > 0, got -1"),
    ({"checkpoint_name": 3}, "checkpoint_name must be a str or a path, got 3"),
    ({"learning_rate": 1e-3}, r"unrecognized arguments \['learning_rate'\]"),
]


@pytest.mark.parametrize("kwargs, message", BAD_OPTIONS, ids=[str(k) for k, _ in BAD_OPTIONS])
def test_bad_options_are_clear_errors_at_construction(kwargs, message):
    model = FullyConnectedNet([16], input_dim=12, num_classes=3)
    with pytest.raises((ValueError, TypeError), match=rf"^Solver: .*{message}"):
        Solver(model, _data(), update_rule="adam", **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"print_every": 0}, "print_every must be an integer >= 1, got 0"),
        ({"num_epochs": -2}, "num_epochs must be an integer >= 1, got -2"),
        ({"lr_decay": 2.0}, r"lr_decay must be a finite number in \(0, 1\], got 2.0"),
        ({"optim_config": {"learning_rate": -1.0}}, r"learning_rate'\] must be .*got -1.0"),
        ({"divergence_patience": 0}, "divergence_patience must be an integer >= 1, got 0"),
    ],
)
def test_bad_captioning_options_are_clear_errors(kwargs, message):
    data = synthetic_captions(np.random.default_rng(0), n=60, D=8, T=7, n_val=12)
    with pytest.raises((ValueError, TypeError), match=rf"^CaptioningSolver: .*{message}"):
        CaptioningSolver(caption_model(data), data, update_rule="adam", **kwargs)
