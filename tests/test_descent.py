"""``helpers.descent``: the one descent engine, against hand-written loops and centered differences."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import helpers
from helpers.descent import GROWTH_LIMIT, DivergenceError, Run, diverged, divergence_message, gradient_step, iterate

ROOT = Path(__file__).resolve().parents[1]

# L(θ) = ½ (θ - c)ᵀ A (θ - c) + Σ sin(θ): not a quadratic, so a wrong gradient or step shows.
A = np.array([[3.0, 1.0], [1.0, 2.0]])
C = np.array([0.5, -1.0])


def loss(theta):
    r = theta - C
    return float(0.5 * r @ A @ r + np.sin(theta).sum())


def grad(theta):
    return A @ (theta - C) + np.cos(theta)


def evaluate(theta):
    return loss(theta), grad(theta)


def centered(f, theta, eps=1e-6):
    return np.array([(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)])


def momentum(beta, learning_rate):
    def step(theta, grad_fn, state):
        v = beta * state.get("v", np.zeros_like(theta)) - learning_rate * grad_fn(theta)
        return theta + v, {"v": v}
    return step


def nesterov(beta, learning_rate):
    def step(theta, grad_fn, state):
        v = state.get("v", np.zeros_like(theta))
        v = beta * v - learning_rate * grad_fn(theta + beta * v)
        return theta + v, {"v": v}
    return step


def test_the_test_problems_gradient_matches_centered_differences():
    """The oracle's own gradient is right (float64, centered differences, 1e-8)."""
    for theta in (np.zeros(2), np.array([1.3, -0.7]), np.array([-2.0, 4.0])):
        np.testing.assert_allclose(grad(theta), centered(loss, theta), rtol=1e-7, atol=1e-8)


