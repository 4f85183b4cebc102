"""The course's tuning tasks: what each trains, on which data, over which search space.

One :class:`Task` per tuning cell of the notebooks:

==================  =====================================================  ==========
task                trains (notebook)                                      pruned
==================  =====================================================  ==========
``svm``             LinearSVM on raw pixels (``svm.ipynb``)                no
``softmax``         Softmax on raw pixels (``softmax.ipynb``)              no
``two_layer_net``   assignment 1's TwoLayerNet (``two_layer_net.ipynb``)   no
``features-svm``    LinearSVM on HOG + colour features (``features``)      no
``features-nn``     TwoLayerNet on the same features (``features``)        no
``fc_net``          FullyConnectedNet + Solver (``FullyConnectedNets``)    per epoch
``torch``           Part IV's three-layer convnet in PyTorch               per epoch
``tf``              the same convnet in TensorFlow                         per epoch
==================  =====================================================  ==========

The assignment-1 trainers (``LinearClassifier.train``, ``TwoLayerNet.train``) have no
epoch hook, so their trials run to the end (they are one short training each); the
Solver and the framework loops report each epoch's validation accuracy through one
``epoch_callback(epoch, val_acc)`` (:class:`cs231n.sweep.pruning.EpochReporter`).

Every task has a *quick* mode for tests: synthetic, separable data of a few hundred rows
(:func:`synthetic_rows`, :func:`synthetic_images`) and few iterations, no dataset needed.
Full mode reads CIFAR-10 through the package's loaders (``$CS231N_DATA``), once per process.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cs231n.sweep.space import Categorical, LogUniform, Param

EpochCallback = Callable[[int, float], None]


# ----------------------------------------------------------------------------- trainers


def train_linear(kind: str, data: dict, config: dict) -> tuple[Any, list[float]]:
    """Train a linear classifier as the assignment-1 notebooks do.

    Args:
        kind: ``"svm"`` (LinearSVM) or ``"softmax"`` (Softmax).
        data: ``X_train (N, D)``, ``y_train (N,)``.
        config: ``learning_rate``, ``reg``, ``num_iters``, optional ``batch_size`` (200)
            and ``seed`` (0).

    Returns:
        ``(classifier, loss_history)``; ``classifier.W`` is ``(D, C)``.
    """
    from cs231n.classifiers.linear_classifier import LinearSVM, Softmax

    kinds = {"svm": LinearSVM, "softmax": Softmax}
    if kind not in kinds:
        raise ValueError(f"train_linear: kind must be 'svm' or 'softmax', got {kind!r}")
    clf = kinds[kind]()
    hist = clf.train(
        data["X_train"], data["y_train"], learning_rate=config["learning_rate"],
        reg=config["reg"], num_iters=config["num_iters"],
        batch_size=config.get("batch_size", 200), seed=config.get("seed", 0),
    )  # fmt: skip
    return clf, hist


def train_two_layer_net(data: dict, config: dict) -> tuple[Any, dict[str, list[float]]]:
    """Train assignment 1's :class:`~cs231n.classifiers.neural_net.TwoLayerNet`.

    Args:
        data: ``X_train (N, D)``, ``y_train (N,)``, ``X_val``, ``y_val``.
        config: ``hidden_size``, ``learning_rate``, ``reg``, ``num_iters``, optional
            ``learning_rate_decay`` (0.95), ``batch_size`` (200), ``std`` (1e-4),
            ``seed`` (0), ``dtype`` ("float64"; "float32" with float32 data is twice as fast).

    Returns:
        ``(net, stats)`` with the histories of ``TwoLayerNet.train``.
    """
    from cs231n.classifiers.neural_net import TwoLayerNet

    X, y = data["X_train"], data["y_train"]
    np.random.seed(config.get("seed", 0))  # noqa: NPY002 (TwoLayerNet draws from np.random)
    net = TwoLayerNet(
        X.shape[1], config["hidden_size"], int(y.max()) + 1, std=config.get("std", 1e-4)
    )
    dtype = np.dtype(config.get("dtype", "float64"))
    net.params = {k: v.astype(dtype) for k, v in net.params.items()}
    stats = net.train(
        X, y, data["X_val"], data["y_val"], learning_rate=config["learning_rate"],
        learning_rate_decay=config.get("learning_rate_decay", 0.95), reg=config["reg"],
        num_iters=config["num_iters"], batch_size=config.get("batch_size", 200),
        seed=config.get("seed", 0),
    )  # fmt: skip
    return net, stats


def _accuracy(model, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(model.predict(X) == y))


def _linear_objective(kind: str) -> Callable[[dict, dict, EpochCallback | None], float]:
    def objective(data: dict, config: dict, callback: EpochCallback | None) -> float:
        clf, _ = train_linear(kind, data, config)
        return _accuracy(clf, data["X_val"], data["y_val"])

    return objective


def _two_layer_objective(data: dict, config: dict, callback: EpochCallback | None) -> float:
    net, _ = train_two_layer_net(data, config)
    return _accuracy(net, data["X_val"], data["y_val"])


def _fc_net_objective(data: dict, config: dict, callback: EpochCallback | None) -> float:
    """FullyConnectedNets' search: batchnorm net, Adam, the Solver; best val accuracy."""
    from cs231n.classifiers.fc_net import FullyConnectedNet

    n = config["num_train"]
    search_data = {
        "X_train": data["X_train"][:n],
        "y_train": data["y_train"][:n],
        "X_val": data["X_val"],
        "y_val": data["y_val"],
    }
    np.random.seed(config["seed"])  # noqa: NPY002 -- the model draws from the global state
    model = FullyConnectedNet(
        list(config["hidden_dims"]),
        input_dim=int(np.prod(data["X_train"].shape[1:])),
        num_classes=int(data["y_train"].max()) + 1,
        normalization="batchnorm",
        weight_scale=config["weight_scale"],
        reg=config["reg"],
        dropout_keep_ratio=config["dropout_keep_ratio"],
    )
    solver = _reporting_solver()(
        model,
        search_data,
        update_rule="adam",
        optim_config={"learning_rate": config["learning_rate"]},
        lr_decay=config["lr_decay"],
        num_epochs=config["num_epochs"],
        batch_size=config["batch_size"],
        verbose=False,
        seed=config["seed"],
        epoch_callback=callback,
    )
    try:
        solver.train()
    except FloatingPointError:  # the Solver's DivergenceError: keep what it reached
        pass
    return float(solver.best_val_acc)


