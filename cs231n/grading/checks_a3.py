"""Checks of assignment 3: network visualization and the style-transfer losses, in both frameworks.

The network-visualization functions run on a tiny conv-relu-pool-linear classifier (random
weights, 8x8 images) instead of SqueezeNet, so that a check takes a fraction of a second:
saliency maps and class-visualization steps must equal ours; a fooling image must be
classified as the target and lie not much further from the original than ours.

Each loss is called on small random float64 tensors (odd sizes, several seeds) and compared
with ours, value and gradient: the gradient is taken by the framework's autograd through the
student's function, so a loss that leaves the graph (``.detach()``, ``.numpy()``, a Python
float) is reported even when its value is right. ``tv_loss`` is also checked against the
official check value of ``style-transfer-checks.npz`` (303.47 for tubingen at 192 px) when
that file is in the data folder.

The frameworks are imported inside the checks: the grader's command line stays light.
"""

from __future__ import annotations

import numpy as np

from cs231n.grading.checks import Subject, cases_rng
from cs231n.grading.compare import Grade, NotDone

# (N, C, H, W) of the random feature maps: odd sizes, one channel, a batch of two.
_SHAPES = [(1, 5, 7, 3), (1, 1, 4, 6), (2, 3, 5, 5)]


def _torch():
    import torch

    return torch


def _tf():
    import tensorflow as tf

    return tf


def _value(out, what: str) -> np.ndarray:
    """A framework tensor (or number) as a float64 numpy array; ``None`` is not done."""
    if out is None:
        raise NotDone(f"{what} returned None")
    if hasattr(out, "detach"):
        out = out.detach()
    return np.asarray(out.numpy() if hasattr(out, "numpy") else out)


class _Torch:
    """Run ``loss(*args)`` with autograd; returns the value and d(value * R)/d(inputs)."""

    nchw = True

    def __init__(self) -> None:
        self.torch = _torch()

    def leaf(self, a: np.ndarray):
        return self.torch.tensor(a, dtype=self.torch.float64, requires_grad=True)

    def const(self, a: np.ndarray):
        return self.torch.tensor(a, dtype=self.torch.float64)

    def run(self, fn, make_args, leaves: list[np.ndarray], weight: np.ndarray | None, what: str):
        xs = [self.leaf(a) for a in leaves]
        out = fn(*make_args(xs))
        value = _value(out, what)
        if not hasattr(out, "requires_grad") or not out.requires_grad:
            return value, None  # left the graph: no gradient to compare
        objective = out if weight is None else (out * self.const(weight)).sum()
        grads = self.torch.autograd.grad(objective, xs, allow_unused=True)
        return value, [None if g is None else g.numpy() for g in grads]


class _TF:
    """The same with ``tf.GradientTape`` (NHWC feature maps)."""

    nchw = False

    def __init__(self) -> None:
        self.tf = _tf()

    def leaf(self, a: np.ndarray):
        return self.tf.Variable(a, dtype=self.tf.float64)

    def const(self, a: np.ndarray):
        return self.tf.constant(a, dtype=self.tf.float64)

    def run(self, fn, make_args, leaves: list[np.ndarray], weight: np.ndarray | None, what: str):
        xs = [self.leaf(a) for a in leaves]
        with self.tf.GradientTape() as tape:
            out = fn(*make_args(xs))
            objective = None
            if out is not None and isinstance(out, self.tf.Tensor):
                objective = out if weight is None else self.tf.reduce_sum(out * self.const(weight))
        value = _value(out, what)
        if objective is None:
            return value, None
        grads = tape.gradient(objective, xs)
        return value, [None if g is None else g.numpy() for g in grads]


def _layout(shape: tuple[int, ...], nchw: bool) -> tuple[int, ...]:
    N, C, H, W = shape
    return shape if nchw else (N, H, W, C)


