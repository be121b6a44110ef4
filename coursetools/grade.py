"""Auto-grade submissions in parallel, with nbgrader's own preprocessors and gradebook.

``grade(["01-univariate"])`` grades every ``submitted/<student>/01-univariate/``
of the course. Per notebook it does what ``nbgrader autograde`` does, split in
three named stages so that the slow part runs in parallel:

1. :func:`prepare` (from the gradebook), in this process: nbgrader's
   sanitizing preprocessors (``ClearOutput``, ``DeduplicateIds``,
   ``OverwriteKernelspec``, ``OverwriteCells``, ``CheckCellMetadata``) restore
   the test cells from the gradebook; here also a test cell the student
   deleted is put back (nbgrader's ``OverwriteCells.add_missing_cells``) and
   grade flags and points a student edited are restored;
2. :func:`dispatch` (to sandboxed workers): a worker (a local process per core,
   or a Dask cluster given ``scheduler``) executes it in a sandboxed, guarded
   kernel (:mod:`coursetools.sandbox`);
3. :func:`record` (in the gradebook), back in this process, the only one that
   opens the gradebook: nbgrader's ``LimitOutput``, ``SaveAutoGrades`` and
   ``AssignLatePenalties`` record the grades, and the executed notebook goes
   to ``autograded/`` like stock's.

The course's folders and gradebook URL come from :class:`coursetools.paths.Course`;
events are :class:`coursetools.events.Event`.

Next to each autograded notebook, ``.<notebook>.coursetools.json`` records the
hash of the submission that was graded, each test's result and message, and
every event (timeouts, crashes, tampering, refused file access, stray files),
what the hidden tests printed (for the instructor only) and whether the
kernel ran in the sandbox;
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

from . import guard, safeio
from .events import Event, Kind
from .paths import Course
from .paths import config as _config
from .sandbox import execute_submission, isolation

ROOT = Path(__file__).resolve().parent.parent
GiB = 1 << 30
RECORD = ".{}.coursetools.json"
_NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")  # nbgrader's own, next to a submission

__all__ = ["ISOLATION", "GradingError", "grade", "record_path", "scores"]
#: ``isolation=``: sandbox when possible (else guarded only, reported), refuse without it, or guarded only.
ISOLATION = ("auto", "required", "off")


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
    """Write a grading record atomically (a crash or a full disk leaves the old record or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    safeio.atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True))


def _jobs(course: Course, assignments, gb, students=None):
    """Every (student, assignment, notebook) submitted, as (key, path, stray files next to it)."""
    found = sorted(p.name for p in course.submitted.iterdir() if p.is_dir() and not p.name.startswith("."))
    students = [s for s in found if students is None or s in students]
    for assignment in assignments:
        names = [n.name for n in gb.find_assignment(assignment).notebooks]
        for student in students:
            folder = course.submitted / student / assignment
            if not folder.is_dir():
                continue
            extra = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name not in _NBGRADER_FILES
                           and p.stem not in names)
            for name in names:
                yield (student, assignment, name), folder / f"{name}.ipynb", extra


@contextlib.contextmanager
def _lock(root: Path):
    """One ``grade`` at a time per course: the gradebook has a single writer."""
    import fcntl

    if not (root / "submitted").is_dir():  # not a course with submissions: grade says so
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


