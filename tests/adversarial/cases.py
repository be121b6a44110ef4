"""Adversarial submissions of lesson 01, built from its released student version and the solution code.

Each case is a function ``build(student_nb, source_nb, course) -> {file name: bytes}``
that returns the files a student hands in (the notebook, and sometimes more),
registered in :data:`CASES` with the scores an honest grader gives each test
cell and the event kinds ``grade`` must report for it.

Lesson 01 has five test cells of 2 points each: ``test_forward``,
``test_mse_loss``, ``test_backward_dw``, ``test_backward_db`` and
``test_gradient_descent``. The hazards hide in ``gradient_descent`` and fire
only when a test calls it (its ``x`` is not the notebook's own ``x``), so the
demonstration cells run normally and only that one test is lost.
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
}


def build(course: Path, students=None) -> dict[str, dict]:
    """Write each case's files to ``course/submitted/<student>/01-univariate/``; return the expectations.

    ``course`` must hold ``solutions/`` and the generated ``notebooks/``.
    """
    course = Path(course)
    source = nbs.read(course / "solutions" / "01-univariate" / NOTEBOOK)
    student_nb = nbs.read(course / "notebooks" / "01-univariate" / NOTEBOOK)
    expected = {}
    for student, (make, scores, kinds) in CASES.items():
        if students is not None and student not in students:
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
