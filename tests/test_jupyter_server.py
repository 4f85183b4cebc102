"""Working cell by cell, as students do: the Jupyter server that ``make lab`` starts
lists the notebooks, starts the project's ``cs231n`` kernel and runs a cell in it.

The test starts JupyterLab headless on 127.0.0.1 (a free port, a random token, a
temporary root holding links to the repository's notebooks, its own Jupyter config,
data and runtime folders so nothing in the user's home is read or written), talks to it
only over its REST API and the kernel's websocket channel, and always shuts it down.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import numpy as np
import pytest

from cs231n.data_utils import load_CIFAR_batch
from cs231n.paths import REPO_ROOT

pytestmark = [pytest.mark.notebook, pytest.mark.data]

HOST = "127.0.0.1"
KERNEL = "cs231n"
KERNEL_DISPLAY = "Python (cs231n)"
START_TIMEOUT = 120  # s for the server to answer /api/status (CI shares 2 cores)
EXEC_TIMEOUT = 180  # s for the kernel to start and run the cell
ASSIGNMENTS = ("assignment1", "assignment2")
SUBSET_BATCH = ("cifar-10-batches-py-subset", "test_batch")

# The cell a student would run first: import the package, load a small real batch.
CELL = """\
import json, os, sys
import cs231n
from cs231n.data_utils import load_CIFAR_batch
X, y = load_CIFAR_batch(os.path.join(os.environ["CS231N_DATA"], *{batch!r}))
print(json.dumps({{"file": cs231n.__file__, "cwd": os.getcwd(), "python": sys.executable,
                  "shape": list(X.shape), "dtype": str(X.dtype), "labels": y[:10].tolist(),
                  "sum": float(X.sum())}}))
X.shape
"""


def _lab_modules():
    """jupyterlab and websocket-client, or a skip outside CI (a failure under CI)."""
    try:
        import jupyterlab  # noqa: F401
        import websocket
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{exc}: under CI `make install` must install the [lab] extra")
        pytest.skip(f"{exc}; install with: make install (or pip install -e '.[dev,lab]')")
    return websocket


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """One headless JupyterLab process and the calls the test makes to it."""

    def __init__(self, root: Path, home: Path, data: Path):
        self.root, self.port, self.token = root, _free_port(), secrets.token_hex(24)
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = home / "server.log"
        self.runtime = home / "runtime"
        env = dict(os.environ)
        env.update(
            CS231N_DATA=str(data),
            JUPYTER_CONFIG_DIR=str(home / "config"),
            JUPYTER_DATA_DIR=str(home / "data"),
            JUPYTER_RUNTIME_DIR=str(self.runtime),
            JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"),
            IPYTHONDIR=str(home / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        cmd = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--ServerApp.ip={HOST}",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.allow_remote_access=False",
            "--LabApp.extension_manager=readonly",  # no PyPI queries
        ]
        if os.geteuid() == 0:  # CI and containers run as root
            cmd.append("--allow-root")
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            cmd,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-8000:]

    def fail(self, what: str):
        pytest.fail(f"{what}\n--- Jupyter server log ({self.log_path}) ---\n{self.log_text()}")

    def api(self, method: str, path: str, body=None, token: bool = True):
        """``(status, parsed JSON or None)`` of one REST call."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as err:
            return err.code, None

    def wait_up(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail(f"the Jupyter server exited with code {self.proc.returncode}")
            try:
                status, _ = self.api("GET", "/api/status")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        self.fail(f"the Jupyter server did not answer on {self.url} within {START_TIMEOUT} s")

    def stop(self):
        try:
            if self.proc.poll() is None:
                try:
                    self.api("POST", "/api/shutdown")
                except OSError:
                    pass
                try:
                    self.proc.wait(30)
                except subprocess.TimeoutExpired:
                    self.proc.terminate()
                    try:
                        self.proc.wait(15)
                    except subprocess.TimeoutExpired:
                        os.killpg(self.proc.pid, signal.SIGKILL)
                        self.proc.wait(15)
        finally:
            self.log.close()


@pytest.fixture
def server(tmp_path, real_data):
    """A running server whose root holds links to every repository notebook."""
    websocket = _lab_modules()
    root = tmp_path / "root"
    for folder in ASSIGNMENTS:
        (root / folder).mkdir(parents=True)
        for nb in sorted((REPO_ROOT / folder).glob("*.ipynb")):
            (root / folder / nb.name).symlink_to(nb)
    srv = Server(root, tmp_path, real_data)
    srv.websocket = websocket
    try:
        srv.wait_up()
        yield srv
    finally:
        srv.stop()


def _execute(srv: Server, kernel_id: str, code: str) -> dict:
    """Run ``code`` through the kernel's websocket channel; collect what it sent back."""
    ws = srv.websocket.create_connection(
        f"ws://{HOST}:{srv.port}/api/kernels/{kernel_id}/channels",
        header=[f"Authorization: token {srv.token}"],
        timeout=EXEC_TIMEOUT,
    )
    msg_id, session = uuid.uuid4().hex, uuid.uuid4().hex
    ws.send(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "session": session,
                    "username": "student",
                    "version": "5.3",
                    "date": "",
                },
                "parent_header": {},
                "metadata": {},
                "channel": "shell",
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": True,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
        )
    )
    out = {"stdout": "", "stderr": "", "result": None, "error": None, "reply": None}
    idle = False
    deadline = time.monotonic() + EXEC_TIMEOUT
    try:
        while not (idle and out["reply"] is not None):
            if time.monotonic() > deadline:
                srv.fail(f"no complete answer to the cell within {EXEC_TIMEOUT} s: {out}")
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out[content["name"]] += content["text"]
            elif kind == "execute_result":
                out["result"] = content["data"]["text/plain"]
            elif kind == "error":
                out["error"] = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                out["reply"] = content["status"]
    finally:
        ws.close()
    return out


