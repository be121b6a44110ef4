"""The hub's pieces that need neither root nor a browser: roster, exchange collect, LMS exports, role settings."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from coursetools import accounts, exchange, hub, lms
from coursetools.collect import collect

ROOT = Path(__file__).resolve().parent.parent
LESSON = "01-univariate"


# --------------------------------------------------------------------------- roster


def _roster(tmp_path, text):
    p = tmp_path / "roster.csv"
    p.write_text(text)
    return p


def test_a_roster_gives_each_member_a_role(tmp_path):
    """Rows become members; the role defaults to student; names, email and a BOM are read."""
    p = _roster(tmp_path, "\ufeffUsername,Role,First_Name,Last_Name,Email\nalice,,Alice,Able,a@x.org\n"
                          "msmith,instructor,M,Smith,\n\n")
    members = accounts.read_roster(p)
    assert members == [accounts.Member("alice", "student", "Alice", "Able", "a@x.org"),
                       accounts.Member("msmith", "instructor", "M", "Smith", "")]


@pytest.mark.parametrize(("text", "message"), [
    ("name\nalice\n", "expected a header row with a 'username' column, received \\['name'\\]"),
    ("username\nAlice\n", "line 2: username 'Alice' is not a valid account name"),
    ("username\nalice;rm\n", "is not a valid account name"),
    ("username,role\nalice,teacher\n", "role 'teacher' for alice; expected one of"),
    ("username\nalice\nbob\nalice\n", "line 4: alice is listed twice"),
    ("username\n", "lists no account"),
])
def test_a_bad_roster_says_which_line_and_what_was_expected(tmp_path, text, message):
    with pytest.raises(accounts.RosterError, match=message):
        accounts.read_roster(_roster(tmp_path, text))


def test_a_missing_roster_says_what_was_expected(tmp_path):
    with pytest.raises(accounts.RosterError, match="expected a CSV file"):
        accounts.read_roster(tmp_path / "nope.csv")


@pytest.mark.skipif(os.geteuid() == 0, reason="as root the accounts would really be created")
def test_accounts_need_root(tmp_path):
    """Without root, creating accounts fails with what to do, before touching anything."""
    with pytest.raises(PermissionError, match="needs root"):
        accounts.create_accounts([accounts.Member("alice")], passwords=tmp_path / "p.csv")
    assert not (tmp_path / "p.csv").exists()


def test_the_groups_of_a_course():
    assert accounts.groups("ml101") == {"student": "ml101-students", "instructor": "ml101-instructors"}
    assert accounts.members_of("student", "no-such-course-group") == set()


def test_the_roster_s_students_go_into_the_gradebook_with_their_names(tmp_path):
    """Students (not instructors) are recorded with names and email; a second run updates, never duplicates."""
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    members = [accounts.Member("alice", "student", "Alice", "Able", "a@x.org"), accounts.Member("ms", "instructor")]
    assert accounts.register_students(members, course) == 1
    assert accounts.register_students([accounts.Member("alice", "student", "Alicia", "Able")], course) == 1
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "backprop-workbook") as gb:
        (student,) = gb.students
        assert (student.id, student.first_name, student.last_name) == ("alice", "Alicia", "Able")
    with pytest.raises(accounts.RosterError, match="not a course directory"):
        accounts.register_students(members, tmp_path)


# --------------------------------------------------------------------------- the exchange's inbound folder


def _course(tmp_path) -> Path:
    course = tmp_path / "course"
    for part in ("solutions", "notebooks"):
        (course / part / LESSON).mkdir(parents=True)
        src = ROOT / part / LESSON / f"{LESSON}.ipynb"
        (course / part / LESSON / src.name).write_bytes(src.read_bytes())
    return course


def _submit(inbound: Path, student, timestamp, text, secret="s3cret", random="abc123"):
    folder = inbound / f"{student}+{LESSON}+{timestamp}+{random}"
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").write_text(text)
    (folder / "timestamp.txt").write_text(timestamp)
    (folder / "submission_secret.txt").write_text(secret)
    return folder


def _nb(marker: str) -> str:
    nb = nbformat.read(ROOT / "notebooks" / LESSON / f"{LESSON}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(marker))
    return nbformat.writes(nb)


def test_collect_takes_the_latest_submission_of_each_student_from_the_inbound_folder(tmp_path):
    """Byte-for-byte copies of the latest submission, with nbgrader's timestamp and secret next to it."""
    course, inbound = _course(tmp_path), tmp_path / "exchange" / "backprop-workbook" / "inbound"
    _submit(inbound, "alice", "2026-12-01 10:00:00.000000 UTC", _nb("first"), secret="old")
    _submit(inbound, "alice", "2026-12-01 11:00:00.000000 UTC", _nb("second"), secret="new", random="def")
    _submit(inbound, "bob", "2026-12-01 10:30:00.000000 UTC", _nb("bob's"), secret="bob")
    assert exchange.is_inbound(inbound)
    result = collect(inbound, root=course)
    assert result.problems == [] and len(result.placed) == 2
    alice = course / "submitted" / "alice" / LESSON
    assert "second" in (alice / f"{LESSON}.ipynb").read_text()
    assert (alice / "timestamp.txt").read_text() == "2026-12-01 11:00:00.000000 UTC"
    assert (alice / "submission_secret.txt").read_text() == "new"
    assert (course / "submitted" / "bob" / LESSON / "submission_secret.txt").read_text() == "bob"
    again = collect(inbound, root=course)  # nothing is overwritten; the same files are "already there"
    assert again.placed == [] and len(again.unchanged) == 2


