"""The student never holds the answer key.

1. Substitution, as an instructor would worry about it: for every graded test cell (visible and hidden)
   of every lesson, each function of the student package (``helpers``, public and private modules and
   names) whose signature accepts the exercise's arguments is put in place of the student's function,
   and the cell must fail. Lessons some of whose cells a helpers function still answers are listed in
   ``STILL_ANSWERABLE`` and expected to fail this test (strict xfail), so the count stays visible: on
   the last count none of the 67 graded test cells of lessons 1-9 (27 of the 46 cells lessons 1-8 had before
   the checks read fixtures; the substitution passes an exercise's required keyword-only arguments, such as
   lesson 6's ``learning_rate``).
2. The mistake library (``coursetools/mistakes``) is the course's corpus of wrong implementations:
   every one is caught by the visible test cells of its exercise, and at least 90% are named (the
   failure says the mistake's message).
3. A submission that hard-codes the outputs of the visible fixtures fails every hidden test.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import importlib
import inspect
import io
import os
import pkgutil
import signal
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import helpers
from coursetools import fixtures
from coursetools import notebooks as nbs
from coursetools.mistakes import library

ROOT = Path(__file__).resolve().parent.parent
SOURCES = nbs.solution_notebooks(ROOT)
# Lessons some graded cells of which a function of helpers still answers (none: every lesson's answers are
# in its solution notebook only; a lesson added here makes its test a strict xfail, so the count stays visible).
STILL_ANSWERABLE: set[str] = set()
# Lessons whose checks still compute the right answer themselves instead of reading fixtures (none).
NOT_CONVERTED: set[str] = set()
UNGRADED = {"10-practice"}  # no graded cells: nothing to answer, no mistakes, no hidden tests
CONVERTED = [p.parent.name for p in SOURCES if p.parent.name not in NOT_CONVERTED | UNGRADED]
SECONDS = 3  # one substituted function gets this long to pass a test cell


def _student_functions():
    """Every function defined in the student package, public or private, once each."""
    seen, found = set(), []
    modules = [helpers] + [importlib.import_module(info.name)
                           for info in pkgutil.walk_packages(helpers.__path__, "helpers.")]
    for module in modules:
        for obj in (v for _, v in sorted(vars(module).items())):
            if inspect.isfunction(obj) and obj.__module__.startswith("helpers") and id(obj) not in seen:
                seen.add(id(obj))
                found.append((f"{obj.__module__}.{obj.__qualname__}", obj))
    return found


def _accepts(fn, count, keywords=()):
    """Whether ``fn`` takes ``count`` positional arguments and the exercise's required keyword-only ones."""
    try:
        inspect.signature(fn).bind(*range(count), **dict.fromkeys(keywords, 0))
    except (TypeError, ValueError):
        return False
    return True


class _Slow(Exception):
    pass


@contextlib.contextmanager
def _limit(seconds):
    def stop(signum, frame):
        raise _Slow()

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def _in(folder):
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _passes(source, namespace):
    """Whether a test cell's code runs without an exception in ``namespace``."""
    try:
        with _limit(SECONDS), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(source, "<test cell>", "exec"), namespace)
    except BaseException as exc:  # SystemExit from a candidate is a failure too
        if isinstance(exc, KeyboardInterrupt):
            raise
        return False
    finally:
        plt.close("all")
    return True


def _exercise(nb, gid):
    """The function a test cell grades: the first argument of its first ``helpers.checks`` call."""
    source = next(c.source for c in nb.cells if nbs.nbgrader_meta(c).get("grade_id") == gid)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func).startswith("helpers.checks.") and node.args \
                and isinstance(node.args[0], ast.Name):
            return node.args[0].id
    owners = [e for e in nbs.stub_ids(nb) if gid == f"test_{e}" or gid.startswith(f"test_{e}_")]
    return max(owners, key=len)


def _test_cells(nb):
    tests = nbs.grade_cells(nb)
    return [(nbs.nbgrader_meta(c)["grade_id"], c.source) for c in nb.cells
            if c.cell_type == "code" and nbs.nbgrader_meta(c).get("grade_id") in tests]


def answerable(path) -> dict[str, list[str]]:
    """grade_id -> the student-package functions that pass that test cell in place of the student's."""
    nb = nbs.read(path)
    candidates = _student_functions()
    found = {}
    with _in(path.parent):
        namespace = fixtures.solution_namespace(nb)
        for gid, source in _test_cells(nb):
            exercise = _exercise(nb, gid)
            solution = namespace[exercise]
            params = inspect.signature(solution).parameters.values()
            arity = sum(1 for p in params
                        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
            keywords = [p.name for p in params if p.default is p.empty and p.kind is p.KEYWORD_ONLY]
            assert _passes(source, namespace), f"{path.parent.name} {gid}: the solution fails its own test cell"
            for name, fn in candidates:
                if not _accepts(fn, arity, keywords):
                    continue
                namespace[exercise] = fn
                try:
                    if _passes(source, namespace):
                        found.setdefault(gid, []).append(name)
                finally:
                    namespace[exercise] = solution
    return found


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.xfail(strict=True, reason="a helpers function still answers a cell"))
    if p.parent.name in STILL_ANSWERABLE else p for p in SOURCES], ids=lambda p: p.parent.name)
