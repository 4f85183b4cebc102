"""cs231n.sweep.notebook and cs231n.plots.sweep: the notebooks' tuning cells (quick mode)."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from cs231n.plots.sweep import show_study
from cs231n.sweep import best_config, notebook_sweep, tasks
from cs231n.sweep import storage as st
from cs231n.sweep.runner import SweepArgumentError
from cs231n.sweep.tasks import TASKS, train_linear

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(autouse=True)
def _tmp_dirs(tmp_path, monkeypatch):
    """Study files and records go to temporary folders, never to the repository's results/."""
    monkeypatch.setenv(st.SWEEPS_ENV, str(tmp_path / "sweeps"))
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("CS231N_QUICK", "1")


def _fake_full_data(monkeypatch):
    """Full-mode settings on the synthetic rows (in this process: ``workers=1``)."""
    monkeypatch.setattr(tasks, "load_data", lambda kind, quick: tasks.synthetic_rows())


def test_quick_sweep_writes_nothing_under_the_default_folders(tmp_path):
    study = notebook_sweep("svm", trials=3, workers=1)
    assert isinstance(study, optuna.Study)
    assert study.study_name == "svm-quick-notebook"
    assert study.user_attrs == {"task": "svm", "quick": True, "seed": 0}
    assert len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) == 3
    assert not (tmp_path / "sweeps").exists(), "quick runs must not write study files"
    assert not (tmp_path / "results").exists()


def test_two_workers_finish_the_requested_trials():
    study = notebook_sweep("softmax", trials=4, workers=2)
    # a trial started just before the fourth finished may still finish: up to workers - 1 over
    assert 4 <= len(study.trials) <= 5
    assert {t.state for t in study.trials} == {optuna.trial.TrialState.COMPLETE}


def test_full_mode_starts_a_fresh_study_each_run(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_QUICK", "0")
    _fake_full_data(monkeypatch)
    first = notebook_sweep("svm", trials=2, workers=1, fixed={"num_iters": 20})
    path = tmp_path / "sweeps" / "svm-notebook.journal"
    assert path.exists()
    assert (tmp_path / "sweeps" / ".gitignore").read_text().strip().endswith("*")
    second = notebook_sweep("svm", trials=3, workers=1, fixed={"num_iters": 20}, seed=1)
    assert second.study_name == first.study_name == "svm-notebook"
    assert len(second.trials) == 3, "a notebook re-run must not continue the old study"
    assert [t.number for t in second.trials] == [0, 1, 2]
    assert second.user_attrs["seed"] == 1
    assert optuna.get_all_study_names(st.open_storage(st.parse_storage(str(path)))) == [
        "svm-notebook"
    ]


def test_bad_argument_deletes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_QUICK", "0")
    _fake_full_data(monkeypatch)
    notebook_sweep("svm", trials=1, workers=1, fixed={"num_iters": 20})
    path = tmp_path / "sweeps" / "svm-notebook.journal"
    size = path.stat().st_size
    with pytest.raises(SweepArgumentError, match="trials"):
        notebook_sweep("svm", trials=0, workers=1)
    with pytest.raises(SweepArgumentError, match="task"):
        notebook_sweep("nope", trials=1)
    assert path.stat().st_size == size


@pytest.mark.parametrize("workers", [1, 2])
def test_best_config_retrains_the_best_trial(workers):
    study = notebook_sweep("svm", trials=3, workers=workers, seed=3)
    config = best_config(study)
    assert config == {
        **TASKS["svm"].settings,
        **TASKS["svm"].quick,
        "seed": 3,
        **study.best_params,
    }
    data = TASKS["svm"].load(quick=True)
    clf, _ = train_linear("svm", data, config)
    assert np.mean(clf.predict(data["X_val"]) == data["y_val"]) == study.best_value


def test_best_config_keeps_fixed_values_and_tuples():
    study = notebook_sweep("fc_net", trials=2, workers=1, fixed={"num_epochs": 1})
    config = best_config(study)
    assert config["num_epochs"] == 1
    assert config["hidden_dims"] == TASKS["fc_net"].quick["hidden_dims"]
    assert isinstance(config["hidden_dims"], tuple)
    assert set(TASKS["fc_net"].space) <= set(config)


def test_best_config_rejects_foreign_or_empty_studies():
    with pytest.raises(ValueError, match="best_config: .*user_attrs\\['task'\\].*None"):
        best_config(optuna.create_study())
    empty = optuna.create_study(study_name="e")
    empty.set_user_attr("task", "svm")
    with pytest.raises(ValueError, match="best_config: study 'e' has no completed trial"):
        best_config(empty)


def _study_with(values: list[float], params: int) -> optuna.Study:
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(0))

    def objective(trial):
        for i in range(params):
            trial.suggest_float(f"p{i}", 1e-3, 1.0, log=True)
        return values[trial.number]

    study.optimize(objective, n_trials=len(values))
    return study


