"""Smoke tests of the assignment-1 figures: each draws without error and shows what it says."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n.plots import a1 as a1_plots  # noqa: E402
from cs231n.plots.training import plot_histories  # noqa: E402

pytestmark = pytest.mark.a1

CLASSES = ("a", "b", "c")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_sample_and_misclassified_grids(rng):
    X = rng.uniform(0, 255, size=(30, 32, 32, 3))
    y = np.repeat(np.arange(3), 10)
    fig = a1_plots.show_class_samples(X, y, CLASSES, per_class=4)
    assert len(fig.axes) == 4 * 3 and fig.axes[0].get_title() == "a"
    y_pred = (y + 1) % 3  # everything wrong
    fig = a1_plots.show_misclassified(X, y, y_pred, CLASSES, per_class=5)
    assert len(fig.axes) == 5 * 3
    assert sum(len(ax.images) for ax in fig.axes) == 15


def test_search_and_cross_validation_plots():
    runs = [
        {"learning_rate": lr, "reg": r, "train_acc": 0.1, "val_acc": 0.2}
        for lr in (1e-7, 1e-6)
        for r in (1, 10)
    ]
    fig = a1_plots.plot_search(runs)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["train_acc", "val_acc"]
    fig = a1_plots.plot_cross_validation({1: [0.2, 0.3], 5: [0.25, 0.35]})
    assert fig.axes[0].get_xlabel() == "k"


def test_weight_and_history_plots(rng):
    fig = a1_plots.show_class_templates(rng.normal(size=(3073, 3)), CLASSES)
    assert [ax.get_title() for ax in fig.axes] == list(CLASSES)
    fig = a1_plots.show_first_layer(rng.normal(size=(3072, 4)))
    assert fig.axes[0].images[0].get_array().shape == (2 * 32 + 3, 2 * 32 + 3, 3)
    stats = {
        "loss_history": [3, 2, 1],
        "train_acc_history": [0.1, 0.2],
        "val_acc_history": [0.1, 0.15],
    }
    fig = plot_histories(stats)
    assert len(fig.axes[0].lines) == 1 and len(fig.axes[1].lines) == 2
