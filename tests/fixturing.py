"""Fixtures for any case a test wants, built from the solution notebook on first use.

The committed fixture files hold the cases of the notebooks' test cells only; a unit test of a check
calls it with other seeds and sizes too. ``on_demand(assignment)`` returns a pytest fixture that makes
the checks of that assignment answer every case from a fresh build (``coursetools.fixtures``), exactly
as release would write it. The committed files themselves are tested by the drift test and by nbval.
"""

from __future__ import annotations

import importlib

import pytest

import helpers.checks._fixtures as store
from coursetools import fixtures

_LESSONS: dict = {}
_ENTRIES: dict = {}


def entry_for(assignment: str, check: str, params: dict) -> dict:
    """The decoded fixture entry release would write for ``check(**params)`` of ``assignment``."""
    key = (assignment, store.case_key(check, params))
    if key not in _ENTRIES:
        lesson = _LESSONS.get(assignment) or _LESSONS.setdefault(assignment, fixtures._Lesson(assignment))
        module = next(m for m in _check_modules() if getattr(m, "ASSIGNMENT", None) == assignment
                      and check in m.CHECKS)
        spec = module.CHECKS[check]
        call = fixtures.Call(module.__name__, check, spec.exercise, dict(params), False, "unit test")
        _ENTRIES[key] = lesson.entry(call, dict(params), visible=False)
    return store.decode(_ENTRIES[key])


def _check_modules():
    import pkgutil

    import helpers.checks

    for info in pkgutil.iter_modules(helpers.checks.__path__):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"helpers.checks.{info.name}")
            if hasattr(module, "CHECKS"):
                yield module


def on_demand(assignment: str):
    """A pytest fixture (use it with autouse=True) serving every case of ``assignment`` from a fresh build."""

    @pytest.fixture(autouse=True)
    def fixtures_on_demand(monkeypatch):
        original = store.entry

        def entry(name, check, params, folder=None):
            if name != assignment:
                return original(name, check, params, folder)
            return entry_for(name, check, params)

        monkeypatch.setattr(store, "entry", entry)

    return fixtures_on_demand
