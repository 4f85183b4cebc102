"""Shared fixtures. The helpers tests import live in :mod:`tests.checks`."""

import os

# One BLAS thread per process (set before numpy loads its BLAS): CI has 2 cores,
# and notebook kernels started by the tests inherit this too.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n.paths import DATA_ENV, data_root  # noqa: E402


@pytest.fixture
def rng():
    """A seeded generator, so every test draws the same numbers on every run."""
    return np.random.default_rng(231)


@pytest.fixture
def real_data():
    """The real dataset folder. Under CI (``CI=true``) a missing ``$CS231N_DATA``
    is an error, never a skip: the tests that need real data must run there."""
    if not os.environ.get(DATA_ENV):
        if os.environ.get("CI"):
            pytest.fail(f"${DATA_ENV} is not set under CI; the real-data tests must run")
        pytest.skip(f"${DATA_ENV} not set")
    return data_root()
