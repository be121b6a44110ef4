"""The whole course in a real browser: JupyterLab on 127.0.0.1 with a token, driven by Playwright in Debian's chromium.

What a student sees, for every assignment, with one screenshot per notebook in
``artifacts/browser/`` (kept by CI when a test fails):

* every solution notebook (``solutions/<a>/<a>.ipynb``) runs to the end with
  Run All, with no error and no stderr output; every widget it shows renders,
  and every explorer (lessons 1–4 and 9) responds to a move of each of its
  sliders by redrawing its image;
* every released notebook (``notebooks/<a>/<a>.ipynb``, every exercise still a
  stub) runs to the end with Run All: the test cells of the unfinished
  exercises fail visibly (a ``NotImplementedError`` shown in the cell), and
  nothing else fails or writes to stderr (release tags test cells
  ``raises-exception``, so Run All goes on past them);
* in lesson 1's student version, the first exercise filled in through the
  editor passes its test cell, a transposed answer gets feedback naming the
  transposition, and nbgrader's JupyterLab extension is loaded.

How it stays cheap and robust: one JupyterLab server, one browser and two lab
tabs for the file, each notebook opened with the lab's open command (loading
the lab costs seconds of CPU) and closed, with its kernel, after its test; while
a test checks one notebook, the next one planned runs in the other tab (about a
quarter faster on a loaded machine; a failed test's tab is replaced); the lab
exposes its application object (``LabApp.expose_app_in_browser``),
so the test reads each notebook's state (kernel status, execution counts,
outputs) from the notebook model instead of scraping far-away cells; the lab's
``windowingMode`` is ``"none"``, so every cell is in the page and a widget can
be driven wherever it is. Waits are for conditions, never fixed sleeps, with
generous timeouts (CI runs this next to other work); a failure names the
notebook and the cell.

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

import nbformat
import pytest
from servers import free_port, get, stop

from coursetools import notebooks as nbs

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "browser"
ASSIGNMENTS = [p.parent.name for p in nbs.solution_notebooks()]
# Explorers (a helpers widget with sliders and an image) in each solution notebook; every other has none.
EXPLORERS = {"01-univariate": 1, "02-multivariate": 1, "03-two-layer-linear": 1, "04-two-layer-sigmoid": 1,
             "09-deep-networks": 1}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 90_000  # one step of the UI (a page, a kernel, a widget's answer) on a loaded machine
RUN_TIMEOUT_MS = 360_000  # Run All of one notebook on a loaded machine
TABS = 2  # notebooks in flight at once (one is checked while the next runs)
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on show
STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"  # errors and stderr, as shown
WIDGET = "application/vnd.jupyter.widget-view+json"
REMINDER = "it will run once"  # helpers.requires_exercise's sentence, printed by a cell that uses a stub

# The notebook on show, as the lab's model holds it (the lab runs with expose_app_in_browser): its kernel's
# status as the lab shows it, how many code cells have an execution count (ran) or are queued or running
# (running), whether the last code cell with code has run (last), and whether a cell failed without the
# ``raises-exception`` tag (stopped: JupyterLab's Run All stops there).
STATE = """(() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext || !panel.content || !panel.content.model) return null;
  const cells = panel.content.model.cells;
  let ran = 0, running = 0, last = null, stopped = false;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    if (cell.executionCount !== null) ran++;
    if (cell.executionState === 'running') running++;
    if (cell.sharedModel.getSource().trim()) last = cell;
    const tags = cell.getMetadata('tags') || [];
    for (let j = 0; j < cell.outputs.length; j++) {
      if (cell.outputs.get(j).type === 'error' && !tags.includes('raises-exception')) stopped = true;
    }
  }
  return {path: panel.context.path, kernel: panel.sessionContext.kernelDisplayStatus, ran: ran,
          running: running, last: last === null || last.executionCount !== null, stopped: stopped};
})()"""


FAULTY = "checks/faulty.ipynb"  # written into the lab's folder: what every check must catch


def _faulty_notebook():
    """A notebook with every fault the checks look for: output on stderr, a tagged failing cell (Run All goes
    on), an explorer-like widget whose slider redraws nothing, an untagged failing cell (Run All stops), and a
    last cell that therefore never runs."""
    new = nbformat.v4.new_code_cell
    return nbformat.v4.new_notebook(cells=[
        new("import sys\nsys.stderr.write('a warning\\n')"),
        new("raise NotImplementedError('tagged')", metadata={"tags": ["raises-exception"]}),
        new("import ipywidgets as widgets\n"
            "widgets.VBox([widgets.IntSlider(description='frozen', max=9), "
            "widgets.Image(value=b'GIF89a', format='gif')])"),
        new("raise NotImplementedError('untagged')"),
        new("print('the end')"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


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
    """JupyterLab serving copies of every assignment (solution and student version); yields its URL and token."""
    _require_browser()
    tmp = tmp_path_factory.mktemp("lab")
    served = tmp / "course"
    for part in ("solutions", "notebooks"):
        shutil.copytree(ROOT / part, served / part,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    shutil.copy(ROOT / "nbgrader_config.py", served)
    (served / "checks").mkdir()
    nbformat.write(_faulty_notebook(), str(served / FAULTY))
    # Render every cell (no lazy windowing), so the test sees the whole notebook.
    settings = tmp / "settings"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none", "kernelShutdown": True}))
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
           f"--ServerApp.root_dir={served}", "--LabApp.expose_app_in_browser=True"]
    if os.getuid() == 0:
        cmd.append("--allow-root")
    log = (tmp / "lab.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
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

    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class _Tab:
    """One JupyterLab tab, loaded once and shared by the tests (loading the lab costs seconds of CPU);
    replaced after a test that failed, so one failure cannot spill into the next test."""

    def __init__(self, browser, lab):
        self.browser, self.lab, self.context, self.page = browser, lab, None, None

    def get(self):
        if self.page is None:
            self.context = self.browser.new_context(viewport={"width": 1400, "height": 1000})
            self.context.set_default_timeout(TIMEOUT_MS)
            self.page = self.context.new_page()
            workspace = secrets.token_hex(4)  # a fresh workspace: no tab of an earlier run is restored
            self.page.goto(f"{self.lab['base']}/lab/workspaces/{workspace}?token={self.lab['token']}")
            self.page.wait_for_function("() => !!window.jupyterapp")
            self.page.evaluate("async () => { await window.jupyterapp.started; await window.jupyterapp.restored; }")
        return self.page

    def close_documents(self):
        """Close every document without asking to save it (the copies are thrown away)."""
        self.page.evaluate("""() => {
          for (const w of [...window.jupyterapp.shell.widgets('main')]) {
            if (w.context && w.context.model) w.context.model.dirty = false;
            w.close();
          }
        }""")

    def discard(self):
        if self.context is not None:
            with contextlib.suppress(Exception):
                self.context.close()
        self.context = self.page = None


class _Runs:
    """Two tabs, so that the next notebook's Run All goes on while a test checks the one before it: a test
    takes its notebook's run (started ahead, or now), and the next notebook the session will test starts in
    the other tab. (Each tab holds at most one notebook; a failed test's tab is replaced.)"""

    def __init__(self, browser, lab, plan):
        self.lab, self.plan, self.tabs = lab, plan, [_Tab(browser, lab) for _ in range(TABS)]
        self.started = {}  # path -> the tab where its Run All was started ahead

    def _start(self, path, tab):
        page = tab.get()
        _open(page, self.lab, path)
        _start_run_all(page, path)
        self.started[path] = tab

    def take(self, path):
        """The page of ``path``'s notebook, its Run All started; the next planned notebook starts elsewhere."""
        tab = self.started.pop(path, None)
        if tab is None:
            tab = next(t for t in self.tabs if t not in self.started.values())
            self._start(path, tab)
            self.started.pop(path)
        later = self.plan[self.plan.index(path) + 1:] if path in self.plan else []
        free = [t for t in self.tabs if t is not tab and t not in self.started.values()]
        if later and later[0] not in self.started and free:
            try:
                self._start(later[0], free[0])
            except Exception:  # the next test starts it again itself, and fails there if it must
                self.started.pop(later[0], None)
                free[0].discard()
        return tab

    def discard(self):
        for tab in self.tabs:
            tab.discard()


def _planned(request):
    """The notebooks the session's tests of this file will open, in the order the tests run."""
    plan = []
    for item in request.session.items:
        if getattr(item, "module", None) is request.module and getattr(item, "originalname", None) in NOTEBOOK_OF:
            lesson = getattr(item, "callspec", None) and item.callspec.params.get("lesson")
            plan.append(NOTEBOOK_OF[item.originalname](lesson))
    return plan


@pytest.fixture(scope="module")
def runs(browser, lab, request):
    holder = _Runs(browser, lab, _planned(request))
    yield holder
    holder.discard()


@pytest.fixture
def notebook(runs, lab, request):
    """``take(path)`` gives the page of ``path`` with its Run All started (in one of the shared tabs).
    Afterwards the notebook is closed and its kernel shut down (twenty notebooks' kernels would not fit next
    to the rest of CI); when the test fails, a last screenshot shows where it stopped, and the tab is
    replaced."""
    taken = []

    def take(path):
        taken.append((path, runs.take(path)))
        return taken[-1][1].page

    failed_before = request.session.testsfailed
    yield take
    for path, tab in taken:
        if request.session.testsfailed > failed_before:
            with contextlib.suppress(Exception):  # a crashed page must not hide the test's own failure
                _shot(tab.page, f"failed-{request.node.name}")
            tab.discard()
        else:
            try:
                tab.close_documents()
            except Exception:
                tab.discard()
        _shut_down_kernels(lab, path)


def _api(lab, path, method="GET"):
    """Call the lab's REST API; the decoded JSON body, or None for an empty body or an error status."""
    request = urllib.request.Request(f"{lab['base']}{path}", method=method,
                                     headers={"Authorization": f"token {lab['token']}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            body = resp.read().decode()
    except urllib.error.HTTPError as err:  # e.g. a session the lab already ended
        err.close()
        return None
    return json.loads(body) if body else None


def _shut_down_kernels(lab, path):
    """End the session of ``path`` (and its kernel) if closing the notebook left it, through the REST API."""
    with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
        for session in _api(lab, "/api/sessions") or []:
            if session.get("path") == path:
                _api(lab, f"/api/sessions/{session['id']}", method="DELETE")


def _shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _state(page):
    return page.evaluate(STATE)


def _wait_state(page, condition, what, timeout=TIMEOUT_MS):
    """Wait until the notebook's state (see STATE) satisfies the JavaScript ``condition`` on ``s``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => {{ const s = {STATE}; return !!s && ({condition}); }}",
                               polling=250, timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"timed out after {timeout / 1000:.0f} s waiting for {what}; "
                             f"the notebook's state: {_state(page)}") from None


def _open(page, lab, path):
    """Open a notebook in the lab (File → Open, through the lab's command) and wait until its kernel is idle."""
    page.evaluate("async path => { await window.jupyterapp.commands.execute('docmanager:open', "
                  "{path: path, factory: 'Notebook'}); }", path)
    page.locator(f"{NOTEBOOK} .jp-Cell").first.wait_for()
    _wait_state(page, f"s.path === {json.dumps(path)} && s.kernel === 'idle'", f"{path}'s kernel to be idle")


def _menu(page, menu, item):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{item}$")).click()


def _start_run_all(page, path):
    """Clear the outputs and choose Run → Run All Cells."""
    _menu(page, "Edit", "Clear Outputs of All Cells")
    _wait_state(page, "s.ran === 0", f"{path}'s outputs to be cleared")
    _menu(page, "Run", "Run All Cells")


def _run_all(page, path):
    """Wait until the Run All started by ``_start_run_all`` has ended: the last cell has run, or a cell without
    the ``raises-exception`` tag has failed (JupyterLab stops there; the checks name it), and nothing is
    queued or running and the kernel is idle."""
    started = "s.ran > 0 || s.running > 0"
    try:
        _wait_state(page, started, f"Run All to start in {path}")
    except AssertionError:
        # On a cold start JupyterLab may replace the notebook's first kernel just as it reports idle
        # (seen in the server log: two kernels started, the first shut down), and a Run All sent in
        # that moment runs nothing. Retry once.
        _shot(page, f"run-all-retried-{Path(path).stem}")
        _wait_state(page, "s.kernel === 'idle'", f"{path}'s kernel to be idle again")
        _menu(page, "Run", "Run All Cells")
        _wait_state(page, started, f"Run All to start in {path} (second try)")
    _wait_state(page, "(s.last || s.stopped) && s.running === 0 && s.kernel === 'idle'",
                f"Run All to end in {path}", timeout=RUN_TIMEOUT_MS)


def _notebook(page):
    """The notebook on show, in nbformat's JSON (outputs included), read from the lab's model."""
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.toJSON()")


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _where(path, nb, i):
    """A cell named for a failure message: its notebook, its index and its first line."""
    first = _source(nb["cells"][i]).strip().splitlines()[:1]
    grade_id = nbs.nbgrader_meta(nb["cells"][i]).get("grade_id")
    return f"{path} cell {i}" + (f" ({grade_id})" if grade_id else "") + f": `{first[0] if first else ''}`"


def _is_test_cell(cell):
    meta = nbs.nbgrader_meta(cell)
    return cell["cell_type"] == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _outputs(nb):
    """(cell index, output) for every output of every code cell."""
    return [(i, out) for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
            for out in cell.get("outputs", [])]


def _text(out):
    text = out.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def _assert_ran_to_the_end(path, nb):
    """Every code cell with code in it got an execution count: Run All reached the last cell."""
    skipped = [i for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "code"
               and _source(cell).strip() and cell.get("execution_count") is None]
    if skipped:
        errors = [f"{_where(path, nb, i)}: {out['ename']}: {out['evalue']}"
                  for i, out in _outputs(nb) if out["output_type"] == "error"]
        raise AssertionError(f"Run All did not reach the end of {path}: {len(skipped)} cells never ran, "
                             f"the first {_where(path, nb, skipped[0])}; errors: {errors[:3]}")


def _assert_no_stderr(path, nb):
    for i, out in _outputs(nb):
        assert not (out["output_type"] == "stream" and out.get("name") == "stderr"), (
            f"{_where(path, nb, i)} writes to stderr: {_text(out)[:300]}")


def _widget_cells(nb):
    """The cells that show a widget, in order."""
    return sorted({i for i, out in _outputs(nb) if WIDGET in out.get("data", {})})


def _cells(page):
    return page.locator(f"{NOTEBOOK} .jp-Cell")


def _wait_image_changes(page, image, before, what, timeout=TIMEOUT_MS):
    page.wait_for_function("([el, src]) => el.getAttribute('src') !== src", arg=[image.element_handle(), before],
                           polling=100, timeout=timeout)
    _wait_state(page, "s.kernel === 'idle'", f"the kernel to settle after {what}")


def _move_every_slider(page, path, nb, i, explorer, timeout=TIMEOUT_MS):
    """Drag each slider of the explorer in cell ``i`` with the mouse, as a student would (a fifth of its
    track, rightwards unless it is near its top); each move must redraw the explorer's image. (The keyboard is
    not enough: one arrow press moves the learning rate by less than its readout shows.)"""
    image = explorer.locator(".widget-image").first
    sliders = explorer.locator(".widget-slider")
    for k in range(sliders.count()):
        slider = sliders.nth(k)
        label = slider.locator(".widget-label").inner_text()
        handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-base")
        handle.scroll_into_view_if_needed()
        box, bar = handle.bounding_box(), track.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        dx = bar["width"] / 5 if x < bar["x"] + bar["width"] * 0.7 else -bar["width"] / 5
        src = image.get_attribute("src")
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + dx, y, steps=4)
        page.mouse.up()
        try:
            _wait_image_changes(page, image, src, f"moving slider {label!r}", timeout)
        except Exception as err:
            raise AssertionError(f"{_where(path, nb, i)}: dragging the explorer's slider {label!r} did not "
                                 f"redraw its image: {err}") from None


def _check_widgets(page, path, nb, lesson):
    """Every widget output rendered; every explorer (sliders and an image) answers each slider's move.
    Returns the explorers' cells."""
    cells = _cells(page)
    explorers = []
    for i in _widget_cells(nb):
        cell = cells.nth(i)
        view = cell.locator(".jp-OutputArea")
        try:
            view.locator(".jp-OutputArea-output .jupyter-widgets").first.wait_for()
        except Exception:
            raise AssertionError(f"{_where(path, nb, i)}: its widget did not render: "
                                 f"{view.inner_text()[:300]!r}") from None
        text = view.inner_text()
        assert "Loading widget" not in text and "Error displaying widget" not in text, (
            f"{_where(path, nb, i)}: its widget shows {text[:300]!r}")
        if cell.locator(".widget-slider").count() and cell.locator(".widget-image").count():
            explorers.append(i)
    assert len(explorers) == EXPLORERS.get(lesson, 0), (
        f"{path}: expected {EXPLORERS.get(lesson, 0)} explorers (sliders and an image), found {len(explorers)} "
        f"in cells {explorers}")
    for i in explorers:
        explorer = cells.nth(i)
        explorer.scroll_into_view_if_needed()
        if lesson in EXPLORER_DETAILS:
            EXPLORER_DETAILS[lesson](page, explorer)
        _move_every_slider(page, path, nb, i, explorer)
    return explorers


def _lesson1_explorer(page, explorer):
    """Lesson 1's explorer: typing 0.6 into the learning rate reruns at η = 0.6; one step less says 29 steps."""
    image = explorer.locator(".widget-image")
    message = explorer.locator(".widget-html")
    before_src, before_text = image.get_attribute("src"), message.inner_text()
    assert "after 30 steps with η = 0.1" in before_text, before_text
    readout = explorer.locator(".widget-readout").first  # the learning rate's, editable like a text box
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.6")
    page.keyboard.press("Enter")
    _wait_image_changes(page, image, before_src, "typing η = 0.6")
    page.wait_for_function("el => el.textContent.includes('η = 0.6')", arg=message.element_handle())
    handle = explorer.locator(".noUi-handle").nth(1)  # the steps slider, moved with the keyboard
    handle.focus()
    src = image.get_attribute("src")
    page.keyboard.press("ArrowLeft")
    _wait_image_changes(page, image, src, "one step less")
    page.wait_for_function("el => el.textContent.includes('after 29 steps')", arg=message.element_handle())


EXPLORER_DETAILS = {"01-univariate": _lesson1_explorer}


@pytest.mark.parametrize("lesson", ASSIGNMENTS)
def test_the_solution_notebook_runs_cleanly_and_its_explorers_respond(notebook, lesson):
    """Run All on the solution: every cell runs, no error or stderr output; every widget renders and every
    explorer redraws its image when any of its sliders moves."""
    path = f"solutions/{lesson}/{lesson}.ipynb"
    page = notebook(path)
    _run_all(page, path)
    nb = _notebook(page)
    _assert_ran_to_the_end(path, nb)
    for i, out in _outputs(nb):
        assert out["output_type"] != "error", f"{_where(path, nb, i)} fails: {out['ename']}: {out['evalue']}"
    _assert_no_stderr(path, nb)
    assert _cells(page).count() == len(nb["cells"]), "the page does not show every cell (windowing is on?)"
    assert page.locator(f"{NOTEBOOK} {STDERR}").count() == 0, page.locator(f"{NOTEBOOK} {STDERR}").all_inner_texts()
    explorers = _check_widgets(page, path, nb, lesson)
    if not explorers:
        _cells(page).last.scroll_into_view_if_needed()
    _shot(page, f"solution-{lesson}")


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
                           arg=[cell.locator(".jp-InputPrompt").element_handle(), count])
    _wait_state(page, "s.kernel === 'idle' && s.running === 0", "the cell to finish")


def _cell(page, text):
    """The code cell whose source contains ``text``."""
    return page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=text)).first


