"""`coursetools collect`: an LMS export (folder or zip) laid out as submitted/<student>/<assignment>/."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from coursetools.__main__ import main
from coursetools.collect import CollectError, collect

ROOT = Path(__file__).resolve().parent.parent
A, B = "01-univariate", "02-multivariate"


@pytest.fixture
def course(tmp_path):
    """A course with the released notebooks of two lessons (no gradebook needed)."""
    root = tmp_path / "course"
    for lesson in (A, B):
        shutil.copytree(ROOT / "solutions" / lesson, root / "solutions" / lesson)
        shutil.copytree(ROOT / "notebooks" / lesson, root / "notebooks" / lesson)
    return root


def _export(tmp_path, course):
    """A Canvas/Moodle-style export: ids in file names, a per-student folder, a renamed notebook, junk."""
    ex = tmp_path / "export"
    ex.mkdir()
    shutil.copy(course / "notebooks" / A / f"{A}.ipynb", ex / f"alice_12345_{A}.ipynb")
    shutil.copy(course / "notebooks" / B / f"{B}.ipynb", ex / f"alice_12345_{B}.ipynb")
    (ex / "bob").mkdir()
    shutil.copy(course / "notebooks" / A / f"{A}.ipynb", ex / "bob" / "my homework (1).ipynb")  # renamed
    shutil.copy(course / "notebooks" / B / f"{B}.ipynb", ex / "carol_lesson2-final.ipynb")  # renamed
    (ex / "dave_notes.ipynb").write_text("not a notebook")
    (ex / "erin_README.txt").write_text("hello")
    return ex


def test_a_folder_is_laid_out_and_renamed_notebooks_are_matched_by_content(tmp_path, course):
    """Names with an assignment id go there; renamed notebooks go where their cells belong; junk is reported."""
    result = collect(_export(tmp_path, course), root=course)
    placed = sorted((s, a) for s, a, _ in result.placed)
    assert placed == [("alice", A), ("alice", B), ("bob", A), ("carol", B)]
    assert (course / "submitted" / "bob" / A / f"{A}.ipynb").exists()
    problems = "\n".join(result.problems)
    assert "dave_notes.ipynb" in problems and "erin_README.txt" in problems, problems


def test_a_zip_gives_the_same_layout_and_nothing_is_ever_overwritten(tmp_path, course):
    """A zip export is read like a folder; a differing notebook already in submitted/ is left alone."""
    ex = _export(tmp_path, course)
    zpath = tmp_path / "export.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in ex.rglob("*"):
            zf.write(p, p.relative_to(ex))
    target = course / "submitted" / "alice" / A / f"{A}.ipynb"
    target.parent.mkdir(parents=True)
    target.write_text("alice's earlier submission")
    result = collect(zpath, root=course)
    assert target.read_text() == "alice's earlier submission"
    assert any("already exists and differs" in p for p in result.problems), result.problems
    assert sorted((s, a) for s, a, _ in result.placed) == [("alice", B), ("bob", A), ("carol", B)]
    again = collect(zpath, root=course)
    assert again.placed == [] and len(again.unchanged) == 3


def test_two_notebooks_for_one_assignment_are_both_refused(tmp_path, course):
    """When a student hands in two notebooks for one assignment, neither is placed and both are named."""
    ex = tmp_path / "ex"
    ex.mkdir()
    for name in (f"zoe_{A}.ipynb", f"zoe_{A}-v2.ipynb"):
        shutil.copy(course / "notebooks" / A / f"{A}.ipynb", ex / name)
    result = collect(ex, root=course)
    assert result.placed == [] and "zoe/01-univariate: 2 notebooks" in result.problems[0]


def test_bad_exports_get_clear_errors(tmp_path, course, capsys):
    """A missing path or a file that is not a zip is an error with a message, exit status 2."""
    with pytest.raises(CollectError, match="does not exist"):
        collect(tmp_path / "nope", root=course)
    fake = tmp_path / "export.zip"
    fake.write_text("not a zip")
    with pytest.raises(CollectError, match="neither a folder nor a zip"):
        collect(fake, root=course)
    assert main(["collect", str(fake), "--root", str(course)]) == 2
    assert "neither a folder nor a zip" in capsys.readouterr().out
    assert not (course / "submitted").exists()


def test_an_id_pattern_reads_moodle_style_folders(tmp_path, course):
    """With --id-pattern, the student id is the pattern's `id` group, here Moodle's number in the folder name."""
    ex = tmp_path / "moodle"
    folder = ex / "Ada Lovelace_4711_assignsubmission_file_"
    folder.mkdir(parents=True)
    shutil.copy(course / "notebooks" / A / f"{A}.ipynb", folder / "homework.ipynb")
    assert main(["collect", str(ex), "--root", str(course), "--id-pattern", r"_(?P<id>\d+)_assignsubmission"]) == 0
    assert (course / "submitted" / "4711" / A / f"{A}.ipynb").exists()
    with pytest.raises(CollectError, match="no group named id"):
        collect(ex, root=course, id_pattern=r"\d+")
