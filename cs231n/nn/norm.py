"""Normalization layers: batch, layer, spatial batch and spatial group normalization.

All four standardize some set of numbers to zero mean and unit variance, then scale
by ``gamma`` and shift by ``beta``. They differ only in *which* numbers share a mean:

=====================  ===============  =========================================
layer                  input            statistics over
=====================  ===============  =========================================
batch norm             (N, D)           the N examples, per feature
layer norm             (N, D)           the D features, per example
spatial batch norm     (N, C, H, W)     N*H*W values, per channel
spatial group norm     (N, C, H, W)     (C/G)*H*W values, per example and group
=====================  ===============  =========================================

so one column-standardizing core (:func:`_standardize_columns` and its backward) serves
all of them on a transposed or reshaped view. The derivations are in
``notes/batchnorm.md`` and ``notes/layernorm_groupnorm.md``.

Caches are dicts with named entries (listed in each docstring).

Arguments are checked once, at the door (:mod:`cs231n.validation`): ``x``, ``gamma`` and
``beta`` are numeric arrays of matching shapes, the option dicts have only their documented
keys, ``eps > 0``, ``momentum`` in [0, 1), batch statistics are over at least two values, and
a backward pass's ``dout`` has exactly the shape of ``x`` (no broadcasting). NaN and inf in
``x`` propagate (the course's semantics); they are never searched for.
"""

from __future__ import annotations

import numbers

import numpy as np

from cs231n.validation import check_array, check_choice, check_keys, check_like, check_number

__all__ = [
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "layernorm_forward",
    "layernorm_backward",
    "spatial_batchnorm_forward",
    "spatial_batchnorm_backward",
    "spatial_groupnorm_forward",
    "spatial_groupnorm_backward",
]


# --------------------------------------------------------------------------- shared core


def _standardize_columns(x: np.ndarray, eps: float):
    """Standardize every column of ``x`` (M, K) over its M entries.

    Returns ``xhat`` (M, K) and ``inv_std`` (K,) = ``1 / sqrt(var + eps)`` with the
    biased (1/M) variance.
    """
    mu = x.mean(axis=0)  # (K,)
    xmu = x - mu  # (M, K)
    inv_std = 1.0 / np.sqrt((xmu**2).mean(axis=0) + eps)  # (K,)
    return xmu * inv_std, inv_std


def _standardize_columns_backward(dxhat: np.ndarray, xhat: np.ndarray, inv_std: np.ndarray):
    """Closed-form backward of :func:`_standardize_columns`.

    .. math:: dx = \\frac{\\sigma^{-1}}{M}\\Big(M\\,d\\hat x - \\sum_i d\\hat x_i
              - \\hat x \\sum_i d\\hat x_i \\hat x_i\\Big)

    ``dxhat``, ``xhat``: (M, K); ``inv_std``: (K,). Returns ``dx`` (M, K).
    """
    M = dxhat.shape[0]
    return (inv_std / M) * (M * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))


_BN_KEYS = ("mode", "eps", "momentum", "running_mean", "running_var")


def _check_x(fn: str, x, ndim: int, layout: str) -> np.ndarray:
    """``x`` as a numeric array with ``ndim`` axes (``layout`` e.g. ``'(N, D)'``)."""
    x = check_array(fn, "x", x)
    if x.ndim != ndim:
        raise ValueError(f"{fn}: x must have shape {layout}, got {x.shape}")
    return x


def _check_eps(fn: str, param_name: str, param: dict):
    """``param['eps']`` (default 1e-5), a finite number > 0: eps = 0 divides by a zero
    variance. Returned as given (not converted), so its dtype still takes part in the
    arithmetic exactly as before."""
    eps = param.get("eps", 1e-5)
    check_number(fn, f"{param_name}['eps']", eps, low=0.0, low_open=True)
    return eps


