"""Generate the student versions of the assignments with nbgrader.

``solutions/<assignment>/<name>.ipynb`` are the nbgrader source notebooks;
``notebooks/<assignment>/<name>.ipynb`` are generated from them by
``nbgrader generate_assignment`` and never edited by hand. :func:`release`
regenerates them; :func:`drift` regenerates them into a temporary folder and
lists every difference from the committed ones.

Before generating, :func:`release` writes the checks' fixtures (:mod:`coursetools.fixtures`):
``solutions/<a>/<a>.fixtures.json`` is copied next to the student notebook by nbgrader, while
``solutions/<a>/<a>.hidden.json`` is kept out of every student version (:data:`STUDENT_IGNORE`, passed
on release's own ``generate_assignment`` call only). Stock ``nbgrader autograde`` still copies it from
``solutions/<a>/`` into the folder where the hidden tests run, and so does ``coursetools grade``.

A later assignment that reuses an earlier answer (lessons 6 and 7 train lesson 4's network, 7 and 9
use lesson 6's optimizers) declares it in :data:`SUPPORT`; release extracts those functions from the
earlier solution notebook (nbgrader markers resolved to the solution) into a **support module**
``solutions/<a>/<module>.py``, committed and released next to the later notebook, which imports it
(``from lesson04 import TwoLayerProblem``). :func:`support_drift` lists the modules that differ from
what the solutions give.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "STUDENT_IGNORE",
    "SUPPORT",
    "TEST_CELL_TAG",
    "Support",
    "assignments",
    "drift",
    "generate",
    "nbgrader_env",
    "release",
    "run_nbgrader",
    "support_drift",
    "support_module",
    "tag_test_cells",
    "write_support",
]

# nbgrader's default CourseDirectory.ignore, plus the hidden fixtures: never in a student version.
STUDENT_IGNORE = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.hidden.json"]



@dataclass(frozen=True)
class Support:
    """Functions of an earlier assignment's solution that a later assignment imports from a support module.

    ``source`` is the earlier assignment, ``functions`` the names of the functions taken from its code
    cells (in notebook order), ``imports`` lines after ``import numpy as np``, ``epilogue`` code appended
    after the functions (e.g. a harness built with them).
    """

    source: str
    functions: tuple
    epilogue: str = ""
    imports: tuple = ()


_NETWORK = '''
class TwoLayerProblem(_network.TwoLayerProblem):
    """Lesson 4's loss on X (n, m), y (1, m) with k hidden units, run by lesson 4's functions above."""

    def __init__(self, X, y, k):
        super().__init__(X, y, k, forward=forward, backward=backward, sigma=sigmoid,
                         sigma_prime=sigmoid_derivative)
'''
LESSON04 = Support("04-two-layer-sigmoid", ("sigmoid", "sigmoid_derivative", "forward", "backward"), _NETWORK,
                   ("from helpers import network as _network",))

#: assignment -> {support module name: what it holds}. A course that releases its assignments in order
#: hands out an earlier answer only with a later assignment, after the earlier one is due.
SUPPORT = {
    "06-optimizers": {"lesson04": LESSON04},
    "07-beyond-gradients": {"lesson04": LESSON04, "lesson06": Support("06-optimizers", ("sgd_step", "adam_step"))},
    "09-deep-networks": {"lesson06": Support("06-optimizers", ("adam_step",))},
}


def _solution_code(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def support_module(assignment: str, module: str, root: Path = ROOT) -> str:
    """The text of one support module of ``assignment``: the declared functions' solution code."""
    from .notebooks import read

    spec = SUPPORT[assignment][module]
    path = Path(root) / "solutions" / spec.source / f"{spec.source}.ipynb"
    found = {}
    for cell in read(path).cells:
        if cell.cell_type != "code":
            continue
        code = _solution_code("\n".join("" if ln.lstrip().startswith(("%", "!")) else ln
                                        for ln in cell.source.splitlines()))
        for node in ast.parse(code).body:
            if isinstance(node, ast.FunctionDef) and node.name in spec.functions and node.name not in found:
                found[node.name] = (len(found), ast.get_source_segment(code, node))
    missing = [name for name in spec.functions if name not in found]
    if missing:
        raise ValueError(f"{assignment}: the support module {module} needs {', '.join(missing)} from "
                         f"{spec.source}, whose notebook defines no such function")
    names = ", ".join(spec.functions)
    title = f"The answers of {spec.source} that {assignment} reuses:"
    parts = [f'"""{title}\n{names}.\n\n'
             f"Generated by `coursetools release` from the code cells of\n"
             f"solutions/{spec.source}/{spec.source}.ipynb, with the solutions filled in.\n"
             'Do not edit: edit that notebook and run `make release`.\n"""\n\n'
             + "\n\n".join(("import numpy as np", *spec.imports)) + "\n"]
    parts += [text + "\n" for _, text in sorted(found.values())]
    if spec.epilogue:
        parts.append(spec.epilogue.strip("\n") + "\n")
    return "\n\n".join(parts)


