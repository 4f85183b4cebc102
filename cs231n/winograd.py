r"""Winograd F(2x2, 3x3) convolution: 3x3 filters, stride 1, forward and backward.

Same contract as :func:`cs231n.fast_layers.conv_forward_fast`, fewer multiplies.
A 2x2 block of outputs needs a 4x4 tile of the padded input; direct convolution
spends 2*2*3*3 = 36 multiplies on it, Winograd 4*4 = 16 (2.25x fewer):

.. math::

    Y = A^T \left[ (G g G^T) \odot (B^T d B) \right] A

with ``g`` the 3x3 filter, ``d`` the 4x4 tile, ``U = G g G^T`` and ``V = B^T d B``
(4x4 each), summed over input channels before the output transform ``A^T M A``.
Summing over channels turns the 16 elementwise products into 16 matrix products
``M[k] = U[k] @ V[k]`` ((F, C) @ (C, P), P = number of tiles), which is where BLAS
does the work. Tiles start every 2 pixels, so neighbouring 4x4 tiles overlap by 2
rows / columns; a 3x3 filter over a 4x4 tile gives exactly a 2x2 output block.

Derivation of the matrices and of the backward pass: ``notes/winograd.md``.

Memory layout: the transforms run on a few channels at a time (a "group", small
enough to stay in the L2 cache), in "quads": batch axis last and even / odd rows
and columns stored apart, ``(2, H/2, 2, W/2, N)`` per channel (element
``[py, r, px, s, n]`` is pixel ``(2r + py, 2s + px)`` of image n). Tiles start at
even pixels, so "entry (k, l) of every tile" is a contiguous range of whole quad
rows and every elementwise numpy operation walks long contiguous runs (with NCHW
or plain CHWN the runs are 8 or N numbers, and the same adds take ~3x longer).
The tile index ``P`` of ``V (16, C, P)`` is ordered ``(ty, tx, n)``. Each channel
goes NCHW -> quads (or back) by two small copies that stay in cache (one big
transposing copy is ~8x slower). The 16 GEMMs run on the whole arrays.

Precision: float32 and float64 inputs keep their dtype; ``w``, ``b`` and ``dout``
must have the dtype of ``x`` (no silent casts). Winograd adds and subtracts input
values before multiplying; in float32 its error is still of the order of direct
convolution's (~1e-7 to 1e-6 of the largest output on the tested shapes, see
``tests/test_winograd.py``).
"""

from __future__ import annotations

import numpy as np

from .im2col import conv_output_size
from .im2col_numpy import as_float_array

__all__ = [
    "AT",
    "BT",
    "G",
    "conv_backward_winograd",
    "conv_forward_winograd",
    "filter_transform",
    "input_transform",
    "output_transform",
]

#: Input transform ``V = B^T d B`` (4x4 tile -> 4x4).
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64)
#: Filter transform ``U = G g G^T`` (3x3 filter -> 4x4).
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=np.float64)
#: Output transform ``Y = A^T M A`` (4x4 -> 2x2 outputs).
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64)


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def _check_args(x, w, b, conv_param, layer: str):
    """``x, w, b, pad, Ho, Wo`` after checking shapes, dtypes, kernel and stride."""
    x = as_float_array(x, f"{layer}: x", ndim=4)
    w, b = np.asarray(w), np.asarray(b)
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
    if not isinstance(conv_param, dict) or "stride" not in conv_param or "pad" not in conv_param:
        raise ValueError(
            f"{layer}: conv_param must be a dict with 'stride' and 'pad', got {conv_param!r}"
        )
    stride, pad = conv_param["stride"], conv_param["pad"]
    if stride != 1:
        raise ValueError(
            f"{layer}: Winograd F(2x2, 3x3) needs stride 1, got stride = {stride!r}; "
            "use cs231n.fast_layers.conv_forward_fast for other strides"
        )
    Ho = conv_output_size(H, 3, pad, 1, layer=layer, dim="H", field_name="HH")
    Wo = conv_output_size(W, 3, pad, 1, layer=layer, dim="W", field_name="WW")
    return x, w, b, int(pad), Ho, Wo


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


def _tiles(Ho: int, Wo: int) -> tuple[int, int]:
    return (Ho + 1) // 2, (Wo + 1) // 2  # odd sizes get one more tile, cropped at the end


def filter_transform(w: np.ndarray) -> np.ndarray:
    """``U = G g G^T`` for every filter: w (F, C, 3, 3) -> U (16, F, C), ``U[4a + b] = U_ab``."""
    F, C = w.shape[:2]
    Gd = G.astype(w.dtype)
    t = np.tensordot(Gd, w, axes=(1, 2))  # (4, F, C, 3): G g, rows a
    U = np.tensordot(t, Gd, axes=(3, 1))  # (4, F, C, 4): (G g) G^T, columns b
    return np.ascontiguousarray(U.transpose(0, 3, 1, 2)).reshape(16, F, C)


