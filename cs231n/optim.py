"""First-order update rules: SGD, SGD with momentum, RMSProp and Adam.

Every rule has the same contract (official CS231n 2020)::

    next_w, config = update(w, dw, config=None)

* ``w``: the current weights, any shape (e.g. ``(D, M)`` for an affine layer).
* ``dw``: the gradient of the loss with respect to ``w``, same shape as ``w``.
* ``config``: a dict of hyperparameters (learning rate, decay rates, ...) plus
  the rule's running state (velocity, caches, step count). Missing entries get
  the official defaults. The dict is updated in place and returned, so the
  :class:`~cs231n.solver.Solver` keeps one ``config`` per parameter and hands it
  back on the next step.

Each rule returns a NEW array ``next_w``; ``w`` is never modified in place.

Every rule checks its arguments at the door (``ValueError``/``TypeError`` naming the rule and
the argument, e.g. ``adam: config['beta1'] must be a finite number in [0, 1), got 1.0``):
``dw`` and the saved state (``velocity``, ``cache``, ``m``, ``v``) must have exactly the shape
of ``w`` (no broadcasting; absent before the first step, never ``None``); ``config`` may hold
only the rule's hyperparameters and state keys; ``learning_rate`` is finite and >= 0,
``momentum``/``decay_rate``/``beta1``/``beta2`` lie in [0, 1), ``epsilon`` > 0 and Adam's ``t``
is an integer >= 0. The checks cost O(1) per call (no pass over the arrays: NaN in ``w`` or
``dw`` propagates).
Derivations and the comparison with ``torch.optim`` are in ``notes/optimizers.md``;
learning-rate schedules for the Solver are in :mod:`cs231n.training.schedules`.
"""

from __future__ import annotations

import numpy as np

from cs231n.validation import check_array, check_keys, check_like, check_number

__all__ = ["sgd", "sgd_momentum", "rmsprop", "adam"]  # the official 2020 names


