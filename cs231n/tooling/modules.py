"""The package's modules: what each one imports from the package, and the README module map.

A module is a ``.py`` or ``.pyx`` file under ``cs231n/`` (a package is its ``__init__.py``).
:func:`import_closure` follows ``import cs231n.x`` and ``from cs231n.x import y`` through the
package, which is what ``cs231n results --stale`` needs to know which files a notebook's
numbers depend on. :func:`module_map` writes the "Layout" table of the README, one line per
module, from the first paragraph of each module's docstring; whether a module is the course's
or ours follows one rule (:func:`is_official`).
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from cs231n.paths import REPO_ROOT

PACKAGE = "cs231n"
PACKAGE_ROOT = REPO_ROOT / PACKAGE
#: The official 2020 modules whose ``from <module> import *`` names are pinned.
OFFICIAL_MANIFEST = REPO_ROOT.parent / "shared" / "api" / "official-star-2020.json"
#: Official 2020 module names that the manifest cannot list (compiled extensions export no
#: star names); none of them sits at its official path today, but one that did would be the
#: course's.
OFFICIAL_UNLISTED = frozenset({"cs231n.im2col_cython"})
#: Read when the manifest is not there (an installed copy away from the course machines).
OFFICIAL_FALLBACK = frozenset(
    {
        "cs231n.captioning_solver",
        "cs231n.coco_utils",
        "cs231n.data_utils",
        "cs231n.fast_layers",
        "cs231n.features",
        "cs231n.gan_pytorch",
        "cs231n.gan_tf",
        "cs231n.gradient_check",
        "cs231n.im2col",
        "cs231n.image_utils",
        "cs231n.layer_utils",
        "cs231n.layers",
        "cs231n.net_visualization_pytorch",
        "cs231n.net_visualization_tensorflow",
        "cs231n.optim",
        "cs231n.rnn_layers",
        "cs231n.solver",
        "cs231n.style_transfer_pytorch",
        "cs231n.style_transfer_tensorflow",
        "cs231n.vis_utils",
    }
)
MAP_START = "<!-- modules:start -->"
MAP_END = "<!-- modules:end -->"

# "import cs231n.x as y", "from cs231n.x import a, b", "cimport cs231n.x" in Cython sources.
_IMPORT_LINE = re.compile(
    r"^\s*(?:from\s+(?P<from>cs231n[\w.]*)\s+c?import\s+(?P<names>[^#\n]+)"
    r"|c?import\s+(?P<mods>cs231n[\w.]*(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*))",
    re.MULTILINE,
)


def package_modules(package_root: str | os.PathLike | None = None) -> dict[str, Path]:
    """``{dotted name: file}`` for every module under ``package_root`` (default: ours), sorted.

    ``cs231n/kernels/__init__.py`` is ``cs231n.kernels``; a ``.pyx`` file is the compiled
    module of its name; caches and build outputs (``.c``, ``.so``) are not modules.
    """
    root = Path(package_root) if package_root is not None else PACKAGE_ROOT
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".py", ".pyx") or "__pycache__" in path.parts:
            continue
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return dict(sorted(found.items()))


def _strip_magics(source: str) -> str:
    """A notebook cell without IPython's ``%magic``, ``!shell`` and ``?help`` lines."""
    keep = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(("%", "!", "?")) or stripped.endswith("?"):
            keep.append("")
        else:
            keep.append(line)
    return "\n".join(keep)


