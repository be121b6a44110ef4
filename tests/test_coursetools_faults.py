"""`coursetools grade` when the run itself goes wrong: Ctrl-C, SIGKILL, a worker killed, a fresh HOME, a replay
that fails.

A class of two students of lesson 01 (a perfect and a partial submission) is laid out once, and graded once by
the real command with a fresh, empty HOME (no matplotlib font cache, MPLCONFIGDIR unset): that is the clean run.
Each signal test grades a fresh copy of the ungraded class with the real command in its own session, hits it
with a real signal, and checks the exit, that no process of the run is left (every process it started, found by
walking /proc before the signal, and every process of its session), that its sandbox folder is gone, then that a
re-run gives the clean run's grades and that submitted/ never changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from adversarial import cases

from coursetools.grade import grade, record_path, scores
from coursetools.release import generate, nbgrader_env
from coursetools.report import load_records, report
from coursetools.sandbox import SANDBOX_ROOT

ROOT = Path(__file__).resolve().parent.parent
A = "01-univariate"
STUDENTS = ["perfect", "partial"]
INTERRUPTED = "coursetools grade: interrupted; what was graded is saved, run the same command to resume\n"


def _digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _command(course: Path, *extra) -> list[str]:
    return [sys.executable, "-m", "coursetools", "grade", A, "--root", str(course), "--no-progress",
            "--timeout", "30", "--memory", "1.5", *extra]


@pytest.fixture(scope="module")
def fresh_class(tmp_path_factory):
    """(the ungraded class, its expectations per student)."""
    fresh = tmp_path_factory.mktemp("faults") / "fresh"
    fresh.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", fresh)
    shutil.copytree(ROOT / "solutions" / A, fresh / "solutions" / A)
    generate(fresh / "notebooks", [A], root=fresh, db=True)
    return fresh, cases.build(fresh, students=STUDENTS)


@pytest.fixture(scope="module")
def clean(fresh_class):
    """(the ungraded class, the clean run's scores, submitted/'s digest, the clean run's course, its HOME)."""
    fresh, expected = fresh_class
    base = fresh.parent
    graded = base / "clean"
    shutil.copytree(fresh, graded)
    home = base / "home"
    home.mkdir()
    env = {k: v for k, v in nbgrader_env().items() if k not in ("MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME")}
    proc = subprocess.run(_command(graded, "--workers", "2"), env={**env, "HOME": str(home)},
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stderr == "", proc.stdout + proc.stderr
    got = scores(graded, A)
    assert got == {(s, A): expected[s]["scores"] for s in STUDENTS}, got
    return fresh, got, _digest(fresh / "submitted"), graded, home


def test_an_honest_class_graded_with_a_fresh_home_raises_no_event(clean):
    """The grader's own start-up work (building matplotlib's font cache runs fc-list) is never the student's:
    with a fresh HOME, the records and the report hold no event at all."""
    *_, graded, home = clean
    records = load_records(graded)
    assert {k: r["events"] for k, r in records.items()} == {(s, A, A): [] for s in STUDENTS}
    page = report(graded).read_text(encoding="utf-8")
    assert page.count("<p>none</p>") == 2, "the report lists an event"
    assert list((home / ".cache" / "matplotlib").glob("fontlist-*.json")), "the grader built no font cache"


def test_a_run_folder_is_removed_at_its_end_and_a_killed_runs_folder_by_the_next_run(tmp_path):
    """RunFolder: readable by the sandboxes' users, removed on exit; a folder whose run died (its lock free) is
    removed when the next run starts, and a live run's folder (its lock held) never is."""
    from coursetools.pool import RunFolder

    code = ("import os, sys\nfrom coursetools.pool import RunFolder\n"
            "print(RunFolder(sys.argv[1]).__enter__(), flush=True)\nos._exit(0)  # killed: nothing removes it\n")
    with RunFolder(tmp_path) as live:
        assert live.is_dir() and live.stat().st_mode & 0o777 == 0o755 and live.name.startswith(f"grade-{os.getpid()}-")
        dead = Path(subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                                   check=True).stdout.strip())
        (dead / "run-x" / "conn").mkdir(parents=True)
        with RunFolder(tmp_path) as other:
            assert not dead.exists() and live.is_dir() and other.is_dir()
        assert not other.exists()
    assert list(tmp_path.iterdir()) == []


def _as_a_terminal_starts_it():
    """In the child before exec: SIGINT at its default disposition and not blocked, as a shell starts a
    foreground job. Both are inherited across exec, and a test runner's process may have changed them (then
    Python never installs its KeyboardInterrupt handler, and Ctrl-C would not reach `grade` at all)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start(course: Path, tmp_path: Path, *extra) -> subprocess.Popen:
    return subprocess.Popen(_command(course, *extra), env=nbgrader_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_as_a_terminal_starts_it)


def _run_folder(pid: int) -> Path | None:
    found = list(SANDBOX_ROOT.glob(f"grade-{pid}-*"))
    return found[0] if found else None


def _wait_for(predicate, what: str, proc: subprocess.Popen, timeout: float = 300):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"grade ended before {what}: {proc.communicate()}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def _kernels_running(pid: int, n: int):
    """The sandbox folders of ``n`` kernels of grade ``pid`` once they are there (each has its connection file)."""
    folder = _run_folder(pid)
    boxes = [b for b in folder.glob("run-*") if (b / "conn" / "kernel.json").exists()] if folder else []
    return boxes if len(boxes) >= n else None


def _run_processes(pid: int) -> set[int]:
    """Every process ``pid`` started (its descendants) and every process of its session, found in /proc."""
    found = set()
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getsid(p.pid) == pid:
                found.add(p.pid)
        except OSError:
            continue
    with_children = set(found)
    for q in list(found) + [pid]:
        try:
            with_children |= {c.pid for c in psutil.Process(q).children(recursive=True)}
        except psutil.Error:
            continue
    return with_children - {pid}


def _alive(pids) -> list:
    out = []
    for pid in pids:
        try:
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE:
                out.append((pid, p.cmdline()))
        except psutil.Error:
            continue
    return out


def _none_left(pids, within: float = 10.0):
    end = time.monotonic() + within
    while _alive(pids) and time.monotonic() < end:
        time.sleep(0.1)
    assert _alive(pids) == [], "processes of the run are still alive"


def _slowed(course: Path, student: str, seconds: float = 10.0) -> dict:
    """Give ``student``'s submission a last cell that sleeps, so that a signal the test sends once that
    notebook's kernel runs cannot come after its grading ended (on a loaded machine the test's walk of /proc
    can take longer than a lesson's run); the scores do not change. Returns submitted/'s new digest."""
    import nbformat

    path = course / "submitted" / student / A / f"{A}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})  # the test's signal comes now"))
    nbformat.write(nb, str(path))
    return _digest(course / "submitted")


def _rerun_is_clean(course: Path, clean_scores, submitted, *, graded: int):
    proc = subprocess.run(_command(course), env=nbgrader_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and proc.stderr == "", proc.stdout + proc.stderr
    assert f"graded {graded} notebook(s), {len(STUDENTS) - graded} already graded" in proc.stdout, proc.stdout
    assert scores(course, A) == clean_scores
    assert _digest(course / "submitted") == submitted


def test_ctrl_c_prints_one_line_ends_every_process_and_a_rerun_resumes(clean, tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while the second notebook is graded:
    exit 130, that one line and not a byte of traceback, no process or sandbox folder left; the re-run grades
    only the notebook that was interrupted."""
    fresh, clean_scores, _, *_ = clean
    course = tmp_path / "course"
    shutil.copytree(fresh, course)
    submitted = _slowed(course, STUDENTS[0])  # graded second: "partial" comes first
    proc = _start(course, tmp_path, "--workers", "1")
    _wait_for(lambda: record_path(course, "partial", A, A).exists(), "the first notebook is graded", proc)
    _wait_for(lambda: _kernels_running(proc.pid, 1), "the second kernel starts", proc)
    folder = _run_folder(proc.pid)
    started = _run_processes(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    here = (f"(in this test's process SIGINT is {signal.getsignal(signal.SIGINT)}, blocked: "
            f"{signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())})")
    assert proc.returncode == 130, out + err + here
    if out.startswith("coursetools grade: guarded only"):  # no sandbox on this machine: said first
        out = out.split("\n", 1)[1]
    assert err == "" and out == INTERRUPTED, (out, err)
    _none_left(started)
    assert not folder.exists(), f"{folder} was left behind"
    _rerun_is_clean(course, clean_scores, submitted, graded=1)


def test_sigkill_of_grade_leaves_no_process_and_a_rerun_cleans_up(clean, tmp_path):
    """SIGKILL of `grade` while it grades: within seconds no process it started is alive (forkserver,
    workers, kernels, resource tracker) and its output pipe is closed; the re-run removes the folder it left and
    grades everything, as the clean run did."""
    fresh, clean_scores, _, *_ = clean
    course = tmp_path / "course"
    shutil.copytree(fresh, course)
    submitted = _slowed(course, STUDENTS[0], 5.0)
    proc = _start(course, tmp_path, "--workers", "2")
    _wait_for(lambda: _kernels_running(proc.pid, 1), "a kernel starts", proc)
    folder = _run_folder(proc.pid)
    started = _run_processes(proc.pid)
    assert len(started) >= 5, started  # the forkserver, the resource tracker, two workers, their kernels
    proc.kill()
    try:
        _none_left(started)
        proc.communicate(timeout=10)  # nobody holds its stdout or stderr any more
    finally:  # a failure here must not leave open pipes for the next test's warnings
        proc.stdout.close()
        proc.stderr.close()
    assert folder.exists()  # nothing could remove it: the next run does
    _rerun_is_clean(course, clean_scores, submitted, graded=len(STUDENTS))
    assert not folder.exists(), f"{folder} was left behind by the re-run"


def test_a_worker_killed_with_kill_9_is_replaced_and_its_sandbox_folder_removed(clean, tmp_path):
    """kill -9 of a worker while it grades: the pool is rebuilt, its notebook graded again, the grades are the
    clean run's, and no sandbox folder (the dead worker's included) is left."""
    fresh, clean_scores, submitted, *_ = clean
    course = tmp_path / "course"
    shutil.copytree(fresh, course)
    proc = _start(course, tmp_path, "--workers", "2")
    boxes = _wait_for(lambda: _kernels_running(proc.pid, 1), "a kernel starts", proc)
    folder = _run_folder(proc.pid)
    server = next(c for c in psutil.Process(proc.pid).children() if "forkserver" in " ".join(c.cmdline()))

    def busy_workers():  # one that has started its kernel (a loaded machine may be between two kernels)
        try:
            return [w for w in server.children() if w.children()]
        except psutil.Error:
            return []

    try:
        workers = _wait_for(busy_workers, "a worker runs a kernel", proc, timeout=120)
        workers[0].kill()
        out, err = proc.communicate(timeout=600)
    finally:  # a failure here must not leave open pipes for the next test's warnings
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0 and err == "", out + err
    assert f"graded {len(STUDENTS)} notebook(s)" in out, out
    assert scores(course, A) == clean_scores
    assert _digest(course / "submitted") == submitted
    assert not folder.exists() and not any(b.exists() for b in boxes), f"{folder} was left behind"


# A kernel that dies in test_forward (once: a flag file in its working folder), then in the replay of the cell
# after forward's: the first time only ("once"), or every time ("always"). Guarded only (isolation off): there
# the working folder outlives a kernel, so a flag can count the deaths; the sandbox gives each kernel a new one.
DIES = ("    import os as _os\n    if x is not globals().get('x') and not _os.path.exists('died'):\n"
        "        open('died', 'w').close()\n        _os._exit(3)\n")
REPLAY = {"once": "import os\nif os.path.exists('died') and not os.path.exists('replayed'):\n"
                  "    open('replayed', 'w').close()\n    os._exit(3)\n",
          "always": "import os\nif os.path.exists('died'):\n    os._exit(3)\n"}


def _dies_in_the_replay(course: Path, student: str, how: str):
    import nbformat

    from coursetools import notebooks as nbs

    source = nbs.read(course / "solutions" / A / f"{A}.ipynb")
    nb = nbs.fill_stubs(nbs.read(course / "notebooks" / A / f"{A}.ipynb"), source)
    at = next(i for i, c in enumerate(nb.cells) if nbs.nbgrader_meta(c).get("grade_id") == "forward")
    cell = nb.cells[at]
    end = cell.source.index('    """\n') + len('    """\n')
    cell.source = cell.source[:end] + DIES + cell.source[end:]
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(REPLAY[how]))
    folder = course / "submitted" / student / A
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / f"{A}.ipynb"))
    return f"cell {at + 1}"


