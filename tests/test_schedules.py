"""Learning-rate schedules (:mod:`cs231n.training.schedules`)."""

import pytest

from cs231n.training import schedules
from cs231n.training.schedules import budgeted_schedule, cosine_schedule
from tests.checks import FakeClock

pytestmark = pytest.mark.a2


def test_cosine_schedule_goes_from_one_to_zero():
    assert cosine_schedule(0, 100) == 1.0
    assert cosine_schedule(50, 100) == pytest.approx(0.5)
    assert cosine_schedule(100, 100) == pytest.approx(0.0, abs=1e-15)
    values = [cosine_schedule(it, 100) for it in range(101)]
    assert all(a > b for a, b in zip(values, values[1:]))


def test_budgeted_schedule_follows_the_clock_when_iterations_lag(monkeypatch):
    clock = FakeClock(0.0)
    monkeypatch.setattr(schedules, "_now", clock)
    f = budgeted_schedule(cosine_schedule, seconds=100.0)
    assert f(0, 1000) == 1.0  # starts the clock
    clock.t = 50.0  # half the budget gone after 10 of 1000 iterations: the clock leads
    assert f(10, 1000) == pytest.approx(cosine_schedule(500, 1000))
    clock.t = 60.0  # iterations ahead of the clock: they lead
    assert f(900, 1000) == pytest.approx(cosine_schedule(900, 1000))
    clock.t = 500.0  # past the budget: the end of the schedule
    assert f(20, 1000) == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="seconds must be > 0"):
        budgeted_schedule(cosine_schedule, 0)
