"""The assignments as a whole: structure, release drift, hidden tests, and real nbgrader autograding.

nbval (configured in pyproject.toml) separately re-runs every solution
notebook and compares its text outputs with the committed ones.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from coursetools import fixtures
from coursetools import notebooks as nbs
from coursetools.release import drift, generate, nbgrader_env

ROOT = Path(__file__).resolve().parent.parent
SOURCES = nbs.solution_notebooks(ROOT)
LESSONS = ["01-univariate", "02-multivariate", "03-two-layer-linear", "04-two-layer-sigmoid"]
EXAM = "08-exam-practice"
DEEP = {"forward": 3, "backward": 5, "l2_penalty": 3, "train": 3}  # 09-deep-networks, graded per part
UNGRADED = {"10-practice"}  # released with nbgrader like the others, but with no exercises and no points
GRADED = [p for p in SOURCES if p.parent.name not in UNGRADED]
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
MARKS = re.compile(r"\[(\d+) marks?\]")


def _id(path):
    return path.parent.name


def test_the_four_core_lessons_exist():
    """Each core lesson has a source notebook with the assignment's name."""
    found = {p.parent.name: p.stem for p in SOURCES}
    for lesson in LESSONS:
        assert found.get(lesson) == lesson, f"expected solutions/{lesson}/{lesson}.ipynb, found {found}"


def test_the_deep_networks_lesson_grades_each_exercise_in_parts():
    """09-deep-networks: forward, backward, l2_penalty and train, the first three with one test cell per part."""
    (path,) = [p for p in SOURCES if p.parent.name == "09-deep-networks"]
    nb = nbs.read(path)
    assert nbs.exercise_points(nb) == DEEP
    parts = [gid for gid in nbs.grade_cells(nb) if not gid.startswith("test_train")]
    assert len(parts) == 6, parts


@pytest.mark.parametrize("path", GRADED, ids=_id)
def test_every_test_cell_belongs_to_an_exercise_and_says_what_it_checks(path):
    """Test cells are named after their exercise, carry points, and open with a docstring."""
    nb = nbs.read(path)
    points = nbs.exercise_points(nb)  # raises when a test cell belongs to no exercise
    assert points, f"{path.name} has no exercises"
    for exercise, pts in points.items():
        assert pts > 0, f"exercise {exercise!r} in {path.name} has no test cell with points"
    tests = nbs.grade_cells(nb)
    for cell in nb.cells:
        if nbs.nbgrader_meta(cell).get("grade_id") in tests and nbs.nbgrader_meta(cell).get("grade"):
            first = cell.source.lstrip().splitlines()[0]
            assert first.startswith('"""'), (
                f"test cell {nbs.nbgrader_meta(cell)['grade_id']} in {path.name} should open with a "
                f"one-sentence docstring, opens with {first!r}")


@pytest.mark.parametrize("path", [p for p in SOURCES if p.parent.name in UNGRADED], ids=_id)
def test_an_ungraded_notebook_has_no_nbgrader_cells(path):
    """An ungraded notebook (unlimited practice) has no solution, test or answer cell, so nothing scores points."""
    nb = nbs.read(path)
    marked = [i for i, c in enumerate(nb.cells) if nbs.nbgrader_meta(c)]
    assert not marked, f"{path.name}: cells {marked} carry nbgrader metadata in an ungraded notebook"


def _answer_cells(nb):
    """The manually graded answer cells of a notebook (grade and solution both true)."""
    manual = nbs.manual_cells(nb)
    return [c for c in nb.cells if nbs.nbgrader_meta(c).get("grade_id") in manual
            and nbs.nbgrader_meta(c).get("solution")]


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_manual_answer_cells_hold_a_worked_solution_and_a_mark_scheme(path):
    """A manually graded answer is a markdown cell whose solution region holds the worked solution and a
    mark scheme whose [n marks] add up to the cell's points."""
    nb = nbs.read(path)
    for cell in _answer_cells(nb):
        meta = nbs.nbgrader_meta(cell)
        gid = meta["grade_id"]
        assert cell.cell_type == "markdown", f"{path.name}: answer cell {gid} should be markdown"
        assert meta.get("points", 0) > 0, f"{path.name}: answer cell {gid} has no points"
        regions = SOLUTION_REGION.findall(cell.source)
        assert len(regions) == 1, f"{path.name}: answer cell {gid} needs one BEGIN/END SOLUTION region"
        worked, _, scheme = regions[0].partition("**Mark scheme")
        assert worked.strip() and scheme, (
            f"{path.name}: answer cell {gid} should hold the worked solution, then '**Mark scheme', "
            "both inside the solution region")
        marks = sum(int(n) for n in MARKS.findall(scheme))
        assert marks == meta["points"], (
            f"{path.name}: the mark scheme of {gid} gives {marks} marks, the cell is worth {meta['points']}")


