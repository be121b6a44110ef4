"""`coursetools collect`: an LMS export (folder or zip) laid out as submitted/<student>/<assignment>/."""

from __future__ import annotations

import os
import shutil
import stat
import unicodedata
import warnings
import zipfile
from pathlib import Path

import pytest

from coursetools.__main__ import main
from coursetools.collect import MB, CollectError, Limits, collect, place, student_folder, student_id, student_name
from coursetools.safeio import check_gradebook

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


# --- collect trusts nothing (issue 11, item 4): each fault leaves the honest notebooks placed as a clean run
# places them, and nothing already in submitted/ changes.


def _tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _clean(tmp_path, course):
    """The placement a clean export gives, and a course with one earlier submission (bob's) to keep."""
    clean = tmp_path / "clean"
    clean.mkdir()
    shutil.copy(course / "notebooks" / A / f"{A}.ipynb", clean / f"alice_{A}.ipynb")
    earlier = course / "submitted" / "bob" / A / f"{A}.ipynb"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("bob's earlier submission")
    other = tmp_path / "other-course"
    shutil.copytree(course, other)
    shutil.rmtree(other / "submitted")
    collect(clean, root=other)
    return clean, _tree(other / "submitted"), _tree(course / "submitted")


def _same_as_clean(course, clean_tree, before):
    """alice's notebook is placed exactly as from a clean export; bob's earlier file is untouched."""
    after = _tree(course / "submitted")
    assert {k: v for k, v in after.items() if k.startswith("alice/")} == clean_tree
    assert {k: v for k, v in after.items() if not k.startswith("alice/")} == before


