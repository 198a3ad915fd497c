"""The selection model: what an adapter is asked to read or write, as types with one JSON form.

A selection is built by the kit (``zarr_conformance.selections`` names the ones every
case is read with), applied to the expected array with NumPy semantics (the oracle),
sent to a worker in its JSON form (``adapters/PROTOCOL.md``) and shown in messages and
reproduce lines by :meth:`Selection.describe`.

Today's kind is ``basic``: per dimension an integer (the dimension is dropped) or a
slice with a positive step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


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


class Selection:
    """Base of the selection kinds: a ``kind`` name, a JSON form and a NumPy index."""

    kind: ClassVar[str]

    @property
    def index(self) -> Any:
        """The selection as a NumPy index (for the oracle, and for NumPy-like implementations)."""
        raise NotImplementedError

    def describe(self) -> str:
        """NumPy-like text, e.g. ``[1:4, 3]``."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def from_json(data: Any) -> Selection:
        if not isinstance(data, dict) or data.get("kind") not in _KINDS:
            raise SelectionError(f"a selection is an object with a 'kind' in {sorted(_KINDS)}, got {data!r}")
        return _KINDS[data["kind"]].parse(data)


def _optional_int(value: Any, what: str) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise SelectionError(f"{what} must be an integer or null, got {value!r}")


@dataclass(frozen=True)
class BasicSelection(Selection):
    """Per dimension an integer or a :class:`Slice`."""

    items: tuple[int | Slice, ...]
    kind: ClassVar[str] = "basic"

    @classmethod
    def of(cls, *items: int | slice) -> BasicSelection:
        """From Python indices: ``BasicSelection.of(slice(0, 4, 2), 3)``."""
        return cls(tuple(Slice(i.start, i.stop, i.step) if isinstance(i, slice) else int(i) for i in items))

    @classmethod
    def everything(cls, ndim: int) -> BasicSelection:
        return cls(tuple(Slice() for _ in range(ndim)))

    @property
    def index(self) -> tuple[int | slice, ...]:
        return tuple(i.to_slice() if isinstance(i, Slice) else i for i in self.items)

    def describe(self) -> str:
        return "[" + ", ".join(i.describe() if isinstance(i, Slice) else str(i) for i in self.items) + "]"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "items": [i.to_json() if isinstance(i, Slice) else i for i in self.items]}

    @classmethod
    def parse(cls, data: dict[str, Any]) -> BasicSelection:
        items = data.get("items")
        if not isinstance(items, list):
            raise SelectionError(f"a basic selection has a list of 'items', got {items!r}")
        out: list[int | Slice] = []
        for item in items:
            if isinstance(item, dict):
                out.append(Slice(*(_optional_int(item.get(k), f"slice {k}") for k in ("start", "stop", "step"))))
            elif isinstance(item, int) and not isinstance(item, bool):
                out.append(item)
            else:
                raise SelectionError(f"a basic selection item is an integer or a slice object, got {item!r}")
        return cls(tuple(out))


_KINDS: dict[str, type[BasicSelection]] = {BasicSelection.kind: BasicSelection}
