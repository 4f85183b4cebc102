"""Per-thread scratch buffers for the temporaries of the fast layers.

A fresh numpy array of several MB is fresh memory from the kernel on every call: glibc
hands large freed blocks back to the system, so the next call page-faults them in and
zeroes them again. For the Winograd convolution's temporaries (16.8 MB each on the
realistic layer) that cost ~20% of forward + backward. :func:`scratch` gives each
(thread, slot, dtype) one buffer, grown to the largest request seen, so those
temporaries cost nothing after the first call.

Measure before using it elsewhere: for the strided convolution of
:mod:`cs231n.fast_layers` (smaller temporaries) reused buffers made forward + backward
~10% *slower* in a benchmark-like sequence, so it does not use them.

Only arrays that never leave the function that asks for them may live here: a second
call with the same slot overwrites the contents. Outputs, gradients and anything kept in
a cache for the backward pass are always new arrays.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["scratch"]

_BUFFERS = threading.local()


def scratch(slot: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A C-contiguous array of ``shape`` and ``dtype`` in this thread's buffer ``slot``.

    Its contents are garbage (whatever the previous user of the slot left); the next call
    with the same slot and dtype returns the same memory.
    """
    key = f"{slot}_{np.dtype(dtype).name}"
    size = int(np.prod(shape))
    buf = getattr(_BUFFERS, key, None)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=dtype)
        setattr(_BUFFERS, key, buf)
    return buf[:size].reshape(shape)
