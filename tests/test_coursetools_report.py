"""`coursetools report` with a damaged or replaced gradebook: one clear sentence, and nothing written.

A small class of lesson 01 (a perfect and a blank submission, one of them
under a Unicode id) is graded once with `grade`; each test damages a copy of
that course the way an instructor's accident would, checks that `report`
refuses with a message and leaves the earlier grades.csv and report.html as
they were, then follows the message's advice (restore the backup) and checks
that the grades are those of the clean run and that submitted/ never changed.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from adversarial import cases

from coursetools.__main__ import main
from coursetools.collect import student_folder
from coursetools.grade import grade, scores
from coursetools.release import generate, nbgrader_env
from coursetools.report import ReportError, report
from coursetools.safeio import GradebookError, backup_gradebook, backups

ROOT = Path(__file__).resolve().parent.parent
A = "01-univariate"
UNICODE = student_folder("élève")


def _digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A graded course with a report written: (course, clean grades.csv text, clean scores)."""
    course = tmp_path_factory.mktemp("report") / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / A, course / "solutions" / A)
    generate(course / "notebooks", [A], root=course, db=True)
    cases.build(course, students=["perfect", "blank"])
    (course / "submitted" / "blank").rename(course / "submitted" / UNICODE)
    grade([A], root=course, timeout=20, memory=3 << 29, workers=2)
    report(course)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.parent / 'empty.db'}"):  # for the "replaced" case, made once
        pass
    return course, (course / "grades.csv").read_text(encoding="utf-8"), scores(course, A)


@pytest.fixture
def course(tmp_path, graded_course):
    """A fresh copy of the graded course, with a backup of its gradebook as `grade` keeps one."""
    src, csv, clean = graded_course
    copy = tmp_path / "course"
    shutil.copytree(src, copy)
    shutil.copy(src.parent / "empty.db", tmp_path / "empty.db")
    backup_gradebook(copy / "gradebook.db")
    return copy, csv, clean