def test_collect_reports_a_submission_of_an_unknown_assignment(tmp_path):
    course, inbound = _course(tmp_path), tmp_path / "inbound"
    folder = inbound / "alice+99-nothing+2026-12-01 10:00:00 UTC+x"
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-12-01 10:00:00 UTC")
    result = collect(inbound, root=course)
    assert result.placed == [] and result.problems == [f"{folder.name}: 99-nothing is not an assignment of "
                                                       "this course"]


def test_an_lms_export_is_not_taken_for_an_inbound_folder(tmp_path):
    export = tmp_path / "export"
    (export / "alice").mkdir(parents=True)
    (export / "alice" / f"{LESSON}.ipynb").write_text(_nb("x"))
    assert not exchange.is_inbound(export) and not exchange.is_inbound(tmp_path / "missing")


def test_release_feedback_refuses_feedback_of_a_submission_not_from_the_exchange(tmp_path):
    course = _course(tmp_path)
    page = course / "feedback" / "alice" / LESSON / f"{LESSON}.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html></html>")
    (course / "submitted" / "alice" / LESSON).mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"no timestamp\.txt or submission_secret\.txt"):
        exchange.release_feedback(course, [LESSON])


# --------------------------------------------------------------------------- LMS gradebooks


GRADES = """assignment,duedate,timestamp,student_id,last_name,first_name,email,raw_score,late_submission_penalty,\
score,max_score
01-univariate,None,2026-12-01 10:00:00,alice,Able,Alice,alice@x.org,10.0,0.0,10.0,10.0
01-univariate,None,2026-12-01 10:00:00,bob,Baker,Bob,None,8.0,0.0,8.0,10.0
02-multivariate,None,2026-12-02 10:00:00,alice,Able,Alice,alice@x.org,7.5,0.0,7.5,12.0
02-multivariate,None,None,bob,Baker,Bob,None,0.0,0.0,0.0,12.0
"""


def _rows(path):
    with path.open(newline="") as f:
        return list(csv.reader(f))


def test_grades_go_to_canvas_and_moodle_import_formats(tmp_path):
    """One row per student, one column per assignment; no submission is an empty cell, not 0."""
    grades = tmp_path / "grades.csv"
    grades.write_text(GRADES)
    canvas, moodle = lms.write_gradebooks(grades)
    assert _rows(canvas) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "01-univariate", "02-multivariate"],
        ["Points Possible", "", "", "", "", "10", "12"],
        ["Able, Alice", "", "", "alice", "", "10", "7.5"],
        ["Baker, Bob", "", "", "bob", "", "8", ""],
    ]
    assert _rows(moodle) == [
        ["First name", "Last name", "Username", "Email address", "01-univariate", "02-multivariate"],
        ["Alice", "Able", "alice", "alice@x.org", "10", "7.5"],
        ["Bob", "Baker", "bob", "None", "8", ""],
    ]


def test_a_csv_that_is_not_nbgrader_export_is_refused(tmp_path):
    grades = tmp_path / "grades.csv"
    grades.write_text("student,points\nalice,3\n")
    with pytest.raises(ValueError, match="expected nbgrader export's columns"):
        lms.write_gradebooks(grades)


def test_each_student_gets_a_zip_of_their_own_feedback(tmp_path):
    for student, assignment in (("alice", "01-univariate"), ("alice", "02-multivariate"), ("bob", "01-univariate")):
        page = tmp_path / "feedback" / student / assignment / f"{assignment}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"{student} {assignment}")
    zips = lms.zip_feedback(tmp_path)
    assert [z.name for z in zips] == ["alice.zip", "bob.zip"]
    with zipfile.ZipFile(zips[0]) as zf:
        assert sorted(zf.namelist()) == ["01-univariate/01-univariate.html", "02-multivariate/02-multivariate.html"]
        assert zf.read("02-multivariate/02-multivariate.html") == b"alice 02-multivariate"
    with zipfile.ZipFile(zips[1]) as zf:
        assert zf.namelist() == ["01-univariate/01-univariate.html"]


