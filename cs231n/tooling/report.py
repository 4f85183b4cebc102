"""The results table: the recorded numbers as markdown, and the README that shows them.

Headline numbers recorded with :func:`cs231n.results.record` end up in ``results/*.json``;
:func:`results_table` renders them as a markdown table and :func:`update_readme` puts that
table between the markers ``<!-- results:start -->`` and ``<!-- results:end -->`` of
README.md (``cs231n run`` after a full run, ``cs231n results --write-readme``). The README's
view, :func:`readme_table`, keeps the headline rows of the notebooks and marks those whose run
is stale (:mod:`cs231n.tooling.staleness`); benchmark detail stays in ``results/`` and
``notes/``. :func:`replace_between` is the marker replacement, shared with the module map.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from cs231n.paths import REPO_ROOT
from cs231n.results import RESULTS_ENV, atomic_write_text, load_group
from cs231n.tooling.machine import describe
from cs231n.tooling.runner import display_path

README_START = "<!-- results:start -->"
README_END = "<!-- results:end -->"


def _cell(text: Any) -> str:
    """Make ``text`` safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _number(x: Any) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return _cell(x)
    return f"{x:.4g}"


def _row(group: str, key: str, entry: dict[str, Any]) -> list[str]:
    """The cells of one record: notebook, metric, value, target, met?, dataset, when."""
    target = entry.get("target")
    if target is None:
        target_text = "—"
    else:
        op = "≥" if entry.get("higher_is_better", True) else "≤"
        target_text = f"{op} {_number(target)}"
    met = entry.get("met")
    met_text = "—" if met is None else ("yes" if met else "**no**")
    dataset = str(entry.get("dataset", ""))
    if entry.get("quick"):
        dataset += " (quick run)"
    if "machine" in entry:  # a timing: the CPU it belongs to
        dataset += f"; {describe(entry['machine'])}"
    when = str(entry.get("when", ""))[:16].replace("T", " ")
    return [group, entry.get("name", key), _number(entry.get("value")), target_text, met_text,
            dataset, when]  # fmt: skip


def results_table(
    results_dir: str | os.PathLike | None = None,
    targets_only: bool = False,
    *,
    groups: Collection[str] | None = None,
    exclude: Collection[str] = (),
    stale: Mapping[str, bool] | None = None,
) -> str:
    """A markdown table of every record in ``results_dir/*.json``.

    Columns: notebook (the record's group, i.e. the file stem), metric, value,
    target (with ``>=`` or ``<=`` from ``higher_is_better``), met?, dataset (for a
    timing also the CPU, see :func:`cs231n.tooling.machine.describe`), when (UTC), and
    with ``stale`` a last column "run" (``current`` or ``**stale**``). Groups are sorted by
    name, records keep their file order. Records from quick runs (which should never reach
    ``results/``) are flagged in the dataset column. Without any record the result is a
    one-line note instead of an empty table.

    Args:
        results_dir: folder of ``*.json`` records (default: ``results/`` of
            the repository, or ``$CS231N_RESULTS_DIR`` when set).
        targets_only: keep only the records that have a target (the headline
            results, as in the README); a last line counts the others.
        groups: only these groups (e.g. a notebook's own records); ``None``: every group.
        exclude: groups to leave out (e.g. the benchmarks); a last line counts their records.
        stale: ``{group: whether its run is stale}``; a group not in it shows "—".

    Raises:
        ValueError: naming the file when one of them is not a JSON object of records.
    """
    if results_dir is None:
        results_dir = os.environ.get(RESULTS_ENV) or REPO_ROOT / "results"
    results_dir = Path(results_dir)
    rows = []
    skipped = 0
    other_groups: dict[str, int] = {}
    for path in sorted(results_dir.glob("*.json")):
        if groups is not None and path.stem not in groups:
            continue
        try:
            group = load_group(path)
        except ValueError as exc:
            raise ValueError(f"results_table: cannot read {path}: {exc}") from exc
        for key, entry in group.items():
            if not isinstance(entry, dict):
                raise ValueError(f"results_table: {path}: record {key!r} is not a JSON object")
            if path.stem in exclude:
                other_groups[path.stem] = other_groups.get(path.stem, 0) + 1
                continue
            if targets_only and entry.get("target") is None:
                skipped += 1
                continue
            row = _row(path.stem, key, entry)
            if stale is not None:
                flag = stale.get(path.stem)
                row.append("—" if flag is None else ("**stale**" if flag else "current"))
            rows.append(row)
    if not rows:
        return (
            f"_No results recorded yet: run `cs231n run` to fill `{display_path(results_dir)}/`._"
        )
    header = ["notebook", "metric", "value", "target", "met?", "dataset", "when (UTC)"]
    if stale is not None:
        header.append("run")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    notes = []
    if skipped:
        notes.append(
            f"{skipped} more records without a target (timings, diagnostics, sweeps) are in "
            f"`{display_path(results_dir)}/`; `cs231n results` prints them all."
        )
    if other_groups:
        listed = ", ".join(f"`{g}.json` ({n})" for g, n in sorted(other_groups.items()))
        notes.append(f"Not shown here: the records of {listed} in `{display_path(results_dir)}/`.")
    if stale is not None and any(stale.get(row[0]) for row in rows):
        notes.append(
            "**stale**: the package code this notebook imports changed since its recorded run, "
            "or the run predates records carrying a commit; `cs231n results --stale` says which."
        )
    for note in notes:
        lines += ["", note]
    return "\n".join(lines)


