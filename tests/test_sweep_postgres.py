"""Two ``cs231n sweep`` workers share one study through a real PostgreSQL server.

The fixture starts a throw-away server (Debian's ``postgresql``: ``initdb`` + ``pg_ctl``) on
127.0.0.1 and a free port, with its data directory in a new temporary folder, as the
``postgres`` user when the tests run as root; it is stopped and removed at the end, also
when the test fails. If the server cannot be started the test FAILS with the reason; it may
skip only outside CI (``$CI`` unset) when the PostgreSQL programs are not installed
(``.ci/run`` installs them: ``make ci-deps``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from cs231n.sweep import storage as st


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = ([Path(found).resolve().parent] if found else []) + [
        Path(d) for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    ]
    for d in candidates:
        if (d / "pg_ctl").exists() and (d / "initdb").exists():
            return d
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], as_user: list[str], what: str) -> None:
    proc = subprocess.run(as_user + cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")


@pytest.fixture
def postgres_url():
    bindir = _pg_bin()
    if bindir is None:
        reason = "PostgreSQL is not installed (initdb/pg_ctl not found; make ci-deps installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    data = Path(tempfile.mkdtemp(prefix="cs231n-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        import pwd

        try:
            pg = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root and there is no 'postgres' user to run the server")
        os.chown(data, pg.pw_uid, pg.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    pgdata = data / "db"
    started = False
    try:
        try:
            _run([str(bindir / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync"], as_user, "initdb")  # fmt: skip
            opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off"
            _run([str(bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(data / "server.log"),
                  "-o", opts, "-w", "-t", "60", "start"], as_user, "pg_ctl start")  # fmt: skip
            started = True
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            log = data / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"could not start PostgreSQL from {bindir}: {exc}\n{tail}")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(as_user + [str(bindir / "pg_ctl"), "-D", str(pgdata), "-m", "immediate",
                                      "-w", "stop"], capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(data, ignore_errors=True)


def test_two_workers_share_one_study_through_postgresql(postgres_url):
    # Two processes as on two machines: the same command, the same --storage URL.
    cmd = [sys.executable, "-m", "cs231n", "sweep", "svm", "--quick", "--trials", "12",
           "--storage", postgres_url, "--threads", "1", "--no-progress",
           "--fix", "num_iters=4000"]  # fmt: skip
    workers = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]  # fmt: skip
    outs = [w.communicate(timeout=120) for w in workers]
    for w, (_, err) in zip(workers, outs):
        assert w.returncode == 0, err

    storage = st.open_storage(st.parse_storage(postgres_url))
    study = optuna.load_study(study_name="svm-quick", storage=storage)
    trials = study.get_trials()
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    assert 12 <= len(done) <= 13  # one trial started just before the 12th finished may finish
    pids = {t.user_attrs["worker"]["pid"] for t in trials}
    assert pids == {w.pid for w in workers}, "trials of both workers are in the study"

    # No duplicate trial id or number, read from the database's own table.
    from sqlalchemy import create_engine, text

    engine = create_engine(st.parse_storage(postgres_url).target)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.trial_id, t.number FROM trials t JOIN studies s "
                "ON t.study_id = s.study_id WHERE s.study_name = 'svm-quick'"
            )  # fmt: skip
        ).all()
    engine.dispose()
    ids, numbers = [r[0] for r in rows], [r[1] for r in rows]
    assert len(ids) == len(set(ids)) == len(trials)
    assert sorted(numbers) == list(range(len(trials)))
    # The two workers drew different points, and the best trial is the best of all.
    assert len({tuple(sorted(t.params.items())) for t in done}) == len(done)
    assert study.best_value == max(t.value for t in done)
    assert study.best_trial.number in {t.number for t in done}
