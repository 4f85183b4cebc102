"""Winograd F(2x2, 3x3) transforms in numpy (the fallback of ``cs231n.kernels.winograd_cython``;
F(4x4, 3x3), ``m=4``, is handed to the matrix form in :mod:`cs231n.kernels.winograd_matrices`).

:mod:`cs231n.kernels.winograd` calls the four transforms below, or their compiled twins with the
same signatures and the same numbers when the extension is built:

* :func:`input_transform`: x (N, C, H, W) -> V (16, C, P), ``V = B^T d B`` per tile;
* :func:`output_transform`: M (16, F, P) -> out (N, F, Ho, Wo), ``A^T M A + b``;
* :func:`output_transform_T`: dout (N, F, Ho, Wo) -> dM (16, F, P), ``A dY A^T``;
* :func:`input_transform_T`: dV (16, C, P) -> dx (N, C, H, W), ``B dV B^T``
  overlap-added and cropped.

``P = Th*Tw*N`` tiles ordered ``(ty, tx, n)``; derivations in ``notes/winograd.md``.

Memory layout: the transforms run on a few channels at a time (a "group", small
enough to stay in the L2 cache), in "quads": batch axis last and even / odd rows
and columns stored apart, ``(2, H/2, 2, W/2, N)`` per channel (element
``[py, r, px, s, n]`` is pixel ``(2r + py, 2s + px)`` of image n). Tiles start at
even pixels, so "entry (k, l) of every tile" is a contiguous range of whole quad
rows and every elementwise numpy operation walks long contiguous runs (with NCHW
or plain CHWN the runs are 8 or N numbers, and the same adds take ~3x longer).
Each channel goes NCHW -> quads (or back) by two small copies that stay in cache
(one big transposing copy is ~8x slower).
"""

from __future__ import annotations

import numpy as np

from cs231n.kernels import winograd_matrices
from cs231n.kernels.geometry import output_hw
from cs231n.kernels.winograd_matrices import out_or_new, tile_counts

__all__ = ["input_transform", "input_transform_T", "output_transform", "output_transform_T"]

# ---------------------------------------------------------------------------
# Channel groups and scratch buffers
# ---------------------------------------------------------------------------

# Bytes of scratch per group of channels: about half the L2 cache of the machine this
# was tuned on (2 MB per core), so each group's transforms run from cache.
_GROUP_BYTES = 1 << 20


