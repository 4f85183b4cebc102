"""Solver: options, reproducibility, divergence, checkpoints and exact resume.

The model here is a tiny softmax classifier written inline, so these tests do
not depend on the layer modules.
"""

import numpy as np
import pytest

from cs231n.solver import DivergenceError, Solver, read_checkpoint
from tests.checks import FakeClock

pytestmark = pytest.mark.a2


class TinySoftmax:
    """scores = X @ W + b, softmax loss with 0.5 * reg * ||W||^2."""

    def __init__(self, D=6, C=3, reg=0.01, seed=0):
        r = np.random.default_rng(seed)
        self.params = {"W": 0.1 * r.standard_normal((D, C)), "b": np.zeros(C)}
        self.reg = reg

    def loss(self, X, y=None):
        X = X.reshape(len(X), -1)  # (N, D)
        scores = X @ self.params["W"] + self.params["b"]  # (N, C)
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        N = len(X)
        loss = -np.mean(np.log(probs[np.arange(N), y]))
        loss += 0.5 * self.reg * np.sum(self.params["W"] ** 2)
        dscores = probs
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {
            "W": X.T @ dscores + self.reg * self.params["W"],
            "b": dscores.sum(axis=0),
        }
        return loss, grads


@pytest.fixture
def data(rng):
    """Three Gaussian blobs in 6-D: a linear model can separate them well."""
    centres = 2.0 * rng.standard_normal((3, 6))

    def make(n):
        y = rng.integers(0, 3, size=n)
        return centres[y] + rng.standard_normal((n, 6)), y

    X_train, y_train = make(120)
    X_val, y_val = make(40)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def _solver(data, **kw):
    opts = dict(
        update_rule="adam",
        optim_config={"learning_rate": 5e-2},
        lr_decay=0.9,
        batch_size=20,
        num_epochs=4,
        num_train_samples=50,
        verbose=False,
        seed=7,
    )
    opts.update(kw)
    return Solver(TinySoftmax(), data, **opts)


