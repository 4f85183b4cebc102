"""CaptioningSolver: the official training loop, options, errors, NaN guard, checkpoints, resume."""

# ruff: noqa: NPY002 (the model draws its weights from the global np.random, as officially)

import numpy as np
import pytest

import cs231n.solver as solver_module
from cs231n import optim
from cs231n.captioning_solver import CaptioningSolver
from cs231n.classifiers.rnn import CaptioningRNN
from cs231n.coco_utils import load_coco_data, sample_coco_minibatch
from cs231n.solver import DivergenceError, Solver, read_checkpoint
from tests.checks import FakeClock
from tests.test_captioning_rnn import synthetic_captions
from tests.test_data_coco import make_coco
from tests.test_solver import TinySoftmax

pytestmark = pytest.mark.a3


@pytest.fixture
def data():
    # 60 training captions: 6 iterations per epoch at batch_size 10
    return synthetic_captions(np.random.default_rng(0), n=60, D=8, T=7, n_val=12)


def _model(data, cell_type="rnn", seed=231):
    np.random.seed(seed)
    return CaptioningRNN(
        data["word_to_idx"], input_dim=8, wordvec_dim=6, hidden_dim=10, cell_type=cell_type
    )


def _solver(data, **kw):
    opts = dict(
        update_rule="adam",
        optim_config={"learning_rate": 1e-2},
        lr_decay=0.9,
        batch_size=10,
        num_epochs=3,
        verbose=False,
        seed=7,
    )
    opts.update(kw)
    return CaptioningSolver(_model(data), data, **opts)


def test_the_official_defaults():
    d = synthetic_captions(np.random.default_rng(1), D=8)
    solver = CaptioningSolver(_model(d), d)
    assert solver.update_rule_name == "sgd" and solver.optim_config == {}
    assert (solver.lr_decay, solver.batch_size, solver.num_epochs) == (1.0, 100, 10)
    assert (solver.print_every, solver.verbose) == (10, True)
    assert isinstance(solver, Solver)


def test_training_is_the_official_loop(data):
    """Each iteration: sample_coco_minibatch of batch_size training captions from the
    solver's generator, model.loss(features, captions), the update rule on every parameter;
    lr_decay after every epoch. Replayed by hand, the parameters come out identical."""
    solver = _solver(data)
    solver.train()
    iters_per_epoch = 60 // 10
    assert len(solver.loss_history) == 3 * iters_per_epoch and solver.epoch == 3

    model = _model(data)
    rng = np.random.default_rng(7)
    configs = {p: {"learning_rate": 1e-2} for p in model.params}
    losses = []
    for t in range(3 * iters_per_epoch):
        captions, features, _ = sample_coco_minibatch(data, batch_size=10, rng=rng)
        loss, grads = model.loss(features, captions)
        losses.append(loss)
        for p in model.params:
            model.params[p], configs[p] = optim.adam(model.params[p], grads[p], configs[p])
        if (t + 1) % iters_per_epoch == 0:
            for c in configs.values():
                c["learning_rate"] *= 0.9
    assert solver.loss_history == losses
    for p in model.params:  # the last parameters: no best-parameter selection
        np.testing.assert_array_equal(solver.model.params[p], model.params[p])
        assert solver.optim_configs[p]["learning_rate"] == pytest.approx(1e-2 * 0.9**3)
        assert configs[p]["learning_rate"] == solver.optim_configs[p]["learning_rate"]


def test_an_epoch_is_num_train_captions_over_batch_size(data):
    solver = _solver(data, batch_size=25, num_epochs=2)  # 60 // 25 = 2 iterations per epoch
    solver.train()
    assert len(solver.loss_history) == 4
    solver = _solver(data, batch_size=100, num_epochs=2)  # at least one per epoch
    solver.train()
    assert len(solver.loss_history) == 2


def test_validation_loss_at_the_first_iteration_and_every_epoch_end(data):
    solver = _solver(data, num_val_samples=5)
    solver.train()
    assert solver.val_loss_iterations == [1, 6, 12, 18]
    assert len(solver.val_loss_history) == 4
    assert solver.val_loss_history[-1] < solver.val_loss_history[0]
    # the fixed subsample: 5 captions evenly spaced over the 12 validation captions
    rows = np.array([0, 3, 6, 8, 11])
    features = data["val_features"][data["val_image_idxs"][rows]]
    loss, _ = solver.model.loss(features, data["val_captions"][rows])
    assert solver.validation_loss() == pytest.approx(loss, abs=1e-5)
    assert solver.val_loss_history[-1] == solver.validation_loss()
    all_val = _solver(data, num_val_samples=None)
    assert all_val.validation_loss() == pytest.approx(
        all_val.model.loss(data["val_features"], data["val_captions"])[0], abs=1e-5
    )
    none = _solver(data, num_val_samples=0)
    none.train()
    assert none.val_loss_history == [] and np.isnan(none.validation_loss())
    with pytest.raises(NotImplementedError, match="CaptioningSolver.check_accuracy"):
        solver.check_accuracy(data["val_features"], data["val_captions"])


