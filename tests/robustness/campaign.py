"""The deterministic campaign: every mutation of every spec, each module in a child process
(a case that kills the interpreter is a ``crash``, and the child restarts after it).

    python -m tests.robustness.campaign --json OUT [--module M ...]
    PYTHONPATH=/old/checkout python /path/to/tests/robustness/campaign.py --json OUT

The second form runs this suite against another checkout's ``cs231n`` (functions it lacks
are reported as ``missing``). Writes counts per module and every case that is not clear (or
not ok, for calls that must succeed), and prints a table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: find tests.robustness next to this file
    _tests_dir = Path(__file__).resolve().parent.parent
    try:
        _tests = importlib.import_module("tests")
        _tests.__path__.append(str(_tests_dir))
    except ImportError:
        sys.path.append(str(_tests_dir.parent))

from tests.robustness.cases import BAD, OUTCOMES, Result, case_labels, run_case  # noqa: E402
from tests.robustness.spec import MODULES  # noqa: E402

REGISTRY = "tests.robustness.registry"


def specs_of_module(module: str, registry: str = REGISTRY) -> list:
    """The specs of ``module`` in ``registry`` (a module with ``specs_of_module``; the tests
    pass their own to check that a crash is seen)."""
    return importlib.import_module(registry).specs_of_module(module)


CASE_TIMEOUT = 120.0  # seconds for one case before it counts as a crash (a hang)


def module_cases(module: str, registry: str = REGISTRY) -> list[tuple[int, str]]:
    """``(spec index, label)`` of every case of ``module``, in a fixed order."""
    out = []
    for i, spec in enumerate(specs_of_module(module, registry)):
        out += [(i, label) for label in case_labels(spec, spec.default_dims())]
    return out


def worker(module: str, skip: int, registry: str = REGISTRY) -> None:
    """Run the cases of ``module`` from number ``skip`` on; one JSON line before and after each."""
    specs = specs_of_module(module, registry)
    for n, (i, label) in enumerate(module_cases(module, registry)):
        if n < skip:
            continue
        spec = specs[i]
        print(json.dumps({"start": n, "case": f"{spec.target} | {label}"}), flush=True)
        r = run_case(spec, spec.default_dims(), label)
        print(json.dumps({"n": n, "case": r.case, "outcome": r.outcome, "detail": r.detail}))
        sys.stdout.flush()
    print(json.dumps({"done": True}), flush=True)


def run_module(module: str, registry: str = REGISTRY) -> list[Result]:
    """Every case of ``module``, run in child processes (restarted after a crash)."""
    results: list[Result] = []
    skip = 0
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", module]
    cmd += ["--registry", registry]
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    while True:
        proc = subprocess.Popen(
            [*cmd, "--skip", str(skip)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        started, started_case, done = None, "", False
        try:
            out, err = proc.communicate(timeout=CASE_TIMEOUT * 4)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        for line in out.splitlines():
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue  # a function printing to stdout
            if not isinstance(msg, dict):
                continue
            if "start" in msg:
                started, started_case = msg["start"], msg["case"]
            elif "n" in msg:
                results.append(Result(msg["case"], msg["outcome"], msg["detail"]))
                started = None
            elif msg.get("done"):
                done = True
        if done:
            return results
        if started is None:  # died before any case: the module cannot even be listed
            tail = err.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            results.append(Result(f"{module} | import", "crash", tail[0][:300]))
            return results
        detail = f"exit code {proc.returncode}: {err.strip()[-300:]}"
        results.append(Result(started_case, "crash", detail))
        skip = started + 1


def summarize(results: list[Result]) -> dict:
    counts = dict.fromkeys(OUTCOMES, 0)
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    return counts


def not_clear(results: list[Result]) -> list[Result]:
    return [r for r in results if r.outcome not in ("clear", "ok_pass", "ok_valid")]


def table(per_module: dict) -> str:
    cols = ("clear", "cryptic", "silent", "crash", "rejected", "ok_pass", "ok_valid")
    cols += ("valid_failed", "missing")
    width = max(len(m) for m in per_module) + 2
    lines = ["module".ljust(width) + "".join(c.rjust(13) for c in cols)]
    total = dict.fromkeys(cols, 0)
    for m, counts in per_module.items():
        lines.append(m.ljust(width) + "".join(str(counts.get(c, 0)).rjust(13) for c in cols))
        for c in cols:
            total[c] += counts.get(c, 0)
    lines.append("total".ljust(width) + "".join(str(total[c]).rjust(13) for c in cols))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", help="write the counts and the non-clear cases here")
    ap.add_argument("--module", action="append", help="only this module (repeatable)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--skip", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--registry", default=REGISTRY, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.skip, args.registry)
        return 0
    import cs231n

    modules = args.module or list(MODULES)
    per_module, cases = {}, []
    for m in modules:
        res = run_module(m)
        per_module[m] = summarize(res)
        cases += [{"module": m, **vars(r)} for r in not_clear(res)]
    print(table(per_module))
    if args.json:
        report = {
            "cs231n": str(Path(cs231n.__file__).parent),
            "bad_outcomes": list(BAD),
            "modules": per_module,
            "not_clear": cases,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