def _check_norm_param(fn: str, param_name: str, param: dict):
    """``eps`` of a layer/group norm's option dict (keys ``eps`` and an ignored ``mode``)."""
    check_keys(fn, param_name, param, allowed=("eps", "mode"))
    if "mode" in param:
        check_choice(fn, f"{param_name}['mode']", param["mode"], ("train", "test"))
    return _check_eps(fn, param_name, param)


def _check_batch(fn: str, count: int, what: str, shape: tuple) -> None:
    """Train-mode batch statistics over a single value standardize it to 0: the output would
    be ``beta`` whatever ``x`` is (and N = 0 gives NaN), never what a caller meant."""
    if count < 2:
        raise ValueError(
            f"{fn}: x must have {what} >= 2 in train mode (the batch statistics of one value "
            f"make the output beta), got shape {shape}"
        )


def _bn_settings(fn: str, bn_param: dict, D: int, dtype):
    """``mode, eps, momentum, running_mean, running_var`` from ``bn_param``, checked.

    In train mode absent running statistics start as (D,) zeros of ``dtype`` (the official
    behaviour); in test mode they must be there, since without them there is nothing to
    normalize with.
    """
    check_keys(fn, "bn_param", bn_param, allowed=_BN_KEYS, required=("mode",))
    mode = check_choice(fn, "bn_param['mode']", bn_param["mode"], ("train", "test"))
    eps = _check_eps(fn, "bn_param", bn_param)
    momentum = bn_param.get("momentum", 0.9)
    # momentum 1 would freeze the running statistics at their start (zeros) for good
    check_number(fn, "bn_param['momentum']", momentum, low=0.0, high=1.0, high_open=True)
    stats = []
    for name in ("running_mean", "running_var"):
        if name in bn_param:
            stats.append(check_array(fn, f"bn_param['{name}']", bn_param[name], shape=(D,)))
        elif mode == "test":
            raise ValueError(
                f"{fn}: bn_param must hold '{name}' in test mode (run a train-mode forward "
                f"pass first), got keys {sorted(bn_param)}"
            )
        else:
            stats.append(np.zeros(D, dtype=dtype))
    return mode, eps, momentum, stats[0], stats[1]


def _check_affine_params(fn: str, gamma, beta, shape: tuple):
    return (
        check_array(fn, "gamma", gamma, shape=shape),
        check_array(fn, "beta", beta, shape=shape),
    )


def _dout(fn: str, dout, cache: dict) -> np.ndarray:
    """``dout`` checked against the shape of ``x`` (that of ``cache['xhat']``)."""
    return check_like(fn, "dout", dout, cache["xhat"].shape, of="x")


