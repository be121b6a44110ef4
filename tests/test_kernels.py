"""Every kernel the project starts talks over Unix sockets (ipc), so many can start at once without a port race."""

from __future__ import annotations

import gc
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import nbval.kernel
import pytest
from jupyter_client import AsyncKernelManager
from traitlets.config import PyFileConfigLoader

from coursetools import kernels
from coursetools import notebooks as nbs

ROOT = Path(__file__).resolve().parent.parent
KERNELS = 12

# Run in the kernel: its process id and the transport and address of the connection it was started with.
REPORT = ("import json, os\nfrom ipykernel import get_connection_info\ninfo = get_connection_info(unpack=True)\n"
          "print(json.dumps({'pid': os.getpid(), 'transport': info['transport'], 'ip': info['ip']}))")


def _report(nb) -> dict:
    (out,) = nb.cells[0].outputs
    return json.loads(out.text)


def test_many_kernels_started_at_once_all_run_over_ipc(tmp_path):
    """12 notebooks executed concurrently by coursetools.notebooks.execute: every kernel starts, runs, uses ipc."""
    def run(i):
        cwd = tmp_path / f"nb{i}"
        cwd.mkdir()
        return nbs.execute(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REPORT)]), cwd=cwd)

    with ThreadPoolExecutor(max_workers=KERNELS) as pool:
        reports = [_report(nb) for nb in pool.map(run, range(KERNELS))]
    assert [r["transport"] for r in reports] == ["ipc"] * KERNELS
    assert len({r["pid"] for r in reports}) == KERNELS, "expected one kernel process per notebook"
    assert len({r["ip"] for r in reports}) == KERNELS, "expected one socket prefix per kernel"
    left = [p for r in reports for p in Path(r["ip"]).parent.glob(Path(r["ip"]).name + "-*")]
    assert not left, f"socket files left after the kernels stopped: {left}"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # nbval never closes its /dev/null
def test_nbval_starts_its_kernels_over_ipc(tmp_path):
    """nbval's kernel (replaced in the root conftest.py) is started with the ipc transport and runs code."""
    kernel = nbval.kernel.RunningKernel("python3", cwd=str(tmp_path))
    try:
        assert kernel.km.transport == "ipc"
        assert Path(kernel.km.ip).is_absolute(), f"ipc socket prefix {kernel.km.ip!r} is relative to the cwd"
        msg_id = kernel.execute_cell_input(REPORT, allow_stdin=False)
        kernel.await_idle(msg_id, 60)
    finally:
        kernel.stop()
        del kernel
        gc.collect()  # nbval's unclosed /dev/null is reported now, in this test, and ignored


def test_nbgrader_config_gives_autograde_ipc_kernels():
    """nbgrader_config.py gives nbgrader's Execute preprocessor (autograde) ipc kernels with an absolute prefix."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    # nbgrader's Execute creates an AsyncKernelManager with its config (nbclient's create_kernel_manager)
    km = AsyncKernelManager(kernel_name="python3", config=config)
    assert km.transport == "ipc" and Path(km.ip).is_absolute()
    again = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert again.KernelManager.ip != config.KernelManager.ip, "two nbgrader processes would share a prefix"


def test_each_kernel_gets_its_own_absolute_socket_prefix():
    """Two kernel managers never share a socket prefix, and each is an absolute path."""
    a, b = kernels.IPCKernelManager(), kernels.AsyncIPCKernelManager()
    assert a.ip != b.ip
    assert Path(a.ip).is_absolute() and Path(b.ip).is_absolute()


def test_a_config_that_chooses_tcp_keeps_a_tcp_address():
    """transport="tcp" given explicitly gives jupyter_client's local TCP address, not a socket path."""
    km = kernels.IPCKernelManager(transport="tcp")
    assert km.ip in ("127.0.0.1", "localhost")


def test_a_temporary_folder_too_long_for_a_socket_path_is_refused(monkeypatch):
    """A TMPDIR too long for a Unix socket path gets an error naming the folder and the limit."""
    monkeypatch.setattr(tempfile, "tempdir", "/tmp/" + "x" * 120)
    with pytest.raises(RuntimeError, match=r"too long for a Unix socket path.*set TMPDIR"):
        kernels.socket_prefix()
