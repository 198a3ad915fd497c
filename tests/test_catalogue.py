"""The shipped case catalogue: size, coverage, well-formedness, and self-consistency of the oracle."""

from __future__ import annotations

import pytest

from zarr_conformance.fixtures.cases import CaseError, load_catalogue, load_entries
from zarr_conformance.fixtures.errors import SpecError
from zarr_conformance.fixtures.reader import open_array, read_array
from zarr_conformance.fixtures.writer import ensure_fixture
from zarr_conformance.requirements import catalogue
from zarr_conformance.support import case_dtype_name

CASES = load_catalogue()
VALID = [c for c in CASES if c.valid and not c.is_group]
HIERARCHIES = [c for c in CASES if c.is_group]
INVALID = [c for c in CASES if not c.valid]


def test_catalogue_size():
    assert len(VALID) >= 80
    assert len(INVALID) >= 15


def test_every_requirement_id_of_a_case_is_in_the_catalogue():
    known = catalogue()
    unknown = {(c.id, r) for c in CASES for r in c.requirements if r not in known}
    assert not unknown


def test_every_invalid_case_says_why():
    assert all(c.raw.get("reason") and c.requirements for c in INVALID)


def test_v2_coverage():
    dtypes = {c.raw["dtype"] for c in VALID if c.format == 2}
    for typestr in [
        "|b1",
        "|i1",
        "<i2",
        ">i2",
        "<i4",
        ">i4",
        "<i8",
        ">i8",
        "|u1",
        "<u2",
        ">u8",
        "<f2",
        ">f2",
        "<f4",
        ">f4",
        "<f8",
        ">f8",
        "<c8",
        ">c8",
        "<c16",
        ">c16",
        "|S5",
        "<U4",
    ]:
        assert typestr in dtypes, typestr
    compressors = {(c.raw["compressor"] or {}).get("id") for c in VALID if c.format == 2}
    assert {None, "zlib", "gzip", "zstd", "blosc"} <= compressors
    blosc = {
        (c.raw["compressor"]["cname"], c.raw["compressor"]["shuffle"])
        for c in VALID
        if c.format == 2 and (c.raw.get("compressor") or {}).get("id") == "blosc"
    }
    assert {(n, s) for n in ("lz4", "zstd") for s in (0, 1, 2)} <= blosc
    assert {"C", "F"} <= {c.raw.get("order", "C") for c in VALID if c.format == 2}
    assert {None, ".", "/"} <= {c.raw.get("dimension_separator") for c in VALID if c.format == 2}
    assert {None, 0, "NaN", "Infinity", "-Infinity"} <= {
        c.raw["fill_value"] for c in VALID if c.format == 2 and not isinstance(c.raw["fill_value"], list)
    }


def test_v3_coverage():
    v3 = [c for c in VALID if c.format == 3]
    names = {case_dtype_name(c) for c in v3}
    assert {
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    } <= names
    codecs = {n for c in v3 for n in c.all_codecs()}
    assert {"bytes", "transpose", "gzip", "zstd", "blosc", "crc32c", "sharding_indexed"} <= codecs
    endians = {
        e.get("configuration", {}).get("endian")
        for c in v3
        for e in c.codecs
        if isinstance(e, dict) and e.get("name") == "bytes"
    }
    assert {"little", "big"} <= endians
    encodings = {
        (
            c.raw.get("chunk_key_encoding", {"name": "default"})["name"],
            c.raw.get("chunk_key_encoding", {}).get("configuration", {}).get("separator"),
        )
        for c in v3
    }
    assert {("default", "/"), ("default", "."), ("v2", "."), ("v2", "/")} <= encodings
    assert any(c.dimension_names for c in v3) and any(c.attributes for c in v3)
    fills = [c.raw["fill_value"] for c in v3]
    assert {"NaN", "Infinity", "-Infinity", True, False} <= {f for f in fills if not isinstance(f, list)}
    assert any(isinstance(f, str) and f.startswith("0x") for f in fills)
    assert any(isinstance(f, list) for f in fills)
    assert any(isinstance(f, float) for f in fills) and any(
        isinstance(f, int) and not isinstance(f, bool) for f in fills
    )


def test_sharding_and_shape_coverage():
    sharded = [c for c in VALID if c.sharding]
    assert {"start", "end"} <= {c.sharding.get("index_location", "end") for c in sharded}
    assert any("crc32c" not in [i["name"] for i in c.sharding["index_codecs"]] for c in sharded)
    assert any("sharding_indexed" in c.all_codecs()[1:] for c in sharded)  # nested
    assert any(c.raw.get("missing_inner_chunks") for c in sharded)
    assert any(c.raw.get("missing_chunks") for c in sharded)
    assert any(any(s % c for s, c in zip(x.shape, x.chunks)) for x in sharded)  # partial shards
    ranks = {len(c.shape) for c in VALID}
    assert {0, 1, 3, 4} <= ranks
    assert any(0 in c.shape for c in VALID)
    assert any(all(c >= s for s, c in zip(x.shape, x.chunks)) and x.shape for x in VALID)


@pytest.mark.parametrize("case", VALID, ids=[c.id for c in VALID])
def test_reference_reader_reads_back_every_valid_case(case, fixture_cache):
    fixture = ensure_fixture(case, fixture_cache)
    meta = open_array(fixture.store, case.path)
    assert meta.shape == case.shape
    observed = read_array(fixture.store, case.path, meta)
    expected = fixture.expected()
    assert observed.dtype.kind == expected.dtype.kind
    assert observed.tobytes() == expected.astype(observed.dtype).tobytes()


@pytest.mark.parametrize("case", INVALID, ids=[c.id for c in INVALID])
def test_reference_reader_rejects_every_invalid_case(case, fixture_cache):
    fixture = ensure_fixture(case, fixture_cache)
    with pytest.raises(SpecError):  # the reference's own errors, each naming its rule; never a stray Python error
        read_array(fixture.store, case.open_path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("cases: [{id: Bad, format: 2}]", "id"),
        ("cases: [{id: a, format: 4}]", "format"),
        ("cases: [{id: a, format: 3, shape: [2], chunks: [1, 1], dtype: int8, fill_value: 0}]", "chunks and shape"),
        ("cases: [{id: a, base: nowhere, format: 3}]", "base 'nowhere'"),
        ("cases: [{id: a, format: 3, shape: [2], chunks: [1], dtype: int8, fill_value: 0, surprise: 1}]", "surprise"),
        ("not: a catalogue", "cases"),
        (
            "cases: "
            "[{id: a, format: 3, shape: [2], chunks: [1], dtype: int8, fill_value: null, missing_chunks: [[0]]}]",
            "fill value",
        ),
    ],
)
def test_malformed_case_files_give_errors_that_name_the_problem(text, message):
    with pytest.raises(CaseError, match=message) as info:
        load_entries([("my-cases.yaml", text)])
    assert "my-cases.yaml" in str(info.value)


def test_duplicate_ids_are_rejected():
    text = "cases: [{id: a, format: 3, shape: [1], chunks: [1], dtype: int8, fill_value: 0}]"
    with pytest.raises(CaseError, match="duplicate case id 'a'"):
        load_entries([("one.yaml", text), ("two.yaml", text)])


def test_building_a_case_does_not_change_it(fixture_cache, tmp_path):
    from zarr_conformance.fixtures.writer import build

    case = next(c for c in INVALID if c.id == "invalid-v3-bytes-endian-middle")
    before = case.digest()
    build(case, tmp_path / "once")
    build(case, tmp_path / "twice")
    assert case.digest() == before
