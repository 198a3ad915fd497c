"""The selection model: what an adapter is asked to read or write, as types with one JSON form.

A selection is built by the kit (``zarr_conformance.selections`` names the ones every
case is read and written with), applied to the expected array with NumPy semantics by
:meth:`Selection.apply` (the oracle), sent to a worker in its JSON form
(``adapters/PROTOCOL.md``) and shown in messages and reproduce lines by
:meth:`Selection.describe`.

The kinds, after the array APIs of zarr-python and tensorstore:

- ``basic``: per dimension an integer (the dimension is dropped; negative counts from
  the end) or a slice (any non-zero step), and at most one ``Ellipsis``;
- ``orthogonal`` (``oindex``): per dimension an integer, a slice, a list of integers
  (any order, repeats allowed) or a boolean mask; each dimension is indexed on its own;
- ``coordinate`` (``vindex``): one integer array per dimension, all of one length: the
  points ``(a[0][k], a[1][k], ...)``;
- ``mask``: one boolean array of the array's shape: the elements where it is true, in
  C order.

Each selection says which capabilities (``FEATURES``) it needs beyond basic indexing.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import EllipsisType
from typing import Any, ClassVar

import numpy as np


class SelectionError(ValueError):
    """A selection's JSON form is malformed."""


@dataclass(frozen=True)
class Slice:
    """``start:stop:step`` with Python semantics; None for an open end (and a step of 1)."""

    start: int | None = None
    stop: int | None = None
    step: int | None = None

    def to_slice(self) -> slice:
        return slice(self.start, self.stop, self.step)

    def describe(self) -> str:
        step = f":{self.step}" if self.step not in (None, 1) else ""
        return f"{'' if self.start is None else self.start}:{'' if self.stop is None else self.stop}{step}"

    def to_json(self) -> dict[str, int | None]:
        return {"start": self.start, "stop": self.stop, "step": self.step}

    def needs(self) -> set[str]:
        if self.step is not None and self.step < 0:
            return {"negative_step_selection"}
        return {"strided_selection"} if self.step not in (None, 1) else set()

    def resolved(self, size: int) -> Slice:
        """The same elements as absolute coordinates: bounds clipped to ``0..size`` and the
        step given. A negative step that runs past index 0 stops at ``-1``, which only APIs
        whose indices are coordinates (tensorstore) read as "before 0"; NumPy would not."""
        start, stop, step = self.to_slice().indices(size)
        if not range(start, stop, step):
            return Slice(0, 0, step)  # nothing, with no bound outside 0..size
        return Slice(start, stop, step)

    @classmethod
    def parse(cls, item: dict[str, Any]) -> Slice:
        unknown = set(item) - {"start", "stop", "step"}
        if unknown:
            raise SelectionError(f"a slice has members start, stop and step, got {sorted(unknown)}")
        out = cls(*(_optional_int(item.get(k), f"slice {k}") for k in ("start", "stop", "step")))
        if out.step == 0:
            raise SelectionError("a slice's step cannot be 0")
        return out


@dataclass(frozen=True)
class IntList:
    """Integers of one dimension (orthogonal selection): any order, repeats allowed, negative from the end."""

    values: tuple[int, ...]

    def describe(self) -> str:
        return "[" + ", ".join(map(str, self.values)) + "]"

    def to_json(self) -> dict[str, list[int]]:
        return {"indices": list(self.values)}

    def array(self) -> np.ndarray:
        return np.asarray(self.values, dtype=np.intp)


@dataclass(frozen=True)
class Mask:
    """A boolean mask of one dimension (orthogonal selection), as long as the dimension."""

    values: tuple[bool, ...]

    def describe(self) -> str:
        return "mask(" + "".join("1" if v else "0" for v in self.values) + ")"

    def to_json(self) -> dict[str, list[bool]]:
        return {"mask": list(self.values)}

    def array(self) -> np.ndarray:
        return np.asarray(self.values, dtype=bool)


