"""Headline numbers: notebooks record them here, ``cs231n run`` tabulates them.

Each record is one entry of ``results/<group>.json`` (``group`` is usually the
notebook name)::

    {"name": "knn_best_k_test_acc", "value": 0.29, "target": 0.28,
     "higher_is_better": true, "met": true, "kind": "metric",
     "dataset": "CIFAR-10 (CS231N_DATA), 500 test",
     "when": "2026-11-21T21:30:00+00:00", "quick": false,
     "commit": "8850fb1...", "dirty": false, "dirty_files": []}

``commit`` is the git ``HEAD`` of the repository the package ran from, ``dirty`` whether
files under ``cs231n/`` differed from it (``dirty_files`` names them); all three are None
outside a git checkout (see :mod:`cs231n.tooling.gitinfo`). A record of ``kind="timing"``
(seconds, iterations per second, speed ratios) also carries ``"machine"``: the CPU model and
its instruction features (:func:`cs231n.tooling.machine.cpu_description`), because a time
means nothing without the CPU it was measured on. ``cs231n results --stale`` compares these
commits with the package's history.

Quick runs never touch the committed ``results/``: in quick mode records go to
``$CS231N_RESULTS_DIR`` when it is set and are dropped otherwise.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cs231n.paths import REPO_ROOT
from cs231n.quick import is_quick
from cs231n.tooling.gitinfo import provenance
from cs231n.tooling.machine import cpu_description

RESULTS_ENV = "CS231N_RESULTS_DIR"

#: The kinds of record: a measured quantity (accuracy, error, ...) or a timing (seconds,
#: iterations per second, a speed ratio), which also says which CPU it ran on.
KINDS = ("metric", "timing")


def results_dir() -> Path | None:
    """Where records go: ``$CS231N_RESULTS_DIR``, else ``<repo>/results`` in a
    full run, else ``None`` (quick run with nowhere safe to write)."""
    env = os.environ.get(RESULTS_ENV)
    if env:
        return Path(env)
    if is_quick():
        return None
    return REPO_ROOT / "results"


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a
    crash never leaves a half-written file. The file keeps its permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file 0600: keep the old file's mode, or give a new one
    # the usual 0644, so a rewritten notebook or README does not become private.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record(
    group: str,
    name: str,
    value: float,
    *,
    dataset: str,
    target: float | None = None,
    higher_is_better: bool = True,
    kind: str = "metric",
) -> dict[str, Any]:
    """Record one headline number and return the entry (see the module docstring for its keys).

    Args:
        group: file stem under ``results/`` (e.g. ``"knn"``).
        name: metric name, unique within the group (e.g. ``"best_k_test_acc"``).
        value: the measured number.
        dataset: what it was measured on, in words.
        target: the number the issue asks for, if any.
        higher_is_better: whether ``value >= target`` (else ``<=``) meets the target.
        kind: ``"metric"``, or ``"timing"`` for a wall time, a rate or a speed ratio (the
            entry then also describes the CPU).
    """
    if not group or "/" in group or group.startswith("."):
        raise ValueError(f"record: group must be a plain file stem, got {group!r}")
    if kind not in KINDS:
        raise ValueError(f"record: kind must be one of {KINDS}, got {kind!r}")
    entry = {
        "name": name,
        "value": float(value),
        "target": None if target is None else float(target),
        "higher_is_better": bool(higher_is_better),
        "met": None
        if target is None
        else bool(value >= target if higher_is_better else value <= target),
        "kind": kind,
        "dataset": dataset,
        "when": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "quick": is_quick(),
        **provenance(REPO_ROOT),
    }
    if kind == "timing":
        entry["machine"] = cpu_description()
    out = results_dir()
    if out is None:
        return entry
    path = out / f"{group}.json"
    data = load_group(path)
    data[name] = entry
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    return entry


def load_group(path: Path) -> dict[str, Any]:
    """The records of one ``results/*.json`` file ({} if it does not exist)."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object of records, got {type(data).__name__}")
    return data


def load_all(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """All groups under ``directory`` (default :func:`results_dir` or ``results/``)."""
    directory = directory or results_dir() or REPO_ROOT / "results"
    return {p.stem: load_group(p) for p in sorted(Path(directory).glob("*.json"))}
