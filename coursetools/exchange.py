"""nbgrader's exchange on a hub: collect its inbound folder, release feedback to it.

``coursetools collect <exchange>/<course>/inbound`` reads what students
submitted from JupyterLab's Assignments panel. nbgrader names each submission
``<student>+<assignment>+<timestamp>[+<random>]`` and writes ``timestamp.txt``
and ``submission_secret.txt`` into it. For each student and assignment the
latest submission is placed with :mod:`coursetools.collect`'s own rules (the
notebook is copied byte for byte, nothing in ``submitted/`` is overwritten),
and its ``timestamp.txt`` (late penalties) and ``submission_secret.txt`` go
next to it: nbgrader's ``release_feedback`` names each feedback page in the
exchange by a hash of that secret, and only the student who submitted knows
it, so each student fetches only their own feedback.

:func:`release_feedback` copies the two files next to each student's
``feedback/<student>/<assignment>/*.html`` (what ``coursetools feedback``
wrote) and runs ``nbgrader release_feedback``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

__all__ = ["KEEP", "collect_inbound", "is_inbound", "release_feedback"]

KEEP = ("timestamp.txt", "submission_secret.txt")  # what nbgrader needs next to a submission
_SUBMISSION = re.compile(r"^(?P<student>[^+]+)\+(?P<assignment>[^+]+)\+(?P<timestamp>[^+]+)(\+[^+]*)?$")


def _submissions(inbound: Path) -> list[tuple[str, str, str, Path]]:
    out = []
    for p in sorted(inbound.iterdir()):
        m = _SUBMISSION.match(p.name)
        if p.is_dir() and m and (p / "timestamp.txt").is_file():
            out.append((m["student"], m["assignment"], (p / "timestamp.txt").read_text().strip(), p))
    return out


def is_inbound(folder: Path) -> bool:
    """Whether ``folder`` is an exchange's inbound folder: every entry is a nbgrader submission."""
    folder = Path(folder)
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.is_dir() else []
    return bool(entries) and len(_submissions(folder)) == len(entries)


def collect_inbound(inbound: Path, *, root: Path, assignments=None):
    """Place the latest submission of each student and assignment from ``inbound`` into ``root/submitted/``.

    Returns :class:`coursetools.collect.Collected`; a submission of an unknown
    assignment, or an older submission superseded by a later one, is listed
    (the first among the problems, the second as a note in ``superseded``).
    """
    from .collect import Collected, collect

    inbound, root = Path(inbound), Path(root)
    if assignments is None:
        assignments = sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir())
    latest, result = {}, Collected()
    for student, assignment, timestamp, path in _submissions(inbound):
        if assignment not in assignments:
            result.problems.append(f"{path.name}: {assignment} is not an assignment of this course")
            continue
        key = (student, assignment)
        if key not in latest or timestamp > latest[key][0]:
            latest[key] = (timestamp, path)
    with tempfile.TemporaryDirectory() as tmp:
        view = Path(tmp)
        for (student, assignment), (_, path) in latest.items():
            for nb in path.glob("*.ipynb"):
                (view / student / assignment).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(nb, view / student / assignment / nb.name)
        placed = collect(view, root=root, assignments=assignments)
    for student, assignment, target in placed.placed + placed.unchanged:
        source = latest[(student, assignment)][1]
        for name in KEEP:
            if (source / name).is_file() and not (target.parent / name).exists():
                shutil.copyfile(source / name, target.parent / name)
    placed.problems = result.problems + placed.problems
    return placed


def release_feedback(root: Path, assignments, *, exchange=None) -> list[Path]:
    """Release ``feedback/*/<assignment>/*.html`` to the exchange with nbgrader; return the pages released.

    The pages are written again with MathJax inside (``coursetools feedback --inline-mathjax``), since
    nbgrader's ``release_feedback`` copies only the ``.html`` files: a page the student fetches typesets its
    maths without ``feedback/_assets/`` and without the network.

    ``exchange`` is the exchange's root (default: nbgrader's configuration, which the hub sets for instructors).
    """
    from .feedback import feedback
    from .release import run_nbgrader

    root = Path(root)
    released = []
    for assignment in assignments:
        pages = sorted((root / "feedback").glob(f"*/{assignment}/*.html"))
        for page in pages:
            submitted = root / "submitted" / page.parent.parent.name / assignment
            missing = [n for n in KEEP if not (submitted / n).is_file()]
            if missing:
                raise FileNotFoundError(f"{submitted} has no {' or '.join(missing)}: feedback can only be released "
                                        "for submissions collected from the exchange")
        if pages:  # nbgrader copies only the .html files to the exchange: each page must carry its MathJax itself
            feedback(root, [assignment], inline_mathjax=True)
        for page in pages:
            submitted = root / "submitted" / page.parent.parent.name / assignment
            for name in KEEP:
                shutil.copyfile(submitted / name, page.parent / name)
            released.append(page)
        run_nbgrader("release_feedback", assignment, *([f"--Exchange.root={exchange}"] if exchange else []), cwd=root)
    return released
