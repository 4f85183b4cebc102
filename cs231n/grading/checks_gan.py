"""Checks of assignment 3's GANs: what the student writes in ``gan_pytorch.py`` and ``gan_tf.py``.

Graded in both frameworks: ``sample_noise``, ``discriminator``, ``generator``,
``discriminator_loss``, ``generator_loss``, ``ls_discriminator_loss``, ``ls_generator_loss``;
in PyTorch ``get_optimizer``, ``build_dc_classifier``, ``build_dc_generator``; in TensorFlow
``leaky_relu``, ``get_solvers``, ``dc_discriminator``, ``dc_generator``. The 2020 starters give
``bce_loss`` (PyTorch), ``run_a_gan``, the data loaders and the helpers, so those are not graded
(and a graded loss calls the student's own ``bce_loss``, as the notebook does).

* ``sample_noise``: the official check (shape, a tensor, values in [-1, 1], both signs), and on
  5,000 draws the mean and variance of uniform [-1, 1] noise (0 and 1/3), and two calls differ.
* The models: the official parameter counts (267009, 1858320 at ``noise_dim = 4``, 1102721,
  6580801 in PyTorch and 6595521 in TensorFlow, which counts the batchnorm moving statistics),
  then the student's parameters, copied in order into ours (so the layer shapes must be the
  official ones), must give our outputs on random inputs: this catches a wrong activation, a
  wrong slope, a batchnorm in the wrong place. The DC generators run in training mode.
* The losses: the official values of ``gan-checks.npz`` (when it is in the data folder) to
  1e-7 in PyTorch (float32, as the notebook) and 1e-8 in TensorFlow (float64 inputs), then
  value and gradient (autograd through the student's function) against ours on random scores.
* The optimizers: the type and hyperparameters (Adam, learning rate 1e-3, betas (0.5, 0.999)),
  and two steps on a small model equal to ours.
* ``leaky_relu``: the official ``lrelu_x``/``lrelu_y`` to 1e-10, and ours at other slopes.

The frameworks are imported inside the checks: the grader's command line stays light.
"""

from __future__ import annotations

import numpy as np

from cs231n.grading.checks import Subject, cases_rng
from cs231n.grading.compare import Grade, NotDone, scaled_error

#: The official parameter counts (the notebooks' checks).
COUNTS = {
    "discriminator": 267009,
    "generator": 1858320,  # noise_dim = 4
    "build_dc_classifier": 1102721,
    "build_dc_generator": 6580801,  # noise_dim = 4
    "dc_discriminator": 1102721,
    "dc_generator": 6595521,  # noise_dim = 4, batchnorm moving statistics included
}
_OFFICIAL_TOL = {"pytorch": 1e-7, "tf": 1e-8}
_CHECKS_FILE = ("cs231n_extras", "gan-checks.npz")


def _is_torch(s: Subject) -> bool:
    return s.entry.module == "gan_pytorch"


def _official() -> dict | None:
    """The arrays of ``gan-checks.npz``, or ``None`` when it is not in the data folder."""
    from cs231n.paths import dataset_path

    path = dataset_path(*_CHECKS_FILE)
    if not path.exists():
        return None
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def _numpy(out, what: str) -> np.ndarray:
    """A tensor (torch or TF) or number as float64 numpy; ``None`` is not done."""
    if out is None:
        raise NotDone(f"{what} returned None")
    if hasattr(out, "detach"):
        out = out.detach()
    return np.asarray(out.numpy() if hasattr(out, "numpy") else out, dtype=np.float64)


def _close(g: Grade, what: str, got: np.ndarray, want: np.ndarray, case: str, tol: float):
    """Shapes equal and ``max|a - b| / (max|a| + max|b|) < tol`` (outputs near 0 are fine)."""
    if got.shape != want.shape:
        g.check(False, f"{what} has shape {got.shape}, expected {want.shape}", case)
    elif not np.all(np.isfinite(got)):
        g.check(False, f"{what} has inf or nan", case)
    else:
        g._record(scaled_error(got, want), tol, f"{what}; {case}")


