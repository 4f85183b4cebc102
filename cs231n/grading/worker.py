"""Run checks in a worker process, each with a time limit.

:func:`grade` starts one worker process (``spawn``: a fresh interpreter, so nothing of the
caller leaks in), hands it one manifest entry at a time and waits at most ``timeout``
seconds for each answer. A worker that runs over (a student's ``while True``, a two-loop
kNN on far too much data) or dies is killed, its entry becomes an ``error`` row, and a
new worker takes the next entry. The worker's stdout and stderr are swallowed while the
student's code runs, so the student's prints do not break the report card.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import traceback
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from cs231n.grading.manifest import ENTRIES, Entry

PASS, WRONG, NOT_DONE, ERROR = "pass", "wrong", "not implemented", "error"
STARTUP_SECONDS = 300.0  # importing numpy and the package on a loaded machine


def row(entry: Entry, status: str, detail: str) -> dict:
    """One report card row (a plain dict: it crosses the process boundary and goes to JSON)."""
    return {
        "name": entry.name,
        "file": entry.path,
        "status": status,
        "detail": " ".join(str(detail).split()),  # one line
        "note": f"notes/{entry.note}",
        "assignment": entry.assignment,
    }


def _where(exc: BaseException, root: Path) -> str:
    """``cs231n/layers.py:42``: the deepest frame of the traceback in the student's folder."""
    where = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            rel = Path(frame.filename).resolve().relative_to(root.parent)
        except ValueError:
            continue
        where = f" (at {rel.as_posix()}:{frame.lineno})"
    if isinstance(exc, SyntaxError) and exc.filename:
        try:
            rel = Path(exc.filename).resolve().relative_to(root.parent)
            where = f" (at {rel.as_posix()}:{exc.lineno})"
        except ValueError:
            pass
    return where


def grade_one(package, entry: Entry) -> dict:
    """Run the check of ``entry`` in this process and turn its outcome into a row."""
    import numpy as np

    with (
        redirect_stdout(io.StringIO()),  # the student's prints (at import time too)
        redirect_stderr(io.StringIO()),
        np.errstate(all="ignore"),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        return _outcome(package, entry)


def _outcome(package, entry: Entry) -> dict:
    """Grade in isolation; a failure that used our versions of what the function calls is
    graded once more with the student's own, and passes if that combination is right."""
    from cs231n.grading.loader import MissingFile

    try:
        package.module(entry.module)
    except MissingFile as exc:
        return row(entry, ERROR, f"{exc}")
    except (Exception, SystemExit) as exc:
        msg = f"{entry.path} does not import: {type(exc).__name__}: {exc}"
        return row(entry, ERROR, msg + _where(exc, package.root))
    package.rebound.clear()
    first = _run(package, entry)
    if first["status"] == PASS or not package.rebound:
        return first
    names = ", ".join(sorted(package.rebound))
    package.isolation = False
    try:
        second = _run(package, entry)
    finally:
        package.isolation = True
    if second["status"] == PASS:
        second["detail"] += f" (with your own {names}; with ours: {first['detail']})"
        return second
    return first


def _run(package, entry: Entry) -> dict:
    from cs231n.grading import checks
    from cs231n.grading.compare import NotDone, Wrong

    try:
        error = checks.run(package, entry)
    except Wrong as exc:
        return row(entry, WRONG, str(exc))
    except NotDone as exc:
        return row(entry, NOT_DONE, str(exc))
    except NotImplementedError:
        return row(entry, NOT_DONE, "raises NotImplementedError")
    except (Exception, SystemExit) as exc:
        text = f"{type(exc).__name__}: {exc}"
        if "NoneType" in text:  # the starter's `x = None` placeholders, still in use
            return row(entry, NOT_DONE, f"a None placeholder is still used ({text})")
        return row(entry, ERROR, text + _where(exc, package.root))
    return row(entry, PASS, f"max relative error {error:.1e}")


def serve(conn, path: str) -> None:
    """The worker's loop: receive an entry index, send back its row; ``None`` stops."""
    sys.dont_write_bytecode = True  # never write __pycache__ into the student's folder
    from cs231n.grading import checks  # noqa: F401 (import the references before timing)
    from cs231n.grading.loader import StudentPackage

    package = StudentPackage(path)
    conn.send("ready")
    # From here on every outcome travels through conn. TensorFlow's C++ start-up lines
    # (oneDNN, CPU features) go straight to file descriptor 2 and would interleave with the
    # card: the worker's own descriptors 1 and 2 now lead nowhere.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    while True:
        index = conn.recv()
        if index is None:
            return
        conn.send(grade_one(package, ENTRIES[index]))


class _Worker:
    def __init__(self, path: Path) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=serve, args=(child, str(path)), daemon=True)
        self.process.start()
        child.close()
        try:
            ready = self.conn.poll(STARTUP_SECONDS) and self.conn.recv() == "ready"
        except (EOFError, OSError):  # it died before saying so (its traceback is on stderr)
            ready = False
        if not ready:
            code = self.process.exitcode
            self.kill()
            raise RuntimeError(
                f"cs231n check: the worker process did not start (exit code {code}); "
                "its error is printed above"
            )

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.kill()


def grade(path: str | Path, entries: list[Entry], timeout: float = 10.0, on_row=None) -> list[dict]:
    """Grade ``entries`` of the student's folder ``path``, each within ``timeout`` seconds.

    Returns one row (see :func:`row`) per entry, in order; ``on_row(row)`` is called as
    each one arrives.
    """
    rows: list[dict] = []
    worker: _Worker | None = None
    try:
        for entry in entries:
            if worker is None:
                worker = _Worker(Path(path))
            worker.conn.send(ENTRIES.index(entry))
            try:
                answered = worker.conn.poll(timeout)
                result = worker.conn.recv() if answered else None
            except (EOFError, OSError):
                code = worker.process.exitcode
                result = row(entry, ERROR, f"the student's code ended the process (exit {code})")
                worker.kill()
                worker = None
            if result is None:
                result = row(
                    entry,
                    ERROR,
                    f"timed out after {timeout:g} s (an endless loop, or far too slow "
                    "for these small inputs)",
                )
                worker.kill()
                worker = None
            rows.append(result)
            if on_row is not None:
                on_row(result)
    finally:
        if worker is not None:
            worker.stop()
    return rows
