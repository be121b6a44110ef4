"""`coursetools grade`, `feedback` and `report` on a synthetic class of lesson 01.

One temporary course holds the adversarial corpus (tests/adversarial/cases.py:
perfect, blank and partial students and one student per attack). It is graded
once with `grade` (10 s per cell, 1.5 GiB per kernel), every kernel in the
sandbox, while stock `nbgrader autograde` grades a copy of some of the same
submissions in another course, so that the grades can be compared cell by
cell. The grader's environment holds a canary variable and a UDP socket
listens on loopback, so that leaks and exfiltration can be seen. Without the
sandbox here, the attacks that would do real harm outside it are left out.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from adversarial import cases

from coursetools import notebooks as nbs
from coursetools import sandbox
from coursetools.__main__ import main
from coursetools.feedback import feedback
from coursetools.grade import GradingError, grade, record_path, scores
from coursetools.release import generate, nbgrader_env
from coursetools.report import load_records, report
from coursetools.sandbox import SANDBOX_ROOT, UID_BASE, isolation

ROOT = Path(__file__).resolve().parent.parent
A = "01-univariate"
TIMEOUT = 10
MEMORY = 3 << 29  # 1.5 GiB: a kernel with numpy and matplotlib needs about 1 GiB of address space
# Stock nbgrader grades these the same way we do...
SAME_AS_STOCK = ["perfect", "blank", "partial", "edited-tests", "custom-exc", "hidden-traceback"]
# ...and these wrongly: full marks for wrong answers with the checkers replaced, or with the hidden fixture
# (copied next to the notebook by stock) read or rewritten.
STOCK_IS_FOOLED = ["monkeypatch", "code-swap", "reads-answer-key", "rewrites-fixtures"]
CANARY = ("COURSETOOLS_GRADER_SECRET", "instructor-secret-7f3a")


def _course(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", path)
    shutil.copytree(ROOT / "solutions" / A, path / "solutions" / A)
    generate(path / "notebooks", [A], root=path, db=True)
    return path


def _tree_digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(course, expected, summary, stock scores, digest of submitted/ before grading)."""
    base = tmp_path_factory.mktemp("grading")
    course = _course(base / "course")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    (course / ".udp-port").write_text(str(udp.getsockname()[1]))
    expected = cases.build(course, sandboxed=isolation() is None)
    stock = _course(base / "stock")
    cases.build(stock, students=SAME_AS_STOCK + STOCK_IS_FOOLED)
    before = _tree_digest(course / "submitted")
    # Stock autograde runs meanwhile in another process, on its own copy of the course.
    proc = subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", A, "--force"], cwd=stock,
                            env=nbgrader_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    os.environ[CANARY[0]] = CANARY[1]
    try:
        # Three workers on two cores: two of them sit idle through the 10 s timeouts.
        summary = grade([A], root=course, timeout=TIMEOUT, memory=MEMORY, workers=3)
    finally:
        del os.environ[CANARY[0]]
        out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    try:
        received = udp.recv(65536)
    except BlockingIOError:
        received = None
    udp.close()
    return course, expected, summary, scores(stock, A), before, received


@pytest.mark.parametrize("student", list(cases.CASES))
def test_each_submission_gets_the_grade_an_honest_grader_gives(graded, student):
    """Per test cell, the score is what the student's code deserves, and the attack is reported."""
    course, expected, *_ = graded
    got = scores(course, A)[(student, A)]
    assert got == expected[student]["scores"], f"{student}: scored {got}, expected {expected[student]['scores']}"
    kinds = {e["kind"] for e in load_records(course)[(student, A, A)]["events"]}
    missing = expected[student]["events"] - kinds
    assert not missing, f"{student}: events {sorted(kinds)} lack {sorted(missing)}"


def test_honest_submissions_raise_no_event(graded):
    """Perfect, blank and partial students are graded without a single event to review."""
    course, *_ = graded
    records = load_records(course)
    for student in ("perfect", "blank", "partial"):
        assert records[(student, A, A)]["events"] == [], records[(student, A, A)]["events"]


