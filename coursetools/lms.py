"""Grades and feedback back to the LMS: Canvas and Moodle gradebook imports, one feedback zip per student.

:func:`write_gradebooks` turns ``grades.csv`` (``nbgrader export``: one row per
student and assignment) into the two import formats, one row per student and
one column per assignment, scores in points:

``grades-canvas.csv``
    Canvas's gradebook import (Grades → Import): the columns ``Student``,
    ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per
    assignment, and a second row ``Points Possible``. Canvas matches a row to a
    student by ``ID`` or the SIS ids; we fill ``SIS Login ID`` with the course's
    student id (the login) and leave ``ID`` empty. An assignment column whose
    header has no ``(canvas id)`` is created as a new assignment on import.
``grades-moodle.csv``
    Moodle's grade import from CSV (Grades → Import → CSV file): ``First name``,
    ``Last name``, ``Username``, ``Email address``, then one column per
    assignment. On import, map ``Username`` (or ``Email address``) to the user
    and each assignment column to its grade item.

A student without a submission for an assignment gets an empty cell (no grade),
not 0, so the import does not overwrite a grade entered in the LMS.

:func:`zip_feedback` writes ``feedback-zip/<student>.zip`` holding that
student's ``<assignment>/<notebook>.html`` pages, to upload as a feedback file.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

__all__ = ["CANVAS_COLUMNS", "MOODLE_COLUMNS", "read_grades", "write_gradebooks", "zip_feedback"]

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["First name", "Last name", "Username", "Email address"]
_NBGRADER_COLUMNS = {"assignment", "student_id", "score", "max_score"}


def read_grades(grades_csv: Path) -> tuple[list[str], dict[str, float], dict[str, dict]]:
    """``(assignments, max score per assignment, {student: {"first_name", ..., "scores": {assignment: score}}})``.

    ``grades_csv`` is what ``nbgrader export`` writes (``coursetools report`` does).
    """
    grades_csv = Path(grades_csv)
    with grades_csv.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = _NBGRADER_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{grades_csv}: expected nbgrader export's columns {sorted(_NBGRADER_COLUMNS)}, "
                             f"missing {sorted(missing)} (columns received: {reader.fieldnames})")
        assignments, maxima, students = [], {}, {}
        for row in reader:
            a, s = row["assignment"], row["student_id"]
            if a not in maxima:
                assignments.append(a)
                maxima[a] = float(row["max_score"] or 0)
            info = students.setdefault(s, {"first_name": row.get("first_name") or "",
                                           "last_name": row.get("last_name") or "",
                                           "email": row.get("email") or "", "scores": {}})
            submitted = (row.get("timestamp") or "").strip() not in ("", "None")
            if submitted or float(row["score"] or 0) > 0:
                info["scores"][a] = float(row["score"] or 0)
    return assignments, maxima, students


def _number(x: float) -> str:
    return f"{x:g}"


def write_gradebooks(grades_csv: Path) -> list[Path]:
    """Write ``grades-canvas.csv`` and ``grades-moodle.csv`` next to ``grades_csv``; return their paths."""
    grades_csv = Path(grades_csv)
    assignments, maxima, students = read_grades(grades_csv)
    canvas, moodle = grades_csv.with_name("grades-canvas.csv"), grades_csv.with_name("grades-moodle.csv")
    with canvas.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CANVAS_COLUMNS + assignments)
        w.writerow(["Points Possible", "", "", "", ""] + [_number(maxima[a]) for a in assignments])
        for sid, info in sorted(students.items()):
            name = ", ".join(filter(None, (info["last_name"], info["first_name"]))) or sid
            w.writerow([name, "", "", sid, ""] + [_score(info, a) for a in assignments])
    with moodle.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(MOODLE_COLUMNS + assignments)
        for sid, info in sorted(students.items()):
            w.writerow([info["first_name"], info["last_name"], sid, info["email"]]
                       + [_score(info, a) for a in assignments])
    return [canvas, moodle]


def _score(info, assignment):
    score = info["scores"].get(assignment)
    return "" if score is None else _number(score)


def zip_feedback(root: Path) -> list[Path]:
    """Zip each student's ``feedback/<student>/`` pages into ``feedback-zip/<student>.zip``; return the zips."""
    root = Path(root)
    out = root / "feedback-zip"
    if not (root / "feedback").is_dir():
        raise FileNotFoundError(f"no feedback/ folder in {root}: run `coursetools feedback` first")
    written = []
    for student in sorted(p for p in (root / "feedback").iterdir() if p.is_dir()):
        pages = sorted(student.glob("*/*.html"))
        if not pages:
            continue
        out.mkdir(exist_ok=True)
        target = out / f"{student.name}.zip"
        tmp = target.with_suffix(".partial")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for page in pages:
                zf.write(page, page.relative_to(student).as_posix())
        tmp.replace(target)
        written.append(target)
    return written