# ------------------------------------------------------------------------------ noise
def sample_noise(s: Subject) -> float:
    g = Grade()
    student = s.student()
    for batch_size, dim in ((3, 7), (1000, 5)):
        case = f"sample_noise({batch_size}, {dim})"
        z = student(batch_size, dim)
        if z is None:
            raise NotDone("sample_noise returned None")
        if _is_torch(s):
            import torch

            g.check(torch.is_tensor(z), f"returns {type(z).__name__}, not a torch tensor", case)
        else:
            import tensorflow as tf

            g.check(tf.is_tensor(z), f"returns {type(z).__name__}, not a tf.Tensor", case)
        a = _numpy(z, "sample_noise")
        if a.shape != (batch_size, dim):
            g.check(False, f"shape {a.shape}, expected {(batch_size, dim)}", case)
            continue
        g.check(bool(np.all((a >= -1) & (a <= 1))), "values outside [-1, 1]", case)
        g.check(bool(np.any(a < 0) and np.any(a > 0)), "not both signs", case)
        if batch_size * dim >= 5000:  # mean 0 +- 0.008, variance 1/3 +- 0.004 (one sigma)
            g.check(abs(a.mean()) < 0.05, f"mean {a.mean():.3f}, uniform [-1, 1] has 0", case)
            g.check(abs(a.var() - 1 / 3) < 0.03, f"variance {a.var():.3f}, expected 1/3", case)
            again = _numpy(student(batch_size, dim), "sample_noise")
            g.check(not np.array_equal(a, again), "two calls give the same noise", case)
    return g.result()


# ------------------------------------------------------------------------------ models
def _torch_model_check(g: Grade, got, want, inputs: list[np.ndarray], what: str) -> None:
    """Copy the student's parameters (in order) into ours, compare the outputs."""
    import torch

    mine = [tuple(p.shape) for p in got.parameters()]
    ours = [tuple(p.shape) for p in want.parameters()]
    if mine != ours:
        g.check(False, f"parameter shapes {mine}, expected {ours}", what)
        return
    with torch.no_grad():
        for p, q in zip(want.parameters(), got.parameters(), strict=True):
            p.copy_(q.to(p.dtype))
        got.train(), want.train()
        for x in inputs:
            t = torch.tensor(x, dtype=torch.float32)
            case = f"{what}, input {x.shape}"
            _close(g, "output", _numpy(got(t), what), _numpy(want(t), "ours"), case, 1e-5)


def _tf_model_check(g: Grade, got, want, inputs: list[np.ndarray], what: str) -> None:
    """The same in Keras: run once (to build), copy ``get_weights`` in order, compare."""
    import tensorflow as tf

    for model in (got, want):
        model(tf.constant(inputs[0], tf.float32), training=True)
    mine = [tuple(w.shape) for w in got.get_weights()]
    ours = [tuple(w.shape) for w in want.get_weights()]
    if mine != ours:
        g.check(False, f"weight shapes {mine}, expected {ours}", what)
        return
    want.set_weights(got.get_weights())
    for x in inputs:
        t = tf.constant(x, tf.float32)
        case = f"{what}, input {x.shape}, training=True"
        out, ref = got(t, training=True), want(t, training=True)
        _close(g, "output", _numpy(out, what), _numpy(ref, "ours"), case, 1e-5)


def _count(s: Subject, model) -> int:
    if _is_torch(s):
        return int(sum(p.numel() for p in model.parameters()))
    return int(sum(int(np.prod(w.shape)) for w in model.weights))


def _model(s: Subject, args: tuple, inputs: list[np.ndarray], call: str) -> float:
    g = Grade()
    got = s.student()(*args)
    if got is None:
        raise NotDone(f"{call} returned None")
    want = s.ours()(*args)
    if not _is_torch(s):
        import tensorflow as tf

        got(tf.constant(inputs[0], tf.float32))  # a model without an Input builds on its call
    count, official = _count(s, got), COUNTS[s.entry.qualname]
    g.check(count == official, f"{count} parameters, expected {official} (official check)", call)
    (_torch_model_check if _is_torch(s) else _tf_model_check)(g, got, want, inputs, call)
    return g.result()


def _images(seed: int, n: int, torch_layout: bool) -> np.ndarray:
    x = cases_rng(seed).uniform(-1, 1, size=(n, 784))
    return x.reshape(n, 1, 28, 28) if torch_layout else x


def _noise(seed: int, n: int, dim: int) -> np.ndarray:
    return cases_rng(seed).uniform(-1, 1, size=(n, dim))


def discriminator(s: Subject) -> float:
    images = [_images(60, 5, _is_torch(s)), _images(61, 1, _is_torch(s))]
    return _model(s, (), images, "discriminator()")


