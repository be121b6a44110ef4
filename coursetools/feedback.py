"""Per-student HTML feedback from the autograded notebooks, without the hidden tests.

``feedback/<student>/<assignment>/<notebook>.html`` shows the student's own
code and outputs, and for each test cell its points, its result and its
message (what it printed and the error it raised). A test cell's source is
shown as the student received it: the lines between ``### BEGIN HIDDEN
TESTS`` and ``### END HIDDEN TESTS`` are cut out, and no traceback is shown
(a traceback quotes the line that failed, which may be a hidden test).
"""

from __future__ import annotations

import html
from pathlib import Path

import nbformat

from .grade import _visible
from .notebooks import nbgrader_meta, read
from .report import load_records

__all__ = ["feedback", "render"]

_CSS = """body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto}.test{border-left:4px solid #888;padding-left:.8em}
.pass{border-color:#2a2}.fail{border-color:#c22}.msg{white-space:pre-wrap;font-family:monospace}
table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}"""


def _text(outputs, *, images=True):
    parts = []
    for o in outputs:
        if o.output_type == "stream":
            parts.append(f'<div class="msg">{html.escape(o.text)}</div>')
        elif o.output_type == "error":
            parts.append(f'<div class="msg"><b>{html.escape(o.ename)}</b>: {html.escape(o.evalue)}</div>')
        elif o.output_type in ("execute_result", "display_data"):
            data = o.get("data", {})
            if images and "image/png" in data:
                parts.append(f'<img alt="figure" src="data:image/png;base64,{data["image/png"].strip()}">')
            elif "text/plain" in data:
                parts.append(f'<div class="msg">{html.escape(data["text/plain"])}</div>')
    return "".join(parts)


def render(nb, record: dict, *, title: str) -> str:
    """The feedback page of one autograded notebook, as HTML text."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    tests = record.get("tests", {})
    total = sum(t["score"] or 0 for t in tests.values())
    points = sum(t["points"] for t in tests.values())
    def result(t):
        if t.get("manual") and t["score"] is None:
            return "graded by hand"
        return t["message"] or ("passed" if (t["score"] or 0) >= t["points"] else "no answer")

    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{(t['score'] or 0):g} / {t['points']:g}</td>"
                   f"<td>{html.escape(result(t))}</td></tr>" for k, t in tests.items())
    body = [f"<h1>{html.escape(title)}</h1><p><b>Score: {total:g} / {points:g}</b></p>",
            f"<table><tr><th>test</th><th>score</th><th>result</th></tr>{rows}</table><hr>"]
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown":
            body.append(markdown2html_mistune(cell.source))
        elif cell.cell_type == "code" and meta.get("grade"):
            gid = meta.get("grade_id", "")
            t = tests.get(gid, {"score": 0, "points": meta.get("points", 0), "message": ""})
            ok = (t["score"] or 0) >= t["points"]
            body.append(f'<div class="test {"pass" if ok else "fail"}"><h3>Test {html.escape(gid)}: '
                        f'{(t["score"] or 0):g} / {t["points"]:g}</h3>'
                        f"<pre>{html.escape(_visible(cell.source))}</pre>"
                        f"{_text(cell.get('outputs', []), images=False)}</div>")
        elif cell.cell_type == "code":
            body.append(f"<pre>{html.escape(cell.source)}</pre>{_text(cell.get('outputs', []))}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")


def feedback(root: Path, assignments=None) -> list[Path]:
    """Write the feedback page of every graded notebook; return the paths written."""
    root = Path(root)
    if not (root / "autograded").is_dir():
        raise FileNotFoundError(f"nothing graded in {root.resolve()}: no autograded/ folder "
                                "(run `coursetools grade` there first, or pass --root)")
    written = []
    for (student, assignment, name), record in load_records(root).items():
        if assignments and assignment not in assignments:
            continue
        path = root / "autograded" / student / assignment / f"{name}.ipynb"
        out = root / "feedback" / student / assignment / f"{name}.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            nb = read(path)
        else:
            nb = nbformat.v4.new_notebook()
            nb.cells.append(nbformat.v4.new_markdown_cell(
                "Your notebook could not be graded: " + "; ".join(e["detail"] for e in record.get("events", []))))
        out.write_text(render(nb, record, title=f"{assignment} — {student}"), encoding="utf-8")
        written.append(out)
    return written
