"""The assignments as a whole: structure, release drift, hidden tests, and real nbgrader autograding.

nbval (configured in pyproject.toml) separately re-runs every solution
notebook and compares its text outputs with the committed ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursetools import notebooks as nbs
from coursetools.release import drift, generate

ROOT = Path(__file__).resolve().parent.parent
SOURCES = nbs.solution_notebooks(ROOT)
LESSONS = ["01-univariate", "02-multivariate", "03-two-layer-linear", "04-two-layer-sigmoid"]


def _id(path):
    return path.parent.name


def test_the_four_core_lessons_exist():
    """Each core lesson has a source notebook with the assignment's name."""
    found = {p.parent.name: p.stem for p in SOURCES}
    for lesson in LESSONS:
        assert found.get(lesson) == lesson, f"expected solutions/{lesson}/{lesson}.ipynb, found {found}"


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_every_test_cell_belongs_to_an_exercise_and_says_what_it_checks(path):
    """Test cells are named after their exercise, carry points, and open with a docstring."""
    nb = nbs.read(path)
    points = nbs.exercise_points(nb)  # raises when a test cell belongs to no exercise
    assert points, f"{path.name} has no exercises"
    for exercise, pts in points.items():
        assert pts > 0, f"exercise {exercise!r} in {path.name} has no test cell with points"
    for cell in nb.cells:
        if nbs.nbgrader_meta(cell).get("grade") and cell.cell_type == "code":
            first = cell.source.lstrip().splitlines()[0]
            assert first.startswith('"""'), (
                f"test cell {nbs.nbgrader_meta(cell)['grade_id']} in {path.name} should open with a "
                f"one-sentence docstring, opens with {first!r}")


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_hidden_tests_vary_the_data(path):
    """Every exercise has hidden tests, and they never reuse only the visible seed."""
    nb = nbs.read(path)
    hidden = nbs.hidden_test_lines(nb)
    assert hidden, f"{path.name} has no hidden tests"
    assert any("seed=" in line for line in hidden), f"hidden tests of {path.name} do not change the seed"


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_first_code_cell_sets_the_seed_and_nothing_touches_sys_path(path):
    """The notebook sets its seed once in its first code cell and imports helpers as a package."""
    nb = nbs.read(path)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "SEED" in code[0], f"the first code cell of {path.name} should set SEED"
    assert not any("sys.path" in src for src in code), f"{path.name} touches sys.path"


def test_student_versions_are_exactly_what_nbgrader_generates():
    """notebooks/ equals a fresh `nbgrader generate_assignment` of solutions/ (run `make release`)."""
    problems = drift(ROOT)
    assert not problems, "\n".join(problems)


def test_hidden_tests_never_appear_in_the_student_versions():
    """No line of a hidden test, and no hidden-test marker, is anywhere under notebooks/."""
    files = [p for p in (ROOT / "notebooks").rglob("*") if p.is_file()]
    raw = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    sources = "\n".join(c.source for p in files if p.suffix == ".ipynb" for c in nbs.read(p).cells)
    assert "HIDDEN TESTS" not in raw
    for path in SOURCES:
        for line in nbs.hidden_test_lines(nbs.read(path)):
            assert line not in sources, f"hidden test line {line!r} of {path.name} is in notebooks/"


def test_student_versions_have_no_outputs_and_no_solutions():
    """The released notebooks carry no outputs and no solution markers."""
    for path in sorted((ROOT / "notebooks").glob("*/*.ipynb")):
        nb = nbs.read(path)
        for cell in nb.cells:
            assert not cell.get("outputs"), f"{path} has committed outputs"
            assert "BEGIN SOLUTION" not in cell.source, f"{path} contains a solution"


# --- real nbgrader autograde on a temporary course -------------------------------------------