@pytest.mark.parametrize("student", ["perfect", "os-exit", "infinite-loop"])
def test_autograded_notebooks_keep_every_cell_of_the_submission(graded, student):
    """The autograded notebook is the submission cell for cell (tests restored), even after kernel restarts."""
    course, *_ = graded
    submitted = nbs.read(course / "submitted" / student / A / f"{A}.ipynb")
    autograded = nbs.read(course / "autograded" / student / A / f"{A}.ipynb")
    assert len(autograded.cells) == len(submitted.cells)
    for i, (got, sent) in enumerate(zip(autograded.cells, submitted.cells)):
        assert got.cell_type == sent.cell_type, f"cell {i}"
        assert "__coursetools" not in got.source, f"cell {i} is the grader's own: {got.source[:80]}"
        if not nbs.nbgrader_meta(sent).get("grade"):
            assert got.source == sent.source, f"cell {i} changed"
            assert nbs.nbgrader_meta(got).get("grade_id") == nbs.nbgrader_meta(sent).get("grade_id"), f"cell {i}"


def test_grades_are_identical_to_stock_nbgrader_autograde(graded):
    """On the same submissions, every test cell gets exactly stock nbgrader's auto_score."""
    course, _, _, stock, *_ = graded
    ours = scores(course, A)
    for student in SAME_AS_STOCK:
        assert ours[(student, A)] == stock[(student, A)], f"{student}: ours {ours[(student, A)]}, stock {stock}"


def test_stock_nbgrader_is_fooled_where_grade_is_not(graded):
    """The corpus bites: stock nbgrader gives these students a grade they do not deserve."""
    _, expected, _, stock, *_ = graded
    for student in STOCK_IS_FOOLED:
        assert stock[(student, A)] != expected[student]["scores"], f"stock nbgrader grades {student} honestly"


def test_submitted_is_never_modified_and_nothing_escapes_the_sandbox(graded):
    """submitted/ is byte for byte the same after grading; the snooping student wrote nothing anywhere."""
    course, expected, _, _, before, _ = graded
    assert _tree_digest(course / "submitted") == before
    written = [p for p in course.rglob("*") if "evil" in p.name or p.name.endswith(("-daemon", "-libc"))]
    assert written == [], f"a submission wrote {written}"
    assert len(scores(course, A)) == len(expected)  # the gradebook still opens and holds every student
    refused = [e["detail"] for e in load_records(course)[("snooping", A, A)]["events"] if e["kind"] == "sandbox"]
    for what in ("gradebook.db", f"solutions/{A}", "submitted", "os.system"):
        assert any(what in r for r in refused), f"no refusal mentions {what}: {refused}"


def test_hidden_tests_were_compared_by_the_grader_and_the_report_says_so(graded):
    """Every test cell of lesson 01 has its hidden tests compared in the grader's process (the record says
    "parent"); the students who read, rewrote or forged fixtures got 0 there; report shows the table."""
    course, *_ = graded
    records = load_records(course)
    for student in ("perfect", "partial", "reads-answer-key", "forges-emissions"):
        assert set(records[(student, A, A)]["compared"].values()) == {"parent"}, student
    assert "compared by the grader" in records[("forges-emissions", A, A)]["hidden_outputs"]["test_forward"]
    text = report(course).read_text(encoding="utf-8")
    assert "Hidden tests compared" in text and "hidden-test outputs missing or forged" in text


def test_the_sandbox_was_used_and_nothing_it_started_outlives_grading(graded):
    """Every notebook was graded in the sandbox; no process of any sandbox (the daemon, the fork bomb) is left."""
    import psutil

    course, _, summary, *_ = graded
    if summary["isolation"] is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the grading sandbox must work under CI: {summary['isolation']}")
        pytest.skip(f"no sandbox here: {summary['isolation']}")
    assert all(r["isolated"] for r in load_records(course).values() if "isolated" in r)
    left = []
    for p in psutil.process_iter(["uids", "cmdline", "status"]):
        try:
            if p.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            line = " ".join(p.info["cmdline"] or [])
            if str(ROOT) in line and (p.info["uids"].real >= UID_BASE or str(SANDBOX_ROOT) in line):
                left.append((p.pid, p.info["cmdline"]))  # ours (this checkout's Python), not another run's
        except (psutil.Error, TypeError, AttributeError):
            continue
    assert left == [], f"sandbox processes outlived grading: {left}"


def test_nothing_leaves_over_the_network_and_no_secret_reaches_the_outputs(graded):
    """The exfiltrating notebook's datagrams never arrive; the grader's environment is in no output or page."""
    course, *_, received = graded
    assert received is None, f"a sandboxed kernel reached the host's loopback: {received[:80]!r}"
    feedback(course)
    for path in [*course.glob("autograded/*/*/*.ipynb"), *course.glob("feedback/*/*/*.html")]:
        assert CANARY[1] not in path.read_text(encoding="utf-8"), f"{path} shows the grader's environment"