def test_plain_descent_equals_a_hand_written_loop():
    """Every point, loss and gradient equals the five-line loop θ ← θ − η ∇L(θ)."""
    run = iterate(gradient_step(0.1), evaluate, np.array([2.0, 2.0]), steps=30)
    theta, path, losses = np.array([2.0, 2.0]), [], []
    for _ in range(31):
        path.append(theta)
        losses.append(loss(theta))
        theta = theta - 0.1 * grad(theta)
    np.testing.assert_allclose(run.path, path, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(run.losses, losses, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(run.gradients[-1], grad(path[-1]), rtol=1e-14)
    assert run.steps == 30 and run.diverged_at is None and run.message == ""
    np.testing.assert_array_equal(run.gradient_evaluations, np.arange(31))
    np.testing.assert_array_equal(run.evaluations, np.arange(1, 32))
    assert run.times[0] == 0.0 and np.all(np.diff(run.times) >= 0)


def test_descent_reaches_the_stationary_point_where_centered_differences_vanish():
    """A known answer: after enough steps the centered-difference gradient at the end is zero."""
    run = iterate(gradient_step(0.2), evaluate, np.zeros(2), steps=400)
    assert np.abs(centered(loss, run.path[-1])).max() < 1e-8


def test_extending_a_run_gives_the_same_numbers_as_one_long_run():
    """A run extended 10 → 25 → 40 steps is the 40-step run, and the rule's memory carries over."""
    step = momentum(0.9, 0.02)
    whole = iterate(step, evaluate, np.array([2.0, -3.0]), steps=40)
    part = iterate(step, evaluate, np.array([2.0, -3.0]), steps=10)
    for steps in (25, 25, 40):
        part = iterate(step, evaluate, run=part, steps=steps)
    np.testing.assert_array_equal(part.path, whole.path)
    np.testing.assert_array_equal(part.gradient_evaluations, whole.gradient_evaluations)
    assert part.steps == 40


def test_a_look_ahead_rule_gets_its_gradient_where_it_asks_and_is_charged_for_it():
    """Nesterov asks at θ + βv: a second evaluation per step once v ≠ 0, each counted."""
    run = iterate(nesterov(0.9, 0.02), evaluate, np.array([2.0, -3.0]), steps=5)
    theta, v = np.array([2.0, -3.0]), np.zeros(2)
    for _ in range(5):
        v = 0.9 * v - 0.02 * grad(theta + 0.9 * v)
        theta = theta + v
    np.testing.assert_allclose(run.path[-1], theta, rtol=1e-14)
    # step 1 looks ahead at θ + 0·v, equal to θ: its known gradient; later steps evaluate anew
    assert run.gradient_evaluations.tolist() == [0, 1, 2, 3, 4, 5]
    assert run.evaluations.tolist() == [1, 2, 4, 6, 8, 10]


def test_max_evaluations_is_never_exceeded():
    """A budget of evaluations stops the run before a point that would spend more."""
    for budget in (1, 2, 7):
        assert iterate(gradient_step(0.1), evaluate, np.zeros(2), steps=100, max_evaluations=budget).evaluations[-1] \
            == budget
        assert iterate(nesterov(0.9, 0.01), evaluate, np.zeros(2), steps=100,
                       max_evaluations=budget).evaluations[-1] <= budget


def test_the_divergence_rule():
    """Not finite, or past GROWTH_LIMIT times the start (an absolute limit when the start is 0)."""
    assert diverged(float("inf"), None) and diverged(float("nan"), 3.0)
    assert diverged(2.0 * GROWTH_LIMIT, 1.0) and not diverged(0.5 * GROWTH_LIMIT, 1.0)
    assert not diverged(0.5 * GROWTH_LIMIT, 0.0) and diverged(2.0 * GROWTH_LIMIT, 0.0)
    assert not diverged(1e300, None)


def test_a_diverging_run_stops_at_the_first_bad_step_with_the_one_message():
    """θ ← θ − 2·2θ on θ²: the loss is 9^t; it passes 10⁶ at step 7 (9⁷ ≈ 4.8e6), the run keeps 0..6."""
    square = lambda th: (float(th[0] ** 2), 2 * th)  # noqa: E731
    run = iterate(gradient_step(2.0), square, np.array([1.0]), steps=50, learning_rate=2.0)
    assert next(t for t in range(50) if 9.0 ** t > GROWTH_LIMIT) == 7
    assert run.diverged_at == 7 and run.steps == 6 and len(run.params) == 7
    assert run.diverged_loss == 9.0 ** 7
    assert run.message == "the loss grew past a million times its start at step 7: η = 2 is too large, " \
                          "try a smaller learning rate"
    assert run.final_loss == float("inf")
    with pytest.raises(DivergenceError, match=r"^the loss grew past a million times its start at step 7"):
        iterate(gradient_step(2.0), square, np.array([1.0]), steps=50, learning_rate=2.0, on_divergence="raise")
    again = iterate(gradient_step(2.0), square, run=run, steps=60)  # a diverged run is not extended
    assert again.steps == 6


def test_the_message_names_inf_nan_and_the_start():
    assert divergence_message(float("nan"), 4, 0.1) == "the loss became NaN at step 4: η = 0.1 is too large, " \
                                                       "try a smaller learning rate"
    assert divergence_message(float("inf"), 2) == "the loss became inf at step 2: try a smaller learning rate"
    assert divergence_message(float("inf"), 0).startswith("the loss at the start is inf, not a finite number")
    start = iterate(gradient_step(0.1), lambda th: (np.nan, th), np.zeros(1), steps=3)
    assert start.diverged_at == 0 and start.losses.shape == (0,) and start.path.shape == (0, 1)


def test_dicts_and_tuples_step_entry_by_entry():
    """gradient_step on dict and tuple parameters is the array rule entry by entry."""
    step = gradient_step(0.5)
    new, _ = step({"w": np.ones((1, 2)), "b": 1.0}, lambda th: {"w": np.full((1, 2), 2.0), "b": -2.0}, {})
    np.testing.assert_array_equal(new["w"], np.zeros((1, 2)))
    assert new["b"] == 2.0
    assert step((1.0, 3.0), lambda th: (2.0, 4.0), {})[0] == (0.0, 1.0)


def test_an_error_in_evaluate_reaches_the_caller_and_keeps_the_run():
    """What evaluate raises is not swallowed; the run keeps the points recorded before."""
    def flaky(theta):
        if theta[0] < 0.5:
            raise ZeroDivisionError("boom")
        return evaluate(theta)
    run = Run(np.array([1.0, 1.0]))
    with pytest.raises(ZeroDivisionError):
        iterate(gradient_step(0.1), flaky, run=run, steps=50)
    assert 0 < run.steps < 50 and np.all(run.path[:, 0] >= 0.5)


def _graded_exercise_names():
    names = set()
    for nb in ROOT.glob("solutions/*/*.ipynb"):
        for cell in json.loads(nb.read_text())["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                names |= set(re.findall(r"^def (\w+)", "".join(cell["source"]), re.M))
    return names


def test_nothing_in_the_student_package_is_named_like_a_graded_exercise():
    """No module of helpers (public or private names) defines a name a graded exercise has."""
    exercises = _graded_exercise_names()
    assert {"gradient_descent", "train", "adam_step", "forward"} <= exercises
    clashes = []
    for info in pkgutil.walk_packages(helpers.__path__, "helpers."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name in exercises and getattr(value, "__module__", None) == module.__name__:
                clashes.append(f"{info.name}.{name}")
    clashes += [f"helpers.{name}" for name in vars(helpers) if name in exercises]
    assert clashes == []


def test_iterate_needs_a_start_or_a_run_and_a_known_divergence_choice():
    with pytest.raises(TypeError, match=r"^iterate: expected a start theta0, or a run to extend, received neither$"):
        iterate(gradient_step(0.1), evaluate, steps=3)
    with pytest.raises(ValueError, match=r"^on_divergence: expected 'raise' or 'stop', received 'warn'$"):
        iterate(gradient_step(0.1), evaluate, np.zeros(2), steps=3, on_divergence="warn")