def imported_names(source: str) -> set[str]:
    """Every ``cs231n...`` name that ``source`` imports, anywhere (functions included).

    ``from cs231n.a import b`` gives both ``cs231n.a`` and ``cs231n.a.b`` (``b`` may be a
    submodule); :func:`resolve` keeps those that are modules. Relative imports are not
    followed (the package uses absolute ones). Source that is not Python (Cython, or a cell
    with unusual magics) is scanned line by line instead.
    """
    names: set[str] = set()
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        for m in _IMPORT_LINE.finditer(source):
            if m.group("from"):
                base = m.group("from")
                names.add(base)
                for item in m.group("names").strip("() \\").split(","):
                    item = item.split(" as ")[0].strip(" ()\\")
                    if item and item != "*":
                        names.add(f"{base}.{item}")
            else:
                for item in m.group("mods").split(","):
                    names.add(item.split(" as ")[0].strip())
        return {n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return {n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")}


def resolve(names: Iterable[str], modules: dict[str, Path]) -> set[str]:
    """The modules that importing ``names`` loads: each name that is a module, plus the
    packages above it (importing ``cs231n.kernels.backend`` runs ``cs231n/__init__.py`` and
    ``cs231n/kernels/__init__.py``)."""
    out: set[str] = set()
    for name in names:
        if name not in modules:
            continue
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {n for n in out if n in modules}


def import_closure(names: Iterable[str], modules: dict[str, Path] | None = None) -> set[str]:
    """The modules ``names`` import, and those they import in turn, within the package.

    Args:
        names: dotted names (``cs231n.layers``, ``cs231n.classifiers.fc_net``, ...).
        modules: :func:`package_modules` (default: ours).

    Returns:
        The set of module names reached, ``names`` themselves included when they are modules.
    """
    modules = package_modules() if modules is None else modules
    todo = resolve(names, modules)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        seen.add(name)
        source = modules[name].read_text(encoding="utf-8")
        todo |= resolve(imported_names(source), modules) - seen
    return seen


# ----------------------------------------------------------------------------- module map


def official_modules(manifest: str | os.PathLike | None = None) -> frozenset[str]:
    """The course's module names: those of the official star-import manifest (or, without
    it, :data:`OFFICIAL_FALLBACK`), plus :data:`OFFICIAL_UNLISTED`."""
    path = Path(manifest) if manifest is not None else OFFICIAL_MANIFEST
    if path.is_file():
        with open(path, encoding="utf-8") as f:
            listed = frozenset(json.load(f))
    else:
        listed = OFFICIAL_FALLBACK
    return listed | OFFICIAL_UNLISTED


def is_official(name: str, official: frozenset[str]) -> bool:
    """The rule of the module map: a module is the course's when the course has it at this
    dotted path, or when it lives in ``cs231n.classifiers`` (the course's package of models);
    every other module is ours."""
    return (
        name in official or name == "cs231n.classifiers" or name.startswith("cs231n.classifiers.")
    )


def summary_line(path: str | os.PathLike) -> str | None:
    """The first paragraph of a module's docstring, on one line (None without a docstring).

    ``.pyx`` files are read without parsing: their docstring is the first triple-quoted
    string, after the ``# cython:`` directives.
    """
    text = Path(path).read_text(encoding="utf-8")
    doc: str | None
    try:
        doc = ast.get_docstring(ast.parse(text))
    except SyntaxError:
        m = re.match(r'(?:\s*#[^\n]*\n)*\s*(?:r|u)?"""(.*?)"""', text, re.DOTALL)
        doc = m.group(1) if m else None
    if not doc or not doc.strip():
        return None
    line = " ".join(doc.strip().split("\n\n")[0].split())
    # reStructuredText to markdown: :mod:`x` and ``x`` become `x`.
    return re.sub(r":\w+:`([^`]+)`", r"`\1`", line).replace("``", "`")


def module_map(package_root: str | os.PathLike | None = None, manifest=None) -> str:
    """The README's module map: a markdown table, one row per module, sorted by path.

    Columns: path (relative to the repository; a package is its folder), whose (``course``
    or ``ours``, see :func:`is_official`), what it holds (the docstring's first paragraph;
    **no docstring** when missing).
    """
    modules = package_modules(package_root)
    official = official_modules(manifest)
    rows = ["| module | whose | what it holds |", "|---|---|---|"]
    for name, path in modules.items():
        rel = path.relative_to(path.parents[len(name.split(".")) - (path.stem != "__init__")])
        shown = f"{rel.parent.as_posix()}/" if path.stem == "__init__" else rel.as_posix()
        whose = "course" if is_official(name, official) else "ours"
        what = summary_line(path) or "**no docstring**"
        rows.append(f"| `{shown}` | {whose} | {what.replace('|', chr(92) + '|')} |")
    return "\n".join(rows)
