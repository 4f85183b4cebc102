"""``benchmarks/bench_a3.py``: its quick run prints the table of both tasks in both frameworks
and writes nothing with ``--no-record``; its records carry the seconds, the PyTorch /
TensorFlow ratio and the CPU; its TensorFlow layers are PyTorch's shifted by one."""

import importlib.util
import json
import os

import pytest

from cs231n.paths import REPO_ROOT

pytestmark = pytest.mark.a3


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_a3", REPO_ROOT / "benchmarks" / "bench_a3.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


RECORDS = [
    "style_seconds_per_iteration_pytorch",
    "style_seconds_per_iteration_tensorflow",
    "style_pytorch_tf_ratio",
    "fooling_seconds_per_step_pytorch",
    "fooling_seconds_per_step_tensorflow",
    "fooling_pytorch_tf_ratio",
]


def test_style_params_shift_the_tf_layers():
    bench = _bench()
    pt, tf = bench.style_params("pytorch"), bench.style_params("tensorflow", size=64)
    assert (pt["content_layer"], pt["style_layers"]) == (3, [1, 4, 6, 7])
    assert (tf["content_layer"], tf["style_layers"]) == (2, [0, 3, 5, 6])
    assert pt["image_size"] == pt["style_size"] == 192
    assert tf["image_size"] == tf["style_size"] == 64
    assert bench.STYLE_PARAMS["content_layer"] == 3  # the shared dict is left alone
    with pytest.raises(ValueError, match="style_params: framework"):
        bench.style_params("jax")


def test_report_records_seconds_ratio_and_cpu(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path))
    bench = _bench()
    times = {
        ("style", "pytorch"): 0.3,
        ("style", "tensorflow"): 0.2,
        ("fooling", "pytorch"): 0.05,
        ("fooling", "tensorflow"): 0.1,
    }
    entries = bench.report(times, "a setting", record_them=True)
    assert [e["name"] for e in entries] == RECORDS
    data = json.loads((tmp_path / "bench_a3.json").read_text())
    assert sorted(data) == sorted(RECORDS)
    assert data["style_pytorch_tf_ratio"]["value"] == pytest.approx(1.5)
    assert data["fooling_pytorch_tf_ratio"]["value"] == pytest.approx(0.5)
    assert data["fooling_seconds_per_step_tensorflow"]["value"] == pytest.approx(0.1)
    for entry in data.values():
        assert entry["kind"] == "timing" and "machine" in entry
        assert entry["dataset"] == "a setting" and entry["higher_is_better"] is False
    out = capsys.readouterr().out
    assert "style iteration" in out and "fooling step" in out and "1.50" in out


@pytest.mark.data
@pytest.mark.slow
def test_quick_run_prints_the_table_and_records_nothing(real_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path))
    bench = _bench()
    quick_before = os.environ.get("CS231N_QUICK")
    assert bench.main(["--quick", "--no-record", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "style iteration" in out and "fooling step" in out
    for name in RECORDS:
        assert name in out
    assert "at 64 px" in out and "PyTorch 1 thread(s)" in out and "CPU: " in out
    assert not (tmp_path / "bench_a3.json").exists()
    assert os.environ.get("CS231N_QUICK") == quick_before  # main() restores quick mode