def _compare(g: Grade, what: str, student, ours, case: str, tol: float = 1e-10) -> None:
    """Value and gradients of the student's run against ours."""
    value, grads = student
    want_value, want_grads = ours
    g.array(what, value, want_value, case, tol)
    if grads is None:
        g.check(False, f"{what} is not differentiable (it left the autograd graph)", case)
        return
    for i, (got, want) in enumerate(zip(grads, want_grads, strict=True)):
        if got is None:
            g.check(False, f"d{what}/d(input {i}) is missing: the input is not used", case)
        else:
            g.array(f"d{what}/d(input {i})", got, want, case, tol)


def _framework(s: Subject):
    return _Torch() if s.entry.module.endswith("pytorch") else _TF()


def content_loss(s: Subject) -> float:
    g, fw = Grade(), _framework(s)
    student, ours = s.student(), s.ours()
    for seed, shape in enumerate(_SHAPES[:2]):
        r = cases_rng(seed)
        shape = _layout(shape, fw.nchw)
        a, b = r.standard_normal(shape), r.standard_normal(shape)
        weight = float(r.uniform(0.01, 2.0))
        case = f"features {shape}, content_weight {weight:.3g}, seed {seed}"

        def args(xs, weight=weight):
            return (weight, xs[0], xs[1])

        _compare(g, "loss", fw.run(student, args, [a, b], None, "content_loss"),
                 fw.run(ours, args, [a, b], None, "ours"), case)  # fmt: skip
    return g.result()


def gram_matrix(s: Subject) -> float:
    g, fw = Grade(), _framework(s)
    student, ours = s.student(), s.ours()
    # TensorFlow's official gram_matrix takes one image: (1, H, W, C) -> (C, C).
    shapes = _SHAPES if fw.nchw else [sh for sh in _SHAPES if sh[0] == 1]
    for seed, shape in enumerate(shapes):
        for normalize in (True, False):
            r = cases_rng(10 + seed)
            shape_l = _layout(shape, fw.nchw)
            x = r.standard_normal(shape_l)
            C = shape[1]
            weight = r.standard_normal((shape[0], C, C) if fw.nchw else (C, C))
            case = f"features {shape_l}, normalize={normalize}, seed {seed}"

            def args(xs, normalize=normalize):
                return (xs[0], normalize)

            _compare(g, "gram", fw.run(student, args, [x], weight, "gram_matrix"),
                     fw.run(ours, args, [x], weight, "ours"), case)  # fmt: skip
    return g.result()


def style_loss(s: Subject) -> float:
    g, fw = Grade(), _framework(s)
    student, ours = s.student(), s.ours()
    gram = s.ours("gram_matrix")
    for seed in range(2):
        r = cases_rng(20 + seed)
        shapes = [_layout(sh, fw.nchw) for sh in [(1, 3, 5, 4), (1, 4, 3, 3), (1, 2, 6, 5)]]
        feats = [r.standard_normal(sh) for sh in shapes]
        layers, weights = [0, 2], [float(w) for w in r.uniform(0.5, 3.0, size=2)]
        targets = [
            _value(gram(fw.const(r.standard_normal(shapes[layer]))), "ours") for layer in layers
        ]
        case = f"features {shapes}, style_layers {layers}, seed {seed}"

        def args(xs, targets=targets, layers=layers, weights=weights):
            return (list(xs), layers, [fw.const(t) for t in targets], weights)

        # the feature of layer 1 is not in style_layers: its gradient is zero, not missing
        got = fw.run(student, args, feats, None, "style_loss")
        want = fw.run(ours, args, feats, None, "ours")
        if got[1] is not None:
            got = (got[0], [np.zeros_like(f) if d is None else d for d, f in zip(got[1], feats)])
        want = (want[0], [np.zeros_like(f) if d is None else d for d, f in zip(want[1], feats)])
        _compare(g, "loss", got, want, case)
    return g.result()


