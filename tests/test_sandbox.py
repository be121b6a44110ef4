"""The grading sandbox (coursetools.sandbox), the in-kernel guard (coursetools.guard) and typed events.

One sandboxed kernel runs a probe notebook that looks at everything the
sandbox promises (uid, namespaces, what is visible and writable, network,
environment, limits) and has test cells whose error is hidden from the
outputs; the fallback without bubblewrap is shown by pretending it is not
installed. Under CI (``CI=true``) the sandbox must be available here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from coursetools import guard, sandbox
from coursetools.__main__ import main
from coursetools.events import ERRORS, SUSPICIOUS, Event, Kind
from coursetools.grade import GradingError, grade

CANARY = "COURSETOOLS_TEST_CANARY"

PROBE = r'''
import json, os, resource, socket
out = {"uid": os.getuid(), "euid": os.geteuid(), "pid": os.getpid(),
       "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
       "env": sorted(os.environ), "cwd": os.getcwd(), "cwd_files": sorted(os.listdir("."))}
out["visible"] = {p: os.path.exists(p) for p in PATHS}
def writable(p):
    try:
        with open(p, "w") as f:
            f.write("x")
        return True
    except OSError:
        return False
out["writable"] = {p: writable(p) for p in ["/usr/x", "/etc/x", sys_prefix + "/x", "here.txt"]}
def reach(family, addr):
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(1)
        s.connect(addr)
        return True
    except Exception as exc:
        return type(exc).__name__
out["network"] = reach(socket.AF_INET, ("127.0.0.1", PORT))
out["limits"] = {name: resource.getrlimit(getattr(resource, name))[1]
                 for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_FSIZE")}
print(json.dumps(out))
'''


def _test_cell(source, grade_id):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True, "points": 1,
                                 "schema_version": 3, "solution": False, "task": False}
    return cell


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [c if isinstance(c, nbformat.NotebookNode) else nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _available():
    why = sandbox.isolation()
    if why and os.environ.get("CI") == "true":
        pytest.fail(f"the grading sandbox must work under CI: {why}")
    if why:
        pytest.skip(f"no sandbox here: {why}")


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    """(probe output, executed notebook, result) of one sandboxed kernel, with a TCP listener on loopback."""
    import socket

    _available()
    course = tmp_path_factory.mktemp("course")
    (course / "submitted").mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    other = sandbox.SANDBOX_ROOT / "run-a-classmate"
    other.mkdir(parents=True, exist_ok=True)
    paths = [str(course / "submitted"), str(Path.home()), str(Path(__file__).resolve().parent.parent / "solutions"),
             str(other)]
    code = f"PATHS = {paths!r}\nPORT = {port}\nsys_prefix = {sys.prefix!r}\n" + PROBE
    nb = _notebook(
        code,
        "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)",
        _test_cell('"""Fails, with its traceback hidden."""\nraise AssertionError("wrong")', "test_hidden_error"),
        _test_cell('"""Passes, then its hidden test fails."""\nprint("visible ok")\n'
                   "### BEGIN HIDDEN TESTS\nprint('secret hidden line')\nassert 1 == 2, 'hidden message'\n"
                   "### END HIDDEN TESTS", "test_with_hidden"))
    os.environ[CANARY] = "instructor-secret"
    try:
        result = sandbox.execute_submission({"notebook": nbformat.writes(nb), "timeout": 60, "memory": 3 << 29,
                                             "protected": [str(course)]})
    finally:
        del os.environ[CANARY]
        listener.close()
        other.rmdir()
    executed = nbformat.reads(result["notebook"], as_version=4)
    text = "".join(o.text for o in executed.cells[0].outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1]), executed, result


def test_the_kernel_runs_as_an_unprivileged_user_in_its_own_pid_namespace(probed):
    """uid nobody (65534), not root; it sees only its own processes (the sandbox's init and itself)."""
    out, _, result = probed
    assert result["isolated"] is True
    assert out["uid"] == out["euid"] == sandbox.NOBODY
    assert out["processes"] == [1, out["pid"]], out["processes"]


def test_course_folders_home_and_other_sandboxes_are_invisible(probed):
    """submitted/, solutions/, the instructor's home and another sandbox's folder do not exist in the sandbox."""
    out, *_ = probed
    assert out["visible"] and not any(out["visible"].values()), out["visible"]


def test_only_the_working_folder_is_writable(probed):
    """/usr, /etc and the Python environment are read-only; the working folder is writable."""
    out, *_ = probed
    assert out["writable"] == {"/usr/x": False, "/etc/x": False, f"{sys.prefix}/x": False, "here.txt": True}


def test_no_network_not_even_loopback(probed):
    """A TCP listener on this machine's loopback cannot be reached from the kernel."""
    out, *_ = probed
    assert out["network"] is not True, "the kernel reached a TCP port on the host's loopback"


def test_the_environment_is_clean_and_explicit(probed):
    """Nothing of the grader's environment (here a canary variable) reaches the kernel."""
    out, *_ = probed
    assert CANARY not in out["env"]
    assert not {"JPY_PARENT_PID", "PYTHONPATH", "VIRTUAL_ENV"} & set(out["env"]), out["env"]


def test_limits_are_set(probed):
    """Address space, CPU time, processes, open files and file size are all limited."""
    out, *_ = probed
    lim = sandbox.Limits()
    assert out["limits"] == {"RLIMIT_AS": 3 << 29, "RLIMIT_CPU": 600, "RLIMIT_NPROC": lim.processes,
                             "RLIMIT_NOFILE": lim.files, "RLIMIT_FSIZE": lim.file_size}


def test_an_error_reply_is_a_failure_even_when_the_traceback_is_hidden(probed):
    """As nbgrader's Execute preprocessor: the reply's error becomes an error output, and it is reported."""
    _, nb, result = probed
    errors = [o for o in nb.cells[2].outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["AssertionError"]
    assert {"kind": "error_reply", "cell": "test_hidden_error"} in [
        {k: e[k] for k in ("kind", "cell")} for e in result["events"]]


def test_hidden_tests_run_apart_and_what_they_print_stays_with_the_instructor(probed):
    """The visible part's output stays; the hidden part's failure is a fixed message; its output is kept aside."""
    _, nb, result = probed
    cell = nb.cells[3]
    shown = json.dumps(cell.outputs)
    assert "visible ok" in shown
    assert "secret hidden line" not in shown and "hidden message" not in shown
    assert [o.evalue for o in cell.outputs if o.output_type == "error"] == [sandbox.HIDDEN_FAILED]
    assert "secret hidden line" in result["hidden_outputs"]["test_with_hidden"]
    assert "hidden message" in result["hidden_outputs"]["test_with_hidden"]


def test_without_bubblewrap_grading_is_guarded_only_and_says_so(monkeypatch, tmp_path, capsys):
    """No bwrap: isolation() says why, each notebook gets a not_isolated event, `required` refuses."""
    monkeypatch.setattr(sandbox, "_which", lambda name: None)
    sandbox.isolation.cache_clear()
    try:
        why = sandbox.isolation()
        assert why == "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
        nb = _notebook("import os\nprint(os.getuid() == os.geteuid())")
        result = sandbox.execute_submission({"notebook": nbformat.writes(nb), "timeout": 60, "memory": None})
        assert result["isolated"] is False
        assert result["events"][0] == {"kind": "not_isolated", "cell": None,
                                       "detail": f"graded guarded only, not isolated: {why}"}
        executed = nbformat.reads(result["notebook"], as_version=4)
        assert executed.cells[0].outputs[0].text == "True\n"
        with pytest.raises(RuntimeError, match="the sandbox is required but not available: bubblewrap"):
            sandbox.execute_submission({"notebook": nbformat.writes(nb), "isolation": "required"})
        with pytest.raises(GradingError, match=r"the sandbox is required \(--isolation required\)"):
            grade(["01-univariate"], root=tmp_path, isolation="required")
        assert main(["grade", "01-univariate", "--root", str(tmp_path), "--isolation", "required"]) == 2
        out = capsys.readouterr().out
        assert "guarded only, not isolated: bubblewrap (bwrap) is not installed" in out and "refusing" in out
        assert list(tmp_path.iterdir()) == []
    finally:
        sandbox.isolation.cache_clear()


def test_bad_isolation_mode_is_refused():
    with pytest.raises(GradingError, match="isolation must be one of auto, required, off; got 'maybe'"):
        grade(["01-univariate"], isolation="maybe")


GUARD_SCRIPT = r'''
import json, sys, types
from pathlib import Path
sys.path.insert(0, {src!r})
import coursetools.guard as g
mod = types.ModuleType("watched_mod")
def check(x):
    if x != 1:
        raise AssertionError("wrong")
mod.check = check
sys.modules["watched_mod"] = mod
key_file = Path({tmp!r}) / "key"
key_file.write_text("k3y")
cmd = g.install(protected=[{tmp!r} + "/secret"], own={tmp!r} + "/own", sandboxes={tmp!r},
                log={tmp!r} + "/log", key_file=str(key_file), watch=["watched_mod"])
assert not key_file.exists()
import builtins
def noop(x):
    return None
mod.check.__code__ = noop.__code__
real = mod.check
mod.check = noop
sys.modules["watched_mod"] = types.ModuleType("fake")
cmd("before", "n1")
try:
    open({tmp!r} + "/secret/answers.txt")
except PermissionError as exc:
    print("REFUSED", exc)
'''


def test_the_guard_restores_code_attributes_and_modules_and_signs_its_reply(tmp_path):
    """In a plain Python process: replaced attribute, swapped __code__ and sys.modules entry are put back."""
    src = str(Path(guard.__file__).resolve().parent.parent)
    script = GUARD_SCRIPT.format(src=src, tmp=str(tmp_path))
    script += textwrap.dedent("""
        assert sys.modules["watched_mod"] is mod and mod.check is real
        try:
            mod.check(2)
            print("NOT RESTORED")
        except AssertionError:
            print("RESTORED")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    reply = guard.reply(lines[0], "k3y", "n1")
    assert reply is not None and reply["kind"] == "before"
    assert set(reply["changed"]) == {"watched_mod.check", "watched_mod.check.__code__", "sys.modules['watched_mod']"}
    assert guard.reply(lines[0], "other-key", "n1") is None and guard.reply(lines[0], "k3y", "n2") is None
    assert lines[1].startswith("REFUSED the grader does not allow this: open")
    assert lines[2] == "RESTORED"
    assert (tmp_path / "log").read_text().startswith("refused: open")


def test_every_event_kind_is_listed_by_report_and_unknown_kinds_are_refused():
    """Each kind belongs to a report section; a record with an unknown kind cannot be read silently."""
    from coursetools import report

    assert set(ERRORS) | set(SUSPICIOUS) == {k.value for k in Kind}
    assert report.ERRORS is ERRORS and report.SUSPICIOUS is SUSPICIOUS
    assert Event.from_dict({"kind": "nbformat", "cell": None, "detail": "x"}).kind is Kind.NBFORMAT
    with pytest.raises(ValueError, match="unknown event kind 'nope'; expected one of: timeout, "):
        Event.from_dict({"kind": "nope", "cell": None, "detail": "x"})


CLASS_SCRIPT = r'''
import sys, types
from pathlib import Path
sys.path.insert(0, {src!r})
import coursetools.guard as g
mod = types.ModuleType("watched_cls")
exec("class Check:\n    def verify(self, x):\n        if x != 1:\n            raise AssertionError('wrong')\n",
     mod.__dict__)
sys.modules["watched_cls"] = mod
key_file = Path({tmp!r}) / "key"
key_file.write_text("k3y")
cmd = g.install(protected=[], own={tmp!r} + "/own", sandboxes={tmp!r} + "/boxes", log={tmp!r} + "/log",
                key_file=str(key_file), watch=["watched_cls"])
mod.Check.verify = lambda self, x: None
cmd("before", "n1")
try:
    mod.Check().verify(2)
    print("NOT RESTORED")
except AssertionError:
    print("RESTORED")
'''


def test_the_guard_restores_a_replaced_method_of_a_watched_class(tmp_path):
    """A method replaced on a class of a watched module (``Check.verify = ...``) is put back and reported."""
    src = str(Path(guard.__file__).resolve().parent.parent)
    proc = subprocess.run([sys.executable, "-c", CLASS_SCRIPT.format(src=src, tmp=str(tmp_path))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert guard.reply(lines[0], "k3y", "n1")["changed"] == ["watched_cls.Check.verify"]
    assert lines[1] == "RESTORED"


def test_hidden_test_lines_are_cut_from_outputs_verbatim_reversed_base64_or_hex():
    """A notebook that prints its hidden tests encoded (base64, wrapped base64, hex, reversed) loses those lines."""
    import base64

    hidden = "helpers.checks.univariate.check_forward(forward, seed=11, m=8)"
    cell = _test_cell(f'"""t"""\nprint(1)\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS', "test_x")
    text = "history:\n" + hidden + "\nmore\n"
    prints = {"verbatim": hidden, "reversed": text[::-1].replace("\n", " "),
              "base64": base64.b64encode(text.encode()).decode(), "urlsafe": base64.urlsafe_b64encode(
                  ("xy" + text).encode()).decode(), "hex": text.encode().hex(),
              "wrapped": base64.encodebytes(("z" * 40 + text).encode()).decode()}
    for how, shown in prints.items():
        nb = _notebook(cell)
        nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"ok line\n{shown}\n")]
        events = []
        sandbox._remove_leaks(nb, events)
        assert nb.cells[0].outputs[0].text.strip() == "ok line", how
        assert [e.kind for e in events] == [Kind.LEAK], how
    nb = _notebook(cell)  # the check can pass: an honest output stays
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok line\nc2VlZD0xMSwgbT04\n")]
    events = []
    sandbox._remove_leaks(nb, events)
    assert nb.cells[0].outputs[0].text == "ok line\nc2VlZD0xMSwgbT04\n" and events == []


def test_a_flood_of_output_is_cut_to_the_cap_before_hidden_lines_are_looked_for():
    """50 MB printed after a hidden line: the line goes, the output keeps its first CAP_CHARS characters and
    says so, and the search reads only those (it would take minutes over the whole flood)."""
    hidden = "helpers.checks.univariate.check_forward(forward, seed=11, m=8)"
    cell = _test_cell(f'"""t"""\nprint(1)\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS', "test_x")
    nb = _notebook(cell)
    flood = ("x = 1  # an honest line of output\n" * 1_600_000)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{hidden}\n{flood}")]
    events = []
    sandbox._remove_leaks(nb, events)
    text = nb.cells[0].outputs[0].text
    assert hidden not in text and [e.kind for e in events] == [Kind.LEAK]
    assert len(text) <= sandbox.CAP_CHARS + 200 and f"of the {len(hidden) + 1 + len(flood):,} characters" in text
    assert text.startswith("x = 1  # an honest line of output\n")
    short = _notebook(cell)  # an output under the cap is left as it is
    short.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok\n" * 10)]
    sandbox._remove_leaks(short, [])
    assert short.cells[0].outputs[0].text == "ok\n" * 10
