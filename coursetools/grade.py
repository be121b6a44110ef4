"""Auto-grade submissions in parallel, with nbgrader's own preprocessors and gradebook.

``grade(["01-univariate"])`` grades every ``submitted/<student>/01-univariate/``
of the course. Per notebook it does what ``nbgrader autograde`` does, split in
three so that the slow part runs in parallel:

1. in this process, nbgrader's sanitizing preprocessors (``ClearOutput``,
   ``DeduplicateIds``, ``OverwriteKernelspec``, ``OverwriteCells``,
   ``CheckCellMetadata``) restore the test cells from the gradebook; here also
   a test cell the student deleted is put back (nbgrader's
   ``OverwriteCells.add_missing_cells``) and grade flags and points a student
   edited are restored;
2. a worker (a local process per core, or a Dask cluster given ``scheduler``)
   executes it in a guarded kernel (:mod:`coursetools.sandbox`);
3. back in this process, the only one that opens the gradebook, nbgrader's
   ``LimitOutput``, ``SaveAutoGrades`` and ``AssignLatePenalties`` record the
   grades, and the executed notebook goes to ``autograded/`` like stock's.

Next to each autograded notebook, ``.<notebook>.coursetools.json`` records the
hash of the submission that was graded, each test's result and message, and
every event (timeouts, crashes, tampering, refused file access, stray files);
``report`` reads it, and a re-run skips every notebook whose record matches
the submission (resume after an interruption). ``submitted/`` is only read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import nbformat

from .sandbox import execute_submission

ROOT = Path(__file__).resolve().parent.parent
GiB = 1 << 30
RECORD = ".{}.coursetools.json"
_NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")  # nbgrader's own, next to a submission

__all__ = ["GradingError", "grade", "record_path"]


class GradingError(Exception):
    """Bad input to ``grade``: no such folder, unknown assignment."""


class _Collect(logging.Handler):
    """Keeps nbgrader's warnings (changed checksums, duplicate ids) as events instead of printing them."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _logger():
    log = logging.getLogger(f"coursetools.grade.{id(object())}")
    log.propagate = False
    log.setLevel(logging.WARNING)
    handler = _Collect()
    log.addHandler(handler)
    return log, handler


def record_path(course: Path, student: str, assignment: str, notebook: str) -> Path:
    """The grading record of one notebook, next to its autograded copy."""
    return Path(course) / "autograded" / student / assignment / RECORD.format(notebook)


def _config(root: Path):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    if (root / "nbgrader_config.py").exists():
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    return cfg


def _ensure_path():
    bin_dir = str(Path(sys.executable).parent)  # nbgrader's gradebook runs `alembic` by name
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _restore_flags(nb, gb, notebook, assignment, log):
    """Put back grade/solution/locked flags and points a student edited, from the gradebook.

    A cell with a grade_id the gradebook does not know loses its nbgrader
    metadata (stock nbgrader would crash on a grade flag there).
    """
    known = gb.find_notebook(notebook, assignment)
    source = {c.name: c for c in known.source_cells}
    graded = {c.name: c for c in known.grade_cells}
    solution = {c.name for c in known.solution_cells}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is not None and "grade_id" not in meta:
            del cell.metadata["nbgrader"]  # DeduplicateIds empties it; OverwriteCells would then crash
        if not meta or "grade_id" not in meta:
            continue
        gid = meta["grade_id"]
        if gid not in source:
            log.warning("Cell %r is not in the source notebook: its nbgrader metadata is ignored", gid)
            del cell.metadata["nbgrader"]
            continue
        if source[gid].locked and _visible(cell.source) != _visible(source[gid].source):
            log.warning("Locked cell %s was edited by the student: graded with the original", gid)
        want = {"grade": gid in graded, "solution": gid in solution, "locked": source[gid].locked}
        if gid in graded:
            want["points"] = float(graded[gid].max_score)
        for key, value in want.items():
            if meta.get(key, False if key != "points" else None) != value:
                log.warning("Attribute '%s' for cell %s has changed! (should be: %s, got: %s)",
                            key, gid, value, meta.get(key))
                meta[key] = value


