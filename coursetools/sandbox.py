"""Execute one sanitized submission in a sandboxed kernel: the grading worker.

:func:`execute_submission` is what a grading worker runs, in a local process
pool or on a Dask cluster. It receives a notebook that the parent has already
sanitized with nbgrader's own preprocessors (test cells restored from the
gradebook), and returns the executed notebook plus a list of events
(:mod:`coursetools.events`): what the grader noticed (a timeout, a dead
kernel, a replaced ``numpy.allclose``, an attempt to open the gradebook,
output on stderr). It never touches the course directory or the gradebook:
only the parent process writes grades.

The sandbox (first line)
------------------------
Each kernel runs under bubblewrap (``bwrap``), when it is installed and user
namespaces work (:func:`isolation` says why not otherwise):

* its own user, PID, IPC, UTS and network namespaces: no network at all (not
  even loopback), and it can signal no process outside its sandbox; when the
  kernel is stopped, every process it started ends with it (PID namespace,
  ``--die-with-parent``), however it detached;
* an unprivileged uid (as root: a uid of its own per worker, shown as
  ``nobody`` inside), so files of the instructor's mode 600 stay unreadable;
* the system (``/usr``, ``/etc``) and the Python environment read-only; of
  the course, only the packages the kernel imports (``helpers``) are there,
  read-only: ``submitted/``, ``autograded/``, ``feedback/``, ``solutions/``,
  the gradebook, other sandboxes and the instructor's home are not visible;
* one writable folder, a fresh size-limited tmpfs (its working folder, with
  the assignment's support files copied in), and a small tmpfs ``/tmp``;
* a clean, explicit environment (nothing of the instructor's);
* limits (``prlimit``) on address space, CPU time, processes, open files and
  file size, and a resident-memory watchdog;
* the kernel talks to this process over the ``ipc`` transport (Unix sockets
  in its own folder), so no TCP port is chosen, none can clash.

Without bubblewrap the same kernel runs *guarded only, not isolated*: every
notebook graded so gets a ``not_isolated`` event, and ``isolation="required"``
refuses to grade.

The guard (second line)
-----------------------
:mod:`coursetools.guard` runs in the kernel before the notebook: an audit
hook that refuses (and reports) access to the course folders, processes,
signals and sockets, and a command, called around each test cell, that puts
back whatever checker, ``numpy`` function or module a student replaced. A test
during which something was replaced, or whose guard reply is missing, scores
0. The guard can only lower a score, never raise one.

The score (what the parent observes)
------------------------------------
As in stock nbgrader's ``Execute`` preprocessor, an execution reply with
status ``error`` is a failure whatever the outputs say: an error output is
added when the kernel's reply says error but the outputs show none (the
traceback display switched off with ``set_custom_exc`` or a replaced
``showtraceback``), so no test cell scores better than under stock autograde.

When the kernel dies (``os._exit``, a crash, a limit) or a cell times out, that
cell gets an error output (so it scores 0), a new kernel replays the code cells
before it that are not tests, and grading continues with the next cell: the
student keeps the points of every other exercise.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import guard
from .events import Event, Kind

__all__ = ["SANDBOX_ROOT", "Limits", "execute_submission", "isolation"]

#: Every sandbox folder lives under this one; a kernel may touch only its own.
SANDBOX_ROOT = Path(tempfile.gettempdir()) / "coursetools-sandboxes"
MAX_RESTARTS = 3
MiB = 1 << 20
# Inside the sandbox the kernel is `nobody`; outside, as root, each worker gets a uid of its own
# (from this base), so that the sandboxes' process counts and files are separate.
NOBODY = 65534
UID_BASE = 200_000

_LOG = logging.getLogger("coursetools.sandbox")
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False


@dataclass(frozen=True)
class Limits:
    """Resource limits of one kernel (bytes, seconds, counts); None: no limit.

    ``memory`` is the address space (``RLIMIT_AS``, and the resident-memory
    watchdog); ``cpu`` the CPU seconds of each process; ``scratch`` the size
    of the writable working folder (a tmpfs, in the sandbox).
    """

    memory: int | None = 2 << 30
    cpu: int | None = 600
    processes: int = 64
    files: int = 256
    file_size: int = 64 * MiB
    scratch: int = 256 * MiB


def _which(name):
    return shutil.which(name, path=os.defpath + os.pathsep + os.environ.get("PATH", ""))


@functools.cache
def isolation() -> str | None:
    """None when kernels can run in the bubblewrap sandbox here, else why not (one line, for the report).

    Tries it once per process: a sandboxed Python that imports ``ipykernel`` and ``numpy``.
    """
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if _which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    if _which("prlimit") is None:
        return "prlimit (util-linux) is not installed"
    if os.geteuid() == 0 and _which("setpriv") is None:
        return "setpriv (util-linux) is not installed: running as root, the kernel could not drop to another uid"
    SANDBOX_ROOT.mkdir(parents=True, exist_ok=True)
    box = _Box.create(Limits(memory=None, cpu=30))
    try:
        cmd = box.wrap([sys.executable, "-c", "import ipykernel, numpy; print('ok')"])
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=box.root,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"the sandbox could not start: {exc}"
        if proc.returncode != 0 or proc.stdout.strip() != "ok":
            why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            return f"the sandbox could not start Python ({sys.executable}): {why[:200]}"
        return None
    finally:
        box.remove()


def _mpl_fontlists() -> list[Path]:
    """matplotlib's font cache, copied into each sandbox (building it there would take seconds and warn).

    Built here first when missing (a fresh ``HOME``): in the kernel, building it runs ``fc-list``, which the
    guard would report against the student.
    """
    try:
        import matplotlib
        import matplotlib.font_manager  # loads the cache, or builds and writes it
    except ImportError:
        return []
    return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))


def _packages(names) -> list[Path]:
    """Folders of the importable top-level packages ``names`` that live outside the Python installation."""
    import importlib.util

    inside = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path("/usr")}
    out = []
    for name in dict.fromkeys(n.removesuffix(".*").split(".")[0] for n in names):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or spec.origin in (None, "built-in", "frozen"):
            continue
        where = Path(spec.submodule_search_locations[0] if spec.submodule_search_locations else spec.origin)
        where = where.resolve()
        if not any(where.is_relative_to(p) for p in inside):
            out.append(where)
    return out


@dataclass
class _Box:
    """One kernel's folder on this machine: ``conn/`` (connection file, sockets, guard files), ``seed/``
    (support files and font cache, copied into the working folder at start) and ``work/`` (its working
    folder: in the sandbox, a size-limited tmpfs mounted there)."""

    root: Path
    limits: Limits
    isolated: bool
    uid: int | None  # the uid outside the sandbox when we drop from root, else None
    watch: tuple = guard.DEFAULT_WATCH

    @classmethod
    def create(cls, limits: Limits, *, isolated: bool = True, watch=guard.DEFAULT_WATCH, parent=None) -> _Box:
        """A new box in ``parent`` (a folder under :data:`SANDBOX_ROOT`: ``grade``'s folder for one run)."""
        root = Path(tempfile.mkdtemp(prefix="run-", dir=parent or SANDBOX_ROOT))
        uid = UID_BASE + os.getpid() % 60_000 if isolated and os.geteuid() == 0 else None
        for sub in ("conn", "seed", "seed/files", "seed/mpl", "work"):
            (root / sub).mkdir()
        box = cls(root=root, limits=limits, isolated=isolated, uid=uid, watch=tuple(watch))
        box.give(root, root / "conn", root / "work")
        return box

    conn = property(lambda self: self.root / "conn")
    seed = property(lambda self: self.root / "seed")
    work = property(lambda self: self.root / "work")

    def give(self, *paths):
        """Make ``paths`` the sandbox user's (as root), so that the unprivileged kernel can use them."""
        if self.uid is not None:
            for p in paths:
                os.chown(p, self.uid, self.uid)

    def env(self) -> dict:
        """The kernel's whole environment: explicit, nothing inherited from the instructor."""
        bindir = str(Path(sys.executable).parent)
        tmp = "/tmp" if self.isolated else str(self.root / "seed")
        return {"PATH": os.pathsep.join([bindir, "/usr/local/bin", "/usr/bin", "/bin"]), "HOME": str(self.work),
                "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": tmp if self.isolated else str(self.work),
                "IPYTHONDIR": f"{tmp}/ipython", "MPLCONFIGDIR": f"{tmp}/matplotlib",
                "MPLBACKEND": "module://matplotlib_inline.backend_inline", "NBGRADER_EXECUTION": "autograde",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "PYDEVD_DISABLE_FILE_VALIDATION": "1", "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONNOUSERSITE": "1"}

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` as run in this box: under bwrap and prlimit when isolated, unchanged otherwise."""
        if not self.isolated:
            return list(argv)
        lim = self.limits
        limits = [f"--nproc={lim.processes}", f"--nofile={lim.files}", f"--fsize={lim.file_size}", "--core=0"]
        if lim.memory:
            limits.append(f"--as={lim.memory}")
        if lim.cpu:
            limits.append(f"--cpu={lim.cpu}")
        cmd = []
        if self.uid is not None:  # root: drop to the box's own uid before anything else
            cmd += ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--"]
        cmd += ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--clearenv",
                "--ro-bind", "/usr", "/usr"]
        for link in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
            if os.path.islink(link):
                cmd += ["--symlink", os.readlink(link), link]
            elif os.path.isdir(link):
                cmd += ["--ro-bind", link, link]
        cmd += ["--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
                "--size", str(64 * MiB), "--tmpfs", "/tmp"]
        python = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.prefix)}
        for p in sorted(python | set(_packages(self.watch))):
            if not str(p).startswith("/usr"):
                cmd += ["--ro-bind", str(p), str(p)]
        cmd += ["--bind", str(self.conn), str(self.conn), "--ro-bind", str(self.seed), str(self.seed),
                "--size", str(lim.scratch), "--tmpfs", str(self.work), "--chdir", str(self.work),
                "--uid", str(NOBODY), "--gid", str(NOBODY), "--hostname", "sandbox"]
        for k, v in self.env().items():
            cmd += ["--setenv", k, v]
        return [*cmd, "--", "prlimit", *limits, "--", *argv]

    def setup_code(self) -> str:
        """The first cell: copy the support files and the font cache in, make the folders the kernel writes."""
        env = self.env()
        return ("import os as _o, shutil as _s\n"
                f"_s.copytree({str(self.seed / 'files')!r}, {str(self.work)!r}, dirs_exist_ok=True)\n"
                f"_o.makedirs({env['MPLCONFIGDIR']!r}, exist_ok=True)\n"
                f"for _f in _o.listdir({str(self.seed / 'mpl')!r}):\n"
                f"    _s.copy(_o.path.join({str(self.seed / 'mpl')!r}, _f), {env['MPLCONFIGDIR']!r})\n"
                "del _o, _s\n")

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


def _kernel_manager_class():
    from jupyter_client.manager import AsyncKernelManager

    # nbclient's own default is the async manager: its clients do not block the event loop, so that the
    # cell timeout and the dead-kernel check keep running while a cell does.
    class SandboxedKernelManager(AsyncKernelManager):
        """A kernel manager whose kernel command runs in a :class:`_Box` (set as ``box`` before start)."""

        box = None

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            if self.box is not None:
                self.box.give(self.connection_file)  # written just before, mode 600: the kernel must read it
                cmd = self.box.wrap(cmd)
            return cmd

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            # bubblewrap's --die-with-parent is set once bwrap runs: a worker killed between the fork and that
            # moment would leave the kernel behind. The child asks for SIGKILL with its parent before exec
            # (kept across exec) and gives up if the parent is already gone.
            kw.setdefault("preexec_fn", _die_with(os.getpid()))
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return SandboxedKernelManager


def _die_with(parent: int):
    """A ``preexec_fn``: the child gets SIGKILL when ``parent`` dies, and exits if it died already."""
    prctl = None
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: nothing is imported in the child

    def preexec():
        if prctl is not None:
            prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
        if os.getppid() != parent:
            os._exit(1)

    return preexec


def _cell(source):
    return nbformat.v4.new_code_cell(source)


def _error(ename, evalue):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _on_cell_executed(cell, cell_index, execute_reply, **_):
    """Stock nbgrader's ``Execute.on_cell_executed``: an error reply is an error output, whatever was shown."""
    content = execute_reply.get("content", {})
    if content.get("status") != "error":
        return
    if not any(o.output_type == "error" and o.get("ename") == content.get("ename") for o in cell.get("outputs", [])):
        out = nbformat.v4.new_output("error", ename=content.get("ename") or "Error",
                                     evalue=content.get("evalue") or "",
                                     traceback=content.get("traceback") or
                                     ["ERROR: An error occurred while showtraceback was disabled"])
        cell.setdefault("metadata", {})["coursetools_error_reply"] = True
        cell.outputs.append(out)


class _Kernel:
    """One sandboxed, guarded kernel: start, run cells, enforce limits, stop."""

    def __init__(self, nb, *, box: _Box, timeout: float, protected):
        from nbclient import NotebookClient

        self.box = box
        self.client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=False,
            shutdown_kernel="immediate", record_timing=False, log=_LOG,
            kernel_manager_class=_kernel_manager_class(), on_cell_executed=_on_cell_executed,
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            resources={"metadata": {"path": str(box.work)}})
        self.out_of_memory = False
        self._stop = threading.Event()
        self._ctx = None
        # The guard's command gets a random name and signs its replies with a key the kernel reads from a
        # file (then deletes), so that a student's code cannot simply define a look-alike that reports nothing.
        self.name, self.key = f"_ct_{secrets.token_hex(6)}", secrets.token_hex(16)
        key_file = box.conn / "guard.key"
        key_file.write_text(self.key, encoding="ascii")
        key_file.chmod(0o600)
        box.give(key_file)
        self.guard = box.setup_code() + guard.kernel_code(
            self.name, protected=[str(p) for p in protected], own=str(box.work), sandboxes=str(SANDBOX_ROOT),
            log=str(box.conn / "guard.log"), key_file=str(key_file), watch=list(box.watch))

    def start(self):
        km = self.client.km = self.client.create_kernel_manager()
        km.box = self.box
        km.transport, km.ip = "ipc", str(self.box.conn / "kernel")
        km.connection_file = str(self.box.conn / "kernel.json")
        self._ctx = self.client.setup_kernel(env=self.box.env(), cwd=str(self.box.work),
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._ctx.__enter__()
        pid = km.provisioner.pid
        memory = self.box.limits.memory
        if memory:
            import psutil

            if not self.box.isolated:  # in the sandbox, prlimit has set it
                with contextlib.suppress(psutil.Error, OSError):
                    psutil.Process(pid).rlimit(psutil.RLIMIT_AS, (memory, memory))
            threading.Thread(target=self._watch, args=(pid, memory), daemon=True).start()
        setup = _cell(self.guard)
        self.aux(setup)
        errors = [o for o in setup.outputs if o.output_type == "error"]
        if errors:
            raise RuntimeError(f"the grader's kernel setup failed: {errors[0].ename}: {errors[0].evalue}")

    def _watch(self, pid, memory):
        import psutil

        try:
            proc = psutil.Process(pid)
            while not self._stop.wait(0.2):
                rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                if rss > memory:
                    self.out_of_memory = True
                    proc.kill()
                    return
        except psutil.Error:
            return

    def run(self, cell, index, *, store_history=True):
        return self.client.execute_cell(cell, index, store_history=store_history)

    def aux(self, cell, index=0):
        """Run a cell of the grader's (not the notebook's); nbclient stores it at ``index``, so put that back."""
        cells = self.client.nb.cells
        keep = cells[index] if cells else None
        try:
            return self.client.execute_cell(cell, index, store_history=False) if cells else None
        finally:
            if cells:
                cells[index] = keep

    def command(self, kind):
        nonce = secrets.token_hex(8)
        cell = _cell(f"{self.name}({kind!r}, {nonce!r})")
        try:
            self.aux(cell)
        except Exception:
            return None
        text = "".join(o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stdout")
        return guard.reply(text, self.key, nonce)

    def refusals(self) -> list[str]:
        log = self.box.conn / "guard.log"
        try:
            return log.read_text(errors="replace").splitlines() if log.is_file() else []
        except OSError:
            return []

    def stop(self):
        self._stop.set()
        if self._ctx is not None:
            with contextlib.suppress(Exception):
                self._ctx.__exit__(None, None, None)
            self._ctx = None


def execute_submission(job: dict) -> dict:
    """Execute one sanitized notebook in a sandboxed, guarded kernel.

    Parameters
    ----------
    job : dict
        ``notebook`` (the sanitized notebook, JSON text), ``timeout`` (seconds
        per cell), ``memory`` (bytes for the kernel, or None), ``protected``
        (paths the kernel may not touch), ``files`` (``{relative path: bytes}``
        put next to the notebook: the assignment's support files), ``watch``
        (module names the guard watches), ``isolation`` (``"auto"``: sandbox
        when possible; ``"required"``: fail rather than run unsandboxed;
        ``"off"``: guarded only), ``sandbox_dir`` (optional: the folder, under :data:`SANDBOX_ROOT`, to
        make the kernel's folder in), ``fixtures`` (optional: the full hidden fixture's cases, kept in this
        process; ``files`` then holds it stripped, and the hidden tests' fixture checks are compared here)
        and ``key`` (returned unchanged).

    Returns
    -------
    dict
        ``key``, ``notebook`` (the executed notebook, JSON text), ``events``
        (list of :class:`~coursetools.events.Event` as dicts), ``hidden_outputs``
        (``{grade_id: what its hidden tests printed}``, for the instructor only), ``compared``
        (``{grade_id: "parent" | "kernel" | "mixed"}``: where each cell's hidden tests were compared),
        ``isolated`` (bool) and ``seconds``.
    """
    start = time.perf_counter()
    nb = nbformat.reads(job["notebook"], as_version=4)
    events: list[Event] = []
    mode = job.get("isolation", "auto")
    why = isolation() if mode != "off" else "isolation switched off (--isolation off)"
    if why and mode == "required":
        raise RuntimeError(f"the sandbox is required but not available: {why}")
    if why:
        events.append(Event(Kind.NOT_ISOLATED, None, f"graded guarded only, not isolated: {why}"))
    timeout = job.get("timeout", 120)
    limits = Limits(memory=job.get("memory"), cpu=job.get("cpu") or max(120, int(10 * timeout)))
    SANDBOX_ROOT.mkdir(parents=True, exist_ok=True)
    box = _Box.create(limits, isolated=why is None, watch=job.get("watch") or guard.DEFAULT_WATCH,
                      parent=job.get("sandbox_dir"))
    try:
        for rel, data in job.get("files", {}).items():  # the instructor's support files, not the student's
            target = box.seed / "files" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for f in _mpl_fontlists():
            shutil.copy(f, box.seed / "mpl")
        for p in box.seed.rglob("*"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        box.seed.chmod(0o755)
        for cell in nb.cells:  # set by the grader only (_run_test), never taken from a submission
            cell.get("metadata", {}).pop("coursetools_compared", None)
            cell.get("metadata", {}).pop("coursetools_forged", None)
        refused, hidden = _execute(nb, box, job, events)
        for line in dict.fromkeys(refused):
            events.append(Event(Kind.SANDBOX, None, line))
    finally:
        box.remove()
    compared = {_name(c, i): c.metadata.pop("coursetools_compared") for i, c in enumerate(nb.cells)
                if "coursetools_compared" in c.get("metadata", {})}
    events += [Event(Kind.FORGED, _name(c, i), c.metadata.pop("coursetools_forged") + "; the test scores 0")
               for i, c in enumerate(nb.cells) if "coursetools_forged" in c.get("metadata", {})]
    return {"key": job.get("key"), "notebook": nbformat.writes(nb), "events": [e.to_dict() for e in events],
            "hidden_outputs": hidden, "compared": compared, "isolated": why is None,
            "seconds": time.perf_counter() - start}


def _name(cell, index):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"


def _is_test(cell):
    """An auto-graded test cell (not a manually graded answer, which is ``grade`` and ``solution`` both)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def _execute(nb, box: _Box, job: dict, events: list) -> tuple[list[str], dict]:
    """Run the notebook's code cells in order, restarting the kernel when it dies.

    Returns the guard's log lines (refusals, notes) and ``{grade_id: what its hidden tests printed}``.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    def note(kind, index, detail):
        events.append(Event(kind, _name(nb.cells[index], index) if index is not None else None, detail))

    opts = dict(box=box, timeout=job.get("timeout", 120), protected=job.get("protected", []))
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    hidden = {}
    kernel = _Kernel(nb, **opts)
    kernel.start()
    refused = []
    restarts, pos = 0, 0
    try:
        while pos < len(code):
            i = code[pos]
            cell = nb.cells[i]
            test = _is_test(cell)
            try:
                before = kernel.command("before") if test else {"changed": []}
                if before is None:
                    note(Kind.TAMPERING, i, "the grader's integrity check was tampered with before this test")
                elif before["changed"]:
                    note(Kind.TAMPERING, i, "replaced before this test, restored by the grader: "
                         + ", ".join(before["changed"]))
                if test:
                    _run_test(kernel, cell, i, hidden, job.get("fixtures"))
                else:
                    kernel.run(cell, i)
                if cell.get("metadata", {}).pop("coursetools_error_reply", False):
                    note(Kind.ERROR_REPLY, i, "the kernel replied error but the outputs showed none "
                         "(traceback display switched off?): scored as the error it is")
                if test:
                    reply = kernel.command("after") if before is not None else None
                    if reply is None:
                        note(Kind.TAMPERING, i, "the grader's integrity check could not run: the test scores 0")
                        cell.outputs.append(_error("GraderIntegrityError", "the integrity check failed to run"))
                    elif reply["changed"] or reply.get("threads"):
                        what = ", ".join(reply["changed"] + [f"thread {t}" for t in reply.get("threads", [])])
                        note(Kind.TAMPERING, i, f"replaced or running while this test ran: {what}; the test scores 0")
                        cell.outputs.append(_error("GraderIntegrityError", f"{what} during the test"))
                pos += 1
                continue
            except CellTimeoutError:
                cell.outputs.append(_error("CellTimeoutError", f"the cell ran longer than {opts['timeout']} s"))
                note(Kind.TIMEOUT, i, f"ran longer than {opts['timeout']} s; the kernel was stopped")
            except DeadKernelError:
                why = "memory limit exceeded" if kernel.out_of_memory else "the kernel died"
                cell.outputs.append(_error("DeadKernelError", f"{why} while this cell ran"))
                note(Kind.MEMORY if kernel.out_of_memory else Kind.KERNEL_DIED, i, f"{why} while this cell ran")
            # The kernel is gone or stuck: start another, replay the non-test cells before this one; if the
            # replay fails, once more in a fresh kernel before giving up.
            refused += kernel.refusals()
            kernel.stop()
            pos += 1
            restarts += 1
            kernel, why = None, f"the kernel failed {restarts} times"
            if restarts <= MAX_RESTARTS:
                kernel, failed = _restart(nb, code[:pos - 1], opts)
                if kernel is None:
                    note(Kind.KERNEL_DIED, failed, "the kernel died while this cell was replayed after a restart; "
                         "replayed again in a fresh kernel")
                    kernel, failed = _restart(nb, code[:pos - 1], opts)
                    why = "the replay after a restart failed twice"
            if kernel is None:
                _give_up(nb, code[pos:], why, note)
                return refused, hidden
        _note_violations(kernel.command("final"), events)
    finally:
        if kernel is not None:
            refused += kernel.refusals()
            kernel.stop()
        _stderr_to_stdout(nb, events)
        _remove_leaks(nb, events)
    return refused, hidden


_BEGIN_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*$", re.M)
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
HIDDEN_FAILED = "a hidden test failed (its message is shown to the instructor only)"


def _split(source: str):
    """A test cell's source as (the part the student was given, the hidden tests from their first line on)."""
    m = _BEGIN_HIDDEN.search(source)
    return (source, None) if m is None else (source[:m.start()], source[m.start():])


def _run_test(kernel, cell, index, hidden: dict, fixtures: dict | None = None):
    """Run a test cell as two requests: what the student saw, then (if that passed) its hidden tests.

    Together they do what the one cell does under stock autograde (the hidden tests run only when the
    visible part raised nothing), but the hidden source is never in the kernel while the visible part
    runs, and what the hidden tests print stays with the instructor: the cell gets one error output, with
    the exception's name and a fixed message, when they fail; their real outputs go to ``hidden``
    (``{grade_id: text}``, kept in the grading record).

    ``fixtures`` (``{case key: encoded entry}``, the full hidden fixture, which never enters the sandbox):
    the hidden part's fixture checks only emit the student's outputs (the kernel holds the fixture
    stripped) and this process compares them (:mod:`coursetools.judge`); they pass only if the reply is
    ok and every case was emitted once and matches. How each cell was compared is left in its metadata
    (``coursetools_compared``: ``parent``, ``kernel`` or ``mixed``) for the record.
    """
    from . import judge

    visible, rest = _split(cell.source)
    if rest is None:
        kernel.run(cell, index)
        return
    the_plan = judge.plan(cell, fixtures) if fixtures else judge.IN_KERNEL
    cell.setdefault("metadata", {})["coursetools_compared"] = the_plan.how
    source = cell.source
    cell.source = visible
    try:
        kernel.run(cell, index)
    finally:
        cell.source = source
    if any(o.output_type == "error" for o in cell.outputs):
        return
    part = _cell(rest)
    try:
        kernel.aux(part, index)
    finally:
        texts, errors = [], []
        for o in part.get("outputs", []):
            if o.output_type == "stream":
                texts.append(o.text)
            elif o.output_type == "error":
                errors.append(o.ename)
                texts.append(f"{o.ename}: {o.evalue}\n")
            elif "text/plain" in o.get("data", {}):
                texts.append(o.data["text/plain"] + "\n")
        replied_error = bool(part.get("metadata", {}).get("coursetools_error_reply"))
        if not errors and not replied_error:  # in the kernel too: an emission nobody compares is a failure
            why, forged = judge.judged(the_plan, part.get("outputs", []), fixtures or {})
            if why is not None:
                errors.append("AssertionError")
                texts.append(f"AssertionError (compared by the grader): {why}\n")
                if forged:
                    cell.metadata["coursetools_forged"] = why[:300]
        hidden[_name(cell, index)] = "".join(texts)
        if errors:
            cell.outputs.append(nbformat.v4.new_output("error", ename=errors[-1], evalue=HIDDEN_FAILED,
                                                       traceback=[f"{errors[-1]}: {HIDDEN_FAILED}"]))
        if replied_error:
            cell.setdefault("metadata", {})["coursetools_error_reply"] = True


def _hidden_lines(nb) -> set[str]:
    """Every line of the notebook's hidden tests long enough to be recognised (8 characters or more)."""
    lines = set()
    for cell in nb.cells:
        if _is_test(cell):
            for block in _HIDDEN.findall(cell.source):
                lines |= {line.strip() for line in block.splitlines() if len(line.strip()) >= 8}
    return lines


_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2}){8,}")
_RUN = re.compile(r"[A-Za-z0-9+/_=-]{4,}")  # one line of a wrapped encoding


def _decodings(line: str) -> list[str]:
    """``line`` as it may hide a hidden test: reversed, and each base64 or hex run in it decoded."""
    import base64
    import binascii

    out = [line[::-1]]
    for run in _BASE64.findall(line):
        for text in (run, run.replace("-", "+").replace("_", "/")):
            for start in range(4):  # a run cut out of a longer encoding starts anywhere in a 4-character group
                chunk = text[start:]
                chunk = chunk[:len(chunk.rstrip("=")) // 4 * 4]
                with contextlib.suppress(binascii.Error, ValueError):
                    out.append(base64.b64decode(chunk, validate=True).decode("utf-8", "replace"))
    for run in _HEX.findall(line):
        for start in (0, 1):
            chunk = run[start:]
            with contextlib.suppress(ValueError):
                out.append(bytes.fromhex(chunk[:len(chunk) // 2 * 2]).decode("utf-8", "replace"))
    return out


def _quotes(line: str, hidden: set[str]) -> bool:
    """Whether ``line`` quotes a hidden-test line, verbatim, reversed, or base64- or hex-encoded."""
    if any(h in line for h in hidden):
        return True
    decoded = _decodings(line)
    return any(h in d or _fragment(h) in d for d in decoded for h in hidden)


def _fragment(line: str) -> str:
    """A recognisable middle part of a hidden line (an encoding's first and last bytes may be cut off)."""
    return line[2:-2] if len(line) >= 12 else line


CAP_LINES, CAP_CHARS = 2000, 1 << 20


def _cap(text: str) -> str:
    """``text`` cut to its first :data:`CAP_LINES` lines and :data:`CAP_CHARS` characters, saying so.

    nbgrader's ``LimitOutput`` keeps fewer lines than this when the grade is recorded; cutting here first
    keeps the search for hidden-test quotes fast however much a notebook prints (a flood of output costs
    the grader seconds, not minutes).
    """
    if len(text) <= CAP_CHARS and text.count("\n") <= CAP_LINES:
        return text
    kept = "".join(text.splitlines(True)[:CAP_LINES])[:CAP_CHARS]
    return kept + f"\n[the grader kept the first {len(kept):,} of the {len(text):,} characters of this output]\n"


def _remove_leaks(nb, events):
    """Cut out of every output each line that quotes a hidden test (a notebook that printed one, verbatim or
    reversed, base64- or hex-encoded), and report it."""
    lines = _hidden_lines(nb)
    if not lines:
        return

    def clean(text):
        text = _cap(text)
        kept = [t for t in text.splitlines(True) if not _quotes(t, lines)]
        runs = [t for t in kept if _RUN.fullmatch(t.strip())]
        if len(runs) > 1 and _quotes("".join(t.strip() for t in runs), lines):  # an encoding wrapped over lines
            kept = [t for t in kept if t not in runs]
        return "".join(kept), len(kept) != len(text.splitlines(True))

    for i, cell in enumerate(nb.cells):
        leaked = False
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if o.output_type == "stream":
                o.text, cut = clean(o.text)
            elif o.output_type == "error":
                o.evalue, cut = clean(o.evalue)
                tb = [clean(t) for t in o.get("traceback", [])]
                o.traceback, cut = [t for t, _ in tb], cut or any(c for _, c in tb)
            else:
                cut = False
                for mime, value in o.get("data", {}).items():
                    if isinstance(value, str) and mime.startswith("text/"):
                        o.data[mime], c = clean(value)
                        cut = cut or c
            leaked = leaked or cut
        if leaked:
            events.append(Event(Kind.LEAK, _name(cell, i), "an output quoted hidden tests: those lines were removed"))


def _restart(nb, before, opts):
    """A fresh guarded kernel that has re-run the non-test code cells ``before``.

    Returns ``(kernel, None)``, or ``(None, index)`` if that failed (``index``: the cell being replayed,
    None when the kernel did not start).
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    (opts["box"].conn / "guard.log").unlink(missing_ok=True)
    kernel = _Kernel(nb, **opts)
    current = None
    try:
        kernel.start()
        for j in before:
            if not _is_test(nb.cells[j]):
                current = j
                kernel.aux(_cell(nb.cells[j].source), j)
    except (CellTimeoutError, DeadKernelError, RuntimeError):
        kernel.stop()
        return None, current
    return kernel, None


def _give_up(nb, lost, why: str, note):
    """Score 0 on the code cells ``lost`` (indices), never run; one event per graded cell lost, and one in all."""
    names = []
    for j in lost:
        nb.cells[j].outputs = [_error("NotExecuted", f"not run: {why}")]
        if nb.cells[j].get("metadata", {}).get("nbgrader", {}).get("grade"):
            names.append(_name(nb.cells[j], j))
            note(Kind.GAVE_UP, j, f"not run ({why}): its points are lost")
    note(Kind.GAVE_UP, None, f"stopped: {why}; not run: {', '.join(names) or 'no graded cell'}")


def _note_violations(reply, events):
    if not reply:
        return
    for name in reply.get("changed", []):
        events.append(Event(Kind.TAMPERING, None, f"{name} replaced after the last test"))


def _stderr_to_stdout(nb, events):
    """Stderr in a test cell does not fail it here (stock nbgrader scores it 0): it is relabelled and reported.

    Only a cell whose execution succeeded is relabelled (a failed one scores 0 anyway). Also reports every cell
    that ran out of memory (a ``MemoryError`` under the address-space limit).
    """
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(o.output_type == "error" and o.ename == "MemoryError"
                                            for o in cell.get("outputs", [])):
            events.append(Event(Kind.MEMORY, _name(cell, i), "MemoryError: over the memory limit"))
        if not _is_test(cell):
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                out.name = "stdout"
                out.text = "".join(f"[stderr] {line}" for line in out.text.splitlines(True))
                events.append(Event(Kind.STDERR, _name(cell, i),
                                    "wrote to stderr (stock nbgrader would score this test 0)"))


if __name__ == "__main__":  # pragma: no cover - manual check: python -m coursetools.sandbox nb.ipynb
    print("sandbox:", isolation() or "available")
    result = execute_submission({"notebook": Path(sys.argv[1]).read_text(), "timeout": 30, "memory": 2 << 30})
    print(json.dumps(result["events"], indent=1), f"{result['seconds']:.2f} s")
