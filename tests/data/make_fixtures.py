"""Regenerates the fixtures in tests/data (run from the repository root: python3 tests/data/make_fixtures.py).

- expected/<name>.npz: what scipy reads from each mtx/<name>.mtx: scipy.io.mmread(file) as a csr_matrix
  with duplicates summed and float64 values, saved with scipy.sparse.save_npz.
- npz/<name>.npz + npz/<name>.dense.npy: files written by scipy.sparse.save_npz (csr, csc, bsr; matrix and
  array kinds; stored and deflated; int32 and int64 indices; unsorted indices) and the same matrix dense.
- npy/*.npy: numpy arrays whose element (i, j) is i * 10 + j + 0.5, in C and Fortran order, little and big endian.
- nn/mnist_small.safetensors: tensors of the MIT-licensed burn MNIST model (../shared/data/nn/burn_mnist_cnn):
  fc2.weight as F32, F16 and BF16 (BF16 = float32 bits truncated), conv1.weight (4-D) and fc2.bias.
"""
import json
import pathlib
import struct

import numpy as np
import scipy.io
import scipy.sparse as sp

root = pathlib.Path(__file__).parent
shared = root.parent.parent.parent / "shared" / "data"

for path in sorted((root / "mtx").glob("*.mtx")):
    # complex: rejected by our reader; jumbled: scipy rejects its blank and comment lines inside
    # the data, our reader accepts them and the test compares it with west0067's fixture.
    if "complex" in path.name or "jumbled" in path.name:
        continue
    m = scipy.io.mmread(str(path))
    csr = sp.csr_matrix(m, dtype=np.float64)
    csr.sum_duplicates()
    csr.indices = csr.indices.astype(np.int32)
    csr.indptr = csr.indptr.astype(np.int32)
    sp.save_npz(root / "expected" / (path.stem + ".npz"), csr, compressed=True)

rng = np.random.default_rng(7)
(root / "npz").mkdir(exist_ok=True)
dense = rng.standard_normal((12, 18)) * (rng.random((12, 18)) < 0.3)
block = np.zeros((12, 18))
block[0:3, 6:12] = rng.standard_normal((3, 6))
block[9:12, 0:6] = rng.standard_normal((3, 6))
unsorted = sp.csr_matrix((np.array([3.0, 1.0, 2.0]), np.array([2, 0, 1]), np.array([0, 3, 3])), shape=(2, 4))
cases = {
    "csr_matrix": (sp.csr_matrix(dense), True),
    "csr_array_stored": (sp.csr_array(dense), False),
    "csc_matrix": (sp.csc_matrix(dense), True),
    "csc_array": (sp.csc_array(dense.astype(np.float32)), True),
    "bsr_3x6": (sp.bsr_matrix(block, blocksize=(3, 6)), True),
    "csr_int64_indices": (sp.csr_matrix(dense), False),
    "csr_unsorted": (unsorted, False),
    "csr_empty": (sp.csr_matrix((0, 5)), True),
}
for name, (m, compressed) in cases.items():
    if name == "csr_int64_indices":
        m.indices = m.indices.astype(np.int64)
        m.indptr = m.indptr.astype(np.int64)
    sp.save_npz(root / "npz" / (name + ".npz"), m, compressed=compressed)
    np.save(root / "npz" / (name + ".dense.npy"), m.toarray().astype(np.float64))

(root / "npy").mkdir(exist_ok=True)
grid = np.add.outer(np.arange(5) * 10.0, np.arange(3)) + 0.5
np.save(root / "npy" / "c_f8.npy", grid)
np.save(root / "npy" / "fortran_f8.npy", np.asfortranarray(grid))
np.save(root / "npy" / "c_f4_big_endian.npy", grid.astype(">f4"))
np.save(root / "npy" / "fortran_f4.npy", np.asfortranarray(grid.astype(np.float32)))
np.save(root / "npy" / "vector_f8.npy", grid[:, 0].copy())
# an empty array that declares a huge dimension, in Fortran order (numpy writes such an array in C order)
hdr = "{'descr': '<f4', 'fortran_order': True, 'shape': (0, 1152921504606846976), }"
hdr += " " * (-(10 + len(hdr) + 1) % 64) + "\n"
(root / "npy" / "empty_huge_fortran.npy").write_bytes(b"\x93NUMPY\x01\x00" + len(hdr).to_bytes(2, "little") + hdr.encode())

(root / "nn").mkdir(exist_ok=True)
src = shared / "nn" / "burn_mnist_cnn"
if src.exists():
    blob = (src / "mnist.safetensors").read_bytes()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8 : 8 + n])

    def tensor(name):
        h = header[name]
        b, e = h["data_offsets"]
        return np.frombuffer(blob[8 + n + b : 8 + n + e], dtype=np.float32).reshape(h["shape"])

    fc2 = tensor("fc2.weight")
    bf16 = (fc2.view(np.uint32) >> 16).astype(np.uint16)
    tensors = {
        "fc2.weight": ("F32", fc2),
        "fc2.weight.f16": ("F16", fc2.astype(np.float16)),
        "fc2.weight.bf16": ("BF16", bf16),
        "conv1.weight": ("F32", tensor("conv1.weight")),
        "fc2.bias": ("F32", tensor("fc2.bias")),
    }
    out_header, data, offset = {}, b"", 0
    for name, (dtype, arr) in tensors.items():
        raw = np.ascontiguousarray(arr).tobytes()
        out_header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    out_header["__metadata__"] = {"source": "tracel-ai/burn examples/import-model-weights (MIT)"}
    text = json.dumps(out_header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    (root / "nn" / "mnist_small.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + data)
    np.save(root / "nn" / "fc2.weight.npy", fc2)