def test_training_lowers_the_loss_and_records_histories(data):
    solver = _solver(data)
    solver.train()
    iters = 4 * (120 // 20)
    assert len(solver.loss_history) == iters
    # first iteration + one check per epoch end (the last iteration is an epoch end)
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 1 + 4
    assert np.mean(solver.loss_history[-5:]) < 0.5 * solver.loss_history[0]
    assert solver.best_val_acc == max(solver.val_acc_history) > 0.8
    assert solver.epoch == 4
    # lr decayed once per epoch, independently for each parameter
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(5e-2 * 0.9**4)
    # the model ends with the best parameters
    for k, v in solver.best_params.items():
        assert np.array_equal(solver.model.params[k], v)
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == pytest.approx(solver.best_val_acc)


def test_same_seed_same_history_other_seed_other_history(data):
    a, b, c = _solver(data), _solver(data), _solver(data, seed=8)
    for s in (a, b, c):
        s.train()
    assert a.loss_history == b.loss_history
    assert a.loss_history != c.loss_history


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_every_update_rule_trains(data, rule):
    lr = {"sgd": 0.5, "sgd_momentum": 0.1, "rmsprop": 1e-2, "adam": 5e-2}[rule]
    solver = _solver(data, update_rule=rule, optim_config={"learning_rate": lr})
    solver.train()
    assert solver.best_val_acc > 0.8, f"{rule}: best val acc {solver.best_val_acc}"


def test_optim_configs_are_independent_copies(data):
    solver = _solver(data, update_rule="sgd_momentum", num_epochs=1)
    solver.train()
    vW = solver.optim_configs["W"]["velocity"]
    vb = solver.optim_configs["b"]["velocity"]
    assert vW.shape == (6, 3) and vb.shape == (3,)
    assert "velocity" not in solver.optim_config, "the user's optim_config must not be mutated"


def test_unknown_kwargs_and_update_rule_are_named(data):
    with pytest.raises(ValueError, match=r"unrecognized arguments \['learning_rate'\]"):
        Solver(TinySoftmax(), data, learning_rate=1e-3)
    with pytest.raises(ValueError, match=r"Solver: update_rule must be one of .*got 'nesterov'"):
        Solver(TinySoftmax(), data, update_rule="nesterov")
    with pytest.raises(ValueError, match=r"missing the keys \['y_val'\]"):
        Solver(TinySoftmax(), {k: v for k, v in data.items() if k != "y_val"})


def test_divergence_names_iteration_and_epoch(data):
    solver = _solver(data, update_rule="sgd", optim_config={"learning_rate": 1e200})
    with (
        np.errstate(over="ignore", invalid="ignore"),
        pytest.raises(DivergenceError, match=r"at iteration \d+ \(epoch 1 of 4\)") as info,
    ):
        solver.train()
    assert isinstance(info.value, FloatingPointError)
    assert not np.isfinite(solver.loss_history[-1])


def test_check_accuracy_batches_and_subsamples(data):
    solver = _solver(data)
    model = solver.model
    expected = np.mean(np.argmax(model.loss(data["X_val"]), axis=1) == data["y_val"])
    # 40 rows in batches of 7: the last batch is partial
    assert solver.check_accuracy(data["X_val"], data["y_val"], batch_size=7) == expected
    sub = solver.check_accuracy(data["X_val"], data["y_val"], num_samples=10)
    assert sub in {i / 10 for i in range(11)}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"X": None}, r"Solver.check_accuracy: X must be"),
        ({"X": np.zeros((0, 6))}, r"Solver.check_accuracy: X must"),
        ({"X": np.full((40, 6), np.nan)}, r"Solver.check_accuracy: X .*(NaN|finite)"),
        ({"X": np.zeros((40, 5))}, r"Solver.check_accuracy: X does not fit the model"),
        ({"X": np.zeros((1, 6))}, r"Solver.check_accuracy: X and y must have the same number N"),
        ({"y": np.full(40, 0.5)}, r"Solver.check_accuracy: y must hold integer labels"),
        ({"y": np.full(40, -1)}, r"Solver.check_accuracy: y must hold labels >= 0"),
        ({"y": np.full(40, 3)}, r"Solver.check_accuracy: y must lie in \[0, C=3\)"),
        ({"num_samples": 0}, r"Solver.check_accuracy: num_samples must be"),
        ({"batch_size": 0}, r"Solver.check_accuracy: batch_size must be"),
        ({"batch_size": float("nan")}, r"Solver.check_accuracy: batch_size must be"),
    ],
)
def test_check_accuracy_names_a_bad_argument(data, kwargs, message):
    # No silent answer: a NaN row, a label of another class count or a row mismatch would
    # otherwise give an accuracy (argmax of NaN is 0; == broadcasts).
    solver = _solver(data)
    args = {"X": data["X_val"], "y": data["y_val"], **kwargs}
    with pytest.raises((ValueError, TypeError), match=message):
        solver.check_accuracy(**args)


def test_verbose_prints_official_lines(data, capsys):
    solver = _solver(data, verbose=True, print_every=5, num_epochs=1)
    solver.train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 6) loss: " in out
    assert "(Iteration 6 / 6) loss: " in out
    assert "(Epoch 0 / 1) train acc: " in out and "(Epoch 1 / 1) train acc: " in out


def test_checkpoints_are_written_and_loadable(data, tmp_path):
    solver = _solver(data, checkpoint_name=str(tmp_path / "ckpt"))
    solver.train()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"ckpt_epoch_{e}.pkl" for e in range(5)], names  # no temp files left
    ckpt = read_checkpoint(tmp_path / "ckpt_epoch_2.pkl")
    assert ckpt["epoch"] == 2 and ckpt["iteration"] == 12
    assert len(ckpt["loss_history"]) == 12


