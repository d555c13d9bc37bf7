"""Regenerates the hostile-file corpus in this folder. Each file's expected error type and message
fragment are listed in expected.tsv, which the C++ tests read. Run: python3 tests/data/invalid/make_invalid.py
"""
import io
import json
import pathlib
import struct
import zipfile

import numpy as np

here = pathlib.Path(__file__).parent
rows = []


def add(name, data, kind, fragment):
    (here / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    rows.append((name, kind, fragment))


B = "%%MatrixMarket matrix coordinate real general\n"
add("mm_empty.mtx", "", "parse_error", ":1: empty file")
add("mm_bad_banner.mtx", "%%MatrixMarked matrix coordinate real general\n1 1 1\n1 1 1\n", "parse_error",
    ":1: not a Matrix Market file")
add("mm_short_banner.mtx", "%%MatrixMarket matrix coordinate real\n1 1 1\n1 1 1\n", "parse_error", ":1: banner needs four words")
add("mm_bad_field.mtx", "%%MatrixMarket matrix coordinate quaternion general\n1 1 1\n1 1 1\n", "parse_error",
    ":1: field \"quaternion\"")
add("mm_complex.mtx", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", "unsupported",
    ":1: complex Matrix Market files are not supported")
add("mm_hermitian.mtx", "%%MatrixMarket matrix coordinate real hermitian\n2 2 1\n1 1 1\n", "unsupported",
    ":1: Hermitian Matrix Market files are not supported")
add("mm_no_size_line.mtx", B + "% only a comment\n", "parse_error", ":3: file ends before the size line")
add("mm_negative_size.mtx", B + "-3 3 1\n1 1 1\n", "parse_error", ":2: size \"-3\" is not a non-negative integer")
add("mm_overflowing_size.mtx", B + "3 3 99999999999999999999\n", "parse_error", ":2: size \"99999999999999999999\" overflows int64")
add("mm_huge_count.mtx", B + "3 3 1000000000000\n1 1 1\n", "parse_error",
    ":2: declares 1000000000000 entries but only 6 bytes follow")
add("mm_int32_shape.mtx", B + "3000000000 1 0\n", "parse_error", ":2: shape (3000000000, 1) does not fit int32 indices")
add("mm_huge_empty_shape.mtx", B + "1500000000 1 0\n", "parse_error",
    ":2: shape (1500000000, 1) is implausibly large for a 61-byte file")
add("mm_truncated.mtx", B + "3 3 4\n1 1 1.25\n2 2 2.50\n3 3 3.75\n", "parse_error",
    ":5: file ends after 3 of the 4 declared entries")
add("mm_too_many.mtx", B + "3 3 1\n1 1 1\n2 2 2\n", "parse_error", ":4: more entries than the 1 declared")
add("mm_row_out_of_range.mtx", B + "3 3 1\n4 1 1\n", "parse_error", ":3: row index 4 is outside 1..3")
add("mm_zero_index.mtx", B + "3 3 1\n1 0 1\n", "parse_error", ":3: column index 0 is outside 1..3")
add("mm_overflowing_index.mtx", B + "3 3 1\n99999999999999999999 1 1\n", "parse_error",
    ":3: row index \"99999999999999999999\" overflows int64")
add("mm_nan.mtx", B + "3 3 1\n1 1 nan\n", "parse_error", ":3: value \"nan\" is not finite")
add("mm_inf.mtx", B + "3 3 1\n1 1 -inf\n", "parse_error", ":3: value \"-inf\" is not finite")
add("mm_nan_word.mtx", B + "3 3 1\n1 1 NaNx\n", "parse_error", ":3: value \"NaNx\" is not a number")
add("mm_overflowing_value.mtx", B + "3 3 1\n1 1 1e400\n", "parse_error", ":3: value \"1e400\" overflows float64")
add("mm_text_value.mtx", B + "3 3 1\n1 1 one\n", "parse_error", ":3: value \"one\" is not a number")
add("mm_missing_value.mtx", B + "3 3 1\n1      1\n", "parse_error", ":3: entry has no value")
add("mm_extra_token.mtx", B + "3 3 1\n1 1 1.0 2.0\n", "parse_error", ":3: unexpected \"2.0\" after the entry")
add("mm_symmetric_rectangle.mtx", "%%MatrixMarket matrix coordinate real symmetric\n2 3 1\n1 1 1\n", "parse_error",
    ":2: a symmetric matrix must be square")
add("mm_integer_fraction.mtx", "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n", "parse_error",
    ":3: value \"1.5\" is not an integer")
add("mm_array_truncated.mtx", "%%MatrixMarket matrix array real general\n2 2\n1.0\n2.0\n3.0\n", "parse_error",
    ":5: file ends after 3 of the 4 declared entries")


def npy(descr, shape, payload, fortran=False):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    d = d + " " * ((64 - (10 + len(d) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d.encode() + payload


add("npy_bad_magic.npy", b"\x93NUMPX\x01\x00" + b"\0" * 80, "parse_error", ": byte 0: not an .npy file")
add("npy_truncated.npy", npy("<f4", "(1000, 1000)", b"\0" * 64), "parse_error",
    ": byte 128: shape and dtype need 1000000 x 4 bytes but only 64 follow")
add("npy_header_length.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'", "parse_error", ": byte 8: header length 65535 exceeds")
add("npy_complex.npy", npy("<c8", "(2,)", b"\0" * 16), "parse_error", "dtype '<c8' is not supported")
add("npy_shape_overflow.npy", npy("<f8", "(4294967296, 4294967296, 4294967296)", b""), "parse_error",
    "shape overflows int64")
add("npy_bad_dict.npy", npy("<f8", "(2, 'x')", b"\0" * 16), "parse_error", "npy header: shape dimensions must be")
add("npy_trailing.npy", npy("<f8", "(1,)", b"\0" * 16), "parse_error", "8 unexpected bytes after the array data")
add("npy_3d.npy", npy("<f4", "(1, 1, 1)", b"\0" * 4), "parse_error", "expected a 1-D or 2-D array")


def npz(arrays, compressed=False):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


good = dict(format=np.array(b"csr"), shape=np.array([2, 2]), data=np.array([1.0, 2.0]),
            indices=np.array([0, 1], dtype=np.int32), indptr=np.array([0, 1, 2], dtype=np.int32))
add("npz_not_zip.npz", b"this is not a zip archive at all", "parse_error", ": byte 0: not a zip archive")
whole = npz(good)
add("npz_truncated.npz", whole[: len(whole) // 2], "parse_error", "no end-of-central-directory record")
corrupt = bytearray(npz(good))
at = corrupt.find(b"\x00\x00\x00\x00\x00\x00\xf0\x3f")  # the stored 1.0 in data
corrupt[at + 7] ^= 0x01
add("npz_bad_crc.npz", bytes(corrupt), "parse_error", "fails its CRC-32 check")
add("npz_no_format.npz", npz({k: v for k, v in good.items() if k != "format"}), "parse_error", "no 'format' array")
add("npz_coo.npz", npz(dict(good, format=np.array(b"coo"))), "unsupported", "sparse format 'coo' is not supported")
add("npz_decreasing_indptr.npz", npz(dict(good, indptr=np.array([0, 2, 1], dtype=np.int32))), "parse_error",
    "row_ptr")
add("npz_index_out_of_range.npz", npz(dict(good, indices=np.array([0, 7], dtype=np.int32)), compressed=True),
    "parse_error", "out of range")
add("npz_int64_index_too_big.npz", npz(dict(good, indices=np.array([0, 2**40], dtype=np.int64))), "parse_error",
    "does not fit int32")
add("npz_huge_csc.npz", npz(dict(good, format=np.array(b"csc"), shape=np.array([2**40, 2]))), "parse_error",
    "shape (1099511627776, 2) is implausibly large")
add("npz_bad_shape.npz", npz(dict(good, shape=np.array([2, 2, 2]))), "parse_error", "shape must hold two")
add("npz_float_indices.npz", npz(dict(good, indices=np.array([0.0, 1.0]))), "parse_error", "is not an integer type")


def st(header, payload=b""):
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + payload


add("st_short.safetensors", b"\x10\x00\x00", "parse_error", ": byte 0: file is shorter than the 8-byte header length")
add("st_header_too_long.safetensors", struct.pack("<Q", 1 << 40) + b"{}", "parse_error", "exceeds the 100 MB limit")
add("st_header_past_end.safetensors", struct.pack("<Q", 1000) + b"{}", "parse_error",
    "header length 1000 exceeds the 2 bytes that follow")
add("st_bad_json.safetensors", struct.pack("<Q", 11) + b'{"w": {"dty', "parse_error", "header is not valid JSON")
overflow = b'{"w": {"dtype": "F32", "shape": [1e999], "data_offsets": [0, 4]}}'
add("st_number_overflow.safetensors", struct.pack("<Q", len(overflow)) + overflow + b"\0" * 4, "parse_error",
    "number overflow parsing '1e999'")
add("st_offsets_outside.safetensors",
    st({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, b"\0" * 8), "parse_error",
    "data_offsets [0, 16] lie outside the 8-byte data section")
add("st_size_mismatch.safetensors",
    st({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 16]}}, b"\0" * 16), "parse_error",
    "holds 16 bytes but its shape and dtype need 24")
add("st_unknown_dtype.safetensors", st({"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8),
    "parse_error", "unknown dtype 'C64'")
add("st_negative_dim.safetensors", st({"w": {"dtype": "F32", "shape": [-1, 2], "data_offsets": [0, 8]}}, b"\0" * 8),
    "parse_error", "shape dimension -1")
add("st_no_tensor.safetensors", st({"v": {"dtype": "F32", "shape": [1, 1], "data_offsets": [0, 4]}}, b"\0" * 4),
    "parse_error", "no tensor named 'w' (tensors: v)")
add("st_int_tensor.safetensors", st({"w": {"dtype": "I32", "shape": [1, 1], "data_offsets": [0, 4]}}, b"\0" * 4),
    "parse_error", "has dtype I32, expected F32, F16, BF16 or F64")

with open(here / "expected.tsv", "w") as f:
    f.write("# file\terror type\tmessage fragment (the message also starts with the file's path)\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
print(len(rows), "files")
