"""Where a study lives: SQLite by default, a journal file for several local workers, any RDB URL.

=========================================  =============================================
``--storage``                              storage
=========================================  =============================================
(none), 1 worker                           ``results/sweeps/<study>.db`` (SQLite)
(none), several workers                    ``results/sweeps/<study>.journal`` (journal file)
``sqlite:///PATH``                         that SQLite file (one writer at a time: with
                                           several workers it may report "database is
                                           locked"; prefer a journal file)
``journal:PATH`` or ``PATH.journal``       Optuna's journal file (several processes on one
                                           machine, file locks; not on NFS)
``postgresql://user:pw@host:port/db``,     that database (many machines); the workers send
any other SQLAlchemy RDB URL               a heartbeat and a trial whose worker is silent
                                           for 90 s is marked failed
=========================================  =============================================

The default folder (``$CS231N_SWEEPS_DIR``, else ``results/sweeps/`` of the repository) is
created on demand with a ``.gitignore`` of ``*``: study files are working files, never
committed, and ``cs231n results`` reads only ``results/*.json``. When a study kept in the
default SQLite file is continued with several workers it moves to the journal file
(:func:`optuna.copy_study`; the SQLite file is renamed ``<study>.db.moved``).

Dead workers: each trial records its worker's host, pid and process start time
(:func:`record_worker`). :func:`fail_dead_trials` marks failed every RUNNING trial whose
worker on this machine no longer runs (a SIGKILL leaves it RUNNING in SQLite and journal
storages); the sweep calls it before it starts trials. A failed trial is not retried: the
sweep runs new trials until the requested number have finished.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import optuna
from optuna.trial import TrialState

from cs231n.paths import REPO_ROOT

SWEEPS_ENV = "CS231N_SWEEPS_DIR"
HEARTBEAT_SECONDS = 30
GRACE_SECONDS = 90
JOURNAL_PREFIX = "journal:"


class StorageError(ValueError):
    """A ``--storage`` that cannot be used; the message says why (password hidden)."""


def sweeps_dir() -> Path:
    """The default folder of study files: ``$CS231N_SWEEPS_DIR``, else ``results/sweeps``."""
    env = os.environ.get(SWEEPS_ENV)
    return Path(env).expanduser().resolve() if env else REPO_ROOT / "results" / "sweeps"


def make_sweeps_dir() -> Path:
    """Create :func:`sweeps_dir` (with a ``.gitignore`` of ``*``) if needed; return it."""
    folder = sweeps_dir()
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# study files of cs231n sweep: working files, not committed\n*\n")
    return folder


@dataclass(frozen=True)
class StorageSpec:
    """A parsed storage: ``kind`` is ``"rdb"`` or ``"journal"``; ``target`` the URL or path;
    ``shown`` the text for messages (password hidden); ``default`` whether it was chosen
    by the sweep rather than given."""

    kind: str
    target: str
    shown: str
    default: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "rdb" and self.target.startswith("sqlite")


def parse_storage(text: str) -> StorageSpec:
    """Check a ``--storage`` value without connecting or writing anything.

    Raises:
        StorageError: not ``journal:PATH``, ``PATH.journal`` or an SQLAlchemy URL of an
            installed dialect, or a file path whose folder does not exist.
    """
    if not isinstance(text, str) or not text.strip():
        raise StorageError(f"must be a database URL or journal:PATH, got {text!r}")
    if text.startswith(JOURNAL_PREFIX) or text.endswith(".journal"):
        path = Path(text.removeprefix(JOURNAL_PREFIX)).expanduser()
        if not path.name:
            raise StorageError(f"journal:PATH needs a file name, got {text!r}")
        if not path.parent.resolve().is_dir():
            raise StorageError(f"the folder of {text!r} does not exist: {path.parent}")
        return StorageSpec("journal", str(path.resolve()), f"journal:{path}")
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        url = make_url(text)
    except ArgumentError:
        raise StorageError(
            f"must be a database URL (sqlite:///PATH, postgresql://USER@HOST/DB, ...) or "
            f"journal:PATH, got {text!r}"
        ) from None
    shown = url.render_as_string(hide_password=True)
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise StorageError(f"unknown database kind {url.drivername!r} in {shown}") from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        # SQLAlchemy 2.1 reads postgresql:// as psycopg 3; the package installs psycopg2.
        if url.drivername == "postgresql" and importlib.util.find_spec("psycopg2"):
            url = url.set(drivername="postgresql+psycopg2")
            text = url.render_as_string(hide_password=False)
        else:
            raise StorageError(f"{shown} needs the module {exc.name!r}: pip install it") from None
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StorageError(f"an SQLite storage needs a file, got {shown}")
        if not Path(url.database).expanduser().resolve().parent.is_dir():
            raise StorageError(f"the folder of the SQLite file {url.database!r} does not exist")
    return StorageSpec("rdb", text, shown)


def default_storage(study_name: str, workers: int, *, create: bool = True) -> StorageSpec:
    """The default storage of a study: its journal file if one exists or ``workers > 1``,
    else its SQLite file (see the module docstring). With ``create``, the folder is made."""
    folder = make_sweeps_dir() if create else sweeps_dir()
    journal, db = folder / f"{study_name}.journal", folder / f"{study_name}.db"
    if journal.exists() or workers > 1:
        spec = StorageSpec("journal", str(journal), str(journal), default=True)
        if create and db.exists() and not journal.exists():
            _move_to_journal(study_name, db, spec)
        return spec
    return StorageSpec("rdb", f"sqlite:///{db}", str(db), default=True)


def _move_to_journal(study_name: str, db: Path, journal: StorageSpec) -> None:
    optuna.copy_study(
        from_study_name=study_name, from_storage=f"sqlite:///{db}", to_storage=open_storage(journal)
    )
    db.rename(db.with_name(db.name + ".moved"))


def exists(spec: StorageSpec) -> bool:
    """Whether a file storage's file exists (always True for a server database)."""
    if spec.kind == "journal":
        return Path(spec.target).exists()
    if spec.is_sqlite:
        from sqlalchemy.engine import make_url

        return Path(make_url(spec.target).database).expanduser().exists()
    return True


