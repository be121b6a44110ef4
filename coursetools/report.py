"""The grades CSV (nbgrader's own export) and a one-page HTML report of a grading run.

``report`` writes nothing it cannot stand behind: the gradebook is checked
first (:func:`coursetools.safeio.check_gradebook`), every grade the records
show is compared with the gradebook's, and ``grades.csv`` is exported to a
temporary file and checked to hold a row for every graded submission before
it replaces the old one. A gradebook that disagrees raises
:class:`ReportError` naming the notebooks and what to do, and leaves the
old ``grades.csv`` and ``report.html`` as they were.

The report shows, per assignment, the distribution of total scores and of
each test cell's score (plots), the test cells failed most often with their
most common failure messages, the submissions that errored, timed out or
could not be read, and every suspected cheat the grader detected (replaced
checkers, refused file access, edited tests or metadata, stray modules,
output on stderr).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import html
import io
import json
import os
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from .events import ERRORS, SUSPICIOUS  # event kind -> label, per report section
from .release import run_nbgrader
from .safeio import DiskFullError, atomic_write_text, backups, check_gradebook

__all__ = ["ERRORS", "SUSPICIOUS", "ReportError", "disagreements", "export_csv", "load_records",
           "record_disagreements", "report"]


class ReportError(Exception):
    """The gradebook disagrees with the grading records: nothing was written."""

def load_records(root: Path) -> dict:
    """``{(student, assignment, notebook): record}`` for every notebook ``grade`` has graded."""
    out = {}
    for f in sorted(Path(root, "autograded").glob("*/*/.*.coursetools.json")):
        name = f.name[1:].removesuffix(".coursetools.json")
        out[(f.parent.parent.name, f.parent.name, name)] = json.loads(f.read_text(encoding="utf-8"))
    return out


def export_csv(root: Path, to: Path) -> Path:
    """Write the grades CSV with ``nbgrader export`` (its CsvExportPlugin)."""
    root, to = Path(root).resolve(), Path(to).resolve()
    run_nbgrader("export", f"--CourseDirectory.root={root}", f"--to={to}", cwd=root)
    return to


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _plots(assignment, recs) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tests = sorted({t for r in recs for t in r["tests"]})
    totals = [sum(t["score"] or 0 for t in r["tests"].values()) for r in recs]
    maxima = max((sum(t["points"] for t in r["tests"].values()) for r in recs), default=0)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
    axes[0].hist(totals, bins=max(1, int(maxima) + 1), range=(-0.5, maxima + 0.5), color="#4477aa")
    axes[0].set(title=f"{assignment}: total score ({len(recs)} notebooks)", xlabel="score", ylabel="students")
    full = [sum((r["tests"].get(t, {}).get("score") or 0) >= r["tests"].get(t, {}).get("points", 1) for r in recs)
            for t in tests]
    axes[1].barh(tests, [len(recs)] * len(tests), color="#dd7777", label="not full marks")
    axes[1].barh(tests, full, color="#55aa55", label="full marks")
    axes[1].set(title="per test cell", xlabel="students")
    axes[1].invert_yaxis()
    axes[1].legend(loc="lower right", fontsize=8)
    out = _png(fig)
    plt.close(fig)
    return out


def record_disagreements(gb, key, record: dict) -> list[str]:
    """How the open nbgrader Gradebook ``gb`` disagrees with one notebook's grading record; [] when it agrees.

    ``key`` is ``(student, assignment, notebook)``. A notebook counts as
    graded only when this is empty (``grade`` can call it before skipping).
    """
    from nbgrader.api import MissingEntry

    student, assignment, name = key
    where = f"{student}/{assignment}/{name}"
    try:
        grades = {g.name: g.auto_score for g in gb.find_submission_notebook(name, assignment, student).grades}
    except MissingEntry:
        return [f"{where}: graded (its record exists) but not in the gradebook"]
    out = []
    for test, res in sorted(record.get("tests", {}).items()):
        if test not in grades:
            out.append(f"{where}: {test} is not in the gradebook")
        elif (grades[test] is None) != (res["score"] is None) or (
                res["score"] is not None and abs(grades[test] - res["score"]) > 1e-9):
            out.append(f"{where}: {test} is {grades[test]} in the gradebook and {res['score']} in the record")
    return out


def disagreements(root: Path, records: dict) -> list[str]:
    """Every way the gradebook of ``root`` disagrees with ``records`` (see :func:`record_disagreements`)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gb:
        return [line for key, record in sorted(records.items()) for line in record_disagreements(gb, key, record)]


