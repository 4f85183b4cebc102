"""``cs231n results --stale`` (:mod:`cs231n.tooling.staleness`) and the git facts behind it
(:mod:`cs231n.tooling.gitinfo`), on a throwaway git repository with a tiny package."""

import json
import subprocess

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import cs231n.results as results
from cs231n.tooling import cli, gitinfo, report, staleness


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def write_notebook(path, *sources):
    nb = new_notebook(
        cells=[new_markdown_cell(s) if s.startswith("#") else new_code_cell(s) for s in sources]
    )
    write(path, json.dumps(nb))


def commit_all(repo, message):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return gitinfo.head_commit(repo)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository holding a package ``cs231n`` with ``a`` importing ``b``, an unrelated
    ``c``, a notebook importing ``a`` and a benchmark importing ``c``; one commit."""
    root = tmp_path / "repo"
    write(root / "cs231n" / "__init__.py", '"""The package."""\n')
    write(root / "cs231n" / "a.py", '"""A."""\nfrom cs231n.b import f\n')
    write(root / "cs231n" / "b.py", '"""B."""\n\ndef f():\n    return 1\n')
    write(root / "cs231n" / "c.py", '"""C."""\n')
    write(root / "cs231n" / "sub" / "__init__.py", "")
    write(root / "cs231n" / "sub" / "d.py", '"""D."""\n')
    write_notebook(
        root / "assignment1" / "nb.ipynb",
        "# A notebook",
        "%matplotlib inline\nimport numpy as np\nfrom cs231n import a",
        "!echo not python\nx = a.f()",
    )
    write(root / "benchmarks" / "bench.py", "import cs231n.c\n")
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    commit_all(root, "package")
    # Records of this repository: the package's REPO_ROOT points at it.
    monkeypatch.setattr(results, "REPO_ROOT", root)
    monkeypatch.delenv(results.RESULTS_ENV, raising=False)
    monkeypatch.delenv("CS231N_QUICK", raising=False)
    return root


def status(root):
    return {f.group: f for f in staleness.check_all(repo_root=root)}


def test_a_notebook_depends_on_the_modules_it_imports_transitively(repo):
    found = status(repo)
    assert found["nb"].files == ["cs231n/__init__.py", "cs231n/a.py", "cs231n/b.py"]
    assert found["bench"].files == ["cs231n/__init__.py", "cs231n/c.py"]


def test_without_records_every_source_is_stale(repo):
    found = status(repo)
    assert found["nb"].stale and "no records" in found["nb"].reasons[0]
    assert found["bench"].stale


def test_records_without_a_commit_are_stale(repo):
    write(repo / "results" / "nb.json", json.dumps({"acc": {"name": "acc", "value": 1.0}}))
    assert status(repo)["nb"].reasons == ["1 of 1 records carry no commit"]


def test_a_record_is_current_until_a_module_it_imports_changes(repo):
    head = gitinfo.head_commit(repo)
    entry = results.record("nb", "acc", 0.5, dataset="d", target=0.4)
    assert entry["commit"] == head and entry["dirty"] is False and entry["dirty_files"] == []
    results.record("bench", "ratio", 1.0, dataset="d", kind="timing")
    commit_all(repo, "records")
    assert not status(repo)["nb"].stale and not status(repo)["bench"].stale
    # An unrelated module changes: the notebook stays current, the benchmark does not.
    write(repo / "cs231n" / "c.py", '"""C, changed."""\n')
    assert not status(repo)["nb"].stale
    assert status(repo)["bench"].reasons == ["uncommitted changes to cs231n/c.py"]
    commit_all(repo, "change c")
    assert status(repo)["bench"].reasons == [f"changed since {head[:10]}: cs231n/c.py"]
    # A module the notebook reaches through another one changes.
    write(repo / "cs231n" / "b.py", '"""B, changed."""\n')
    assert status(repo)["nb"].reasons == ["uncommitted changes to cs231n/b.py"]
    commit_all(repo, "change b")
    assert status(repo)["nb"].reasons == [f"changed since {head[:10]}: cs231n/b.py"]
    # Rerun: current again.
    results.record("nb", "acc", 0.5, dataset="d", target=0.4)
    assert not status(repo)["nb"].stale


def test_a_record_made_with_uncommitted_changes_stays_stale(repo):
    write(repo / "cs231n" / "a.py", '"""A, edited."""\nfrom cs231n.b import f\n')
    entry = results.record("nb", "acc", 0.5, dataset="d")
    assert entry["dirty"] is True and entry["dirty_files"] == ["cs231n/a.py"]
    commit_all(repo, "edit a")
    reasons = status(repo)["nb"].reasons
    assert "recorded with uncommitted changes to cs231n/a.py" in reasons


def test_an_unknown_commit_is_stale(repo):
    record = {"name": "acc", "value": 1.0, "commit": "0" * 40}
    write(repo / "results" / "nb.json", json.dumps({"acc": record}))
    assert status(repo)["nb"].reasons == ["commit 0000000000 is not in this repository's history"]


def test_outside_a_git_checkout_records_say_none(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "REPO_ROOT", tmp_path)
    monkeypatch.setenv(results.RESULTS_ENV, str(tmp_path / "out"))
    entry = results.record("g", "m", 1.0, dataset="d")
    assert entry["commit"] is None and entry["dirty"] is None and entry["dirty_files"] is None
    # A folder inside a checkout is not the checkout: its HEAD is not the package's commit.
    assert gitinfo.head_commit(tmp_path / "missing") is None


def test_stale_command_and_readme_table_mark_stale_notebooks(repo, monkeypatch, capsys):
    results.record("nb", "acc", 0.5, dataset="d", target=0.4)
    results.record("bench", "ratio", 1.0, dataset="d", target=2.0, kind="timing")
    commit_all(repo, "records")
    monkeypatch.setattr(staleness, "REPO_ROOT", repo)
    assert cli.main(["results", "--stale"]) == 0
    assert "are up to date" in capsys.readouterr().out
    table = report.readme_table(repo_root=repo)
    assert "| nb | acc | 0.5 | ≥ 0.4 | yes | d |" in table and table.splitlines()[2].endswith(
        "| current |"
    )
    assert "bench" not in table.splitlines()[2:3][0]  # benchmarks are not headline rows
    assert "`bench.json` (1)" in table
    write(repo / "cs231n" / "b.py", '"""B, changed."""\n')
    assert cli.main(["results", "--stale"]) == 1
    out = capsys.readouterr().out
    assert "assignment1/nb.ipynb: stale\n  - uncommitted changes to cs231n/b.py" in out
    assert "1 of 2 notebooks and benchmarks are stale" in out
    table = report.readme_table(repo_root=repo)
    assert table.splitlines()[2].endswith("| **stale** |")
    assert "`cs231n results --stale` says which" in table
