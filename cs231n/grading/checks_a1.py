"""Checks of assignment 1: kNN, the linear classifiers' losses and training, the two-layer net.

Methods are called with an instance of OUR class (see :mod:`cs231n.grading.loader`):
``predict_labels`` reads our trained ``y_train``, and the ``train`` methods call our
``loss``. Training is checked deterministically on a batch of identical rows (whichever
rows SGD samples, the batch and so the gradient is the same), then for learning on
separable blobs.
"""

from __future__ import annotations

import copy

import numpy as np

from cs231n.gradient_check import eval_numerical_gradient
from cs231n.grading.checks import Subject, cases_rng
from cs231n.grading.compare import Grade, NotDone, pair


# ------------------------------------------------------------------------- kNN
def _knn(s: Subject, seed: int, num_train: int = 13, D: int = 7):
    r = cases_rng(seed)
    knn = s.ours("KNearestNeighbor")()
    knn.train(r.standard_normal((num_train, D)), r.integers(4, size=num_train))
    return knn, r.standard_normal((5, D))


def _distances(s: Subject) -> float:
    g = Grade()
    fn, ours = s.student(), s.ours("KNearestNeighbor.compute_distances_two_loops")
    for seed, (num_train, D) in enumerate([(13, 7), (1, 3), (9, 1)]):
        knn, X = _knn(s, seed, num_train, D)
        case = f"X_train ({num_train}, {D}), X (5, {D}), seed {seed}"
        g.array("dists", fn(knn, X.copy()), ours(knn, X), case, 1e-7)
    return g.result()


def predict_labels(s: Subject) -> float:
    g = Grade()
    fn, ours = s.student(), s.ours("KNearestNeighbor.predict_labels")
    for seed in range(3):
        knn, X = _knn(s, seed)
        knn.y_train = knn.y_train + 1  # labels 1..4: the starter's zeros never pass
        dists = knn.compute_distances_no_loops(X)
        for k in (1, 3, 5, 8):
            case = f"13 training points, 5 queries, k={k}, seed {seed} (ties: smaller label)"
            g.array("y_pred", fn(knn, dists.copy(), k), ours(knn, dists, k), case, 1e-12)
    return g.result()


# --------------------------------------------------------------- linear losses
def _linear_cases():
    out = []
    for seed, (N, D, C, reg) in enumerate([(9, 6, 4, 0.0), (1, 3, 2, 0.1), (17, 11, 5, 2.5)]):
        r = cases_rng(seed)
        W, X, y = 1e-1 * r.standard_normal((D, C)), r.standard_normal((N, D)), r.integers(C, size=N)
        out.append((f"W ({D}, {C}), X ({N}, {D}), reg={reg}, seed {seed}", (W, X, y, reg)))
    return out


def _linear_loss(s: Subject) -> float:
    g = Grade()
    fn, ours = s.student(), s.ours()
    for i, (case, (W, X, y, reg)) in enumerate(_linear_cases()):
        loss, dW = pair(fn(W.copy(), X.copy(), y.copy(), reg), s.entry.qualname)
        want_loss, want_dW = ours(W, X, y, reg)
        g.scalar("loss", loss, want_loss, case)
        g.array("dW", dW, want_dW, case)
        if i == 0:
            work = W.copy()
            num = eval_numerical_gradient(
                lambda w, X=X, y=y, reg=reg: ours(w, X, y, reg)[0], work, verbose=False
            )
            g.array("dW", dW, num, case, 1e-7, numeric=True)
    return g.result()


# ------------------------------------------------------------ SGD and predict
def _blobs(seed: int, N: int = 60, D: int = 5, C: int = 3):
    r = cases_rng(seed)
    y = np.arange(N) % C
    centres = 3 * r.standard_normal((C, D))
    return centres[y] + 0.3 * r.standard_normal((N, D)), y


def _same_rows(seed: int, N: int = 12, D: int = 6):
    r = cases_rng(seed)
    return np.tile(r.standard_normal(D), (N, 1)), np.full(N, 2)


def linear_train(s: Subject) -> float:
    g = Grade()
    fn = s.student()
    X, y = _same_rows(0)
    W0 = 1e-2 * cases_rng(1).standard_normal((X.shape[1], 4))
    theirs, mine = s.ours("LinearSVM")(), s.ours("LinearSVM")()
    theirs.W, mine.W = W0.copy(), W0.copy()
    kw = {"learning_rate": 0.1, "reg": 0.05, "num_iters": 7, "batch_size": 5}
    case = "12 identical rows, W given, lr=0.1, reg=0.05, 7 steps of batch 5"
    history = fn(theirs, X, y, **kw)
    want = mine.train(X, y, **kw)
    if history is None:
        raise NotDone("train returns None (no loss history)")
    g.array("loss_history", np.asarray(history, dtype=np.float64), want, case)
    g.array("W", theirs.W, mine.W, case, unchanged=W0)
    X, y = _blobs(2)
    clf = s.ours("Softmax")()
    fn(clf, X, y, learning_rate=0.05, reg=1e-4, num_iters=200, batch_size=20)
    g.check(getattr(clf, "W", None) is not None, "W is still None after train", "blobs")
    if clf.W is not None:
        g.check(clf.W.shape == (5, 3), f"W has shape {np.shape(clf.W)}, expected (5, 3)", "blobs")
        acc = float(np.mean(np.argmax(X @ clf.W, axis=1) == y))
        g.check(acc > 0.9, f"training accuracy {acc:.2f} <= 0.9", "separable blobs, 200 steps")
    return g.result()


