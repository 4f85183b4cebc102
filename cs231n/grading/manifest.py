"""Every function the official 2020 starter code leaves to the student, and how to grade it.

One :class:`Entry` per function or method, in notebook order. ``module`` is the official
path under ``cs231n/`` (``"classifiers.fc_net"``), ``qualname`` the name inside it
(``"TwoLayerNet.loss"``), ``note`` the file in ``notes/`` that derives it, and ``check``
the key of its check in :data:`cs231n.grading.checks.CHECKS`.

Left out of this first version:

* ``features.py``: the 2020 starter leaves nothing in it to the student;
* the PyTorch and TensorFlow notebooks of assignment 2 (their functions are written in
  the notebooks, not in ``cs231n/``);
* assignment 3: each assignment 3 issue adds its functions here as it lands (now: network
  visualization and the style-transfer losses, both frameworks; the recurrent layers of the
  captioning notebooks and ``CaptioningRNN.loss`` and ``.sample``, but not
  ``temporal_affine_forward/backward``, ``temporal_softmax_loss``, ``sigmoid`` and
  ``CaptioningRNN.__init__``, which the 2020 starter code gives; the functions of both GAN
  notebooks, but not ``bce_loss``, ``run_a_gan`` and the helpers, which the starters give).

Some entries are given in the starter code but are graded all the same because the
fully connected and convolutional nets build on them (the ``layer_utils`` sandwiches).
This module imports nothing heavy: the command parses its arguments with it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One graded function: ``cs231n/<module path>.py`` defines ``qualname``."""

    module: str
    qualname: str
    assignment: int
    note: str
    check: str

    @property
    def name(self) -> str:
        """The row name: last module component and qualname (``fc_net.TwoLayerNet.loss``)."""
        return f"{self.module.rsplit('.', 1)[-1]}.{self.qualname}"

    @property
    def path(self) -> str:
        """The student's file, relative to the assignment folder (``cs231n/layers.py``)."""
        return "cs231n/" + self.module.replace(".", "/") + ".py"

    def matches(self, pattern: str) -> bool:
        """``--only`` matching: the whole name or its trailing dotted components."""
        full = f"{self.module}.{self.qualname}"
        return full == pattern or full.endswith("." + pattern)


def _entries(module: str, assignment: int, note: str, *names: str) -> list[Entry]:
    # The check key is the qualname, prefixed by the module when two modules share it.
    out = []
    for qualname in names:
        key = qualname if module not in _PREFIXED else f"{module.rsplit('.', 1)[-1]}.{qualname}"
        out.append(Entry(module, qualname, assignment, note, key))
    return out


# Modules whose functions share names with another module's: the check key carries the module.
_PREFIXED = {
    "classifiers.neural_net",  # both have a TwoLayerNet
    "classifiers.fc_net",
    "style_transfer_pytorch",  # the same four losses in two frameworks
    "style_transfer_tensorflow",
    "net_visualization_pytorch",  # the same three functions in two frameworks
    "net_visualization_tensorflow",
    "gan_pytorch",  # the same GAN functions in two frameworks
    "gan_tf",
}
_KNN = "KNearestNeighbor."

