"""Argument checks shared by the whole package: one contract, one style of message.

Every public function checks its arguments once, at the door, with the helpers here (never in
an inner loop), and every failure is a ``ValueError`` (a ``TypeError`` for a value of the wrong
kind, e.g. a list where an array of labels or a dict is expected) whose message names the
function, the argument, what was expected and what came::

    relu_backward: dout must have the shape of x (4, 5), got (1, 5)
    sgd: config['learning_rate'] must be a finite number > 0, got -0.1

* :mod:`cs231n.validation.arrays`: arrays (dimensions, shapes with wildcards, dtypes, finite
  values) and integer class labels;
* :mod:`cs231n.validation.values`: scalars in a range, choices, and the keys of option dicts.
"""

from cs231n.validation.arrays import (
    NonFiniteError,
    check_array,
    check_finite,
    check_labels,
    check_like,
    shape_text,
)
from cs231n.validation.values import check_choice, check_keys, check_number

__all__ = [
    "NonFiniteError",
    "check_array",
    "check_choice",
    "check_finite",
    "check_keys",
    "check_labels",
    "check_like",
    "check_number",
    "shape_text",
]
