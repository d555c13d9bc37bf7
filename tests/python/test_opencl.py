"""Device-resident matrices on the OpenCL backend (PoCL on the CPU in CI) against float64 numpy products.
Without an OpenCL device the device tests are skipped with the reason, and the no-device behaviour is
checked instead."""
import numpy as np
import pytest

import sparse_formats as sf
from conftest import random_sparse

DEVICES = sf.list_devices()
needs_device = pytest.mark.skipif(
    not DEVICES, reason="no OpenCL device (library built without OpenCL, no ICD installed, or OCL_ICD_VENDORS "
                        "points at no driver; pocl-opencl-icd gives a CPU device)")
FP64 = bool(DEVICES) and sf.device.default_device()["fp64"]


def close(got, want, a, x):
    """|got - want| <= tol * (|A| |x|): the rounding bound of a float32 sum in any order."""
    scale = np.abs(a).astype(np.float64) @ np.abs(np.asarray(x, dtype=np.float64))
    tol = 2e-5 if got.dtype == np.float32 else 1e-12
    assert got.shape == want.shape
    assert np.all(np.abs(got.astype(np.float64) - want) <= tol * scale + 1e-30)


@pytest.mark.skipif(bool(DEVICES), reason="a device exists: this checks the machine or build without one")
def test_without_a_device_uploads_raise_backend_unavailable():
    m = sf.CSRMatrix.from_dense(np.eye(3, dtype=np.float32))
    with pytest.raises(sf.BackendUnavailableError) as e:
        m.to_device()
    assert isinstance(e.value, RuntimeError)
    assert "no OpenCL device" in sf.describe_devices()


@needs_device
def test_list_devices():
    for i, d in enumerate(DEVICES):
        assert d["index"] == i and d["name"] and d["compute_units"] > 0 and d["simd_width"] > 0
    assert DEVICES[0]["name"] in sf.describe_devices()


@needs_device
@pytest.mark.parametrize("fmt", ["csr", "csc", "bsr"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 300), (300, 1), (517, 389)])
def test_products_match_numpy(rng, fmt, shape):
    a = random_sparse(rng, shape, 0.05, np.float32)
    a[::7] = 0  # empty rows
    host = {"csr": sf.CSRMatrix.from_dense, "csc": sf.CSCMatrix.from_dense,
            "bsr": lambda d: sf.BlockSparseMatrix.from_dense(d, block_size=8)}[fmt](a)
    d = host.to_device("opencl")
    assert d.shape == shape and d.nnz == host.nnz and d.format == host.format
    a64 = a.astype(np.float64)
    for k in (None, 1, 33, 128):
        xs = (shape[1],) if k is None else (shape[1], k)
        x = rng.standard_normal(xs).astype(np.float32)
        y = d.sparse_matmul(x)
        assert y.dtype == np.float32 and y.shape == ((shape[0],) if k is None else (shape[0], k))
        close(y, a64 @ x, a, x)
        xt = rng.standard_normal((shape[0],) if k is None else (shape[0], k)).astype(np.float32)
        close(d.transpose_matmul(xt), a64.T @ xt, a.T, xt)
    np.testing.assert_array_equal(d.to_host().to_dense(), host.to_dense())


@needs_device
def test_resident_operands_stay_on_the_device(rng):
    a = random_sparse(rng, (400, 250), 0.05, np.float32)
    d = sf.CSRMatrix.from_dense(a).to_device()
    x = rng.standard_normal((250, 16)).astype(np.float32)
    x_before = x.copy()
    yd = d.sparse_matmul(x, resident=True)
    assert isinstance(yd, sf.DeviceArray) and yd.shape == (400, 16)
    zd = d.transpose_matmul(yd)  # a DeviceArray in, a DeviceArray out
    assert isinstance(zd, sf.DeviceArray)
    y = a.astype(np.float64) @ x
    close(yd.to_host(), y, a, x)
    scale = np.abs(a.T.astype(np.float64)) @ (np.abs(a.astype(np.float64)) @ np.abs(x))
    assert np.all(np.abs(zd.to_host() - a.T.astype(np.float64) @ y) <= 4e-5 * scale + 1e-30)
    np.testing.assert_array_equal(x, x_before)
    xd = sf.to_device_array(x)
    close(d.sparse_matmul(xd).to_host(), y, a, x)


@needs_device
def test_any_memory_order_and_int_operands(rng):
    a = random_sparse(rng, (60, 45), 0.2, np.float32)
    d = sf.CSRMatrix.from_dense(a).to_device()
    x = np.asfortranarray(rng.standard_normal((45, 7)).astype(np.float32))
    close(d.sparse_matmul(x), a.astype(np.float64) @ x, a, x)
    xs = rng.standard_normal((90, 7)).astype(np.float32)[::2]
    close(d.sparse_matmul(xs), a.astype(np.float64) @ xs, a, xs)
    xi = np.arange(45)
    close(d @ xi, a.astype(np.float64) @ xi, a, xi)


@needs_device
def test_errors_are_typed(rng):
    m = sf.CSRMatrix.from_dense(random_sparse(rng, (20, 10), 0.3, np.float32))
    d = m.to_device()
    with pytest.raises(sf.ShapeMismatchError):
        d.sparse_matmul(np.ones(11, np.float32))
    with pytest.raises(ValueError):
        d.transpose_matmul(np.ones((10, 2), np.float32))
    with pytest.raises(sf.BackendUnavailableError):
        m.to_device(device=len(DEVICES))
    with pytest.raises(sf.BackendUnavailableError):
        m.to_device("cpu")
    one = m.to_device(both_orientations=False)
    with pytest.raises(NotImplementedError):
        one.transpose_matmul(np.ones(20, np.float32))
    with pytest.raises(sf.BackendUnavailableError, match="to_device"):
        m.sparse_matmul(np.ones(10, np.float32), backend="opencl")


@needs_device
@pytest.mark.parametrize("spmv", ["scalar", "vector", "adaptive"])
def test_every_spmv_kernel_on_skewed_rows(rng, spmv):
    a = random_sparse(rng, (700, 900), 0.004, np.float32)
    a[:3] = random_sparse(rng, (3, 900), 0.9, np.float32)  # a few very long rows
    d = sf.CSRMatrix.from_dense(a).to_device(spmv=spmv)
    x = rng.standard_normal(900).astype(np.float32)
    close(d.sparse_matmul(x), a.astype(np.float64) @ x, a, x)
    assert f"SpMV {spmv}" in d.describe()


@needs_device
@pytest.mark.skipif(not FP64, reason="device has no cl_khr_fp64")
def test_float64(rng):
    a = random_sparse(rng, (150, 120), 0.1, np.float64)
    for host in (sf.CSRMatrix.from_dense(a), sf.BlockSparseMatrix.from_dense(a, block_size=4)):
        d = host.to_device()
        assert d.dtype == np.float64
        x = rng.standard_normal((120, 5))
        close(d.sparse_matmul(x), a @ x, a, x)
        xt = rng.standard_normal(150)
        close(d.transpose_matmul(xt), a.T @ xt, a.T, xt)
