"""``benchmarks/bench_rnn.py``: it times the same computation in numpy and PyTorch, its quick run
prints the table of both cells in both dtypes and writes nothing with ``--no-record``, and its
records carry the ratio with its target, both times and the CPU."""

import importlib.util
import json
import os

import numpy as np
import pytest

from cs231n.paths import REPO_ROOT

pytestmark = pytest.mark.a3


@pytest.fixture(scope="module")
def bench():
    # benchmarks/ is a folder of scripts, not a package: load the script by its path.
    spec = importlib.util.spec_from_file_location(
        "bench_rnn", REPO_ROOT / "benchmarks" / "bench_rnn.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cases_are_the_notebook_sizes_and_the_large_one(bench):
    # CaptioningRNN(hidden_dim=512, wordvec_dim=256), minibatches of 25 captions of 17 tokens
    assert bench.CASES == {"notebook": (25, 16, 256, 512), "large": (100, 16, 512, 512)}
    assert bench.TARGET == 1.5


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_both_sides_compute_the_same_gradients(bench, cell):
    ours, theirs = bench.pair(cell, (3, 4, 5, 6), "float64")
    dx = ours()
    np.testing.assert_allclose(dx, theirs().numpy(), rtol=1e-10, atol=1e-12)
    assert dx.shape == (3, 4, 5)
    ours32, theirs32 = bench.pair(cell, (3, 4, 5, 6), "float32")
    assert ours32().dtype == np.float32 and str(theirs32().dtype) == "torch.float32"
    with pytest.raises(ValueError, match=r"pair: cell must be one of \('rnn', 'lstm'\), got 'gru'"):
        bench.pair("gru", (3, 4, 5, 6), "float64")
    with pytest.raises(ValueError, match=r"pair: dtype must be one of .*, got 'float16'"):
        bench.pair(cell, (3, 4, 5, 6), "float16")


def test_report_records_ratio_target_times_and_cpu(bench, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path))
    rows = [("notebook", "lstm", "float32", 0.06, 0.03), ("large", "rnn", "float64", 0.1, 0.2)]
    entries = bench.report(rows, "a setting", record_them=True)
    names = [
        "notebook_lstm_float32_ratio_vs_torch",
        "notebook_lstm_float32_ours_ms",
        "notebook_lstm_float32_torch_ms",
        "large_rnn_float64_ratio_vs_torch",
        "large_rnn_float64_ours_ms",
        "large_rnn_float64_torch_ms",
    ]
    assert [e["name"] for e in entries] == names
    data = json.loads((tmp_path / "bench_rnn.json").read_text())
    assert sorted(data) == sorted(names)
    slow, fast = (
        data["notebook_lstm_float32_ratio_vs_torch"],
        data["large_rnn_float64_ratio_vs_torch"],
    )
    assert slow["value"] == pytest.approx(2.0) and slow["target"] == 1.5 and slow["met"] is False
    assert fast["value"] == pytest.approx(0.5) and fast["met"] is True
    assert data["notebook_lstm_float32_ours_ms"]["value"] == pytest.approx(60.0)
    assert data["large_rnn_float64_torch_ms"]["value"] == pytest.approx(200.0)
    for entry in data.values():
        assert entry["kind"] == "timing" and "machine" in entry
        assert entry["higher_is_better"] is False
    assert data["large_rnn_float64_ours_ms"]["dataset"] == (
        "rnn float64 N=100 T=16 D=512 H=512, forward + backward: a setting"
    )
    out = capsys.readouterr().out
    assert "2.00" in out and "NO" in out and "0.50" in out and "yes" in out


def test_quick_run_prints_the_table_and_records_nothing(bench, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "1")  # main() sets them: undone after the test
    quick_before = os.environ.get("CS231N_QUICK")
    assert bench.main(["--quick", "--no-record", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines()]
    rows = [(w[0], w[1], w[2]) for w in lines if w and w[0] == "notebook"]
    assert rows == [("notebook", c, d) for c in ("rnn", "lstm") for d in ("float32", "float64")]
    assert "large" not in out
    assert "median of 2" in out and "PyTorch 1," in out and "CPU: " in out
    assert not (tmp_path / "bench_rnn.json").exists()
    assert os.environ.get("CS231N_QUICK") == quick_before  # main() restores quick mode


def test_bad_arguments_stop_the_run(bench, capsys):
    with pytest.raises(SystemExit):
        bench.parse_args(["--repeats", "0"])
    assert "--repeats must be >= 1, got 0" in capsys.readouterr().err
