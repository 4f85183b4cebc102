"""k-nearest-neighbour classifier with L2 distances (assignment 1, ``knn.ipynb``).

Training only memorises the data; prediction computes the (num_test, num_train)
matrix of Euclidean distances and takes a majority vote among the ``k`` closest
training points. The three ``compute_distances_*`` methods give the same matrix
with two, one and zero Python loops; ``notes/knn_distances.md`` derives the
no-loop identity ``|x - y|^2 = |x|^2 - 2 x.y + |y|^2``.
"""

from __future__ import annotations

import numpy as np

from cs231n.validation import check_array, check_labels, check_number


class KNearestNeighbor:
    """A kNN classifier with L2 distance.

    Attributes (set by :meth:`train`):
        X_train: (num_train, D) training points.
        y_train: (num_train,) integer labels.
    """

    def __init__(self) -> None:
        self.X_train: np.ndarray | None = None
        self.y_train: np.ndarray | None = None

    def train(self, X: np.ndarray, y: np.ndarray) -> None:
        """Memorise the training data.

        Args:
            X: (num_train, D) finite training points, num_train >= 1.
            y: (num_train,) non-negative integer labels; ``y[i]`` is the label of ``X[i]``
                (integral floats are accepted).
        """
        fn = "KNearestNeighbor.train"
        X = check_array(fn, "X", X, ndim=2, nonempty=True, finite=True)
        y = check_labels(fn, "y", y, X.shape[0])
        if y.min() < 0:
            raise ValueError(f"{fn}: y must hold labels >= 0, got min {y.min()}")
        self.X_train = X
        self.y_train = y

    def _check_test(self, fn: str, X) -> tuple[np.ndarray, np.ndarray]:
        """``(X_train, X)``: trained, and X (num_test, D) finite test points (a NaN has no
        distance to anything)."""
        if self.X_train is None:
            raise ValueError(f"{fn}: call train(X, y) before predicting (X_train is None)")
        D = self.X_train.shape[1]
        return self.X_train, check_array(fn, "X", X, shape=(None, D), finite=True)

    def predict(self, X: np.ndarray, k: int = 1, num_loops: int = 0) -> np.ndarray:
        """Predict labels for test points.

        Args:
            X: (num_test, D) finite test points.
            k: number of neighbours that vote, an integer with 1 <= k <= num_train.
            num_loops: which distance implementation to use (0, 1 or 2).

        Returns:
            y_pred: (num_test,) predicted labels.

        Raises:
            ValueError/TypeError: before :meth:`train`, a bad ``k`` or ``num_loops``, X not
                (num_test, D) or holding NaN/inf.
        """
        fn = "KNearestNeighbor.predict"
        num_loops = check_number(fn, "num_loops", num_loops, low=0, high=2, integer=True)
        X = self._check_test(fn, X)[1]  # here too, so that the errors name predict
        self._check_k(fn, k)  # before the distances: a bad k fails at once
        if num_loops == 0:
            dists = self.compute_distances_no_loops(X)
        elif num_loops == 1:
            dists = self.compute_distances_one_loop(X)
        else:
            dists = self.compute_distances_two_loops(X)
        return self.predict_labels(dists, k=k)

    def _check_k(self, fn: str, k) -> int:
        """``k`` as an int in [1, num_train]."""
        return check_number(fn, "k", k, low=1, high=self.X_train.shape[0], integer=True)

    def compute_distances_two_loops(self, X: np.ndarray) -> np.ndarray:
        """L2 distances with a loop over test and over training points.

        Args:
            X: (num_test, D) test points.

        Returns:
            dists: (num_test, num_train); ``dists[i, j]`` is the Euclidean distance
            between the i-th test point and the j-th training point.
        """
        X_train, X = self._check_test("KNearestNeighbor.compute_distances_two_loops", X)
        num_test, num_train = X.shape[0], X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                diff = X[i] - X_train[j]  # (D,)
                dists[i, j] = np.sqrt(np.dot(diff, diff))
        return dists

    def compute_distances_one_loop(self, X: np.ndarray) -> np.ndarray:
        """L2 distances with one loop over test points (training points broadcast).

        Args:
            X: (num_test, D) test points.

        Returns:
            dists: (num_test, num_train), as :meth:`compute_distances_two_loops`.
        """
        X_train, X = self._check_test("KNearestNeighbor.compute_distances_one_loop", X)
        dists = np.zeros((X.shape[0], X_train.shape[0]))
        for i in range(X.shape[0]):
            diff = X_train - X[i]  # (num_train, D): X[i] broadcast over rows
            dists[i] = np.sqrt(np.sum(diff * diff, axis=1))
        return dists

    def compute_distances_no_loops(self, X: np.ndarray) -> np.ndarray:
        """L2 distances without any Python loop.

        Uses ``|x - y|^2 = |x|^2 - 2 x.y + |y|^2``: one matrix product and two
        vectors of squared norms. Rounding can make the sum slightly negative when
        x and y are (almost) equal, so it is clipped at 0 before the square root.

        Args:
            X: (num_test, D) test points.

        Returns:
            dists: (num_test, num_train), as :meth:`compute_distances_two_loops`.
        """
        X_train, X = self._check_test("KNearestNeighbor.compute_distances_no_loops", X)
        test_sq = np.sum(X * X, axis=1)[:, None]  # (num_test, 1)
        train_sq = np.sum(X_train * X_train, axis=1)[None, :]  # (1, num_train)
        cross = X @ X_train.T  # (num_test, num_train)
        sq = test_sq - 2.0 * cross + train_sq
        # Cancellation: |x|^2 + |y|^2 - 2x.y can round to a tiny negative number.
        np.maximum(sq, 0.0, out=sq)
        return np.sqrt(sq)

    def predict_labels(self, dists: np.ndarray, k: int = 1) -> np.ndarray:
        """Majority vote among the ``k`` nearest training points.

        Ties between labels go to the smaller label; ties in distance go to the
        training point that comes first (a stable sort).

        Args:
            dists: (num_test, num_train) finite distances.
            k: number of voters, an integer with 1 <= k <= num_train.

        Returns:
            y_pred: (num_test,) predicted labels.
        """
        fn = "KNearestNeighbor.predict_labels"
        if self.X_train is None:
            raise ValueError(f"{fn}: call train(X, y) before predicting (X_train is None)")
        num_train = self.X_train.shape[0]
        k = self._check_k(fn, k)
        dists = check_array(fn, "dists", dists, shape=(None, num_train), finite=True)
        nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]  # (num_test, k)
        closest_y = self.y_train[nearest]  # (num_test, k)
        num_labels = int(self.y_train.max()) + 1
        # Count votes per label with one bincount over (row, label) pairs.
        rows = np.repeat(np.arange(dists.shape[0]), k)
        votes = np.bincount(
            rows * num_labels + closest_y.ravel(), minlength=dists.shape[0] * num_labels
        ).reshape(dists.shape[0], num_labels)  # (num_test, num_labels)
        # argmax returns the first maximum, i.e. the smallest label among ties.
        return np.argmax(votes, axis=1).astype(self.y_train.dtype)
