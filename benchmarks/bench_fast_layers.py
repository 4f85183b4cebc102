"""Benchmark the fast conv / max-pool layers against PyTorch CPU and the naive layers.

For each shape and dtype (float32, float64) it times forward + backward of

* ours: ``cs231n.fast_layers.conv_forward_fast`` / ``conv_backward_fast`` and
  ``max_pool_forward_fast`` / ``max_pool_backward_fast``;
* Winograd (3x3, stride-1 cases only): ``conv_forward_winograd`` /
  ``conv_backward_winograd`` from :mod:`cs231n.kernels.winograd` with tile 2 (F(2x2, 3x3)) and
  tile 4 (F(4x4, 3x3)), recorded as ``<case>_<dtype>_winograd_ratio_vs_torch`` and
  ``<case>_<dtype>_winograd4_ratio_vs_torch`` (same targets as the conv rows);
* PyTorch: ``F.conv2d`` / ``F.max_pool2d`` on tensors with ``requires_grad``,
  then ``out.backward(dout)``, same dtype, ``torch.set_num_threads`` equal to
  the BLAS threads numpy uses (``--threads``, set before numpy is imported);
* the naive layers (float64, fewer repeats), for the naive -> fast speedup.

Ours and PyTorch are run alternately, one call each per repeat, so that a change
of machine load hits both; the figures are medians over the repeats. Shared
machines make absolute times noisy: compare ratios, and rerun when in doubt.

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_fast_layers.py            # full, records
    .venv/bin/python benchmarks/bench_fast_layers.py --quick --no-record   # smoke test

Writes ``results/bench_fast_layers.json`` through :func:`cs231n.results.record`
(nothing in quick mode unless ``$CS231N_RESULTS_DIR`` is set).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

GROUP = "bench_fast_layers"

# name, x shape, w shape, stride, pad
CONV_CASES = [
    ("conv_notebook", (100, 3, 31, 31), (25, 3, 3, 3), 2, 1),
    ("conv_realistic", (64, 64, 16, 16), (64, 64, 3, 3), 1, 1),
]
# name, x shape, pool height, pool width, stride
POOL_CASES = [
    ("pool_notebook", (100, 3, 32, 32), 2, 2, 2),
    ("pool_realistic", (64, 64, 16, 16), 2, 2, 2),
]
# Winograd output tile sizes benchmarked, with the method name of their records
WINOGRAD_TILES = {2: "winograd", 4: "winograd4"}
# ratio ours / torch (forward + backward) the issue asks for, per (layer, dtype)
TARGETS = {
    ("conv", "float32"): 1.5,
    ("conv", "float64"): 1.0,
    ("pool", "float32"): 2.0,
    ("pool", "float64"): 2.0,
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads for numpy and torch.set_num_threads (default 1)",
    )
    p.add_argument("--repeats", type=int, default=15, help="timed calls per method (median)")
    p.add_argument("--naive-repeats", type=int, default=3, help="timed calls of the naive layers")
    p.add_argument(
        "--backend",
        choices=["cython", "numpy"],
        default=None,
        help="run on these kernels (default: the ones cs231n.kernels.backend chose at import)",
    )
    p.add_argument("--quick", action="store_true", help="2 repeats, notebook shapes only")
    p.add_argument("--no-naive", action="store_true", help="skip the naive layers")
    p.add_argument("--no-record", action="store_true", help="print only, write no results")
    p.add_argument(
        "--keep-freed-memory",
        action="store_true",
        help="rerun with glibc told to keep freed memory (MALLOC_TRIM_THRESHOLD_, "
        "MALLOC_MMAP_THRESHOLD_): separates page-fault cost from compute; "
        "records get the suffix _keepmem",
    )
    return p.parse_args(argv)


# glibc returns large freed blocks to the OS, so every call that allocates tens of MB
# page-faults them back in; on virtual machines that can cost more than the arithmetic.
# These variables (read by glibc at start-up) keep freed memory in the process.
KEEP_MEMORY_ENV = {"MALLOC_TRIM_THRESHOLD_": "4294967296", "MALLOC_MMAP_THRESHOLD_": "1073741824"}


def _report(rows, label: str, method: str, setting: str, suffix: str, record_them: bool) -> None:
    """Print one ratio table and record ``<case>_<dtype>[_<method>]_ratio_vs_torch``
    (with the target), ``..._<label or method>_ms`` and ``..._torch_ms`` for each row.

    ``rows``: ``(case name, dtype name, our seconds, torch seconds, layer kind)``.
    """
    from cs231n.results import record  # imported after main() has set the thread count

    header = (
        f"{'case':<16}{'dtype':<9}{label + ' ms':>10}{'torch ms':>10}{'ratio':>8}{'target':>9}  met"
    )
    print(header)
    print("-" * len(header))
    infix = f"_{method}" if method else ""
    for name, dtype, t_ours, t_torch, layer in rows:
        ratio, target = t_ours / t_torch, TARGETS[(layer, dtype)]
        met = "yes" if ratio <= target else "NO"
        print(
            f"{name:<16}{dtype:<9}{1e3 * t_ours:>10.2f}{1e3 * t_torch:>10.2f}{ratio:>8.2f}"
            f"{'<= ' + format(target, 'g'):>9}  {met}"
        )
        if not record_them:
            continue
        what = f"{name} {dtype}{' ' + method if method else ''}: {setting}"
        record(
            GROUP,
            f"{name}_{dtype}{infix}_ratio_vs_torch{suffix}",
            ratio,
            dataset=what,
            target=target,
            higher_is_better=False,
            kind="timing",
        )
        ms = [(f"{name}_{dtype}{infix or '_ours'}_ms{suffix}", t_ours)]
        if not method:  # the torch time of a Winograd row is the same call as the ours row's
            ms.append((f"{name}_{dtype}_torch_ms{suffix}", t_torch))
        for key, seconds in ms:
            record(GROUP, key, 1e3 * seconds, dataset=what, higher_is_better=False, kind="timing")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.keep_freed_memory and any(os.environ.get(k) != v for k, v in KEEP_MEMORY_ENV.items()):
        env = dict(os.environ, **KEEP_MEMORY_ENV)
        os.execve(sys.executable, [sys.executable, *sys.argv], env)  # glibc reads them at start
    # The BLAS thread count is read when numpy loads: set it before the first import.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    from cs231n.kernels.backend import kernels_named, use_kernels

    if not args.backend:
        return _run(args)
    with use_kernels(kernels_named(args.backend)):  # the one switch, undone on return
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Time every case (after :func:`main` has set the threads and the kernels)."""
    suffix = "_keepmem" if args.keep_freed_memory else ""

    import numpy as np
    import torch
    import torch.nn.functional as F

    import cs231n.fast_layers as fl
    from cs231n.kernels.backend import active_kernels
    from cs231n.layers import (
        conv_backward_naive,
        conv_forward_naive,
        max_pool_backward_naive,
        max_pool_forward_naive,
    )
    from cs231n.results import record

    torch.set_num_threads(args.threads)
    repeats = 2 if args.quick else args.repeats
    conv_cases = CONV_CASES[:1] if args.quick else CONV_CASES
    pool_cases = POOL_CASES[:1] if args.quick else POOL_CASES
    rng = np.random.default_rng(231)

    def alternate(fns, n):
        """Median seconds of each function, calling them in turn n times (after a warm-up)."""
        for f in fns:
            f()
        times = [[] for _ in fns]
        for _ in range(n):
            for t, f in zip(times, fns):
                start = time.perf_counter()
                f()
                t.append(time.perf_counter() - start)
        return [float(np.median(t)) for t in times]

    rows = []  # (case, dtype, ours s, torch s, layer)
    wino_rows = {m: [] for m in WINOGRAD_TILES}  # the same for Winograd, per tile size
    naive_rows = []  # (case, naive ms, fast ms, speedup)
    load = os.getloadavg()[0]
    setting = (
        f"{args.threads} thread(s), median of {repeats}, backend {active_kernels().name}, "
        f"load avg {load:.1f} on {os.cpu_count()} CPUs"
        + (", glibc keeps freed memory" if args.keep_freed_memory else "")
    )

    for name, xs, ws, stride, pad in conv_cases:
        cp = {"stride": stride, "pad": pad}
        for dtype in (np.float32, np.float64):
            x = rng.standard_normal(xs).astype(dtype)
            w = rng.standard_normal(ws).astype(dtype)
            b = rng.standard_normal(ws[0]).astype(dtype)
            out, _ = fl.conv_forward_fast(x, w, b, cp)
            dout = rng.standard_normal(out.shape).astype(dtype)
            tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
            tdout = torch.tensor(dout)

            def ours(x=x, w=w, b=b, cp=cp, dout=dout):
                _, cache = fl.conv_forward_fast(x, w, b, cp)
                fl.conv_backward_fast(dout, cache)

            def theirs(tx=tx, tw=tw, tb=tb, tdout=tdout, stride=stride, pad=pad):
                tx.grad = tw.grad = tb.grad = None
                F.conv2d(tx, tw, tb, stride=stride, padding=pad).backward(tdout)

            fns = [ours, theirs]
            tiles = list(WINOGRAD_TILES) if ws[2:] == (3, 3) and stride == 1 else []
            for m in tiles:

                def wino(x=x, w=w, b=b, pad=pad, m=m, dout=dout):
                    _, cache = fl.conv_forward_winograd(
                        x, w, b, {"stride": 1, "pad": pad, "tile": m}
                    )
                    fl.conv_backward_winograd(dout, cache)

                fns.append(wino)
            times = alternate(fns, repeats)
            t_ours, t_torch = times[:2]
            rows.append((name, np.dtype(dtype).name, t_ours, t_torch, "conv"))
            for m, t_wino in zip(tiles, times[2:]):
                wino_rows[m].append((name, np.dtype(dtype).name, t_wino, t_torch, "conv"))

        if not args.no_naive:
            x, w, b = (a.astype(np.float64) for a in (x, w, b))
            dout = dout.astype(np.float64)

            def naive(x=x, w=w, b=b, cp=cp, dout=dout):
                conv_backward_naive(dout, conv_forward_naive(x, w, b, cp)[1])

            def fast(x=x, w=w, b=b, cp=cp, dout=dout):
                fl.conv_backward_fast(dout, fl.conv_forward_fast(x, w, b, cp)[1])

            t_naive, t_fast = alternate([naive, fast], 1 if args.quick else args.naive_repeats)
            naive_rows.append((name, t_naive, t_fast))

    for name, xs, ph, pw, stride in pool_cases:
        pp = {"pool_height": ph, "pool_width": pw, "stride": stride}
        for dtype in (np.float32, np.float64):
            x = rng.standard_normal(xs).astype(dtype)
            out, _ = fl.max_pool_forward_fast(x, pp)
            dout = rng.standard_normal(out.shape).astype(dtype)
            tx, tdout = torch.tensor(x, requires_grad=True), torch.tensor(dout)

            def ours(x=x, pp=pp, dout=dout):
                fl.max_pool_backward_fast(dout, fl.max_pool_forward_fast(x, pp)[1])

            def theirs(tx=tx, tdout=tdout, ph=ph, pw=pw, stride=stride):
                tx.grad = None
                F.max_pool2d(tx, (ph, pw), stride=stride).backward(tdout)

            t_ours, t_torch = alternate([ours, theirs], repeats)
            rows.append((name, np.dtype(dtype).name, t_ours, t_torch, "pool"))

        if not args.no_naive:
            x, dout = x.astype(np.float64), dout.astype(np.float64)

            def naive(x=x, pp=pp, dout=dout):
                max_pool_backward_naive(dout, max_pool_forward_naive(x, pp)[1])

            def fast(x=x, pp=pp, dout=dout):
                fl.max_pool_backward_fast(dout, fl.max_pool_forward_fast(x, pp)[1])

            t_naive, t_fast = alternate([naive, fast], 1 if args.quick else args.naive_repeats)
            naive_rows.append((name, t_naive, t_fast))

    print(f"forward + backward, ours / PyTorch CPU ({setting})")
    print("(timings on a shared machine: other jobs add noise, ratios are the figure to read)")
    _report(rows, "ours", "", setting, suffix, record_them=not args.no_record)
    for m, method in WINOGRAD_TILES.items():
        if wino_rows[m]:
            print()
            print(f"Winograd F({m}x{m}, 3x3) conv, forward + backward, / PyTorch (same run)")
            _report(wino_rows[m], "wino", method, setting, suffix, record_them=not args.no_record)
    if naive_rows:
        print()
        print("naive -> fast speedup, float64, forward + backward")
        print(f"{'case':<16}{'naive ms':>10}{'fast ms':>10}{'speedup':>9}")
        for name, t_naive, t_fast in naive_rows:
            print(f"{name:<16}{1e3 * t_naive:>10.1f}{1e3 * t_fast:>10.2f}{t_naive / t_fast:>8.0f}x")
            if not args.no_record:
                record(
                    GROUP,
                    f"{name}_float64_naive_speedup{suffix}",
                    t_naive / t_fast,
                    dataset=f"{name} float64: {setting}",
                    kind="timing",
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
