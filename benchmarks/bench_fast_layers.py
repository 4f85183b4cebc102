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
(nothing in quick mode unless ``$CS231N_RESULTS_DIR`` is set). A full recorded run also times
the parts of each convolution method on its own (``--no-parts`` skips it) and then rewrites the
tables of ``notes/fast_layers.md`` and ``notes/winograd.md`` from the records
(:func:`write_notes`, between the markers of :data:`NOTE_MARKERS`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from cs231n.tooling.benchmark import alternate

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
# note file -> (start marker, end marker) of the block write_notes regenerates
NOTE_MARKERS = {
    "fast_layers.md": ("<!-- bench:fast_layers:start -->", "<!-- bench:fast_layers:end -->"),
    "winograd.md": ("<!-- bench:winograd:start -->", "<!-- bench:winograd:end -->"),
}
NO_RECORDS = "_No timings of `benchmarks/bench_fast_layers.py` recorded yet: run it in full._"
KEEPMEM = "_keepmem"  # suffix of the records of a --keep-freed-memory run
# the parts of each method timed apart (--no-parts skips them), in the order of the tables
IM2COL_PARTS = ("im2col", "GEMM fwd", "GEMM dw", "GEMM dx", "col2im")
WINOGRAD_PARTS = ("filter", "input", "GEMM fwd", "output", "dM", "GEMM dU", "GEMM dV", "dx")


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
    p.add_argument("--no-parts", action="store_true", help="skip the per-part timings")
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


def _shape(t: tuple) -> str:
    return "(" + ",".join(map(str, t)) + ")"


def time_parts(x, w, b, conv_param: dict, dout, repeats: int, tile: int | None = None) -> dict:
    """CPU seconds (``time.process_time``, median of ``repeats``) of each part of one method.

    x (N, C, H, W), w (F, C, HH, WW), b (F,), dout (N, F, Ho, Wo), numpy arrays of one dtype.
    ``tile=None``: the im2col method of ``conv_forward_fast`` / ``conv_backward_fast``, parts
    :data:`IM2COL_PARTS` (every GEMM over all images at once); ``tile=2`` or ``4``: Winograd
    (3x3, stride 1), parts :data:`WINOGRAD_PARTS`, each a function of
    :mod:`cs231n.kernels.winograd` or its GEMM. Every part runs on its own on inputs made
    beforehand, alternating with the whole layer (key ``"layer"``, forward + backward) and
    PyTorch's (``"torch"``), so a change of load hits all of them.

    Returns:
        ``{part: seconds}`` for the method's parts, ``"layer"`` and ``"torch"``.
    """
    import numpy as np
    import torch
    import torch.nn.functional as F_

    import cs231n.fast_layers as fl
    from cs231n.kernels import winograd as wg
    from cs231n.kernels.backend import active_kernels

    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tdout = torch.tensor(dout)

    def theirs():
        tx.grad = tw.grad = tb.grad = None
        F_.conv2d(tx, tw, tb, stride=stride, padding=pad).backward(tdout)

    if tile is None:
        kern = active_kernels()
        out, cache = fl.conv_forward_fast(x, w, b, conv_param)
        x_cols = cache[4]  # (N, K+1, P), last row ones
        K, P = C * HH * WW, out.shape[2] * out.shape[3]
        w_b = np.concatenate([w.reshape(F, K), b[:, None]], axis=1)  # (F, K+1)
        wT = w.reshape(F, K).T  # (K, F)
        dout_n = dout.reshape(N, F, P)
        dx_cols = np.matmul(wT, dout_n)  # (N, K, P)

        def im2col():
            cols = np.empty_like(x_cols)
            kern.im2col_per_image(x, HH, WW, pad, stride, out=cols[:, :K])
            cols[:, K] = 1

        def gemm_dw():
            acc, prod = np.zeros((F, K + 1), x.dtype), np.empty((F, K + 1), x.dtype)
            for n in range(N):
                np.matmul(dout_n[n], x_cols[n].T, out=prod)
                acc += prod

        parts = {
            "im2col": im2col,
            "GEMM fwd": lambda: np.matmul(w_b, x_cols),
            "GEMM dw": gemm_dw,
            "GEMM dx": lambda: np.matmul(wT, dout_n),
            "col2im": lambda: kern.col2im_per_image(
                dx_cols, N, C, H, W, HH, WW, pad, stride, out=np.empty_like(x)
            ),
        }

        def layer():
            fl.conv_backward_fast(dout, fl.conv_forward_fast(x, w, b, conv_param)[1])
    else:
        cp = {"stride": 1, "pad": pad, "tile": tile}
        out, cache = wg.conv_forward_winograd(x, w, b, cp)
        U, V = cache[4], cache[5]  # (a*a, F, C), (a*a, C, P)
        Ho, Wo = out.shape[2:]
        M = np.matmul(U, V)  # (a*a, F, P)
        dM = wg.output_transform_T(dout, None, tile)  # (a*a, F, P)
        Ut = np.ascontiguousarray(U.transpose(0, 2, 1))  # (a*a, C, F)
        dV = np.matmul(Ut, dM)  # (a*a, C, P)
        M_buf, dM_buf, dV_buf = np.empty_like(M), np.empty_like(dM), np.empty_like(dV)
        parts = {
            "filter": lambda: wg.filter_transform(w, tile),
            "input": lambda: wg.input_transform(x, pad, tile),
            "GEMM fwd": lambda: np.matmul(U, V, out=M_buf),
            "output": lambda: wg.output_transform(M, b, N, Ho, Wo, tile),
            "dM": lambda: wg.output_transform_T(dout, dM_buf, tile),
            "GEMM dU": lambda: np.matmul(dM, V.transpose(0, 2, 1)),
            "GEMM dV": lambda: np.matmul(Ut, dM, out=dV_buf),
            "dx": lambda: wg.input_transform_T(dV, N, H, W, pad, tile),
        }

        def layer():
            wg.conv_backward_winograd(dout, wg.conv_forward_winograd(x, w, b, cp)[1])

    fns = {**parts, "layer": layer, "torch": theirs}
    times = alternate(list(fns.values()), repeats, time.process_time)
    return dict(zip(fns, times))


def _slug(part: str) -> str:
    return part.lower().replace(" ", "_")


def _parts_key(case: str, dtype: str, method: str, part: str) -> str:
    """Record name of one part's CPU ms: ``parts_<case>_<dtype>_<method>_<part>_ms``."""
    return f"parts_{case}_{dtype}_{method}_{_slug(part)}_ms"


# ---- the tables of the notes, from the records ----


def _ms(value) -> str:
    return "—" if value is None else f"{value:.3g}"


def _value(records: dict, key: str):
    entry = records.get(key)
    return entry.get("value") if isinstance(entry, dict) else None


def _run_lines(records: dict, keys) -> list[str]:
    """One line per run among the records ``keys``: date (of its first record, to the minute),
    setting (threads, repeats, backend, load average), CPU and commit."""
    from cs231n.tooling.machine import describe

    runs = {}
    for key in keys:
        entry = records.get(key)
        if not isinstance(entry, dict):
            continue
        setting = str(entry.get("dataset", "")).partition(": ")[2]
        when = str(entry.get("when", ""))[:16].replace("T", " ")
        commit = entry.get("commit")
        code = f"commit {commit[:7]}" if commit else "commit not recorded"
        if entry.get("dirty"):
            code += " with uncommitted changes in " + ", ".join(entry.get("dirty_files") or [])
        machine = entry.get("machine")
        cpu = describe(machine) if machine else "CPU not recorded"
        run = (setting, cpu, code)  # a run's records are written over a few seconds
        runs[run] = min(runs.get(run, when), when)
    return [f"Run of {when} UTC: {s}; {cpu}; {code}." for (s, cpu, code), when in runs.items()]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


def _parts_table(records: dict, rows_spec, parts) -> list[str]:
    """The per-part CPU ms table; ``rows_spec``: ``(label, case, dtype, method)``."""
    rows, keys = [], []
    for label, case, dtype, method in rows_spec:
        layer = _parts_key(case, dtype, method, "layer")
        if layer not in records:
            continue
        names = [_parts_key(case, dtype, method, p) for p in (*parts, "layer", "torch")]
        keys += names
        rows.append([label] + [_ms(_value(records, k)) for k in names])
    if not rows:
        return ["_Per-part times: not in the records yet (a full run without `--no-parts`)._"]
    header = ["CPU ms", *parts, "whole layer", "PyTorch layer"]
    return [
        *_table(header, rows),
        "",
        "CPU time (`time.process_time`) of each part called on its own, median over the "
        "repeats, alternating with the whole layer and PyTorch's; the parts need not add up "
        "to the whole layer (allocations, cache state).",
        "",
        "\n\n".join(_run_lines(records, keys)),
    ]


def fast_layers_table(records: dict) -> str:
    """The markdown of ``notes/fast_layers.md``'s benchmark block, from ``records`` (the
    entries of ``results/bench_fast_layers.json``, name -> entry): forward + backward
    ours / PyTorch per case, method and dtype (ratio of the ``--keep-freed-memory`` run as
    a last column when recorded), the run lines, then the im2col per-part table."""
    has_keepmem = any(k.endswith(KEEPMEM) for k in records)
    rows, keys, keep_keys = [], [], []
    cases = [
        (name, f"conv x {_shape(xs)}, w {_shape(ws)}, s{stride} p{pad}", "conv")
        for name, xs, ws, stride, pad in CONV_CASES
    ] + [
        (name, f"pool x {_shape(xs)}, {ph}x{pw} s{stride}", "pool")
        for name, xs, ph, pw, stride in POOL_CASES
    ]
    methods = {"": "`conv_forward_fast`"} | {
        m: f"Winograd F({t}x{t}, 3x3)" for t, m in WINOGRAD_TILES.items()
    }
    for name, label, layer in cases:
        for dtype in ("float32", "float64"):
            for method, method_label in methods.items():
                if layer == "pool" and method:
                    continue
                infix = f"_{method}" if method else ""
                ratio_key = f"{name}_{dtype}{infix}_ratio_vs_torch"
                entry = records.get(ratio_key)
                if not isinstance(entry, dict):
                    continue
                ours = _value(records, f"{name}_{dtype}{infix or '_ours'}_ms")
                torch_ms = _value(records, f"{name}_{dtype}_torch_ms")
                met = entry.get("met")
                row = [
                    label,
                    "`max_pool_forward_fast`" if layer == "pool" else method_label,
                    dtype,
                    f"{_ms(ours)} / {_ms(torch_ms)}",
                    f"{entry['value']:.2f}",
                    f"≤ {entry.get('target'):g}" if entry.get("target") is not None else "—",
                    "—" if met is None else ("yes" if met else "**no**"),
                ]
                keys.append(ratio_key)
                if has_keepmem:
                    keep = _value(records, ratio_key + KEEPMEM)
                    row.append("—" if keep is None else f"{keep:.2f}")
                    keep_keys.append(ratio_key + KEEPMEM)
                rows.append(row)
    header = ["case", "method", "dtype", "ours / PyTorch ms", "ratio", "target", "met"]
    if has_keepmem:
        header.append("ratio, glibc keeps freed memory")
    lines = (
        [*_table(header, rows), "", "\n\n".join(_run_lines(records, keys))]
        if rows
        else [NO_RECORDS]
    )
    if has_keepmem and rows:
        lines += [
            "",
            "Last column (`--keep-freed-memory`): " + "\n\n".join(_run_lines(records, keep_keys)),
        ]
    spec = [
        (f"{name} {dtype}", name, dtype, "im2col")
        for name, *_ in CONV_CASES
        for dtype in ("float32", "float64")
    ]
    lines += ["", "Parts of `conv_forward_fast` + `conv_backward_fast`:", ""]
    lines += _parts_table(records, spec, IM2COL_PARTS)
    return "\n".join(lines)


def winograd_table(records: dict) -> str:
    """The markdown of ``notes/winograd.md``'s benchmark block, from ``records``: the
    realistic layer by ``conv_forward_fast``, Winograd tile 2 and tile 4 and PyTorch (ms and
    ratio, per dtype, and per ``--keep-freed-memory`` run when recorded), the run lines, then
    the Winograd per-part table."""
    name = "conv_realistic"
    rows, keys = [], []
    for suffix, run in (("", ""), (KEEPMEM, ", glibc keeps freed memory")):
        for dtype in ("float32", "float64"):
            base = f"{name}_{dtype}"
            if f"{base}_ratio_vs_torch{suffix}" not in records:
                continue
            row = [dtype + run]
            target = None
            for infix, ms_key in [("", "_ours")] + [
                (f"_{m}", f"_{m}") for m in WINOGRAD_TILES.values()
            ]:
                ratio_key = f"{base}{infix}_ratio_vs_torch{suffix}"
                ratio = _value(records, ratio_key)
                ms = _value(records, f"{base}{ms_key}_ms{suffix}")
                row.append("—" if ratio is None else f"{_ms(ms)} ms, {ratio:.2f}x")
                if ratio is not None:
                    keys.append(ratio_key)
                    target = records[ratio_key].get("target", target)
            row.append(f"{_ms(_value(records, f'{base}_torch_ms{suffix}'))} ms")
            row.append("—" if target is None else f"≤ {target:g}x")
            rows.append(row)
    header = ["", "`conv_forward_fast`", "Winograd tile 2", "Winograd tile 4", "PyTorch", "target"]
    lines = (
        [*_table(header, rows), "", "\n\n".join(_run_lines(records, keys))]
        if rows
        else [NO_RECORDS]
    )
    spec = [
        (f"tile {t} {dtype}", name, dtype, m)
        for dtype in ("float32", "float64")
        for t, m in WINOGRAD_TILES.items()
    ]
    lines += ["", "Parts of `conv_forward_winograd` + `conv_backward_winograd`:", ""]
    lines += _parts_table(records, spec, WINOGRAD_PARTS)
    return "\n".join(lines)


def write_notes(records: dict, notes_dir=None) -> list:
    """Rewrite the benchmark blocks of ``notes_dir/fast_layers.md`` and ``winograd.md`` from
    ``records`` (name -> entry, as in ``results/bench_fast_layers.json``), between the
    markers of :data:`NOTE_MARKERS`, atomically, the rest of each file unchanged
    (:func:`cs231n.tooling.report.replace_between`).

    Args:
        notes_dir: folder of the notes (default: ``notes/`` of the repository).

    Returns:
        The paths written.

    Raises:
        ValueError: a note lacks its markers (or has one twice, or in the wrong order).
        FileNotFoundError: a note does not exist.
    """
    from pathlib import Path

    from cs231n.paths import REPO_ROOT
    from cs231n.tooling.report import replace_between

    notes_dir = Path(notes_dir) if notes_dir is not None else REPO_ROOT / "notes"
    tables = {"fast_layers.md": fast_layers_table, "winograd.md": winograd_table}
    written = []
    for note, make in tables.items():
        start, end = NOTE_MARKERS[note]
        path = notes_dir / note
        if not replace_between(path, start, end, make(records), who="write_notes"):
            raise ValueError(f"write_notes: {path} has neither {start!r} nor {end!r}")
        written.append(path)
    return written


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
    from cs231n.results import load_group, record, results_dir

    torch.set_num_threads(args.threads)
    repeats = 2 if args.quick else args.repeats
    conv_cases = CONV_CASES[:1] if args.quick else CONV_CASES
    pool_cases = POOL_CASES[:1] if args.quick else POOL_CASES
    rng = np.random.default_rng(231)

    rows = []  # (case, dtype, ours s, torch s, layer)
    wino_rows = {m: [] for m in WINOGRAD_TILES}  # the same for Winograd, per tile size
    naive_rows = []  # (case, naive ms, fast ms, speedup)
    parts_inputs = []  # (case, dtype name, x, w, b, conv_param, dout): for time_parts
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
            parts_inputs.append((name, np.dtype(dtype).name, x, w, b, cp, dout, tiles))
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
    if not args.quick and not args.no_parts:
        _report_parts(parts_inputs, repeats, setting, suffix, record_them=not args.no_record)
    out_dir = results_dir()
    if not args.quick and not args.no_record and out_dir is not None:
        for path in write_notes(load_group(out_dir / f"{GROUP}.json")):
            print(f"tables rewritten in {path}")
    return 0


def _report_parts(parts_inputs, repeats: int, setting: str, suffix: str, record_them: bool):
    """Time the parts of every method (:func:`time_parts`), print them and record
    ``parts_<case>_<dtype>_<method>_<part>_ms`` (CPU ms)."""
    from cs231n.results import record

    print()
    print("CPU ms per part (time.process_time), each part on its own")
    for name, dtype, x, w, b, cp, dout, tiles in parts_inputs:
        for method, tile in [("im2col", None)] + [(WINOGRAD_TILES[m], m) for m in tiles]:
            times = time_parts(x, w, b, cp, dout, repeats, tile)
            print(
                f"{name} {dtype} {method}: "
                + ", ".join(f"{part} {1e3 * t:.2f}" for part, t in times.items())
            )
            if not record_them:
                continue
            for part, seconds in times.items():
                record(
                    GROUP,
                    _parts_key(name, dtype, method, part) + suffix,
                    1e3 * seconds,
                    dataset=f"{name} {dtype} {method} {part}, CPU time: {setting}",
                    higher_is_better=False,
                    kind="timing",
                )


if __name__ == "__main__":
    sys.exit(main())