def test_a_replay_that_fails_once_is_retried_and_what_is_lost_is_named_per_cell(fresh_class, tmp_path):
    """The kernel dies in test_forward, then in the replay: retried once in a fresh kernel, the student keeps
    every other point; when the retry dies too, each test cell not run is named in the record and the report."""
    fresh, _ = fresh_class
    course = tmp_path / "course"
    shutil.copytree(fresh, course)
    shutil.rmtree(course / "submitted")
    replayed = {how: _dies_in_the_replay(course, how, how) for how in REPLAY}
    submitted = _digest(course / "submitted")
    grade([A], root=course, timeout=30, memory=3 << 29, workers=2, isolation="off")
    got = scores(course, A)
    assert got[("once", A)] == {**cases.FULL, "test_forward": 0.0}, got
    assert got[("always", A)] == cases.ZERO, got
    records = load_records(course)
    once = [(e["kind"], e["cell"]) for e in records[("once", A, A)]["events"] if e["kind"] != "not_isolated"]
    assert once == [("kernel_died", "test_forward"), ("kernel_died", replayed["once"])], once
    always = records[("always", A, A)]["events"]
    lost = [e["cell"] for e in always if e["kind"] == "gave_up" and e["cell"]]
    assert lost == cases.TESTS[1:], always
    assert all("its points are lost" in e["detail"] for e in always if e["kind"] == "gave_up" and e["cell"])
    page = report(course).read_text(encoding="utf-8")
    for name in cases.TESTS[1:]:
        assert f"<td>gave up</td><td>{name}</td>" in page, f"the report does not name {name}"
    assert _digest(course / "submitted") == submitted
