"""Grading speed: `coursetools grade` against stock `nbgrader autograde` and against bare nbclient.

A synthetic class of 10 students × the 4 core lessons (40 notebooks: perfect,
blank, and one exercise left out in turn) is graded in this one run four ways:

* stock ``nbgrader autograde`` (one notebook after another), on one copy of the course;
* ``coursetools grade`` (one worker process per core), every kernel in the sandbox, on another copy;
* ``coursetools grade --isolation off`` (guarded only), the same way, on a third copy;
* every notebook executed one after another with nbclient and nothing else.

Targets (issue "Grade in a real sandbox"): ``grade`` is at least 2× faster than
stock autograde, with identical grades; the sandbox costs at most 10% per
notebook (sandboxed against guarded-only grading); and, as before, grade's time
per notebook (wall time × workers / notebooks) is within 25% of nbclient's.
Without the sandbox here the sandbox's ratio is not measured (and reported so).
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from coursetools import notebooks as nbs
from coursetools.grade import grade, scores
from coursetools.release import generate, run_nbgrader
from coursetools.sandbox import isolation

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ["01-univariate", "02-multivariate", "03-two-layer-linear", "04-two-layer-sigmoid"]
STUDENTS = 10
SPEEDUP = 2.0
OVERHEAD = 1.25
SANDBOX = 1.10


def _course(path: Path) -> Path:
    path.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", path)
    for lesson in LESSONS:
        shutil.copytree(ROOT / "solutions" / lesson, path / "solutions" / lesson)
    generate(path / "notebooks", LESSONS, root=path, db=True)
    return path


def _class(course: Path) -> list[Path]:
    """Write the synthetic submissions; return their paths."""
    paths = []
    for lesson in LESSONS:
        source = nbs.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb")
        student_nb = nbs.read(course / "notebooks" / lesson / f"{lesson}.ipynb")
        exercises = nbs.stub_ids(source)
        for k in range(STUDENTS):
            leave = set() if k == 0 else set(exercises) if k == 1 else {exercises[k % len(exercises)]}
            nb = student_nb if leave == set(exercises) else nbs.fill_stubs(student_nb, source, leave=leave)
            target = course / "submitted" / f"student{k:02d}" / lesson / f"{lesson}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(target))
            paths.append(target)
    return paths


def run() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        ours, stock, off = _course(Path(tmp) / "ours"), _course(Path(tmp) / "stock"), _course(Path(tmp) / "off")
        paths = _class(ours)
        _class(stock)
        _class(off)
        n = len(paths)

        start = time.perf_counter()
        for lesson in LESSONS:
            run_nbgrader("autograde", lesson, "--force", cwd=stock)
        t_stock = time.perf_counter() - start

        workers = os.cpu_count() or 1
        start = time.perf_counter()
        grade(LESSONS, root=ours, workers=workers)
        t_grade = time.perf_counter() - start

        start = time.perf_counter()
        grade(LESSONS, root=off, workers=workers, isolation="off")
        t_off = time.perf_counter() - start

        start = time.perf_counter()
        for path in paths:  # with the assignment's support files (its fixtures), as every grader has them
            with tempfile.TemporaryDirectory() as cwd:
                for support in (ours / "solutions" / path.parent.name).iterdir():
                    if support.is_file() and support.suffix != ".ipynb":
                        shutil.copy(support, cwd)
                nbs.execute(copy.deepcopy(nbs.read(path)), cwd=Path(cwd), allow_errors=True)
        t_plain = time.perf_counter() - start

        same = all(scores(ours, lesson) == scores(stock, lesson) == scores(off, lesson) for lesson in LESSONS)
    why = isolation()
    speedup = t_stock / t_grade
    per_notebook = t_grade * workers / n
    overhead = per_notebook / (t_plain / n)
    cost = t_grade / t_off
    ok = speedup >= SPEEDUP and overhead <= OVERHEAD and same and (why is not None or cost <= SANDBOX)
    print(f"{n} notebooks, {workers} workers: stock autograde {t_stock:6.1f} s, grade {t_grade:6.1f} s -> "
          f"{speedup:4.2f}x faster (target >= {SPEEDUP}x){'' if speedup >= SPEEDUP else '  MISSED'}")
    missed = "" if overhead <= OVERHEAD else "  MISSED"
    print(f"per notebook: grade {per_notebook:5.2f} s (wall x workers / notebooks), nbclient alone "
          f"{t_plain / n:5.2f} s -> {overhead:4.2f}x (target <= {OVERHEAD}x){missed}")
    if why is None:
        print(f"sandbox: grade {t_grade:6.1f} s, guarded only {t_off:6.1f} s -> {cost:4.2f}x "
              f"(target <= {SANDBOX}x){'' if cost <= SANDBOX else '  MISSED'}")
    else:
        print(f"sandbox: not available here ({why}): its cost was not measured")
    print(f"grades identical to stock autograde (sandboxed and guarded only): {'yes' if same else 'NO'}")
    return ok