def test_no_graded_cell_is_answered_by_the_student_package(path):
    """Every graded test cell fails when the student's function is replaced by any function of helpers."""
    found = answerable(path)
    cells = len(_test_cells(nbs.read(path)))
    detail = "\n".join(f"  {gid}: {', '.join(names)}" for gid, names in found.items())
    assert not found, f"{len(found)} of {cells} graded cells of {path.parent.name} pass with a function of helpers:\n" \
                      f"{detail}"


# --------------------------------------------------------------------------- the mistake library


def _visible_cells(nb, exercise):
    return [(gid, nbs.HIDDEN.sub("", source)) for gid, source in _test_cells(nb) if _exercise(nb, gid) == exercise]


def _failure(source, namespace):
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, "<test cell>", "exec"), namespace)
    except AssertionError as exc:
        return str(exc)
    except Exception as exc:  # a wrong function may raise anything
        return f"{type(exc).__name__}: {exc}"
    return None


def corpus(assignment):
    """(mistake, caught, named) for every mistake of the assignment's lessons, run through the visible cells."""
    path = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    nb = nbs.read(path)
    lessons = sorted({c.module.rsplit(".", 1)[-1] for c in fixtures.calls(nb)})
    results = []
    with _in(path.parent):
        namespace = fixtures.solution_namespace(nb)
        for wrong in (m for lesson in lessons for m in library(lesson) if m.applies(assignment)):
            space = dict(namespace)
            solution = space[wrong.exercise]
            fn = wrong.compile(space)
            messages = []
            for _, source in _visible_cells(nb, wrong.exercise):
                space[wrong.exercise] = fn
                messages.append(_failure(source, space))
                space[wrong.exercise] = solution
            caught = [m for m in messages if m is not None]
            texts = {wrong.text(name, params) for name in _output_names(nb, wrong.exercise)
                     for params in _visible_params(nb, wrong.exercise)} - {None}
            named = any(t in m for m in caught for t in texts)
            results.append((wrong, bool(caught), named, caught))
    return results


def _output_names(nb, exercise):
    for call in fixtures.calls(nb):
        if call.exercise == exercise:
            yield from importlib.import_module(call.module).CHECKS[call.check].outputs


def _visible_params(nb, exercise):
    return [call.params for call in fixtures.calls(nb) if call.exercise == exercise and not call.hidden]


@pytest.mark.parametrize("assignment", CONVERTED)
def test_every_mistake_is_caught_by_the_visible_tests_and_nine_in_ten_are_named(assignment):
    """Each wrong implementation of the library fails a visible test cell of its exercise; at least 90% of
    them get their own message."""
    results = corpus(assignment)
    assert results, f"{assignment} has no mistakes in the library"
    missed = [w.function for w, caught, _, _ in results if not caught]
    assert not missed, f"{assignment}: these mistakes pass every visible test: {missed}"
    unnamed = [(w.function, msgs[0][:300]) for w, _, named, msgs in results if not named]
    share = 1 - len(unnamed) / len(results)
    assert share >= 0.9, f"{assignment}: {len(unnamed)} of {len(results)} mistakes are not named: {unnamed}"


# --------------------------------------------------------------------------- hard-coded visible outputs


@pytest.mark.parametrize("assignment", CONVERTED)
def test_hard_coded_visible_outputs_fail_every_hidden_test(assignment):
    """A function that returns what the solution returns on the visible fixture's inputs, whatever it is
    given, fails every hidden call of its check."""
    from helpers.checks import _fixtures

    path = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    nb = nbs.read(path)
    checked = 0
    with _in(path.parent):
        namespace = fixtures.solution_namespace(nb)
        visible = {c.check: c for c in fixtures.calls(nb) if not c.hidden}
        for call in (c for c in fixtures.calls(nb) if c.hidden):
            module = importlib.import_module(call.module)
            check = module.CHECKS[call.check]
            entry = _fixtures.entry(assignment, call.check, visible[call.check].params)
            returned = []

            def spy(*args, _solution=namespace[call.exercise], _into=returned, **kwargs):
                _into.append(_solution(*args, **kwargs))
                return _into[-1]

            check.run(spy, entry["inputs"], entry.get("tables"), visible[call.check].params)
            memorised = returned[0]

            def hard_coded(*args, _value=memorised, **kwargs):
                return copy.deepcopy(_value)

            with pytest.raises(AssertionError), contextlib.redirect_stdout(io.StringIO()):
                getattr(module, call.check)(hard_coded, **call.params)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("assignment", CONVERTED)
def test_the_students_folder_cannot_run_a_hidden_test(assignment):
    """In the released folder (notebooks/<a>/) a hidden call finds no fixture: it fails with FixtureError,
    saying which case and which files, instead of grading anything."""
    from helpers.checks import _fixtures
    from helpers.checks._fixtures import FixtureError

    nb = nbs.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb")
    found = fixtures.calls(nb)
    visible = {_fixtures.case_key(c.check, c.params) for c in found if not c.hidden}
    hidden = [c for c in found if c.hidden and _fixtures.case_key(c.check, c.params) not in visible]
    assert hidden
    with _in(ROOT / "notebooks" / assignment):
        namespace = fixtures.solution_namespace(nb)
        for call in hidden:
            check = getattr(importlib.import_module(call.module), call.check)
            with pytest.raises(FixtureError, match=rf"no fixture for {call.check}\(.*{assignment}\.hidden\.json"), \
                    contextlib.redirect_stdout(io.StringIO()):
                check(namespace[call.exercise], **call.params)