def test_the_exam_sheet_has_manual_and_auto_graded_questions():
    """08-exam-practice mixes manually graded derivations with auto-graded exercises."""
    (path,) = [p for p in SOURCES if p.parent.name == EXAM]
    nb = nbs.read(path)
    assert len(nbs.manual_cells(nb)) >= 2 and len(nbs.stub_ids(nb)) >= 2, (
        f"manual: {nbs.manual_cells(nb)}, auto-graded exercises: {nbs.stub_ids(nb)}")


def _solution_lines(cell):
    return [line.strip() for region in SOLUTION_REGION.findall(cell.source) for line in region.splitlines()
            if len(line.strip()) >= 12 and not line.strip().startswith(("#", '"""'))]


def test_mark_schemes_and_worked_solutions_never_reach_the_students():
    """No line of a worked solution or mark scheme is in the student versions (answer cells everywhere, and
    every solution of the exam sheet), and each answer cell is released as exactly nbgrader's text stub."""
    checked = 0
    for path in SOURCES:
        student = ROOT / "notebooks" / path.parent.name / path.name
        if not student.exists():  # not released yet: the drift test reports it
            continue
        released = {nbs.nbgrader_meta(c).get("grade_id"): c for c in nbs.read(student).cells}
        text = "\n".join(c.source for c in nbs.read(student).cells)
        assert "**Mark scheme" not in text and not MARKS.search(text), f"{student} shows a mark scheme"
        source = nbs.read(path)
        manual = nbs.manual_cells(source)
        for cell in source.cells:
            gid = nbs.nbgrader_meta(cell).get("grade_id")
            if not nbs.nbgrader_meta(cell).get("solution"):
                continue
            if gid in manual:
                assert released[gid].source.strip() == "YOUR ANSWER HERE", (
                    f"{student}: answer cell {gid} is released as {released[gid].source[:200]!r}")
            elif path.parent.name != EXAM:  # the lessons' prose may quote a line of code on purpose
                continue
            for line in _solution_lines(cell):
                assert line not in text, f"{student} shows a line of the solution of {gid}: {line!r}"
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("path", GRADED, ids=_id)
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


def _generated(graded, folder: Path) -> Path:
    """One folder holding every assignment's fresh ``nbgrader generate_assignment`` output (made by ``graded``)."""
    courses, _, _ = graded
    for assignment, course in courses.items():
        shutil.copytree(course / "notebooks" / assignment, folder / assignment)
    return folder


def test_student_versions_are_exactly_what_nbgrader_generates(graded, tmp_path):
    """notebooks/ equals a fresh `nbgrader generate_assignment` of solutions/ (run `make release`).

    The fresh generation is the one the autograde fixture made, one course per assignment, exactly as
    `make release` runs it."""
    problems = drift(ROOT, _generated(graded, tmp_path / "fresh"))
    assert not problems, "\n".join(problems)


def test_drift_names_an_edited_cell_a_missing_file_and_a_stray_one(graded, tmp_path):
    """The drift check itself: a student version edited by hand, a released file deleted and a file that
    no solution generates are each named, with what to do."""
    fresh = _generated(graded, tmp_path / "fresh")
    course = tmp_path / "course"
    shutil.copytree(ROOT / "notebooks", course / "notebooks")
    edited = course / "notebooks" / "01-univariate" / "01-univariate.ipynb"
    nb = nbs.read(edited)
    nb.cells[3].source += "\n# edited by hand"
    nbformat.write(nb, str(edited))
    (fixture,) = (course / "notebooks" / "01-univariate").glob("*.fixtures.json")
    fixture.unlink()
    (course / "notebooks" / "02-multivariate" / "notes.txt").write_text("mine", encoding="utf-8")
    problems = drift(course, fresh)
    assert problems == [
        f"notebooks/01-univariate/{fixture.name} is missing: run `make release`",
        "notebooks/02-multivariate/notes.txt is not generated from solutions/: remove it or add its source",
        "notebooks/01-univariate/01-univariate.ipynb cell 3: its source differs from what nbgrader generates: "
        "run `make release` (never edit notebooks/ by hand)",
    ], problems


