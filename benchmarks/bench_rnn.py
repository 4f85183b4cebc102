"""Benchmark the numpy RNN and LSTM layers (forward + backward) against PyTorch's nn.RNN / nn.LSTM.

For each case, cell and dtype (float32, float64) it times one forward and one backward over
the whole sequence:

* ours: ``cs231n.rnn_layers.rnn_forward`` + ``rnn_backward`` and ``lstm_forward`` +
  ``lstm_backward`` on x (N, T, D), h0 (N, H) and the upstream gradient dh (N, T, H);
* PyTorch: ``nn.RNN(D, H, nonlinearity="tanh", batch_first=True)`` and
  ``nn.LSTM(D, H, batch_first=True)`` in the same dtype, ``out.backward(dh)`` with x and h0
  requiring gradients (the LSTM gets a zero initial cell state, as ``lstm_forward``),
  ``torch.set_num_threads`` equal to the BLAS threads numpy uses (``--threads``, set before
  numpy is imported).

Cases (:data:`CASES`): ``notebook``, the layer sizes of the 2020 captioning notebooks'
training runs (``CaptioningRNN(hidden_dim=512, wordvec_dim=256)``, minibatches of 25 COCO
captions of 17 tokens, so 16 time steps of 256-d word vectors), and ``large``
(N=100, T=16, D=512, H=512). Ours and PyTorch are run alternately, one call each per repeat,
so that a change of machine load hits both; the figures are medians over the repeats.

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_rnn.py                # full, records
    .venv/bin/python benchmarks/bench_rnn.py --quick --no-record       # smoke test

Records (``results/bench_rnn.json``, group ``bench_rnn``, ``kind="timing"`` so the CPU is
stored with them), for each case, cell and dtype: ``<case>_<cell>_<dtype>_ratio_vs_torch``
(ours / PyTorch, target :data:`TARGET`), ``..._ours_ms`` and ``..._torch_ms``. ``--quick``
(the notebook case, 2 repeats) runs in quick mode: its records go to ``$CS231N_RESULTS_DIR``
or nowhere.
"""

from __future__ import annotations

import argparse
import os
import sys

from cs231n.tooling.benchmark import alternate, quick_mode

GROUP = "bench_rnn"
#: name -> (N, T, D, H)
CASES = {
    "notebook": (25, 16, 256, 512),
    "large": (100, 16, 512, 512),
}
CELLS = ("rnn", "lstm")
DTYPES = ("float32", "float64")
#: ours / PyTorch (forward + backward) the issue asks for, in both dtypes
TARGET = 1.5


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads for numpy and torch.set_num_threads (default 1)",
    )
    p.add_argument("--repeats", type=int, default=15, help="timed calls per method (median)")
    p.add_argument("--quick", action="store_true", help="the notebook case, 2 repeats")
    p.add_argument("--no-record", action="store_true", help="print only, write no results")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats = 2
    for name in ("threads", "repeats"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    return args


def pair(cell: str, shape: tuple, dtype: str, seed: int = 231):
    """The two functions timed for one cell, shape (N, T, D, H) and dtype name.

    Returns ``(ours, theirs)``: each runs forward + backward once on the same random inputs
    (x (N, T, D), h0 (N, H), dh (N, T, H)) and the same weights (ours Wx (D, GH), Wh (H, GH),
    b (GH,) with G = 1 for ``"rnn"`` and 4 for ``"lstm"``, drawn as PyTorch's default
    initialisation; PyTorch's are their transposes, the LSTM's gate blocks permuted from
    i, f, o, g to PyTorch's i, f, g, o, and its second bias zero), and returns the gradient
    of x (N, T, D): ours a numpy array, theirs a tensor.
    """
    import numpy as np
    import torch

    from cs231n import rnn_layers

    if cell not in CELLS:
        raise ValueError(f"pair: cell must be one of {CELLS}, got {cell!r}")
    if dtype not in DTYPES:
        raise ValueError(f"pair: dtype must be one of {DTYPES}, got {dtype!r}")
    N, T, D, H = shape
    G = 4 if cell == "lstm" else 1
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = rng.standard_normal((N, H)).astype(dtype)
    dh = rng.standard_normal((N, T, H)).astype(dtype)
    Wx, Wh, b = (  # PyTorch's U(-1/sqrt(H), 1/sqrt(H))
        (rng.uniform(-1, 1, s) / np.sqrt(H)).astype(dtype)
        for s in [(D, G * H), (H, G * H), (G * H,)]
    )
    forward = getattr(rnn_layers, f"{cell}_forward")
    backward = getattr(rnn_layers, f"{cell}_backward")

    def ours():
        _, cache = forward(x, h0, Wx, Wh, b)
        return backward(dh, cache)[0]

    if cell == "lstm":
        net = torch.nn.LSTM(D, H, batch_first=True)
        # ours i, f, o, g -> PyTorch i, f, g, o
        perm = np.concatenate([np.arange(2 * H), 3 * H + np.arange(H), 2 * H + np.arange(H)])
    else:
        net = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True)
        perm = np.arange(H)
    net = net.to(getattr(torch, dtype))
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(Wx.T[perm])))
        net.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(Wh.T[perm])))
        net.bias_ih_l0.copy_(torch.from_numpy(b[perm]))
        net.bias_hh_l0.zero_()
    tx = torch.tensor(x, requires_grad=True)
    th0 = torch.tensor(h0[None], requires_grad=True)  # (1, N, H): one layer
    tc0 = torch.zeros_like(th0)
    tdh = torch.tensor(dh)

    def theirs():
        net.zero_grad(set_to_none=True)
        tx.grad = th0.grad = None
        out, _ = net(tx, (th0, tc0)) if cell == "lstm" else net(tx, th0)
        out.backward(tdh)
        return tx.grad

    return ours, theirs