# Each rule's hyperparameters and the running state it keeps in ``config`` (the Solver hands
# the same dict back on the next step, so both kinds of key are allowed; anything else is a typo).
_HYPER = {
    "sgd": ("learning_rate",),
    "sgd_momentum": ("learning_rate", "momentum"),
    "rmsprop": ("learning_rate", "decay_rate", "epsilon"),
    "adam": ("learning_rate", "beta1", "beta2", "epsilon"),
}
_STATE = {"sgd": (), "sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}
_DECAYS = ("momentum", "decay_rate", "beta1", "beta2")


def _check_step(fn: str, w, dw, config: dict | None) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(w, dw, config)`` checked at the door of rule ``fn``: w and dw numeric arrays of one
    shape (no broadcasting), config a dict (``None`` -> a new one) with only ``fn``'s keys.

    O(1) apart from the shape comparisons: no pass over the arrays (the rules run every
    iteration for every parameter)."""
    w = check_array(fn, "w", w)
    dw = check_like(fn, "dw", dw, w.shape, of="w")
    config = check_keys(fn, "config", config, allowed=_HYPER[fn] + _STATE[fn], none_ok=True)
    return w, dw, config


def _check_config(fn: str, w: np.ndarray, config: dict) -> None:
    """The hyperparameters of ``config`` (defaults filled in) in range and its saved state of
    the shape of ``w``.

    ``learning_rate`` must be finite and >= 0: 0 is allowed because a schedule anneals it to
    exactly 0 (:func:`~cs231n.training.schedules.cosine_schedule` at the end of a
    :func:`~cs231n.training.schedules.budgeted_schedule`). Decay rates lie in [0, 1) (at 1
    Adam's bias correction divides by 0), ``epsilon`` > 0."""
    check_number(fn, "config['learning_rate']", config["learning_rate"], low=0)
    for key in _HYPER[fn][1:]:
        if key in _DECAYS:
            check_number(fn, f"config[{key!r}]", config[key], low=0, high=1, high_open=True)
        else:  # epsilon
            check_number(fn, f"config[{key!r}]", config[key], low=0, low_open=True)
    for key in _STATE[fn]:
        if key not in config:  # the first step creates it
            continue
        if key == "t":
            check_number(fn, "config['t']", config[key], low=0, integer=True)
        else:  # a list of numbers becomes an array; an array stays the same object
            config[key] = check_like(fn, f"config[{key!r}]", config[key], w.shape, of="w")


def sgd(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    r"""Vanilla stochastic gradient descent.

    .. math:: w \leftarrow w - \alpha \, dw

    Parameters
    ----------
    w, dw : ndarray, same shape
        Weights and their gradient.
    config : dict or None
        ``learning_rate`` (:math:`\alpha`, default 1e-2).

    Returns
    -------
    next_w : ndarray, shape of ``w``
    config : dict
    """
    w, dw, config = _check_step("sgd", w, dw, config)
    config.setdefault("learning_rate", 1e-2)
    _check_config("sgd", w, config)
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(
    w: np.ndarray, dw: np.ndarray, config: dict | None = None
) -> tuple[np.ndarray, dict]:
    r"""SGD with (classical, not Nesterov) momentum.

    .. math::
        v \leftarrow \mu v - \alpha \, dw, \qquad w \leftarrow w + v

    The velocity :math:`v` integrates past gradients, so steps grow along
    directions where the gradient keeps its sign and cancel along directions
    where it oscillates.

    Parameters
    ----------
    w, dw : ndarray, same shape
    config : dict or None
        ``learning_rate`` (:math:`\alpha`, default 1e-2), ``momentum``
        (:math:`\mu`, default 0.9), ``velocity`` (:math:`v`, shape of ``w``,
        default zeros).

    Returns
    -------
    next_w : ndarray, shape of ``w``
    config : dict
        With the updated ``velocity``.
    """
    w, dw, config = _check_step("sgd_momentum", w, dw, config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    _check_config("sgd_momentum", w, config)
    v = config.get("velocity")
    if v is None:  # absent: the first step
        v = np.zeros_like(w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config


def rmsprop(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    r"""RMSProp: divide the step by a running root mean square of the gradient.

    .. math::
        c \leftarrow \rho c + (1 - \rho)\, dw^2, \qquad
        w \leftarrow w - \alpha \, \frac{dw}{\sqrt{c} + \epsilon}

    (elementwise; :math:`\epsilon` is added OUTSIDE the square root, as in
    ``torch.optim.RMSprop``).

    Parameters
    ----------
    w, dw : ndarray, same shape
    config : dict or None
        ``learning_rate`` (:math:`\alpha`, default 1e-2), ``decay_rate``
        (:math:`\rho`, default 0.99), ``epsilon`` (default 1e-8), ``cache``
        (:math:`c`, shape of ``w``, default zeros).

    Returns
    -------
    next_w : ndarray, shape of ``w``
    config : dict
        With the updated ``cache``.
    """
    w, dw, config = _check_step("rmsprop", w, dw, config)
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    _check_config("rmsprop", w, config)
    cache = config.get("cache")
    if cache is None:
        cache = np.zeros_like(w)
    rho = config["decay_rate"]
    cache = rho * cache + (1 - rho) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    return next_w, config


def adam(w: np.ndarray, dw: np.ndarray, config: dict | None = None) -> tuple[np.ndarray, dict]:
    r"""Adam: momentum on the gradient plus RMSProp scaling, both bias-corrected.

    .. math::
        t &\leftarrow t + 1 \\
        m &\leftarrow \beta_1 m + (1 - \beta_1)\, dw \\
        v &\leftarrow \beta_2 v + (1 - \beta_2)\, dw^2 \\
        \hat m &= m / (1 - \beta_1^t), \qquad \hat v = v / (1 - \beta_2^t) \\
        w &\leftarrow w - \alpha \, \hat m / (\sqrt{\hat v} + \epsilon)

    ``t`` is incremented BEFORE it is used, so the first step uses ``t = 1``
    (this is what the 2020 notebook's check values expect). The bias
    correction undoes the pull of the zero initial ``m`` and ``v`` towards 0.

    Parameters
    ----------
    w, dw : ndarray, same shape
    config : dict or None
        ``learning_rate`` (:math:`\alpha`, default 1e-3), ``beta1`` (default
        0.9), ``beta2`` (default 0.999), ``epsilon`` (default 1e-8), ``m`` and
        ``v`` (moment estimates, shape of ``w``, default zeros), ``t`` (number
        of steps taken so far, default 0).

    Returns
    -------
    next_w : ndarray, shape of ``w``
    config : dict
        With the updated ``m``, ``v`` and ``t``.
    """
    w, dw, config = _check_step("adam", w, dw, config)
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    _check_config("adam", w, config)
    m = config.get("m")
    v = config.get("v")
    m = np.zeros_like(w) if m is None else m
    v = np.zeros_like(w) if v is None else v
    t = config.get("t", 0) + 1
    b1, b2 = config["beta1"], config["beta2"]
    m = b1 * m + (1 - b1) * dw
    v = b2 * v + (1 - b2) * dw**2
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config


#: Name -> rule, for :class:`~cs231n.solver.Solver` (``update_rule="adam"``).
UPDATE_RULES = {"sgd": sgd, "sgd_momentum": sgd_momentum, "rmsprop": rmsprop, "adam": adam}
