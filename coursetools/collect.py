"""Lay out an LMS export of student notebooks as nbgrader's ``submitted/<student>/<assignment>/``.

An export is a folder or a zip. Each notebook's student id comes from the
first folder under the export's top (``alice/…/anything.ipynb``) or, for a
notebook at the top, from its file name up to the first ``_``
(``alice_01-univariate.ipynb``, as Canvas names them); ``id_pattern``, a
regular expression with a group named ``id`` searched in the path inside the
export, overrides both (Moodle: ``r"_(?P<id>[0-9]+)_assignsubmission"``). Its
assignment comes from the name when the name contains an assignment id, and
otherwise from its content: the assignment whose student version shares the
most cells with it (so a notebook a student renamed still lands in the right
place). Nothing already in ``submitted/`` is ever overwritten: a different
notebook already there is reported and left alone.

Nothing in an export is trusted. It is read in three stages:

1. **read** (:func:`read_folder`, :func:`read_zip`): every regular file,
   never following or storing a symbolic link, each entry streamed with a cap
   on its size, and a cap on an archive's total size and number of entries
   (:class:`Limits`); two entries of a zip with the same name are both
   refused; file names that are not UTF-8 get a message, not a traceback;
2. **match** (:func:`submissions`): student id and assignment of each notebook;
3. **place** (:func:`place`): each :class:`Submission` (student id as
   written, assignment, notebook name, bytes) written atomically to
   ``submitted/<folder>/<assignment>/<notebook>``. Any Unicode student id is
   accepted (NFC-normalised); an id that is not plain ASCII is stored under
   a reversible ASCII folder name (:func:`student_folder`, IDNA's punycode
   with ``xn--``) and the id as written is kept in the gradebook's student
   table (``lms_user_id``). Another source of submissions (an nbgrader
   exchange) can call :func:`place` directly.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .safeio import DiskFullError, GradebookError, atomic_write_bytes, check_gradebook

__all__ = ["CollectError", "Collected", "Limits", "Submission", "collect", "place", "read_folder", "read_zip",
           "student_folder", "student_id", "student_name", "submissions"]

MB = 1_000_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")  # an id that is its own folder name
_UID = re.compile(r"^[^\W_][\w.@+-]*$")  # any id: Unicode letters, digits, marks, and . _ @ + -
_MAX_ID = 100
_PUNY = "xn--"


class CollectError(Exception):
    """The export cannot be read at all (no such folder, not a zip, over a limit)."""


@dataclass(frozen=True)
class Limits:
    """Caps on what one export may hold (bytes, bytes, entries); a real notebook is well under 20 MB."""

    notebook: int = 20 * MB
    total: int = 2000 * MB
    entries: int = 10_000

    def __post_init__(self):
        for name in ("notebook", "total", "entries"):
            if getattr(self, name) < 1:
                raise ValueError(f"the {name} limit must be at least 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class Submission:
    """One notebook to place: the student id as written, the assignment, the notebook's file name, its content.

    ``data`` is the bytes, or the path of a file holding them (read when
    placed); ``origin`` says where it came from, for messages.
    """

    student: str
    assignment: str
    notebook: str
    data: bytes | Path
    origin: str = ""


@dataclass
class Collected:
    """What :func:`collect` did: ``placed`` and ``unchanged`` are ``(folder, assignment, path)``.

    ``students`` maps each student folder placed to the id as written.
    """

    placed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    students: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"placed {len(self.placed)} notebook(s); {len(self.unchanged)} already there"]
        out += [f"student {written} is stored as submitted/{folder}/" for folder, written in
                sorted(self.students.items()) if folder != written]
        return out + [f"not placed: {p}" for p in self.problems]


@dataclass(frozen=True)
class _File:
    """A regular file of an export: its path inside the export and where its bytes are on disk."""

    rel: str
    path: Path
    size: int


def _show(text: str) -> str:
    """``text`` safe to print: names that were not UTF-8 keep their bytes as ``\\xNN`` escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# --- student ids -------------------------------------------------------------------------------------------


