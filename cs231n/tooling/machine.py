"""Which CPU a timing belongs to: its model and the instruction features that decide speed.

Times differ between machines by more than any change to the code: the same PyTorch training
runs 2-3x faster in bfloat16 autocast on a CPU with AMX or AVX512-BF16 than in float32 on one
with AVX2 only. Every timing record (:func:`cs231n.results.record` with ``kind="timing"``)
carries :func:`cpu_description`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CPUINFO = Path("/proc/cpuinfo")

#: The instruction-set flags of ``/proc/cpuinfo`` that matter for our timings, in the order
#: they are reported: plain vector width, then the bfloat16 matrix paths.
FEATURES = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")

#: Any of these makes PyTorch's bfloat16 autocast on CPU fast (oneDNN uses them for matmul
#: and convolution); without them bfloat16 is emulated and slower than float32.
FAST_BF16_FEATURES = ("amx_bf16", "avx512_bf16")


def _field(line: str) -> tuple[str, str]:
    key, _, value = line.partition(":")
    return key.strip(), value.strip()


def cpu_description(cpuinfo: str | None = None) -> dict[str, Any]:
    """The CPU of this machine (or of the ``cpuinfo`` text given), as stored in records.

    Args:
        cpuinfo: text in the format of Linux's ``/proc/cpuinfo``; None reads that file.

    Returns:
        ``{"model": str or None, "cpus": int or None, "features": [flag, ...] or None,
        "fast_bf16": bool}``: ``model`` is the first ``model name``; ``cpus`` counts the
        ``processor`` entries; ``features`` lists those of :data:`FEATURES` the first
        ``flags`` line has, in that order; ``fast_bf16`` says whether bfloat16 autocast has
        hardware support (:data:`FAST_BF16_FEATURES`). Unknown fields are None (non-Linux
        systems, or an unreadable file); ``fast_bf16`` is then False.
    """
    if cpuinfo is None:
        try:
            cpuinfo = CPUINFO.read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    model: str | None = None
    flags: set[str] | None = None
    cpus = 0
    for line in cpuinfo.splitlines():
        key, value = _field(line)
        if key == "processor":
            cpus += 1
        elif key == "model name" and model is None:
            model = value or None
        elif key == "flags" and flags is None:
            flags = set(value.split())
    features = None if flags is None else [f for f in FEATURES if f in flags]
    return {
        "model": model,
        "cpus": cpus or None,
        "features": features,
        "fast_bf16": bool(features) and any(f in features for f in FAST_BF16_FEATURES),
    }


def describe(machine: dict[str, Any] | None) -> str:
    """One line for a table: ``"Intel(R) Xeon(R) (avx2, avx512f, amx_bf16; bf16 autocast)"``.

    Args:
        machine: a :func:`cpu_description` dict, or None.
    """
    if not machine:
        return "CPU unknown"
    model = machine.get("model") or "CPU model unknown"
    features = machine.get("features")
    if features is None:
        return f"{model} (features unknown)"
    speed = "bf16 autocast" if machine.get("fast_bf16") else "no bf16 hardware: float32"
    return f"{model} ({', '.join(features) or 'no AVX2'}; {speed})"