def measure(args: argparse.Namespace) -> tuple[list[tuple], str]:
    """Time every case, cell and dtype (after :func:`main` has set the threads).

    Returns:
        ``(rows, setting)``: rows ``(case, cell, dtype, our seconds, PyTorch seconds)``;
        ``setting`` says threads, repeats and the machine's load.
    """
    import torch

    cases = {"notebook": CASES["notebook"]} if args.quick else CASES
    load = os.getloadavg()[0]
    rows = []
    for case, shape in cases.items():
        for cell in CELLS:
            for dtype in DTYPES:
                t_ours, t_torch = alternate(list(pair(cell, shape, dtype)), args.repeats)
                rows.append((case, cell, dtype, t_ours, t_torch))
    setting = (
        f"numpy BLAS {args.threads} thread(s), PyTorch {torch.get_num_threads()}, "
        f"median of {args.repeats}, load avg {load:.1f} on {os.cpu_count()} CPUs"
    )
    return rows, setting


def report(rows: list[tuple], setting: str, record_them: bool) -> list[dict]:
    """Print the table and, with ``record_them``, record each row's ratio (with the target)
    and both times in ms (group :data:`GROUP`, ``kind="timing"``).

    Args:
        rows: ``(case, cell, dtype, our seconds, PyTorch seconds)``, case a key of :data:`CASES`.
        setting: the words stored, after the case's sizes, as each record's ``dataset``.

    Returns:
        the entries recorded (empty without ``record_them``).
    """
    from cs231n.results import record

    header = (
        f"{'case':<10}{'cell':<6}{'dtype':<9}{'ours ms':>10}{'torch ms':>10}{'ratio':>8}"
        f"{'target':>9}  met"
    )
    print(header)
    print("-" * len(header))
    entries = []
    for case, cell, dtype, t_ours, t_torch in rows:
        ratio = t_ours / t_torch
        met = "yes" if ratio <= TARGET else "NO"
        print(
            f"{case:<10}{cell:<6}{dtype:<9}{1e3 * t_ours:>10.2f}{1e3 * t_torch:>10.2f}"
            f"{ratio:>8.2f}{'<= ' + format(TARGET, 'g'):>9}  {met}"
        )
        if not record_them:
            continue
        N, T, D, H = CASES[case]
        what = f"{cell} {dtype} N={N} T={T} D={D} H={H}, forward + backward: {setting}"
        stem = f"{case}_{cell}_{dtype}"
        entries.append(
            record(
                GROUP,
                f"{stem}_ratio_vs_torch",
                ratio,
                dataset=what,
                target=TARGET,
                higher_is_better=False,
                kind="timing",
            )
        )
        for key, seconds in ((f"{stem}_ours_ms", t_ours), (f"{stem}_torch_ms", t_torch)):
            entries.append(
                record(
                    GROUP, key, 1e3 * seconds, dataset=what, higher_is_better=False, kind="timing"
                )
            )
    return entries


def main(argv=None) -> int:
    args = parse_args(argv)
    # The BLAS thread count is read when numpy loads: set it before the first import (in a
    # process that has loaded numpy already, e.g. a test, numpy keeps the count it has).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import torch

    from cs231n.tooling.machine import cpu_description, describe

    previous = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        with quick_mode(args.quick):
            rows, setting = measure(args)
            print(f"forward + backward over the sequence, ours / PyTorch CPU ({setting})")
            print(f"CPU: {describe(cpu_description())}")
            print(
                "(timings on a shared machine: other jobs add noise, ratios are the figure to read)"
            )
            report(rows, setting, record_them=not args.no_record)
    finally:
        torch.set_num_threads(previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