_HIDDEN = re.compile(r"[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S)


def _visible(source: str) -> str:
    """A locked cell's source as the student received it (hidden tests removed), for comparison."""
    return _HIDDEN.sub("", source).strip()


def _noise(message: str) -> bool:
    """nbgrader warns about every test cell with hidden tests (its checksum changes): not news."""
    return message.startswith("Attribute 'checksum'")


def _preprocess(chain, nb, resources, cfg, log):
    for cls in chain:
        pp = cls(config=cfg, log=log)
        nb, resources = pp(nb, resources)
    return nb, resources


def _protected(root: Path, coursedir) -> list[str]:
    paths = [coursedir.submitted_directory, coursedir.autograded_directory, coursedir.feedback_directory,
             coursedir.source_directory, "gradebook.db", "nbgrader_config.py", ".git"]
    db = coursedir.db_url
    out = [str(root / p) for p in paths]
    if db.startswith("sqlite:///"):
        out.append(db[len("sqlite:///"):])
    return out


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _test_results(nb):
    """grade_id -> (points, score, message) of every test cell, via nbgrader's own determine_grade."""
    from nbgrader import utils

    out = {}
    for cell in nb.cells:
        if not utils.is_grade(cell) or cell.cell_type != "code":
            continue
        score, points = utils.determine_grade(cell)
        message = ""
        for o in cell.outputs:
            if o.output_type == "error":
                message = f"{o.ename}: {o.evalue}".strip()
        manual = utils.is_solution(cell)  # an answer a person grades: no auto score unless left blank
        out[cell.metadata.nbgrader["grade_id"]] = {"points": points, "score": score, "message": message,
                                                   "manual": manual}
    return out


def _write_json(path: Path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _jobs(root, coursedir, assignments, gb, students=None):
    """Every (student, assignment, notebook) submitted, as (key, path, notebook text or None, events)."""
    submitted = root / coursedir.submitted_directory
    found = sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))
    students = [s for s in found if students is None or s in students]
    for assignment in assignments:
        names = [n.name for n in gb.find_assignment(assignment).notebooks]
        for student in students:
            folder = submitted / student / assignment
            if not folder.is_dir():
                continue
            extra = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name not in _NBGRADER_FILES
                           and p.stem not in names)
            for name in names:
                yield (student, assignment, name), folder / f"{name}.ipynb", extra


def grade(assignments, **kwargs) -> dict:
    root = Path(kwargs.get("root", ROOT)).resolve()
    with warnings.catch_warnings(), _lock(root):
        # nbgrader's own Gradebook.update_or_create_submission triggers this SQLAlchemy warning
        # (stock `nbgrader autograde` too); it is harmless and would otherwise reach stderr.
        warnings.filterwarnings("ignore", message="Object of type <Submitted", category=Warning)
        return _grade(assignments, **kwargs)


