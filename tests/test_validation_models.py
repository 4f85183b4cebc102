"""Bad arguments to the optimizers, classifiers and assignment-3 numpy modules fail clearly.

Each bad call raises a ``ValueError`` or ``TypeError`` whose message starts with the function
(``adam:``, ``LinearClassifier.train:``...) and names the argument; valid calls (lists of
numbers, integral float labels, a learning rate annealed to 0) still work and give the numbers
they gave before.
"""

import re

import numpy as np
import pytest

from cs231n import optim

W = np.linspace(-0.4, 0.6, 20).reshape(4, 5)
DW = np.linspace(-0.6, 0.4, 20).reshape(4, 5)


def _raises(call, fn: str, arg: str, exc=(ValueError, TypeError)):
    """``call()`` raises ``exc`` with a message starting ``fn:`` and naming ``arg``."""
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(f"{fn}:"), f"message does not start with {fn!r}: {msg}"
    assert arg in msg, f"message does not name {arg!r}: {msg}"
    return msg


# ---------------------------------------------------------------- optimizers
@pytest.mark.parametrize(
    "rule, config, arg, pattern",
    [
        ("sgd", {"learning_rate": -0.1}, "config['learning_rate']", r">= 0, got -0.1"),
        ("sgd", {"learning_rate": np.nan}, "config['learning_rate']", r"got nan"),
        ("sgd", {"learning_rate": np.inf}, "config['learning_rate']", r"got inf"),
        ("sgd", {"learning_rate": "1e-3"}, "config['learning_rate']", r"got '1e-3'"),
        ("sgd", {"lr": 1e-3}, "config", r"unknown key 'lr'"),
        ("sgd", {"momentum": 0.9}, "config", r"unknown key 'momentum'"),
        ("sgd_momentum", {"momentum": 1.0}, "config['momentum']", r"in \[0, 1\), got 1.0"),
        ("sgd_momentum", {"momentum": -0.5}, "config['momentum']", r"got -0.5"),
        ("sgd_momentum", {"velocity": np.zeros((1, 5))}, "config['velocity']", r"\(4, 5\)"),
        ("sgd_momentum", {"velocity": 0.0}, "config['velocity']", r"got \(\)"),
        ("rmsprop", {"decay_rate": 1.0}, "config['decay_rate']", r"in \[0, 1\), got 1.0"),
        ("rmsprop", {"decay_rate": np.nan}, "config['decay_rate']", r"got nan"),
        ("rmsprop", {"epsilon": 0.0}, "config['epsilon']", r"> 0, got 0.0"),
        ("rmsprop", {"cache": np.zeros(5)}, "config['cache']", r"got \(5,\)"),
        ("adam", {"beta1": 1.0}, "config['beta1']", r"adam: config\['beta1'\] must be .*\[0, 1\)"),
        ("adam", {"beta2": 1.5}, "config['beta2']", r"got 1.5"),
        ("adam", {"epsilon": -1e-8}, "config['epsilon']", r"> 0"),
        ("adam", {"m": np.zeros((4, 1))}, "config['m']", r"shape of w \(4, 5\), got \(4, 1\)"),
        ("adam", {"v": np.zeros((5, 4))}, "config['v']", r"got \(5, 4\)"),
        ("adam", {"t": -1}, "config['t']", r"integer >= 0"),
        ("adam", {"t": 2.5}, "config['t']", r"integer"),
        ("adam", {"velocity": np.zeros((4, 5))}, "config", r"unknown key 'velocity'"),
        ("adam", [("learning_rate", 1e-3)], "config", r"must be a dict"),
    ],
)
def test_optimizer_configs_are_checked(rule, config, arg, pattern):
    msg = _raises(lambda: getattr(optim, rule)(W.copy(), DW, config), rule, arg)
    assert re.search(pattern, msg), msg


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
@pytest.mark.parametrize("dw", [DW[:1], DW.T, np.float64(0.1), DW[None]])
def test_optimizers_do_not_broadcast_dw(rule, dw):
    _raises(lambda: getattr(optim, rule)(W.copy(), dw), rule, "dw")


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_optimizers_reject_none_and_strings(rule):
    _raises(lambda: getattr(optim, rule)(None, DW), rule, "w", TypeError)
    _raises(lambda: getattr(optim, rule)(W, None), rule, "dw", TypeError)
    _raises(lambda: getattr(optim, rule)(W, np.array(["a"] * 20).reshape(4, 5)), rule, "dw")


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_optimizers_take_back_their_own_config_and_a_zero_learning_rate(rule):
    """The Solver hands the returned config (with its state keys) back on the next step; a
    schedule may anneal the learning rate to exactly 0 (the step then adds no gradient:
    w stays, or moves by the decayed velocity mu * v with momentum)."""
    f = getattr(optim, rule)
    w, config = f(W.copy(), DW, None)
    w, config = f(w, DW, config)
    drift = config["momentum"] * config["velocity"] if rule == "sgd_momentum" else 0.0
    w2, config = f(w, DW, {**config, "learning_rate": 0.0})
    np.testing.assert_array_equal(w2, w + drift)


def test_optimizers_accept_lists_of_numbers_with_the_same_numbers():
    w, config = optim.adam(W.tolist(), DW.tolist(), {"learning_rate": 1e-2})
    expected, _ = optim.adam(W, DW, {"learning_rate": 1e-2})
    np.testing.assert_array_equal(w, expected)
    w, _ = optim.sgd_momentum(W, DW, {"velocity": np.zeros((4, 5)).tolist()})
    np.testing.assert_array_equal(w, optim.sgd_momentum(W, DW)[0])
