"""The adapter contract: what a bridge to one Zarr implementation shall implement.

An adapter is one small class.  It declares, as data, its ``name`` and its
``capabilities``, reports the implementation's ``version()``, and implements the
verbs below on a node ``path`` inside a store on the local file system.  Only the
adapter's own module imports its implementation.

Verbs an adapter does not implement raise :class:`NotSupported` (the default); the
capabilities decide which tests run at all, so a verb that is claimed but missing is
a failure, not a skip.  Errors of the implementation propagate unchanged: the kit
reports their type and message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..vocabulary import CAPABILITY_VALUES
from .arrayspec import ArraySpec
from .selection import Selection

__all__ = [
    "Adapter",
    "ArrayInfo",
    "ArraySpec",
    "Capabilities",
    "CapabilityError",
    "GroupInfo",
    "NotSupported",
    "Selection",
]


class NotSupported(Exception):
    """The adapter does not implement this verb."""


class CapabilityError(ValueError):
    """An adapter claims a capability value the kit does not know (a typo turns tests into 'unsupported')."""


@dataclass(frozen=True)
class Capabilities:
    """What an adapter claims to support.  Anything not claimed is reported *unsupported*.

    Every value comes from the kit's vocabulary (``zarr_conformance.vocabulary``):
    ``dtypes`` are the kit's data type names (``DATA_TYPES``: the v3 core names plus
    ``fixed_bytes`` for v2 ``S`` and ``fixed_length_utf32`` for v2 ``U``), ``codecs`` v3
    codec names (``V3_CODECS``), ``v2_codecs`` the numcodecs ids usable as v2
    ``compressor``/``filters`` (``V2_CODECS``), ``chunk_key_encodings`` the v3 encodings
    and ``features`` the names in ``FEATURES``.  :meth:`check` rejects anything else.
    """

    read_formats: frozenset[int] = frozenset()
    write_formats: frozenset[int] = frozenset()
    dtypes: frozenset[str] = frozenset()
    codecs: frozenset[str] = frozenset()
    v2_codecs: frozenset[str] = frozenset()
    chunk_key_encodings: frozenset[str] = frozenset()
    features: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Capabilities:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown capability fields {sorted(unknown)}; known: {sorted(known)}")
        return cls(**{k: frozenset(v) for k, v in data.items()})

    def to_dict(self) -> dict[str, list[Any]]:
        return {k: sorted(v) for k, v in asdict(self).items()}

    def check(self, owner: str) -> None:
        """Raise :class:`CapabilityError` naming ``owner`` for any value the kit does not know."""
        problems = []
        for name, known in CAPABILITY_VALUES.items():
            unknown = sorted(getattr(self, name) - known, key=str)
            if unknown:
                problems.append(f"{name} {unknown} (known: {', '.join(str(k) for k in sorted(known, key=str))})")
        if problems:
            raise CapabilityError(f"adapter {owner!r} claims unknown capability values: " + "; ".join(problems))


@dataclass(frozen=True)
class ArrayInfo:
    """An array's metadata as the implementation reports it, normalized.

    ``chunks`` is the chunk shape a reader sees: the inner chunk shape when the array
    is sharded, and then ``shards`` is the shard shape (otherwise None).
    ``fill_value`` is a NumPy scalar of ``dtype`` (None for a v2 ``null``).
    """

    zarr_format: int
    shape: tuple[int, ...]
    dtype: np.dtype
    chunks: tuple[int, ...]
    shards: tuple[int, ...] | None
    fill_value: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    dimension_names: tuple[str | None, ...] | None = None


@dataclass(frozen=True)
class GroupInfo:
    zarr_format: int
    attributes: dict[str, Any] = field(default_factory=dict)


class Adapter:
    """Base class of all adapters.  Subclass it and implement the verbs you claim."""

    #: the implementation's name, as used with ``--zarr-impl``
    name: ClassVar[str] = "unnamed"
    #: what the adapter claims; tests for anything else are reported unsupported
    capabilities: ClassVar[Capabilities] = Capabilities()
    #: True for a proxy of an implementation in another process, which enforces each call's time budget itself
    out_of_process: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "capabilities" in cls.__dict__:
            cls.capabilities.check(f"{cls.__module__}.{cls.__qualname__} ({cls.name})")

    def version(self) -> str:
        """The version of the implementation under test (not of the adapter)."""
        return "unknown"

    # ---- arrays -------------------------------------------------------------------------
    def set_call_timeout(self, seconds: float) -> None:
        """Out of process only: the time budget of one call, after which the worker is killed."""

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        """Open the array at ``path`` read-only, without being told its format."""
        raise NotSupported("open_array")

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        """Read ``selection`` of the array at ``path`` into a NumPy array (``selection.index`` as NumPy would)."""
        raise NotSupported("read")

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        """Create an array from the kit's normalized description, with the implementation's own API."""
        raise NotSupported("create_array")

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        """Write ``data`` into ``selection`` of the existing array at ``path``."""
        raise NotSupported("write")

    def resize(self, store: Path, path: str, shape: tuple[int, ...]) -> None:
        """Change the array's shape; shrinking drops the data outside the new shape."""
        raise NotSupported("resize")

    # ---- groups and attributes ------------------------------------------------------------
    def create_group(self, store: Path, path: str, zarr_format: int, attributes: Mapping[str, Any]) -> None:
        """Create a group (and, as the spec requires, its missing ancestors)."""
        raise NotSupported("create_group")

    def open_group(self, store: Path, path: str) -> GroupInfo:
        """Open the group at ``path`` read-only, without being told its format."""
        raise NotSupported("open_group")

    def list_members(self, store: Path, path: str, consolidated: bool = False) -> dict[str, str]:
        """The group's direct members, name -> ``"array"`` or ``"group"``.

        With ``consolidated=True`` the listing must come from consolidated metadata.
        """
        raise NotSupported("list_members")

    def set_attributes(self, store: Path, path: str, attributes: Mapping[str, Any]) -> None:
        """Replace the attributes of the array or group at ``path``."""
        raise NotSupported("set_attributes")

    def close(self) -> None:
        """Release resources; called once at the end of a run."""
