"""The benchmark suite runs end to end on a tiny matrix and reports every table, ratio and thread count."""
import json
import subprocess
import sys

import pytest

from sparse_formats.benchmark import _suites, main


def test_all_tables_json_and_plot(tmp_path, capsys):
    pytest.importorskip("scipy")
    out_json, out_png = tmp_path / "bench.json", tmp_path / "bench.png"
    argv = ["--all", "--size", "24", "--repeats", "1", "--json", str(out_json)]
    has_mpl = True
    try:
        import matplotlib  # noqa: F401
        argv += ["--plot", str(out_png)]
    except ImportError:
        has_mpl = False
    assert main(argv) == 0
    text = capsys.readouterr().out
    for heading in ["## Memory", "## Products", "## Construction", "threads:", "ours/scipy", "speed-up vs scipy", "speed-up vs dense"]:
        assert heading in text
    report = json.loads(out_json.read_text())
    assert {r["batch"] for r in report["products"]} == {1, 32, 128}
    assert {r["op"] for r in report["construction"]} == {"from_dense", "csr_to_csc"}
    assert report["machine"]["threads"]["scipy"] == 1 and report["machine"]["threads"]["ours"] >= 1
    for r in report["memory"]:
        # true bytes: CSR/CSC are 8 bytes per non-zero plus 4 per pointer
        if r["format"] in ("csr", "csc"):
            assert r["ours_bytes"] == 8 * r["nnz"] + 4 * 25 == r["scipy_bytes"]
    assert all(r["ours_s"] > 0 and r["dense_s"] > 0 for r in report["products"])
    assert all(r["name"].startswith("op:") for key in ("memory", "products", "construction") for r in report[key])
    if has_mpl:
        assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_single_benchmark_and_module_entry_point():
    done = subprocess.run([sys.executable, "-m", "sparse_formats.benchmark", "--benchmark", "memory", "--size", "16",
                           "--sparsity", "0.5"], capture_output=True, text=True, check=True)
    assert "## Memory" in done.stdout and "## Products" not in done.stdout
    bad = subprocess.run([sys.executable, "-m", "sparse_formats.benchmark", "--sparsity", "1.5"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "sparsity" in bad.stderr


def test_threads_option_sets_every_contender_and_restores(capsys):
    import sparse_formats as sf

    before = sf.num_threads()
    assert main(["--benchmark", "construction", "--size", "16", "--repeats", "1", "--threads", "1"]) == 0
    text = capsys.readouterr().out
    assert "sparse_formats = 1" in text
    pytest.importorskip("threadpoolctl")
    assert "dense numpy (BLAS) = 1" in text
    assert sf.num_threads() == before


def test_random_weights_hit_the_requested_sparsity():
    w = _suites.random_weights(200, 0.9)
    assert abs((w == 0).mean() - 0.9) < 0.01
