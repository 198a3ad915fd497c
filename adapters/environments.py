"""Isolated environments: one per ``implementation==version``, built once, cached, reused.

Each environment holds the implementation and the kit's light dependencies; the kit
itself is copied in (it is pure Python), and the implementation's adapter runs there as
a protocol worker. uv builds it when available, else ``venv`` + pip. The cache folder is
``$ZARR_CONFORMANCE_ENVS``, else ``<fixture cache>/envs``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .implementations import table
from .proxy import WorkerAdapter

#: what the worker itself needs besides the implementation
KIT_REQUIREMENTS = ["numpy", "numcodecs", "google-crc32c", "pyyaml", "jsonschema", "packaging"]


@dataclass(frozen=True)
class Recipe:
    """How the environment of one ``implementation==version`` is built, and what its worker runs."""

    name: str
    version: str
    runtime: str  # "python" or "node"
    packages: tuple[str, ...]  # installed with pip (uv) or npm: the implementation, its pins and companions
    adapter: str  # Python: the table row the worker runs; node: the shim's folder under adapters/

    @property
    def requirements(self) -> list[str]:
        """Everything installed into the environment: the packages, plus the kit's own for a Python worker."""
        return [*self.packages, *KIT_REQUIREMENTS] if self.runtime == "python" else list(self.packages)


def recipe(name: str, version: str) -> Recipe:
    """The recipe of ``name==version`` (``version`` "latest": the newest release), from the implementations table."""
    row = table().get(name)
    if row is None or row.package is None:
        known = ", ".join(n for n, r in table().items() if r.package is not None)
        raise ValueError(f"no isolated environment recipe for {name!r}; known: {known}")
    install = row.install(version)
    return Recipe(name, version, row.runtime, install.packages, install.adapter)


def environments_dir() -> Path:
    explicit = os.environ.get("ZARR_CONFORMANCE_ENVS")
    if explicit:
        return Path(explicit)
    from ..fixtures.writer import default_cache_dir

    return default_cache_dir() / "envs"


def _kit_packages() -> dict[str, Path]:
    """Where the three parts of the kit live (works for editable and wheel installs)."""
    out = {}
    for name in ("zarr_conformance", "zarr_conformance.fixtures", "zarr_conformance.adapters"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None
        out[name] = Path(spec.origin).parent
    return out


def _copy_kit(target: Path) -> None:
    """The kit's Python sources under ``target/zarr_conformance`` (refreshed when they change)."""
    packages = _kit_packages()
    digest = hashlib.sha256()
    for folder in packages.values():
        for item in sorted([*folder.glob("*.py"), *folder.glob("*.yaml")]):
            digest.update(item.read_bytes())
    stamp = target / "kit.sha256"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    if target.exists():
        shutil.rmtree(target)
    for name, folder in packages.items():
        destination = target.joinpath(*name.split("."))
        shutil.copytree(
            folder,
            destination,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "test_*.py", "cases", "data"),
        )
    stamp.write_text(digest.hexdigest())


@dataclass(frozen=True)
class Environment:
    root: Path
    command: tuple[str, ...]
    env: dict[str, str]
    built_seconds: float | None  # None when reused from the cache

    def worker(self) -> WorkerAdapter:
        return WorkerAdapter(list(self.command), env=self.env, label=self.root.name)


def find_uv() -> str | None:
    """The ``uv`` binary: the one installed with the kit (the ``uv`` package knows where), else one on ``PATH``.

    A virtual environment's ``bin`` is on ``PATH`` only when it is activated, so the
    package is asked first; without either, environments are built with ``venv`` and pip.
    """
    try:
        from uv import find_uv_bin
    except ImportError:
        pass
    else:
        try:
            return str(find_uv_bin())
        except FileNotFoundError:
            pass
    return shutil.which("uv")


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({' '.join(command)}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def _build_once(root: Path, install: Callable[[], str], record: dict[str, Any]) -> float | None:
    """Build ``root`` with ``install`` unless a finished build of the same ``record`` is there.

    Returns the seconds the build took, or None when the cached environment was reused.
    """
    marker = root / "environment.json"
    if marker.exists():
        previous = json.loads(marker.read_text())
        if all(previous.get(key) == value for key, value in record.items()):
            return None
    started = time.perf_counter()
    if root.exists():  # an unfinished earlier build
        shutil.rmtree(root)
    installer = install()
    built = time.perf_counter() - started
    marker.write_text(json.dumps({**record, "installer": installer, "build_seconds": round(built, 1)}))
    return built


def _ensure_node(plan: Recipe) -> Environment:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise RuntimeError(f"{plan.name} needs node and npm on PATH")
    root = environments_dir() / f"{plan.name}-{plan.version}-node"
    packages = plan.requirements
    what = f"installing {plan.packages[0]}"

    def install() -> str:
        root.mkdir(parents=True)
        (root / "package.json").write_text(
            json.dumps({"name": "zarr-conformance-worker", "private": True, "type": "module"})
        )
        _run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(root), *packages], what)
        return "npm"

    built = _build_once(root, install, {"implementation": plan.name, "version": plan.version, "packages": packages})
    shim = Path(__file__).parent / plan.adapter / "worker.mjs"
    shutil.copyfile(shim, root / "worker.mjs")  # beside node_modules, where its imports resolve
    return Environment(root, (node, str(root / "worker.mjs")), {}, built)


def ensure_environment(name: str, version: str) -> Environment:
    """The environment of ``name==version``, built on first use."""
    plan = recipe(name, version)
    if plan.runtime == "node":
        return _ensure_node(plan)
    root = environments_dir() / f"{name}-{version}-py{sys.version_info.major}{sys.version_info.minor}"
    python = root / "bin" / "python"
    requirements = plan.requirements
    what = f"installing {plan.packages[0]}"

    def install() -> str:
        uv = find_uv()
        if uv:
            _run([uv, "venv", "--quiet", "--python", sys.executable, str(root)], "creating the environment")
            _run([uv, "pip", "install", "--quiet", "--python", str(python), *requirements], what)
            return f"uv ({uv})"
        _run([sys.executable, "-m", "venv", str(root)], "creating the environment")
        _run([str(python), "-m", "pip", "install", "--quiet", *requirements], what)
        return f"pip ({sys.executable} -m venv)"

    built = _build_once(root, install, {"implementation": name, "version": version, "requirements": requirements})
    _copy_kit(root / "kit")
    command = (str(python), "-m", "zarr_conformance.adapters.worker", plan.adapter)
    return Environment(root, command, {"PYTHONPATH": str(root / "kit")}, built)