def _lesson1_feedback(page):
    """Lesson 1 as released: a right forward passes its test cell; a transposed one is called transposed;
    nbgrader's Validate button and menu are there."""
    stub = _cell(page, "def forward(")
    test = _cell(page, "check_forward(forward")
    assert "NotImplementedError" in test.locator(".jp-OutputArea").inner_text()
    assert test.locator(STDERR).count() == 1  # the error shows as the cell's one error output

    _fill(page, stub, FORWARD.format(answer="w * x + b"))
    _run_cell(page, stub)
    _run_cell(page, test)
    output = test.locator(".jp-OutputArea")
    output.filter(has_text="✓ forward").wait_for()
    assert "Error" not in output.inner_text()
    test.scroll_into_view_if_needed()
    _shot(page, "student-01-forward-passes")

    _fill(page, stub, FORWARD.format(answer="(w * x + b).T"))
    _run_cell(page, stub)
    _run_cell(page, test)
    output.filter(has_text="transpose").wait_for()
    text = output.inner_text()
    assert "AssertionError" in text and "did you transpose it?" in text, text
    test.scroll_into_view_if_needed()
    _shot(page, "student-01-forward-transposed")

    validate = page.locator(f"{NOTEBOOK} .jp-NotebookPanel-toolbar .jp-ToolbarButton", has_text="Validate")
    validate.wait_for()
    menu = page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")
    assert menu.count() == 1, "nbgrader's menu is missing from the menu bar"
    menu.click()
    items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
    assert any("Assignment List" in item for item in items), items
    _shot(page, "student-01-nbgrader-extension")
    page.keyboard.press("Escape")