@contextlib.contextmanager
def _lock(root: Path):
    """One ``grade`` at a time per course: the gradebook has a single writer."""
    import fcntl

    if not (root / "submitted").is_dir():  # not a course with submissions: _grade says so
        yield
        return
    (root / "autograded").mkdir(exist_ok=True)
    with open(root / "autograded" / ".coursetools-grade.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GradingError(f"another `coursetools grade` is running on {root}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _grade(assignments, *, root: Path = ROOT, workers: int | None = None, scheduler: str | None = None,
          timeout: float | None = None, memory: int | None = 2 * GiB, progress: bool = False,
          force: bool = False, students=None) -> dict:
    """Auto-grade every submission of ``assignments``; return a summary.

    Parameters
    ----------
    assignments : list of str
        Assignment ids (folders of ``solutions/``).
    root : Path
        The course directory (``nbgrader_config.py``, ``solutions/``, ``submitted/``).
    workers : int, optional
        Local worker processes (default: one per core). Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``): run the workers there.
    timeout : float, optional
        Seconds per cell (default: ``ExecutePreprocessor.timeout`` from the config, else 120).
    memory : int or None
        Address-space limit of each kernel, in bytes (None: no limit).
    progress : bool
        Show a progress bar (tqdm, on stderr).
    force : bool
        Re-grade notebooks that already have a matching grading record.
    students : list of str, optional
        Grade only these students (default: everyone in ``submitted/``).

    Returns
    -------
    dict
        ``graded``, ``skipped`` (already graded, resumed) and ``unreadable``
        lists of ``(student, assignment, notebook)``, and ``events``:
        ``{key: [event, ...]}``.
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        IgnorePattern,
        LimitOutput,
        OverwriteCells,
        OverwriteKernelspec,
        SaveAutoGrades,
    )

    _ensure_path()
    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").exists() and not (root / "solutions").is_dir():
        raise GradingError(f"{root} is not a course directory: it has no nbgrader_config.py and no solutions/")
    cfg = _config(root)
    cfg.OverwriteCells.add_missing_cells = True
    coursedir = CourseDirectory(config=cfg, root=str(root))
    if timeout is None:
        timeout = cfg.ExecutePreprocessor.get("timeout", 120) if "ExecutePreprocessor" in cfg else 120
    submitted = root / coursedir.submitted_directory
    if not submitted.is_dir():
        raise GradingError(f"no submissions: {submitted} does not exist (run `coursetools collect` first)")
    source = root / coursedir.source_directory
    known = sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []
    for a in assignments:
        if a not in known:
            raise GradingError(f"unknown assignment {a!r}; the assignments are: {', '.join(known) or 'none'}")
    db_url = coursedir.db_url
    _register(assignments, root, db_url)

    summary = {"graded": [], "skipped": [], "unreadable": [], "events": {}}
    log, collected = _logger()
    pending = {}  # key -> (prepared state)
    with Gradebook(db_url, coursedir.course_id) as gb:
        for key, path, extra in list(_jobs(root, coursedir, assignments, gb, students)):
            student, assignment, name = key
            events = [{"kind": "stray_file", "cell": None,
                       "detail": f"{f} was submitted with the notebook and ignored"
                       + (" (it would shadow an installed package)" if f.endswith(".py") else "")}
                      for f in extra]
            data = path.read_bytes() if path.exists() else None
            digest = _digest(data) if data is not None else "missing"
            record = record_path(root, student, assignment, name)
            if not force and record.exists():
                try:
                    if json.loads(record.read_text(encoding="utf-8")).get("sha256") == digest:
                        summary["skipped"].append(key)
                        continue
                except ValueError:
                    pass
            gb.update_or_create_student(student)
            timestamp = coursedir.get_existing_timestamp(str(path.parent))
            if timestamp:
                gb.update_or_create_submission(assignment, student, timestamp=timestamp)
            else:
                gb.update_or_create_submission(assignment, student)
            resources = {"nbgrader": {"student": student, "assignment": assignment, "notebook": name,
                                      "db_url": db_url}, "unique_key": name}
            problem = None
            if data is None:
                problem = "no notebook submitted"
            else:
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
                    events += [{"kind": "nbformat", "cell": None, "detail": str(w.message)[:300]} for w in caught]
                    nb, resources = _preprocess([ClearOutput, DeduplicateIds], nb, resources, cfg, log)
                    _restore_flags(nb, gb, name, assignment, log)
                    nb, resources = _preprocess([OverwriteKernelspec, OverwriteCells, CheckCellMetadata],
                                                nb, resources, cfg, log)
                    for i, cell in enumerate(nb.cells):  # cells nbgrader put back have no id
                        if "id" not in cell and nb.nbformat_minor >= 5:
                            cell["id"] = f"restored-{i}"
                except Exception as exc:  # not JSON, not a notebook, corrupted metadata
                    problem = f"cannot be read as a notebook: {type(exc).__name__}: {str(exc)[:200]}"
            events += [{"kind": "nbgrader", "cell": None, "detail": m} for m in collected.messages
                       if not _noise(m)]
            collected.messages.clear()
            if problem is not None:
                events.append({"kind": "unreadable", "cell": None, "detail": problem})
                _write_json(record, {"sha256": digest, "events": events, "tests": _zero(gb, key),
                                     "seconds": 0.0})
                summary["unreadable"].append(key)
                summary["events"][key] = events
                continue
            pending[key] = (nb, resources, events, digest)

    protected = _protected(root, coursedir)
    support = {a: _support_files(source / a) for a in assignments}
    jobs = [{"key": list(k), "notebook": nbformat.writes(v[0]), "timeout": timeout, "memory": memory,
             "protected": protected, "files": support[k[1]]} for k, v in pending.items()]
    post = [IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
            CheckCellMetadata]
    bar = _bar(len(jobs), progress)
    try:
        for result in _run(jobs, workers=workers, scheduler=scheduler):
            key = tuple(result["key"])
            _, resources, events, digest = pending[key]
            student, assignment, name = key
            if "error" in result:  # the worker itself failed (not the student's code)
                events.append({"kind": "grader_error", "cell": None, "detail": result["error"]})
                with Gradebook(db_url, coursedir.course_id) as gb:
                    _zero(gb, key)  # no record is written: a re-run grades it again
                summary["unreadable"].append(key)
                summary["events"][key] = events
                bar.update(1)
                continue
            events += result["events"]
            nb = nbformat.reads(result["notebook"], as_version=4)
            nb, resources = _preprocess(post, nb, resources, cfg, log)
            events += [{"kind": "nbgrader", "cell": None, "detail": m} for m in collected.messages
                       if "late" in m]
            collected.messages.clear()
            out = root / coursedir.autograded_directory / student / assignment
            out.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(out / f"{name}.ipynb"))
            ts = root / coursedir.submitted_directory / student / assignment / "timestamp.txt"
            if ts.exists():
                (out / "timestamp.txt").write_bytes(ts.read_bytes())
            _write_json(record_path(root, student, assignment, name),
                        {"sha256": digest, "events": events, "tests": _test_results(nb),
                         "seconds": result["seconds"]})
            summary["graded"].append(key)
            summary["events"][key] = events
            bar.update(1)
    finally:
        bar.close()
    return summary


grade.__doc__ = _grade.__doc__


def _support_files(folder: Path) -> dict:
    """The assignment's non-notebook files from the source folder (data, modules), as stock autograde copies."""
    skip = {".ipynb_checkpoints", "__pycache__"}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix != ".ipynb" and not skip & set(p.relative_to(folder).parts)}


