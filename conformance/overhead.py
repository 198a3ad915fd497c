"""Where a run's wall time goes: a pytest plugin that splits it between the implementation and the kit.

Loaded by ``python -m zarr_conformance.benchmark --overhead`` (through ``PYTEST_PLUGINS``)
into an ordinary ``zarr-conformance run``; the kit's code is not changed for it. It times,
with ``time.perf_counter``:

* every verb of the adapter in the stash (the implementation's share), and the guard
  around each call (``GuardedAdapter.call``: the hand-off to its thread and back);
* every fixture function, set-up and teardown (``tmp_path`` and its factory count as
  temporary stores, the others as fixture set-up);
* every test body (what is left after the adapter's calls are the checks);
* every hook implementation of the kit's own plugins (the plugin, the expectations, the
  results and the summary), by the hook's job;
* pytest's collection and its session (the run protocol), each outside the above;
* the rest of the wall time: imports, plugin loading, the command line, exit.

Each interval is exclusive: time spent in a nested interval (an adapter call inside a
test, a fixture inside the set-up) is booked to the nested one only, so the categories
add up to the wall time.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import types
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

IMPLEMENTATION = "implementation"
GUARD = "call guard"
FIXTURES = "fixture set-up"
CHECKS = "checks"
TEMPORARY = "temporary stores"
RECORDS = "result records"
SELECTION = "test selection"
START = "kit start-up"
COLLECTION = "pytest collection"
PYTEST = "pytest run"
OUTSIDE = "start-up and exit"

#: the categories in the order they are shown
CATEGORIES = (
    IMPLEMENTATION,
    GUARD,
    CHECKS,
    FIXTURES,
    TEMPORARY,
    RECORDS,
    SELECTION,
    START,
    COLLECTION,
    PYTEST,
    OUTSIDE,
)

DESCRIPTIONS = {
    IMPLEMENTATION: "inside the adapter's verbs",
    GUARD: "around each adapter call: handing it to the guard's thread and back, naming errors",
    CHECKS: "test bodies outside the adapter: comparisons, reference reader and validator",
    FIXTURES: "the kit's fixtures: fixture stores from the cache, written stores, expected arrays",
    TEMPORARY: "tmp_path and tmp_path_factory: creating and removing temporary folders",
    RECORDS: "the kit's report hooks: expectations, outcomes, the results JSON, the summary",
    SELECTION: "the kit's collection hooks: parametrization, requirement IDs, features",
    START: "the kit's configuration hooks: loading the adapter and the expectations",
    COLLECTION: "pytest collecting the tests, outside the kit's hooks",
    PYTEST: "pytest running the tests: run protocol, fixture machinery, reports, its own hooks",
    OUTSIDE: "the rest: imports, command line, plugin loading, exit",
}

_TEMPORARY_FIXTURES = frozenset({"tmp_path", "tmp_path_factory", "tmpdir", "tmpdir_factory"})
_SELECTION_HOOKS = frozenset(
    {
        "pytest_generate_tests",
        "pytest_collection_modifyitems",
        "pytest_collect_directory",
        "pytest_pycollect_makemodule",
        "pytest_collect_file",
        "pytest_deselected",
    }
)
_RECORD_HOOKS = frozenset(
    {
        "pytest_runtest_logreport",
        "pytest_runtest_makereport",
        "pytest_runtest_logstart",
        "pytest_runtest_logfinish",
        "pytest_sessionfinish",
        "pytest_collection_finish",
        "pytest_terminal_summary",
        "pytest_unconfigure",
    }
)
_NOT_VERBS = frozenset({"version", "close"})


class Clock:
    """Exclusive intervals by category: a stack of open intervals on the main thread."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.totals: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self._stack: list[list[Any]] = []  # [category, start, time booked to nested intervals]
        self._main = threading.get_ident()

    def begin(self, category: str) -> None:
        self._stack.append([category, time.perf_counter(), 0.0])

    def end(self) -> None:
        category, start, nested = self._stack.pop()
        elapsed = time.perf_counter() - start
        self.totals[category] += elapsed - nested
        self.counts[category] += 1
        if self._stack:
            self._stack[-1][2] += elapsed

    @functools.cached_property
    def _lock(self) -> threading.Lock:
        return threading.Lock()

    def timed(self, category: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` with its calls booked to ``category``; calls on other threads (the adapter's
        worker thread, while the main thread waits for it) are booked as nested in the main thread's interval."""

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() == self._main:
                self.begin(category)
                try:
                    return function(*args, **kwargs)
                finally:
                    self.end()
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                with self._lock:
                    self.totals[category] += elapsed
                    self.counts[category] += 1
                    if self._stack:
                        self._stack[-1][2] += elapsed

        return call

    def shares(self, finished: float) -> dict[str, float]:
        """Seconds per category; what no interval covered is start-up and exit."""
        wall = finished - self.started
        seconds = {category: self.totals.get(category, 0.0) for category in CATEGORIES}
        seconds[OUTSIDE] += wall - sum(self.totals.values())
        return seconds


class OverheadPlugin:
    """The timers, as pytest hooks; ``clock`` holds the figures when the run ends."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.tests = 0
        self.basetemp: Path | None = None
        self.adapter = ""
        self._tearing_down: set[int] = set()

    # ---- the kit's hook implementations ------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_plugin_registered(self, plugin: Any, plugin_name: str, manager: pytest.PytestPluginManager) -> None:
        module = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__module__
        if not module.startswith("zarr_conformance") or module == __name__:
            return
        for hook_name in dir(manager.hook):
            hook = getattr(manager.hook, hook_name)
            if not hook_name.startswith("pytest_") or not hasattr(hook, "get_hookimpls"):
                continue
            for impl in hook.get_hookimpls():
                if impl.plugin is plugin and not (impl.hookwrapper or impl.wrapper):
                    impl.function = self.clock.timed(_hook_category(plugin, hook_name), impl.function)

    # ---- the adapter's verbs ------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from .adapters.base import Adapter
        from .plugin import ADAPTER_KEY

        adapter = session.config.stash.get(ADAPTER_KEY, None)
        if adapter is None:
            return
        self.adapter = f"{adapter.name} {adapter.version()}"
        for verb in adapter_verbs(Adapter):
            setattr(adapter, verb, self.clock.timed(IMPLEMENTATION, getattr(adapter, verb)))
        from .calls import GuardedAdapter

        original = GuardedAdapter.call
        GuardedAdapter.call = self.clock.timed(GUARD, original)  # type: ignore[method-assign]
        session.config.add_cleanup(lambda: setattr(GuardedAdapter, "call", original))

    # ---- pytest's own phases ---------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_cmdline_main(self, config: pytest.Config) -> Iterator[None]:
        self.clock.begin(PYTEST)
        try:
            return (yield)
        finally:
            self.clock.end()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> Iterator[None]:
        self.clock.begin(COLLECTION)
        try:
            return (yield)
        finally:
            self.clock.end()

    # ---- fixtures, tests ------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_fixture_setup(
        self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
    ) -> Iterator[None]:
        category = TEMPORARY if fixturedef.argname in _TEMPORARY_FIXTURES else FIXTURES
        self.clock.begin(category)
        try:
            return (yield)
        finally:
            self.clock.end()
            fixturedef.addfinalizer(lambda: self._teardown_begins(fixturedef, category))

    def _teardown_begins(self, fixturedef: pytest.FixtureDef[Any], category: str) -> None:
        """The first of the fixture's finalizers to run (added last); pytest_fixture_post_finalizer runs last."""
        self._tearing_down.add(id(fixturedef))
        self.clock.begin(category)

    @pytest.hookimpl(tryfirst=True)
    def pytest_fixture_post_finalizer(self, fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> None:
        if id(fixturedef) in self._tearing_down:
            self._tearing_down.discard(id(fixturedef))
            self.clock.end()

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> Iterator[None]:
        self.tests += 1
        self.clock.begin(CHECKS)
        try:
            return (yield)
        finally:
            self.clock.end()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        factory = getattr(session.config, "_tmp_path_factory", None)
        self.basetemp = getattr(factory, "_basetemp", None)


def _hook_category(plugin: Any, hook_name: str) -> str:
    if hook_name in _RECORD_HOOKS or type(plugin).__name__ == "ExpectationsPlugin":
        return RECORDS
    if hook_name in _SELECTION_HOOKS:
        return SELECTION
    return START


def adapter_verbs(base: type) -> list[str]:
    """The verbs of the adapter contract: the public methods of its base class, but ``version`` and ``close``."""
    return sorted(
        name
        for name in vars(base)
        if not name.startswith("_") and callable(vars(base)[name]) and name not in _NOT_VERBS
    )


def disk_usage(folder: Path | None) -> tuple[int, int]:
    """Bytes on disk (allocated blocks, as ``du``) and entries under ``folder``; (0, 0) when it is gone."""
    used = entries = 0
    if folder is None:
        return used, entries
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            try:
                used += os.lstat(os.path.join(root, name)).st_blocks * 512
                entries += 1
            except OSError:
                pass
    return used, entries


#: the plugin the benchmark prepared; registered when pytest loads this module (``PYTEST_PLUGINS``)
ACTIVE: OverheadPlugin | None = None


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Register the prepared plugin as soon as this module is loaded, before the kit's plugins configure."""
    if ACTIVE is not None and not pluginmanager.is_registered(ACTIVE):
        pluginmanager.register(ACTIVE, "zarr-conformance-overhead")