# --------------------------------------------------------------------------- batch norm


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict):
    """Batch normalization forward pass.

    Train mode standardizes each feature with the minibatch statistics and updates
    exponential running averages; test mode uses the running averages instead::

        xhat = (x - mu) / sqrt(var + eps),   out = gamma * xhat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var  = momentum * running_var  + (1 - momentum) * var

    ``var`` is the biased (1/N) batch variance, in the normalization and in the running
    average alike, as in the official code. (PyTorch's running average uses the unbiased
    1/(N-1) variance instead; the tests convert between the two.)

    Parameters
    ----------
    x : (N, D)
    gamma : (D,)
        Scale.
    beta : (D,)
        Shift.
    bn_param : dict
        - ``mode``: ``'train'`` or ``'test'`` (required);
        - ``eps``: added to the variance, > 0, default 1e-5;
        - ``momentum``: of the running averages, in [0, 1), default 0.9;
        - ``running_mean``, ``running_var``: (D,), created as zeros if absent in train
          mode and written back into ``bn_param``; required in test mode.

    Returns
    -------
    out : (N, D)
    cache : dict
        train mode: ``mode``, ``xmu`` = x - mu (N, D), ``std`` = sqrt(var + eps) (D,),
        ``inv_std`` = 1 / std (D,), ``xhat`` (N, D), ``gamma`` (D,);
        test mode: ``mode``, ``xhat`` (N, D), ``inv_std`` (D,), ``gamma`` (D,).

    NaN and inf in ``x`` propagate.

    Raises
    ------
    ValueError
        If ``x`` is not (N, D), ``gamma``/``beta`` not (D,), ``bn_param`` lacks ``mode`` or
        has another key, ``mode`` is not ``'train'``/``'test'``, ``eps <= 0``, ``momentum``
        is outside [0, 1), N < 2 in train mode, or the running statistics are not (D,) or
        (test mode) absent.
    TypeError
        If an array argument is ``None`` or not numeric, or ``bn_param`` is not a dict.
    """
    fn = "batchnorm_forward"
    x = _check_x(fn, x, 2, "(N, D)")
    N, D = x.shape
    gamma, beta = _check_affine_params(fn, gamma, beta, (D,))
    mode, eps, momentum, running_mean, running_var = _bn_settings(fn, bn_param, D, x.dtype)
    if mode == "train":
        _check_batch(fn, N, "N", x.shape)

    if mode == "train":
        # One line per node of the computational graph; batchnorm_backward walks them back.
        mu = x.mean(axis=0)  # (D,)
        xmu = x - mu  # (N, D)
        var = (xmu**2).mean(axis=0)  # (D,), biased
        std = np.sqrt(var + eps)  # (D,)
        inv_std = 1.0 / std  # (D,)
        xhat = xmu * inv_std  # (N, D)
        out = gamma * xhat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        cache = {
            "mode": mode,
            "xmu": xmu,
            "std": std,
            "inv_std": inv_std,
            "xhat": xhat,
            "gamma": gamma,
        }
    else:
        inv_std = 1.0 / np.sqrt(running_var + eps)
        xhat = (x - running_mean) * inv_std
        out = gamma * xhat + beta
        cache = {"mode": mode, "xhat": xhat, "inv_std": inv_std, "gamma": gamma}

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def _test_mode_backward(dout, cache):
    # The running statistics are constants: out is an elementwise affine map of x.
    dgamma = (dout * cache["xhat"]).sum(axis=0)
    dbeta = dout.sum(axis=0)
    return dout * cache["gamma"] * cache["inv_std"], dgamma, dbeta


def batchnorm_backward(dout: np.ndarray, cache: dict):
    """Batch normalization backward pass, walking the computational graph node by node.

    The forward graph (train mode) is
    ``mu -> xmu -> var -> std -> inv_std -> xhat -> out``; each step below
    back-propagates through one node (``notes/batchnorm.md`` has the same table).
    :func:`batchnorm_backward_alt` computes the same ``dx`` in closed form.

    Parameters
    ----------
    dout : (N, D)
    cache : dict from :func:`batchnorm_forward`

    Returns
    -------
    dx : (N, D)
    dgamma : (D,)
    dbeta : (D,)

    Raises
    ------
    ValueError
        If ``dout`` is not exactly (N, D) (no broadcasting).
    """
    dout = _dout("batchnorm_backward", dout, cache)
    if cache["mode"] == "test":
        return _test_mode_backward(dout, cache)
    xmu, std, inv_std, xhat, gamma = (cache[k] for k in ("xmu", "std", "inv_std", "xhat", "gamma"))
    N = dout.shape[0]

    # out = gamma * xhat + beta
    dbeta = dout.sum(axis=0)  # (D,)
    dgamma = (dout * xhat).sum(axis=0)  # (D,)
    dxhat = dout * gamma  # (N, D)
    # xhat = xmu * inv_std: two parents
    dinv_std = (dxhat * xmu).sum(axis=0)  # (D,)
    dxmu = dxhat * inv_std  # (N, D), first path into xmu
    # inv_std = 1 / std
    dstd = -dinv_std / std**2  # (D,)
    # std = sqrt(var + eps)
    dvar = dstd / (2 * std)  # (D,)
    # var = mean(xmu**2, axis=0)
    dxmu = dxmu + (2 / N) * xmu * dvar  # (N, D), second path into xmu
    # xmu = x - mu: two parents
    dmu = -dxmu.sum(axis=0)  # (D,)
    dx = dxmu.copy()  # (N, D), direct path into x
    # mu = mean(x, axis=0)
    dx += dmu / N  # broadcast over the N rows
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout: np.ndarray, cache: dict):
    """Batch normalization backward pass in the simplified closed form.

    .. math:: dx = \\frac{\\gamma\\,\\sigma^{-1}}{N}\\Big(N\\,dout - \\sum_i dout_i
              - \\hat x \\sum_i dout_i\\,\\hat x_i\\Big)

    (derived in ``notes/batchnorm.md``). Same inputs and outputs as
    :func:`batchnorm_backward`, with fewer temporaries, so it is faster.

    Returns
    -------
    dx : (N, D)
    dgamma : (D,)
    dbeta : (D,)

    Raises
    ------
    ValueError
        If ``dout`` is not exactly (N, D) (no broadcasting).
    """
    dout = _dout("batchnorm_backward_alt", dout, cache)
    if cache["mode"] == "test":
        return _test_mode_backward(dout, cache)
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    N = dout.shape[0]
    dx = (gamma * inv_std / N) * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


