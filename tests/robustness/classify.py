"""Classify one call: the outcome of a bad call is ``clear``, ``cryptic`` or ``silent`` (a
crash is seen by the campaign's parent process); a call that must succeed is ``ok`` or
``rejected``.

clear: ``ValueError``/``TypeError`` (or a warning, where the spec says a warning) whose message
starts with ``<fn>:`` (one of the spec's prefixes) and contains the argument's name.
"""

from __future__ import annotations

import re
import warnings

import numpy as np


def _names(msg: str, name: str) -> bool:
    """``name`` occurs in ``msg`` as a whole identifier (``y`` is not in ``dimensions``)."""
    return not name or re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", msg)


def _clear_message(msg: str, prefixes: tuple, name: str | tuple) -> bool:
    names = (name,) if isinstance(name, str) else name
    return any(msg.startswith(p + ":") for p in prefixes) and any(_names(msg, n) for n in names)


def run_call(call, kwargs: dict, prefixes: tuple, name, expect: str) -> tuple[str, str]:
    """Run ``call(**kwargs)`` and return ``(outcome, detail)``.

    ``expect == 'error'``: ``clear`` / ``cryptic`` / ``silent``; ``expect == 'ok'``:
    ``ok`` / ``rejected`` (detail: the exception)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            try:
                call(**kwargs)
            except Exception as e:  # noqa: BLE001 (we classify every exception)
                detail = f"{type(e).__name__}: {str(e)[:300]}"
                if expect == "ok":
                    return "rejected", detail
                if isinstance(e, ValueError | TypeError) and _clear_message(str(e), prefixes, name):
                    return "clear", detail
                return "cryptic", detail
    if expect == "ok":
        return "ok", ""
    for w in caught:
        if _clear_message(str(w.message), prefixes, name):
            return "clear", f"warning: {str(w.message)[:300]}"
    return "silent", "returned"