def generator(s: Subject) -> float:
    return _model(s, (4,), [_noise(62, 5, 4), _noise(63, 2, 4)], "generator(4)")


def build_dc_classifier(s: Subject) -> float:
    return _model(s, (3,), [_images(64, 3, True)], "build_dc_classifier(3)")


def build_dc_generator(s: Subject) -> float:
    return _model(s, (4,), [_noise(65, 4, 4)], "build_dc_generator(4)")


def dc_discriminator(s: Subject) -> float:
    return _model(s, (), [_images(66, 3, False)], "dc_discriminator()")


def dc_generator(s: Subject) -> float:
    return _model(s, (4,), [_noise(67, 4, 4)], "dc_generator(4)")


# ------------------------------------------------------------------------------ losses
def _run_loss(s: Subject, fn, scores: list[np.ndarray], what: str):
    """``fn(*scores)``: its value and its gradients with respect to the scores (float64 numpy;
    ``None`` for the gradients when the value left the autograd graph). PyTorch scores are
    float32 (as the notebook's ``.type(dtype)``), TensorFlow's float64 (as ``tf.constant`` of
    the check file)."""
    if _is_torch(s):
        import torch

        xs = [torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in scores]
        out = fn(*xs)
        value = _numpy(out, what)
        if not torch.is_tensor(out) or not out.requires_grad:
            return value, None
        grads = torch.autograd.grad(out, xs, allow_unused=True)
    else:
        import tensorflow as tf

        xs = [tf.Variable(a, dtype=tf.float64) for a in scores]
        with tf.GradientTape() as tape:
            out = fn(*xs)
        value = _numpy(out, what)
        if not tf.is_tensor(out):
            return value, None
        grads = tape.gradient(out, xs)
    return value, [None if d is None else _numpy(d, what) for d in grads]


def _loss(s: Subject, official_keys: tuple[str, ...], value_key: str) -> float:
    g = Grade()
    student, ours = s.student(), s.ours()
    name = s.entry.qualname
    checks = _official()
    if checks is not None:
        scores = [checks[k] for k in official_keys]  # (10, 1) each
        value, _ = _run_loss(s, student, scores, name)
        fw = "pytorch" if _is_torch(s) else "tf"
        g.scalar("loss", value, float(checks[value_key]), "gan-checks.npz (the official check)",
                 _OFFICIAL_TOL[fw])  # fmt: skip
    for seed, n in enumerate((7, 16, 1)):
        r = cases_rng(70 + seed)
        scores = [r.normal(0, 3, size=(n, 1)) for _ in official_keys]
        case = f"scores ({n}, 1) x {len(scores)}, seed {seed}"
        value, grads = _run_loss(s, student, scores, name)
        want_value, want_grads = _run_loss(s, ours, scores, "ours")
        g.array("loss", value, want_value, case, 1e-6)
        if grads is None:
            g.check(False, "loss is not differentiable (it left the autograd graph)", case)
            continue
        for i, (d, want) in enumerate(zip(grads, want_grads, strict=True)):
            if d is None:
                g.check(False, f"dloss/d(input {i}) is missing: the input is not used", case)
            else:
                _close(g, f"dloss/d(input {i})", d, want, case, 1e-5)
    return g.result()


def discriminator_loss(s: Subject) -> float:
    return _loss(s, ("logits_real", "logits_fake"), "d_loss_true")


def generator_loss(s: Subject) -> float:
    return _loss(s, ("logits_fake",), "g_loss_true")


def ls_discriminator_loss(s: Subject) -> float:
    return _loss(s, ("logits_real", "logits_fake"), "d_loss_lsgan_true")


def ls_generator_loss(s: Subject) -> float:
    return _loss(s, ("logits_fake",), "g_loss_lsgan_true")


# ------------------------------------------------------------------------------ TF only
def leaky_relu(s: Subject) -> float:
    import tensorflow as tf

    g = Grade()
    student, ours = s.student(), s.ours()
    checks = _official()
    if checks is not None:
        got = _numpy(student(tf.constant(checks["lrelu_x"])), "leaky_relu")
        g.array("y", got, checks["lrelu_y"], "lrelu_x of gan-checks.npz (the official check)",
                1e-10, zeros_are_starter=False)  # fmt: skip
    for seed, alpha in enumerate((0.01, 0.2, 0.5)):
        x = cases_rng(80 + seed).standard_normal((3, 5))
        case = f"x (3, 5), alpha {alpha}, seed {seed}"
        got = _numpy(student(tf.constant(x), alpha), "leaky_relu")
        g.array("y", got, _numpy(ours(tf.constant(x), alpha), "ours"), case, 1e-10)
    return g.result()