# --------------------------------------------------------------------------- JupyterLab settings per role


def _disabled(role):
    return json.loads((ROOT / "jupyter" / role / "labconfig" / "page_config.json").read_text())["disabledExtensions"]


def test_students_and_self_study_never_get_instructor_tools_and_never_the_news_popup():
    instructor_tools = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                        "@jupyter/nbgrader:course-list"}
    news = "@jupyterlab/apputils-extension:announcements"
    assert instructor_tools | {news} <= set(_disabled("student"))
    assert "@jupyter/nbgrader:assignment-list" not in _disabled("student")  # students fetch and submit
    assert instructor_tools | {news, "@jupyter/nbgrader:assignment-list"} <= set(_disabled("lab"))
    assert set(_disabled("instructor")) == {news}
    for role in ("student", "lab", "instructor"):
        assert "@jupyter/nbgrader:validate-assignment" not in _disabled(role)


def test_make_lab_uses_the_self_study_settings():
    """`make lab` puts jupyter/lab in JUPYTER_CONFIG_PATH; JupyterLab then lists the extensions as disabled."""
    out = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True).stdout
    assert f'JUPYTER_CONFIG_PATH="{ROOT}/jupyter/lab"' in out, out
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(ROOT / "jupyter" / "lab"))
    listed = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "labextension", "list"], env=env,
                            capture_output=True, text=True)
    disabled = (listed.stdout + listed.stderr).split("Disabled extensions:")[-1]
    for ext in _disabled("lab"):
        assert ext in disabled, listed.stderr


def test_the_hub_refuses_to_start_without_what_it_needs(tmp_path, monkeypatch):
    """Not root, or no course directory: a clear error before anything is written."""
    settings = hub.HubSettings(course=str(tmp_path / "nowhere"), state=str(tmp_path / "state"))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(hub.HubError, match="must run as root"):
        hub.prepare(settings)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    with pytest.raises(hub.HubError, match=r"expected nbgrader_config\.py"):
        hub.prepare(settings)
    assert not (tmp_path / "state").exists()


def test_the_hub_config_binds_where_asked_and_keeps_its_secrets_in_the_state_folder(tmp_path):
    """configure() fills JupyterHub's config: loopback by default, PAM, the course's groups, the secrets' paths."""
    from traitlets.config import Config

    (tmp_path / "proxy_token").write_text("t0k3n")
    settings = hub.HubSettings(state=str(tmp_path), port=18000, group="ml101", python="/usr/bin/python3",
                               proxy=["/bin/chp"])
    (tmp_path / "settings.json").write_text(json.dumps(settings.__dict__))
    c = Config()
    hub.configure(c, tmp_path / "settings.json")
    assert c.JupyterHub.bind_url == "http://127.0.0.1:18000/"
    assert c.JupyterHub.authenticator_class == "pam"
    assert c.LocalAuthenticator.allowed_groups == {"ml101-students", "ml101-instructors"}
    assert c.JupyterHub.cookie_secret_file == str(tmp_path / "jupyterhub_cookie_secret")
    assert c.JupyterHub.db_url == f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}"
    assert c.ConfigurableHTTPProxy.auth_token == "t0k3n"
    assert c.Spawner.cmd == ["/usr/bin/python3", "-m", "jupyterhub.singleuser"]
    assert hub.HubSettings(ip="0.0.0.0", ssl_cert="c.pem", ssl_key="k.pem", port=443).url == "https://127.0.0.1:443/"


def test_the_students_python_loads_the_course_environment(tmp_path):
    """The interpreter the accounts' servers run imports the course's packages and finds JupyterLab's extensions."""
    tmp_path.chmod(0o755)
    python = hub.shared_environment(tmp_path)
    if python != Path(sys.prefix) / "bin" / "python":  # a thin venv on the system's Python (pyenv under /root)
        assert python.parent.parent == tmp_path / "env" and hub._others_can_run(python)
        assert (tmp_path / "env" / "bin" / "jupyterhub-singleuser").read_text().startswith(f"#!{python}\n")
    code = ("import coursetools, helpers, nbgrader, jupyterhub.singleuser, jupyter_core.paths as p; "
            "print('\\n'.join(p.jupyter_path()))")
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert any(Path(d, "labextensions", "@jupyter", "nbgrader").is_dir() for d in out.stdout.split()), out.stdout
