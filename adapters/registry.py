"""Finding adapters: rows of the implementations table, third-party entry points, or ``module:Class``.

Nothing is imported until an adapter is asked for, and a third-party entry point that
fails to load is a warning naming it, never a crash of discovery.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Iterable
from importlib.metadata import entry_points
from pathlib import Path

from .base import Adapter
from .implementations import LATEST, Implementation, table
from .specs import Command, Hosted, Named, SpecError, Target, Versioned, parse_spec

#: third-party adapters register ``name = "package.module:Class"`` in this entry-point group
ENTRY_POINT_GROUP = "zarr_conformance.adapters"


class AdapterLoadError(Exception):
    """An adapter could not be found or constructed; the message says which and why."""


#: folders this process added to ``sys.path`` to import an adapter; its workers get them in ``PYTHONPATH``
_ADDED_ROOTS: list[str] = []


def _on_sys_path(folder: Path) -> bool:
    return any(Path(entry or ".").resolve() == folder for entry in sys.path)


def _import_module(module_name: str, label: str, search: Iterable[Path]) -> object:
    """Import ``module_name`` from ``sys.path``, else from the first of ``search`` (then the working folder) holding it.

    A project's adapter (``tests.conformance:MyAdapter``) lives in the project under test,
    which is on ``sys.path`` only when Python was started there with ``-m``: the
    ``pytest`` and ``zarr-conformance`` commands are not, so the folders are tried too.
    """

    def is_the_target(exc: ModuleNotFoundError) -> bool:
        return exc.name is not None and (module_name == exc.name or module_name.startswith(exc.name + "."))

    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if not is_the_target(exc):
            raise AdapterLoadError(f"{label}: importing {module_name!r} failed: {exc}") from exc
        missing = exc
    except ImportError as exc:
        raise AdapterLoadError(f"{label}: importing {module_name!r} failed: {exc}") from exc
    top = module_name.split(".")[0]
    roots = list(dict.fromkeys(folder.resolve() for folder in [*search, Path.cwd()]))
    for root in roots:
        if _on_sys_path(root) or not ((root / top).is_dir() or (root / f"{top}.py").is_file()):
            continue
        sys.path.append(str(root))
        importlib.invalidate_caches()
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if is_the_target(exc):
                sys.path.remove(str(root))
                continue
            _ADDED_ROOTS.append(str(root))  # found here; what it imports is missing
            raise AdapterLoadError(f"{label}: importing {module_name!r} failed: {exc}") from exc
        except ImportError as exc:
            _ADDED_ROOTS.append(str(root))
            raise AdapterLoadError(f"{label}: importing {module_name!r} failed: {exc}") from exc
        _ADDED_ROOTS.append(str(root))
        return module
    looked = ", ".join(str(root) for root in roots)
    raise AdapterLoadError(
        f"{label}: cannot import {module_name!r}: {missing}. Looked on sys.path and in {looked}. "
        f"Run from the folder that holds {top!r}, install the project into this environment (pip install -e .), "
        "or add that folder to PYTHONPATH"
    ) from missing


def child_environment() -> dict[str, str]:
    """What a worker process started from here needs to import the same adapters: ``PYTHONPATH``, when it changed."""
    if not _ADDED_ROOTS:
        return {}
    inherited = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    return {"PYTHONPATH": os.pathsep.join(dict.fromkeys(_ADDED_ROOTS + inherited))}


def _import_target(target: str, label: str, search: Iterable[Path] = ()) -> type[Adapter]:
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise AdapterLoadError(f"{label}: expected 'package.module:ClassName', got {target!r}")
    module = _import_module(module_name, label, search)
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


def adapter_class(spec: str | Named | Target, search: Iterable[Path] = ()) -> type[Adapter]:
    """Resolve ``spec``: a row of the table, an entry-point name, or ``package.module:Class``.

    A ``package.module`` not on ``sys.path`` is looked for in ``search``, then in the working folder.
    """
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    if isinstance(parsed, Target):
        return _import_target(parsed.target, f"adapter {parsed.target!r}", search)
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


def load_adapter(spec: str, search: Iterable[Path] = ()) -> Adapter:
    """An adapter from ``spec`` (the grammar is in ``adapters/specs.py``); ``search``: see :func:`adapter_class`."""
    try:
        parsed = parse_spec(spec)
    except SpecError as exc:
        raise AdapterLoadError(f"adapter {exc}") from exc
    if isinstance(parsed, Command):
        return _load_command(spec, parsed)
    if isinstance(parsed, Hosted):
        return _load_hosted(spec, parsed, tuple(search))
    if isinstance(parsed, Versioned):
        return _load_environment(spec, parsed.name, parsed.version)
    if isinstance(parsed, Named) and parsed.name in _latest_in_environment():
        return _load_environment(spec, parsed.name, LATEST)
    cls = adapter_class(parsed, search)
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


def _load_hosted(spec: str, parsed: Hosted, search: tuple[Path, ...]) -> Adapter:
    from .proxy import CallTimedOut, WorkerAdapter, WorkerCrashed

    adapter_class(parsed.inner, search)  # fail early, with the same message as in process
    inner = parsed.inner.target if isinstance(parsed.inner, Target) else parsed.inner.name
    command = [sys.executable, "-m", "zarr_conformance.adapters.worker", inner]
    try:
        return WorkerAdapter(command, env=child_environment(), label=inner)
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
