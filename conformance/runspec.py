"""The options of one run of the suites, as one value: :class:`RunSpec`.

Each option is described once, in :data:`OPTIONS`: its field, its flag, its default and
its help text. From that table come the arguments of ``zarr-conformance run`` and
``matrix``, the plugin's ``--zarr-*`` options (the command's flag with ``zarr-`` in
front), the pytest command line of a run, the JSON file ``matrix`` hands to each of
its child runs (``zarr-conformance run --runspec FILE``) and the command that reproduces
one test.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

SCHEMA = "zarr-conformance/runspec"
SCHEMA_VERSION = 1

SHIPPED = "shipped"  # the kit's own expectations file
NO_EXPECTATIONS = "none"
FRESH_FOLDER = '"$(mktemp -d)"'  # in a shell command line: a new empty folder; left unquoted
INTEROP_READS = "test_reads_store_written_by"  # the read phase runs only these


def regex(text: str) -> str:
    """An argument that must be a regular expression."""
    try:
        re.compile(text)
    except re.error as exc:
        raise argparse.ArgumentTypeError(f"not a regular expression: {exc}") from exc
    return text


def positive(kind: type) -> Callable[[str], Any]:
    """An argument that must be a number greater than 0."""

    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its error message
    return parse


@dataclass(frozen=True)
class Option:
    """One command-line option: the field it sets, its flag, type, default and help, written once.

    ``commands`` are the ``zarr-conformance`` commands that take it; ``plugin`` whether the
    pytest plugin takes it too, as ``--zarr-<flag>``; ``pytest_flag`` an option of pytest's
    own that it maps to instead (``--junit`` is pytest's ``--junitxml``); ``hidden`` leaves
    it out of the commands' help (``matrix`` passes it to its runs).
    """

    name: str
    flag: str
    help: str
    metavar: str | None = None
    type: Callable[[str], Any] | None = None
    default: Any = None
    repeat: bool = False
    switch: bool = False
    required: bool = False
    commands: tuple[str, ...] = ("run", "matrix")
    plugin: bool = True
    pytest_flag: str | None = None
    hidden: bool = False

    @property
    def parsed_default(self) -> Any:
        """The value argparse gives when the option is not on the command line."""
        return [] if self.repeat else (False if self.switch else self.default)

    @property
    def plugin_flag(self) -> str:
        """The flag in a pytest command line."""
        return self.pytest_flag or "--zarr-" + self.flag.removeprefix("--")

    def _help(self, default: Any) -> str:
        if self.switch or self.repeat or default is None or "default" in self.help:
            return self.help
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        return f"{self.help} (default {shown})"

    def add_to(self, parser: Any, flag: str | None = None, dest: str | None = None) -> None:
        """Add this option to an argparse parser, or (with ``addoption``) a pytest option group."""
        kwargs: dict[str, Any] = {"dest": dest or self.name}
        if self.switch:
            kwargs.update(action="store_true")
        else:
            kwargs.update(metavar=self.metavar, default=self.parsed_default)
            if self.repeat:
                kwargs["action"] = "append"
            if self.type is not None:
                kwargs["type"] = self.type
        if self.required:
            kwargs["required"] = True
        plugin = hasattr(parser, "addoption")
        kwargs["help"] = argparse.SUPPRESS if self.hidden and not plugin else self._help(self.default)
        (parser.addoption if plugin else parser.add_argument)(flag or self.flag, **kwargs)

    @property
    def plugin_dest(self) -> str:
        """Where pytest keeps the value: prefixed, as pytest and other plugins have options of the same names."""
        return f"zarr_{self.name}"


OPTIONS: tuple[Option, ...] = (
    Option(
        "impl",
        "--impl",
        "implementation under test: a built-in name (zarr-python, reference), an entry-point "
        "name, or package.module:Class",
        metavar="ADAPTER",
        commands=("run",),
    ),
    Option(
        "cases",
        "--cases",
        "only cases whose id matches this regular expression (re.search)",
        metavar="REGEX",
        type=regex,
    ),
    Option(
        "case_files",
        "--case-file",
        "add the cases of this YAML file to the shipped catalogue (repeatable)",
        metavar="YAML",
        repeat=True,
    ),
    Option(
        "cache_dir",
        "--cache-dir",
        "where built fixture stores are cached (default: $ZARR_CONFORMANCE_CACHE or ~/.cache/zarr-conformance)",
        metavar="DIR",
    ),
    Option("timeout", "--timeout", "seconds per adapter call", metavar="SECONDS", type=positive(float), default=60.0),
    Option(
        "expect",
        "--expect",
        f"expectations file: known deviations become xfail; '{SHIPPED}' is the kit's own, "
        f"'{NO_EXPECTATIONS}' for none (repeatable: files combine); the zarr-conformance commands use '{SHIPPED}' "
        "when none is given",
        metavar="YAML",
        repeat=True,
    ),
    Option("strict", "--strict", "a test expected to fail that passes is a failure", switch=True),
    Option("json_path", "--json", "write the results as versioned JSON to PATH", metavar="PATH", commands=("run",)),
    Option(
        "junit",
        "--junit",
        "also write JUnit XML for CI systems",
        metavar="PATH",
        commands=("run",),
        plugin=False,
        pytest_flag="--junitxml",
    ),
    Option(
        "interop_write",
        "--interop-write",
        "interop, write phase: write every writable case into DIR for other implementations to read",
        metavar="DIR",
        commands=("run",),
    ),
    Option(
        "interop_read",
        "--interop-read",
        "interop, read phase: read every store a writer wrote into DIR (repeatable, one per writer)",
        metavar="DIR",
        repeat=True,
        commands=("run",),
    ),
)
BY_NAME = {option.name: option for option in OPTIONS}


def expectation_sources(given: Sequence[str], default: Sequence[str] = ()) -> tuple[str, ...]:
    """``--expect`` values: none given means ``default``; ``none`` alone means no file."""
    if not given:
        return tuple(default)
    return () if list(given) == [NO_EXPECTATIONS] else tuple(g for g in dict.fromkeys(given) if g != NO_EXPECTATIONS)


@dataclass(frozen=True)
class RunSpec:
    """Every option of one run of the suites against one implementation (see :data:`OPTIONS`)."""

    impl: str | None = None
    cases: str | None = None
    case_files: tuple[str, ...] = ()
    cache_dir: str | None = None
    timeout: float = BY_NAME["timeout"].default
    expect: tuple[str, ...] = ()  # expectations sources, 'shipped' for the kit's own
    strict: bool = False
    json_path: str | None = None
    junit: str | None = None
    interop_write: str | None = None
    interop_read: tuple[str, ...] = ()

    # ---- building one -----------------------------------------------------------------------

    @classmethod
    def from_values(cls, values: dict[str, Any], expect_default: Sequence[str] = ()) -> RunSpec:
        """From option values by field name (repeatable ones as lists), each checked by its option's type.

        No ``--expect`` means ``expect_default``; an ``argparse.ArgumentTypeError`` names a bad value.
        """
        given: dict[str, Any] = {}
        for name, value in values.items():
            option = BY_NAME[name]
            if option.repeat:
                given[name] = tuple(str(v) for v in value or ())
            elif option.switch:
                given[name] = bool(value)
            elif value is not None:
                given[name] = option.type(value) if option.type is not None else str(value)
        given["expect"] = expectation_sources(given.get("expect", ()), expect_default)
        return cls(**given)

    @classmethod
    def from_args(cls, namespace: argparse.Namespace, command: str) -> RunSpec:
        """From the parsed arguments of ``command`` (the commands' expectations default to the shipped file)."""
        values = {o.name: getattr(namespace, o.name) for o in OPTIONS if command in o.commands}
        return cls.from_values(values, expect_default=(SHIPPED,))

    @classmethod
    def from_pytest(cls, config: Any) -> RunSpec:
        """From the plugin's ``--zarr-*`` options and pytest's own."""
        values = {o.name: config.getoption(o.plugin_dest) for o in OPTIONS if o.plugin}
        values["junit"] = config.getoption("xmlpath", None)
        return cls.from_values(values)

    @classmethod
    def from_json(cls, text: str) -> RunSpec:
        """The JSON form of :meth:`to_json`; a ValueError saying what is wrong."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"not a {SCHEMA} v{SCHEMA_VERSION} document")
        options = data.get("options")
        known = {f.name for f in fields(cls)}
        if not isinstance(options, dict) or set(options) - known:
            raise ValueError(f"'options' must be a mapping of {sorted(known)}")
        try:
            return cls.from_values(options)
        except (argparse.ArgumentTypeError, TypeError) as exc:
            raise ValueError(f"'options': {exc}") from exc

    @classmethod
    def read(cls, path: Path) -> RunSpec:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    # ---- using one --------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps({"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "options": asdict(self)}, indent=1)

    def write(self, path: Path) -> Path:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    def pytest_args(self, keyword: str | None = None) -> list[str]:
        """The pytest command line of this run (``-k keyword``; the interop read phase selects its tests itself)."""
        args = ["--pyargs", "zarr_conformance"]
        defaults = RunSpec()
        for option in OPTIONS:
            value = getattr(self, option.name)
            if value == getattr(defaults, option.name):
                continue
            if option.switch:
                args.append(option.plugin_flag)
            elif option.repeat:
                for one in value:
                    args += [option.plugin_flag, one]
            else:
                args += [option.plugin_flag, str(value)]
        keyword = keyword or (INTEROP_READS if self.interop_read else None)
        return args + (["-k", keyword] if keyword else [])

    def shell_command(self, keyword: str | None = None) -> str:
        """The pytest command of this run, for a shell."""
        args = ["pytest", *self.pytest_args(keyword)]
        return " ".join(a if a == FRESH_FOLDER else shlex.quote(a) for a in args)


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """The arguments of ``command`` that set a RunSpec field."""
    for option in OPTIONS:
        if command in option.commands:
            option.add_to(parser)


def add_plugin_options(group: Any) -> None:
    """The plugin's ``--zarr-*`` options."""
    for option in OPTIONS:
        if option.plugin:
            option.add_to(group, option.plugin_flag, option.plugin_dest)
