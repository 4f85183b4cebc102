r"""Winograd F(2x2, 3x3) and F(4x4, 3x3) convolution: 3x3 filters, stride 1, forward and backward.

Same contract as :func:`cs231n.fast_layers.conv_forward_fast`, fewer multiplies.
A 2x2 block of outputs needs a 4x4 tile of the padded input; direct convolution
spends 2*2*3*3 = 36 multiplies on it, Winograd 4*4 = 16 (2.25x fewer). With
``conv_param['tile'] = 4`` a 4x4 block of outputs comes from a 6x6 tile: 36 multiplies
instead of 144 (4x fewer), at the price of about 10x the float32 rounding error
(the matrices of both sizes: :mod:`cs231n.kernels.winograd_matrices`). Below, for tile 2:

.. math::

    Y = A^T \left[ (G g G^T) \odot (B^T d B) \right] A

with ``g`` the 3x3 filter, ``d`` the 4x4 tile, ``U = G g G^T`` and ``V = B^T d B``
(4x4 each), summed over input channels before the output transform ``A^T M A``.
Summing over channels turns the 16 elementwise products into 16 matrix products
``M[k] = U[k] @ V[k]`` ((F, C) @ (C, P), P = number of tiles), which is where BLAS
does the work. Tiles start every 2 pixels, so neighbouring 4x4 tiles overlap by 2
rows / columns; a 3x3 filter over a 4x4 tile gives exactly a 2x2 output block.

Derivation of the matrices and of the backward pass: ``notes/winograd.md``.

Transforms: every step but the GEMMs is one of four elementwise transforms (input,
output, and their adjoints for the backward pass), methods of
:func:`cs231n.kernels.backend.active_kernels`: the compiled extension
``cs231n.kernels.winograd_cython`` when it is built (``name == 'cython'``: one pass over
memory per transform, a tile's 16 numbers in registers), else
:mod:`cs231n.kernels.winograd_numpy` (``name == 'numpy'``, with one warning at import).
Both give the same numbers up to rounding and lay out ``V (16, C, P)`` alike, the tile
index ``P`` ordered ``(ty, tx, n)``. For tile 4 (``V (36, C, P)``) the numpy backend is
the matrix form of :mod:`cs231n.kernels.winograd_matrices` (slower). ``CS231N_FORCE_NUMPY=1`` at
import time, or ``with use_kernels(NUMPY_KERNELS):``, selects numpy (the same kernels object
as :mod:`cs231n.fast_layers`). The 16 (or 36) GEMMs run on the whole arrays.

Precision: float32 and float64 inputs keep their dtype; ``w``, ``b`` and ``dout``
must have the dtype of ``x`` (no silent casts). Winograd adds and subtracts input
values before multiplying; in float32 its error is still of the order of direct
convolution's (~1e-7 to 1e-6 of the largest output on the tested shapes, see
``tests/test_winograd.py``).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from cs231n.kernels.backend import active_kernels
from cs231n.kernels.geometry import ConvParam
from cs231n.kernels.im2col_numpy import as_float_array
from cs231n.kernels.winograd_matrices import MATRICES, matrices
from cs231n.kernels.workspace import scratch
from cs231n.validation import check_array

__all__ = [
    "AT",
    "BT",
    "G",
    "MATRICES",
    "WinogradParam",
    "conv_backward_winograd",
    "conv_forward_winograd",
    "filter_transform",
    "input_transform",
    "input_transform_T",
    "output_transform",
    "output_transform_T",
]

#: F(2x2, 3x3): input transform ``V = B^T d B`` (4x4 tile -> 4x4), filter transform
#: ``U = G g G^T`` (3x3 filter -> 4x4), output transform ``Y = A^T M A`` (4x4 -> 2x2).
#: ``MATRICES[4]`` has those of F(4x4, 3x3).
BT, G, AT = MATRICES[2]


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WinogradParam(ConvParam):
    """A checked Winograd ``conv_param``: ``stride`` (must be 1 for the layer), ``pad``
    (>= 0) and the optional ``tile`` (outputs per tile side, 2 or 4; default 2)."""

    DICT_NAME: ClassVar[str] = "conv_param"

    tile: int = dataclasses.field(default=2, metadata={"min": 1})

    @classmethod
    def from_dict(cls, layer: str, param) -> WinogradParam:
        """:meth:`ConvParam.from_dict` plus the key ``'tile'`` (2 or 4); ``stride`` must be 1."""
        p = super().from_dict(layer, param)
        if p.stride != 1:
            raise ValueError(
                f"{layer}: conv_param['stride'] must be 1 for Winograd F(2x2, 3x3), got "
                f"{p.stride!r}; use cs231n.fast_layers.conv_forward_fast for other strides"
            )
        if p.tile not in MATRICES:
            raise ValueError(
                f"{layer}: conv_param['tile'] (outputs per tile side) must be 2 or 4, "
                f"got {p.tile!r}"
            )
        return p


def _check_args(x, w, b, conv_param, layer: str):
    """``x, w, b, p, Ho, Wo`` (``p`` a WinogradParam) after checking shapes, dtypes, kernel,
    stride and tile."""
    x = as_float_array(check_array(layer, "x", x), f"{layer}: x", ndim=4)
    w, b = check_array(layer, "w", w), check_array(layer, "b", b)
    N, C, H, W = x.shape
    if w.ndim != 4 or w.shape[1] != C:
        raise ValueError(f"{layer}: w must have shape (F, C={C}, 3, 3), got {w.shape}")
    F, _, HH, WW = w.shape
    if (HH, WW) != (3, 3):
        raise ValueError(
            f"{layer}: Winograd F(2x2, 3x3) needs 3x3 filters, got HH x WW = {HH} x {WW}; "
            "use cs231n.fast_layers.conv_forward_fast for other kernel sizes"
        )
    if b.shape != (F,):
        raise ValueError(f"{layer}: b must have shape (F,) = ({F},), got {b.shape}")
    for name, a in (("w", w), ("b", b)):
        if a.dtype != x.dtype:
            raise ValueError(
                f"{layer}: {name} has dtype {a.dtype} but x has {x.dtype}; "
                f"pass {name}.astype(x.dtype)"
            )
    p = WinogradParam.from_dict(layer, conv_param)
    Ho, Wo = p.output_hw(layer, H, W, 3, 3)
    return x, w, b, p, Ho, Wo


# ---------------------------------------------------------------------------
# The transforms (methods of the active kernels) and the filter transform
# ---------------------------------------------------------------------------


def filter_transform(w: np.ndarray, m: int = 2) -> np.ndarray:
    """``U = G g G^T`` for every filter: w (F, C, 3, 3) -> U (a*a, F, C), ``a = m + 2``,
    ``U[a*i + j] = U_ij``."""
    F, C = w.shape[:2]
    Gd = matrices(m, w.dtype)[1]
    t = np.tensordot(Gd, w, axes=(1, 2))  # (a, F, C, 3): G g, rows i
    U = np.tensordot(t, Gd, axes=(3, 1))  # (a, F, C, a): (G g) G^T, columns j
    return np.ascontiguousarray(U.transpose(0, 3, 1, 2)).reshape((m + 2) ** 2, F, C)


def input_transform(x: np.ndarray, pad: int, m: int = 2) -> np.ndarray:
    """``V = B^T d B`` for every 4x4 tile ``d`` of the zero-padded input.

    x (N, C, H, W) -> V (16, C, P), ``P = Th*Tw*N`` ordered ``(ty, tx, n)``, with
    ``Th = ceil(Ho/2)``, ``Ho = H + 2*pad - 2`` (same for W). Tile ``(ty, tx)`` covers
    padded rows ``2ty .. 2ty+3`` and columns ``2tx .. 2tx+3`` (zeros beyond the input);
    ``V[4i + j]`` is entry ``(i, j)`` of every tile's ``B^T d B``. ``m = 4``: 6x6 tiles
    every 4 pixels, V (36, C, P), ``Th = ceil(Ho/4)``.
    """
    return active_kernels().input_transform(x, pad, m)


def output_transform(
    M: np.ndarray, b: np.ndarray, N: int, Ho: int, Wo: int, m: int = 2
) -> np.ndarray:
    """``Y = A^T M A`` for every tile, plus the bias, laid out as the output.

    M (16, F, P) with ``P = Th*Tw*N`` ordered ``(ty, tx, n)``, b (F,) ->
    out (N, F, Ho, Wo), ``out[n, f, 2ty + a, 2tx + c] = Y_ac + b[f]`` (cropped when odd).
    ``m = 4``: M (36, F, P), 4x4 outputs per tile.
    """
    return active_kernels().output_transform(M, b, N, Ho, Wo, m)


def output_transform_T(dout: np.ndarray, out: np.ndarray | None = None, m: int = 2) -> np.ndarray:
    """``dM = A dY A^T`` for every tile: dout (N, F, Ho, Wo) -> dM (16, F, P), ``P``
    ordered ``(ty, tx, n)``; the outputs cropped for odd Ho / Wo count as zeros.
    ``out``: a C-contiguous (16, F, P) array of dout's dtype to write into. ``m = 4``:
    dM (36, F, P)."""
    return active_kernels().output_transform_T(dout, out, m)


def input_transform_T(dV: np.ndarray, N: int, H: int, W: int, pad: int, m: int = 2) -> np.ndarray:
    """``dd = B dV B^T`` for every tile, overlap-added into the padded gradient and cropped:
    dV (16, C, P) with ``P`` ordered ``(ty, tx, n)`` -> dx (N, C, H, W).
    ``m = 4``: dV (36, C, P)."""
    return active_kernels().input_transform_T(dV, N, H, W, pad, m)


def conv_forward_winograd(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict):
    r"""3x3, stride-1 convolution by Winograd F(2x2, 3x3) or F(4x4, 3x3).

    .. math:: out[n, f, y, x] = b[f] + \sum_{c,i,j} x_p[n, c, y + i, x + j] w[f, c, i, j]

    Parameters
    ----------
    x : (N, C, H, W)
        Input, float32 or float64 (other dtypes become float64).
    w : (F, C, 3, 3)
        Filters, same dtype as ``x``.
    b : (F,)
        Biases, same dtype as ``x``.
    conv_param : dict
        ``'stride'`` (must be 1), ``'pad'`` (int >= 0), optional ``'tile'``: outputs per
        tile side, 2 (default, F(2x2, 3x3)) or 4 (F(4x4, 3x3): fewer multiplies, larger
        float32 rounding error).

    Returns
    -------
    out : (N, F, Ho, Wo)
        ``Ho = H + 2*pad - 2``, ``Wo = W + 2*pad - 2``; dtype of ``x``.
    cache : tuple
        ``(x, w, b, p, U, V)`` with ``p`` the checked :class:`WinogradParam`, ``U``
        (a*a, F, C) the transformed filters
        (:func:`filter_transform`) and ``V`` (a*a, C, P) the transformed tiles
        (:func:`input_transform`), ``a = tile + 2``, ``P = ceil(Ho/tile) * ceil(Wo/tile) * N``.

    Raises
    ------
    ValueError
        For a kernel other than 3x3 or a stride other than 1 (use ``conv_forward_fast``),
        a tile other than 2 or 4, ``w`` / ``b`` of another dtype than ``x``, or shapes that
        do not match.
    """
    x, w, b, p, Ho, Wo = _check_args(x, w, b, conv_param, "conv_forward_winograd")
    pad, m = p.pad, p.tile
    U = filter_transform(w, m)  # (a*a, F, C)
    V = input_transform(x, pad, m)  # (a*a, C, P)
    # a*a GEMMs (F, C) @ (C, P) -> M (a*a, F, P). M is used up by the output transform, so
    # it lives in a reused per-thread buffer (cs231n.kernels.workspace), shared with dV of the
    # backward pass: zeroing fresh pages for M, dM and dV cost ~20% of forward + backward.
    M = np.matmul(U, V, out=scratch("winograd_M_dV", (U.shape[0], w.shape[0], V.shape[2]), x.dtype))
    out = output_transform(M, b, x.shape[0], Ho, Wo, m)
    return out, (x, w, b, p, U, V)


def conv_backward_winograd(dout: np.ndarray, cache: tuple):
    r"""Backward pass of :func:`conv_forward_winograd`: the exact gradient of its arithmetic.

    Each forward step is linear, so its gradient is its transpose:

    * ``dM = A dY A^T`` per tile (dY: the tile's 2x2 block of ``dout``, zero-padded when
      Ho / Wo is odd);
    * ``dU[k] = dM[k] @ V[k]^T`` and ``dw = G^T dU G`` per (f, c);
    * ``dV[k] = U[k]^T @ dM[k]`` and ``dd = B dV B^T`` per tile; overlapping tiles add
      their ``dd`` into the padded gradient (overlap-add), whose border is cropped;
    * ``db = dout.sum((0, 2, 3))``.

    Parameters
    ----------
    dout : (N, F, Ho, Wo)
        Upstream gradient, dtype of ``x``.
    cache : tuple
        From :func:`conv_forward_winograd`.

    Returns
    -------
    dx : (N, C, H, W)
    dw : (F, C, 3, 3)
    db : (F,)
    """
    layer = "conv_backward_winograd"
    x, w, _, p, U, V = cache
    N, C, H, W = x.shape
    F = w.shape[0]
    pad, m = p.pad, p.tile
    a = m + 2
    Ho, Wo = p.output_hw(layer, H, W, 3, 3)
    dout = np.asarray(dout)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(
            f"{layer}: dout must have the output's shape {(N, F, Ho, Wo)}, got {dout.shape}"
        )
    if dout.dtype != x.dtype:
        raise ValueError(f"{layer}: dout has dtype {dout.dtype} but x has {x.dtype}")
    db = dout.sum(axis=(0, 2, 3))  # (F,)
    P = V.shape[2]
    dM = output_transform_T(dout, scratch("winograd_dM", (a * a, F, P), x.dtype), m)  # (a*a, F, P)

    dU = np.matmul(dM, V.transpose(0, 2, 1))  # (a*a, F, P) @ (a*a, P, C) -> (a*a, F, C)
    Gd = matrices(m, x.dtype)[1]
    t = np.tensordot(Gd, dU.reshape(a, a, F, C), axes=(0, 0))  # (3, a, F, C): G^T dU
    dw = np.tensordot(t, Gd, axes=(1, 0)).transpose(1, 2, 0, 3)  # (F, C, 3, 3): (G^T dU) G

    Ut = np.ascontiguousarray(U.transpose(0, 2, 1))  # (a*a, C, F): ~5% faster GEMMs in float32
    dV = np.matmul(Ut, dM, out=scratch("winograd_M_dV", (a * a, C, P), x.dtype))  # (a*a, C, P)
    dx = input_transform_T(dV, N, H, W, pad, m)  # B dV B^T, overlap-added, cropped
    return dx, np.ascontiguousarray(dw), db
