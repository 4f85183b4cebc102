"""Run the assignment notebooks headless: in place (full runs) or as temporary copies (quick).

This is the engine behind ``cs231n run`` (see :mod:`cs231n.tooling.cli`), and what
``tests/test_notebooks.py`` uses to keep every notebook executable.

* **Full run** (``quick=False``): the notebook is executed with nbclient and,
  only if every cell succeeded, written back *in place* through a temporary
  file and a rename. A failing notebook leaves the committed file untouched.
* **Quick run** (``quick=True``): the kernel sees ``CS231N_QUICK=1`` (see
  :mod:`cs231n.quick`) and ``CS231N_RESULTS_DIR=<temporary folder>`` (see
  :mod:`cs231n.results`); the executed copy goes to a temporary folder, so a
  quick run never touches the committed notebook nor ``results/``.

In both modes the kernel's working directory is the notebook's own folder. The numbers the
notebooks record are tabulated by :mod:`cs231n.tooling.report`.

A failed run leaves nothing behind in the temporary folder unless asked: its partially
executed copy is written only with ``keep_failed`` (``cs231n run --keep-failed``), and the
message says where; a temporary folder the runner created for a quick run that produced
nothing (every notebook failed) is removed (:func:`discard_failed_output`).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from cs231n.paths import DATA_ENV, REPO_ROOT, data_root
from cs231n.quick import QUICK_ENV
from cs231n.results import RESULTS_ENV, atomic_write_text

NOTEBOOK_GLOB = "assignment*/*.ipynb"

# IPython colours its tracebacks with ANSI escapes; they are noise in a log file.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclasses.dataclass
class NotebookRun:
    """What happened to one notebook.

    Attributes:
        notebook: the notebook that was executed.
        ok: True when every cell ran without error.
        seconds: wall time of the execution (kernel start included).
        written: where the executed copy was written (the notebook itself in a
            full run that succeeded; a temporary file otherwise; None if nothing
            was written).
        quick: whether the kernel ran in quick mode.
        results_dir: where :func:`cs231n.results.record` wrote from this kernel
            (None: the default ``results/`` of a full run).
        cell_index: index in ``nb.cells`` (0-based, markdown cells counted) of
            the failing cell, None if the notebook succeeded or failed before
            any cell ran.
        error: a readable message with the notebook, the cell index and the
            traceback; None on success.
    """

    notebook: Path
    ok: bool
    seconds: float
    written: Path | None = None
    quick: bool = False
    results_dir: Path | None = None
    cell_index: int | None = None
    error: str | None = None


def display_path(path: Path) -> str:
    """``path`` relative to the repository when it is inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def discover_notebooks(root: Path | None = None) -> list[Path]:
    """Every ``assignment*/*.ipynb`` under ``root`` (default: the repository), sorted.

    Checkpoint copies (``.ipynb_checkpoints/``) live one folder deeper and are
    never matched.
    """
    root = Path(root) if root is not None else REPO_ROOT
    return sorted(p for p in root.glob(NOTEBOOK_GLOB) if p.is_file())


def resolve_notebooks(args: Sequence[str | os.PathLike], root: Path | None = None) -> list[Path]:
    """Turn command-line arguments into notebook paths.

    No argument means :func:`discover_notebooks`; a folder means the
    ``*.ipynb`` files directly inside it. Raises :class:`FileNotFoundError`
    for a path that does not exist and :class:`ValueError` for a file that is
    not a notebook or a folder without notebooks.
    """
    if not args:
        return discover_notebooks(root)
    found: list[Path] = []
    for arg in args:
        p = Path(arg)
        if not p.exists():
            raise FileNotFoundError(
                f"notebook {str(arg)!r} does not exist (looked at {p.resolve()})"
            )
        if p.is_dir():
            inside = sorted(q for q in p.glob("*.ipynb") if q.is_file())
            if not inside:
                raise ValueError(f"folder {str(arg)!r} contains no *.ipynb notebook")
            found.extend(inside)
        elif p.suffix != ".ipynb":
            raise ValueError(f"{str(arg)!r} is not a notebook: expected a path ending in .ipynb")
        else:
            found.append(p)
    return found


def kernel_env(quick: bool, results_dir: Path | None = None) -> dict[str, str]:
    """The environment a notebook's kernel gets: ours, plus three adjustments.

    * ``$CS231N_QUICK`` is ``1`` in a quick run and removed in a full run (a
      full run stays full even if the caller's shell exported quick mode).
    * ``$CS231N_RESULTS_DIR`` is ``results_dir`` when given.
    * A relative ``$CS231N_DATA`` is made absolute: the kernel runs in the
      notebook's folder, where the relative path would point elsewhere.
    """
    env = dict(os.environ)
    if quick:
        env[QUICK_ENV] = "1"
    else:
        env.pop(QUICK_ENV, None)
    if results_dir is not None:
        env[RESULTS_ENV] = str(Path(results_dir).resolve())
    if env.get(DATA_ENV):
        env[DATA_ENV] = str(data_root())
    return env