def open_storage(spec: StorageSpec) -> optuna.storages.BaseStorage:
    """Connect to (and for a file, create) the storage of ``spec``.

    Raises:
        StorageError: the database cannot be reached or used (the reason is in the message).
    """
    if spec.kind == "journal":
        from optuna.storages.journal import JournalFileBackend

        return optuna.storages.JournalStorage(JournalFileBackend(spec.target))
    kwargs: dict = {}
    if spec.is_sqlite:
        # Wait for a lock instead of failing at once when another process writes.
        kwargs["engine_kwargs"] = {"connect_args": {"timeout": 60}}
    else:
        kwargs.update(heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS)
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    for attempt in range(5):
        try:
            with warnings.catch_warnings():  # the heartbeat is "experimental" since Optuna 2.9
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(spec.target, **kwargs)
        except (IntegrityError, ProgrammingError) as exc:
            # Workers started together on a new database all create Optuna's tables; the
            # losers of that race see a duplicate key, and the tables exist when they retry.
            last = exc
            time.sleep(0.2 * (attempt + 1))
        except Exception as exc:  # sqlalchemy's OperationalError and friends
            last = exc
            break
    reason = str(getattr(last, "orig", None) or last).strip().splitlines()[0]
    raise StorageError(f"cannot use {spec.shown}: {reason}") from None


# ----------------------------------------------------------------------------- dead workers


def _process_start(pid: int) -> str | None:
    """The start time of process ``pid`` (``/proc/<pid>/stat`` field 22), ``"zombie"``
    for a dead process not yet reaped, or None when unknown/absent."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return "zombie" if fields[0] in ("Z", "X") else fields[19]


def record_worker(trial: optuna.trial.Trial) -> None:
    """Store this process's host, pid and start time in the trial's user attributes."""
    pid = os.getpid()
    trial.set_user_attr("worker", {"host": socket.gethostname(), "pid": pid,
                                   "start": _process_start(pid)})  # fmt: skip


def _worker_alive(worker: dict) -> bool:
    pid = worker.get("pid")
    if not isinstance(pid, int):
        return True  # unknown: leave it
    start = _process_start(pid)
    if start is not None:
        return start != "zombie" and (worker.get("start") in (None, start))
    if not Path("/proc").is_dir():  # no procfs: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return False


def fail_dead_trials(storage: optuna.storages.BaseStorage, study_name: str) -> list[int]:
    """Mark failed the RUNNING trials of the study whose worker, on this host, is gone.

    Returns:
        the numbers of the trials marked failed.
    """
    host = socket.gethostname()
    study_id = storage.get_study_id_from_name(study_name)
    failed = []
    for t in storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,)):
        worker = t.user_attrs.get("worker")
        if not isinstance(worker, dict) or worker.get("host") != host or _worker_alive(worker):
            continue
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, t.number)
        storage.set_trial_user_attr(
            trial_id, "failed_because", f"worker pid {worker['pid']} on {host} died mid-trial"
        )
        if storage.set_trial_state_values(trial_id, TrialState.FAIL):
            failed.append(t.number)
    return failed