def _zero(gb, key) -> dict:
    """Score 0 on every test cell of a notebook that could not be graded (as stock does for a missing one).

    Returns the record's ``tests`` for it: every cell 0 points, "not graded".
    """
    student, assignment, name = key
    sub = gb.find_submission_notebook(name, assignment, student)
    for g in sub.grades:
        g.auto_score = 0
        g.needs_manual_grade = False
    gb.db.commit()
    return {g.name: {"points": float(g.max_score), "score": 0.0, "message": "not graded: see events"}
            for g in sub.grades}


def _register(assignments, root, db_url):
    """Record in the gradebook each assignment it does not hold yet (nbgrader generate_assignment)."""
    from nbgrader.api import Gradebook, MissingEntry

    from .release import generate

    missing = []
    with Gradebook(db_url) as gb:
        for a in assignments:
            try:
                gb.find_assignment(a)
            except MissingEntry:
                missing.append(a)
    if missing:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp), missing, root=root, db=True)


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _bar(total, progress):
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="notebook", desc="grading", file=sys.stderr)


def _run(jobs, *, workers=None, scheduler=None):
    """Yield each job's result as it finishes: on a Dask cluster, or in a local process pool."""
    if not jobs:
        return
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler, set_as_default=False) as client:
            futures = {client.submit(execute_submission, job, pure=False): job for job in jobs}
            for future in dask_completed(list(futures), loop=client.loop):
                yield _result(future, futures[future])
        return
    import multiprocessing

    workers = workers or os.cpu_count() or 1
    todo = list(jobs)
    for _ in range(3):  # a worker process that dies breaks the pool: re-run what it took down, in a new pool
        broken, finished = [], False
        pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)),
                                   mp_context=multiprocessing.get_context("forkserver"))
        try:
            futures = {pool.submit(execute_submission, job): job for job in todo}
            for future in as_completed(futures):
                if isinstance(future.exception(), BrokenProcessPool):
                    broken.append(futures[future])
                else:
                    yield _result(future, futures[future])
            finished = True
        finally:  # interrupted (Ctrl-C): drop the queue at once; what is graded is recorded, a re-run resumes
            pool.shutdown(wait=finished, cancel_futures=True)
        if not broken:
            return
        todo = broken
    for job in todo:
        yield {"key": job["key"], "error": "the worker process running it died three times"}


def _result(future, job):
    try:
        return future.result()
    except Exception as exc:
        return {"key": job["key"], "error": f"{type(exc).__name__}: {str(exc)[:300]}"}


def scores(root: Path, assignment: str) -> dict:
    """``{(student, notebook): {grade_id: auto_score}}`` from the gradebook, for tests and reports."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gb:
        for sub in gb.find_assignment(assignment).submissions:
            for nb in sub.notebooks:
                out[(sub.student.id, nb.name)] = {g.name: g.auto_score for g in nb.grades}
    return out

