"""The implementations table (``implementations.yaml``): one typed row per implementation.

A row says how to run the implementation in process (its adapter and the module that
must be importable), how to install a release of it into an environment of its own
(its package, companions and version-dependent pins) and which releases ``matrix``
runs by default. The registry, the environment builder, the matrix and
``zarr-conformance adapters`` all read it from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

LATEST = "latest"  # the version that stands for the newest release
INSTALLED = "installed"  # a default that runs the copy installed beside the kit, in process

Runtime = Literal["python", "node"]
_RUNTIMES = ("python", "node")
_FIELDS = {"name", "adapter", "runtime", "module", "package", "companions", "defaults", "rules"}
_RULE_FIELDS = {"versions", "pins", "adapter"}
_TARGET = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
_SHIM_FOLDER = re.compile(r"[A-Za-z_]\w*")


class ImplementationsError(Exception):
    """The table is malformed; the message names the row and what is wrong."""


@dataclass(frozen=True)
class Rule:
    """Pins to install with, and the adapter to drive, the releases matching ``versions``."""

    versions: SpecifierSet
    pins: tuple[str, ...] = ()
    adapter: str | None = None  # the name of the row whose adapter drives these versions

    def matches(self, version: str) -> bool:
        return version != LATEST and self.versions.contains(Version(version), prereleases=True)


@dataclass(frozen=True)
class Install:
    """What an environment for one release holds, and what its worker runs."""

    packages: tuple[str, ...]  # the implementation, its pins and its companions, as pip / npm spell them
    adapter: str  # Python: the name of the row the worker runs; node: the shim's folder


@dataclass(frozen=True)
class Implementation:
    """One row of the table."""

    name: str
    adapter: str  # "package.module:Class" (python), or the shim's folder under adapters/ (node)
    runtime: Runtime
    module: str | None = None  # must be importable to run the adapter in process
    package: str | None = None  # None: runs in process only, never in an environment of its own
    companions: tuple[str, ...] = ()
    defaults: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()

    @property
    def in_process(self) -> bool:
        """Whether the adapter can run inside the kit's own Python (when ``module`` is importable)."""
        return self.runtime == "python"

    def requirement(self, version: str) -> str:
        """The package at ``version``, as pip or npm spell it (unversioned for the newest release)."""
        if self.package is None:
            raise ValueError(f"{self.name} has no package to install")
        if version == LATEST:
            return self.package
        return f"{self.package}@{version}" if self.runtime == "node" else f"{self.package}=={version}"

    def install(self, version: str) -> Install:
        """What to install for ``version`` (a release, or ``latest``), and which adapter drives it."""
        if self.package is None:
            raise ValueError(f"no isolated environment recipe for {self.name!r}: it runs in process only")
        if version != LATEST:
            try:
                Version(version)
            except InvalidVersion as exc:
                raise ValueError(f"{self.name}: {version!r} is not a release version (PEP 440) nor {LATEST!r}") from exc
        rules = [rule for rule in self.rules if rule.matches(version)]
        pins = [pin for rule in rules for pin in rule.pins]
        pinned = {_distribution(pin, self.runtime) for pin in pins}
        companions = [c for c in self.companions if c not in pinned]
        adapter = next((rule.adapter for rule in rules if rule.adapter), None)
        if adapter is None:
            adapter = self.adapter if self.runtime == "node" else self.name
        return Install((self.requirement(version), *pins, *companions), adapter)

    def spec(self, version: str) -> str:
        """The ``--impl`` spec of ``version``: ``NAME``, ``NAME==VERSION`` or, for node, ``NAME@VERSION``."""
        if version == INSTALLED:
            return self.name
        return f"{self.name}@{version}" if self.runtime == "node" else f"{self.name}=={version}"


def _distribution(requirement: str, runtime: str) -> str:
    """The distribution a pip or npm requirement names."""
    if runtime == "node":
        head, _, _ = requirement[1:].partition("@")
        return requirement[0] + head
    return Requirement(requirement).name


