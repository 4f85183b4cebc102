"""Threads per worker: BLAS through threadpoolctl, PyTorch and TensorFlow through their own calls.

N workers that each start one BLAS thread per core would run N times as many threads as
there are cores and slow each other down; :func:`limit_threads` gives each worker its share.
"""

from __future__ import annotations

import os
import sys

from threadpoolctl import threadpool_info, threadpool_limits


def threads_per_worker(workers: int) -> int:
    """The cores of this machine shared among ``workers`` processes (at least 1 each)."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def limit_threads(n: int) -> None:
    """Limit this process to ``n`` threads: every BLAS/OpenMP library that threadpoolctl
    finds (now loaded), and PyTorch and TensorFlow when they are already imported.

    The BLAS limit stays in force for the rest of the process (it is not a context).
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"limit_threads: n must be an integer >= 1, got {n!r}")
    import numpy  # noqa: F401  (loads the BLAS that threadpoolctl then finds)

    threadpool_limits(limits=n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    if "tensorflow" in sys.modules:
        from cs231n.frameworks.tf_cifar import set_threads

        set_threads(n)


def blas_threads() -> list[int]:
    """The thread counts of the BLAS libraries loaded in this process (numpy's included)."""
    import numpy  # noqa: F401

    return [info["num_threads"] for info in threadpool_info() if info.get("user_api") == "blas"]
