"""A failing test cell shows the student their own code and our diagnosis, never the checks' reference code.

IPython leaves out of a traceback every frame whose locals set
``__tracebackhide__``; every function in ``helpers.checks`` sets it.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import nbformat
import pytest

from coursetools import notebooks as nbs

CHECKS = Path(__file__).resolve().parent.parent / "helpers" / "checks"


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


def _tracebacks(*sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbs.execute(nb, cwd=CHECKS, allow_errors=True)
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    return [ansi.sub("", "\n".join(o.traceback)) for c in nb.cells for o in c.outputs if o.output_type == "error"]


def test_a_failing_check_shows_the_diagnosis_and_not_the_reference_code():
    """A transposed answer and a broken function: the traceback shows the student's lines and our message only."""
    transposed, broken = _tracebacks(
        "import helpers.checks.univariate as u\n"
        "def forward(x, w, b):\n    return (w * x + b).T\n"
        "u.check_forward(forward)",
        "def forward(x, w, b):\n    return x[5, 5]\n"
        "u.check_forward(forward)",
    )
    assert "y_hat has shape (5, 1), expected (1, 5): did you transpose it?" in transposed
    assert "return x[5, 5]" in broken and "IndexError" in broken
    import helpers.checks.univariate as u

    reference = [line.strip() for line in inspect.getsource(u.check_forward).splitlines()[1:]]
    reference = [line for line in reference if len(line) > 12]
    assert any("mistakes" in line for line in reference)  # the lines the student must not see
    for tb in (transposed, broken):
        assert "helpers/checks/" not in tb, f"the traceback shows the checks' code:\n{tb}"
        shown = [line for line in reference if line in tb]
        assert not shown, f"the traceback shows the reference code {shown}:\n{tb}"
