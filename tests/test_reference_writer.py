"""The reference writer against bytes computed by hand from the spec texts."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from zarr_conformance.fixtures.cases import load_entries
from zarr_conformance.fixtures.codecs import crc32c
from zarr_conformance.fixtures.dtypes import decode_fill_value
from zarr_conformance.fixtures.errors import MetadataError
from zarr_conformance.fixtures.keys import chunk_key, normalize_path
from zarr_conformance.fixtures.reader import read_array
from zarr_conformance.fixtures.writer import build


def one_case(text: str):
    (case,) = load_entries([("inline", "cases:\n" + text)])
    return case


def build_store(tmp_path, text: str):
    case = one_case(text)
    fixture = build(case, tmp_path / case.id)
    return fixture, fixture.store


V2_2X2 = """
  - id: v2-2x2
    format: 2
    shape: [2, 2]
    chunks: [2, 2]
    dtype: "<i2"
    fill_value: 0
    compressor: null
    order: {order}
    data: {{recipe: explicit, values: [1, 2, 3, 4]}}
"""


def test_v2_2x2_int16_c_order_chunk_bytes(tmp_path):
    _, store = build_store(tmp_path, V2_2X2.format(order="C"))
    # V2-030/V2-011: no header, elements in C order, little-endian int16
    assert (store / "0.0").read_bytes() == bytes.fromhex("0100 0200 0300 0400")
    metadata = json.loads((store / ".zarray").read_text())
    assert metadata == {
        "zarr_format": 2,
        "shape": [2, 2],
        "chunks": [2, 2],
        "dtype": "<i2",
        "compressor": None,
        "fill_value": 0,
        "order": "C",
        "filters": None,
    }
    assert sorted(p.name for p in store.iterdir()) == [".zarray", "0.0"]


def test_v2_2x2_int16_f_order_chunk_bytes(tmp_path):
    _, store = build_store(tmp_path, V2_2X2.format(order="F"))
    # column-major: (0,0), (1,0), (0,1), (1,1) -> 1, 3, 2, 4
    assert (store / "0.0").read_bytes() == bytes.fromhex("0100 0300 0200 0400")


def test_v2_big_endian_and_nested_keys(tmp_path):
    _, store = build_store(
        tmp_path,
        """
  - id: v2-be
    format: 2
    shape: [2, 2]
    chunks: [1, 2]
    dtype: ">u2"
    fill_value: 0
    compressor: null
    order: C
    dimension_separator: "/"
    data: {recipe: explicit, values: [1, 258, 3, 4]}
""",
    )
    assert (store / "0" / "0").read_bytes() == bytes.fromhex("0001 0102")
    assert (store / "1" / "0").read_bytes() == bytes.fromhex("0003 0004")


def test_v3_bytes_big_endian_default_keys_and_metadata(tmp_path):
    _, store = build_store(
        tmp_path,
        """
  - id: v3-2x2
    format: 3
    shape: [2, 2]
    chunks: [1, 2]
    dtype: int16
    fill_value: 0
    codecs: [{name: bytes, configuration: {endian: big}}]
    dimension_names: [y, null]
    data: {recipe: explicit, values: [1, -2, 3, 4]}
""",
    )
    assert (store / "c" / "0" / "0").read_bytes() == bytes.fromhex("0001 fffe")
    assert (store / "c" / "1" / "0").read_bytes() == bytes.fromhex("0003 0004")
    document = json.loads((store / "zarr.json").read_text())
    assert document == {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [2, 2],
        "data_type": "int16",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [1, 2]}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "codecs": [{"name": "bytes", "configuration": {"endian": "big"}}],
        "dimension_names": ["y", None],
    }


def test_v3_transpose_then_bytes(tmp_path):
    _, store = build_store(
        tmp_path,
        """
  - id: v3-transpose
    format: 3
    shape: [2, 3]
    chunks: [2, 3]
    dtype: uint8
    fill_value: 0
    codecs: [{name: transpose, configuration: {order: [1, 0]}}, {name: bytes}]
    data: {recipe: explicit, values: [1, 2, 3, 4, 5, 6]}
