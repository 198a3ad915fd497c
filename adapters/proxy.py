"""The kit-side proxy: a protocol worker process that looks like any in-process adapter.

A worker that crashes, hangs past its time budget or answers garbage is killed and
restarted on the next call; the call raises :class:`WorkerCrashed` or
:class:`CallTimedOut` with the worker's last stderr lines, and the run goes on.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import shlex
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import vocabulary
from ..runspec import BY_NAME
from . import protocol
from .base import Adapter, ArrayInfo, ArraySpec, Capabilities, CapabilityError, GroupInfo, NotSupported, Selection

STARTUP_TIMEOUT = 180.0
_EOF = object()


class WorkerCrashed(Exception):
    """The worker died or broke the protocol during a call."""


class CallTimedOut(Exception):
    """The worker did not answer within the call's time budget (it has been killed)."""


class RemoteError(Exception):
    """The implementation raised inside the worker; ``remote_type`` is its exception type."""

    def __init__(self, remote_type: str, message: str) -> None:
        super().__init__(message)
        self.remote_type = remote_type


class WorkerAdapter(Adapter):
    """An implementation in a worker process; the kit's vocabulary reaches it in ``$ZARR_CONFORMANCE_VOCABULARY``."""

    out_of_process = True

    def __init__(
        self,
        command: list[str],
        env: Mapping[str, str] | None = None,
        label: str | None = None,
        call_timeout: float = BY_NAME["timeout"].default,
    ) -> None:
        self.command = list(command)
        self.extra_env = dict(env or {})
        self.env = {**os.environ, **self.extra_env, "ZARR_CONFORMANCE_VOCABULARY": json.dumps(vocabulary.as_json())}
        self.label = label or " ".join(command)
        self.call_timeout = call_timeout
        self.scratch = Path(tempfile.mkdtemp(prefix="zarr-conformance-worker-"))
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[Any] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._next_id = 0
        self.restarts = 0
        self._start()

    # ---- process management -----------------------------------------------------------

    def _start(self) -> None:
        self._lines = queue.Queue()
        self._stderr = collections.deque(maxlen=20)
        self._process = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
            env=self.env,
        )
        process = self._process
        threading.Thread(target=self._pump_stdout, args=(process, self._lines), daemon=True).start()
        threading.Thread(target=self._pump_stderr, args=(process, self._stderr), daemon=True).start()
        hello = self._receive(STARTUP_TIMEOUT, "the handshake")
        if not isinstance(hello, dict) or hello.get("protocol") != protocol.PROTOCOL:
            self._kill()
            raise WorkerCrashed(
                f"worker {self.label} did not greet with the {protocol.PROTOCOL} handshake: {hello!r}{self._tail()}"
            )
        if hello.get("protocol_version") != protocol.PROTOCOL_VERSION:
            self._kill()
            raise WorkerCrashed(
                f"worker {self.label} speaks protocol version {hello.get('protocol_version')}, the kit "
                f"{protocol.PROTOCOL_VERSION}"
            )
        self.name = hello["name"]  # type: ignore[misc]  # a proxy learns its name and claims from its worker
        self._version = hello["version"]
        try:
            self.capabilities = Capabilities.from_dict(hello["capabilities"])  # type: ignore[misc]
            self.capabilities.check(f"{self.name} (worker {self.label})")
        except (CapabilityError, ValueError, TypeError) as exc:
            self._kill()
            raise WorkerCrashed(f"worker {self.label}: {exc}") from None

    @staticmethod
    def _pump_stdout(process: subprocess.Popen[str], lines: queue.Queue[Any]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(_EOF)

    @staticmethod
    def _pump_stderr(process: subprocess.Popen[str], tail: collections.deque[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            tail.append(line.rstrip("\n"))

    def _tail(self) -> str:
        lines = list(self._stderr)
        return ("; last stderr lines:\n    " + "\n    ".join(lines)) if lines else "; no stderr output"

    def _kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    def _receive(self, timeout: float, what: str) -> Any:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self._kill()
            raise CallTimedOut(
                f"worker {self.label} did not answer {what} within {timeout:g} s (killed){self._tail()}"
            ) from None
        if line is _EOF:
            code = self._process.wait() if self._process is not None else None
            self._process = None
            raise WorkerCrashed(f"worker {self.label} exited with code {code} during {what}{self._tail()}")
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            self._kill()
            raise WorkerCrashed(
                f"worker {self.label} answered {what} with garbage: {line[:200]!r}{self._tail()}"
            ) from None

    def request(self, verb: str, **args: Any) -> Any:
        if self._process is None or self._process.poll() is not None:
            self.restarts += 1
            self._start()
        self._next_id += 1
        message = {"id": self._next_id, "verb": verb, "args": args}
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(message) + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            self._kill()
            raise WorkerCrashed(f"worker {self.label} is gone (could not send {verb}){self._tail()}") from None
        answer = self._receive(self.call_timeout, verb)
        if not isinstance(answer, dict) or answer.get("id") != self._next_id:
            self._kill()
            raise WorkerCrashed(f"worker {self.label} answered {verb} out of protocol: {answer!r}")
        if "error" in answer:
            error = answer["error"]
            if error.get("not_supported"):
                raise NotSupported(error.get("message", verb))
            raise RemoteError(error.get("type", "Error"), error.get("message", ""))
        return answer.get("result")

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            try:
                self.request("shutdown")
            except (WorkerCrashed, CallTimedOut, RemoteError):
                pass
            self._kill()
        shutil.rmtree(self.scratch, ignore_errors=True)

    # ---- the adapter contract -----------------------------------------------------------

    def version(self) -> str:
        return self._version

    def set_call_timeout(self, seconds: float) -> None:
        self.call_timeout = seconds

    def _call(self, verb: str, *args: Any, **files: str) -> Any:
        """One contract call as a request: ``args`` in the contract's order, ``files`` the ``.npy`` paths."""
        return self.request(verb, **protocol.request_arguments(verb, args), **files)

    def reproduce(self, verb: str, args: tuple[Any, ...]) -> str:
        """A shell line that sends the request for ``verb(*args)`` to a fresh worker and shows its answer."""
        files = {"read": {"out": "selection.npy"}, "write": {"data": "values.npy"}}.get(verb, {})
        message = {"id": 1, "verb": verb, "args": {**protocol.request_arguments(verb, args), **files}}
        environment = [f"{key}={shlex.quote(value)}" for key, value in sorted(self.extra_env.items())]
        environment.append('ZARR_CONFORMANCE_VOCABULARY="$(zarr-conformance vocabulary --json)"')
        request = shlex.quote(json.dumps(message))
        return f"printf '%s\\n' {request} | {' '.join(environment)} {shlex.join(self.command)}"

    def open_array(self, store: Path, path: str) -> ArrayInfo:
        return protocol.decode_array_info(self._call("open_array", store, path))

    def read(self, store: Path, path: str, selection: Selection) -> np.ndarray:
        out = self.scratch / f"{uuid.uuid4().hex}.npy"
        try:
            self._call("read", store, path, selection, out=str(out))
            return protocol.load_npy(out)
        finally:
            out.unlink(missing_ok=True)

    def create_array(self, store: Path, path: str, spec: ArraySpec) -> None:
        self._call("create_array", store, path, spec)

    def write(self, store: Path, path: str, selection: Selection, data: np.ndarray) -> None:
        source = self.scratch / f"{uuid.uuid4().hex}.npy"
        protocol.save_npy(data, source)
        try:
            self._call("write", store, path, selection, data=str(source))
        finally:
            source.unlink(missing_ok=True)

    def resize(self, store: Path, path: str, shape: tuple[int, ...]) -> None:
        self._call("resize", store, path, shape)

    def create_group(self, store: Path, path: str, zarr_format: int, attributes: Mapping[str, Any]) -> None:
        self._call("create_group", store, path, zarr_format, attributes)

    def open_group(self, store: Path, path: str) -> GroupInfo:
        return protocol.decode_group_info(self._call("open_group", store, path))

    def list_members(self, store: Path, path: str, consolidated: bool = False) -> dict[str, str]:
        return self._call("list_members", store, path, consolidated)

    def set_attributes(self, store: Path, path: str, attributes: Mapping[str, Any]) -> None:
        self._call("set_attributes", store, path, attributes)
