"""cs231n.sweep and ``cs231n sweep``: spaces, storages, seeds, pruning, bad input, dead workers."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from cs231n.sweep import storage as st
from cs231n.sweep import tasks
from cs231n.sweep.pruning import EpochReporter
from cs231n.sweep.runner import run_sweep
from cs231n.sweep.space import Categorical, LogUniform, check_grid, suggest
from cs231n.tooling import cli

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(autouse=True)
def _sweeps_dir(tmp_path, monkeypatch):
    """Default storages go to a temporary folder, never to the repository's results/."""
    monkeypatch.setenv(st.SWEEPS_ENV, str(tmp_path / "sweeps"))
    monkeypatch.delenv("CS231N_QUICK", raising=False)


def _sqlite(tmp_path, name="s.db"):
    return f"sqlite:///{tmp_path / name}"


def _load(storage, name):
    return optuna.load_study(study_name=name, storage=storage)


# ----------------------------------------------------------------------------- spaces


def test_log_uniform_stays_in_range_and_is_seeded():
    def draws(seed):
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
        out = []
        for _ in range(50):
            trial = study.ask()
            out.append(suggest(trial, {"lr": LogUniform(1e-5, 1e-3)})["lr"])
            study.tell(trial, 0.0)
        return out

    a = draws(1)
    assert all(1e-5 <= v <= 1e-3 for v in a)
    assert a == draws(1) and a != draws(2)
    # log-uniform: about half the draws below the geometric middle 1e-4
    assert 15 <= sum(v < 1e-4 for v in a) <= 35
    with pytest.raises(ValueError, match="0 < low < high"):
        LogUniform(0, 1)
    with pytest.raises(ValueError, match="choices must not be empty"):
        Categorical(())


def test_every_course_grid_lies_inside_its_space():
    with_grid = [t for t in tasks.TASKS.values() if t.grid is not None]
    assert {t.name for t in with_grid} == {
        "svm", "softmax", "two_layer_net", "features-svm", "features-nn"
    }  # fmt: skip
    for t in with_grid:
        check_grid(t.name, t.space, t.grid)
    # the notebooks' grids
    assert tasks.TASKS["svm"].grid == {
        "learning_rate": [1e-7, 2e-7, 4e-7],
        "reg": [1e3, 2.5e3, 5e3],
    }
    assert tasks.TASKS["softmax"].grid["reg"] == [2.5e2, 5e2, 1e3]
    with pytest.raises(ValueError, match="outside"):
        check_grid("t", {"lr": LogUniform(1, 2)}, {"lr": [3]})


# ----------------------------------------------------------------------------- storages, seeds


def test_sqlite_sweep_is_reproducible_with_a_seed(tmp_path):
    def params(name, seed, sampler):
        r = run_sweep(
            "softmax", trials=4, quick=True, storage=_sqlite(tmp_path, name), seed=seed,
            sampler=sampler, threads=1, progress=False,
        )  # fmt: skip
        assert r.finished == 4
        study = _load(_sqlite(tmp_path, name), "softmax-quick")
        return [(t.params, t.value) for t in study.trials]

    for sampler in ("tpe", "random"):
        a = params(f"{sampler}-a.db", 3, sampler)
        assert a == params(f"{sampler}-b.db", 3, sampler)
        assert a != params(f"{sampler}-c.db", 4, sampler)


def test_grid_sampler_runs_the_course_grid(tmp_path):
    r = run_sweep(
        "svm", trials=50, quick=True, storage=_sqlite(tmp_path), sampler="grid",
        threads=1, progress=False,
    )  # fmt: skip
    study = _load(_sqlite(tmp_path), "svm-quick")
    points = {(t.params["learning_rate"], t.params["reg"]) for t in study.trials}
    assert r.finished == 9 and len(study.trials) == 9
    assert points == {(lr, reg) for lr in [1e-7, 2e-7, 4e-7] for reg in [1e3, 2.5e3, 5e3]}