def grade(assignments, *, root: Path = ROOT, workers: int | None = None, scheduler: str | None = None,
          timeout: float | None = None, memory: int | None = 2 * GiB, progress: bool = False,
          force: bool = False, students=None, isolation: str = "auto", watch=guard.DEFAULT_WATCH,
          rebuild: bool = False) -> dict:
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
    isolation : {"auto", "required", "off"}
        ``auto``: every kernel in the bubblewrap sandbox when it works here, else guarded only (each
        notebook then gets a ``not_isolated`` event); ``required``: refuse to grade without the sandbox
        (GradingError); ``off``: guarded only.
    watch : sequence of str
        The modules the in-kernel guard watches and restores (``package.*``: with all submodules).
    rebuild : bool
        Set the gradebook aside (kept in ``.gradebook-backups/``) and grade every submission again into
        a new one. Without it a missing, empty or damaged gradebook of a course that has grading records
        is refused (:class:`~coursetools.safeio.GradebookError`) before anything runs, and a sound one
        is backed up (SQLite's online backup, rotating) before anything is written.

    Returns
    -------
    dict
        ``graded``, ``skipped`` (already graded, resumed) and ``unreadable``
        lists of ``(student, assignment, notebook)``, ``events``:
        ``{key: [event dict, ...]}``, ``isolation``: None when the sandbox
        was used, else why not, and ``gradebook``: one line saying what was done with the gradebook
        (backed up, new, rebuilt).
    """
    if isolation not in ISOLATION:
        raise GradingError(f"isolation must be one of {', '.join(ISOLATION)}; got {isolation!r}")
    root = Path(root).resolve()
    with warnings.catch_warnings(), _lock(root):
        # nbgrader's own Gradebook.update_or_create_submission triggers this SQLAlchemy warning
        # (stock `nbgrader autograde` too); it is harmless and would otherwise reach stderr.
        warnings.filterwarnings("ignore", message="Object of type <Submitted", category=Warning)
        _ensure_path()
        why = _isolation(isolation, local=scheduler is None)
        course, cfg = _course(root, assignments)
        note = _gradebook(course, rebuild=rebuild)
        force = force or rebuild
        if timeout is None:
            timeout = cfg.ExecutePreprocessor.get("timeout", 120) if "ExecutePreprocessor" in cfg else 120
        summary = {"graded": [], "skipped": [], "unreadable": [], "events": {}, "isolation": why, "gradebook": note}
        log, collected = _logger()
        pending = prepare(course, cfg, assignments, log, collected, summary, force=force, students=students)
        support = {a: _support_files(course.source / a) for a in assignments}
        fixtures = {a: _hidden_fixture(course.source / a) for a in assignments}
        jobs = [{"key": list(k), "notebook": nbformat.writes(v[0]), "timeout": timeout, "memory": memory,
                 "protected": [str(p) for p in course.protected()], "files": support[k[1]],
                 "fixtures": fixtures[k[1]],
                 "isolation": isolation, "watch": list(watch)} for k, v in pending.items()]
        bar = _bar(len(jobs), progress)
        try:
            with contextlib.closing(dispatch(jobs, workers=workers, scheduler=scheduler)) as results:
                for result in results:  # closed at once if recording fails: the workers end with it
                    record(course, cfg, result, pending[tuple(result["key"])], log, collected, summary)
                    bar.update(1)
        finally:
            bar.close()
        return summary


def _course(root: Path, assignments):
    """The course at ``root`` and its config, after checking that ``assignments`` can be graded there."""
    if not (root / "nbgrader_config.py").exists() and not (root / "solutions").is_dir():
        raise GradingError(f"{root} is not a course directory: it has no nbgrader_config.py and no solutions/")
    cfg = _config(root)
    cfg.OverwriteCells.add_missing_cells = True
    course = Course.at(root)
    if not course.submitted.is_dir():
        raise GradingError(f"no submissions: {course.submitted} does not exist (run `coursetools collect` first)")
    known = sorted(p.name for p in course.source.iterdir() if p.is_dir()) if course.source.is_dir() else []
    for a in assignments:
        if a not in known:
            raise GradingError(f"unknown assignment {a!r}; the assignments are: {', '.join(known) or 'none'}")
    return course, cfg


def _gradebook(course: Course, *, rebuild: bool) -> str:
    """Check and back up the gradebook before anything runs (or set it aside for ``rebuild``); one line."""
    from .report import load_records

    if not course.db_url.startswith("sqlite:///"):
        return f"gradebook {course.db_url} (not SQLite: neither checked nor backed up)"
    return safeio.prepare_gradebook(Path(course.db_url[len("sqlite:///"):]), graded=bool(load_records(course.root)),
                                    rebuild=rebuild)


def _isolation(mode: str, *, local: bool) -> str | None:
    """Why kernels here will not be sandboxed (None: they will); GradingError if the sandbox is required.

    On a Dask cluster the workers check for themselves (a worker without the sandbox fails the notebook
    under ``required``, and reports ``not_isolated`` under ``auto``); this checks this machine only.
    """
    if mode == "off":
        return "isolation switched off (isolation='off')"
    why = isolation() if local else None
    if why and mode == "required":
        raise GradingError(f"the sandbox is required (--isolation required) but not available: {why}")
    return why


def prepare(course: Course, cfg, assignments, log, collected, summary, *, force=False, students=None) -> dict:
    """Stage 1, from the gradebook: sanitize each submission with nbgrader's preprocessors.

    Returns ``{key: (notebook, resources, events, sha256)}`` of what is to be executed; unreadable
    notebooks are scored 0 and recorded here, already graded ones are skipped (both noted in ``summary``).
    """
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    from .report import record_disagreements

    _register(assignments, course.root, course.db_url)
    coursedir = CourseDirectory(config=cfg, root=str(course.root))
    pending = {}
    with Gradebook(course.db_url, course.course_id) as gb:
        for key, path, extra in list(_jobs(course, assignments, gb, students)):
            student, assignment, name = key
            events = [Event(Kind.STRAY_FILE, None, f"{f} was submitted with the notebook and ignored"
                            + (" (it would shadow an installed package)" if f.endswith(".py") else ""))
                      for f in extra]
            data = path.read_bytes() if path.exists() else None
            digest = _digest(data) if data is not None else "missing"
            rec = record_path(course.root, student, assignment, name)
            if not force and rec.exists():  # graded only if the gradebook holds what the record says
                try:
                    old = json.loads(rec.read_text(encoding="utf-8"))
                    if old.get("sha256") == digest and not record_disagreements(gb, key, old):
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
                                      "db_url": course.db_url}, "unique_key": name}
            problem = None
            if data is None:
                problem = "no notebook submitted"
            else:
                try:
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
                    events += [Event(Kind.NBFORMAT, None, str(w.message)[:300]) for w in caught]
                    nb, resources = _preprocess([ClearOutput, DeduplicateIds], nb, resources, cfg, log)
                    _restore_flags(nb, gb, name, assignment, log)
                    nb, resources = _preprocess([OverwriteKernelspec, OverwriteCells, CheckCellMetadata],
                                                nb, resources, cfg, log)
                    for i, cell in enumerate(nb.cells):  # cells nbgrader put back have no id
                        if "id" not in cell and nb.nbformat_minor >= 5:
                            cell["id"] = f"restored-{i}"
                except Exception as exc:  # not JSON, not a notebook, corrupted metadata
                    problem = f"cannot be read as a notebook: {type(exc).__name__}: {str(exc)[:200]}"
            events += [Event(Kind.NBGRADER, None, m) for m in collected.messages if not _noise(m)]
            collected.messages.clear()
            if problem is not None:
                events.append(Event(Kind.UNREADABLE, None, problem))
                dicts = [e.to_dict() for e in events]
                _write_json(rec, {"sha256": digest, "events": dicts, "tests": _zero(gb, key), "seconds": 0.0})
                summary["unreadable"].append(key)
                summary["events"][key] = dicts
                continue
            pending[key] = (nb, resources, events, digest)
    return pending


def dispatch(jobs, *, workers=None, scheduler=None):
    """Stage 2, to sandboxed workers: yield each job's result (:func:`~coursetools.sandbox.execute_submission`).

    Locally, the workers and their kernels end with this process however it ends (:mod:`coursetools.pool`).
    """
    yield from _run(jobs, workers=workers, scheduler=scheduler)


def record(course: Course, cfg, result: dict, prepared, log, collected, summary):
    """Stage 3, in the gradebook: nbgrader's post-processors save the grades; the record goes next to them."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    key = tuple(result["key"])
    _, resources, events, digest = prepared
    student, assignment, name = key
    events = list(events)
    if "error" in result:  # the worker itself failed (not the student's code)
        events.append(Event(Kind.GRADER_ERROR, None, result["error"]))
        with Gradebook(course.db_url, course.course_id) as gb:
            _zero(gb, key)  # no record is written: a re-run grades it again
        summary["unreadable"].append(key)
        summary["events"][key] = [e.to_dict() for e in events]
        return
    events += [Event.from_dict(e) for e in result["events"]]
    nb = nbformat.reads(result["notebook"], as_version=4)
    # The autograded notebook is written (atomically) before its grades are saved, and the record last:
    # a crash or a full disk in between leaves a notebook that a re-run grades again, never a grade without it.
    nb, resources = _preprocess([IgnorePattern, ClearMetadataPreprocessor, LimitOutput], nb, resources, cfg, log)
    out = course.autograded / student / assignment
    out.mkdir(parents=True, exist_ok=True)
    safeio.atomic_write_text(out / f"{name}.ipynb", nbformat.writes(nb))
    ts = course.submitted / student / assignment / "timestamp.txt"
    if ts.exists():
        safeio.atomic_write_bytes(out / "timestamp.txt", ts.read_bytes())
    nb, resources = _preprocess([SaveAutoGrades, AssignLatePenalties, CheckCellMetadata], nb, resources, cfg, log)
    events += [Event(Kind.NBGRADER, None, m) for m in collected.messages if "late" in m]
    collected.messages.clear()
    dicts = [e.to_dict() for e in events]
    _write_json(record_path(course.root, student, assignment, name),
                {"sha256": digest, "events": dicts, "tests": _test_results(nb), "seconds": result["seconds"],
                 "isolated": result.get("isolated", False), "hidden_outputs": result.get("hidden_outputs", {}),
                 "compared": result.get("compared", {})})
    summary["graded"].append(key)
    summary["events"][key] = dicts


def _support_files(folder: Path) -> dict:
    """The assignment's non-notebook files from the source folder (data, modules), as stock autograde copies,
    but with the hidden fixture ``<a>.hidden.json`` stripped of its expected outputs and mistakes
    (:func:`helpers.checks._fixtures.strip`): the sandbox gets what calling the student needs, the
    comparison stays in the grader's process (:mod:`coursetools.judge`)."""
    from helpers.checks._fixtures import strip

    skip = {".ipynb_checkpoints", "__pycache__"}
    files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
             if p.is_file() and p.suffix != ".ipynb" and not skip & set(p.relative_to(folder).parts)}
    name = f"{folder.name}.hidden.json"
    if name in files:
        files[name] = json.dumps(strip(json.loads(files[name])), sort_keys=True).encode()
    return files


