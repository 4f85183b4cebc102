"""Checking helpers that every test uses: numeric gradients and PyTorch references.

* :func:`rel_error` (from :mod:`cs231n.gradient_check`) is the course's relative error.
* :func:`assert_grad` checks an analytic gradient against centred differences
  in float64 and names the function, the argument and the worst index on failure.
* :func:`assert_close` compares two arrays with the same kind of message.
* :class:`FakeClock` stands in for a clock (``time.perf_counter``) in timing tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cs231n.gradient_check import rel_error


def numeric_grad(f: Callable[[], np.ndarray], x: np.ndarray, dout, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of ``sum(f() * dout)`` with respect to ``x``.

    ``f`` takes no arguments and reads ``x`` (modified in place); ``dout`` is the
    upstream gradient (a scalar 1.0 for a scalar loss).
    """
    if x.dtype != np.float64:
        raise TypeError(f"numeric_grad: x must be float64 for a meaningful check, got {x.dtype}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        pos = np.sum(np.asarray(f()) * dout)
        x[i] = old - h
        neg = np.sum(np.asarray(f()) * dout)
        x[i] = old
        grad[i] = (pos - neg) / (2 * h)
    return grad


def assert_close(actual, expected, tol: float = 1e-8, what: str = "value") -> None:
    """Assert ``rel_error(actual, expected) < tol`` with a message naming the worst index."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (
        f"{what}: shape {actual.shape} != expected {expected.shape}"
    )
    err = np.abs(actual - expected) / np.maximum(1e-8, np.abs(actual) + np.abs(expected))
    if err.size and err.max() >= tol:
        idx = np.unravel_index(np.argmax(err), err.shape)
        raise AssertionError(
            f"{what}: relative error {err.max():.3e} >= {tol:g} at index {idx}: "
            f"got {actual[idx]!r}, expected {expected[idx]!r}"
        )


def assert_grad(
    name: str,
    f: Callable[[], np.ndarray],
    x: np.ndarray,
    analytic: np.ndarray,
    dout=1.0,
    tol: float = 1e-7,
    h: float = 1e-5,
) -> float:
    """Check ``analytic`` against the centred-difference gradient of ``f`` w.r.t. ``x``.

    Returns the relative error; raises with ``name``, the worst index and both
    values when it is not below ``tol``.
    """
    num = numeric_grad(f, x, dout, h=h)
    assert_close(analytic, num, tol=tol, what=f"gradient {name}")
    return rel_error(analytic, num)


def torch_forward_backward(torch_fn, inputs: dict, dout=None, requires_grad=None):
    """Run ``torch_fn(**inputs)`` in float64 PyTorch and backpropagate ``dout``.

    Args:
        torch_fn: a function of torch tensors (e.g. ``lambda x, w: F.conv2d(x, w)``).
        inputs: name -> numpy array; each becomes a float64 tensor (integer
            arrays become int64 tensors and get no gradient).
        dout: upstream gradient of the output's shape (``None`` for a scalar output).
        requires_grad: names to differentiate (default: every float input).

    Returns:
        ``(out, grads)``: the output as a numpy array and name -> gradient arrays.
    """
    import torch

    tensors = {}
    for k, v in inputs.items():
        v = np.asarray(v)
        if np.issubdtype(v.dtype, np.integer):
            tensors[k] = torch.from_numpy(v.astype(np.int64))
        else:
            want = requires_grad is None or k in requires_grad
            tensors[k] = torch.tensor(v, dtype=torch.float64, requires_grad=want)
    out = torch_fn(**tensors)
    if dout is None:
        out.backward()
    else:
        out.backward(torch.tensor(np.asarray(dout), dtype=torch.float64))
    grads = {k: t.grad.numpy().copy() for k, t in tensors.items() if t.grad is not None}
    return out.detach().numpy().copy(), grads


class FakeClock:
    """Each reading advances the time by ``step`` seconds."""

    def __init__(self, step):
        self.t, self.step = 0.0, step

    def __call__(self):
        self.t += self.step
        return self.t
