"""Notebooks keep running: every ``assignment*/*.ipynb`` is executed in quick mode
through the same runner as ``cs231n run --quick``, one test per notebook.

The runner itself is tested on tiny notebooks written into ``tmp_path``. Each
test here starts Jupyter kernels (a second or more each), so they are few.
"""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cs231n.paths import REPO_ROOT
from cs231n.quick import QUICK_ENV
from cs231n.results import RESULTS_ENV
from cs231n.tooling import cli
from cs231n.tooling.runner import discover_notebooks, run_notebook

pytestmark = pytest.mark.notebook

NOTEBOOKS = discover_notebooks()
# Seconds allowed per cell in quick mode; a cell that needs more is not quick.
QUICK_CELL_TIMEOUT = 300


def snapshot(folder):
    """{relative path: bytes} of every file under ``folder`` (empty if absent)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def write_notebook(path, *cells):
    """A notebook of markdown ("# ...") and code cells, saved without outputs."""
    nb = new_notebook(
        cells=[new_markdown_cell(c) if c.startswith("#") else new_code_cell(c) for c in cells]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def stdout_of(nb, index):
    return "".join(o.get("text", "") for o in nb.cells[index].outputs if o.output_type == "stream")


@pytest.mark.parametrize(
    "notebook",
    [pytest.param(p, id=str(p.relative_to(REPO_ROOT)), marks=pytest.mark.data) for p in NOTEBOOKS]
    or [pytest.param(None, id="no-notebooks-yet")],
)
def test_notebook_runs_in_quick_mode(notebook, tmp_path, request):
    if notebook is None:
        # Until the assignments have notebooks, check that discovery agrees.
        assert list(REPO_ROOT.glob("assignment*/*.ipynb")) == []
        return
    request.getfixturevalue("real_data")  # notebooks read the real data (skip locally if unset)
    committed = notebook.read_bytes()
    repo_results = snapshot(REPO_ROOT / "results")
    run = run_notebook(
        notebook, quick=True, output_dir=tmp_path, timeout=QUICK_CELL_TIMEOUT, progress=False
    )
    print(f"{notebook.relative_to(REPO_ROOT)}: {run.seconds:.1f} s in quick mode (machine shared)")
    assert run.ok, run.error
    assert notebook.read_bytes() == committed, "a quick run must not touch the committed notebook"
    assert snapshot(REPO_ROOT / "results") == repo_results, "a quick run wrote into results/"


def test_quick_run_leaves_the_notebook_and_results_alone(tmp_path, monkeypatch):
    monkeypatch.delenv(QUICK_ENV, raising=False)  # the runner, not our shell, turns it on
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    nb_path = write_notebook(
        tmp_path / "assignment0" / "tiny.ipynb",
        "# A tiny notebook",
        "import os\nfrom cs231n.quick import is_quick, pick\nprint(is_quick(), pick(1000, quick=3))",
        "print(os.getcwd())",
        "from cs231n.results import record\nrecord('tiny_notebook_test', 'n', pick(1000, quick=3),"
        " dataset='none', target=2)",
    )
    committed = nb_path.read_bytes()
    repo_results = snapshot(REPO_ROOT / "results")

    run = run_notebook(nb_path, quick=True, output_dir=tmp_path / "out", progress=False)

    assert run.ok, run.error
    assert run.quick and run.error is None and run.cell_index is None
    assert nb_path.read_bytes() == committed
    assert snapshot(REPO_ROOT / "results") == repo_results
    # The executed copy went to the output folder, with the kernel's outputs.
    assert run.written == tmp_path / "out" / "tiny.ipynb"
    executed = nbformat.read(run.written, as_version=4)
    assert stdout_of(executed, 1) == "True 3\n", "the kernel did not see quick mode"
    assert stdout_of(executed, 2).strip() == str(nb_path.parent), "kernel cwd != notebook folder"
    # The record went to the run's own results folder, marked as quick.
    assert run.results_dir == tmp_path / "out" / "results"
    saved = json.loads((run.results_dir / "tiny_notebook_test.json").read_text())
    assert saved["n"]["value"] == 3 and saved["n"]["quick"] is True and saved["n"]["met"] is True


def test_full_run_writes_in_place_and_a_failure_is_reported(tmp_path, monkeypatch, capsys):
    # Under a shell that exported quick mode, `cs231n run` would run quick: unset it.
    monkeypatch.delenv(QUICK_ENV, raising=False)
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "results"))
    good = write_notebook(
        tmp_path / "good.ipynb",
        "from cs231n.quick import is_quick\nprint('quick:', is_quick())",
        "from cs231n.results import record\nrecord('good', 'answer', 42, dataset='none', target=40)",
    )
    bad = write_notebook(
        tmp_path / "bad.ipynb",
        "# Fails in its third cell (index 2)",
        "x = 1",
        "raise ValueError('boom ' + str(x))",
        "print('never reached')",
    )
    bad_before = bad.read_bytes()
    readme = tmp_path / "README.md"
    readme.write_text("# R\n<!-- results:start -->\n<!-- results:end -->\n")

    code = cli.main(["run", str(bad), str(good), "--readme", str(readme), "--no-progress"])
    out, err = capsys.readouterr()

    assert code == 1, "a failing notebook must fail the run"
    assert "bad.ipynb: cell 2 failed" in err
    assert "ValueError: boom 1" in err  # the kernel's traceback is shown
    assert bad.read_bytes() == bad_before, "a failed notebook must be left untouched"
    # The other notebook still ran, in full mode, and was written in place.
    executed = nbformat.read(good, as_version=4)
    assert stdout_of(executed, 0) == "quick: False\n"
    assert executed.cells[1].execution_count == 2
    # The summary lists both; the README table shows the full run's record.
    assert "1 passed, 1 failed, 2 notebook(s)" in out
    assert "| good | answer | 42 | ≥ 40 | yes | none |" in readme.read_text()


def test_a_cell_over_the_timeout_fails_the_notebook(tmp_path, monkeypatch):
    monkeypatch.delenv(QUICK_ENV, raising=False)
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "results"))
    slow = write_notebook(
        tmp_path / "slow.ipynb", "# Sleeps far too long", "import time", "time.sleep(600)"
    )
    before = slow.read_bytes()
    run = run_notebook(slow, timeout=3, progress=False)
    assert not run.ok and run.cell_index == 2
    head = run.error.splitlines()[0]  # the line the summary shows
    assert "slow.ipynb: cell 2 failed" in head and "CellTimeoutError: A cell timed out" in head
    assert run.seconds < 120, "the kernel should be stopped once the cell times out"
    assert slow.read_bytes() == before
