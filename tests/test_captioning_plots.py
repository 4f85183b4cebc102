"""Smoke tests of the captioning figures: each draws what it says, a missing image included."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n.plots import captioning as cplots  # noqa: E402

pytestmark = pytest.mark.a3


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_show_captioned_draws_a_placeholder_for_a_missing_image():
    img = np.zeros((8, 10, 3), np.uint8)
    fig = cplots.show_captioned(
        [img, None], {"GT": ["<START> a dog <END>", "a cat"], "greedy": ["a dog", "a"]}
    )
    assert len(fig.axes) == 2
    label = fig.axes[0].get_xlabel()
    assert "GT: a dog" in label and "<START>" not in label and "greedy: a dog" in label
    assert any("not available" in t.get_text() for t in fig.axes[1].texts)


def test_show_captioned_rejects_a_caption_list_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"captions\['GT'\] has 1 captions for 2 images"):
        cplots.show_captioned([None, None], {"GT": ["a"]})


def test_plot_losses_puts_validation_points_at_their_iterations():
    run = {
        "loss": np.linspace(5, 1, 20),
        "val_loss": [4.0, 3.0, 2.0],
        "val_iterations": [1, 10, 20],
    }
    fig = cplots.plot_losses({"rnn": run})
    lines = fig.axes[0].get_lines()
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[1].get_xdata(), [1, 10, 20])
    with pytest.raises(ValueError, match=r"runs\['rnn'\] needs 'val_iterations'.*\(3\), got None"):
        cplots.plot_losses({"rnn": {"loss": run["loss"], "val_loss": run["val_loss"]}})


def test_plot_metrics_draws_one_bar_per_method_and_key():
    metrics = {"greedy": {"bleu1": 0.5, "bleu4": 0.1}, "beam": {"bleu1": 0.6, "bleu4": 0.2}}
    fig = cplots.plot_metrics(metrics, ["bleu1", "bleu4"])
    heights = sorted(p.get_height() for p in fig.axes[0].patches)
    assert heights == [0.1, 0.2, 0.5, 0.6]
