"""Update rules: the official 2020 check values, then float64 ``torch.optim`` twins.

The course writes momentum as ``v = mu*v - lr*dw; w += v`` while PyTorch writes
``b = mu*b + dw; w -= lr*b``. With a constant learning rate ``v = -lr*b`` at every
step, so the weights agree exactly; RMSProp and Adam use the same formulas as
PyTorch (epsilon outside the square root, bias-corrected Adam).
"""

import numpy as np
import pytest

from cs231n import optim
from tests.checks import assert_close

pytestmark = pytest.mark.a2

N, D = 4, 5


def _linspace(a, b):
    return np.linspace(a, b, num=N * D).reshape(N, D)


# The inputs of the FullyConnectedNets.ipynb (2020) update-rule checks.
W0 = _linspace(-0.4, 0.6)
DW0 = _linspace(-0.6, 0.4)


def _assert_printed(actual, expected, what):
    """The notebook prints its expected arrays with 8 decimals, so a correct
    result is within half a unit of the last digit (5e-9) of every entry. The
    relative error can still reach ~1e-7 on small entries (adam next_w[1, 3] =
    0.0197142755 is printed as 0.01971428)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    worst = np.max(np.abs(actual - expected))
    assert worst <= 5e-9 + 1e-15, f"{what}: max abs difference {worst:.2e} > 5e-9 (8 decimals)"
    assert_close(actual, expected, 2e-7, what)


def test_sgd_default_learning_rate():
    next_w, config = optim.sgd(W0, DW0)
    assert config["learning_rate"] == 1e-2
    assert_close(next_w, W0 - 1e-2 * DW0, 1e-12, "sgd next_w")


def test_sgd_momentum_official_values():
    v = _linspace(0.6, 0.9)
    next_w, config = optim.sgd_momentum(W0, DW0, {"learning_rate": 1e-3, "velocity": v})
    expected_next_w = np.asarray(
        [
            [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
            [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
            [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
            [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096],
        ]
    )
    expected_velocity = np.asarray(
        [
            [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
            [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
            [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
            [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096],
        ]
    )
    _assert_printed(next_w, expected_next_w, "sgd_momentum next_w")
    _assert_printed(config["velocity"], expected_velocity, "sgd_momentum velocity")
    assert config["momentum"] == 0.9


def test_rmsprop_official_values():
    cache = _linspace(0.6, 0.9)
    next_w, config = optim.rmsprop(W0, DW0, {"learning_rate": 1e-2, "cache": cache})
    expected_next_w = np.asarray(
        [
            [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
            [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
            [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
            [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619],
        ]
    )
    expected_cache = np.asarray(
        [
            [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
            [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
            [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
            [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926],
        ]
    )
    _assert_printed(next_w, expected_next_w, "rmsprop next_w")
    _assert_printed(config["cache"], expected_cache, "rmsprop cache")
    assert (config["decay_rate"], config["epsilon"]) == (0.99, 1e-8)


def test_adam_official_values():
    m = _linspace(0.6, 0.9)
    v = _linspace(0.7, 0.5)
    config = {"learning_rate": 1e-2, "m": m, "v": v, "t": 5}
    next_w, config = optim.adam(W0, DW0, config)
    expected_next_w = np.asarray(
        [
            [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
            [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
            [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
            [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459],
        ]
    )
    expected_v = np.asarray(
        [
            [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
            [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
            [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
            [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966],
        ]
    )
    expected_m = np.asarray(
        [
            [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
            [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
            [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
            [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85],
        ]
    )
    _assert_printed(next_w, expected_next_w, "adam next_w")
    _assert_printed(config["v"], expected_v, "adam v")
    _assert_printed(config["m"], expected_m, "adam m")
    assert config["t"] == 6, "t is incremented before use: 5 -> 6"


@pytest.mark.parametrize("rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_rules_do_not_modify_w_in_place(rule):
    w = W0.copy()
    update = optim.UPDATE_RULES[rule]
    next_w, _ = update(w, DW0.copy(), None)
    assert np.array_equal(w, W0), f"{rule} modified w in place"
    assert not np.allclose(next_w, W0)


def test_shape_mismatch_names_the_rule():
    with pytest.raises(ValueError, match=r"adam: dw must have the shape of w \(4, 5\)"):
        optim.adam(W0, DW0[:, :3])


# ---------------------------------------------------------------- torch twins
torch = pytest.importorskip("torch")


def _run_ours(rule, config, grads):
    w = W0.copy()
    for g in grads:
        w, config = rule(w, g, config)
    return w


def _run_torch(make_opt, grads):
    p = torch.tensor(W0.copy(), dtype=torch.float64, requires_grad=True)
    opt = make_opt([p])
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return p.detach().numpy()


@pytest.fixture
def grads(rng):
    """Seven random gradients; rng is the conftest's seeded generator."""
    return [rng.standard_normal((N, D)) for _ in range(7)]


def test_sgd_matches_torch(grads):
    ours = _run_ours(optim.sgd, {"learning_rate": 0.05}, grads)
    ref = _run_torch(lambda ps: torch.optim.SGD(ps, lr=0.05), grads)
    assert_close(ours, ref, 1e-12, "sgd vs torch.optim.SGD")


def test_sgd_momentum_matches_torch(grads):
    # v_course = -lr * buf_torch at every step when lr is constant.
    ours = _run_ours(optim.sgd_momentum, {"learning_rate": 0.05, "momentum": 0.9}, grads)
    ref = _run_torch(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9), grads)
    assert_close(ours, ref, 1e-12, "sgd_momentum vs torch.optim.SGD(momentum=0.9)")


def test_rmsprop_matches_torch(grads):
    # torch: alpha is our decay_rate; eps is added to sqrt(cache), as here.
    ours = _run_ours(optim.rmsprop, {"learning_rate": 1e-2}, grads)
    ref = _run_torch(lambda ps: torch.optim.RMSprop(ps, lr=1e-2, alpha=0.99, eps=1e-8), grads)
    assert_close(ours, ref, 1e-10, "rmsprop vs torch.optim.RMSprop")


def test_adam_matches_torch(grads):
    ours = _run_ours(optim.adam, {"learning_rate": 1e-2}, grads)
    ref = _run_torch(lambda ps: torch.optim.Adam(ps, lr=1e-2, betas=(0.9, 0.999), eps=1e-8), grads)
    assert_close(ours, ref, 1e-10, "adam vs torch.optim.Adam")
