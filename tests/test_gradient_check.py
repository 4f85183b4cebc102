"""The numerical-gradient helpers students use to check their own gradients."""

import numpy as np
import pytest

from cs231n.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    eval_numerical_gradient_blobs,
    grad_check_sparse,
    rel_error,
)
from tests.checks import assert_close

pytestmark = pytest.mark.a1


def test_eval_numerical_gradient_of_a_known_function(rng):
    x = rng.normal(size=(3, 4))
    before = x.copy()
    grad = eval_numerical_gradient(lambda x: np.sum(x**3), x, verbose=False)
    assert_close(grad, 3 * x**2, 1e-8, "d sum(x^3)")
    assert np.array_equal(x, before), "x must be restored"


def test_eval_numerical_gradient_array_backprops_dout(rng):
    x = rng.normal(size=(2, 5))
    A = rng.normal(size=(5, 3))
    dout = rng.normal(size=(2, 3))
    grad = eval_numerical_gradient_array(lambda x: x @ A, x, dout)
    assert_close(grad, dout @ A.T, 1e-8, "d(x A)")


class Blob:
    def __init__(self, vals):
        self.vals = vals
        self.diffs = np.zeros_like(vals)


def test_eval_numerical_gradient_blobs_of_a_product(rng):
    a, b = Blob(rng.normal(size=4)), Blob(rng.normal(size=4))
    out = Blob(np.zeros(4))
    out.diffs = rng.normal(size=4)

    def f(a, b, out):
        out.vals = a.vals * b.vals

    da, db = eval_numerical_gradient_blobs(f, (a, b), out)
    assert_close(da, out.diffs * b.vals, 1e-8, "da")
    assert_close(db, out.diffs * a.vals, 1e-8, "db")


def test_grad_check_sparse_separates_right_from_wrong(rng, capsys):
    x = rng.normal(size=(4, 6))
    f = lambda x: np.sum(np.sin(x))
    np.random.seed(0)  # noqa: NPY002
    good = grad_check_sparse(f, x, np.cos(x), num_checks=5)
    assert len(good) == 5 and max(good) < 1e-8
    assert "relative error" in capsys.readouterr().out
    bad = grad_check_sparse(f, x, 1.1 * np.cos(x), num_checks=5, verbose=False)
    assert min(bad) > 1e-2
    with pytest.raises(ValueError, match=r"analytic_grad must have the shape of x"):
        grad_check_sparse(f, x, np.cos(x).T)


def test_rel_error_is_the_course_formula():
    # max |x - y| / max(1e-8, |x| + |y|): the worst entry counts, zeros meet the 1e-8 floor
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == 0.5
    assert rel_error(0.0, 1e-9) == 1e-9 / 1e-8
    assert isinstance(rel_error(np.float32(1.0), np.float32(2.0)), float)
    assert abs(rel_error(1.0, 2.0) - 1 / 3) < 1e-15
