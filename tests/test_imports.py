"""The package's modules import each other without a cycle.

The graph is built from the source with ``ast``: an edge for every import a module makes
when it is imported, that is at module level (also inside module-level ``if``, ``try``,
``with`` and class bodies), leading to another module of ``zarr_conformance`` or to a
package ``__init__`` on the way there. Imports under ``if TYPE_CHECKING:`` are left out
(they never run), and so are imports inside functions (they run when called, after every
module has loaded).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "zarr_conformance"
FOLDERS = {
    PACKAGE: REPO / "conformance",
    f"{PACKAGE}.fixtures": REPO / "fixtures",
    f"{PACKAGE}.adapters": REPO / "adapters",
    f"{PACKAGE}.suites": REPO / "conformance" / "suites",
}


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its ``__init__``)."""
    out = {}
    for package, folder in FOLDERS.items():
        for path in folder.glob("*.py"):
            out[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time_statements(body: list[ast.stmt]):
    for node in body:
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _import_time_statements(node.body)
            yield from _import_time_statements(node.orelse)
        elif isinstance(node, ast.Try):
            for part in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from _import_time_statements(part)
        elif isinstance(node, (ast.With, ast.ClassDef)):
            yield from _import_time_statements(node.body)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that importing ``name`` imports directly (with the packages on the way)."""
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _import_time_statements(ast.parse(path.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        if node.level:
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            base = f"{base}.{node.module}" if node.module else base
        else:
            base = node.module or ""
        targets.add(base)
        targets.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    out = set()
    for target in targets:
        parts = target.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {t for t in out if t in known and t != name}


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of modules (the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycle():
    edges = graph()
    assert len(edges) > 40 and f"{PACKAGE}.stash" in edges[f"{PACKAGE}.results"], "the graph covers the package"
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_check_finds_a_cycle(tmp_path):
    """The check itself, on a small package with a cycle hidden behind a relative import (and one that is not)."""
    (tmp_path / "a.py").write_text("from .b import thing\n")
    (tmp_path / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import x\nfrom . import c\n"
    )
    (tmp_path / "c.py").write_text("import os\nfrom .a import y\ndef later():\n    from .b import z\n")
    (tmp_path / "d.py").write_text("def later():\n    from .a import y\n")
    known = {f"pkg.{n}" for n in "abcd"}
    edges = {f"pkg.{n}": imports(f"pkg.{n}", tmp_path / f"{n}.py", known) for n in "abcd"}
    assert edges == {"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.c"}, "pkg.c": {"pkg.a"}, "pkg.d": set()}
    assert find_cycle(edges) == ["pkg.a", "pkg.b", "pkg.c", "pkg.a"]
    del edges["pkg.c"]
    assert find_cycle(edges) is None


def test_plugins_share_state_through_the_stash_only():
    """No module of the package asks pytest for another plugin by its registered name."""
    offenders = [name for name, path in modules().items() if "get_plugin(" in path.read_text(encoding="utf-8")]
    assert not offenders, offenders