def _encryption_kwargs() -> dict[str, str]:
    """Ask recent jupyter_client (8.10+) for an encrypted kernel connection when it can.

    Without it, ipykernel warns on every start that the local TCP connection is
    unencrypted; older versions do not know the option, so it is only passed
    when supported.
    """
    import zmq  # both come with nbclient
    from jupyter_client import KernelManager

    if "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve"):
        return {"transport_encryption": "auto"}
    return {}


def _quick_output_path(notebook: Path, output_dir: Path) -> Path:
    """Where a quick run writes its executed copy: the repo-relative path under ``output_dir``."""
    try:
        rel = notebook.resolve().relative_to(REPO_ROOT)
    except ValueError:
        rel = Path(notebook.name)
    return output_dir / rel


def _failure_message(notebook: Path, cell_index: int | None, nb: Any, exc: BaseException) -> str:
    """Notebook, failing cell index and its first source line, then the traceback."""
    where = "before the first cell" if cell_index is None else f"cell {cell_index}"
    head = f"{display_path(notebook)}: {where} failed"
    if cell_index is not None:
        source = nb.cells[cell_index].source.strip().splitlines()
        if source:
            head += f" (starts with: {source[0][:70]!r})"
    # CellExecutionError carries the kernel's exception name and value; other
    # failures (timeout, dead kernel, unknown kernel name) are plain exceptions.
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:  # the first line with words, skipping "-----" rules
        lines = [ln for ln in str(exc).splitlines() if re.search(r"\w", ln)]
        evalue = lines[0].strip() if lines else ""
    tb = getattr(exc, "traceback", None) or str(exc)
    return f"{head}: {ename}: {evalue}\n{_ANSI.sub('', tb).rstrip()}"


def run_notebook(
    notebook: str | os.PathLike,
    *,
    quick: bool = False,
    output_dir: str | os.PathLike | None = None,
    results_dir: str | os.PathLike | None = None,
    timeout: float | None = None,
    kernel_name: str = "python3",
    progress: bool = True,
    keep_failed: bool = False,
) -> NotebookRun:
    """Execute one notebook headless with nbclient and report what happened.

    Args:
        notebook: path of the ``.ipynb`` file.
        quick: run in quick mode (see the module docstring). A quick run writes
            its executed copy under ``output_dir`` and its records under
            ``results_dir``; both default to a fresh temporary folder.
        output_dir: quick runs only: folder for the executed copy.
        results_dir: value of ``$CS231N_RESULTS_DIR`` for the kernel (full
            runs default to inheriting ours, i.e. usually ``results/``).
        timeout: seconds allowed per cell (None: no limit).
        kernel_name: Jupyter kernel to start.
        progress: show a tqdm bar (code cells executed / total).
        keep_failed: when the notebook fails, write its partially executed copy (quick
            runs: in the output folder; full runs: in a new ``cs231n-failed-*`` temporary
            folder) and say where in ``error``. Without it nothing is written, and a
            temporary folder this call created for a quick run is removed.

    Returns:
        A :class:`NotebookRun`. Errors inside the notebook do not raise: they
        are reported in ``error`` with the failing cell's index.
    """
    import nbformat
    from nbclient import NotebookClient
    from tqdm.auto import tqdm

    notebook = Path(notebook)
    if not notebook.is_file():
        raise FileNotFoundError(f"run_notebook: notebook {str(notebook)!r} does not exist")

    own_scratch = False
    if quick:
        own_scratch = output_dir is None
        scratch = (
            Path(output_dir)
            if output_dir is not None
            else Path(tempfile.mkdtemp(prefix="cs231n-quick-"))
        )
        results_dir = Path(results_dir) if results_dir is not None else scratch / "results"
        target = _quick_output_path(notebook, scratch)
        if target.resolve() == notebook.resolve():
            raise ValueError(
                f"run_notebook: output_dir={str(output_dir)!r} would make the quick run "
                f"overwrite {display_path(notebook)}; choose another folder"
            )
    else:
        results_dir = Path(results_dir) if results_dir is not None else None
        target = notebook

    def discard() -> None:  # nothing of a failed run stays in a folder we created
        if own_scratch and not keep_failed:
            shutil.rmtree(scratch, ignore_errors=True)

    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as exc:  # not JSON, not a notebook: a failure of this notebook only
        error = f"{display_path(notebook)}: cannot read the notebook: {type(exc).__name__}: {exc}"
        discard()
        return NotebookRun(notebook=notebook, ok=False, seconds=0.0, quick=quick, error=error)

    n_code = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
    bar = tqdm(
        total=n_code, desc=display_path(notebook), unit="cell", disable=not progress, leave=True
    )
    current: dict[str, int | None] = {"index": None}

    def on_cell_start(cell: Any, cell_index: int) -> None:
        current["index"] = cell_index

    def on_cell_executed(cell: Any, cell_index: int, execute_reply: Any) -> None:
        bar.update(1)

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        # The kernel runs in the notebook's folder, so relative paths behave as in Jupyter.
        resources={"metadata": {"path": str(notebook.resolve().parent)}},
        # Per-cell timestamps would change every committed notebook on every run.
        record_timing=False,
        on_cell_start=on_cell_start,
        on_cell_executed=on_cell_executed,
    )
    start = time.perf_counter()
    error: BaseException | None = None
    try:
        client.execute(env=kernel_env(quick, results_dir), **_encryption_kwargs())
    except Exception as exc:
        # CellExecutionError, CellTimeoutError, DeadKernelError, NoSuchKernel...: all reported.
        error = exc
    finally:
        bar.close()
    seconds = time.perf_counter() - start

    run = NotebookRun(
        notebook=notebook, ok=error is None, seconds=seconds, quick=quick, results_dir=results_dir
    )
    text = nbformat.writes(nb)
    if not text.endswith("\n"):
        text += "\n"
    if error is None:
        atomic_write_text(target, text)
        run.written = target
        return run

    run.cell_index = current["index"]
    run.error = _failure_message(notebook, run.cell_index, nb, error)
    if not keep_failed:
        discard()
        run.error += "\n(partially executed copy not kept; --keep-failed keeps it)"
        return run
    if quick:
        keep = target
    else:
        # Never overwrite the committed notebook with a failed run; keep the
        # partial outputs somewhere for inspection instead.
        keep = Path(tempfile.mkdtemp(prefix="cs231n-failed-")) / notebook.name
    atomic_write_text(keep, text)
    run.written = keep
    run.error += f"\n(partially executed copy kept: {keep})"
    return run


