"""Support modules: a later lesson gets an earlier answer from that lesson's solution, generated at release.

``coursetools.release.SUPPORT`` declares which functions each later assignment reuses; release writes
them, with the solution cells' code, to ``solutions/<a>/<module>.py`` (committed, released next to the
notebook). Nothing in ``helpers`` holds them.
"""

from __future__ import annotations

import importlib.util
import inspect
import shutil

import numpy as np
import pytest
import twolayer

import helpers.network
from coursetools import notebooks as nbs
from coursetools import release
from coursetools.fixtures import ROOT, solution_namespace

DECLARED = [(a, m) for a, modules in release.SUPPORT.items() for m in modules]


def _load(path):
    spec = importlib.util.spec_from_file_location(f"_support_{path.parent.name}_{path.stem}".replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("assignment, module", DECLARED, ids=lambda v: str(v))
def test_a_support_module_holds_the_earlier_solution_and_is_released(assignment, module):
    """The committed module is what release writes, holds every declared function with the solution filled
    in (no nbgrader marker, no stub), and is copied next to the student notebook."""
    path = ROOT / "solutions" / assignment / f"{module}.py"
    text = path.read_text(encoding="utf-8")
    assert text == release.support_module(assignment, module)
    assert "BEGIN SOLUTION" not in text and "NotImplementedError" not in text
    assert (ROOT / "notebooks" / assignment / f"{module}.py").read_bytes() == path.read_bytes()
    loaded = _load(path)
    for name in release.SUPPORT[assignment][module].functions:
        assert callable(getattr(loaded, name)), name


@pytest.mark.parametrize("assignment, module", DECLARED, ids=lambda v: str(v))
def test_a_support_function_answers_as_the_earlier_solution_does(assignment, module):
    """Each function of the module gives the earlier solution notebook's own results."""
    spec = release.SUPPORT[assignment][module]
    folder = ROOT / "solutions" / spec.source
    solution = solution_namespace(nbs.read(folder / f"{spec.source}.ipynb"), folder=folder)
    loaded = _load(ROOT / "solutions" / assignment / f"{module}.py")
    gen = np.random.default_rng(3)
    X, y = gen.standard_normal((2, 7)), gen.standard_normal((1, 7))
    params = {"W1": gen.standard_normal((3, 2)), "b1": gen.standard_normal((3, 1)), "w2": gen.standard_normal((1, 3)),
              "b2": 0.4}
    theta = gen.standard_normal(4)
    cells = "\n".join(c.source for c in nbs.read(folder / f"{spec.source}.ipynb").cells if c.cell_type == "code")
    for name in spec.functions:
        ours, theirs = getattr(loaded, name), solution.get(name)
        if theirs is None:  # given code of the earlier notebook (sgd_step), not an exercise: the same text
            assert inspect.getsource(ours).strip() in cells, name
            continue
        if name in ("sigmoid", "sigmoid_derivative"):
            np.testing.assert_array_equal(ours(X), theirs(X))
        elif name == "forward":
            np.testing.assert_array_equal(ours(X, params, np.tanh)[0], theirs(X, params, np.tanh)[0])
        elif name == "backward":
            y_hat, cache = solution["forward"](X, params, np.tanh)
            a, b = ours(X, y, y_hat, params, cache, np.cos), theirs(X, y, y_hat, params, cache, np.cos)
            for key in a:
                np.testing.assert_array_equal(a[key], b[key])
        else:  # an optimizer step
            state = {"v": np.zeros(4), "s": np.zeros(4), "t": 1}
            a = ours(theta, lambda t: 2 * t, dict(state), learning_rate=0.1)[0]
            np.testing.assert_array_equal(a, theirs(theta, lambda t: 2 * t, dict(state), learning_rate=0.1)[0])


def test_lesson_4s_network_in_a_support_module_is_the_harness_run_by_lesson_4s_answer():
    """``lesson04.TwoLayerProblem`` is ``helpers.network.TwoLayerProblem`` given lesson 4's functions: its loss and
    gradient agree with the tests' own network, written independently."""
    loaded = _load(ROOT / "solutions" / "06-optimizers" / "lesson04.py")
    gen = np.random.default_rng(0)
    X, y = gen.standard_normal((2, 9)), gen.standard_normal((1, 9))
    ours, independent = loaded.TwoLayerProblem(X, y, 3), twolayer.TwoLayerProblem(X, y, 3)
    assert isinstance(ours, helpers.network.TwoLayerProblem)
    Theta = gen.standard_normal((ours.p, 5))
    np.testing.assert_allclose(ours.loss(Theta), independent.loss(Theta), rtol=1e-12)
    loss, grad = ours.loss_and_grad(Theta[:, 0])
    want_loss, want_grad = independent.loss_and_grad(Theta[:, 0])
    assert loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-10, atol=1e-14)


def test_the_harness_holds_no_network_of_its_own():
    """Without lesson 4's forward the harness refuses to start, saying what it needs."""
    with pytest.raises(TypeError, match=r"forward: expected lesson 4's forward\(X, params, sigma\), received NoneType"):
        helpers.network.TwoLayerProblem(np.zeros((1, 3)), np.zeros((1, 3)), 2, forward=None, backward=None,
                                        sigma=None, sigma_prime=None)


def test_drift_of_a_support_module_is_found(tmp_path):
    """A support module edited by hand, or missing, is named by support_drift (and so fails make test)."""
    for name in ("04-two-layer-sigmoid", "06-optimizers"):
        shutil.copytree(ROOT / "solutions" / name, tmp_path / "solutions" / name)
    assert [p for p in release.support_drift(tmp_path) if "06-optimizers" in p] == []
    edited = tmp_path / "solutions" / "06-optimizers" / "lesson04.py"
    edited.write_text(edited.read_text(encoding="utf-8").replace("1 / (1 + np.exp(-Z))", "np.tanh(Z)"),
                      encoding="utf-8")
    assert release.support_drift(tmp_path) == [
        "solutions/06-optimizers/lesson04.py differs from what the solutions give: run `make release`"]
    edited.unlink()
    assert release.support_drift(tmp_path) == ["solutions/06-optimizers/lesson04.py is missing: run `make release`"]


def test_a_declared_function_the_earlier_notebook_lacks_is_an_error(monkeypatch):
    """Declaring a function the earlier solution does not define fails release, naming it."""
    monkeypatch.setitem(release.SUPPORT, "06-optimizers",
                        {"lesson04": release.Support("04-two-layer-sigmoid", ("forward", "predict"))})
    with pytest.raises(ValueError, match="needs predict from 04-two-layer-sigmoid"):
        release.support_module("06-optimizers", "lesson04")
