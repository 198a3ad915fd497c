"""Requirement traceability: every template test is credited only with rules of its own format and case kind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from zarr_conformance.fixtures.cases import Case, load_catalogue
from zarr_conformance.interop import write_reference_stores
from zarr_conformance.requirements import catalogue

pytest.importorskip("zarr")


def _rule_format(requirement_id: str) -> int | None:
    """The format a rule belongs to, told by its ID alone (independently of the catalogue's scopes)."""
    if requirement_id.startswith("V2-"):
        return 2
    if requirement_id.startswith(("V3-", "EXT-")):
        return 3
    return None


def _extension_name(requirement_id: str) -> str | None:
    """The codec or data type a registered extension's rule belongs to, from its document's file name."""
    document = catalogue()[requirement_id].document
    for prefix in ("ext-codec-", "ext-dtype-"):
        if document.startswith(prefix):
            return document.removeprefix(prefix).removesuffix(".md")
    return None


def _credited(pytester: pytest.Pytester, *args: str) -> list[tuple[str, int | None, Case | None, list[str]]]:
    """(test id, format, case, requirement IDs) of every template test the suites collect with ``args``."""
    items, _ = pytester.inline_genitems("-p", "no:cacheprovider", *args)
    out = []
    for item in items:
        properties = dict(item.user_properties)
        if "zarr_requirements" not in properties:
            continue
        params = item.callspec.params if hasattr(item, "callspec") else {}
        case = params.get("case")
        zarr_format = case.format if isinstance(case, Case) else params.get("zarr_format")
        out.append((item.nodeid.split("::")[-1], zarr_format, case, properties["zarr_requirements"]))
    return out


def _misplaced(credited: list[tuple[str, int | None, Case | None, list[str]]]) -> list[str]:
    wrong = []
    for test_id, zarr_format, case, ids in credited:
        for rid in ids:
            if _rule_format(rid) not in (None, zarr_format):
                wrong.append(f"{test_id}: {rid} is a v{_rule_format(rid)} rule on a v{zarr_format} test")
            if case is None:
                continue
            if rid.startswith("V3-SHARD-") and not case.sharding:
                wrong.append(f"{test_id}: {rid} is a sharding rule on a case without sharding")
            extension = _extension_name(rid)
            if extension is not None and f'"{extension}"' not in json.dumps(case.raw):
                wrong.append(f"{test_id}: {rid} is a rule of {extension}, which the case does not use")
    return wrong


@pytest.fixture(scope="module")
def reference_stores(tmp_path_factory: pytest.TempPathFactory, fixture_cache: Path) -> Path:
    writable = [c for c in load_catalogue() if c.valid and not c.is_group and "extra_metadata" not in c.raw]
    return write_reference_stores(tmp_path_factory.mktemp("traceability") / "reference", writable, fixture_cache)


@pytest.mark.parametrize("impl,phase", [("reference", "read"), ("zarr-python", "write")])
def test_no_test_is_credited_with_a_rule_of_another_format_or_case_kind(
    pytester, fixture_cache, reference_stores, impl, phase
):
    interop = (
        ("--zarr-interop-read", str(reference_stores))
        if phase == "read"
        else ("--zarr-interop-write", str(pytester.path / "written"))
    )
    credited = _credited(
        pytester, "--pyargs", "zarr_conformance", "--zarr-impl", impl, "--zarr-cache-dir", str(fixture_cache), *interop
    )
    assert len(credited) > 5000
    assert {f for _, f, _, _ in credited} == {2, 3}
    assert any(
        test_id.startswith("test_reads_store_written_by" if phase == "read" else "test_writes_store_for_interop")
        for test_id, _, _, _ in credited
    )
    assert not _misplaced(credited)
    by_id = {test_id: ids for test_id, _, _, ids in credited}
    assert by_id["test_create_nested_group_with_ancestors[v2]"] == ["V2-042", "V2-044", "V2-045"]
    assert by_id["test_create_nested_group_with_ancestors[v3]"] == ["V3-CORE-031", "V3-CORE-070"]


# ---- a template bound with a misplaced ID is refused when collected -------------------------------------------

BOUND = """
import pytest
from zarr_conformance.adapters.reference import ReferenceAdapter
from zarr_conformance.suites.array_metadata import ArrayMetadataTests

class TestMine(ArrayMetadataTests):
    @pytest.fixture(scope="session")
    @classmethod
    def zarr_adapter(cls):
        return ReferenceAdapter()

    @pytest.mark.zarr_cases("valid")
    @pytest.mark.zarr_requirements({marker})
    def test_zarr_format(self, zarr_call, zarr_fixture, zarr_requirements):
        super().test_zarr_format(zarr_call, zarr_fixture, zarr_requirements)
"""

FORMATS = """
import pytest

@pytest.mark.parametrize("zarr_format", [2, 3], ids=["v2", "v3"])
@pytest.mark.zarr_requirements({marker})
def test_create_group(zarr_format):
    pass
"""

CASES = "^(v2-int16-be|v3-int16|v3-zstd-no-checksum-key)$"

FAULTY = [
    (
        BOUND,
        "v2=['V3-CORE-014']",
        r"test_zarr_format\[v2-int16-be\]: requirement V3-CORE-014 \(v2=\) is a rule of "
        r"v3-core.rst \(Zarr v3\), but the test checks case v2-int16-be, Zarr v2",
    ),
    (BOUND, "'V2-005'", r"test_zarr_format\[v3-[\w-]+\]: requirement V2-005 \(for every case\) is a rule of v2.0.rst"),
    (
        BOUND,
        "v3=['V3-SHARD-009']",
        r"test_zarr_format\[v3-int16\]: requirement V3-SHARD-009 \(v3=\) is a rule of "
        r"v3-codec-sharding-indexed.rst .* which case v3-int16 does not use; "
        r"list it under sharded=",
    ),
    (BOUND, "v3=['EXT-ZSTD-001']", r"test_zarr_format\[v3-int16\]: requirement EXT-ZSTD-001 \(v3=\) .* codec zstd"),
    (
        BOUND,
        "extensions=['V3-CORE-014']",
        r"test_zarr_format\[v2-int16-be\]: requirement V3-CORE-014 under extensions=",
    ),
    (
        BOUND,
        "v3s=['V3-CORE-014']",
        r"test_zarr_format\[v2-int16-be\]: zarr_requirements marker: unknown keywords \['v3s'\]",
    ),
    (
        FORMATS,
        "'V2-042', 'V3-CORE-031'",
        r"test_create_group\[v2\]: requirement V3-CORE-031 \(for every case\) .* "
        r"its Zarr v2 parameter",
    ),
]


@pytest.mark.parametrize("module,marker,message", FAULTY, ids=[m for _, m, _ in FAULTY])
def test_a_misplaced_requirement_is_refused_naming_the_test_and_the_id(
    pytester, fixture_cache, module, marker, message
):
    pytester.makepyfile(test_mine=module.format(marker=marker))
    result = pytester.runpytest_inprocess(
        "--zarr-cache-dir", str(fixture_cache), "--zarr-cases", CASES, "-p", "no:cacheprovider", "--collect-only"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert re.search(message, str(result.stderr)), str(result.stderr)


def test_extension_rules_are_credited_only_where_the_case_uses_the_extension(pytester, fixture_cache):
    pytester.makepyfile(test_mine=BOUND.format(marker="v3=['V3-CORE-014'], extensions=['EXT-ZSTD-001']"))
    credited = {
        test_id: ids
        for test_id, _, _, ids in _credited(pytester, "--zarr-cache-dir", str(fixture_cache), "--zarr-cases", CASES)
    }
    assert credited["test_zarr_format[v3-zstd-no-checksum-key]"][:2] == ["V3-CORE-014", "EXT-ZSTD-001"]
    assert "EXT-ZSTD-001" not in credited["test_zarr_format[v3-int16]"]
    assert not {"V3-CORE-014", "EXT-ZSTD-001"} & set(credited["test_zarr_format[v2-int16-be]"])


def test_the_whole_suite_check_sees_misplaced_ids():
    cases = {c.id: c for c in load_catalogue()}
    drifted = [
        ("test_create_nested_group_with_ancestors[v2]", 2, None, ["V2-042", "V3-CORE-031"]),
        ("test_shard_shape[v3-int16]", 3, cases["v3-int16"], ["V3-SHARD-009"]),
        ("test_read_full[v3-int16]", 3, cases["v3-int16"], ["EXT-ZSTD-002"]),
        ("test_shape[v2-int16-be]", 2, cases["v2-int16-be"], ["V2-006", "V3-CORE-016"]),
    ]
    assert len(_misplaced(drifted)) == 4
    assert not _misplaced(
        [
            (
                "test_read_full[v3-zstd-no-checksum-key]",
                3,
                cases["v3-zstd-no-checksum-key"],
                ["V3-CORE-055", "EXT-ZSTD-002"],
            )
        ]
    )


def test_a_case_with_a_rule_of_the_other_format_is_refused(pytester, fixture_cache):
    case_file = pytester.makefile(
        ".yaml",
        mine=(
            "cases:\n  - id: my-v2-case\n    format: 2\n    shape: [5]\n    chunks: [2]\n"
            "    dtype: '<i2'\n    fill_value: 0\n    compressor: null\n    filters: null\n    order: C\n"
            "    requirements: [V3-CORE-016]\n"
        ),
    )
    result = pytester.runpytest_inprocess(
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        "reference",
        "--zarr-cache-dir",
        str(fixture_cache),
        "--zarr-case-file",
        str(case_file),
        "--zarr-cases",
        "^my-v2-case$",
        "-p",
        "no:cacheprovider",
        "--collect-only",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert re.search(
        r"\[my-v2-case\]: requirement V3-CORE-016 \(the case's own requirements\) is a rule of "
        r"v3-core.rst .* Zarr v2; remove it there",
        str(result.stderr),
    ), str(result.stderr)
