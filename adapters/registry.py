"""Finding adapters: rows of the implementations table, third-party entry points, or ``module:Class``.

Nothing is imported until an adapter is asked for, and a third-party entry point that
fails to load is a warning naming it, never a crash of discovery.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from importlib.metadata import entry_points

from .base import Adapter
from .implementations import LATEST, Implementation, table
from .specs import Command, Hosted, Named, SpecError, Target, Versioned, parse_spec

#: third-party adapters register ``name = "package.module:Class"`` in this entry-point group
ENTRY_POINT_GROUP = "zarr_conformance.adapters"


class AdapterLoadError(Exception):
    """An adapter could not be found or constructed; the message says which and why."""


def _import_target(target: str, label: str) -> type[Adapter]:
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise AdapterLoadError(f"{label}: expected 'package.module:ClassName', got {target!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AdapterLoadError(f"{label}: cannot import {module_name!r}: {exc}") from exc
    try:
        cls = getattr(module, attr)
    except AttributeError as exc:
        raise AdapterLoadError(f"{label}: module {module_name!r} has no {attr!r}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise AdapterLoadError(f"{label}: {target!r} is not a subclass of zarr_conformance.adapters.base.Adapter")
    return cls


def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _importable(row: Implementation) -> bool:
    return row.module is None or importlib.util.find_spec(row.module) is not None


def available() -> dict[str, str]:
    """Every adapter name that can be asked for, with its status ("ok" or why not)."""
    out = {}
    for name, row in table().items():
        if row.in_process:
            out[name] = "ok" if _importable(row) else f"not installed ({row.module} missing)"
    for name in _latest_in_environment():
        out[name] = "ok (newest release, in an isolated environment)"
    for name, target in _entry_points().items():
        out.setdefault(name, f"entry point {target}")
    return out


def adapter_class(spec: str | Named | Target) -> type[Adapter]:
    """Resolve ``spec``: a row of the table, an entry-point name, or ``package.module:Class``."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    if isinstance(parsed, Target):
        return _import_target(parsed.target, f"adapter {parsed.target!r}")
    if not isinstance(parsed, Named):
        raise AdapterLoadError(f"adapter {spec!r}: expected a name or 'package.module:ClassName'")
    name = parsed.name
    row = table().get(name)
    if row is not None and row.in_process:
        if not _importable(row):
            raise AdapterLoadError(f"adapter {name!r} needs the module {row.module!r}, which is not installed here")
        return _import_target(row.adapter, f"adapter {name!r}")
    if row is not None:
        raise AdapterLoadError(
            f"adapter {name!r} runs on {row.runtime}, never in process: ask for {name!r} or {row.spec('VERSION')!r}"
        )
    eps = _entry_points()
    if name in eps:
        try:
            return _import_target(eps[name], f"entry point {name!r} ({ENTRY_POINT_GROUP})")
        except AdapterLoadError as exc:
            warnings.warn(str(exc), stacklevel=2)
            raise
    known = ", ".join(sorted(available()))
    raise AdapterLoadError(f"unknown adapter {name!r}; known: {known}; or give 'package.module:ClassName'")


def load_adapter(spec: str) -> Adapter:
    """An adapter from ``spec`` (the grammar is in ``adapters/specs.py``)."""
    try:
        parsed = parse_spec(spec)
    except SpecError as exc:
        raise AdapterLoadError(f"adapter {exc}") from exc
    if isinstance(parsed, Command):
        return _load_command(spec, parsed)
    if isinstance(parsed, Hosted):
        return _load_hosted(spec, parsed)
    if isinstance(parsed, Versioned):
        return _load_environment(spec, parsed.name, parsed.version)
    if isinstance(parsed, Named) and parsed.name in _latest_in_environment():
        return _load_environment(spec, parsed.name, LATEST)
    cls = adapter_class(parsed)
    try:
        return cls()
    except Exception as exc:  # the adapter's own constructor failed: say which
        failure = f"{type(exc).__name__}: {exc}"
        raise AdapterLoadError(f"adapter {spec!r}: constructing {cls.__name__} failed: {failure}") from exc


def _latest_in_environment() -> set[str]:
    """Names that get an environment with their newest release: installable, and not runnable here."""
    return {
        name for name, row in table().items() if row.package is not None and not (row.in_process and _importable(row))
    }


def _load_hosted(spec: str, parsed: Hosted) -> Adapter:
    import sys

    from .proxy import CallTimedOut, WorkerAdapter, WorkerCrashed

    adapter_class(parsed.inner)  # fail early, with the same message as in process
    inner = parsed.inner.target if isinstance(parsed.inner, Target) else parsed.inner.name
    try:
        return WorkerAdapter([sys.executable, "-m", "zarr_conformance.adapters.worker", inner], label=inner)
    except (ValueError, RuntimeError, WorkerCrashed, CallTimedOut) as exc:
        raise AdapterLoadError(f"adapter {spec!r}: {exc}") from exc


def _load_environment(spec: str, name: str, version: str) -> Adapter:
    from .environments import ensure_environment
    from .proxy import CallTimedOut, WorkerCrashed

    try:
        return ensure_environment(name, version).worker()
    except (ValueError, RuntimeError, WorkerCrashed, CallTimedOut) as exc:
        raise AdapterLoadError(f"adapter {spec!r}: {exc}") from exc


def _load_command(spec: str, parsed: Command) -> Adapter:
    from .proxy import CallTimedOut, WorkerAdapter, WorkerCrashed

    try:
        return WorkerAdapter(list(parsed.argv), label=" ".join(parsed.argv))
    except (OSError, ValueError, RuntimeError, WorkerCrashed, CallTimedOut) as exc:
        raise AdapterLoadError(f"adapter {spec!r}: {exc}") from exc
