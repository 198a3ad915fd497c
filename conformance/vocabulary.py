"""The format's vocabulary, in one place: data types, codecs, chunk key encodings, chunk grids, features.

Every part of the kit that names one of these reads it from here: the case schema's
enumerations, the validation of an adapter's ``Capabilities``, the adapters' claims
(:func:`data_types`, :func:`v3_codecs`, ...), the list handed to the node shim, the
reference codec pipeline (each codec entry names its implementation) and the rows of
the compatibility matrix (each entry's ``family``).

Adding a codec is one entry in :data:`V3_CODECS` (or :data:`V2_CODECS`) plus, for a v3
codec, one class implementing it in ``zarr_conformance.fixtures`` (see
``docs/adapters.md``, "Adding a codec").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

CodecKind = Literal["array -> array", "array -> bytes", "bytes -> bytes"]

_OBJECT = "object"


def _config(properties: Mapping[str, Any], required: Iterable[str] = ()) -> Mapping[str, Any]:
    """A JSON schema for an extension's ``configuration``: an object with these members only."""
    return MappingProxyType(
        {"type": _OBJECT, "properties": dict(properties), "required": list(required), "additionalProperties": False}
    )


_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_SHAPE = {"type": "array", "items": {"type": "integer", "minimum": 1}}
#: where a configuration schema refers to "a v3 codec entry" (the nested codecs of sharding)
V3_CODEC_REF = "#/$defs/v3_codec"
_CODEC_LIST = {"type": "array", "items": {"$ref": V3_CODEC_REF}}


@dataclass(frozen=True)
class DataType:
    """One data type the kit knows, under the kit's name.

    Core types carry their v3 name; ``fixed_bytes`` is a v2 ``S`` typestr and
    ``fixed_length_utf32`` a v2 ``U`` typestr (the name of the registered v3 extension
    for the same type).  ``numpy`` is the NumPy type code in native byte order, or the
    kind alone for types whose size is a parameter.
    """

    name: str
    family: str
    numpy: str
    core: bool
    formats: frozenset[int]
    requirements: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """The NumPy kind character ('b', 'i', 'u', 'f', 'c', 'S', 'U')."""
        import numpy as np

        return np.dtype(self.numpy).kind if self.numpy not in ("S", "U") else self.numpy


@dataclass(frozen=True)
class Codec:
    """One codec: a v3 codec by its ``name``, or a v2 compressor/filter by its numcodecs ``id``."""

    name: str
    zarr_format: int
    family: str
    kind: CodecKind | None = None  # v3 only
    requirements: tuple[str, ...] = ()
    configuration: Mapping[str, Any] = field(default_factory=lambda: _config({}))
    implementation: str | None = None  # v3: "module:Class" of the kit's reference codec


@dataclass(frozen=True)
class Extension:
    """A chunk key encoding or a chunk grid."""

    name: str
    family: str
    requirements: tuple[str, ...] = ()
    configuration: Mapping[str, Any] = field(default_factory=lambda: _config({}))


def _core(name: str, numpy: str, family: str, *requirements: str) -> DataType:
    return DataType(name, family, numpy, True, frozenset({2, 3}), ("V3-DTYPE-001",) + requirements)


#: every data type, by the kit's name
DATA_TYPES: Mapping[str, DataType] = MappingProxyType(
    {
        t.name: t
        for t in (
            _core("bool", "?", "bool", "V3-DTYPE-004"),
            _core("int8", "i1", "signed integers", "V3-DTYPE-005"),
            _core("int16", "i2", "signed integers", "V3-DTYPE-005"),
            _core("int32", "i4", "signed integers", "V3-DTYPE-005"),
            _core("int64", "i8", "signed integers", "V3-DTYPE-005"),
            _core("uint8", "u1", "unsigned integers", "V3-DTYPE-005"),
            _core("uint16", "u2", "unsigned integers", "V3-DTYPE-005"),
            _core("uint32", "u4", "unsigned integers", "V3-DTYPE-005"),
            _core("uint64", "u8", "unsigned integers", "V3-DTYPE-005"),
            _core("float16", "f2", "floats", "V3-DTYPE-006", "V3-DTYPE-007"),
            _core("float32", "f4", "floats", "V3-DTYPE-006", "V3-DTYPE-007"),
            _core("float64", "f8", "floats", "V3-DTYPE-006", "V3-DTYPE-007"),
            _core("complex64", "c8", "complex", "V3-DTYPE-010", "V3-DTYPE-011"),
            _core("complex128", "c16", "complex", "V3-DTYPE-010", "V3-DTYPE-011"),
            DataType("fixed_bytes", "byte strings", "S", False, frozenset({2}), ("V2-018", "V2-028")),
            DataType("fixed_length_utf32", "unicode strings", "U", False, frozenset({2}), ("V2-018",)),
        )
    }
)