def tv_loss(s: Subject) -> float:
    g, fw = Grade(), _framework(s)
    student, ours = s.student(), s.ours()
    for seed, shape in enumerate([(1, 3, 7, 5), (1, 3, 2, 9)]):
        r = cases_rng(30 + seed)
        shape = _layout(shape, fw.nchw)
        img, weight = r.standard_normal(shape), float(r.uniform(0.01, 1.0))
        case = f"img {shape}, tv_weight {weight:.3g}, seed {seed}"

        def args(xs, weight=weight):
            return (xs[0], weight)

        _compare(g, "loss", fw.run(student, args, [img], None, "tv_loss"),
                 fw.run(ours, args, [img], None, "ours"), case)  # fmt: skip
    official = _official_tv_input(fw)
    if official is not None:
        img, want = official
        value, _ = fw.run(student, lambda xs: (xs[0], 2e-2), [img], None, "tv_loss")
        g.scalar("tv_out", float(value), want, "tubingen at 192 px (the official check)", 1e-4)
    return g.result()


def _official_tv_input(fw) -> tuple[np.ndarray, float] | None:
    """The preprocessed tubingen of the official TV check and the file's value, or ``None``
    when the check file or the image is not in the data folder. The PyTorch value uses our
    preprocessing; the TensorFlow value the official TF loader's resize (``legacy=True``)."""
    from cs231n.paths import DatasetNotFoundError, dataset_path

    name = "style-transfer-checks.npz" if fw.nchw else "style-transfer-checks-tf.npz"
    checks = dataset_path("cs231n_extras", name)
    if not checks.exists():
        return None
    try:
        if fw.nchw:
            from cs231n import style_transfer_pytorch as st

            img = st.preprocess(st.CHECK_CONTENT, size=st.CHECK_SIZE).numpy()
        else:
            from cs231n import image_utils
            from cs231n import style_transfer_tensorflow as st

            raw = st.load_image(st.CHECK_CONTENT, size=st.CHECK_SIZE, legacy=True)
            img = image_utils.preprocess_image(raw)[None]
    except DatasetNotFoundError:
        return None
    with np.load(checks) as f:
        return img.astype(np.float64), float(f["tv_out"])


# ------------------------------------------------------------------ network visualization
# A tiny classifier stands in for SqueezeNet: conv 3x3 (3 -> 4), ReLU, 2x2 max pool, linear
# to 5 classes, on 8x8 images; float64 in PyTorch, float32 in TensorFlow (as the notebooks).
_CLASSES, _SIDE = 5, 8


def _tiny_torch_model(seed: int):
    torch = _torch()
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * (_SIDE // 2) ** 2, _CLASSES),
    ).double()
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)  # as the notebooks freeze SqueezeNet
    return model


def _tiny_tf_model(seed: int):
    tf = _tf()
    tf.keras.utils.set_random_seed(seed)
    return tf.keras.Sequential(
        [
            tf.keras.Input((_SIDE, _SIDE, 3)),
            tf.keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            tf.keras.layers.MaxPool2D(2),
            tf.keras.layers.Flatten(),
            tf.keras.layers.Dense(_CLASSES),
        ]
    )


def _images(fw, seed: int, n: int):
    r = cases_rng(40 + seed)
    x = r.standard_normal((n, 3, _SIDE, _SIDE))
    return x if fw.nchw else x.transpose(0, 2, 3, 1).astype(np.float32)


def _model(fw, seed: int):
    return _tiny_torch_model(seed) if fw.nchw else _tiny_tf_model(seed)


def _input(fw, x: np.ndarray, grad: bool = False):
    if fw.nchw:
        t = fw.torch.tensor(x, dtype=fw.torch.float64)
        return t.requires_grad_() if grad else t
    return fw.tf.convert_to_tensor(x)


def _predict(fw, model, x: np.ndarray) -> int:
    out = model(_input(fw, x))
    return int(np.argmax(_value(out, "model")[0]))


