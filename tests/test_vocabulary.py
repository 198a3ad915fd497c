"""The vocabulary registry: one table feeds capabilities, the case schema, the reference codecs and the reports."""

from __future__ import annotations

import numpy as np
import pytest

from zarr_conformance import vocabulary
from zarr_conformance.adapters.base import Adapter, Capabilities, CapabilityError
from zarr_conformance.fixtures.cases import load_entries
from zarr_conformance.fixtures.codecs import Codec, _implementation
from zarr_conformance.fixtures.errors import CaseError


def test_a_misspelt_capability_value_is_an_error_naming_the_adapter():
    with pytest.raises(CapabilityError) as caught:

        class Typo(Adapter):
            name = "typo"
            capabilities = Capabilities.from_dict(
                {"read_formats": [3], "dtypes": ["float23", "int8"], "features": ["shardng"]}
            )

    message = str(caught.value)
    assert "Typo (typo)" in message
    assert "dtypes ['float23']" in message and "features ['shardng']" in message
    assert "float16" in message and "sharding" in message  # the known values are listed


def test_every_claim_of_the_builtin_adapters_is_known():
    from zarr_conformance.adapters.reference import ReferenceAdapter
    from zarr_conformance.adapters.zarr_python import ZarrPythonAdapter

    for adapter in (ReferenceAdapter, ZarrPythonAdapter):
        adapter.capabilities.check(adapter.name)


def test_claim_helpers_read_as_the_sentence_they_stand_for():
    assert vocabulary.data_types(core=True, exclude={"float16"}) == {
        n for n, t in vocabulary.DATA_TYPES.items() if t.core and n != "float16"
    }
    assert "fixed_bytes" in vocabulary.data_types(zarr_format=2)
    assert "fixed_bytes" not in vocabulary.data_types(zarr_format=3)
    assert vocabulary.v3_codecs(exclude={"sharding_indexed"}) == frozenset(vocabulary.V3_CODECS) - {"sharding_indexed"}
    with pytest.raises(ValueError, match=r"unknown v2 codec 'zlb'; known: .*zlib"):
        vocabulary.v2_codecs(exclude={"zlb"})


@pytest.mark.parametrize("name", sorted(vocabulary.DATA_TYPES))
def test_every_data_type_maps_to_one_numpy_type_and_back(name):
    entry = vocabulary.DATA_TYPES[name]
    dtype = np.dtype(entry.numpy + ("4" if entry.numpy in ("S", "U") else ""))
    assert vocabulary.data_type_for_numpy(dtype) is entry
    assert vocabulary.data_type_for_numpy(dtype.newbyteorder(">")) is entry
    assert entry.kind == dtype.kind


@pytest.mark.parametrize("name", sorted(vocabulary.V3_CODECS))
def test_every_v3_codec_names_its_reference_implementation(name):
    entry = vocabulary.V3_CODECS[name]
    assert entry.implementation is not None and issubclass(_implementation(entry.implementation), Codec)
    assert entry.kind in ("array -> array", "array -> bytes", "bytes -> bytes")


def _case(**overrides):
    base = {"id": "c", "format": 3, "shape": [4], "chunks": [2], "dtype": "int16", "fill_value": 0}
    return load_entries([("test.yaml", __import__("json").dumps({"cases": [{**base, **overrides}]}))])


@pytest.mark.parametrize(
    "overrides, where",
    [
        ({"dtype": "float23"}, "dtype"),
        ({"codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "gzp"}]}, "codecs/1"),
        (
            {
                "codecs": [
                    {"name": "bytes", "configuration": {"endian": "little"}},
                    {"name": "gzip", "configuration": {"level": 5, "extra": 1}},
                ]
            },
            "codecs/1",
        ),
        ({"codecs": [{"name": "bytes", "configuration": {"endian": "middle"}}]}, "codecs/0"),
        ({"chunk_key_encoding": {"name": "v3", "configuration": {"separator": "/"}}}, "chunk_key_encoding"),
        ({"format": 2, "dtype": "<i2", "compressor": {"id": "zlb", "level": 1}}, "compressor"),
    ],
)
def test_a_valid_case_may_only_use_what_the_vocabulary_knows(overrides, where):
    with pytest.raises(CaseError, match=where):
        _case(**overrides)


def test_an_invalid_case_may_use_anything():
    assert _case(dtype="float23", expect="reject", reason="unknown data type")[0].id == "c"


def test_the_vocabulary_schemas_accept_every_shipped_case():
    from zarr_conformance.fixtures.cases import load_catalogue

    assert len(load_catalogue()) > 250


def test_a_template_needing_an_unknown_feature_is_the_suite_s_error():
    from zarr_conformance.adapters.reference import ReferenceAdapter
    from zarr_conformance.fixtures.cases import load_catalogue
    from zarr_conformance.support import unsupported

    case = next(c for c in load_catalogue() if c.id == "v3-int16")
    assert unsupported(ReferenceAdapter.capabilities, case, "read", ["resize"]) == ["feature resize"]
    with pytest.raises(ValueError, match=r"unknown features \['resizing'\]"):
        unsupported(ReferenceAdapter.capabilities, case, "read", ["resizing"])


def test_the_vocabulary_command_lists_what_an_adapter_may_claim(capsys):
    import json

    from zarr_conformance.cli import main

    assert main(["vocabulary"]) == 0
    text = capsys.readouterr().out
    assert "fixed_length_utf32" in text and "sharding_indexed" in text and "strided_selection" in text
    assert main(["vocabulary", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["v3_codecs"]["gzip"]["requirements"] == list(vocabulary.V3_CODECS["gzip"].requirements)
    assert set(document["data_types"]) == set(vocabulary.DATA_TYPES)