# --------------------------------------------------------------------------- layer norm


def layernorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: dict):
    """Layer normalization forward pass: batch norm of ``x.T``, per-feature scale/shift.

    Each example (row) is standardized over its D features; train and test behave
    the same, so there are no running averages::

        xhat[n] = (x[n] - mean(x[n])) / sqrt(var(x[n]) + eps),   out = gamma * xhat + beta

    Parameters
    ----------
    x : (N, D)
    gamma : (D,)
    beta : (D,)
    ln_param : dict
        ``eps`` (> 0), default 1e-5; a ``mode`` (``'train'`` or ``'test'``, as the
        fully connected net sets in every normalization dict) is accepted and ignored.

    Returns
    -------
    out : (N, D)
    cache : dict with ``xhat`` (N, D), ``inv_std`` (N,) (one per example), ``gamma`` (D,).

    NaN and inf in ``x`` propagate.

    Raises
    ------
    ValueError
        If ``x`` is not (N, D), ``gamma``/``beta`` not (D,),
        ``ln_param`` has another key, a bad ``mode`` or ``eps <= 0``.
    TypeError
        If an array argument is ``None`` or not numeric, or ``ln_param`` is not a dict.
    """
    fn = "layernorm_forward"
    x = _check_x(fn, x, 2, "(N, D)")
    gamma, beta = _check_affine_params(fn, gamma, beta, (x.shape[1],))
    eps = _check_norm_param(fn, "ln_param", ln_param)
    xhat_t, inv_std = _standardize_columns(x.T, eps)  # columns of x.T (D, N) are examples
    xhat = xhat_t.T  # (N, D)
    out = gamma * xhat + beta
    return out, {"xhat": xhat, "inv_std": inv_std, "gamma": gamma}