def test_fixtures_are_exactly_what_the_solutions_give():
    """solutions/<a>/<a>.fixtures.json and .hidden.json equal a fresh build from the solution notebooks and the
    mistake library (run `make release`)."""
    problems = fixtures.drift(ROOT)
    assert not problems, "\n".join(problems)


def test_hidden_fixtures_never_reach_the_students():
    """No hidden fixture file, and no case of a hidden test call, is under notebooks/; the visible fixtures are
    there, next to the student notebook, and hold numbers only."""
    import json

    from helpers.checks._fixtures import case_key

    assert not list((ROOT / "notebooks").rglob("*.hidden.json"))
    converted = sorted((ROOT / "solutions").glob("*/*.fixtures.json"))
    assert converted, "no lesson has fixtures"
    for source in converted:
        assignment = source.parent.name
        released = ROOT / "notebooks" / assignment / source.name
        assert released.is_file(), f"{released} is missing: run `make release`"
        cases = json.loads(released.read_text(encoding="utf-8"))["cases"]
        calls = fixtures.calls(nbs.read(source.with_name(f"{assignment}.ipynb")))
        visible = {case_key(c.check, c.params) for c in calls if not c.hidden}
        for call in (c for c in calls if c.hidden):
            key = case_key(call.check, call.params)
            assert key in visible or key not in cases, f"{released} holds the hidden case {key}"
        assert "def " not in released.read_text(encoding="utf-8"), f"{released} holds code"


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
    proc = subprocess.run(cmd, cwd=cwd, env=nbgrader_env(), capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _omissions(exercises: list[str], manual) -> dict[str, set[str]]:
    """The answers each synthetic student leaves out, beyond the perfect and the blank one.

    Each exercise is left out by some student, and for every ordered pair of
    exercises ``(a, b)`` some student leaves out ``a`` and answers ``b``: so
    each test cell is shown to lose its points exactly when its own exercise
    is missing, and never because another one is. One student per exercise
    would do; fewer do too. Give each exercise a different set of ``k//2``
    out of ``k`` students (no such set contains another, Sperner), and let
    each student leave out the exercises whose set holds them: for ``a`` and
    ``b``, a student in ``a``'s set and not in ``b``'s leaves out ``a`` and
    answers ``b``. ``k`` is the smallest with ``C(k, k//2) >= n`` (6 students
    for 13 exercises). The manually graded answer cells are markdown that no
    code can depend on: one more student leaves all of them out.
    """
    n = len(exercises)
    k = 1
    while math.comb(k, (k + 1) // 2) < n:
        k += 1
    codes = list(itertools.combinations(range(k), (k + 1) // 2))[:n]
    out = {}
    if n:
        out = {f"miss-{j + 1}-of-{k}": {e for e, code in zip(exercises, codes) if j in code} for j in range(k)}
    if manual:
        out["miss-answers"] = set(manual)
    return out


def test_the_omissions_separate_every_pair_of_exercises():
    """The plan's promise, for every size of assignment the course could have."""
    for n in range(1, 40):
        exercises = [f"e{i}" for i in range(n)]
        plan = _omissions(exercises, {"q": 1.0})
        assert plan.pop("miss-answers") == {"q"}
        assert len(plan) <= n and all(plan.values())
        for a in exercises:
            for b in exercises:
                assert any(a in leave and (a == b or b not in leave) for leave in plan.values()), (n, a, b)


def _autograde_one(path: Path, course: Path):
    """Build a course holding only ``path``'s assignment, autograde its synthetic class; return scores and plan."""
    from nbgrader.api import Gradebook

    assignment = path.parent.name
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(path.parent, course / "solutions" / assignment)
    generate(course / "notebooks", [assignment], root=course, db=True)
    source = nbs.read(path)
    student_nb = nbs.read(course / "notebooks" / assignment / path.name)
    questions = nbs.stub_ids(source) + list(nbs.manual_cells(source))
    students = {"perfect": set(), "blank": set(questions)}
    for name, leave in _omissions(nbs.stub_ids(source), nbs.manual_cells(source)).items():
        students[name] = leave
    plan = {}
    for student, leave in students.items():
        nb = student_nb if leave == students["blank"] else nbs.fill_stubs(student_nb, source, leave=leave)
        target = course / "submitted" / student / assignment / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(target))
        plan[(assignment, student)] = leave
    _run([sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"], course)
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for (_, student) in plan:
            sub = gb.find_submission_notebook(path.stem, assignment, student)
            scores[(assignment, student)] = {g.name: g.auto_score for g in sub.grades}
    return scores, plan


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Autograde perfect, blank and partly answered submissions of every lesson (see ``_omissions``).

    Exercises are the code stubs and the manually graded answer cells. Each
    assignment gets a course directory of its own, so the stock ``nbgrader
    autograde`` runs (one process each, one per core at a time) never share a
    gradebook. Returns ``(courses, scores, plan)``: ``courses[assignment]`` is
    that course directory; ``scores[(assignment, student)]`` maps grade_id to
    the auto score (None for an answer awaiting manual grading);
    ``plan[(assignment, student)]`` is the set of exercises that student left
    unanswered.
    """
    base = tmp_path_factory.mktemp("courses")
    courses = {p.parent.name: base / p.parent.name for p in SOURCES}
    for course in courses.values():
        course.mkdir()
    scores, plan = {}, {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for s, p in pool.map(lambda path: _autograde_one(path, courses[path.parent.name]), SOURCES):
            scores.update(s)
            plan.update(p)
    return courses, scores, plan


def test_autograde_gives_full_marks_to_the_solutions(graded):
    """A submission with every stub filled with the solution scores full auto marks; its answer cells
    await manual grading (auto score None)."""
    _, scores, _ = graded
    for path in SOURCES:
        assignment = path.parent.name
        nb = nbs.read(path)
        expected = {**nbs.grade_cells(nb), **dict.fromkeys(nbs.manual_cells(nb))}
        got = scores[(assignment, "perfect")]
        assert got == expected, f"{assignment}: perfect submission scored {got}, expected {expected}"


def test_autograde_gives_zero_to_an_unmodified_student_version(graded):
    """The student version as released scores 0 on every test cell and every (unanswered) answer cell."""
    _, scores, _ = graded
    for path in GRADED:
        got = scores[(path.parent.name, "blank")]
        assert set(got.values()) == {0.0}, f"{path.parent.name}: blank submission scored {got}"


def test_autograde_takes_off_exactly_the_missing_exercise(graded):
    """Leaving exercises unanswered loses exactly the points of those exercises' test cells, and every other
    test cell keeps its points (the plan of ``_omissions`` shows this for every pair of exercises)."""
    _, scores, plan = graded
    for path in SOURCES:
        nb = nbs.read(path)
        assignment = path.parent.name
        points, owner, manual = nbs.grade_cells(nb), nbs.exercise_of(nb), nbs.manual_cells(nb)
        for (a, student), leave in plan.items():
            if a != assignment:
                continue
            got = scores[(a, student)]
            want = {gid: 0.0 if owner[gid] in leave else pts for gid, pts in points.items()}
            # an unanswered answer cell scores 0; an answered one awaits a person
            want.update({gid: 0.0 if gid in leave else None for gid in manual})
            wrong = {gid: (got.get(gid), want[gid]) for gid in want if got.get(gid) != want[gid]}
            assert not wrong, (f"{assignment}: leaving out {sorted(leave)}, these cells scored (got, expected): "
                               f"{wrong}")
            assert set(got) == set(want), f"{assignment}: graded cells {sorted(got)}, expected {sorted(want)}"


def test_student_versions_fail_only_in_test_cells_and_only_at_the_stubs(graded):
    """Run as released, only test cells fail, each with the stub's NotImplementedError; nothing hits stderr."""
    courses, _, _ = graded
    for path in SOURCES:
        executed = nbs.read(courses[path.parent.name] / "autograded" / "blank" / path.parent.name / path.name)
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
    courses, _, _ = graded
    for path in SOURCES:
        executed = nbs.read(courses[path.parent.name] / "autograded" / "perfect" / path.parent.name / path.name)
        for i, cell in enumerate(executed.cells):
            for out in cell.get("outputs", []):
                assert out.output_type != "error", f"{path.name} cell {i}: {out.get('evalue')}"
                assert not (out.output_type == "stream" and out.name == "stderr"), (
                    f"{path.name} cell {i} writes to stderr: {out.text[:300]}")
