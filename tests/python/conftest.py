"""The suite tests the installed package (pip install .), never the source tree."""
import os
import pathlib

import numpy as np
import pytest

import sparse_formats

_SOURCE = pathlib.Path(__file__).resolve().parents[2] / "python"
assert not pathlib.Path(sparse_formats.__file__).resolve().is_relative_to(_SOURCE), (
    f"sparse_formats imported from the source tree ({sparse_formats.__file__}); run `pip install .` first")


@pytest.fixture
def rng():
    return np.random.default_rng(int(os.environ.get("SPARSE_FORMATS_TEST_SEED", "20260118")))


def random_sparse(rng, shape, density, dtype=np.float64):
    """A dense array with about `density` non-zeros, values away from zero."""
    mask = rng.random(shape) < density
    values = rng.standard_normal(shape) + np.sign(rng.standard_normal(shape)) * 0.1
    return (values * mask).astype(dtype)


def pytest_sessionfinish(session, exitstatus):
    # A run that collected nothing (exit status 5) is a broken suite, not a pass.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
