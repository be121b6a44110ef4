"""A failing test cell shows the student their own code and our diagnosis, never the checks' code.

IPython leaves out of a traceback every frame whose locals set ``__tracebackhide__``; every function in
``helpers.checks`` sets it. The checks hold no answer any more (they read fixtures), but their frames
would still show how a check calls the student and where the fixture lives: the test runs every check
of every converted lesson against a wrong answer (a mistake of the library) in a real kernel, from the
folder where the lesson's fixtures are, and inspects each rendered traceback.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from coursetools import fixtures
from coursetools import notebooks as nbs
from coursetools.mistakes import library

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "helpers" / "checks"
CONVERTED = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.fixtures.json"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _functions(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            yield node


@pytest.mark.parametrize("path", sorted(CHECKS.glob("*.py")), ids=lambda p: p.name)
def test_every_check_function_hides_its_frame(path):
    """Each function of a checks module sets __tracebackhide__ before doing anything else."""
    for fn in _functions(path):
        body = fn.body[1:] if ast.get_docstring(fn) is not None else fn.body
        first = body[0] if body else None
        hides = (isinstance(first, ast.Assign) and len(first.targets) == 1
                 and getattr(first.targets[0], "id", None) == "__tracebackhide__")
        assert hides, f"{path.name}:{fn.lineno} {fn.name}() should start with `__tracebackhide__ = True`"


def _checks_source_lines():
    """Every statement line of helpers/checks/ long enough to be recognised in a traceback."""
    allowed = (CHECKS.parent / "feedback.py").read_text()  # fail() is the frame a failing check shows
    lines = set()
    for path in CHECKS.glob("*.py"):
        if path.name == "__init__.py":
            continue
        for line in path.read_text().splitlines():
            text = line.strip()
            if len(text) > 20 and text not in allowed and not text.startswith(("#", '"', "'", "f\"", "----")):
                lines.add(text)
    return lines


def _run(folder, sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbs.execute(nb, cwd=folder, allow_errors=True)
    return nb


def _traceback(cell):
    errors = [o for o in cell.outputs if o.output_type == "error"]
    return ANSI.sub("", "\n".join(errors[0].traceback)) if errors else None


def _visible(source):
    return nbs.HIDDEN.sub("", source)


def _wrong_answers(assignment):
    """(test cell id, exercise, wrong source, visible test) for every visible test cell: the first mistake of
    the library whose message concerns an output that cell's check compares."""
    import importlib

    from helpers.checks import _fixtures

    nb = nbs.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
    found = fixtures.calls(nb)
    lesson = {c.module.rsplit(".", 1)[-1] for c in found}
    mistakes = [m for name in lesson for m in library(name) if m.fingerprint and m.applies(assignment)]
    for cell in nb.cells:
        gid = nbs.nbgrader_meta(cell).get("grade_id")
        call = next((c for c in found if c.cell == gid and not c.hidden), None)
        if call is None:
            continue
        outputs = importlib.import_module(call.module).CHECKS[call.check].outputs
        compared = _fixtures.entry(assignment, call.check, call.params, ROOT / "solutions" / assignment)["expected"]
        outputs = [o for o in outputs if o in compared]  # a check may compare fewer (ops=, nodes=)
        wrong = next((m for m in mistakes if m.exercise == call.exercise
                      and any(m.text(o, call.params) is not None for o in outputs)), None)
        if wrong is not None:
            source = wrong.source.replace(f"def {wrong.function}(", f"def {call.exercise}(", 1)
            yield gid, call.exercise, source, _visible(cell.source)


@pytest.mark.parametrize("assignment", CONVERTED)
def test_every_failing_check_shows_the_diagnosis_and_no_checks_code(assignment, tmp_path):
    """Each visible test cell of a converted lesson, run against a wrong answer, fails with a traceback that
    holds the diagnosis and the student's cell, and no frame or line of helpers/checks/."""
    for path in (ROOT / "notebooks" / assignment).glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    nb = nbs.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
    first = next(c.source for c in nb.cells if c.cell_type == "code")
    cases = list(_wrong_answers(assignment))
    assert cases, f"{assignment}: no test cell with a mistake to run"
    sources = [first]
    for _, _, wrong, test in cases:
        sources += [wrong, test]
    ran = _run(tmp_path, sources)
    reference = _checks_source_lines()
    for i, (gid, exercise, _, test) in enumerate(cases):
        tb = _traceback(ran.cells[2 + 2 * i])
        assert tb is not None, f"{assignment} {gid}: the wrong {exercise} passed the visible test"
        assert "AssertionError: " in tb, f"{assignment} {gid}: no diagnosis:\n{tb}"
        assert test.strip().splitlines()[1] in tb, f"{assignment} {gid}: the student's cell is not shown:\n{tb}"
        assert "helpers/checks/" not in tb, f"{assignment} {gid}: the traceback shows the checks' code:\n{tb}"
        shown = [line for line in reference if line in tb]
        assert not shown, f"{assignment} {gid}: the traceback shows lines of helpers/checks {shown}:\n{tb}"


def test_a_function_that_raises_shows_its_own_line_and_not_the_checks(tmp_path):
    """A transposed answer and a broken function: the traceback shows the student's lines and our message only."""
    for path in (ROOT / "notebooks" / "01-univariate").glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    ran = _run(tmp_path, [
        "import helpers.checks.univariate as u\n"
        "def forward(x, w, b):\n    return (w * x + b).T\n"
        "u.check_forward(forward)",
        "def forward(x, w, b):\n    return x[5, 5]\n"
        "u.check_forward(forward)",
        "def forward(x, w, b):\n    return np.array([[w]]) @ x.T + b\n"
        "import numpy as np\nu.check_forward(forward)",
    ])
    transposed, broken, matmul = (_traceback(c) for c in ran.cells)
    assert "y_hat has shape (5, 1), expected (1, 5): did you transpose it?" in transposed
    assert "return x[5, 5]" in broken and "IndexError" in broken
    assert "return np.array([[w]]) @ x.T + b" in matmul and "the inner sizes must agree" in matmul
    reference = _checks_source_lines()
    for tb in (transposed, broken, matmul):
        assert "helpers/checks/" not in tb, f"the traceback shows the checks' code:\n{tb}"
        shown = [line for line in reference if line in tb]
        assert not shown, f"the traceback shows the checks' code {shown}:\n{tb}"