def compute_saliency_maps(s: Subject) -> float:
    g, fw = Grade(), _framework(s)
    student, ours = s.student(), s.ours()
    tol = 1e-10 if fw.nchw else 1e-5
    for seed in range(3):
        model, x = _model(fw, seed), _images(fw, seed, 3)
        y = cases_rng(50 + seed).integers(_CLASSES, size=3)
        case = f"X {x.shape}, y {y.tolist()}, a conv-relu-pool-linear net, seed {seed}"
        labels = fw.torch.tensor(y) if fw.nchw else y
        got = _value(student(_input(fw, x), labels, model), "compute_saliency_maps")
        want = _value(ours(_input(fw, x), labels, model), "ours")
        g.array("saliency", got, want, case, tol)
    return g.result()


def make_fooling_image(s: Subject) -> float:
    """Fooled, and not much further from X than the official stopping rule goes."""
    g, fw = Grade(), _framework(s)
    student, ours = s.student(), s.ours()
    graded = 0
    for seed in range(3):
        model, x = _model(fw, seed), _images(fw, seed, 1)
        target = (_predict(fw, model, x) + 1 + seed) % _CLASSES
        case = f"X {x.shape}, target {target}, a conv-relu-pool-linear net, seed {seed}"
        want = _value(ours(_input(fw, x), target, model), "ours")
        if _predict(fw, model, want) != target:
            continue  # our ascent did not reach this target within its cap: no reference
        got = _value(student(_input(fw, x), target, model), "make_fooling_image")
        if got.shape != x.shape:
            g.check(False, f"X_fooling has shape {got.shape}, expected {x.shape}", case)
            continue
        if np.array_equal(got, x):
            raise NotDone("X_fooling is X unchanged")
        graded += 1
        g.check(_predict(fw, model, got) == target, "X_fooling is not classified as target", case)
        moved, ref = np.linalg.norm(got - x), np.linalg.norm(want - x)
        far = f"X_fooling moved {moved:.3g} from X (ours {ref:.3g})"
        g.check(moved <= 2 * ref + 1e-6, far, case)
    if not graded:
        raise RuntimeError("cannot grade make_fooling_image: no case has a reference")
    return g.result()


def class_visualization_update_step(s: Subject) -> float:
    g, fw = Grade(), _framework(s)
    student, ours = s.student(), s.ours()
    tol = 1e-10 if fw.nchw else 1e-5
    for seed in range(3):
        model, x = _model(fw, seed), _images(fw, seed, 1)
        target, l2_reg, lr = seed % _CLASSES, [1e-3, 0.0, 0.5][seed], [25.0, 1.0, 3.0][seed]
        case = f"img {x.shape}, target {target}, l2_reg {l2_reg}, learning_rate {lr}, seed {seed}"
        if fw.nchw:  # the official step updates img in place; img requires grad
            got_img, want_img = _input(fw, x, grad=True), _input(fw, x, grad=True)
            student(got_img, model, target, l2_reg, lr)
            ours(want_img, model, target, l2_reg, lr)
            got, want = _value(got_img, "img"), _value(want_img, "ours")
            if np.array_equal(got, x):
                raise NotDone("img is unchanged after the step")
        else:  # the official TF step returns the new image
            got = _value(student(fw.tf.Variable(x), model, target, l2_reg, lr), "the new X")
            want = _value(ours(fw.tf.Variable(x), model, target, l2_reg, lr), "ours")
        g.array("img", got, want, case, tol, unchanged=x)
    return g.result()


def _in_both_frameworks(stem: str, *checks) -> dict:
    """The check keys of ``stem_pytorch.<name>`` and ``stem_tensorflow.<name>`` for each check
    (a check is named after the function it grades)."""
    return {f"{stem}_{fw}.{fn.__name__}": fn for fw in ("pytorch", "tensorflow") for fn in checks}


CHECKS = {
    **_in_both_frameworks(
        "net_visualization",
        compute_saliency_maps,
        make_fooling_image,
        class_visualization_update_step,
    ),
    **_in_both_frameworks("style_transfer", content_loss, gram_matrix, style_loss, tv_loss),
}
