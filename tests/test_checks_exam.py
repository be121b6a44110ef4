"""The checks of the exam-practice sheet accept right answers and diagnose each wrong one."""

from __future__ import annotations

import math

import pytest
from fixturing import on_demand

from helpers.checks import exam as checks

fixtures_on_demand = on_demand("08-exam-practice")  # right answers and mistakes come from the solution notebook

SEEDS = [None, 0, 1, 5, 99]


def shapes(n, k, m, *, wrong=None):
    out = {"W1": (k, n), "b1": (k, 1), "Z": (k, m), "A": (k, m), "w2": (1, k), "y_hat": (1, m),
           "dy_hat": (1, m), "dw2": (1, k), "db2": (), "dA": (k, m), "dZ": (k, m), "dW1": (k, n), "db1": (k, 1)}
    out.update(wrong or {})
    return out


def one_step(w, b, x, y, learning_rate):
    d = 2 * (w * x + b - y)
    return w - learning_rate * d * x, b - learning_rate * d


def dL_dz(z, y):
    return 1 / (1 + math.exp(-z)) - y


def differences(x, eps):
    def f(t):
        return t ** 3
    return (f(x + eps) - f(x)) / eps, (f(x + eps) - f(x - eps)) / (2 * eps)


def stub(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("seed", SEEDS)
def test_checks_accept_right_answers(seed, capsys):
    """Every check passes a right answer, for the notebook's numbers and for seeded ones."""
    checks.check_shapes(shapes, part="forward", seed=seed)
    checks.check_shapes(shapes, part="backward", seed=seed)
    checks.check_one_step(one_step, seed=seed)
    checks.check_dL_dz(dL_dz, seed=seed)
    checks.check_differences(differences, seed=seed)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all(line.startswith("✓ ") for line in lines), lines


def test_the_notebook_questions_have_the_worked_answers(capsys):
    """Without a seed the checks ask the notebook's questions, whose answers the sheet works out by hand."""
    checks.check_one_step(one_step)
    checks.check_dL_dz(dL_dz)
    checks.check_differences(differences)
    out = capsys.readouterr().out
    assert "(w, b) → (1.4, 0.2)" in out and "= -0.5 at z = 0, y = 1" in out
    assert "forward 3.31, centered 3.01 (exact 3x² = 3)" in out


def test_hidden_seeds_change_the_question():
    """A hard-coded answer to the visible question fails a seeded check."""
    with pytest.raises(AssertionError):
        checks.check_one_step(lambda *args: (1.4, 0.2), seed=3)
    with pytest.raises(AssertionError):
        checks.check_dL_dz(lambda z, y: -0.5, seed=3)
    with pytest.raises(AssertionError):
        checks.check_differences(lambda x, eps: (3.31, 3.01), seed=3)
    with pytest.raises(AssertionError):
        checks.check_shapes(lambda n, k, m: shapes(3, 4, 5), seed=3)


@pytest.mark.parametrize("check", [lambda f: checks.check_shapes(f), checks.check_one_step, checks.check_dL_dz,
                                   checks.check_differences])
def test_a_stub_raises_not_implemented(check):
    """An unanswered question fails at its stub."""
    with pytest.raises(NotImplementedError):
        check(stub)


@pytest.mark.parametrize("part, wrong, message", [
    ("forward", {"Z": (5, 4)}, r"\['Z'\] is \(5, 4\), expected \(4, 5\): it is transposed"),
    ("forward", {"y_hat": (5,)}, r"\['y_hat'\] is \(5,\), expected \(1, 5\): one prediction per example"),
    ("forward", {"b1": 4}, r"should be a tuple of sizes"),
    ("backward", {"dW1": (4, 5)}, r"\['dW1'\] is \(4, 5\), expected \(4, 3\): a gradient has the shape of its "
                                  r"parameter: dW1 has the shape of W1"),
    ("backward", {"db2": (1, 1)}, r"\['db2'\] is \(1, 1\), expected \(\)"),
    ("backward", {"dZ": (1, 5)}, r"dZ = ∂L/∂Z has the shape of Z"),
])
def test_shape_mistakes_are_explained(part, wrong, message):
    """A wrong shape names the array, both shapes and the reason."""
    with pytest.raises(AssertionError, match=message):
        checks.check_shapes(lambda n, k, m: shapes(n, k, m, wrong=wrong), part=part)


def test_shapes_parts_are_graded_separately_and_missing_keys_named(capsys):
    """A wrong backward shape does not cost the forward part; a missing key is named."""
    checks.check_shapes(lambda n, k, m: shapes(n, k, m, wrong={"dW1": (1, 1)}), part="forward")
    assert capsys.readouterr().out.startswith("✓")
    with pytest.raises(AssertionError, match="has no key 'dA'"):
        checks.check_shapes(lambda n, k, m: {k_: v for k_, v in shapes(n, k, m).items() if k_ != "dA"},
                            part="backward")
    with pytest.raises(ValueError, match="part: expected 'forward' or 'backward', received 'both'"):
        checks.check_shapes(shapes, part="both")


@pytest.mark.parametrize("wrong, message", [
    (lambda w, b, x, y, lr: (w + lr * 2 * (w * x + b - y) * x, b + lr * 2 * (w * x + b - y)), "uphill"),
    (lambda w, b, x, y, lr: (w - lr * (w * x + b - y) * x, b - lr * (w * x + b - y)), "the factor 2"),
    (lambda w, b, x, y, lr: (w - lr * 2 * (w * x + b - y), b - lr * 2 * (w * x + b - y)), "missing its factor x"),
    (lambda w, b, x, y, lr: (2 * (w * x + b - y) * x, 2 * (w * x + b - y)), "these are the gradients"),
    (lambda w, b, x, y, lr: 1.4, "should return 2 values"),
])
def test_one_step_mistakes_are_diagnosed(wrong, message):
    """Uphill steps, a lost factor 2 or x, and returning the gradients are each named."""
    with pytest.raises(AssertionError, match=message):
        checks.check_one_step(wrong)


@pytest.mark.parametrize("wrong, message", [
    (lambda z, y: y - 1 / (1 + math.exp(-z)), "the sign is flipped"),
    (lambda z, y: -y / (1 / (1 + math.exp(-z))) + (1 - y) / (1 - 1 / (1 + math.exp(-z))), "that is ∂L/∂a"),
    (lambda z, y: dL_dz(z, y) * 0.25, "multiplied in again"),
])
def test_dL_dz_mistakes_are_diagnosed(wrong, message):
    """Y − A, stopping at ∂L/∂a and applying σ' twice are each named (at z = 0: σ' = 0.25)."""
    with pytest.raises(AssertionError, match=message):
        checks.check_dL_dz(wrong)


@pytest.mark.parametrize("wrong, message", [
    (lambda x, e: differences(x, e)[::-1], "swapped"),
    (lambda x, e: (differences(x, e)[0], 2 * differences(x, e)[1]), "divides by 2ε"),
    (lambda x, e: (3 * x * x, 3 * x * x), "the exact derivative"),
])
def test_differences_mistakes_are_diagnosed(wrong, message):
    """Swapped quotients, a lost 2 and the exact derivative are each named."""
    with pytest.raises(AssertionError, match=message):
        checks.check_differences(wrong)
