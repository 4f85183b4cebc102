"""``cs231n sweep``: hyperparameter sweeps of the course's tuning tasks on Optuna.

::

    cs231n sweep softmax --trials 30                 # SQLite in results/sweeps/softmax.db
    cs231n sweep softmax --trials 30 --workers 2     # two processes, results/sweeps/softmax.journal
    cs231n sweep softmax --sampler grid              # the notebook's grid
    cs231n sweep fc_net --trials 40 --storage postgresql://user@host/db   # on every machine
    cs231n sweep softmax --show                      # best trials, parameter importances

Exit codes: 0 done, 2 a bad argument (nothing written), 130 interrupted by Ctrl-C (the
finished trials are kept; run the same command again to go on).
"""

from __future__ import annotations

import argparse
import sys

#: The command-line spelling of each argument of :func:`cs231n.sweep.run_sweep`.
FLAGS = {
    "task": "TASK",
    "trials": "--trials",
    "workers": "--workers",
    "storage": "--storage",
    "timeout": "--timeout",
    "sampler": "--sampler",
    "seed": "--seed",
    "fixed": "--fix",
    "threads": "--threads",
}


def _fixed(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise ValueError(f"--fix must be NAME=VALUE, got {item!r}")
        out[name.strip()] = value.strip()
    return out


def _error(message: str) -> int:
    print(f"cs231n sweep: error: {message}", file=sys.stderr)
    return 2


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run or show a sweep; returns the exit code."""
    import optuna

    from cs231n.quick import is_quick
    from cs231n.sweep import SweepArgumentError, load, run_sweep, summary

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    quick = args.quick or is_quick()
    try:
        if args.show:
            print(summary(load(args.task, storage=args.storage, quick=quick)))
            return 0
        fixed = _fixed(args.fix)
        result = run_sweep(
            args.task, trials=args.trials, workers=args.workers, storage=args.storage,
            timeout=args.timeout, sampler=args.sampler, seed=args.seed, quick=quick,
            fixed=fixed, threads=args.threads, progress=not args.no_progress,
        )  # fmt: skip
    except SweepArgumentError as exc:
        return _error(f"{FLAGS.get(exc.argument, exc.argument)} {exc.problem}")
    except ValueError as exc:  # --fix syntax
        return _error(str(exc))
    if result.failed_dead:
        print(f"marked failed (their worker had died): trials {result.failed_dead}")
    best = (
        f"best val acc {result.best_value:.4f} with {result.best_params}"
        if result.best_value is not None
        else "no completed trial"
    )
    print(f"{result.study_name}: {result.finished} finished trials in {result.storage}; {best}")
    return 130 if result.interrupted else 0


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``sweep`` on the subcommands ``sub`` of the ``cs231n`` parser."""
    from cs231n.sweep.tasks import TASKS

    samplers = ("tpe", "random", "grid")  # cs231n.sweep.runner.SAMPLERS (imports Optuna)

    p = sub.add_parser(
        "sweep",
        help="hyperparameter sweep of a tuning task on Optuna (SQLite, journal or PostgreSQL)",
        description=(
            "Run an Optuna study for one of the course's tuning tasks until it holds --trials "
            "finished (completed or pruned) trials: TPE by default, random search or the "
            "notebook's grid on request, seeded. Trials of the Solver and framework tasks "
            "are pruned (median rule) from their per-epoch validation accuracy. Storage: "
            "results/sweeps/<task>.db (SQLite) for one worker, results/sweeps/<task>.journal "
            "for several, or --storage URL (e.g. postgresql://...) shared by workers on "
            "many machines. Ctrl-C keeps every finished trial; the same command goes on. "
            "--show prints the best trials and the parameter importances."
        ),
    )
    p.add_argument("task", metavar="TASK", help=f"one of: {', '.join(TASKS)}")
    p.add_argument(
        "--trials", type=int, default=20, metavar="N", help="finished trials (default 20)"
    )
    p.add_argument(
        "--workers", type=int, default=1, metavar="N", help="worker processes (default 1)"
    )
    p.add_argument(
        "--storage",
        default=None,
        metavar="URL",
        help="sqlite:///PATH, journal:PATH or an RDB URL (default: results/sweeps/)",
    )
    p.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="no new trial after S seconds"
    )
    p.add_argument("--sampler", default="tpe", metavar="|".join(samplers), help="default tpe")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="sampler and training seed")
    p.add_argument(
        "--fix",
        action="append",
        metavar="NAME=VALUE",
        help="fix a parameter (or a setting such as num_iters); repeatable",
    )
    p.add_argument(
        "--threads", type=int, default=None, metavar="N", help="threads per worker (default: share)"
    )
    p.add_argument("--quick", action="store_true", help="synthetic data, study TASK-quick")
    p.add_argument("--show", action="store_true", help="print the best trials and importances")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)
    return p
