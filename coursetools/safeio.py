"""Writing the instructor's files so that a crash or a full disk never leaves half of one.

* :func:`atomic_write_bytes` / :func:`atomic_write_text` write a temporary
  file in the target's folder, flush it to disk and rename it over the
  target: a reader sees the old file or the new one, never a truncated one.
  A full disk raises :class:`DiskFullError`, one sentence naming the folder
  and the space needed, and leaves the old file as it was.
* :func:`check_gradebook` tells a missing, empty, truncated or garbled
  gradebook from a sound one before anything reads or writes it, and
  :func:`backup_gradebook` keeps a rotating set of copies made with SQLite's
  online backup API (consistent even while another process reads it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["BACKUPS", "DiskFullError", "GradebookError", "atomic_write_bytes", "atomic_write_text",
           "backup_gradebook", "backups", "check_gradebook", "prepare_gradebook", "set_aside_gradebook"]

#: the folder, next to the gradebook, that holds its backups (newest last by name)
BACKUPS = ".gradebook-backups"
_FULL = {errno.ENOSPC, errno.EDQUOT}
# tables every nbgrader gradebook has (nbgrader.api's models)
_TABLES = {"assignment", "notebook", "student", "submitted_assignment", "submitted_notebook", "grade"}


class DiskFullError(OSError):
    """The disk holding ``folder`` has no room for a file of ``needed`` bytes."""

    def __init__(self, folder: Path, needed: int):
        self.folder, self.needed = Path(folder), int(needed)
        try:
            free = shutil.disk_usage(self.folder).free
        except OSError:
            free = 0
        super().__init__(errno.ENOSPC, f"the disk holding {self.folder} is full: writing there needs "
                         f"{_size(self.needed)} and {_size(free)} is free; free at least "
                         f"{_size(max(self.needed - free, 1))} there and run the same command again "
                         "(nothing was half-written)")

    def __str__(self):
        return self.strerror


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError  # unreachable


def atomic_write_bytes(path, data: bytes, *, mode: int = 0o644, exclusive: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename); return the path.

    The folder is created if needed. On any error the target is untouched
    and the temporary file is removed; a full disk raises DiskFullError.
    With ``exclusive``, an existing ``path`` is never replaced, even one
    another process created a moment ago: FileExistsError instead.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            try:
                os.link(tmp, path)  # fails if path exists; then the temporary name goes
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                if path.exists():  # a file system without hard links: check, then rename
                    raise FileExistsError(errno.EEXIST, "file exists", str(path)) from None
                os.replace(tmp, path)
            else:
                os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except FileExistsError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if exc.errno in _FULL:
            raise DiskFullError(path.parent, len(data)) from None
        raise
    except BaseException:  # Ctrl-C mid-write: no temporary file is left behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


def atomic_write_text(path, text: str, *, encoding: str = "utf-8") -> Path:
    """:func:`atomic_write_bytes` of ``text`` encoded with ``encoding``."""
    return atomic_write_bytes(path, text.encode(encoding))


class GradebookError(Exception):
    """The gradebook is missing, empty or damaged; the message says what to do."""


def backups(db_path) -> list[Path]:
    """The backups of the gradebook at ``db_path``, oldest first."""
    folder = Path(db_path).parent / BACKUPS
    return sorted(folder.glob(f"{Path(db_path).stem}-*.db")) if folder.is_dir() else []


def _advice(db_path: Path) -> str:
    found = backups(db_path)
    restore = (f"restore the newest backup (`cp {found[-1]} {db_path}`)" if found else
               "restore it from your own backup")
    return f"{restore}, or grade again with `--rebuild` to regrade every submission into a new gradebook"


def _ro(path: Path) -> str:
    """An SQLite URI opening ``path`` read-only (any character in the path is safe)."""
    return Path(path).resolve().as_uri() + "?mode=ro"


def check_gradebook(db_path, *, required: bool = True) -> dict:
    """Check that ``db_path`` is a sound nbgrader gradebook; return its row counts.

    Parameters
    ----------
    db_path : path
        The SQLite file (``gradebook.db``).
    required : bool
        Whether it must exist: pass True when grades were recorded before
        (autograded records exist), so that a deleted gradebook is noticed.

    Returns
    -------
    dict
        ``{"assignments": int, "students": int, "grades": int}`` (all 0 for
        a gradebook that does not exist yet and is not required).

    Raises
    ------
    GradebookError
        One sentence: what is wrong with which file, and what to do.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        if not required:
            return {"assignments": 0, "students": 0, "grades": 0}
        raise GradebookError(f"the gradebook {db_path} is missing although grades were recorded: "
                             f"{_advice(db_path)}")
    size = db_path.stat().st_size
    if size == 0:
        raise GradebookError(f"the gradebook {db_path} is empty (0 bytes): {_advice(db_path)}")
    with open(db_path, "rb") as f:
        header = f.read(16)
    if header != b"SQLite format 3\x00":
        raise GradebookError(f"the gradebook {db_path} is not an SQLite database (its header is garbled): "
                             f"{_advice(db_path)}")
    try:
        con = sqlite3.connect(_ro(db_path), uri=True)
        try:
            problems = [row[0] for row in con.execute("PRAGMA quick_check")]
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            counts = {}
            if problems == ["ok"] and _TABLES <= tables:
                counts = {k: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                          for k, t in (("assignments", "assignment"), ("students", "student"), ("grades", "grade"))}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise GradebookError(f"the gradebook {db_path} is damaged ({exc}): {_advice(db_path)}") from None
    if problems != ["ok"]:
        raise GradebookError(f"the gradebook {db_path} is damaged ({'; '.join(problems[:3])}): {_advice(db_path)}")
    if not _TABLES <= tables:
        raise GradebookError(f"{db_path} is an SQLite file but not an nbgrader gradebook (it lacks the tables "
                             f"{', '.join(sorted(_TABLES - tables))}): {_advice(db_path)}")
    return counts


