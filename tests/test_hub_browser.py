"""A class on one server, end to end in a real browser: JupyterHub, nbgrader's exchange, two students, an instructor.

The test makes three throw-away local accounts with ``coursetools accounts``
(two students and an instructor, in a group of their own), starts ``coursetools
hub`` (what ``make hub`` runs: PAM logins, each server running as its user) on
free ports of 127.0.0.1, and drives the round trip in chromium, screenshots in
``artifacts/hub/``:

1. the instructor releases lesson 1 with nbgrader (``nbgrader release_assignment``);
2. each student logs in with their password, sees the assignment in the
   Assignments panel, fetches it, fills in the first exercise in the editor
   (Alice right, Bob transposed; the other exercises are filled in as files,
   like work done earlier), presses Validate and reads the result, and
   submits from the panel;
3. the instructor collects the exchange's inbound folder with ``coursetools
   collect``, grades with ``coursetools grade``, writes feedback with
   ``coursetools feedback`` and releases it with ``coursetools release-feedback``;
4. each student fetches their feedback in the panel and opens it.

It then checks the gradebook (Alice full marks, Bob exactly the first
exercise's points lost), that each student holds only their own feedback,
that Bob cannot reach Alice's files (his API token gets 403/404 on her server;
as his account he cannot list the inbound or feedback folders of the exchange
nor read her home), and that nbgrader's instructor tools are absent from the
students' JupyterLab and present in the instructor's.

It needs root (``useradd``, and the hub starts servers as other users), Debian's
chromium and the proxy from npm; without them it is skipped, except under CI
(``CI=true``), where it fails. The accounts, their homes and groups are removed
at the end, also when the test fails.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from servers import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "hub"
LESSON = "01-univariate"
COURSE_ID = "backprop-workbook"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000
BIN = Path(sys.executable).parent
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
STARTED, STEPS = [time.monotonic()], []  # when the hub fixture started; the steps reached, with their times
RIGHT = '''def forward(x, w, b):
    """Predictions of the line y_hat = w x + b, for every example at once."""
    return w * x + b
'''
WRONG = RIGHT.replace("return w * x + b", "return (w * x + b).T")


def _missing() -> str | None:
    """Why the test cannot run here, or None."""
    if os.geteuid() != 0:
        return "it needs root: it creates local accounts and the hub starts servers as them"
    for tool in ("useradd", "userdel", "groupdel", "runuser", "chpasswd"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (Debian's passwd and util-linux packages)"
    from test_browser import _chromium

    if _chromium() is None:
        return "Debian's chromium is not installed (sudo apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (make test installs the dev extras)"
    from coursetools.hub import HubError, proxy_command

    try:
        proxy_command()
    except HubError as exc:
        return str(exc)
    return None


def _require():
    problem = _missing()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the hub test cannot run under CI: {problem}")
        pytest.skip(f"hub test skipped: {problem}")


def _run(cmd, *, user=None, cwd=None, env=None, check=True, timeout=600):
    """Run ``cmd`` (as ``user`` with runuser, in a clean environment); return the CompletedProcess."""
    if user is not None:
        home = pwd.getpwnam(user).pw_dir
        cmd = ["runuser", "-u", user, "--", "env", "-i", f"HOME={home}", f"USER={user}", "LANG=C.UTF-8",
               *[f"{k}={v}" for k, v in (env or {}).items()], *map(str, cmd)]
        env = None
    proc = subprocess.run(list(map(str, cmd)), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def _solved(student_nb: Path, solution_nb: Path, *, skip=("forward",)) -> nbformat.NotebookNode:
    """The student version with every solution cell answered from the solution, except those in ``skip``."""
    nb, sol = nbformat.read(student_nb, as_version=4), nbformat.read(solution_nb, as_version=4)
    answers = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in sol.cells}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if meta.get("solution") and cell.cell_type == "code" and gid not in skip and gid in answers:
            cell.source = "\n".join(line for line in answers[gid].splitlines() if "### " not in line)
    return nb


def _wait_http(url, proc, log: Path, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"the hub did not answer on {url} (exit code {proc.poll()}):\n"
                + log.read_text(errors="replace")[-4000:])


def _kill_processes_of(uids):
    """Stop what the throw-away accounts still run (by pid): userdel refuses a user with processes."""
    import psutil

    for p in psutil.process_iter(["uids"]):
        with contextlib.suppress(psutil.Error):
            if p.info["uids"] and p.info["uids"].real in uids:
                p.kill()


def _remove_leftovers():
    """Accounts and groups an earlier run of this test left when it was killed (its groups are bpw<hex>-*)."""
    import grp

    for g in grp.getgrall():
        m = re.fullmatch(r"(bpw[0-9a-f]{6})-(students|instructors)", g.gr_name)
        if m:
            for name in g.gr_mem:
                if re.fullmatch(r"bpw[abi][0-9a-f]{6}", name):
                    _run(["userdel", "--remove", name], check=False)
            _run(["groupdel", g.gr_name], check=False)


@pytest.fixture(scope="module")
def hub():
    """The hub on free loopback ports with accounts alice/bob (students) and an instructor; yields its facts."""
    _require()
    _remove_leftovers()
    STARTED[0] = time.monotonic()
    tag = secrets.token_hex(3)
    group = f"bpw{tag}"
    names = {"alice": f"bpwa{tag}", "bob": f"bpwb{tag}", "teacher": f"bpwi{tag}"}
    base = Path(tempfile.mkdtemp(prefix="bpw-hub-", dir="/tmp"))
    base.chmod(0o755)  # the accounts must reach state/env and state/roles
    state, exchange = base / "state", base / "exchange"
    roster = base / "roster.csv"
    with roster.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["username", "role", "first_name", "last_name", "email"])
        w.writerow([names["alice"], "student", "Alice", "Able", "alice@example.org"])
        w.writerow([names["bob"], "student", "Bob", "Baker", "bob@example.org"])
        w.writerow([names["teacher"], "instructor", "Ines", "Instructor", ""])
    coursetools = [str(BIN / "coursetools")]
    proc = log = None
    try:
        _run([*coursetools, "accounts", roster, "--group", group, "--passwords", state / "passwords.csv"])
        passwords = dict(line.strip().split(",", 1) for line in (state / "passwords.csv").read_text().splitlines())
        teacher = pwd.getpwnam(names["teacher"])
        course = Path(teacher.pw_dir) / "course"
        for part in ("solutions", "notebooks"):
            shutil.copytree(ROOT / part / LESSON, course / part / LESSON)
        shutil.copy(ROOT / "nbgrader_config.py", course)
        _run(["chown", "-R", f"{teacher.pw_uid}:{teacher.pw_gid}", course])
        out = _run([*coursetools, "accounts", roster, "--group", group, "--course", course]).stdout  # names
        assert "created 0 account(s), 3 already existed" in out and "recorded 2 student(s)" in out, out
        port = free_port()
        cmd = [*coursetools, "hub", "--course", course, "--state", state, "--exchange", exchange, "--group", group,
               "--ip", "127.0.0.1", "--port", port, "--hub-port", free_port(), "--proxy-api-port", free_port()]
        log = (base / "hub.log").open("wb")
        proc = subprocess.Popen(list(map(str, cmd)), cwd=base, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/hub/api/", proc, base / "hub.log")
        settings = json.loads((state / "settings.json").read_text())
        env_bin = Path(settings["python"]).parent
        from coursetools.hub import private_tmp

        tmpdir = private_tmp(names["teacher"])
        yield {"url": url, "names": names, "passwords": passwords, "course": course, "state": state,
               "exchange": exchange, "base": base, "group": group, "bin": env_bin,
               "instructor_env": {"PATH": f"{env_bin}:/usr/bin:/bin",
                                  "JUPYTER_CONFIG_PATH": str(state / "roles" / "instructor"),
                                  "TMPDIR": str(tmpdir)}}
    finally:
        if proc is not None:
            stop(proc)
        if log is not None:
            log.close()
        uids = set()
        for name in names.values():
            with contextlib.suppress(KeyError):
                uids.add(pwd.getpwnam(name).pw_uid)
        _kill_processes_of(uids)
        shutil.rmtree(Path(tempfile.gettempdir()) / f"{COURSE_ID}-{names['teacher']}", ignore_errors=True)
        _run([*coursetools, "accounts", roster, "--group", group, "--remove"], check=False)
        for suffix in ("students", "instructors"):
            _run(["groupdel", f"{group}-{suffix}"], check=False)
        leftover = [n for n in names.values() if _exists(n)]
        if (base / "hub.log").exists() and os.environ.get("CI"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(base / "hub.log", SHOTS / "hub.log")
        shutil.rmtree(base, ignore_errors=True)
        assert not leftover, f"accounts left behind: {leftover}"


def _exists(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    from test_browser import _chromium, _require_browser

    _require_browser()

    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _step(name):
    STEPS.append(f"{time.monotonic() - STARTED[0]:6.1f} s  {name}")
    (SHOTS / "steps.txt").write_text("\n".join(STEPS) + "\n")


class Session:
    """One person's browser context, logged in to the hub."""

    def __init__(self, browser, hub, who):
        self.hub, self.who, self.name = hub, who, hub["names"][who]
        self.context = browser.new_context(viewport={"width": 1400, "height": 950})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()

    def shot(self, step):
        """A screenshot of this step, and the time it was reached (``artifacts/hub/steps.txt``)."""
        self.page.screenshot(path=str(SHOTS / f"{step}-{self.who}.png"))
        _step(f"{step}-{self.who}")

    def submit_login(self):
        """Log in with the password; the hub then starts this user's server (waited for by :meth:`wait_lab`)."""
        page = self.page
        page.goto(f"{self.hub['url']}/hub/login")
        page.fill("#username_input", self.name)
        page.fill("#password_input", self.hub["passwords"][self.name])
        page.click("#login_submit")

    def wait_lab(self):
        page = self.page
        page.wait_for_url(re.compile(f"/user/{self.name}/lab"), timeout=3 * TIMEOUT_MS)
        page.locator("#jp-main-dock-panel").wait_for()
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).wait_for()

    def menu_items(self, step, menu="Nbgrader"):
        """The labels of a menu of the menu bar (shown in the screenshot of ``step``)."""
        page = self.page
        title = page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$"))
        title.click()
        page.locator(".lm-Menu-content").first.wait_for()
        items = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
        self.shot(step)
        title.click()  # a second click closes it
        page.locator(".lm-Menu-content").wait_for(state="detached")
        return [i for i in items if i.strip()]

    def open_assignments(self):
        page = self.page
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Assignment List$")).click()
        page.locator("#released_assignments_list").wait_for()
        page.locator("#refresh_assignments_list").click()

    def api(self, path):
        """GET ``path`` on this user's server with their cookies; return the status."""
        return self.context.request.get(f"{self.hub['url']}/user/{self.name}/{path}").status