def _support_paths(root: Path):
    for assignment, modules in SUPPORT.items():
        for module in modules:
            yield assignment, module, Path(root) / "solutions" / assignment / f"{module}.py"


def write_support(root: Path = ROOT) -> list[Path]:
    """Write every declared support module next to its assignment's solution notebook; return the paths."""
    written = []
    for assignment, module, path in _support_paths(root):
        if path.parent.is_dir():
            path.write_text(support_module(assignment, module, root), encoding="utf-8")
            written.append(path)
    return written


def support_drift(root: Path = ROOT) -> list[str]:
    """The support modules that are missing or differ from what the solutions give ([] when none)."""
    problems = []
    for assignment, module, path in _support_paths(root):
        if not path.parent.is_dir():
            continue
        if not path.is_file():
            problems.append(f"solutions/{assignment}/{module}.py is missing: run `make release`")
        elif path.read_text(encoding="utf-8") != support_module(assignment, module, root):
            problems.append(f"solutions/{assignment}/{module}.py differs from what the solutions give: "
                            "run `make release`")
    return problems


def assignments(root: Path = ROOT) -> list[str]:
    """The assignment ids: the folders of ``solutions/`` that hold a notebook."""
    source = Path(root) / "solutions"
    if not source.is_dir():
        raise FileNotFoundError(f"expected the source notebooks under {source}, found no such folder")
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def generate(release_dir: Path, names=None, *, root: Path = ROOT, db: bool = False) -> list[str]:
    """Run ``nbgrader generate_assignment`` for each assignment into ``release_dir``.

    Parameters
    ----------
    release_dir : Path
        Where the student versions go (``notebooks/`` for a real release).
    names : list of str, optional
        Assignment ids (default: all of them).
    root : Path
        The course directory (holding ``nbgrader_config.py`` and ``solutions/``).
    db : bool
        Record the assignments in the gradebook (needed before autograding);
        otherwise nothing is written to any database.

    Returns
    -------
    list of str
        The assignment ids generated.
    """
    root = Path(root).resolve()
    names = assignments(root) if names is None else list(names)
    for name in names:
        args = ["generate_assignment", name, "--force", f"--CourseDirectory.root={root}",
                f"--CourseDirectory.release_directory={Path(release_dir).resolve()}",
                *(f"--CourseDirectory.ignore={pattern}" for pattern in STUDENT_IGNORE)]
        run_nbgrader(*args, *([] if db else ["--no-db"]), cwd=root)
        tag_test_cells(Path(release_dir) / name)
    return names


# Jupyter's cell tag for "an error here is expected": Run All (JupyterLab, nbclient, nbval) goes on past it.
TEST_CELL_TAG = "raises-exception"


def tag_test_cells(folder: Path) -> list[Path]:
    """Tag every autograder test cell of the student notebooks in ``folder`` with :data:`TEST_CELL_TAG`.

    A student's Run All then reaches the end of the notebook: the test cells of unfinished exercises
    still fail, visibly, with the stub's ``NotImplementedError``, but the run goes on, as the lessons
    promise. nbgrader ignores tags: its checksums cover a cell's source and grading metadata, and
    autograde scores a test cell from its error output, so the scores are unchanged
    (``tests/test_notebooks.py`` autogrades tagged student versions).

    Parameters
    ----------
    folder : Path
        An assignment's folder of generated student versions (``notebooks/<assignment>/``).

    Returns
    -------
    list of Path
        The notebooks rewritten (those holding a test cell that was not tagged yet).
    """
    import nbformat

    changed = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        tagged = 0
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            tags = cell.metadata.setdefault("tags", [])
            if TEST_CELL_TAG not in tags:
                tags.append(TEST_CELL_TAG)
                tagged += 1
        if tagged:
            nbformat.write(nb, str(path))
            changed.append(path)
    return changed