@functools.cache
def _reporting_solver() -> type:
    """The Solver with ``epoch_callback(epoch, val_acc)`` after each epoch's accuracy check.

    A subclass here, at the task level, while :mod:`cs231n.solver` is being changed by other
    work; the callback is the same one the framework loops take.
    """
    from cs231n.solver import Solver

    class ReportingSolver(Solver):
        def __init__(self, model, data, *, epoch_callback=None, **kwargs):
            super().__init__(model, data, **kwargs)
            self.epoch_callback = epoch_callback

        def _check_and_save(self, session, epoch_end: bool) -> None:
            super()._check_and_save(session, epoch_end)
            if epoch_end and self.epoch_callback is not None:
                self.epoch_callback(self.epoch, self.val_acc_history[-1])

    return ReportingSolver


def _torch_objective(data: dict, config: dict, callback: EpochCallback | None) -> float:
    """Part IV's three-layer convnet (``nn.Sequential``), SGD with Nesterov momentum."""
    import torch

    from cs231n.frameworks import torch_cifar as tc

    torch.manual_seed(config["seed"])
    n, h = config["num_train"], data["X_train"].shape[1]
    model = tc.sequential_three_layer_convnet(
        config["channel_1"], config["channel_2"], int(data["y_train"].max()) + 1, image_size=h
    )
    optimizer = torch.optim.SGD(
        model.parameters(), lr=config["learning_rate"], momentum=config["momentum"],
        nesterov=True, weight_decay=config["weight_decay"],
    )  # fmt: skip
    bs = config["batch_size"]
    train = tc.CifarLoader(
        data["X_train"][:n], data["y_train"][:n], bs, shuffle=True, seed=config["seed"]
    )
    val = tc.CifarLoader(data["X_val"], data["y_val"], bs, name="val")
    tc.train_part34(
        model, optimizer, config["num_epochs"], loader_train=train, loader_val=val,
        print_every=0, epoch_callback=callback,
    )  # fmt: skip
    return float(tc.check_accuracy_part34(val, model, verbose=False))


