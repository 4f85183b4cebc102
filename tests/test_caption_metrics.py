"""cs231n.caption_metrics: BLEU against nltk's corpus_bleu and by hand, perplexity against torch's
cross-entropy, exact match, evaluate and the two baselines on a tiny captioning set."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.translate.bleu_score import corpus_bleu as nltk_corpus_bleu

from cs231n.caption_metrics import (
    corpus_bleu,
    evaluate,
    exact_match,
    most_frequent_caption,
    nearest_neighbour_captions,
    perplexity,
    score_captions,
    split_references,
    tokens,
)
from cs231n.rnn_layers import temporal_softmax_loss

pytestmark = pytest.mark.a3

NLTK_WEIGHTS = [(1.0,), (1 / 2,) * 2, (1 / 3,) * 3, (1 / 4,) * 4]


def _nltk(refs, hyps):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns about every zero n-gram count
        out = nltk_corpus_bleu(refs, hyps, weights=NLTK_WEIGHTS)
    return np.asarray(out if isinstance(out, list) else [out] * 4, dtype=np.float64)


def _assert_matches_nltk(refs, hyps):
    ours, ref = corpus_bleu(refs, hyps), _nltk(refs, hyps)
    assert ours.shape == (4,)
    assert np.all(np.abs(ours - ref) <= 1e-12), (ours, ref)
    # where we say 0, nltk's unsmoothed value is 0 or exp(log(float_min) / n) at most
    assert np.all((ours == 0) == (ref < 1e-70)), (ours, ref)


WORDS = st.sampled_from(["a", "dog", "cat", "runs", "the"])


def _sentence(lo, hi):
    return st.lists(WORDS, min_size=lo, max_size=hi)


def _corpus(hyp_len, ref_len, refs_per_image):
    image = st.tuples(
        st.lists(_sentence(*ref_len), min_size=1, max_size=refs_per_image), _sentence(*hyp_len)
    )
    return st.lists(image, min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(_corpus(hyp_len=(0, 10), ref_len=(0, 10), refs_per_image=1))
def test_bleu_matches_nltk_single_reference(corpus):
    _assert_matches_nltk([r for r, _ in corpus], [h for _, h in corpus])


@settings(max_examples=150, deadline=None)
@given(_corpus(hyp_len=(1, 9), ref_len=(1, 9), refs_per_image=4))
def test_bleu_matches_nltk_multiple_references(corpus):
    _assert_matches_nltk([r for r, _ in corpus], [h for _, h in corpus])


@settings(max_examples=100, deadline=None)
@given(_corpus(hyp_len=(0, 4), ref_len=(5, 12), refs_per_image=3))
def test_bleu_matches_nltk_with_brevity_penalty(corpus):
    _assert_matches_nltk([r for r, _ in corpus], [h for _, h in corpus])


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.lists(st.integers(0, 3), max_size=8), min_size=1, max_size=3),
            st.lists(st.integers(0, 3), max_size=8),
        ),
        min_size=1,
        max_size=4,
    ),
    st.integers(1, 6),
)
def test_bleu_of_integer_tokens_and_any_order(corpus, max_n):
    refs, hyps = [r for r, _ in corpus], [h for _, h in corpus]
    _assert_matches_nltk(refs, hyps)
    full = corpus_bleu(refs, hyps, max_n=6)
    np.testing.assert_array_equal(corpus_bleu(refs, hyps, max_n=max_n), full[:max_n])


def test_bleu_clips_repeated_words():
    # Papineni et al.'s example: "the" counts at most twice, the most any one reference holds
    hyp = "the the the the the the the".split()
    refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    bleu = corpus_bleu([refs], [hyp])
    np.testing.assert_allclose(bleu, [2 / 7, 0, 0, 0], rtol=0, atol=1e-15)


def test_bleu_brevity_penalty_of_a_short_hypothesis():
    bleu = corpus_bleu([["the cat is on the mat".split()]], ["the cat".split()])
    bp = math.exp(1 - 6 / 2)  # every unigram and bigram matches; no trigram exists
    np.testing.assert_allclose(bleu, [bp, bp, 0, 0], rtol=1e-15, atol=0)


def test_bleu_closest_reference_length_takes_the_shorter_on_a_tie():
    # lengths 4 and 6 are both 1 away from 5: r = 4 < c = 5, so no brevity penalty
    refs = [["a", "b", "c", "d"], ["a", "b", "c", "d", "e", "f"]]
    np.testing.assert_array_equal(corpus_bleu([refs], [["a", "b", "c", "d", "e"]]), [1, 1, 1, 1])


def test_bleu_pools_counts_over_the_corpus():
    # image 2 alone has BLEU 0, the corpus does not: c = r = 6 and p = 4/6, 3/4, 2/3, 1/2
    # (the two-word hypothesis counts one trigram and one 4-gram slot, as in nltk)
    refs = [[["a", "b", "c", "d"]], [["z", "w"]]]
    hyps = [["a", "b", "c", "d"], ["x", "y"]]
    p = np.cumprod([4 / 6, 3 / 4, 2 / 3, 1 / 2])
    expected = [p[0], p[1] ** (1 / 2), p[2] ** (1 / 3), p[3] ** (1 / 4)]
    np.testing.assert_allclose(corpus_bleu(refs, hyps), expected, rtol=1e-14)
    assert corpus_bleu(refs[1:], hyps[1:])[0] == 0


def test_bleu_of_perfect_and_empty_hypotheses():
    refs = [[["a", "dog", "runs", "on", "grass"]], [["a", "cat"], ["the", "cat", "sits"]]]
    np.testing.assert_array_equal(corpus_bleu(refs[:1], refs[0]), [1, 1, 1, 1])
    # a perfect three-word caption still counts one 4-gram slot (nltk's max(1, .)): p4 = 2/3
    bleu = corpus_bleu(refs, [refs[0][0], refs[1][1]])
    np.testing.assert_allclose(bleu, [1, 1, 1, (2 / 3) ** (1 / 4)], rtol=1e-15)
    np.testing.assert_array_equal(corpus_bleu(refs, [[], []]), [0, 0, 0, 0])


@pytest.mark.parametrize(
    "args, pattern",
    [
        (
            ([[["a"]]], [["a"], ["b"]]),
            r"corpus_bleu: references and hypotheses must have one entry per image, got 1 references and 2",
        ),
        (([], []), r"corpus_bleu: the corpus must hold at least one image, got none"),
        (([[]], [["a"]]), r"corpus_bleu: references\[0\] must be a non-empty list"),
        (([[["a"]]], ["a dog"]), r"corpus_bleu: hypotheses\[0\] must be a list of tokens, got str"),
        (
            ([["a dog"]], [["a"]]),
            r"corpus_bleu: references\[0\]\[0\] must be a list of tokens, got str",
        ),
        (([[["a"]]], [["a"]], 0), r"corpus_bleu: max_n must be an integer >= 1, got 0"),
    ],
)
def test_bleu_bad_input_raises_clear_errors(args, pattern):
    with pytest.raises(ValueError, match=pattern):
        corpus_bleu(*args)


# ---- a tiny captioning set in load_coco_data's layout ------------------------------------

IDX_TO_WORD = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "dog", "cat", "runs", "sits", "on"]
W2I = {w: i for i, w in enumerate(IDX_TO_WORD)}
T = 7


def _caps(*sentences):
    out = np.zeros((len(sentences), T), dtype=np.int32)
    for k, s in enumerate(sentences):
        row = [W2I["<START>"], *(W2I[w] for w in s.split()), W2I["<END>"]]
        out[k, : len(row)] = row
    return out


def _tiny_data():
    return {
        "idx_to_word": IDX_TO_WORD,
        "word_to_idx": W2I,
        # image 1 has captions "a dog runs" twice, so it is the most frequent caption (3x)
        "train_captions": _caps(
            "a cat sits", "a dog runs", "a dog runs", "a cat sits on a", "a dog runs", "<UNK> cat"
        ),
        "train_image_idxs": np.array([0, 1, 1, 0, 2, 2]),
        # train 3 has no caption and points exactly as val image 2
        "train_features": np.array([[1.0, 0, 0], [10, 10, 0], [0, 0, 5], [0, 0.3, 3]]),
        "val_captions": _caps("a dog runs", "a dog sits", "a cat", "a cat sits"),
        "val_image_idxs": np.array([2, 2, 0, 0]),  # image 1 has no caption
        # val 0: cosine-nearest train 1 (45 deg), Euclidean-nearest train 0; val 2: train 2
        "val_features": np.array([[1.0, 1.1, 0], [0, 1, 0], [0, 0.1, 1]]),
        "train_urls": np.array(["u0", "u1", "u2", "u3"]),
        "val_urls": np.array(["v0", "v1", "v2"]),
    }


class _Uniform:
    """Scores 0 for every word; sample() answers from a table keyed by the feature row."""

    _null, _start, _end = 0, 1, 2

    def __init__(self, answers=None):
        self.params = {}
        self.answers = answers or {}
        self.calls = []

    def loss(self, features, captions):
        N = captions.shape[0]
        scores = np.zeros((N, captions.shape[1] - 1, len(IDX_TO_WORD)))
        out = captions[:, 1:]
        return temporal_softmax_loss(scores, out, out != self._null)[0], {}

    def sample(self, features, max_length=30, beam_size=1):
        self.calls.append((features.shape[0], max_length, beam_size))
        out = np.zeros((features.shape[0], max_length), dtype=np.int64)
        for n, f in enumerate(features):
            words = [W2I[w] for w in self.answers.get(tuple(f), "").split()] + [W2I["<END>"]]
            out[n, : min(len(words), max_length)] = words[:max_length]
        return out


class _Bigram:
    """A small stand-in model with real scores: (N, T, V) = image term + previous-word term."""

    _null, _start, _end = 0, 1, 2

    def __init__(self, rng, D=3):
        V = len(IDX_TO_WORD)
        self.params = {
            "W_proj": rng.standard_normal((D, V)),
            "W_embed": rng.standard_normal((V, V)),
        }

    def scores(self, features, captions_in):
        return (features @ self.params["W_proj"])[:, None, :] + self.params["W_embed"][captions_in]

    def loss(self, features, captions):
        out = captions[:, 1:]
        loss, _ = temporal_softmax_loss(self.scores(features, captions[:, :-1]), out, out != 0)
        return loss, {}


def test_tokens_drop_special_words_and_stop_at_end():
    caps = np.array(
        [
            [1, 4, 5, 7, 2, 6, 0],  # a word after <END> is not read
            [4, 3, 6, 8, 0, 0, 0],  # a sample: no <START>, no <END>; <UNK> is a word
            [1, 2, 0, 0, 0, 0, 0],
        ]
    )
    assert tokens(caps, IDX_TO_WORD) == [["a", "dog", "runs"], ["a", "<UNK>", "cat", "sits"], []]
    assert tokens(caps[:1], dict(enumerate(IDX_TO_WORD))) == [["a", "dog", "runs"]]
    with pytest.raises(
        ValueError, match=r"tokens: captions must be a 2-d integer array \(N, T\), got shape \(3,\)"
    ):
        tokens(np.array([1, 4, 2]), IDX_TO_WORD)
    with pytest.raises(ValueError, match=r"tokens: captions must hold indices in \[0, 10\)"):
        tokens(np.array([[1, 10]]), IDX_TO_WORD)


def test_exact_match_counts_hypotheses_equal_to_any_reference():
    refs = [[["a", "dog"], ["a", "cat"]], [["a", "cat"]], [["dog"]]]
    assert exact_match(refs, [["a", "cat"], ["a", "cat", "sits"], ["dog"]]) == pytest.approx(2 / 3)
    with pytest.raises(
        ValueError, match=r"exact_match: references and hypotheses must have one entry per image"
    ):
        exact_match(refs, [["a"]])


def test_perplexity_equals_exp_of_torch_mean_nll(rng):
    model = _Bigram(rng)
    N = 7
    features = rng.standard_normal((N, 3))
    caps = rng.integers(3, len(IDX_TO_WORD), size=(N, T))
    caps[:, 0] = W2I["<START>"]
    for n, length in enumerate(rng.integers(0, T - 1, size=N)):  # words, then <END>, <NULL>s
        caps[n, 1 + length] = W2I["<END>"]
        caps[n, 2 + length :] = W2I["<NULL>"]
    scores = torch.tensor(model.scores(features, caps[:, :-1]))  # (N, T-1, V) float64
    nll = torch.nn.functional.cross_entropy(
        scores.reshape(-1, len(IDX_TO_WORD)), torch.tensor(caps[:, 1:]).reshape(-1), ignore_index=0
    )
    expected = math.exp(nll.item())
    for batch_size in (1, 3, 7, 100):  # minibatches of unequal token counts weigh right
        assert perplexity(model, features, caps, batch_size=batch_size) == pytest.approx(
            expected, rel=1e-12
        )


class _LossOnly:
    """A model seen through its loss only (no log_likelihoods)."""

    def __init__(self, model):
        self._null, self.loss = model._null, model.loss


class _LikelihoodsOnly:
    """A model seen through its log_likelihoods only (its loss must not be called)."""

    def __init__(self, model):
        self._null, self.log_likelihoods = model._null, model.log_likelihoods

    def loss(self, features, captions):
        raise AssertionError("perplexity called loss although log_likelihoods exists")


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_perplexity_of_captioning_rnn_from_log_likelihoods_equals_that_from_its_loss(cell):
    from cs231n.classifiers.rnn import CaptioningRNN

    model = CaptioningRNN(
        W2I, input_dim=3, wordvec_dim=4, hidden_dim=5, cell_type=cell, dtype=np.float64
    )
    data = _tiny_data()
    features = data["train_features"][data["train_image_idxs"]]
    caps = data["train_captions"]
    by_ll = perplexity(_LikelihoodsOnly(model), features, caps, batch_size=4)
    assert by_ll == perplexity(model, features, caps, batch_size=4)  # the model has both
    assert by_ll == pytest.approx(
        perplexity(_LossOnly(model), features, caps, batch_size=4), rel=1e-12
    )
    assert 1 < by_ll < 2 * len(IDX_TO_WORD)  # small random weights: about uniform


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    data = _tiny_data()
    caps = data["train_captions"]
    got = perplexity(
        _Uniform(), data["train_features"][data["train_image_idxs"]], caps, batch_size=4
    )
    assert got == pytest.approx(len(IDX_TO_WORD), rel=1e-12)


@pytest.mark.parametrize(
    "features, captions, model, pattern",
    [
        (
            np.zeros((2, 3)),
            np.zeros((2, 1), int),
            _Uniform(),
            r"perplexity: captions must have shape \(N, T\) with T >= 2, got \(2, 1\)",
        ),
        (
            np.zeros((3, 3)),
            _caps("a dog", "a cat"),
            _Uniform(),
            r"perplexity: features must have shape \(2, D\), one row per caption, got \(3, 3\)",
        ),
        (
            np.zeros((1, 3)),
            np.array([[1, 0, 0]]),
            _Uniform(),
            r"perplexity: captions hold no non-null target token",
        ),
        (
            np.zeros((1, 3)),
            _caps("a dog"),
            object(),
            r"perplexity: model must have a _null attribute",
        ),
    ],
)
def test_perplexity_bad_input_raises_clear_errors(features, captions, model, pattern):
    with pytest.raises(ValueError, match=pattern):
        perplexity(model, features, captions)


def test_split_references_groups_captions_by_image():
    ids, refs = split_references(_tiny_data(), "val")
    np.testing.assert_array_equal(ids, [0, 2])
    assert refs == [
        [["a", "cat"], ["a", "cat", "sits"]],
        [["a", "dog", "runs"], ["a", "dog", "sits"]],
    ]


def test_evaluate_scores_samples_of_every_image_of_the_split():
    data = _tiny_data()
    # val image 0 gets one of its references, val image 2 a near miss
    model = _Uniform({(1.0, 1.1, 0.0): "a cat", (0.0, 0.1, 1.0): "a dog sits on"})
    scores = evaluate(model, data, "val", beam_size=3, batch_size=1)
    assert model.calls == [(1, T - 1, 3), (1, T - 1, 3)]  # max_length T - 1 by default
    refs = split_references(data, "val")[1]
    bleu = corpus_bleu(refs, [["a", "cat"], ["a", "dog", "sits", "on"]])
    assert [scores[f"bleu{n}"] for n in range(1, 5)] == pytest.approx(bleu.tolist(), abs=0)
    assert scores["exact"] == 0.5
    assert scores["perplexity"] == pytest.approx(len(IDX_TO_WORD), rel=1e-12)
    assert scores["images"] == 2
    evaluate(model, data, "train", max_length=4)
    assert model.calls[-1] == (3, 4, 1)
    with pytest.raises(
        ValueError, match=r"evaluate: split must be one of \('train', 'val'\), got 'test'"
    ):
        evaluate(model, data, "test")
    with pytest.raises(
        ValueError,
        match=r"evaluate: beam_size must be an integer >= 1, got 0",
    ):
        evaluate(model, data, beam_size=0, max_length=5)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_evaluate_runs_on_captioning_rnn_greedy_and_beam(cell):
    from cs231n.classifiers.rnn import CaptioningRNN

    data = _tiny_data()
    model = CaptioningRNN(W2I, input_dim=3, wordvec_dim=4, hidden_dim=5, cell_type=cell)
    for beam in (1, 3):
        scores = evaluate(model, data, "val", beam_size=beam)
        assert sorted(scores) == [
            "bleu1",
            "bleu2",
            "bleu3",
            "bleu4",
            "exact",
            "images",
            "perplexity",
        ]
        assert all(0 <= scores[f"bleu{n}"] <= 1 for n in range(1, 5))
        assert scores["perplexity"] >= 1 and scores["images"] == 2


def test_most_frequent_caption_baseline():
    data = _tiny_data()
    best = most_frequent_caption(data)
    assert tokens(best[None], IDX_TO_WORD) == [["a", "dog", "runs"]]
    scores = score_captions(data, np.tile(best, (2, 1)), "val")
    refs = split_references(data, "val")[1]
    assert scores["bleu1"] == pytest.approx(corpus_bleu(refs, [["a", "dog", "runs"]] * 2)[0], abs=0)
    assert scores["exact"] == 0.5
    # a tie goes to the caption that comes first
    tie = dict(data, train_captions=_caps("a cat", "a dog", "a dog", "a cat"))
    assert tokens(most_frequent_caption(tie)[None], IDX_TO_WORD) == [["a", "cat"]]
    with pytest.raises(
        ValueError, match=r"most_frequent_caption: data\['train_captions'\] is empty"
    ):
        most_frequent_caption(dict(data, train_captions=np.zeros((0, T), int)))


def test_nearest_neighbour_baseline_uses_cosine_similarity():
    data = _tiny_data()
    caps = nearest_neighbour_captions(data, "val")
    # val 0 -> train 1 (by angle; train 0 is nearer in Euclidean distance); val 2 -> train 2;
    # of each training image's captions the first one
    assert tokens(caps, IDX_TO_WORD) == [["a", "dog", "runs"], ["a", "dog", "runs"]]
    # train 3 has no caption: never chosen (it would be val 2's nearest)
    train = tokens(nearest_neighbour_captions(data, "train"), IDX_TO_WORD)
    assert train == [["a", "cat", "sits"], ["a", "dog", "runs"], ["a", "dog", "runs"]]
    assert score_captions(data, caps, "val")["exact"] == 0.5
    with pytest.raises(
        ValueError,
        match=r"score_captions: captions must have shape \(2, L\), one row per val image, got \(3, 7\)",
    ):
        score_captions(data, np.zeros((3, T), int), "val")
    with pytest.raises(
        ValueError, match=r"nearest_neighbour_captions: data must hold 'val_features'"
    ):
        nearest_neighbour_captions({k: v for k, v in data.items() if k != "val_features"})
