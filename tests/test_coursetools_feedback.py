"""`coursetools feedback`: pages that are safe to open, capped for huge notebooks, and typeset offline.

The pages are built from hand-made autograded notebooks and grading records
(no grading run needed). The browser tests open them from disk in Debian's
chromium, driven by Playwright as in tests/test_browser.py, with every
request that is not a local file aborted and recorded; screenshots go to
``artifacts/feedback/``.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from coursetools.collect import student_folder
from coursetools.feedback import ASSETS, Caps, feedback, render, sanitize_markdown
from coursetools.grade import record_path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "feedback"
A = "01-univariate"
MATHS = r"The gradient is $\frac{\partial L}{\partial w} = \frac{1}{m} X (A - Y)^\top$, and $$\sum_i w_i^2.$$"
# Each attack sets window.__pwned (or opens a dialog) if it runs.
HOSTILE_MARKDOWN = "\n\n".join([
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'onerror'\">",
    "[click me](javascript:window.__pwned='link')",
    "<a href=\"javascript:window.__pwned='a'\" id=jslink>a</a>",
    "<svg onload=\"window.__pwned='svg'\"><circle r=4 /></svg>",
    "<iframe src=\"javascript:parent.__pwned='iframe'\"></iframe>",
    "<body onload=\"window.__pwned='body'\"></body>",
    "<details open ontoggle=\"window.__pwned='toggle'\">x</details>",
    "<object data=\"data:text/html,<script>parent.__pwned='object'</script>\"></object>",
    "<style>body{background:url(https://example.invalid/track)}</style>",
    "![tracker](https://example.invalid/pixel.png)",
    "<form action=\"https://example.invalid\"><input name=q></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__pwned='meta'\">",
])


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [1, 0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _hostile_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(MATHS))
    nb.cells.append(nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN))
    code = nbformat.v4.new_code_cell("plot()")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"}),
        nbformat.v4.new_output("display_data", data={"image/png": "AAAA\" onerror=\"window.__pwned='png'",
                                                     "text/plain": "x"}),
        nbformat.v4.new_output("stream", name="stdout", text="<script>window.__pwned='stream'</script>"),
        nbformat.v4.new_output("execute_result", data={"text/html": "<script>window.__pwned='html'</script>",
                                                       "text/plain": "<b>plain</b>"}),
    ]
    nb.cells.append(code)
    test = nbformat.v4.new_code_cell("check_forward(forward)\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS")
    test.metadata["nbgrader"] = {"grade": True, "grade_id": "test_forward", "points": 2, "locked": True,
                                 "solution": False}
    test.outputs = [nbformat.v4.new_output("error", ename="AssertionError",
                                           evalue="<img src=x onerror=\"window.__pwned='error'\">",
                                           traceback=[])]
    nb.cells.append(test)
    return nb


def _graded(root: Path, student: str, nb, tests=None) -> Path:
    """An autograded notebook and its grading record, as `grade` leaves them."""
    out = root / "autograded" / student / A / f"{A}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(out))
    tests = tests or {"test_forward": {"points": 2.0, "score": 0.0, "manual": False,
                                       "message": "AssertionError: <script>window.__pwned='message'</script>"}}
    record_path(root, student, A, A).write_text(json.dumps({"sha256": "x", "events": [], "tests": tests,
                                                            "seconds": 1.0}))
    return out


def test_markdown_loses_every_way_to_run_script_and_keeps_the_maths():
    """No script, handler, javascript: or data: link, frame, form or foreign image survives; $…$ stays for MathJax."""
    out = sanitize_markdown(HOSTILE_MARKDOWN + "\n\n" + MATHS)
    lowered = out.lower()
    for bad in ("<script", "onerror", "onload", "ontoggle", "javascript:", "<iframe", "<object", "<svg", "<style",
                "<form", "<meta", "example.invalid", "data:text"):
        assert bad not in lowered, f"{bad!r} survived: {out}"
    assert r"$\frac{\partial L}{\partial w}" in out and "$$" in out
    png = f"data:image/png;base64,{_png()}"
    assert png in sanitize_markdown(f"![plot]({png})")  # an inline image the student pasted is kept


def test_outputs_are_escaped_and_images_reencoded():
    """A PNG output is decoded and re-encoded; one whose data would break out of the attribute is not shown."""
    nb = _hostile_notebook()
    page = render(nb, {"tests": {}}, title="t")
    good = nb.cells[2].outputs[0].data["image/png"]
    assert f'src="data:image/png;base64,{good}"' in page
    assert not re.search(r"<[^>]*\son\w+=", page), "an event handler attribute is in the page"
    assert len(re.findall(r'<img alt="figure"', page)) == 1, "only the valid image output is shown"
    assert "an image output that is not a valid image" in page
    assert "<script>" not in page.split("</head>", 1)[1]
    assert "&lt;script&gt;window.__pwned=&#x27;stream&#x27;" in page  # shown as text, not run
    assert "secret()" not in page, "a hidden test line is shown"


def test_a_huge_notebook_is_capped_fast(tmp_path):
    """30 MB of markdown and 300 large outputs: the page is written in seconds, within its budget, with notes."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("word " * 6_000_000))
    for i in range(300):
        cell = nbformat.v4.new_code_cell(f"print({i})")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 100_000)]
        nb.cells.append(cell)
    _graded(tmp_path, "alice", nb)
    start = time.perf_counter()
    [path] = feedback(tmp_path)
    seconds = time.perf_counter() - start
    page = path.read_text(encoding="utf-8")
    assert seconds < 20, f"feedback took {seconds:.1f} s"
    assert len(page) < Caps().page + 100_000
    assert "more characters not shown" in page
    small = feedback(tmp_path, caps=Caps(page=200_000))[0].read_text(encoding="utf-8")
    assert len(small) < 300_000 and "the score above counts every test" in small