def layernorm_backward(dout: np.ndarray, cache: dict):
    """Backward pass of :func:`layernorm_forward` (the batch-norm formula on ``x.T``).

    Parameters
    ----------
    dout : (N, D)
    cache : dict from :func:`layernorm_forward`

    Returns
    -------
    dx : (N, D)
    dgamma : (D,)
    dbeta : (D,)

    Raises
    ------
    ValueError
        If ``dout`` is not exactly (N, D) (no broadcasting).
    """
    dout = _dout("layernorm_backward", dout, cache)
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    dgamma = (dout * xhat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dxhat = dout * gamma  # (N, D)
    dx = _standardize_columns_backward(dxhat.T, xhat.T, inv_std).T  # via (D, N), back to (N, D)
    return dx, dgamma, dbeta


# --------------------------------------------------------------------------- spatial


def spatial_batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict):
    """Spatial batch normalization: batch norm per channel over N, H and W.

    The numbers are those of :func:`batchnorm_forward` on the (N*H*W, C) view of x
    (N*H*W examples of C features), and ``bn_param`` works exactly as there. The
    statistics are reduced over axes (0, 2, 3) in place instead of through that
    transposed copy: two fewer copies of x and an output that stays C-contiguous
    (N, C, H, W), which the next layer reads faster (about 3x faster overall).

    Parameters
    ----------
    x : (N, C, H, W)
    gamma : (C,)
    beta : (C,)
    bn_param : dict, see :func:`batchnorm_forward` (running statistics of shape (C,)).

    Returns
    -------
    out : (N, C, H, W)
    cache : dict
        ``mode``, ``xhat`` (N, C, H, W), ``inv_std`` (C,) = 1 / sqrt(var + eps) (of the
        batch in train mode, of the running average in test mode), ``gamma`` (C,).

    NaN and inf in ``x`` propagate.

    Raises
    ------
    ValueError, TypeError
        As :func:`batchnorm_forward`, with ``x`` (N, C, H, W), ``gamma``/``beta`` (C,) and
        N*H*W >= 2 in train mode.
    """
    fn = "spatial_batchnorm_forward"
    x = _check_x(fn, x, 4, "(N, C, H, W)")
    N, C, H, W = x.shape
    gamma, beta = _check_affine_params(fn, gamma, beta, (C,))
    mode, eps, momentum, running_mean, running_var = _bn_settings(fn, bn_param, C, x.dtype)
    if mode == "train":
        _check_batch(fn, N * H * W, "N*H*W", x.shape)
    axes = (0, 2, 3)  # every value of one channel
    if mode == "train":
        mu = x.mean(axis=axes)  # (C,)
        xmu = x - mu[:, None, None]  # (N, C, H, W); (C, 1, 1) broadcasts over N, H, W
        xmu3 = xmu.reshape(N, C, H * W)  # a view
        var = np.einsum("nck,nck->c", xmu3, xmu3) / (N * H * W)  # (C,), biased; no temporary
        inv_std = 1.0 / np.sqrt(var + eps)  # (C,)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        xhat = np.multiply(xmu, inv_std[:, None, None], out=xmu)  # xmu is not needed again
    else:
        inv_std = 1.0 / np.sqrt(running_var + eps)
        xhat = (x - running_mean[:, None, None]) * inv_std[:, None, None]
    out = xhat * gamma[:, None, None]  # (N, C, H, W)
    out += beta[:, None, None]
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, {"mode": mode, "xhat": xhat, "inv_std": inv_std, "gamma": gamma}


