"""Which recorded runs predate a change to the code they ran: ``cs231n results --stale``.

A *source* of records is a notebook (``assignment*/*.ipynb``) or a benchmark script
(``benchmarks/*.py``); its records are the group of its file stem (``results/knn.json`` for
``knn.ipynb``). Its numbers depend on the package modules its code imports, followed
transitively through the package (:func:`cs231n.tooling.modules.import_closure`), including the
packages' ``__init__.py``. The source is **stale** when any of these holds:

* it has no records at all: nothing ties its committed outputs to a commit, so they cannot be
  shown current (every notebook and benchmark is expected to record its headline numbers);
* a record carries no commit (recorded before records carried one), or a commit this
  repository does not know;
* a module file it depends on changed between a record's commit and ``HEAD``;
* a record was made while such a file had uncommitted changes, or such a file has
  uncommitted changes now.

Changes to the notebook itself are not counted: its outputs are committed after the run. Only
full-run records count; quick ones never reach ``results/``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from cs231n.paths import REPO_ROOT
from cs231n.results import RESULTS_ENV, load_group
from cs231n.tooling import gitinfo
from cs231n.tooling.modules import PACKAGE, import_closure, imported_names, package_modules
from cs231n.tooling.runner import discover_notebooks

BENCHMARK_GLOB = "benchmarks/*.py"


@dataclasses.dataclass
class Freshness:
    """Whether one source's records still describe the code.

    Attributes:
        source: the notebook or benchmark script.
        group: its results group (the file stem).
        files: the package files its numbers depend on, repository-relative, sorted.
        commits: the distinct commits its records carry, sorted.
        reasons: why it is stale, one sentence each; empty when it is up to date.
    """

    source: Path
    group: str
    files: list[str]
    commits: list[str]
    reasons: list[str]

    @property
    def stale(self) -> bool:
        return bool(self.reasons)


def sources(repo_root: str | os.PathLike | None = None) -> list[Path]:
    """The notebooks, then the benchmark scripts, of ``repo_root`` (default: ours)."""
    root = Path(repo_root) if repo_root is not None else REPO_ROOT
    return discover_notebooks(root) + sorted(p for p in root.glob(BENCHMARK_GLOB) if p.is_file())


def _imports_of(path: Path) -> set[str]:
    if path.suffix != ".ipynb":
        return imported_names(path.read_text(encoding="utf-8"))
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    names: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") == "code":
            names |= imported_names("".join(cell.get("source", "")))
    return names


def _short(files: list[str], limit: int = 4) -> str:
    shown = ", ".join(files[:limit])
    return shown + (f" and {len(files) - limit} more" if len(files) > limit else "")


def freshness(
    source: str | os.PathLike,
    *,
    results_dir: str | os.PathLike | None = None,
    repo_root: str | os.PathLike | None = None,
    modules: dict[str, Path] | None = None,
) -> Freshness:
    """Check one source against its records (see the module docstring for the rules).

    Args:
        source: a notebook or benchmark script of ``repo_root``.
        results_dir: folder of the records (default ``$CS231N_RESULTS_DIR``, else
            ``<repo_root>/results``).
        repo_root: the git checkout holding the package (default: ours).
        modules: :func:`cs231n.tooling.modules.package_modules` of ``<repo_root>/cs231n``.
    """
    root = Path(repo_root) if repo_root is not None else REPO_ROOT
    source = Path(source)
    if results_dir is None:
        results_dir = os.environ.get(RESULTS_ENV) or root / "results"
    results = Path(results_dir)
    modules = package_modules(root / PACKAGE) if modules is None else modules
    used = import_closure(_imports_of(source), modules)
    files = sorted(modules[m].resolve().relative_to(root.resolve()).as_posix() for m in used)
    records = [
        r for r in load_group(results / f"{source.stem}.json").values() if not r.get("quick")
    ]
    commits = sorted({r["commit"] for r in records if r.get("commit")})
    out = Freshness(source=source, group=source.stem, files=files, commits=commits, reasons=[])
    reasons = out.reasons
    if not records:
        reasons.append(f"no records in {source.stem}.json: nothing says which code it ran")
        return out
    if gitinfo.head_commit(root) is None:
        reasons.append(f"{root} is not a git checkout: cannot compare commits")
        return out
    missing = sum(1 for r in records if not r.get("commit"))
    if missing:
        reasons.append(f"{missing} of {len(records)} records carry no commit")
    if not files:
        return out
    for commit in commits:
        changed = gitinfo.changed_since(root, commit, files)
        if changed is None:
            reasons.append(f"commit {commit[:10]} is not in this repository's history")
        elif changed:
            reasons.append(f"changed since {commit[:10]}: {_short(changed)}")
    dirty_then = sorted({f for r in records for f in (r.get("dirty_files") or []) if f in files})
    if dirty_then:
        reasons.append(f"recorded with uncommitted changes to {_short(dirty_then)}")
    dirty_now = gitinfo.uncommitted_files(root, files) or []
    if dirty_now:
        reasons.append(f"uncommitted changes to {_short(dirty_now)}")
    return out


def check_all(
    results_dir: str | os.PathLike | None = None, repo_root: str | os.PathLike | None = None
) -> list[Freshness]:
    """:func:`freshness` of every source of ``repo_root``, in :func:`sources` order."""
    root = Path(repo_root) if repo_root is not None else REPO_ROOT
    modules = package_modules(root / PACKAGE)
    return [
        freshness(s, results_dir=results_dir, repo_root=root, modules=modules)
        for s in sources(root)
    ]


def stale_text(report: list[Freshness], repo_root: str | os.PathLike | None = None) -> str:
    """What ``cs231n results --stale`` prints: each stale source with its reasons, then a
    count (or one line saying that every source is up to date)."""
    root = Path(repo_root) if repo_root is not None else REPO_ROOT
    stale = [f for f in report if f.stale]
    if not stale:
        return f"All {len(report)} notebooks and benchmarks are up to date with their records."
    lines = []
    for f in stale:
        try:
            shown = f.source.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            shown = str(f.source)
        lines.append(f"{shown}: stale")
        lines += [f"  - {reason}" for reason in f.reasons]
    lines.append(f"{len(stale)} of {len(report)} notebooks and benchmarks are stale: rerun them.")
    return "\n".join(lines)