@pytest.mark.parametrize("how", ["resume_from", "from_checkpoint"])
def test_resume_gives_the_same_history_as_an_uninterrupted_run(data, tmp_path, how):
    full = _solver(data)
    full.train()

    # Train the same run, keep the epoch-2 checkpoint, and resume from it.
    first = _solver(data, checkpoint_name=str(tmp_path / "run"))
    first.train()
    path = tmp_path / "run_epoch_2.pkl"
    if how == "resume_from":
        resumed = _solver(data, resume_from=path)
    else:
        resumed = Solver.from_checkpoint(path, data, verbose=False)
    assert resumed.epoch == 2 and len(resumed.loss_history) == 12
    resumed.train()

    assert resumed.loss_history == full.loss_history
    assert resumed.train_acc_history == full.train_acc_history
    assert resumed.val_acc_history == full.val_acc_history
    assert resumed.best_val_acc == full.best_val_acc
    for k in full.model.params:
        assert np.array_equal(resumed.model.params[k], full.model.params[k])
        assert np.array_equal(resumed.optim_configs[k]["m"], full.optim_configs[k]["m"])


def test_resume_rejects_a_different_update_rule(data, tmp_path):
    _solver(data, num_epochs=1, checkpoint_name=str(tmp_path / "r")).train()
    with pytest.raises(ValueError, match="update_rule 'adam', not 'sgd'"):
        _solver(data, update_rule="sgd", resume_from=tmp_path / "r_epoch_1.pkl")


def test_plot_histories_draws_one_line_per_solver_and_panel(data):
    import matplotlib

    matplotlib.use("Agg")
    from cs231n.plots.training import plot_histories

    a, b = _solver(data, num_epochs=1), _solver(data, num_epochs=1, seed=3)
    a.train()
    b.train()
    fig = plot_histories({"a": a, "b": b}, title="t")
    assert [len(ax.lines) for ax in fig.axes] == [2, 2, 2]
    assert list(fig.axes[0].lines[0].get_ydata()) == a.loss_history
    assert [ax.get_title() for ax in fig.axes] == [
        "Training loss",
        "Training accuracy",
        "Validation accuracy",
    ]
    with pytest.raises(ValueError, match=r"run 'c' must be a Solver or a dict with .*without"):
        plot_histories({"a": a, "c": {"loss_history": [1.0]}})


# --------------------------------------------------------------- augment, schedule, time


