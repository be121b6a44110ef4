"""The course in a real browser: JupyterLab on 127.0.0.1 with a token, driven by Playwright in Debian's chromium.

What a student sees, step by step, with a screenshot of each step in
``artifacts/browser/`` (kept by CI when a test fails):

* the solution notebook of lesson 1 runs to the end with no error and no
  stderr output, its explorer's sliders render, and moving a slider redraws
  the plot;
* in the student version, the first exercise filled in through the editor
  passes its test cell, and a transposed answer gets feedback naming the
  transposition;
* nbgrader's JupyterLab extension is loaded (its Validate button and menu).

Playwright never downloads a browser here: it launches ``chromium`` from the
system. Without it the tests are skipped with how to install it, except under
CI (``CI=true``), where a missing browser fails the run. The server works on
copies of the notebooks in a temporary folder, so nothing in the repository
changes, and uses temporary Jupyter config, data, runtime and settings folders.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from servers import free_port, get, stop

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "browser"
LESSON = "01-univariate"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on show


def _chromium():
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _require_browser():
    """The path of chromium and the Playwright package, or skip (locally) / fail (under CI)."""
    problem = None
    chromium = _chromium()
    if chromium is None:
        problem = ("Debian's chromium is not installed (install it with `sudo apt-get install chromium`; "
                   ".ci/run does this in CI)")
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (run `make test`, which installs the dev extras)"
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run under CI: {problem}")
        pytest.skip(f"browser tests skipped: {problem}")
    return chromium


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving copies of lesson 1 (solution and student version); yields its base URL with token."""
    _require_browser()
    tmp = tmp_path_factory.mktemp("lab")
    served = tmp / "course"
    for part in ("solutions", "notebooks"):
        shutil.copytree(ROOT / part / LESSON, served / part / LESSON)
    shutil.copy(ROOT / "nbgrader_config.py", served)
    # Render every cell (no lazy windowing), so the test sees the whole notebook.
    settings = tmp / "settings"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))  # no popup over the cells
    for folder in ("config", "data", "runtime", "workspaces"):
        (tmp / folder).mkdir()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), BROWSER="true",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("MPLBACKEND", None)  # the notebooks choose their own (%matplotlib inline)
    port, token = free_port(), secrets.token_hex(16)
    cmd = [str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={served}"]
    if os.getuid() == 0:
        cmd.append("--allow-root")
    log = (tmp / "lab.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if get(f"{base}/api/status?token={token}")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        else:
            pytest.fail(f"JupyterLab did not start on {base} (exit code {proc.poll()}):\n"
                        + (tmp / "lab.log").read_text(errors="replace")[-3000:])
        yield {"base": base, "token": token, "root": served}
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser tab; when the test fails, a last screenshot shows where it stopped."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    failed_before = request.session.testsfailed
    yield page
    if request.session.testsfailed > failed_before:
        with contextlib.suppress(Exception):  # a crashed page must not hide the test's own failure
            _shot(page, f"failed-{request.node.name}")
    context.close()


def _shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _open(page, lab, path):
    """Open a notebook in JupyterLab and wait until its kernel is idle."""
    workspace = secrets.token_hex(4)  # a fresh workspace: no tab of an earlier test is restored
    page.goto(f"{lab['base']}/lab/workspaces/{workspace}/tree/{path}?token={lab['token']}")
    page.locator(f"{NOTEBOOK} .jp-Cell").first.wait_for()
    _wait_idle(page)


def _wait_idle(page, timeout=TIMEOUT_MS):
    page.locator(f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=timeout)


def _menu(page, menu, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).click()


def _run_all(page, until):
    """Clear the outputs, Run → Run All Cells, and wait until cell ``until`` has run and nothing else runs."""
    _menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function("el => !/\\d/.test(el.textContent)", arg=_prompt(until))
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    _menu(page, "Run", "Run All Cells")
    try:
        _wait_ran(page, until)
    except PlaywrightTimeout:
        # On a cold start JupyterLab may replace the notebook's first kernel just as it reports idle
        # (seen in the server log: two kernels started, the first shut down), and a Run All sent in
        # that moment runs nothing. Retry once when nothing ran; anything else fails here or in the
        # test's own checks (every error and stderr output is asserted on afterwards).
        errors = page.locator(f"{NOTEBOOK} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        ran = page.locator(f"{NOTEBOOK} .jp-InputPrompt", has_text=re.compile(r"\[\d+\]"))
        if errors.count() or ran.count():
            raise AssertionError(f"Run All stopped early: {ran.count()} cells ran, errors: "
                                 f"{errors.all_inner_texts()[:3]}") from None
        _shot(page, "run-all-retried")
        _wait_idle(page)
        _menu(page, "Run", "Run All Cells")
        _wait_ran(page, until)


def _prompt(cell):
    return cell.locator(".jp-InputPrompt").element_handle()


def _wait_ran(page, cell, timeout=TIMEOUT_MS):
    """Wait until ``cell`` shows an execution count, no cell is queued or running, and the kernel is idle."""
    page.wait_for_function("el => /\\[\\d+\\]/.test(el.textContent)", arg=_prompt(cell), timeout=timeout)
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{NOTEBOOK} .jp-InputPrompt')].every(p => !p.textContent.includes('*'))",
        timeout=timeout)
    _wait_idle(page, timeout)


def _cell(page, text):
    """The code cell whose source contains ``text``."""
    return page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=text)).first


