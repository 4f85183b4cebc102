"""CaptioningRNN: image features to captions with a vanilla RNN or an LSTM, greedy or beam search.

The model of assignment 3 (official 2020 API). An image feature vector ``(D,)`` is projected
to the initial hidden state ``h0 = features @ W_proj + b_proj``; the caption's words
``<START> w_1 ... w_T`` are embedded (``W_embed``), run through the recurrent cell
(``Wx, Wh, b``) and scored over the vocabulary at every step (``W_vocab, b_vocab``); the loss
is the course's temporal softmax loss of each step's next word, ``<NULL>`` targets masked,
summed over time and divided by N. Shapes: N captions, D feature size, W word-vector size,
H hidden size, V vocabulary size, T+1 caption length (``<START>`` included).

As in the official code, ``from cs231n.classifiers.rnn import *`` also gives every layer of
:mod:`cs231n.layers` and :mod:`cs231n.rnn_layers`, and the weights are drawn from the GLOBAL
``np.random`` state, so ``np.random.seed(231)`` reproduces the notebooks' models.
"""

from __future__ import annotations

import numpy as np

from cs231n import layers, rnn_layers
from cs231n.layers import *  # noqa: F403  (re-exported, see __all__)
from cs231n.layers import affine_backward, affine_forward
from cs231n.rnn_layers import *  # noqa: F403  (re-exported, see __all__)
from cs231n.rnn_layers import (
    lstm_backward,
    lstm_forward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_backward,
    word_embedding_forward,
)
from cs231n.validation import check_array, check_choice, check_number

__all__ = ["CaptioningRNN", *layers.__all__, *rnn_layers.__all__]

_CELLS = ("rnn", "lstm")


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    """Log-probabilities over the last axis, in float64 (the max shift keeps exp finite)."""
    s = np.asarray(scores, dtype=np.float64)
    s = s - s.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def _top_k(values: np.ndarray, k: int) -> np.ndarray:
    """Indices (N, k) of the k largest entries of each row of values (N, M), largest first,
    ties by lower index: the first k of a stable argsort of ``-values``, found with an
    O(M) argpartition (a full sort only for rows with a tie across the k-th place)."""
    part = np.argpartition(-values, k - 1, axis=1)[:, :k]  # (N, k), in no order
    picked = np.take_along_axis(values, part, axis=1)
    kth = picked.min(axis=1, keepdims=True)  # (N, 1)
    tie = (values == kth).sum(axis=1) != (picked == kth).sum(axis=1)  # (N,)
    top = np.take_along_axis(part, np.lexsort((part, -picked)), axis=1)
    if tie.any():
        top[tie] = np.argsort(-values[tie], axis=1, kind="stable")[:, :k]
    return top


