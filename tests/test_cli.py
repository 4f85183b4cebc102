"""The ``cs231n`` command (:mod:`cs231n.tooling.cli`) and the results table of
:mod:`cs231n.tooling.report`. Nothing here starts a kernel: see test_notebooks.py."""

import json
import re
import subprocess
import sys
import types

import pytest

from cs231n.paths import DATA_ENV, REPO_ROOT
from cs231n.quick import QUICK_ENV
from cs231n.results import RESULTS_ENV
from cs231n.tooling import cli
from cs231n.tooling.report import README_END, README_START, results_table, update_readme
from cs231n.tooling.runner import (
    discover_notebooks,
    kernel_env,
    resolve_notebooks,
    run_notebook,
)


def write_records(folder, group, records):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{group}.json").write_text(json.dumps(records))


def entry(name, value, target=None, higher=True, dataset="CIFAR-10", quick=False):
    met = None if target is None else (value >= target if higher else value <= target)
    return {
        "name": name,
        "value": value,
        "target": target,
        "higher_is_better": higher,
        "met": met,
        "dataset": dataset,
        "when": "2026-11-21T21:30:05+00:00",
        "quick": quick,
    }


# ----------------------------------------------------------------------------- help and parsing


@pytest.mark.parametrize(
    "argv, words",
    [
        ([], ["data", "run", "results"]),
        (["data"], ["list", "fetch", "verify"]),
        (["data", "fetch"], ["NAME"]),
        (["data", "verify"], ["NAME"]),
        (["run"], ["--quick", "--timeout", "--kernel", "NOTEBOOK", "CS231N_QUICK"]),
        (["results"], ["--dir", "--write-readme"]),
        (["results"], ["--stale"]),
        (["modules"], ["--write-readme", "--readme"]),
    ],
)
def test_every_command_has_help(capsys, argv, words):
    with pytest.raises(SystemExit) as exc:
        cli.main([*argv, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for word in words:
        assert word in out, f"'cs231n {' '.join(argv)} --help' does not mention {word!r}"


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_python_dash_m_cs231n_is_the_same_command():
    proc = subprocess.run(
        [sys.executable, "-m", "cs231n", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage: cs231n run" in proc.stdout


# ----------------------------------------------------------------------------- data


@pytest.fixture
def fake_datasets(monkeypatch):
    """A stand-in cs231n.tooling.data_commands that records how the CLI called it."""
    calls = []
    mod = types.ModuleType("cs231n.tooling.data_commands")
    mod.cli_list = lambda: calls.append(("list",)) or 0
    mod.cli_fetch = lambda names: calls.append(("fetch", names)) or 0
    mod.cli_verify = lambda names: calls.append(("verify", names)) or 3
    monkeypatch.setitem(sys.modules, "cs231n.tooling.data_commands", mod)
    return calls


def test_data_commands_call_the_datasets_module(fake_datasets):
    assert cli.main(["data", "list"]) == 0
    assert cli.main(["data", "fetch", "cifar10", "coco"]) == 0
    assert cli.main(["data", "verify"]) == 3  # its exit code is passed through
    assert cli.main(["data", "verify", "mnist"]) == 3
    assert fake_datasets == [
        ("list",),
        ("fetch", ["cifar10", "coco"]),
        ("verify", None),  # no name: verify everything present
        ("verify", ["mnist"]),
    ]


def test_data_fetch_needs_a_name(fake_datasets, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["data", "fetch"])
    assert exc.value.code == 2
    assert fake_datasets == []


def test_data_without_the_datasets_module_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "cs231n.tooling.data_commands", None)  # makes the import fail
    assert cli.main(["data", "list"]) == 2
    assert "cs231n.tooling.data_commands is not available" in capsys.readouterr().err


# ----------------------------------------------------------------------------- run: arguments


def test_run_on_a_missing_notebook_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "assignment9" / "nope.ipynb"
    assert cli.main(["run", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "nope.ipynb" in err and "does not exist" in err


def test_run_rejects_a_file_that_is_not_a_notebook(tmp_path, capsys):
    script = tmp_path / "train.py"
    script.write_text("print(1)\n")
    assert cli.main(["run", str(script)]) == 2
    assert "not a notebook" in capsys.readouterr().err


def test_discovery_finds_assignment_notebooks_only(tmp_path):
    for rel in [
        "assignment1/knn.ipynb",
        "assignment1/svm.ipynb",
        "assignment2/BatchNormalization.ipynb",
        "assignment1/.ipynb_checkpoints/knn-checkpoint.ipynb",
        "notes/scratch.ipynb",
        "assignment1/README.md",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    found = [p.relative_to(tmp_path).as_posix() for p in discover_notebooks(tmp_path)]
    assert found == [
        "assignment1/knn.ipynb",
        "assignment1/svm.ipynb",
        "assignment2/BatchNormalization.ipynb",
    ]
    # A folder argument means the notebooks directly inside it.
    inside = resolve_notebooks([tmp_path / "assignment1"])
    assert [p.name for p in inside] == ["knn.ipynb", "svm.ipynb"]
    # No argument means every notebook of the repository.
    assert resolve_notebooks([]) == discover_notebooks(REPO_ROOT)


def test_run_list_prints_the_notebooks_without_running_them(tmp_path, capsys):
    for name in ["b.ipynb", "a.ipynb"]:
        (tmp_path / name).write_text("not even json: listing must not open it")
    assert cli.main(["run", str(tmp_path), "--list"]) == 0
    out = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[-1] for p in out] == ["a.ipynb", "b.ipynb"]


def test_kernel_env_switches_quick_mode_explicitly(tmp_path, monkeypatch):
    monkeypatch.setenv(QUICK_ENV, "1")  # as if the user's shell exported it
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    full = kernel_env(quick=False)
    assert QUICK_ENV not in full and RESULTS_ENV not in full
    quick = kernel_env(quick=True, results_dir=tmp_path / "res")
    assert quick[QUICK_ENV] == "1"
    assert quick[RESULTS_ENV] == str(tmp_path / "res")


def test_kernel_env_makes_a_relative_data_folder_absolute(tmp_path, monkeypatch):
    # The kernel runs in the notebook's folder: "../shared/datasets" must still
    # mean the folder the user meant from where they typed the command.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DATA_ENV, "data")
    assert kernel_env(quick=True)[DATA_ENV] == str(tmp_path.resolve() / "data")


def test_a_quick_run_refuses_to_overwrite_the_notebook(tmp_path):
    nb = tmp_path / "knn.ipynb"
    nb.write_text("{}")
    with pytest.raises(ValueError, match="overwrite"):
        run_notebook(nb, quick=True, output_dir=tmp_path, progress=False)
    assert nb.read_text() == "{}"


def test_an_unreadable_notebook_fails_alone_without_starting_a_kernel(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ this is not JSON")
    assert cli.main(["run", str(broken), "--quick", "--output-dir", str(tmp_path / "out")]) == 1
    out, err = capsys.readouterr()
    assert "broken.ipynb: cannot read the notebook" in err
    assert "0 passed, 1 failed, 1 notebook(s)" in out
    assert broken.read_text() == "{ this is not JSON"


def test_a_folder_without_notebooks_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no \\*.ipynb"):
        resolve_notebooks([tmp_path])


# ----------------------------------------------------------------------------- results table


def test_results_table_has_one_row_per_record(tmp_path):
    write_records(tmp_path, "svm", {"val_acc": entry("val_acc", 0.3812, 0.39)})
    write_records(
        tmp_path,
        "knn",
        {
            "k_best_test_acc": entry("k_best_test_acc", 0.2871, 0.28),
            "dist_err": entry("dist_err", 1.5e-12, 1e-7, higher=False, dataset="a | b"),
            "timing": entry("timing", 12.3456789),
        },
    )
    lines = results_table(tmp_path).splitlines()
    assert lines[0] == "| notebook | metric | value | target | met? | dataset | when (UTC) |"
    assert lines[1] == "|---|---|---|---|---|---|---|"
    assert lines[2:] == [
        # groups sorted by name, records in file order
        "| knn | k_best_test_acc | 0.2871 | ≥ 0.28 | yes | CIFAR-10 | 2026-11-21 21:30 |",
        "| knn | dist_err | 1.5e-12 | ≤ 1e-07 | yes | a \\| b | 2026-11-21 21:30 |",
        "| knn | timing | 12.35 | — | — | CIFAR-10 | 2026-11-21 21:30 |",
        "| svm | val_acc | 0.3812 | ≥ 0.39 | **no** | CIFAR-10 | 2026-11-21 21:30 |",
    ]


def test_results_table_targets_only_keeps_headline_rows_and_counts_the_rest(tmp_path):
    """The README's view: records with a target, then one line about the others."""
    write_records(
        tmp_path,
        "knn",
        {
            "k_best_test_acc": entry("k_best_test_acc", 0.2871, 0.28),
            "timing": entry("timing", 12.3456789),
            "sweep": entry("sweep", 0.5),
        },
    )
    lines = results_table(tmp_path, targets_only=True).splitlines()
    assert lines[2:3] == [
        "| knn | k_best_test_acc | 0.2871 | ≥ 0.28 | yes | CIFAR-10 | 2026-11-21 21:30 |"
    ]
    assert lines[3] == ""
    assert lines[4].startswith("2 more records without a target")
    assert len(results_table(tmp_path).splitlines()) == 5  # the full view: header + 3 rows


def test_results_table_groups_keeps_only_the_named_groups(tmp_path):
    """A notebook renders its own records: other groups are left out and not counted."""
    write_records(tmp_path, "knn", {"a": entry("a", 0.25, 0.2)})
    write_records(tmp_path, "svm", {"b": entry("b", 0.35, 0.3)})
    lines = results_table(tmp_path, groups={"svm"}).splitlines()
    assert len(lines) == 3 and lines[2].startswith("| svm | b | 0.35 |")
    assert "No results recorded yet" in results_table(tmp_path, groups={"softmax"})


def test_results_table_flags_quick_records_and_handles_no_records(tmp_path):
    assert "No results recorded yet" in results_table(tmp_path)
    write_records(tmp_path, "g", {"m": entry("m", 1.0, quick=True)})
    assert "(quick run)" in results_table(tmp_path)


def test_results_table_names_a_broken_file(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ValueError, match="broken.json"):
        results_table(tmp_path)


def test_results_command_prints_the_table(tmp_path, capsys, monkeypatch):
    write_records(tmp_path, "knn", {"acc": entry("acc", 0.29, 0.28)})
    assert cli.main(["results", "--dir", str(tmp_path)]) == 0
    assert "| knn | acc | 0.29 | ≥ 0.28 | yes |" in capsys.readouterr().out
    # Without --dir it reads $CS231N_RESULTS_DIR (else the repository's results/).
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    assert cli.main(["results"]) == 0
    assert "| knn | acc |" in capsys.readouterr().out


README = """# cs231n

Intro.

## Results
{start}
old table
{end}

## Licence
Unlicense.
"""


def test_update_readme_replaces_only_the_text_between_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README.format(start=README_START, end=README_END))
    readme.chmod(0o644)
    table = "| a | b |\n|---|---|\n| 1 | 2 |"
    assert update_readme(readme, table) is True
    expected = README.format(start=README_START, end=README_END).replace(
        "old table",
        f"\n{table}\n",  # blank lines around the table
    )
    assert readme.read_text() == expected
    assert readme.stat().st_mode & 0o777 == 0o644  # the atomic rename keeps permissions
    # Idempotent: a second update with the same table changes nothing.
    assert update_readme(readme, table) is True
    assert readme.read_text() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]


def test_update_readme_without_markers_leaves_the_file_alone(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers here\n")
    before = readme.stat().st_mtime_ns
    assert update_readme(readme, "| t |") is False
    assert readme.read_text() == "# no markers here\n"
    assert readme.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "text",
    [
        f"{README_END}\n{README_START}\n",  # reversed
        f"{README_START}\n{README_START}\n{README_END}\n",  # twice
        f"{README_START}\nno end\n",
    ],
)
def test_update_readme_refuses_malformed_markers(tmp_path, text):
    readme = tmp_path / "README.md"
    readme.write_text(text)
    with pytest.raises(ValueError, match="results:"):
        update_readme(readme, "| t |")
    assert readme.read_text() == text


def test_results_write_readme_reports_missing_markers(tmp_path, capsys):
    write_records(tmp_path / "res", "knn", {"acc": entry("acc", 0.29, 0.28)})
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    argv = ["results", "--dir", str(tmp_path / "res"), "--write-readme", "--readme", str(readme)]
    assert cli.main(argv) == 0
    assert "no <!-- results:start -->" in capsys.readouterr().out
    assert readme.read_text() == "# no markers\n"
    readme.write_text(README.format(start=README_START, end=README_END))
    assert cli.main(argv) == 0
    assert "| knn | acc | 0.29 |" in readme.read_text()


# ----------------------------------------------------------------------------- failed runs


def _valid_notebook(path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nbformat.write(new_notebook(cells=[new_code_cell("print(1)")]), path)
    return path


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    """Where tempfile.mkdtemp puts the runner's folders during the test."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


# A kernel that does not exist makes a run fail at its start, without starting any kernel.
NO_KERNEL = "no-such-kernel-for-tests"


@pytest.mark.parametrize("quick", [False, True])
def test_a_failed_run_leaves_nothing_in_the_temp_folder(tmp_path, temp_folder, quick):
    nb = _valid_notebook(tmp_path / "nb.ipynb")
    before = nb.read_bytes()
    run = run_notebook(nb, quick=quick, kernel_name=NO_KERNEL, progress=False)
    assert not run.ok and run.written is None
    assert "partially executed copy not kept; --keep-failed keeps it" in run.error
    assert list(temp_folder.iterdir()) == [], "a failed run left a copy behind"
    assert nb.read_bytes() == before


@pytest.mark.parametrize("quick", [False, True])
def test_keep_failed_keeps_the_copy_and_says_where(tmp_path, temp_folder, quick):
    nb = _valid_notebook(tmp_path / "nb.ipynb")
    run = run_notebook(nb, quick=quick, kernel_name=NO_KERNEL, progress=False, keep_failed=True)
    assert not run.ok and run.written is not None and run.written.is_file()
    assert temp_folder in run.written.parents
    assert f"(partially executed copy kept: {run.written})" in run.error


def test_cli_run_removes_its_quick_folder_when_every_notebook_failed(tmp_path, temp_folder, capsys):
    nb = _valid_notebook(tmp_path / "nb.ipynb")
    args = ["run", str(nb), "--quick", "--kernel", NO_KERNEL, "--no-progress"]
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    assert list(temp_folder.iterdir()) == []
    assert re.search(r"every notebook failed: removed \S+cs231n-quick-\S+ \(--keep-failed", out)
    assert cli.main([*args, "--keep-failed"]) == 1
    out, err = capsys.readouterr()
    (kept,) = temp_folder.iterdir()
    assert (kept / "nb.ipynb").is_file() and f"kept: {kept / 'nb.ipynb'}" in err
    # a folder the user chose is never removed, and gets no failed copy
    out_dir = tmp_path / "mine"
    out_dir.mkdir()
    (out_dir / "notes.txt").write_text("mine")
    assert cli.main([*args[:-1], "--output-dir", str(out_dir), "--no-progress"]) == 1
    assert sorted(p.name for p in out_dir.iterdir()) == ["notes.txt"]
