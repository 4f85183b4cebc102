"""The normalization-experiment harness of BatchNormalization.ipynb, on a tiny synthetic problem."""

import numpy as np
import pytest

from cs231n.training.norm_experiments import (
    ScaleResult,
    batch_size_experiment,
    make_solver,
    train_fc_net,
    weight_scale_experiment,
)

pytestmark = pytest.mark.a2


@pytest.fixture
def tiny_data():
    # 3 classes of 12-dim points around distinct centres: a net learns them in a few epochs
    rng = np.random.default_rng(0)
    centres = 3 * rng.normal(size=(3, 12))
    y = rng.integers(3, size=90)
    X = centres[y] + rng.normal(size=(90, 12))
    return {"X_train": X[:60], "y_train": y[:60], "X_val": X[60:], "y_val": y[60:]}


def test_runs_with_and_without_normalization_start_from_the_same_weights(tiny_data):
    kw = dict(weight_scale=1e-1, batch_size=10, learning_rate=1e-3, num_epochs=1)
    bn = make_solver(tiny_data, [16, 16], "batchnorm", **kw).model
    base = make_solver(tiny_data, [16, 16], None, **kw).model
    assert "gamma1" in bn.params and "gamma1" not in base.params
    for name in ("W1", "W2", "W3"):
        assert np.array_equal(bn.params[name], base.params[name]), name
    with pytest.raises(ValueError, match="make_solver: normalization must be one of"):
        make_solver(tiny_data, [16], "groupnorm", **kw)


def test_train_fc_net_is_repeatable_and_learns(tiny_data):
    kw = dict(weight_scale=1e-1, batch_size=10, learning_rate=1e-2, num_epochs=5)
    a = train_fc_net(tiny_data, [16], "layernorm", **kw)
    b = train_fc_net(tiny_data, [16], "layernorm", **kw)
    assert a.loss_history == b.loss_history
    assert a.best_val_acc > 0.8  # chance is 1/3
    sgd = train_fc_net(tiny_data, [16], "layernorm", **{**kw, "update_rule": "sgd"})
    assert sgd.update_rule_name == "sgd" and sgd.loss_history != a.loss_history


def test_weight_scale_experiment_keeps_a_diverging_run(tiny_data):
    # float32 weights of 1e10 through four layers overflow the baseline's scores to inf (NaN
    # loss); batch norm re-standardizes every hidden layer and keeps a finite loss.
    scales = [1e-1, 1e10]
    res = weight_scale_experiment(tiny_data, scales, [8, 8, 8], num_epochs=1, batch_size=20)
    assert list(res) == ["batchnorm", "baseline"]
    assert all(len(v) == 2 and all(isinstance(r, ScaleResult) for r in v) for v in res.values())
    assert np.isfinite(res["baseline"][0].final_loss)
    assert np.isnan(res["baseline"][1].final_loss)
    assert np.isfinite(res["batchnorm"][1].final_loss)
    assert np.isnan(res["baseline"][1].best_train_acc)  # stopped before its first check


def test_batch_size_experiment_compares_against_a_small_batch_baseline(tiny_data):
    runs = batch_size_experiment(tiny_data, "layernorm", (5, 20), (8, 8), num_epochs=1)
    assert list(runs) == ["baseline, batch 5", "layernorm, batch 5", "layernorm, batch 20"]
    assert [s.batch_size for s in runs.values()] == [5, 5, 20]
    assert "gamma1" not in runs["baseline, batch 5"].model.params
    assert "gamma1" in runs["layernorm, batch 20"].model.params
    assert all(len(s.epoch_times) == 1 for s in runs.values())
    with pytest.raises(ValueError, match="batch_size_experiment: normalization must be"):
        batch_size_experiment(tiny_data, None, num_epochs=1)
