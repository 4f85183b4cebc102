"""CaptioningRNN: the official loss values, numeric gradients, greedy sampling and beam search.

The references here are written out step by step with the layers of cs231n.rnn_layers (the
official greedy loop, a caption's log-probability), and beam search is compared with an
exhaustive search on a vocabulary small enough to enumerate every caption.
"""

# ruff: noqa: NPY002 (the model draws its weights from the global np.random, as officially)

import itertools

import numpy as np
import pytest

from cs231n import layers, rnn_layers
from cs231n.captioning_solver import CaptioningSolver
from cs231n.classifiers.rnn import CaptioningRNN
from tests.test_fc_net import _assert_grad_with_floor

pytestmark = pytest.mark.a3

WORDS = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "cat", "dog", "runs"]
W2I = {w: i for i, w in enumerate(WORDS)}
NULL, START, END = 0, 1, 2


def official_model(cell_type):
    """The notebooks' deterministic setup: every parameter a linspace of its size."""
    N, D, W, H = 10, 20, 30, 40
    word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
    V, T = len(word_to_idx), 13
    model = CaptioningRNN(
        word_to_idx, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell_type, dtype=np.float64
    )
    for k, v in model.params.items():
        model.params[k] = np.linspace(-1.4, 1.3, num=v.size).reshape(*v.shape)
    # RNN_Captioning.ipynb and LSTM_Captioning.ipynb use different features
    lo, hi = (-1.5, 0.3) if cell_type == "rnn" else (-0.5, 1.7)
    features = np.linspace(lo, hi, num=N * D).reshape(N, D)
    captions = (np.arange(N * T) % V).reshape(N, T)
    return model, features, captions


def random_model(cell_type, seed=0, D=6, W=5, H=7, scale=1.0, words=WORDS):
    """A float64 model with N(0, scale^2) parameters (larger than the official init, so that
    the next-word distributions are far from uniform and searches have something to find)."""
    np.random.seed(seed)
    model = CaptioningRNN(
        {w: i for i, w in enumerate(words)},
        input_dim=D,
        wordvec_dim=W,
        hidden_dim=H,
        cell_type=cell_type,
        dtype=np.float64,
    )
    rng = np.random.default_rng(seed)
    for k, v in model.params.items():
        model.params[k] = scale * rng.standard_normal(v.shape)
    return model


def reference_run(model, features, inputs):
    """Feed the words ``inputs (N, L)`` (``<START>`` first) step by step; scores (N, L, V)."""
    p = model.params
    h = features @ p["W_proj"] + p["b_proj"]  # (N, H)
    c = np.zeros_like(h)
    out = []
    for t in range(inputs.shape[1]):
        x = p["W_embed"][inputs[:, t]]  # (N, W)
        if model.cell_type == "rnn":
            h, _ = rnn_layers.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
        else:
            h, c, _ = rnn_layers.lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
        out.append(h @ p["W_vocab"] + p["b_vocab"])
    return np.stack(out, axis=1)


def reference_caption_log_prob(model, features, sampled):
    """Summed log-probability (N,) of each sampled caption (N, L) up to and including its
    first ``<END>`` (words after it do not count)."""
    N, L = sampled.shape
    inputs = np.hstack([np.full((N, 1), START), sampled[:, :-1]])
    scores = reference_run(model, features, inputs)  # (N, L, V)
    logp = scores - np.log(np.exp(scores).sum(axis=2, keepdims=True))
    picked = np.take_along_axis(logp, sampled[..., None], axis=2)[..., 0]  # (N, L)
    ended_before = np.cumsum(sampled == END, axis=1) - (sampled == END) > 0
    return np.where(ended_before, 0.0, picked).sum(axis=1)


