"""Execute one sanitized submission in a guarded kernel: the grading worker.

:func:`execute_submission` is what a grading worker runs, in a local process
pool or on a Dask cluster. It receives a notebook that the parent has already
sanitized with nbgrader's own preprocessors (test cells restored from the
gradebook), and returns the executed notebook plus a list of *events*: what
the grader noticed (a timeout, a dead kernel, a replaced ``numpy.allclose``,
an attempt to open the gradebook, output on stderr). It never touches the
course directory or the gradebook: only the parent process writes grades.

The kernel
----------
* runs in a fresh temporary folder holding only the assignment's own support
  files from the source folder (as stock autograde copies them), never another
  file of the submission, so a student's ``numpy.py`` or ``helpers.py`` cannot
  shadow the real package;
* has an address-space limit (``RLIMIT_AS``) and a resident-memory watchdog;
* has a per-cell timeout: a cell that does not finish is stopped by killing
  the kernel (an interrupt can be swallowed), so ``except KeyboardInterrupt``
  cannot stall the run;
* gets a Python audit hook before any student code runs. Audit hooks cannot be
  removed; this one refuses to open, list, change or delete anything under the
  protected paths (submissions, the source notebooks with hidden tests, the
  gradebook) or any other sandbox, and refuses to start processes or open
  network connections; every refusal is recorded and reported.
* Before each test cell the grader restores every attribute of ``numpy``,
  ``numpy.testing``, ``math``, ``builtins``, ``helpers``, ``helpers.feedback``
  and every ``helpers.checks`` module (what the test cells call) that a
  student replaced (so ``numpy.allclose = lambda *a: True`` in a solution cell
  does not make the tests pass), and after each test cell it checks them again:
  a test cell during which one of them was replaced scores 0 and is reported.

When the kernel dies (``os._exit``, a crash, the memory watchdog) or a cell
times out, that cell gets an error output (so it scores 0), a new kernel
replays the code cells before it that are not tests, and grading continues
with the next cell: the student keeps the points of every other exercise.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

__all__ = ["SANDBOX_ROOT", "execute_submission"]

#: Every sandbox folder lives under this one; a kernel may touch only its own.
SANDBOX_ROOT = Path(tempfile.gettempdir()) / "coursetools-sandboxes"
MAX_RESTARTS = 3
MARK = "@@coursetools-guard@@"

_LOG = logging.getLogger("coursetools.sandbox")
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False

# Code run in the kernel before the notebook, silently. `_P` (protected paths), `_OWN` (the
# sandbox folder) and `_SBX` (the root of all sandboxes) are filled in by `_guard_code`.
_GUARD = r'''
def _coursetools_guard(_P, _OWN, _SBX, _MARK, _LOGF, _KEY):
    import builtins, hashlib, hmac, importlib, json, math, os, pkgutil, sys
    import numpy, numpy.testing, numpy.linalg
    try:
        import helpers, helpers.checks, helpers.feedback
        for _m in pkgutil.walk_packages(helpers.checks.__path__, "helpers.checks."):  # what test cells call
            try:
                importlib.import_module(_m.name)
            except Exception:
                pass
    except ImportError:
        pass
    violations = []
    busy = [False]
    norm = os.path.normpath
    def _path(a):
        if isinstance(a, (bytes, str, os.PathLike)):
            p = os.fsdecode(a)
            try:
                return norm(os.path.realpath(p))
            except Exception:
                return norm(os.path.abspath(p))
        return None
    def _denied(p):
        if p is None:
            return False
        if p == _OWN or p.startswith(_OWN + os.sep):
            return False
        if p == _SBX or p.startswith(_SBX + os.sep):
            return True
        return any(p == q or p.startswith(q + os.sep) for q in _P)
    PATH_EVENTS = {"open": 1, "os.listdir": 1, "os.scandir": 1, "os.remove": 1, "os.rmdir": 1,
                   "os.mkdir": 1, "os.chmod": 1, "os.chown": 1, "os.truncate": 1, "os.utime": 1,
                   "os.rename": 2, "os.replace": 2, "os.link": 2, "os.symlink": 2,
                   "shutil.copyfile": 2, "shutil.copytree": 2, "shutil.rmtree": 1, "shutil.move": 2,
                   "sqlite3.connect": 1, "os.chdir": 1, "glob.glob": 1}
    PROC_EVENTS = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn",
                   "os.fork", "os.forkpty", "pty.spawn", "socket.connect", "socket.sendto")
    def hook(event, args):
        if busy[0]:
            return
        n = PATH_EVENTS.get(event)
        if n is None and event not in PROC_EVENTS:
            return
        busy[0] = True
        try:
            if n is None:
                what = f"{event} {str(args[:1])[:120]}"
                bad = True
            else:
                paths = [_path(a) for a in args[:n]]
                bad = any(_denied(p) for p in paths)
                what = f"{event} {' '.join(p for p in paths if p)}"
        finally:
            busy[0] = False
        if bad:
            violations.append(what)
            busy[0] = True
            try:
                with open(_LOGF, "a") as f:
                    f.write(what + "\n")
            finally:
                busy[0] = False
            raise PermissionError(f"the grader does not allow this: {what}")
    sys.addaudithook(hook)

    watched = [builtins, math, numpy, numpy.testing, numpy.linalg]
    watched += [m for name, m in sorted(sys.modules.items())
                if m is not None and (name == "helpers" or name.startswith("helpers."))]
    snap = [(m, dict(vars(m))) for m in watched]
    # Everything the commands use is bound now, so that replacing a builtin later cannot fool them.
    _setattr, _print, _dumps, _vars, _hmac, _sha = setattr, print, json.dumps, vars, hmac.new, hashlib.sha256
    def changed():
        out = []
        for m, d in snap:
            cur = _vars(m)
            for k, v in d.items():
                if k in ("__builtins__", "_", "__", "___", "input", "raw_input", "getpass"):
                    continue  # the kernel itself rebinds these on every request
                if cur.get(k, d) is not v:
                    out.append((m, k, v))
        return out
    def command(kind, nonce):
        bad = changed()
        for m, k, v in bad:
            _setattr(m, k, v)
        payload = _dumps({"kind": kind, "nonce": nonce, "changed": [f"{m.__name__}.{k}" for m, k, _ in bad]})
        _print(_MARK + payload + "|" + _hmac(_KEY.encode(), payload.encode(), _sha).hexdigest())
    return command
{name} = _coursetools_guard({protected!r}, {own!r}, {root!r}, {mark!r}, {log!r}, {key!r})
del _coursetools_guard
'''


def _guard_code(protected, own: Path, name: str, key: str) -> str:
    code = _GUARD.replace("{name}", name).replace("{key!r}", repr(key))
    code = code.replace("{protected!r}", repr([os.path.normpath(os.path.realpath(p)) for p in protected]))
    code = code.replace("{own!r}", repr(os.path.realpath(own)))
    code = code.replace("{root!r}", repr(os.path.realpath(SANDBOX_ROOT)))
    code = code.replace("{log!r}", repr(os.path.realpath(_log_path(own))))
    return code.replace("{mark!r}", repr(MARK))


def _log_path(own: Path) -> Path:
    """Where the kernel's audit hook records refusals: outside its sandbox, where it cannot write itself."""
    return SANDBOX_ROOT / f"{Path(own).name}.log"


