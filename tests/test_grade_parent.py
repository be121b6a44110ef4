"""Hidden tests compared in the grader's process (coursetools.judge), without a kernel.

The checks of lesson 01 run here in collect mode (the hidden fixture stripped, as the sandbox gets it),
their emissions are captured as a kernel's outputs would be, and :func:`coursetools.judge.verdict` compares
them with the full fixture. Each forged reply (missing, duplicated, extra, malformed, the visible answers
under a hidden case) must fail; the honest one must pass and a mistake must be named as in a kernel.
The graded end-to-end cases (a sandboxed grade of real submissions) are in the adversarial corpus
(tests/adversarial/cases.py, graded in tests/test_coursetools_grade.py).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest

import helpers.checks.univariate as uni
from coursetools import judge
from coursetools import notebooks as nbs
from coursetools.fixtures import solution_namespace
from coursetools.grade import _hidden_fixture, _support_files
from helpers.checks import _fixtures

ROOT = Path(__file__).resolve().parent.parent
A = "01-univariate"
FOLDER = ROOT / "solutions" / A


@pytest.fixture(scope="module")
def lesson():
    """(solution notebook, its namespace, full hidden cases, visible cases)."""
    nb = nbs.read(FOLDER / f"{A}.ipynb")
    full = json.loads((FOLDER / f"{A}.hidden.json").read_text())
    visible = json.loads((FOLDER / f"{A}.fixtures.json").read_text())
    return nb, solution_namespace(nb, "solution"), full["cases"], visible["cases"]


@pytest.fixture
def kernel_folder(tmp_path, monkeypatch):
    """A folder laid out as the sandbox's (the files `grade` sends), as the working folder; emissions captured."""
    for name, data in _support_files(FOLDER).items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    return tmp_path, shown


def _cell(nb, grade_id):
    return next(c for c in nb.cells if nbs.nbgrader_meta(c).get("grade_id") == grade_id)


def _outputs(shown):
    return [nbformat.v4.new_output("display_data", data=d) for d in shown]


def _hidden_calls(nb, grade_id, namespace):
    """Run the hidden part of a test cell here (collect mode), with the student's functions in ``namespace``."""
    source = _cell(nb, grade_id).source
    hidden = source[source.index("### BEGIN HIDDEN TESTS"):]
    exec(compile(hidden, "<hidden>", "exec"), {"helpers": __import__("helpers.checks.univariate"), **namespace})


def test_the_sandbox_gets_the_hidden_fixture_stripped_of_every_expected_value(lesson):
    """The files sent into the sandbox hold no expected output and no mistake of a hidden case."""
    *_, full, _ = lesson
    sent = _support_files(FOLDER)
    stripped = json.loads(sent[f"{A}.hidden.json"])
    assert stripped["stripped"] is True and set(stripped["cases"]) == set(full)
    assert all(set(entry) <= {"inputs", "tables"} for entry in stripped["cases"].values())
    blob = b"".join(sent.values()).decode()
    for key, entry in full.items():
        if entry.get("tables"):
            continue  # gradient descent: its path and losses are the stand-ins' values (inputs, by design)
        for value in _numbers(entry["expected"]) + _numbers(entry.get("mistakes", {})):
            assert repr(value) not in blob, f"{key}: {value!r} (an expected value) is in the sandbox's files"
    assert _hidden_fixture(FOLDER) == full


def _numbers(value):
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    return [value] if isinstance(value, float) and len(repr(value)) >= 8 else []


def test_an_honest_hidden_part_passes_and_a_mistake_is_named_by_the_parent(lesson, kernel_folder):
    """Collect mode compares nothing in the kernel; the parent passes the right outputs and names the wrong."""
    nb, namespace, full, _ = lesson
    _, shown = kernel_folder
    plan = judge.plan(_cell(nb, "test_forward"), full)
    assert plan.how == judge.PARENT and sum(plan.keys.values()) == 4  # two calls, each with its probe
    _hidden_calls(nb, "test_forward", {"forward": namespace["forward"]})
    assert len(shown) == 4 and all(list(d) == [_fixtures.MIME] for d in shown)
    assert judge.verdict(plan, _outputs(shown), full) is None

    shown.clear()
    _hidden_calls(nb, "test_forward", {"forward": lambda x, w, b: w * x})  # no error in the kernel...
    why = judge.verdict(plan, _outputs(shown), full)
    assert why is not None and "the bias b is missing" in why, why  # ...the parent names the mistake