def readme_table(
    results_dir: str | os.PathLike | None = None, repo_root: str | os.PathLike | None = None
) -> str:
    """The README's results table: headline records (with a target), each marked current or
    stale. Benchmark groups (``benchmarks/*.py``) are left to ``results/`` and ``notes/``."""
    from cs231n.tooling.staleness import BENCHMARK_GLOB, check_all

    root = Path(repo_root) if repo_root is not None else REPO_ROOT
    if results_dir is None:
        results_dir = os.environ.get(RESULTS_ENV) or root / "results"
    benchmarks = {p.stem for p in root.glob(BENCHMARK_GLOB)}
    stale = {f.group: f.stale for f in check_all(results_dir, root)}
    return results_table(results_dir, targets_only=True, exclude=benchmarks, stale=stale)


def replace_between(
    path: str | os.PathLike, start_marker: str, end_marker: str, text: str, who: str
) -> bool:
    """Replace what lies between ``start_marker`` and ``end_marker`` in the file ``path``.

    The markers themselves and everything outside them are kept; the file is
    written atomically and only when its content changes.

    Args:
        who: the caller's name, for error messages.

    Returns:
        True if the markers were found (the file now holds ``text``), False
        if the file has no markers (it is left untouched).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: a marker appears more than once, or the end marker comes
            before the start marker.
    """
    path = Path(path)
    content = path.read_text(encoding="utf-8")
    n_start, n_end = content.count(start_marker), content.count(end_marker)
    if n_start == 0 and n_end == 0:
        return False
    if n_start != 1 or n_end != 1:
        raise ValueError(
            f"{who}: {path} must contain {start_marker!r} and {end_marker!r} exactly once "
            f"each, found {n_start} and {n_end}"
        )
    start = content.index(start_marker) + len(start_marker)
    end = content.index(end_marker)
    if end < start:
        raise ValueError(f"{who}: in {path}, {end_marker!r} comes before {start_marker!r}")
    # Blank lines around the table: some renderers would otherwise read it as
    # part of the HTML block that the comment marker opens.
    new = content[:start] + "\n\n" + text.strip("\n") + "\n\n" + content[end:]
    if new != content:
        atomic_write_text(path, new)
    return True


def update_readme(readme_path: str | os.PathLike, table: str) -> bool:
    """Put ``table`` between the results markers of ``readme_path`` (see
    :func:`replace_between` for the return value and the errors)."""
    return replace_between(readme_path, README_START, README_END, table, who="update_readme")
