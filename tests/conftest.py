"""Shared fixtures. The helpers tests import live in :mod:`tests.checks`."""

import os

import numpy as np
import pytest

from cs231n.paths import DATA_ENV, data_root

# Keep the test suite to one BLAS thread per process: CI has 2 cores.
os.environ.setdefault("OMP_NUM_THREADS", "1")


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
