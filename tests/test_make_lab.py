"""`make lab` serves JupyterLab on 127.0.0.1, on the lessons, behind a token."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from servers import free_port, get, stop

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_jupyterlab_on_localhost_with_a_token(tmp_path):
    """The README's `make lab` answers on 127.0.0.1 only with the token and serves notebooks/."""
    port, token = free_port(), "workbook-test-token"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path), BROWSER="true",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    args = f"--no-browser --ServerApp.port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _ = get(f"{base}/api/status?token={token}")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        if status != 200:
            proc.terminate() if proc.poll() is None else None
            output = proc.stdout.read().decode(errors="replace")[-3000:]
            pytest.fail(f"JupyterLab did not answer on {base} (exit code {proc.poll()}):\n{output}")
        assert get(f"{base}/api/status")[0] == 403, "the server answers without the token"
        assert get(f"{base}/api/status?token=wrong")[0] == 403, "the server accepts a wrong token"
        code, body = get(f"{base}/api/contents?token={token}")
        names = {item["name"] for item in json.loads(body)["content"]}
        assert code == 200 and "01-univariate" in names, f"the lab does not open on notebooks/: {names}"
        code, _ = get(f"{base}/lab?token={token}")
        assert code == 200, "the JupyterLab page does not load"
        (info,) = [json.loads(p.read_text()) for p in tmp_path.glob("jpserver-*.json")]
        assert info["hostname"] == "127.0.0.1", f"the server is bound to {info['hostname']}"
    finally:
        stop(proc)
        proc.stdout.close()