def _press_validate(page):
    page.locator(f"{NOTEBOOK} .jp-ToolbarButton", has_text="Validate").click()


def _validated(page) -> str:
    """The text of the dialog Validate opens, once it has the result."""
    dialog = page.locator(".jp-Dialog-content")
    dialog.wait_for(timeout=3 * TIMEOUT_MS)
    page.wait_for_function("el => !/Validating/i.test(el.textContent)", arg=dialog.element_handle(),
                           timeout=3 * TIMEOUT_MS)
    return dialog.inner_text()


def _close_dialog(page):
    page.locator(".jp-Dialog-content button").last.click()
    page.locator(".jp-Dialog-content").wait_for(state="detached")


def _fill(page, source):
    cell = page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea-editor", has_text="def forward(")).first
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(source)  # Validate saves the notebook before it validates


def _token(session) -> str:
    """A new API token for the session's user, asked for on the hub's token page as a user would."""
    page = session.page
    page.goto(f"{session.hub['url']}/hub/token")
    page.locator("#request-token-form button[type='submit']").click()
    result = page.locator("#token-result")
    page.wait_for_function("el => el.textContent.trim().length > 10", arg=result.element_handle())
    session.shot("10-token")
    return result.inner_text().strip()


def _status_with_token(url, token) -> int:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def test_a_class_round_trip_on_the_hub(hub, browser):
    """Release, fetch, validate, submit, collect, grade, feedback, fetch feedback: two students and an instructor."""
    from coursetools.grade import scores

    started = time.monotonic()
    STEPS.clear()
    names, course, inbound = hub["names"], hub["course"], hub["exchange"] / COURSE_ID / "inbound"
    teacher = dict(user=names["teacher"], cwd=course, env=hub["instructor_env"])
    ct = [hub["bin"] / "coursetools"]

    # 1. everyone logs in at once (the hub starts the three servers side by side) while the instructor
    #    releases lesson 1 through nbgrader's exchange
    instructor = Session(browser, hub, "teacher")
    students = {who: Session(browser, hub, who) for who in ("alice", "bob")}
    people = [instructor, *students.values()]
    for s in people:
        s.submit_login()
    _run([hub["bin"] / "nbgrader", "release_assignment", LESSON], **teacher)
    for s in people:
        s.wait_lab()

    items = instructor.menu_items("01-instructor-lab")
    assert {"Formgrader", "Assignment List", "Course List"} <= set(items), f"the instructor's Nbgrader menu: {items}"
    assert instructor.page.locator("#nbgrader-create_assignemnt").count() == 1, "no Create Assignment sidebar"
    assert instructor.api("formgrader") == 200
    instructor.context.close()  # the rest of the instructor's round runs in their terminal (below)
    for step, (who, s) in enumerate(students.items()):
        items = s.menu_items(f"02-{step}-lab")
        assert "Assignment List" in items, f"{who}'s Nbgrader menu: {items}"
        assert not {"Formgrader", "Formgrader (local)", "Course List", "Create assignment"} & set(items), items
        assert s.page.locator("#nbgrader-create_assignemnt").count() == 0, "students see Create Assignment"
        assert s.api("formgrader") == 404, "a student's server serves formgrader"
        assert "Would you like to get notified" not in s.page.locator("body").inner_text()

    # 2. each student sees the assignment in the panel and fetches it; the other exercises were done
    #    earlier (written as files); the first one is typed now, in the editor, and validated
    for step, s in enumerate(students.values()):
        page, name = s.page, s.name
        s.open_assignments()
        released = page.locator("#released_assignments_list")
        released.get_by_text(LESSON).first.wait_for()
        assert "Error" not in page.locator(".nbgrader-mainarea-widget").first.inner_text()
        s.shot(f"03-{step}-released")
        released.locator("button", has_text="Fetch").click()
        page.locator("#fetched_assignments_list").get_by_text(LESSON).first.wait_for()
        s.shot(f"04-{step}-fetched")
        target = Path(pwd.getpwnam(name).pw_dir) / LESSON / f"{LESSON}.ipynb"
        scratch = hub["base"] / f"{name}.ipynb"
        nbformat.write(_solved(target, course / "solutions" / LESSON / f"{LESSON}.ipynb"), scratch)
        _run(["cp", scratch, target], user=name, env={})
        page.goto(f"{hub['url']}/user/{name}/lab/tree/{LESSON}/{LESSON}.ipynb")
    for s in students.values():
        s.page.locator(f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
        _fill(s.page, RIGHT if s.who == "alice" else WRONG)
        _press_validate(s.page)
    for step, (who, s) in enumerate(students.items()):
        text = _validated(s.page)
        s.shot(f"05-{step}-validated")
        if who == "alice":
            assert "Success" in text and "passes" in text, text
        else:
            assert "transpose" in text, text
        _close_dialog(s.page)
        s.open_assignments()
        fetched = s.page.locator("#fetched_assignments_list")
        fetched.get_by_text(LESSON).first.wait_for()
        fetched.locator("button", has_text="Submit").first.click()
        s.page.locator("#submitted_assignments_list").get_by_text(LESSON).first.wait_for()
        s.shot(f"06-{step}-submitted")

    # 3. the instructor collects the inbound folder, grades, writes and releases feedback
    out = _run([*ct, "collect", inbound], **teacher).stdout
    assert "placed 2 notebook(s)" in out, out
    _step("07-collected")
    out = _run([*ct, "grade", LESSON, "--no-progress", "--workers", "2"], **teacher).stdout
    assert "graded 2 notebook(s)" in out, out
    _step("07-graded")
    out = _run([*ct, "feedback", "--zip"], **teacher).stdout
    assert "wrote 2 feedback page(s)" in out and "wrote 2 zip(s)" in out, out
    out = _run([*ct, "release-feedback", LESSON], **teacher).stdout
    assert "released 2 feedback page(s)" in out, out
    _step("07-feedback-released")

    graded = scores(course, LESSON)
    total = {s: sum(v or 0 for v in tests.values()) for (s, _), tests in graded.items()}
    alice_tests, bob_tests = graded[(names["alice"], LESSON)], graded[(names["bob"], LESSON)]
    assert total[names["alice"]] == 10, alice_tests
    lost = {gid for gid, v in bob_tests.items() if (v or 0) < (alice_tests[gid] or 0)}
    assert lost == {"test_forward"} and total[names["bob"]] == 8, bob_tests

    # 4. each student fetches their own feedback and opens it
    for step, (who, s) in enumerate(students.items()):
        page, name = s.page, s.name
        s.open_assignments()
        submitted = page.locator("#submitted_assignments_list")
        submitted.locator("button", has_text="Fetch Feedback").first.click()
        submitted.get_by_text("view feedback").first.wait_for()
        s.shot(f"08-{step}-feedback-fetched")
        home = Path(pwd.getpwnam(name).pw_dir)
        pages = sorted((home / LESSON / "feedback").glob(f"*/{LESSON}.html"))
        assert len(pages) == 1, pages
        text = pages[0].read_text()
        other = names["bob" if who == "alice" else "alice"]
        assert name in text and other not in text, f"{who}'s feedback is not theirs alone"
        assert "'sha256-" in text and "_assets/" not in text, "the fetched page does not carry its own MathJax"
        page.goto(f"{hub['url']}/user/{name}/files/{pages[0].relative_to(home)}")
        page.get_by_text("Score: 10 / 10" if who == "alice" else "Score: 8 / 10").wait_for()
        s.shot(f"09-{step}-feedback")

    # 5. Bob cannot reach Alice's files: not with his token, not as his account
    alice, bob = names["alice"], names["bob"]
    token = _token(students["bob"])
    for path in (f"user/{alice}/api/contents/{LESSON}", f"user/{alice}/files/{LESSON}/{LESSON}.ipynb",
                 f"user/{alice}/api/contents"):
        code = _status_with_token(f"{hub['url']}/{path}", token)
        assert code in (403, 404), f"Bob's token got {code} for {path}"
    assert _status_with_token(f"{hub['url']}/user/{bob}/api/contents", token) == 200  # the token itself works
    escape = _status_with_token(f"{hub['url']}/user/{bob}/api/contents/..%2F{alice}", token)
    assert escape in (400, 403, 404), f"Bob's server let him out of his home: {escape}"
    for what in (inbound, hub["exchange"] / COURSE_ID / "feedback", Path(pwd.getpwnam(alice).pw_dir)):
        proc = _run(["ls", what], user=bob, check=False)
        assert proc.returncode != 0 and "Permission denied" in proc.stderr, f"Bob can list {what}: {proc.stdout}"
    proc = _run(["cat", Path(pwd.getpwnam(alice).pw_dir) / LESSON / f"{LESSON}.ipynb"], user=bob, check=False)
    assert proc.returncode != 0, "Bob can read Alice's notebook in her home"
    bob_page = students["bob"].page
    response = bob_page.goto(f"{hub['url']}/user/{alice}/lab")
    students["bob"].shot("11-bob-at-alices-server")
    assert response.status in (403, 404) or f"/user/{alice}/" not in bob_page.url, (response.status, bob_page.url)

    elapsed = time.monotonic() - started
    whole = time.monotonic() - STARTED[0]
    STEPS.append(f"round trip (after the hub started): {elapsed:.1f} s; with the hub's start: {whole:.1f} s")
    (SHOTS / "steps.txt").write_text("\n".join(STEPS) + "\n")
    print(STEPS[-1])
    for s in students.values():
        s.context.close()


def test_make_lab_for_self_study_shows_no_class_tools_no_errors_and_no_news(browser, tmp_path):
    """`make lab`: Validate is there; no Nbgrader menu, Assignments panel, instructor tools, error or news popup."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    port, token = free_port(), secrets.token_hex(16)
    for folder in ("runtime", "settings", "workspaces"):
        (tmp_path / folder).mkdir()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), BROWSER="true",
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""))
    # opening a notebook makes a checkpoint: keep it out of the repository's notebooks/ (an absolute folder)
    args = (f"--no-browser --ServerApp.port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token} "
            f"--FileCheckpoints.checkpoint_dir={tmp_path / 'checkpoints'}")
    log = (tmp_path / "lab.log").open("wb")
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/api/status?token={token}", proc, tmp_path / "lab.log", seconds=90)
        context = browser.new_context(viewport={"width": 1400, "height": 950})
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            # look only: Validate saves the notebook, and this one is the repository's notebooks/ copy
            page.goto(f"{url}/lab/tree/{LESSON}/{LESSON}.ipynb?token={token}")
            page.locator(f"{NOTEBOOK} .jp-ToolbarButton", has_text="Validate").wait_for()
            page.wait_for_timeout(3000)  # the news question would show a few seconds after start
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "make-lab-self-study.png"))
            menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
            assert "Nbgrader" not in menus, menus
            body = page.locator("body").inner_text()
            for text in ("Would you like to get notified", "Error fetching courses", "exchange directory",
                         "Create Assignment"):
                assert text not in body, f"{text!r} on the self-study lab"
            assert page.locator("#nbgrader-create_assignemnt").count() == 0
            toasts = page.locator(".jp-toast-message")
            assert toasts.count() == 0, toasts.all_inner_texts()
        finally:
            context.close()
    finally:
        stop(proc)
        log.close()