_BLOSC_CNAMES = ["lz4", "lz4hc", "blosclz", "zstd", "snappy", "zlib"]
_REFERENCE = "zarr_conformance.fixtures.codecs"

#: v3 codecs, by name
V3_CODECS: Mapping[str, Codec] = MappingProxyType(
    {
        c.name: c
        for c in (
            Codec(
                "bytes",
                3,
                "v3 bytes",
                "array -> bytes",
                ("V3-BYTES-001", "V3-BYTES-002"),
                _config({"endian": {"enum": ["little", "big"]}}),
                f"{_REFERENCE}:Bytes",
            ),
            Codec(
                "transpose",
                3,
                "v3 transpose",
                "array -> array",
                ("V3-TRANSPOSE-001", "V3-TRANSPOSE-004"),
                _config({"order": {"type": "array", "items": {"type": "integer", "minimum": 0}}}, ["order"]),
                f"{_REFERENCE}:Transpose",
            ),
            Codec(
                "gzip",
                3,
                "v3 gzip",
                "bytes -> bytes",
                ("V3-GZIP-001", "V3-GZIP-002"),
                _config({"level": {"type": "integer", "minimum": 0, "maximum": 9}}, ["level"]),
                f"{_REFERENCE}:Gzip",
            ),
            Codec(
                "zstd",
                3,
                "v3 zstd",
                "bytes -> bytes",
                ("EXT-ZSTD-001", "EXT-ZSTD-002"),
                _config({"level": _INT, "checksum": _BOOL}),
                f"{_REFERENCE}:Zstd",
            ),
            Codec(
                "blosc",
                3,
                "v3 blosc",
                "bytes -> bytes",
                ("V3-BLOSC-001", "V3-BLOSC-002"),
                _config(
                    {
                        "cname": {"enum": _BLOSC_CNAMES},
                        "clevel": {"type": "integer", "minimum": 0, "maximum": 9},
                        "shuffle": {"enum": ["noshuffle", "shuffle", "bitshuffle"]},
                        "typesize": {"type": "integer", "minimum": 1},
                        "blocksize": {"type": "integer", "minimum": 0},
                    }
                ),
                f"{_REFERENCE}:Blosc",
            ),
            Codec(
                "crc32c",
                3,
                "v3 crc32c",
                "bytes -> bytes",
                ("V3-CRC32C-001", "V3-CRC32C-002"),
                _config({}),
                f"{_REFERENCE}:Crc32c",
            ),
            Codec(
                "sharding_indexed",
                3,
                "v3 sharding_indexed",
                "array -> bytes",
                ("V3-SHARD-001", "V3-SHARD-002"),
                _config(
                    {
                        "chunk_shape": _SHAPE,
                        "codecs": _CODEC_LIST,
                        "index_codecs": _CODEC_LIST,
                        "index_location": {"enum": ["start", "end"]},
                    },
                    ["chunk_shape", "codecs", "index_codecs"],
                ),
                f"{_REFERENCE}:ShardingIndexed",
            ),
        )
    }
)

_LEVEL = {"level": _INT}

#: v2 compressors and filters, by numcodecs id
V2_CODECS: Mapping[str, Codec] = MappingProxyType(
    {
        c.name: c
        for c in (
            Codec("zlib", 2, "v2 zlib", requirements=("V2-009",), configuration=_config({"id": {}, **_LEVEL})),
            Codec("gzip", 2, "v2 gzip", requirements=("V2-009",), configuration=_config({"id": {}, **_LEVEL})),
            Codec(
                "zstd",
                2,
                "v2 zstd",
                requirements=("V2-009",),
                configuration=_config({"id": {}, "level": _INT, "checksum": _BOOL}),
            ),
            Codec(
                "blosc",
                2,
                "v2 blosc",
                requirements=("V2-009",),
                configuration=_config(
                    {
                        "id": {},
                        "cname": {"enum": _BLOSC_CNAMES},
                        "clevel": _INT,
                        "shuffle": {"enum": [-1, 0, 1, 2]},
                        "blocksize": _INT,
                        "typesize": _INT,
                    }
                ),
            ),
            Codec(
                "lz4", 2, "v2 lz4", requirements=("V2-009",), configuration=_config({"id": {}, "acceleration": _INT})
            ),
            Codec("bz2", 2, "v2 bz2", requirements=("V2-009",), configuration=_config({"id": {}, **_LEVEL})),
            Codec(
                "lzma",
                2,
                "v2 lzma",
                requirements=("V2-009",),
                configuration=_config({"id": {}, "format": _INT, "check": _INT, "preset": {}, "filters": {}}),
            ),
            Codec(
                "delta",
                2,
                "v2 delta",
                requirements=("V2-012",),
                configuration=_config({"id": {}, "dtype": {"type": "string"}, "astype": {"type": "string"}}),
            ),
            Codec(
                "shuffle",
                2,
                "v2 shuffle",
                requirements=("V2-012",),
                configuration=_config({"id": {}, "elementsize": _INT}),
            ),
        )
    }
)

