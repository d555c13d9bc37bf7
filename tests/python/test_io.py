"""sparse_formats.io against scipy.io.mmread, scipy.sparse.load_npz / save_npz and np.load / np.save,
on generated files and on the real files in tests/data; and the installed sparse-formats program."""
import json
import pathlib
import shutil
import struct
import subprocess

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

import sparse_formats as sf
from sparse_formats import io

from conftest import random_sparse

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
SHAPES = [(0, 0), (0, 4), (3, 0), (1, 1), (1, 17), (17, 1), (9, 7), (64, 33)]
REAL_MTX = sorted(p for p in (DATA / "mtx").glob("*.mtx") if "complex" not in p.name and "jumbled" not in p.name)


def same(ours, theirs):
    """ours (CSRMatrix/CSCMatrix) equals a scipy matrix exactly, NaN equal to NaN."""
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours.toarray(), theirs.toarray())


@pytest.mark.parametrize("path", REAL_MTX, ids=lambda p: p.name)
def test_mmread_matches_scipy_on_real_files(path):
    theirs = scipy.io.mmread(str(path))
    theirs = sp.csr_matrix(theirs, dtype=np.float64)
    ours = io.mmread(path, allow_non_finite=True)
    assert isinstance(ours, sf.CSRMatrix)
    same(ours, theirs)
    theirs.sum_duplicates()
    assert ours.nnz == theirs.nnz  # explicit zeros of coordinate files kept, as scipy keeps them
    csc = io.mmread(path, format="csc", index_dtype=np.int64, allow_non_finite=True)
    assert isinstance(csc, sf.CSCMatrix) and csc.index_dtype == np.int64
    same(csc, theirs)


def test_mminfo():
    info = io.mminfo(DATA / "mtx" / "karate.mtx")
    assert info == {"format": "coordinate", "field": "pattern", "symmetry": "symmetric", "shape": (34, 34),
                    "entries": 78}


@pytest.mark.parametrize("shape", SHAPES)
def test_mmwrite_is_read_back_by_scipy(tmp_path, rng, shape):
    dense = random_sparse(rng, shape, 0.3) * 10.0 ** rng.integers(-12, 12, size=shape)
    m = sf.CSRMatrix.from_dense(dense, threshold=0.0)
    io.mmwrite(tmp_path / "a.mtx", m)
    back = scipy.io.mmread(str(tmp_path / "a.mtx"))
    np.testing.assert_array_equal(sp.csr_matrix(back).toarray() if sp.issparse(back) else back, dense)
    io.mmwrite(tmp_path / "d.mtx", dense)
    np.testing.assert_array_equal(io.mmread(tmp_path / "d.mtx").toarray(), dense)
    if min(shape) > 0:  # scipy 1.17's reader dies with SIGFPE on array files with a zero dimension
        np.testing.assert_array_equal(np.asarray(scipy.io.mmread(str(tmp_path / "d.mtx"))), dense)
    io.mmwrite(tmp_path / "c.mtx.gz", m.to_csc())
    np.testing.assert_array_equal(io.mmread(tmp_path / "c.mtx.gz").toarray(), dense)


def test_mmread_reads_what_scipy_writes(tmp_path, rng):
    dense = random_sparse(rng, (20, 30), 0.2)
    scipy.io.mmwrite(str(tmp_path / "s.mtx"), sp.coo_matrix(dense))
    np.testing.assert_array_equal(io.mmread(tmp_path / "s.mtx").toarray(), dense)
    sym = dense[:20, :20] + dense[:20, :20].T
    scipy.io.mmwrite(str(tmp_path / "sym.mtx"), sp.coo_matrix(sym), symmetry="symmetric")
    assert io.mminfo(tmp_path / "sym.mtx")["symmetry"] == "symmetric"
    np.testing.assert_array_equal(io.mmread(tmp_path / "sym.mtx").toarray(), sym)


def test_bad_files_raise_typed_errors_naming_the_file():
    with pytest.raises(sf.ParseError, match=r"mm_nan\.mtx:3: value \"nan\" is not finite"):
        io.mmread(DATA / "invalid" / "mm_nan.mtx")
    with pytest.raises(ValueError):  # ParseError is a ValueError
        io.load_npz(DATA / "invalid" / "npz_bad_crc.npz")
    with pytest.raises(sf.UnsupportedError, match="complex"):
        io.mmread(DATA / "mtx" / "complex_array.mtx")
    with pytest.raises(NotImplementedError):
        io.mmread(DATA / "invalid" / "mm_hermitian.mtx")
    with pytest.raises(sf.ParseError, match="byte 0: cannot open"):
        io.load_npy(DATA / "missing.npy")


@pytest.mark.parametrize("path", sorted((DATA / "npz").glob("*.npz")), ids=lambda p: p.name)
def test_load_npz_matches_scipy(path):
    theirs = sp.load_npz(path)
    ours = io.load_npz(path)
    assert ours.format == ("csc" if theirs.format == "csc" else "csr")
    assert ours.dtype == (np.float32 if theirs.dtype == np.float32 else np.float64)
    same(ours, theirs)
    info = io.npz_info(path)
    assert info["format"] == theirs.format
    assert info["is_array"] == isinstance(theirs, sp.sparray)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("array", [False, True])