def test_forged_replies_fail(lesson, kernel_folder):
    """Missing, duplicated, extra, malformed emissions and the visible answers under hidden keys all fail."""
    nb, namespace, full, visible = lesson
    _, shown = kernel_folder
    plan = judge.plan(_cell(nb, "test_forward"), full)
    _hidden_calls(nb, "test_forward", {"forward": namespace["forward"]})
    good = _outputs(shown)
    assert judge.verdict(plan, good, full) is None
    assert "not emitted" in judge.verdict(plan, good[:-1], full)
    assert "more than once" in judge.verdict(plan, good + good[:1], full)
    assert judge.verdict(plan, [], full) is not None  # a check replaced by print("✓ ..."): nothing emitted
    stray = json.loads(good[0].data[_fixtures.MIME])
    stray["case"] = "check_forward(m=5, seed=0)"  # a visible case, not asked by this hidden part
    assert "not expected" in judge.verdict(plan, good + _outputs([{_fixtures.MIME: json.dumps(stray)}]), full)
    for bad in ("not json", json.dumps({"case": 1}), json.dumps({"case": "k", "outputs": {"y": {"shape": [9],
                                                                                              "data": [1]}}}),
                json.dumps({"case": "k", "outputs": {"y": {"shape": [1], "data": [1], "dtype": "|O"}}}), 7):
        assert "malformed" in judge.verdict(plan, good[:-1] + _outputs([{_fixtures.MIME: bad}]), full)
    # The visible fixture's answers emitted under the hidden cases' keys (hard-coded answers): wrong values.
    answer = np.asarray(_fixtures.decode(visible["check_forward(m=5, seed=0)"]["expected"]["y_hat"]))
    forged = []
    for o in good:
        sent = json.loads(o.data[_fixtures.MIME])
        sent["outputs"]["y_hat"] = _fixtures.encode(np.resize(answer, np.shape(_fixtures.decode(
            sent["outputs"]["y_hat"]))))
        forged.append({_fixtures.MIME: json.dumps(sent)})
    assert judge.verdict(plan, _outputs(forged), full) is not None


def test_an_emission_in_a_cell_the_kernel_compares_fails():
    """A hidden part with no fixture check is compared in the kernel; an emission there cannot make it pass."""
    cell = nbformat.v4.new_code_cell('"""x"""\nprint(1)\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n'
                                     '### END HIDDEN TESTS')
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 1, "solution": False, "locked": True}
    plan = judge.plan(cell, {})
    assert plan.how == judge.KERNEL
    assert judge.verdict(plan, [], {}) is None
    emitted = _outputs([{_fixtures.MIME: json.dumps({"case": "k", "outputs": {}})}])
    assert judge.verdict(plan, emitted, {}) is not None


def test_a_check_called_inside_a_block_is_an_instructor_error(lesson):
    """Emissions of a check in a loop cannot be counted from the source: the cell is not graded as passed."""
    nb, _, full, _ = lesson
    cell = copy.deepcopy(_cell(nb, "test_forward"))
    cell.source = cell.source.replace("helpers.checks.univariate.check_forward(forward, seed=11, m=8)",
                                      "for _ in range(2):\n    helpers.checks.univariate.check_forward(forward, "
                                      "seed=11, m=8)")
    plan = judge.plan(cell, full)
    assert plan.problem and judge.verdict(plan, [], full) == plan.problem


def test_a_stripped_entry_outside_the_grader_compares_nothing_and_says_so_by_emitting(kernel_folder):
    """Collect mode only emits; the check prints its ✓ line but the score is the parent's (never the kernel's)."""
    _, shown = kernel_folder
    uni.check_forward(lambda x, w, b: 0 * x, seed=11, m=8)  # wrong, yet nothing raises in collect mode
    assert [json.loads(d[_fixtures.MIME])["case"] for d in shown] == ["check_forward(m=8, seed=11)",
                                                                       "check_forward(m=11, seed=1011)"]
    with pytest.raises(AssertionError):  # a visible case still compares in the kernel
        uni.check_forward(lambda x, w, b: 0 * x)


CONVERTED = sorted(p.parent.name for p in (ROOT / "solutions").glob("*/*.hidden.json"))


@pytest.mark.parametrize("assignment", CONVERTED)
def test_the_solution_passes_every_hidden_part_compared_by_the_parent(assignment, tmp_path, monkeypatch):
    """Every converted lesson: each test cell's hidden part, run in collect mode on the solution, is passed
    by the parent; and a function that returns zeros is failed by it (the comparison can fail)."""
    import importlib

    import helpers

    folder = ROOT / "solutions" / assignment
    for name, data in _support_files(folder).items():
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # a support module (lessonNN.py) imports from there, as in a kernel
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    nb = nbs.read(folder / f"{assignment}.ipynb")
    namespace = solution_namespace(nb, "solution")
    full = _hidden_fixture(folder)
    compared = 0
    for grade_id in nbs.grade_cells(nb):
        cell = _cell(nb, grade_id)
        plan = judge.plan(cell, full)
        if plan.how == judge.KERNEL:
            continue
        assert not plan.problem, plan.problem
        for module in {c.module for c in plan.calls}:
            importlib.import_module(module)
        shown.clear()
        source = cell.source[cell.source.index("### BEGIN HIDDEN TESTS"):]
        exec(compile(source, f"<{grade_id} hidden>", "exec"), {**namespace, "helpers": helpers})
        assert judge.verdict(plan, _outputs(shown), full) is None, grade_id
        zeros = [{**d, _fixtures.MIME: _zeroed(d[_fixtures.MIME])} for d in shown]
        assert judge.verdict(plan, _outputs(zeros), full) is not None, f"{grade_id}: zeros pass"
        compared += 1
    assert compared, f"{assignment}: no hidden part is compared by the parent"


def _zeroed(text):
    sent = json.loads(text)

    def zero(v):
        if isinstance(v, dict) and "shape" in v and "data" in v:
            return {**v, "data": [0.0 if x != 0 else 1.0 for x in v["data"]]}
        if isinstance(v, dict):
            return {k: zero(x) for k, x in v.items()}
        if isinstance(v, list):
            return [zero(x) for x in v]
        return (0.0 if v != 0 else 1.0) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    sent["outputs"] = zero(sent["outputs"])
    return json.dumps(sent)