def _run(cmd, cwd):
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Autograde perfect, blank and one-exercise-missing submissions of every lesson.

    Returns ``(course_dir, scores, plan)``: ``scores[(assignment, student)]``
    maps grade_id to the auto score; ``plan[(assignment, student)]`` is the
    set of exercises that student left unanswered.
    """
    from nbgrader.api import Gradebook

    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    generate(course / "notebooks", root=course, db=True)
    plan = {}
    for path in SOURCES:
        assignment = path.parent.name
        source = nbs.read(path)
        student_nb = nbs.read(course / "notebooks" / assignment / path.name)
        students = {"perfect": set(), "blank": set(nbs.stub_ids(source))}
        for exercise in nbs.stub_ids(source):
            students[f"miss-{exercise}".replace("_", "-")] = {exercise}
        for student, leave in students.items():
            nb = student_nb if leave == students["blank"] else nbs.fill_stubs(student_nb, source, leave=leave)
            target = course / "submitted" / student / assignment / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(target))
            plan[(assignment, student)] = leave
    for assignment in sorted({a for a, _ in plan}):
        _run([sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"], course)
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for (assignment, student) in plan:
            nb_name = next(p.stem for p in SOURCES if p.parent.name == assignment)
            sub = gb.find_submission_notebook(nb_name, assignment, student)
            scores[(assignment, student)] = {g.name: g.auto_score for g in sub.grades}
    return course, scores, plan


def test_autograde_gives_full_marks_to_the_solutions(graded):
    """A submission with every stub filled with the solution code scores full marks."""
    _, scores, _ = graded
    for path in SOURCES:
        assignment = path.parent.name
        expected = nbs.grade_cells(nbs.read(path))
        got = scores[(assignment, "perfect")]
        assert got == expected, f"{assignment}: perfect submission scored {got}, expected {expected}"


def test_autograde_gives_zero_to_an_unmodified_student_version(graded):
    """The student version as released scores 0 on every test cell."""
    _, scores, _ = graded
    for path in SOURCES:
        got = scores[(path.parent.name, "blank")]
        assert set(got.values()) == {0.0}, f"{path.parent.name}: blank submission scored {got}"


def test_autograde_takes_off_exactly_the_missing_exercise(graded):
    """Leaving one exercise unanswered loses exactly the points of that exercise's test cells."""
    _, scores, plan = graded
    for path in SOURCES:
        nb = nbs.read(path)
        assignment = path.parent.name
        total = sum(nbs.grade_cells(nb).values())
        points = nbs.exercise_points(nb)
        for (a, student), leave in plan.items():
            if a != assignment or student in ("perfect", "blank"):
                continue
            (exercise,) = leave
            got = sum(scores[(a, student)].values())
            assert got == total - points[exercise], (
                f"{assignment}: without {exercise!r} the score is {got}, expected "
                f"{total} - {points[exercise]}; per test cell: {scores[(a, student)]}")


def test_student_versions_fail_only_in_test_cells_and_only_at_the_stubs(graded):
    """Run as released, only test cells fail, each with the stub's NotImplementedError; nothing hits stderr."""
    course, _, _ = graded
    for path in SOURCES:
        executed = nbs.read(course / "autograded" / "blank" / path.parent.name / path.name)
        for i, cell in enumerate(executed.cells):
            if cell.cell_type != "code":
                continue
            meta = nbs.nbgrader_meta(cell)
            for out in cell.get("outputs", []):
                assert not (out.output_type == "stream" and out.name == "stderr"), (
                    f"{path.name} cell {i} writes to stderr: {out.text[:300]}")
                if out.output_type == "error":
                    assert meta.get("grade"), (
                        f"{path.name} cell {i} (not a test cell) fails in the student version: "
                        f"{out.ename}: {out.evalue}")
                    assert out.ename == "NotImplementedError", (
                        f"{path.name} test cell {meta['grade_id']} fails with {out.ename}: {out.evalue}, "
                        "expected only the stub's NotImplementedError")


def test_solutions_write_nothing_to_stderr(graded):
    """The perfect submission runs without a single stderr line (nbgrader would score it 0)."""
    course, _, _ = graded
    for path in SOURCES:
        executed = nbs.read(course / "autograded" / "perfect" / path.parent.name / path.name)
        for i, cell in enumerate(executed.cells):
            for out in cell.get("outputs", []):
                assert out.output_type != "error", f"{path.name} cell {i}: {out.get('evalue')}"
                assert not (out.output_type == "stream" and out.name == "stderr"), (
                    f"{path.name} cell {i} writes to stderr: {out.text[:300]}")
