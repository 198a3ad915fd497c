"""Finding adapters: built-in names, third-party entry points, or ``module:Class``.

Nothing is imported until an adapter is asked for, and a third-party entry point that
fails to load is a warning naming it, never a crash of discovery.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from dataclasses import dataclass
from importlib.metadata import entry_points

from .base import Adapter

#: third-party adapters register ``name = "package.module:Class"`` in this entry-point group
ENTRY_POINT_GROUP = "zarr_conformance.adapters"


@dataclass(frozen=True)
class Builtin:
    target: str  # "module:Class"
    requires: str | None  # top-level module the implementation needs, checked with find_spec


BUILTINS: dict[str, Builtin] = {
    "reference": Builtin("zarr_conformance.adapters.reference:ReferenceAdapter", None),
    "zarr-python": Builtin("zarr_conformance.adapters.zarr_python:ZarrPythonAdapter", "zarr"),
    "zarr-python-2": Builtin("zarr_conformance.adapters.zarr_python2:ZarrPython2Adapter", "zarr"),
    "zarrs": Builtin("zarr_conformance.adapters.zarrs:ZarrsAdapter", "zarrs"),
    "tensorstore": Builtin("zarr_conformance.adapters.tensorstore:TensorstoreAdapter", "tensorstore"),
}


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


def available() -> dict[str, str]:
    """Every adapter name that can be asked for, with its status ("ok" or why not)."""
    out = {}
    for name, builtin in BUILTINS.items():
        if builtin.requires and importlib.util.find_spec(builtin.requires) is None:
            out[name] = f"not installed ({builtin.requires} missing)"
        else:
            out[name] = "ok"
    for name in _latest_in_environment():
        out[name] = "ok (newest release, in an isolated environment)"
    for name, target in _entry_points().items():
        out.setdefault(name, f"entry point {target}")
    return out


def adapter_class(spec: str) -> type[Adapter]:
    """Resolve ``spec``: a built-in name, an entry-point name, or ``package.module:Class``."""
    if spec in BUILTINS:
        builtin = BUILTINS[spec]
        if builtin.requires and importlib.util.find_spec(builtin.requires) is None:
            raise AdapterLoadError(
                f"adapter {spec!r} needs the module {builtin.requires!r}, which is not installed here"
            )
        return _import_target(builtin.target, f"adapter {spec!r}")
    if ":" in spec:
        return _import_target(spec, f"adapter {spec!r}")
    eps = _entry_points()
    if spec in eps:
        try:
            return _import_target(eps[spec], f"entry point {spec!r} ({ENTRY_POINT_GROUP})")
        except AdapterLoadError as exc:
            warnings.warn(str(exc), stacklevel=2)
            raise
    known = ", ".join(sorted(available()))
    raise AdapterLoadError(f"unknown adapter {spec!r}; known: {known}; or give 'package.module:ClassName'")


def load_adapter(spec: str) -> Adapter:
    """An adapter from ``spec``.

    ``NAME`` or ``package.module:Class`` run in process; ``worker:SPEC`` runs SPEC in a
    worker process of this environment; ``NAME==VERSION`` runs in an isolated
    environment built for that version; ``cmd:COMMAND`` starts COMMAND (split like a
    shell would) as a worker speaking the protocol -- a shim in any language.
    """
    if spec.startswith("cmd:"):
        return _load_command(spec)
    if spec.startswith("worker:") or "==" in spec:
        return _load_worker(spec)
    if spec in _latest_in_environment():
        return _load_worker(f"{spec}==latest")
    if "@" in spec.lstrip("@") and ":" not in spec:  # npm style: zarrita-js@0.7.5
        return _load_worker(spec.replace("@", "==", 1) if not spec.startswith("@") else spec)
    cls = adapter_class(spec)
    try:
        return cls()
    except Exception as exc:  # the adapter's own constructor failed: say which
        raise AdapterLoadError(f"adapter {spec!r}: constructing {cls.__name__} failed: {type(exc).__name__}: {exc}") from exc


def _latest_in_environment() -> set[str]:
    """Names that get an environment with their newest release: not importable here (or not Python)."""
    from .environments import ISOLATED

    names = set()
    for name in ISOLATED:
        builtin = BUILTINS.get(name)
        if builtin is None or (builtin.requires and importlib.util.find_spec(builtin.requires) is None):
            names.add(name)
    return names


def _load_worker(spec: str) -> Adapter:
    import sys

    from .proxy import CallTimedOut, WorkerAdapter, WorkerCrashed

    try:
        if spec.startswith("worker:"):
            inner = spec.removeprefix("worker:")
            adapter_class(inner)  # fail early, with the same message as in process
            return WorkerAdapter([sys.executable, "-m", "zarr_conformance.adapters.worker", inner], label=inner)
        from .environments import ensure_environment

        name, _, version = spec.partition("==")
        return ensure_environment(name, version).worker()
    except (ValueError, RuntimeError, WorkerCrashed, CallTimedOut) as exc:
        raise AdapterLoadError(f"adapter {spec!r}: {exc}") from exc


def _load_command(spec: str) -> Adapter:
    import shlex

    from .proxy import CallTimedOut, WorkerAdapter, WorkerCrashed

    command = shlex.split(spec.removeprefix("cmd:"))
    if not command:
        raise AdapterLoadError(f"adapter {spec!r}: no command after 'cmd:'")
    try:
        return WorkerAdapter(command, label=" ".join(command))
    except (OSError, ValueError, RuntimeError, WorkerCrashed, CallTimedOut) as exc:
        raise AdapterLoadError(f"adapter {spec!r}: {exc}") from exc
