"""The in-kernel guard: the second line of defence, behind the operating system's sandbox.

This module's source is sent to each grading kernel (:func:`kernel_code`) and
run there before the notebook, so it imports only the standard library at the
top. :func:`install` then

* adds a Python audit hook that refuses to open, list, change or delete
  anything under the protected paths (the course folders, the gradebook) or
  another sandbox, to start a process, to fork, to send a signal or to open a
  network connection, and writes each refusal to a log the parent reads (it
  also notes, without refusing, a lookup through ``ctypes`` of a C function
  such as ``fork`` or ``kill``);
* snapshots every watched module (``watch``: module names, ``package.*`` for
  a package and all its submodules) and returns a *command* the parent calls
  around each test cell. The command puts back what a student replaced since
  the snapshot: module attributes, the attributes of the plain classes they define (a replaced
  ``Check.verify``), functions' and methods' ``__code__`` and defaults,
  ``sys.modules`` entries and the notebook's global names bound to watched
  modules; it also switches off ``sys.settrace``/``setprofile`` hooks and
  resets the signal handlers and timers a notebook set. It prints a reply
  signed with a key read once from a file (then deleted), naming what it
  restored and any thread the notebook started that is running the notebook's code.

Everything here runs inside the student's process, so student code can reach
it: the parent only ever *lowers* a score because of a reply (a test during
which something was replaced, or whose reply is missing, scores 0), never
raises one. What the guard cannot stop, the sandbox (:mod:`coursetools.sandbox`)
holds: no course folder is visible, nothing outside the sandbox can be
signalled, written or reached over the network.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import importlib
import json
import os
import pkgutil
import sys

__all__ = ["DEFAULT_WATCH", "MARK", "install", "kernel_code"]

#: What the test cells call, and so what the guard watches: a module by its name, or ``package.*`` for a
#: package and all its submodules.
DEFAULT_WATCH = ("builtins", "math", "numpy", "numpy.testing", "numpy.linalg", "helpers.*")
#: Prefix of the guard's replies on stdout.
MARK = "@@coursetools-guard@@"
# Names the kernel itself rebinds on every request.
_VOLATILE = frozenset({"__builtins__", "_", "__", "___", "input", "raw_input", "getpass", "_oh", "_dh", "Out"})
_PATH_EVENTS = {"open": 1, "os.listdir": 1, "os.scandir": 1, "os.remove": 1, "os.rmdir": 1,
                "os.mkdir": 1, "os.chmod": 1, "os.chown": 1, "os.truncate": 1, "os.utime": 1,
                "os.rename": 2, "os.replace": 2, "os.link": 2, "os.symlink": 2,
                "shutil.copyfile": 2, "shutil.copytree": 2, "shutil.rmtree": 1, "shutil.move": 2,
                "sqlite3.connect": 1, "os.chdir": 1, "glob.glob": 1}
_PROC_EVENTS = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                "os.forkpty", "pty.spawn", "socket.connect", "socket.sendto", "socket.sendmsg", "socket.bind",
                "os.kill", "os.killpg", "signal.pthread_kill")
# C functions that a notebook has no business calling through ctypes: noted (not refused) when looked up.
_LIBC = frozenset({"fork", "vfork", "clone", "clone3", "kill", "tgkill", "syscall", "setsid", "open", "openat",
                   "open64", "creat", "socket", "connect", "sendto", "sendmsg", "ptrace", "execve", "execv",
                   "system", "unlink", "unlinkat", "rename", "renameat", "symlink", "mkdir", "setrlimit",
                   "prlimit", "prlimit64", "mprotect", "dup2", "write", "pwrite"})


def _modules(watch):
    """The watched modules that are importable (``package.*``: the package and every submodule, imported)."""
    exact, trees = set(), set()
    for item in watch:
        name = item.removesuffix(".*")
        (trees if item.endswith(".*") else exact).add(name)
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if item.endswith(".*"):
            for info in pkgutil.walk_packages(getattr(mod, "__path__", []), name + "."):
                try:
                    importlib.import_module(info.name)
                except Exception:  # a submodule that needs an optional dependency
                    pass
    return [m for name, m in sorted(sys.modules.items()) if m is not None
            and (name in exact or any(name == t or name.startswith(t + ".") for t in trees))]


def _denied(p, *, own, sandboxes, protected):
    """Whether the normalised absolute path ``p`` is outside what the kernel may touch."""
    if p is None:
        return False
    if p == own or p.startswith(own + os.sep):
        return False
    if p == sandboxes or p.startswith(sandboxes + os.sep):
        return True
    return any(p == q or p.startswith(q + os.sep) for q in protected)


def install(*, protected, own, sandboxes, log, key_file, watch=DEFAULT_WATCH, mark=MARK):
    """Install the audit hook and snapshot the watched modules; return the command ``(kind, nonce) -> None``.

    Parameters
    ----------
    protected : list of str
        Absolute paths the kernel may not touch.
    own : str
        The kernel's own folder (always allowed).
    sandboxes : str
        The folder holding every sandbox (all but ``own`` refused).
    log : str
        File the hook appends each refusal to.
    key_file : str
        File holding the key that signs the replies; read, then deleted.
    watch : sequence of str
        Module names to watch; ``package.*`` for a package and all its submodules.
    mark : str
        Prefix of each reply line.
    """
    import signal
    import threading

    with open(key_file, encoding="ascii") as f:
        key = f.read().strip().encode()
    os.remove(key_file)
    norm, realpath, fsdecode = os.path.normpath, os.path.realpath, os.fsdecode
    protected = [norm(realpath(p)) for p in protected]
    own, sandboxes = norm(realpath(own)), norm(realpath(sandboxes))
    state = {"busy": False}

    def path(a):
        if isinstance(a, int) or not isinstance(a, (bytes, str, os.PathLike)):
            return None
        try:
            return norm(realpath(fsdecode(a)))
        except Exception:
            return norm(os.path.abspath(fsdecode(a)))

    def write(line):
        state["busy"] = True
        try:
            with open(log, "a") as f:
                f.write(line + "\n")
        finally:
            state["busy"] = False

    def refuse(what):
        write(f"refused: {what}")
        raise PermissionError(f"the grader does not allow this: {what}")

    def hook(event, args):
        if state["busy"]:
            return
        if event == "ctypes.dlsym":
            name = args[1] if len(args) > 1 else None
            name = name.decode(errors="replace") if isinstance(name, bytes) else name
            if name in _LIBC:
                write(f"noted: ctypes call into C function {name}()")
            return
        n = _PATH_EVENTS.get(event)
        if n is None and not event.startswith(_PROC_EVENTS):
            return
        state["busy"] = True
        try:
            if n is None:
                bad, what = True, f"{event} {str(args[:2])[:120]}"
            else:
                paths = [path(a) for a in args[:n]]
                bad = any(_denied(p, own=own, sandboxes=sandboxes, protected=protected) for p in paths)
                what = f"{event} {' '.join(p for p in paths if p)}"
        finally:
            state["busy"] = False
        if bad:
            refuse(what)

    modules = _modules(watch)
    snap = [(m, dict(vars(m))) for m in modules]
    # Plain classes defined in a watched module (``helpers.checks._engine.Check``): their attributes and
    # methods are watched too (a replaced ``Check.verify`` is a module attribute of no module).
    classes = [(f"{m.__name__}.{k}", c, dict(vars(c))) for m, d in snap for k, c in d.items()
               if type(c) is type and c.__module__ == m.__name__]
    codes = [(f"{m.__name__}.{k}", f, f.__code__, f.__defaults__, f.__kwdefaults__) for m, d in snap
             for k, f in d.items() if type(f).__name__ == "function" and hasattr(f, "__code__")]
    codes += [(f"{w}.{k}", f, f.__code__, f.__defaults__, f.__kwdefaults__) for w, _, d in classes
              for k, f in d.items() if type(f).__name__ == "function" and hasattr(f, "__code__")]
    entries = {m.__name__: m for m in modules}
    threads = {t.ident for t in threading.enumerate()}
    signals = {s: signal.getsignal(s) for s in (signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF, signal.SIGUSR1,
                                                signal.SIGUSR2, signal.SIGCHLD)}
    aliases = {}
    sys.addaudithook(hook)
    # Everything the command uses is bound now, so that replacing a builtin later cannot fool it.
    _setattr, _print, _dumps, _vars, _new, _sha, _modtab = (setattr, builtins.print, json.dumps, vars, hmac.new,
                                                          hashlib.sha256, sys.modules)
    _settrace, _setprofile, _tsettrace, _tsetprofile = (sys.settrace, sys.setprofile, threading.settrace,
                                                        threading.setprofile)
    _getsignal, _signal, _setitimer, _enum = signal.getsignal, signal.signal, signal.setitimer, threading.enumerate
    _frames = sys._current_frames

    def user_ns():
        ip = getattr(builtins, "get_ipython", None)
        try:
            return ip().user_ns if ip is not None else {}
        except Exception:
            return {}

    def restore():
        out = []
        # Hooks that could run code between the checks below go first.
        if sys.gettrace() is not None or sys.getprofile() is not None:
            out.append("sys.settrace/setprofile")
        _settrace(None)
        _setprofile(None)
        _tsettrace(None)
        _tsetprofile(None)
        for timer in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):
            if _setitimer(timer, 0)[0]:
                out.append(f"interval timer {timer}")
        for s, h in signals.items():
            if _getsignal(s) is not h:
                _signal(s, h)
                out.append(f"signal handler {s}")
        for m, d in snap:
            cur = _vars(m)
            for k, v in d.items():
                if k not in _VOLATILE and cur.get(k, d) is not v:
                    _setattr(m, k, v)
                    out.append(f"{m.__name__}.{k}")
        for where, c, d in classes:
            cur = _vars(c)
            for k, v in d.items():
                if cur.get(k, d) is not v:
                    try:
                        _setattr(c, k, v)
                    except (AttributeError, TypeError):
                        pass
                    out.append(f"{where}.{k}")
        for where, f, code, defaults, kwdefaults in codes:
            if f.__code__ is not code or f.__defaults__ is not defaults or f.__kwdefaults__ is not kwdefaults:
                f.__code__, f.__defaults__, f.__kwdefaults__ = code, defaults, kwdefaults
                if where + ".__code__" not in out:
                    out.append(where + ".__code__")
        for name, m in entries.items():
            if _modtab.get(name) is not m:
                _modtab[name] = m
                out.append(f"sys.modules[{name!r}]")
        ns = user_ns()
        if not aliases:
            aliases.update({k: v for k, v in ns.items() if any(v is m for m in modules)})
        for k, v in aliases.items():
            if ns.get(k) is not v:
                ns[k] = v
                out.append(f"the notebook's global {k}")
        return out

    def notebook_threads():
        """Threads started since the snapshot that are running code of the notebook's cells."""
        frames, found = _frames(), []
        for t in _enum():
            if t.ident in threads or not t.is_alive():
                continue
            f = frames.get(t.ident)
            while f is not None:
                name = f.f_code.co_filename
                if name.startswith("<ipython-input") or "ipykernel_" in name:
                    found.append(t.name)
                    break
                f = f.f_back
        return sorted(found)

    def command(kind, nonce):
        changed = restore()
        extra = notebook_threads()
        payload = _dumps({"kind": kind, "nonce": nonce, "changed": changed, "threads": extra})
        _print(mark + payload + "|" + _new(key, payload.encode(), _sha).hexdigest())

    return command


def kernel_code(name: str, **kwargs) -> str:
    """The cell that installs this module's guard in a kernel and binds its command to the global ``name``.

    ``kwargs`` are :func:`install`'s (plain strings and lists). The key is never in this text: it is read
    from ``key_file``, which :func:`install` deletes.
    """
    with open(__file__, encoding="utf-8") as f:
        source = f.read()
    return (f"_ct_ns = {{'__name__': 'coursetools_guard'}}\n"
            f"exec(compile({source!r}, 'coursetools-guard', 'exec'), _ct_ns)\n"
            f"{name} = _ct_ns['install'](**{kwargs!r})\n"
            "del _ct_ns\n")


def reply(text: str, key: str, nonce: str):
    """The guard's reply in a cell's stdout ``text`` if it is signed with ``key`` and answers ``nonce``; else None."""
    for line in text.splitlines():
        if line.startswith(MARK) and "|" in line:
            payload, sig = line[len(MARK):].rsplit("|", 1)
            good = hmac.new(key.encode(), payload.encode(), hashlib.sha256).hexdigest()
            if hmac.compare_digest(sig, good):
                data = json.loads(payload)
                return data if data.get("nonce") == nonce else None
    return None