def _damage(db: Path, how: str, empty: Path):
    data = db.read_bytes()
    if how == "deleted":
        db.unlink()
    elif how == "empty":
        db.write_bytes(b"")
    elif how == "half":
        db.write_bytes(data[: len(data) // 2])
    elif how == "header":
        db.write_bytes(b"\x00" * 100 + data[100:])
    elif how == "replaced":  # what `grade --force` did before: a new, empty gradebook in its place
        shutil.copy(empty, db)
    elif how == "edited":
        con = sqlite3.connect(db)
        con.execute("UPDATE grade SET auto_score = 0 WHERE auto_score > 0 AND id = (SELECT MIN(id) FROM grade "
                    "WHERE auto_score > 0)")
        con.commit()
        con.close()


def test_a_clean_report_is_self_contained_and_names_students_as_written(graded_course):
    """grades.csv has a row per submission; report.html loads nothing remote and shows élève as written."""
    course, csv, _ = graded_course
    assert len(csv.splitlines()) == 3 and UNICODE in csv
    page = (course / "report.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "<script" not in page
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)
    assert not [p for p in course.iterdir() if p.name.endswith((".tmp", ".csv")) and p.name != "grades.csv"]


@pytest.mark.parametrize("how", ["deleted", "empty", "half", "header", "replaced", "edited"])
def test_a_damaged_gradebook_stops_report_with_one_sentence(course, how, capsys):
    """Deleted, truncated to 0 or to half, garbled, replaced by an empty one, or edited: exit 2, old files kept."""
    course, csv, clean = course
    before_html = (course / "report.html").read_bytes()
    submitted = _digest(course / "submitted")
    _damage(course / "gradebook.db", how, course.parent / "empty.db")
    with pytest.raises((GradebookError, ReportError)) as info:
        report(course)
    message = str(info.value)
    assert "\n" not in message and ("--rebuild" in message), message
    if how in ("replaced", "edited"):
        assert isinstance(info.value, ReportError) and "disagrees with the grading records" in message
        assert "01-univariate" in message
    if how in ("half", "header"):  # these gave a raw SQLAlchemy traceback: check the real command's streams
        proc = subprocess.run([sys.executable, "-m", "coursetools", "report", "--root", str(course)],
                              env=nbgrader_env(), capture_output=True, text=True)
        out, err, code = proc.stdout, proc.stderr, proc.returncode
    else:
        code = main(["report", "--root", str(course)])
        out, err = capsys.readouterr()
    assert code == 2 and err == "", err  # no traceback
    assert out.startswith("coursetools report: ") and out.count("\n") == 1, out
    assert (course / "grades.csv").read_text(encoding="utf-8") == csv
    assert (course / "report.html").read_bytes() == before_html
    # what the message says to do works: restore the newest backup, and the grades are the clean run's
    shutil.copy(backups(course / "gradebook.db")[-1], course / "gradebook.db")
    assert main(["report", "--root", str(course)]) == 0
    assert (course / "grades.csv").read_text(encoding="utf-8") == csv
    assert scores(course, A) == clean
    assert _digest(course / "submitted") == submitted
    capsys.readouterr()


@pytest.mark.parametrize("how", ["deleted", "empty", "half", "header"])
def test_grade_refuses_a_damaged_gradebook_before_running_anything(course, how, capsys):
    """The gradebook is the truth: with grading records but a missing, empty, half-truncated or garbled gradebook,
    `grade` stops with one sentence (exit 2) before it writes anything; it never trusts the records or makes a
    new one. Restoring the backup it names gives the clean run's grades back."""
    course, _, clean = course
    submitted, autograded = _digest(course / "submitted"), _digest(course / "autograded")
    _damage(course / "gradebook.db", how, course.parent / "empty.db")
    damaged = (course / "gradebook.db").read_bytes() if how != "deleted" else None
    with pytest.raises(GradebookError):
        grade([A], root=course, timeout=20, workers=1)
    with pytest.raises(GradebookError):  # --force regrades, but never into a new gradebook made silently
        grade([A], root=course, timeout=20, workers=1, force=True)
    assert main(["grade", A, "--root", str(course), "--no-progress"]) == 2
    out, err = capsys.readouterr()
    assert err == "" and "coursetools grade: " in out and "--rebuild" in out, out
    assert _digest(course / "submitted") == submitted and _digest(course / "autograded") == autograded
    if damaged is None:
        assert not (course / "gradebook.db").exists()  # not replaced silently by a new, empty one
    else:
        assert (course / "gradebook.db").read_bytes() == damaged
    shutil.copy(backups(course / "gradebook.db")[-1], course / "gradebook.db")
    assert scores(course, A) == clean


def test_grade_regrades_what_the_gradebook_does_not_hold_and_rebuild_starts_anew(course):
    """A notebook counts as graded only if the gradebook holds its record's grades: an edited grade is graded
    again (the others are skipped); `rebuild` sets the gradebook aside, keeps it, and grades everything again."""
    course, _, clean = course
    submitted = _digest(course / "submitted")
    _damage(course / "gradebook.db", "edited", course.parent / "empty.db")
    assert scores(course, A) != clean
    summary = grade([A], root=course, timeout=20, memory=3 << 29, workers=1)
    assert len(summary["graded"]) == 1 and len(summary["skipped"]) == 1, summary
    assert "backed up" in summary["gradebook"] and scores(course, A) == clean
    _damage(course / "gradebook.db", "deleted", course.parent / "empty.db")
    summary = grade([A], root=course, timeout=20, memory=3 << 29, workers=2, rebuild=True)
    assert len(summary["graded"]) == 2 and not summary["skipped"], summary
    assert summary["gradebook"].startswith("--rebuild") and scores(course, A) == clean
    assert _digest(course / "submitted") == submitted
