"""All specs, by target, and the exclusion list: public callables that get no spec, and why."""

from __future__ import annotations

from tests.robustness import (
    specs_kernels,
    specs_layers,
    specs_models,
    specs_nets,
    specs_rnn,
    specs_solver,
)
from tests.robustness.spec import MODULES, Spec, public_callables

SPECS: list[Spec] = [
    *specs_layers.SPECS,
    *specs_kernels.SPECS,
    *specs_models.SPECS,
    *specs_nets.SPECS,
    *specs_rnn.SPECS,
    *specs_solver.SPECS,
]

_KERNEL = (
    "a kernel primitive the fast layers call after their door check (the compiled twin takes "
    "no checks either; the contract forbids checks in the fast path)"
)
_RECORD = "a frozen record built (and checked) by its from_dict, which has a spec"

_LINEAR = "the linear losses' shared check (it is the check; run through the four losses' specs)"

#: target -> why it has no spec. Keep it short: a new public function gets a spec.
EXCLUDED = {
    "cs231n.kernels.winograd:WinogradParam": _RECORD,
    "cs231n.kernels.geometry:ConvParam": _RECORD,
    "cs231n.kernels.geometry:PoolParam": _RECORD,
    "cs231n.kernels.winograd:filter_transform": _KERNEL,
    "cs231n.kernels.winograd:input_transform": _KERNEL,
    "cs231n.kernels.winograd:input_transform_T": _KERNEL,
    "cs231n.kernels.winograd:output_transform": _KERNEL,
    "cs231n.kernels.winograd:output_transform_T": _KERNEL,
    "cs231n.kernels.im2col_numpy:pad_hw": _KERNEL,
    "cs231n.kernels.im2col_numpy:im2col_numpy": _KERNEL,
    "cs231n.kernels.im2col_numpy:col2im_numpy": _KERNEL,
    "cs231n.kernels.im2col_numpy:im2col_per_image_numpy": _KERNEL,
    "cs231n.kernels.im2col_numpy:col2im_per_image_numpy": _KERNEL,
    "cs231n.kernels.im2col_numpy:as_float_array": "a check helper of the kernels (it is a check)",
    "cs231n.kernels.im2col_numpy:check_per_image_out": "a check helper of the kernels",
    "cs231n.kernels.im2col_numpy:check_per_image_cols": "a check helper of the kernels",
    "cs231n.classifiers.linear_svm:check_linear_inputs": _LINEAR,
    "cs231n.classifiers.linear_svm:check_linear_scores": _LINEAR,
    "cs231n.solver:Solver.from_checkpoint": (
        "file input: damaged and foreign checkpoints are tests/test_solver_faults.py's cases"
    ),
}


def specs_by_target() -> dict[str, list[Spec]]:
    out: dict[str, list[Spec]] = {}
    for s in SPECS:
        out.setdefault(s.target, []).append(s)
    return out


def enumerated(modules=MODULES) -> dict[str, list[str]]:
    """module -> its public callables (targets), enumerated from the module itself."""
    return {m: public_callables(m) for m in modules}


def specs_of_module(module: str) -> list[Spec]:
    return [s for s in SPECS if s.module == module]