class Selection:
    """Base of the selection kinds: a ``kind`` name, a JSON form, the NumPy oracle and what it needs."""

    kind: ClassVar[str]
    #: where a NumPy-like array (zarr-python, tensorstore) takes the index: itself, ``oindex`` or ``vindex``
    accessor: ClassVar[str | None] = None

    def on(self, array: Any) -> Any:
        """What to index with :attr:`index`: ``array``, ``array.oindex`` or ``array.vindex``."""
        return array if self.accessor is None else getattr(array, self.accessor)

    def resolved(self, shape: tuple[int, ...]) -> Selection:
        """The same elements with every index an absolute coordinate (see :meth:`Slice.resolved`):
        for APIs whose negative indices are coordinates rather than counts from the end (tensorstore)."""
        return self

    @property
    def index(self) -> Any:
        """The selection as the index of a NumPy-like API: ``a[index]``, ``a.oindex[index]``,
        ``a.vindex[index]`` for the basic, orthogonal and coordinate kinds; the mask for ``mask``."""
        raise NotImplementedError

    def apply(self, array: np.ndarray) -> np.ndarray:
        """What the selection gives on ``array`` with NumPy semantics: the oracle."""
        raise NotImplementedError

    def describe(self) -> str:
        """NumPy-like text, e.g. ``[1:4, 3]`` or ``oindex[[3, 0], 2]``."""
        raise NotImplementedError

    def needs(self) -> set[str]:
        """The capability features (``FEATURES``) an adapter claims to be asked this selection."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def shape(self, array_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of the selection's result on an array of ``array_shape``."""
        return self.apply(np.empty(array_shape, dtype=np.bool_)).shape

    @staticmethod
    def from_json(data: Any) -> Selection:
        if not isinstance(data, dict) or data.get("kind") not in _KINDS:
            raise SelectionError(f"a selection is an object with a 'kind' in {sorted(_KINDS)}, got {data!r}")
        return _KINDS[data["kind"]].parse(data)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Selection:
        raise NotImplementedError


def _optional_int(value: Any, what: str) -> int | None:
    if value is None or _is_int(value):
        return value
    raise SelectionError(f"{what} must be an integer or null, got {value!r}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ints(values: Any, what: str) -> tuple[int, ...]:
    if not isinstance(values, list) or not all(_is_int(v) for v in values):
        raise SelectionError(f"{what} is a list of integers, got {values!r}")
    return tuple(values)


def _items_of(data: dict[str, Any], kind: str) -> list[Any]:
    items = data.get("items")
    if not isinstance(items, list):
        raise SelectionError(f"a {kind} selection has a list of 'items', got {items!r}")
    return items


BasicItem = int | Slice | EllipsisType


@dataclass(frozen=True)
class BasicSelection(Selection):
    """Per dimension an integer or a :class:`Slice`; at most one ``Ellipsis`` stands for the dimensions left out."""

    items: tuple[BasicItem, ...]
    kind: ClassVar[str] = "basic"

    def __post_init__(self) -> None:
        if sum(i is Ellipsis for i in self.items) > 1:
            raise SelectionError("a basic selection has at most one Ellipsis")

    @classmethod
    def of(cls, *items: int | slice | EllipsisType) -> BasicSelection:
        """From Python indices: ``BasicSelection.of(slice(0, 4, 2), 3)``, ``BasicSelection.of(..., -1)``."""
        return cls(
            tuple(
                Slice(i.start, i.stop, i.step) if isinstance(i, slice) else i if i is Ellipsis else int(i)
                for i in items
            )
        )

    @classmethod
    def everything(cls, ndim: int) -> BasicSelection:
        return cls(tuple(Slice() for _ in range(ndim)))

    @property
    def index(self) -> tuple[int | slice | EllipsisType, ...]:
        return tuple(i.to_slice() if isinstance(i, Slice) else i for i in self.items)

    def apply(self, array: np.ndarray) -> np.ndarray:
        return _array_of(array, array[self.index])

    def describe(self) -> str:
        return "[" + ", ".join(_describe(i) for i in self.items) + "]"

    def needs(self) -> set[str]:
        return set().union(*(i.needs() for i in self.items if isinstance(i, Slice)))

    def expanded(self, ndim: int) -> BasicSelection:
        """The same selection with its ``Ellipsis`` (or missing trailing dimensions) as full slices."""
        items = list(self.items)
        at = items.index(Ellipsis) if Ellipsis in items else len(items)
        fill = [Slice() for _ in range(ndim - (len(items) - (Ellipsis in items)))]
        return BasicSelection(tuple(items[:at] + fill + items[at + (Ellipsis in items) :]))

    def resolved(self, shape: tuple[int, ...]) -> BasicSelection:
        """Expanded (no ``Ellipsis``), every index an absolute coordinate."""
        return BasicSelection(tuple(_absolute(i, n) for i, n in zip(self.expanded(len(shape)).items, shape)))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "items": [_item_json(i) for i in self.items]}

    @classmethod
    def parse(cls, data: dict[str, Any]) -> BasicSelection:
        out: list[BasicItem] = []
        for item in _items_of(data, "basic"):
            if item == "...":
                out.append(Ellipsis)
            elif isinstance(item, dict):
                out.append(Slice.parse(item))
            elif _is_int(item):
                out.append(item)
            else:
                raise SelectionError(f"a basic selection item is an integer, a slice object or '...', got {item!r}")
        return cls(tuple(out))


