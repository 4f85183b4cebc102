"""ConvNet: shapes, gradients, the initial loss, overfitting, and the Winograd path."""

import numpy as np
import pytest

import cs231n.fast_layers as fl
from cs231n.nn.convnet import ConvNet, conv_functions
from cs231n.solver import Solver
from tests.checks import assert_close, assert_grad

pytestmark = pytest.mark.a2


def tiny(**kw):
    """Two stages (one conv, then two) on 8x8 images: every code path, a few hundred weights."""
    opts = dict(input_dim=(3, 8, 8), stages=(3, (4, 5)), dtype=np.float64, seed=0)
    opts.update(kw)
    return ConvNet(**opts)


def test_param_names_and_shapes():
    model = ConvNet(stages=(8, (16, 16)), seed=0)
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {
        "W1": (8, 3, 3, 3), "gamma1": (8,), "beta1": (8,),
        "W2": (16, 8, 3, 3), "gamma2": (16,), "beta2": (16,),
        "W3": (16, 16, 3, 3), "gamma3": (16,), "beta3": (16,),
        "W4": (16 * 8 * 8, 10), "b4": (10,),
    }  # fmt: skip
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert len(model.bn_params) == model.num_conv == 3
    gap = ConvNet(stages=(8, (16, 16)), head="gap", seed=0)
    assert gap.params["W4"].shape == (16, 10)
    # He initialization: std sqrt(2 / fan_in) for the convs
    big = ConvNet(stages=(64, 128), seed=0)
    assert big.params["W2"].std() == pytest.approx(np.sqrt(2 / (9 * 64)), rel=0.02)


def test_same_seed_same_weights():
    a, b, c = ConvNet(seed=3), ConvNet(seed=3), ConvNet(seed=4)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["W1"], c.params["W1"])


@pytest.mark.parametrize("head", ["affine", "gap"])
def test_scores_shape_and_dtype(rng, head):
    model = ConvNet(stages=(4, 8), head=head, num_classes=7, seed=0)
    X = rng.standard_normal((5, 3, 32, 32))
    scores = model.loss(X)
    assert scores.shape == (5, 7) and scores.dtype == np.float32
    assert all(p["mode"] == "test" for p in model.bn_params)


def test_initial_loss_is_log_num_classes_with_small_weights(rng):
    # Small weights make every score near zero, so the softmax is uniform: loss = log(10).
    # Batchnorm rescales the conv outputs to unit size whatever the conv weights, so only
    # the affine layer is small here: scores of std ~0.04 (1e-3 * sqrt(1024 inputs)) put
    # the loss about 0.01 above log(10). (He init gives scores of order 1, and a loss of
    # about 2.5 to 3.3 on random data.)
    model = ConvNet(stages=(8, 16), weight_scale=1e-3, seed=0)
    X = rng.standard_normal((20, 3, 32, 32))
    y = rng.integers(0, 10, size=20)
    loss, _ = model.loss(X, y)
    assert loss == pytest.approx(np.log(10), abs=0.02)
    model.reg = 10.0
    loss_reg, _ = model.loss(X, y)
    assert loss_reg > loss + 1e-3


@pytest.mark.parametrize("head", ["affine", "gap"])
def test_gradients_match_numeric_gradients(rng, head):
    # Tolerance 1e-6 instead of the usual 1e-7: batchnorm couples the examples of the
    # minibatch, so every weight reaches the loss through the batch statistics too; the
    # loss is a longer chain of float64 operations with larger third derivatives, and the
    # smallest gradient entries (~1e-4) get centred-difference relative errors of ~1e-7.
    # Measured worst case over the parameters: 2.4e-7.
    model = tiny(head=head, reg=0.1)
    X = rng.standard_normal((6, 3, 8, 8))
    y = rng.integers(0, 10, size=6)
    _, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name in sorted(model.params):
        assert_grad(name, lambda: model.loss(X, y)[0], model.params[name], grads[name], tol=1e-6)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="divisible by 8"):
        ConvNet(input_dim=(3, 12, 12), stages=(4, 4, 4))
    with pytest.raises(ValueError, match="head must be"):
        ConvNet(head="max")
    with pytest.raises(ValueError, match=r"stages\[1\] must be"):
        ConvNet(stages=(4, (0,)))
    with pytest.raises(ValueError, match="conv_method must be"):
        ConvNet(conv_method="fft")
    model = ConvNet(stages=(4,), seed=0)
    with pytest.raises(ValueError, match=r"X must have shape \(\?, 3, 32, 32\)"):
        model.loss(np.zeros((2, 3, 16, 16)))
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(2,\)"):
        model.loss(np.zeros((2, 3, 32, 32)), np.zeros(3, dtype=int))


def test_overfits_50_images(rng):
    # Random images with random labels: only memorization can fit them, which a working
    # model with enough weights does in a few dozen Adam steps.
    X = rng.standard_normal((50, 3, 16, 16)).astype(np.float32)
    y = rng.integers(0, 10, size=50)
    data = {"X_train": X, "y_train": y, "X_val": X[:10], "y_val": y[:10]}
    model = ConvNet(input_dim=(3, 16, 16), stages=(8, 16), seed=0)
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-2},
                    batch_size=25, num_epochs=15, num_train_samples=None, verbose=False,
                    seed=0)  # fmt: skip
    solver.train()
    assert solver.train_acc_history[-1] == 1.0, solver.train_acc_history


def test_solver_restores_the_batchnorm_statistics_of_the_best_parameters(rng):
    # Test-mode scores depend on bn_params too: the model the Solver hands back must
    # score best_val_acc again, not mix the best weights with the last statistics.
    X = rng.standard_normal((60, 3, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, size=60)
    data = {"X_train": X[:40], "y_train": y[:40], "X_val": X[40:], "y_val": y[40:]}
    model = ConvNet(input_dim=(3, 8, 8), stages=(4, 8), seed=0)
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-2},
                    batch_size=10, num_epochs=6, verbose=False, seed=0)  # fmt: skip
    solver.train()
    assert solver.best_bn_params is not None
    assert solver.val_acc_history.index(solver.best_val_acc) < len(solver.val_acc_history) - 1, (
        "pick a run whose best check is not the last one, or the test proves nothing"
    )
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == solver.best_val_acc


def test_winograd_gives_the_same_loss_and_grads_as_fast(rng):
    fast, wino = tiny(), tiny(conv_method="winograd")
    X = rng.standard_normal((4, 3, 8, 8))
    y = rng.integers(0, 10, size=4)
    loss_f, grads_f = fast.loss(X, y)
    loss_w, grads_w = wino.loss(X, y)
    assert loss_w == pytest.approx(loss_f, rel=1e-12)
    for k in grads_f:
        assert_close(grads_w[k], grads_f[k], tol=1e-8, what=f"winograd grad {k}")
    assert_close(wino.loss(X), fast.loss(X), tol=1e-10, what="winograd scores")


def test_conv_functions_by_name():
    assert conv_functions("fast") == (fl.conv_forward_fast, fl.conv_backward_fast)
    assert conv_functions("winograd") == (fl.conv_forward_winograd, fl.conv_backward_winograd)
    with pytest.raises(ValueError, match="conv_method must be 'fast' or 'winograd', got 'fft'"):
        ConvNet(conv_method="fft")
