"""Benchmark the GAN training step in PyTorch and TensorFlow: vanilla GAN, LSGAN and DCGAN.

One training step is what one iteration of the notebooks' ``run_a_gan`` does: a discriminator
update on a real batch and a generated one, then a generator update against the new
discriminator, at the course's batch size 128 and noise dimension 96, with the package's own
models, losses and optimizers:

* **vanilla**: :func:`cs231n.gan_pytorch.discriminator` / :func:`~cs231n.gan_pytorch.generator`
  with ``discriminator_loss`` / ``generator_loss``, Adam from ``get_optimizer``
  (TensorFlow: the same names of :mod:`cs231n.gan_tf`, Adam from ``get_solvers``);
* **lsgan**: the same models with ``ls_discriminator_loss`` / ``ls_generator_loss``;
* **dcgan**: ``build_dc_classifier(128)`` / ``build_dc_generator()`` (TensorFlow:
  ``dc_discriminator()`` / ``dc_generator()``) with the vanilla losses.

PyTorch (eager, as the course): a repeat runs :func:`cs231n.gan_pytorch.run_a_gan` with
``max_iterations=1`` and ``max_iterations=1 + K`` and takes the difference of the loop times
they report (``history["seconds"]``), divided by K, so the first iteration's costs cancel.
TensorFlow: ``run_a_gan`` makes its step a ``tf.function`` and traces it at the first
iteration of every call (seconds on a loaded machine, with a noise larger than K steps), so a
repeat times K iterations of the same loop body with a ``tf.function`` of
:func:`cs231n.gan_tf.gan_step` traced once in the warm-up (:func:`tf_run`): the steady
state of a training run. The batches are random images
in [0, 1] of the loaders' shapes (``(128, 1, 28, 28)`` PyTorch, ``(128, 784)`` TensorFlow):
the step does not depend on the pixel values, and no time goes to reading MNIST. Nothing is
plotted or printed inside the loops.

Threads: both notebooks set 2 (``torch.set_num_threads(2)``, TensorFlow 2 intra-op and 2
inter-op threads, :func:`cs231n.frameworks.tf_cifar.set_threads`): ``--threads`` (default 2)
sets both frameworks alike, and the record says what they got. After one warm-up call of each
function, the PyTorch and TensorFlow repeats alternate (so a change of machine load hits
both); the figures are medians over the repeats.

On a machine whose cores are busy with other work, PyTorch's 2 threads can be several times
slower than 1: every operator is an OpenMP parallel region, and libgomp's threads spin at
the region's barrier waiting for a partner that the scheduler has not run (a DCGAN step of
the notebooks' sizes: 2.0-2.2 s at 2 threads against 0.42 s at 1 on a 2-core machine at load
4, its batch norms 37 ms instead of 1.4 ms each, in ``torch.profiler``). TensorFlow's
thread pool lets the calling thread do the work instead and degrades gently. ``--omp-passive``
sets ``OMP_WAIT_POLICY=PASSIVE`` (waiting threads sleep; 0.43 s at 2 threads on the same
loaded machine), for a fresh process only: libgomp reads it when torch is imported. When
the cores are free it costs a wake-up per operator instead (the small MLP steps of the vanilla
GAN get slower), so the default is the notebooks' setting, which does not set it.

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_gan.py                # full, records
    .venv/bin/python benchmarks/bench_gan.py --quick --no-record       # smoke test

Records (``results/bench_gan.json``, group ``bench_gan``, ``kind="timing"`` so the CPU is
stored with them): ``{model}_iterations_per_second_{pytorch,tensorflow}`` and
``{model}_pytorch_tf_ratio`` (the ratio of the seconds per step, PyTorch / TensorFlow: above 1
PyTorch is slower) for ``model`` in vanilla, lsgan, dcgan. ``--quick`` (K = 2, 1 repeat) runs
in quick mode: its records go to ``$CS231N_RESULTS_DIR`` or nowhere.
"""

from __future__ import annotations

import argparse
import os
import sys

from cs231n.tooling.benchmark import alternate_self_timed, per_step, quick_mode

