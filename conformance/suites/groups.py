"""Groups and hierarchies, v2 and v3.

Reading: hierarchies written by the reference writer are opened without saying their
format; group metadata and attributes (V2-041/044/048/049, V3-CORE-031/032), members
and their node types (V2-046, V3-CORE-072), arrays inside hierarchies (V2-038,
V3-CORE-009), v2 consolidated metadata (V2-INFO-001), and errors where the node is of
the other type or absent. Mixed-format hierarchies: a group's members are nodes of its
own format. Writing: groups created by the adapter, with ancestors and attributes, are
read back by the reference side (V2-042/043, V3-CORE-070).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..adapters.base import ArraySpec, GroupInfo
from ..calls import AdapterCrash, AdapterError, AdapterTimeout, GuardedAdapter, format_call
from ..checks import check_equal, fail, skip_unsupported
from ..fixtures import hierarchy
from ..fixtures.cases import Case
from ..fixtures.validator import validate
from ..fixtures.writer import Fixture
from .array_write import AWKWARD_ATTRIBUTES
from .common import call_or_fail

hierarchies = pytest.mark.zarr_cases("hierarchy")


def _must_raise(
    guard: GuardedAdapter, fixture: Fixture, requirements: list[str], verb: str, why: str, *args: Any
) -> None:
    __tracebackhide__ = True
    try:
        result = guard.call(verb, *args)
    except AdapterError:
        return
    except AdapterTimeout as exc:
        fail(f"the call hung: {exc}", f"an error, because {why}", requirements, fixture, exc.call, kind="timeout")
    except AdapterCrash as exc:
        fail(f"the worker crashed: {exc}", f"an error, because {why}", requirements, fixture, exc.call, kind="crash")
    fail(
        f"{verb} succeeded and returned {result!r}",
        f"an error, because {why}",
        requirements,
        fixture,
        format_call(guard.adapter, verb, args),
    )


def _nodes(fixture: Fixture, node_type: str) -> dict[str, dict[str, Any]]:
    return {p: n for p, n in fixture.expected_hierarchy()["nodes"].items() if n["node_type"] == node_type}


class GroupReadTests:
    """Template: hierarchies written by the reference writer, read by the adapter."""

    @hierarchies
    @pytest.mark.zarr_requirements(v2=["V2-041", "V2-044", "V2-048", "V2-049"], v3=["V3-CORE-031", "V3-CORE-032"])
    def test_open_group_reports_format_and_attributes(self, zarr_call, zarr_fixture, zarr_requirements):
        for path, node in _nodes(zarr_fixture, "group").items():
            info = call_or_fail(zarr_call, zarr_fixture, zarr_requirements, "open_group", zarr_fixture.store, path)
            call = format_call(zarr_call.adapter, "open_group", (zarr_fixture.store, path))
            if not isinstance(info, GroupInfo):
                fail(
                    f"open_group returned {type(info).__name__}",
                    "a GroupInfo (adapter contract)",
                    zarr_requirements,
                    zarr_fixture,
                    call,
                )
            check_equal(
                info.zarr_format,
                node["zarr_format"],
                what=f"zarr_format of group {path or '/'!r}",
                requirements=zarr_requirements,
                fixture=zarr_fixture,
                call=call,
            )
            check_equal(
                dict(info.attributes),
                node["attributes"],
                what=f"attributes of group {path or '/'!r}",
                requirements=zarr_requirements,
                fixture=zarr_fixture,
                call=call,
            )

    @hierarchies
    @pytest.mark.zarr_requirements(v2=["V2-041", "V2-046"], v3=["V3-CORE-003", "V3-CORE-072"])
    def test_list_members_with_node_types(self, zarr_call, zarr_fixture, zarr_requirements):
        for path, members in zarr_fixture.expected_hierarchy()["members"].items():
            observed = call_or_fail(
                zarr_call, zarr_fixture, zarr_requirements, "list_members", zarr_fixture.store, path
            )
            check_equal(
                dict(observed),
                members,
                what=f"members of group {path or '/'!r}",
                requirements=zarr_requirements,
                fixture=zarr_fixture,
                call=format_call(zarr_call.adapter, "list_members", (zarr_fixture.store, path)),
            )

    @pytest.mark.zarr_cases("hierarchy", consolidated=True)
    @pytest.mark.zarr_needs("consolidated_metadata")
    @pytest.mark.zarr_requirements(v2=["V2-INFO-001"])
    def test_list_members_from_consolidated_metadata(self, zarr_call, zarr_fixture, zarr_requirements):
        for path, members in zarr_fixture.expected_hierarchy()["members"].items():
            if path != zarr_fixture.case.path:
                continue
            observed = call_or_fail(
                zarr_call, zarr_fixture, zarr_requirements, "list_members", zarr_fixture.store, path, True
            )
            check_equal(
                dict(observed),
                members,
                what=f"members of group {path or '/'!r} from .zmetadata",
                requirements=zarr_requirements,
                fixture=zarr_fixture,
                call=format_call(zarr_call.adapter, "list_members", (zarr_fixture.store, path, True)),
            )

    @hierarchies
    @pytest.mark.zarr_requirements(v2=["V2-038", "V2-041"], v3=["V3-CORE-009", "V3-CORE-010"])
    def test_open_arrays_inside_hierarchy(self, zarr_call, zarr_fixture, zarr_requirements):
        for path, node in _nodes(zarr_fixture, "array").items():
            info = call_or_fail(zarr_call, zarr_fixture, zarr_requirements, "open_array", zarr_fixture.store, path)
            call = format_call(zarr_call.adapter, "open_array", (zarr_fixture.store, path))
            check_equal(
                info.zarr_format,
                node["zarr_format"],
                what=f"zarr_format of array {path!r}",
                requirements=zarr_requirements,
                fixture=zarr_fixture,
                call=call,
            )
            check_equal(
                tuple(info.shape),
                tuple(node["shape"]),
                what=f"shape of array {path!r}",
                requirements=zarr_requirements,
                fixture=zarr_fixture,
                call=call,
            )
            check_equal(
                dict(info.attributes),
                node["attributes"],
                what=f"attributes of array {path!r}",
                requirements=zarr_requirements,
                fixture=zarr_fixture,
                call=call,
            )

    @hierarchies
    @pytest.mark.zarr_requirements(v2=["V2-041"], v3=["V3-CORE-015", "V3-CORE-031"])
    def test_array_opened_as_group_is_an_error(self, zarr_call, zarr_fixture, zarr_requirements):
        for path in _nodes(zarr_fixture, "array"):
            _must_raise(
                zarr_call,
                zarr_fixture,
                zarr_requirements,
                "open_group",
                f"the node at {path!r} is an array",
                zarr_fixture.store,
                path,
            )

    @hierarchies
    @pytest.mark.zarr_requirements(v2=["V2-041"], v3=["V3-CORE-015", "V3-CORE-031"])
    def test_group_opened_as_array_is_an_error(self, zarr_call, zarr_fixture, zarr_requirements):
        for path in _nodes(zarr_fixture, "group"):
            _must_raise(
                zarr_call,
                zarr_fixture,
                zarr_requirements,
                "open_array",
                f"the node at {path or '/'!r} is a group",
                zarr_fixture.store,
                path,
            )

    @hierarchies
    @pytest.mark.zarr_requirements(v2=["V2-041"], v3=["V3-CORE-075"])
    def test_path_holding_no_node_is_an_error(self, zarr_call, zarr_fixture, zarr_requirements):
        path = "/".join(p for p in (zarr_fixture.case.path, "no-such-node") if p)
        _must_raise(
            zarr_call,
            zarr_fixture,
            zarr_requirements,
            "open_group",
            "nothing is stored there: neither zarr.json nor .zgroup/.zarray",
            zarr_fixture.store,
            path,
        )


FORMATS = pytest.mark.parametrize("zarr_format", [2, 3], ids=["v2", "v3"])


def _needs_group_writing(adapter, zarr_format: int) -> None:
    __tracebackhide__ = True
    caps = adapter.capabilities
    missing = [f"write Zarr v{zarr_format}"] if zarr_format not in caps.write_formats else []
    missing += [f"feature {f}" for f in ("groups", "attributes") if f not in caps.features]
    skip_unsupported(missing)


def _errors(store: Path) -> list[str]:
    return [f"{v.requirement} {v.key}: {v.message}" for v in validate(store) if v.severity == "error"]


class GroupWriteTests:
    """Template: groups and hierarchies created by the adapter, read by the reference side."""

    @FORMATS
    @pytest.mark.zarr_requirements(v2=["V2-042", "V2-044", "V2-045"], v3=["V3-CORE-031", "V3-CORE-070"])
    def test_create_nested_group_with_ancestors(
        self, zarr_call, zarr_adapter, zarr_format, zarr_requirements, tmp_path
    ):
        _needs_group_writing(zarr_adapter, zarr_format)
        store = tmp_path / "store.zarr"
        call_or_fail(zarr_call, None, zarr_requirements, "create_group", store, "a/b/c", zarr_format, {"level": 3})
        call = format_call(zarr_call.adapter, "create_group", (store, "a/b/c", zarr_format, {"level": 3}))
        for path in ("", "a", "a/b", "a/b/c"):
            node = hierarchy.node_at(store, path)
            if node is None or node.node_type != "group" or node.zarr_format != zarr_format:
                fail(
                    f"the node at {path or '/'!r} is {node}",
                    f"a v{zarr_format} group at {path or '/'!r} (every ancestor included)",
                    zarr_requirements,
                    None,
                    call,
                )
        errors = _errors(store)
        if errors:
            fail("; ".join(errors[:5]), "a hierarchy the reference validator accepts", zarr_requirements, None, call)
        check_equal(
            _attributes_at(store, "a/b/c", zarr_requirements, call),
            {"level": 3},
            what="attributes of 'a/b/c'",
            requirements=zarr_requirements,
            fixture=None,
            call=call,
        )

    @FORMATS
    @pytest.mark.zarr_requirements(v2=["V2-043"], v3=["V3-CORE-070"])
    def test_create_array_inside_new_groups(self, zarr_call, zarr_adapter, zarr_format, zarr_requirements, tmp_path):
        _needs_group_writing(zarr_adapter, zarr_format)
        description = {
            "format": zarr_format,
            "shape": [4],
            "chunks": [2],
            "fill_value": 0,
            "dtype": "<i4" if zarr_format == 2 else "int32",
        }
        store = tmp_path / "store.zarr"
        spec = _spec(description)
        call_or_fail(zarr_call, None, zarr_requirements, "create_array", store, "g/h/data", spec)
        call = format_call(zarr_call.adapter, "create_array", (store, "g/h/data", spec))
        for path in ("", "g", "g/h"):
            node = hierarchy.node_at(store, path)
            if node is None or node.node_type != "group":
                fail(
                    f"no group at {path or '/'!r} ({node})",
                    "groups at every ancestor of a new array",
                    zarr_requirements,
                    None,
                    call,
                )
        if hierarchy.members(store, "g/h") != {"data": "array"}:
            fail(
                f"members of 'g/h' are {hierarchy.members(store, 'g/h')}",
                "{'data': 'array'}",
                zarr_requirements,
                None,
                call,
            )

    @FORMATS
    @pytest.mark.zarr_requirements(v2=["V2-048"], v3=["V3-CORE-032", "V3-CORE-026"])
    def test_group_attributes_round_trip_awkward_values(
        self, zarr_call, zarr_adapter, zarr_format, zarr_requirements, tmp_path
    ):
        _needs_group_writing(zarr_adapter, zarr_format)
        store = tmp_path / "store.zarr"
        call_or_fail(zarr_call, None, zarr_requirements, "create_group", store, "g", zarr_format, {"first": 1})
        call_or_fail(zarr_call, None, zarr_requirements, "set_attributes", store, "g", AWKWARD_ATTRIBUTES)
        call = format_call(zarr_call.adapter, "set_attributes", (store, "g", AWKWARD_ATTRIBUTES))
        check_equal(
            _attributes_at(store, "g", zarr_requirements, call),
            AWKWARD_ATTRIBUTES,
            what="attributes read back",
            requirements=zarr_requirements,
            fixture=None,
            call=call,
        )
        observed = call_or_fail(zarr_call, None, zarr_requirements, "open_group", store, "g")
        check_equal(
            dict(observed.attributes),
            AWKWARD_ATTRIBUTES,
            what="attributes the adapter reads back",
            requirements=zarr_requirements,
            fixture=None,
            call=call,
        )

    @FORMATS
    @pytest.mark.zarr_requirements(v2=["V2-048"], v3=["V3-CORE-026"])
    def test_array_attributes_round_trip_awkward_values(
        self, zarr_call, zarr_adapter, zarr_format, zarr_requirements, tmp_path
    ):
        _needs_group_writing(zarr_adapter, zarr_format)
        description = {
            "format": zarr_format,
            "shape": [3],
            "chunks": [3],
            "fill_value": 0,
            "dtype": "|u1" if zarr_format == 2 else "uint8",
        }
        store = tmp_path / "store.zarr"
        call_or_fail(zarr_call, None, zarr_requirements, "create_array", store, "arr", _spec(description))
        call_or_fail(zarr_call, None, zarr_requirements, "set_attributes", store, "arr", AWKWARD_ATTRIBUTES)
        call = format_call(zarr_call.adapter, "set_attributes", (store, "arr", AWKWARD_ATTRIBUTES))
        check_equal(
            _attributes_at(store, "arr", zarr_requirements, call),
            AWKWARD_ATTRIBUTES,
            what="attributes read back",
            requirements=zarr_requirements,
            fixture=None,
            call=call,
        )


def _spec(description: dict[str, Any]) -> ArraySpec:
    """The adapter's normalized description of a small array given in the case form."""
    return Case(raw={"id": "suite-array", **description}, source="groups suite").array_spec()


def _attributes_at(store: Path, path: str, requirements: list[str], call: str) -> dict[str, Any]:
    """The attributes of the node the adapter wrote at ``path``; no node there is a failure."""
    __tracebackhide__ = True
    node = hierarchy.node_at(store, path)
    if node is None:
        fail(f"no node at {path!r}", f"the node the adapter wrote at {path!r}", requirements, None, call)
    return node.attributes
