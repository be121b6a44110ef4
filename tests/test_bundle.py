"""``coursetools bundle``: the LMS zip of an assignment holds the student's files and none of the instructor's.

Checked on the zip itself: the student notebook, the visible fixtures and an installable helpers-only wheel
are there; no solution notebook, hidden test, hidden fixture, mark scheme, coursetools module, and no
function body of any exercise's solution (compared as normalised ASTs, so renaming a comment or
reformatting does not hide one).
"""

from __future__ import annotations

import ast
import io
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from coursetools import notebooks as nbs
from coursetools.__main__ import main
from coursetools.bundle import bundle, helpers_wheel

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ["01-univariate", "08-exam-practice"]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory, wheel):
    out = tmp_path_factory.mktemp("bundles")
    return {a: bundle(a, out=out, wheel=wheel) for a in ASSIGNMENTS}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The helpers wheel, built once for the module (``pip wheel`` in an isolated build takes seconds)."""
    return helpers_wheel(tmp_path_factory.mktemp("wheel"))


def _body(node: ast.FunctionDef) -> str:
    """A function's body without its docstring, as a normalised AST (names and layout, no comments)."""
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return "\n".join(ast.dump(stmt, annotate_fields=False) for stmt in body)


def _functions(source: str):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    yield from (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))


def _solution_bodies(assignment):
    nb = nbs.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
    bodies = {}
    for cell in nb.cells:
        meta = nbs.nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            code = "\n".join(line for line in cell.source.splitlines()
                             if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
            for fn in _functions(code):
                bodies[_body(fn)] = f"{meta['grade_id']}: {fn.name}"
    return bodies


def _contents(path):
    """name -> bytes of every file in the zip, with the wheel's files under wheel:<name>."""
    files = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            files[name] = data
            if name.endswith(".whl"):
                with zipfile.ZipFile(io.BytesIO(data)) as wheel:
                    files.update({f"wheel:{n}": wheel.read(n) for n in wheel.namelist()})
    return files


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_bundle_holds_the_student_notebook_its_fixtures_and_a_helpers_wheel(bundles, assignment):
    """The zip has the released notebook, the visible fixtures (when the lesson has any), the wheel and
    INSTALL.txt; the wheel holds helpers and its metadata only."""
    files = _contents(bundles[assignment])
    released = ROOT / "notebooks" / assignment
    for path in released.iterdir():
        if path.name in {".ipynb_checkpoints", "__pycache__"}:  # a lab's leftovers: the bundle leaves them out
            continue
        assert files[f"{assignment}/{path.name}"] == path.read_bytes(), f"{path.name} differs from notebooks/"
    wheels = [n for n in files if n.startswith("wheels/") and n.endswith(".whl")]
    assert len(wheels) == 1 and "INSTALL.txt" in files
    packaged = {n.split(":", 1)[1].split("/")[0] for n in files if n.startswith("wheel:")}
    assert "helpers" in packaged and not {p for p in packaged if not p.startswith(("helpers", "backprop_"))}, packaged
    assert not any(n.startswith("wheel:coursetools") for n in files)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_bundle_holds_no_solution_hidden_test_fixture_or_mark_scheme(bundles, assignment):
    """Nothing an instructor keeps: no solutions/ file, no hidden fixture or case, no hidden-test line, no
    mark scheme, and no solution function body in any Python file or notebook cell."""
    files = _contents(bundles[assignment])
    source = nbs.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
    hidden = nbs.hidden_test_lines(source)
    assert not [n for n in files if n.endswith(".hidden.json")]
    bodies = _solution_bodies(assignment)
    assert bodies, f"{assignment}: no solution functions to look for"
    checked = 0
    for name, data in files.items():
        text = data.decode("utf-8", errors="replace")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, name
        assert "**Mark scheme" not in text, f"{name} holds a mark scheme"
        if name.endswith(".ipynb"):
            nb = nbformat.reads(text, as_version=4)
            cells = "\n".join(c.source for c in nb.cells)
            assert not [line for line in hidden if line in cells], f"{name} holds a hidden test"
            sources = [c.source for c in nb.cells if c.cell_type == "code"]
        elif name.endswith(".py"):
            sources = [text]
        else:
            sources = []
        for src in sources:
            for fn in _functions("\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith("%"))):
                checked += 1
                assert _body(fn) not in bodies, f"{name}: {fn.name} has the body of the solution {bodies[_body(fn)]}"
        if name.endswith(".fixtures.json"):
            cases = json.loads(text)["cases"]
            assert "def " not in text
            from coursetools.fixtures import calls
            from helpers.checks._fixtures import case_key

            visible = {case_key(c.check, c.params) for c in calls(source) if not c.hidden}
            for call in (c for c in calls(source) if c.hidden):
                key = case_key(call.check, call.params)
                assert key in visible or key not in cases, f"{name} holds the hidden case {key}"
    assert checked > 0


def test_the_body_comparison_sees_a_solution_however_it_is_written():
    """The normalised AST ignores docstrings, comments and layout: a copied solution is found."""
    bodies = _solution_bodies("01-univariate")
    copied = 'def my_forward(x, w, b):\n    """mine"""\n    # just a line\n    return (w * x\n            + b)\n'
    (fn,) = _functions(copied)
    assert _body(fn) in bodies


def test_the_bundle_command_writes_the_zip(tmp_path, capsys, monkeypatch, wheel):
    """`coursetools bundle <assignment> --out DIR` writes DIR/<assignment>.zip with the wheel (the module's, built
    once: the fixture ``bundles`` tests the building); an unknown assignment exits 2."""
    import coursetools.bundle

    monkeypatch.setattr(coursetools.bundle, "helpers_wheel", lambda out, root: wheel)
    assert main(["bundle", "01-univariate", "--out", str(tmp_path)]) == 0
    with zipfile.ZipFile(tmp_path / "01-univariate.zip") as zf:
        assert f"wheels/{wheel.name}" in zf.namelist() and "01-univariate/01-univariate.ipynb" in zf.namelist()
    assert main(["bundle", "99-none", "--out", str(tmp_path)]) == 2
    assert "run `coursetools release` first" in capsys.readouterr().out