def nbgrader_env() -> dict:
    """The environment for an nbgrader subprocess: this one, with this interpreter's ``bin/`` first on PATH.

    nbgrader runs ``alembic`` (and the kernel) by name, so they must come from the same environment.
    """
    return dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))


def run_nbgrader(*args, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m nbgrader *args`` in ``cwd`` (with :func:`nbgrader_env`); raise RuntimeError if it fails."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *map(str, args)], cwd=cwd, env=nbgrader_env(),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        what = " ".join(str(a) for a in args if not str(a).startswith("-"))
        raise RuntimeError(f"nbgrader {what} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def release(root: Path = ROOT) -> list[str]:
    """Regenerate ``notebooks/`` from ``solutions/`` (what ``make release`` does).

    Writes the support modules and the fixtures first (``solutions/<a>/<module>.py``,
    ``solutions/<a>/<a>.fixtures.json`` and ``.hidden.json``), then
    generates into a temporary folder, so a failure leaves the committed student versions untouched.
    """
    from .fixtures import write

    root = Path(root).resolve()
    write_support(root)
    write(root)
    with tempfile.TemporaryDirectory() as tmp:
        names = generate(Path(tmp), root=root)
        target = root / "notebooks"
        target.mkdir(exist_ok=True)
        for name in names:
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(Path(tmp) / name, target / name)
    return names


def _cells(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], c["source"] if isinstance(c["source"], str) else "".join(c["source"]),
             c.get("metadata", {})) for c in nb["cells"]]


def drift(root: Path = ROOT, generated: Path | None = None) -> list[str]:
    """List the differences between ``notebooks/`` and a fresh generation from ``solutions/``.

    Compares every notebook's cells (type, source and metadata) and the set of
    files. Returns an empty list when the committed student versions are
    exactly what nbgrader generates.

    Parameters
    ----------
    root : Path
        The course directory.
    generated : Path, optional
        A folder already holding :func:`generate`'s output for every assignment
        of ``root`` (the tests reuse the one they autograde); by default it is
        generated into a temporary folder.
    """
    root = Path(root).resolve()
    if generated is not None:
        return _differences(Path(generated), root / "notebooks")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh, root=root)
        return _differences(fresh, root / "notebooks")


def _differences(fresh: Path, committed: Path) -> list[str]:
    """The differences between a fresh generation ``fresh`` and the committed ``notebooks/`` folder."""
    problems = []
    want = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    have = {p.relative_to(committed) for p in committed.rglob("*") if p.is_file()
            and ".ipynb_checkpoints" not in p.parts} if committed.is_dir() else set()
    for rel in sorted(want - have):
        problems.append(f"notebooks/{rel} is missing: run `make release`")
    for rel in sorted(have - want):
        problems.append(f"notebooks/{rel} is not generated from solutions/: remove it or add its source")
    for rel in sorted(want & have):
        a, b = fresh / rel, committed / rel
        if rel.suffix != ".ipynb":
            if a.read_bytes() != b.read_bytes():
                problems.append(f"notebooks/{rel} differs from solutions/: run `make release`")
            continue
        new, old = _cells(a), _cells(b)
        if len(new) != len(old):
            problems.append(f"notebooks/{rel} has {len(old)} cells, nbgrader generates {len(new)}: "
                            "run `make release`")
            continue
        for i, (x, y) in enumerate(zip(new, old)):
            if x != y:
                what = "type" if x[0] != y[0] else "source" if x[1] != y[1] else "metadata"
                problems.append(f"notebooks/{rel} cell {i}: its {what} differs from what nbgrader "
                                "generates: run `make release` (never edit notebooks/ by hand)")
    return problems
