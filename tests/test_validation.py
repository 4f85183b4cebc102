"""The shared argument checks (cs231n.validation): what each accepts, and the exact messages."""

import numpy as np
import pytest

from cs231n.validation import (
    check_array,
    check_choice,
    check_finite,
    check_keys,
    check_labels,
    check_like,
    check_number,
)


def test_check_array_converts_lists_and_keeps_arrays():
    x = np.zeros((2, 3))
    assert check_array("f", "x", x) is x
    out = check_array("f", "x", [[1, 2]], floating=True)
    assert out.dtype == np.float64 and out.shape == (1, 2)
    assert check_array("f", "x", np.zeros(3, np.float32), floating=True).dtype == np.float32


@pytest.mark.parametrize(
    "value, kwargs, error, message",
    [
        (None, {}, TypeError, "f: x must be an array, got None"),
        (["a", "b"], {}, TypeError, "f: x must be a numeric array, got dtype <U1"),
        (np.zeros(2, complex), {}, TypeError, "numeric array, got dtype complex128"),
        (np.zeros((2, 3)), {"shape": (None, 4)}, ValueError, r"shape \(\?, 4\), got \(2, 3\)"),
        (np.zeros(3), {"ndim": 2}, ValueError, "2 dimensions, got shape"),
        (np.zeros(3), {"min_ndim": 2}, ValueError, "at least 2 dimensions"),
        (
            np.zeros((0, 3)),
            {"nonempty": True},
            ValueError,
            r"must not be empty, got shape \(0, 3\)",
        ),
        (
            np.array([1.0, np.nan, np.inf]),
            {"finite": True},
            ValueError,
            "1 NaN and 1 infinite of 3",
        ),
    ],
)
def test_check_array_rejects(value, kwargs, error, message):
    with pytest.raises(error, match=message):
        check_array("f", "x", value, **kwargs)


def test_check_finite_ignores_integer_arrays():
    a = np.arange(3)
    assert check_finite("f", "x", a) is a


def test_check_like_refuses_broadcastable_shapes():
    with pytest.raises(ValueError, match=r"relu_backward: dout must have the shape of x \(4, 5\)"):
        check_like("relu_backward", "dout", np.ones((1, 5)), (4, 5), of="x")
    with pytest.raises(ValueError, match=r"got \(\)"):
        check_like("relu_backward", "dout", 1.0, (4, 5))
    out = check_like("f", "dout", np.ones((4, 5), np.float32), (4, 5), np.float64)
    assert out.dtype == np.float64


def test_check_labels():
    assert check_labels("f", "y", np.array([0.0, 2.0]), 2, 3).dtype == np.int64
    for bad, error, message in [
        (np.array([0.5, 1.0]), ValueError, "integer labels, got non-integral floats"),
        (np.array([True, False]), TypeError, "dtype bool"),
        (np.array([0, 3]), ValueError, r"in \[0, C=3\), got min 0 and max 3"),
        (np.array([0, 1, 2]), ValueError, r"shape \(N,\) = \(2,\), got \(3,\)"),
        (None, TypeError, "got None"),
    ]:
        with pytest.raises(error, match=message):
            check_labels("f", "y", bad, 2, 3)


@pytest.mark.parametrize(
    "value, kwargs, error, message",
    [
        (
            -0.1,
            {"low": 0, "low_open": True},
            ValueError,
            "lr must be a finite number > 0, got -0.1",
        ),
        (1.0, {"low": 0, "high": 1, "high_open": True}, ValueError, r"in \[0, 1\), got 1.0"),
        (float("nan"), {"low": 0}, ValueError, ">= 0, got nan"),
        (float("inf"), {}, ValueError, "finite number, got inf"),
        (True, {}, TypeError, "got True"),
        ("1e-3", {}, TypeError, "got '1e-3'"),
        (2.5, {"integer": True}, ValueError, "must be an integer, got 2.5"),
    ],
)
def test_check_number_rejects(value, kwargs, error, message):
    with pytest.raises(error, match=message):
        check_number("f", "lr", value, **kwargs)


def test_check_number_accepts_numpy_scalars_and_integral_floats():
    assert check_number("f", "lr", np.float32(0.5), low=0) == 0.5
    assert check_number("f", "n", np.array(3), integer=True) == 3
    assert check_number("f", "n", 4.0, integer=True, low=1) == 4


def test_check_choice_distinguishes_bool_from_int():
    assert check_choice("f", "mode", "train", ("train", "test")) == "train"
    with pytest.raises(ValueError, match="f: k must be one of 0, 1, got True"):
        check_choice("f", "k", True, (0, 1))
    with pytest.raises(ValueError, match="got array"):
        check_choice("f", "k", np.zeros(2), (0, 1))


def test_check_keys():
    d = {"stride": 1}
    assert check_keys("f", "conv_param", d, required=("stride",)) is d
    assert check_keys("f", "config", None, none_ok=True) == {}
    with pytest.raises(ValueError, match="unknown key 'strides'"):
        check_keys("f", "conv_param", {"strides": 2}, required=("stride", "pad"))
    with pytest.raises(ValueError, match="must have the key 'pad'"):
        check_keys("f", "conv_param", {"stride": 2}, required=("stride", "pad"))
    with pytest.raises(TypeError, match="conv_param must be a dict, got NoneType"):
        check_keys("f", "conv_param", None)
