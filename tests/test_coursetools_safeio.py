"""coursetools.safeio: atomic writes, a full disk as one clear message, gradebook checks and rotating backups."""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from coursetools import safeio
from coursetools.safeio import (
    DiskFullError,
    GradebookError,
    atomic_write_bytes,
    atomic_write_text,
    backup_gradebook,
    backups,
    check_gradebook,
    prepare_gradebook,
    set_aside_gradebook,
)


def test_an_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    """The new content is there, in a folder made on the way, and no temporary file is left."""
    path = tmp_path / "a" / "b.json"
    atomic_write_text(path, "old")
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert sorted(p.name for p in path.parent.iterdir()) == ["b.json"]


def test_an_exclusive_write_never_replaces_a_file(tmp_path):
    """exclusive=True (collect's placing) raises FileExistsError and leaves the file and no temporary."""
    path = tmp_path / "n.ipynb"
    atomic_write_bytes(path, b"first", exclusive=True)
    with pytest.raises(FileExistsError):
        atomic_write_bytes(path, b"second", exclusive=True)
    assert path.read_bytes() == b"first" and [p.name for p in tmp_path.iterdir()] == ["n.ipynb"]


def _fail_writes(monkeypatch, err):
    real = os.fdopen

    class Full:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])  # half of it got to the disk, then it was full
            raise OSError(err, os.strerror(err))

    monkeypatch.setattr(safeio.os, "fdopen", lambda fd, mode: Full(real(fd, mode)))


def test_a_full_disk_keeps_the_old_file_and_says_where_and_how_much(tmp_path, monkeypatch):
    """ENOSPC half-way: the old file is intact, no temporary is left, and the message names folder and size."""
    path = tmp_path / "autograded" / "alice.ipynb"
    atomic_write_text(path, "the old notebook")
    _fail_writes(monkeypatch, errno.ENOSPC)
    with pytest.raises(DiskFullError) as info:
        atomic_write_bytes(path, b"x" * 3_000_000)
    message = str(info.value)
    assert str(path.parent) in message and "needs 3.0 MB" in message and "free" in message, message
    assert info.value.folder == path.parent and info.value.needed == 3_000_000
    assert isinstance(info.value, OSError) and info.value.errno == errno.ENOSPC
    assert path.read_text() == "the old notebook"
    assert sorted(p.name for p in path.parent.iterdir()) == ["alice.ipynb"]


def test_other_write_errors_are_not_called_a_full_disk(tmp_path, monkeypatch):
    """An I/O error stays an I/O error (not disguised as a full disk), and still leaves no temporary."""
    _fail_writes(monkeypatch, errno.EIO)
    with pytest.raises(OSError) as info:
        atomic_write_bytes(tmp_path / "f", b"data")
    assert not isinstance(info.value, DiskFullError) and info.value.errno == errno.EIO
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def _made(tmp_path_factory):
    from nbgrader.api import Gradebook

    bin_dir = str(Path(sys.executable).parent)  # nbgrader runs `alembic` by name
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    db = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{db}") as gb:
        gb.add_assignment("01-univariate")
        gb.add_student("alice")
    return db.read_bytes()


@pytest.fixture
def gradebook(tmp_path, _made):
    """A copy of a real nbgrader gradebook with one assignment and one student (made once per module)."""
    db = tmp_path / "course" / "gradebook.db"
    db.parent.mkdir()
    db.write_bytes(_made)
    return db


def test_a_sound_gradebook_passes_with_its_row_counts(gradebook):
    """The check returns what the gradebook holds."""
    assert check_gradebook(gradebook) == {"assignments": 1, "students": 1, "grades": 0}


def test_a_missing_gradebook_is_an_error_only_when_grades_were_recorded(tmp_path):
    """Missing and required (records exist): one sentence naming --rebuild; missing on a new course: fine."""
    db = tmp_path / "gradebook.db"
    assert check_gradebook(db, required=False) == {"assignments": 0, "students": 0, "grades": 0}
    with pytest.raises(GradebookError, match=r"missing although grades were recorded: .*--rebuild"):
        check_gradebook(db)


@pytest.mark.parametrize("damage", ["empty", "half", "header", "not-nbgrader"])
def test_a_damaged_gradebook_is_named_with_what_to_do(gradebook, damage):
    """Truncated to 0 bytes or to half, a garbled header, or another SQLite file: one sentence, no traceback."""
    data = gradebook.read_bytes()
    if damage == "empty":
        gradebook.write_bytes(b"")
    elif damage == "half":
        gradebook.write_bytes(data[: len(data) // 2])
    elif damage == "header":
        gradebook.write_bytes(b"garbage!" + data[8:])
    else:
        gradebook.unlink()
        sqlite3.connect(gradebook).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(GradebookError) as info:
        check_gradebook(gradebook)
    message = str(info.value)
    assert str(gradebook) in message and "--rebuild" in message and "\n" not in message, message


def test_backups_rotate_are_sound_and_are_offered_when_the_gradebook_is_lost(gradebook):
    """Three backups with keep=2 leave the newest two, each a sound copy; the error then names the newest."""
    from nbgrader.api import Gradebook

    made = []
    for name in ("bob", "carol", "dave"):
        with Gradebook(f"sqlite:///{gradebook}") as gb:
            gb.add_student(name)
        made.append(backup_gradebook(gradebook, keep=2))
    assert backups(gradebook) == made[1:]
    assert check_gradebook(made[-1])["students"] == 4 and check_gradebook(made[-2])["students"] == 3
    assert not list(made[-1].parent.glob("*.tmp"))
    gradebook.write_bytes(b"")
    with pytest.raises(GradebookError, match=rf"cp {made[-1]} {gradebook}"):
        check_gradebook(gradebook)
    with pytest.raises(GradebookError):  # a damaged gradebook is never backed up over sound copies
        backup_gradebook(gradebook, keep=2)
    assert backups(gradebook) == made[1:]
    assert backup_gradebook(gradebook.with_name("none.db")) is None


def test_a_gradebook_set_aside_for_a_rebuild_is_kept_not_deleted(gradebook):
    """--rebuild moves the damaged gradebook into the backups folder; it is not counted as a backup."""
    gradebook.write_bytes(b"damaged")
    kept = set_aside_gradebook(gradebook)
    assert not gradebook.exists() and kept.read_bytes() == b"damaged" and kept.parent.name == ".gradebook-backups"
    assert backups(gradebook) == [] and set_aside_gradebook(gradebook) is None


def test_prepare_gradebook_checks_backs_up_or_sets_aside(gradebook):
    """Before grading: a sound gradebook is backed up; a damaged one stops the run; --rebuild sets it aside."""
    line = prepare_gradebook(gradebook, graded=True, keep=2)
    assert "backed up to" in line and len(backups(gradebook)) == 1
    new = gradebook.with_name("new.db")
    assert prepare_gradebook(new, graded=False) == f"new gradebook {new}"
    with pytest.raises(GradebookError, match="missing although grades were recorded"):
        prepare_gradebook(new, graded=True)
    gradebook.write_bytes(b"")
    with pytest.raises(GradebookError, match="empty"):
        prepare_gradebook(gradebook, graded=True)
    line = prepare_gradebook(gradebook, graded=True, rebuild=True)
    assert line.startswith("--rebuild: every submission is graded again") and "kept as" in line
    assert not gradebook.exists() and len(backups(gradebook)) == 1
