"""The cases of a spec: its valid call, then every mutation, each run and classified."""

from __future__ import annotations

import dataclasses

from tests.robustness.classify import run_call
from tests.robustness.mutations import mutations_of
from tests.robustness.spec import Spec, resolve

#: outcomes that make the suite fail
BAD = ("cryptic", "silent", "crash", "rejected", "valid_failed")
OUTCOMES = ("clear", "cryptic", "silent", "crash", "rejected", "ok_pass", "ok_valid")
OUTCOMES += ("valid_failed", "missing")


@dataclasses.dataclass
class Result:
    case: str  # "target | label"
    outcome: str
    detail: str = ""


def case_labels(spec: Spec, dims: dict) -> list[str]:
    """The labels of the cases of ``spec`` (``'valid'`` first), without running them."""
    try:
        resolve(spec.target)
        _call, kwargs = spec.build(dims)
    except Exception:  # noqa: BLE001 (missing or failing: one case that says so)
        return ["valid"]
    return ["valid"] + [m.label for m in mutations_of(spec, kwargs, dims)]


def run_case(spec: Spec, dims: dict, label: str) -> Result:
    """Build the call afresh and run case ``label`` of ``spec``."""
    case = f"{spec.target} | {label}"
    try:
        resolve(spec.target)
    except (ImportError, AttributeError) as e:
        return Result(case, "missing", f"{type(e).__name__}: {e}")
    try:
        call, kwargs = spec.build(dims)
    except Exception as e:  # noqa: BLE001
        return Result(case, "valid_failed", f"build: {type(e).__name__}: {str(e)[:300]}")
    if label == "valid":
        outcome, detail = run_call(call, kwargs, spec.prefixes(), "", "ok")
        return Result(case, "ok_valid" if outcome == "ok" else "valid_failed", detail)
    mutation = next(m for m in mutations_of(spec, kwargs, dims) if m.label == label)
    try:
        bad_kwargs = mutation.apply(kwargs)
    except Exception as e:  # noqa: BLE001 (a mutation that cannot apply is a spec bug)
        return Result(case, "valid_failed", f"mutation: {type(e).__name__}: {e}")
    outcome, detail = run_call(call, bad_kwargs, spec.prefixes(), mutation.name, mutation.expect)
    if outcome == "ok":
        outcome = "ok_pass"
    return Result(case, outcome, detail)