def test_augment_sees_every_training_batch_with_the_solvers_generator(data):
    calls = []

    def augment(X, rng):
        calls.append((X.shape, rng))
        return X + rng.normal(scale=0.1, size=X.shape)  # draws from the Solver's generator

    solver = _solver(data, augment=augment, num_epochs=2)
    solver.train()
    assert len(calls) == 2 * (120 // 20), "one call per training iteration, none for checks"
    assert all(shape == (20, 6) and rng is solver.rng for shape, rng in calls)
    # reproducible: the same seed gives the same history; the noise changes it
    again = _solver(data, augment=augment, num_epochs=2)
    again.train()
    plain = _solver(data, num_epochs=2)
    plain.train()
    assert again.loss_history == solver.loss_history != plain.loss_history


def test_augment_must_keep_one_row_per_label(data):
    solver = _solver(data, augment=lambda X, rng: X[:-1])
    with pytest.raises(ValueError, match="augment returned 19 rows for a batch of 20"):
        solver.train()


def test_lr_schedule_sets_the_learning_rate_of_every_iteration(data, monkeypatch):
    seen = []
    original = Solver._step

    def spy(self):
        seen.append({p: c["learning_rate"] for p, c in self.optim_configs.items()})
        return original(self)

    monkeypatch.setattr(Solver, "_step", spy)
    schedule_calls = []

    def schedule(it, n):
        schedule_calls.append((it, n))
        return 1.0 - it / n  # linear decay to zero

    solver = _solver(data, lr_schedule=schedule, lr_decay=1.0, num_epochs=3)
    solver.train()
    n = 3 * (120 // 20)
    assert schedule_calls == [(it, n) for it in range(n)]
    for it, lrs in enumerate(seen):
        assert lrs == {
            "W": pytest.approx(5e-2 * (1 - it / n)),
            "b": pytest.approx(5e-2 * (1 - it / n)),
        }
    assert solver.optim_config["learning_rate"] == 5e-2, "the base learning rate is not changed"


def test_lr_schedule_and_lr_decay_are_exclusive(data):
    with pytest.raises(ValueError, match="give lr_schedule or lr_decay, not both"):
        _solver(data, lr_schedule=lambda it, n: 1.0, lr_decay=0.9)
    with pytest.raises(ValueError, match="learning_rate'\\], which is missing"):
        _solver(data, lr_schedule=lambda it, n: 1.0, lr_decay=1.0, optim_config={})
    with pytest.raises(ValueError, match="lr_schedule must be callable"):
        _solver(data, lr_schedule=0.5, lr_decay=1.0)


def test_time_limit_stops_after_the_crossing_iteration_and_keeps_the_best(data, monkeypatch):
    import cs231n.solver as solver_module

    # Reads: start, then per iteration one (the limit test), plus one per accuracy check.
    monkeypatch.setattr(solver_module, "_now", FakeClock(1.0))
    solver = _solver(data, time_limit=10.0)  # 24 iterations planned
    solver.train()
    assert solver.stopped_early
    # t=0: reads 2 (limit) and 3 (check); t=1..: one read each, t=7 reads 11 - 1 = 10 >= 10
    assert len(solver.loss_history) == 8 < 4 * 6
    assert solver.epoch == 1 and len(solver.epoch_times) == 1
    # checks at the first iteration, the epoch end (6) and the stop (8)
    assert len(solver.val_acc_history) == 3
    assert solver.best_val_acc == max(solver.val_acc_history)
    for k, v in solver.best_params.items():
        assert np.array_equal(solver.model.params[k], v)
    assert solver.elapsed == pytest.approx(12.0)  # the final read in train's cleanup


def test_no_time_limit_runs_every_epoch_and_times_them(data):
    solver = _solver(data)
    solver.train()
    assert not solver.stopped_early
    assert len(solver.epoch_times) == 4 and all(t > 0 for t in solver.epoch_times)
    assert solver.elapsed >= sum(solver.epoch_times) > 0
    with pytest.raises(ValueError, match="time_limit must be a finite number > 0"):
        _solver(data, time_limit=0)


def test_resume_with_augment_and_schedule_gives_the_same_history(data, tmp_path):
    def augment(X, rng):
        return X + rng.normal(scale=0.1, size=X.shape)

    def schedule(it, n):
        return 0.5 ** (it / n)

    opts = dict(augment=augment, lr_schedule=schedule, lr_decay=1.0)
    full = _solver(data, **opts)
    full.train()
    first = _solver(data, checkpoint_name=str(tmp_path / "run"), **opts)
    first.train()
    resumed = Solver.from_checkpoint(tmp_path / "run_epoch_2.pkl", data, verbose=False, **opts)
    assert resumed.elapsed > 0 and len(resumed.epoch_times) == 2
    resumed.train()
    assert resumed.loss_history == full.loss_history
    assert resumed.val_acc_history == full.val_acc_history
    assert len(resumed.epoch_times) == 4
    for k in full.model.params:
        assert np.array_equal(resumed.model.params[k], full.model.params[k])


# ------------------------------------------------- the same run as before train() was split


class RecordingSoftmax(TinySoftmax):
    """TinySoftmax that records which rows every call saw (column 0 holds each row's id)."""

    def __init__(self):
        super().__init__()
        self.params["W"] = 0.01 * np.arange(18.0).reshape(6, 3)
        self.calls = []

    def loss(self, X, y=None):
        self.calls.append(["train" if y is not None else "score", X[:, 0].astype(int).tolist()])
        return super().loss(X, y)


def _id_data():
    """90 training and 30 validation rows of three 5-D blobs, a row id in column 0."""
    r = np.random.default_rng(17)
    centres = 2.0 * r.standard_normal((3, 5))

    def make(n, first_id):
        y = r.integers(0, 3, size=n)
        return np.column_stack(
            [np.arange(first_id, first_id + n), centres[y] + r.standard_normal((n, 5))]
        ), y

    X_train, y_train = make(90, 0)
    X_val, y_val = make(30, 1000)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def _noise(X, rng):
    X = X.copy()
    X[:, 1:] += rng.normal(scale=0.1, size=X[:, 1:].shape)
    return X


RECORDED = {  # computed by the Solver before train() was split into steps
    "decay": {
        "calls": "36ac08d93820415f9a84444a89e8a81019e9bf49e04346008cecc43fc892d38f",
        "loss": [
            1.192218921045,
            1.09418328496,
            1.915245452535,
            0.980447517,
            0.617970154762,
            0.281071170302,
            0.287564003915,
            0.362132300339,
            0.48599099143,
            0.310689367674,
            0.176607141445,
            0.205988173712,
        ],
        "acc": ([0.525, 0.85, 0.775, 0.925], [0.3, 0.3, 0.5, 0.35]),
        "epoch_times": [0.5, 0.25, 0.25],
        "ckpts": [0, 1, 2, 3],
        "out": "(Iteration 1 / 12) loss: 1.192219\n(Epoch 0 / 3) train acc: 0.525000; val_acc: 0.300000\n(Epoch 1 / 3) train acc: 0.850000; val_acc: 0.300000\n(Iteration 5 / 12) loss: 0.617970\n(Epoch 2 / 3) train acc: 0.775000; val_acc: 0.500000\n(Iteration 9 / 12) loss: 0.485991\n(Epoch 3 / 3) train acc: 0.925000; val_acc: 0.350000\n",
    },
    "schedule_augment": {
        "calls": "c8f9d93bf5de0bdd8e8235f58267ca151e1f3b187b428f2254f10c1f9d28ade7",
        "loss": [
            1.191992798723,
            1.340036810459,
            1.184576096335,
            1.361557984033,
            0.301921754739,
            0.355764398868,
            0.345048450578,
            0.39340525534,
            0.288082255275,
            0.318977726139,
            0.234570323462,
            0.387420840261,
        ],
        "acc": ([0.4, 0.925, 0.825, 0.8], [0.4, 0.5, 0.45, 0.45]),
        "epoch_times": [0.5, 0.25, 0.25],
        "ckpts": [0, 1, 2, 3],
        "out": "(Iteration 1 / 12) loss: 1.191993\n(Epoch 0 / 3) train acc: 0.400000; val_acc: 0.400000\n(Epoch 1 / 3) train acc: 0.925000; val_acc: 0.500000\n(Iteration 5 / 12) loss: 0.301922\n(Epoch 2 / 3) train acc: 0.825000; val_acc: 0.450000\n(Iteration 9 / 12) loss: 0.288082\n(Epoch 3 / 3) train acc: 0.800000; val_acc: 0.450000\n",
    },
    "schedule_augment_resumed": {
        "calls": "fcdb72f7e5fbdc0c799eee8a03a0a6928b4cbcd7fb2687c1ab785dba6dadfb02",
        "loss": [
            1.191992798723,
            1.340036810459,
            1.184576096335,
            1.361557984033,
            0.301921754739,
            0.355764398868,
            0.345048450578,
            0.39340525534,
            0.288082255275,
            0.318977726139,
            0.234570323462,
            0.387420840261,
        ],
        "acc": ([0.4, 0.925, 0.825, 0.8], [0.4, 0.5, 0.45, 0.45]),
        "epoch_times": [0.5, 0.25, 0.25],
        "ckpts": [2, 3],
        "out": "(Iteration 5 / 12) loss: 0.301922\n(Epoch 2 / 3) train acc: 0.825000; val_acc: 0.450000\n(Iteration 9 / 12) loss: 0.288082\n(Epoch 3 / 3) train acc: 0.800000; val_acc: 0.450000\n",
    },
    "time_limit": {
        "calls": "dc11c04d8ce3b76aa075dff60a228361fddddb5c8a43516753aa1d51752d8cfb",
        "loss": [
            1.192218921045,
            1.09418328496,
            1.915245452535,
            0.980447517,
            0.617970154762,
            0.274100393664,
            0.309902373827,
            0.375700378125,
            0.473362406595,
        ],
        "acc": ([0.525, 0.85, 0.8, 0.85], [0.3, 0.3, 0.5, 0.4]),
        "epoch_times": [1.5, 1.25],
        "ckpts": [0, 1, 2],
        "out": "(Iteration 1 / 12) loss: 1.192219\n(Epoch 0 / 3) train acc: 0.525000; val_acc: 0.300000\n(Epoch 1 / 3) train acc: 0.850000; val_acc: 0.300000\n(Iteration 5 / 12) loss: 0.617970\n(Epoch 2 / 3) train acc: 0.800000; val_acc: 0.500000\n(Iteration 9 / 12) loss: 0.473362\n(Epoch 2 / 3) train acc: 0.850000; val_acc: 0.400000\n(Stopped at iteration 9 / 12: 3 s >= time_limit 2.6 s)\n",
    },
}

CASES = {
    "decay": dict(lr_decay=0.9),
    "schedule_augment": dict(lr_schedule=lambda it, n: 1 - it / n, augment=_noise),
    "time_limit": dict(lr_decay=0.95, time_limit=2.6),
}


@pytest.mark.parametrize("case", [*CASES, "schedule_augment_resumed"])
def test_seeded_runs_give_the_recorded_rows_losses_prints_and_checkpoints(
    case, tmp_path, monkeypatch, capsys
):
    """Every minibatch and accuracy subsample (the generator's order of use), the losses,
    the printed lines, the checkpoints and the epoch times of four seeded runs, as the
    Solver gave them before ``train`` was split into steps."""
    import hashlib
    import json

    import cs231n.solver as solver_module

    def run(folder, **kw):
        monkeypatch.setattr(solver_module, "_now", FakeClock(0.25))
        model = RecordingSoftmax()
        solver = Solver(
            model,
            _id_data(),
            update_rule="adam",
            optim_config={"learning_rate": 5e-2},
            batch_size=20,
            num_epochs=3,
            num_train_samples=40,
            num_val_samples=20,
            print_every=4,
            seed=5,
            checkpoint_name=str(folder / "c"),
            **kw,
        )
        capsys.readouterr()
        solver.train()
        return solver, model

    opts = CASES[case.removesuffix("_resumed")]
    if case.endswith("_resumed"):
        (tmp_path / "first").mkdir()
        run(tmp_path / "first", **opts)
        opts = {**opts, "resume_from": tmp_path / "first" / "c_epoch_1.pkl"}
    solver, model = run(tmp_path, **opts)
    want = RECORDED[case]
    assert hashlib.sha256(json.dumps(model.calls).encode()).hexdigest() == want["calls"]
    assert solver.loss_history == pytest.approx(want["loss"], rel=1e-9)
    assert (solver.train_acc_history, solver.val_acc_history) == want["acc"]
    assert solver.epoch_times == want["epoch_times"]
    assert sorted(p.name for p in tmp_path.glob("c_*")) == [
        f"c_epoch_{e}.pkl" for e in want["ckpts"]
    ]
    assert capsys.readouterr().out == want["out"]
    assert solver.stopped_early == (case == "time_limit")
