"""The report card of ``cs231n check``: one line per function, a summary, JSON, exit code.

Each row says ``pass``, ``wrong`` (the largest relative error and the input it came from),
``not implemented`` (the starter's placeholder is still there) or ``error`` (the
exception, in one line), and names the note in ``notes/`` that explains the function.
The last line is exactly ``N passed, M failed``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cs231n.grading.manifest import select
from cs231n.results import atomic_write_text

LABELS = {"pass": "PASS", "wrong": "WRONG", "not implemented": "NOT DONE", "error": "ERROR"}


def format_row(row: dict, width: int = 46, note_width: int = 30) -> str:
    """``STATUS  name  note  detail`` on one line (``width``, ``note_width``: of the name
    and note columns)."""
    note = f"{row['note']:<{note_width}}"
    return f"{LABELS[row['status']]:<9}{row['name']:<{width}}{note}{row['detail']}"


def summary(rows: list[dict]) -> str:
    """``N passed, M failed``."""
    passed = sum(r["status"] == "pass" for r in rows)
    return f"{passed} passed, {len(rows) - passed} failed"


def write_json(path: str | Path, student: str | Path, rows: list[dict]) -> None:
    """Write the rows to ``path`` atomically (a temporary file in its folder, then a rename)."""
    path = Path(path)
    passed = sum(r["status"] == "pass" for r in rows)
    data = {"path": str(student), "passed": passed, "failed": len(rows) - passed, "rows": rows}
    atomic_write_text(path, json.dumps(data, indent=1) + "\n")


def check(
    path: str | Path,
    assignment: int | None = None,
    only: list[str] | None = None,
    json_path: str | Path | None = None,
    timeout: float = 10.0,
) -> int:
    """``cs231n check``: grade the student's folder ``path``, print the card, return the exit
    code (0 all passed, 1 something failed, 2 bad arguments)."""
    from cs231n.grading.worker import grade

    def error(message: str) -> int:
        print(f"cs231n check: error: {message}", file=sys.stderr)
        return 2

    folder = Path(path)
    if not (folder / "cs231n").is_dir():
        return error(f"{path} has no cs231n/ folder: give the assignment folder that holds it")
    if timeout <= 0:
        return error(f"--timeout must be positive, got {timeout:g}")
    if json_path is not None and not Path(json_path).parent.is_dir():
        return error(f"--json: folder {Path(json_path).parent} does not exist")
    try:
        entries = select(assignment, only)
    except ValueError as exc:
        return error(str(exc))
    if not entries:
        return error(f"no functions of assignment {assignment} are in the manifest yet")
    print(f"Checking {len(entries)} functions of {folder.resolve()}/cs231n ({timeout:g} s each)")
    width = max(len(e.name) for e in entries) + 2
    note_width = max(len(f"notes/{e.note}") for e in entries) + 2
    print(f"{'RESULT':<9}{'FUNCTION':<{width}}{'NOTE':<{note_width}}DETAIL")

    def show(row: dict) -> None:
        print(format_row(row, width, note_width), flush=True)

    rows = grade(folder, entries, timeout, on_row=show)
    print(summary(rows))
    if json_path is not None:
        write_json(json_path, folder.resolve(), rows)
    return 0 if all(r["status"] == "pass" for r in rows) else 1
