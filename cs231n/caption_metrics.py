r"""Caption metrics of assignment 3: corpus BLEU-1..4, per-token perplexity, exact match, baselines.

A *corpus* is scored image by image: ``references[m]`` is the list of reference captions of
image ``m`` (each a list of tokens), ``hypotheses[m]`` the one caption a model produced for it.
Tokens are any hashable values (words or word indices); :func:`tokens` turns the course's index
arrays into word lists.

BLEU (Papineni et al., 2002) as corpus BLEU, the way ``nltk.translate.bleu_score.corpus_bleu``
computes it without smoothing:

.. math::

    p_n = \frac{\sum_m \sum_{g \in \text{n-grams}(h_m)} \min(c_{h_m}(g),
          \max_r c_r(g))}{\sum_m \max(|h_m| - n + 1, 1)}, \qquad
    \text{BP} = \begin{cases} 1 & c > r \\ e^{1 - r / c} & 0 < c \le r \\
                 0 & c = 0 \end{cases}, \qquad
    \text{BLEU-}n = \text{BP} \cdot \exp\Big(\frac{1}{n} \sum_{k=1}^{n} \log p_k\Big)

with the counts clipped by the most any single reference holds, ``c`` the total hypothesis
length and ``r`` the sum over images of the reference length closest to each hypothesis
(the shorter one on a tie). A hypothesis shorter than n words still counts one n-gram in the
denominator of p_n, as nltk does (``max(1, .)``); Papineni's definition counts none. The two
differ only when some hypothesis has fewer than n words, and then this one is lower.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from cs231n.validation import check_array, check_finite, check_number

__all__ = [
    "corpus_bleu",
    "tokens",
    "perplexity",
    "exact_match",
    "split_references",
    "score_captions",
    "evaluate",
    "most_frequent_caption",
    "nearest_neighbour_captions",
]

#: The course's special words: dropped by :func:`tokens`.
SPECIAL = ("<NULL>", "<START>", "<END>")
SPLITS = ("train", "val")


def _token_list(fn: str, name: str, seq) -> tuple:
    """``seq`` as a tuple of tokens; a str (a sentence not split into tokens) is an error."""
    if isinstance(seq, str | bytes) or not isinstance(seq, Sequence | np.ndarray):
        raise ValueError(f"{fn}: {name} must be a list of tokens, got {type(seq).__name__}")
    seq = tuple(seq.tolist() if isinstance(seq, np.ndarray) else seq)
    for i, t in enumerate(seq):  # n-grams are counted in dicts: every token must hash
        if not isinstance(t, Hashable):
            raise TypeError(
                f"{fn}: {name}[{i}] must be a token (a word or an index), got {type(t).__name__}"
            )
    return seq


def _check_corpus(fn: str, references, hypotheses) -> tuple[list, list]:
    """Check a corpus; return (references as lists of token tuples, hypotheses as tuples)."""
    for name, seq in (("references", references), ("hypotheses", hypotheses)):
        if isinstance(seq, str | bytes) or not isinstance(seq, Sequence | np.ndarray):
            raise TypeError(f"{fn}: {name} must be a list (one entry per image), got {seq!r}")
    if len(references) != len(hypotheses):
        raise ValueError(
            f"{fn}: references and hypotheses must have one entry per image, got "
            f"{len(references)} references and {len(hypotheses)} hypotheses"
        )
    if len(hypotheses) == 0:
        raise ValueError(f"{fn}: the corpus must hold at least one image, got none")
    refs, hyps = [], []
    for m, (rs, h) in enumerate(zip(references, hypotheses)):
        if isinstance(rs, str | bytes) or not isinstance(rs, Sequence | np.ndarray) or len(rs) == 0:
            raise ValueError(
                f"{fn}: references[{m}] must be a non-empty list of reference captions, got {rs!r}"
            )
        refs.append([_token_list(fn, f"references[{m}][{j}]", r) for j, r in enumerate(rs)])
        hyps.append(_token_list(fn, f"hypotheses[{m}]", h))
    return refs, hyps


def _ngrams(seq: tuple, n: int) -> Counter:
    """Counts of the n-grams (tuples of n consecutive tokens) of ``seq``."""
    return Counter(seq[i : i + n] for i in range(len(seq) - n + 1))


def corpus_bleu(references, hypotheses, max_n: int = 4) -> np.ndarray:
    """Corpus BLEU-1 .. BLEU-``max_n`` (uniform weights, no smoothing), as in the module text.

    Args:
        references: M lists (one per image, each non-empty) of reference captions, each a
            list of tokens.
        hypotheses: M captions, each a list of tokens.
        max_n: the highest n-gram order (>= 1).

    Returns:
        bleu: (max_n,) float64, ``bleu[n - 1]`` is BLEU-n in [0, 1].

    Zero counts: when no n-gram of order k <= n matches (p_k = 0, which also holds when every
    hypothesis is shorter than k), BLEU-n is 0, and so is every BLEU of higher order (a
    matching (k+1)-gram would contain a matching k-gram). nltk's ``corpus_bleu`` without
    smoothing returns exactly 0 when no unigram matches; when only a higher order has no match
    it replaces that p_k by the smallest float, giving a value below 1e-76 where this returns 0.
    """
    if not isinstance(max_n, int | np.integer):
        raise TypeError(f"corpus_bleu: max_n must be an integer >= 1, got {max_n!r}")
    max_n = check_number("corpus_bleu", "max_n", max_n, low=1, integer=True)
    refs, hyps = _check_corpus("corpus_bleu", references, hypotheses)
    matches = np.zeros(max_n, dtype=np.int64)  # clipped n-gram matches, summed over images
    totals = np.zeros(max_n, dtype=np.int64)  # n-grams in the hypotheses, >= 1 per image
    hyp_len = ref_len = 0
    for rs, h in zip(refs, hyps):
        for n in range(1, max_n + 1):
            counts = _ngrams(h, n)
            most = Counter()  # the most times any one reference holds each hypothesis n-gram
            for r in rs:
                for g, c in _ngrams(r, n).items():
                    if g in counts and c > most[g]:
                        most[g] = c
            matches[n - 1] += sum(min(c, most[g]) for g, c in counts.items())
            totals[n - 1] += max(len(h) - n + 1, 1)  # at least 1, as nltk
        hyp_len += len(h)
        # the closest reference length, the shorter one on a tie
        ref_len += min((len(r) for r in rs), key=lambda length: (abs(length - len(h)), length))
    if hyp_len == 0:
        return np.zeros(max_n)
    bp = 1.0 if hyp_len > ref_len else math.exp(1.0 - ref_len / hyp_len)
    log_p = np.full(max_n, -np.inf)
    np.log(matches / totals, out=log_p, where=matches > 0)
    # BLEU-n: the geometric mean of p_1..p_n; a -inf (no match) makes it and all after it 0
    mean_log = np.cumsum(log_p) / np.arange(1, max_n + 1)
    return bp * np.exp(mean_log)


def tokens(captions, idx_to_word) -> list[list[str]]:
    """Word lists of index captions, without ``<NULL> <START> <END>``, each stopped at ``<END>``.

    Args:
        captions: (N, T) integer word indices (dataset rows starting with ``<START>``, or
            samples whose first column is the first word).
        idx_to_word: the vocabulary, ``idx_to_word[i]`` the word of index i (list or dict).

    Returns:
        N lists of words (``<UNK>`` is kept: it is a word of the vocabulary).
    """
    captions = np.asarray(captions)
    if captions.ndim != 2 or not np.issubdtype(captions.dtype, np.integer):
        raise ValueError(
            f"tokens: captions must be a 2-d integer array (N, T), got shape {captions.shape} "
            f"dtype {captions.dtype}"
        )
    if isinstance(idx_to_word, Mapping):
        missing = sorted(set(np.unique(captions).tolist()) - set(idx_to_word))
        if missing:
            raise ValueError(
                f"tokens: captions must hold indices of idx_to_word, got {len(missing)} it lacks "
                f"(first {missing[0]})"
            )
    elif isinstance(idx_to_word, str | bytes) or not isinstance(idx_to_word, Sequence):
        raise TypeError(
            f"tokens: idx_to_word must be a list or a dict index -> word, got "
            f"{type(idx_to_word).__name__}"
        )
    V = len(idx_to_word)
    if (
        not isinstance(idx_to_word, Mapping)
        and captions.size
        and (captions.min() < 0 or captions.max() >= V)
    ):
        raise ValueError(
            f"tokens: captions must hold indices in [0, {V}) (the vocabulary size), got "
            f"values in [{captions.min()}, {captions.max()}]"
        )
    out = []
    for row in captions.tolist():
        words = []
        for i in row:
            w = idx_to_word[i]
            if w == "<END>":
                break
            if w not in SPECIAL:
                words.append(w)
        out.append(words)
    return out


def exact_match(references, hypotheses) -> float:
    """Fraction of images whose hypothesis equals one of its references token for token.

    references: M non-empty lists of token lists; hypotheses: M token lists. Returns a float
    in [0, 1].
    """
    refs, hyps = _check_corpus("exact_match", references, hypotheses)
    return sum(h in rs for rs, h in zip(refs, hyps)) / len(hyps)


def perplexity(model, features, captions, batch_size: int = 100) -> float:
    """Per-token perplexity ``exp(mean NLL)`` of ``captions`` under ``model``.

    The mean runs over every non-null target token (the words and ``<END>`` of
    ``captions[:, 1:]``, as the model's loss masks them). The summed NLL comes from
    ``model.log_likelihoods`` when the model has it (:class:`cs231n.classifiers.rnn.CaptioningRNN`
    does: float64, no backward pass), else from ``model.loss``, which (the course's
    ``temporal_softmax_loss``) returns the NLL summed over those tokens and divided by the
    minibatch size only, so ``loss * batch`` summed over minibatches is the total. A uniform
    model over V words has perplexity V.

    Args:
        model: has ``_null`` and ``log_likelihoods(features (B, D), captions (B, T)) -> (B,)``
            or ``loss(features, captions) -> (loss, grads)``.
        features: (N, D) one image feature row per caption.
        captions: (N, T) integer captions starting with ``<START>``, T >= 2.
        batch_size: captions per call of the model.

    Returns:
        perplexity (float, >= 1).
    """
    features = check_array("perplexity", "features", features, finite=True)
    captions = check_array("perplexity", "captions", captions)
    if not np.issubdtype(captions.dtype, np.integer):
        raise TypeError(
            f"perplexity: captions must hold integer word indices, got {captions.dtype}"
        )
    if captions.ndim != 2 or captions.shape[1] < 2:
        raise ValueError(
            f"perplexity: captions must have shape (N, T) with T >= 2, got {captions.shape}"
        )
    if features.ndim != 2 or features.shape[0] != captions.shape[0]:
        raise ValueError(
            f"perplexity: features must have shape ({captions.shape[0]}, D), one row per "
            f"caption, got {features.shape}"
        )
    batch_size = check_number("perplexity", "batch_size", batch_size, low=1, integer=True)
    null = getattr(model, "_null", None)
    if null is None:
        raise ValueError("perplexity: model must have a _null attribute (the <NULL> index)")
    count = int((captions[:, 1:] != null).sum())
    if count == 0:
        raise ValueError("perplexity: captions hold no non-null target token")
    log_likelihoods = getattr(model, "log_likelihoods", None)
    total = 0.0  # summed NLL, float64 whatever the model's dtype
    for start in range(0, captions.shape[0], batch_size):
        f, batch = features[start : start + batch_size], captions[start : start + batch_size]
        if log_likelihoods is not None:
            total -= float(np.sum(log_likelihoods(f, batch)))
        else:
            loss, _ = model.loss(f, batch)
            total += float(loss) * batch.shape[0]  # undo the division by the minibatch size
    return math.exp(total / count)


def _split(fn: str, data: dict, split: str) -> str:
    if not isinstance(data, Mapping):
        raise TypeError(f"{fn}: data must be the dict of load_coco_data, got {type(data).__name__}")
    if split not in SPLITS:
        raise ValueError(f"{fn}: split must be one of {SPLITS}, got {split!r}")
    for key in ("captions", "image_idxs", "features"):
        if f"{split}_{key}" not in data:
            raise ValueError(f"{fn}: data must hold '{split}_{key}' (load_coco_data's keys)")
    return split


def split_references(data: dict, split: str = "val") -> tuple[np.ndarray, list[list[list[str]]]]:
    """The images of a split that have captions, and all their captions as word lists.

    data: the dict of :func:`cs231n.coco_utils.load_coco_data`. Returns
    ``image_ids (M,)``, rows of ``data[split + '_features']`` in increasing order, and
    ``references``: M lists of that image's captions (word lists, in file order).
    """
    _split("split_references", data, split)
    idxs = np.asarray(data[f"{split}_image_idxs"])
    words = tokens(data[f"{split}_captions"], data["idx_to_word"])
    image_ids = np.unique(idxs)
    by_image = {int(i): [] for i in image_ids}
    for i, w in zip(idxs.tolist(), words):
        by_image[i].append(w)
    return image_ids, [by_image[int(i)] for i in image_ids]


def score_captions(data: dict, captions, split: str = "val") -> dict[str, float]:
    """BLEU-1..4 and exact match of one caption per image of a split.

    captions: (M, L) integer captions, row m for image ``split_references(data, split)[0][m]``
    (samples or dataset rows). Returns ``{"bleu1", ..., "bleu4", "exact"}``.
    """
    _, refs = split_references(data, split)
    captions = np.asarray(captions)
    if captions.ndim != 2 or captions.shape[0] != len(refs):
        raise ValueError(
            f"score_captions: captions must have shape ({len(refs)}, L), one row per "
            f"{split} image, got {captions.shape}"
        )
    hyps = tokens(captions, data["idx_to_word"])
    bleu = corpus_bleu(refs, hyps, max_n=4)
    scores = {f"bleu{n}": float(bleu[n - 1]) for n in range(1, 5)}
    scores["exact"] = exact_match(refs, hyps)
    return scores


def evaluate(
    model,
    data: dict,
    split: str = "val",
    beam_size: int = 1,
    max_length: int | None = None,
    batch_size: int = 100,
) -> dict[str, float]:
    """Score a captioning model on every image of a split.

    Each image with captions gets one caption from ``model.sample(features, max_length,
    beam_size)`` (features (B, D) -> (B, max_length) word indices), scored against all its
    captions by :func:`score_captions`; the perplexity of every caption of the split comes
    from :func:`perplexity`.

    Args:
        model: has ``sample`` and ``loss`` as :class:`cs231n.classifiers.rnn.CaptioningRNN`.
        data: the dict of :func:`cs231n.coco_utils.load_coco_data`.
        split: ``"train"`` or ``"val"``.
        beam_size: 1 for greedy sampling, k > 1 for beam search.
        max_length: words sampled per image (default T - 1 of the split's (N, T) captions:
            room for the longest reference and its ``<END>``).
        batch_size: images (and captions) per model call.

    Returns:
        ``{"bleu1", "bleu2", "bleu3", "bleu4", "exact", "perplexity", "images"}``.
    """
    _split("evaluate", data, split)
    captions = np.asarray(data[f"{split}_captions"])
    if max_length is None:
        max_length = captions.shape[1] - 1
    max_length = check_number("evaluate", "max_length", max_length, low=1, integer=True)
    beam_size = check_number("evaluate", "beam_size", beam_size, low=1, integer=True)
    batch_size = check_number("evaluate", "batch_size", batch_size, low=1, integer=True)
    features = np.asarray(data[f"{split}_features"])
    image_ids, _ = split_references(data, split)
    samples = np.concatenate(
        [
            np.asarray(
                model.sample(
                    features[image_ids[s : s + batch_size]],
                    max_length=max_length,
                    beam_size=beam_size,
                )
            )
            for s in range(0, len(image_ids), batch_size)
        ]
    )  # (M, max_length)
    scores = score_captions(data, samples, split)
    idxs = np.asarray(data[f"{split}_image_idxs"])
    scores["perplexity"] = perplexity(model, features[idxs], captions, batch_size=batch_size)
    scores["images"] = len(image_ids)
    return scores


def most_frequent_caption(data: dict) -> np.ndarray:
    """The caption that occurs most often in ``data['train_captions']`` (the first on a tie).

    A baseline that writes it for every image; score it with
    ``score_captions(data, np.tile(c, (M, 1)), split)``. Returns the row: (T,) int.
    """
    _split("most_frequent_caption", data, "train")
    caps = np.asarray(data["train_captions"])
    if caps.shape[0] == 0:
        raise ValueError("most_frequent_caption: data['train_captions'] is empty")
    # rows are equal exactly when their words are: the padding after <END> is all <NULL>
    _, first, counts = np.unique(caps, axis=0, return_index=True, return_counts=True)
    best = first[counts == counts.max()].min()
    return caps[best].copy()


def nearest_neighbour_captions(data: dict, split: str = "val") -> np.ndarray:
    """A baseline: each image of a split gets a caption of its nearest training image.

    Nearness is the cosine similarity of the feature rows (features of the course's CNNs are
    compared by angle, and it ignores their overall scale); a tie goes to the lower training
    row. Of the nearest training image's captions, the first in file order is taken. On
    ``split="train"`` every image is its own nearest neighbour.

    Returns:
        captions: (M, T) int, row m for image ``split_references(data, split)[0][m]``.
    """
    _split("nearest_neighbour_captions", data, split)
    _split("nearest_neighbour_captions", data, "train")
    image_ids, _ = split_references(data, split)
    train_idxs = np.asarray(data["train_image_idxs"])
    train_ids = np.unique(train_idxs)  # training images that have a caption
    if len(train_ids) == 0:
        raise ValueError("nearest_neighbour_captions: data has no training captions")

    def unit(x):  # rows scaled to length 1 (an all-zero row stays zero)
        x = np.asarray(x, dtype=np.float64)
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-300)

    fn = "nearest_neighbour_captions"
    train = check_array(fn, "data['train_features']", data["train_features"], ndim=2)
    query = check_array(fn, f"data['{split}_features']", data[f"{split}_features"], ndim=2)
    if train.shape[1] != query.shape[1]:
        raise ValueError(
            f"{fn}: data['{split}_features'] must have the feature size of data['train_features'] "
            f"{train.shape[1]}, got shape {query.shape}"
        )
    # a NaN feature has no angle to anything: the nearest image would be arbitrary
    train = unit(check_finite(fn, "data['train_features']", train[train_ids]))  # (K, D)
    query = unit(check_finite(fn, f"data['{split}_features']", query[image_ids]))  # (M, D)
    nearest = train_ids[np.argmax(query @ train.T, axis=1)]  # (M,) training feature rows
    first_caption = {}
    for row, i in enumerate(train_idxs.tolist()):
        first_caption.setdefault(i, row)
    rows = [first_caption[int(i)] for i in nearest]
    return np.asarray(data["train_captions"])[rows]
