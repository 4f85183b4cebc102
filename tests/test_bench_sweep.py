"""``benchmarks/bench_sweep.py``: its quick run sweeps with 1 and 2 workers and with the three
samplers on synthetic data, prints both tables and writes nothing with ``--no-record``; its
summary takes the best value reached by a given time; its records carry the CPU for the
throughput and the sampler figures as accuracies."""

import importlib.util
import json

import pytest

from cs231n.paths import REPO_ROOT

pytestmark = pytest.mark.a1


@pytest.fixture(scope="module")
def bench():
    # benchmarks/ is a folder of scripts, not a package: load the script by its path.
    spec = importlib.util.spec_from_file_location(
        "bench_sweep", REPO_ROOT / "benchmarks" / "bench_sweep.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_best_by_is_the_best_of_the_trials_ended_by_then(bench):
    history = [(1.0, 0.3), (2.0, 0.5), (3.0, 0.4)]
    assert bench.best_by(history, 0.5) != bench.best_by(history, 0.5)  # NaN: nothing yet
    assert bench.best_by(history, 1.0) == 0.3
    assert bench.best_by(history, 2.5) == 0.5
    assert bench.best_by(history, float("inf")) == 0.5


def test_summarize_means_over_seeds_and_quarters(bench):
    runs = {
        "tpe": [
            {"trials": 4, "history": [(10.0, 0.2), (50.0, 0.6)]},
            {"trials": 6, "history": [(20.0, 0.4), (90.0, 0.5)]},
        ]
    }
    row = bench.summarize(runs, 100.0)["tpe"]
    assert row["best_mean"] == pytest.approx(0.55)
    assert (row["best_min"], row["best_max"]) == (0.5, 0.6)
    assert row["trials_mean"] == 5
    assert row["at_1of4"] == pytest.approx(0.3)  # 0.2 and 0.4 by 25 s
    assert row["at_2of4"] == pytest.approx(0.5)  # 0.6 and 0.4 by 50 s
    assert row["at_4of4"] == pytest.approx(0.55)


def test_report_records_rates_with_the_cpu_and_sampler_accuracies(bench, tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path))
    rates = {1: {"trials": 10, "seconds": 3600.0}, 2: {"trials": 18, "seconds": 3600.0}}
    table = {"grid": {"best_mean": 0.4, "best_min": 0.3, "best_max": 0.5, "trials_mean": 6.0,
                      **{f"at_{q}of4": 0.1 * q for q in (1, 2, 3, 4)}}}  # fmt: skip
    entries = bench.report(rates, table, "a setting", record_them=True)
    data = json.loads((tmp_path / "bench_sweep.json").read_text())
    assert sorted(data) == sorted(e["name"] for e in entries)
    assert data["throughput_2w_over_1w"]["value"] == pytest.approx(1.8)
    assert data["throughput_1w_trials_per_hour"]["value"] == pytest.approx(10.0)
    assert data["throughput_2w_trials_per_hour"]["kind"] == "timing"
    assert "machine" in data["throughput_2w_trials_per_hour"]
    assert data["grid_best_val_acc_mean"]["value"] == pytest.approx(0.4)
    assert data["grid_best_val_acc_at_3of4_mean"]["value"] == pytest.approx(0.3)
    assert data["grid_trials_mean"]["kind"] == "metric"


def test_quick_run_prints_both_tables_and_records_nothing(bench, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CS231N_RESULTS_DIR", str(tmp_path))
    argv = ["--quick", "--no-record", "--minutes", "0.02", "--seeds", "0", "--parallel", "1"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    rows = {w[0]: w for w in (line.split() for line in out.splitlines()) if len(w) in (4, 9)}
    assert int(rows["1"][1]) >= 1 and int(rows["2"][1]) >= 1  # trials with 1 and 2 workers
    assert "2 workers / 1 worker:" in out and "CPU: " in out
    for sampler in ("tpe", "random", "grid"):
        assert sampler in rows
    assert float(rows["grid"][1]) <= 6  # the course grid of two_layer_net has six points
    assert not (tmp_path / "bench_sweep.json").exists()


def test_bad_arguments_stop_the_run(bench, capsys):
    for argv, message in [
        (["--minutes", "0"], "--minutes must be > 0, got 0.0"),
        (["--parallel", "0"], "--parallel must be >= 1, got 0"),
        (["--seeds", "-1"], "--seeds must be >= 0, got [-1]"),
    ]:
        with pytest.raises(SystemExit):
            bench.parse_args(argv)
        assert message in capsys.readouterr().err