def test_rerun_resumes_without_regrading_and_prints_nothing_on_stderr(graded):
    """`coursetools grade` run again grades only what has no matching record (here: one record removed).

    Without its progress bar it writes nothing at all to stderr, even with the attackers in the class.
    """
    course, expected, *_ = graded
    before = scores(course, A)
    record_path(course, "partial", A, A).unlink()
    proc = subprocess.run([sys.executable, "-m", "coursetools", "grade", A, "--root", str(course), "--no-progress",
                           "--timeout", str(TIMEOUT), "--memory", "1.5"], env=nbgrader_env(),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    assert f"graded 1 notebook(s), {len(expected) - 1} already graded" in proc.stdout, proc.stdout
    assert scores(course, A) == before


def test_feedback_shows_code_and_messages_but_never_hidden_tests(graded):
    """Every feedback page has the student's code and each test's message, and no hidden-test line."""
    course, expected, *_ = graded
    paths = feedback(course)
    assert len(paths) == len(expected)
    hidden = nbs.hidden_test_lines(nbs.read(course / "solutions" / A / f"{A}.ipynb"))
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for line in hidden:
            assert line not in text, f"{path} shows the hidden test line {line!r}"
        shown = [t for t in text.splitlines() if sandbox._quotes(t, hidden)]
        assert not shown, f"{path} shows hidden test lines encoded (base64, hex or reversed): {shown[0][:80]}"
    perfect = (course / "feedback" / "perfect" / A / f"{A}.html").read_text(encoding="utf-8")
    assert "return w * x + b" in perfect and "10 / 10" in perfect
    blank = (course / "feedback" / "blank" / A / f"{A}.html").read_text(encoding="utf-8")
    assert "NotImplementedError" in blank and "0 / 10" in blank


def test_report_lists_failures_errors_and_cheats(graded):
    """report.html names the errored and suspicious students; grades.csv is nbgrader's export."""
    course, expected, *_ = graded
    out = report(course)
    text = out.read_text(encoding="utf-8")
    assert text.count("<img") >= 1
    for student in ("infinite-loop", "os-exit", "not-json", "monkeypatch", "snooping", "writes-stderr", "custom-exc",
                    "thread-repatch", "leaks-hidden"):
        assert f"<td>{student}</td>" in text, f"{student} is not in the report"
    assert "test_gradient_descent" in text and "timed out" in text and f"ran longer than {TIMEOUT} s" in text
    for label in ("error hidden from the outputs", "printed hidden tests or secrets", "replaced a checker"):
        assert label in text, f"the report does not show {label!r}"
    csv = (course / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert csv[0].startswith("assignment,") and len(csv) == len(expected) + 1


def test_bad_input_is_refused_with_a_clear_message(tmp_path, graded, capsys):
    """An unknown assignment or a course without submitted/ raises GradingError and changes nothing."""
    course, *_ = graded
    assert main(["grade", "nope", "--root", str(course)]) == 2
    assert main(["report", "--root", str(tmp_path)]) == 2
    assert main(["feedback", "--root", str(tmp_path)]) == 2
    out = capsys.readouterr()
    assert "unknown assignment 'nope'" in out.out and "nothing graded in" in out.out and out.err == ""
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(GradingError, match="unknown assignment 'nope'; the assignments are: 01-univariate"):
        grade(["nope"], root=course)
    with pytest.raises(GradingError, match="not a course directory"):
        grade([A], root=tmp_path)
    (tmp_path / "nbgrader_config.py").write_text("")
    with pytest.raises(GradingError, match="no submissions"):
        grade([A], root=tmp_path)


def test_grade_on_a_dask_cluster_gives_the_same_grades(graded):
    """With --scheduler, the workers run on a dask.distributed cluster (here a LocalCluster on loopback)."""
    from distributed import LocalCluster

    course, *_ = graded
    before = scores(course, A)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster:
        summary = grade([A], root=course, scheduler=cluster.scheduler_address, timeout=TIMEOUT, memory=MEMORY,
                        force=True, students=["perfect", "partial"])
    assert sorted(summary["graded"]) == [("partial", A, A), ("perfect", A, A)]
    assert scores(course, A) == before
