"""``helpers.descend`` (``helpers.training``): gradient descent on problems whose answer is known, clean divergence."""

from __future__ import annotations

import math
import warnings
from itertools import count

import numpy as np
import pytest

from helpers.descent import GROWTH_LIMIT
from helpers.training import DivergenceError, History, descend

# A quadratic bowl L(w, b) = (w - c) A (w - c)ᵀ + 3 (b - d)², minimum 0 at w = c, b = d.
A = np.array([[3.0, 1.0], [1.0, 2.0]])  # symmetric positive definite, eigenvalues (5 ± √5) / 2
C = np.array([[1.5, -2.0]])
D = 0.25


def bowl(p):
    """(loss, grads) of the quadratic bowl, for w of shape (1, 2) and b of shape (1, 1)."""
    r, s = p["w"] - C, p["b"] - D
    loss = (r @ A @ r.T).item() + 3.0 * s.item() ** 2
    return loss, {"w": 2.0 * r @ A, "b": 6.0 * s}


def start():
    return {"w": np.zeros((1, 2)), "b": np.zeros((1, 1))}


def square(p):
    """(w - 3)², minimised at w = 3; in numpy, so that overflow would normally warn."""
    return ((p["w"] - 3.0) ** 2).item(), {"w": 2.0 * (p["w"] - 3.0)}


def first_growth_step(learning_rate):
    """The first step where (w - 3)² exceeds GROWTH_LIMIT times its start, from w = 0, in exact integers.

    Each step multiplies w - 3 by (1 - 2 learning_rate), so the loss at step t is 9 (1 - 2 lr)^(2t).
    """
    factor = 1 - 2 * learning_rate
    assert float(factor).is_integer()
    return next(t for t in count() if int(factor) ** (2 * t) > GROWTH_LIMIT)


# --------------------------------------------------------------------------- convergence


def test_converges_to_the_known_minimum():
    """On the bowl, 500 steps of size 0.1 reach w = c, b = d to 1e-10 and loss below 1e-20."""
    history = descend(bowl, start(), learning_rate=0.1, steps=500)
    final = history.params[-1]
    np.testing.assert_allclose(final["w"], C, rtol=0, atol=1e-10)
    np.testing.assert_allclose(final["b"], [[D]], rtol=0, atol=1e-10)
    assert history.losses[-1] < 1e-20
    assert history.diverged_at is None
    assert history.message == f"ran 500 steps; final loss {history.losses[-1]:.6g}"


def test_matches_a_hand_written_loop():
    """Every loss and every parameter equals the five-line loop θ ← θ - lr ∂L/∂θ (to 1e-14)."""
    history = descend(bowl, start(), learning_rate=0.05, steps=20)
    theta, losses, path = start(), [], []
    for step in range(21):
        loss, grads = bowl(theta)
        losses.append(loss)
        path.append({k: v.copy() for k, v in theta.items()})
        if step < 20:
            theta = {k: theta[k] - 0.05 * grads[k] for k in theta}
    np.testing.assert_allclose(history.losses, losses, rtol=1e-14, atol=0)
    for got, want in zip(history.params, path):
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-14, atol=1e-15)


def test_the_loss_decreases_at_every_step_with_a_small_learning_rate():
    """Below 1/λ_max the loss of a convex quadratic falls monotonically."""
    losses = descend(bowl, start(), learning_rate=0.1, steps=50).losses
    assert np.all(np.diff(losses) < 0)


@pytest.mark.parametrize("steps", [0, 1, 7])
def test_records_steps_plus_one_losses_and_parameters(steps):
    """The loss before the first step and after each step: steps + 1 entries, the first at the start."""
    history = descend(bowl, start(), learning_rate=0.1, steps=steps)
    assert isinstance(history, History)
    assert history.losses.shape == (steps + 1,)
    assert history.losses.dtype == np.float64
    assert len(history.params) == steps + 1
    assert history.losses[0] == bowl(start())[0]
    np.testing.assert_array_equal(history.params[0]["w"], start()["w"])


def test_record_params_false_keeps_only_the_losses():
    """record_params=False records no parameters; trajectory then says why it cannot help."""
    history = descend(bowl, start(), learning_rate=0.1, steps=5, record_params=False)
    assert history.losses.shape == (6,) and history.params == []
    with pytest.raises(ValueError, match=r"record_params=False"):
        history.trajectory("b")


