"""The reference parser and the reference validator apply the same rules (``fixtures/rules_v2.py``,
``fixtures/rules_v3.py``): where the parser stops, the validator reports the same requirement
with the same message, and on a valid store neither complains."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from zarr_conformance.fixtures.cases import load_catalogue
from zarr_conformance.fixtures.errors import SpecError
from zarr_conformance.fixtures.metadata import parse_v3_array
from zarr_conformance.fixtures.reader import read_array
from zarr_conformance.fixtures.rules import ERROR
from zarr_conformance.fixtures.validator import Violation, validate
from zarr_conformance.fixtures.writer import array_document, ensure_fixture

CASES = {c.id: c for c in load_catalogue()}
INVALID = [c for c in CASES.values() if not c.valid]


def parser_error(store: Path, path: str) -> SpecError | None:
    """What the reference reader raises opening and reading the array at ``path``, if anything."""
    try:
        read_array(store, path)
    except SpecError as exc:
        return exc
    return None


def errors(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == ERROR]


@pytest.mark.parametrize("case", INVALID, ids=[c.id for c in INVALID])
def test_the_validator_reports_where_the_parser_stops(case, fixture_cache):
    store = ensure_fixture(case, fixture_cache).store
    stopped = parser_error(store, case.open_path)
    assert stopped is not None, "the reference reader accepts an invalid case"
    same = [v for v in errors(validate(store, case.open_path)) if v.requirement == stopped.requirement]
    assert same, f"the parser stops at {stopped}, the validator does not report {stopped.requirement}"
    assert any(v.message in str(stopped) for v in same), (str(stopped), [v.message for v in same])


@pytest.mark.parametrize(
    "case_id",
    [
        "v2-int32-le",
        "v2-attributes",
        "v3-int32",
        "v3-sharded-nested",
        "v3-dimension-names-some-null",
        "v3-hierarchy-nested",
    ],
)
def test_neither_complains_about_a_valid_store(case_id, fixture_cache):
    case = CASES[case_id]
    store = ensure_fixture(case, fixture_cache).store
    for array in case.array_members() if case.is_group else [case]:
        assert parser_error(store, array.path) is None
    assert errors(validate(store, case.path)) == []


@pytest.mark.parametrize(
    "change, requirement",
    [
        ({"zarr_format": 3.0}, "V3-CORE-014"),
        ({"node_type": None}, "V3-CORE-015"),
        ({"dimension_names": None}, "V3-CORE-028"),
        ({"storage_transformers": None}, "V3-CORE-027"),
        ({"storage_transformers": [{"name": "nope"}]}, "V3-CORE-082"),
        (
            {"chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [3, 2]}, "must_understand": False}},
            "V3-CORE-083",
        ),
        (
            {"codecs": [{"name": "sharding_indexed", "configuration": {"chunk_shape": [1, 1], "codecs": ["bytes"]}}]},
            "V3-SHARD-005",
        ),
        ({"mine": 1}, "V3-CORE-082"),
        ({"attributes": []}, "V3-CORE-026"),
        ({"codecs": [{"name": "bytes", "configuration": {"endian": "little", "foo": 1}}]}, "V3-CORE-082"),
        (
            {
                "codecs": [
                    {"name": "bytes", "configuration": {"endian": "little"}},
                    {"name": "zstd", "configuration": {"level": 1, "foo": 1}},
                ]
            },
            "EXT-ZSTD-002",
        ),
        (
            {
                "codecs": [
                    {
                        "name": "sharding_indexed",
                        "configuration": {
                            "chunk_shape": [1, 1],
                            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
                            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
                            "write_order": "lexicographic",
                        },
                    }
                ]
            },
            "V3-CORE-082",
        ),
    ],
)
def test_one_broken_rule_one_verdict(change: dict[str, Any], requirement: str, fixture_cache, tmp_path):
    case = CASES["v3-int32"]
    store = tmp_path / "store.zarr"
    shutil.copytree(ensure_fixture(case, fixture_cache).store, store)
    document = {**array_document(case), **change}
    (store / "zarr.json").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SpecError) as stopped:
        parse_v3_array(document)
    assert stopped.value.requirement == requirement
    assert [v.requirement for v in errors(validate(store))] == [requirement]


def test_a_missing_member_is_missing_not_wrong(fixture_cache):
    document = array_document(CASES["v3-int32"])
    del document["node_type"]
    with pytest.raises(SpecError, match="V3-CORE-013") as stopped:
        parse_v3_array(document)
    assert "lacks the mandatory members ['node_type']" in str(stopped.value)


def test_an_unknown_codec_configuration_member_is_named_with_its_requirement(fixture_cache):
    document = array_document(CASES["v3-int32"])
    document["codecs"] = [{"name": "bytes", "configuration": {"endian": "little", "foo": 1}}]
    with pytest.raises(SpecError, match=r"codecs\[0\]: bytes configuration has members \['foo'\]") as stopped:
        parse_v3_array(document)
    assert stopped.value.requirement == "V3-CORE-082"
    assert "[V3-CORE-082]" in str(stopped.value)


def test_a_codec_configuration_member_marked_must_understand_false_is_ignored(fixture_cache):
    document = array_document(CASES["v3-int32"])
    hint = {"must_understand": False, "note": "ignorable"}
    document["codecs"] = [{"name": "bytes", "configuration": {"endian": "little", "hint": hint}}]
    assert parse_v3_array(document).shape == CASES["v3-int32"].shape