GROUP = "bench_gan"
FRAMEWORKS = ("pytorch", "tensorflow")
MODELS = ("vanilla", "lsgan", "dcgan")
#: The notebooks' thread count (``torch.set_num_threads(2)``, ``tfc.set_threads(2)``).
NOTEBOOK_THREADS = 2
BATCH_SIZE, NOISE_DIM = 128, 96  # the course's


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--threads",
        type=int,
        default=NOTEBOOK_THREADS,
        help=f"torch and TensorFlow threads (default {NOTEBOOK_THREADS}, as the notebooks)",
    )
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per framework (median)")
    p.add_argument("--steps", type=int, default=10, help="K: training steps timed per repeat")
    p.add_argument(
        "--models",
        nargs="+",
        choices=MODELS,
        default=list(MODELS),
        help="which GANs to time (default: all three)",
    )
    p.add_argument(
        "--omp-passive",
        action="store_true",
        help="set OMP_WAIT_POLICY=PASSIVE before torch is imported (see the module docstring)",
    )
    p.add_argument("--quick", action="store_true", help="K = 2, 1 repeat, quick mode")
    p.add_argument("--no-record", action="store_true", help="print only, write no results")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats, args.steps = 1, 2
    for name in ("threads", "repeats", "steps"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    return args


def torch_run(model: str, batches: int):
    """``run(steps) -> seconds`` of PyTorch's ``run_a_gan`` on ``model`` (built once)."""
    import numpy as np
    import torch

    from cs231n import gan_pytorch as gp

    if model == "dcgan":
        D, G = gp.build_dc_classifier(BATCH_SIZE), gp.build_dc_generator(NOISE_DIM)
    else:
        D, G = gp.discriminator(seed=0), gp.generator(NOISE_DIM, seed=1)
    losses = (
        (gp.ls_discriminator_loss, gp.ls_generator_loss)
        if model == "lsgan"
        else (gp.discriminator_loss, gp.generator_loss)
    )
    D_solver, G_solver = gp.get_optimizer(D), gp.get_optimizer(G)
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.uniform(0, 1, (BATCH_SIZE, 1, 28, 28)), dtype=torch.float32)
    y = torch.zeros(BATCH_SIZE, dtype=torch.int64)
    loader = [(x, y)] * batches  # (B, 1, 28, 28) in [0, 1], as mnist_loaders

    def run(steps: int) -> float:
        hist = gp.run_a_gan(D, G, D_solver, G_solver, *losses, loader, show_every=0,
                            batch_size=BATCH_SIZE, noise_size=NOISE_DIM, num_epochs=1,
                            max_iterations=steps, show=False)  # fmt: skip
        return hist["seconds"]

    return run


def tf_run(model: str, steps: int):
    """``seconds_per_step() -> seconds`` of TensorFlow's training step on ``model`` (built once).

    The body of :func:`cs231n.gan_tf.run_a_gan`'s loop, ``steps`` times: the batch to a tensor,
    two noise batches of :func:`~cs231n.gan_tf.sample_noise`, the step (``gan_step`` in a
    ``tf.function``, made once as ``run_a_gan`` makes it) and both losses to floats. The trace
    happens in the warm-up call; ``run_a_gan`` traces again in every call, a cost of its
    first iteration that the difference of two runs would only cancel up to its noise.
    """
    import time

    import numpy as np
    import tensorflow as tf

    from cs231n import gan_tf as gt

    if model == "dcgan":
        D, G = gt.dc_discriminator(seed=0), gt.dc_generator(NOISE_DIM, seed=1)
    else:
        D, G = gt.discriminator(seed=0), gt.generator(NOISE_DIM, seed=1)
    losses = (
        (gt.ls_discriminator_loss, gt.ls_generator_loss)
        if model == "lsgan"
        else (gt.discriminator_loss, gt.generator_loss)
    )
    D_solver, G_solver = gt.get_solvers()
    for solver, net in ((D_solver, D), (G_solver, G)):
        solver.build(net.trainable_variables)  # as run_a_gan: the slots before the trace
    step = tf.function(
        lambda x, z_d, z_g: gt.gan_step(D, G, D_solver, G_solver, *losses, x, z_d, z_g),
        reduce_retracing=True,
    )
    x_np = np.random.default_rng(0).uniform(0, 1, (BATCH_SIZE, 784)).astype(np.float32)

    def seconds_per_step() -> float:
        d_losses, g_losses = [], []
        start = time.perf_counter()
        for _ in range(steps):
            x = tf.convert_to_tensor(x_np, tf.float32)  # (B, 784), as MNIST's batches
            z_d = gt.sample_noise(BATCH_SIZE, NOISE_DIM)
            z_g = gt.sample_noise(BATCH_SIZE, NOISE_DIM)
            d_loss, g_loss = step(x, z_d, z_g)
            d_losses.append(float(d_loss))
            g_losses.append(float(g_loss))
        return (time.perf_counter() - start) / steps

    return seconds_per_step