def test_a_grid_after_other_trials_still_runs_every_grid_point(tmp_path):
    kw = dict(quick=True, storage=_sqlite(tmp_path), threads=1, progress=False)
    run_sweep("svm", trials=3, sampler="random", **kw)
    r = run_sweep("svm", trials=50, sampler="grid", **kw)
    study = _load(_sqlite(tmp_path), "svm-quick")
    grid = {(lr, reg) for lr in [1e-7, 2e-7, 4e-7] for reg in [1e3, 2.5e3, 5e3]}
    points = {(t.params["learning_rate"], t.params["reg"]) for t in study.trials}
    assert r.finished == 12 and len(study.trials) == 12
    assert grid <= points and len(points - grid) == 3  # the 3 random trials are kept


def test_journal_storage_with_two_workers_and_the_move_from_sqlite(tmp_path):
    # One worker: the default SQLite file; then two workers: the study moves to the journal.
    first = run_sweep("svm", trials=3, quick=True, threads=1, progress=False)
    folder = st.sweeps_dir()
    assert first.storage == str(folder / "svm-quick.db")
    assert (folder / ".gitignore").read_text().endswith("*\n")
    kept = [t.params for t in _load(f"sqlite:///{folder / 'svm-quick.db'}", "svm-quick").trials]
    r = run_sweep("svm", trials=8, workers=2, quick=True, threads=1, progress=False)
    assert not (folder / "svm-quick.db").exists() and (folder / "svm-quick.db.moved").exists()
    journal = st.open_storage(st.parse_storage(str(folder / "svm-quick.journal")))
    study = _load(journal, "svm-quick")
    done = study.get_trials(states=(TrialState.COMPLETE,))
    assert 8 <= r.finished == len(done) <= 9  # a worker may finish one trial over
    assert [t.params for t in study.trials[:3]] == kept
    assert len({t.number for t in study.trials}) == len(study.trials)
    # the best is the best of all
    assert r.best_value == max(t.value for t in done)


def test_default_folder_is_not_read_by_the_results_tooling(tmp_path):
    from cs231n import results

    res = tmp_path / "res"
    (res / "sweeps").mkdir(parents=True)
    (res / "sweeps" / "svm.db").write_bytes(b"SQLite format 3\0")
    (res / "sweeps" / "svm.journal").write_text("{}\n")
    (res / "g.json").write_text('{"x": {"name": "x", "value": 0.5}}')
    assert set(results.load_all(res)) == {"g"}
    # the repository's default: results/sweeps/ (a .gitignore of * keeps it out of git)
    os.environ.pop(st.SWEEPS_ENV)
    from cs231n.paths import REPO_ROOT

    assert st.sweeps_dir() == REPO_ROOT / "results" / "sweeps"


# ----------------------------------------------------------------------------- pruning


class _FakeTrial:
    def __init__(self, prune_at):
        self.reports, self.prune_at = [], prune_at

    def report(self, value, step):
        self.reports.append((step, value))

    def should_prune(self):
        return len(self.reports) >= self.prune_at


def test_epoch_reporter_reports_then_prunes():
    trial = _FakeTrial(prune_at=2)
    cb = EpochReporter(trial)
    cb(1, 0.3)
    with pytest.raises(optuna.TrialPruned, match="epoch 2"):
        cb(2, 0.25)
    assert trial.reports == [(1, 0.3), (2, 0.25)] == cb.history
    with pytest.raises(ValueError, match="val_acc"):
        cb(3, float("nan"))
    with pytest.raises(ValueError, match="epoch"):
        cb(-1, 0.5)


def test_pruning_prunes_fc_net_trials(tmp_path):
    r = run_sweep("fc_net", trials=14, quick=True, storage=_sqlite(tmp_path), threads=1,
                  progress=False)  # fmt: skip
    study = _load(_sqlite(tmp_path), "fc_net-quick")
    pruned = study.get_trials(states=(TrialState.PRUNED,))
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert r.finished == 14 and pruned, "MedianPruner pruned nothing"
    epochs = tasks.TASKS["fc_net"].quick["num_epochs"]
    assert all(len(t.intermediate_values) < epochs for t in pruned)
    assert all(sorted(t.intermediate_values) == list(range(1, epochs + 1)) for t in complete)


