"""The robustness suite of issue 14 (tests/robustness): every public callable of the numpy
API has a spec; every bad call gives a clear error (ValueError/TypeError starting with the
function's name and naming the argument), every valid call and every variant the contract
accepts (lists of numbers, NaN through a layer) returns; nothing is silent, cryptic or a crash.

The deterministic campaign runs every mutation of every spec, one child process per module
(``python -m tests.robustness.campaign`` prints the same table); the property test lets
hypothesis draw the sizes and one mutation per example.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness import campaign
from tests.robustness.cases import BAD, run_case
from tests.robustness.classify import run_call
from tests.robustness.mutations import mutations_of
from tests.robustness.registry import EXCLUDED, enumerated, specs_by_target, specs_of_module
from tests.robustness.spec import MODULES, Arr, Labels, Num, Spec


def test_every_public_callable_has_a_spec():
    """A new public function fails here until it gets a spec (or a reason in EXCLUDED)."""
    found = enumerated()
    have = specs_by_target()
    listed = {t for targets in found.values() for t in targets}
    missing = sorted(t for t in listed if t not in have and t not in EXCLUDED)
    assert not missing, f"public callables without a spec in tests/robustness: {missing}"
    stale = sorted(t for t in [*have, *EXCLUDED] if t not in listed)
    assert not stale, f"specs or exclusions of callables that are not public (any more): {stale}"
    assert all(found[m] for m in MODULES if m != "cs231n.kernels.im2col_numpy")


def test_the_enumeration_sees_a_new_function(monkeypatch):
    import cs231n.layers as layers

    def new_layer_forward(x):
        return x

    new_layer_forward.__module__ = "cs231n.layers"
    monkeypatch.setattr(layers, "new_layer_forward", new_layer_forward, raising=False)
    monkeypatch.setattr(layers, "__all__", [*layers.__all__, "new_layer_forward"])
    assert "cs231n.layers:new_layer_forward" in enumerated(["cs231n.layers"])["cs231n.layers"]
    assert "cs231n.layers:new_layer_forward" not in specs_by_target()


def _toy(x, y):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"toy: x must have 2 dimensions, got shape {x.shape}")
    return x[:, 0] + y  # broadcasts y


def test_the_classifier_tells_clear_cryptic_and_silent_apart():
    x = np.zeros((3, 2))
    assert run_call(_toy, {"x": x[0], "y": 0}, ("toy",), "x", "error")[0] == "clear"
    # the right exception but the wrong argument named, or no function name
    assert run_call(_toy, {"x": x[0], "y": 0}, ("toy",), "y", "error")[0] == "cryptic"
    assert run_call(_toy, {"x": x[0], "y": 0}, ("other",), "x", "error")[0] == "cryptic"
    assert run_call(_toy, {"x": None, "y": 0}, ("toy",), "x", "error")[0] == "clear"
    assert run_call(_toy, {"x": x, "y": "a"}, ("toy",), "y", "error")[0] == "cryptic"
    assert run_call(_toy, {"x": x, "y": np.zeros(1)}, ("toy",), "y", "error")[0] == "silent"
    assert run_call(_toy, {"x": x, "y": 0}, ("toy",), "", "ok")[0] == "ok"
    assert run_call(_toy, {"x": x[0], "y": 0}, ("toy",), "", "ok")[0] == "rejected"


def test_the_mutations_break_full_shapes_not_free_sizes():
    spec = Spec(
        target="m:f",
        build=None,
        roles={"x": Arr(("N", "D"), nan="error"), "w": Arr(("D", "M")), "y": Labels(), "r": Num(0)},
    )
    valid = {"x": np.zeros((3, 4)), "w": np.zeros((4, 5)), "y": np.zeros(3, int), "r": 0.1}
    labels = {m.label: m for m in mutations_of(spec, valid, {"C": 5})}
    # N is shared by x and y, D by x and w; M appears once (free)
    assert {"x:axis0+1", "x:axis1+1", "w:axis0+1", "x:broadcast_axis0"} <= set(labels)
    assert "w:axis1+1" not in labels
    assert labels["x:nan"].expect == "error"
    assert labels["x:axis0+1"].name == ("x", "y")
    assert {"r=-1", "r=nan", "r=inf", "r=None", "y:float", "y:C", "y:negative"} <= set(labels)
    bad = labels["w:broadcast_axis0"].apply(valid)["w"]
    assert bad.shape == (1, 5)


def test_the_campaign_sees_a_crash_and_goes_on(tmp_path, monkeypatch):
    (tmp_path / "crash_registry.py").write_text(
        "import os\n"
        "from tests.robustness.spec import Num, Spec\n"
        "def f(n):\n"
        "    if n < 0:\n"
        "        os.abort()\n"
        "    if n > 5:\n"
        "        raise ValueError(f'f: n must be <= 5, got {n}')\n"
        "    return n\n"
        "f.__module__ = 'crash_registry'\n"
        "def specs_of_module(module):\n"
        "    return [Spec('crash_registry:f', lambda d: (f, {'n': 1}), {'n': Num(0, 5)})]\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path), prepend=":")
    results = campaign.run_module("crash_registry", registry="crash_registry")
    outcomes = {r.case.split(" | ")[1]: r.outcome for r in results}
    assert outcomes["valid"] == "ok_valid"
    assert outcomes["n=-1"] == "crash"
    assert outcomes["n=6"] == "clear"  # the cases after the crash still ran
    assert outcomes["n=nan"] == "silent"


@pytest.mark.parametrize("module", MODULES)
def test_valid_calls_succeed(module):
    """Sanity of the specs: the valid example of every spec returns."""
    for spec in specs_of_module(module):
        r = run_case(spec, spec.default_dims(), "valid")
        assert r.outcome == "ok_valid", f"{r.case}: {r.detail}"


def _fmt(results):
    return "\n".join(f"  {r.outcome}: {r.case} -- {r.detail[:160]}" for r in results)


@pytest.mark.parametrize("module", MODULES)
def test_campaign_has_no_silent_cryptic_or_crash(module):
    """Every mutation of every spec of the module, in a child process (a crash is seen)."""
    results = campaign.run_module(module)
    bad = [r for r in results if r.outcome in BAD]
    assert not bad, f"{len(bad)} of {len(results)} cases of {module}:\n{_fmt(bad)}"


@pytest.mark.parametrize("module", [m for m in MODULES if specs_of_module(m)])
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_property_drawn_sizes_and_mutations(module, data):
    """Hypothesis draws a spec of the module, its sizes and one of its mutations."""
    spec = data.draw(st.sampled_from(specs_of_module(module)), label="spec")
    dims = {k: data.draw(st.sampled_from(v), label=k) for k, v in spec.dims.items()}
    valid = run_case(spec, dims, "valid")
    assert valid.outcome == "ok_valid", f"{valid.case} {dims}: {valid.detail}"
    _call, kwargs = spec.build(dims)
    labels = [m.label for m in mutations_of(spec, kwargs, dims)]
    if not labels:
        return
    label = data.draw(st.sampled_from(labels), label="mutation")
    r = run_case(spec, dims, label)
    assert r.outcome not in BAD, f"{r.outcome}: {r.case} {dims} -- {r.detail}"