def _cell(source):
    return nbformat.v4.new_code_cell(source)


def _error(ename, evalue):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _guard_reply(cell, key: str, nonce: str):
    """The guard's reply in ``cell``'s output, if it is signed with ``key`` and answers ``nonce``; else None."""
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and out.name == "stdout":
            for line in out.text.splitlines():
                if line.startswith(MARK) and "|" in line:
                    payload, sig = line[len(MARK):].rsplit("|", 1)
                    good = hmac.new(key.encode(), payload.encode(), hashlib.sha256).hexdigest()
                    if hmac.compare_digest(sig, good):
                        reply = json.loads(payload)
                        return reply if reply.get("nonce") == nonce else None
    return None


class _Kernel:
    """One guarded kernel: start, run cells, enforce limits, stop."""

    def __init__(self, nb, *, cwd: Path, timeout: float, memory: int | None, protected):
        from nbclient import NotebookClient

        self.cwd, self.memory = cwd, memory
        self.client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=False,
            shutdown_kernel="immediate", record_timing=False, log=_LOG,
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            resources={"metadata": {"path": str(cwd)}})
        self.out_of_memory = False
        self._stop = threading.Event()
        self._ctx = None
        # The guard's command gets a random name and signs its replies with a key only this process
        # knows, so that a student's code cannot simply define a look-alike that reports nothing.
        self.name, self.key = f"_ct_{secrets.token_hex(6)}", secrets.token_hex(16)
        self.guard = _guard_code(protected, cwd, self.name, self.key)

    def start(self):
        env = dict(os.environ)
        env.update(NBGRADER_EXECUTION="autograde", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", PYDEVD_DISABLE_FILE_VALIDATION="1",
                   MPLBACKEND="module://matplotlib_inline.backend_inline")
        env.pop("PYTHONPATH", None)
        self._ctx = self.client.setup_kernel(env=env, cwd=str(self.cwd), stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        self._ctx.__enter__()
        pid = self.client.km.provisioner.pid
        if self.memory:
            import psutil

            with contextlib.suppress(psutil.Error, OSError):
                psutil.Process(pid).rlimit(psutil.RLIMIT_AS, (self.memory, self.memory))
            threading.Thread(target=self._watch, args=(pid,), daemon=True).start()
        setup = _cell(self.guard)
        self.aux(setup)
        errors = [o for o in setup.outputs if o.output_type == "error"]
        if errors:
            raise RuntimeError(f"the grader's kernel setup failed: {errors[0].ename}: {errors[0].evalue}")

    def _watch(self, pid):
        import psutil

        try:
            proc = psutil.Process(pid)
            while not self._stop.wait(0.2):
                rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                if rss > self.memory:
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
        return _guard_reply(cell, self.key, nonce)

    def stop(self):
        self._stop.set()
        if self._ctx is not None:
            with contextlib.suppress(Exception):
                self._ctx.__exit__(None, None, None)
            self._ctx = None


def execute_submission(job: dict) -> dict:
    """Execute one sanitized notebook in a guarded kernel.

    Parameters
    ----------
    job : dict
        ``notebook`` (the sanitized notebook, JSON text), ``timeout`` (seconds
        per cell), ``memory`` (bytes for the kernel, or None), ``protected``
        (paths the kernel may not touch), ``files`` (``{relative path: bytes}``
        put next to the notebook: the assignment's support files) and ``key``
        (returned unchanged).

    Returns
    -------
    dict
        ``key``, ``notebook`` (the executed notebook, JSON text), ``events``
        (list of dicts with ``kind``, ``cell`` and ``detail``) and ``seconds``.
    """
    start = time.perf_counter()
    nb = nbformat.reads(job["notebook"], as_version=4)
    events = []
    SANDBOX_ROOT.mkdir(parents=True, exist_ok=True)
    cwd = Path(tempfile.mkdtemp(prefix="run-", dir=SANDBOX_ROOT))
    try:
        for rel, data in job.get("files", {}).items():  # the instructor's support files, not the student's
            target = cwd / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _execute(nb, cwd, job, events)
        log = _log_path(cwd)
        if log.exists():
            for line in dict.fromkeys(log.read_text(errors="replace").splitlines()):
                events.append({"kind": "sandbox", "cell": None, "detail": f"refused: {line}"})
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
        _log_path(cwd).unlink(missing_ok=True)
    return {"key": job.get("key"), "notebook": nbformat.writes(nb), "events": events,
            "seconds": time.perf_counter() - start}


def _name(cell, index):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}"