""",
    )
    # V3-TRANSPOSE-004: out[j, i] = in[i, j]; bytes then writes the 3x2 array in C order
    assert (store / "c" / "0" / "0").read_bytes() == bytes([1, 4, 2, 5, 3, 6])


@pytest.mark.parametrize(
    "encoding, separator, index, key",
    [
        ("default", "/", (1, 23, 45), "c/1/23/45"),
        ("default", ".", (1, 23, 45), "c.1.23.45"),
        ("default", "/", (), "c"),
        ("v2", ".", (1, 23, 45), "1.23.45"),
        ("v2", "/", (1, 23, 45), "1/23/45"),
        ("v2", ".", (), "0"),
    ],
)
def test_chunk_keys_from_the_spec_examples(encoding, separator, index, key):
    # V3-CKE-003, -004, -006, -007
    assert chunk_key(3, encoding, separator, index) == key


def test_v2_path_normalisation_and_dot_segments():
    assert normalize_path("\\foo//bar/") == "foo/bar"  # V2-039
    for bad in ("foo/../bar", "./foo", "foo/."):
        with pytest.raises(MetadataError, match="V2-040"):
            normalize_path(bad)


def test_crc32c_check_value():
    # the CRC-32C (Castagnoli) check value from RFC 3720 / the standard catalogue
    assert crc32c(b"123456789") == 0xE3069283


SHARD = """
  - id: one-shard
    format: 3
    shape: [4]
    chunks: [4]
    dtype: uint8
    fill_value: 0
    codecs:
      - name: sharding_indexed
        configuration:
          chunk_shape: [2]
          codecs: [{{name: bytes}}]
          index_codecs: [{{name: bytes, configuration: {{endian: little}}}}, {{name: crc32c}}]
          index_location: {location}
    data: {{recipe: explicit, values: [1, 2, 3, 4]}}
    {missing}
"""


def test_one_shard_index_at_end(tmp_path):
    _, store = build_store(tmp_path, SHARD.format(location="end", missing=""))
    shard = (store / "c" / "0").read_bytes()
    index = struct.pack("<4Q", 0, 2, 2, 2)  # (offset, nbytes) of inner chunks 0 and 1
    # V3-SHARD-014/015: inner chunks, then 16*2 index bytes and their 4-byte CRC32C
    assert shard == bytes([1, 2, 3, 4]) + index + crc32c(index).to_bytes(4, "little")
    assert len(shard) == 4 + 16 * 2 + 4


def test_one_shard_index_at_start_with_an_empty_inner_chunk(tmp_path):
    fixture, store = build_store(tmp_path, SHARD.format(location="start", missing="missing_inner_chunks: [[0]]"))
    shard = (store / "c" / "0").read_bytes()
    empty = 2**64 - 1
    index = struct.pack("<4Q", empty, empty, 36, 2)  # V3-SHARD-012; offsets count from the shard start
    assert shard == index + crc32c(index).to_bytes(4, "little") + bytes([3, 4])
    np.testing.assert_array_equal(fixture.expected(), [0, 0, 3, 4])
    np.testing.assert_array_equal(read_array(store), [0, 0, 3, 4])


def test_missing_chunk_is_not_written_and_expected_holds_the_fill_value(tmp_path):
    fixture, store = build_store(
        tmp_path,
        """
  - id: v3-missing
    format: 3
    shape: [4]
    chunks: [2]
    dtype: float32
    fill_value: "NaN"
    codecs: [{name: bytes, configuration: {endian: little}}]
    missing_chunks: [[1]]
    data: {recipe: explicit, values: [1, 2, 3, 4]}
""",
    )
    assert (store / "c" / "0").exists() and not (store / "c" / "1").exists()
    expected = fixture.expected()
    assert expected[:2].tolist() == [1.0, 2.0]
    assert expected[2:].view("<u4").tolist() == [0x7FC00000, 0x7FC00000]


def test_edge_chunk_padding(tmp_path):
    _, store = build_store(
        tmp_path,
        """
  - id: v3-edge
    format: 3
    shape: [3]
    chunks: [2]
    dtype: uint8
    fill_value: 9
    codecs: [{name: bytes}]
    data: {recipe: explicit, values: [1, 2, 3]}
""",
    )
    # V3-GRID-007: the edge chunk keeps the full chunk shape, the overhang holds the fill value
    assert (store / "c" / "1").read_bytes() == bytes([3, 9])


def test_gzip_output_is_reproducible(tmp_path):
    _, store = build_store(
        tmp_path,
        """
  - id: v3-gzip
    format: 3
    shape: [4]
    chunks: [4]
    dtype: uint8
    fill_value: 0
    codecs: [{name: bytes}, {name: gzip, configuration: {level: 1}}]
