"""The classifiers of assignments 1 and 2, one module each.

As in the official package, ``from cs231n.classifiers import KNearestNeighbor, Softmax``
works: the package gives the kNN classifier and the linear classifiers with their losses.
The networks (``fc_net``, ``cnn``, ``neural_net``) are imported from their modules.
"""

from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor
from cs231n.classifiers.linear_classifier import (
    LinearClassifier,
    LinearSVM,
    Softmax,
    softmax_loss_naive,
    softmax_loss_vectorized,
    svm_loss_naive,
    svm_loss_vectorized,
)

__all__ = [
    "KNearestNeighbor",
    "LinearClassifier",
    "LinearSVM",
    "Softmax",
    "svm_loss_naive",
    "svm_loss_vectorized",
    "softmax_loss_naive",
    "softmax_loss_vectorized",
]
