"""The pytest plugin: ``--zarr-*`` options, fixtures, case parametrization, header.

Registered through the ``pytest11`` entry point.  It is inert unless the template
suites are collected: ``pytest --pyargs zarr_conformance --zarr-impl zarr-python``.
State lives in ``config.stash``; the results writer and the expectations are only
registered when their options are given.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:  # the plugin loads in every pytest run where the kit is installed: it imports nothing heavy up front
    from .adapters.base import Adapter
    from .calls import GuardedAdapter
    from .fixtures.cases import Case
    from .fixtures.writer import Fixture

DEFAULT_TIMEOUT = 60.0  # seconds per adapter call; the same value as calls.DEFAULT_TIMEOUT

ADAPTER_KEY = pytest.StashKey["Adapter"]()
CASES_KEY = pytest.StashKey["list[Case]"]()
REQUIREMENTS_KEY = pytest.StashKey[list[str]]()

PACKAGE_DIR = Path(__file__).parent

_CASE_KINDS = {
    "valid": lambda case: case.valid and not case.is_group,
    "invalid": lambda case: not case.valid,
    "missing_chunks": lambda case: case.valid and not case.is_group and case.has_missing_chunks,
    "hierarchy": lambda case: case.is_group,
    # what a writer can be asked to reproduce: valid arrays without extension members
    "writable": lambda case: case.valid and not case.is_group and "extra_metadata" not in case.raw,
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zarr-conformance", "Zarr conformance suites")
    group.addoption("--zarr-impl", metavar="ADAPTER", help="implementation under test: a built-in name (zarr-python, reference), an entry-point name, or package.module:Class")
    group.addoption("--zarr-cases", metavar="REGEX", help="only cases whose id matches this regular expression (re.search)")
    group.addoption("--zarr-case-file", metavar="YAML", action="append", default=[], help="add the cases of this YAML file to the shipped catalogue (repeatable)")
    group.addoption("--zarr-cache-dir", metavar="DIR", help="where built fixture stores are cached (default: $ZARR_CONFORMANCE_CACHE or ~/.cache/zarr-conformance)")
    group.addoption("--zarr-timeout", metavar="SECONDS", type=float, default=DEFAULT_TIMEOUT, help=f"time budget of one adapter call (default {DEFAULT_TIMEOUT:g})")
    group.addoption("--zarr-expect", metavar="YAML", action="append", default=[], help="expectations file: known deviations become xfail; 'shipped' is the kit's own (repeatable: files combine)")
    group.addoption("--zarr-strict", action="store_true", help="with --zarr-expect: a test expected to fail that passes fails the run")
    group.addoption("--zarr-json", metavar="PATH", help="write the results as versioned JSON to PATH")
    group.addoption("--zarr-interop-write", metavar="DIR", help="interop, write phase: write every writable case into DIR for other implementations to read")
    group.addoption("--zarr-interop-read", metavar="DIR", action="append", default=[], help="interop, read phase: read every store a writer wrote into DIR (repeatable, one per writer)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirements(*ids, v2=(), v3=(), sharded=(), v2_by_kind={}, v3_by_kind={}, extensions=()): requirement IDs a template test checks, by format, for sharded cases, by NumPy dtype kind, and extension rules for the cases using that extension; e.g. @pytest.mark.requirements('V3-CORE-023', v2=['V2-034'], v3_by_kind={'f': ['V3-DTYPE-007']})")
    config.addinivalue_line("markers", "zarr_cases(kind, selection=None, fill_defined=False, resizable=False, consolidated=False): parametrize over catalogue cases of a kind (valid, invalid, missing_chunks, hierarchy, writable), narrowed by the keyword filters")
    config.addinivalue_line("markers", "zarr_needs(*features, mode='read'): capabilities a template test needs beyond what its case needs")
    config.addinivalue_line("markers", "zarr_interop(phase): an interop test, 'write' or 'read'; collected only with --zarr-interop-write / --zarr-interop-read")
    spec = config.getoption("--zarr-impl")
    if spec:
        from .adapters.registry import AdapterLoadError, load_adapter

        try:
            config.stash[ADAPTER_KEY] = load_adapter(spec)
        except AdapterLoadError as exc:
            raise pytest.UsageError(str(exc)) from exc
    for folder in config.getoption("--zarr-interop-read"):
        from .interop import InteropError, check_folder

        try:
            check_folder(Path(folder))
        except InteropError as exc:
            raise pytest.UsageError(f"--zarr-interop-read: {exc}") from exc
    expect = config.getoption("--zarr-expect")
    if expect:
        from .expectations import ExpectationsPlugin

        plugin = ExpectationsPlugin(config, expect, strict=config.getoption("--zarr-strict"))
        config.pluginmanager.register(plugin, "zarr-conformance-expectations")
    json_path = config.getoption("--zarr-json")
    if json_path:
        from .results import ResultsPlugin

        config.pluginmanager.register(ResultsPlugin(config, Path(json_path)), "zarr-conformance-results")


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    adapter = config.stash.get(ADAPTER_KEY, None)
    if adapter is None:
        return None
    caps = adapter.capabilities.to_dict()
    lines = [f"zarr-conformance: implementation {adapter.name} {adapter.version()} ({type(adapter).__module__}.{type(adapter).__qualname__})"]
    lines += [f"  {key}: {', '.join(str(v) for v in values) or '-'}" for key, values in caps.items()]
    lines.append(f"  fixtures cache: {_cache_dir(config)}")
    if hasattr(adapter, "call_timeout"):
        from .adapters.environments import environments_dir

        lines.append(f"  out of process: {getattr(adapter, 'label', '')}; environments: {environments_dir()}")
    return lines


def _cache_dir(config: pytest.Config) -> Path:
    from .fixtures.writer import default_cache_dir

    option = config.getoption("--zarr-cache-dir")
    return Path(option) if option else default_cache_dir()


def selected_cases(config: pytest.Config) -> list[Case]:
    if CASES_KEY not in config.stash:
        from .fixtures.cases import load_catalogue, load_extra

        cases = list(load_catalogue()) + load_extra(Path(p) for p in config.getoption("--zarr-case-file"))
        pattern = config.getoption("--zarr-cases")
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

        folders = [Path(p) for p in metafunc.config.getoption("--zarr-interop-read")]
        try:
            stores = load_stores(folders, selected_cases(metafunc.config))
        except InteropError as exc:
            raise pytest.UsageError(f"--zarr-interop-read: {exc}") from exc
        metafunc.parametrize("case,interop_store", [(s.case, s) for s in stores], ids=[s.id for s in stores])
        return
    marker = metafunc.definition.get_closest_marker("zarr_cases")
    if marker is None or "case" not in metafunc.fixturenames:
        return
    from .selections import selection_for

    kind = marker.args[0]
    selection = marker.kwargs.get("selection")
    cases = [c for c in selected_cases(metafunc.config) if _CASE_KINDS[kind](c)]
    if selection:
        chunks_of = (lambda c: c.chunks) if selection == "last_partial_chunk" else (lambda c: c.read_chunks)
        cases = [c for c in cases if selection_for(selection, c.shape, chunks_of(c)) is not None]
    if marker.kwargs.get("fill_defined"):
        cases = [c for c in cases if c.raw.get("fill_value") is not None]
    if marker.kwargs.get("resizable"):
        cases = [c for c in cases if any(size > chunk for size, chunk in zip(c.shape, c.chunks))]
    if marker.kwargs.get("consolidated"):
        cases = [c for c in cases if c.raw.get("consolidated")]
    metafunc.parametrize("case", cases, ids=[c.id for c in cases])


def item_case(item: pytest.Item) -> Case | None:
    from .fixtures.cases import Case

    callspec = getattr(item, "callspec", None)
    case = callspec.params.get("case") if callspec is not None else None
    return case if isinstance(case, Case) else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ADAPTER_KEY not in config.stash and any(isinstance(item.parent, pytest.Class) and isinstance(item.parent.parent, SuiteModule) for item in items):
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
        item.user_properties.append(("zarr_requirements", ids))
        item.user_properties.append(("zarr_case", case.id if case else None))
        item.user_properties.append(("zarr_suite", item.path.stem.removeprefix("test_")))
        item.user_properties.append(("zarr_features", feature_labels(case)))
        store = getattr(item, "callspec", None) and item.callspec.params.get("interop_store")
        if store is not None:
            item.user_properties.append(("zarr_writer", store.writer))


def _is_template_test(item: pytest.Item) -> bool:
    """A test of the kit's template suites (here or bound in another project): it has the kit's markers."""
    return any(item.get_closest_marker(name) is not None for name in ("requirements", "zarr_cases", "zarr_interop"))


def _deselect(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that have nothing to run are not collected, rather than skipped.

    Interop tests run only in their phase (the options name the folders), and a
    template left without cases by ``--zarr-cases`` is not a result either.
    """
    wanted = {"write": bool(config.getoption("--zarr-interop-write")), "read": bool(config.getoption("--zarr-interop-read"))}
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("zarr_interop")
        skip = item.get_closest_marker("skip")
        empty = skip is not None and str(skip.kwargs.get("reason", "")).startswith("got empty parameter set")
        (drop if empty or (marker is not None and not wanted[marker.args[0]]) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Record whether a failure was a wrong answer, a hang or a crash (see ConformanceFailure)."""
    report = yield
    checks = sys.modules.get(f"{__package__}.checks")  # not imported: no test raised a ConformanceFailure
    if call.excinfo is not None and checks is not None and isinstance(call.excinfo.value, checks.ConformanceFailure):
        report.user_properties.append(("zarr_failure_kind", call.excinfo.value.kind))
    return report


@pytest.fixture(scope="session")
def zarr_adapter(pytestconfig: pytest.Config) -> Adapter:
    """The adapter under test (from ``--zarr-impl``); override it to bind a suite yourself."""
    adapter = pytestconfig.stash.get(ADAPTER_KEY, None)
    if adapter is None:
        pytest.fail("no adapter: pass --zarr-impl or override the zarr_adapter fixture", pytrace=False)
    return adapter


@pytest.fixture(scope="session")
def zarr_call(zarr_adapter: Adapter, pytestconfig: pytest.Config) -> Iterator[GuardedAdapter]:
    """The adapter's verbs, each call with a timeout and errors that name the call."""
    from .calls import GuardedAdapter

    guard = GuardedAdapter(zarr_adapter, timeout=pytestconfig.getoption("--zarr-timeout"))
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

    folder = pytestconfig.getoption("--zarr-interop-write")
    if not folder:
        pytest.fail("the interop write phase needs --zarr-interop-write DIR", pytrace=False)
    try:
        return Manifest(Path(folder), zarr_adapter.name, zarr_adapter.version(), zarr_adapter.capabilities.features)
    except InteropError as exc:
        pytest.fail(str(exc), pytrace=False)
