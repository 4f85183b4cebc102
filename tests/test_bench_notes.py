"""The benchmark's note tables: ``benchmarks/bench_fast_layers.py`` rewrites the blocks between
the markers of notes/fast_layers.md and notes/winograd.md from its records, and nothing else."""

import importlib.util

import numpy as np
import pytest

from cs231n.paths import REPO_ROOT


@pytest.fixture(scope="module")
def bench():
    # benchmarks/ is a folder of scripts, not a package: load the script by its path.
    spec = importlib.util.spec_from_file_location(
        "bench_fast_layers", REPO_ROOT / "benchmarks" / "bench_fast_layers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MACHINE = {"model": "Fake CPU 9000", "cpus": 2, "features": ["avx2"], "fast_bf16": False}


def _entry(name, value, setting, target=None, met=None):
    return {
        "name": name,
        "value": value,
        "target": target,
        "met": met,
        "dataset": f"{name}: {setting}",
        "when": "2031-05-06T07:08:09+00:00",
        "commit": "abcdef1234567890",
        "dirty": False,
        "machine": MACHINE,
    }


def fake_records(bench, keepmem=True):
    setting = "1 thread(s), median of 15, backend cython, load avg 0.3 on 2 CPUs"
    records = {}
    suffixes = ["", bench.KEEPMEM] if keepmem else [""]
    for suffix in suffixes:
        run = setting + (", glibc keeps freed memory" if suffix else "")
        for base in ("conv_realistic_float32", "pool_notebook_float64"):
            ratio = 1.23 if not suffix else 1.11
            for key, value in [(f"{base}_ours_ms", 34.5), (f"{base}_torch_ms", 28.0)]:
                records[key + suffix] = _entry(key + suffix, value, run)
            key = f"{base}_ratio_vs_torch{suffix}"
            records[key] = _entry(key, ratio, run, target=1.5, met=True)
        for m in bench.WINOGRAD_TILES.values():
            key = f"conv_realistic_float32_{m}_ratio_vs_torch{suffix}"
            records[key] = _entry(key, 0.77, run, target=1.5, met=True)
            key = f"conv_realistic_float32_{m}_ms{suffix}"
            records[key] = _entry(key, 21.5, run)
    for method, parts in [("im2col", bench.IM2COL_PARTS), ("winograd4", bench.WINOGRAD_PARTS)]:
        for i, part in enumerate((*parts, "layer", "torch")):
            key = bench._parts_key("conv_realistic", "float32", method, part)
            records[key] = _entry(key, 1.5 + i, setting)
    return records


def _copy_notes(tmp_path):
    for name in ("fast_layers.md", "winograd.md"):
        (tmp_path / name).write_bytes((REPO_ROOT / "notes" / name).read_bytes())
    return tmp_path


def test_write_notes_fills_the_blocks_and_keeps_the_rest(bench, tmp_path):
    notes = _copy_notes(tmp_path)
    before = {p.name: p.read_text(encoding="utf-8") for p in notes.iterdir()}
    written = bench.write_notes(fake_records(bench), notes)
    assert sorted(p.name for p in written) == ["fast_layers.md", "winograd.md"]
    for name, (start, end) in bench.NOTE_MARKERS.items():
        old, new = before[name], (notes / name).read_text(encoding="utf-8")
        # outside the markers: byte-identical
        assert new[: new.index(start)] == old[: old.index(start)]
        assert new[new.index(end) :] == old[old.index(end) :]
        block = new[new.index(start) + len(start) : new.index(end)]
        assert "Run of 2031-05-06 07:08 UTC: 1 thread(s), median of 15" in block
        assert "load avg 0.3 on 2 CPUs; Fake CPU 9000 (avx2" in block
        assert "commit abcdef1" in block
        assert "glibc keeps freed memory" in block  # the --keep-freed-memory run
    fast = (notes / "fast_layers.md").read_text(encoding="utf-8")
    assert (
        "| conv x (64,64,16,16), w (64,64,3,3), s1 p1 | `conv_forward_fast` | float32 | "
        "34.5 / 28 | 1.23 | ≤ 1.5 | yes | 1.11 |" in fast
    )
    assert "| pool x (100,3,32,32), 2x2 s2 | `max_pool_forward_fast` | float64 |" in fast
    assert "| conv_realistic float32 | 1.5 | 2.5 | 3.5 | 4.5 | 5.5 | 6.5 | 7.5 |" in fast
    wino = (notes / "winograd.md").read_text(encoding="utf-8")
    assert "| float32 | 34.5 ms, 1.23x | 21.5 ms, 0.77x | 21.5 ms, 0.77x | 28 ms | ≤ 1.5x |" in wino
    assert "| float32, glibc keeps freed memory | 34.5 ms, 1.11x |" in wino
    assert "| tile 4 float32 | 1.5 | 2.5 | 3.5 | 4.5 | 5.5 | 6.5 | 7.5 | 8.5 | 9.5 | 10.5 |" in wino
    # a second write with the same records changes nothing
    again = {p.name: p.read_bytes() for p in notes.iterdir()}
    bench.write_notes(fake_records(bench), notes)
    assert {p.name: p.read_bytes() for p in notes.iterdir()} == again


def test_tables_without_keepmem_or_parts(bench):
    records = fake_records(bench, keepmem=False)
    records = {k: v for k, v in records.items() if not k.startswith("parts_")}
    fast = bench.fast_layers_table(records)
    assert "glibc keeps freed memory" not in fast
    assert "not in the records yet" in fast
    assert bench.NO_RECORDS in bench.winograd_table({})
    assert bench.NO_RECORDS in bench.fast_layers_table({})


def test_write_notes_fails_clearly_without_markers(bench, tmp_path):
    notes = _copy_notes(tmp_path)
    start, end = bench.NOTE_MARKERS["winograd.md"]
    path = notes / "winograd.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(start, "").replace(end, ""), encoding="utf-8")
    with pytest.raises(ValueError, match=r"write_notes: .*winograd.md has neither"):
        bench.write_notes(fake_records(bench), notes)
    path.write_text(text.replace(end, ""), encoding="utf-8")  # one marker only
    with pytest.raises(ValueError, match="exactly once"):
        bench.write_notes(fake_records(bench), notes)


@pytest.mark.parametrize("tile", [None, 2, 4])
def test_time_parts_times_every_part(bench, tile):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    dout = rng.standard_normal((2, 4, 6, 5))
    times = bench.time_parts(x, w, b, {"stride": 1, "pad": 1}, dout, repeats=1, tile=tile)
    parts = bench.IM2COL_PARTS if tile is None else bench.WINOGRAD_PARTS
    assert list(times) == [*parts, "layer", "torch"]
    assert all(t >= 0 for t in times.values())


def test_report_parts_records_what_the_tables_read(bench, tmp_path, monkeypatch):
    from cs231n.results import RESULTS_ENV, load_group

    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3)), np.zeros(4)
    dout = rng.standard_normal((2, 4, 5, 5))
    inputs = [("conv_realistic", "float64", x, w, b, {"stride": 1, "pad": 1}, dout, [2])]
    bench._report_parts(inputs, 1, "1 thread(s), median of 1", "", record_them=True)
    records = load_group(tmp_path / f"{bench.GROUP}.json")
    assert bench._parts_key("conv_realistic", "float64", "winograd", "GEMM dU") in records
    assert "| conv_realistic float64 |" in bench.fast_layers_table(records)
    assert "| tile 2 float64 |" in bench.winograd_table(records)