def _recorder():
    calls = []
    return calls, lambda epoch, acc: calls.append((epoch, acc))


def test_one_epoch_callback_for_the_solver_torch_and_tf():
    config = tasks.TASKS["fc_net"].config({"learning_rate": 1e-3, "reg": 1e-3,
                                           "dropout_keep_ratio": 1.0}, quick=True, seed=0)  # fmt: skip
    calls, cb = _recorder()
    best = tasks._fc_net_objective(tasks.load_data("fc", True), config, cb)
    assert [e for e, _ in calls] == [1, 2, 3] and best >= max(a for _, a in calls)

    images = tasks.load_data("images", True)
    for name in ("torch", "tf"):
        t = tasks.TASKS[name]
        config = t.config({"learning_rate": 1e-2, "weight_decay": 1e-4, "channel_1": 16,
                           "channel_2": 8}, quick=True, seed=0)  # fmt: skip
        calls, cb = _recorder()
        final = t.objective(images, config, cb)
        assert [e for e, _ in calls] == [1, 2] and calls[-1][1] == pytest.approx(final)

        def stop(epoch, acc):
            raise optuna.TrialPruned()

        with pytest.raises(optuna.TrialPruned):
            t.objective(images, config, stop)


def test_framework_loops_need_validation_data_for_the_callback():
    import torch

    from cs231n.frameworks import torch_cifar as tc

    model = torch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match="train_part34: epoch_callback needs loader_val"):
        tc.train_part34(model, torch.optim.SGD(model.parameters(), lr=0.1), loader_train=[],
                        epoch_callback=lambda e, a: None)  # fmt: skip


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "argv, argument",
    [
        (["nosuch"], "TASK"),
        (["svm", "--trials", "0"], "--trials"),
        (["svm", "--workers", "0"], "--workers"),
        (["svm", "--storage", "foo://x"], "--storage"),
        (["svm", "--storage", "not a url"], "--storage"),
        (["svm", "--storage", "postgresql://u:pw@127.0.0.1:1/db"], "--storage"),
        (["svm", "--storage", "sqlite:///{tmp}/missing/x.db"], "--storage"),
        (["svm", "--fix", "learning_rate=1e-7", "--fix", "reg=1e3"], "--fix"),
        (["svm", "--fix", "nosuch=1"], "--fix"),
        (["fc_net", "--sampler", "grid"], "--sampler"),
        (["svm", "--show", "--storage", "sqlite:///{tmp}/none.db"], "--storage"),
    ],
)
def test_bad_input_one_clear_error_exit_2_nothing_written(tmp_path, capsys, argv, argument):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    before = sorted(tmp_path.rglob("*"))
    assert cli.main(["sweep", *argv, "--quick", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"cs231n sweep: error: {argument} "), err
    assert "pw" not in err[0], "the password is hidden"
    assert sorted(tmp_path.rglob("*")) == before, "nothing written"


def test_argparse_errors_also_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["sweep", "svm", "--trials", "many"])
    assert exc.value.code == 2 and "--trials" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the command


def test_cli_sweep_then_show(tmp_path, capsys):
    storage = _sqlite(tmp_path)
    assert cli.main(["sweep", "softmax", "--quick", "--trials", "5", "--storage", storage,
                     "--threads", "1", "--no-progress"]) == 0  # fmt: skip
    assert "softmax-quick: 5 finished trials" in capsys.readouterr().out
    assert cli.main(["sweep", "softmax", "--quick", "--show", "--storage", storage]) == 0
    out = capsys.readouterr().out
    assert "study softmax-quick: 5 trials (5 complete)" in out
    assert "| trial | val acc | learning_rate | reg | seconds |" in out
    assert "parameter importances (fANOVA): " in out
    # --fix of a setting and of a parameter: the trials record only the free parameter
    assert cli.main(["sweep", "softmax", "--quick", "--trials", "7", "--storage", storage,
                     "--fix", "reg=100", "--fix", "num_iters=20", "--no-progress"]) == 0  # fmt: skip
    last = _load(storage, "softmax-quick").trials[-1]
    assert set(last.params) == {"learning_rate"} and last.user_attrs["fixed"] == {
        "reg": 100.0, "num_iters": 20
    }  # fmt: skip