ENTRIES: tuple[Entry, ...] = tuple(
    # ------------------------------------------------------------ assignment 1
    _entries(
        "classifiers.k_nearest_neighbor",
        1,
        "knn_distances.md",
        _KNN + "compute_distances_two_loops",
        _KNN + "compute_distances_one_loop",
        _KNN + "compute_distances_no_loops",
        _KNN + "predict_labels",
    )
    + _entries("classifiers.linear_svm", 1, "svm.md", "svm_loss_naive", "svm_loss_vectorized")
    + _entries(
        "classifiers.softmax", 1, "softmax.md", "softmax_loss_naive", "softmax_loss_vectorized"
    )
    + _entries(
        "classifiers.linear_classifier",
        1,
        "svm.md",
        "LinearClassifier.train",
        "LinearClassifier.predict",
    )
    + _entries(
        "classifiers.neural_net",
        1,
        "two_layer_net.md",
        "TwoLayerNet.loss",
        "TwoLayerNet.train",
        "TwoLayerNet.predict",
    )
    # ------------------------------------------------------------ assignment 2
    + _entries(
        "layers",
        2,
        "two_layer_net.md",
        "affine_forward",
        "affine_backward",
        "relu_forward",
        "relu_backward",
    )
    + _entries("layers", 2, "svm.md", "svm_loss")
    + _entries("layers", 2, "softmax.md", "softmax_loss")
    + _entries("layer_utils", 2, "two_layer_net.md", "affine_relu_forward", "affine_relu_backward")
    + _entries("optim", 2, "optimizers.md", "sgd_momentum", "rmsprop", "adam")
    + _entries(
        "classifiers.fc_net",
        2,
        "two_layer_net.md",
        "TwoLayerNet.__init__",
        "TwoLayerNet.loss",
        "FullyConnectedNet.__init__",
        "FullyConnectedNet.loss",
    )
    + _entries(
        "layers",
        2,
        "batchnorm.md",
        "batchnorm_forward",
        "batchnorm_backward",
        "batchnorm_backward_alt",
    )
    + _entries("layers", 2, "layernorm_groupnorm.md", "layernorm_forward", "layernorm_backward")
    + _entries("layers", 2, "dropout.md", "dropout_forward", "dropout_backward")
    + _entries("layers", 2, "conv_backward.md", "conv_forward_naive", "conv_backward_naive")
    + _entries(
        "layers", 2, "maxpool_backward.md", "max_pool_forward_naive", "max_pool_backward_naive"
    )
    + _entries("layer_utils", 2, "conv_backward.md", "conv_relu_forward", "conv_relu_backward")
    + _entries(
        "layer_utils",
        2,
        "maxpool_backward.md",
        "conv_relu_pool_forward",
        "conv_relu_pool_backward",
    )
    + _entries(
        "classifiers.cnn",
        2,
        "conv_backward.md",
        "ThreeLayerConvNet.__init__",
        "ThreeLayerConvNet.loss",
    )
    + _entries(
        "layers", 2, "batchnorm.md", "spatial_batchnorm_forward", "spatial_batchnorm_backward"
    )
    + _entries(
        "layers",
        2,
        "layernorm_groupnorm.md",
        "spatial_groupnorm_forward",
        "spatial_groupnorm_backward",
    )
    # ------------------------------------------------------------ assignment 3
    + _entries(
        "net_visualization_pytorch",
        3,
        "network_visualization.md",
        "compute_saliency_maps",
        "make_fooling_image",
        "class_visualization_update_step",
    )
    + _entries(
        "net_visualization_tensorflow",
        3,
        "network_visualization.md",
        "compute_saliency_maps",
        "make_fooling_image",
        "class_visualization_update_step",
    )
    + _entries(
        "style_transfer_pytorch",
        3,
        "style_transfer.md",
        "content_loss",
        "gram_matrix",
        "style_loss",
        "tv_loss",
    )
    + _entries(
        "style_transfer_tensorflow",
        3,
        "style_transfer.md",
        "content_loss",
        "gram_matrix",
        "style_loss",
        "tv_loss",
    )
    + _entries(
        "rnn_layers",
        3,
        "rnn_backprop.md",
        "rnn_step_forward",
        "rnn_step_backward",
        "rnn_forward",
        "rnn_backward",
        "word_embedding_forward",
        "word_embedding_backward",
        "lstm_step_forward",
        "lstm_step_backward",
        "lstm_forward",
        "lstm_backward",
    )
    + _entries(
        "classifiers.rnn", 3, "rnn_backprop.md", "CaptioningRNN.loss", "CaptioningRNN.sample"
    )
    + _entries(
        "gan_pytorch",
        3,
        "gan_losses.md",
        "sample_noise",
        "discriminator",
        "generator",
        "discriminator_loss",
        "generator_loss",
        "get_optimizer",
        "ls_discriminator_loss",
        "ls_generator_loss",
        "build_dc_classifier",
        "build_dc_generator",
    )
    + _entries(
        "gan_tf",
        3,
        "gan_losses.md",
        "leaky_relu",
        "sample_noise",
        "discriminator",
        "generator",
        "discriminator_loss",
        "generator_loss",
        "get_solvers",
        "ls_discriminator_loss",
        "ls_generator_loss",
        "dc_discriminator",
        "dc_generator",
    )
)

ASSIGNMENTS = (1, 2, 3)


def select(assignment: int | None = None, only: list[str] | None = None) -> list[Entry]:
    """The entries of ``assignment`` (all when None) whose name matches one of ``only``.

    Raises ValueError naming the patterns that match no entry.
    """
    if assignment is not None and assignment not in ASSIGNMENTS:
        raise ValueError(f"select: assignment must be one of {ASSIGNMENTS}, got {assignment!r}")
    chosen = [e for e in ENTRIES if assignment is None or e.assignment == assignment]
    if only:
        unknown = [p for p in only if not any(e.matches(p) for e in chosen)]
        if unknown:
            raise ValueError(
                f"--only: no graded function is named {', '.join(unknown)} "
                f"(names look like layers.affine_forward or TwoLayerNet.loss)"
            )
        chosen = [e for e in chosen if any(e.matches(p) for p in only)]
    return chosen
