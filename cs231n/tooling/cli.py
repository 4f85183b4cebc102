"""The ``cs231n`` command (also ``python -m cs231n``).

::

    cs231n data list                      # which datasets exist and which are here
    cs231n data fetch cifar10 [...]       # download and check them
    cs231n data verify [NAME ...]         # check checksums of what is here
    cs231n data build squeezenet [--force]  # convert data into what the package uses
    cs231n data build flickr8k-captions     # the offline captioning set (COCO layout)
    cs231n data build mnist-captions        # MNIST digit strips read aloud (COCO layout)
    cs231n run [NOTEBOOK ...] [--quick]   # execute notebooks headless
    cs231n results [--write-readme]       # print the results table
    cs231n results --stale                # notebooks whose recorded run predates the code
    cs231n modules [--write-readme]       # print the module map of the README
    cs231n check PATH [--assignment N]    # grade a student's own cs231n/ folder
    cs231n sweep TASK [--trials N] [--workers N] [--storage URL] [--show]  # Optuna sweeps

Every handler returns the process exit code: 0 success, 1 a notebook or a
check failed, 2 a usage error (bad path, missing module).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cs231n.paths import REPO_ROOT
from cs231n.quick import QUICK_ENV, is_quick

DESCRIPTION = "Stanford CS231n 2020 assignments: data, notebooks and results."


def _error(message: str) -> None:
    print(f"cs231n: error: {message}", file=sys.stderr)


# ----------------------------------------------------------------------------- data


def _datasets_module():
    """``cs231n.tooling.data_commands``, imported only when a ``data`` command needs it,
    so that ``cs231n run`` keeps working while that module is missing or broken."""
    module = "cs231n.tooling.data_commands"
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise  # a dependency of the module is missing: show the real error
        _error(f"{module} is not available in this installation; cannot manage datasets")
        return None


def cmd_data(args: argparse.Namespace) -> int:
    datasets = _datasets_module()
    if datasets is None:
        return 2
    if args.data_command == "list":
        return int(datasets.cli_list())
    if args.data_command == "fetch":
        return int(datasets.cli_fetch(list(args.names)))
    if args.data_command == "verify":
        return int(datasets.cli_verify(list(args.names) or None))
    if args.data_command == "build":
        return int(datasets.cli_build(list(args.names), force=args.force))
    raise AssertionError(f"unknown data command {args.data_command!r}")  # argparse prevents it


# ----------------------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace) -> int:
    from cs231n.tooling import runner

    try:
        paths = runner.resolve_notebooks(args.notebooks)
    except (FileNotFoundError, ValueError) as exc:
        _error(str(exc))
        return 2
    if not paths:
        _error(f"no notebook matches {runner.NOTEBOOK_GLOB} under {REPO_ROOT}")
        return 2
    if args.list:
        print("\n".join(runner.display_path(p) for p in paths))
        return 0

    quick = args.quick or is_quick()
    if quick and not args.quick:
        print(f"${QUICK_ENV} is set: running in quick mode (notebooks are not overwritten)")
    output_dir = None
    if quick:
        output_dir = Path(args.output_dir or tempfile.mkdtemp(prefix="cs231n-quick-"))
        print(
            f"Running {len(paths)} notebook(s) in quick mode; copies and records go to {output_dir}"
        )
    else:
        if args.output_dir:
            print("--output-dir is only used with --quick: a full run writes notebooks in place")
        print(f"Running {len(paths)} notebook(s) in full mode (written in place if they succeed)")

    def report(run: runner.NotebookRun) -> None:
        name = runner.display_path(run.notebook)
        if run.ok:
            print(f"  {name}: ok in {run.seconds:.1f} s -> {run.written}")
        else:
            print(f"  {name}: FAILED after {run.seconds:.1f} s\n{run.error}", file=sys.stderr)

    try:
        runs = runner.run_notebooks(
            paths,
            quick=quick,
            on_done=report,
            output_dir=output_dir,
            timeout=args.timeout,
            kernel_name=args.kernel,
            progress=not args.no_progress,
            keep_failed=args.keep_failed,
        )
    except ValueError as exc:  # e.g. an --output-dir that would overwrite a notebook
        _error(str(exc))
        return 2
    if (
        quick
        and not args.output_dir
        and runner.discard_failed_output(output_dir, runs, keep_failed=args.keep_failed)
    ):
        print(f"every notebook failed: removed {output_dir} (--keep-failed keeps it)")
    print("\nSummary (wall times include kernel start; they depend on the machine's load):")
    print(runner.summary(runs))
    status = 0 if all(r.ok for r in runs) else 1
    if not quick and not args.no_readme:
        status = max(status, _write_readme(Path(args.readme), results_dir=None))
    return status


def _write_readme(readme: Path, results_dir: Path | None) -> int:
    """Put the results table into ``readme``; 0 on success or absent markers, 1 on error."""
    from cs231n.tooling import report

    if not readme.exists():
        print(f"{readme} does not exist: results table not written")
        return 0
    try:
        table = report.readme_table(results_dir)
        found = report.update_readme(readme, table)
    except ValueError as exc:
        _error(str(exc))
        return 1
    if found:
        print(f"Results table updated in {readme}")
    else:
        print(
            f"{readme} has no {report.README_START} ... {report.README_END} markers: "
            "left unchanged (add them where the table should go)"
        )
    return 0


# ----------------------------------------------------------------------------- results


def cmd_results(args: argparse.Namespace) -> int:
    from cs231n.tooling import report, staleness

    results_dir = Path(args.dir) if args.dir else None
    if args.stale:
        try:
            found = staleness.check_all(results_dir)
        except ValueError as exc:
            _error(str(exc))
            return 1
        print(staleness.stale_text(found))
        return 1 if any(f.stale for f in found) else 0
    try:
        print(report.results_table(results_dir))
    except ValueError as exc:
        _error(str(exc))
        return 1
    if args.write_readme:
        return _write_readme(Path(args.readme), results_dir)
    return 0


# ----------------------------------------------------------------------------- modules


def cmd_modules(args: argparse.Namespace) -> int:
    from cs231n.tooling import modules, report

    table = modules.module_map()
    if not args.write_readme:
        print(table)
        return 0
    readme = Path(args.readme)
    try:
        found = report.replace_between(
            readme, modules.MAP_START, modules.MAP_END, table, who="cs231n modules"
        )
    except (FileNotFoundError, ValueError) as exc:
        _error(str(exc))
        return 1
    if not found:
        _error(f"{readme} has no {modules.MAP_START} ... {modules.MAP_END} markers")
        return 1
    print(f"Module map updated in {readme}")
    return 0


# ----------------------------------------------------------------------------- check


def cmd_check(args: argparse.Namespace) -> int:
    from cs231n.grading import report

    return report.check(args.path, args.assignment, args.only, args.json, args.timeout)


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cs231n`` command, with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cs231n",
        description=DESCRIPTION,
        epilog="Run 'cs231n COMMAND --help' for the options of a command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    # data ------------------------------------------------------------------
    data = sub.add_parser(
        "data",
        help="list, fetch, verify and build the datasets",
        description="Manage the datasets under $CS231N_DATA (default ~/.cache/cs231n/datasets).",
    )
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    data_sub.add_parser(
        "list",
        help="list the known datasets and whether they are present",
        description="List the datasets the assignments use, with their size and whether present.",
    )
    fetch = data_sub.add_parser(
        "fetch",
        help="download datasets and check their checksums",
        description="Download the named datasets into the data folder and verify them.",
    )
    fetch.add_argument(
        "names",
        nargs="+",
        metavar="NAME",
        help="dataset name (see 'cs231n data list'; coco means coco_captioning)",
    )
    verify = data_sub.add_parser(
        "verify",
        help="check the checksums of datasets already present",
        description="Verify the named datasets (all present ones when no NAME is given).",
    )
    verify.add_argument("names", nargs="*", metavar="NAME", help="dataset name (default: all)")
    build = data_sub.add_parser(
        "build",
        help="build what the package derives from the data (squeezenet, *-captions)",
        description=(
            "Convert a dataset of the data folder into what the package uses, written under "
            "$CS231N_CACHE (default ~/.cache/cs231n/built). squeezenet: the SqueezeNet 1.1 "
            "weights from SqueezeNetFP16.mlmodel, for PyTorch and TensorFlow (needs "
            "coremltools: pip install -e '.[coreml]'). flickr8k-captions: the offline "
            "captioning set in the COCO layout, from flickr8k/ (1,000 photographs, their "
            "captions and SqueezeNet features). mnist-captions: strips of real MNIST digits "
            "with captions that read them, in the same layout."
        ),
    )
    build.add_argument(
        "names",
        nargs="+",
        metavar="NAME",
        help="what to build: squeezenet, flickr8k-captions, mnist-captions",
    )
    build.add_argument("--force", action="store_true", help="rebuild even if a valid build exists")
    data.set_defaults(func=cmd_data)

    # run -------------------------------------------------------------------
    run = sub.add_parser(
        "run",
        help="execute notebooks headless (in place, or quickly into a temporary folder)",
        description=(
            "Execute notebooks top to bottom with nbclient, one kernel each, in the "
            "notebook's own folder. A full run writes each notebook back in place, only "
            "if every cell succeeded, then refreshes the results table of README.md. "
            "--quick sets CS231N_QUICK=1 (small data, few iterations) and writes the "
            "executed copies and their records to a temporary folder instead: the "
            "committed notebooks and results/ are never touched. A failing notebook "
            "makes the exit code 1; the others still run."
        ),
    )
    run.add_argument(
        "notebooks",
        nargs="*",
        metavar="NOTEBOOK",
        help="notebook or folder of notebooks (default: the repository's assignment*/*.ipynb)",
    )
    run.add_argument(
        "--quick",
        action="store_true",
        help=f"quick mode (also implied by ${QUICK_ENV}=1 in the environment)",
    )
    run.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="limit per cell (default: none)",
    )
    run.add_argument(
        "--kernel", default="python3", metavar="NAME", help="Jupyter kernel name (default: python3)"
    )
    run.add_argument(
        "--output-dir",
        default=None,
        metavar="DIR",
        help="quick mode: folder for the executed copies and records (default: a new temp folder)",
    )
    run.add_argument(
        "--readme",
        default=str(REPO_ROOT / "README.md"),
        metavar="PATH",
        help="README whose results table a full run refreshes (default: the repository's)",
    )
    run.add_argument(
        "--no-readme", action="store_true", help="do not refresh the README results table"
    )
    run.add_argument(
        "--keep-failed",
        action="store_true",
        help="keep the partially executed copy of a failed notebook (its path is printed); "
        "by default nothing of a failed run stays in the temporary folder",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--list", action="store_true", help="only list the notebooks that would run")
    run.set_defaults(func=cmd_run)

    # results ---------------------------------------------------------------
    results = sub.add_parser(
        "results",
        help="print the table of headline numbers recorded by the notebooks",
        description=(
            "Print results/*.json (written by cs231n.results.record in the notebooks) "
            "as a markdown table: notebook, metric, value, target, met?, dataset, when."
        ),
    )
    results.add_argument(
        "--dir",
        default=None,
        metavar="DIR",
        help="folder of *.json records (default: $CS231N_RESULTS_DIR or the repository's results/)",
    )
    results.add_argument(
        "--write-readme",
        action="store_true",
        help="also put the table between the results markers of the README",
    )
    results.add_argument(
        "--readme",
        default=str(REPO_ROOT / "README.md"),
        metavar="PATH",
        help="README to update with --write-readme (default: the repository's)",
    )
    results.add_argument(
        "--stale",
        action="store_true",
        help=(
            "instead, list the notebooks and benchmarks whose recorded run predates a change "
            "to the package modules they import (exit code 1 if any)"
        ),
    )
    results.set_defaults(func=cmd_results)

    # modules ---------------------------------------------------------------
    mods = sub.add_parser(
        "modules",
        help="print the module map of the package (one line per module)",
        description=(
            "Print the README's module map: every module under cs231n/, whether it is the "
            "course's or ours, and the first paragraph of its docstring."
        ),
    )
    mods.add_argument(
        "--write-readme",
        action="store_true",
        help="put the map between the modules markers of the README instead of printing it",
    )
    mods.add_argument(
        "--readme",
        default=str(REPO_ROOT / "README.md"),
        metavar="PATH",
        help="README to update with --write-readme (default: the repository's)",
    )
    mods.set_defaults(func=cmd_modules)

    # check -----------------------------------------------------------------
    check = sub.add_parser(
        "check",
        help="grade a student's own assignment code against this package",
        description=(
            "Grade the functions a student writes in the official 2020 starter code "
            "(assignments 1 and 2: kNN, SVM, softmax, the two-layer net, the layers, "
            "batch/layer/group norm, dropout, convolution and pooling, the update rules, "
            "the fully connected and convolutional nets; assignment 3: the RNN, LSTM and "
            "word-embedding layers, CaptioningRNN's loss and greedy sample, network "
            "visualization and the style-transfer losses, in PyTorch and TensorFlow, whose "
            "gradients are checked through autograd, and the GAN notebooks' noise, models "
            "(official parameter counts), losses (official check values) and optimizers, in "
            "both frameworks). PATH is the assignment folder "
            "that holds cs231n/ (cs231n/layers.py, cs231n/classifiers/fc_net.py, ...). "
            "Each student module is imported on its own under a private name, so a "
            "broken or missing file fails only its own functions, and each function is "
            "graded with this package's versions of what it calls. The checks are those "
            "of the test suite: the official check values, this package's results on "
            "small random inputs (several seeds, odd sizes, strides and paddings), "
            "float64 numeric gradients, shapes and dtypes. Every check runs in a worker "
            "process with a time limit. One line per function: PASS, WRONG (largest "
            "relative error and the input), NOT DONE (the starter's None, zeros or "
            "unchanged output) or ERROR (the exception), with the note in notes/ that "
            "explains it; then 'N passed, M failed'. Exit code 0 if every function "
            "passes, 1 otherwise, 2 for bad arguments."
        ),
    )
    check.add_argument("path", metavar="PATH", help="assignment folder containing cs231n/")
    check.add_argument(
        "--assignment",
        type=int,
        choices=[1, 2, 3],
        default=None,
        help="only this assignment's functions (default: all in the manifest)",
    )
    check.add_argument(
        "--only",
        nargs="+",
        default=None,
        metavar="NAME",
        help="only these functions, e.g. affine_backward TwoLayerNet.loss layers.adam",
    )
    check.add_argument(
        "--json", default=None, metavar="FILE", help="also write the rows to FILE as JSON"
    )
    check.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="time limit per function (default: 10)",
    )
    check.set_defaults(func=cmd_check)

    # sweep -----------------------------------------------------------------
    from cs231n.tooling.sweep_command import add_parser as add_sweep_parser

    add_sweep_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``cs231n``; returns the exit code."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
