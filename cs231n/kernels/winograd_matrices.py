r"""Winograd F(m x m, 3x3) matrices and the four tile transforms as plain matrix products.

For an output tile of m x m pixels the input tile is a x a, ``a = m + 2``, and

.. math::

    Y = A^T \left[ (G g G^T) \odot (B^T d B) \right] A

with ``B^T`` (a, a), ``G`` (a, 3), ``A^T`` (m, a). :data:`MATRICES` holds them for

* m = 2 (interpolation points 0, 1, -1, infinity): 16 multiplies per 2x2 outputs
  where direct convolution needs 36;
* m = 4 (points 0, 1, -1, 2, -2, infinity; Lavin & Gray, 2016): 36 multiplies per
  4x4 outputs where direct convolution needs 144 (4x fewer; 1.78x fewer than m = 2).
  The larger entries (up to 8 in ``A^T``, 5 in ``B^T``, 1/6 and 1/24 in ``G``) cost
  precision: about 10x the float32 error of m = 2 (``notes/winograd.md``).

The functions below compute each transform with ``np.tensordot`` on a strided view of
the tiles. They are simple and slow, and serve two purposes: the numpy backend of
m = 4 (:mod:`cs231n.kernels.winograd_numpy` hands m != 2 to them), and an independent
reference the tests compare the compiled transforms of both tile sizes with. Layouts
are those of :mod:`cs231n.kernels.winograd`: ``V`` (a*a, C, P) with ``V[a*i + j]`` entry (i, j)
of every tile, ``P = Th*Tw*N`` ordered ``(ty, tx, n)``, ``Th = ceil(Ho / m)``; tile
``(ty, tx)`` covers padded rows ``m*ty .. m*ty + a - 1`` (zeros beyond the input).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from cs231n.kernels.geometry import output_hw

__all__ = [
    "MATRICES",
    "input_transform",
    "input_transform_T",
    "matrices",
    "output_transform",
    "output_transform_T",
    "out_or_new",
    "tile_counts",
]

#: ``{m: (BT, G, AT)}`` for output tiles of m x m pixels, float64.
MATRICES: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {
    2: (
        np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64),
        np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=np.float64),
        np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64),
    ),
    4: (
        np.array(
            [
                [4, 0, -5, 0, 1, 0],
                [0, -4, -4, 1, 1, 0],
                [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0],
                [0, 2, -1, -2, 1, 0],
                [0, 4, 0, -5, 0, 1],
            ],
            dtype=np.float64,
        ),
        np.array(
            [
                [1 / 4, 0, 0],
                [-1 / 6, -1 / 6, -1 / 6],
                [-1 / 6, 1 / 6, -1 / 6],
                [1 / 24, 1 / 12, 1 / 6],
                [1 / 24, -1 / 12, 1 / 6],
                [0, 0, 1],
            ],
            dtype=np.float64,
        ),
        np.array(
            [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
            dtype=np.float64,
        ),
    ),
}


def matrices(m: int, dtype=np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(BT, G, AT)`` of F(m x m, 3x3) in ``dtype``; ``ValueError`` unless m is 2 or 4."""
    if m not in MATRICES:
        raise ValueError(f"Winograd tile size m must be one of {sorted(MATRICES)}, got {m!r}")
    return tuple(M.astype(dtype) for M in MATRICES[m])


