"""Benchmark assignment 3 in PyTorch and TensorFlow: a style-transfer iteration and a fooling step.

Two timings per framework, on the package's own functions and the pretrained SqueezeNet 1.1
(:func:`cs231n.style_transfer_pytorch.default_cnn`,
:func:`cs231n.frameworks.squeezenet_torch.squeezenet1_1`,
:func:`cs231n.style_transfer_tensorflow.default_model`, the same numbers in both):

* **style-transfer iteration**: forward through SqueezeNet's features, content + style + TV
  loss, backward to the pixels, one Adam step and the clamp, as one iteration of
  ``style_transfer`` (:mod:`cs231n.style_transfer_pytorch`,
  :mod:`cs231n.style_transfer_tensorflow`) on the notebooks' Starry Night parameters: content
  ``styles/tubingen.jpg`` and style ``styles/starry_night.jpg``, both at 192 px (the course's
  check setting), content layer 3 (TF 2), weight 6e-2, style layers (1, 4, 6, 7)
  (TF (0, 3, 5, 6)), weights (300000, 1000, 15, 3), TV weight 2e-2. The package has no
  single-iteration function, so each repeat runs ``style_transfer(..., max_iter=1)`` and
  ``style_transfer(..., max_iter=1 + K)`` and takes the difference of the loop times they
  report (``history["seconds"]``, which leaves out loading the images and computing the
  targets), divided by K: the per-call costs (the first Adam step that creates its state,
  the first call's allocations) cancel.
* **fooling step**: one gradient-ascent step of ``make_fooling_image`` (forward, the
  prediction check, backward of the target score to the image, the normalized update) on
  image 0 of ``imagenet_val_25`` (224x224) with the notebooks' target class 6, timed the same
  way: ``fooling_attack(..., max_iters=1 + K)`` minus ``max_iters=1``, divided by K (the loop
  of ``make_fooling_image``). The image must not be fooled before ``1 + K`` steps; the
  benchmark checks that.

Threads: the assignment-3 notebooks set 2 (``torch.set_num_threads(2)``, TensorFlow 2
intra-op threads, the StyleTransfer notebook 2 inter-op too, as
:func:`cs231n.frameworks.tf_cifar.set_threads`): ``--threads`` (default 2) sets both
frameworks alike, and the record says what they got. After a warm-up call of each function,
PyTorch and TensorFlow repeats alternate (so a change of machine load hits both); the figures
are medians over the repeats. Both frameworks run in one process, one after the other, never
at the same time.

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_a3.py                # full, records
    .venv/bin/python benchmarks/bench_a3.py --quick --no-record       # smoke test

Records (``results/bench_a3.json``, group ``bench_a3``, ``kind="timing"`` so the CPU is
stored with them): ``style_seconds_per_iteration_{pytorch,tensorflow}``,
``style_pytorch_tf_ratio``, ``fooling_seconds_per_step_{pytorch,tensorflow}``,
``fooling_pytorch_tf_ratio``. ``--quick`` (64 px style images, 2 iterations, 1 repeat) runs
in quick mode: its records go to ``$CS231N_RESULTS_DIR`` or nowhere.
"""

from __future__ import annotations

import argparse
import os
import sys

from cs231n.tooling.benchmark import alternate_self_timed, per_step, quick_mode

GROUP = "bench_a3"
FRAMEWORKS = ("pytorch", "tensorflow")
#: The notebooks' thread count (``torch.set_num_threads(2)``, ``tfc.set_threads(2)``).
NOTEBOOK_THREADS = 2

#: The Starry Night parameter set of the StyleTransfer notebooks (the course's check setting),
#: PyTorch's layer indices; TensorFlow's are one lower (the Keras SqueezeNet fuses conv1 and
#: its ReLU into one layer, see :mod:`cs231n.style_transfer_tensorflow`).
STYLE_PARAMS = {
    "content_image": "styles/tubingen.jpg",
    "style_image": "styles/starry_night.jpg",
    "image_size": 192,
    "style_size": 192,
    "content_layer": 3,
    "content_weight": 6e-2,
    "style_layers": [1, 4, 6, 7],
    "style_weights": [300000, 1000, 15, 3],
    "tv_weight": 2e-2,
}
#: The fooling example of the NetworkVisualization notebooks: image 0, target class 6.
FOOL_IMAGE, FOOL_TARGET = 0, 6
QUICK_SIZE = 64  # px of both style-transfer images in --quick

