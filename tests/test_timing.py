"""The notebooks' timing helper: best or median of repeated calls, with the call's result."""

import time

import pytest

from cs231n.tooling.timing import Timed, time_call


def test_time_call_returns_the_result_and_a_duration():
    seconds, result = time_call(lambda a, b=0: a + b, 2, b=3)
    assert result == 5
    assert isinstance(seconds, float) and seconds >= 0


def test_time_call_reduces_over_the_repeats():
    # every second call sleeps 30 ms: the best of five is a fast call, the result the fifth's
    calls = []

    def f():
        calls.append(None)
        if len(calls) % 2 == 0:
            time.sleep(0.03)
        return len(calls)

    best = time_call(f, repeats=5)
    assert isinstance(best, Timed) and best.result == 5 and len(calls) == 5
    assert best.seconds < 0.02
    # two of three calls sleep 30 ms: the median is a slow call, the minimum a fast one
    sleeps = iter([0.03, 0.03, 0.0])
    assert time_call(lambda: time.sleep(next(sleeps)), repeats=3, reduce="median").seconds >= 0.03


def test_time_call_rejects_bad_arguments():
    with pytest.raises(ValueError, match="time_call: reduce must be one of"):
        time_call(print, reduce="mean")
    with pytest.raises(ValueError, match="time_call: repeats must be an integer >= 1, got 0"):
        time_call(print, repeats=0)