def linear_predict(s: Subject) -> float:
    g = Grade()
    fn = s.student()
    for seed, (N, D, C) in enumerate([(11, 4, 5), (1, 2, 3)]):
        r = cases_rng(seed)
        clf = s.ours("LinearSVM")()
        clf.W = r.standard_normal((D, C))
        X = r.standard_normal((N, D))
        g.array("y_pred", fn(clf, X.copy()), np.argmax(X @ clf.W, axis=1), f"W ({D}, {C})", 1e-12)
    return g.result()


# ---------------------------------------------------------------- two-layer net
def _net(s: Subject, D=4, H=10, C=3, std=1e-1, seed=0):
    np.random.seed(seed)  # noqa: NPY002 (the model draws from the global state)
    return s.ours("TwoLayerNet")(D, H, C, std=std)


def nn_loss(s: Subject) -> float:
    g = Grade()
    fn = s.student()
    for seed, (N, D, H, C, reg) in enumerate([(5, 4, 10, 3, 0.05), (1, 3, 7, 5, 0.0)]):
        net = _net(s, D, H, C, seed=seed)
        r = cases_rng(seed)
        X, y = r.standard_normal((N, D)), r.integers(C, size=N)
        case = f"X ({N}, {D}), H={H}, C={C}, reg={reg}"
        ours = s.ours("TwoLayerNet.loss")
        g.array("scores", fn(copy.deepcopy(net), X.copy()), ours(net, X), case)
        loss, grads = pair(fn(copy.deepcopy(net), X.copy(), y=y.copy(), reg=reg), "loss")
        want_loss, want = ours(net, X, y=y, reg=reg)
        g.scalar("loss", loss, want_loss, case)
        if not isinstance(grads, dict) or not grads:
            raise NotDone("grads is empty")
        for key in sorted(want):
            g.array(f"grads[{key!r}]", grads.get(key), want[key], case)
            if seed == 0:
                work = copy.deepcopy(net)

                def f(_, work=work, ours=ours, X=X, y=y, reg=reg):
                    return ours(work, X, y=y, reg=reg)[0]

                num = eval_numerical_gradient(f, work.params[key], verbose=False)
                g.array(f"grads[{key!r}]", grads.get(key), num, case, 1e-7, numeric=True)
    return g.result()


def nn_train(s: Subject) -> float:
    g = Grade()
    fn = s.student()
    X, y = _same_rows(3, D=4)
    theirs, mine = _net(s), _net(s)
    kw = {"learning_rate": 0.5, "learning_rate_decay": 0.5, "reg": 1e-3, "num_iters": 6}
    kw["batch_size"] = 4  # 3 iterations per epoch: the decay applies at steps 0 and 3
    case = "12 identical rows, lr=0.5, decay 0.5, 6 steps of batch 4"
    stats = fn(theirs, X, y, X[:3], y[:3], **kw)
    want = mine.train(X, y, X[:3], y[:3], **kw)
    if stats is None:
        raise NotDone("train returns None")
    g.array("loss_history", np.asarray(stats.get("loss_history")), want["loss_history"], case)
    for key in sorted(mine.params):
        g.array(key, theirs.params[key], mine.params[key], case)
    return g.result()


def nn_predict(s: Subject) -> float:
    g = Grade()
    fn = s.student()
    for seed in range(2):
        net = _net(s, D=4, H=10, C=5, std=1.0, seed=seed)
        X = cases_rng(seed).standard_normal((9, 4))
        g.array("y_pred", fn(net, X.copy()), net.predict(X), f"X (9, 4), seed {seed}", 1e-12)
    return g.result()


CHECKS = {
    "KNearestNeighbor.compute_distances_two_loops": _distances,
    "KNearestNeighbor.compute_distances_one_loop": _distances,
    "KNearestNeighbor.compute_distances_no_loops": _distances,
    "KNearestNeighbor.predict_labels": predict_labels,
    "svm_loss_naive": _linear_loss,
    "svm_loss_vectorized": _linear_loss,
    "softmax_loss_naive": _linear_loss,
    "softmax_loss_vectorized": _linear_loss,
    "LinearClassifier.train": linear_train,
    "LinearClassifier.predict": linear_predict,
    "neural_net.TwoLayerNet.loss": nn_loss,
    "neural_net.TwoLayerNet.train": nn_train,
    "neural_net.TwoLayerNet.predict": nn_predict,
}