def spatial_batchnorm_backward(dout: np.ndarray, cache: dict):
    """Backward pass of :func:`spatial_batchnorm_forward`.

    The closed form of :func:`batchnorm_backward_alt` with the M = N*H*W values of
    each channel as the batch::

        dx = gamma * inv_std / M * (M * dout - sum(dout) - xhat * sum(dout * xhat))

    (sums over N, H, W per channel; in test mode ``dx = gamma * inv_std * dout``).

    Parameters
    ----------
    dout : (N, C, H, W)
    cache : from :func:`spatial_batchnorm_forward`

    Returns
    -------
    dx : (N, C, H, W)
    dgamma : (C,)
    dbeta : (C,)

    Raises
    ------
    ValueError
        If ``dout`` is not exactly (N, C, H, W) (no broadcasting).
    """
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    N, C, H, W = xhat.shape
    dout = check_like("spatial_batchnorm_backward", "dout", dout, xhat.shape, xhat.dtype, of="x")
    dbeta = dout.sum(axis=(0, 2, 3))  # (C,)
    # sum(dout * xhat) per channel without an (N, C, H, W) temporary
    dgamma = np.einsum("nck,nck->c", dout.reshape(N, C, -1), xhat.reshape(N, C, -1))  # (C,)
    scale = gamma * inv_std  # (C,)
    if cache["mode"] == "test":
        return dout * scale[:, None, None], dgamma, dbeta
    M = N * H * W
    # dx = scale * dout - (scale / M) * (dbeta + xhat * dgamma), two passes over (N, C, H, W)
    dx = xhat * (scale * dgamma / M)[:, None, None]
    dx += (scale * dbeta / M)[:, None, None]
    np.subtract(dout * scale[:, None, None], dx, out=dx)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, G: int, gn_param: dict
):
    """Spatial group normalization: layer norm within each of G channel groups.

    The C channels are split into G consecutive groups of C/G channels; every
    (example, group) pair is standardized over its (C/G)*H*W values. Per-channel
    ``gamma`` and ``beta`` then scale and shift. G = 1 is layer norm over (C, H, W);
    G = C is instance norm.

    Parameters
    ----------
    x : (N, C, H, W)
    gamma : (1, C, 1, 1)
    beta : (1, C, 1, 1)
    G : int
        Number of groups; must divide C.
    gn_param : dict
        ``eps`` (> 0), default 1e-5; a ``mode`` is accepted and ignored, as in
        :func:`layernorm_forward`.

    Returns
    -------
    out : (N, C, H, W)
    cache : dict with ``G``, ``xhat`` (N, C, H, W), ``inv_std`` (N*G,) (one per example
        and group, example-major), ``gamma`` (1, C, 1, 1).

    NaN and inf in ``x`` propagate.

    Raises
    ------
    ValueError
        If ``x`` is not (N, C, H, W), ``G`` does not divide C, ``gamma``/``beta`` are not
        (1, C, 1, 1), or
        ``gn_param`` has another key, a bad ``mode`` or ``eps <= 0``.
    TypeError
        If an array argument is ``None`` or not numeric, or ``gn_param`` is not a dict.
    """
    fn = "spatial_groupnorm_forward"
    x = _check_x(fn, x, 4, "(N, C, H, W)")
    N, C, H, W = x.shape
    # gamma first: a wrong C in x is reported as the mismatch it is, not as a bad G
    gamma, beta = _check_affine_params(fn, gamma, beta, (1, C, 1, 1))
    if isinstance(G, bool) or not isinstance(G, numbers.Integral) or G < 1 or C % G != 0:
        raise ValueError(f"{fn}: G must be a positive integer dividing C = {C}, got {G!r}")
    eps = _check_norm_param(fn, "gn_param", gn_param)
    x_groups = x.reshape(N * G, -1)  # (N*G, C/G*H*W): one row per (example, group)
    xhat_t, inv_std = _standardize_columns(x_groups.T, eps)  # (C/G*H*W, N*G)
    xhat = xhat_t.T.reshape(N, C, H, W)
    out = gamma * xhat + beta
    return out, {"G": int(G), "xhat": xhat, "inv_std": inv_std, "gamma": gamma}


def spatial_groupnorm_backward(dout: np.ndarray, cache: dict):
    """Backward pass of :func:`spatial_groupnorm_forward`.

    Parameters
    ----------
    dout : (N, C, H, W)
    cache : dict from :func:`spatial_groupnorm_forward`

    Returns
    -------
    dx : (N, C, H, W)
    dgamma : (1, C, 1, 1)
    dbeta : (1, C, 1, 1)

    Raises
    ------
    ValueError
        If ``dout`` is not exactly (N, C, H, W) (no broadcasting).
    """
    dout = _dout("spatial_groupnorm_backward", dout, cache)
    G, xhat, inv_std, gamma = cache["G"], cache["xhat"], cache["inv_std"], cache["gamma"]
    N = dout.shape[0]
    dgamma = (dout * xhat).sum(axis=(0, 2, 3), keepdims=True)  # (1, C, 1, 1)
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)  # (1, C, 1, 1)
    dxhat_t = (dout * gamma).reshape(N * G, -1).T  # (C/G*H*W, N*G)
    xhat_t = xhat.reshape(N * G, -1).T  # (C/G*H*W, N*G)
    dx = _standardize_columns_backward(dxhat_t, xhat_t, inv_std).T.reshape(dout.shape)
    return dx, dgamma, dbeta
