"""Per-student HTML feedback from the autograded notebooks, without the hidden tests.

``feedback/<student>/<assignment>/<notebook>.html`` shows the student's own
code and outputs, and for each test cell its points, its result and its
message (what it printed and the error it raised). A test cell's source is
shown as the student received it: the lines between ``### BEGIN HIDDEN
TESTS`` and ``### END HIDDEN TESTS`` are cut out, and no traceback is shown
(a traceback quotes the line that failed, which may be a hidden test).

A page is safe for the instructor or a grader to open, whatever the student
wrote: the student's markdown is rendered and then sanitised with nh3
(Ammonia: no script, no event handler, no ``javascript:`` link, images only
as inline PNG/JPEG/GIF data), outputs are shown as escaped text, and each
image output is decoded, checked to be the image it claims and re-encoded.
The page's Content-Security-Policy allows no script but the course's own
MathJax, and no request to any server. Maths is typeset by MathJax 3
(``tex-svg-full.js`` from the ``django-static-mathjax`` package, installed
with the project), copied once into ``feedback/_assets/`` (or, with
``inline_mathjax``, carried inside each page), so a page needs no network.
A page without maths has no script at all. A large notebook is capped: each
cell's text and each output are cut with a note, and past a page budget
further cells are left out with a note, so feedback for a class stays fast.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import nbformat

from .grade import _visible
from .notebooks import nbgrader_meta
from .report import load_records
from .safeio import atomic_write_bytes, atomic_write_text

__all__ = ["ASSETS", "INLINE", "Caps", "feedback", "render", "sanitize_markdown"]

#: the folder of feedback/ that holds the pages' MathJax (no student folder can have this name)
ASSETS = "_assets"
_MATHJAX = ("static", "mathjax", "es5", "tex-svg-full.js")
_CONFIG = ("window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], processEscapes: true},"
           " svg: {fontCache: 'global'}, options: {enableMenu: false}};\n")
_CSS = """body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto}.test{border-left:4px solid #888;padding-left:.8em}
.pass{border-color:#2a2}.fail{border-color:#c22}.msg{white-space:pre-wrap;font-family:monospace}
.cut{color:#a50;font-style:italic}img{max-width:100%}
table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}"""
#: ``render(..., assets=INLINE)``: MathJax inside the page
INLINE = "inline"
_MATH = re.compile(r"\$|\\\(|\\\[|\\begin\{")
_IMAGES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff", "image/gif": b"GIF8"}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*$")


@dataclass(frozen=True)
class Caps:
    """How much of a notebook a page shows: characters per cell source and per output, image bytes, page bytes."""

    source: int = 20_000
    output: int = 10_000
    image: int = 2_000_000
    page: int = 8_000_000


def _cut(text: str, limit: int) -> tuple[str, str]:
    """(``text`` up to ``limit`` characters, a note saying how much was left out, or "")."""
    if len(text) <= limit:
        return text, ""
    return text[:limit], f'<p class="cut">… {len(text) - limit:,} more characters not shown</p>'


def _filter(tag, attr, value):
    """nh3 attribute filter: images only from inline data, links never to ``data:``."""
    if tag == "img" and attr == "src":
        return value if _DATA_IMAGE.match(value) else None
    if attr == "href" and value.strip().lower().startswith("data:"):
        return None
    return value


def sanitize_markdown(source: str) -> str:
    """A student's markdown as HTML with nothing that can run: no script, handler, ``javascript:`` or foreign image.

    >>> sanitize_markdown('**hi** <script>alert(1)</script><img src=x onerror="alert(2)">')
    '<p><strong>hi</strong> <img></p>\\n'
    """
    import nh3
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return nh3.clean(markdown2html_mistune(source), url_schemes={"http", "https", "mailto", "data"},
                     attribute_filter=_filter, clean_content_tags={"script", "style"},
                     link_rel="noopener noreferrer nofollow")


def _image(mime: str, payload, caps: Caps) -> str:
    """An image output re-encoded from its decoded bytes, or a note when it is not the image it claims."""
    text = "".join(payload) if isinstance(payload, list) else str(payload)
    if len(text) > caps.image * 4 // 3 + 4:
        return f'<p class="cut">an image of {len(text) * 3 // 4:,} bytes, over {caps.image:,}, not shown</p>'
    try:
        data = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        data = b""
    if not data.startswith(_IMAGES[mime]):
        return '<p class="cut">an image output that is not a valid image, not shown</p>'
    return f'<img alt="figure" src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}">'


def _text(outputs, caps: Caps, *, images=True):
    parts = []
    for o in outputs:
        kind = o.get("output_type")
        if kind == "stream":
            text, note = _cut(_str(o.get("text", "")), caps.output)
            parts.append(f'<div class="msg">{html.escape(text)}</div>{note}')
        elif kind == "error":
            text, note = _cut(f"{_str(o.get('ename', ''))}: {_str(o.get('evalue', ''))}", caps.output)
            name, _, value = text.partition(": ")
            parts.append(f'<div class="msg"><b>{html.escape(name)}</b>: {html.escape(value)}</div>{note}')
        elif kind in ("execute_result", "display_data"):
            data = o.get("data", {}) if isinstance(o.get("data"), dict) else {}
            mime = next((m for m in _IMAGES if m in data), None)
            if images and mime:
                parts.append(_image(mime, data[mime], caps))
            elif "text/plain" in data:
                text, note = _cut(_str(data["text/plain"]), caps.output)
                parts.append(f'<div class="msg">{html.escape(text)}</div>{note}')
    return "".join(parts)


def _str(value) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value)


def _csp(script_src: str) -> str:
    return ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            f"script-src {script_src}; style-src 'unsafe-inline'; img-src data:; font-src data:; "
            "base-uri 'none'; form-action 'none'\">")


def render(nb, record: dict, *, title: str, assets: str | None = None, caps: Caps | None = None) -> str:
    """The feedback page of one autograded notebook, as HTML text.

    ``assets`` is the URL of the folder holding ``mathjax-config.js`` and
    ``tex-svg-full.js`` relative to the page, or :data:`INLINE` to carry
    MathJax inside the page (2.2 MB; a page that must travel alone), or
    None: no maths typesetting. A page without maths gets no script.
    """
    caps = caps or Caps()
    tests = record.get("tests", {})
    total = sum(t["score"] or 0 for t in tests.values())
    points = sum(t["points"] for t in tests.values())

    def result(t):
        if t.get("manual") and t["score"] is None:
            return "graded by hand"
        return t["message"] or ("passed" if (t["score"] or 0) >= t["points"] else "no answer")

    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{(t['score'] or 0):g} / {t['points']:g}</td>"
                   f"<td>{html.escape(_cut(result(t), caps.output)[0])}</td></tr>" for k, t in tests.items())
    body = [f"<h1>{html.escape(title)}</h1><p><b>Score: {total:g} / {points:g}</b></p>",
            f"<table><tr><th>test</th><th>score</th><th>result</th></tr>{rows}</table><hr>"]
    size = sum(map(len, body))
    cells = list(nb.cells)
    for i, cell in enumerate(cells):
        meta = nbgrader_meta(cell)
        source, note = _cut(_str(cell.get("source", "")), caps.source)
        if cell.cell_type == "markdown":
            part = sanitize_markdown(source) + note
        elif cell.cell_type == "code" and meta.get("grade"):
            gid = meta.get("grade_id", "")
            t = tests.get(gid, {"score": 0, "points": meta.get("points", 0), "message": ""})
            ok = (t["score"] or 0) >= t["points"]
            part = (f'<div class="test {"pass" if ok else "fail"}"><h3>Test {html.escape(gid)}: '
                    f'{(t["score"] or 0):g} / {t["points"]:g}</h3>'
                    f"<pre>{html.escape(_visible(source))}</pre>{note}"
                    f"{_text(cell.get('outputs', []), caps, images=False)}</div>")
        elif cell.cell_type == "code":
            part = f"<pre>{html.escape(source)}</pre>{note}{_text(cell.get('outputs', []), caps)}"
        else:
            continue
        if size + len(part) > caps.page:
            body.append(f'<p class="cut">… the notebook is too large to show whole: {len(cells) - i} more '
                        "cell(s) not shown; the score above counts every test</p>")
            break
        body.append(part)
        size += len(part)
    if assets is None or not any(_MATH.search(_str(c.get("source", ""))) for c in cells
                                 if c.cell_type == "markdown"):
        head = _csp("'none'")  # no maths on the page: no script at all
    elif assets == INLINE:
        code = _mathjax().decode("utf-8")
        hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(t.encode()).digest()).decode()}'"
                          for t in (_CONFIG, code))
        head = _csp(hashes) + f"<script>{_CONFIG}</script><script>{code}</script>"
    else:
        head = (_csp("'self'") + f'<script src="{html.escape(assets)}/mathjax-config.js"></script>'
                f'<script src="{html.escape(assets)}/tex-svg-full.js" id="MathJax-script" async></script>')
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}<title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>")


def _mathjax() -> bytes:
    """MathJax 3 (``tex-svg-full.js``: TeX input and SVG output with its fonts, one file) from the installed package."""
    return resources.files("mathjax").joinpath(*_MATHJAX).read_bytes()


def _install_assets(folder: Path) -> None:
    """Copy MathJax (from the installed django-static-mathjax package) and its configuration into ``folder``."""
    source = _mathjax()
    target = folder / _MATHJAX[-1]
    if not target.exists() or hashlib.sha256(target.read_bytes()).digest() != hashlib.sha256(source).digest():
        atomic_write_bytes(target, source)
    config = folder / "mathjax-config.js"
    if not config.exists() or config.read_text(encoding="utf-8") != _CONFIG:
        atomic_write_text(config, _CONFIG)


def _read(path: Path):
    """The autograded notebook, without nbformat's schema validation (slow on a huge notebook; grade wrote it)."""
    with open(path, encoding="utf-8") as f:
        return nbformat.from_dict(json.load(f))


def feedback(root: Path, assignments=None, *, caps: Caps | None = None, inline_mathjax: bool = False) -> list[Path]:
    """Write the feedback page of every graded notebook; return the paths written.

    With ``inline_mathjax`` each page carries MathJax itself (2.2 MB more per
    page with maths), for when pages travel alone: nbgrader's
    ``release_feedback`` copies only the ``.html`` files to the exchange.
    Otherwise MathJax is copied once to ``feedback/_assets/``.
    """
    from .collect import student_name

    root = Path(root)
    if not (root / "autograded").is_dir():
        raise FileNotFoundError(f"nothing graded in {root.resolve()}: no autograded/ folder "
                                "(run `coursetools grade` there first, or pass --root)")
    written = []
    records = {k: r for k, r in load_records(root).items() if not assignments or k[1] in assignments}
    if records and not inline_mathjax:
        _install_assets(root / "feedback" / ASSETS)
    for (student, assignment, name), record in records.items():
        path = root / "autograded" / student / assignment / f"{name}.ipynb"
        out = root / "feedback" / student / assignment / f"{name}.html"
        try:
            nb = _read(path) if path.exists() else None
        except (ValueError, UnicodeDecodeError, RecursionError):
            nb = None
        if nb is None:
            nb = nbformat.v4.new_notebook()
            nb.cells.append(nbformat.v4.new_markdown_cell(
                "Your notebook could not be graded: " + "; ".join(e["detail"] for e in record.get("events", []))))
        page = render(nb, record, title=f"{assignment} — {student_name(student)}",
                      assets=INLINE if inline_mathjax else f"../../{ASSETS}", caps=caps)
        atomic_write_text(out, page)
        written.append(out)
    return written
