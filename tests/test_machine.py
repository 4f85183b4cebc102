"""The CPU description that timing records carry (:mod:`cs231n.tooling.machine`)."""

import pytest

from cs231n.results import RESULTS_ENV, load_group, record
from cs231n.tooling.machine import cpu_description, describe

SAPPHIRE_RAPIDS = """\
processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx avx2 avx512f avx512bw avx512_bf16 amx_bf16 amx_tile amx_int8

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx avx2 avx512f avx512bw avx512_bf16 amx_bf16 amx_tile amx_int8
"""

EPYC_AVX2 = """\
processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B12 64-Core Processor
flags\t\t: fpu sse2 avx avx2 fma
"""


def test_a_cpu_with_amx_has_fast_bfloat16():
    cpu = cpu_description(SAPPHIRE_RAPIDS)
    assert cpu == {
        "model": "Intel(R) Xeon(R) Platinum 8480+",
        "cpus": 2,
        "features": ["avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"],
        "fast_bf16": True,
    }
    assert describe(cpu) == (
        "Intel(R) Xeon(R) Platinum 8480+ (avx2, avx512f, avx512_bf16, amx_bf16, amx_tile; "
        "bf16 autocast)"
    )


def test_an_avx2_only_cpu_trains_in_float32():
    cpu = cpu_description(EPYC_AVX2)
    assert cpu["features"] == ["avx2"] and cpu["fast_bf16"] is False and cpu["cpus"] == 1
    assert describe(cpu) == "AMD EPYC 7B12 64-Core Processor (avx2; no bf16 hardware: float32)"


@pytest.mark.parametrize(
    "flags, fast", [("avx512_bf16", True), ("amx_bf16", True), ("avx512f amx_tile", False)]
)
def test_either_bf16_flag_is_enough(flags, fast):
    assert cpu_description(f"model name : X\nflags : {flags}\n")["fast_bf16"] is fast


def test_an_unknown_cpu_is_said_to_be_unknown():
    cpu = cpu_description("")
    assert cpu == {"model": None, "cpus": None, "features": None, "fast_bf16": False}
    assert describe(cpu) == "CPU model unknown (features unknown)"
    assert describe(None) == "CPU unknown"


def test_this_machine_is_described():
    cpu = cpu_description()
    assert set(cpu) == {"model", "cpus", "features", "fast_bf16"}


def test_timing_records_carry_the_cpu_and_metrics_do_not(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    timing = record("g", "seconds", 12.5, dataset="d", kind="timing", higher_is_better=False)
    metric = record("g", "acc", 0.5, dataset="d")
    assert timing["kind"] == "timing" and timing["machine"] == cpu_description()
    assert metric["kind"] == "metric" and "machine" not in metric
    assert load_group(tmp_path / "g.json")["seconds"]["machine"] == cpu_description()


def test_an_unknown_kind_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    with pytest.raises(ValueError, match="record: kind must be one of .* got 'speed'"):
        record("g", "m", 1.0, dataset="d", kind="speed")
    assert list(tmp_path.iterdir()) == []