def _is_test(cell):
    """An auto-graded test cell (not a manually graded answer, which is ``grade`` and ``solution`` both)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def _execute(nb, cwd, job, events):
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    def note(kind, index, detail):
        events.append({"kind": kind, "cell": _name(nb.cells[index], index) if index is not None else None,
                       "detail": detail})

    opts = dict(cwd=cwd, timeout=job.get("timeout", 120), memory=job.get("memory"),
                protected=job.get("protected", []))
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    kernel = _Kernel(nb, **opts)
    kernel.start()
    restarts, pos = 0, 0
    try:
        while pos < len(code):
            i = code[pos]
            cell = nb.cells[i]
            test = _is_test(cell)
            try:
                before = kernel.command("before") if test else {"changed": []}
                if before is None:
                    note("tampering", i, "the grader's integrity check was tampered with before this test")
                elif before["changed"]:
                    note("tampering", i, "replaced before this test, restored by the grader: "
                         + ", ".join(before["changed"]))
                kernel.run(cell, i)
                if test:
                    reply = kernel.command("after") if before is not None else None
                    if reply is None:
                        note("tampering", i, "the grader's integrity check could not run: the test scores 0")
                        cell.outputs.append(_error("GraderIntegrityError", "the integrity check failed to run"))
                    elif reply["changed"]:
                        what = ", ".join(reply["changed"])
                        note("tampering", i, f"replaced while this test ran: {what}; the test scores 0")
                        cell.outputs.append(_error("GraderIntegrityError", f"{what} replaced during the test"))
                pos += 1
                continue
            except CellTimeoutError:
                cell.outputs.append(_error("CellTimeoutError", f"the cell ran longer than {opts['timeout']} s"))
                note("timeout", i, f"ran longer than {opts['timeout']} s; the kernel was stopped")
            except DeadKernelError:
                why = "memory limit exceeded" if kernel.out_of_memory else "the kernel died"
                cell.outputs.append(_error("DeadKernelError", f"{why} while this cell ran"))
                note("memory" if kernel.out_of_memory else "kernel_died", i, f"{why} while this cell ran")
            # The kernel is gone or stuck: start another, replay the non-test cells before this one.
            kernel.stop()
            pos += 1
            restarts += 1
            kernel = _restart(nb, code[:pos - 1], opts) if restarts <= MAX_RESTARTS else None
            if kernel is None:
                for j in code[pos:]:
                    nb.cells[j].outputs = [_error("NotExecuted", "not run: the kernel failed too many times")]
                note("gave_up", None, f"stopped after {restarts} kernel failures; later cells scored 0")
                return
        _note_violations(kernel.command("final"), events)
    finally:
        if kernel is not None:
            kernel.stop()
        _stderr_to_stdout(nb, events)


def _restart(nb, before, opts):
    """A fresh guarded kernel that has re-run the non-test code cells ``before``; None if that fails."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    kernel = _Kernel(nb, **opts)
    try:
        kernel.start()
        for j in before:
            if not _is_test(nb.cells[j]):
                kernel.aux(_cell(nb.cells[j].source), j)
    except (CellTimeoutError, DeadKernelError, RuntimeError):
        kernel.stop()
        return None
    return kernel