def test_pages_are_written_atomically_with_mathjax_beside_them_and_nothing_remote(tmp_path):
    """No temporary file is left; the page loads only ../../_assets/ scripts; the student is named as written."""
    _graded(tmp_path, student_folder("élève"), _hostile_notebook())
    [path] = feedback(tmp_path)
    page = path.read_text(encoding="utf-8")
    assert f"{A} — élève" in page
    assert re.findall(r'<script src="([^"]+)"', page) == [f"../../{ASSETS}/mathjax-config.js",
                                                           f"../../{ASSETS}/tex-svg-full.js"]
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assets = tmp_path / "feedback" / ASSETS
    assert (assets / "tex-svg-full.js").stat().st_size > 1_000_000
    assert not [p for p in (tmp_path / "feedback").rglob("*") if p.name.endswith(".tmp")]


# --- in chromium -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def offline_browser():
    """Debian's chromium under Playwright (skipped locally without it, a failure under CI)."""
    from test_browser import CHROMIUM_ARGS, _require_browser

    chromium = _require_browser()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _open(browser, path: Path, shot: str):
    """Open ``path`` with the network off: returns (window.__pwned, dialogs, remote requests, typeset count)."""
    context = browser.new_context()
    context.set_offline(True)
    remote, dialogs = [], []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            remote.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        typeset = 0
        if "window.MathJax" in page.content() or "tex-svg-full.js" in path.read_text(encoding="utf-8"):
            page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
            page.evaluate("MathJax.startup.promise")
            typeset = page.locator("mjx-container svg").count()
        if page.locator("#jslink").count():
            page.locator("#jslink").click()
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
        return page.evaluate("window.__pwned === undefined ? null : String(window.__pwned)"), dialogs, remote, typeset
    finally:
        context.close()


def test_a_hostile_feedback_page_runs_no_script_and_typesets_its_maths_offline(tmp_path, offline_browser):
    """Opened from disk with the network off: MathJax (from the installed package) typesets; no attack runs."""
    _graded(tmp_path, "mallory", _hostile_notebook())
    [path] = feedback(tmp_path)
    pwned, dialogs, remote, typeset = _open(offline_browser, path, "hostile-feedback")
    assert pwned is None and dialogs == [], f"a student's script ran: {pwned} {dialogs}"
    assert typeset >= 2, "the maths was not typeset (raw $…$ left)"
    assert remote == [], f"the page asked the network for {remote}"


def test_without_its_content_security_policy_the_page_is_still_safe(tmp_path, offline_browser):
    """The sanitiser alone holds the line: the same page with its CSP removed still runs no student script."""
    _graded(tmp_path, "mallory", _hostile_notebook())
    [path] = feedback(tmp_path)
    page = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page), encoding="utf-8")
    assert "Content-Security-Policy" not in path.read_text(encoding="utf-8")
    pwned, dialogs, _, typeset = _open(offline_browser, path, "hostile-feedback-no-csp")
    assert pwned is None and dialogs == [], f"a student's script ran: {pwned} {dialogs}"
    assert typeset >= 2


def test_a_page_with_mathjax_inside_works_alone(tmp_path, offline_browser):
    """--inline-mathjax: the page alone (as nbgrader's release_feedback copies it) typesets; no attack runs."""
    _graded(tmp_path, "mallory", _hostile_notebook())
    [path] = feedback(tmp_path, inline_mathjax=True)
    alone = tmp_path / "exchange" / "3f2a.html"
    alone.parent.mkdir()
    shutil.copy(path, alone)
    assert not (tmp_path / "feedback" / ASSETS).exists()
    page = alone.read_text(encoding="utf-8")
    assert "<script src=" not in page and "'unsafe-inline'" not in page.split("style-src")[0]
    pwned, dialogs, remote, typeset = _open(offline_browser, alone, "hostile-feedback-inline")
    assert pwned is None and dialogs == [] and remote == []
    assert typeset >= 2


def test_a_page_without_maths_has_no_script(tmp_path):
    """Nothing to typeset: the CSP allows no script at all and none is loaded."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("No formulas here."))
    _graded(tmp_path, "alice", nb)
    page = feedback(tmp_path)[0].read_text(encoding="utf-8")
    assert "<script" not in page and "script-src 'none'" in page


def test_the_class_report_runs_no_script_from_messages_or_events(tmp_path, offline_browser):
    """report.html quotes students' error messages and event details: as text, never as markup."""
    from coursetools.report import _html

    attack = "<img src=x onerror=\"window.__pwned='report'\"><script>window.__pwned='report2'</script>"
    records = {(student_folder("élève"), A, A): {
        "tests": {"test_forward": {"points": 2.0, "score": 0.0, "manual": False, "message": attack}},
        "events": [{"kind": "tampering", "cell": attack, "detail": attack},
                   {"kind": "timeout", "cell": None, "detail": attack}]}}
    page = _html(records)
    assert "élève" in page and "<script" not in page and not re.search(r"<[^>]*\son\w+=", page)
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    pwned, dialogs, remote, _ = _open(offline_browser, path, "hostile-report")
    assert pwned is None and dialogs == [] and remote == []
