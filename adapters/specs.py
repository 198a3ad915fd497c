"""The grammar of an adapter spec, the value of ``--impl`` / ``--zarr-impl``.

- ``NAME``: a row of the implementations table or an entry point; in process, or the
  newest release in an environment of its own when it cannot run here;
- ``package.module:Class``: that adapter class, in process;
- ``NAME==VERSION``, or npm style ``NAME@VERSION``: that release, in an environment of its own;
- ``worker:SPEC``: ``NAME`` or ``package.module:Class`` in a worker process of this environment;
- ``cmd:COMMAND``: COMMAND (split like a shell would) as a worker speaking the protocol.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass


class SpecError(ValueError):
    """A spec that the grammar does not accept; the message says why."""


@dataclass(frozen=True)
class Named:
    """``NAME``: a table row or an entry point."""

    name: str


@dataclass(frozen=True)
class Target:
    """``package.module:Class``."""

    target: str


@dataclass(frozen=True)
class Versioned:
    """``NAME==VERSION`` or ``NAME@VERSION``: one release, in an environment of its own."""

    name: str
    version: str


@dataclass(frozen=True)
class Hosted:
    """``worker:SPEC``: an in-process spec, hosted in a worker process of this environment."""

    inner: Named | Target


@dataclass(frozen=True)
class Command:
    """``cmd:COMMAND``: the command line of a worker."""

    argv: tuple[str, ...]


Spec = Named | Target | Versioned | Hosted | Command


def _in_process(text: str) -> Named | Target:
    return Target(text) if ":" in text else Named(text)


def _versioned(name: str, version: str, spec: str) -> Versioned:
    if not name or not version:
        raise SpecError(f"{spec!r}: expected NAME==VERSION or NAME@VERSION")
    return Versioned(name, version)


def parse_spec(spec: str) -> Spec:
    """The typed form of ``spec``; SpecError when it is not one of the forms above."""
    if spec.startswith("cmd:"):
        argv = tuple(shlex.split(spec.removeprefix("cmd:")))
        if not argv:
            raise SpecError(f"{spec!r}: no command after 'cmd:'")
        return Command(argv)
    if spec.startswith("worker:"):
        return Hosted(_in_process(spec.removeprefix("worker:")))
    if "==" in spec:
        name, _, version = spec.partition("==")
        return _versioned(name, version, spec)
    if "@" in spec[1:] and ":" not in spec:  # npm style, the name possibly scoped: zarrita-js@0.7.5, @scope/pkg@1.0
        head, _, version = spec[1:].partition("@")
        return _versioned(spec[0] + head, version, spec)
    return _in_process(spec)
