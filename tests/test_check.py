"""``cs231n check``: the grader of a student's own ``cs231n/`` folder (:mod:`cs231n.grading`).

The student folders are copies of this package, with bugs planted, bodies stripped to
``pass``, a syntax error or an endless loop written in by the test.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from cs231n.grading.loader import StudentPackage
from cs231n.grading.manifest import ENTRIES, select
from cs231n.paths import REPO_ROOT
from cs231n.tooling import cli

PACKAGE = REPO_ROOT / "cs231n"
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$", re.MULTILINE)


def copy_package(tmp_path: Path) -> Path:
    """A student's folder: tmp_path/cs231n, a copy of our sources (no builds, no caches)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.c", "*.egg-info")
    shutil.copytree(PACKAGE, tmp_path / "cs231n", ignore=ignore)
    return tmp_path


def plant(root: Path, rel: str, old: str, new: str) -> None:
    path = root / "cs231n" / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{rel}: the line to replace is not there exactly once: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def run_check(capsys, *argv: str) -> tuple[int, str, dict[str, dict]]:
    code = cli.main(["check", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err, {}


def graded(tmp_path: Path, capsys, root: Path, *argv: str) -> tuple[int, str, dict[str, dict]]:
    """Run ``cs231n check root --json ...``; returns exit code, printed text, rows by name."""
    report = tmp_path / "card.json"
    code, text, _ = run_check(capsys, str(root), "--json", str(report), *argv)
    data = json.loads(report.read_text(encoding="utf-8"))
    rows = {r["name"]: r for r in data["rows"]}
    match = SUMMARY.search(text)
    assert match, f"no 'N passed, M failed' line in:\n{text}"
    assert (int(match[1]), int(match[2])) == (data["passed"], data["failed"])
    assert data["passed"] == sum(r["status"] == "pass" for r in rows.values())
    return code, text, rows


def test_our_own_package_passes_everything(tmp_path, capsys):
    code, text, rows = graded(tmp_path, capsys, REPO_ROOT)
    failed = {n: r["detail"] for n, r in rows.items() if r["status"] != "pass"}
    assert failed == {}
    assert code == 0
    assert f"{len(ENTRIES)} passed, 0 failed" in text.splitlines()
    assert set(rows) == {e.name for e in ENTRIES}


BUGS = {  # the row that must flag it: (file, old text, new text)
    "layers.affine_backward": (
        "layers.py",
        "dx = (dout @ w.T).reshape(x.shape)",
        "dx = -(dout @ w.T).reshape(x.shape)",
    ),
    "softmax.softmax_loss_vectorized": (
        "classifiers/softmax.py",
        "loss = -log_probs[rows, y].sum() / N + reg",
        "loss = -log_probs[rows, y].sum() + reg",
    ),
    "layers.batchnorm_forward": (
        "nn/norm.py",
        "        mu = x.mean(axis=0)  # (D,)\n        xmu = x - mu  # (N, D)\n"
        "        var = (xmu**2).mean(axis=0)  # (D,), biased\n",
        "        mu = running_mean\n        xmu = x - mu\n        var = running_var\n",
    ),
    "layers.conv_backward_naive": (
        "nn/conv.py",
        "            rows = slice(i * stride, i * stride + HH)\n"
        "            cols = slice(j * stride, j * stride + WW)\n"
        "            g = dout[:, :, i, j]",
        "            rows = slice(i, i + HH)\n            cols = slice(j, j + WW)\n"
        "            g = dout[:, :, i, j]",
    ),
    "optim.adam": (
        "optim.py",
        "    m_hat = m / (1 - b1**t)\n    v_hat = v / (1 - b2**t)\n",
        "    m_hat = m\n    v_hat = v\n",
    ),
    "linear_svm.svm_loss_vectorized": (
        "classifiers/linear_svm.py",
        "margins = np.maximum(0.0, scores - correct + 1.0)  # (N, C)",
        "margins = np.maximum(0.0, scores - correct)  # (N, C)",
    ),
    # assignment 3: a Gram matrix divided by H*W only, a content loss that leaves the
    # autograd graph (right value, no gradient), a TV loss without the horizontal pairs,
    "style_transfer_pytorch.gram_matrix": (
        "style_transfer_pytorch.py",
        "        gram = gram / (H * W * C)",
        "        gram = gram / (H * W)",
    ),
    "style_transfer_pytorch.content_loss": (
        "style_transfer_pytorch.py",
        "    return content_weight * torch.sum((content_current - content_original) ** 2)",
        "    return content_weight * torch.sum((content_current - content_original) ** 2).detach()",
    ),
    # a saliency map without the absolute value, a class-visualization step not normalized
    "net_visualization_pytorch.compute_saliency_maps": (
        "net_visualization_pytorch.py",
        "    return dX.abs().amax(dim=1)  # (N, H, W)",
        "    return dX.amax(dim=1)  # (N, H, W)",
    ),
    "net_visualization_tensorflow.class_visualization_update_step": (
        "net_visualization_tensorflow.py",
        "    step = learning_rate * g / tf.maximum(tf.norm(g), 1e-12)",
        "    step = learning_rate * g",
    ),
    "style_transfer_tensorflow.tv_loss": (
        "style_transfer_tensorflow.py",
        "    return tv_weight * (tf.reduce_sum(tf.square(down)) + tf.reduce_sum(tf.square(right)))",
        "    return tv_weight * tf.reduce_sum(tf.square(down))",
    ),
}


def test_planted_bugs_are_flagged_exactly_where_they_are(tmp_path, capsys):
    root = copy_package(tmp_path / "student")
    for file, old, new in BUGS.values():
        plant(root, file, old, new)
    code, text, rows = graded(tmp_path, capsys, root)
    flagged = {n for n, r in rows.items() if r["status"] != "pass"}
    assert flagged == set(BUGS), text
    assert all(rows[n]["status"] == "wrong" for n in BUGS), text
    assert code == 1
    assert f"{len(ENTRIES) - len(BUGS)} passed, {len(BUGS)} failed" in text.splitlines()
    # A wrong row names the error and the worst input, on one line.
    assert re.search(
        r"max relative error \S+: d?x.*stride 2", rows["layers.conv_backward_naive"]["detail"]
    )
    assert rows["optim.adam"]["note"] == "notes/optimizers.md"


def _strip_bodies(root: Path) -> None:
    """Every manifest function's body becomes ``pass`` (its docstring stays)."""
    edits: dict[Path, list[tuple[int, int, str]]] = {}
    for entry in ENTRIES:
        ref = importlib.import_module("cs231n." + entry.module)
        for part in entry.qualname.split("."):
            ref = getattr(ref, part)
        source = Path(inspect.getsourcefile(ref)).resolve()
        edits.setdefault(root / "cs231n" / source.relative_to(PACKAGE), []).append(
            (ref.__code__.co_firstlineno, 0, entry.name)
        )
    for path, wanted in edits.items():
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        starts = {line for line, _, _ in wanted}
        spans = []
        for node in ast.walk(ast.parse("".join(lines))):
            if isinstance(node, ast.FunctionDef) and node.lineno in starts:
                body = node.body
                if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    body = body[1:]  # keep the docstring
                if body:
                    spans.append((body[0].lineno, node.end_lineno, body[0].col_offset))
                starts.discard(node.lineno)
        assert not starts, f"{path}: no def at lines {starts}"
        for first, last, col in sorted(spans, reverse=True):
            lines[first - 1 : last] = [" " * col + "pass\n"]
        path.write_text("".join(lines), encoding="utf-8")


def test_a_starter_like_package_is_not_implemented_everywhere(tmp_path, capsys):
    root = copy_package(tmp_path / "starter")
    _strip_bodies(root)
    code, text, rows = graded(tmp_path, capsys, root)
    statuses = {n: (r["status"], r["detail"]) for n, r in rows.items()}
    assert {s for s, _ in statuses.values()} == {"not implemented"}, statuses
    assert code == 1
    assert f"0 passed, {len(ENTRIES)} failed" in text.splitlines()


def test_a_syntax_error_fails_only_its_own_module(tmp_path, capsys):
    root = copy_package(tmp_path / "student")
    plant(root, "optim.py", "def adam(", "def adam(((")
    code, text, rows = graded(
        tmp_path,
        capsys,
        root,
        "--only",
        "optim.sgd_momentum",
        "adam",
        "affine_forward",
        "FullyConnectedNet.loss",
    )
    assert set(rows) == {
        "optim.sgd_momentum",
        "optim.adam",
        "layers.affine_forward",
        "fc_net.FullyConnectedNet.loss",
    }
    for name in ("optim.sgd_momentum", "optim.adam"):
        assert rows[name]["status"] == "error"
        assert re.search(
            r"cs231n/optim.py does not import: SyntaxError.*optim.py:\d+", rows[name]["detail"]
        )
    assert rows["layers.affine_forward"]["status"] == "pass"
    assert rows["fc_net.FullyConnectedNet.loss"]["status"] == "pass"
    assert code == 1


def test_an_endless_loop_is_an_error_row_not_a_hang(tmp_path, capsys):
    root = copy_package(tmp_path / "student")
    plant(
        root,
        "layers.py",
        '    fn = "dropout_forward"\n    x = check_array(fn, "x", x)',
        '    while True:\n        pass\n    fn = "dropout_forward"\n    x = check_array(fn, "x", x)',
    )
    code, text, rows = graded(
        tmp_path, capsys, root, "--timeout", "1.5", "--only", "dropout_forward", "relu_forward"
    )
    assert rows["layers.dropout_forward"]["status"] == "error"
    assert "timed out after 1.5 s" in rows["layers.dropout_forward"]["detail"]
    assert rows["layers.relu_forward"]["status"] == "pass"  # a new worker took over
    assert code == 1


def test_a_missing_file_fails_only_its_functions(tmp_path, capsys):
    root = copy_package(tmp_path / "student")
    (root / "cs231n" / "classifiers" / "cnn.py").unlink()
    code, text, rows = graded(tmp_path, capsys, root, "--only", "ThreeLayerConvNet.loss", "rmsprop")
    assert rows["cnn.ThreeLayerConvNet.loss"]["status"] == "error"
    assert "no file cs231n/classifiers/cnn.py" in rows["cnn.ThreeLayerConvNet.loss"]["detail"]
    assert rows["optim.rmsprop"]["status"] == "pass"


def test_bad_arguments_exit_2(tmp_path, capsys):
    code, text, _ = run_check(capsys, str(tmp_path))
    assert code == 2 and "has no cs231n/ folder" in text
    code, text, _ = run_check(capsys, str(REPO_ROOT), "--only", "no_such_function")
    assert code == 2 and "no_such_function" in text
    code, text, _ = run_check(capsys, str(REPO_ROOT), "--assignment", "1", "--only", "tv_loss")
    assert code == 2 and "tv_loss" in text  # tv_loss is graded, but in assignment 3
    with pytest.raises(SystemExit) as exc:
        cli.main(["check", str(REPO_ROOT), "--assignment", "4"])
    assert exc.value.code == 2


def test_help_says_it_all(capsys):
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in (
        "PATH",
        "--assignment",
        "--only",
        "--json",
        "--timeout",
        "N passed, M failed",
        "Exit code 0",
        "notes/",
        "NOT DONE",
        "numeric gradients",
        "time limit",
    ):
        assert words in text, words


def test_the_manifest_names_existing_notes_and_assignments():
    for entry in ENTRIES:
        assert (REPO_ROOT / "notes" / entry.note).is_file(), entry
    assert {e.assignment for e in ENTRIES} == {1, 2, 3}
    assert [e.name for e in select(3, ["tv_loss"])] == [
        "style_transfer_pytorch.tv_loss",
        "style_transfer_tensorflow.tv_loss",
    ]
    assert [e.name for e in select(1)][:1] == [
        "k_nearest_neighbor.KNearestNeighbor.compute_distances_two_loops"
    ]
    assert len({e.name for e in ENTRIES}) == len(ENTRIES)


def test_the_official_import_forms_reach_the_students_files_not_ours(tmp_path):
    pkg = tmp_path / "cs231n"
    (pkg / "classifiers").mkdir(parents=True)
    (pkg / "layers.py").write_text(
        "from builtins import range\nfrom past.builtins import xrange\n"
        "def affine_forward(x, w, b):\n    return 'mine', list(xrange(2))\n"
    )
    (pkg / "layer_utils.py").write_text(
        "from .layers import *\nfrom cs231n.layers import affine_forward as af\n"
    )
    (pkg / "classifiers" / "fc_net.py").write_text(
        "from ..layers import *\nfrom ..layer_utils import *\nimport cs231n.optim\n"
        "from cs231n import optim\n"
    )
    student = StudentPackage(tmp_path)
    fc = student.module("classifiers.fc_net")
    utils = student.module("layer_utils")
    assert fc.affine_forward(0, 0, 0) == ("mine", [0, 1])  # past.builtins works without future
    assert utils.af is fc.affine_forward
    assert student.is_student(fc.affine_forward)
    import cs231n.optim

    assert fc.optim is cs231n.optim  # no student optim.py: ours
    assert sys.modules["cs231n"].__file__.startswith(str(PACKAGE))
    # Graded in isolation, a student's function sees OUR affine_forward.
    (pkg / "layer_utils.py").write_text(
        "from .layers import *\ndef affine_relu_forward(x, w, b):\n    return affine_forward(x, w, b)\n"
    )
    fresh = StudentPackage(tmp_path)
    isolated = fresh.function("layer_utils", "affine_relu_forward")
    import numpy as np

    out, _ = isolated(np.ones((1, 2)), np.ones((2, 1)), np.zeros(1))
    assert out.tolist() == [[2.0]]


def test_a_function_that_needs_the_students_own_helper_gets_a_second_try(tmp_path, capsys):
    # A common student layer norm: their batch norm with an extra flag that ours ignores.
    (tmp_path / "cs231n").mkdir()
    (tmp_path / "cs231n" / "layers.py").write_text(
        "import numpy as np\n"
        "def batchnorm_forward(x, gamma, beta, bn_param):\n"
        "    axis = bn_param.get('axis', 0)\n"
        "    mu = x.mean(axis=axis, keepdims=True)\n"
        "    var = x.var(axis=axis, keepdims=True)\n"
        "    xhat = (x - mu) / np.sqrt(var + bn_param.get('eps', 1e-5))\n"
        "    return gamma * xhat + beta, (xhat,)\n"
        "def layernorm_forward(x, gamma, beta, ln_param):\n"
        "    return batchnorm_forward(x, gamma, beta, {'mode': 'train', 'axis': 1, **ln_param})\n"
    )
    code, text, rows = graded(tmp_path, capsys, tmp_path, "--only", "layernorm_forward")
    assert rows["layers.layernorm_forward"]["status"] == "pass", text
    assert "with your own batchnorm_forward" in rows["layers.layernorm_forward"]["detail"]
    assert code == 0


def test_an_assignment_3_file_that_imports_torchvision_is_still_graded(tmp_path, capsys):
    """The 2020 starter's style_transfer_pytorch.py imports torchvision (for preprocess, which
    is not graded); torchvision does not import here, so the student's file gets a placeholder
    that only fails when something of torchvision is called."""
    root = copy_package(tmp_path / "student")
    plant(
        root,
        "style_transfer_pytorch.py",
        "import torch\n",
        "import torch\nimport torchvision\nimport torchvision.transforms as T\n"
        "_resize = T.Resize  # attribute access works; calling it would raise ImportError\n",
    )
    code, text, rows = graded(tmp_path, capsys, root, "--assignment", "3")
    assert code == 0, text
    assert {n for n, r in rows.items() if r["status"] == "pass"} == {e.name for e in select(3)}
    from cs231n.grading.loader import _Unavailable

    with pytest.raises(ImportError, match="torchvision.transforms.Resize is not available"):
        _Unavailable("torchvision", "no CUDA").transforms.Resize(224)


def test_a_worker_that_dies_before_it_is_ready_is_a_clear_error(tmp_path):
    """grade() called on a folder without cs231n/ (the command checks this first): the worker
    fails while it starts, and the parent says so instead of a pipe error."""
    from cs231n.grading.worker import grade

    with pytest.raises(RuntimeError, match="worker process did not start"):
        grade(tmp_path, select(1)[:1])


# Appended to a copy of our rnn_layers.py: each planted function replaces ours under its own
# name, so the plant does not depend on how ours is written.
RNN_BUGS = {
    # backpropagation through time that adds the loss gradient dh[:, t] at the last step only
    "rnn_layers.rnn_backward": """
_right_rnn_backward = rnn_backward


def rnn_backward(dh, cache):
    last_only = np.zeros_like(dh)
    last_only[:, -1] = dh[:, -1]
    return _right_rnn_backward(last_only, cache)
""",
    # dW[x] += dout counts a word that repeats in the minibatch once
    "rnn_layers.word_embedding_backward": """
def word_embedding_forward(x, W):
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    dW[x] += dout
    return dW
""",
    # the gates in PyTorch's order i, f, g, o instead of the course's i, f, o, g (the cache is
    # the right one, so that lstm_step_backward, graded on this cache, stays right)
    "rnn_layers.lstm_step_forward": """
_right_lstm_step_forward = lstm_step_forward


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), sigmoid(a[:, 3 * H :])
    g = np.tanh(a[:, 2 * H : 3 * H])
    next_c = f * prev_c + i * g
    cache = _right_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)[2]
    return o * np.tanh(next_c), next_c, cache
""",
}


CAPTIONING_BUGS = {  # appended to a copy of our classifiers/rnn.py, the same way
    # the loss divided by N * T (a mean over time steps) instead of N, gradients alike
    "rnn.CaptioningRNN.loss": """
_right_loss = CaptioningRNN.loss


def _loss_per_step(self, features, captions):
    loss, grads = _right_loss(self, features, captions)
    T = captions.shape[1] - 1
    return loss / T, {k: v / T for k, v in grads.items()}


CaptioningRNN.loss = _loss_per_step
""",
    # <START> written into column 0, so every caption is one word late; the bug is in a
    # helper method of the student's own class, which the grader must call
    "rnn.CaptioningRNN.sample": """
_right_sample = CaptioningRNN.sample


def _sample_by_helper(self, features, max_length=30, beam_size=1):
    return self._late_by_one(features, max_length)


def _late_by_one(self, features, max_length):
    captions = _right_sample(self, features, max_length)
    start = np.full((captions.shape[0], 1), self._start, dtype=captions.dtype)
    return np.hstack([start, captions[:, :-1]])


CaptioningRNN.sample = _sample_by_helper
CaptioningRNN._late_by_one = _late_by_one
""",
}


# Not a bug: a greedy sample that stops at <END> and pads with <NULL> (decode_captions shows the
# same caption as the official one, which samples on after <END>).
PADDED_SAMPLE = """
_official_sample = CaptioningRNN.sample


def _sample_padded_after_end(self, features, max_length=30):
    captions = np.array(_official_sample(self, features, max_length))
    after_end = np.cumsum(captions == self._end, axis=1) - (captions == self._end) > 0
    captions[after_end] = self._null
    return captions


CaptioningRNN.sample = _sample_padded_after_end
"""


def _append(root: Path, rel: str, bugs: dict) -> None:
    path = root / "cs231n" / rel
    path.write_text(path.read_text(encoding="utf-8") + "".join(bugs.values()), "utf-8")


def test_captioning_bugs_are_flagged_where_they_are_and_a_correct_copy_passes(tmp_path, capsys):
    graded_here = [e for e in ENTRIES if e.module in ("rnn_layers", "classifiers.rnn")]
    names = [f"{e.module}.{e.qualname}" for e in graded_here]
    correct = copy_package(tmp_path / "correct")
    _append(correct, "classifiers/rnn.py", {"padded": PADDED_SAMPLE})
    code, text, rows = graded(tmp_path, capsys, correct, "--only", *names)
    assert code == 0 and set(rows) == {e.name for e in graded_here}, text
    # Layer bugs: CaptioningRNN, which calls the layers, is graded with ours and passes.
    layers = copy_package(tmp_path / "layers")
    _append(layers, "rnn_layers.py", RNN_BUGS)
    code, text, rows = graded(tmp_path, capsys, layers, "--only", *names)
    assert {n for n, r in rows.items() if r["status"] != "pass"} == set(RNN_BUGS), text
    assert all(rows[n]["status"] == "wrong" for n in RNN_BUGS), text
    assert code == 1
    assert re.search(r"dx.*np.random.seed\(231\)", rows["rnn_layers.rnn_backward"]["detail"])
    assert rows["rnn_layers.rnn_backward"]["note"] == "notes/rnn_backprop.md"
    # Model bugs: the layers pass.
    model = copy_package(tmp_path / "model")
    _append(model, "classifiers/rnn.py", CAPTIONING_BUGS)
    code, text, rows = graded(tmp_path, capsys, model, "--only", *names)
    assert {n for n, r in rows.items() if r["status"] != "pass"} == set(CAPTIONING_BUGS), text
    assert all(rows[n]["status"] == "wrong" for n in CAPTIONING_BUGS), text
    assert "the official check, cell_type='rnn'" in rows["rnn.CaptioningRNN.loss"]["detail"]
    assert "captions (up to <END>)" in rows["rnn.CaptioningRNN.sample"]["detail"]


# Appended to copies of our gan_pytorch.py and gan_tf.py, the same way: each replaces ours.
GAN_TORCH_BUGS = {
    # noise in [0, 1): the official check's "both signs" fails
    "gan_pytorch.sample_noise": """
def sample_noise(batch_size, dim, seed=None):
    return torch.rand(batch_size, dim)
""",
    # ReLU instead of LeakyReLU(0.01): the parameter count is right, the outputs are not
    "gan_pytorch.discriminator": """
def discriminator(seed=None):
    return nn.Sequential(Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256),
                         nn.ReLU(), nn.Linear(256, 1))
""",
    # the MEAN of the two cross-entropies instead of their sum
    "gan_pytorch.discriminator_loss": """
_right_discriminator_loss = discriminator_loss


def discriminator_loss(logits_real, logits_fake):
    return 0.5 * _right_discriminator_loss(logits_real, logits_fake)
""",
    # the saturating loss: minimize log(1 - D(G(z)))
    "gan_pytorch.generator_loss": """
def generator_loss(logits_fake):
    return -bce_loss(logits_fake, torch.zeros_like(logits_fake))
""",
    # Adam's default betas (0.9, 0.999)
    "gan_pytorch.get_optimizer": """
def get_optimizer(model):
    return torch.optim.Adam(model.parameters(), lr=1e-3)
""",
    # batchnorm before the ReLU: the same parameter shapes, other outputs
    "gan_pytorch.build_dc_generator": """
def build_dc_generator(noise_dim=NOISE_DIM):
    return nn.Sequential(
        nn.Linear(noise_dim, 1024), nn.BatchNorm1d(1024), nn.ReLU(),
        nn.Linear(1024, 7 * 7 * 128), nn.BatchNorm1d(7 * 7 * 128), nn.ReLU(),
        Unflatten(-1, 128, 7, 7),
        nn.ConvTranspose2d(128, 64, kernel_size=4, stride=2, padding=1), nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.ConvTranspose2d(64, 1, kernel_size=4, stride=2, padding=1), nn.Tanh(), Flatten(),
    )
""",
}

GAN_TF_BUGS = {
    # alpha ignored: right on the official check (alpha 0.01), wrong at other slopes
    "gan_tf.leaky_relu": """
def leaky_relu(x, alpha=0.01):
    return tf.maximum(x, 0.01 * x)
""",
    # a loss that leaves the graph: the right value, no gradient
    "gan_tf.discriminator_loss": """
_right_discriminator_loss = discriminator_loss


def discriminator_loss(logits_real, logits_fake):
    return float(_right_discriminator_loss(logits_real, logits_fake))
""",
    # one optimizer for both networks
    "gan_tf.get_solvers": """
def get_solvers(learning_rate=1e-3, beta1=0.5):
    solver = tf.keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta1)
    return solver, solver
""",
    # no 1/2
    "gan_tf.ls_generator_loss": """
def ls_generator_loss(scores_fake):
    return tf.reduce_mean(tf.square(scores_fake - 1))
""",
    # 'same' convolutions: 7 x 7 x 64 features, not the official 4 x 4 x 64 (parameter count)
    "gan_tf.dc_discriminator": """
def dc_discriminator():
    layers = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input(shape=(784,)), layers.Reshape((28, 28, 1)),
        layers.Conv2D(32, 5, padding="same"), layers.LeakyReLU(0.01), layers.MaxPool2D(2, 2),
        layers.Conv2D(64, 5, padding="same"), layers.LeakyReLU(0.01), layers.MaxPool2D(2, 2),
        layers.Flatten(), layers.Dense(1024), layers.LeakyReLU(0.01), layers.Dense(1),
    ])
""",
}


def test_gan_bugs_are_flagged_where_they_are_and_the_rest_passes(tmp_path, capsys):
    graded_here = [e for e in ENTRIES if e.module in ("gan_pytorch", "gan_tf")]
    assert len(graded_here) == 21
    names = [f"{e.module}.{e.qualname}" for e in graded_here]
    root = copy_package(tmp_path / "student")
    _append(root, "gan_pytorch.py", GAN_TORCH_BUGS)
    _append(root, "gan_tf.py", GAN_TF_BUGS)
    code, text, rows = graded(tmp_path, capsys, root, "--only", *names)
    assert set(rows) == {e.name for e in graded_here}, text
    bugs = set(GAN_TORCH_BUGS) | set(GAN_TF_BUGS)
    assert {n for n, r in rows.items() if r["status"] != "pass"} == bugs, text
    assert all(rows[n]["status"] == "wrong" for n in bugs), text
    assert code == 1
    detail = {n: rows[n]["detail"] for n in bugs}
    assert "not both signs" in detail["gan_pytorch.sample_noise"]
    assert "official check" in detail["gan_pytorch.discriminator_loss"]
    assert "betas (0.9, 0.999)" in detail["gan_pytorch.get_optimizer"]
    assert "alpha 0.5" in detail["gan_tf.leaky_relu"]  # the worst of 0.2 and 0.5
    assert "not differentiable" in detail["gan_tf.discriminator_loss"]
    assert "share one optimizer" in detail["gan_tf.get_solvers"]
    assert "expected 1102721" in detail["gan_tf.dc_discriminator"]
    assert rows["gan_tf.leaky_relu"]["note"] == "notes/gan_losses.md"