STUDENT_DETAILS = {"01-univariate": _lesson1_feedback}


@pytest.mark.parametrize("lesson", ASSIGNMENTS)
def test_the_released_notebook_runs_to_the_end_with_its_exercises_failing_visibly(notebook, lesson):
    """Run All on the student version, every exercise a stub: the last cell runs; each test cell shows the
    stub's NotImplementedError; no other cell fails or writes to stderr."""
    path = f"notebooks/{lesson}/{lesson}.ipynb"
    page = notebook(path)
    _run_all(page, path)
    nb = _notebook(page)
    _assert_ran_to_the_end(path, nb)
    _assert_no_stderr(path, nb)
    for i, out in _outputs(nb):
        if out["output_type"] == "error":
            assert _is_test_cell(nb["cells"][i]), f"{_where(path, nb, i)} fails: {out['ename']}: {out['evalue']}"
            assert out["ename"] == "NotImplementedError", (
                f"{_where(path, nb, i)} fails with {out['ename']}: {out['evalue']}, expected the stub's "
                "NotImplementedError")
    tests = [i for i, cell in enumerate(nb["cells"]) if _is_test_cell(cell)]
    failing = {i for i, out in _outputs(nb) if out["output_type"] == "error"}
    passing = [_where(path, nb, i) for i in tests if i not in failing]
    assert not passing, f"test cells that pass on a stub: {passing}"
    if "requires_exercise(" in "".join(_source(cell) for cell in nb["cells"]):
        assert any(REMINDER in _text(out) for _, out in _outputs(nb)), (
            f"{path}: no cell printed the unfinished-exercise reminder")
    cells = _cells(page)
    for i in tests:  # visibly: the error is on the page, in its cell
        assert cells.nth(i).locator(STDERR).count() == 1, f"{_where(path, nb, i)}: its error is not shown"
    if tests:
        cells.nth(tests[0]).scroll_into_view_if_needed()
    else:
        cells.last.scroll_into_view_if_needed()
    _shot(page, f"released-{lesson}")
    if lesson in STUDENT_DETAILS:
        STUDENT_DETAILS[lesson](page)


