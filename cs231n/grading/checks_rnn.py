"""Checks of assignment 3's captioning: the recurrent layers (``rnn_layers.py``), CaptioningRNN.

The ten layer functions the 2020 notebooks leave to the student are graded:
``rnn_step_forward/backward``, ``rnn_forward/backward``, ``word_embedding_forward/backward``,
``lstm_step_forward/backward`` and ``lstm_forward/backward``. The starter code gives
``temporal_affine_forward/backward``, ``temporal_softmax_loss`` and ``sigmoid``, so they are
not graded (a graded function that calls them gets ours, as the loader isolates it).

Each forward is checked on the official 2020 inputs against the values the notebooks print,
then against ours on small random float64 inputs (N = 1, T = 1, odd sizes). Each backward gets
the cache of the student's own forward and is compared with ours, and on the first input
(the notebook's own, drawn as ``np.random.seed(231)`` draws them) with centred differences of
our forward. ``word_embedding_backward`` is checked with words that repeat, the usual bug.

``CaptioningRNN.loss`` and ``CaptioningRNN.sample`` (its ``__init__`` is given) are called
with an instance that OUR ``__init__`` built, in float64, that also has the student's own
helper methods, with the layers of ``rnn_layers`` and ``layers`` rebound to ours. The loss:
the notebooks' losses 9.83235591003 (rnn) and 9.82445935443 (lstm) of their deterministic
models, to 1e-10; loss and gradients against ours on random captions with ``<NULL>``
padding, both cells; and on the notebooks' gradient-check model (``np.random.seed(231)``),
both cells, the gradients against centred differences of our loss. The greedy sample: the
captions of ours on the same parameters, word by word up to the first ``<END>`` (what
``decode_captions`` shows; a sample that pads with ``<NULL>`` after ``<END>`` and one that
goes on sampling both pass).
"""

from __future__ import annotations

import copy
import types

import numpy as np

from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n.grading.checks import Subject, cases_rng, check_backward, check_forward
from cs231n.grading.compare import Grade, NotDone, pair

_OFFICIAL_SEED = "np.random.seed(231), as the notebook"


def _official_rng() -> np.random.RandomState:
    # RandomState(231).randn draws what np.random.seed(231); np.random.randn draw.
    return np.random.RandomState(231)  # noqa: NPY002


def _lin(a: float, b: float, *shape: int) -> np.ndarray:
    return np.linspace(a, b, num=int(np.prod(shape))).reshape(shape)


def _official_value(s: Subject, args: tuple, want, names, tol: float, notebook: str) -> float:
    """The student's forward on the official inputs against the printed values."""
    g = Grade()
    got = s.student()(*copy.deepcopy(args))
    got = pair(got, s.entry.qualname, len(names) + 1)
    for name, a, b in zip(names, got, want, strict=False):
        g.array(name, a, np.asarray(b), f"the official check ({notebook})", tol)
    return g.result()


# ---------------------------------------------------------------------- vanilla RNN
def _rnn_step_cases():
    r = _official_rng()
    N, D, H = 4, 5, 6
    official = tuple(r.randn(*s) for s in [(N, D), (N, H), (D, H), (H, H), (H,)])
    out = [(f"x ({N}, {D}), H={H}, {_OFFICIAL_SEED}", official)]
    for seed, (N, D, H) in enumerate([(3, 7, 5), (1, 2, 3)]):
        r = cases_rng(seed)
        args = tuple(r.standard_normal(s) for s in [(N, D), (N, H), (D, H), (H, H), (H,)])
        out.append((f"x ({N}, {D}), H={H}, seed {seed}", args))
    return out


def _rnn_cases():
    r = _official_rng()
    N, D, T, H = 2, 3, 10, 5
    x, h0 = r.randn(N, T, D), r.randn(N, H)
    Wx, Wh, b = r.randn(D, H), r.randn(H, H), r.randn(H)
    out = [(f"x ({N}, {T}, {D}), H={H}, {_OFFICIAL_SEED}", (x, h0, Wx, Wh, b))]
    for seed, (N, T, D, H) in enumerate([(3, 4, 5, 6), (1, 1, 3, 2), (2, 6, 1, 3)]):
        r = cases_rng(seed)
        shapes = [(N, T, D), (N, H), (D, H), (H, H), (H,)]
        out.append(
            (f"x ({N}, {T}, {D}), H={H}, seed {seed}", tuple(r.standard_normal(s) for s in shapes))
        )
    return out