def test_ctrl_c_keeps_finished_trials_and_the_next_run_goes_on(tmp_path, monkeypatch, capsys):
    calls = {"n": 0}
    real = tasks.TASKS["svm"].objective

    def interrupting(data, config, cb):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(data, config, cb)

    monkeypatch.setitem(
        tasks.TASKS, "svm", dataclasses.replace(tasks.TASKS["svm"], objective=interrupting)
    )
    storage = _sqlite(tmp_path)
    argv = ["sweep", "svm", "--quick", "--trials", "5", "--storage", storage, "--no-progress"]
    assert cli.main(argv) == 130
    assert "interrupted: 2 finished trials kept" in capsys.readouterr().err
    states = [t.state for t in _load(storage, "svm-quick").trials]
    assert states == [TrialState.COMPLETE] * 2 + [TrialState.FAIL]
    assert cli.main(argv) == 0
    assert len(_load(storage, "svm-quick").get_trials(states=(TrialState.COMPLETE,))) == 5


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_sigkill_mid_trial_then_a_restart_finishes_the_study(tmp_path, kind):
    storage = _sqlite(tmp_path) if kind == "sqlite" else f"journal:{tmp_path / 's.journal'}"
    # Slow trials (200,000 SVM steps), so the kill lands in the middle of one.
    worker = subprocess.Popen(
        [sys.executable, "-m", "cs231n", "sweep", "svm", "--quick", "--trials", "3",
         "--storage", storage, "--threads", "1", "--no-progress", "--fix", "num_iters=200000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    opened = st.open_storage(st.parse_storage(storage))
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                running = _load(opened, "svm-quick").get_trials(states=(TrialState.RUNNING,))
            except KeyError:
                running = []
            if running and "worker" in running[0].user_attrs:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the worker started no trial within 60 s")
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait()
    # Readable, the trial still RUNNING (nobody marked it), its worker recorded.
    study = _load(opened, "svm-quick")
    (stale,) = study.get_trials(states=(TrialState.RUNNING,))
    assert stale.user_attrs["worker"]["pid"] == worker.pid
    r = run_sweep("svm", trials=3, quick=True, storage=storage, threads=1, progress=False)
    assert r.failed_dead == [stale.number] and r.finished == 3
    study = _load(st.open_storage(st.parse_storage(storage)), "svm-quick")
    assert study.trials[stale.number].state == TrialState.FAIL
    assert "died mid-trial" in study.trials[stale.number].user_attrs["failed_because"]
    assert [t.state for t in study.trials].count(TrialState.COMPLETE) == 3
    assert not study.get_trials(states=(TrialState.RUNNING,))


def test_limit_threads_sets_blas_to_n():
    from cs231n.sweep.threads import blas_threads, limit_threads

    before = blas_threads()
    try:
        limit_threads(1)
        assert blas_threads() and set(blas_threads()) == {1}
    finally:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=max(before or [1]))
    with pytest.raises(ValueError, match="limit_threads: n must be an integer >= 1"):
        limit_threads(0)


def test_synthetic_data_shapes():
    rows = tasks.synthetic_rows(10, 5, dim=6, num_classes=3)
    assert rows["X_train"].shape == (10, 6) and rows["y_val"].shape == (5,)
    img = tasks.synthetic_images(10, 5, size=4)
    assert img["X_train"].shape == (10, 4, 4, 3) and img["X_train"].dtype == np.float32