def tile_counts(Ho: int, Wo: int, m: int) -> tuple[int, int]:
    """``(Th, Tw) = (ceil(Ho / m), ceil(Wo / m))``: tiles per column and per row."""
    return -(-Ho // m), -(-Wo // m)


def out_or_new(out: np.ndarray | None, shape: tuple[int, ...], dtype, name: str) -> np.ndarray:
    """``out`` after checking it is a C-contiguous ``dtype`` array of ``shape`` (a reused
    buffer to write a transform into), or a new array when ``out`` is None; the
    ``ValueError`` names the function ``name``. Shared by all backends."""
    if out is None:
        return np.empty(shape, dtype=dtype)
    if out.shape != shape or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(
            f"{name}: out must be a C-contiguous {np.dtype(dtype)} array of shape {shape}, "
            f"got {out.dtype} {out.shape}"
        )
    return out


def input_transform(x: np.ndarray, pad: int, m: int) -> np.ndarray:
    """``V = B^T d B`` for every a x a tile ``d`` of the zero-padded input.

    x (N, C, H, W) -> V (a*a, C, Th*Tw*N), ``Ho = H + 2*pad - 2`` (same for W).
    """
    N, C, H, W = x.shape
    BT = matrices(m, x.dtype)[0]
    a = m + 2
    Th, Tw = tile_counts(*output_hw("input_transform", H, W, 3, 3, pad, 1), m)
    xp = np.zeros((C, m * Th + 2, m * Tw + 2, N), dtype=x.dtype)  # padded, batch last
    xp[:, pad : pad + H, pad : pad + W] = x.transpose(1, 2, 3, 0)
    s = xp.strides
    tiles = as_strided(  # [c, ty, tx, i, j, n] = padded pixel (m*ty + i, m*tx + j)
        xp, (C, Th, Tw, a, a, N), (s[0], m * s[1], m * s[2], s[1], s[2], s[3]), writeable=False
    )
    t = np.tensordot(BT, tiles, axes=(1, 3))  # (a, C, Th, Tw, a, N): B^T d
    V = np.tensordot(t, BT, axes=(4, 1))  # (a, C, Th, Tw, N, a): (B^T d) B
    return np.ascontiguousarray(V.transpose(0, 5, 1, 2, 3, 4)).reshape(a * a, C, Th * Tw * N)


def output_transform(M: np.ndarray, b: np.ndarray, N: int, Ho: int, Wo: int, m: int) -> np.ndarray:
    """``Y = A^T M A`` per tile plus the bias, as the output (cropped at the border):
    M (a*a, F, Th*Tw*N), b (F,) -> out (N, F, Ho, Wo)."""
    AT = matrices(m, M.dtype)[2]
    a, F = m + 2, M.shape[1]
    Th, Tw = tile_counts(Ho, Wo, m)
    t = np.tensordot(AT, M.reshape(a, a, F, Th, Tw, N), axes=(1, 0))  # (m, a, F, Th, Tw, N)
    Y = np.tensordot(t, AT, axes=(1, 1))  # (m, F, Th, Tw, N, m): [i, f, ty, tx, n, j]
    out = Y.transpose(4, 1, 2, 0, 3, 5).reshape(N, F, Th * m, Tw * m)[:, :, :Ho, :Wo]
    return out + b.astype(M.dtype)[:, None, None]


def output_transform_T(dout: np.ndarray, out: np.ndarray | None, m: int) -> np.ndarray:
    """``dM = A dY A^T`` per tile: dout (N, F, Ho, Wo) -> dM (a*a, F, Th*Tw*N); outputs
    cropped at the border count as zeros. ``out``: a C-contiguous array of that shape and
    dout's dtype to write into."""
    N, F, Ho, Wo = dout.shape
    A = matrices(m, dout.dtype)[2].T  # (a, m)
    a = m + 2
    Th, Tw = tile_counts(Ho, Wo, m)
    out = out_or_new(out, (a * a, F, Th * Tw * N), dout.dtype, "output_transform_T")
    dY = np.zeros((N, F, Th * m, Tw * m), dtype=dout.dtype)
    dY[:, :, :Ho, :Wo] = dout
    dY = dY.reshape(N, F, Th, m, Tw, m)  # [n, f, ty, i, tx, j]
    t = np.tensordot(A, dY, axes=(1, 3))  # (a, N, F, Th, Tw, m): A dY
    dM = np.tensordot(t, A, axes=(5, 1))  # (a, N, F, Th, Tw, a): (A dY) A^T
    out.reshape(a, a, F, Th, Tw, N)[...] = dM.transpose(0, 5, 2, 3, 4, 1)
    return out


def input_transform_T(dV: np.ndarray, N: int, H: int, W: int, pad: int, m: int) -> np.ndarray:
    """``dd = B dV B^T`` per tile, overlap-added into the padded gradient and cropped:
    dV (a*a, C, Th*Tw*N) -> dx (N, C, H, W)."""
    B = matrices(m, dV.dtype)[0].T
    a, C = m + 2, dV.shape[1]
    Th, Tw = tile_counts(*output_hw("input_transform_T", H, W, 3, 3, pad, 1), m)
    t = np.tensordot(B, dV.reshape(a, a, C, Th, Tw, N), axes=(1, 0))  # (a, a, C, Th, Tw, N)
    dd = np.tensordot(t, B, axes=(1, 1))  # (a, C, Th, Tw, N, a): [i, c, ty, tx, n, j]
    grad = np.zeros((N, C, m * Th + 2, m * Tw + 2), dtype=dV.dtype)  # padded
    for i in range(a):
        for j in range(a):  # entry (i, j) of tile (ty, tx) is padded pixel (m*ty + i, m*tx + j)
            grad[:, :, i : i + m * Th : m, j : j + m * Tw : m] += dd[i, ..., j].transpose(
                3, 0, 1, 2
            )
    return np.ascontiguousarray(grad[:, :, pad : pad + H, pad : pad + W])