def measure(args: argparse.Namespace) -> tuple[dict, str]:
    """Time each model's training step in both frameworks (after :func:`main` set threads).

    Returns:
        ``({(model, framework): seconds per step}, setting)``; ``setting`` describes the
        threads, repeats, K and load.
    """
    import tensorflow as tf
    import torch

    fns = {}
    for model in args.models:
        run = torch_run(model, 1 + args.steps)
        fns[(model, "pytorch")] = lambda run=run: per_step(run, args.steps)
        fns[(model, "tensorflow")] = tf_run(model, args.steps)
    times = alternate_self_timed(fns, args.repeats)

    intra = tf.config.threading.get_intra_op_parallelism_threads()
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    cores = os.cpu_count()
    tf_threads = ", ".join(
        f"{n} {kind}" if n else f"default {kind} (all {cores} cores)"
        for n, kind in ((intra, "intra-op"), (inter, "inter-op"))
    )
    setting = (
        f"one D + G training step, batch {BATCH_SIZE}, noise {NOISE_DIM}, random [0, 1] images; "
        f"PyTorch (run_a_gan max_iterations 1+K minus 1) / K, TF K steps of run_a_gan's loop "
        f"body (gan_step traced once) / K, K = {args.steps}, "
        f"median of {args.repeats}, PyTorch and TF alternating; PyTorch "
        f"{torch.get_num_threads()} thread(s) eager (OMP_WAIT_POLICY "
        f"{os.environ.get('OMP_WAIT_POLICY', 'not set')}), TF {tf_threads} tf.function; "
        f"load avg {os.getloadavg()[0]:.1f} on {cores} CPUs"
    )
    return times, setting


def report(times: dict, setting: str, record_them: bool) -> list[dict]:
    """Print the table and, with ``record_them``, record the iterations per second of each
    model and framework and the PyTorch / TensorFlow ratio of the seconds per step (group
    :data:`GROUP`, ``kind="timing"``).

    Args:
        times: ``{(model, framework): seconds per step}`` for some models of :data:`MODELS`
            and both frameworks.
        setting: the words stored as each record's ``dataset``.

    Returns:
        the entries recorded (empty without ``record_them``; none for a model whose
        difference of loop times is <= 0).
    """
    from cs231n.results import record

    header = f"{'':<9}{'PyTorch it/s':>14}{'TF it/s':>10}{'PyTorch/TF':>12}  records"
    print(header)
    print("-" * len(header))
    entries = []
    for model in MODELS:
        if (model, "pytorch") not in times:
            continue
        t_torch, t_tf = times[(model, "pytorch")], times[(model, "tensorflow")]
        ok = min(t_torch, t_tf) > 0
        ips = [1 / t if t > 0 else float("nan") for t in (t_torch, t_tf)]
        ratio = t_torch / t_tf if ok else float("nan")
        names = [f"{model}_iterations_per_second_{fw}" for fw in FRAMEWORKS]
        names.append(f"{model}_pytorch_tf_ratio")
        print(f"{model:<9}{ips[0]:>14.2f}{ips[1]:>10.2f}{ratio:>12.2f}  {', '.join(names)}")
        if not ok:  # not a speed: nothing recorded for this model
            print(f"  ({model}: a difference <= 0, the machine's load swamped it: rerun)")
        if not record_them or not ok:
            continue
        for name, value, higher in zip(names, (*ips, ratio), (True, True, False), strict=True):
            entries.append(
                record(GROUP, name, value, dataset=setting, higher_is_better=higher, kind="timing")
            )
    return entries


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up logs short
    if args.omp_passive:
        if "torch" in sys.modules:
            print("bench_gan: --omp-passive needs a fresh process (torch is already imported)")
            return 2
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"  # read by libgomp when torch loads it
    import torch

    from cs231n.frameworks.tf_cifar import set_threads
    from cs231n.tooling.machine import cpu_description, describe

    # TensorFlow takes its thread counts only before its first operation (set_threads says
    # False when too late, e.g. in a test process: the record then says what TF really used).
    set_threads(args.threads)
    previous = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        with quick_mode(args.quick):
            times, setting = measure(args)
            print(f"training steps per second, PyTorch and TensorFlow ({setting})")
            print(f"CPU: {describe(cpu_description())}")
            print("(timings on a shared machine: other jobs add noise, rerun when in doubt)")
            report(times, setting, record_them=not args.no_record)
    finally:
        torch.set_num_threads(previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