def _note_violations(reply, events):
    if not reply:
        return
    for name in reply.get("changed", []):
        events.append({"kind": "tampering", "cell": None, "detail": f"{name} replaced after the last test"})


def _stderr_to_stdout(nb, events):
    """Stderr in a test cell does not fail it here (stock nbgrader scores it 0): it is relabelled and reported.

    Also reports every cell that ran out of memory (a ``MemoryError`` under the address-space limit).
    """
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(o.output_type == "error" and o.ename == "MemoryError"
                                            for o in cell.get("outputs", [])):
            events.append({"kind": "memory", "cell": _name(cell, i), "detail": "MemoryError: over the memory limit"})
        if not _is_test(cell):
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                out.name = "stdout"
                out.text = "".join(f"[stderr] {line}" for line in out.text.splitlines(True))
                events.append({"kind": "stderr", "cell": _name(cell, i),
                               "detail": "wrote to stderr (stock nbgrader would score this test 0)"})


if __name__ == "__main__":  # pragma: no cover - manual check: python -m coursetools.sandbox nb.ipynb
    result = execute_submission({"notebook": Path(sys.argv[1]).read_text(), "timeout": 30, "memory": 2 << 30})
    print(json.dumps(result["events"], indent=1), f"{result['seconds']:.2f} s")
