"""Write the checks' fixtures from the solution notebooks: inputs, right outputs and mistakes' outputs, numbers only.

For each assignment, :func:`build` executes the solution notebook's first code cell (imports) and its
solution cells in a fresh namespace, finds every ``helpers.checks.<lesson>.check_*(fn, ...)`` call of
its test cells with :mod:`ast` (visible, or inside ``### BEGIN HIDDEN TESTS``), and for each call and
its probe cases runs the check's own input builder and ``call`` on the solution function and on every
wrong implementation of the lesson's mistake library (:mod:`coursetools.mistakes`). :func:`write`
stores ``solutions/<a>/<a>.fixtures.json`` (visible) and ``solutions/<a>/<a>.hidden.json`` (hidden);
:func:`drift` lists the differences between the committed fixtures and a fresh build. The interface is
stated in ``docs/checks.md``.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import json
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import notebooks as nbs
from .mistakes import library

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["Call", "ReleaseError", "build", "calls", "drift", "fixture_paths", "given", "solution_namespace", "write"]


class ReleaseError(RuntimeError):
    """The fixtures cannot be built: a check call the release cannot read, or visible data that hides a mistake."""


@dataclass(frozen=True)
class Call:
    """One call of a check in a test cell: ``helpers.checks.<module>.<check>(<exercise>, **params)``."""

    module: str
    check: str
    exercise: str
    params: dict
    hidden: bool
    cell: str


def fixture_paths(assignment: str, root: Path = ROOT) -> tuple[Path, Path]:
    """``solutions/<a>/<a>.fixtures.json`` (visible) and ``solutions/<a>/<a>.hidden.json`` (hidden)."""
    folder = Path(root) / "solutions" / assignment
    return folder / f"{assignment}.fixtures.json", folder / f"{assignment}.hidden.json"


def _hidden_lines(source: str) -> set[int]:
    lines, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        if line.strip() == "### BEGIN HIDDEN TESTS":
            inside = True
        elif line.strip() == "### END HIDDEN TESTS":
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _dotted(node) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def calls(nb) -> list[Call]:
    """Every call of a converted check (a module with ``CHECKS``) in the notebook's test cells, in order."""
    tests = nbs.grade_cells(nb)
    found = []
    for cell in nb.cells:
        gid = nbs.nbgrader_meta(cell).get("grade_id")
        if cell.cell_type != "code" or gid not in tests:
            continue
        hidden = _hidden_lines(cell.source)
        for node in ast.walk(ast.parse(cell.source)):
            name = _dotted(node.func) if isinstance(node, ast.Call) else None
            if not name or not name.startswith("helpers.checks.") or name.count(".") != 3:
                continue
            module, check = name.rsplit(".", 1)
            loaded = importlib.import_module(module)
            if check not in getattr(loaded, "CHECKS", {}):
                continue
            defaults = {p.name: p.default for p in inspect.signature(getattr(loaded, check)).parameters.values()
                        if p.kind is p.KEYWORD_ONLY and p.default is not p.empty}
            if len(node.args) != 1 or not isinstance(node.args[0], ast.Name):
                raise ReleaseError(f"test cell {gid}: {name} should get the student's function by name as its "
                                   "only positional argument")
            try:
                params = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}
            except ValueError:
                raise ReleaseError(f"test cell {gid}: the keywords of {name} must be literals (seed=11, m=8), "
                                   "so that release can compute their fixtures") from None
            found.append(Call(module, check, node.args[0].id, {**defaults, **params}, node.lineno in hidden, gid))
    return found


def _code(source: str) -> str:
    """A cell's code without IPython's line magics (``%matplotlib inline``)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def solution_namespace(nb, name: str = "solution", folder: Path | None = None) -> dict:
    """Execute the notebook's first code cell and its solution cells in a fresh namespace; return it.

    ``folder`` (default: the current one) is the notebook's: its support modules (``lesson04.py``, see
    :data:`coursetools.release.SUPPORT`) are importable while the cells run, as in the notebook's kernel.
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    folder = str(Path(folder if folder is not None else os.getcwd()).resolve())
    namespace = {"__name__": f"__{name}__"}
    exercises = set(nbs.stub_ids(nb))
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    with _support_modules(folder):
        for i, cell in enumerate(code_cells):
            if i == 0 or nbs.nbgrader_meta(cell).get("grade_id") in exercises:
                exec(compile(_code(cell.source), f"<{name} cell {i}>", "exec"), namespace)
    return namespace