def student_id(raw: str) -> str:
    """The student id ``raw`` NFC-normalised; ValueError saying why when it cannot be an id."""
    sid = unicodedata.normalize("NFC", raw.strip())
    if not sid:
        raise ValueError("it is empty")
    if len(sid) > _MAX_ID:
        raise ValueError(f"it is {len(sid)} characters long (at most {_MAX_ID})")
    if not _UID.match(sid):
        raise ValueError("an id is letters and digits (any script) with . _ @ + - inside, "
                         "and starts with a letter or a digit")
    return sid


def student_folder(sid: str) -> str:
    """The folder of student ``sid`` in ``submitted/``: the id itself when it is plain ASCII, else ``xn--…``.

    The mapping is reversible (:func:`student_name`) and never collides: an
    ASCII id that itself starts with ``xn--`` is encoded too.

    >>> student_folder("alice"), student_folder("élève"), student_folder("学生")
    ('alice', 'xn--lve-6lad', 'xn--48so21d')
    """
    sid = student_id(sid)
    if _ID.match(sid) and not sid.lower().startswith(_PUNY):
        return sid
    return _PUNY + sid.encode("punycode").decode("ascii")


def student_name(folder: str) -> str:
    """The student id as written for a folder of ``submitted/`` (inverse of :func:`student_folder`).

    >>> student_name("xn--lve-6lad"), student_name("alice")
    ('élève', 'alice')
    """
    if folder.startswith(_PUNY):
        try:
            sid = folder[len(_PUNY):].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return folder
        if student_folder(sid) == folder:
            return sid
    return folder


# --- stage 1: read -----------------------------------------------------------------------------------------


def _skipped(parts) -> bool:
    """Hidden files and macOS resource forks: not the student's work, skipped silently."""
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _too_big(rel: str, size: int, limits: Limits) -> str:
    return (f"{_show(rel)}: {size / MB:.1f} MB or more, over the limit of {limits.notebook / MB:g} MB per "
            "notebook (raise it with --max-notebook-mb if it is genuine)")


def read_folder(export: Path, limits: Limits, problems: list) -> list[_File]:
    """Every regular file under ``export``; symbolic links are reported and never followed."""
    files = []
    for dirpath, dirnames, filenames in os.walk(export, followlinks=False):
        base = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            rel = (base / d).relative_to(export)
            if _skipped(rel.parts):
                continue
            if (base / d).is_symlink():
                problems.append(f"{_show(rel.as_posix())}/: a symbolic link, not followed")
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = base / name
            rel = path.relative_to(export)
            if _skipped(rel.parts):
                continue
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                problems.append(f"{_show(rel.as_posix())}: a symbolic link, not followed")
                continue
            if not stat.S_ISREG(st.st_mode):
                problems.append(f"{_show(rel.as_posix())}: not a regular file, ignored")
                continue
            files.append(_File(rel.as_posix(), path, st.st_size))
            if len(files) > limits.entries:
                raise CollectError(f"{export} holds more than {limits.entries} files (--max-entries): "
                                   "is it really one export?")
    return files


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The entry's name: zips made without the UTF-8 flag often hold UTF-8 names all the same."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _copy_capped(src, dst, cap: int) -> int:
    """Copy ``src`` to ``dst`` in chunks; return the bytes copied, or cap + 1 once it is over ``cap``."""
    n = 0
    while chunk := src.read(min(1 << 20, cap + 1 - n)):
        n += len(chunk)
        if n > cap:
            return n
        dst.write(chunk)
    return n