OrthogonalItem = int | Slice | IntList | Mask


@dataclass(frozen=True)
class OrthogonalSelection(Selection):
    """Per dimension an integer, a :class:`Slice`, an :class:`IntList` or a :class:`Mask`, each applied on its own."""

    items: tuple[OrthogonalItem, ...]
    kind: ClassVar[str] = "orthogonal"
    accessor: ClassVar[str | None] = "oindex"

    def resolved(self, shape: tuple[int, ...]) -> OrthogonalSelection:
        return OrthogonalSelection(tuple(_absolute(i, n) for i, n in zip(self.items, shape)))

    @property
    def index(self) -> tuple[int | slice | np.ndarray, ...]:
        return tuple(
            i.to_slice() if isinstance(i, Slice) else i.array() if isinstance(i, IntList | Mask) else i
            for i in self.items
        )

    def apply(self, array: np.ndarray) -> np.ndarray:
        out = np.asarray(array)
        axis = 0  # integers drop their dimension, so the next one moves up
        for item in self.items:
            where = (slice(None),) * axis
            if isinstance(item, int):
                out = out[where + (item,)]
                continue
            out = out[where + ((item.to_slice() if isinstance(item, Slice) else item.array()),)]
            axis += 1
        return _array_of(array, out)

    def describe(self) -> str:
        return "oindex[" + ", ".join(_describe(i) for i in self.items) + "]"

    def needs(self) -> set[str]:
        return {"orthogonal_selection"}.union(*(i.needs() for i in self.items if isinstance(i, Slice)))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "items": [_item_json(i) for i in self.items]}

    @classmethod
    def parse(cls, data: dict[str, Any]) -> OrthogonalSelection:
        out: list[OrthogonalItem] = []
        for item in _items_of(data, "orthogonal"):
            if _is_int(item):
                out.append(item)
            elif isinstance(item, dict) and "indices" in item:
                out.append(IntList(_ints(item["indices"], "an orthogonal item's 'indices'")))
            elif isinstance(item, dict) and "mask" in item:
                mask = item["mask"]
                if not isinstance(mask, list) or not all(isinstance(v, bool) for v in mask):
                    raise SelectionError(f"an orthogonal item's 'mask' is a list of booleans, got {mask!r}")
                out.append(Mask(tuple(mask)))
            elif isinstance(item, dict):
                out.append(Slice.parse(item))
            else:
                raise SelectionError(
                    "an orthogonal selection item is an integer, a slice, {'indices': [...]} or "
                    f"{{'mask': [...]}}, got {item!r}"
                )
        return cls(tuple(out))