def run_notebooks(
    notebooks: Iterable[str | os.PathLike],
    *,
    quick: bool = False,
    on_done: Callable[[NotebookRun], None] | None = None,
    **kwargs: Any,
) -> list[NotebookRun]:
    """:func:`run_notebook` on each notebook in turn; a failure does not stop the others.

    Quick runs share one temporary folder (``kwargs["output_dir"]``, created if
    absent, and removed again by :func:`discard_failed_output` when every notebook
    failed and ``kwargs["keep_failed"]`` is not set) for their executed copies and
    records. ``on_done`` is called after each notebook (the CLI prints progress with it).
    """
    created = None
    if quick and kwargs.get("output_dir") is None:
        created = kwargs["output_dir"] = Path(tempfile.mkdtemp(prefix="cs231n-quick-"))
    runs = []
    for nb in notebooks:
        run = run_notebook(nb, quick=quick, **kwargs)
        runs.append(run)
        if on_done is not None:
            on_done(run)
    if created is not None:
        discard_failed_output(created, runs, keep_failed=kwargs.get("keep_failed", False))
    return runs


def discard_failed_output(output_dir: Path, runs: Sequence[NotebookRun], *, keep_failed: bool):
    """Remove ``output_dir``, a temporary folder created for a quick run, when no notebook
    of ``runs`` succeeded (it holds nothing but the failed kernels' partial records) and
    ``keep_failed`` is not set. Returns True when it was removed. Never call it on a folder
    the user chose."""
    if keep_failed or any(r.ok for r in runs):
        return False
    shutil.rmtree(output_dir, ignore_errors=True)
    return True


def summary(runs: Sequence[NotebookRun]) -> str:
    """One line per notebook (status, wall time, where it was written), then the totals."""
    lines = []
    for r in runs:
        status = "ok  " if r.ok else "FAIL"
        where = f"-> {r.written}" if r.written is not None else ""
        lines.append(f"{status} {r.seconds:8.1f} s  {display_path(r.notebook)}  {where}".rstrip())
        if r.error:
            lines.append(f"     {r.error.splitlines()[0]}")
    failed = sum(not r.ok for r in runs)
    total = sum(r.seconds for r in runs)
    lines.append(
        f"{len(runs) - failed} passed, {failed} failed, {len(runs)} notebook(s) in {total:.1f} s"
    )
    return "\n".join(lines)