def read_zip(export: Path, tmp: Path, limits: Limits, problems: list) -> list[_File]:
    """Every regular file of the zip ``export``, streamed into ``tmp`` under the caps of ``limits``."""
    try:
        zf = zipfile.ZipFile(export)
    except UnicodeDecodeError as exc:
        bad = exc.object[max(0, exc.start - 20):exc.end + 20] if isinstance(exc.object, bytes) else b""
        raise CollectError(f"{export}: the zip marks its file names as UTF-8 but one is not UTF-8 (near {bad!r}); "
                           "it was made by a tool that mislabels names: unpack it with `unzip -O <encoding>` "
                           "(e.g. CP437 or CP1252) and collect the folder") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise CollectError(f"{export} cannot be read as a zip file: {exc}") from None
    files = []
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.entries:
            raise CollectError(f"{export} has {len(infos)} entries, over the limit of {limits.entries} "
                               "(--max-entries): nothing placed")
        names = {}
        for info in infos:
            names.setdefault(unicodedata.normalize("NFC", _zip_name(info)).rstrip("/"), []).append(info)
        total = 0
        for i, info in enumerate(infos):
            name = _zip_name(info)
            shown = _show(name)
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
                problems.append(f"{shown}: unsafe path in the zip, skipped")
                continue
            if info.is_dir() or _skipped(parts):
                continue
            kind = stat.S_IFMT(info.external_attr >> 16)
            if kind == stat.S_IFLNK:
                problems.append(f"{shown}: a symbolic link in the zip, not placed")
                continue
            if kind not in (0, stat.S_IFREG):
                problems.append(f"{shown}: not a regular file, ignored")
                continue
            same = names[unicodedata.normalize("NFC", name).rstrip("/")]
            if len(same) > 1:
                if same[0] is info:
                    problems.append(f"{shown}: {len(same)} entries of the zip have this name; none of them placed")
                continue
            if info.flag_bits & 0x1:
                problems.append(f"{shown}: encrypted in the zip, cannot be read")
                continue
            if info.file_size > limits.notebook:  # what the zip claims; the stream below checks what it holds
                problems.append(_too_big(name, info.file_size, limits))
                continue
            out = tmp / f"{i}.entry"
            cap = min(limits.notebook, limits.total - total)
            try:
                with zf.open(info) as src, open(out, "wb") as dst:
                    n = _copy_capped(src, dst, cap)
            except OSError as exc:
                out.unlink(missing_ok=True)
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise DiskFullError(tmp, info.file_size) from None
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
                problems.append(f"{shown}: cannot be read from the zip ({type(exc).__name__}: {exc})")
                out.unlink(missing_ok=True)
                continue
            if n > cap:
                out.unlink(missing_ok=True)
                if cap < limits.notebook:
                    raise CollectError(f"{export} unpacks to more than {limits.total / MB:g} MB (--max-total-mb): "
                                       "nothing placed")
                problems.append(_too_big(name, n, limits))
                continue
            total += n
            files.append(_File(name, out, n))
    return files