def _csv_rows(path: Path) -> set[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {(row["student_id"], row["assignment"]) for row in csv.DictReader(f)}


def _refuse(problems: list[str], root: Path, what: str) -> ReportError:
    shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
    found = backups(root / "gradebook.db")
    restore = f"restore {found[-1]} over gradebook.db" if found else "restore gradebook.db from a backup"
    return ReportError(f"{what} not written: the gradebook disagrees with the grading records in autograded/ "
                       f"for {len(problems)} notebook(s) ({shown}); {restore}, or regrade with "
                       "`coursetools grade --rebuild`")


def report(root: Path, out: Path | None = None, *, csv: Path | None = None) -> Path:
    """Write ``grades.csv`` (nbgrader export) and ``report.html``; return the HTML path.

    Raises
    ------
    FileNotFoundError
        Nothing was graded in ``root``.
    coursetools.safeio.GradebookError
        The gradebook is missing, empty or damaged.
    ReportError
        The gradebook disagrees with the grading records (e.g. it was
        replaced by an empty one): neither file is written.
    """
    root = Path(root)
    if not (root / "autograded").is_dir():
        raise FileNotFoundError(f"nothing graded in {root.resolve()}: no gradebook.db or autograded/ "
                                "(run `coursetools grade` there first, or pass --root)")
    records = load_records(root)
    if not records and not (root / "gradebook.db").exists():
        raise FileNotFoundError(f"nothing graded in {root.resolve()}: no gradebook.db or autograded/ "
                                "(run `coursetools grade` there first, or pass --root)")
    check_gradebook(root / "gradebook.db", required=True)
    problems = disagreements(root, records)
    if problems:
        raise _refuse(problems, root, "grades.csv and report.html")
    out = Path(out) if out else root / "report.html"
    to = Path(csv) if csv else out.with_name("grades.csv")
    to.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=to.parent, prefix=f".{to.name}.", suffix=".csv")
    os.close(fd)
    try:
        try:
            export_csv(root, Path(tmp))
        except RuntimeError as exc:
            if "No space left" in str(exc):
                raise DiskFullError(to.parent, 1 << 20) from None
            raise
        missing = {(s, a) for s, a, _ in records} - _csv_rows(Path(tmp))
        if missing:
            raise _refuse([f"{s}/{a}: no row in nbgrader's export" for s, a in sorted(missing)], root, "grades.csv")
        html_text = _html(records)
        os.replace(tmp, to)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    atomic_write_text(out, html_text)
    return out


_HOW = {"parent": "by the grader (the kernel returned outputs only; expected values never entered it)",
        "kernel": "in the kernel (checks not fixture-based yet, or stock-style grading)",
        "mixed": "fixture checks by the grader, the other hidden statements in the kernel"}


def _compared(recs) -> str:
    """Where each test cell's hidden tests were compared (the records' ``compared``), as one table."""
    seen = defaultdict(Counter)
    for r in recs:
        for test, how in r.get("compared", {}).items():
            seen[test][how] += 1
    if not seen:
        return ""
    rows = "".join(f"<tr><td>{html.escape(t)}</td><td>"
                   + "<br>".join(f"{n}× {html.escape(_HOW.get(h, h))}" for h, n in sorted(c.items())) + "</td></tr>"
                   for t, c in sorted(seen.items()))
    return f"<h3>Hidden tests compared</h3><table><tr><th>test</th><th>where</th></tr>{rows}</table>"


def _html(records: dict) -> str:
    from .collect import student_name

    by_assignment = defaultdict(list)
    for (_, assignment, _), r in records.items():
        by_assignment[assignment].append(r)
    parts = ["<h1>Grading report</h1>"]
    for assignment, recs in sorted(by_assignment.items()):
        parts.append(f"<h2>{html.escape(assignment)}</h2>{_plots(assignment, recs)}")
        failures = defaultdict(Counter)
        for r in recs:
            for t, res in r["tests"].items():
                if res.get("manual") and res["score"] is None:
                    continue  # answered, waiting for a person to grade it
                if (res["score"] or 0) < res["points"]:
                    failures[t][" ".join((res["message"] or "no message").split())[:240]] += 1
        rows = "".join(
            f"<tr><td>{html.escape(t)}</td><td>{sum(c.values())}</td><td>"
            + "<br>".join(f"{n}× {html.escape(m)}" for m, n in c.most_common(3)) + "</td></tr>"
            for t, c in sorted(failures.items(), key=lambda kv: -sum(kv[1].values())))
        parts.append("<h3>Most often failed</h3><table><tr><th>test</th><th>failed</th>"
                     f"<th>most common messages</th></tr>{rows}</table>")
        parts.append(_compared(recs))
    for title, kinds in (("Submissions that errored, timed out or could not be read", ERRORS),
                         ("Suspected cheating and other oddities", SUSPICIOUS)):
        rows = []
        for (student, assignment, _), r in sorted(records.items()):
            for e in r.get("events", []):
                if e["kind"] in kinds:
                    rows.append(f"<tr><td>{html.escape(student_name(student))}</td><td>{html.escape(assignment)}</td>"
                                f"<td>{kinds[e['kind']]}</td><td>{html.escape(e.get('cell') or '')}</td>"
                                f"<td>{html.escape(e['detail'])}</td></tr>")
        parts.append(f"<h3>{title}</h3><table><tr><th>student</th><th>assignment</th><th>what</th>"
                     f"<th>cell</th><th>detail</th></tr>{''.join(rows)}</table>" if rows else
                     f"<h3>{title}</h3><p>none</p>")
    css = ("body{font:14px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
           "td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}")
    csp = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'\">")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{csp}<title>Grading report</title>"
            f"<style>{css}</style></head><body>{''.join(parts)}</body></html>")
