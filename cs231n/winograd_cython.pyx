# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Compiled Winograd F(2x2, 3x3) transforms (optional; :mod:`cs231n.winograd` has the
numpy fallback and picks between them).

Four loops, each ONE pass that reads its source and writes the GEMM layout directly
(no padded copy, no intermediate arrays: a tile's 16 numbers live in registers):

* :func:`input_transform`: x (N, C, H, W) -> V (16, C, P), ``V = B^T d B`` per tile;
* :func:`output_transform`: M (16, F, P) -> out (N, F, Ho, Wo), ``A^T M A + b``;
* :func:`output_transform_T`: dout (N, F, Ho, Wo) -> dM (16, F, P), ``A dY A^T``;
* :func:`input_transform_T`: dV (16, C, P) -> dx (N, C, H, W), ``B dV B^T``
  overlap-added.

The tile index ``P = Th*Tw*N`` is ordered ``(ty, tx, n)``, exactly as in the numpy
path, so ``V`` in a cache means the same whichever path made it. Tile ``(ty, tx)``
covers padded rows ``2ty .. 2ty+3`` and columns ``2tx .. 2tx+3``; pixels of the
padding (and the extra row / column when Ho or Wo is odd) are zeros found by index
checks, decided once per tile and not per image. ``n`` is the innermost loop, so each
of the 16 GEMM-layout rows a tile touches is read or written contiguously.

float32 and float64 are compiled separately (a fused type). The Python functions
check shapes and dtypes (``ValueError``) before the ``nogil`` loops run.
"""

from libc.string cimport memcpy, memset

import numpy as np

ctypedef fused real:
    float
    double


# ---------------------------------------------------------------------------
# Channel planes <-> (pixel, n) scratch. With n innermost the loops below read and write
# long contiguous runs; reading NCHW directly with n innermost would walk a stride of
# C*H*W numbers (a power of two for the usual shapes: every image's row falls in the same
# cache set; that first version was ~1.6x slower than numpy). The scratch is one channel,
# N*H*W numbers (64 KB for 64 images of 16 x 16 in float32): it stays in the L2 cache.
# ---------------------------------------------------------------------------

cdef void _gather(const real* src, Py_ssize_t stride, real* dst, Py_ssize_t N,
                  Py_ssize_t HW) noexcept nogil:
    """dst[i*N + n] = src[n*stride + i]: one channel of an NCHW array as (H, W, N)."""
    cdef Py_ssize_t i0, i1, i, n
    for i0 in range(0, HW, 16):  # 16 pixels = one cache line of float32 per image
        i1 = min(i0 + 16, HW)
        for n in range(N):
            for i in range(i0, i1):
                dst[i * N + n] = src[n * stride + i]


cdef void _scatter(const real* src, real* dst, Py_ssize_t stride, Py_ssize_t N,
                   Py_ssize_t HW, real bias) noexcept nogil:
    """dst[n*stride + i] = src[i*N + n] + bias: (H, W, N) scratch back to one channel."""
    cdef Py_ssize_t i0, i1, i, n
    for i0 in range(0, HW, 16):
        i1 = min(i0 + 16, HW)
        for n in range(N):
            for i in range(i0, i1):
                dst[n * stride + i] = src[i * N + n] + bias


cdef inline void _tile_rows(real** ptr, real* plane, real* outside, Py_ssize_t ty,
                            Py_ssize_t tx, Py_ssize_t pad, Py_ssize_t H, Py_ssize_t W,
                            Py_ssize_t N, Py_ssize_t size) noexcept nogil:
    """ptr[4i + j] = the N numbers of pixel (2ty + i - pad, 2tx + j - pad) in the (H, W, N)
    scratch ``plane``, or ``outside`` (N zeros, or NULL) when the pixel is padding or
    cropped; i, j < size. The index checks run once per tile, not once per image."""
    cdef Py_ssize_t i, j, r, c
    for i in range(size):
        r = 2 * ty + i - pad
        for j in range(size):
            c = 2 * tx + j - pad
            if 0 <= r < H and 0 <= c < W:
                ptr[4 * i + j] = plane + (r * W + c) * N
            else:
                ptr[4 * i + j] = outside


# ---------------------------------------------------------------------------
# The four kernels (raw pointers into C-contiguous arrays). Per tile, NB images at a time:
# the tile's 16 rows of the GEMM layout go through a local buffer buf (16, NB), copied in
# or out one row at a time. Storing the 16 rows image by image instead (16 streams a
# multiple of 4 KB apart, all in one cache set) thrashed the caches, ~3x slower; the local
# buffer also lets the compiler vectorize the arithmetic over the images.
# ---------------------------------------------------------------------------

cdef enum:
    NB = 64  # images per block: buf is 16 * NB numbers (8 KB in float64)


cdef void _input(const real* x, real* V, real* xb, real* zeros, Py_ssize_t N, Py_ssize_t C,
                 Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad, Py_ssize_t Th,
                 Py_ssize_t Tw) noexcept nogil:
    # V[4i + j, c, p] = (B^T d B)[i, j]; B^T rows: (1,0,-1,0), (0,1,1,0), (0,-1,1,0), (0,1,0,-1).
    cdef Py_ssize_t P = Th * Tw * N, CP = C * P
    cdef Py_ssize_t c, ty, tx, n, n0, nb, k, j
    cdef real* s[16]
    cdef real* v
    cdef real buf[16 * NB]
    cdef real d[16]
    cdef real t[16]
    for c in range(C):
        _gather(x + c * H * W, C * H * W, xb, N, H * W)
        for ty in range(Th):
            for tx in range(Tw):
                _tile_rows(s, xb, zeros, ty, tx, pad, H, W, N, 4)
                v = V + c * P + (ty * Tw + tx) * N
                for n0 in range(0, N, 64):  # NB
                    nb = min(NB, N - n0)
                    for n in range(nb):
                        for k in range(16):
                            d[k] = s[k][n0 + n]
                        for j in range(4):  # rows: t = B^T d
                            t[j] = d[j] - d[8 + j]
                            t[4 + j] = d[4 + j] + d[8 + j]
                            t[8 + j] = d[8 + j] - d[4 + j]
                            t[12 + j] = d[4 + j] - d[12 + j]
                        for k in range(0, 16, 4):  # columns: t B
                            buf[k * NB + n] = t[k] - t[k + 2]
                            buf[(k + 1) * NB + n] = t[k + 1] + t[k + 2]
                            buf[(k + 2) * NB + n] = t[k + 2] - t[k + 1]
                            buf[(k + 3) * NB + n] = t[k + 1] - t[k + 3]
                    for k in range(16):
                        memcpy(v + k * CP + n0, buf + k * NB, nb * sizeof(real))


cdef void _output(const real* M, const real* b, real* out, real* ob, real* sink,
                  Py_ssize_t N, Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t Th,
                  Py_ssize_t Tw) noexcept nogil:
    # out[n, f, 2ty + a, 2tx + c] = (A^T m A)[a, c] + b[f]; A^T rows: (1,1,1,0), (0,1,-1,-1).
    cdef Py_ssize_t P = Th * Tw * N, FP = F * P
    cdef Py_ssize_t f, ty, tx, n, n0, nb, k, j
    cdef real* dst[16]
    cdef const real* m
    cdef real buf[16 * NB]
    cdef real mm[16]
    cdef real s[8]
    for f in range(F):
        for ty in range(Th):
            for tx in range(Tw):
                _tile_rows(dst, ob, sink, ty, tx, 0, Ho, Wo, N, 2)  # dst[0, 1, 4, 5]
                m = M + f * P + (ty * Tw + tx) * N
                for n0 in range(0, N, 64):  # NB
                    nb = min(NB, N - n0)
                    for k in range(16):
                        memcpy(buf + k * NB, m + k * FP + n0, nb * sizeof(real))
                    for n in range(nb):
                        for k in range(16):
                            mm[k] = buf[k * NB + n]
                        for j in range(4):  # rows: s = A^T m
                            s[j] = mm[j] + mm[4 + j] + mm[8 + j]
                            s[4 + j] = mm[4 + j] - mm[8 + j] - mm[12 + j]
                        for k in range(2):  # columns: y = s A, into the first row of buf
                            buf[(2 * k) * NB + n] = s[4 * k] + s[4 * k + 1] + s[4 * k + 2]
                            buf[(2 * k + 1) * NB + n] = s[4 * k + 1] - s[4 * k + 2] - s[4 * k + 3]
                    for k in range(4):  # odd Ho / Wo: the cropped outputs go to the sink
                        memcpy(dst[4 * (k // 2) + k % 2] + n0, buf + k * NB, nb * sizeof(real))
        _scatter(ob, out + f * Ho * Wo, F * Ho * Wo, N, Ho * Wo, b[f])


cdef void _output_T(const real* dout, real* dM, real* gb, real* zeros, Py_ssize_t N,
                    Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t Th,
                    Py_ssize_t Tw) noexcept nogil:
    # dM[4i + j, f, p] = (A dY A^T)[i, j]; A rows: (1,0), (1,1), (1,-1), (0,-1).
    cdef Py_ssize_t P = Th * Tw * N, FP = F * P
    cdef Py_ssize_t f, ty, tx, n, n0, nb, k
    cdef real* s[16]
    cdef real* dm
    cdef real buf[16 * NB]
    cdef real y[4]
    cdef real q[8]
    for f in range(F):
        _gather(dout + f * Ho * Wo, F * Ho * Wo, gb, N, Ho * Wo)
        for ty in range(Th):
            for tx in range(Tw):
                _tile_rows(s, gb, zeros, ty, tx, 0, Ho, Wo, N, 2)  # cropped outputs: 0
                dm = dM + f * P + (ty * Tw + tx) * N
                for n0 in range(0, N, 64):  # NB
                    nb = min(NB, N - n0)
                    for n in range(nb):
                        y[0] = s[0][n0 + n]
                        y[1] = s[1][n0 + n]
                        y[2] = s[4][n0 + n]
                        y[3] = s[5][n0 + n]
                        for k in range(2):  # rows: q = A dY (4 x 2)
                            q[k] = y[k]
                            q[2 + k] = y[k] + y[2 + k]
                            q[4 + k] = y[k] - y[2 + k]
                            q[6 + k] = -y[2 + k]
                        for k in range(4):  # columns: q A^T
                            buf[4 * k * NB + n] = q[2 * k]
                            buf[(4 * k + 1) * NB + n] = q[2 * k] + q[2 * k + 1]
                            buf[(4 * k + 2) * NB + n] = q[2 * k] - q[2 * k + 1]
                            buf[(4 * k + 3) * NB + n] = -q[2 * k + 1]
                    for k in range(16):
                        memcpy(dm + k * FP + n0, buf + k * NB, nb * sizeof(real))


cdef void _input_T(const real* dV, real* dx, real* xb, Py_ssize_t N,
                   Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad, Py_ssize_t Th,
                   Py_ssize_t Tw) noexcept nogil:
    # dx[n, c, 2ty + i - pad, 2tx + j - pad] += (B dV B^T)[i, j] over the tiles holding the
    # pixel; B rows: (1,0,0,0), (0,1,-1,1), (-1,1,1,0), (0,0,0,-1). Padding is skipped.
    cdef Py_ssize_t P = Th * Tw * N, CP = C * P
    cdef Py_ssize_t c, ty, tx, n, n0, nb, k, j
    cdef real* dst[16]
    cdef real* e
    cdef const real* v
    cdef real buf[16 * NB]
    cdef real vv[16]
    cdef real z[16]
    for c in range(C):
        memset(xb, 0, H * W * N * sizeof(real))
        for ty in range(Th):
            for tx in range(Tw):
                _tile_rows(dst, xb, NULL, ty, tx, pad, H, W, N, 4)
                v = dV + c * P + (ty * Tw + tx) * N
                for n0 in range(0, N, 64):  # NB
                    nb = min(NB, N - n0)
                    for k in range(16):
                        memcpy(buf + k * NB, v + k * CP + n0, nb * sizeof(real))
                    for n in range(nb):
                        for k in range(16):
                            vv[k] = buf[k * NB + n]
                        for j in range(4):  # rows: z = B dV
                            z[j] = vv[j]
                            z[4 + j] = vv[4 + j] - vv[8 + j] + vv[12 + j]
                            z[8 + j] = vv[4 + j] + vv[8 + j] - vv[j]
                            z[12 + j] = -vv[12 + j]
                        for k in range(0, 16, 4):  # columns: z B^T, in place
                            buf[k * NB + n] = z[k]
                            buf[(k + 1) * NB + n] = z[k + 1] - z[k + 2] + z[k + 3]
                            buf[(k + 2) * NB + n] = z[k + 1] + z[k + 2] - z[k]
                            buf[(k + 3) * NB + n] = -z[k + 3]
                    for k in range(16):  # overlap-add into the pixels the tile covers
                        if dst[k] != NULL:
                            e = dst[k] + n0
                            for n in range(nb):
                                e[n] += buf[k * NB + n]
        _scatter(xb, dx + c * H * W, C * H * W, N, H * W, 0)


# ---------------------------------------------------------------------------
# Python entry points: checks, allocation, dtype dispatch. Arrays reach the kernels as
# flat C-contiguous memoryviews; ``scratch`` is one (H, W, N) plane plus N numbers for
# ``zeros`` / ``sink`` (np.zeros, so the zeros are zeros).
# ---------------------------------------------------------------------------

cdef void _input_mv(real[::1] x, real[::1] V, real[::1] scratch, Py_ssize_t N, Py_ssize_t C,
                    Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad, Py_ssize_t Th,
                    Py_ssize_t Tw) noexcept:
    with nogil:
        _input(&x[0], &V[0], &scratch[0], &scratch[H * W * N], N, C, H, W, pad, Th, Tw)


cdef void _output_mv(real[::1] M, real[::1] b, real[::1] out, real[::1] scratch,
                     Py_ssize_t N, Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t Th,
                     Py_ssize_t Tw) noexcept:
    with nogil:
        _output(&M[0], &b[0], &out[0], &scratch[0], &scratch[Ho * Wo * N], N, F, Ho, Wo,
                Th, Tw)


cdef void _output_T_mv(real[::1] dout, real[::1] dM, real[::1] scratch, Py_ssize_t N,
                       Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t Th,
                       Py_ssize_t Tw) noexcept:
    with nogil:
        _output_T(&dout[0], &dM[0], &scratch[0], &scratch[Ho * Wo * N], N, F, Ho, Wo, Th, Tw)


cdef void _input_T_mv(real[::1] dV, real[::1] dx, real[::1] scratch, Py_ssize_t N,
                      Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad, Py_ssize_t Th,
                      Py_ssize_t Tw) noexcept:
    with nogil:
        _input_T(&dV[0], &dx[0], &scratch[0], N, C, H, W, pad, Th, Tw)


def _float_array(a, name, shape):
    """``a`` as a C-contiguous float32 / float64 array of ``shape`` (None: any size)."""
    a = np.asarray(a)
    if a.dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64, got {a.dtype}")
    if a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape)):
        want = "(" + ", ".join("?" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {a.shape}")
    return np.ascontiguousarray(a)


def _tiles(Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad, name):
    """``(Th, Tw)`` = ``(ceil(Ho/2), ceil(Wo/2))`` for a 3x3 window over the padded input."""
    cdef Py_ssize_t Ho = H + 2 * pad - 2, Wo = W + 2 * pad - 2
    if pad < 0 or Ho < 1 or Wo < 1:
        raise ValueError(f"{name}: pad = {pad} leaves no 3x3 window in {H} x {W}")
    return (Ho + 1) // 2, (Wo + 1) // 2


def input_transform(x, Py_ssize_t pad):
    """``V = B^T d B`` for every 4x4 tile ``d`` of the zero-padded input.

    x (N, C, H, W) float32 / float64 -> V (16, C, P), ``P = Th*Tw*N`` ordered
    ``(ty, tx, n)``, ``Th = ceil(Ho/2)``, ``Ho = H + 2*pad - 2`` (same for W).
    """
    cdef Py_ssize_t N, C, H, W, Th, Tw
    x = _float_array(x, "input_transform: x", (None,) * 4)
    N, C, H, W = x.shape
    Th, Tw = _tiles(H, W, pad, "input_transform")
    V = np.empty((16, C, Th * Tw * N), dtype=x.dtype)
    if V.size == 0:
        return V
    scratch = np.zeros((H * W + 1) * N, dtype=x.dtype)
    if x.dtype == np.float32:
        _input_mv[float](x.reshape(-1), V.reshape(-1), scratch, N, C, H, W, pad, Th, Tw)
    else:
        _input_mv[double](x.reshape(-1), V.reshape(-1), scratch, N, C, H, W, pad, Th, Tw)
    return V


def output_transform(M, b, Py_ssize_t N, Py_ssize_t Ho, Py_ssize_t Wo):
    """``Y = A^T M A + b`` per tile, laid out as the output (cropped when odd).

    M (16, F, P) with ``P = ceil(Ho/2)*ceil(Wo/2)*N`` ordered ``(ty, tx, n)``, b (F,)
    -> out (N, F, Ho, Wo), dtype of M.
    """
    cdef Py_ssize_t F, Th, Tw
    Th, Tw = _tiles(Ho, Wo, 1, "output_transform")
    M = _float_array(M, "output_transform: M", (16, None, Th * Tw * N))
    F = M.shape[1]
    b = _float_array(b, "output_transform: b", (F,)).astype(M.dtype, copy=False)
    out = np.empty((N, F, Ho, Wo), dtype=M.dtype)
    if out.size == 0:
        return out
    scratch = np.empty((Ho * Wo + 1) * N, dtype=M.dtype)
    if M.dtype == np.float32:
        _output_mv[float](M.reshape(-1), b, out.reshape(-1), scratch, N, F, Ho, Wo, Th, Tw)
    else:
        _output_mv[double](M.reshape(-1), b, out.reshape(-1), scratch, N, F, Ho, Wo, Th, Tw)
    return out


def output_transform_T(dout, out=None):
    """``dM = A dY A^T`` per tile (the adjoint of :func:`output_transform` without b).

    dout (N, F, Ho, Wo) -> dM (16, F, P), ``P = ceil(Ho/2)*ceil(Wo/2)*N`` ordered
    ``(ty, tx, n)``; outputs cropped for odd Ho / Wo count as zeros. ``out``: a
    C-contiguous (16, F, P) array of dout's dtype to write dM into (a reused buffer).
    """
    cdef Py_ssize_t N, F, Ho, Wo, Th, Tw
    dout = _float_array(dout, "output_transform_T: dout", (None,) * 4)
    N, F, Ho, Wo = dout.shape
    Th, Tw = _tiles(Ho, Wo, 1, "output_transform_T")
    if out is None:
        dM = np.empty((16, F, Th * Tw * N), dtype=dout.dtype)
    elif (out.shape != (16, F, Th * Tw * N) or out.dtype != dout.dtype
          or not out.flags.c_contiguous):
        raise ValueError(
            f"output_transform_T: out must be a C-contiguous {dout.dtype} array of shape "
            f"{(16, F, Th * Tw * N)}, got {out.dtype} {out.shape}"
        )
    else:
        dM = out
    if dM.size == 0:
        return dM
    scratch = np.zeros((Ho * Wo + 1) * N, dtype=dout.dtype)
    if dout.dtype == np.float32:
        _output_T_mv[float](dout.reshape(-1), dM.reshape(-1), scratch, N, F, Ho, Wo, Th, Tw)
    else:
        _output_T_mv[double](dout.reshape(-1), dM.reshape(-1), scratch, N, F, Ho, Wo, Th, Tw)
    return dM


def input_transform_T(dV, Py_ssize_t N, Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad):
    """``B dV B^T`` per tile, overlap-added and cropped (the adjoint of
    :func:`input_transform`).

    dV (16, C, P) with ``P = Th*Tw*N`` ordered ``(ty, tx, n)`` -> dx (N, C, H, W).
    """
    cdef Py_ssize_t C, Th, Tw
    Th, Tw = _tiles(H, W, pad, "input_transform_T")
    dV = _float_array(dV, "input_transform_T: dV", (16, None, Th * Tw * N))
    C = dV.shape[1]
    dx = np.empty((N, C, H, W), dtype=dV.dtype)
    if dx.size == 0:
        return dx
    scratch = np.empty((H * W + 1) * N, dtype=dV.dtype)
    if dV.dtype == np.float32:
        _input_T_mv[float](dV.reshape(-1), dx.reshape(-1), scratch, N, C, H, W, pad, Th, Tw)
    else:
        _input_T_mv[double](dV.reshape(-1), dx.reshape(-1), scratch, N, C, H, W, pad, Th, Tw)
    return dx