def _zip(path: Path, entries) -> Path:
    """A zip of (name, bytes or ZipInfo-mode) entries; a mode marks a symlink (its bytes are the target)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about a duplicate name: wanted here
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data, *mode in entries:
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                if mode:
                    info.external_attr = mode[0] << 16
                zf.writestr(info, data)
    return path


def test_a_symlink_in_a_folder_export_is_reported_and_never_followed(tmp_path, course):
    """A link to the solutions (what `unzip` makes of a zip with links) is not followed: no hidden test leaks."""
    clean, clean_tree, before = _clean(tmp_path, course)
    (clean / f"mallory_{A}.ipynb").symlink_to(course / "solutions" / A / f"{A}.ipynb")
    (clean / "eve").symlink_to(course / "solutions", target_is_directory=True)
    result = collect(clean, root=course)
    problems = "\n".join(result.problems)
    assert f"mallory_{A}.ipynb: a symbolic link, not followed" in problems
    assert "eve/: a symbolic link, not followed" in problems
    assert not (course / "submitted" / "mallory").exists() and not (course / "submitted" / "eve").exists()
    hidden = "### BEGIN HIDDEN TESTS"
    assert not any(hidden in p.read_text() for p in (course / "submitted").rglob("*.ipynb"))
    _same_as_clean(course, clean_tree, before)


def test_a_symlink_inside_a_zip_is_reported_and_not_stored(tmp_path, course):
    """A zip entry that is a symbolic link ('/etc/passwd') is reported; it never becomes a notebook."""
    clean, clean_tree, before = _clean(tmp_path, course)
    entries = [(p.name, p.read_bytes()) for p in clean.iterdir()]
    entries.append((f"mallory_{A}.ipynb", b"/etc/passwd", stat.S_IFLNK | 0o777))
    result = collect(_zip(tmp_path / "links.zip", entries), root=course)
    assert any("mallory" in p and "symbolic link" in p for p in result.problems), result.problems
    assert not (course / "submitted" / "mallory").exists()
    _same_as_clean(course, clean_tree, before)


def test_a_zip_bomb_is_refused_without_being_unpacked(tmp_path, course, monkeypatch):
    """256 MiB of zeros in a zip of a few hundred KB: refused at the 20 MB cap, having read at most the cap."""
    clean, clean_tree, before = _clean(tmp_path, course)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in clean.iterdir():
            zf.write(p, p.name)
        with zf.open(f"mallory_{A}.ipynb", "w", force_zip64=True) as f:
            zero = bytes(1 << 20)
            for _ in range(256):
                f.write(zero)
    assert bomb.stat().st_size < 1024 * 1024
    read = [0]
    unpatched = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        data = unpatched(self, n)
        read[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    result = collect(bomb, root=course)
    assert read[0] <= 21 * 1024 * 1024, f"collect unpacked {read[0]} bytes of the bomb"
    assert any("mallory" in p and "over the limit of 20 MB" in p for p in result.problems), result.problems
    assert not (course / "submitted" / "mallory").exists()
    _same_as_clean(course, clean_tree, before)


def test_a_size_header_that_lies_is_refused_not_placed_truncated(tmp_path, course):
    """An entry holding more than its header declares is read only up to the declared size, fails its CRC, and
    is reported; it is never placed truncated."""
    clean, clean_tree, before = _clean(tmp_path, course)
    entries = [(p.name, p.read_bytes()) for p in clean.iterdir()] + [(f"mallory_{A}.ipynb", bytes(5000))]
    path = _zip(tmp_path / "liar.zip", entries)
    with zipfile.ZipFile(path) as zf:  # every entry claims 10 bytes
        infos = zf.infolist()
    data = bytearray(path.read_bytes())
    info = infos[-1]
    central = data.rfind(b"PK\x01\x02")  # the last entry's central directory record
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    data[info.header_offset + 22:info.header_offset + 26] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    result = collect(path, root=course)
    assert any("mallory" in p and "cannot be read from the zip" in p for p in result.problems), result.problems
    assert not (course / "submitted" / "mallory").exists()
    _same_as_clean(course, clean_tree, before)


def test_an_archive_over_the_total_or_entry_limit_places_nothing(tmp_path, course):
    """Many small entries that add up past the total cap, or too many entries: the archive is refused whole."""
    nb = (course / "notebooks" / A / f"{A}.ipynb").read_bytes()
    path = _zip(tmp_path / "many.zip", [(f"s{i}_{A}.ipynb", nb) for i in range(5)])
    with pytest.raises(CollectError, match="unpacks to more than"):
        collect(path, root=course, limits=Limits(total=3 * len(nb)))
    with pytest.raises(CollectError, match="5 entries, over the limit of 4"):
        collect(path, root=course, limits=Limits(entries=4))
    assert not (course / "submitted").exists()
    assert main(["collect", str(path), "--root", str(course), "--max-entries", "4"]) == 2


def test_two_zip_entries_with_the_same_name_are_both_refused(tmp_path, course):
    """The last one does not silently win: both are reported and neither is placed."""
    clean, clean_tree, before = _clean(tmp_path, course)
    nb = (course / "notebooks" / A / f"{A}.ipynb").read_bytes()
    entries = [(p.name, p.read_bytes()) for p in clean.iterdir()]
    entries += [(f"zoe_{A}.ipynb", nb), (f"zoe_{A}.ipynb", nb.replace(b"YOUR CODE HERE", b"my answer"))]
    result = collect(_zip(tmp_path / "dup.zip", entries), root=course)
    assert f"zoe_{A}.ipynb: 2 entries of the zip have this name; none of them placed" in result.problems
    assert not (course / "submitted" / "zoe").exists()
    _same_as_clean(course, clean_tree, before)


def test_names_that_are_not_utf8_get_a_message_not_a_traceback(tmp_path, course, capsys):
    """A zip that flags its names UTF-8 but holds Latin-1 bytes: one clear message, exit status 2."""
    nb = (course / "notebooks" / A / f"{A}.ipynb").read_bytes()
    path = tmp_path / "latin1.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"zz_{A}.ipynb", nb)
    data = bytearray(path.read_bytes().replace(b"zz_", b"\xe9\xe9_"))
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the UTF-8 flag in both headers
        i = data.find(sig)
        data[i + at + 1] |= 0x08
    path.write_bytes(bytes(data))
    with pytest.raises(CollectError, match=r"not UTF-8.*unzip -O"):
        collect(path, root=course)
    assert main(["collect", str(path), "--root", str(course)]) == 2
    assert "marks its file names as UTF-8" in capsys.readouterr().out
    # a folder holding such a name (what unzip makes of it) is read; the name is shown with escapes
    ex = tmp_path / "ex"
    ex.mkdir()
    (ex / os.fsdecode(b"caf\xe9_" + A.encode() + b".ipynb")).write_bytes(nb)
    result = collect(ex, root=course)
    assert result.placed == [] and "caf\\xe9_" in result.problems[0], result.problems
    print("\n".join(result.lines()))  # printable: no UnicodeEncodeError


def test_unicode_student_ids_are_collected_under_safe_folders_with_the_id_kept(tmp_path, course, capsys):
    """élève (typed decomposed, NFD) and 学生 are placed, shown as written, mapped in the gradebook."""
    from nbgrader.api import Gradebook

    ex = tmp_path / "ex"
    ex.mkdir()
    for sid in (unicodedata.normalize("NFD", "élève"), "学生", "alice"):
        shutil.copy(course / "notebooks" / A / f"{A}.ipynb", ex / f"{sid}_{A}.ipynb")
    assert main(["collect", str(ex), "--root", str(course)]) == 0
    out = capsys.readouterr().out
    assert "student élève is stored as submitted/xn--lve-6lad/" in out and "学生" in out, out
    folders = sorted(p.name for p in (course / "submitted").iterdir())
    assert folders == ["alice", student_folder("学生"), "xn--lve-6lad"]
    assert all(student_name(student_folder(s)) == s for s in ("élève", "学生", "alice", "xn--x", "a_b"))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_student("xn--lve-6lad").lms_user_id == "élève"
        assert gb.find_student(student_folder("学生")).lms_user_id == "学生"
    assert check_gradebook(course / "gradebook.db")["students"] == 2
    again = collect(ex, root=course)  # the same export again: nothing new, nothing duplicated
    assert again.placed == [] and len(again.unchanged) == 3 and again.problems == []


def test_ids_that_could_escape_or_collide_are_refused_or_encoded(tmp_path, course):
    """`../gradebook`, an empty id and a control character are refused; an ASCII `xn--` id cannot collide."""
    for bad in ("../gradebook", "", ".hidden", "a/b", "tab\there", "x" * 101):
        with pytest.raises(ValueError):
            student_id(bad)
    assert student_folder("xn--lve-6lad") != "xn--lve-6lad"
    result = place(course, [("../gradebook", A, f"{A}.ipynb", b"{}"), ("ok", A, "../x.ipynb", b"{}"),
                            ("ok", "no-such-lesson", f"{A}.ipynb", b"{}")])
    assert result.placed == [] and len(result.problems) == 3, result.problems
    assert not (course / "submitted").exists()


def test_place_is_reusable_by_another_source_and_caps_what_it_is_given(tmp_path, course):
    """place() takes (student, assignment, notebook, bytes) tuples, as an exchange's inbound folder yields them."""
    nb = (course / "notebooks" / A / f"{A}.ipynb").read_bytes()
    result = place(course, [("alice", A, f"{A}.ipynb", nb), ("bob", A, f"{A}.ipynb", bytes(len(nb) + 1))],
                   limits=Limits(notebook=len(nb)))
    assert [s for s, _, _ in result.placed] == ["alice"]
    assert (course / "submitted" / "alice" / A / f"{A}.ipynb").read_bytes() == nb
    assert "over the limit" in result.problems[0] and not (course / "submitted" / "bob").exists()
    assert not list((course / "submitted").rglob("*.tmp"))


def test_a_huge_notebook_in_a_folder_is_refused_before_it_is_read(tmp_path, course):
    """A 200 MB notebook (here 21 MB of markdown, just over the cap) is refused by size: never read, never graded."""
    clean, clean_tree, before = _clean(tmp_path, course)
    with open(clean / f"mallory_{A}.ipynb", "wb") as f:
        f.write(b'{"cells": [{"cell_type": "markdown", "source": "')
        f.write(b"x" * 21_000_000)
        f.write(b'", "metadata": {}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    result = collect(clean, root=course)
    assert any("mallory" in p and "21.0 MB or more, over the limit of 20 MB" in p for p in result.problems)
    assert not (course / "submitted" / "mallory").exists()
    _same_as_clean(course, clean_tree, before)
    raised = collect(clean, root=course, limits=Limits(notebook=30 * MB))  # a genuine one: raise the limit
    assert [s for s, _, _ in raised.placed] == ["mallory"]