def _read(f: _File, limits: Limits) -> bytes | None:
    """The bytes of ``f`` (never through a symbolic link), or None when over the notebook limit."""
    fd = os.open(f.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as src:
        data = src.read(limits.notebook + 1)
    return None if len(data) > limits.notebook else data


# --- stage 2: match ----------------------------------------------------------------------------------------


def _fingerprints(root: Path) -> dict[str, set[str]]:
    """assignment -> the stripped sources of the cells of its student version (notebooks/)."""
    out = {}
    for path in sorted((root / "notebooks").glob("*/*.ipynb")):
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        out.setdefault(path.parent.name, set()).update(
            _src(c) for c in nb.get("cells", []) if len(_src(c)) > 20)
    return out


def _src(cell) -> str:
    s = cell.get("source", "") if isinstance(cell, dict) else ""
    return ("".join(map(str, s)) if isinstance(s, list) else str(s)).strip()


def _match(name: str, data: bytes, assignments: list[str], prints: dict) -> tuple[str | None, str]:
    """(assignment, how) for one notebook: by name, else by content; (None, why) if neither works."""
    named = [a for a in assignments if a in name]
    if len(named) == 1:
        return named[0], "name"
    try:
        nb = json.loads(data.decode("utf-8"))
        cells = {_src(c) for c in nb.get("cells", [])}
    except (ValueError, UnicodeDecodeError, AttributeError, TypeError, RecursionError):
        return None, "its name names no assignment and it is not a readable notebook"
    overlap = sorted(((len(cells & prints.get(a, set())), a) for a in assignments), reverse=True)
    if not overlap or overlap[0][0] == 0:
        return None, "it shares no cell with any assignment"
    if len(overlap) > 1 and overlap[1][0] == overlap[0][0]:
        return None, f"it matches {overlap[0][1]} and {overlap[1][1]} equally well"
    return overlap[0][1], "content"


def _student(rel: PurePosixPath, id_pattern=None) -> str:
    if id_pattern is not None:
        m = re.search(id_pattern, rel.as_posix())
        return m.group("id") if m else ""
    return rel.parts[0] if len(rel.parts) > 1 else rel.name.split("_", 1)[0]


def _notebook_name(root: Path, assignment: str) -> str:
    released = sorted((root / "notebooks" / assignment).glob("*.ipynb"))
    return released[0].name if len(released) == 1 else f"{assignment}.ipynb"


def submissions(files: list[_File], *, root: Path, assignments, prints, limits: Limits, problems: list,
                id_pattern: str | None = None) -> list[Submission]:
    """The notebooks among ``files`` with their student id and assignment; the rest goes to ``problems``."""
    out = []
    for f in files:
        rel = PurePosixPath(f.rel)
        if rel.suffix != ".ipynb":
            problems.append(f"{_show(f.rel)}: not a notebook, ignored")
            continue
        raw = _student(rel, id_pattern)
        try:
            sid = student_id(raw)
        except ValueError as exc:
            problems.append(f"{_show(f.rel)}: cannot read a student id from '{_show(raw)}': {exc}")
            continue
        data = _read(f, limits) if f.size <= limits.notebook else None
        if data is None:
            problems.append(_too_big(f.rel, max(f.size, limits.notebook + 1), limits))
            continue
        assignment, how = _match(rel.name, data, assignments, prints)
        if assignment is None:
            problems.append(f"{_show(f.rel)}: {how}")
            continue
        out.append(Submission(sid, assignment, _notebook_name(root, assignment), f.path, f.rel))
    return out


# --- stage 3: place ----------------------------------------------------------------------------------------


def _bytes(sub: Submission, limits: Limits) -> bytes | None:
    if isinstance(sub.data, bytes | bytearray):
        return bytes(sub.data) if len(sub.data) <= limits.notebook else None
    return _read(_File(sub.origin, Path(sub.data), 0), limits)


def place(root: Path, items, *, limits: Limits | None = None, assignments=None) -> Collected:
    """Write each submission into ``root/submitted/``; never overwrite, never place two for one slot.

    Parameters
    ----------
    root : Path
        The course directory.
    items : iterable of Submission or of (student, assignment, notebook, data) tuples
        ``data`` is bytes or the path of a file. The student id is taken as
        written (NFC-normalised) and stored under :func:`student_folder`.
    limits : Limits, optional
        The per-notebook size cap applies here too.
    assignments : list of str, optional
        The assignment ids allowed (default: the folders of ``root/solutions``).

    Returns
    -------
    Collected
    """
    root, limits = Path(root), limits or Limits()
    if assignments is None:
        assignments = sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir())
    result = Collected()
    slots = {}
    for item in items:
        sub = item if isinstance(item, Submission) else Submission(*item)
        origin = _show(sub.origin or f"{sub.student}/{sub.assignment}/{sub.notebook}")
        try:
            sid = student_id(sub.student)
        except ValueError as exc:
            result.problems.append(f"{origin}: cannot use '{_show(sub.student)}' as a student id: {exc}")
            continue
        if sub.assignment not in assignments:
            result.problems.append(f"{origin}: unknown assignment {sub.assignment!r}")
            continue
        name = sub.notebook
        if Path(name).name != name or name.startswith(".") or not name.endswith(".ipynb"):
            result.problems.append(f"{origin}: '{_show(name)}' is not a notebook file name")
            continue
        slots.setdefault((student_folder(sid), sid, sub.assignment, name), []).append((origin, sub))
    for (folder, sid, assignment, name), subs in sorted(slots.items()):
        if len(subs) > 1:
            names = ", ".join(origin for origin, _ in subs)
            result.problems.append(f"{sid}/{assignment}: {len(subs)} notebooks ({names}), none placed")
            continue
        origin, sub = subs[0]
        data = _bytes(sub, limits)
        if data is None:
            result.problems.append(_too_big(origin, limits.notebook + 1, limits))
            continue
        target = root / "submitted" / folder / assignment / name
        result.students[folder] = sid
        if target.exists():
            if target.read_bytes() == data:
                result.unchanged.append((folder, assignment, target))
            else:
                result.problems.append(f"{target.relative_to(root)} already exists and differs: left alone")
            continue
        try:
            atomic_write_bytes(target, data, exclusive=True)
        except FileExistsError:  # another process placed one a moment ago
            result.problems.append(f"{target.relative_to(root)} appeared while collecting: left alone")
            continue
        result.placed.append((folder, assignment, target))
    _record_students(root, {f: s for f, s in result.students.items() if f != s}, result.problems)
    return result


