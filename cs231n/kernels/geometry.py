"""The geometry of a sliding window: its checked hyperparameters and its output size.

Every convolution and pooling layer (naive, fast, im2col, Winograd) and every im2col /
col2im kernel uses the two things here, so there is one contract and one set of messages:

* :class:`ConvParam` and :class:`PoolParam`: the ``conv_param`` / ``pool_param`` dicts of
  the course, checked once at the door of a forward pass by ``from_dict(layer, d)``
  (required keys present, no unknown keys, integers in range) and carried in the cache,
  so a backward pass never reads the dict again;
* :func:`output_hw`: ``(Ho, Wo)`` of a ``HH x WW`` window moved with ``stride`` over the
  zero-padded input, which must fit and divide exactly (never floored silently).

Every error is a ``ValueError`` that names the layer, the field and the numbers, e.g.
``conv_forward_naive: (H + 2*pad - HH) = (6 + 2*0 - 3) = 3 is not divisible by stride = 2``.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from typing import ClassVar

__all__ = ["FIELD_NAMES", "ConvParam", "PoolParam", "check_int", "output_hw"]

#: What the official im2col signatures call the window's height and width.
FIELD_NAMES = ("field_height", "field_width")


def check_int(layer: str, name: str, value, minimum: int) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) ``>= minimum``.

    Raises ``ValueError("<layer>: <name> must be an integer >= <minimum>, got <value>")``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{layer}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _axis(layer: str, dim: str, size: int, window_name: str, window: int, pad: int, stride: int):
    span = size + 2 * pad - window
    if span < 0:
        raise ValueError(
            f"{layer}: {window_name} = {window} is larger than the padded input "
            f"{dim} + 2*pad = {size} + 2*{pad} = {size + 2 * pad}"
        )
    if span % stride != 0:
        raise ValueError(
            f"{layer}: ({dim} + 2*pad - {window_name}) = ({size} + 2*{pad} - {window}) = {span} "
            f"is not divisible by stride = {stride}"
        )
    return span // stride + 1


def output_hw(
    layer: str,
    H: int,
    W: int,
    HH: int,
    WW: int,
    pad: int,
    stride: int,
    *,
    names: tuple[str, str] = ("HH", "WW"),
) -> tuple[int, int]:
    """Output size ``(Ho, Wo)`` of an ``HH x WW`` window slid over the padded input.

    ``Ho = (H + 2*pad - HH) / stride + 1`` and ``Wo = (W + 2*pad - WW) / stride + 1``.

    Parameters
    ----------
    layer : str
        The calling function, named first in every message.
    H, W : int
        Input height and width (>= 0).
    HH, WW : int
        Window height and width (>= 1); ``names`` are what the messages call them, e.g.
        ``("pool_height", "pool_width")`` or ``("field_height", "field_width")``.
    pad : int
        Zeros on every side (>= 0; 0 for pools).
    stride : int
        Window step (>= 1).

    Raises
    ------
    ValueError
        When an argument is not an integer in range, the window is larger than the padded
        input, or the stride does not divide ``H + 2*pad - HH`` (or ``W + 2*pad - WW``).
    """
    stride = check_int(layer, "stride", stride, 1)
    pad = check_int(layer, "pad", pad, 0)
    HH = check_int(layer, names[0], HH, 1)
    WW = check_int(layer, names[1], WW, 1)
    H, W = check_int(layer, "H", H, 0), check_int(layer, "W", W, 0)
    return (
        _axis(layer, "H", H, names[0], HH, pad, stride),
        _axis(layer, "W", W, names[1], WW, pad, stride),
    )


class _FromDict:
    """``from_dict`` for the frozen dataclasses below: every field is an integer with the
    minimum given in its metadata; fields without a default are required keys."""

    DICT_NAME: ClassVar[str]

    @classmethod
    def from_dict(cls, layer: str, param):
        """Check ``param`` (a dict) once and return it as an instance of this class.

        Raises ``ValueError`` naming ``layer`` and the field when ``param`` is not a dict
        (e.g. ``None``), lacks a required key, has a key that is not a field (e.g.
        ``'strides'``), or has a value that is not an integer in range (named as
        ``conv_param['stride']``). An instance of this very class is returned unchanged (it
        was checked when it was made).
        """
        if type(param) is cls:
            return param
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        keys = [f.name for f in fields]
        expected = ", ".join(repr(k) for k in keys)
        if not isinstance(param, Mapping):
            raise ValueError(
                f"{layer}: {cls.DICT_NAME} must be a dict with keys {expected}, got {param!r}"
            )
        unknown = [k for k in param if k not in keys]
        if unknown:
            raise ValueError(
                f"{layer}: {cls.DICT_NAME} has unknown key {unknown[0]!r} "
                f"(its keys are {expected}), got {dict(param)!r}"
            )
        missing = [
            f.name for f in fields if f.default is dataclasses.MISSING and f.name not in param
        ]
        if missing:
            raise ValueError(
                f"{layer}: {cls.DICT_NAME} must be a dict with keys {expected}; missing "
                f"{', '.join(repr(k) for k in missing)} in {dict(param)!r}"
            )
        values = {
            f.name: check_int(
                layer,
                f"{cls.DICT_NAME}[{f.name!r}]",
                param.get(f.name, f.default),
                f.metadata["min"],
            )
            for f in fields
        }
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class ConvParam(_FromDict):
    """A checked ``conv_param``: ``stride`` (>= 1) and ``pad`` (>= 0, zeros on every side).

    Build it with ``ConvParam.from_dict(layer, {'stride': 1, 'pad': 1})``.
    """

    DICT_NAME: ClassVar[str] = "conv_param"

    stride: int = dataclasses.field(metadata={"min": 1})
    pad: int = dataclasses.field(metadata={"min": 0})

    def output_hw(self, layer: str, H: int, W: int, HH: int, WW: int) -> tuple[int, int]:
        """:func:`output_hw` of an ``HH x WW`` filter over an ``H x W`` input."""
        return output_hw(layer, H, W, HH, WW, self.pad, self.stride)


@dataclasses.dataclass(frozen=True)
class PoolParam(_FromDict):
    """A checked ``pool_param``: ``pool_height``, ``pool_width`` and ``stride`` (all >= 1).

    Build it with ``PoolParam.from_dict(layer, {'pool_height': 2, 'pool_width': 2,
    'stride': 2})``. Pools have no padding.
    """

    DICT_NAME: ClassVar[str] = "pool_param"

    pool_height: int = dataclasses.field(metadata={"min": 1})
    pool_width: int = dataclasses.field(metadata={"min": 1})
    stride: int = dataclasses.field(metadata={"min": 1})

    def output_hw(self, layer: str, H: int, W: int) -> tuple[int, int]:
        """:func:`output_hw` of the pool over an ``H x W`` input (no padding)."""
        return output_hw(
            layer,
            H,
            W,
            self.pool_height,
            self.pool_width,
            0,
            self.stride,
            names=("pool_height", "pool_width"),
        )
