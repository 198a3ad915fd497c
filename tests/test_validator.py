"""The reference validator (``fixtures/validator.py``) and the ``validate`` command.

The validator must find no error in any valid case of the catalogue or in what
zarr-python writes, must name one of the case's requirements for every invalid case, and
must name the right requirement and key for stores broken by hand.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zarr_conformance.fixtures.cases import load_catalogue
from zarr_conformance.fixtures.validator import ERROR, WARNING, Violation, validate
from zarr_conformance.fixtures.writer import ensure_fixture
from zarr_conformance.requirements import catalogue

CASES = load_catalogue()
VALID = [c for c in CASES if c.valid]
INVALID = [c for c in CASES if not c.valid]
LINE = re.compile(r"^(ERROR|WARNING) [A-Z0-9]+(-[A-Z0-9]+)+ \S+: .+$")

#: warnings zarr-python 3.1.6 is known to earn (findings, see the report of this validator)
ZARR_PYTHON_WARNINGS = {
    "EXT-ZSTD-003",  # writes "checksum": false in every zstd configuration
    "V2-INFO-001",  # v2 .zmetadata entries of nested groups carry a consolidated_metadata key
}


def checked(violations: list[Violation]) -> list[Violation]:
    """The violations, after checking each is well-formed and names a catalogued requirement."""
    known = catalogue()
    for violation in violations:
        assert violation.requirement in known, violation
        assert violation.severity in (ERROR, WARNING), violation
        assert violation.message, violation
    return violations


def errors(violations: list[Violation]) -> list[Violation]:
    return [v for v in checked(violations) if v.severity == ERROR]


def found(violations: list[Violation], requirement: str, key: str | None = None) -> list[Violation]:
    return [v for v in checked(violations) if v.requirement == requirement and (key is None or v.key == key)]


def copy_of(case_id: str, cache: Path, dest: Path) -> Path:
    """A private copy of the store of a catalogue case, to break by hand."""
    case = next(c for c in CASES if c.id == case_id)
    target = dest / "store.zarr"
    shutil.copytree(ensure_fixture(case, cache).store, target)
    return target


def put_json(path: Path, document: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")


# ---- the catalogue -----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", VALID, ids=[c.id for c in VALID])
def test_valid_case_has_no_error(case, fixture_cache):
    fixture = ensure_fixture(case, fixture_cache)
    assert errors(validate(fixture.store, case.path)) == []


@pytest.mark.parametrize("case", INVALID, ids=[c.id for c in INVALID])
def test_invalid_case_is_reported_with_its_requirement(case, fixture_cache):
    fixture = ensure_fixture(case, fixture_cache)
    reported = errors(validate(fixture.store, case.open_path))
    assert any(v.requirement in case.requirements for v in reported), (case.requirements, reported)


# ---- what zarr-python writes -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zarr_python_stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    zarr = pytest.importorskip("zarr")
    import numcodecs
    from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, GzipCodec, TransposeCodec

    root = tmp_path_factory.mktemp("zarr-python")
    stores: dict[str, Path] = {}

    def array(name: str, data: np.ndarray, **options: object) -> None:
        stores[name] = root / f"{name}.zarr"
        target = zarr.create_array(stores[name], shape=data.shape, dtype=data.dtype, **options)
        target[...] = data

    grid = np.arange(35, dtype="int16").reshape(7, 5)
    array("v2-blosc", grid, chunks=(3, 2), zarr_format=2)
    array(
        "v2-zlib-delta-f-nested",
        grid.astype("<i8"),
        chunks=(3, 2),
        zarr_format=2,
        order="F",
        filters=[numcodecs.Delta(dtype="<i8")],
        compressors=numcodecs.Zlib(level=1),
        chunk_key_encoding={"name": "v2", "separator": "/"},
    )
    array("v2-scalar", np.array(5, dtype="<f8"), zarr_format=2)
    array("v3-zstd", grid, chunks=(3, 2), zarr_format=3, dimension_names=["y", "x"], attributes={"a": 1})
    array(
        "v3-gzip-transpose-crc32c",
        grid.astype(">i4"),
        chunks=(3, 2),
        zarr_format=3,
        filters=[TransposeCodec(order=(1, 0))],
        serializer=BytesCodec(endian="big"),
        compressors=[GzipCodec(level=5), Crc32cCodec()],
    )
    array(
        "v3-blosc-v2-keys",
        grid.astype("float32"),
        chunks=(3, 2),
        zarr_format=3,
        compressors=BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle"),
        chunk_key_encoding={"name": "v2", "separator": "."},
    )
    array(
        "v3-sharded",
        np.arange(64, dtype="uint16").reshape(8, 8),
        chunks=(2, 2),
        shards=(4, 8),
        zarr_format=3,
        fill_value=7,
    )
    array("v3-scalar", np.array(1.5, dtype="float32"), zarr_format=3)

    for zarr_format in (2, 3):
        name = f"v{zarr_format}-hierarchy-consolidated"
        stores[name] = root / f"{name}.zarr"
        group = zarr.open_group(stores[name], mode="w", zarr_format=zarr_format)
        group.attrs["title"] = "root"
        sub = group.create_group("sub")
        sub.attrs["level"] = 1
        nested = sub.create_array("a", shape=(7, 5), chunks=(3, 2), dtype="int16", fill_value=0)
        nested[:] = grid
        nested.attrs["units"] = "m"
        partial = group.create_array("b", shape=(10,), chunks=(4,), dtype="float32", fill_value=float("nan"))
        partial[:5] = 1.5
        if zarr_format == 3:
            sharded = group.create_array("s", shape=(8, 6), chunks=(2, 3), shards=(4, 6), dtype="uint16")
            sharded[:] = np.arange(48, dtype="uint16").reshape(8, 6)
        zarr.consolidate_metadata(stores[name])
    return stores


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(
    "name",
    [
        "v2-blosc",
        "v2-zlib-delta-f-nested",
        "v2-scalar",
        "v3-zstd",
        "v3-gzip-transpose-crc32c",
        "v3-blosc-v2-keys",
        "v3-sharded",
        "v3-scalar",
        "v2-hierarchy-consolidated",
        "v3-hierarchy-consolidated",
    ],
)
def test_zarr_python_stores_have_no_error(zarr_python_stores, name):
    violations = validate(zarr_python_stores[name])
    assert errors(violations) == []
    assert {v.requirement for v in violations} <= ZARR_PYTHON_WARNINGS, violations


def test_zarr_python_v3_consolidated_metadata_has_the_spec_form(zarr_python_stores):
    document = json.loads((zarr_python_stores["v3-hierarchy-consolidated"] / "zarr.json").read_text())
    assert document["consolidated_metadata"]["must_understand"] is False
    assert found(validate(zarr_python_stores["v3-hierarchy-consolidated"]), "V3-CORE-034") == []


# ---- stores broken by hand ----------------------------------------------------------------------------


def test_stray_chunk_outside_the_grid(fixture_cache, tmp_path):
    store = copy_of("v3-int32", fixture_cache, tmp_path)
    shutil.copy(store / "c" / "0" / "0", tmp_path / "chunk")
    (store / "c" / "9").mkdir()
    shutil.copy(tmp_path / "chunk", store / "c" / "9" / "9")
    violations = validate(store)
    assert [v.key for v in errors(violations)] == ["c/9/9"]
    assert found(violations, "V3-GRID-004", "c/9/9")


def test_v2_chunk_outside_the_grid(fixture_cache, tmp_path):
    store = copy_of("v2-int32-le", fixture_cache, tmp_path)
    shutil.copy(store / "0.0", store / "3.0")
    assert found(validate(store), "V2-032", "3.0")


@pytest.mark.parametrize(
    "case_id, key, requirement",
    [
        ("v3-int32", "c/0.1", "V3-CKE-003"),
        ("v3-int32", "0.0", "V3-CKE-003"),
        ("v3-int32", "c/01/1", "V3-CKE-003"),
        ("v3-int32", "c/5/0/0", "V3-CKE-003"),
        ("v2-int32-le", "0/0", "V2-031"),
        ("v2-int32-le", "c.0.0", "V2-031"),
        ("v2-int32-le", "junk", "V2-031"),
    ],
)
def test_misnamed_chunk_key(fixture_cache, tmp_path, case_id, key, requirement):
    store = copy_of(case_id, fixture_cache, tmp_path)
    target = store.joinpath(*key.split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"\0" * 140)
    reported = errors(validate(store))
    assert [(v.requirement, v.key) for v in reported] == [(requirement, key)]


def test_misnamed_key_message_names_the_encoding_it_fits(fixture_cache, tmp_path):
    store = copy_of("v3-int32", fixture_cache, tmp_path)
    (store / "c.0.0").write_bytes(b"")
    (message,) = [v.message for v in errors(validate(store))]
    assert "'c/0/0'" in message and "separator '.'" in message


def test_zgroup_with_an_extra_key(tmp_path):
    put_json(tmp_path / ".zgroup", {"zarr_format": 2, "consolidated": True})
    assert [(v.requirement, v.key) for v in errors(validate(tmp_path))] == [("V2-045", ".zgroup")]


def test_zarray_with_an_extra_key_is_a_warning(fixture_cache, tmp_path):
    store = copy_of("v2-int32-le", fixture_cache, tmp_path)
    document = json.loads((store / ".zarray").read_text())
    put_json(store / ".zarray", {**document, "creator": "me"})
    violations = validate(store)
    assert errors(violations) == []
    assert [v.severity for v in found(violations, "V2-016", ".zarray")] == [WARNING]


def test_truncated_chunk(fixture_cache, tmp_path):
    store = copy_of("v3-int32", fixture_cache, tmp_path)
    chunk = store / "c" / "1" / "1"
    chunk.write_bytes(chunk.read_bytes()[:-1])
    assert [(v.requirement, v.key) for v in errors(validate(store))] == [("V3-BYTES-004", "c/1/1")]


def test_truncated_chunk_in_a_nested_array(fixture_cache, tmp_path):
    store = copy_of("v2-hierarchy-nested", fixture_cache, tmp_path)
    chunk = store / "a" / "x" / "0.0"
    chunk.write_bytes(chunk.read_bytes()[:5])
    assert [v.key for v in errors(validate(store))] == ["a/x/0.0"]


def test_stale_zmetadata_entry_is_a_warning_naming_the_key(fixture_cache, tmp_path):
    store = copy_of("v2-hierarchy-consolidated", fixture_cache, tmp_path)
    put_json(store / "a" / ".zattrs", {"level": 2})
    (store / "y" / ".zattrs").unlink()
    put_json(store / "new" / ".zgroup", {"zarr_format": 2})
    violations = validate(store)
    assert errors(violations) == []
    stale = found(violations, "V2-INFO-001")
    assert {v.key for v in stale} == {"a/.zattrs", "y/.zattrs", "new/.zgroup"}
    assert all(v.severity == WARNING for v in stale)
    assert "stale" in next(v.message for v in stale if v.key == "a/.zattrs")


def test_v2_child_in_a_v3_hierarchy(fixture_cache, tmp_path):
    store = copy_of("v3-hierarchy-nested", fixture_cache, tmp_path)
    shutil.copytree(copy_of("v2-int16-le", fixture_cache, tmp_path / "v2"), store / "legacy")
    (mixed,) = found(validate(store), "V3-CORE-072", "legacy/.zarray")
    assert "mixed-format hierarchy" in mixed.message


def test_v3_child_in_a_v2_hierarchy(fixture_cache, tmp_path):
    store = copy_of("v2-hierarchy-nested", fixture_cache, tmp_path)
    shutil.copytree(copy_of("v3-int16", fixture_cache, tmp_path / "v3"), store / "modern")
    (mixed,) = found(validate(store), "V2-041", "modern/zarr.json")
    assert "mixed-format hierarchy" in mixed.message


def test_node_with_both_formats(fixture_cache, tmp_path):
    store = copy_of("v3-hierarchy-nested", fixture_cache, tmp_path)
    put_json(store / "a" / ".zgroup", {"zarr_format": 2, "extra": 1})
    violations = validate(store)
    assert any("mixed-format hierarchy" in v.message for v in found(violations, "V2-041", "a/zarr.json"))
    assert found(violations, "V2-045", "a/.zgroup"), "the v2 view of the path is checked too"


def test_implicit_groups(fixture_cache, tmp_path):
    store = copy_of("v3-hierarchy-nested", fixture_cache, tmp_path)
    (store / "a" / "b" / "zarr.json").unlink()
    assert [(v.requirement, v.key) for v in errors(validate(store))] == [("V3-CORE-031", "a/b/zarr.json")]
    store2 = copy_of("v2-hierarchy-nested", fixture_cache, tmp_path / "v2")
    (store2 / "a" / ".zgroup").unlink()
    assert found(validate(store2), "V2-042", "a/.zgroup")
    assert found(validate(store2, "a/x"), "V2-043", "a/.zgroup")


def test_node_below_an_array(fixture_cache, tmp_path):
    store = copy_of("v3-int32", fixture_cache, tmp_path)
    put_json(store / "inner" / "zarr.json", {"zarr_format": 3, "node_type": "group"})
    assert found(validate(store), "V3-CORE-003", "inner/")


@pytest.mark.parametrize(
    "text, requirement",
    [
        ('{"zarr_format": 3, "node_type": "group"', "V3-CORE-012"),
        ("[1, 2]", "V3-CORE-012"),
        ('{"zarr_format": 3, "node_type": "group", "attributes": {"x": NaN}}', "V3-CORE-012"),
        ('{"zarr_format": 3, "node_type": "group", "attributes": []}', "V3-CORE-032"),
        ('{"zarr_format": 2, "node_type": "group"}', "V3-CORE-031"),
        ('{"zarr_format": 3, "node_type": "group", "extra": {"name": "x"}}', "V3-CORE-082"),
        (
            '{"zarr_format": 3, "node_type": "group", "consolidated_metadata": {"kind": "inline", "metadata": {}}}',
            "V3-CORE-034",
        ),
        (
            '{"zarr_format": 3, "node_type": "group", "consolidated_metadata": '
            '{"must_understand": false, "kind": "sidecar", "metadata": {}}}',
            "V3-CORE-034",
        ),
    ],
)
def test_bad_v3_group_documents(tmp_path, text, requirement):
    (tmp_path / "zarr.json").write_text(text, encoding="utf-8")
    assert requirement in {v.requirement for v in errors(validate(tmp_path))}


def test_not_utf8_and_bad_zattrs(tmp_path):
    (tmp_path / "zarr.json").write_bytes(b'{"zarr_format": 3, "node_type": "\xff"}')
    assert found(validate(tmp_path), "V3-CORE-012", "zarr.json")
    v2 = tmp_path / "v2"
    put_json(v2 / ".zgroup", {"zarr_format": 2})
    put_json(v2 / ".zattrs", ["not", "an", "object"])
    assert found(validate(v2), "V2-048", ".zattrs")


def test_collects_more_than_the_first_problem(fixture_cache, tmp_path):
    store = copy_of("v3-int32", fixture_cache, tmp_path)
    document = json.loads((store / "zarr.json").read_text())
    document.update({"dimension_names": ["only-one"], "mine": 1, "fill_value": 1.5})
    put_json(store / "zarr.json", document)
    assert {v.requirement for v in errors(validate(store))} == {"V3-CORE-028", "V3-CORE-082", "V3-DTYPE-005"}


def test_nothing_at_the_path(tmp_path):
    (reported,) = errors(validate(tmp_path, "nowhere"))
    assert "neither zarr.json nor .zarray/.zgroup exists" in reported.message
    (missing_store,) = errors(validate(tmp_path / "absent"))
    assert "neither zarr.json nor .zarray/.zgroup exists" in missing_store.message


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01",
        b"null",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"zarr_format": 3}',
        b'{"node_type": "array"}',
        b'{"zarr_format": 3, "node_type": "array", "shape": "x", "codecs": 5}',
    ],
)
def test_never_raises(tmp_path, content):
    (tmp_path / "zarr.json").write_bytes(content)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "0").write_bytes(b"junk")
    assert errors(validate(tmp_path))


# ---- the command --------------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zarr_conformance.cli", "validate", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_valid_store(fixture_cache):
    case = next(c for c in VALID if c.id == "v3-int32")
    result = cli(str(ensure_fixture(case, fixture_cache).store))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [f"{ensure_fixture(case, fixture_cache).store}: valid, no violations"]


def test_cli_invalid_store_lines(fixture_cache, tmp_path):
    store = copy_of("v3-int32", fixture_cache, tmp_path)
    (store / "c" / "0.0").write_bytes(b"")
    (store / "c" / "0" / "1").write_bytes(b"")
    result = cli(str(store))
    assert result.returncode == 1
    *lines, last = result.stdout.strip().splitlines()
    assert lines == [
        "ERROR V3-CKE-003 c/0.0: " + lines[0].split(": ", 1)[1],
        "ERROR V3-BYTES-004 c/0/1: bytes codec: 0 bytes where the chunk needs 24",
    ]
    assert all(LINE.match(line) for line in lines)
    assert last == f"{store}: invalid, 2 errors, 0 warnings"


def test_cli_warnings_alone_exit_0(fixture_cache, tmp_path):
    store = copy_of("v2-int32-le", fixture_cache, tmp_path)
    document = json.loads((store / ".zarray").read_text())
    put_json(store / ".zarray", {**document, "creator": "me"})
    result = cli(str(store))
    assert result.returncode == 0
    first, last = result.stdout.strip().splitlines()
    assert first.startswith("WARNING V2-016 .zarray: ") and LINE.match(first)
    assert last == f"{store}: valid, 1 warning"


def test_cli_path_option_and_json(fixture_cache, tmp_path):
    store = copy_of("v2-hierarchy-nested", fixture_cache, tmp_path)
    put_json(store / "a" / ".zgroup", {"zarr_format": 2, "x": 1})
    result = cli(str(store), "--path", "a/x", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "schema": "zarr-conformance/validation",
        "schema_version": 1,
        "store": str(store),
        "valid": True,
        "violations": [],
    }
    result = cli(str(store), "--json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert document["violations"] == [
        {
            "requirement": "V2-045",
            "severity": "error",
            "key": "a/.zgroup",
            "message": "keys ['x'] must not be present: .zgroup holds only zarr_format",
        }
    ]


def test_cli_bad_node_path(fixture_cache):
    case = next(c for c in INVALID if c.id == "invalid-v3-path-dotdot")
    result = cli(str(ensure_fixture(case, fixture_cache).store), "--path", case.open_path)
    assert result.returncode == 1
    assert result.stdout.startswith("ERROR V3-CORE-036 sub/../array: ")


def test_cli_missing_store(tmp_path):
    result = cli(str(tmp_path / "absent.zarr"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr and result.stdout == ""
    (tmp_path / "file").write_text("x")
    assert cli(str(tmp_path / "file")).returncode == 2