@dataclass(frozen=True)
class CoordinateSelection(Selection):
    """One integer sequence per dimension, all of one length: the points they name, in order."""

    coordinates: tuple[tuple[int, ...], ...]
    kind: ClassVar[str] = "coordinate"
    accessor: ClassVar[str | None] = "vindex"

    def resolved(self, shape: tuple[int, ...]) -> CoordinateSelection:
        return CoordinateSelection(
            tuple(tuple(i + n if i < 0 else i for i in c) for c, n in zip(self.coordinates, shape))
        )

    def __post_init__(self) -> None:
        if len({len(c) for c in self.coordinates}) > 1:
            raise SelectionError(
                f"a coordinate selection's arrays differ in length: {[len(c) for c in self.coordinates]}"
            )

    @property
    def index(self) -> tuple[np.ndarray, ...]:
        return tuple(np.asarray(c, dtype=np.intp) for c in self.coordinates)

    def apply(self, array: np.ndarray) -> np.ndarray:
        return _array_of(array, array[self.index])

    def describe(self) -> str:
        return "vindex[" + ", ".join("[" + ", ".join(map(str, c)) + "]" for c in self.coordinates) + "]"

    def needs(self) -> set[str]:
        return {"coordinate_selection"}

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "coordinates": [list(c) for c in self.coordinates]}

    @classmethod
    def parse(cls, data: dict[str, Any]) -> CoordinateSelection:
        coordinates = data.get("coordinates")
        if not isinstance(coordinates, list):
            raise SelectionError(f"a coordinate selection has a list of 'coordinates', got {coordinates!r}")
        return cls(tuple(_ints(c, "a coordinate selection's array") for c in coordinates))


@dataclass(frozen=True)
class MaskSelection(Selection):
    """A boolean array of the array's shape, given as its shape and the positions (C order) where it is true."""

    array_shape: tuple[int, ...]
    true_at: tuple[int, ...]
    kind: ClassVar[str] = "mask"
    accessor: ClassVar[str | None] = "vindex"

    @classmethod
    def of(cls, mask: np.ndarray) -> MaskSelection:
        return cls(tuple(mask.shape), tuple(int(i) for i in np.flatnonzero(mask)))

    @property
    def mask(self) -> np.ndarray:
        out = np.zeros(self.array_shape, dtype=bool)
        out.reshape(-1)[list(self.true_at)] = True
        return out

    @property
    def index(self) -> np.ndarray:
        return self.mask

    def apply(self, array: np.ndarray) -> np.ndarray:
        return _array_of(array, array[self.mask])

    def describe(self) -> str:
        shown = ", ".join(map(str, self.true_at[:8])) + (", ..." if len(self.true_at) > 8 else "")
        return f"mask of shape {list(self.array_shape)} true at flat positions [{shown}] ({len(self.true_at)})"

    def needs(self) -> set[str]:
        return {"mask_selection"}

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "shape": list(self.array_shape), "true_at": list(self.true_at)}

    @classmethod
    def parse(cls, data: dict[str, Any]) -> MaskSelection:
        shape = _ints(data.get("shape"), "a mask selection's 'shape'")
        true_at = _ints(data.get("true_at"), "a mask selection's 'true_at'")
        size = int(np.prod(shape, dtype=np.int64))
        if any(not 0 <= i < size for i in true_at):
            raise SelectionError(f"a mask selection's 'true_at' positions lie in 0..{size - 1}")
        return cls(shape, true_at)


def _array_of(array: np.ndarray, result: Any) -> np.ndarray:
    """``result`` as an array of ``array``'s data type: a scalar (one element) becomes 0-d,
    keeping the width of an ``S``/``U`` type, which a bare ``np.asarray`` would shorten."""
    return result if isinstance(result, np.ndarray) else np.array(result, dtype=array.dtype)


def _absolute(item: Any, size: int) -> Any:
    """One dimension's index with negative counts from the end turned into coordinates."""
    if isinstance(item, Slice):
        return item.resolved(size)
    if isinstance(item, IntList):
        return IntList(tuple(i + size if i < 0 else i for i in item.values))
    if _is_int(item) and item < 0:
        return item + size
    return item


def _describe(item: Any) -> str:
    if item is Ellipsis:
        return "..."
    return item.describe() if isinstance(item, Slice | IntList | Mask) else str(item)


def _item_json(item: Any) -> Any:
    if item is Ellipsis:
        return "..."
    return item.to_json() if isinstance(item, Slice | IntList | Mask) else item


_KINDS: dict[str, type[Selection]] = {
    k.kind: k for k in (BasicSelection, OrthogonalSelection, CoordinateSelection, MaskSelection)
}