@pytest.mark.parametrize("cell_type, expected", [("rnn", 9.83235591003), ("lstm", 9.82445935443)])
def test_official_loss_values(cell_type, expected):
    model, features, captions = official_model(cell_type)
    loss, grads = model.loss(features, captions)
    assert abs(loss - expected) < 1e-10
    assert set(grads) == set(model.params)
    assert all(grads[k].shape == v.shape for k, v in model.params.items())


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_parameters_are_drawn_as_in_the_official_code(cell_type):
    """Same global-state draws in the same order, so np.random.seed reproduces the notebooks."""
    V, D, W, H = len(WORDS), 6, 5, 4
    k = 4 if cell_type == "lstm" else 1
    np.random.seed(231)
    model = CaptioningRNN(W2I, input_dim=D, wordvec_dim=W, hidden_dim=H, cell_type=cell_type)
    np.random.seed(231)
    r = np.random.randn
    expected = {
        "W_embed": r(V, W) / 100,
        "W_proj": r(D, H) / np.sqrt(D),
        "Wx": r(W, k * H) / np.sqrt(W),
        "Wh": r(H, k * H) / np.sqrt(H),
        "W_vocab": r(H, V) / np.sqrt(H),
    }
    assert list(model.params) == [
        "W_embed", "W_proj", "b_proj", "Wx", "Wh", "b", "W_vocab", "b_vocab"
    ]  # fmt: skip
    for name, value in expected.items():
        assert model.params[name].dtype == np.float32
        np.testing.assert_array_equal(model.params[name], value.astype(np.float32))
    for name, size in (("b_proj", H), ("b", k * H), ("b_vocab", V)):
        np.testing.assert_array_equal(model.params[name], np.zeros(size, np.float32))
    assert (model._null, model._start, model._end) == (0, 1, 2)


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_loss_gradients_match_numeric_ones(cell_type):
    model = random_model(cell_type, seed=1, scale=0.5)
    rng = np.random.default_rng(1)
    N, T = 3, 5
    features = rng.standard_normal((N, model.input_dim))
    captions = rng.integers(len(WORDS), size=(N, T + 1))
    captions[0, 3:] = NULL  # padding is masked
    loss, grads = model.loss(features, captions)
    for name in sorted(grads):
        # relative error < 1e-7 except where the centred difference's rounding error
        # (about eps * |loss| / h) is larger than the entry allows
        _assert_grad_with_floor(
            f"CaptioningRNN.loss ({cell_type}) d{name}",
            lambda: model.loss(features, captions)[0],
            model.params[name],
            grads[name],
            loss,
            tol=1e-7,
            h=1e-5,
        )


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_log_likelihoods_are_the_loss_per_caption(cell_type):
    model = random_model(cell_type, seed=2)
    rng = np.random.default_rng(2)
    features = rng.standard_normal((4, model.input_dim))
    captions = rng.integers(len(WORDS), size=(4, 6))
    captions[:, 0] = START
    captions[1, 2:] = NULL
    ll = model.log_likelihoods(features, captions)
    assert ll.shape == (4,) and np.all(ll < 0)
    loss, _ = model.loss(features, captions)
    assert abs(-ll.sum() / 4 - loss) < 1e-12
    # by hand for caption 1: only its first target word is scored
    scores = reference_run(model, features[1:2], captions[1:2, :1])[0, 0]  # (V,)
    logp = scores[captions[1, 1]] - np.log(np.exp(scores).sum())
    assert abs(ll[1] - logp) < 1e-12


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_greedy_sample_is_the_official_loop(cell_type):
    model = random_model(cell_type, seed=3, scale=1.5)
    features = np.random.default_rng(3).standard_normal((5, model.input_dim))
    L = 6
    sampled = model.sample(features, max_length=L)
    assert sampled.shape == (5, L) and sampled.dtype == np.int32
    # the official loop: feed <START>, then each argmax word, for all L steps
    words = np.full((5, 1), START)
    for _ in range(L):
        scores = reference_run(model, features, words)[:, -1]  # (N, V)
        words = np.hstack([words, np.argmax(scores, axis=1)[:, None]])
    np.testing.assert_array_equal(sampled, words[:, 1:])  # column 0 is the first sampled word
    assert model.sample(features, max_length=L, beam_size=1).tolist() == sampled.tolist()


