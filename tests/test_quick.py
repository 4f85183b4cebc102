"""Quick mode (:mod:`cs231n.quick`): one environment switch, read at call time."""

import os

import pytest

from cs231n.quick import QUICK_ENV, is_quick, pick


@pytest.mark.parametrize("value", ["1", "true", "True", "yes", " 1 ", "anything"])
def test_quick_mode_is_on_for_any_other_value(monkeypatch, value):
    monkeypatch.setenv(QUICK_ENV, value)
    assert is_quick() is True
    assert pick(49000, quick=500) == 500


@pytest.mark.parametrize("value", ["", "0", "false", "FALSE", "no", " 0 "])
def test_quick_mode_is_off_for_empty_zero_false_no(monkeypatch, value):
    monkeypatch.setenv(QUICK_ENV, value)
    assert is_quick() is False
    assert pick(49000, quick=500) == 49000


def test_quick_mode_is_off_when_unset(monkeypatch):
    monkeypatch.delenv(QUICK_ENV, raising=False)
    assert is_quick() is False
    assert pick([1, 3, 5], quick=[1]) == [1, 3, 5]


def test_pick_reads_the_environment_at_each_call(monkeypatch):
    # Notebooks call pick() long after import: the switch must not be cached.
    monkeypatch.delenv(QUICK_ENV, raising=False)
    assert pick("full", quick="quick") == "full"
    monkeypatch.setenv(QUICK_ENV, "1")
    assert pick("full", quick="quick") == "quick"


@pytest.mark.parametrize("before", [None, "0", "yes"])
def test_benchmark_quick_mode_switches_on_inside_and_restores_the_old_value(monkeypatch, before):
    from cs231n.tooling.benchmark import quick_mode

    if before is None:
        monkeypatch.delenv(QUICK_ENV, raising=False)
    else:
        monkeypatch.setenv(QUICK_ENV, before)
    with pytest.raises(RuntimeError), quick_mode(True):
        assert is_quick() is True
        raise RuntimeError("a failing benchmark still restores the environment")
    assert os.environ.get(QUICK_ENV) == before
    with quick_mode(False):  # off: the environment is left as it is
        assert os.environ.get(QUICK_ENV) == before
