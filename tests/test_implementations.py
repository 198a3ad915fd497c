"""The implementations table: the environments it builds, the specs it accepts, the rows it refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from zarr_conformance.adapters.environments import KIT_REQUIREMENTS, recipe
from zarr_conformance.adapters.implementations import ImplementationsError, default_specs, parse_table, table
from zarr_conformance.adapters.registry import AdapterLoadError, adapter_class, load_adapter
from zarr_conformance.adapters.specs import Command, Hosted, Named, SpecError, Target, Versioned, parse_spec

DOCS = Path(__file__).resolve().parent.parent / "docs" / "adapters.md"

#: what each environment installed before the table existed, and the adapter its worker ran
RECIPES = [
    ("zarr-python", "2.18.7", "zarr-python-2", ["zarr==2.18.7", "numcodecs<0.16", *KIT_REQUIREMENTS]),
    ("zarr-python", "3.0.0", "zarr-python", ["zarr==3.0.0", "numcodecs==0.15.1", "numpy==2.2.6", *KIT_REQUIREMENTS]),
    ("zarr-python", "3.0.7", "zarr-python", ["zarr==3.0.7", "numcodecs==0.15.1", "numpy==2.2.6", *KIT_REQUIREMENTS]),
    ("zarr-python", "3.0.8", "zarr-python", ["zarr==3.0.8", *KIT_REQUIREMENTS]),
    ("zarr-python", "3.1.6", "zarr-python", ["zarr==3.1.6", *KIT_REQUIREMENTS]),
    ("zarr-python", "latest", "zarr-python", ["zarr", *KIT_REQUIREMENTS]),
    ("tensorstore", "0.1.86", "tensorstore", ["tensorstore==0.1.86", *KIT_REQUIREMENTS]),
    ("tensorstore", "latest", "tensorstore", ["tensorstore", *KIT_REQUIREMENTS]),
    ("zarrs", "0.2.3", "zarrs", ["zarrs==0.2.3", *KIT_REQUIREMENTS]),
    ("zarrs", "latest", "zarrs", ["zarrs", *KIT_REQUIREMENTS]),
    ("zarrita-js", "0.7.5", "zarrita_js", ["zarrita@0.7.5", "@zarrita/storage@0.2.0"]),
    ("zarrita-js", "latest", "zarrita_js", ["zarrita", "@zarrita/storage"]),
]


@pytest.mark.parametrize("name,version,adapter,requirements", RECIPES, ids=[f"{n}=={v}" for n, v, _, _ in RECIPES])
def test_environments_install_what_they_did_before_the_table(name, version, adapter, requirements):
    plan = recipe(name, version)
    assert plan.requirements == requirements
    assert plan.adapter == adapter


def test_only_installable_rows_have_environments():
    for name in ("reference", "zarr-python-2", "nope"):
        with pytest.raises(ValueError, match=f"no isolated environment recipe for '{name}'"):
            recipe(name, "1.0")
    with pytest.raises(ValueError, match="'main' is not a release version"):
        recipe("zarr-python", "main")


def test_matrix_defaults_come_from_the_table():
    from zarr_conformance.matrix import DEFAULT_IMPLEMENTATIONS

    expected = ("zarr-python", "zarr-python==2.18.7", "tensorstore==0.1.86", "zarrs==0.2.3", "zarrita-js@0.7.5")
    assert default_specs() == DEFAULT_IMPLEMENTATIONS == expected


SPECS = [
    ("zarr-python", Named("zarr-python")),
    ("reference", Named("reference")),
    ("zarr-python==2.18.7", Versioned("zarr-python", "2.18.7")),
    ("zarrita-js@0.7.5", Versioned("zarrita-js", "0.7.5")),
    ("@scope/shim@1.0", Versioned("@scope/shim", "1.0")),
    ("faulty_adapters:DropsAttributes", Target("faulty_adapters:DropsAttributes")),
    ("worker:reference", Hosted(Named("reference"))),
    ("worker:faulty_adapters:DropsAttributes", Hosted(Target("faulty_adapters:DropsAttributes"))),
    ("cmd:node 'my shim.mjs' --serve", Command(("node", "my shim.mjs", "--serve"))),
]


@pytest.mark.parametrize("spec,parsed", SPECS, ids=[s for s, _ in SPECS])
def test_spec_grammar(spec, parsed):
    assert parse_spec(spec) == parsed


@pytest.mark.parametrize("spec", ["cmd:", "cmd:   ", "zarr-python==", "==3.0.0", "zarrita-js@"])
def test_incomplete_specs_are_refused(spec):
    with pytest.raises(SpecError):
        parse_spec(spec)
    with pytest.raises(AdapterLoadError, match=re.escape(repr(spec))):
        load_adapter(spec)


def test_rows_resolve_in_process():
    assert adapter_class("reference").__name__ == "ReferenceAdapter"
    assert adapter_class("zarr-python").__name__ == "ZarrPythonAdapter"
    with pytest.raises(AdapterLoadError, match="'zarrita-js' runs on node, never in process"):
        adapter_class("zarrita-js")


def _table(rows: list[dict]) -> str:
    return yaml.safe_dump({"version": 1, "implementations": rows})


ROW = {
    "name": "my-zarr",
    "adapter": "my_zarr.conformance:MyZarrAdapter",
    "runtime": "python",
    "module": "my_zarr",
    "package": "my-zarr",
}

MALFORMED = [
    ({**ROW, "runtime": "rust"}, "implementation 'my-zarr': runtime must be one of"),
    ({**ROW, "adapter": "my_zarr.MyZarrAdapter"}, "implementation 'my-zarr': adapter must be 'package.module:Class'"),
    ({**ROW, "rules": [{"versions": "~=banana"}]}, "implementation 'my-zarr', rule #1: versions '~=banana' is not"),
    ({**ROW, "rules": [{"versions": "<2", "pins": ["numcodecs<<1"]}]}, "rule #1: pin 'numcodecs<<1' is not"),
    ({**ROW, "rules": [{"versions": "<2", "adapter": "nowhere"}]}, "rule #1: adapter 'nowhere' is not a python row"),
    ({**ROW, "rules": [{"versions": "<2"}]}, "rule #1: a rule needs pins, an adapter or both"),
    ({**ROW, "defaults": ["one"]}, "implementation 'my-zarr': default 'one' is neither a release"),
    ({**ROW, "package": None, "defaults": ["1.0"]}, "companions, defaults and rules need a package"),
    ({**ROW, "runtime": "node", "adapter": "my_shim"}, "module is for python rows"),
    ({**ROW, "pins": ["x"]}, "implementation 'my-zarr': unknown keys \\['pins'\\]"),
    ({"adapter": "a:B"}, "implementation #1: a row is a mapping with a name"),
]


@pytest.mark.parametrize("row,message", MALFORMED, ids=[m.split(": ", 1)[-1][:40] for _, m in MALFORMED])
def test_malformed_rows_are_refused_by_name(row, message):
    with pytest.raises(ImplementationsError, match=message):
        parse_table(_table([{k: v for k, v in row.items() if v is not None}]), "mine.yaml")


def test_a_name_appears_once():
    with pytest.raises(ImplementationsError, match=r"mine\.yaml: implementation 'my-zarr' appears twice"):
        parse_table(_table([ROW, ROW]), "mine.yaml")


def test_the_worked_example_in_the_docs_is_the_shipped_row():
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Adding an implementation") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    (documented,) = parse_table(_table(yaml.safe_load(block.group(1)))).values()
    assert documented == table()[documented.name]


def _build_with_path(monkeypatch, tmp_path, path: str) -> tuple[list[list[str]], dict]:
    """Build the zarr-python environment in ``tmp_path`` with ``PATH=path``; the commands are recorded, not run."""
    import json

    from zarr_conformance.adapters import environments

    commands: list[list[str]] = []

    def record(command: list[str], what: str) -> None:
        commands.append(command)
        if "venv" in command:  # the environment's folder, as the real command leaves it
            Path(command[-1]).mkdir(parents=True)

    monkeypatch.setenv("ZARR_CONFORMANCE_ENVS", str(tmp_path))
    monkeypatch.setenv("PATH", path)
    monkeypatch.setattr(environments, "_run", record)
    environments.ensure_environment("zarr-python", "3.1.6")
    (marker,) = tmp_path.glob("*/environment.json")
    return commands, json.loads(marker.read_text())


def test_environments_are_built_with_the_uv_installed_beside_the_kit(monkeypatch, tmp_path):
    """A virtual environment's ``bin`` is not on PATH unless activated: the uv package says where its binary is."""
    import uv

    commands, record = _build_with_path(monkeypatch, tmp_path, str(tmp_path / "empty"))
    assert commands[0][0] == str(uv.find_uv_bin())
    assert record["installer"] == f"uv ({uv.find_uv_bin()})"


def test_without_uv_environments_are_built_with_pip_and_say_so(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "uv", None)  # the package is not installed
    commands, record = _build_with_path(monkeypatch, tmp_path, str(tmp_path / "empty"))
    assert commands[0][:3] == [sys.executable, "-m", "venv"]
    assert record["installer"].startswith("pip (")