def test_greedy_sample_keeps_sampling_after_end_as_the_official_code():
    model = random_model("rnn", seed=4)
    model.params["b_vocab"][:] = 0.0
    model.params["W_vocab"][:] = 0.0
    model.params["b_vocab"][END] = 5.0  # <END> first, and then again: nothing stops the loop
    sampled = model.sample(np.ones((2, model.input_dim)), max_length=4)
    assert sampled.tolist() == [[END] * 4] * 2
    beam = model.sample(np.ones((2, model.input_dim)), max_length=4, beam_size=2)
    assert beam.tolist() == [[END, NULL, NULL, NULL]] * 2


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_beam_of_one_is_greedy_cut_at_end(cell_type):
    model = random_model(cell_type, seed=5, scale=1.5)
    features = np.random.default_rng(5).standard_normal((8, model.input_dim))
    greedy, greedy_score = model._greedy(features, 7)
    beam, beam_score = model._beam_search(features, 7, 1)
    np.testing.assert_array_equal(beam, model._pad_after_end(greedy))
    np.testing.assert_allclose(beam_score, greedy_score, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        greedy_score, reference_caption_log_prob(model, features, greedy), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_a_large_beam_finds_the_most_likely_caption(cell_type):
    """With beam_size = V^L nothing is pruned: the result is the exhaustive optimum."""
    words = ["<NULL>", "<START>", "<END>", "a", "b"]
    model = random_model(cell_type, seed=6, scale=1.5, words=words)
    V, L = len(words), 3
    features = np.random.default_rng(6).standard_normal((3, model.input_dim))
    every = np.array(list(itertools.product(range(V), repeat=L)))  # (V^L, L)
    for n in range(3):
        scores = reference_caption_log_prob(
            model, np.repeat(features[n : n + 1], len(every), 0), every
        )
        best = every[np.argmax(scores)]
        beam, beam_score = model._beam_search(features[n : n + 1], L, V**L)
        assert abs(beam_score[0] - scores.max()) < 1e-12
        assert beam[0].tolist() == model._pad_after_end(best[None])[0].tolist()


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_beam_search_captions_are_at_least_as_likely_as_greedy_and_stop_at_end(cell_type):
    model = random_model(cell_type, seed=7, scale=1.5)
    features = np.random.default_rng(7).standard_normal((40, model.input_dim))
    L = 8
    greedy = model.sample(features, max_length=L)
    beam = model.sample(features, max_length=L, beam_size=4)
    assert beam.shape == (40, L) and beam.dtype == np.int32
    g = reference_caption_log_prob(model, features, greedy)
    b = reference_caption_log_prob(model, features, beam)
    assert np.all(b >= g - 1e-12)
    assert np.sum(b > g + 1e-9) >= 5, "beam search should beat greedy on some images"
    # the search itself (before the greedy caption competes) is usually at least as good
    _, searched = model._beam_search(features, L, 4)
    assert np.mean(searched >= g - 1e-12) > 0.9
    # every caption stops at its first <END>: only <NULL> after it
    ended = [row for row in beam.tolist() if END in row]
    assert len(ended) >= 20
    for row in ended:
        assert set(row[row.index(END) + 1 :]) <= {NULL}


def test_star_import_re_exports_the_layers():
    namespace: dict = {}
    exec("from cs231n.classifiers.rnn import *", namespace)
    assert namespace["CaptioningRNN"] is CaptioningRNN
    assert namespace["lstm_forward"] is rnn_layers.lstm_forward
    assert namespace["affine_forward"] is layers.affine_forward


@pytest.mark.parametrize(
    "call, pattern",
    [
        (
            lambda m: CaptioningRNN(W2I, cell_type="gru"),
            r"CaptioningRNN: cell_type must be one of 'rnn', 'lstm', got 'gru'",
        ),
        (lambda m: CaptioningRNN({"a": 0}), r"CaptioningRNN: word_to_idx must contain '<NULL>'"),
        (
            lambda m: CaptioningRNN(W2I, hidden_dim=0),
            r"CaptioningRNN: hidden_dim must be an integer >= 1, got 0",
        ),
        (
            lambda m: m.loss(np.zeros((2, 5)), np.zeros((2, 4), int)),
            r"CaptioningRNN.loss: features must have shape \(N, 6\), got \(2, 5\)",
        ),
        (
            lambda m: m.loss(np.zeros((2, 6)), np.zeros((3, 4), int)),
            r"CaptioningRNN.loss: captions must have shape \(N, T \+ 1\) = \(2, >= 2\), got \(3, 4\)",
        ),
        (
            lambda m: m.loss(np.zeros((2, 6)), np.zeros((2, 1), int)),
            r"captions must have shape .* got \(2, 1\)",
        ),
        (
            lambda m: m.loss(np.zeros((2, 6)), np.zeros((2, 4))),
            r"CaptioningRNN.loss: captions must be integer word indices, got float64",
        ),
        (
            lambda m: m.log_likelihoods(np.zeros((1, 6)), np.array([[1, 8]])),
            r"CaptioningRNN.log_likelihoods: captions must lie in \[0, 8\), got \[1, 8\]",
        ),
        (
            lambda m: m.sample(np.zeros((2, 6)), beam_size=0),
            r"CaptioningRNN.sample: beam_size must be an integer >= 1, got 0",
        ),
        (
            lambda m: m.sample(np.zeros((2, 6)), max_length=0),
            r"CaptioningRNN.sample: max_length must be an integer >= 1, got 0",
        ),
        (
            lambda m: m.sample(np.zeros(6)),
            r"CaptioningRNN.sample: features must have shape \(N, 6\), got \(6,\)",
        ),
        (
            lambda m: CaptioningRNN({"<NULL>": 0, "a": 1}, input_dim=6).sample(np.zeros((1, 6))),
            r"CaptioningRNN.sample: word_to_idx has no '<START>' word",
        ),
    ],
)
def test_bad_arguments_raise_clear_errors(call, pattern):
    model = random_model("rnn")
    with pytest.raises(ValueError, match=pattern):
        call(model)


def synthetic_captions(rng, n=50, D=32, T=9, n_val=10):
    """A load_coco_data-style dict: n random images, each with one random caption of 3 to
    T - 2 words over WORDS[3:] (learnable only by memorizing each image's feature)."""
    V = len(WORDS)
    words = np.arange(4, V)

    def captions(k):
        caps = np.full((k, T), NULL, dtype=np.int32)
        for i in range(k):
            L = rng.integers(3, T - 1)
            caps[i, 0] = START
            caps[i, 1 : L + 1] = rng.choice(words, size=L)
            caps[i, L + 1] = END
        return caps

    return {
        "train_captions": captions(n),
        "train_image_idxs": np.arange(n),
        "train_features": rng.standard_normal((n, D)).astype(np.float32),
        "train_urls": np.array([f"http://img/train/{i}.jpg" for i in range(n)]),
        "val_captions": captions(n_val),
        "val_image_idxs": np.arange(n_val),
        "val_features": rng.standard_normal((n_val, D)).astype(np.float32),
        "val_urls": np.array([f"http://img/val/{i}.jpg" for i in range(n_val)]),
        "idx_to_word": WORDS,
        "word_to_idx": W2I,
    }


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_overfits_50_captions_in_100_iterations(cell_type):
    """The notebooks' overfitting check (50 examples, batch 25, 50 epochs = 100 iterations,
    Adam), at a smaller size: final training loss < 0.1 for both cells."""
    data = synthetic_captions(np.random.default_rng(0))
    np.random.seed(231)
    model = CaptioningRNN(
        data["word_to_idx"], input_dim=32, wordvec_dim=64, hidden_dim=128, cell_type=cell_type
    )
    solver = CaptioningSolver(
        model,
        data,
        update_rule="adam",
        num_epochs=50,
        batch_size=25,
        optim_config={"learning_rate": 2e-2},
        lr_decay=0.995,
        verbose=False,
        seed=0,
        num_val_samples=0,
    )
    solver.train()
    assert len(solver.loss_history) == 100
    assert solver.loss_history[0] > 10  # about 6.5 target words x log(8) at the start
    assert solver.loss_history[-1] < 0.1
    # the memorized captions come back from the training images' features
    sampled = model.sample(data["train_features"][:10], max_length=8)
    expected = data["train_captions"][:10, 1:]
    assert np.mean(model._pad_after_end(sampled) == expected) > 0.9


def test_top_k_is_a_stable_argsort_prefix():
    from cs231n.classifiers.rnn import _top_k

    rng = np.random.default_rng(8)
    for k, M in ((1, 7), (3, 12), (5, 40), (12, 12)):
        values = rng.integers(0, 4, size=(50, M)).astype(float)  # many ties
        values[rng.random(values.shape) < 0.2] = -np.inf
        expected = np.argsort(-values, axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(_top_k(values, k), expected)
        smooth = rng.standard_normal((50, M))
        np.testing.assert_array_equal(
            _top_k(smooth, k), np.argsort(-smooth, axis=1, kind="stable")[:, :k]
        )