def test_the_starting_parameters_are_not_modified():
    """The run works on float64 copies; the caller's arrays (even int ones) keep their values and dtype."""
    params = {"w": np.array([[0, 0]], dtype=np.int64), "b": np.zeros((1, 1), dtype=np.float32)}
    descend(bowl, params, learning_rate=0.1, steps=10)
    np.testing.assert_array_equal(params["w"], [[0, 0]])
    assert params["w"].dtype == np.int64 and params["b"].dtype == np.float32
    assert params["b"][0, 0] == 0


def test_recorded_parameters_are_copies():
    """Each recorded step is its own copy, not one array updated in place."""
    history = descend(bowl, start(), learning_rate=0.1, steps=3)
    assert not np.array_equal(history.params[0]["w"], history.params[-1]["w"])
    history.params[1]["w"][0, 0] = 99.0
    assert history.params[2]["w"][0, 0] != 99.0


# --------------------------------------------------------------------------- trajectory


def test_trajectory_of_named_entries():
    """trajectory gives one row per recorded moment and one column per entry."""
    history = descend(bowl, start(), learning_rate=0.1, steps=4)
    path = history.trajectory(("w", (0, 1)), "b", ("w", (0, 0)))
    assert path.shape == (5, 3)
    expected = np.array([[p["w"][0, 1], p["b"][0, 0], p["w"][0, 0]] for p in history.params])
    np.testing.assert_array_equal(path, expected)


def test_trajectory_refuses_a_whole_matrix_or_an_unknown_name():
    """A multi-entry parameter needs an index; a name must be a parameter."""
    history = descend(bowl, start(), learning_rate=0.1, steps=2)
    with pytest.raises(ValueError, match=r"^entries: 'w' has shape \(1, 2\); name an entry as \('w', index\)$"):
        history.trajectory("w", "b")
    with pytest.raises(ValueError, match=r"^entries: expected parameter names from \['b', 'w'\], received 'v'$"):
        history.trajectory("v")


# --------------------------------------------------------------------------- divergence


def test_divergence_raises_with_the_step_and_advice():
    """lr = 100 on (w - 3)²: the loss passes a million times its start at the step computed exactly, as said."""
    step = first_growth_step(100.0)
    with pytest.raises(DivergenceError) as info:
        descend(square, {"w": np.zeros((1, 1))}, learning_rate=100.0, steps=500)
    assert str(info.value) == (f"the loss grew past a million times its start at step {step}: "
                               "η = 100 is too large, try a smaller learning rate")
    assert isinstance(info.value, FloatingPointError)


def test_divergence_with_stop_returns_the_finite_prefix():
    """on_divergence="stop": the losses up to the last finite step, diverged_at set, the same message."""
    step = first_growth_step(100.0)
    history = descend(square, {"w": np.zeros((1, 1))}, learning_rate=100.0, steps=500,
                               on_divergence="stop")
    assert history.diverged_at == step
    assert history.losses.shape == (step,) and len(history.params) == step
    assert np.all(np.isfinite(history.losses))
    # the prefix is the exact sequence 9 · 199^(2t)
    np.testing.assert_allclose(history.losses, [9.0 * 199.0 ** (2 * t) for t in range(step)], rtol=1e-12)
    assert history.message == (f"the loss grew past a million times its start at step {step}: "
                               "η = 100 is too large, try a smaller learning rate")


