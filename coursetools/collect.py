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
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CollectError", "Collected", "collect"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.@+-]*$")


class CollectError(Exception):
    """The export cannot be read at all (no such folder, not a zip)."""


@dataclass
class Collected:
    """What :func:`collect` did: ``placed`` and ``unchanged`` are ``(student, assignment, path)``."""

    placed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"placed {len(self.placed)} notebook(s); {len(self.unchanged)} already there"]
        return out + [f"not placed: {p}" for p in self.problems]


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
    s = cell.get("source", "")
    return ("".join(s) if isinstance(s, list) else str(s)).strip()


def _match(path: Path, assignments: list[str], prints: dict) -> tuple[str | None, str]:
    """(assignment, how) for one notebook: by name, else by content; (None, why) if neither works."""
    named = [a for a in assignments if a in path.name]
    if len(named) == 1:
        return named[0], "name"
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = {_src(c) for c in nb.get("cells", [])}
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None, "its name names no assignment and it is not a readable notebook"
    overlap = sorted(((len(cells & prints.get(a, set())), a) for a in assignments), reverse=True)
    if not overlap or overlap[0][0] == 0:
        return None, "it shares no cell with any assignment"
    if len(overlap) > 1 and overlap[1][0] == overlap[0][0]:
        return None, f"it matches {overlap[0][1]} and {overlap[1][1]} equally well"
    return overlap[0][1], "content"


def _student(rel: Path, id_pattern=None) -> str:
    if id_pattern is not None:
        m = re.search(id_pattern, rel.as_posix())
        return m.group("id") if m else ""
    return rel.parts[0] if len(rel.parts) > 1 else rel.name.split("_", 1)[0]


def collect(export, *, root: Path, assignments=None, id_pattern: str | None = None) -> Collected:
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

    Returns
    -------
    Collected
        What was placed, what was already there, and every notebook or file
        that could not be placed, with the reason.
    """
    export, root = Path(export), Path(root)
    if assignments is None:
        assignments = sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir())
    prints = _fingerprints(root)
    if id_pattern is not None:
        try:
            if "id" not in re.compile(id_pattern).groupindex:
                raise CollectError(f"--id-pattern {id_pattern!r} has no group named id, e.g. (?P<id>\\d+)")
        except re.error as exc:
            raise CollectError(f"--id-pattern {id_pattern!r} is not a regular expression: {exc}") from None
    if export.is_dir():
        from .exchange import collect_inbound, is_inbound  # nbgrader's exchange on a hub: <course>/inbound

        if is_inbound(export):
            return collect_inbound(export, root=root, assignments=assignments)
        return _collect_dir(export, root, assignments, prints, id_pattern)
    if not export.exists():
        raise CollectError(f"{export} does not exist: give the folder or the zip file the LMS exported")
    if not zipfile.is_zipfile(export):
        raise CollectError(f"{export} is neither a folder nor a zip file")
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(export) as zf:
        result = Collected()
        for info in zf.infolist():
            name = Path(info.filename)
            if name.is_absolute() or ".." in name.parts:
                result.problems.append(f"{info.filename}: unsafe path in the zip, skipped")
                continue
            if not info.is_dir():
                zf.extract(info, tmp)
        inner = _collect_dir(Path(tmp), root, assignments, prints, id_pattern)
        inner.problems = result.problems + inner.problems
        return inner


def _collect_dir(export: Path, root: Path, assignments, prints, id_pattern=None) -> Collected:
    result = Collected()
    found = {}
    for path in sorted(p for p in export.rglob("*") if p.is_file()):
        rel = path.relative_to(export)
        if any(part.startswith(".") or part == "__MACOSX" for part in rel.parts):
            continue
        if path.suffix != ".ipynb":
            result.problems.append(f"{rel}: not a notebook, ignored")
            continue
        student = _student(rel, id_pattern)
        if not _ID.match(student):
            result.problems.append(f"{rel}: cannot read a student id from {student!r}")
            continue
        assignment, how = _match(path, assignments, prints)
        if assignment is None:
            result.problems.append(f"{rel}: {how}")
            continue
        found.setdefault((student, assignment), []).append(path)
    for (student, assignment), paths in sorted(found.items()):
        if len(paths) > 1:
            names = ", ".join(str(p.relative_to(export)) for p in paths)
            result.problems.append(f"{student}/{assignment}: {len(paths)} notebooks ({names}), none placed")
            continue
        released = sorted((root / "notebooks" / assignment).glob("*.ipynb"))
        name = released[0].name if len(released) == 1 else f"{assignment}.ipynb"
        target = root / "submitted" / student / assignment / name
        data = paths[0].read_bytes()
        if target.exists():
            if target.read_bytes() == data:
                result.unchanged.append((student, assignment, target))
            else:
                result.problems.append(f"{target.relative_to(root)} already exists and differs: left alone")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".partial")
        shutil.copyfile(paths[0], tmp)
        tmp.replace(target)
        result.placed.append((student, assignment, target))
    return result
