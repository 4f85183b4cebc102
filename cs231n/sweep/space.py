"""Named search spaces: what a sweep varies, and how each value is drawn.

A space is a dict ``name -> parameter``; a parameter is one of

* :class:`LogUniform` ``(low, high)``: a float drawn uniformly in ``log`` (learning
  rates, regularization strengths);
* :class:`Uniform` ``(low, high)``: a float drawn uniformly;
* :class:`Categorical` ``(choices)``: one of a few values (hidden sizes, dropout keep
  ratios).

:func:`suggest` asks an Optuna trial for every parameter of a space. A task's *grid*
(``name -> list of values``, the course's grid where the course uses one) feeds
Optuna's ``GridSampler``; :func:`check_grid` makes sure every grid value lies inside
the space, so a grid study and a TPE study of the same task record the same
distributions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LogUniform:
    """A float drawn log-uniformly in ``[low, high]``, ``0 < low < high``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and 0 < self.low < self.high):
            raise ValueError(
                f"LogUniform: need 0 < low < high, got low={self.low}, high={self.high}"
            )

    def suggest(self, trial, name: str) -> float:
        return trial.suggest_float(name, self.low, self.high, log=True)

    def contains(self, value: Any) -> bool:
        return isinstance(value, (int, float)) and self.low <= value <= self.high

    def parse(self, text: str) -> float:
        return float(text)


@dataclass(frozen=True)
class Uniform:
    """A float drawn uniformly in ``[low, high]``, ``low < high``."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"Uniform: need low < high, got low={self.low}, high={self.high}")

    def suggest(self, trial, name: str) -> float:
        return trial.suggest_float(name, self.low, self.high)

    def contains(self, value: Any) -> bool:
        return isinstance(value, (int, float)) and self.low <= value <= self.high

    def parse(self, text: str) -> float:
        return float(text)


@dataclass(frozen=True)
class Categorical:
    """One of ``choices`` (numbers or strings; at least one)."""

    choices: tuple

    def __post_init__(self) -> None:
        if len(self.choices) == 0:
            raise ValueError("Categorical: choices must not be empty")

    def suggest(self, trial, name: str) -> Any:
        return trial.suggest_categorical(name, list(self.choices))

    def contains(self, value: Any) -> bool:
        return value in self.choices

    def parse(self, text: str) -> Any:
        for choice in self.choices:
            if str(choice) == text:
                return choice
        kind = type(self.choices[0])
        return kind(text) if kind in (int, float) else text


Param = LogUniform | Uniform | Categorical
Space = Mapping[str, Param]


def check_space(fn: str, space: Space) -> None:
    """Raise ``ValueError`` (naming ``fn`` and ``space``) when ``space`` is empty or holds
    something that is not a parameter."""
    if not space:
        raise ValueError(f"{fn}: space must name at least one parameter, got an empty space")
    for name, param in space.items():
        if not isinstance(param, (LogUniform, Uniform, Categorical)):
            raise TypeError(
                f"{fn}: space[{name!r}] must be LogUniform, Uniform or Categorical, "
                f"got {type(param).__name__}"
            )


def check_grid(fn: str, space: Space, grid: Mapping[str, Sequence]) -> None:
    """Raise ``ValueError`` unless ``grid`` gives a non-empty list of values inside
    ``space`` for exactly the parameters of ``space``."""
    if set(grid) != set(space):
        raise ValueError(f"{fn}: grid must name the parameters {sorted(space)}, got {sorted(grid)}")
    for name, values in grid.items():
        if len(values) == 0:
            raise ValueError(f"{fn}: grid[{name!r}] must not be empty")
        outside = [v for v in values if not space[name].contains(v)]
        if outside:
            raise ValueError(f"{fn}: grid[{name!r}] has values outside {space[name]}: {outside}")


def suggest(trial, space: Space) -> dict[str, Any]:
    """``{name: value}`` for every parameter of ``space``, drawn by ``trial``'s sampler."""
    return {name: param.suggest(trial, name) for name, param in space.items()}


def grid_size(grid: Mapping[str, Sequence]) -> int:
    """The number of points of a grid (the product of its axes' lengths)."""
    return math.prod(len(v) for v in grid.values())