def rnn_step_forward(s: Subject) -> float:
    N, D, H = 3, 10, 4
    args = (_lin(-0.4, 0.7, N, D), _lin(-0.2, 0.5, N, H), _lin(-0.1, 0.9, D, H),
            _lin(-0.3, 0.7, H, H), _lin(-0.2, 0.4, H))  # fmt: skip
    want = [
        [-0.58172089, -0.50182032, -0.41232771, -0.31410098],
        [0.66854692, 0.79562378, 0.87755553, 0.92795967],
        [0.97934501, 0.99144213, 0.99646691, 0.99854353],
    ]
    first = _official_value(s, args, [want], ["next_h"], 1e-8, "RNN_Captioning.ipynb")
    return max(first, check_forward(s, _rnn_step_cases()))


def rnn_step_backward(s: Subject) -> float:
    names = ("dx", "dprev_h", "dWx", "dWh", "db")
    return check_backward(s, "rnn_step_forward", _rnn_step_cases(), names, range(5))


def rnn_forward(s: Subject) -> float:
    N, T, D, H = 2, 3, 4, 5
    args = (_lin(-0.1, 0.3, N, T, D), _lin(-0.3, 0.1, N, H), _lin(-0.2, 0.4, D, H),
            _lin(-0.4, 0.1, H, H), _lin(-0.7, 0.1, H))  # fmt: skip
    want = [
        [
            [-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
            [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
            [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525],
        ],
        [
            [-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
            [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
            [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043],
        ],
    ]
    first = _official_value(s, args, [want], ["h"], 1e-7, "RNN_Captioning.ipynb")
    return max(first, check_forward(s, _rnn_cases()))


def rnn_backward(s: Subject) -> float:
    names = ("dx", "dh0", "dWx", "dWh", "db")
    return check_backward(s, "rnn_forward", _rnn_cases(), names, range(5))


# --------------------------------------------------------------------- word embedding
def _embedding_cases():
    r = _official_rng()
    N, T, V, D = 50, 3, 5, 6
    x = r.randint(V, size=(N, T))
    W = r.randn(V, D)
    out = [(f"x ({N}, {T}) in [0, {V}), W ({V}, {D}), {_OFFICIAL_SEED}", (x, W))]
    for seed, (N, T, V, D) in enumerate([(4, 5, 7, 3), (1, 1, 2, 4)]):
        r = cases_rng(seed)
        x, W = r.integers(V, size=(N, T)), r.standard_normal((V, D))
        out.append((f"x ({N}, {T}) in [0, {V}), W ({V}, {D}), seed {seed}", (x, W)))
    return out


def word_embedding_forward(s: Subject) -> float:
    x = np.asarray([[0, 3, 1, 2], [2, 1, 0, 3]])
    W = _lin(0, 1, 5, 3)
    rows = [
        [0.0, 0.07142857, 0.14285714],
        [0.21428571, 0.28571429, 0.35714286],
        [0.42857143, 0.5, 0.57142857],
        [0.64285714, 0.71428571, 0.78571429],
    ]
    want = np.asarray(rows)[x]  # the notebook prints these rows in this order
    first = _official_value(s, (x, W), [want], ["out"], 1e-7, "RNN_Captioning.ipynb")
    return max(first, check_forward(s, _embedding_cases()))


def word_embedding_backward(s: Subject) -> float:
    return check_backward(s, "word_embedding_forward", _embedding_cases(), ("dW",), (1,))


# ------------------------------------------------------------------------------ LSTM
def _lstm_shapes(N, T, D, H):
    x = (N, T, D) if T else (N, D)
    return [x, (N, H), (D, 4 * H), (H, 4 * H), (4 * H,)]


def _lstm_step_cases():
    r = _official_rng()
    N, D, H = 4, 5, 6
    x, h, c = r.randn(N, D), r.randn(N, H), r.randn(N, H)
    Wx, Wh, b = r.randn(D, 4 * H), r.randn(H, 4 * H), r.randn(4 * H)
    out = [(f"x ({N}, {D}), H={H}, {_OFFICIAL_SEED}", (x, h, c, Wx, Wh, b))]
    for seed, (N, D, H) in enumerate([(3, 2, 5), (1, 4, 1)]):
        r = cases_rng(seed)
        shapes = [(N, D), (N, H), (N, H), (D, 4 * H), (H, 4 * H), (4 * H,)]
        out.append(
            (f"x ({N}, {D}), H={H}, seed {seed}", tuple(r.standard_normal(s) for s in shapes))
        )
    return out


def _lstm_cases():
    r = _official_rng()
    N, D, T, H = 2, 3, 10, 6
    official = tuple(r.randn(*s) for s in _lstm_shapes(N, T, D, H))
    out = [(f"x ({N}, {T}, {D}), H={H}, {_OFFICIAL_SEED}", official)]
    for seed, (N, T, D, H) in enumerate([(3, 4, 2, 3), (1, 1, 3, 2), (2, 5, 1, 1)]):
        r = cases_rng(seed)
        args = tuple(r.standard_normal(s) for s in _lstm_shapes(N, T, D, H))
        out.append((f"x ({N}, {T}, {D}), H={H}, seed {seed}", args))
    return out


def lstm_step_forward(s: Subject) -> float:
    N, D, H = 3, 4, 5
    args = (_lin(-0.4, 1.2, N, D), _lin(-0.3, 0.7, N, H), _lin(-0.4, 0.9, N, H))
    args += (_lin(-2.1, 1.3, D, 4 * H), _lin(-0.7, 2.2, H, 4 * H), _lin(0.3, 0.7, 4 * H))
    want_h = [
        [0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
        [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
        [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299],
    ]
    want_c = [
        [0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
        [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
        [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676],
    ]
    notebook = "LSTM_Captioning.ipynb"
    g = Grade()
    g.worst_pass = _official_value(s, args, [want_h, want_c], ["next_h", "next_c"], 1e-8, notebook)
    student, ours = s.student(), s.ours()
    for case, a in _lstm_step_cases():
        got = pair(student(*copy.deepcopy(a)), s.entry.qualname, 3)
        want = ours(*copy.deepcopy(a))
        g.array("next_h", got[0], want[0], case)
        g.array("next_c", got[1], want[1], case)
    return g.result()


def lstm_step_backward(s: Subject) -> float:
    """Two upstream gradients (``dnext_h``, ``dnext_c``): the notebook's numeric check sums
    the gradients through ``next_h`` and through ``next_c``."""
    g = Grade()
    s_fwd, s_bwd = s.student("lstm_step_forward"), s.student()
    o_fwd, o_bwd = s.ours("lstm_step_forward"), s.ours()
    names = ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db")
    for i, (case, args) in enumerate(_lstm_step_cases()):
        next_h, next_c, o_cache = o_fwd(*copy.deepcopy(args))
        r = cases_rng(60 + i)
        dh, dc = r.standard_normal(next_h.shape), r.standard_normal(next_c.shape)
        result = s_fwd(*copy.deepcopy(args))
        cache = result[2] if isinstance(result, (tuple, list)) and len(result) == 3 else None
        got = pair(s_bwd(dh.copy(), dc.copy(), cache), s.entry.qualname, 6)
        want = o_bwd(dh.copy(), dc.copy(), o_cache)
        for name, a, b in zip(names, got, want, strict=True):
            g.array(name, a, b, case)
        if i == 0:
            for j, (name, a) in enumerate(zip(names, got, strict=True)):
                work = [v.copy() for v in args]

                def f(_, work=work):
                    out_h, out_c, _ = o_fwd(*copy.deepcopy(work))
                    return np.stack([out_h, out_c])  # (2, N, H)

                num = eval_numerical_gradient_array(f, work[j], np.stack([dh, dc]))
                g.array(name, a, num, case, 1e-7, numeric=True)
    return g.result()


def lstm_forward(s: Subject) -> float:
    N, D, H, T = 2, 5, 4, 3
    args = (_lin(-0.4, 0.6, N, T, D), _lin(-0.4, 0.8, N, H), _lin(-0.2, 0.9, D, 4 * H),
            _lin(-0.3, 0.6, H, 4 * H), _lin(0.2, 0.7, 4 * H))  # fmt: skip
    want = [
        [
            [0.01764008, 0.01823233, 0.01882671, 0.0194232],
            [0.11287491, 0.12146228, 0.13018446, 0.13902939],
            [0.31358768, 0.33338627, 0.35304453, 0.37250975],
        ],
        [
            [0.45767879, 0.4761092, 0.4936887, 0.51041945],
            [0.6704845, 0.69350089, 0.71486014, 0.7346449],
            [0.81733511, 0.83677871, 0.85403753, 0.86935314],
        ],
    ]
    first = _official_value(s, args, [want], ["h"], 1e-7, "LSTM_Captioning.ipynb")
    return max(first, check_forward(s, _lstm_cases()))


def lstm_backward(s: Subject) -> float:
    names = ("dx", "dh0", "dWx", "dWh", "db")
    return check_backward(s, "lstm_forward", _lstm_cases(), names, range(5))


# --------------------------------------------------------------------- CaptioningRNN
_TINY_VOCAB = {"<NULL>": 0, "cat": 2, "dog": 3}  # the notebooks' check vocabulary (V = 3)
_VOCAB = {w: i for i, w in enumerate("<NULL> <START> <END> a cat dog on mat".split())}


def _with_student_methods(s: Subject, obj):
    """``obj`` (built by our ``__init__``) with the methods of the student's class too, each
    isolated: a ``loss`` or ``sample`` that calls a helper method of the student's own
    (``self._step(...)``) is graded with that helper, not with ours or with none."""
    try:
        theirs = s.package.obj(s.entry.module, "CaptioningRNN")
    except Exception:
        return obj  # the graded method itself reports what is wrong with the class
    if not isinstance(theirs, type):
        return obj
    methods = {
        name: s.package.isolate(fn)
        for name, fn in vars(theirs).items()
        if isinstance(fn, types.FunctionType) and name != "__init__"
    }
    obj.__class__ = type("CaptioningRNN", (type(obj),), methods)
    return obj


def _model(s: Subject, word_to_idx: dict, D: int, W: int, H: int, cell: str, seed: int):
    """Our CaptioningRNN in float64 (our ``__init__``, plus the student's extra attributes
    and methods)."""
    from cs231n.grading.checks_models import _instance

    kwargs = {"input_dim": D, "wordvec_dim": W, "hidden_dim": H, "cell_type": cell}
    obj = _instance(s, "CaptioningRNN", (word_to_idx,), {**kwargs, "dtype": np.float64}, seed)
    return _with_student_methods(s, obj)


def _official_losses(s: Subject):
    """The notebooks' deterministic models: every parameter a linspace, and their losses."""
    N, D, W, H, T = 10, 20, 30, 40, 13
    out = []
    for cell, (lo, hi), value, notebook in (
        ("rnn", (-1.5, 0.3), 9.83235591003, "RNN_Captioning.ipynb"),
        ("lstm", (-0.5, 1.7), 9.82445935443, "LSTM_Captioning.ipynb"),
    ):
        model = _model(s, _TINY_VOCAB, D, W, H, cell, 0)
        for k, v in model.params.items():
            model.params[k] = np.linspace(-1.4, 1.3, num=v.size).reshape(v.shape)
        features = _lin(lo, hi, N, D)
        captions = (np.arange(N * T) % len(_TINY_VOCAB)).reshape(N, T)
        out.append((f"the official check, cell_type={cell!r} ({notebook})", model, features,
                    captions, value))  # fmt: skip
    return out


def _loss_cases(s: Subject):
    """Random captions with <NULL> padding (masked targets), both cells, N = 1 too."""
    out = []
    for seed, (cell, N, T1, D, W, H) in enumerate(
        [("rnn", 3, 6, 4, 5, 6), ("lstm", 3, 6, 4, 5, 6), ("lstm", 1, 2, 3, 2, 3)]
    ):
        r = cases_rng(70 + seed)
        model = _model(s, _VOCAB, D, W, H, cell, seed)
        for k, v in model.params.items():  # larger weights than the init: non-trivial scores
            model.params[k] = r.standard_normal(v.shape)
        captions = r.integers(3, len(_VOCAB), size=(N, T1))
        captions[:, 0] = _VOCAB["<START>"]
        lengths = r.integers(1, T1, size=N)
        for n, length in enumerate(lengths):
            captions[n, length] = _VOCAB["<END>"]
            captions[n, length + 1 :] = _VOCAB["<NULL>"]
        features = r.standard_normal((N, D))
        case = f"cell_type={cell!r}, features ({N}, {D}), captions ({N}, {T1}), W={W}, H={H}"
        out.append((case, model, features, captions))
    return out


def _notebook_gradient_case(s: Subject, cell: str):
    """The notebook's gradient check: np.random.seed(231), then captions, features, model."""
    np.random.seed(231)  # noqa: NPY002 (the notebook's recipe draws the model from it too)
    N, T, D, W, H = 2, 3, 4, 5, 6
    captions = np.random.randint(len(_TINY_VOCAB), size=(N, T))  # noqa: NPY002
    features = np.random.randn(N, D)  # noqa: NPY002
    from cs231n.grading.checks_models import _adopt

    kwargs = {"input_dim": D, "wordvec_dim": W, "hidden_dim": H, "cell_type": cell}
    kwargs["dtype"] = np.float64
    model = _adopt(s, "CaptioningRNN", s.ours("CaptioningRNN")(_TINY_VOCAB, **kwargs),
                   (_TINY_VOCAB,), kwargs)  # fmt: skip
    model = _with_student_methods(s, model)
    case = f"cell_type={cell!r}, the notebook's gradient check ({_OFFICIAL_SEED})"
    return case, model, features, captions


def captioning_loss(s: Subject) -> float:
    """The official losses, then loss and every gradient against ours, then the gradients
    against centred differences of our loss on the notebook's gradient-check model."""
    g = Grade()
    loss, ours = s.student(), s.ours()
    for case, model, features, captions, value in _official_losses(s):
        got = pair(loss(copy.deepcopy(model), features.copy(), captions.copy()), "loss")
        g.scalar("loss", got[0], value, case, 1e-10)
    cases = [(*c, False) for c in _loss_cases(s)]
    cases += [(*_notebook_gradient_case(s, cell), True) for cell in ("rnn", "lstm")]
    for case, model, features, captions, numeric in cases:
        got = pair(loss(copy.deepcopy(model), features.copy(), captions.copy()), "loss")
        want = ours(copy.deepcopy(model), features.copy(), captions.copy())
        g.scalar("loss", got[0], want[0], case, 1e-10)
        grads = got[1]
        if not isinstance(grads, dict) or not grads:
            raise NotDone("grads is empty")
        g.check(set(grads) == set(want[1]), f"grads keys {sorted(grads)}", case)
        for key in sorted(set(grads) & set(want[1])):
            g.array(f"grads[{key!r}]", grads[key], want[1][key], case, 1e-7)
            if numeric:
                work = copy.deepcopy(model)

                def f(_, work=work, x=features, y=captions):
                    return ours(work, x, y)[0]

                num = eval_numerical_gradient(f, work.params[key], verbose=False)
                g.array(f"grads[{key!r}]", grads[key], num, case, 1e-7, numeric=True)
    return g.result()


def _upto_end(captions: np.ndarray, end: int) -> np.ndarray:
    """(N, L) booleans: the words of each caption up to and including its first ``<END>``
    (what ``decode_captions`` shows); the words after it may be anything."""
    seen = np.cumsum(captions == end, axis=1)
    return (seen == 0) | ((seen == 1) & (captions == end))


def captioning_sample(s: Subject) -> float:
    """Greedy captions against ours on the same parameters, word by word up to ``<END>``;
    column 0 must be the first sampled word (not ``<START>``)."""
    g = Grade()
    sample, ours = s.student(), s.ours()
    end = _VOCAB["<END>"]
    for seed, (cell, N, D, W, H, L) in enumerate(
        [("rnn", 6, 4, 5, 7, 9), ("lstm", 6, 4, 5, 7, 9), ("lstm", 1, 3, 2, 3, 4)]
    ):
        r = cases_rng(80 + seed)
        model = _model(s, _VOCAB, D, W, H, cell, seed)
        for k, v in model.params.items():
            model.params[k] = 2 * r.standard_normal(v.shape)  # peaked scores: no near ties
        features = r.standard_normal((N, D))
        case = f"cell_type={cell!r}, features ({N}, {D}), W={W}, H={H}, max_length={L}"
        want = np.asarray(ours(copy.deepcopy(model), features.copy(), max_length=L))
        got = sample(copy.deepcopy(model), features.copy(), max_length=L)
        if got is None:
            raise NotDone("sample returns None")
        got = np.asarray(got)
        if got.shape != want.shape:
            g.check(False, f"captions have shape {got.shape}, expected {want.shape}", case)
            continue
        keep = _upto_end(want, end)
        g.array("captions (up to <END>)", np.where(keep, got, 0), np.where(keep, want, 0), case,
                1e-12)  # fmt: skip
    return g.result()


CHECKS = {
    name: fn
    for name, fn in list(globals().items())
    if callable(fn)
    and not name.startswith(("_", "captioning_"))
    and getattr(fn, "__module__", None) == __name__
}
CHECKS["CaptioningRNN.loss"] = captioning_loss
CHECKS["CaptioningRNN.sample"] = captioning_sample
