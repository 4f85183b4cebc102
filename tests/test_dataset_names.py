"""Every loader names its dataset with a registry constant, and that dataset exists.

The loaders are found from the package itself: every module that calls
``cs231n.paths.require`` is scanned (no ``require`` or ``DatasetNotFoundError`` with a
bare-string dataset name) and its public ``load_*`` / ``get_*`` functions are called on an
empty data folder, where each must raise ``DatasetNotFoundError`` for a dataset of the
registry, with the fetch command for that dataset. A new loader module or function is
picked up without editing this file.
"""

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import cs231n
from cs231n.data.registry import REGISTRY, DatasetName
from cs231n.image_utils import STYLE_IMAGES, resolve_image_path
from cs231n.paths import DatasetNotFoundError

PACKAGE = Path(cs231n.__file__).parent

#: Loaders with required arguments, which the generic call below cannot make; each
#: is either covered by a test of its own here or reads no registry dataset.
NEEDS_ARGUMENTS = {
    "cs231n.data_utils.load_pickle": "reads an open file",
    "cs231n.data_utils.load_CIFAR_batch": "reads the file it is given",
    "cs231n.data_utils.load_models": "reads the folder it is given",
    "cs231n.image_utils.load_image": "test_every_style_image_belongs_to_a_registry_dataset",
    "cs231n.data.tiny_imagenet.load_tiny_imagenet": "tests/test_tiny_imagenet.py",
}
# load_* functions of those modules that read no dataset of the registry
NOT_DATASET_LOADERS = {
    "cs231n.data.squeezenet_weights.load_built": "reads the package's cache folder "
    "(cache_root()), written by build_squeezenet: tests/test_squeezenet.py",
}


def loader_modules() -> list[str]:
    """Dotted names of the package's modules that call ``require`` (paths.py defines it)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "paths.py" and "require(" in path.read_text(encoding="utf-8"):
            rel = path.relative_to(PACKAGE.parent).with_suffix("")
            names.append(".".join(rel.parts))
    return names


def loaders():
    """``(dotted name, function)`` of every public load_*/get_* function of those modules."""
    for modname in loader_modules():
        module = importlib.import_module(modname)
        for name, f in vars(module).items():
            if (
                name.startswith(("load_", "get_"))
                and inspect.isfunction(f)
                and f.__module__ == modname
            ):
                yield f"{modname}.{name}", f


def test_the_name_constants_are_the_registry_keys():
    assert DatasetName.all() == tuple(REGISTRY)
    assert all(REGISTRY[n].name == n for n in DatasetName.all())


def test_the_loader_modules_are_found():
    assert {"cs231n.data_utils", "cs231n.coco_utils", "cs231n.image_utils"} <= set(loader_modules())


@pytest.mark.parametrize("modname", loader_modules())
def test_no_dataset_is_named_by_a_bare_string(modname):
    path = PACKAGE.parent.joinpath(*modname.split(".")).with_suffix(".py")
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        first = node.args[0] if node.args else None
        # require(None, ...) is allowed: a folder that is no dataset of the registry
        if (
            node.func.id == "require"
            and isinstance(first, ast.Constant)
            and first.value is not None
        ):
            bad.append(f"line {node.lineno}: require({node.args[0].value!r}, ...)")
        if node.func.id == "DatasetNotFoundError" and not any(
            k.arg == "dataset" for k in node.keywords
        ):
            bad.append(f"line {node.lineno}: DatasetNotFoundError without dataset=")
    assert bad == [], f"{modname}: use DatasetName constants: {bad}"


def test_every_loader_raises_for_a_registry_dataset_with_its_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "empty"))
    called, skipped = [], []
    for qualname, f in loaders():
        if qualname in NOT_DATASET_LOADERS:
            continue
        if any(
            p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            for p in inspect.signature(f).parameters.values()
        ):
            skipped.append(qualname)
            continue
        with pytest.raises(DatasetNotFoundError) as exc:
            f()
        assert exc.value.dataset in REGISTRY, f"{qualname}: unknown dataset {exc.value.dataset!r}"
        assert f"cs231n data fetch {exc.value.dataset}" in str(exc.value), qualname
        called.append(qualname)
    assert sorted(skipped) == sorted(NEEDS_ARGUMENTS), "a new loader needs a test here"
    assert set(NOT_DATASET_LOADERS) <= {q for q, _ in loaders()}, "an exclusion that is gone"
    assert (
        "cs231n.data_utils.load_CIFAR10" in called and "cs231n.coco_utils.load_coco_data" in called
    )


def test_loaders_given_a_folder_name_its_dataset(tmp_path, monkeypatch):
    from cs231n.data_utils import load_CIFAR10, load_mnist

    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "empty"))
    (tmp_path / "mnist-train-subset").mkdir()
    cases = [
        (lambda: load_CIFAR10(tmp_path / "nowhere"), DatasetName.CIFAR10),
        (lambda: load_mnist("test"), DatasetName.MNIST),
        (lambda: load_mnist(root=tmp_path / "mnist-train-subset"), DatasetName.MNIST_TRAIN_SUBSET),
    ]
    for call, name in cases:
        with pytest.raises(DatasetNotFoundError) as exc:
            call()
        assert exc.value.dataset == name


def test_every_style_image_belongs_to_a_registry_dataset(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "empty"))
    for stem, (dataset, rel) in STYLE_IMAGES.items():
        assert dataset in REGISTRY
        assert rel in {f.path for f in REGISTRY[dataset].files}, rel
        with pytest.raises(DatasetNotFoundError) as exc:
            resolve_image_path(stem)
        assert exc.value.dataset == dataset
