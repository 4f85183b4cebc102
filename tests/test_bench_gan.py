"""``benchmarks/bench_gan.py``: its records carry the iterations per second of each GAN in both
frameworks, the PyTorch / TensorFlow ratio of the seconds per step and the CPU; its quick run
prints the table and writes nothing with ``--no-record``."""

import importlib.util
import json
import os

import pytest

from cs231n.paths import REPO_ROOT

pytestmark = pytest.mark.a3


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_gan", REPO_ROOT / "benchmarks" / "bench_gan.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


RECORDS = [
    f"{model}_{what}"
    for model in ("vanilla", "lsgan", "dcgan")
    for what in (
        "iterations_per_second_pytorch",
        "iterations_per_second_tensorflow",
        "pytorch_tf_ratio",
    )
]


def test_report_records_iterations_ratio_and_cpu(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path))
    bench = _bench()
    times = {
        ("vanilla", "pytorch"): 0.05,
        ("vanilla", "tensorflow"): 0.1,
        ("lsgan", "pytorch"): 0.04,
        ("lsgan", "tensorflow"): 0.04,
        ("dcgan", "pytorch"): 0.6,
        ("dcgan", "tensorflow"): 0.4,
    }
    entries = bench.report(times, "a setting", record_them=True)
    assert [e["name"] for e in entries] == RECORDS
    data = json.loads((tmp_path / "bench_gan.json").read_text())
    assert sorted(data) == sorted(RECORDS)
    assert data["vanilla_iterations_per_second_pytorch"]["value"] == pytest.approx(20.0)
    assert data["vanilla_iterations_per_second_tensorflow"]["value"] == pytest.approx(10.0)
    assert data["vanilla_pytorch_tf_ratio"]["value"] == pytest.approx(0.5)
    assert data["dcgan_pytorch_tf_ratio"]["value"] == pytest.approx(1.5)
    for name, entry in data.items():
        assert entry["kind"] == "timing" and "machine" in entry
        assert entry["dataset"] == "a setting"
        assert entry["higher_is_better"] is ("iterations_per_second" in name)
    out = capsys.readouterr().out
    assert "vanilla" in out and "dcgan" in out and "1.50" in out


def test_a_load_swamped_difference_is_not_recorded_as_a_speed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path))
    bench = _bench()
    times = {("vanilla", "pytorch"): -0.01, ("vanilla", "tensorflow"): 0.1}
    entries = bench.report(times, "a setting", record_them=True)
    assert entries == []
    assert "swamped" in capsys.readouterr().out
    assert not (tmp_path / "bench_gan.json").exists()


def test_quick_run_prints_the_table_and_records_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path))
    bench = _bench()
    quick_before = os.environ.get("CS231N_QUICK")
    argv = ["--quick", "--no-record", "--threads", "1", "--models", "vanilla"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "vanilla_iterations_per_second_pytorch" in out and "vanilla_pytorch_tf_ratio" in out
    assert "dcgan" not in out  # only the models asked for
    assert "batch 128" in out and "PyTorch 1 thread(s)" in out and "CPU: " in out
    assert "gan_step traced once" in out
    assert not (tmp_path / "bench_gan.json").exists()
    assert os.environ.get("CS231N_QUICK") == quick_before  # main() restores quick mode


def test_omp_passive_needs_a_fresh_process(capsys):
    import torch  # noqa: F401  (imported, as in any test process)

    assert _bench().main(["--quick", "--no-record", "--omp-passive"]) == 2
    assert "fresh process" in capsys.readouterr().out
