# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Compiled Winograd F(m x m, 3x3) transforms, m = 2 or 4 (optional; :mod:`cs231n.kernels.backend`
falls back to :mod:`cs231n.kernels.winograd_numpy`).

Four loops, each ONE pass that reads its source and writes the GEMM layout directly
(no padded copy of the whole array); with ``a = m + 2`` the tile side:

* :func:`input_transform`: x (N, C, H, W) -> V (a*a, C, P), ``V = B^T d B`` per tile;
* :func:`output_transform`: M (a*a, F, P) -> out (N, F, Ho, Wo), ``A^T M A + b``;
* :func:`output_transform_T`: dout (N, F, Ho, Wo) -> dM (a*a, F, P), ``A dY A^T``;
* :func:`input_transform_T`: dV (a*a, C, P) -> dx (N, C, H, W), ``B dV B^T``
  overlap-added.

The tile index ``P = Th*Tw*N`` is ordered ``(ty, tx, n)``, exactly as in the numpy
path, so ``V`` in a cache means the same whichever path made it. Tile ``(ty, tx)``
covers padded rows ``m*ty .. m*ty + a - 1`` and columns ``m*tx .. m*tx + a - 1``; pixels
of the padding (and the extra rows / columns when m does not divide Ho or Wo) are zeros
found by index checks, decided once per tile and not per image. ``n`` is the innermost
loop, so each of the a*a GEMM-layout rows a tile touches is read or written contiguously.