def _tf_objective(data: dict, config: dict, callback: EpochCallback | None) -> float:
    """The same convnet with ``tf.keras.Sequential``, SGD with Nesterov momentum."""
    import tensorflow as tf

    from cs231n.frameworks import tf_cifar as tfc
    from cs231n.frameworks.data import Dataset

    tf.keras.utils.set_random_seed(config["seed"])
    n = config["num_train"]
    num_classes = int(data["y_train"].max()) + 1

    def model_init_fn():
        return tfc.sequential_three_layer_convnet(
            config["channel_1"], config["channel_2"], num_classes, data["X_train"].shape[1:]
        )

    def optimizer_init_fn():
        return tf.keras.optimizers.SGD(
            learning_rate=config["learning_rate"], momentum=config["momentum"], nesterov=True,
            weight_decay=config["weight_decay"],
        )  # fmt: skip

    bs = config["batch_size"]
    train = Dataset(data["X_train"][:n], data["y_train"][:n], bs, shuffle=True, seed=config["seed"])
    val = Dataset(data["X_val"], data["y_val"], bs, name="val")
    model, _ = tfc.train_part34(
        model_init_fn, optimizer_init_fn, config["num_epochs"], train_dset=train,
        val_dset=val, print_every=0, epoch_callback=callback,
    )  # fmt: skip
    return float(tfc.check_accuracy(val, model, None, verbose=False))


# ----------------------------------------------------------------------------- data


def synthetic_rows(
    n_train: int = 400, n_val: int = 200, dim: int = 24, num_classes: int = 4, seed: int = 0
) -> dict[str, np.ndarray]:
    """Gaussian classes for quick mode: ``X_train (n_train, dim)``, ``y_train (n_train,)``,
    ``X_val (n_val, dim)``, ``y_val (n_val,)``; float64 rows, int64 labels. The class means
    overlap enough that accuracy depends on the hyperparameters."""
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((num_classes, dim))
    out = {}
    for split, n in (("train", n_train), ("val", n_val)):
        y = rng.integers(num_classes, size=n)
        out[f"X_{split}"] = means[y] + 1.5 * rng.standard_normal((n, dim))
        out[f"y_{split}"] = y.astype(np.int64)
    return out


def synthetic_images(
    n_train: int = 256, n_val: int = 128, size: int = 8, num_classes: int = 4, seed: int = 0
) -> dict[str, np.ndarray]:
    """:func:`synthetic_rows` shaped as channels-last float32 images ``(N, size, size, 3)``."""
    rows = synthetic_rows(n_train, n_val, size * size * 3, num_classes, seed)
    return {
        k: v.reshape(-1, size, size, 3).astype(np.float32) if k.startswith("X") else v
        for k, v in rows.items()
    }


def _bias(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((X.shape[0], 1), dtype=X.dtype)])


@functools.cache
def load_data(kind: str, quick: bool) -> dict[str, np.ndarray]:
    """The data of a task (cached per process; every worker loads its own copy).

    Args:
        kind: ``"pixels"`` (assignment-1 rows with the bias column), ``"pixels32"``
            (float32 rows, no bias), ``"features"`` (standardized HOG + colour features
            with the bias column), ``"fc"`` (assignment 2's centred ``(N, 3, 32, 32)``),
            ``"images"`` (the framework notebooks' normalized ``(N, 32, 32, 3)``).
        quick: synthetic data instead of CIFAR-10.

    Returns:
        dict with ``X_train, y_train, X_val, y_val``.
    """
    if quick:
        if kind == "images":
            return synthetic_images()
        rows = synthetic_rows()
        if kind in ("pixels", "features"):
            return {k: _bias(v) if k.startswith("X") else v for k, v in rows.items()}
        if kind == "pixels32":
            return {k: v.astype(np.float32) if k.startswith("X") else v for k, v in rows.items()}
        return rows
    if kind in ("pixels", "pixels32"):
        from cs231n.data.assignment1 import assignment1_rows

        d = assignment1_rows(num_dev=0, num_test=0, bias=kind == "pixels")
        if kind == "pixels32":
            d = {k: v.astype(np.float32) if k.startswith("X") else v for k, v in d.items()}
        return {k: d[k] for k in ("X_train", "y_train", "X_val", "y_val")}
    if kind == "features":
        return _feature_rows()
    if kind == "fc":
        from cs231n.data_utils import get_CIFAR10_data

        d = get_CIFAR10_data(num_test=0)
        return {k: d[k] for k in ("X_train", "y_train", "X_val", "y_val")}
    if kind == "images":
        from cs231n.frameworks.data import framework_splits

        d = framework_splits(49000, 1000, 0)
        return {k: d[k] for k in ("X_train", "y_train", "X_val", "y_val")}
    raise ValueError(f"load_data: kind must be one of {DATA_KINDS}, got {kind!r}")