_SEPARATOR = {"separator": {"enum": ["/", "."]}}

#: v3 chunk key encodings, by name
CHUNK_KEY_ENCODINGS: Mapping[str, Extension] = MappingProxyType(
    {
        e.name: e
        for e in (
            Extension("default", "v3 chunk key encoding default", ("V3-CKE-001", "V3-CKE-003"), _config(_SEPARATOR)),
            Extension("v2", "v3 chunk key encoding v2", ("V3-CKE-005", "V3-CKE-006"), _config(_SEPARATOR)),
        )
    }
)

#: v3 chunk grids, by name
CHUNK_GRIDS: Mapping[str, Extension] = MappingProxyType(
    {
        e.name: e
        for e in (
            Extension(
                "regular",
                "regular chunk grid",
                ("V3-GRID-001", "V3-GRID-002"),
                _config({"chunk_shape": _SHAPE}, ["chunk_shape"]),
            ),
        )
    }
)

#: the open-ended ``features`` an adapter may claim, with what each means
FEATURES: Mapping[str, str] = MappingProxyType(
    {
        "sharding": "reads (or writes) arrays with the sharding_indexed codec",
        "groups": "opens, lists and creates groups",
        "attributes": "reads and writes user attributes",
        "dimension_names": "reports and writes v3 dimension_names",
        "resize": "changes an array's shape",
        "consolidated_metadata": "lists a group's members from consolidated metadata",
        "fortran_order": "handles v2 arrays with order 'F'",
        "strided_selection": "reads (and writes) slices with a step other than 1",
        "negative_step_selection": "reads slices with a negative step (backwards)",
        "orthogonal_selection": "reads (and writes) per dimension integers, a mask, a slice or an integer (oindex)",
        "coordinate_selection": "reads (and writes) the points named by equal-length integer arrays (vindex)",
        "mask_selection": "reads (and writes) the elements where a boolean array of the array's shape is true",
    }
)

#: the features of the array API's selections beyond basic integers and slices (step 1)
SELECTION_FEATURES = (
    "strided_selection",
    "negative_step_selection",
    "orthogonal_selection",
    "coordinate_selection",
    "mask_selection",
)

ZARR_FORMATS = frozenset({2, 3})


def data_types(
    *, core: bool | None = None, zarr_format: int | None = None, exclude: Iterable[str] = ()
) -> frozenset[str]:
    """Data type names, optionally only core (or only extension) types or those of one format.

    ``data_types(core=True, exclude={"float16"})`` reads "all core data types except float16".
    """
    excluded = _known("data type", exclude, DATA_TYPES)
    return frozenset(
        name
        for name, t in DATA_TYPES.items()
        if (core is None or t.core == core)
        and (zarr_format is None or zarr_format in t.formats)
        and name not in excluded
    )


def v3_codecs(*, exclude: Iterable[str] = ()) -> frozenset[str]:
    """v3 codec names, except ``exclude``."""
    return frozenset(V3_CODECS) - _known("v3 codec", exclude, V3_CODECS)


def v2_codecs(*, exclude: Iterable[str] = ()) -> frozenset[str]:
    """v2 codec ids, except ``exclude``."""
    return frozenset(V2_CODECS) - _known("v2 codec", exclude, V2_CODECS)


def _known(what: str, names: Iterable[str], table: Mapping[str, Any]) -> frozenset[str]:
    names = frozenset(names)
    unknown = sorted(names - set(table))
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(map(repr, unknown))}; known: {', '.join(sorted(table))}")
    return names


def data_type_for_numpy(dtype: Any) -> DataType | None:
    """The entry of a NumPy data type (any byte order), or None when the kit has no name for it."""
    import numpy as np

    dtype = np.dtype(dtype)
    if dtype.kind in "SU":
        return _by_numpy()[dtype.kind]
    return _by_numpy().get(dtype.newbyteorder("="))