float32 and float64 are compiled separately (a fused type). The Python functions
check shapes and dtypes (``ValueError``) before the ``nogil`` loops run.
"""

from libc.string cimport memcpy, memset

import numpy as np

from cs231n.kernels.winograd_matrices import out_or_new

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
                            Py_ssize_t tx, Py_ssize_t step, Py_ssize_t size, Py_ssize_t pad,
                            Py_ssize_t H, Py_ssize_t W, Py_ssize_t N) noexcept nogil:
    """ptr[size*i + j] = the N numbers of pixel (step*ty + i - pad, step*tx + j - pad) in the
    (H, W, N) scratch ``plane``, or ``outside`` (N zeros, or NULL) when the pixel is padding
    or cropped; i, j < size. The index checks run once per tile, not once per image."""
    cdef Py_ssize_t i, j, r, c
    for i in range(size):
        r = step * ty + i - pad
        for j in range(size):
            c = step * tx + j - pad
            if 0 <= r < H and 0 <= c < W:
                ptr[size * i + j] = plane + (r * W + c) * N
            else:
                ptr[size * i + j] = outside


# ---------------------------------------------------------------------------
# 1-D transforms on NB images at once. Element q of the input vector is the row
# s + q*ss*NB of a local (rows, NB) buffer, element q of the output the row d + q*ds*NB;
# nb <= NB numbers per row. A 2-D transform is two passes: along the tile's columns
# (ss = ds = the row length) then along its rows (ss = ds = 1). Every loop is over
# contiguous images between distinct local buffers, so the compiler vectorizes it.
# ---------------------------------------------------------------------------

cdef enum:
    NB = 64  # images per block
    AMAX = 6  # largest tile side: F(4x4, 3x3)


cdef inline void _bt2(const real* s, Py_ssize_t ss, real* d, Py_ssize_t ds,
                      Py_ssize_t nb) noexcept nogil:
    # B^T of F(2x2, 3x3), rows (1,0,-1,0), (0,1,1,0), (0,-1,1,0), (0,1,0,-1).
    cdef Py_ssize_t n
    cdef const real* s0 = s
    cdef const real* s1 = s + ss * NB
    cdef const real* s2 = s + 2 * ss * NB
    cdef const real* s3 = s + 3 * ss * NB
    cdef real* d0 = d
    cdef real* d1 = d + ds * NB
    cdef real* d2 = d + 2 * ds * NB
    cdef real* d3 = d + 3 * ds * NB
    for n in range(nb):
        d0[n] = s0[n] - s2[n]
        d1[n] = s1[n] + s2[n]
        d2[n] = s2[n] - s1[n]
        d3[n] = s1[n] - s3[n]


cdef inline void _b2(const real* s, Py_ssize_t ss, real* d, Py_ssize_t ds,
                     Py_ssize_t nb) noexcept nogil:
    # B = (B^T)^T of F(2x2, 3x3), rows (1,0,0,0), (0,1,-1,1), (-1,1,1,0), (0,0,0,-1).
    cdef Py_ssize_t n
    cdef const real* s0 = s
    cdef const real* s1 = s + ss * NB
    cdef const real* s2 = s + 2 * ss * NB
    cdef const real* s3 = s + 3 * ss * NB
    cdef real* d0 = d
    cdef real* d1 = d + ds * NB
    cdef real* d2 = d + 2 * ds * NB
    cdef real* d3 = d + 3 * ds * NB
    for n in range(nb):
        d0[n] = s0[n]
        d1[n] = s1[n] - s2[n] + s3[n]
        d2[n] = s1[n] + s2[n] - s0[n]
        d3[n] = -s3[n]


cdef inline void _at2(const real* s, Py_ssize_t ss, real* d, Py_ssize_t ds,
                      Py_ssize_t nb) noexcept nogil:
    # A^T of F(2x2, 3x3) (2 x 4), rows (1,1,1,0), (0,1,-1,-1).
    cdef Py_ssize_t n
    cdef const real* s0 = s
    cdef const real* s1 = s + ss * NB
    cdef const real* s2 = s + 2 * ss * NB
    cdef const real* s3 = s + 3 * ss * NB
    cdef real* d0 = d
    cdef real* d1 = d + ds * NB
    for n in range(nb):
        d0[n] = s0[n] + s1[n] + s2[n]
        d1[n] = s1[n] - s2[n] - s3[n]


cdef inline void _a2(const real* s, Py_ssize_t ss, real* d, Py_ssize_t ds,
                     Py_ssize_t nb) noexcept nogil:
    # A of F(2x2, 3x3) (4 x 2), rows (1,0), (1,1), (1,-1), (0,-1).
    cdef Py_ssize_t n
    cdef const real* s0 = s
    cdef const real* s1 = s + ss * NB
    cdef real* d0 = d
    cdef real* d1 = d + ds * NB
    cdef real* d2 = d + 2 * ds * NB
    cdef real* d3 = d + 3 * ds * NB
    for n in range(nb):
        d0[n] = s0[n]
        d1[n] = s0[n] + s1[n]
        d2[n] = s0[n] - s1[n]
        d3[n] = -s1[n]


cdef inline void _bt4(const real* s, Py_ssize_t ss, real* d, Py_ssize_t ds,
                      Py_ssize_t nb) noexcept nogil:
    # B^T of F(4x4, 3x3) (interpolation points 0, 1, -1, 2, -2, infinity), rows
    # (4,0,-5,0,1,0), (0,-4,-4,1,1,0), (0,4,-4,-1,1,0), (0,-2,-1,2,1,0), (0,2,-1,-2,1,0),
    # (0,4,0,-5,0,1).
    cdef Py_ssize_t n
    cdef real p, q
    cdef const real* s0 = s
    cdef const real* s1 = s + ss * NB
    cdef const real* s2 = s + 2 * ss * NB
    cdef const real* s3 = s + 3 * ss * NB
    cdef const real* s4 = s + 4 * ss * NB
    cdef const real* s5 = s + 5 * ss * NB
    cdef real* d0 = d
    cdef real* d1 = d + ds * NB
    cdef real* d2 = d + 2 * ds * NB
    cdef real* d3 = d + 3 * ds * NB
    cdef real* d4 = d + 4 * ds * NB
    cdef real* d5 = d + 5 * ds * NB
    for n in range(nb):
        d0[n] = 4 * s0[n] - 5 * s2[n] + s4[n]
        p = s4[n] - 4 * s2[n]
        q = s3[n] - 4 * s1[n]
        d1[n] = p + q
        d2[n] = p - q
        p = s4[n] - s2[n]
        q = 2 * (s3[n] - s1[n])
        d3[n] = p + q
        d4[n] = p - q
        d5[n] = 4 * s1[n] - 5 * s3[n] + s5[n]


cdef inline void _b4(const real* s, Py_ssize_t ss, real* d, Py_ssize_t ds,
                     Py_ssize_t nb) noexcept nogil:
    # B = (B^T)^T of F(4x4, 3x3): d_j = sum_i BT[i, j] s_i.
    cdef Py_ssize_t n
    cdef const real* s0 = s
    cdef const real* s1 = s + ss * NB
    cdef const real* s2 = s + 2 * ss * NB
    cdef const real* s3 = s + 3 * ss * NB
    cdef const real* s4 = s + 4 * ss * NB
    cdef const real* s5 = s + 5 * ss * NB
    cdef real* d0 = d
    cdef real* d1 = d + ds * NB
    cdef real* d2 = d + 2 * ds * NB
    cdef real* d3 = d + 3 * ds * NB
    cdef real* d4 = d + 4 * ds * NB
    cdef real* d5 = d + 5 * ds * NB
    for n in range(nb):
        d0[n] = 4 * s0[n]
        d1[n] = 4 * (s2[n] - s1[n] + s5[n]) + 2 * (s4[n] - s3[n])
        d2[n] = -5 * s0[n] - 4 * (s1[n] + s2[n]) - s3[n] - s4[n]
        d3[n] = s1[n] - s2[n] + 2 * (s3[n] - s4[n]) - 5 * s5[n]
        d4[n] = s0[n] + s1[n] + s2[n] + s3[n] + s4[n]
        d5[n] = s5[n]


cdef inline void _at4(const real* s, Py_ssize_t ss, real* d, Py_ssize_t ds,
                      Py_ssize_t nb) noexcept nogil:
    # A^T of F(4x4, 3x3) (4 x 6), rows (1,1,1,1,1,0), (0,1,-1,2,-2,0), (0,1,1,4,4,0),
    # (0,1,-1,8,-8,1).
    cdef Py_ssize_t n
    cdef real e, o, e2, o2
    cdef const real* s0 = s
    cdef const real* s1 = s + ss * NB
    cdef const real* s2 = s + 2 * ss * NB
    cdef const real* s3 = s + 3 * ss * NB
    cdef const real* s4 = s + 4 * ss * NB
    cdef const real* s5 = s + 5 * ss * NB
    cdef real* d0 = d
    cdef real* d1 = d + ds * NB
    cdef real* d2 = d + 2 * ds * NB
    cdef real* d3 = d + 3 * ds * NB
    for n in range(nb):
        e = s1[n] + s2[n]
        o = s1[n] - s2[n]
        e2 = s3[n] + s4[n]
        o2 = s3[n] - s4[n]
        d0[n] = s0[n] + e + e2
        d1[n] = o + 2 * o2
        d2[n] = e + 4 * e2
        d3[n] = o + 8 * o2 + s5[n]


cdef inline void _a4(const real* s, Py_ssize_t ss, real* d, Py_ssize_t ds,
                     Py_ssize_t nb) noexcept nogil:
    # A of F(4x4, 3x3) (6 x 4): d_i = sum_a AT[a, i] s_a.
    cdef Py_ssize_t n
    cdef real e, o
    cdef const real* s0 = s
    cdef const real* s1 = s + ss * NB
    cdef const real* s2 = s + 2 * ss * NB
    cdef const real* s3 = s + 3 * ss * NB
    cdef real* d0 = d
    cdef real* d1 = d + ds * NB
    cdef real* d2 = d + 2 * ds * NB
    cdef real* d3 = d + 3 * ds * NB
    cdef real* d4 = d + 4 * ds * NB
    cdef real* d5 = d + 5 * ds * NB
    for n in range(nb):
        e = s0[n] + s2[n]
        o = s1[n] + s3[n]
        d0[n] = s0[n]
        d1[n] = e + o
        d2[n] = e - o
        e = s0[n] + 4 * s2[n]
        o = 2 * s1[n] + 8 * s3[n]
        d3[n] = e + o
        d4[n] = e - o
        d5[n] = s3[n]


# ---------------------------------------------------------------------------
# The four kernels (raw pointers into C-contiguous arrays), m = 2 or 4, a = m + 2. Per
# tile, NB images at a time: the tile's a*a rows of the GEMM layout go through local
# buffers (a*a, NB), copied in or out one row at a time. Storing the rows image by image
# instead (a*a streams a multiple of 4 KB apart, all in one cache set) thrashed the
# caches, ~3x slower; the local buffers also let the compiler vectorize over the images.
# ---------------------------------------------------------------------------


cdef void _input(const real* x, real* V, real* xb, real* zeros, Py_ssize_t m, Py_ssize_t N,
                 Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad, Py_ssize_t Th,
                 Py_ssize_t Tw) noexcept nogil:
    # V[a*i + j, c, p] = (B^T d B)[i, j] for the tile d at p.
    cdef Py_ssize_t a = m + 2, aa = (m + 2) * (m + 2), P = Th * Tw * N, CP = C * P
    cdef Py_ssize_t c, ty, tx, n0, nb, k
    cdef real* s[AMAX * AMAX]
    cdef real* v
    cdef real buf[AMAX * AMAX * NB]
    cdef real tmp[AMAX * AMAX * NB]
    for c in range(C):
        _gather(x + c * H * W, C * H * W, xb, N, H * W)
        for ty in range(Th):
            for tx in range(Tw):
                _tile_rows(s, xb, zeros, ty, tx, m, a, pad, H, W, N)
                v = V + c * P + (ty * Tw + tx) * N
                for n0 in range(0, N, 64):  # NB (a literal: Cython needs one as a step)
                    nb = min(NB, N - n0)
                    for k in range(aa):
                        memcpy(buf + k * NB, s[k] + n0, nb * sizeof(real))
                    for k in range(a):  # columns: tmp = B^T d
                        if m == 2:
                            _bt2(buf + k * NB, a, tmp + k * NB, a, nb)
                        else:
                            _bt4(buf + k * NB, a, tmp + k * NB, a, nb)
                    for k in range(a):  # rows: buf = tmp B
                        if m == 2:
                            _bt2(tmp + k * a * NB, 1, buf + k * a * NB, 1, nb)
                        else:
                            _bt4(tmp + k * a * NB, 1, buf + k * a * NB, 1, nb)
                    for k in range(aa):
                        memcpy(v + k * CP + n0, buf + k * NB, nb * sizeof(real))


cdef void _output(const real* M, const real* b, real* out, real* ob, real* sink,
                  Py_ssize_t m, Py_ssize_t N, Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo,
                  Py_ssize_t Th, Py_ssize_t Tw) noexcept nogil:
    # out[n, f, m*ty + i, m*tx + j] = (A^T M A)[i, j] + b[f] for the tile at p.
    cdef Py_ssize_t a = m + 2, aa = (m + 2) * (m + 2), P = Th * Tw * N, FP = F * P
    cdef Py_ssize_t f, ty, tx, n0, nb, k
    cdef real* dst[AMAX * AMAX]
    cdef const real* mp
    cdef real buf[AMAX * AMAX * NB]
    cdef real tmp[AMAX * AMAX * NB]
    for f in range(F):
        for ty in range(Th):
            for tx in range(Tw):
                _tile_rows(dst, ob, sink, ty, tx, m, m, 0, Ho, Wo, N)
                mp = M + f * P + (ty * Tw + tx) * N
                for n0 in range(0, N, 64):  # NB (a literal: Cython needs one as a step)
                    nb = min(NB, N - n0)
                    for k in range(aa):
                        memcpy(buf + k * NB, mp + k * FP + n0, nb * sizeof(real))
                    for k in range(a):  # columns: tmp (m, a) = A^T M
                        if m == 2:
                            _at2(buf + k * NB, a, tmp + k * NB, a, nb)
                        else:
                            _at4(buf + k * NB, a, tmp + k * NB, a, nb)
                    for k in range(m):  # rows: buf (m, m) = tmp A
                        if m == 2:
                            _at2(tmp + k * a * NB, 1, buf + k * m * NB, 1, nb)
                        else:
                            _at4(tmp + k * a * NB, 1, buf + k * m * NB, 1, nb)
                    for k in range(m * m):  # outputs cropped at the border go to the sink
                        memcpy(dst[k] + n0, buf + k * NB, nb * sizeof(real))
        _scatter(ob, out + f * Ho * Wo, F * Ho * Wo, N, Ho * Wo, b[f])


cdef void _output_T(const real* dout, real* dM, real* gb, real* zeros, Py_ssize_t m,
                    Py_ssize_t N, Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t Th,
                    Py_ssize_t Tw) noexcept nogil:
    # dM[a*i + j, f, p] = (A dY A^T)[i, j], dY the tile's m x m block of dout (0 if cropped).
    cdef Py_ssize_t a = m + 2, aa = (m + 2) * (m + 2), P = Th * Tw * N, FP = F * P
    cdef Py_ssize_t f, ty, tx, n0, nb, k
    cdef real* s[AMAX * AMAX]
    cdef real* dm
    cdef real buf[AMAX * AMAX * NB]
    cdef real tmp[AMAX * AMAX * NB]
    for f in range(F):
        _gather(dout + f * Ho * Wo, F * Ho * Wo, gb, N, Ho * Wo)
        for ty in range(Th):
            for tx in range(Tw):
                _tile_rows(s, gb, zeros, ty, tx, m, m, 0, Ho, Wo, N)
                dm = dM + f * P + (ty * Tw + tx) * N
                for n0 in range(0, N, 64):  # NB (a literal: Cython needs one as a step)
                    nb = min(NB, N - n0)
                    for k in range(m * m):
                        memcpy(buf + k * NB, s[k] + n0, nb * sizeof(real))
                    for k in range(m):  # columns: tmp (a, m) = A dY
                        if m == 2:
                            _a2(buf + k * NB, m, tmp + k * NB, m, nb)
                        else:
                            _a4(buf + k * NB, m, tmp + k * NB, m, nb)
                    for k in range(a):  # rows: buf (a, a) = tmp A^T
                        if m == 2:
                            _a2(tmp + k * m * NB, 1, buf + k * a * NB, 1, nb)
                        else:
                            _a4(tmp + k * m * NB, 1, buf + k * a * NB, 1, nb)
                    for k in range(aa):
                        memcpy(dm + k * FP + n0, buf + k * NB, nb * sizeof(real))


cdef void _input_T(const real* dV, real* dx, real* xb, Py_ssize_t m, Py_ssize_t N,
                   Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad, Py_ssize_t Th,
                   Py_ssize_t Tw) noexcept nogil:
    # dx[n, c, m*ty + i - pad, m*tx + j - pad] += (B dV B^T)[i, j] over the tiles holding
    # the pixel; padding is skipped.
    cdef Py_ssize_t a = m + 2, aa = (m + 2) * (m + 2), P = Th * Tw * N, CP = C * P
    cdef Py_ssize_t c, ty, tx, n, n0, nb, k
    cdef real* dst[AMAX * AMAX]
    cdef real* e
    cdef const real* v
    cdef real buf[AMAX * AMAX * NB]
    cdef real tmp[AMAX * AMAX * NB]
    for c in range(C):
        memset(xb, 0, H * W * N * sizeof(real))
        for ty in range(Th):
            for tx in range(Tw):
                _tile_rows(dst, xb, NULL, ty, tx, m, a, pad, H, W, N)
                v = dV + c * P + (ty * Tw + tx) * N
                for n0 in range(0, N, 64):  # NB (a literal: Cython needs one as a step)
                    nb = min(NB, N - n0)
                    for k in range(aa):
                        memcpy(buf + k * NB, v + k * CP + n0, nb * sizeof(real))
                    for k in range(a):  # columns: tmp = B dV
                        if m == 2:
                            _b2(buf + k * NB, a, tmp + k * NB, a, nb)
                        else:
                            _b4(buf + k * NB, a, tmp + k * NB, a, nb)
                    for k in range(a):  # rows: buf = tmp B^T
                        if m == 2:
                            _b2(tmp + k * a * NB, 1, buf + k * a * NB, 1, nb)
                        else:
                            _b4(tmp + k * a * NB, 1, buf + k * a * NB, 1, nb)
                    for k in range(aa):  # overlap-add into the pixels the tile covers
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

cdef void _input_mv(real[::1] x, real[::1] V, real[::1] scratch, Py_ssize_t m, Py_ssize_t N,
                    Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad, Py_ssize_t Th,
                    Py_ssize_t Tw) noexcept:
    with nogil:
        _input(&x[0], &V[0], &scratch[0], &scratch[H * W * N], m, N, C, H, W, pad, Th, Tw)


cdef void _output_mv(real[::1] M, real[::1] b, real[::1] out, real[::1] scratch,
                     Py_ssize_t m, Py_ssize_t N, Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo,
                     Py_ssize_t Th, Py_ssize_t Tw) noexcept:
    with nogil:
        _output(&M[0], &b[0], &out[0], &scratch[0], &scratch[Ho * Wo * N], m, N, F, Ho, Wo,
                Th, Tw)


cdef void _output_T_mv(real[::1] dout, real[::1] dM, real[::1] scratch, Py_ssize_t m,
                       Py_ssize_t N, Py_ssize_t F, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t Th,
                       Py_ssize_t Tw) noexcept:
    with nogil:
        _output_T(&dout[0], &dM[0], &scratch[0], &scratch[Ho * Wo * N], m, N, F, Ho, Wo,
                  Th, Tw)


cdef void _input_T_mv(real[::1] dV, real[::1] dx, real[::1] scratch, Py_ssize_t m,
                      Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad,
                      Py_ssize_t Th, Py_ssize_t Tw) noexcept:
    with nogil:
        _input_T(&dV[0], &dx[0], &scratch[0], m, N, C, H, W, pad, Th, Tw)


def _float_array(a, name, shape):
    """``a`` as a C-contiguous float32 / float64 array of ``shape`` (None: any size)."""
    a = np.asarray(a)
    if a.dtype not in (np.float32, np.float64):
        raise ValueError(f"{name} must be float32 or float64, got {a.dtype}")
    if a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape)):
        want = "(" + ", ".join("?" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {a.shape}")
    return np.ascontiguousarray(a)


def _tiles(Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad, Py_ssize_t m, name):
    """``(Th, Tw)`` = ``(ceil(Ho/m), ceil(Wo/m))`` for a 3x3 window over the padded input,
    after checking the tile size ``m``."""
    cdef Py_ssize_t Ho = H + 2 * pad - 2, Wo = W + 2 * pad - 2
    if m not in (2, 4):
        raise ValueError(f"{name}: m (the output tile size) must be 2 or 4, got {m}")
    if pad < 0 or Ho < 1 or Wo < 1:
        raise ValueError(f"{name}: pad = {pad} leaves no 3x3 window in {H} x {W}")
    return (Ho + m - 1) // m, (Wo + m - 1) // m


def input_transform(x, Py_ssize_t pad, Py_ssize_t m=2):
    """``V = B^T d B`` for every (m+2)x(m+2) tile ``d`` of the zero-padded input.

    x (N, C, H, W) float32 / float64 -> V ((m+2)**2, C, P), ``P = Th*Tw*N`` ordered
    ``(ty, tx, n)``, ``Th = ceil(Ho/m)``, ``Ho = H + 2*pad - 2`` (same for W); m = 2 or 4.
    """
    cdef Py_ssize_t N, C, H, W, Th, Tw
    x = _float_array(x, "input_transform: x", (None,) * 4)
    N, C, H, W = x.shape
    Th, Tw = _tiles(H, W, pad, m, "input_transform")
    V = np.empty(((m + 2) ** 2, C, Th * Tw * N), dtype=x.dtype)
    if V.size == 0:
        return V
    scratch = np.zeros((H * W + 1) * N, dtype=x.dtype)
    if x.dtype == np.float32:
        _input_mv[float](x.reshape(-1), V.reshape(-1), scratch, m, N, C, H, W, pad, Th, Tw)
    else:
        _input_mv[double](x.reshape(-1), V.reshape(-1), scratch, m, N, C, H, W, pad, Th, Tw)
    return V


def output_transform(M, b, Py_ssize_t N, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t m=2):
    """``Y = A^T M A + b`` per tile, laid out as the output (cropped at the border).

    M ((m+2)**2, F, P) with ``P = ceil(Ho/m)*ceil(Wo/m)*N`` ordered ``(ty, tx, n)``,
    b (F,) -> out (N, F, Ho, Wo), dtype of M; m = 2 or 4.
    """
    cdef Py_ssize_t F, Th, Tw
    Th, Tw = _tiles(Ho, Wo, 1, m, "output_transform")
    M = _float_array(M, "output_transform: M", ((m + 2) ** 2, None, Th * Tw * N))
    F = M.shape[1]
    b = _float_array(b, "output_transform: b", (F,)).astype(M.dtype, copy=False)
    out = np.empty((N, F, Ho, Wo), dtype=M.dtype)
    if out.size == 0:
        return out
    scratch = np.empty((Ho * Wo + 1) * N, dtype=M.dtype)
    if M.dtype == np.float32:
        _output_mv[float](M.reshape(-1), b, out.reshape(-1), scratch, m, N, F, Ho, Wo, Th, Tw)
    else:
        _output_mv[double](M.reshape(-1), b, out.reshape(-1), scratch, m, N, F, Ho, Wo, Th, Tw)
    return out


def output_transform_T(dout, out=None, Py_ssize_t m=2):
    """``dM = A dY A^T`` per tile (the adjoint of :func:`output_transform` without b).

    dout (N, F, Ho, Wo) -> dM ((m+2)**2, F, P), ``P = ceil(Ho/m)*ceil(Wo/m)*N`` ordered
    ``(ty, tx, n)``; outputs cropped at the border count as zeros. ``out``: a C-contiguous
    array of that shape and dout's dtype to write dM into (a reused buffer); m = 2 or 4.
    """
    cdef Py_ssize_t N, F, Ho, Wo, Th, Tw
    dout = _float_array(dout, "output_transform_T: dout", (None,) * 4)
    N, F, Ho, Wo = dout.shape
    Th, Tw = _tiles(Ho, Wo, 1, m, "output_transform_T")
    dM = out_or_new(out, ((m + 2) ** 2, F, Th * Tw * N), dout.dtype, "output_transform_T")
    if dM.size == 0:
        return dM
    scratch = np.zeros((Ho * Wo + 1) * N, dtype=dout.dtype)
    if dout.dtype == np.float32:
        _output_T_mv[float](dout.reshape(-1), dM.reshape(-1), scratch, m, N, F, Ho, Wo, Th, Tw)
    else:
        _output_T_mv[double](dout.reshape(-1), dM.reshape(-1), scratch, m, N, F, Ho, Wo, Th, Tw)
    return dM


def input_transform_T(dV, Py_ssize_t N, Py_ssize_t H, Py_ssize_t W, Py_ssize_t pad,
                      Py_ssize_t m=2):
    """``B dV B^T`` per tile, overlap-added and cropped (the adjoint of
    :func:`input_transform`).

    dV ((m+2)**2, C, P) with ``P = Th*Tw*N`` ordered ``(ty, tx, n)`` -> dx (N, C, H, W);
    m = 2 or 4.
    """
    cdef Py_ssize_t C, Th, Tw
    Th, Tw = _tiles(H, W, pad, m, "input_transform_T")
    dV = _float_array(dV, "input_transform_T: dV", ((m + 2) ** 2, None, Th * Tw * N))
    C = dV.shape[1]
    dx = np.empty((N, C, H, W), dtype=dV.dtype)
    if dx.size == 0:
        return dx
    scratch = np.empty((H * W + 1) * N, dtype=dV.dtype)
    if dV.dtype == np.float32:
        _input_T_mv[float](dV.reshape(-1), dx.reshape(-1), scratch, m, N, C, H, W, pad, Th, Tw)
    else:
        _input_T_mv[double](dV.reshape(-1), dx.reshape(-1), scratch, m, N, C, H, W, pad, Th, Tw)
    return dx