def _hidden_fixture(folder: Path) -> dict | None:
    """The full hidden fixture's cases (kept in the grader's processes, never sent into a sandbox), or None."""
    path = folder / f"{folder.name}.hidden.json"
    return json.loads(path.read_text(encoding="utf-8"))["cases"] if path.is_file() else None


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
    from . import pool as _pool
    from .sandbox import SANDBOX_ROOT

    workers = workers or os.cpu_count() or 1
    with _pool.RunFolder(SANDBOX_ROOT) as folder:  # every sandbox of this run inside: removed at the end
        todo = [{**job, "sandbox_dir": str(folder)} for job in jobs]
        for _ in range(3):  # a worker process that dies breaks the pool: re-run what it took down, in a new pool
            broken, finished = [], False
            pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=_pool.context(),
                                       initializer=_pool.worker_init)
            try:
                futures = {pool.submit(execute_submission, job): job for job in todo}
                for future in as_completed(futures):
                    if isinstance(future.exception(), BrokenProcessPool):
                        broken.append(futures[future])
                    else:
                        yield _result(future, futures[future])
                finished = True
            finally:
                # Interrupted (Ctrl-C, a full disk while recording): end the workers now and drop the queue;
                # what is graded is recorded, a re-run resumes.
                if not finished:
                    _pool.end_workers(pool)
                pool.shutdown(wait=True, cancel_futures=True)
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
    with Gradebook(Course.at(root).db_url) as gb:
        for sub in gb.find_assignment(assignment).submissions:
            for nb in sub.notebooks:
                out[(sub.student.id, nb.name)] = {g.name: g.auto_score for g in nb.grades}
    return out