def test_save_npz_is_loaded_by_scipy(tmp_path, rng, shape, compressed, array):
    dense = random_sparse(rng, shape, 0.3, dtype=np.float32)
    for m in (sf.CSRMatrix.from_dense(dense), sf.CSCMatrix.from_dense(dense)):
        io.save_npz(tmp_path / "a.npz", m, compressed=compressed, array=array)
        theirs = sp.load_npz(tmp_path / "a.npz")
        assert theirs.format == m.format
        assert isinstance(theirs, sp.sparray) == array
        assert theirs.dtype == np.float32
        np.testing.assert_array_equal(theirs.toarray(), dense)
        same(io.load_npz(tmp_path / "a.npz"), theirs)


def test_save_npz_bsr(tmp_path, rng):
    dense = random_sparse(rng, (16, 24), 0.1)
    io.save_npz(tmp_path / "b.npz", sf.BlockSparseMatrix.from_dense(dense, block_size=4))
    theirs = sp.load_npz(tmp_path / "b.npz")
    assert theirs.format == "bsr" and theirs.blocksize == (4, 4)
    np.testing.assert_array_equal(theirs.toarray(), dense)


def test_scipy_save_npz_then_ours(tmp_path, rng):
    dense = random_sparse(rng, (30, 20), 0.2)
    for m in (sp.csr_array(dense), sp.csc_matrix(dense), sp.bsr_matrix(dense, blocksize=(3, 2))):
        sp.save_npz(tmp_path / "s.npz", m)
        np.testing.assert_array_equal(io.load_npz(tmp_path / "s.npz").toarray(), dense)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_npy_both_ways(tmp_path, rng, order, dtype):
    for shape in SHAPES:
        a = np.asarray(rng.standard_normal(shape), dtype=dtype, order=order)
        io.save_npy(tmp_path / "a.npy", a, fortran_order=order == "F")
        back = np.load(tmp_path / "a.npy")
        assert back.dtype == dtype
        if min(shape) > 1:
            assert back.flags.f_contiguous == (order == "F") and back.flags.c_contiguous == (order == "C")
        np.testing.assert_array_equal(back, a)
        np.save(tmp_path / "n.npy", a)
        ours = io.load_npy(tmp_path / "n.npy")
        assert ours.dtype == dtype
        np.testing.assert_array_equal(ours, a)


def test_safetensors_real_model_tensors():
    path = DATA / "nn" / "mnist_small.safetensors"
    info = io.list_tensors(path)
    names = {t["name"]: t for t in info["tensors"]}
    assert names["conv1.weight"]["shape"] == (8, 1, 3, 3)
    ref = np.load(DATA / "nn" / "fc2.weight.npy")
    np.testing.assert_array_equal(io.load_safetensors_matrix(path, "fc2.weight"), ref)
    # F16 widening is exact: equal to numpy's float16 -> float32.
    np.testing.assert_array_equal(io.load_safetensors_matrix(path, "fc2.weight.f16"),
                                  ref.astype(np.float16).astype(np.float32))
    bf16 = (ref.view(np.uint32) & 0xFFFF0000).view(np.float32)
    np.testing.assert_array_equal(io.load_safetensors_matrix(path, "fc2.weight.bf16"), bf16)


def test_save_safetensors_readable_by_plain_parser(tmp_path, rng):
    dense = random_sparse(rng, (12, 9), 0.3, dtype=np.float32)
    bias = rng.standard_normal(12).astype(np.float32)
    io.save_safetensors(tmp_path / "m.safetensors", {"w": sf.CSRMatrix.from_dense(dense), "b": bias},
                        metadata={"note": "test"})
    blob = (tmp_path / "m.safetensors").read_bytes()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    assert (8 + n) % 8 == 0
    assert header["__metadata__"] == {"note": "test", "w.shape": "[12, 9]", "w.format": "csr"}

    def tensor(name, dtype):
        b, e = header[name]["data_offsets"]
        return np.frombuffer(blob[8 + n + b:8 + n + e], dtype=dtype)

    theirs = sp.csr_matrix((tensor("w.values", np.float32), tensor("w.col_indices", np.int32),
                            tensor("w.row_ptr", np.int32)), shape=(12, 9))
    np.testing.assert_array_equal(theirs.toarray(), dense)
    np.testing.assert_array_equal(tensor("b", np.float32), bias)
    same(io.load_safetensors_csr(tmp_path / "m.safetensors", "w"), theirs)
    assert io.list_tensors(tmp_path / "m.safetensors")["sparse"] == ["w"]


def test_program_is_installed_and_analyzes_the_default():
    exe = shutil.which("sparse-formats")
    assert exe, "pip install . should put sparse-formats on PATH"
    out = subprocess.run([exe, "analyze", "--json"], capture_output=True, text=True, check=True).stdout
    layer = json.loads(out)["layers"][0]
    assert layer["shape"] == [500, 784] and layer["nnz"] == 39200


def test_program_convert_matches_scipy(tmp_path):
    exe = shutil.which("sparse-formats")
    src = DATA / "mtx" / "1138_bus.mtx"
    r = subprocess.run([exe, "convert", str(src), str(tmp_path / "a.npz"), "-q"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(sp.load_npz(tmp_path / "a.npz").toarray(),
                                  sp.csr_matrix(scipy.io.mmread(str(src))).toarray())
    r = subprocess.run([exe, "convert", str(DATA / "invalid" / "mm_truncated.mtx"), str(tmp_path / "b.npz")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "mm_truncated.mtx:5: file ends after 3 of the 4" in r.stderr
