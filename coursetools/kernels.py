"""Kernel managers that talk to their kernel over Unix sockets (ZeroMQ's ``ipc`` transport), not TCP ports.

With the default TCP transport, jupyter_client picks five free ports, closes
them, and writes them to the connection file; the kernel binds them a moment
later. Anything that binds a port in between (another kernel starting at the
same time, on a busy machine) makes the kernel die with ``ZMQError: Address
already in use`` and the run fail with ``Kernel died before replying to
kernel_info``. An ``ipc`` kernel binds socket files whose names are unique to
it, so there is nothing to race for.

Every kernel the project starts itself uses these: :func:`coursetools.notebooks.execute`
(tests, benchmarks), nbval's kernels (``conftest.py``) and ``nbgrader
autograde`` (``nbgrader_config.py``). jupyter_client removes the socket files
when the kernel shuts down.

>>> km = IPCKernelManager(kernel_name="python3")
>>> km.transport, km.ip.startswith(tempfile.gettempdir())
('ipc', True)
"""

from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client import AsyncKernelManager, KernelManager
from traitlets import default

__all__ = ["AsyncIPCKernelManager", "IPCKernelManager", "socket_prefix"]

# A Unix socket path is at most 107 bytes on Linux (103 on macOS); the kernel appends "-<n>".
MAX_SOCKET_PATH = 100


def socket_prefix() -> str:
    """A fresh absolute path prefix for one kernel's socket files: ``<tmp>/kernel-<32 hex digits>``.

    Absolute, because the kernel runs in the notebook's folder and the client in
    ours; unique, because two kernels with one prefix would race for its numbers.
    """
    prefix = os.path.join(tempfile.gettempdir(), f"kernel-{uuid.uuid4().hex}")
    if len(prefix) + 4 > MAX_SOCKET_PATH:
        raise RuntimeError(f"kernel sockets: the temporary folder {tempfile.gettempdir()!r} is too long for a "
                           f"Unix socket path (expected at most {MAX_SOCKET_PATH - 38} characters, received "
                           f"{len(tempfile.gettempdir())}); set TMPDIR to a shorter folder such as /tmp")
    return prefix


class _IPC:
    """Default to the ``ipc`` transport, with socket files under a fresh :func:`socket_prefix`."""

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        # The ip is the socket files' path prefix with ipc; a config that chose tcp keeps tcp's default.
        return socket_prefix() if self.transport == "ipc" else super()._ip_default()


class IPCKernelManager(_IPC, KernelManager):
    """jupyter_client's blocking ``KernelManager`` (nbval's) with the ``ipc`` transport."""


class AsyncIPCKernelManager(_IPC, AsyncKernelManager):
    """jupyter_client's ``AsyncKernelManager`` (nbclient's and nbgrader's) with the ``ipc`` transport."""
