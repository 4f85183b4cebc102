"""`from <module> import *` on our package gives what the official 2020 starter code gives.

Students' notebooks rely on it: the official FullyConnectedNets notebook calls
``affine_forward`` after ``from cs231n.classifiers.fc_net import *`` only, because the official
``fc_net`` re-exports ``layers`` and ``layer_utils``. ``../shared/api/official-star-2020.json``
lists, for each of the 30 official modules of assignments 1-3, the names its star import gives
(names only). Ours may give more, never fewer.
"""

import importlib
import json

import pytest

from cs231n.tooling.modules import OFFICIAL_MANIFEST

# The modules of assignment 3 that are not written yet. Each assignment-3 issue removes its
# modules from here as it lands; the test below fails both when one of these appears (so the
# list shrinks) and when any other official module is missing.
NOT_YET_WRITTEN: frozenset[str] = frozenset()


def _manifest() -> dict[str, list[str]]:
    assert OFFICIAL_MANIFEST.is_file(), (
        f"the official star-import list is missing: {OFFICIAL_MANIFEST}"
    )
    with open(OFFICIAL_MANIFEST, encoding="utf-8") as f:
        return json.load(f)


MANIFEST = _manifest()


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name is not None and (module == e.name or module.startswith(e.name + ".")):
            return False  # the module itself is absent (not one of its imports)
        raise
    return True


def _star(module: str) -> dict:
    namespace: dict = {}
    exec(f"from {module} import *", namespace)  # exactly what a notebook cell does
    return namespace


def test_the_manifest_lists_the_thirty_official_modules():
    assert len(MANIFEST) == 30
    assert all(m.startswith("cs231n.") and names for m, names in MANIFEST.items())


def test_exactly_the_unwritten_assignment_3_modules_are_missing():
    missing = {m for m in MANIFEST if not _importable(m)}
    assert missing == NOT_YET_WRITTEN, (
        f"official modules still missing: {sorted(missing)}; "
        f"written but still listed as NOT_YET_WRITTEN: {sorted(NOT_YET_WRITTEN - missing)}"
    )


@pytest.mark.parametrize("module", sorted(set(MANIFEST) - NOT_YET_WRITTEN))
def test_star_import_gives_every_official_name(module):
    namespace = _star(module)
    missing = [name for name in MANIFEST[module] if name not in namespace]
    assert not missing, f"`from {module} import *` lacks {len(missing)} official names: {missing}"


def test_re_exports_are_the_same_objects_as_the_layers():
    """The re-exported names are our layers themselves, not copies or wrappers."""
    from cs231n import fast_layers, layers

    for module in ("cs231n.layer_utils", "cs231n.classifiers.fc_net", "cs231n.classifiers.cnn"):
        namespace = _star(module)
        assert namespace["affine_forward"] is layers.affine_forward
        assert namespace["batchnorm_forward"] is layers.batchnorm_forward
        assert namespace["conv_forward_fast"] is fast_layers.conv_forward_fast


def test_the_classifiers_package_gives_the_official_classes():
    from cs231n.classifiers import KNearestNeighbor, LinearSVM, Softmax, svm_loss_vectorized
    from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor as knn
    from cs231n.classifiers.linear_svm import svm_loss_vectorized as svm

    assert KNearestNeighbor is knn and svm_loss_vectorized is svm
    assert issubclass(LinearSVM, importlib.import_module("cs231n.classifiers").LinearClassifier)
    assert Softmax().loss.__func__ is not LinearSVM().loss.__func__