def _db_url(root: Path) -> str:
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    if (root / "nbgrader_config.py").exists():
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    return CourseDirectory(config=cfg, root=str(root.resolve())).db_url


def _record_students(root: Path, mapping: dict, problems: list) -> None:
    """Keep each encoded folder's id as written in the gradebook's student table (``lms_user_id``)."""
    if not mapping:
        return
    import sys

    from nbgrader.api import Gradebook

    bin_dir = str(Path(sys.executable).parent)  # nbgrader's gradebook runs `alembic` by name
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    url = _db_url(root)
    if url.startswith("sqlite:///"):
        try:
            check_gradebook(url[len("sqlite:///"):], required=False)
        except GradebookError as exc:
            problems.append(f"the ids as written were not recorded: {exc}")
            return
    with Gradebook(url) as gb:
        for folder, sid in sorted(mapping.items()):
            student = gb.update_or_create_student(folder)
            if student.lms_user_id in (None, "", sid):
                gb.update_or_create_student(folder, lms_user_id=sid)
            else:
                problems.append(f"{sid}: the gradebook already gives {folder} the LMS id "
                                f"{student.lms_user_id!r}, left as it is")


# --- the three stages together -----------------------------------------------------------------------------


def collect(export, *, root: Path, assignments=None, id_pattern: str | None = None,
            limits: Limits | None = None) -> Collected:
    """Place every notebook of ``export`` (a folder or a .zip) into ``root/submitted/``.

    Parameters
    ----------
    export : path
        The LMS export: a folder, or a zip file.
    root : Path
        The course directory.
    assignments : list of str, optional
        The assignment ids (default: the folders of ``root/solutions``).
    id_pattern : str, optional
        A regular expression with a group ``id`` that finds the student id in
        each path inside the export (default: first folder, or file name up to ``_``).
    limits : Limits, optional
        Caps on each notebook's size and on the export's total size and
        number of entries (default: 20 MB, 2000 MB, 10,000).

    Returns
    -------
    Collected
        What was placed, what was already there, and every notebook or file
        that could not be placed, with the reason.
    """
    export, root, limits = Path(export), Path(root), limits or Limits()
    if assignments is None:
        assignments = sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir())
    if id_pattern is not None:
        try:
            if "id" not in re.compile(id_pattern).groupindex:
                raise CollectError(f"--id-pattern {id_pattern!r} has no group named id, e.g. (?P<id>\\d+)")
        except re.error as exc:
            raise CollectError(f"--id-pattern {id_pattern!r} is not a regular expression: {exc}") from None
    if not export.exists():
        raise CollectError(f"{export} does not exist: give the folder or the zip file the LMS exported")
    if export.is_dir():
        from .exchange import collect_inbound, is_inbound  # nbgrader's exchange on a hub: <course>/inbound

        if is_inbound(export):
            return collect_inbound(export, root=root, assignments=assignments)
    export = export.resolve()  # the path the instructor gave is trusted (it may be a link); what is inside is not
    prints = _fingerprints(root)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        if export.is_dir():
            files = read_folder(export, limits, problems)
        elif zipfile.is_zipfile(export):
            files = read_zip(export, Path(tmp), limits, problems)
        else:
            raise CollectError(f"{export} is neither a folder nor a zip file")
        subs = submissions(files, root=root, assignments=assignments, prints=prints, limits=limits,
                           problems=problems, id_pattern=id_pattern)
        result = place(root, subs, limits=limits, assignments=assignments)
    result.problems = problems + result.problems
    return result