# ------------------------------------------------------------------------------ optimizers
def get_optimizer(s: Subject) -> float:
    """Adam, lr 1e-3, betas (0.5, 0.999), on all the model's parameters; two steps as ours."""
    import torch

    g = Grade()
    case = "get_optimizer(Linear(4, 3))"
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    twin = torch.nn.Linear(4, 3)
    twin.load_state_dict(model.state_dict())
    opt = s.student()(model)
    if opt is None:
        raise NotDone("get_optimizer returned None")
    g.check(isinstance(opt, torch.optim.Adam), f"{type(opt).__name__}, expected Adam", case)
    group = opt.param_groups[0] if getattr(opt, "param_groups", None) else {}
    g.check(group.get("lr") == 1e-3, f"learning rate {group.get('lr')}, expected 1e-3", case)
    betas = tuple(group.get("betas", ()))
    g.check(betas == (0.5, 0.999), f"betas {betas}, expected (0.5, 0.999)", case)
    params = {id(p) for grp in getattr(opt, "param_groups", []) for p in grp["params"]}
    g.check(params == {id(p) for p in model.parameters()}, "not all the model's parameters", case)
    ref = s.ours()(twin)
    x = torch.tensor(cases_rng(90).standard_normal((5, 4)), dtype=torch.float32)
    for _ in range(2):
        for m, o in ((model, opt), (twin, ref)):
            o.zero_grad()
            (m(x) ** 2).sum().backward()
            o.step()
    for name, a, b in zip(("weight", "bias"), model.parameters(), twin.parameters(), strict=True):
        _close(g, name, _numpy(a, "weight"), _numpy(b, "ours"), case + ", two steps", 1e-6)
    return g.result()


def get_solvers(s: Subject) -> float:
    """Two distinct Keras Adam optimizers with the given learning rate and beta1."""
    import tensorflow as tf

    g = Grade()
    for args in ((), (2e-4, 0.3)):
        lr, beta1 = args or (1e-3, 0.5)
        case = f"get_solvers({', '.join(map(str, args))})"
        solvers = s.student()(*args)
        if solvers is None or (isinstance(solvers, tuple) and None in solvers):
            raise NotDone("get_solvers returns None")
        if not isinstance(solvers, (tuple, list)) or len(solvers) != 2:
            g.check(False, f"returns {type(solvers).__name__}, not (D_solver, G_solver)", case)
            continue
        g.check(solvers[0] is not solvers[1], "D and G share one optimizer (one state)", case)
        for who, opt in zip(("D_solver", "G_solver"), solvers, strict=True):
            if not isinstance(opt, tf.keras.optimizers.Adam):
                g.check(False, f"{who} is {type(opt).__name__}, expected Adam", case)
                continue
            got_lr, got_b1 = float(np.asarray(opt.learning_rate)), float(np.asarray(opt.beta_1))
            # Keras keeps them in float32 variables: 1e-3 is 0.0010000000475
            g.check(abs(got_lr - lr) <= 1e-6 * lr, f"{who} learning rate {got_lr}, expected {lr}",
                    case)  # fmt: skip
            g.check(abs(got_b1 - beta1) < 1e-7, f"{who} beta_1 {got_b1}, expected {beta1}", case)
            got_b2 = float(np.asarray(opt.beta_2))
            g.check(abs(got_b2 - 0.999) < 1e-7, f"{who} beta_2 {got_b2}, expected 0.999", case)
    return g.result()


_BOTH = (
    sample_noise,
    discriminator,
    generator,
    discriminator_loss,
    generator_loss,
    ls_discriminator_loss,
    ls_generator_loss,
)
CHECKS = {
    **{f"gan_pytorch.{fn.__name__}": fn for fn in _BOTH},
    **{f"gan_tf.{fn.__name__}": fn for fn in _BOTH},
    "gan_pytorch.get_optimizer": get_optimizer,
    "gan_pytorch.build_dc_classifier": build_dc_classifier,
    "gan_pytorch.build_dc_generator": build_dc_generator,
    "gan_tf.leaky_relu": leaky_relu,
    "gan_tf.get_solvers": get_solvers,
    "gan_tf.dc_discriminator": dc_discriminator,
    "gan_tf.dc_generator": dc_generator,
}
