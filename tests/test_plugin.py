"""The pytest plugin's options, header, errors, results JSON, expectations and binding by subclass."""

from __future__ import annotations

import json

import pytest
from suite_runs import run_suites


def test_header_names_implementation_version_and_capabilities(pytester, fixture_cache):
    result = pytester.runpytest_inprocess(
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        "reference",
        "--zarr-cache-dir",
        str(fixture_cache),
        "--zarr-cases",
        "^v3-int16$",
        "-p",
        "no:cacheprovider",
    )
    result.stdout.fnmatch_lines(
        [
            "zarr-conformance: implementation reference 0.1.0 (*ReferenceAdapter)",
            "  read_formats: 2, 3",
            "  codecs: blosc, bytes, crc32c, gzip, sharding_indexed, transpose, zstd",
            "  fixtures cache: *",
        ]
    )
    assert result.ret == 0


def test_suites_need_an_implementation(pytester):
    result = pytester.runpytest_inprocess("--pyargs", "zarr_conformance", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*need an implementation: pass --zarr-impl*"])


def test_unknown_adapter_is_a_usage_error_listing_known_ones(pytester):
    result = pytester.runpytest_inprocess("--pyargs", "zarr_conformance", "--zarr-impl", "no-such-zarr")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown adapter 'no-such-zarr'; known: *reference*zarr-python*"])


def test_adapter_that_is_not_an_adapter_is_rejected(pytester):
    pytester.makepyfile(notanadapter="class Thing:\n    pass\n")
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess("--pyargs", "zarr_conformance", "--zarr-impl", "notanadapter:Thing")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*is not a subclass of zarr_conformance.adapters.base.Adapter*"])


def test_test_ids_read_like_area_and_case(pytester, fixture_cache):
    result = pytester.runpytest_inprocess(
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        "reference",
        "--zarr-cache-dir",
        str(fixture_cache),
        "--zarr-cases",
        "^v3-sharded-uint16-edge$",
        "--collect-only",
        "-q",
    )
    result.stdout.fnmatch_lines(["*TestArrayRead::test_read_region[[]v3-sharded-uint16-edge[]]"])


def test_unclaimed_capability_is_unsupported_not_failed(pytester, fixture_cache):
    pytester.makepyfile(
        v3only=(
            "from zarr_conformance.adapters.base import Capabilities\n"
            "from zarr_conformance.adapters.reference import ReferenceAdapter\n"
            "class V3Only(ReferenceAdapter):\n"
            "    capabilities = "
            "Capabilities.from_dict({**ReferenceAdapter.capabilities.to_dict(), 'read_formats': [3]})\n"
        )
    )
    pytester.syspathinsert()
    results = run_suites(pytester, "v3only:V3Only", fixture_cache, "--zarr-cases", "^(v2-int16-le|v3-int16)$")
    assert results["test_read_full[v2-int16-le]"]["outcome"] == "unsupported"
    unsupported, supported = results["test_read_full[v2-int16-le]"], results["test_read_full[v3-int16]"]
    assert unsupported["unsupported_because"] == ["read Zarr v2"], "the missing capability, as data"
    assert unsupported["message"] == "the adapter does not claim: read Zarr v2" and unsupported["phase"] == "setup"
    assert supported["outcome"] == "pass" and supported["unsupported_because"] == []


def test_results_json_schema(pytester, fixture_cache):
    report = pytester.path / "r.json"
    pytester.runpytest_inprocess(
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        "faulty_adapters:DropsAttributes",
        "--zarr-cache-dir",
        str(fixture_cache),
        "--zarr-cases",
        "^v3-attributes$",
        "--zarr-json",
        str(report),
    )
    document = json.loads(report.read_text())
    assert document["schema"] == "zarr-conformance/results" and document["schema_version"] == 2
    assert document["implementation"]["name"] == "reference"
    record = next(r for r in document["results"] if r["test_id"] == "test_attributes[v3-attributes]")
    assert set(record) == {
        "test_id",
        "nodeid",
        "suite",
        "case",
        "requirements",
        "features",
        "writer",
        "writer_at_fault",
        "implementation",
        "version",
        "phase",
        "outcome",
        "failure_kind",
        "unsupported_because",
        "message",
        "duration",
    }
    assert "format: Zarr v3" in record["features"] and record["writer"] is None and record["writer_at_fault"] is False
    assert record["outcome"] == "fail" and record["failure_kind"] == "fail" and record["phase"] == "call"
    assert record["case"] == "v3-attributes" and record["unsupported_because"] == []
    assert record["suite"] == "array_metadata" and "V3-CORE-026" in record["requirements"]
    assert document["summary"]["fail"] >= 1 and document["summary"]["pass"] >= 1


def test_expectations_turn_known_failures_into_xfail_and_warn_about_stale_entries(pytester, fixture_cache):
    expectations = pytester.makefile(
        ".yaml",
        expect=(
            "version: 1\n"
            "expectations:\n"
            "  - implementation: reference\n"
            "    tests: ['test_attributes[v3-attributes]']\n"
            "    reason: drops attributes\n"
            "    requirements: [V3-CORE-026]\n"
            "  - implementation: reference\n"
            "    tests: ['test_nothing_like_this[*]']\n"
            "    reason: stale\n"
            "  - implementation: reference\n"
            "    versions: '<0.0.1'\n"
            "    tests: ['test_shape[v3-attributes]']\n"
            "    reason: only for old versions\n"
        ),
    )
    results = run_suites(
        pytester,
        "faulty_adapters:DropsAttributes",
        fixture_cache,
        "--zarr-cases",
        "^v3-attributes$",
        "--zarr-expect",
        str(expectations),
    )
    assert results["test_attributes[v3-attributes]"]["outcome"] == "xfail"
    assert "drops attributes [V3-CORE-026]" in results["test_attributes[v3-attributes]"]["message"]
    assert results["test_shape[v3-attributes]"]["outcome"] == "pass"
    result = pytester.runpytest_inprocess(
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        "faulty_adapters:DropsAttributes",
        "--zarr-cache-dir",
        str(fixture_cache),
        "--zarr-cases",
        "^v3-attributes$",
        "--zarr-expect",
        str(expectations),
    )
    result.stdout.fnmatch_lines(["*matches no collected test: ['test_nothing_like_this[[]*[]]']*"])
    assert result.ret == 0


def test_brackets_in_expectation_patterns_are_literal(pytester, fixture_cache):
    expectations = pytester.makefile(
        ".yaml",
        expect=(
            "version: 1\nexpectations:\n"
            "  - implementation: reference\n    tests: ['test_*[v3-attributes]']\n    reason: r\n"
        ),
    )
    results = run_suites(
        pytester,
        "reference",
        fixture_cache,
        "--zarr-cases",
        "^(v3-attributes|v3-int16)$",
        "--zarr-expect",
        str(expectations),
    )
    assert results["test_shape[v3-int16]"]["outcome"] == "pass"
    assert results["test_shape[v3-attributes]"]["outcome"] == "xpass"


def test_malformed_expectations_file_is_a_usage_error(pytester):
    bad = pytester.makefile(".yaml", bad="version: 1\nexpectations:\n  - implementation: x\n")
    result = pytester.runpytest_inprocess(
        "--pyargs", "zarr_conformance", "--zarr-impl", "reference", "--zarr-expect", str(bad)
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "expectations[0]: lacks ['tests', 'reason']" in str(result.stderr)


def test_user_case_files_add_cases(pytester, fixture_cache):
    case_file = pytester.makefile(
        ".yaml",
        mine=(
            "cases:\n  - id: my-own-case\n    format: 3\n    shape: [5]\n    chunks: [2]\n"
            "    dtype: int8\n    fill_value: 3\n    missing_chunks: [[1]]\n"
        ),
    )
    results = run_suites(
        pytester, "reference", fixture_cache, "--zarr-case-file", str(case_file), "--zarr-cases", "^my-own-case$"
    )
    assert results["test_missing_chunks_read_as_fill_value[my-own-case]"]["outcome"] == "pass"


def test_template_class_binds_by_subclassing(pytester, fixture_cache):
    pytester.makepyfile(
        test_mine=(
            "import pytest\n"
            "from zarr_conformance.adapters.reference import ReferenceAdapter\n"
            "from zarr_conformance.suites.array_metadata import ArrayMetadataTests\n"
            "class TestMine(ArrayMetadataTests):\n"
            "    @pytest.fixture(scope='session')\n"
            "    @classmethod\n"
            "    def zarr_adapter(cls):\n"
            "        return ReferenceAdapter()\n"
        )
    )
    result = pytester.runpytest_inprocess(
        "--zarr-cache-dir", str(fixture_cache), "--zarr-cases", "^v3-attributes$", "-q"
    )
    result.assert_outcomes(passed=8)


BOUND_FAULTY = """
import dataclasses

import pytest
from zarr_conformance.adapters.reference import ReferenceAdapter
from zarr_conformance.suites.array_metadata import ArrayMetadataTests
from zarr_conformance.suites.array_write import ArrayWriteTests


class DropsAttributes(ReferenceAdapter):
    name = "my-zarr"

    def open_array(self, store, path):
        return dataclasses.replace(super().open_array(store, path), attributes={})


class TestMine(ArrayMetadataTests, ArrayWriteTests):
    @pytest.fixture(scope="session")
    @classmethod
    def zarr_adapter(cls):
        return DropsAttributes()
"""

BOUND_EXPECTATIONS = """version: 1
expectations:
  - implementation: my-zarr
    tests: ['test_attributes[v3-attributes]']
    reason: drops attributes
    requirements: [V3-CORE-026]
  - implementation: my-zarr
    tests: ['test_shape[*]']
    reason: a stale entry that matches a passing test
  - implementation: my-zarr
    tests: ['test_nothing_like_this[*]']
    reason: matches nothing
"""


def test_a_bound_template_class_honours_expect_strict_and_json(pytester, fixture_cache):
    """The README's route (a class binding its own adapter) gates exactly as --pyargs with --zarr-impl does."""
    pytester.makepyfile(test_mine=BOUND_FAULTY)
    expect = pytester.makefile(".yaml", expect=BOUND_EXPECTATIONS)
    args = ["--zarr-cache-dir", str(fixture_cache), "--zarr-cases", "^v3-attributes$", "-p", "no:cacheprovider"]
    args += ["-W", "error::pytest.PytestDeprecationWarning"]
    bare = pytester.runpytest_inprocess(*args)
    assert bare.parseoutcomes()["failed"] == 1 and "error" not in bare.parseoutcomes()

    lenient = pytester.runpytest_inprocess(*args, "--zarr-expect", str(expect), "--zarr-json", "r.json")
    outcomes = lenient.parseoutcomes()
    assert outcomes["xfailed"] == 1 and outcomes["xpassed"] == 1 and "failed" not in outcomes
    lenient.stdout.fnmatch_lines(
        ["*stale expectations*", "*matches no collected test: ['test_nothing_like_this[[]*[]]']*"]
    )
    document = json.loads((pytester.path / "r.json").read_text())
    assert document["implementation"]["name"] == "my-zarr"
    by_id = {r["test_id"]: r for r in document["results"]}
    assert by_id["test_attributes[v3-attributes]"]["outcome"] == "xfail"
    assert by_id["test_attributes[v3-attributes]"]["implementation"] == "my-zarr"

    strict = pytester.runpytest_inprocess(*args, "--zarr-expect", str(expect), "--zarr-strict")
    assert strict.parseoutcomes()["failed"] == 1 and strict.parseoutcomes()["xfailed"] == 1
    strict.stdout.fnmatch_lines(["*test_shape*", "[[]XPASS(strict)[]] a stale entry that matches a passing test"])


def test_unknown_requirement_id_in_a_marker_is_an_error(pytester, fixture_cache):
    pytester.makepyfile(
        test_typo=("import pytest\n@pytest.mark.zarr_requirements('V9-NOPE')\ndef test_x():\n    pass\n")
    )
    result = pytester.runpytest_inprocess()
    assert result.ret != 0
    assert "requirement IDs not in the catalogue: ['V9-NOPE']" in str(result.stderr)


def test_a_projects_own_requirements_marker_is_left_alone(pytester, fixture_cache):
    """``requirements`` is a common marker name: the kit's is ``zarr_requirements``."""
    pytester.makeini("[pytest]\nmarkers =\n    requirements(*names): the project's own marker\n")
    pytester.makepyfile(test_own=("import pytest\n@pytest.mark.requirements('pandas')\ndef test_x():\n    pass\n"))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=1)


def test_the_old_marker_name_still_names_the_rules_of_a_template_test(pytester, fixture_cache):
    pytester.makepyfile(
        test_old=(
            "import pytest\n"
            "@pytest.mark.zarr_cases('valid')\n"
            "@pytest.mark.requirements('V9-NOPE')\n"
            "def test_x(zarr_fixture):\n"
            "    pass\n"
        )
    )
    result = pytester.runpytest_inprocess("--zarr-cache-dir", str(fixture_cache), "--zarr-cases", "^v3-int16$")
    assert result.ret != 0
    assert "requirement IDs not in the catalogue: ['V9-NOPE']" in str(result.stderr)


def test_strict_turns_an_unexpected_pass_into_a_failure(pytester, fixture_cache):
    expectations = pytester.makefile(
        ".yaml",
        expect=(
            "version: 1\nexpectations:\n"
            "  - implementation: reference\n    tests: ['test_shape[v3-int16]']\n    reason: stale\n"
        ),
    )
    lenient = run_suites(
        pytester, "reference", fixture_cache, "--zarr-cases", "^v3-int16$", "--zarr-expect", str(expectations)
    )
    assert lenient["test_shape[v3-int16]"]["outcome"] == "xpass"
    strict = run_suites(
        pytester,
        "reference",
        fixture_cache,
        "--zarr-cases",
        "^v3-int16$",
        "--zarr-expect",
        str(expectations),
        "--zarr-strict",
    )
    assert strict["test_shape[v3-int16]"]["outcome"] == "fail"
    assert strict["test_data_type[v3-int16]"]["outcome"] == "pass"


def test_junit_xml_for_ci(pytester, fixture_cache):
    junit = pytester.path / "junit.xml"
    pytester.runpytest_inprocess(
        "--pyargs",
        "zarr_conformance",
        "--zarr-impl",
        "faulty_adapters:DropsAttributes",
        "--zarr-cache-dir",
        str(fixture_cache),
        "--zarr-cases",
        "^v3-attributes$",
        "--junitxml",
        str(junit),
    )
    text = junit.read_text()
    assert 'name="test_attributes[v3-attributes]"' in text and "<failure" in text


def test_plugin_is_inert_where_the_kit_is_merely_installed(pytester):
    """Every pytest run in an environment with the kit loads the plugin: that must cost nothing heavy."""
    import subprocess
    import sys

    probe = (
        "import sys, zarr_conformance.plugin; "
        "print(sorted(m for m in ('numpy', 'jsonschema', 'yaml', 'zarr', 'zarr_conformance.fixtures.cases') "
        "if m in sys.modules))"
    )
    assert (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )
    pytester.makepyfile(test_other="def test_unrelated():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