def test_the_checks_catch_every_fault(notebook):
    """The checks can fail: on a notebook with each fault, Run All stops at the untagged failing cell and the
    checks name the cell that never ran, the output on stderr and the slider that redraws nothing."""
    page = notebook(FAULTY)
    _run_all(page, FAULTY)
    nb = _notebook(page)
    assert [cell.get("execution_count") is not None for cell in nb["cells"]] == [True] * 4 + [False]
    with pytest.raises(AssertionError, match=r"1 cells never ran, the first checks/faulty.ipynb cell 4: "
                                             r"`print\('the end'\)`.*NotImplementedError: untagged"):
        _assert_ran_to_the_end(FAULTY, nb)
    with pytest.raises(AssertionError, match="cell 0: `import sys` writes to stderr: a warning"):
        _assert_no_stderr(FAULTY, nb)
    assert _cells(page).nth(1).locator(STDERR).count() == 1  # the tagged failure is shown, and the run went on
    widget = _cells(page).nth(2)
    widget.locator(".widget-slider").wait_for()
    with pytest.raises(AssertionError, match=r"cell 2: .*slider 'frozen' did not redraw its image"):
        _move_every_slider(page, FAULTY, nb, 2, widget, timeout=3000)


NOTEBOOK_OF = {  # the notebook each browser test opens, from its parameter
    test_the_solution_notebook_runs_cleanly_and_its_explorers_respond.__name__:
        lambda lesson: f"solutions/{lesson}/{lesson}.ipynb",
    test_the_released_notebook_runs_to_the_end_with_its_exercises_failing_visibly.__name__:
        lambda lesson: f"notebooks/{lesson}/{lesson}.ipynb",
    test_the_checks_catch_every_fault.__name__: lambda _: FAULTY,
}


def test_every_assignment_is_covered():
    """Both browser runs cover every assignment, and the explorer table names only assignments."""
    assert ASSIGNMENTS == sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    assert len(ASSIGNMENTS) >= 10
    assert set(EXPLORERS) <= set(ASSIGNMENTS)
    assert sorted(p.parent.name for p in (ROOT / "notebooks").glob("*/*.ipynb")) == ASSIGNMENTS


def test_a_missing_browser_skips_locally_and_fails_under_ci(monkeypatch):
    """Without chromium the browser tests skip with how to install it, unless CI=true, where they fail."""
    monkeypatch.setattr(sys.modules[__name__], "_chromium", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        _require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run under CI"):
        _require_browser()