def test_same_seed_same_history_other_seed_other_history(data):
    a, b, c = _solver(data), _solver(data), _solver(data, seed=8)
    for s in (a, b, c):
        s.train()
    assert a.loss_history == b.loss_history and a.val_loss_history == b.val_loss_history
    assert a.loss_history != c.loss_history


def test_verbose_prints_official_lines(data, capsys):
    solver = _solver(data, verbose=True, print_every=5, num_epochs=1)
    solver.train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 6) loss: " in out and "(Iteration 6 / 6) loss: " in out
    assert "(Iteration 2 / 6)" not in out
    assert "(Epoch 0 / 1) val loss: " in out and "(Epoch 1 / 1) val loss: " in out


@pytest.mark.parametrize("how", ["resume_from", "from_checkpoint"])
def test_resume_gives_the_same_history_as_an_uninterrupted_run(data, tmp_path, how):
    full = _solver(data)
    full.train()
    first = _solver(data, checkpoint_name=str(tmp_path / "run"))
    first.train()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"run_epoch_{e}.pkl" for e in range(4)], names
    path = tmp_path / "run_epoch_1.pkl"
    if how == "resume_from":
        resumed = _solver(data, resume_from=path)
    else:
        resumed = CaptioningSolver.from_checkpoint(path, data, verbose=False)
    assert resumed.epoch == 1 and len(resumed.loss_history) == 6
    assert resumed.val_loss_iterations == [1, 6]
    resumed.train()
    assert resumed.loss_history == full.loss_history
    assert resumed.val_loss_history == full.val_loss_history
    assert resumed.val_loss_iterations == full.val_loss_iterations
    for k in full.model.params:
        np.testing.assert_array_equal(resumed.model.params[k], full.model.params[k])
        np.testing.assert_array_equal(resumed.optim_configs[k]["m"], full.optim_configs[k]["m"])


def test_resume_checks_the_checkpoint(data, tmp_path):
    _solver(data, num_epochs=1, checkpoint_name=str(tmp_path / "r")).train()
    with pytest.raises(ValueError, match=r"CaptioningSolver: .* update_rule 'adam', not 'sgd'"):
        _solver(data, update_rule="sgd", resume_from=tmp_path / "r_epoch_1.pkl")
    lstm = CaptioningRNN(data["word_to_idx"], input_dim=8, wordvec_dim=6, hidden_dim=10)
    lstm.params.pop("b")
    with pytest.raises(ValueError, match=r"CaptioningSolver: checkpoint .* has parameters"):
        CaptioningSolver(lstm, data, update_rule="adam", resume_from=tmp_path / "r_epoch_1.pkl")
    # a checkpoint of the classification Solver is not one of this class
    X = np.random.default_rng(0).standard_normal((20, 6))
    y = np.zeros(20, int)
    cls_data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    Solver(TinySoftmax(), cls_data, num_epochs=1, batch_size=10, verbose=False,
           checkpoint_name=str(tmp_path / "c")).train()  # fmt: skip
    with pytest.raises(ValueError, match="is not a CaptioningSolver checkpoint"):
        _solver(data, resume_from=tmp_path / "c_epoch_1.pkl")
    with pytest.raises(ValueError, match="is not a CaptioningSolver checkpoint"):
        CaptioningSolver.from_checkpoint(tmp_path / "c_epoch_1.pkl", data)


def test_checkpoints_hold_the_histories(data, tmp_path):
    _solver(data, checkpoint_name=str(tmp_path / "ck")).train()
    ckpt = read_checkpoint(tmp_path / "ck_epoch_2.pkl")
    assert ckpt["epoch"] == 2 and ckpt["iteration"] == 12 and len(ckpt["loss_history"]) == 12
    assert ckpt["val_loss_iterations"] == [1, 6, 12] and ckpt["solver"] == "CaptioningSolver"


