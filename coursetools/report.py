"""The grades CSV (nbgrader's own export) and a one-page HTML report of a grading run.

The report shows, per assignment, the distribution of total scores and of
each test cell's score (plots), the test cells failed most often with their
most common failure messages, the submissions that errored, timed out or
could not be read, and every suspected cheat the grader detected (replaced
checkers, refused file access, edited tests or metadata, stray modules,
output on stderr).
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

from .events import ERRORS, SUSPICIOUS  # event kind -> label, per report section
from .release import run_nbgrader

__all__ = ["ERRORS", "SUSPICIOUS", "export_csv", "load_records", "report"]

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


def report(root: Path, out: Path | None = None, *, csv: Path | None = None) -> Path:
    """Write ``grades.csv`` (nbgrader export) and ``report.html``; return the HTML path."""
    root = Path(root)
    if not (root / "gradebook.db").exists() or not (root / "autograded").is_dir():
        raise FileNotFoundError(f"nothing graded in {root.resolve()}: no gradebook.db or autograded/ "
                                "(run `coursetools grade` there first, or pass --root)")
    out = Path(out) if out else root / "report.html"
    export_csv(root, Path(csv) if csv else out.with_name("grades.csv"))
    records = load_records(root)
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
    for title, kinds in (("Submissions that errored, timed out or could not be read", ERRORS),
                         ("Suspected cheating and other oddities", SUSPICIOUS)):
        rows = []
        for (student, assignment, _), r in sorted(records.items()):
            for e in r.get("events", []):
                if e["kind"] in kinds:
                    rows.append(f"<tr><td>{html.escape(student)}</td><td>{html.escape(assignment)}</td>"
                                f"<td>{kinds[e['kind']]}</td><td>{html.escape(e.get('cell') or '')}</td>"
                                f"<td>{html.escape(e['detail'])}</td></tr>")
        parts.append(f"<h3>{title}</h3><table><tr><th>student</th><th>assignment</th><th>what</th>"
                     f"<th>cell</th><th>detail</th></tr>{''.join(rows)}</table>" if rows else
                     f"<h3>{title}</h3><p>none</p>")
    css = ("body{font:14px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
           "td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}")
    out.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grading report</title>"
                   f"<style>{css}</style></head><body>{''.join(parts)}</body></html>", encoding="utf-8")
    return out