@cache
def _by_numpy() -> dict[Any, DataType]:
    import numpy as np

    return {t.numpy if t.numpy in ("S", "U") else np.dtype(t.numpy): t for t in DATA_TYPES.values()}


#: what each ``Capabilities`` field may hold
CAPABILITY_VALUES: Mapping[str, frozenset[Any]] = MappingProxyType(
    {
        "read_formats": ZARR_FORMATS,
        "write_formats": ZARR_FORMATS,
        "dtypes": frozenset(DATA_TYPES),
        "codecs": frozenset(V3_CODECS),
        "v2_codecs": frozenset(V2_CODECS),
        "chunk_key_encodings": frozenset(CHUNK_KEY_ENCODINGS),
        "features": frozenset(FEATURES),
    }
)


def schema_defs() -> dict[str, Any]:
    """JSON schema definitions of a v3 codec entry, a v2 codec entry and a chunk key encoding, from the tables.

    A document that uses them puts them under its root ``$defs`` (``V3_CODEC_REF`` points there).
    """

    def named(table: Mapping[str, Codec | Extension]) -> list[dict[str, Any]]:
        return [{"const": name} for name in table] + [
            {
                "type": "object",
                "required": ["name"],
                "additionalProperties": False,
                "properties": {
                    "name": {"const": name},
                    "configuration": dict(entry.configuration),
                    "must_understand": {"type": "boolean"},
                },
            }
            for name, entry in table.items()
        ]

    return {
        "v3_codec": {"anyOf": named(V3_CODECS)},
        "chunk_key_encoding": {"anyOf": named(CHUNK_KEY_ENCODINGS)},
        "v2_codec": {
            "anyOf": [
                {
                    "type": "object",
                    "required": ["id"],
                    "properties": {**entry.configuration["properties"], "id": {"const": name}},
                    "additionalProperties": False,
                }
                for name, entry in V2_CODECS.items()
            ]
        },
        "v3_data_type": {"enum": sorted(data_types(zarr_format=3))},
    }


def as_json() -> dict[str, Any]:
    """The whole vocabulary as plain JSON: what ``zarr-conformance vocabulary --json`` prints, and what a
    worker in another language is handed (``$ZARR_CONFORMANCE_VOCABULARY``)."""

    def codec(entry: Codec) -> dict[str, Any]:
        return {
            "family": entry.family,
            "kind": entry.kind,
            "requirements": list(entry.requirements),
            "configuration": dict(entry.configuration),
        }

    def extension(entry: Extension) -> dict[str, Any]:
        return {
            "family": entry.family,
            "requirements": list(entry.requirements),
            "configuration": dict(entry.configuration),
        }

    return {
        "data_types": {
            name: {
                "family": t.family,
                "numpy": t.numpy,
                "core": t.core,
                "formats": sorted(t.formats),
                "requirements": list(t.requirements),
            }
            for name, t in DATA_TYPES.items()
        },
        "v3_codecs": {name: codec(c) for name, c in V3_CODECS.items()},
        "v2_codecs": {name: codec(c) for name, c in V2_CODECS.items()},
        "chunk_key_encodings": {name: extension(e) for name, e in CHUNK_KEY_ENCODINGS.items()},
        "chunk_grids": {name: extension(e) for name, e in CHUNK_GRIDS.items()},
        "features": dict(FEATURES),
    }


def describe() -> list[str]:
    """The vocabulary as lines of text, one entry a line: what an adapter may claim, and what it means."""
    lines = ["data types (capability 'dtypes'):"]
    lines += [
        f"  {n:20} {t.family:18} v{'/v'.join(map(str, sorted(t.formats))):5} {' '.join(t.requirements)}"
        for n, t in DATA_TYPES.items()
    ]
    for title, table in (
        ("v3 codecs (capability 'codecs')", V3_CODECS),
        ("v2 codecs (capability 'v2_codecs')", V2_CODECS),
    ):
        lines.append(f"{title}:")
        lines += [f"  {n:20} {c.kind or 'compressor/filter':18} {' '.join(c.requirements)}" for n, c in table.items()]
    lines.append("chunk key encodings (capability 'chunk_key_encodings'):")
    lines += [f"  {n:20} {' '.join(e.requirements)}" for n, e in CHUNK_KEY_ENCODINGS.items()]
    lines.append("chunk grids:")
    lines += [f"  {n:20} {' '.join(e.requirements)}" for n, e in CHUNK_GRIDS.items()]
    lines.append("features (capability 'features'):")
    lines += [f"  {n:20} {meaning}" for n, meaning in FEATURES.items()]
    return lines
