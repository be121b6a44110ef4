"""The local grading pool: worker processes that end with ``grade``, and one folder per run for their sandboxes.

``coursetools grade`` runs its workers in a :class:`concurrent.futures.ProcessPoolExecutor` started by
multiprocessing's forkserver (:func:`context`). So that no process outlives the run, however it ends:

* the forkserver leaves the terminal's process group, so Ctrl-C reaches ``grade`` alone, which then ends
  the workers itself (:func:`end_workers`); and it gets SIGKILL when ``grade`` dies, even by SIGKILL
  (Linux's ``PR_SET_PDEATHSIG``, set as the forkserver imports :mod:`coursetools._forkserver`);
* every worker ignores SIGINT and gets SIGKILL when the forkserver dies (:func:`worker_init`); the
  sandboxed kernels run under bubblewrap's ``--die-with-parent``, so they end with their worker; the
  resource tracker ends when the last of them has closed its pipe;
* each run's sandbox folders live in one folder (:class:`RunFolder`), removed at the end of the run, also
  after a worker was killed; if ``grade`` itself was killed, the next run removes it: the folder holds a
  lock (``flock``) that the operating system releases when its process dies, however it died.

Linux sends the parent-death signal when the *thread* that started the process ends: call ``grade`` from the
main thread, or from a thread that outlives the grading (multiprocessing starts a new forkserver when the old
one is gone).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

__all__ = ["RunFolder", "context", "die_with_parent", "end_workers", "worker_init"]

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
LOCK = ".lock"
#: Set by :func:`context` to the pid of the process that starts the forkserver (read by ``_forkserver``).
PARENT_VAR = "COURSETOOLS_GRADE_PID"


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Have Linux send ``sig`` to this process when its parent dies; False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def forkserver_setup():
    """In the forkserver: a process group of its own (no Ctrl-C from the terminal), and death with ``grade``."""
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
    die_with_parent()
    if os.environ.get(PARENT_VAR) != str(os.getppid()):  # ``grade`` died before the line above
        os._exit(1)


def worker_init():
    """In each worker, before its first job: Ctrl-C is ``grade``'s to handle; end when the forkserver ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    die_with_parent()
    if os.getppid() != parent or parent == 1:  # the forkserver died before the line above
        os._exit(1)


def context():
    """multiprocessing's forkserver context, its server set up by :func:`forkserver_setup` when it starts."""
    import multiprocessing

    os.environ[PARENT_VAR] = str(os.getpid())  # the forkserver, started from here, inherits it
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["coursetools._forkserver"])
    return ctx


def end_workers(pool, timeout: float = 10.0):
    """Kill the worker processes of a ``ProcessPoolExecutor`` now (their sandboxed kernels die with them)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for p in processes:
        with contextlib.suppress(Exception):
            p.kill()
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(timeout)


class RunFolder:
    """``with RunFolder(parent) as folder:`` a fresh folder under ``parent`` for one run's sandboxes.

    On entry, the folders that earlier runs under ``parent`` left behind when they were killed (their lock
    is free) are removed; on exit, this run's folder is removed with everything in it. The folder is
    ``parent/grade-<pid>-<random>``, readable by the sandboxes' users (mode 755).
    """

    def __init__(self, parent: Path):
        self.parent = Path(parent)
        self.path: Path | None = None
        self._lock = None

    def __enter__(self) -> Path:
        self.parent.mkdir(parents=True, exist_ok=True)
        sweep(self.parent)
        new = Path(tempfile.mkdtemp(prefix=".new-", dir=self.parent))
        new.chmod(0o755)
        self._lock = open(new / LOCK, "w")  # held for the whole run
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self.path = self.parent / f"grade-{os.getpid()}-{new.name.removeprefix('.new-')}"
        new.rename(self.path)  # only ever seen by a sweep with its lock held
        return self.path

    def __exit__(self, *exc):
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        if self._lock is not None:
            self._lock.close()
        return False


def sweep(parent: Path) -> list[Path]:
    """Remove the run folders under ``parent`` whose run has ended without removing them; return them."""
    removed = []
    for folder in sorted(Path(parent).glob("grade-*")):
        try:
            fd = os.open(folder / LOCK, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # its run is alive
            os.close(fd)
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder)
        finally:
            os.close(fd)
    return removed