def test_divergence_emits_no_runtime_warning_and_writes_nothing(capsys):
    """No numpy RuntimeWarning (overflow, invalid value) and nothing on stdout or stderr.

    The control below shows the loss function does warn when numpy's default error
    handling is left on, so this test would notice descend not silencing it.
    """
    with pytest.warns(RuntimeWarning):
        square({"w": np.full((1, 1), 1e200)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DivergenceError):
            descend(square, {"w": np.zeros((1, 1))}, learning_rate=100.0, steps=500)
        descend(square, {"w": np.zeros((1, 1))}, learning_rate=100.0, steps=500, on_divergence="stop")
    assert caught == []
    assert capsys.readouterr() == ("", "")


def test_a_non_finite_gradient_shows_as_a_non_finite_loss_at_the_next_step():
    """A NaN gradient at step 3 makes the parameters NaN, and the run stops at step 4 where the loss is NaN."""
    def f(p):
        w = p["w"]
        return (w ** 2).item(), {"w": np.full((1, 1), np.nan) if w[0, 0] < 0.6 else 2 * w}
    history = descend(f, {"w": np.ones((1, 1))}, learning_rate=0.1, steps=10, on_divergence="stop")
    # w_t = 0.8^t: 0.8, 0.64, 0.512 < 0.6 at step 3, whose gradient is NaN
    assert history.diverged_at == 4 and history.losses.shape == (4,)
    assert history.message == "the loss became NaN at step 4: η = 0.1 is too large, try a smaller learning rate"


def test_nan_loss_is_reported_as_nan():
    """A loss that becomes NaN (inf - inf once w² overflows) is named as nan, at the right step."""
    def f(p):
        w = p["w"]
        return (w ** 2 - w ** 2 + 1.0).item(), {"w": w}
    history = descend(f, {"w": np.ones((1, 1))}, learning_rate=1e50, steps=10, on_divergence="stop")
    # w_t = (1 - 1e50)^t: w_3² ≈ 1e300 is finite, w_4² ≈ 1e400 overflows
    assert history.diverged_at == 4
    assert history.message == "the loss became NaN at step 4: η = 1e+50 is too large, try a smaller learning rate"
    assert math.isclose(history.params[-1]["w"].item(), (1 - 1e50) ** 3, rel_tol=1e-12)


def test_divergence_at_the_start_returns_an_empty_history():
    """A loss that is not finite at the starting point stops at step 0 with no losses."""
    history = descend(lambda p: (np.inf, {"w": p["w"]}), {"w": np.zeros((1, 1))}, learning_rate=0.1,
                               steps=3, on_divergence="stop")
    assert history.diverged_at == 0 and history.losses.shape == (0,)


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("kwargs, error, message", [
    ({"learning_rate": 0.0}, ValueError, "learning_rate: expected a positive number, received 0.0"),
    ({"learning_rate": -0.1}, ValueError, "learning_rate: expected a positive number, received -0.1"),
    ({"steps": -1}, ValueError, "steps: expected a number >= 0, received -1"),
    ({"steps": 2.5}, ValueError, "steps: expected an integer, received 2.5"),
    ({"on_divergence": "ignore"}, ValueError, "on_divergence: expected 'raise' or 'stop', received 'ignore'"),
    ({"params": {}}, TypeError, "params: expected a non-empty dict of named arrays"),
    ({"loss_and_grads": "bowl"}, TypeError,
     "loss_and_grads: expected a function params -> (loss, grads), received str"),
])
def test_bad_arguments_are_named(kwargs, error, message):
    """Each bad argument raises an error that names it and says expected vs received."""
    args = {"loss_and_grads": bowl, "params": start(), "learning_rate": 0.1, "steps": 3} | kwargs
    with pytest.raises(error) as info:
        descend(args.pop("loss_and_grads"), args.pop("params"), **args)
    assert str(info.value) == message


@pytest.mark.parametrize("returns, error, message", [
    (lambda p: 1.0, TypeError, "loss_and_grads: expected it to return (loss, grads) with grads a dict, received float"),
    (lambda p: (1.0, [p["w"]]), TypeError, "loss_and_grads: expected it to return (loss, grads)"),
    (lambda p: (np.ones(2), {"w": p["w"]}), ValueError,
     "loss_and_grads: expected the loss to be one number, received shape (2,)"),
    (lambda p: (1.0, {"v": p["w"]}), ValueError, "loss_and_grads: expected gradients for ['w'], received ['v']"),
    (lambda p: (1.0, {"w": p["w"].T}), ValueError,
     "loss_and_grads: the gradient of w has shape (2, 1), expected (1, 2) (the shape of w)"),
])
def test_a_loss_and_grads_function_returning_the_wrong_thing_is_named(returns, error, message):
    """The function's return value is checked: a (loss, dict) pair, one number, matching names and shapes."""
    with pytest.raises(error) as info:
        descend(returns, {"w": np.zeros((1, 2))}, learning_rate=0.1, steps=1)
    assert str(info.value).startswith(message)
