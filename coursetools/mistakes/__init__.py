"""The mistake library: deliberately wrong implementations of the exercises, each with the message it deserves.

Instructor side only (never installed for students as an answer source: every mistake is wrong on
purpose, and the solutions are not here). One module per lesson, named like its checks module in
``helpers.checks``. ``coursetools release`` runs each mistake through the check's own ``call`` on every
case and writes its outputs into the fixtures (the fingerprints); ``tests/test_answer_key.py`` runs every
mistake through the visible test cells and requires it caught and named. See ``docs/checks.md``.

>>> m = Mistake("forward", "the bias b is missing", "def no_bias(x, w, b):\\n    return w * x\\n", "no_bias")
>>> m.text("y_hat", {"m": 5})
'the bias b is missing'
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Mistake", "library", "mistake"]

_REGISTRY: dict[str, list] = {}


@dataclass(frozen=True)
class Mistake:
    """One wrong implementation of ``exercise``.

    ``message`` is what the student should read (after "Likely mistake:" when it is a fingerprint): a
    string with optional ``{name}`` (the output compared) and case parameters (``{m}``), a dict from
    output name to such a string, or a callable ``(name, params) -> str``. ``source`` is the function's
    code without its decorator: it is compiled into the namespace it is tested in (the solution's, or
    a notebook's), so its free names (``forward``, ``np``, the notebook's ``m``) resolve there, as they
    would for a student. ``notebook`` holds notebook variables it relies on (``{"m": 100}``).
    """

    exercise: str
    message: object
    source: str
    function: str
    notebook: dict = field(default_factory=dict)
    fingerprint: bool = True

    def text(self, name: str, params: dict) -> str | None:
        """The message for output ``name`` of a case with ``params`` (None: this mistake does not touch it)."""
        message = self.message
        if callable(message):
            return message(name, params)
        if isinstance(message, dict):
            message = message.get(name)
            if message is None:
                return None
        return message.format(name=name, **params) if "{" in message else message

    def compile(self, namespace: dict) -> Callable:
        """The wrong function, defined in ``namespace`` (which it may read globals from)."""
        namespace.update({k: v for k, v in self.notebook.items() if k not in namespace})
        exec(compile(self.source, f"<mistake {self.function}>", "exec"), namespace)
        return namespace.pop(self.function)


def mistake(exercise: str, message, *, notebook: dict | None = None, fingerprint: bool = True):
    """Register the decorated function as a wrong implementation of ``exercise`` (see :class:`Mistake`).

    ``fingerprint=False`` marks a mistake the checks catch before comparing values (an input changed in
    place, a list instead of an array, numpy's own error): its message is a fragment of that diagnosis.
    """

    def register(fn):
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        node = tree.body[0]
        node.decorator_list = []
        lesson = fn.__module__.rsplit(".", 1)[-1]
        _REGISTRY.setdefault(lesson, []).append(
            Mistake(exercise, message, ast.unparse(node) + "\n", fn.__name__, dict(notebook or {}), fingerprint))
        return fn

    return register


def library(lesson: str) -> list[Mistake]:
    """Every mistake of a lesson (``"univariate"``), in the order written; [] for a lesson without a module."""
    try:
        importlib.import_module(f"{__name__}.{lesson}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{lesson}":
            raise
    return list(_REGISTRY.get(lesson, []))
