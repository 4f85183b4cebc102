"""The code stays lint-clean and formatted: ruff, configured in pyproject.toml."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cs231n.paths import REPO_ROOT

CODE = ["cs231n", "tests", "benchmarks", "setup.py"]


def _ruff() -> list[str]:
    exe = Path(sys.executable).with_name("ruff")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: it is in the dev extras (pip install -e '.[dev]')")
    return [found]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*_ruff(), *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check_code_and_notebooks():
    res = _run("check", *CODE, "assignment1", "assignment2", "assignment3")
    assert res.returncode == 0, f"ruff check found problems:\n{res.stdout}{res.stderr}"


def test_ruff_format():
    res = _run("format", "--check", *CODE)
    assert res.returncode == 0, (
        f"files not formatted (run `ruff format`):\n{res.stdout}{res.stderr}"
    )