def test_divergence_is_named_with_iteration_and_epoch(data):
    solver = _solver(data, update_rule="sgd", optim_config={"learning_rate": 1e30})
    with (
        np.errstate(all="ignore"),
        pytest.raises(
            DivergenceError, match=r"CaptioningSolver: the loss is \S+ at iteration \d+ \(epoch"
        ),
    ):
        solver.train()
    assert not np.isfinite(solver.loss_history[-1])


def test_lr_schedule_sets_every_iterations_learning_rate(data):
    seen = []
    solver = _solver(data, lr_decay=1.0, lr_schedule=lambda it, n: seen.append((it, n)) or 0.5)
    solver.train()
    assert seen == [(t, 18) for t in range(18)]
    assert all(c["learning_rate"] == pytest.approx(5e-3) for c in solver.optim_configs.values())


def test_time_limit_stops_after_the_crossing_iteration(data, monkeypatch):
    monkeypatch.setattr(solver_module, "_now", FakeClock(1.0))
    solver = _solver(data, time_limit=6.0)
    solver.train()
    assert solver.stopped_early and len(solver.loss_history) < 18
    assert solver.val_loss_iterations[-1] == len(solver.loss_history)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"learning_rate": 1e-3}, r"CaptioningSolver: unrecognized arguments \['learning_rate'\]"),
        ({"num_train_samples": 10}, r"CaptioningSolver: unrecognized arguments"),
        (
            {"update_rule": "nesterov"},
            r"CaptioningSolver: update_rule must be one of .*got 'nesterov'",
        ),
        ({"batch_size": 0}, r"CaptioningSolver: batch_size must be an integer >= 1, got 0"),
        ({"num_epochs": 2.5}, r"CaptioningSolver: num_epochs must be an integer, got 2.5"),
        ({"num_val_samples": -1}, r"CaptioningSolver: num_val_samples must be an integer >= 0"),
        ({"time_limit": 0}, r"CaptioningSolver: time_limit must be a finite number > 0, got 0"),
        ({"lr_schedule": 0.5, "lr_decay": 1.0}, r"CaptioningSolver: lr_schedule must be callable"),
        ({"lr_schedule": lambda i, n: 1.0}, r"CaptioningSolver: give lr_schedule or lr_decay"),
        (
            {"lr_schedule": lambda i, n: 1.0, "lr_decay": 1.0, "optim_config": {}},
            r"CaptioningSolver: lr_schedule scales optim_config\['learning_rate'\]",
        ),
    ],
)
def test_bad_options_are_named(data, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        _solver(data, **kwargs)


@pytest.mark.parametrize(
    "change, pattern",
    [
        (lambda d: d.pop("val_urls"), r"CaptioningSolver: data is missing the keys \['val_urls'\]"),
        (
            lambda d: d.update(train_image_idxs=d["train_image_idxs"][:-1]),
            r"CaptioningSolver: train_captions must be \(N, T\) .* got \(60, 7\) and \(59,\)",
        ),
        (
            lambda d: d.update(val_image_idxs=d["val_image_idxs"] + 5),
            r"CaptioningSolver: val_image_idxs must lie in \[0, 12\) .* got \[5, 16\]",
        ),
        (
            lambda d: d.update(train_features=d["train_features"][:, :, None]),
            r"CaptioningSolver: train_features must be \(num_images, D\)",
        ),
        (
            lambda d: d.update(train_urls=d["train_urls"][:3]),
            r"CaptioningSolver: train_urls must have one entry per row of train_features \(60\)",
        ),
    ],
)
def test_bad_data_is_named(data, change, pattern):
    model = _model(data)
    change(data)
    with pytest.raises(ValueError, match=pattern):
        CaptioningSolver(model, data)


def test_trains_on_the_official_coco_layout(tmp_path, rng):
    """load_coco_data on a tiny folder in the official layout gives a dict it trains on."""
    make_coco(tmp_path / "coco", rng, n_train=30, n_val=6, D=(5, 10))
    data = load_coco_data(tmp_path / "coco")
    np.random.seed(0)
    model = CaptioningRNN(data["word_to_idx"], input_dim=5, wordvec_dim=4, hidden_dim=6,
                          cell_type="lstm")  # fmt: skip
    solver = CaptioningSolver(model, data, update_rule="adam", batch_size=10, num_epochs=2,
                              optim_config={"learning_rate": 1e-2}, verbose=False, seed=0)  # fmt: skip
    solver.train()
    assert len(solver.loss_history) == 6 and all(np.isfinite(solver.loss_history))
    assert len(solver.val_loss_history) == 3  # first iteration and two epoch ends
