"""Deliberately faulty writers: zarr-python with one realistic bug in what it writes or lists.

Each proves that a check of the write or group suites can fail, in the right test.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from zarr_conformance.adapters.arrayspec import CodecSpec
from zarr_conformance.adapters.base import ArraySpec, GroupInfo, Selection
from zarr_conformance.adapters.selection import (
    BasicSelection,
    CoordinateSelection,
    IntList,
    MaskSelection,
    OrthogonalSelection,
)
from zarr_conformance.adapters.zarr_python import ZarrPythonAdapter


def _document(store: Path, path: str) -> Path:
    folder = store.joinpath(*path.split("/")) if path else store
    return folder / "zarr.json" if (folder / "zarr.json").exists() else folder / ".zarray"


def _chunk_files(store: Path, path: str) -> list[Path]:
    folder = store.joinpath(*path.split("/")) if path else store
    return [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".") and p.name != "zarr.json"]


class WritesWrongChunkKeySeparator(ZarrPythonAdapter):
    """Stores v2 chunks under '/'-nested keys while the metadata keeps the '.' separator."""

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        super().write(store, path, selection, data)
        folder = store.joinpath(*path.split("/")) if path else store
        for chunk in _chunk_files(store, path):
            if chunk.parent == folder and "." in chunk.name and chunk.name.replace(".", "").isdigit():
                target = folder.joinpath(*chunk.name.split("."))
                target.parent.mkdir(parents=True, exist_ok=True)
                chunk.rename(target)


class WritesBigEndianLabelledLittle(ZarrPythonAdapter):
    """Encodes with the bytes codec as big-endian but writes "little" into the metadata."""

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        self._asked = spec
        flipped = tuple(
            CodecSpec("bytes", {**c.configuration, "endian": "big"})
            if c.name == "bytes" and c.configuration.get("endian") == "little"
            else c
            for c in spec.codecs
        )
        super().create_array(store, path, dataclasses.replace(spec, codecs=flipped))

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        super().write(store, path, selection, data)
        document = _document(store, path)
        text = document.read_text()
        if (
            document.name == "zarr.json"
            and '"endian": "big"' in text
            and self._asked.codecs
            and "big" not in json.dumps([c.to_json() for c in self._asked.codecs])
        ):
            document.write_text(text.replace('"endian": "big"', '"endian": "little"'))


class OmitsDimensionNames(ZarrPythonAdapter):
    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        super().create_array(store, path, dataclasses.replace(spec, dimension_names=None))


class WritesBareNaNFillValue(ZarrPythonAdapter):
    """Serialises a NaN fill value as the bare token NaN, which is not JSON."""

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        super().create_array(store, path, spec)
        document = _document(store, path)
        text = document.read_text()
        document.write_text(text.replace('"fill_value": "NaN"', '"fill_value": NaN'))


class RecordsWrongBloscTypesize(ZarrPythonAdapter):
    """Records a v2 blosc typesize other than the one asked for (1 where 4 or 8 was asked)."""

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        super().create_array(store, path, spec)
        document = _document(store, path)
        metadata = json.loads(document.read_text())
        compressor = metadata.get("compressor") or {}
        if compressor.get("id") == "blosc":
            compressor["typesize"] = 1
            document.write_text(json.dumps(metadata))


class WritesChunksOutsideTheGrid(ZarrPythonAdapter):
    """Leaves a chunk behind at a grid position past the array's edge."""

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        super().write(store, path, selection, data)
        chunks = sorted(_chunk_files(store, path))
        if chunks:
            folder = store.joinpath(*path.split("/")) if path else store
            name = "c/99/99" if (folder / "zarr.json").exists() else "99.99"
            target = folder.joinpath(*name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(chunks[0].read_bytes())


class IgnoresAskedFillValue(ZarrPythonAdapter):
    """Creates numeric arrays with fill value 0, whatever was asked."""

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        if spec.dtype.kind in "iuf":
            spec = dataclasses.replace(spec, fill_value=spec.dtype.type(0))
        super().create_array(store, path, spec)


class RegionWriteOffByOne(ZarrPythonAdapter):
    """Writes a region one element further along the first axis (clipped at the edge)."""

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        index = selection.index
        first = index[0] if index else None
        if isinstance(first, slice) and first.start not in (None, 0) and first.stop is not None:
            shifted = slice(first.start + 1, first.stop + 1)
            import zarr
            from zarr.storage import LocalStore

            length = zarr.open_array(store=LocalStore(str(store)), path=path, mode="r").shape[0]
            if shifted.stop <= length:
                selection = BasicSelection.of(shifted, *index[1:])
        super().write(store, path, selection, data)


class ResizeKeepsOldChunks(ZarrPythonAdapter):
    """Resizes by rewriting the shape in the metadata only, leaving chunks past the new edge."""

    def resize(self, store: Path, path: str, shape: tuple[int, ...]) -> None:
        document = _document(store, path)
        content = json.loads(document.read_text())
        content["shape"] = list(shape)
        document.write_text(json.dumps(content))


class NoAncestorGroups(ZarrPythonAdapter):
    """Creates a nested v2 group without the .zgroup of its ancestors."""

    def create_group(self, store: Path, path: str, zarr_format: int, attributes: Mapping[str, Any]) -> None:
        super().create_group(store, path, zarr_format, attributes)
        parts = path.split("/")
        for depth in range(len(parts)):
            marker = store.joinpath(*parts[:depth], ".zgroup" if zarr_format == 2 else "zarr.json")
            if marker.exists():
                marker.unlink()


class DropsGroupAttributes(ZarrPythonAdapter):
    def open_group(self, store: Path, path: str) -> GroupInfo:
        return GroupInfo(zarr_format=super().open_group(store, path).zarr_format, attributes={})

    def set_attributes(self, store: Path, path: str, attributes: Mapping[str, Any]) -> None:
        super().set_attributes(store, path, {})


class ListsEveryMemberAsGroup(ZarrPythonAdapter):
    def list_members(self, store: Path, path: str, consolidated: bool = False) -> dict[str, str]:
        return {name: "group" for name in super().list_members(store, path, consolidated)}


class MergesMixedFormats(ZarrPythonAdapter):
    """Lists children of either Zarr format as members of a group."""

    def list_members(self, store: Path, path: str, consolidated: bool = False) -> dict[str, str]:
        from zarr_conformance.fixtures import hierarchy

        folder = store.joinpath(*path.split("/")) if path else store
        found = {}
        for child in sorted(folder.iterdir()):
            node = hierarchy.node_at(store, f"{path}/{child.name}".strip("/")) if child.is_dir() else None
            if node is not None:
                found[child.name] = node.node_type
        return found


class OpensArraysAsGroups(ZarrPythonAdapter):
    """Treats any node as a group when asked to open one (no node-type check)."""

    def open_group(self, store: Path, path: str) -> GroupInfo:
        try:
            return super().open_group(store, path)
        except Exception:
            from zarr_conformance.fixtures import hierarchy

            node = hierarchy.node_at(store, path)
            if node is None:
                raise
            return GroupInfo(zarr_format=node.zarr_format, attributes=node.attributes)


class DropsLastChunkOnPartialWrite(ZarrPythonAdapter):
    """Skips writing when the selection only touches the array's last (partial) chunk."""

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        import zarr
        from zarr.storage import LocalStore

        shape = zarr.open_array(store=LocalStore(str(store)), path=path, mode="r").shape
        if selection and all(
            isinstance(s, slice) and s.start not in (None, 0) and s.stop == n for s, n in zip(selection, shape)
        ):
            return
        super().write(store, path, selection, data)


class FillOnlyWritesZeros(ZarrPythonAdapter):
    """Writes zeros when asked to write data that is entirely the fill value."""

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        import zarr
        from zarr.storage import LocalStore

        fill = zarr.open_array(store=LocalStore(str(store)), path=path, mode="r").fill_value
        if data.size and fill is not None and np.array_equal(data, np.full_like(data, fill), equal_nan=True):
            data = np.zeros_like(data)
        super().write(store, path, selection, data)


class ConsolidatedListsNothing(ZarrPythonAdapter):
    def list_members(self, store: Path, path: str, consolidated: bool = False) -> dict[str, str]:
        return {} if consolidated else super().list_members(store, path, consolidated)


class IgnoresNodePathForArrays(ZarrPythonAdapter):
    """Opens the store's root array whatever node path it is given."""

    def open_array(self, store: Path, path: str):
        return super().open_array(store, "")


class OpensGroupsAsEmptyArrays(ZarrPythonAdapter):
    def open_array(self, store: Path, path: str):
        from zarr_conformance.adapters.base import ArrayInfo
        from zarr_conformance.fixtures import hierarchy

        node = hierarchy.node_at(store, path)
        if node is not None and node.node_type == "group":
            return ArrayInfo(
                zarr_format=node.zarr_format,
                shape=(0,),
                dtype=np.dtype("u1"),
                chunks=(1,),
                shards=None,
                fill_value=np.uint8(0),
            )
        return super().open_array(store, path)


class MissingNodeIsAnEmptyGroup(ZarrPythonAdapter):
    """Treats a path where nothing is stored as an empty group (an implicit group)."""

    def open_group(self, store: Path, path: str) -> GroupInfo:
        from zarr_conformance.fixtures import hierarchy

        if hierarchy.node_at(store, path) is None:
            return GroupInfo(zarr_format=3, attributes={})
        return super().open_group(store, path)


class ArrayWithoutAncestorGroups(ZarrPythonAdapter):
    """Creates an array below the root without writing its ancestor groups."""

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        super().create_array(store, path, spec)
        parts = path.split("/")[:-1]
        for depth in range(len(parts) + 1):
            for marker in (".zgroup", "zarr.json"):
                target = store.joinpath(*parts[:depth], marker)
                if target.exists():
                    target.unlink()


class RefusesBigEndian(ZarrPythonAdapter):
    """Claims every data type but raises when asked for a big-endian array."""

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        if '"big"' in json.dumps([c.to_json() for c in spec.codecs]) or spec.dtype.byteorder == ">":
            raise NotImplementedError("big-endian arrays are not supported")
        super().create_array(store, path, spec)


class SortsIndexListsOnWrite(ZarrPythonAdapter):
    """Writes an orthogonal selection with its integer lists sorted (the values stay in the order given)."""

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        if isinstance(selection, OrthogonalSelection):
            selection = OrthogonalSelection(
                tuple(IntList(tuple(sorted(i.values))) if isinstance(i, IntList) else i for i in selection.items)
            )
        super().write(store, path, selection, data)


class WritesPointsInChunkOrder(ZarrPythonAdapter):
    """Writes a coordinate selection's points sorted by position, its values in the order given."""

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        if isinstance(selection, CoordinateSelection) and selection.coordinates and selection.coordinates[0]:
            selection = CoordinateSelection(tuple(zip(*sorted(zip(*selection.coordinates)))))
        super().write(store, path, selection, data)


class WritesMaskInFortranOrder(ZarrPythonAdapter):
    """Puts a mask selection's values where the mask is true in Fortran order."""

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        if isinstance(selection, MaskSelection):
            import zarr
            from zarr.storage import LocalStore

            array = zarr.open_array(store=LocalStore(str(store)), path=path, mode="r+")
            values = np.asarray(array[...])
            values.T[selection.mask.T] = data
            array[...] = values
            return
        super().write(store, path, selection, data)


class BroadcastsOnlyTheFirstElement(ZarrPythonAdapter):
    """Writes a single value into the first element of the selection only."""

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        if data.ndim == 0 and isinstance(selection, BasicSelection) and selection.items:
            first = tuple(i if isinstance(i, int) else (i.start or 0) for i in selection.items)
            selection = BasicSelection(first)
        super().write(store, path, selection, data)


class GrowingWritesZeros(ZarrPythonAdapter):
    """Grows an array by writing zeros into the new region instead of leaving it to the fill value."""

    def resize(self, store: Path, path: str, shape: tuple[int, ...]) -> None:
        import zarr
        from zarr.storage import LocalStore

        array = zarr.open_array(store=LocalStore(str(store)), path=path, mode="r+")
        old = tuple(array.shape)
        array.resize(shape)
        if all(n >= o for n, o in zip(shape, old)) and shape != old:
            outside = np.ones(shape, dtype=bool)
            outside[tuple(slice(0, o) for o in old)] = False
            values = np.asarray(array[...])
            values[outside] = 0
            array[...] = values
