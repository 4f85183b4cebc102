"""The package's import graph and the README module map (:mod:`cs231n.tooling.modules`)."""

import re

from cs231n.paths import REPO_ROOT
from cs231n.tooling import cli
from cs231n.tooling.modules import (
    MAP_END,
    MAP_START,
    import_closure,
    imported_names,
    is_official,
    module_map,
    official_modules,
    package_modules,
)


def readme_block():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count(MAP_START) == 1 and text.count(MAP_END) == 1
    return text[text.index(MAP_START) + len(MAP_START) : text.index(MAP_END)].strip()


def test_the_readme_module_map_is_the_generated_one():
    assert readme_block() == module_map(), (
        "README.md's module map is out of date: run `cs231n modules --write-readme`"
    )


def test_the_module_map_lists_every_module_file_and_nothing_else():
    listed = set(re.findall(r"^\| `([^`]+)` \|", readme_block(), re.MULTILINE))
    files = {
        p.relative_to(REPO_ROOT).as_posix()
        for p in (REPO_ROOT / "cs231n").rglob("*")
        if p.suffix in (".py", ".pyx") and p.name != "__init__.py" and "__pycache__" not in p.parts
    }
    packages = {
        p.parent.relative_to(REPO_ROOT).as_posix() + "/"
        for p in (REPO_ROOT / "cs231n").rglob("__init__.py")
    }
    assert listed == files | packages


def test_course_or_ours_follows_one_rule():
    official = official_modules()
    assert is_official("cs231n.layers", official)
    assert is_official("cs231n.classifiers.fc_net", official)
    assert is_official("cs231n.im2col_cython", official)  # the official compiled module's path
    assert not is_official("cs231n.kernels.im2col_cython", official)
    assert not is_official("cs231n.results", official)
    rows = dict(re.findall(r"^\| `([^`]+)` \| (course|ours) \|", module_map(), re.MULTILINE))
    assert rows["cs231n/layers.py"] == "course" and rows["cs231n/tooling/cli.py"] == "ours"


def test_the_map_reads_docstrings_and_flags_a_missing_one(tmp_path):
    pkg = tmp_path / "cs231n"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Top.\n\nMore text."""\n')
    (pkg / "layers.py").write_text('"""Layers: ``affine`` and :mod:`cs231n.sub`\nwrapped."""\n')
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "k.pyx").write_text('# cython: language_level=3\n"""Compiled | fast."""\n')
    assert module_map(pkg, manifest=tmp_path / "none.json").splitlines() == [
        "| module | whose | what it holds |",
        "|---|---|---|",
        "| `cs231n/` | ours | Top. |",
        "| `cs231n/layers.py` | course | Layers: `affine` and `cs231n.sub` wrapped. |",
        "| `cs231n/sub/` | ours | **no docstring** |",
        "| `cs231n/sub/k.pyx` | ours | Compiled \\| fast. |",
    ]


def test_imports_are_found_in_python_cython_and_notebook_cells():
    assert imported_names("import cs231n.a as x, os\nfrom cs231n.b import c, d as e\n") == {
        "cs231n.a",
        "cs231n.b",
        "cs231n.b.c",
        "cs231n.b.d",
    }
    assert imported_names("%time x = 1\nfrom cs231n import layers\n") == {
        "cs231n",
        "cs231n.layers",
    }
    cython = "cimport numpy as np\nfrom cs231n.kernels.backend import pick  # why\n"
    assert imported_names(cython + "cdef int i\n") == {
        "cs231n.kernels.backend",
        "cs231n.kernels.backend.pick",
    }


def test_the_closure_follows_the_package_and_its_init_files():
    modules = package_modules()
    used = import_closure(["cs231n.fast_layers"], modules)
    assert {"cs231n", "cs231n.kernels", "cs231n.kernels.backend", "cs231n.im2col"} <= used
    assert "cs231n.solver" not in used


def test_modules_command_prints_and_writes_the_map(tmp_path, capsys):
    assert cli.main(["modules"]) == 0
    assert capsys.readouterr().out.strip() == module_map()
    readme = tmp_path / "README.md"
    readme.write_text(f"# R\n{MAP_START}\nold\n{MAP_END}\nend\n")
    assert cli.main(["modules", "--write-readme", "--readme", str(readme)]) == 0
    assert readme.read_text() == f"# R\n{MAP_START}\n\n{module_map()}\n\n{MAP_END}\nend\n"
    readme.write_text("# no markers\n")
    assert cli.main(["modules", "--write-readme", "--readme", str(readme)]) == 1
    assert "no <!-- modules:start -->" in capsys.readouterr().err


def test_the_fallback_list_is_the_manifest_without_the_classifiers(tmp_path):
    manifest = official_modules()
    without = official_modules(tmp_path / "missing.json")
    assert {m for m in manifest if not m.startswith("cs231n.classifiers")} == without
