"""Starting and stopping local servers in tests (JupyterLab in test_make_lab.py and test_browser.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    """GET ``url``; return the HTTP status and the body (empty for an error status)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""


def stop(proc: subprocess.Popen) -> None:
    """Stop ``proc``'s whole process group (it must start with ``start_new_session=True``): TERM, then KILL."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