@pytest.mark.timeout(600)
def test_jupyter_lists_notebooks_and_runs_a_cell_in_the_project_kernel(server, real_data):
    srv = server

    # Bound to the loopback address only, and the token is required.
    runtime = sorted(srv.runtime.glob("jpserver-*.json"))
    assert runtime, f"no server runtime file in {srv.runtime}"
    info = json.loads(runtime[-1].read_text())
    assert (info["hostname"], info["port"]) == (HOST, srv.port), info
    status, _ = srv.api("GET", "/api/contents", token=False)
    assert status == 403, f"/api/contents without the token answered {status}"

    # The notebooks are listed, as the file browser shows them.
    status, top = srv.api("GET", "/api/contents")
    assert status == 200
    assert {c["name"] for c in top["content"] if c["type"] == "directory"} >= set(ASSIGNMENTS)
    for folder in ASSIGNMENTS:
        status, listing = srv.api("GET", f"/api/contents/{folder}")
        assert status == 200, f"/api/contents/{folder} answered {status}"
        listed = {c["name"] for c in listing["content"] if c["type"] == "notebook"}
        expected = {p.name for p in (REPO_ROOT / folder).glob("*.ipynb")}
        assert expected and listed == expected, (folder, sorted(listed), sorted(expected))

    # The project's kernel is registered (inside this venv) and offered.
    status, specs = srv.api("GET", "/api/kernelspecs")
    assert status == 200
    assert KERNEL in specs["kernelspecs"], (
        f"kernel {KERNEL!r} not registered (run `make install`); have {sorted(specs['kernelspecs'])}"
    )
    spec = specs["kernelspecs"][KERNEL]["spec"]
    assert spec["display_name"] == KERNEL_DISPLAY
    assert Path(spec["argv"][0]).absolute().is_relative_to(Path(sys.prefix).absolute()), (
        f"kernel {KERNEL!r} runs {spec['argv'][0]}, not this venv's Python ({sys.prefix})"
    )

    # Open a notebook with that kernel, as the front end does, and run a cell in it.
    notebook = "assignment1/knn.ipynb"
    status, session = srv.api(
        "POST",
        "/api/sessions",
        {"path": notebook, "name": "knn.ipynb", "type": "notebook", "kernel": {"name": KERNEL}},
    )
    if status != 201:
        srv.fail(f"POST /api/sessions with kernel {KERNEL!r} answered {status}")
    kernel_id = session["kernel"]["id"]
    try:
        status, kernels = srv.api("GET", "/api/kernels")
        assert status == 200
        assert [(k["id"], k["name"]) for k in kernels] == [(kernel_id, KERNEL)], kernels

        out = _execute(srv, kernel_id, CELL.format(batch=SUBSET_BATCH))
        assert out["error"] is None and out["reply"] == "ok", out
        got = json.loads(out["stdout"].strip().splitlines()[-1])
        X, y = load_CIFAR_batch(real_data.joinpath(*SUBSET_BATCH))
        assert Path(got["file"]) == REPO_ROOT / "cs231n" / "__init__.py", got["file"]
        assert Path(got["cwd"]) == srv.root / "assignment1", got["cwd"]
        assert Path(got["python"]).absolute().is_relative_to(Path(sys.prefix).absolute())
        assert got["shape"] == list(X.shape) and got["shape"][1:] == [32, 32, 3]
        assert got["dtype"] == "float64"
        assert got["labels"] == y[:10].tolist()
        assert np.isclose(got["sum"], float(X.sum()), rtol=0, atol=0.5)
        assert out["result"] == repr(X.shape), out["result"]
    finally:
        srv.api("DELETE", f"/api/sessions/{session['id']}")
    status, kernels = srv.api("GET", "/api/kernels")
    assert status == 200 and kernels == [], f"kernel still running after closing: {kernels}"
