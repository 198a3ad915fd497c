"""The pytest plugin: ``--zarr-*`` options, fixtures, case parametrization, header.

Registered through the ``pytest11`` entry point.  It is inert unless the template
suites are collected: ``pytest --pyargs zarr_conformance --zarr-impl zarr-python``.
The options are read once into a :class:`~zarr_conformance.runspec.RunSpec`. State
lives in ``config.stash`` (keys in :mod:`zarr_conformance.stash`); the results writer
and the expectations are only registered when their options are given.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .outcomes import Property, Unsupported, WriterAtFault
from .runspec import RunSpec, add_plugin_options
from .stash import (
    ADAPTER_KEY,
    BOUND_ADAPTER_KEY,
    CASES_KEY,
    EXPECTATIONS_LABEL_KEY,
    MARK_BOUND_KEY,
    REQUIREMENTS_KEY,
    RUNSPEC_KEY,
)

if TYPE_CHECKING:  # the plugin loads in every pytest run where the kit is installed: it imports nothing heavy up front
    from .adapters.base import Adapter
    from .calls import GuardedAdapter
    from .fixtures.cases import Case
    from .fixtures.writer import Fixture


PACKAGE_DIR = Path(__file__).parent


class _NoCases:
    """The one parameter of a template that has no case to run: its item is deselected, not skipped."""

    def __repr__(self) -> str:
        return "no-cases"


NO_CASES = _NoCases()

_CASE_KINDS = {
    "valid": lambda case: case.valid and not case.is_group,
    "invalid": lambda case: not case.valid,
    "missing_chunks": lambda case: case.valid and not case.is_group and case.has_missing_chunks,
    "hierarchy": lambda case: case.is_group,
    # what a writer can be asked to reproduce: valid arrays without extension members
    "writable": lambda case: case.valid and not case.is_group and "extra_metadata" not in case.raw,
}


def pytest_addoption(parser: pytest.Parser) -> None:
    add_plugin_options(parser.getgroup("zarr-conformance", "Zarr conformance suites"))


def run_spec(config: pytest.Config) -> RunSpec:
    """This run's options (read once, in ``pytest_configure``)."""
    return config.stash[RUNSPEC_KEY]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "zarr_requirements(*ids, v2=(), v3=(), sharded=(), v2_by_kind={}, v3_by_kind={}, extensions=()): "
        "requirement IDs a template test checks, by format, for sharded cases, by NumPy dtype kind, and "
        "extension rules for the cases using that extension; e.g. @pytest.mark.zarr_requirements('V3-CORE-023', "
        "v2=['V2-034'], v3_by_kind={'f': ['V3-DTYPE-007']})",
    )
    config.addinivalue_line(
        "markers",
        "requirements(...): the old name of zarr_requirements, still read on tests that carry zarr_cases or "
        "zarr_interop",
    )
    config.addinivalue_line(
        "markers",
        "zarr_cases(kind, selection=None, fill_defined=False, resizable=False, consolidated=False): "
        "parametrize over catalogue cases of a kind (valid, invalid, missing_chunks, hierarchy, writable), "
        "narrowed by the keyword filters",
    )
    config.addinivalue_line(
        "markers", "zarr_needs(*features, mode='read'): capabilities a template test needs beyond what its case needs"
    )
    config.addinivalue_line(
        "markers",
        "zarr_interop(phase): an interop test, 'write' or 'read'; "
        "collected only with --zarr-interop-write / --zarr-interop-read",
    )
    spec = config.stash[RUNSPEC_KEY] = RunSpec.from_pytest(config)
    if spec.impl:
        from .adapters.registry import AdapterLoadError, load_adapter

        try:
            # the project under test: where pytest was started, and its rootdir
            search = (config.invocation_params.dir, config.rootpath)
            config.stash[ADAPTER_KEY] = load_adapter(spec.impl, search)
        except AdapterLoadError as exc:
            raise pytest.UsageError(str(exc)) from exc
    for folder in spec.interop_read:
        from .interop import InteropError, check_folder

        try:
            check_folder(Path(folder))
        except InteropError as exc:
            raise pytest.UsageError(f"--zarr-interop-read: {exc}") from exc
    if spec.expect:
        from .expectations import ExpectationsPlugin

        plugin = ExpectationsPlugin(list(spec.expect), strict=spec.strict)
        config.stash[EXPECTATIONS_LABEL_KEY] = plugin.label
        config.stash[MARK_BOUND_KEY] = plugin.mark_bound
        config.pluginmanager.register(plugin, "zarr-conformance-expectations")
    if spec.json_path:
        from .results import ResultsPlugin

        config.pluginmanager.register(ResultsPlugin(config, Path(spec.json_path)), "zarr-conformance-results")


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    adapter = config.stash.get(ADAPTER_KEY, None)
    if adapter is None:
        return None
    caps = adapter.capabilities.to_dict()
    where = f"{type(adapter).__module__}.{type(adapter).__qualname__}"
    lines = [f"zarr-conformance: implementation {adapter.name} {adapter.version()} ({where})"]
    lines += [f"  {key}: {', '.join(str(v) for v in values) or '-'}" for key, values in caps.items()]
    lines.append(f"  fixtures cache: {_cache_dir(config)}")
    if adapter.out_of_process:
        from .adapters.environments import environments_dir

        lines.append(f"  out of process: {getattr(adapter, 'label', '')}; environments: {environments_dir()}")
    return lines