def input_transform(x: np.ndarray, pad: int) -> np.ndarray:
    """``V = B^T d B`` for every 4x4 tile ``d`` of the zero-padded input.

    x (N, C, H, W) -> V (16, C, P), ``P = Th*Tw*N`` ordered ``(ty, tx, n)``, with
    ``Th = ceil(Ho/2)``, ``Ho = H + 2*pad - 2`` (same for W). Tile ``(ty, tx)`` covers
    padded rows ``2ty .. 2ty+3`` and columns ``2tx .. 2tx+3`` (zeros beyond the input);
    ``V[4i + j]`` is entry ``(i, j)`` of every tile's ``B^T d B``.
    """
    N, C, H, W = x.shape
    Th, Tw = _tiles(H + 2 * pad - 2, W + 2 * pad - 2)
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


def output_transform(M: np.ndarray, b: np.ndarray, N: int, Ho: int, Wo: int) -> np.ndarray:
    """``Y = A^T M A`` for every tile, plus the bias, laid out as the output.

    M (16, F, P) with ``P = Th*Tw*N`` ordered ``(ty, tx, n)``, b (F,) ->
    out (N, F, Ho, Wo), ``out[n, f, 2ty + a, 2tx + c] = Y_ac + b[f]`` (cropped when odd).
    """
    F = M.shape[1]
    Th, Tw = _tiles(Ho, Wo)
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


def conv_forward_winograd(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict):
    r"""3x3, stride-1 convolution by Winograd F(2x2, 3x3).

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
        ``'stride'`` (must be 1) and ``'pad'`` (int >= 0).

    Returns
    -------
    out : (N, F, Ho, Wo)
        ``Ho = H + 2*pad - 2``, ``Wo = W + 2*pad - 2``; dtype of ``x``.
    cache : tuple
        ``(x, w, b, conv_param, U, V)`` with ``U`` (16, F, C) the transformed filters
        (:func:`filter_transform`) and ``V`` (16, C, P) the transformed tiles
        (:func:`input_transform`), ``P = ceil(Ho/2) * ceil(Wo/2) * N``.

    Raises
    ------
    ValueError
        For a kernel other than 3x3 or a stride other than 1 (use ``conv_forward_fast``),
        ``w`` / ``b`` of another dtype than ``x``, or shapes that do not match.
    """
    x, w, b, pad, Ho, Wo = _check_args(x, w, b, conv_param, "conv_forward_winograd")
    U = filter_transform(w)  # (16, F, C)
    V = input_transform(x, pad)  # (16, C, P)
    M = np.matmul(U, V)  # 16 GEMMs (F, C) @ (C, P) -> (16, F, P)
    out = output_transform(M, b, x.shape[0], Ho, Wo)
    return out, (x, w, b, conv_param, U, V)


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
    x, w, _, conv_param, U, V = cache
    N, C, H, W = x.shape
    F = w.shape[0]
    pad = int(conv_param["pad"])
    Ho, Wo = H + 2 * pad - 2, W + 2 * pad - 2
    dout = np.asarray(dout)
    if dout.shape != (N, F, Ho, Wo):
        raise ValueError(
            f"{layer}: dout must have the output's shape {(N, F, Ho, Wo)}, got {dout.shape}"
        )
    if dout.dtype != x.dtype:
        raise ValueError(f"{layer}: dout has dtype {dout.dtype} but x has {x.dtype}")
    Th, Tw = _tiles(Ho, Wo)
    tile = Th * Tw * N
    db = dout.sum(axis=(0, 2, 3))  # (F,)

    # dM = A dY A^T, one group of filters at a time, from dout's channels as quads.
    dM = np.empty((4, 4, F, Th, Tw, N), dtype=x.dtype)
    img = np.zeros((2 * Th, 2 * Tw, N), dtype=x.dtype)  # odd sizes: the extra row stays 0
    groups = _groups(F, 4 * tile * x.itemsize)
    buf = np.empty(4 * groups[0][1] * tile, dtype=x.dtype)
    for f0, f1 in groups:
        yq = _view(buf, (f1 - f0, 2, Th, 2, Tw, N))
        for f in range(f0, f1):
            img[:Ho, :Wo] = dout[:, f].transpose(1, 2, 0)  # (Ho, Wo, N)
            yq[f - f0] = _quads(img)
        _output_block_T(yq, dM[:, :, f0:f1])
    dM = dM.reshape(16, F, tile)

    dU = np.matmul(dM, V.transpose(0, 2, 1))  # (16, F, P) @ (16, P, C) -> (16, F, C)
    Gd = G.astype(x.dtype)
    t = np.tensordot(Gd, dU.reshape(4, 4, F, C), axes=(0, 0))  # (3, 4, F, C): G^T dU
    dw = np.tensordot(t, Gd, axes=(1, 0)).transpose(1, 2, 0, 3)  # (F, C, 3, 3): (G^T dU) G

    # dV = U^T dM, then B dV B^T overlap-added, one group of channels at a time.
    dV = np.matmul(U.transpose(0, 2, 1), dM).reshape(4, 4, C, Th, Tw, N)  # (16, C, P)
    dx = np.empty_like(x)
    img = np.empty((2 * Th + 2, 2 * Tw + 2, N), dtype=x.dtype)  # one padded channel
    quad = (2, Th + 1, 2, Tw + 1, N)
    groups = _groups(C, 4 * int(np.prod(quad)) * x.itemsize)
    g = groups[0][1]
    dd_buf, Z_buf, T1_buf, T2_buf = (
        np.empty(k * g * int(np.prod(quad)), x.dtype) for k in (1, 2, 1, 1)
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
    return dx, np.ascontiguousarray(dw), db
