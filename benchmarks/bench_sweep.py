"""Benchmark ``cs231n sweep``: trials per hour with 1 and 2 workers, and TPE vs random vs grid.

Two parts, both on one tuning task of :data:`cs231n.sweep.tasks.TASKS` (``--task``, default
``two_layer_net``: three parameters, one of them categorical, and a course grid of six points):

* ``throughput``: the same sweep (random sampler, so both runs draw alike) for ``--minutes``
  with 1 worker (all the cores' BLAS threads) and with 2 workers (one BLAS thread each,
  threadpoolctl), each on a fresh journal-file study in a temporary folder. Figure: finished
  trials per hour of wall time (worker start-up and data loading included), and the ratio
  2 workers / 1 worker.
* ``samplers``: TPE (Optuna's default), random and the course's grid, ``--minutes`` each, for
  every seed of ``--seeds``; one worker and one BLAS thread per sweep, ``--parallel`` sweeps at
  a time (so that all of them share the machine alike). Figures per sampler: the best
  validation accuracy at the end (mean, min and max over the seeds), the best reached after
  each quarter of the budget, and the trials run. The grid stops when its points are done
  (its seeds only change the order of the points).

A trial's training is seeded, so two sweeps that draw the same point get the same accuracy.

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_sweep.py               # 10 min parts, records
    .venv/bin/python benchmarks/bench_sweep.py --quick --no-record      # synthetic data, seconds

Records (``results/bench_sweep.json``, group ``bench_sweep``): ``throughput_<w>w_trials_per_hour``
and ``throughput_2w_over_1w`` (``kind="timing"``, with the CPU), and for each sampler
``<sampler>_best_val_acc_mean``/``_min``/``_max``, ``<sampler>_trials_mean`` and
``<sampler>_best_val_acc_at_<q>of4_mean`` (validation accuracy on the task's data).
``--quick`` runs the task's quick mode (synthetic data) for a few seconds per sweep: its records
go to ``$CS231N_RESULTS_DIR`` or nowhere.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cs231n.tooling.benchmark import quick_mode

GROUP = "bench_sweep"
SAMPLERS = ("tpe", "random", "grid")
PARTS = ("throughput", "samplers")
QUARTERS = (1, 2, 3, 4)
#: more trials than any part can finish: the parts stop on their timeout
UNBOUNDED = 10**6


def parse_args(argv=None) -> argparse.Namespace:
    from cs231n.sweep.tasks import TASKS

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--task", default="two_layer_net", choices=sorted(TASKS), help="tuning task")
    p.add_argument("--minutes", type=float, default=10.0, help="budget of each sweep (minutes)")
    p.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2], help="sampler seeds (samplers part)"
    )
    p.add_argument(
        "--parallel", type=int, default=2, help="sampler sweeps at a time (one thread each)"
    )
    p.add_argument("--parts", nargs="+", default=list(PARTS), choices=PARTS, help="what to run")
    p.add_argument("--quick", action="store_true", help="quick mode: synthetic data, 0.2 min")
    p.add_argument("--no-record", action="store_true", help="print only, write no results")
    args = p.parse_args(argv)
    if args.quick:
        args.minutes = min(args.minutes, 0.2)
    if not args.minutes > 0:
        p.error(f"--minutes must be > 0, got {args.minutes}")
    if args.parallel < 1:
        p.error(f"--parallel must be >= 1, got {args.parallel}")
    if any(s < 0 for s in args.seeds):
        p.error(f"--seeds must be >= 0, got {args.seeds}")
    return args


def one_sweep(
    task: str, *, folder: str, name: str, sampler: str, seed: int, workers: int, seconds: float,
    quick: bool, threads: int | None = None,
) -> dict:  # fmt: skip
    """Run one sweep on a new journal study ``folder/name.journal`` for ``seconds``.

    Returns:
        ``{"seconds": wall time, "trials": finished trials, "history": [(seconds since the
        first trial started, value)] of the completed trials in the order they ended}``.
    """
    from optuna.trial import TrialState

    from cs231n.sweep import load, run_sweep

    storage = f"journal:{Path(folder) / (name + '.journal')}"
    start = time.perf_counter()
    result = run_sweep(
        task, trials=UNBOUNDED, workers=workers, storage=storage, timeout=seconds,
        sampler=sampler, seed=seed, quick=quick, threads=threads, study_name=name, progress=False,
    )  # fmt: skip
    wall = time.perf_counter() - start
    trials = load(task, storage=storage, study_name=name).get_trials(deepcopy=False)
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    if not done:
        return {"seconds": wall, "trials": result.finished, "history": []}
    t0 = min(t.datetime_start for t in trials if t.datetime_start is not None)
    history = sorted(((t.datetime_complete - t0).total_seconds(), t.value) for t in done)
    return {"seconds": wall, "trials": result.finished, "history": history}


def best_by(history: list[tuple[float, float]], seconds: float) -> float:
    """The best value among the trials that ended within ``seconds`` (NaN if none)."""
    values = [v for t, v in history if t <= seconds]
    return max(values) if values else float("nan")


def throughput(args: argparse.Namespace, folder: str) -> dict[int, dict]:
    """``{workers: one_sweep(...)}`` for 1 and 2 workers (random sampler, seed 0)."""
    out = {}
    for workers in (1, 2):
        out[workers] = one_sweep(
            args.task, folder=folder, name=f"throughput-{workers}w", sampler="random", seed=0,
            workers=workers, seconds=60 * args.minutes, quick=args.quick,
        )  # fmt: skip
        rate = 3600 * out[workers]["trials"] / out[workers]["seconds"]
        print(f"  {workers} worker(s): {out[workers]['trials']} trials in "
              f"{out[workers]['seconds']:.0f} s = {rate:.1f} trials/hour", flush=True)  # fmt: skip
    return out


def _sampler_job(job: tuple) -> tuple:
    task, folder, sampler, seed, seconds, quick = job
    run = one_sweep(
        task, folder=folder, name=f"{sampler}-seed{seed}", sampler=sampler, seed=seed,
        workers=1, seconds=seconds, quick=quick, threads=1,
    )  # fmt: skip
    return sampler, seed, run


def samplers(args: argparse.Namespace, folder: str) -> dict[str, list[dict]]:
    """``{sampler: [one_sweep(...) per seed]}``, ``args.parallel`` sweeps at a time."""
    jobs = [
        (args.task, folder, s, seed, 60 * args.minutes, args.quick)
        for seed in args.seeds
        for s in SAMPLERS
    ]
    out: dict[str, list[dict]] = {s: [] for s in SAMPLERS}
    with contextlib.ExitStack() as stack:
        if args.parallel == 1:  # in this process (e.g. a test that loaded the script by path)
            results = map(_sampler_job, jobs)
        else:
            ctx = mp.get_context("spawn")
            pool = stack.enter_context(
                cf.ProcessPoolExecutor(max_workers=args.parallel, mp_context=ctx)
            )
            results = pool.map(_sampler_job, jobs)
        for sampler, seed, run in results:
            best = max((v for _, v in run["history"]), default=float("nan"))
            print(
                f"  {sampler:<7} seed {seed}: {run['trials']} trials, best {best:.4f}", flush=True
            )
            out[sampler].append(run)
    return out


def summarize(runs: dict[str, list[dict]], seconds: float) -> dict[str, dict]:
    """Per sampler: best at the end (mean/min/max over seeds), mean trials, and the mean best
    after each quarter of ``seconds``."""
    table = {}
    for sampler, rs in runs.items():
        finals = [best_by(r["history"], float("inf")) for r in rs]
        table[sampler] = {
            "best_mean": statistics.fmean(finals),
            "best_min": min(finals),
            "best_max": max(finals),
            "trials_mean": statistics.fmean(r["trials"] for r in rs),
            **{
                f"at_{q}of4": statistics.fmean(best_by(r["history"], seconds * q / 4) for r in rs)
                for q in QUARTERS
            },
        }
    return table


def report(
    rates: dict[int, dict] | None, table: dict[str, dict] | None, setting: str, record_them: bool
) -> list[dict]:
    """Print both parts' tables; with ``record_them`` record them (group :data:`GROUP`)."""
    from cs231n.results import record

    entries = []
    if rates:
        per_hour = {w: 3600 * r["trials"] / r["seconds"] for w, r in rates.items()}
        ratio = per_hour[2] / per_hour[1]
        print(f"\n{'workers':<9}{'trials':>8}{'seconds':>9}{'trials/hour':>13}")
        for w, r in rates.items():
            print(f"{w:<9}{r['trials']:>8}{r['seconds']:>9.0f}{per_hour[w]:>13.1f}")
        print(f"2 workers / 1 worker: {ratio:.2f}")
        if record_them:
            what = f"trials finished per hour of wall time, random sampler: {setting}"
            for w, v in per_hour.items():
                entries.append(record(GROUP, f"throughput_{w}w_trials_per_hour", v,
                                      dataset=what, kind="timing"))  # fmt: skip
            entries.append(record(GROUP, "throughput_2w_over_1w", ratio, dataset=what,
                                  kind="timing"))  # fmt: skip
    if table:
        quarters = "".join(f"{f'@{q}/4':>8}" for q in QUARTERS)
        print(f"\n{'sampler':<9}{'trials':>8}{'best':>8}{'min':>8}{'max':>8}{quarters}")
        for s, row in table.items():
            cells = "".join(f"{row[f'at_{q}of4']:>8.4f}" for q in QUARTERS)
            print(f"{s:<9}{row['trials_mean']:>8.1f}{row['best_mean']:>8.4f}"
                  f"{row['best_min']:>8.4f}{row['best_max']:>8.4f}{cells}")  # fmt: skip
        if record_them:
            what = f"best validation accuracy of a sweep: {setting}"
            for s, row in table.items():
                for key in ("best_mean", "best_min", "best_max"):
                    stat = key.split("_")[1]
                    entries.append(record(GROUP, f"{s}_best_val_acc_{stat}", row[key],
                                          dataset=what))  # fmt: skip
                entries.append(record(GROUP, f"{s}_trials_mean", row["trials_mean"],
                                      dataset=what))  # fmt: skip
                for q in QUARTERS:
                    entries.append(record(GROUP, f"{s}_best_val_acc_at_{q}of4_mean",
                                          row[f"at_{q}of4"], dataset=what))  # fmt: skip
    return entries


def main(argv=None) -> int:
    args = parse_args(argv)
    from cs231n.tooling.machine import cpu_description, describe

    data = "synthetic data (quick mode)" if args.quick else "CIFAR-10 reconstructed ($CS231N_DATA)"
    setting = (
        f"task {args.task} on {data}, {args.minutes:g} min per sweep, seeds {args.seeds}, "
        f"load avg {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"CPU: {describe(cpu_description())}")
    print(setting, flush=True)
    rates = table = None
    with quick_mode(args.quick), tempfile.TemporaryDirectory(prefix="bench_sweep-") as folder:
        if "throughput" in args.parts:
            print("throughput:", flush=True)
            rates = throughput(args, folder)
        if "samplers" in args.parts:
            print("samplers:", flush=True)
            table = summarize(samplers(args, folder), 60 * args.minutes)
        report(rates, table, setting, record_them=not args.no_record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
