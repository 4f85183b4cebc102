"""cs231n.tooling.benchmark: the timing helpers every benchmark script shares."""

import itertools

import pytest

from cs231n.tooling.benchmark import alternate, alternate_self_timed, per_step


def test_alternate_warms_up_then_calls_in_turn_and_takes_medians():
    calls = []
    ticks = itertools.count()  # a fake clock: each reading one tick later
    durations = {"a": iter([0, 1, 5, 2]), "b": iter([0, 10, 30, 20])}

    def fn(name):
        def f():
            calls.append(name)
            for _ in range(next(durations[name])):  # advance the clock by the duration
                next(ticks)

        return f

    clock = lambda: next(ticks)  # noqa: E731
    medians = alternate([fn("a"), fn("b")], 3, clock=clock)
    assert calls == ["a", "b"] + ["a", "b"] * 3  # one warm-up each, then in turn
    # each timed interval is the duration + 1 (the stop reading's own tick)
    assert medians == [3, 21]


def test_alternate_self_timed_uses_what_each_call_reports():
    reports = {"x": iter([99.0, 3.0, 1.0, 2.0]), "y": iter([99.0, 7.0, 9.0, 8.0])}
    medians = alternate_self_timed({k: (lambda v=v: next(v)) for k, v in reports.items()}, 3)
    assert medians == {"x": 2.0, "y": 8.0}  # the warm-up value 99 is not counted


def test_per_step_leaves_out_the_fixed_cost_of_a_run():
    run = lambda steps: 5.0 + 0.25 * steps  # noqa: E731  (5 s of set-up, 0.25 s per step)
    assert per_step(run, 10) == pytest.approx(0.25)