def test_show_study_two_parameters_contour():
    study = notebook_sweep("svm", trials=4, workers=1)
    axes = show_study(study, show=False)
    assert list(axes) == ["history", "contour", "importances"]
    assert axes["history"].get_title() == "Optimization History Plot"
    assert axes["contour"].get_title() == "Contour Plot"
    assert axes["importances"].get_title(loc="left") == "Hyperparameter Importances"


def test_show_study_three_parameters_parallel_coordinates():
    axes = show_study(_study_with([0.1, 0.3, 0.2, 0.4], params=3), show=False)
    assert list(axes) == ["history", "parallel", "importances"]
    assert axes["parallel"].get_title() == "Parallel Coordinate Plot"


@pytest.mark.parametrize(
    ("values", "reason"),
    [([0.5], "1 completed trial"), ([0.5, 0.5], "every completed trial has the same value")],
)
def test_show_study_skips_importances_with_a_reason(values, reason, capsys):
    axes = show_study(_study_with(values, params=2), show=False)
    assert list(axes) == ["history", "contour"]
    assert f"parameter importances skipped: {reason}" in capsys.readouterr().out


def test_show_study_needs_a_completed_trial():
    with pytest.raises(ValueError, match="show_study: study .* has no completed trial"):
        show_study(optuna.create_study(), show=False)


def test_show_study_silences_experimental_warnings(recwarn):
    show_study(_study_with([0.1, 0.2, 0.3], params=2), show=False)
    assert not [w for w in recwarn if issubclass(w.category, optuna.exceptions.ExperimentalWarning)]


def test_own_data_in_this_process():
    data = tasks.synthetic_rows(n_train=300, n_val=100, dim=10, num_classes=3, seed=5)
    study = notebook_sweep("svm", trials=2, workers=1, data=data)
    clf, _ = train_linear("svm", data, best_config(study))
    assert clf.W.shape == (10, 3), "the trials must train on the given arrays"
    assert np.mean(clf.predict(data["X_val"]) == data["y_val"]) == study.best_value


def test_own_data_needs_one_worker():
    with pytest.raises(SweepArgumentError, match="notebook_sweep: data needs workers=1.*got 2"):
        notebook_sweep("svm", trials=1, workers=2, data=tasks.synthetic_rows())


def test_tpe_models_the_results_after_startup_trials():
    def params(startup):
        study = notebook_sweep("svm", trials=4, workers=1, startup_trials=startup)
        return [t.params for t in study.trials]

    short, default = params(2), params(10)
    assert short[:2] == default[:2], "the random start-up draws come from the same seed"
    assert short[2] != default[2], "from trial 2 on TPE must model the results"
    with pytest.raises(SweepArgumentError, match="startup_trials must be an integer >= 1"):
        notebook_sweep("svm", trials=1, startup_trials=0)


def test_the_printed_study_file_is_relative_to_the_repository(tmp_path, monkeypatch, capsys):
    from cs231n.sweep import notebook as nb

    monkeypatch.setattr(nb, "REPO_ROOT", tmp_path)  # tmp_path/sweeps plays results/sweeps
    monkeypatch.setenv("CS231N_QUICK", "0")
    _fake_full_data(monkeypatch)
    notebook_sweep("svm", trials=1, workers=1, fixed={"num_iters": 5})
    out = capsys.readouterr().out
    assert "(study svm-notebook, sweeps/svm-notebook.journal)" in out
    assert str(tmp_path) not in out