""",
    )
    data = (store / "c" / "0").read_bytes()
    # RFC 1952 header: magic, deflate, no flags, mtime 0
    assert data[:8] == bytes.fromhex("1f8b0800 00000000")


@pytest.mark.parametrize(
    "json_value, dtype, bits",
    [
        ("NaN", "float32", 0x7FC00000),
        ("NaN", "float16", 0x7E00),
        ("NaN", "float64", 0x7FF8000000000000),
        ("0x7fc00001", "float32", 0x7FC00001),
        ("0x7c01", "float16", 0x7C01),
        ("Infinity", "float32", 0x7F800000),
        ("-Infinity", "float64", 0xFFF0000000000000),
        (-0.0, "float32", 0x80000000),
        (0.1, "float16", 0x2E66),  # round half to even (V3-DTYPE-006)
    ],
)
def test_v3_float_fill_values(json_value, dtype, bits):
    value = decode_fill_value(json_value, np.dtype(dtype), 3)
    width = np.dtype(dtype).itemsize
    assert int(np.asarray(value).view(f"u{width}")) == bits


def test_v3_complex_and_bool_fill_values():
    value = decode_fill_value(["-Infinity", "NaN"], np.dtype("complex64"), 3)
    assert np.isneginf(value.real) and np.isnan(value.imag)
    assert decode_fill_value(True, np.dtype("bool"), 3) is np.True_


@pytest.mark.parametrize(
    "json_value, dtype, requirement",
    [
        (1.0, "int32", "V3-DTYPE-005"),
        (256, "uint8", "V3-DTYPE-005"),
        (0, "bool", "V3-DTYPE-004"),
        ("nan", "float32", "V3-DTYPE-007"),
        ([1.0], "complex64", "V3-DTYPE-011"),
        ("0x7ff8000000000000", "float32", "V3-DTYPE-009"),
    ],
)
def test_v3_invalid_fill_values_name_their_requirement(json_value, dtype, requirement):
    with pytest.raises(MetadataError, match=requirement):
        decode_fill_value(json_value, np.dtype(dtype), 3)


def test_v2_fill_values_base64_and_null():
    assert decode_fill_value("aGVsbG8=", np.dtype("|S5"), 2) == b"hello"  # V2-028
    assert decode_fill_value(None, np.dtype("<i4"), 2) is None  # V2-029
    assert np.isnan(decode_fill_value("NaN", np.dtype("<f8"), 2))  # V2-026


def test_a_transpose_before_sharding_permutes_the_shard_index(tmp_path):
    # the shard [1, 2, 3] reaches the shard codec as [2, 3, 1] (order [1, 2, 0]); chunk_shape
    # [1, 3, 1] splits that along its first dimension, which is the array's second: the inner
    # chunks cover the array regions [0, 0, :] and [0, 1, :] (V3-SHARD-003, V3-TRANSPOSE-004)
    fixture, store = build_store(
        tmp_path,
        """
  - id: v3-transposed-shard
    format: 3
    shape: [1, 2, 3]
    chunks: [1, 2, 3]
    dtype: uint8
    fill_value: 9
    codecs:
      - {name: transpose, configuration: {order: [1, 2, 0]}}
      - name: sharding_indexed
        configuration:
          chunk_shape: [1, 3, 1]
          codecs: [{name: bytes}]
          index_codecs: [{name: bytes, configuration: {endian: little}}]
    data: {recipe: explicit, values: [0, 1, 2, 3, 4, 5]}
    missing_inner_chunks: [[0, 1, 0]]
""",
    )
    empty = 2**64 - 1
    # inner chunk (0, 0, 0) holds the array's [0, 0, :]; (1, 0, 0), the array's [0, 1, :], is empty
    assert (store / "c" / "0" / "0" / "0").read_bytes() == bytes([0, 1, 2]) + struct.pack("<4Q", 0, 3, empty, empty)
    np.testing.assert_array_equal(fixture.expected(), [[[0, 1, 2], [9, 9, 9]]])
    np.testing.assert_array_equal(read_array(store), [[[0, 1, 2], [9, 9, 9]]])
