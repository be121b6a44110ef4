"""Notebook plumbing shared by the release checks, the grading tests and the benchmarks.

Reads nbgrader cell metadata, builds submissions from student versions (every
stub filled with the solution, or some left as they are), and executes
notebooks with nbclient.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "execute",
    "exercise_of",
    "exercise_points",
    "fill_stubs",
    "grade_cells",
    "hidden_test_lines",
    "manual_cells",
    "nbgrader_meta",
    "solution_notebooks",
    "stub_ids",
]

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def solution_notebooks(root: Path = ROOT) -> list[Path]:
    """Every source notebook, ``solutions/<assignment>/<name>.ipynb``, sorted."""
    return sorted(p for p in (Path(root) / "solutions").glob("*/*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def read(path) -> nbformat.NotebookNode:
    """Read a notebook (nbformat 4)."""
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for an ordinary cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_cells(nb) -> dict[str, float]:
    """grade_id -> points of every auto-graded test cell (a graded code cell that is not an answer)."""
    return {m["grade_id"]: float(m.get("points", 0)) for c in nb.cells
            if (m := nbgrader_meta(c)).get("grade") and not m.get("solution") and c.cell_type == "code"}


def manual_cells(nb) -> dict[str, float]:
    """grade_id -> points of every manually graded answer cell (``grade`` and ``solution`` both true).

    nbgrader scores such a cell 0 when the student left it as released, and
    otherwise leaves its auto score empty (None) for a person to grade.
    """
    return {m["grade_id"]: float(m.get("points", 0)) for c in nb.cells
            if (m := nbgrader_meta(c)).get("grade") and m.get("solution")}


def stub_ids(nb) -> list[str]:
    """grade_ids of the code solution cells graded by test cells (the exercises), in notebook order."""
    return [m["grade_id"] for c in nb.cells
            if (m := nbgrader_meta(c)).get("solution") and not m.get("grade") and c.cell_type == "code"]


def exercise_of(nb) -> dict[str, str]:
    """grade_id of every auto-graded test cell -> the exercise it grades (``test_<exercise>...``).

    Raises ValueError when a test cell belongs to no exercise, since then
    nobody could say which points a wrong answer loses.
    """
    exercises = stub_ids(nb)
    owner = {}
    for gid in grade_cells(nb):
        owners = [e for e in exercises if gid == f"test_{e}" or gid.startswith(f"test_{e}_")]
        if not owners:
            raise ValueError(f"test cell {gid!r} belongs to no exercise: its grade_id must be "
                             f"test_<exercise> or test_<exercise>_<part>, exercises: {exercises}")
        owner[gid] = max(owners, key=len)
    return owner


def exercise_points(nb) -> dict[str, float]:
    """Points of each exercise: the sum over its test cells (see :func:`exercise_of`)."""
    points = dict.fromkeys(stub_ids(nb), 0.0)
    owner = exercise_of(nb)
    for gid, pts in grade_cells(nb).items():
        points[owner[gid]] += pts
    return points


def hidden_test_lines(nb) -> list[str]:
    """The non-blank lines between BEGIN/END HIDDEN TESTS markers of a source notebook."""
    lines = []
    for cell in nb.cells:
        for block in HIDDEN.findall(cell.source):
            lines.extend(line.strip() for line in block.splitlines() if line.strip())
    return lines


def fill_stubs(student_nb, source_nb, *, leave=()) -> nbformat.NotebookNode:
    """A submission: the student version with each stub replaced by the source's solution.

    Solution cells (code exercises and manually graded answers alike) are
    matched by grade_id; those named in ``leave`` keep their stub (an
    unanswered exercise or question).
    """
    solutions = {nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells
                 if nbgrader_meta(c).get("solution")}
    out = copy.deepcopy(student_nb)
    for cell in out.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and meta["grade_id"] not in leave:
            cell.source = _strip_markers(solutions[meta["grade_id"]])
    return out


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def execute(nb, *, cwd: Path, timeout: int = 120, allow_errors: bool = False):
    """Execute ``nb`` in place with nbclient in a fresh python3 kernel; return it.

    The kernel talks over Unix sockets (:mod:`coursetools.kernels`), so kernels
    started at the same time cannot race for TCP ports.
    """
    from nbclient import NotebookClient

    from .kernels import AsyncIPCKernelManager

    # The kernel's own log messages are not the notebook's output.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            kernel_manager_class=AsyncIPCKernelManager,
                            resources={"metadata": {"path": str(cwd)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    client.execute()
    return nb