#: (task, record stem of the seconds, record name of the ratio, row label)
TASKS = (
    ("style", "style_seconds_per_iteration", "style_pytorch_tf_ratio", "style iteration"),
    ("fooling", "fooling_seconds_per_step", "fooling_pytorch_tf_ratio", "fooling step"),
)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--threads",
        type=int,
        default=NOTEBOOK_THREADS,
        help=f"torch and TensorFlow threads (default {NOTEBOOK_THREADS}, as the notebooks)",
    )
    p.add_argument("--repeats", type=int, default=7, help="timed repeats per framework (median)")
    p.add_argument("--style-iters", type=int, default=10, help="K: iterations timed per repeat")
    p.add_argument("--fool-steps", type=int, default=10, help="K: fooling steps timed per repeat")
    p.add_argument(
        "--quick", action="store_true", help="64 px style images, K = 2, 1 repeat, quick mode"
    )
    p.add_argument("--no-record", action="store_true", help="print only, write no results")
    args = p.parse_args(argv)
    if args.quick:
        args.repeats, args.style_iters, args.fool_steps = 1, 2, 2
    for name in ("threads", "repeats", "style_iters", "fool_steps"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    return args


def style_params(framework: str, size: int | None = None) -> dict:
    """The keyword arguments of ``style_transfer`` for ``framework`` (``"pytorch"`` or
    ``"tensorflow"``): :data:`STYLE_PARAMS`, layer indices one lower for TensorFlow, both
    images at ``size`` px when given."""
    p = dict(STYLE_PARAMS)
    if framework == "tensorflow":
        p["content_layer"] -= 1
        p["style_layers"] = [i - 1 for i in p["style_layers"]]
    elif framework != "pytorch":
        raise ValueError(f"style_params: framework must be one of {FRAMEWORKS}, got {framework!r}")
    if size is not None:
        p["image_size"] = p["style_size"] = size
    return p


def measure(args: argparse.Namespace) -> tuple[dict, str]:
    """Time both tasks in both frameworks (after :func:`main` has set the threads).

    Returns:
        ``({(task, framework): seconds per step}, setting)``: ``task`` ``"style"`` or
        ``"fooling"``; ``setting`` describes threads, repeats, sizes, weights and load.
    """
    import tensorflow as tf
    import torch

    from cs231n import style_transfer_pytorch as stp
    from cs231n import style_transfer_tensorflow as stt
    from cs231n.data.squeezenet_weights import pretrained_weights
    from cs231n.data_utils import load_imagenet_val
    from cs231n.frameworks.squeezenet_torch import squeezenet1_1
    from cs231n.image_utils import preprocess_image
    from cs231n.net_visualization_pytorch import fooling_attack as fool_torch
    from cs231n.net_visualization_pytorch import preprocess
    from cs231n.net_visualization_tensorflow import fooling_attack as fool_tf

    size = QUICK_SIZE if args.quick else None
    cnn, (tf_model, tf_source) = stp.default_cnn(), stt.default_model()
    torch_model = squeezenet1_1(pretrained=True)  # the whole net (eval mode): fooling needs scores
    X_raw, _, _ = load_imagenet_val(FOOL_IMAGE + 1)
    x_torch = preprocess(X_raw[FOOL_IMAGE])  # (1, 3, 224, 224)
    x_tf = preprocess_image(X_raw[FOOL_IMAGE])[None]  # (1, 224, 224, 3)

    def style_run(transfer, framework, **model):
        def run(steps: int) -> float:
            _, hist = transfer(**style_params(framework, size), **model, max_iter=steps)
            return hist["seconds"]  # the loop only: no image loading, no targets

        return run

    def fool_run(attack, x, model):
        def run(steps: int) -> float:
            import time

            start = time.perf_counter()
            result = attack(x, FOOL_TARGET, model, max_iters=steps)
            seconds = time.perf_counter() - start
            if result.iterations != steps:
                raise ValueError(
                    f"bench_a3: image {FOOL_IMAGE} was fooled into class {FOOL_TARGET} after "
                    f"{result.iterations} steps, expected {steps} unfooled steps; "
                    f"use a smaller --fool-steps"
                )
            return seconds

        return run

    runs = {
        ("style", "pytorch"): style_run(stp.style_transfer, "pytorch", cnn=cnn),
        ("style", "tensorflow"): style_run(stt.style_transfer, "tensorflow", model=tf_model),
        ("fooling", "pytorch"): fool_run(fool_torch, x_torch, torch_model),
        ("fooling", "tensorflow"): fool_run(fool_tf, x_tf, tf_model),
    }
    steps = {"style": args.style_iters, "fooling": args.fool_steps}
    fns = {key: (lambda run=run, n=steps[key[0]]: per_step(run, n)) for key, run in runs.items()}
    times = alternate_self_timed(fns, args.repeats)

    intra = tf.config.threading.get_intra_op_parallelism_threads()
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    cores = os.cpu_count()
    tf_threads = ", ".join(
        f"{n} {kind}" if n else f"default {kind} (all {cores} cores)"
        for n, kind in ((intra, "intra-op"), (inter, "inter-op"))
    )
    px = size or STYLE_PARAMS["image_size"]
    weights = pretrained_weights().source
    same = tf_source == weights
    setting = (
        f"tubingen + starry_night at {px} px (content layer 3 / TF 2, style layers 1,4,6,7 / "
        f"TF 0,3,5,6, loss weights 6e-2, (3e5, 1e3, 15, 3), TV 2e-2), K = {args.style_iters}; "
        f"fooling imagenet_val_25 image {FOOL_IMAGE} -> class {FOOL_TARGET} at 224 px, "
        f"K = {args.fool_steps}; per step = (max_iter 1+K minus 1) / K, median of "
        f"{args.repeats}, PyTorch and TF alternating; PyTorch {torch.get_num_threads()} "
        f"thread(s), TF {tf_threads}; load avg {os.getloadavg()[0]:.1f} on {cores} CPUs; "
        f"SqueezeNet: {weights}" + ("" if same else f" / TF: {tf_source}")
    )
    return times, setting


def report(times: dict, setting: str, record_them: bool) -> list[dict]:
    """Print the table and, with ``record_them``, record the seconds of each task and
    framework and their PyTorch / TensorFlow ratio (group :data:`GROUP`, ``kind="timing"``).

    Args:
        times: ``{(task, framework): seconds per step}`` for every task of :data:`TASKS`
            and framework of :data:`FRAMEWORKS`.
        setting: the words stored as each record's ``dataset``.

    Returns:
        the entries recorded (empty without ``record_them``).
    """
    from cs231n.results import record

    header = f"{'':<18}{'PyTorch s':>11}{'TF s':>11}{'PyTorch/TF':>12}  records"
    print(header)
    print("-" * len(header))
    entries = []
    for task, stem, ratio_name, label in TASKS:
        t_torch, t_tf = times[(task, "pytorch")], times[(task, "tensorflow")]
        ratio = t_torch / t_tf if t_tf > 0 else float("nan")
        names = [f"{stem}_{fw}" for fw in FRAMEWORKS] + [ratio_name]
        print(f"{label:<18}{t_torch:>11.4f}{t_tf:>11.4f}{ratio:>12.2f}  {', '.join(names)}")
        if min(t_torch, t_tf) <= 0:
            print(f"  ({label}: a difference <= 0, the machine's load swamped it: rerun)")
        if not record_them:
            continue
        for name, value in zip(names, (t_torch, t_tf, ratio)):
            entries.append(
                record(GROUP, name, value, dataset=setting, higher_is_better=False, kind="timing")
            )
    return entries


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up logs short
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
            print(f"seconds per step, PyTorch and TensorFlow ({setting})")
            print(f"CPU: {describe(cpu_description())}")
            print("(timings on a shared machine: other jobs add noise, rerun when in doubt)")
            report(times, setting, record_them=not args.no_record)
    finally:
        torch.set_num_threads(previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