def _strings(row: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = row.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ImplementationsError(f"{where}: {key} must be a list of non-empty strings, got {value!r}")
    return tuple(value)


def _optional_string(row: dict[str, Any], key: str, where: str) -> str | None:
    value = row.get(key)
    if value is not None and not (isinstance(value, str) and value):
        raise ImplementationsError(f"{where}: {key} must be a non-empty string, got {value!r}")
    return value


def _rule(entry: Any, runtime: str, where: str) -> Rule:
    if not isinstance(entry, dict):
        raise ImplementationsError(f"{where}: a rule is a mapping, got {entry!r}")
    unknown = sorted(set(entry) - _RULE_FIELDS)
    if unknown:
        raise ImplementationsError(f"{where}: unknown keys {unknown}; a rule has {sorted(_RULE_FIELDS)}")
    versions = entry.get("versions")
    if not isinstance(versions, str):
        raise ImplementationsError(f"{where}: versions must be a PEP 440 specifier string ('' for every release)")
    try:
        specifier = SpecifierSet(versions)
    except InvalidSpecifier as exc:
        raise ImplementationsError(f"{where}: versions {versions!r} is not a PEP 440 specifier") from exc
    pins = _strings(entry, "pins", where)
    for pin in pins:
        try:
            _distribution(pin, runtime)
        except InvalidRequirement as exc:
            raise ImplementationsError(f"{where}: pin {pin!r} is not a pip requirement") from exc
    adapter = _optional_string(entry, "adapter", where)
    if adapter is not None and runtime != "python":
        raise ImplementationsError(f"{where}: only python rows choose another adapter by version")
    if not pins and adapter is None:
        raise ImplementationsError(f"{where}: a rule needs pins, an adapter or both")
    return Rule(specifier, pins, adapter)


def _row(row: Any, index: int) -> Implementation:
    if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not row["name"]:
        raise ImplementationsError(f"implementation #{index + 1}: a row is a mapping with a name, got {row!r}")
    name = row["name"]
    where = f"implementation {name!r}"
    unknown = sorted(set(row) - _FIELDS)
    if unknown:
        raise ImplementationsError(f"{where}: unknown keys {unknown}; a row has {sorted(_FIELDS)}")
    runtime = row.get("runtime")
    if runtime not in _RUNTIMES:
        raise ImplementationsError(f"{where}: runtime must be one of {list(_RUNTIMES)}, got {runtime!r}")
    adapter = row.get("adapter")
    shape = _TARGET if runtime == "python" else _SHIM_FOLDER
    if not isinstance(adapter, str) or not shape.fullmatch(adapter):
        wanted = "'package.module:Class'" if runtime == "python" else "the shim's folder name under adapters/"
        raise ImplementationsError(f"{where}: adapter must be {wanted}, got {adapter!r}")
    module = _optional_string(row, "module", where)
    if module is not None and runtime != "python":
        raise ImplementationsError(f"{where}: module is for python rows; a {runtime} row never runs in process")
    package = _optional_string(row, "package", where)
    companions = _strings(row, "companions", where)
    defaults = _strings(row, "defaults", where)
    if package is None and (companions or defaults or row.get("rules")):
        raise ImplementationsError(f"{where}: companions, defaults and rules need a package to install")
    for version in defaults:
        if version == INSTALLED:
            if runtime != "python":
                raise ImplementationsError(f"{where}: default {INSTALLED!r} runs in process, a {runtime} row cannot")
            continue
        try:
            Version(version)
        except InvalidVersion as exc:
            raise ImplementationsError(f"{where}: default {version!r} is neither a release nor {INSTALLED!r}") from exc
    rules = row.get("rules", [])
    if not isinstance(rules, list):
        raise ImplementationsError(f"{where}: rules must be a list")
    parsed = tuple(_rule(rule, runtime, f"{where}, rule #{i + 1}") for i, rule in enumerate(rules))
    return Implementation(name, adapter, runtime, module, package, companions, defaults, parsed)


def parse_table(text: str, source: str = "implementations.yaml") -> dict[str, Implementation]:
    """The rows of a table document, by name, in table order; ImplementationsError when malformed."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImplementationsError(f"{source}: not YAML: {exc}") from exc
    rows_given = isinstance(document, dict) and isinstance(document.get("implementations"), list)
    if not rows_given or document.get("version") != 1:
        raise ImplementationsError(f"{source}: expected 'version: 1' and a list under 'implementations'")
    rows: dict[str, Implementation] = {}
    for index, entry in enumerate(document["implementations"]):
        try:
            row = _row(entry, index)
        except ImplementationsError as exc:
            raise ImplementationsError(f"{source}: {exc}") from None
        if row.name in rows:
            raise ImplementationsError(f"{source}: implementation {row.name!r} appears twice")
        rows[row.name] = row
    for row in rows.values():
        for i, rule in enumerate(row.rules):
            target = rows.get(rule.adapter) if rule.adapter else None
            if rule.adapter is not None and (target is None or not target.in_process):
                raise ImplementationsError(
                    f"{source}: implementation {row.name!r}, rule #{i + 1}: adapter "
                    f"{rule.adapter!r} is not a python row of the table"
                )
    return rows


@cache
def table() -> dict[str, Implementation]:
    """The shipped table, by name."""
    text = resources.files(__package__).joinpath("implementations.yaml").read_text(encoding="utf-8")
    return parse_table(text)


def default_specs() -> tuple[str, ...]:
    """What ``matrix`` runs when no ``--impl`` is given, in table order."""
    return tuple(row.spec(version) for row in table().values() for version in row.defaults)
