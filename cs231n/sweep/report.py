"""``cs231n sweep TASK --show``: the best trials of a study and the parameter importances."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from cs231n.sweep import storage as st
from cs231n.sweep.runner import SweepArgumentError, study_name_for
from cs231n.sweep.tasks import TASKS


def load(
    task: str, *, storage: str | None = None, quick: bool = False, study_name: str | None = None
) -> optuna.Study:
    """The existing study of ``task`` (nothing is created).

    Raises:
        SweepArgumentError: unknown task, bad storage, or no such study there.
    """
    if task not in TASKS:
        raise SweepArgumentError("task", f"must be one of {', '.join(TASKS)}, got {task!r}", "show")
    name = study_name or study_name_for(task, quick)
    try:
        spec = (
            st.default_storage(name, 1, create=False)
            if storage is None
            else st.parse_storage(storage)
        )
        if not st.exists(spec):
            raise st.StorageError(f"no study {name!r}: {spec.shown} does not exist")
        storage_obj = st.open_storage(spec)
    except st.StorageError as exc:
        raise SweepArgumentError("storage", str(exc), "show") from None
    try:
        return optuna.load_study(study_name=name, storage=storage_obj)
    except KeyError:
        raise SweepArgumentError(
            "storage", f"has no study {name!r} ({spec.shown})", "show"
        ) from None


def _fmt(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def summary(study: optuna.Study, top: int = 5) -> str:
    """Counts per state, the ``top`` best completed trials, and the parameter importances."""
    trials = study.get_trials(deepcopy=False)
    counts = {s.name.lower(): sum(t.state == s for t in trials) for s in TrialState}
    lines = [
        f"study {study.study_name}: {len(trials)} trials ("
        + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        + ")"
    ]
    done = sorted((t for t in trials if t.state == TrialState.COMPLETE), key=lambda t: -t.value)[
        :top
    ]
    if not done:
        lines.append("no completed trial yet")
        return "\n".join(lines)
    names = list(done[0].params)
    lines.append("")
    lines.append("| trial | val acc | " + " | ".join(names) + " | seconds |")
    lines.append("|---:|---:|" + "---:|" * len(names) + "---:|")
    for t in done:
        secs = t.duration.total_seconds() if t.duration else float("nan")
        cells = " | ".join(_fmt(t.params.get(n)) for n in names)
        lines.append(f"| {t.number} | {t.value:.4f} | {cells} | {secs:.1f} |")
    lines.append("")
    try:
        imp = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError) as exc:
        lines.append(f"parameter importances: not available ({exc})")
    else:
        lines.append("parameter importances (fANOVA): " + ", ".join(
            f"{k} {v:.2f}" for k, v in imp.items()))  # fmt: skip
    return "\n".join(lines)
