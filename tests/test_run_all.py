"""Run All on every released notebook, every exercise still a stub, reaches the last cell.

The lessons promise a student that the notebook always runs to the end. Release tags every test cell
``raises-exception`` (:func:`coursetools.release.tag_test_cells`), so Run All goes on past the test cells
of unfinished exercises, which still fail visibly; every other cell that uses an exercise prints the
course's reminder (``helpers.requires_exercise``) instead of a traceback.

The notebooks run under nbclient exactly as JupyterLab's Run All does: it stops at the first error of a
cell without that tag. They run at once, one kernel per notebook (at most one per core at a time), in a
module-scoped fixture. That nbgrader still scores the tagged test cells as before is shown by the
autograde tests of ``tests/test_notebooks.py``, which grade student versions made by the same
``generate`` (it tags them) and find 0 points for a blank submission and full points for a perfect one.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from coursetools import notebooks as nbs
from coursetools.kernels import AsyncIPCKernelManager
from coursetools.release import TEST_CELL_TAG, tag_test_cells

ROOT = nbs.ROOT
RELEASED = sorted((ROOT / "notebooks").glob("*/*.ipynb"))
REMINDER = "it will run once"  # helpers.requires_exercise's sentence


def _is_test_cell(cell) -> bool:
    meta = nbs.nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


async def _run_all(path, folder, limit):
    """Execute a copy of ``path`` in ``folder`` as Run All does; return (notebook, error or None, seconds)."""
    nb = nbs.read(path)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=False,
                            kernel_manager_class=AsyncIPCKernelManager,
                            resources={"metadata": {"path": str(folder)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    async with limit:
        start = time.perf_counter()
        try:
            await client.async_execute()
            error = None
        except CellExecutionError as err:
            error = err
        return nb, error, time.perf_counter() - start


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """Every released notebook executed in a copy of its folder: {assignment: (notebook, error, seconds)}."""
    base = tmp_path_factory.mktemp("released")
    folders = {}
    for path in RELEASED:
        folders[path] = base / path.parent.name
        shutil.copytree(path.parent, folders[path])

    async def run_them():
        limit = asyncio.Semaphore(os.cpu_count() or 1)
        return await asyncio.gather(*(_run_all(path, folders[path], limit) for path in RELEASED))

    start = time.perf_counter()
    results = asyncio.run(run_them())
    print(f"\nRun All on {len(RELEASED)} released notebooks: {time.perf_counter() - start:.1f} s "
          + ", ".join(f"{p.parent.name[:2]} {s:.1f} s" for p, (_, _, s) in zip(RELEASED, results)))
    return {path.parent.name: result for path, result in zip(RELEASED, results)}


def test_every_released_notebook_is_run():
    """The released notebooks are those of every assignment, each with its test cells tagged."""
    assert [p.parent.name for p in RELEASED] == [p.parent.name for p in nbs.solution_notebooks()]
    for path in RELEASED:
        for cell in nbs.read(path).cells:
            if _is_test_cell(cell):
                assert TEST_CELL_TAG in cell.metadata.get("tags", []), (
                    f"{path.name}: test cell {nbs.nbgrader_meta(cell)['grade_id']} is not tagged "
                    f"{TEST_CELL_TAG!r}: run `make release`")


@pytest.mark.parametrize("assignment", [p.parent.name for p in RELEASED])
def test_run_all_reaches_the_last_cell(ran, assignment):
    """Run All executes every code cell; only test cells fail, each with the stub's NotImplementedError,
    and nothing reaches stderr."""
    nb, error, _ = ran[assignment]
    assert error is None, f"{assignment}: Run All stopped at a cell that is not a test cell:\n{error}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), f"{assignment}: some cells never ran"
    for i, cell in enumerate(code):
        for out in cell.outputs:
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                f"{assignment} code cell {i} writes to stderr: {out.text[:300]}")
            if out.output_type == "error":
                assert _is_test_cell(cell), f"{assignment} code cell {i} fails: {out.ename}: {out.evalue}"
                assert out.ename == "NotImplementedError", (
                    f"{assignment} test cell {nbs.nbgrader_meta(cell)['grade_id']} fails with {out.ename}: "
                    f"{out.evalue}, expected the stub's NotImplementedError")


@pytest.mark.parametrize("assignment", [p.parent.name for p in RELEASED if nbs.grade_cells(nbs.read(p))])
def test_test_cells_of_unfinished_exercises_fail_visibly_and_demos_remind(ran, assignment):
    """Every test cell of a stub shows its error; a cell that only uses an exercise prints the reminder."""
    nb, _, _ = ran[assignment]
    for cell in nb.cells:
        if _is_test_cell(cell):
            assert any(out.output_type == "error" for out in cell.outputs), (
                f"{assignment}: test cell {nbs.nbgrader_meta(cell)['grade_id']} passes on a stub")
    text = "".join(out.get("text", "") for c in nb.cells if c.cell_type == "code" for out in c.outputs)
    if "requires_exercise(" in "".join(c.source for c in nb.cells):
        assert REMINDER in text, f"{assignment}: no cell printed the unfinished-exercise reminder"


def test_without_the_tag_run_all_stops_at_the_first_failing_test_cell(tmp_path):
    """The check can fail: an untagged failing test cell stops Run All; release's step tags it, and then the
    run goes on to the last cell."""
    test_cell = nbformat.v4.new_code_cell("raise NotImplementedError()")
    test_cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_f", "locked": True, "points": 1,
                                      "schema_version": 3, "solution": False, "task": False}
    nb = nbformat.v4.new_notebook(cells=[test_cell, nbformat.v4.new_code_cell("print('the end')")])
    nbformat.write(nb, str(tmp_path / "lesson.ipynb"))
    nb, error, _ = asyncio.run(_run_all(tmp_path / "lesson.ipynb", tmp_path, asyncio.Semaphore(1)))
    assert isinstance(error, CellExecutionError) and "NotImplementedError" in str(error)
    assert nb.cells[-1].get("execution_count") is None
    assert tag_test_cells(tmp_path) == [tmp_path / "lesson.ipynb"]
    assert tag_test_cells(tmp_path) == []  # already tagged: nothing rewritten
    nb, error, _ = asyncio.run(_run_all(tmp_path / "lesson.ipynb", tmp_path, asyncio.Semaphore(1)))
    assert error is None and nb.cells[0].outputs[0].ename == "NotImplementedError"
    assert nb.cells[-1].outputs[0].text == "the end\n"