def _cache_dir(config: pytest.Config) -> Path:
    from .fixtures.writer import default_cache_dir

    option = run_spec(config).cache_dir
    return Path(option) if option else default_cache_dir()


def selected_cases(config: pytest.Config) -> list[Case]:
    if CASES_KEY not in config.stash:
        from .fixtures.cases import load_catalogue, load_extra

        spec = run_spec(config)
        cases = list(load_catalogue()) + load_extra(Path(p) for p in spec.case_files)
        pattern = spec.cases
        if pattern:
            regex = re.compile(pattern)
            cases = [c for c in cases if regex.search(c.id)]
        config.stash[CASES_KEY] = cases
    return config.stash[CASES_KEY]


class SuiteModule(pytest.Module):
    """A template-suite module of this package, imported under its real dotted name."""

    def _getobj(self) -> Any:
        return importlib.import_module(f"{__package__}.{self.path.stem}")


class SuitePackage(pytest.Package):
    """This package's folder as a collector; its ``__init__`` has no setup to run."""

    def setup(self) -> None:
        return None


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if path == PACKAGE_DIR:
        return SuitePackage.from_parent(parent, path=path)
    return None


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if module_path.parent != PACKAGE_DIR or not module_path.name.startswith("test_"):
        return None
    return SuiteModule.from_parent(parent, path=module_path)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    interop = metafunc.definition.get_closest_marker("zarr_interop")
    if interop is not None and interop.args[0] == "read" and "interop_store" in metafunc.fixturenames:
        from .interop import InteropError, load_stores

        folders = [Path(p) for p in run_spec(metafunc.config).interop_read]
        try:
            stores = load_stores(folders, selected_cases(metafunc.config))
        except InteropError as exc:
            raise pytest.UsageError(f"--zarr-interop-read: {exc}") from exc
        if not stores:
            metafunc.parametrize("case,interop_store", [(NO_CASES, None)], ids=[repr(NO_CASES)])
            return
        metafunc.parametrize("case,interop_store", [(s.case, s) for s in stores], ids=[s.id for s in stores])
        return
    marker = metafunc.definition.get_closest_marker("zarr_cases")
    if marker is None or "case" not in metafunc.fixturenames:
        return
    from .selections import for_case

    kind = marker.args[0]
    selection = marker.kwargs.get("selection")
    cases = [c for c in selected_cases(metafunc.config) if _CASE_KINDS[kind](c)]
    if selection:
        cases = [c for c in cases if for_case(selection, c) is not None]
    if marker.kwargs.get("fill_defined"):
        cases = [c for c in cases if c.raw.get("fill_value") is not None]
    if marker.kwargs.get("resizable"):
        cases = [c for c in cases if any(size > chunk for size, chunk in zip(c.shape, c.chunks))]
    if marker.kwargs.get("consolidated"):
        cases = [c for c in cases if c.raw.get("consolidated")]
    metafunc.parametrize("case", cases or [NO_CASES], ids=[c.id for c in cases] or [repr(NO_CASES)])


def item_case(item: pytest.Item) -> Case | None:
    from .fixtures.cases import Case

    callspec = getattr(item, "callspec", None)
    case = callspec.params.get("case") if callspec is not None else None
    return case if isinstance(case, Case) else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ADAPTER_KEY not in config.stash and any(
        isinstance(item.parent, pytest.Class) and isinstance(item.parent.parent, SuiteModule) for item in items
    ):
        raise pytest.UsageError(
            "the zarr-conformance suites need an implementation: pass --zarr-impl NAME "
            "(zarr-python, reference, an entry-point name, or package.module:Class)"
        )
    if not any(_is_template_test(item) for item in items):
        return  # another project's own tests: nothing to do
    from .features import feature_labels
    from .requirements import catalogue, requirement_ids

    _deselect(config, items)
    known = catalogue()
    for item in items:
        if not _is_template_test(item):
            continue
        ids = requirement_ids(item, item_case(item))
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: requirement IDs not in the catalogue: {unknown}")
        item.stash[REQUIREMENTS_KEY] = ids
        case = item_case(item)
        item.user_properties.append((Property.REQUIREMENTS, ids))
        item.user_properties.append((Property.CASE, case.id if case else None))
        item.user_properties.append((Property.SUITE, item.path.stem.removeprefix("test_")))
        marker = item.get_closest_marker("zarr_cases")
        selection = marker.kwargs.get("selection") if marker is not None else None
        item.user_properties.append((Property.FEATURES, feature_labels(case, selection)))
        callspec = getattr(item, "callspec", None)
        store = callspec.params.get("interop_store") if callspec is not None else None
        if store is not None:
            item.user_properties.append((Property.WRITER, store.writer))


