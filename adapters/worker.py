"""Host any in-process adapter as a protocol worker: ``python -m zarr_conformance.adapters.worker SPEC``.

``SPEC`` is what ``--zarr-impl`` takes (a built-in name or ``package.module:Class``). The
worker answers requests on stdin with responses on stdout, one JSON document per line;
whatever the implementation prints goes to stderr so it cannot corrupt the protocol.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from . import protocol
from .arrayspec import ArraySpec
from .base import Adapter, NotSupported
from .selection import Selection


def _handlers(adapter: Adapter) -> dict[str, Callable[[dict[str, Any]], Any]]:
    def store(args: dict[str, Any]) -> Path:
        return Path(args["store"])

    return {
        "open_array": lambda a: protocol.encode_array_info(adapter.open_array(store(a), a["path"])),
        "read": lambda a: _read(adapter, store(a), a),
        "create_array": lambda a: adapter.create_array(store(a), a["path"], ArraySpec.from_json(a["spec"])),
        "write": lambda a: adapter.write(
            store(a), a["path"], Selection.from_json(a["selection"]), protocol.load_npy(Path(a["data"]))
        ),
        "resize": lambda a: adapter.resize(store(a), a["path"], tuple(a["shape"])),
        "create_group": lambda a: adapter.create_group(store(a), a["path"], a["zarr_format"], a["attributes"]),
        "open_group": lambda a: protocol.encode_group_info(adapter.open_group(store(a), a["path"])),
        "list_members": lambda a: adapter.list_members(store(a), a["path"], a.get("consolidated", False)),
        "set_attributes": lambda a: adapter.set_attributes(store(a), a["path"], a["attributes"]),
    }


def _read(adapter: Adapter, store: Path, args: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    data = adapter.read(store, args["path"], Selection.from_json(args["selection"]))
    if not isinstance(data, np.ndarray):
        raise TypeError(f"the adapter's read returned {type(data).__name__}, not a NumPy array")
    protocol.save_npy(data, Path(args["out"]))
    return {"npy": args["out"]}


def serve(adapter: Adapter, requests: TextIO, responses: TextIO) -> None:
    def send(document: dict[str, Any]) -> None:
        responses.write(json.dumps(document) + "\n")
        responses.flush()

    send(
        {
            "protocol": protocol.PROTOCOL,
            "protocol_version": protocol.PROTOCOL_VERSION,
            "name": adapter.name,
            "version": adapter.version(),
            "capabilities": adapter.capabilities.to_dict(),
        }
    )
    handlers = _handlers(adapter)
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        if request.get("verb") == "shutdown":
            send({"id": request.get("id"), "result": None})
            break
        try:
            handler = handlers[request["verb"]]
            send({"id": request["id"], "result": handler(request.get("args", {}))})
        except NotSupported as exc:
            send(
                {"id": request.get("id"), "error": {"type": "NotSupported", "message": str(exc), "not_supported": True}}
            )
        except Exception as exc:
            send({"id": request.get("id"), "error": {"type": type(exc).__name__, "message": str(exc)}})
    adapter.close()


def main(argv: list[str] | None = None) -> int:
    from .registry import load_adapter

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m zarr_conformance.adapters.worker ADAPTER", file=sys.stderr)
        return 2
    # keep the protocol channel for ourselves; library output goes to stderr
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(load_adapter(argv[0]), sys.stdin, channel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