def backup_gradebook(db_path, *, keep: int = 5) -> Path | None:
    """Copy the gradebook into ``<its folder>/.gradebook-backups/`` and keep the newest ``keep`` copies.

    Uses SQLite's online backup API, so the copy is consistent even while
    another connection reads the gradebook. The copy is written under a
    temporary name, checked with :func:`check_gradebook` and then renamed,
    so a backup that exists is a sound one. Returns the new backup's path,
    or None when there is no gradebook yet (nothing to back up).

    Raises GradebookError when the gradebook itself is damaged (never
    back up a damaged gradebook over a sound one) and DiskFullError when
    the backup does not fit.
    """
    db_path = Path(db_path)
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    if not db_path.exists():
        return None
    check_gradebook(db_path)
    folder = db_path.parent / BACKUPS
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")  # sorts by time
    target = folder / f"{db_path.stem}-{stamp}.db"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        src = sqlite3.connect(_ro(db_path), uri=True)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        check_gradebook(tmp)
        os.replace(tmp, target)
    except sqlite3.OperationalError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if "full" in str(exc).lower():
            raise DiskFullError(folder, db_path.stat().st_size) from None
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    for old in backups(db_path)[:-keep]:
        old.unlink()
    return target


def set_aside_gradebook(db_path) -> Path | None:
    """Move a gradebook out of the way (``--rebuild``), never deleting it; return where it went.

    The file becomes ``<its folder>/.gradebook-backups/<stem>.set-aside-<time>.db`` (with its
    ``-journal``, if any), so whatever it still holds can be recovered by hand. None when there is none.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        return None
    folder = db_path.parent / BACKUPS
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{db_path.stem}.set-aside-{stamp}{db_path.suffix}"
    os.replace(db_path, target)
    journal = db_path.with_name(db_path.name + "-journal")
    if journal.exists():
        os.replace(journal, target.with_name(target.name + "-journal"))
    return target


def prepare_gradebook(db_path, *, graded: bool, rebuild: bool = False, keep: int = 5) -> str:
    """What ``grade`` does with the gradebook before it runs anything; returns one line to print.

    Parameters
    ----------
    db_path : path
        The gradebook.
    graded : bool
        Whether grades were recorded before (grading records exist in
        ``autograded/``): then a missing gradebook is an error, not a new course.
    rebuild : bool
        ``--rebuild``: set the gradebook aside (kept, see :func:`set_aside_gradebook`)
        so that every submission is graded again into a new one.
    keep : int
        How many backups to keep.

    Raises GradebookError (missing, empty, damaged: one sentence with what to
    do) before anything is written, unless ``rebuild``.
    """
    db_path = Path(db_path)
    if rebuild:
        aside = set_aside_gradebook(db_path)
        kept = f"; the old one is kept as {aside}" if aside else ""
        return f"--rebuild: every submission is graded again into a new gradebook {db_path}{kept}"
    counts = check_gradebook(db_path, required=graded)
    made = backup_gradebook(db_path, keep=keep)
    if made is None:
        return f"new gradebook {db_path}"
    return (f"gradebook {db_path}: {counts['grades']} grade(s) of {counts['students']} student(s), "
            f"backed up to {made}")