class CaptioningRNN:
    """Image captioning with a recurrent neural network (official 2020 constructor).

    Parameters
    ----------
    word_to_idx : dict
        Word -> index for the V words of the vocabulary; must contain ``<NULL>``
        (the padding index ``_null``); ``<START>`` and ``<END>`` (``_start``, ``_end``,
        None when absent) are needed by :meth:`sample`.
    input_dim : int
        D, the size of an image feature vector (512 for the course's PCA features).
    wordvec_dim : int
        W, the size of a word vector.
    hidden_dim : int
        H, the size of the hidden state.
    cell_type : str
        ``'rnn'`` (vanilla, tanh) or ``'lstm'`` (gates i, f, o, g stacked in ``Wx, Wh, b``).
    dtype : numpy dtype
        Of every parameter: ``np.float32`` to train, ``np.float64`` for gradient checks.

    Attributes
    ----------
    params : dict
        ``W_embed (V, W)``, ``W_proj (D, H)``, ``b_proj (H,)``, ``Wx (W, kH)``, ``Wh (H, kH)``,
        ``b (kH,)`` with k = 1 (rnn) or 4 (lstm), ``W_vocab (H, V)``, ``b_vocab (V,)``.
        As in the official code: ``W_embed ~ N(0, 1) / 100``, the other matrices
        ``~ N(0, 1) / sqrt(fan_in)``, biases zero, drawn in that order from ``np.random``.
    """

    def __init__(
        self,
        word_to_idx: dict,
        input_dim: int = 512,
        wordvec_dim: int = 128,
        hidden_dim: int = 128,
        cell_type: str = "rnn",
        dtype=np.float32,
    ) -> None:
        fn = "CaptioningRNN"
        check_choice(fn, "cell_type", cell_type, _CELLS)
        if not isinstance(word_to_idx, dict):
            raise TypeError(
                f"{fn}: word_to_idx must be a dict word -> index, got {type(word_to_idx).__name__}"
            )
        if "<NULL>" not in word_to_idx:
            raise ValueError(
                f"CaptioningRNN: word_to_idx must contain '<NULL>' (the padding word), "
                f"got {len(word_to_idx)} words without it"
            )
        input_dim = check_number(fn, "input_dim", input_dim, low=1, integer=True)
        wordvec_dim = check_number(fn, "wordvec_dim", wordvec_dim, low=1, integer=True)
        hidden_dim = check_number(fn, "hidden_dim", hidden_dim, low=1, integer=True)
        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = word_to_idx
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self.input_dim = input_dim
        V = len(word_to_idx)
        self._null = word_to_idx["<NULL>"]
        self._start = word_to_idx.get("<START>", None)
        self._end = word_to_idx.get("<END>", None)

        k = 4 if cell_type == "lstm" else 1  # the LSTM stacks its four gates
        H = hidden_dim
        randn = np.random.randn  # noqa: NPY002 (global state, as in the official notebook)
        self.params = {
            "W_embed": randn(V, wordvec_dim) / 100,
            "W_proj": randn(input_dim, H) / np.sqrt(input_dim),
            "b_proj": np.zeros(H),
            "Wx": randn(wordvec_dim, k * H) / np.sqrt(wordvec_dim),
            "Wh": randn(H, k * H) / np.sqrt(H),
            "b": np.zeros(k * H),
            "W_vocab": randn(H, V) / np.sqrt(H),
            "b_vocab": np.zeros(V),
        }
        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    # ---------------------------------------------------------------- checks
    def _check_features(self, fn: str, features) -> np.ndarray:
        """features (N, D) with N >= 1, as an array."""
        features = check_array(f"CaptioningRNN.{fn}", "features", features)
        if features.ndim != 2 or features.shape[1] != self.input_dim:
            raise ValueError(
                f"CaptioningRNN.{fn}: features must have shape (N, {self.input_dim}), "
                f"got {features.shape}"
            )
        if features.shape[0] == 0:
            raise ValueError(
                f"CaptioningRNN.{fn}: features must hold at least one image (N >= 1), "
                f"got shape {features.shape}"
            )
        return features

    def _check_captions(self, fn: str, features, captions) -> tuple[np.ndarray, np.ndarray]:
        features = self._check_features(fn, features)
        captions = check_array(f"CaptioningRNN.{fn}", "captions", captions)
        N, V = features.shape[0], self.params["W_vocab"].shape[1]
        if captions.ndim != 2 or captions.shape[0] != N or captions.shape[1] < 2:
            raise ValueError(
                f"CaptioningRNN.{fn}: captions must have shape (N, T + 1) = ({N}, >= 2), "
                f"got {captions.shape}"
            )
        if not np.issubdtype(captions.dtype, np.integer):
            raise ValueError(
                f"CaptioningRNN.{fn}: captions must be integer word indices, got {captions.dtype}"
            )
        if captions.size and (captions.min() < 0 or captions.max() >= V):
            raise ValueError(
                f"CaptioningRNN.{fn}: captions must lie in [0, {V}), "
                f"got [{captions.min()}, {captions.max()}]"
            )
        return features, captions

    # ------------------------------------------------------------------ loss
    def _forward(self, features: np.ndarray, captions_in: np.ndarray):
        """Scores (N, T, V) of every next word, and the caches of the four layers."""
        p = self.params
        h0, cache_proj = affine_forward(features, p["W_proj"], p["b_proj"])  # (N, H)
        x, cache_embed = word_embedding_forward(captions_in, p["W_embed"])  # (N, T, W)
        recurrent = rnn_forward if self.cell_type == "rnn" else lstm_forward
        h, cache_cell = recurrent(x, h0, p["Wx"], p["Wh"], p["b"])  # (N, T, H)
        scores, cache_vocab = temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])  # (N, T, V)
        return scores, (cache_proj, cache_embed, cache_cell, cache_vocab)

    def loss(self, features, captions) -> tuple[float, dict[str, np.ndarray]]:
        """Training loss and gradients on a minibatch (official API).

        Args:
            features: (N, D) image features.
            captions: (N, T + 1) integer word indices, each ``<START> w_1 ... w_T``;
                step t reads ``captions[:, t]`` and predicts ``captions[:, t + 1]``,
                ``<NULL>`` targets are masked out.

        Returns:
            loss: float, the masked cross-entropy summed over time and averaged over N.
            grads: dict with the keys and shapes of ``params``.

        Raises:
            ValueError: features or captions of the wrong shape, non-integer captions, or
                word indices outside [0, V).
        """
        features, captions = self._check_captions("loss", features, captions)
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]  # (N, T) each
        mask = captions_out != self._null  # (N, T)
        scores, (c_proj, c_embed, c_cell, c_vocab) = self._forward(features, captions_in)
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)

        grads = {}
        dh, grads["W_vocab"], grads["b_vocab"] = temporal_affine_backward(dscores, c_vocab)
        backward = rnn_backward if self.cell_type == "rnn" else lstm_backward
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dh, c_cell)
        grads["W_embed"] = word_embedding_backward(dx, c_embed)
        _, grads["W_proj"], grads["b_proj"] = affine_backward(dh0, c_proj)
        return float(loss), grads

    def log_likelihoods(self, features, captions) -> np.ndarray:
        """Summed log-probability of each caption's non-``<NULL>`` target words.

        Args:
            features: (N, D) image features.
            captions: (N, T + 1) integer word indices, as for :meth:`loss`.

        Returns:
            (N,) float64: ``sum_t log p(captions[n, t + 1] | captions[n, :t + 1], features[n])``
            over the t whose target is not ``<NULL>``. ``-log_likelihoods(...).sum() / N`` is
            :meth:`loss`; the number of words scored per caption is
            ``(captions[:, 1:] != model._null).sum(axis=1)``.
        """
        features, captions = self._check_captions("log_likelihoods", features, captions)
        captions_out = captions[:, 1:]  # (N, T)
        scores, _ = self._forward(features, captions[:, :-1])
        logp = _log_softmax(scores)  # (N, T, V)
        picked = np.take_along_axis(logp, captions_out[..., None], axis=2)[..., 0]  # (N, T)
        return np.where(captions_out != self._null, picked, 0.0).sum(axis=1)

    # -------------------------------------------------------------- sampling
    def _cell_step(self, x, prev_h, prev_c):
        """One recurrent step on word vectors x (B, W): next_h (B, H), next_c (B, H) or None."""
        p = self.params
        if self.cell_type == "rnn":
            next_h, _ = rnn_step_forward(x, prev_h, p["Wx"], p["Wh"], p["b"])
            return next_h, None
        next_h, next_c, _ = lstm_step_forward(x, prev_h, prev_c, p["Wx"], p["Wh"], p["b"])
        return next_h, next_c

    def _greedy(self, features: np.ndarray, max_length: int) -> tuple[np.ndarray, np.ndarray]:
        """The official greedy sample (N, max_length) int32 and, per caption, the summed
        log-probability (N,) of its words up to and including its first ``<END>``."""
        p = self.params
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)
        h, _ = affine_forward(features, p["W_proj"], p["b_proj"])  # (N, H)
        c = np.zeros_like(h)
        word = self._start * np.ones(N, dtype=np.int32)
        score = np.zeros(N)
        ended = np.zeros(N, dtype=bool)
        for t in range(max_length):
            h, c = self._cell_step(p["W_embed"][word], h, c)  # (N, H)
            scores, _ = affine_forward(h, p["W_vocab"], p["b_vocab"])  # (N, V)
            word = np.argmax(scores, axis=1).astype(np.int32)
            captions[:, t] = word
            logp = _log_softmax(scores)[np.arange(N), word]  # (N,)
            score += np.where(ended, 0.0, logp)
            ended |= word == self._end
        return captions, score

    def _beam_search(
        self, features: np.ndarray, max_length: int, beam_size: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Beam search on summed log-probabilities.

        Every image keeps the ``beam_size`` best partial captions. A caption that has emitted
        ``<END>`` stays in the beam with its score frozen: its only continuation is
        ``<NULL>`` at log-probability 0, so finished and unfinished captions compete on the
        same summed score. Returns the best caption per image (N, max_length) int32, padded
        with ``<NULL>`` after its ``<END>``, and its score (N,) float64.
        """
        p = self.params
        N, k = features.shape[0], beam_size
        V = p["W_vocab"].shape[1]
        end = -1 if self._end is None else self._end
        rows = np.arange(N)[:, None]  # (N, 1): picks each image's beams
        h0, _ = affine_forward(features, p["W_proj"], p["b_proj"])  # (N, H)
        H = h0.shape[1]
        h = np.repeat(h0[:, None], k, axis=1)  # (N, k, H)
        c = np.zeros_like(h)
        score = np.full((N, k), -np.inf)
        score[:, 0] = 0.0  # one live beam at the start, so no caption is found k times
        done = np.zeros((N, k), dtype=bool)
        words = np.full((N, k), self._start, dtype=np.int32)
        captions = np.full((N, k, max_length), self._null, dtype=np.int32)
        for t in range(max_length):
            x = p["W_embed"][words].reshape(N * k, -1)  # (N k, W)
            h_new, c_new = self._cell_step(x, h.reshape(N * k, H), c.reshape(N * k, H))
            scores, _ = affine_forward(h_new, p["W_vocab"], p["b_vocab"])  # (N k, V)
            logp = _log_softmax(scores).reshape(N, k, V)
            logp[done] = -np.inf
            logp[done, self._null] = 0.0
            cand = (score[:, :, None] + logp).reshape(N, k * V)  # (N, k V)
            # Best first, ties by beam, then word index (as argmax breaks them).
            top = _top_k(cand, k)  # (N, k)
            parent, words = np.divmod(top, V)
            words = words.astype(np.int32)
            score = np.take_along_axis(cand, top, axis=1)
            captions = captions[rows, parent]
            captions[:, :, t] = words
            done = done[rows, parent] | (words == end)
            h = h_new.reshape(N, k, H)[rows, parent]
            if c_new is not None:
                c = c_new.reshape(N, k, H)[rows, parent]
        best = np.argmax(score, axis=1)  # (N,)
        return captions[np.arange(N), best], score[np.arange(N), best]

    def _pad_after_end(self, captions: np.ndarray) -> np.ndarray:
        """A copy of captions (N, L) with every word after the first ``<END>`` set to ``<NULL>``."""
        if self._end is None:
            return captions.copy()
        ended = np.cumsum(captions == self._end, axis=1) > 0  # (N, L): at or after <END>
        after = np.zeros_like(ended)
        after[:, 1:] = ended[:, :-1]
        return np.where(after, self._null, captions).astype(captions.dtype)

    def sample(self, features, max_length: int = 30, beam_size: int = 1) -> np.ndarray:
        """Captions for image features, greedy (official) or by beam search.

        Args:
            features: (N, D) image features.
            max_length: L, the number of words generated per caption.
            beam_size: 1 for the official greedy sample: at every step the most likely
                word is fed back in, for all L steps (words after an ``<END>`` are
                sampled too; :func:`cs231n.coco_utils.decode_captions` stops at it).
                k > 1 for beam search on the summed log-probability of the words up to and
                including ``<END>``; each caption stops at its ``<END>`` and is padded with
                ``<NULL>``. The greedy caption competes too, so a beam search caption is
                never less likely than the greedy one.

        Returns:
            (N, L) int32 word indices; column 0 is the first sampled word (``<START>``
            is not included).

        Raises:
            ValueError: features of the wrong shape, max_length or beam_size < 1, or a
                vocabulary without ``<START>``.
        """
        features = self._check_features("sample", features)
        for name, value in (("max_length", max_length), ("beam_size", beam_size)):
            check_number("CaptioningRNN.sample", name, value, low=1, integer=True)
        if self._start is None:
            raise ValueError("CaptioningRNN.sample: word_to_idx has no '<START>' word")
        greedy, greedy_score = self._greedy(features, int(max_length))
        if beam_size == 1:
            return greedy
        beam, beam_score = self._beam_search(features, int(max_length), int(beam_size))
        take_greedy = greedy_score > beam_score  # (N,)
        return np.where(take_greedy[:, None], self._pad_after_end(greedy), beam)