def _is_template_test(item: pytest.Item) -> bool:
    """A test of the kit's template suites (here or bound in another project): it has the kit's markers."""
    from .requirements import MARKER, TEMPLATE_MARKERS

    return any(item.get_closest_marker(name) is not None for name in (MARKER, *TEMPLATE_MARKERS))


def _deselect(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that have nothing to run are not collected, rather than skipped.

    Interop tests run only in their phase (the options name the folders), and a
    template left without cases (by ``--zarr-cases``, say) is not a result either.
    """
    spec = run_spec(config)
    wanted = {"write": bool(spec.interop_write), "read": bool(spec.interop_read)}
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("zarr_interop")
        callspec = getattr(item, "callspec", None)
        empty = callspec is not None and callspec.params.get("case") is NO_CASES
        (drop if empty or (marker is not None and not wanted[marker.args[0]]) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Record what a test's exception says, as data: the capabilities lacking, the writer at fault, the failure kind."""
    report = yield
    error = call.excinfo.value if call.excinfo is not None else None
    checks = sys.modules.get(f"{__package__}.checks")  # not imported: no test raised a ConformanceFailure
    if isinstance(error, Unsupported):
        report.user_properties.append((Property.UNSUPPORTED_BECAUSE, list(error.missing)))
    elif isinstance(error, WriterAtFault):
        report.user_properties.append((Property.WRITER_AT_FAULT, True))
        report.user_properties.append((Property.FAILURE_KIND, str(error.kind)))
    elif checks is not None and isinstance(error, checks.ConformanceFailure):
        report.user_properties.append((Property.FAILURE_KIND, str(error.kind)))
    return report


@pytest.fixture(scope="session")
def zarr_adapter(pytestconfig: pytest.Config) -> Adapter:
    """The adapter under test (from ``--zarr-impl``); override it to bind a suite yourself."""
    adapter = pytestconfig.stash.get(ADAPTER_KEY, None)
    if adapter is None:
        pytest.fail("no adapter: pass --zarr-impl or override the zarr_adapter fixture", pytrace=False)
    return adapter


@pytest.fixture(autouse=True)
def _zarr_bound_adapter(request: pytest.FixtureRequest) -> None:
    """A bound template class's adapter (its own ``zarr_adapter``): the expectations and results learn it here.

    With ``--zarr-impl`` both know the adapter at collection; a class that binds one
    itself provides it only as a fixture, so each of its tests is marked as it starts.
    Inert for a project's other tests.
    """
    config = request.config
    if ADAPTER_KEY in config.stash or not _is_template_test(request.node):
        return
    adapter = request.getfixturevalue("zarr_adapter")
    config.stash.setdefault(BOUND_ADAPTER_KEY, adapter)
    mark = config.stash.get(MARK_BOUND_KEY, None)
    if mark is not None:
        mark(request, adapter)


@pytest.fixture(scope="session")
def zarr_call(zarr_adapter: Adapter, pytestconfig: pytest.Config) -> Iterator[GuardedAdapter]:
    """The adapter's verbs, each call with a timeout and errors that name the call."""
    from .calls import GuardedAdapter

    guard = GuardedAdapter(zarr_adapter, timeout=run_spec(pytestconfig).timeout)
    yield guard
    guard.close()


@pytest.fixture
def zarr_requirements(request: pytest.FixtureRequest) -> list[str]:
    """The requirement IDs this test checks for its case."""
    return request.node.stash.get(REQUIREMENTS_KEY, [])


@pytest.fixture
def zarr_fixture(case: Case, zarr_adapter: Adapter, request: pytest.FixtureRequest) -> Fixture:
    """The built fixture store of ``case``, after checking the adapter supports what it needs."""
    from .checks import skip_unsupported
    from .fixtures.writer import ensure_fixture
    from .support import unsupported

    needs = request.node.get_closest_marker("zarr_needs")
    features = needs.args if needs else ()
    mode = needs.kwargs.get("mode", "read") if needs else "read"
    skip_unsupported(unsupported(zarr_adapter.capabilities, case, mode, features))
    return ensure_fixture(case, _cache_dir(request.config))


@pytest.fixture(scope="session")
def zarr_interop_manifest(zarr_adapter: Adapter, pytestconfig: pytest.Config):
    """The manifest of the folder the interop write phase writes into (``--zarr-interop-write``)."""
    from .interop import InteropError, Manifest

    folder = run_spec(pytestconfig).interop_write
    if not folder:
        pytest.fail("the interop write phase needs --zarr-interop-write DIR", pytrace=False)
    try:
        return Manifest(Path(folder), zarr_adapter.name, zarr_adapter.version(), zarr_adapter.capabilities.features)
    except InteropError as exc:
        pytest.fail(str(exc), pytrace=False)