def test_the_solution_notebook_runs_cleanly_and_its_explorer_responds(page, lab):
    """Run All on lesson 1's solution: no error or stderr output; the explorer's slider moves its plot."""
    _open(page, lab, f"solutions/{LESSON}/{LESSON}.ipynb")
    _shot(page, "01-solution-opened")
    _run_all(page, page.locator(f"{NOTEBOOK} .jp-CodeCell").last)
    _shot(page, "02-solution-ran")
    errors = page.locator(f"{NOTEBOOK} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, f"outputs on stderr or errors: {errors.all_inner_texts()[:3]}"
    explorer = _cell(page, "DescentExplorer(")
    explorer.scroll_into_view_if_needed()
    sliders = explorer.locator(".widget-slider")
    sliders.first.wait_for()
    assert sliders.count() == 4, f"expected the explorer's 4 sliders, found {sliders.count()}"
    assert "Loading widget" not in explorer.inner_text()
    image = explorer.locator(".widget-image")
    message = explorer.locator(".widget-html")
    image.wait_for()
    before_src, before_text = image.get_attribute("src"), message.inner_text()
    assert "after 30 steps with η = 0.1" in before_text
    explorer.scroll_into_view_if_needed()
    _shot(page, "03-explorer-rendered")
    readout = explorer.locator(".widget-readout").first  # the learning rate's, editable like a text box
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.6")
    page.keyboard.press("Enter")
    page.wait_for_function("([el, src]) => el.getAttribute('src') !== src",
                           arg=[image.element_handle(), before_src])
    page.wait_for_function("el => el.textContent.includes('η = 0.6')", arg=message.element_handle())
    assert message.inner_text() != before_text
    _shot(page, "04-explorer-slider-moved")
    handle = explorer.locator(".noUi-handle").nth(1)  # the steps slider, moved with the keyboard
    handle.focus()
    src = image.get_attribute("src")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("([el, src]) => el.getAttribute('src') !== src", arg=[image.element_handle(), src])
    page.wait_for_function("el => el.textContent.includes('after 29 steps')", arg=message.element_handle())
    _shot(page, "05-explorer-steps-key")


FORWARD = '''def forward(x, w, b):
    """Predictions of the line y_hat = w x + b, for every example at once."""
    return {answer}
'''


def _fill(page, cell, source):
    """Replace a cell's source through its editor, as a student typing would."""
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(source)


def _run_cell(page, cell):
    """Run one cell with Ctrl+Enter and wait until it has run."""
    count = cell.locator(".jp-InputPrompt").inner_text()
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    page.wait_for_function("([el, before]) => el.textContent !== before && /\\[\\d+\\]/.test(el.textContent)",
                           arg=[_prompt(cell), count])
    _wait_idle(page)


def test_the_student_version_gives_feedback_on_the_first_exercise(page, lab):
    """Lesson 1 as released: a right forward passes its test cell; a transposed one is called transposed."""
    _open(page, lab, f"notebooks/{LESSON}/{LESSON}.ipynb")
    stub = _cell(page, "def forward(")
    test = _cell(page, "check_forward(forward")
    _run_all(page, test)  # Run All stops at the first failing test cell: the stub's, as it should
    _shot(page, "06-student-ran-as-released")
    assert "NotImplementedError" in test.locator(".jp-OutputArea").inner_text()
    # the error shows as stderr output: the check of the solution notebook would have seen one
    assert test.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 1

    _fill(page, stub, FORWARD.format(answer="w * x + b"))
    _run_cell(page, stub)
    _run_cell(page, test)
    output = test.locator(".jp-OutputArea")
    output.filter(has_text="✓ forward").wait_for()
    assert "Error" not in output.inner_text()
    test.scroll_into_view_if_needed()
    _shot(page, "07-student-forward-passes")

    _fill(page, stub, FORWARD.format(answer="(w * x + b).T"))
    _run_cell(page, stub)
    _run_cell(page, test)
    output.filter(has_text="transpose").wait_for()
    text = output.inner_text()
    assert "AssertionError" in text and "did you transpose it?" in text, text
    test.scroll_into_view_if_needed()
    _shot(page, "08-student-forward-transposed")


def test_nbgrader_extension_is_loaded(page, lab):
    """Students validate from JupyterLab: nbgrader's Validate button and its menu are there."""
    _open(page, lab, f"notebooks/{LESSON}/{LESSON}.ipynb")
    validate = page.locator(f"{NOTEBOOK} .jp-NotebookPanel-toolbar .jp-ToolbarButton", has_text="Validate")
    validate.wait_for()
    menu = page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")
    assert menu.count() == 1, "nbgrader's menu is missing from the menu bar"
    menu.click()
    items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
    assert any("Assignment List" in item for item in items), items
    _shot(page, "09-nbgrader-extension")
    page.keyboard.press("Escape")


def test_a_missing_browser_skips_locally_and_fails_under_ci(monkeypatch):
    """Without chromium the browser tests skip with how to install it, unless CI=true, where they fail."""
    monkeypatch.setattr(sys.modules[__name__], "_chromium", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        _require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run under CI"):
        _require_browser()
