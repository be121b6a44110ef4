"""A real full disk (a small tmpfs mounted over the folder written to): one clear message, nothing half-written.

Mounting needs root (as in CI and the course's containers); elsewhere these
tests are skipped. Every mount is undone, also when a test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from coursetools.__main__ import main
from coursetools.grade import record_path

ROOT = Path(__file__).resolve().parent.parent
A = "01-univariate"


@contextlib.contextmanager
def _full_disk(folder: Path, size: str):
    """``folder`` on a tmpfs of ``size`` (e.g. "1m") for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_collect_onto_a_full_disk_says_so_and_leaves_no_partial_notebook(tmp_path, capsys):
    """submitted/ on a 100 kB tmpfs, a 300 kB notebook: exit 2, the folder and the space needed named."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / A, course / "solutions" / A)
    shutil.copytree(ROOT / "notebooks" / A, course / "notebooks" / A)
    nb = nbformat.read(str(course / "notebooks" / A / f"{A}.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("x" * 300_000))
    ex = tmp_path / "export"
    ex.mkdir()
    nbformat.write(nb, str(ex / f"alice_{A}.ipynb"))
    with _full_disk(course / "submitted", "100k") as submitted:
        assert main(["collect", str(ex), "--root", str(course)]) == 2
        out = capsys.readouterr().out
        assert "is full" in out and str(submitted / "alice" / A) in out, out
        assert re.search(r"needs \d+\.\d kB and \d+\.\d kB is free", out), out
        assert [p for p in submitted.rglob("*") if p.is_file()] == []


def test_feedback_onto_a_full_disk_says_so_and_leaves_no_partial_page(tmp_path, capsys):
    """feedback/ on a 1 MB tmpfs (MathJax alone is 2 MB): exit 2 with the folder named; nothing half-written."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("$x^2$"))
    out = tmp_path / "autograded" / "alice" / A / f"{A}.ipynb"
    out.parent.mkdir(parents=True)
    nbformat.write(nb, str(out))
    record_path(tmp_path, "alice", A, A).write_text(json.dumps({"sha256": "x", "events": [], "tests": {}}))
    with _full_disk(tmp_path / "feedback", "1m") as feedback:
        assert main(["feedback", "--root", str(tmp_path)]) == 2
        text = capsys.readouterr().out
        assert "is full" in text and str(feedback / "_assets") in text, text
        assert [p for p in feedback.rglob("*") if p.is_file()] == []


def test_grade_onto_a_full_disk_says_so_records_nothing_half_written_and_a_rerun_is_clean(tmp_path, capsys):
    """autograded/ on a tmpfs with 16 kB left: exit 2, one line naming the folder and the space needed; no
    notebook, record or temporary written there and no grade saved; with room made, the same command grades
    it as a clean run does, and submitted/ never changed."""
    from adversarial import cases

    from coursetools.grade import scores
    from coursetools.release import generate

    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / A, course / "solutions" / A)
    generate(course / "notebooks", [A], root=course, db=True)
    expected = cases.build(course, students=["perfect"])
    submitted = {p: p.read_bytes() for p in (course / "submitted").rglob("*") if p.is_file()}
    command = ["grade", A, "--root", str(course), "--no-progress", "--timeout", "30", "--memory", "1.5",
               "--workers", "1"]
    with _full_disk(course / "autograded", "2m") as autograded:
        filler = autograded / "filler"
        filler.write_bytes(b"\0" * (shutil.disk_usage(autograded).free - 16_000))
        assert main(command) == 2
        out = capsys.readouterr().out
        assert out.count("\n") == 1 and "is full" in out and str(autograded / "perfect" / A) in out, out
        assert re.search(r"needs \d+\.\d kB and \d+\.\d kB is free", out), out
        written = sorted(str(p.relative_to(autograded)) for p in autograded.rglob("*") if p.is_file())
        assert written == [".coursetools-grade.lock", "filler"], written
        assert all(score is None for score in scores(course, A)[("perfect", A)].values())
        filler.unlink()
        assert main(command) == 0
        assert "graded 1 notebook(s), 0 already graded" in capsys.readouterr().out
        assert scores(course, A) == {("perfect", A): expected["perfect"]["scores"]}
    assert {p: p.read_bytes() for p in (course / "submitted").rglob("*") if p.is_file()} == submitted
