"""Caption text as the course's COCO files hold it: tokens, vocabulary with ``<UNK>``, padded rows.

The rules, read off the course's ``coco2014_vocab.json`` (1,004 words, all ``[a-z]+``
after the four special tokens, ordered by frequency: ``a on of the in with ...``):

* :func:`tokenize`: lower-case, *delete* every ASCII punctuation character (so
  ``"man's"`` -> ``mans`` and ``"close-up"`` -> ``closeup``, both words of the course's
  vocabulary, while ``s`` and ``t`` are not), then split on whitespace. Digits stay.
* :func:`build_vocabulary`: ``<NULL> <START> <END> <UNK>`` (indices 0..3, the course's),
  then every word seen at least ``min_count`` times in the *training* captions, most
  frequent first (ties in alphabetical order, so the order is reproducible).
* :func:`encode_captions`: ``<START> w_1 ... w_L <END>`` padded with ``<NULL>`` to
  ``max_length`` columns (the course's 17); a caption of more than ``max_length - 2``
  words keeps its first ``max_length - 2`` and still ends with ``<END>``; a word outside
  the vocabulary becomes ``<UNK>``.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = [
    "SPECIAL_TOKENS",
    "MAX_LENGTH",
    "tokenize",
    "build_vocabulary",
    "encode_captions",
]

#: The course's special tokens, at indices 0, 1, 2, 3.
SPECIAL_TOKENS = ("<NULL>", "<START>", "<END>", "<UNK>")
#: Columns of a caption row in the course's ``coco2014_captions.h5``, ``<START>`` and
#: ``<END>`` included (so at most 15 words).
MAX_LENGTH = 17

_DELETE_PUNCTUATION = str.maketrans("", "", string.punctuation)


def tokenize(caption: str) -> list[str]:
    """One caption -> its words, as the course's COCO captions are tokenized.

    Args:
        caption: raw text, e.g. ``"A man's T-shirt, red ."``.

    Returns:
        the list of L lower-case words (``['a', 'mans', 'tshirt', 'red']``): ASCII
        punctuation deleted (not replaced by a space), split on any whitespace.
    """
    if not isinstance(caption, str):
        raise ValueError(f"tokenize: caption must be a str, got {type(caption).__name__}")
    return caption.lower().translate(_DELETE_PUNCTUATION).split()


def build_vocabulary(
    train_tokens: Iterable[Sequence[str]], min_count: int
) -> tuple[list[str], dict[str, int]]:
    """The vocabulary of the training captions, in the course's json layout.

    Args:
        train_tokens: the tokenized *training* captions (N lists of words); validation
            captions must not be passed, so their words the training set lacks are ``<UNK>``.
        min_count: a word is kept when it occurs at least this often in ``train_tokens``;
            rarer words are ``<UNK>``.

    Returns:
        ``(idx_to_word, word_to_idx)``: a list of V words starting with
        :data:`SPECIAL_TOKENS`, then the kept words by decreasing count (ties
        alphabetical), and the dict word -> index.
    """
    if int(min_count) != min_count or min_count < 1:
        raise ValueError(f"build_vocabulary: min_count must be an integer >= 1, got {min_count!r}")
    counts = Counter(w for words in train_tokens for w in words)
    clash = sorted(set(counts) & set(SPECIAL_TOKENS))
    if clash:
        raise ValueError(f"build_vocabulary: the captions contain special tokens {clash}")
    kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    idx_to_word = [*SPECIAL_TOKENS, *kept]
    return idx_to_word, {w: i for i, w in enumerate(idx_to_word)}


def encode_captions(
    tokens: Sequence[Sequence[str]], word_to_idx: dict[str, int], max_length: int = MAX_LENGTH
) -> tuple[np.ndarray, int]:
    """Tokenized captions -> the course's padded index rows.

    Args:
        tokens: N lists of words.
        word_to_idx: word -> index, with the four :data:`SPECIAL_TOKENS` at 0..3.
        max_length: T, the columns of a row, ``<START>`` and ``<END>`` included (>= 3).

    Returns:
        ``(captions, num_truncated)``: ``captions (N, T)`` int32 rows
        ``<START> w_1 .. w_L <END> <NULL> ...`` (words outside the vocabulary -> ``<UNK>``,
        a caption longer than ``T - 2`` words cut to its first ``T - 2``), and how many
        captions were cut.
    """
    if int(max_length) != max_length or max_length < 3:
        raise ValueError(f"encode_captions: max_length must be an integer >= 3, got {max_length!r}")
    for i, w in enumerate(SPECIAL_TOKENS):
        if word_to_idx.get(w) != i:
            raise ValueError(
                f"encode_captions: word_to_idx must map {w} to {i}, got {word_to_idx.get(w)}"
            )
    null, start, end, unk = range(4)
    out = np.full((len(tokens), max_length), null, dtype=np.int32)  # (N, T)
    keep = max_length - 2
    truncated = 0
    for row, words in zip(out, tokens):
        truncated += len(words) > keep
        ids = [word_to_idx.get(w, unk) for w in words[:keep]]
        row[: len(ids) + 2] = [start, *ids, end]
    return out, truncated