DATA_KINDS = ("pixels", "pixels32", "features", "fc", "images")


def _feature_rows() -> dict[str, np.ndarray]:
    """``features.ipynb``'s features (HOG + 10-bin HSV histogram), standardized with the
    training statistics, bias column appended; computed once and cached under
    ``cache_root()/sweep/features.npz`` (written atomically)."""
    from cs231n.paths import cache_root

    path = cache_root() / "sweep" / "features.npz"
    if path.exists():
        with np.load(path) as f:
            return {k: f[k] for k in f.files}
    from cs231n.data.assignment1 import assignment1_rows
    from cs231n.features import color_histogram_hsv, extract_features, hog_feature

    d = assignment1_rows(num_dev=0, num_test=0, flatten=False, subtract_mean=False)
    fns = [hog_feature, functools.partial(color_histogram_hsv, nbin=10)]
    X_train, X_val = (extract_features(d[k], fns) for k in ("X_train", "X_val"))
    mean, std = X_train.mean(axis=0, keepdims=True), X_train.std(axis=0, keepdims=True)
    out = {
        "X_train": _bias((X_train - mean) / std),
        "y_train": d["y_train"],
        "X_val": _bias((X_val - mean) / std),
        "y_val": d["y_val"],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **out)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return out


def _features_nn_data(data: dict) -> dict:
    """The two-layer net on features drops the bias column and uses float32 (the notebook)."""
    return {k: v[:, :-1].astype(np.float32) if k.startswith("X") else v for k, v in data.items()}


# ----------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class Task:
    """One tuning task.

    Attributes:
        name: the ``cs231n sweep`` name.
        notebook: the notebook whose tuning cell it replaces.
        space: the search space (:mod:`cs231n.sweep.space`).
        grid: the course's grid for ``GridSampler`` (``None``: the course searches at random).
        settings: fixed training settings of a full run; ``quick`` overrides some in quick mode.
        data: the :func:`load_data` kind.
        objective: ``(data, config, epoch_callback) -> validation accuracy``.
        prunable: whether ``objective`` calls ``epoch_callback`` after each epoch.
    """

    name: str
    notebook: str
    space: dict[str, Param]
    grid: dict[str, list] | None
    settings: dict[str, Any]
    data: str
    objective: Callable[[dict, dict, EpochCallback | None], float]
    prunable: bool = False
    quick: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[dict], dict] | None = None

    def config(self, params: dict[str, Any], quick: bool, seed: int) -> dict[str, Any]:
        """The full training configuration: settings, quick overrides, the sampled params."""
        return {**self.settings, **(self.quick if quick else {}), "seed": seed, **params}

    def load(self, quick: bool) -> dict[str, np.ndarray]:
        data = load_data(self.data, quick)
        return self.prepare(data) if self.prepare else data


def _framework_task(name: str, notebook: str, objective) -> Task:
    return Task(
        name=name,
        notebook=notebook,
        space={
            "learning_rate": LogUniform(1e-3, 1e-1),
            "weight_decay": LogUniform(1e-6, 1e-2),
            "channel_1": Categorical((16, 32, 64)),
            "channel_2": Categorical((8, 16, 32)),
        },
        grid=None,
        settings={"num_train": 10000, "num_epochs": 3, "batch_size": 64, "momentum": 0.9},
        quick={"num_train": 256, "num_epochs": 2, "batch_size": 32},
        data="images",
        objective=objective,
        prunable=True,
    )