def _groups(n: int, bytes_per_channel: int) -> list[tuple[int, int]]:
    """Ranges ``(c0, c1)`` covering ``range(n)``, each using about ``_GROUP_BYTES``."""
    size = max(1, _GROUP_BYTES // bytes_per_channel)
    return [(c, min(n, c + size)) for c in range(0, n, size)]


def _view(buf: np.ndarray, shape: tuple) -> np.ndarray:
    """The first ``prod(shape)`` numbers of the flat scratch buffer ``buf`` as a
    C-contiguous array of ``shape`` (every group reuses the same, cached, memory)."""
    return buf[: int(np.prod(shape))].reshape(shape)


def _quads(img: np.ndarray) -> np.ndarray:
    """View of a contiguous image img (2R, 2S, N) as quads (2, R, 2, S, N)."""
    R2, S2, N = img.shape
    return img.reshape(R2 // 2, 2, S2 // 2, 2, N).transpose(1, 0, 3, 2, 4)


# ---------------------------------------------------------------------------
# The transforms of one group of channels, on quads. A 1-D transform along an axis is
# 4 (or 2) vectorized adds of contiguous slices, first along H, then along W.
# ---------------------------------------------------------------------------


def _bt_rows(d0, d1, d2, d3, out) -> None:
    """``out[i] = sum_k BT[i, k] d_k``: the rows of ``B^T d`` (or columns of ``d B``)."""
    np.subtract(d0, d2, out=out[0])
    np.add(d1, d2, out=out[1])
    np.subtract(d2, d1, out=out[2])
    np.subtract(d1, d3, out=out[3])


def _input_block(xq: np.ndarray, v: np.ndarray, R: np.ndarray) -> None:
    """``v = B^T d B`` per tile: padded input quads xq (C, 2, Th+1, 2, Tw+1, N) ->
    v (4, 4, C, Th, Tw, N); scratch R (4, C, Th, 2, Tw+1, N).

    Tile (ty, tx) reads padded row ``2ty + k`` = quad row ``(k % 2, ty + k // 2)``.
    """
    Th, Tw = v.shape[3:5]
    _bt_rows(*(xq[:, k % 2, k // 2 : k // 2 + Th] for k in range(4)), out=R)  # rows
    for i in range(4):  # columns, the same along W
        _bt_rows(*(R[i][:, :, k % 2, k // 2 : k // 2 + Tw] for k in range(4)), out=v[i])


def _output_block(m: np.ndarray, yq: np.ndarray, S: np.ndarray) -> None:
    """``y = A^T m A`` per tile: m (4, 4, F, Th, Tw, N) -> output quads
    yq (F, 2, Th, 2, Tw, N) (entry (a, c) of tile (ty, tx) is pixel (2ty + a, 2tx + c));
    scratch S (2, 4, F, Th, Tw, N)."""
    # Rows: S_a = sum_i AT[a, i] m_i, i.e. m0 + m1 + m2 and m1 - m2 - m3.
    np.add(m[0], m[1], out=S[0])
    S[0] += m[2]
    np.subtract(m[1], m[2], out=S[1])
    S[1] -= m[3]
    for a in range(2):  # columns, the same along W
        s, y0, y1 = S[a], yq[:, a, :, 0], yq[:, a, :, 1]
        np.add(s[0], s[1], out=y0)
        y0 += s[2]
        np.subtract(s[1], s[2], out=y1)
        y1 -= s[3]


def _output_block_T(yq: np.ndarray, dm: np.ndarray) -> None:
    """``dm = A dY A^T`` (the transpose of :func:`_output_block`): quads of dout
    yq (F, 2, Th, 2, Tw, N) -> dm (4, 4, F, Th, Tw, N). ``A`` has rows (1, 0), (1, 1),
    (1, -1), (0, -1): along one axis ``dm_0 = Q_0``, ``dm_1 = Q_0 + Q_1``,
    ``dm_2 = Q_0 - Q_1``, ``dm_3 = -Q_1``."""
    y00, y01, y10, y11 = (yq[:, a, :, c] for a in range(2) for c in range(2))
    q0, q3 = dm[0], dm[3]  # columns of row a = 0 into dm[0], of a = 1 (negated) into dm[3]
    q0[0] = y00
    np.add(y00, y01, out=q0[1])
    np.subtract(y00, y01, out=q0[2])
    np.negative(y01, out=q0[3])
    np.negative(y10, out=q3[0])
    np.subtract(q3[0], y11, out=q3[1])
    np.add(q3[0], y11, out=q3[2])
    q3[3] = y11
    np.subtract(q0, q3, out=dm[1])  # rows: dm_1 = Q_0 + Q_1 = dm_0 - dm_3
    np.add(q0, q3, out=dm[2])  # dm_2 = Q_0 - Q_1 = dm_0 + dm_3


def _b_overlap_add(v0, v1, v2, v3, out_even, out_odd, tmp) -> None:
    """One axis of ``dd = B dV B^T`` plus the overlap-add of neighbouring tiles.

    ``v_i`` (T, ...) is entry i along the axis for tiles t = 0..T-1 (tile axis first).
    ``B`` has rows (1, 0, 0, 0), (0, 1, -1, 1), (-1, 1, 1, 0), (0, 0, 0, -1), so tile t
    gives pixel 2t + q: ``q0 = v0``, ``q1 = v1 - v2 + v3``, ``q2 = v1 + v2 - v0``,
    ``q3 = -v3``. Tiles overlap by 2, so pixels 2t and 2t + 1 also receive q2 and q3 of
    tile t - 1. ``out_even`` / ``out_odd`` (T + 1, ...) are pixels 2t / 2t + 1.
    """
    np.add(v1, v2, out=tmp)  # even pixels 2t: v0(t) + q2(t - 1)
    tmp -= v0
    out_even[0] = v0[0]
    np.add(v0[1:], tmp[:-1], out=out_even[1:-1])
    out_even[-1] = tmp[-1]
    np.subtract(v1, v2, out=tmp)  # odd pixels 2t + 1: v1(t) - v2(t) + v3(t) - v3(t - 1)
    np.add(tmp, v3, out=out_odd[:-1])
    out_odd[1:-1] -= v3[:-1]
    np.negative(v3[-1], out=out_odd[-1])


def _input_block_T(dv: np.ndarray, dd: np.ndarray, Z, T1, T2) -> None:
    """``B dV B^T`` per tile, overlap-added (the transpose of :func:`_input_block`):
    dv (4, 4, C, Th, Tw, N) -> quads dd (C, 2, Th+1, 2, Tw+1, N) of the padded gradient.
    Scratch: Z (4, C, 2, Th+1, Tw, N), T1 (4, C, Th, Tw, N), T2 (C, 2, Th+1, Tw, N)."""
    _b_overlap_add(  # rows, tile axis Th: Z[j, c, row parity, row] = rows done
        *(dv[i].transpose(2, 0, 1, 3, 4) for i in range(4)),  # (Th, j, C, Tw, N) views
        Z[:, :, 0].transpose(2, 0, 1, 3, 4),
        Z[:, :, 1].transpose(2, 0, 1, 3, 4),
        T1.transpose(2, 0, 1, 3, 4),
    )
    _b_overlap_add(  # columns, tile axis Tw
        *(Z[j].transpose(3, 0, 1, 2, 4) for j in range(4)),  # (Tw, C, 2, Th+1, N) views
        dd[:, :, :, 0].transpose(3, 0, 1, 2, 4),
        dd[:, :, :, 1].transpose(3, 0, 1, 2, 4),
        T2.transpose(3, 0, 1, 2, 4),
    )


# ---------------------------------------------------------------------------
# Whole-array transforms: NCHW in / out, one group of channels at a time
# ---------------------------------------------------------------------------


def input_transform(x: np.ndarray, pad: int, m: int = 2) -> np.ndarray:
    """``V = B^T d B`` for every 4x4 tile ``d`` of the zero-padded input (m = 2; other
    tile sizes go to :func:`cs231n.kernels.winograd_matrices.input_transform`).

    x (N, C, H, W) -> V (16, C, P), ``P = Th*Tw*N`` ordered ``(ty, tx, n)``, with
    ``Th = ceil(Ho/2)``, ``Ho = H + 2*pad - 2`` (same for W). Tile ``(ty, tx)`` covers
    padded rows ``2ty .. 2ty+3`` and columns ``2tx .. 2tx+3`` (zeros beyond the input);
    ``V[4i + j]`` is entry ``(i, j)`` of every tile's ``B^T d B``.
    """
    if m != 2:
        return winograd_matrices.input_transform(x, pad, m)
    N, C, H, W = x.shape
    Th, Tw = tile_counts(*output_hw("input_transform", H, W, 3, 3, pad, 1), 2)
    V = np.empty((4, 4, C, Th, Tw, N), dtype=x.dtype)
    img = np.zeros((2 * Th + 2, 2 * Tw + 2, N), dtype=x.dtype)  # one padded channel
    quad = (2, Th + 1, 2, Tw + 1, N)
    groups = _groups(C, 3 * int(np.prod(quad)) * x.itemsize)
    g = groups[0][1]  # the largest group
    xq_buf, R_buf = (np.empty(k * g * int(np.prod(quad)), dtype=x.dtype) for k in (1, 2))
    for c0, c1 in groups:
        xq = _view(xq_buf, (c1 - c0, *quad))
        for c in range(c0, c1):
            img[pad : pad + H, pad : pad + W] = x[:, c].transpose(1, 2, 0)  # (H, W, N)
            xq[c - c0] = _quads(img)  # the zero border is never written
        R = _view(R_buf, (4, c1 - c0, Th, 2, Tw + 1, N))
        _input_block(xq, V[:, :, c0:c1], R)
    return V.reshape(16, C, Th * Tw * N)


def output_transform(
    M: np.ndarray, b: np.ndarray, N: int, Ho: int, Wo: int, m: int = 2
) -> np.ndarray:
    """``Y = A^T M A`` for every tile, plus the bias, laid out as the output (m = 2;
    other tile sizes go to :mod:`cs231n.kernels.winograd_matrices`).

    M (16, F, P) with ``P = Th*Tw*N`` ordered ``(ty, tx, n)``, b (F,) ->
    out (N, F, Ho, Wo), ``out[n, f, 2ty + a, 2tx + c] = Y_ac + b[f]`` (cropped when odd).
    """
    if m != 2:
        return winograd_matrices.output_transform(M, b, N, Ho, Wo, m)
    F = M.shape[1]
    Th, Tw = tile_counts(Ho, Wo, 2)
    m = M.reshape(4, 4, F, Th, Tw, N)
    out = np.empty((N, F, Ho, Wo), dtype=M.dtype)
    img = np.empty((2 * Th, 2 * Tw, N), dtype=M.dtype)  # one output channel, (H, W, N)
    tile = Th * Tw * N
    groups = _groups(F, 12 * tile * M.itemsize)
    g = groups[0][1]
    yq_buf, S_buf = (np.empty(k * g * tile, dtype=M.dtype) for k in (4, 8))
    for f0, f1 in groups:
        yq = _view(yq_buf, (f1 - f0, 2, Th, 2, Tw, N))
        _output_block(m[:, :, f0:f1], yq, _view(S_buf, (2, 4, f1 - f0, Th, Tw, N)))
        for f in range(f0, f1):
            _quads(img)[...] = yq[f - f0]
            np.add(img[:Ho, :Wo].transpose(2, 0, 1), b[f], out=out[:, f])  # (N, Ho, Wo)
    return out


def output_transform_T(dout: np.ndarray, out: np.ndarray | None = None, m: int = 2) -> np.ndarray:
    """``dM = A dY A^T`` per tile (the adjoint of :func:`output_transform` without b;
    m = 2, other tile sizes go to :mod:`cs231n.kernels.winograd_matrices`).

    dout (N, F, Ho, Wo) -> dM (16, F, P), ``P = ceil(Ho/2)*ceil(Wo/2)*N`` ordered
    ``(ty, tx, n)``; outputs cropped for odd Ho / Wo count as zeros. ``out``: a
    C-contiguous (16, F, P) array of dout's dtype to write dM into (a reused buffer).
    """
    if m != 2:
        return winograd_matrices.output_transform_T(dout, out, m)
    N, F, Ho, Wo = dout.shape
    Th, Tw = tile_counts(Ho, Wo, 2)
    tile = Th * Tw * N
    out = out_or_new(out, (16, F, tile), dout.dtype, "output_transform_T")
    dM = out.reshape(4, 4, F, Th, Tw, N)  # a view: out is C-contiguous
    img = np.zeros((2 * Th, 2 * Tw, N), dtype=dout.dtype)  # odd sizes: the extra row stays 0
    groups = _groups(F, 4 * tile * dout.itemsize)
    buf = np.empty(4 * groups[0][1] * tile, dtype=dout.dtype)
    for f0, f1 in groups:
        yq = _view(buf, (f1 - f0, 2, Th, 2, Tw, N))
        for f in range(f0, f1):
            img[:Ho, :Wo] = dout[:, f].transpose(1, 2, 0)  # (Ho, Wo, N)
            yq[f - f0] = _quads(img)
        _output_block_T(yq, dM[:, :, f0:f1])
    return out


def input_transform_T(dV: np.ndarray, N: int, H: int, W: int, pad: int, m: int = 2) -> np.ndarray:
    """``B dV B^T`` per tile, overlap-added and cropped (the adjoint of
    :func:`input_transform`; m = 2, other tile sizes go to :mod:`cs231n.kernels.winograd_matrices`).

    dV (16, C, P) with ``P = Th*Tw*N`` ordered ``(ty, tx, n)`` -> dx (N, C, H, W).
    """
    if m != 2:
        return winograd_matrices.input_transform_T(dV, N, H, W, pad, m)
    C = dV.shape[1]
    Th, Tw = tile_counts(*output_hw("input_transform_T", H, W, 3, 3, pad, 1), 2)
    dV = dV.reshape(4, 4, C, Th, Tw, N)
    dx = np.empty((N, C, H, W), dtype=dV.dtype)
    img = np.empty((2 * Th + 2, 2 * Tw + 2, N), dtype=dV.dtype)  # one padded channel
    quad = (2, Th + 1, 2, Tw + 1, N)
    groups = _groups(C, 4 * int(np.prod(quad)) * dV.itemsize)
    g = groups[0][1]
    dd_buf, Z_buf, T1_buf, T2_buf = (
        np.empty(k * g * int(np.prod(quad)), dV.dtype) for k in (1, 2, 1, 1)
    )
    for c0, c1 in groups:
        gc = c1 - c0
        dd = _view(dd_buf, (gc, *quad))
        _input_block_T(
            dV[:, :, c0:c1],
            dd,
            _view(Z_buf, (4, gc, 2, Th + 1, Tw, N)),
            _view(T1_buf, (4, gc, Th, Tw, N)),
            _view(T2_buf, (gc, 2, Th + 1, Tw, N)),
        )
        for c in range(c0, c1):
            _quads(img)[...] = dd[c - c0]
            dx[:, c] = img[pad : pad + H, pad : pad + W].transpose(2, 0, 1)  # (N, H, W)
    return dx