@contextlib.contextmanager
def _support_modules(folder: str):
    """Import support modules from ``folder`` (only): another folder's ``lesson04`` is forgotten before and after."""
    names = [p.stem for p in Path(folder).glob("*.py")]
    for stem in names:
        sys.modules.pop(stem, None)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)
        for stem in names:
            sys.modules.pop(stem, None)


def given(nb) -> dict:
    """Functions a lesson's notebook gives the student outside its exercises (lesson 9's sigmoid), which its
    checks pass to the student's function as tables: ``GIVEN`` of the mistake modules of its checks."""
    found = {}
    for lesson in sorted({c.module.rsplit(".", 1)[-1] for c in calls(nb)}):
        try:
            module = importlib.import_module(f"{__package__}.mistakes.{lesson}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.mistakes.{lesson}":
                raise
            continue
        found.update(getattr(module, "GIVEN", {}))
    return found


class _Recorder:
    """Wraps a solution function: answers as it does and records each call's arguments and result."""

    def __init__(self, fn):
        self.fn = fn
        self.signature = inspect.signature(fn)
        self.params = list(self.signature.parameters)
        self.rows: dict[str, dict] = {}

    def __call__(self, *args, **kwargs):
        from helpers.checks._fixtures import encode

        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        ordered = [bound.arguments[p] for p in self.params]
        snapshot = encode([a.copy() if isinstance(a, np.ndarray) else a for a in ordered])
        result = self.fn(*ordered)
        row = {"args": snapshot, "result": encode(result)}
        self.rows.setdefault(json.dumps(row, sort_keys=True), row)
        return result


@contextlib.contextmanager
def _swapped(namespace: dict, replacements: dict):
    saved = {k: namespace[k] for k in replacements if k in namespace}
    namespace.update(replacements)
    try:
        yield
    finally:
        for k in replacements:
            namespace.pop(k, None)
        namespace.update(saved)


@contextlib.contextmanager
def _quiet():
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _numbers(value):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


class _Lesson:
    """What building one assignment's fixtures needs: its namespace, check modules and mistakes."""

    def __init__(self, assignment: str, root: Path = ROOT):
        self.assignment = assignment
        self.path = Path(root) / "solutions" / assignment / f"{assignment}.ipynb"
        self.nb = nbs.read(self.path)
        self.namespace = solution_namespace(self.nb, assignment.replace("-", "_"), self.path.parent)
        for name, fn in given(self.nb).items():
            self.namespace.setdefault(name, fn)
        self.differs: dict[tuple, bool] = {}

    def entry(self, call: Call, params: dict, *, visible: bool) -> dict:
        """The encoded fixture entry of one case of ``call``."""
        from helpers.checks._fixtures import encode

        check = importlib.import_module(call.module).CHECKS[call.check]
        if call.exercise not in self.namespace:
            raise ReleaseError(f"{self.assignment}: test cell {call.cell} grades {call.exercise}, which no "
                               "solution cell defines")
        inputs = check.inputs(**params)
        if check.derive is not None:
            inputs.update(check.derive(inputs, self.namespace))
        recorders = {name: _Recorder(self.namespace[name]) for name in check.solution_names(params)}
        solution = self.namespace[call.exercise]
        with _swapped(self.namespace, {k: recorders[k] for k in check.standins}):
            expected = check.run(solution, inputs, params=params, resolve=recorders.get)
        outputs = [name for name in check.outputs if name in expected]  # a shared check may compare fewer
        fingerprints: dict[str, dict] = {name: {} for name in outputs}
        for wrong in library(call.module.rsplit(".", 1)[-1]):
            if wrong.exercise != call.exercise or not wrong.fingerprint or not wrong.applies(self.assignment):
                continue
            space = dict(self.namespace)
            fn = wrong.compile(space)
            try:
                with _quiet(), _swapped(space, {k: recorders[k] for k in check.standins}):
                    got = check.run(fn, inputs, params=params, resolve=recorders.get)
            except Exception:  # caught before values are compared: no fingerprint
                continue
            for name in outputs:
                text = wrong.text(name, params)
                value, want = _numbers(got.get(name)), _numbers(expected[name])
                if text is None or value is None:
                    continue
                key = (call.exercise, wrong.function)
                if value.shape == want.shape and np.allclose(value, want, rtol=check.rtol, atol=check.atol):
                    if visible:
                        self.differs.setdefault(key, False)
                    continue
                if visible:
                    self.differs[key] = True
                taken = any(v.shape == value.shape and np.allclose(v, value, rtol=1e-12, atol=1e-15)
                            for v in (_numbers(x) for x in fingerprints[name].values()))
                if not taken and text not in fingerprints[name]:
                    fingerprints[name][text] = value if np.ndim(got.get(name)) else float(value)
        return {
            "inputs": {k: encode(v) for k, v in inputs.items()},
            "expected": {name: encode(_plain(expected[name])) for name in outputs},
            "mistakes": {name: {t: encode(v) for t, v in fp.items()} for name, fp in fingerprints.items() if fp},
            "tables": {name: {"params": r.params, "rows": list(r.rows.values())} for name, r in recorders.items()},
        }


def _plain(value):
    """An output as the student's function returned it, made into arrays where it is a list of numbers."""
    if isinstance(value, (list, tuple)):
        arr = _numbers(value)
        return arr if arr is not None else value
    return value


def build(assignment: str, root: Path = ROOT) -> tuple[dict, dict] | None:
    """The visible and hidden fixture documents of one assignment (None when none of its checks is converted)."""
    from helpers.checks._fixtures import FORMAT, case_key

    lesson = _Lesson(assignment, root)
    found = calls(lesson.nb)
    if not found:
        return None
    documents = ({}, {})
    for call in sorted(found, key=lambda c: c.hidden):  # visible first: hidden reuse their probes' keys
        check = importlib.import_module(call.module).CHECKS[call.check]
        target = documents[call.hidden]
        for params in check.cases(**call.params):
            key = case_key(call.check, params)
            if key in documents[0]:
                continue
            target[key] = lesson.entry(call, params, visible=not call.hidden)
    hidden_by = [k for k, v in lesson.differs.items() if not v]
    if hidden_by:
        names = ", ".join(f"{exercise}: {fn}" for exercise, fn in hidden_by)
        raise ReleaseError(f"{assignment}: on every visible case these mistakes give the right outputs, so the "
                           f"visible tests cannot catch them: {names}. Choose visible data that exposes every "
                           "term (not y = 1 only, not z = 0 only)")
    return tuple({"format": FORMAT, "assignment": assignment, "cases": dict(sorted(doc.items()))}
                 for doc in documents)


def _dump(document: dict) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(root: Path = ROOT, names=None, *, into: Path | None = None) -> list[Path]:
    """Build and write the fixtures of every converted assignment; return the files written.

    ``into`` writes ``<into>/<a>/...`` instead of ``solutions/<a>/`` (for :func:`drift`).
    """
    root = Path(root).resolve()
    written = []
    for assignment in names if names is not None else nbs_assignments(root):
        documents = build(assignment, root)
        if documents is None:
            continue
        for document, path in zip(documents, fixture_paths(assignment, root)):
            target = path if into is None else Path(into) / assignment / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_dump(document), encoding="utf-8")
            written.append(target)
    return written


def nbs_assignments(root: Path) -> list[str]:
    """The assignment ids, as release knows them."""
    from .release import assignments

    return assignments(root)


def drift(root: Path = ROOT) -> list[str]:
    """The differences between the committed fixtures and support modules and a fresh build ([] when none)."""
    from .release import support_drift

    root = Path(root).resolve()
    problems = support_drift(root)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write(root, into=Path(tmp))
        for path in fresh:
            committed = root / "solutions" / path.parent.name / path.name
            if not committed.is_file():
                problems.append(f"solutions/{path.parent.name}/{path.name} is missing: run `make release`")
            elif committed.read_text(encoding="utf-8") != path.read_text(encoding="utf-8"):
                problems.append(f"solutions/{path.parent.name}/{path.name} differs from what the solutions give: "
                                "run `make release`")
        wanted = {(p.parent.name, p.name) for p in fresh}
        for stale in sorted((root / "solutions").glob("*/*.fixtures.json")) + sorted(
                (root / "solutions").glob("*/*.hidden.json")):
            if (stale.parent.name, stale.name) not in wanted:
                problems.append(f"solutions/{stale.parent.name}/{stale.name} is built from no check call: remove it")
    return problems