TASKS: dict[str, Task] = {
    t.name: t
    for t in [
        Task(
            name="svm",
            notebook="assignment1/svm.ipynb",
            space={"learning_rate": LogUniform(5e-8, 2e-6), "reg": LogUniform(1e2, 1e5)},
            grid={"learning_rate": [1e-7, 2e-7, 4e-7], "reg": [1e3, 2.5e3, 5e3]},
            settings={"num_iters": 3000, "batch_size": 200},
            quick={"num_iters": 100, "batch_size": 50},
            data="pixels",
            objective=_linear_objective("svm"),
        ),
        Task(
            name="softmax",
            notebook="assignment1/softmax.ipynb",
            space={"learning_rate": LogUniform(1e-7, 5e-6), "reg": LogUniform(1e1, 1e4)},
            grid={"learning_rate": [3e-7, 5e-7, 1e-6], "reg": [2.5e2, 5e2, 1e3]},
            settings={"num_iters": 5000, "batch_size": 200},
            quick={"num_iters": 100, "batch_size": 50},
            data="pixels",
            objective=_linear_objective("softmax"),
        ),
        Task(
            name="two_layer_net",
            notebook="assignment1/two_layer_net.ipynb",
            space={
                "hidden_size": Categorical((50, 100, 200, 500)),
                "learning_rate": LogUniform(1e-4, 1e-2),
                "reg": LogUniform(1e-3, 1.0),
            },
            grid={
                "hidden_size": [500],
                "learning_rate": [5e-4, 1e-3, 2e-3],
                "reg": [0.05, 0.2],
            },
            settings={"num_iters": 600, "batch_size": 200, "std": 1e-3, "dtype": "float32"},
            quick={"num_iters": 50, "batch_size": 50, "std": 1e-2},
            data="pixels32",
            objective=_two_layer_objective,
        ),
        Task(
            name="features-svm",
            notebook="assignment1/features.ipynb",
            space={"learning_rate": LogUniform(1e-4, 1e-1), "reg": LogUniform(1e-5, 1.0)},
            grid={"learning_rate": [1e-3, 1e-2, 3e-2], "reg": [1e-3, 1e-2, 1e-1]},
            settings={"num_iters": 2000, "batch_size": 200},
            quick={"num_iters": 100, "batch_size": 50},
            data="features",
            objective=_linear_objective("svm"),
        ),
        Task(
            name="features-nn",
            notebook="assignment1/features.ipynb",
            space={
                "hidden_size": Categorical((100, 200, 500, 1000)),
                "learning_rate": LogUniform(1e-2, 1.0),
                "reg": LogUniform(1e-5, 1e-2),
            },
            grid={"hidden_size": [500], "learning_rate": [0.1, 0.3], "reg": [1e-3, 3e-3]},
            settings={"num_iters": 4000, "batch_size": 200, "std": 1e-2, "dtype": "float32"},
            quick={"num_iters": 50, "batch_size": 50},
            data="features",
            objective=_two_layer_objective,
            prepare=_features_nn_data,
        ),
        Task(
            name="fc_net",
            notebook="assignment2/FullyConnectedNets.ipynb",
            # The notebook's random search: 10**U(-3.3, -2.7), 10**U(-4, -2.5), keep in {0.85, 1}.
            space={
                "learning_rate": LogUniform(10**-3.3, 10**-2.7),
                "reg": LogUniform(1e-4, 10**-2.5),
                "dropout_keep_ratio": Categorical((0.85, 1.0)),
            },
            grid=None,
            settings={
                "hidden_dims": (512, 256),
                "weight_scale": 2e-2,
                "lr_decay": 0.9,
                "num_epochs": 3,
                "num_train": 20000,
                "batch_size": 200,
            },
            quick={"hidden_dims": (32, 16), "num_epochs": 3, "num_train": 400, "batch_size": 50},
            data="fc",
            objective=_fc_net_objective,
            prunable=True,
        ),
        _framework_task("torch", "assignment2/PyTorch.ipynb", _torch_objective),
        _framework_task("tf", "assignment2/TensorFlow.ipynb", _tf_objective),
    ]
}
