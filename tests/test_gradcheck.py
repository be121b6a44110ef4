"""``helpers.gradcheck``: the checker accepts right gradients, rejects the usual wrong ones, and says where.

The families of functions used here, with their analytic gradients written out
independently of the module:

* a linear model with squared error averaged over the ``m`` examples (columns),
  ``L = (1/m) Σ_columns ||W x + b - y||²`` (for one output this is
  ``mean((W X + b - Y)²)``), with ``W`` of shape (k, n), ``b`` (k, 1),
  ``X`` (n, m), ``Y`` (k, m);
* a two-layer network, ``A1 = σ(W1 X + b1)``, ``ŷ = W2 A1 + b2``,
  ``L = mean((ŷ - y)²)``, with ``W1`` (k, n), ``b1`` (k, 1), ``W2`` (1, k),
  ``b2`` (1, 1), ``y`` (1, m).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers.gradcheck import GradCheckReport, check_gradients, gradient_check, numerical_gradient

FAST = settings(max_examples=25, deadline=None, database=None)
SEEDS = st.integers(0, 2**32 - 1)


class Counted:
    """A loss function wrapper that counts its calls and records the dtypes it was given."""

    def __init__(self, fn):
        self.fn, self.calls, self.dtypes = fn, 0, set()

    def __call__(self, params):
        self.calls += 1
        self.dtypes.update(np.asarray(v).dtype for v in params.values())
        return self.fn(params)


# --------------------------------------------------------------------------- families of functions


def linear_problem(k, n, m, seed):
    """Return (loss, grads_fn, params) for the linear model with squared error."""
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((n, m)), rng.standard_normal((k, m))
    params = {"W": rng.standard_normal((k, n)), "b": rng.standard_normal((k, 1))}

    def loss(p):
        R = p["W"] @ X + p["b"] - Y
        return float(np.sum(R ** 2) / m)

    def grads(p):
        R = p["W"] @ X + p["b"] - Y  # (k, m)
        return {"W": 2.0 / m * R @ X.T, "b": 2.0 / m * R.sum(axis=1, keepdims=True)}

    return loss, grads, params


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def two_layer_problem(k, n, m, seed):
    """Return (loss, grads_fn, params) for the two-layer sigmoid network with squared error."""
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, m)), rng.standard_normal((1, m))
    params = {"W1": rng.standard_normal((k, n)), "b1": rng.standard_normal((k, 1)),
              "W2": rng.standard_normal((1, k)), "b2": rng.standard_normal((1, 1))}

    def forward(p):
        A1 = sigmoid(p["W1"] @ X + p["b1"])  # (k, m)
        return A1, p["W2"] @ A1 + p["b2"]  # (1, m)

    def loss(p):
        _, y_hat = forward(p)
        return float(np.mean((y_hat - y) ** 2))

    def grads(p, *, dsigma=lambda A: A * (1 - A)):
        A1, y_hat = forward(p)
        d = 2.0 / m * (y_hat - y)  # (1, m)
        dZ1 = (p["W2"].T @ d) * dsigma(A1)  # (k, m)
        return {"W1": dZ1 @ X.T, "b1": dZ1.sum(axis=1, keepdims=True),
                "W2": d @ A1.T, "b2": d.sum(axis=1, keepdims=True)}

    return loss, grads, params


def _rows(report):
    return {row.name: row for row in report.rows}


def _significant(g):
    """Far above atol = 1e-8 and the ~1e-9 round-off of the estimates, so a wrong factor must show."""
    return float(np.abs(g).max()) > 1e-4


# --------------------------------------------------------------------------- cost: loss evaluations


def test_full_mode_costs_exactly_two_evaluations_per_entry():
    """W (3, 4) and b (3, 1) have 15 entries: 30 loss evaluations, counted and reported."""
    loss, grads, params = linear_problem(3, 4, 6, seed=0)
    counted = Counted(loss)
    report = gradient_check(counted, params, grads(params))
    assert report.passed
    assert counted.calls == 30
    assert report.evaluations == 30
    assert "30 loss evaluations" in str(report)


@pytest.mark.parametrize("n_directions", [1, 3, 7])
def test_directional_mode_costs_two_evaluations_per_direction_per_parameter(n_directions):
    """Four parameters of 8, 4, 4 and 1 entries: 2 × n_directions × 4 evaluations, whatever their sizes."""
    loss, grads, params = two_layer_problem(4, 2, 5, seed=1)
    counted = Counted(loss)
    report = gradient_check(counted, params, grads(params), mode="directional", n_directions=n_directions, rng=0)
    assert report.passed
    assert counted.calls == report.evaluations == 2 * n_directions * 4


def test_numerical_gradient_costs_two_evaluations_per_entry_of_the_named_parameters():
    """names=["b"] estimates only b: 2 × 3 evaluations, and returns only b."""
    loss, grads, params = linear_problem(3, 4, 6, seed=2)
    counted = Counted(loss)
    out = numerical_gradient(counted, params, names=["b"])
    assert list(out) == ["b"]
    assert counted.calls == 6
    np.testing.assert_allclose(out["b"], grads(params)["b"], rtol=1e-7, atol=1e-9)


def test_a_gradient_of_the_wrong_shape_costs_no_evaluations():
    """A parameter whose gradient has the wrong shape is reported without estimating it."""
    loss, grads, params = linear_problem(3, 4, 6, seed=3)
    g = grads(params)
    counted = Counted(loss)
    report = gradient_check(counted, params, {"W": g["W"].T, "b": g["b"]})
    assert counted.calls == report.evaluations == 2 * 3  # b only


@FAST
@given(k=st.integers(1, 4), n=st.integers(1, 4), m=st.integers(2, 6), seed=SEEDS)
def test_evaluation_count_is_twice_the_number_of_entries(k, n, m, seed):
    """For any shapes, full mode calls the loss 2 × (k n + k) times."""
    loss, grads, params = linear_problem(k, n, m, seed)
    counted = Counted(loss)
    report = gradient_check(counted, params, grads(params))
    assert counted.calls == report.evaluations == 2 * (k * n + k)


# --------------------------------------------------------------------------- properties: accept and reject


@FAST
@given(k=st.integers(1, 4), n=st.integers(1, 4), m=st.integers(2, 6), seed=SEEDS,
       family=st.sampled_from([linear_problem, two_layer_problem]))
def test_accepts_the_correct_gradient(k, n, m, seed, family):
    """The analytic gradient passes, in full and in directional mode, with the default tolerances."""
    loss, grads, params = family(k, n, m, seed)
    g = grads(params)
    full = check_gradients(loss, params, g)
    assert full.passed and all(row.passed for row in full.rows)
    assert check_gradients(loss, params, g, mode="directional", n_directions=3, rng=seed).passed


@FAST
@given(k=st.integers(1, 3), extra=st.integers(1, 2), m=st.integers(2, 6), seed=SEEDS,
       family=st.sampled_from([linear_problem, two_layer_problem]))
def test_rejects_a_transposed_non_square_gradient_and_says_transpose(k, extra, m, seed, family):
    """dW of shape (n, k) for W of shape (k, n), n != k: a shape failure that says 'transpose'."""
    loss, grads, params = family(k, k + extra, m, seed)
    name = "W" if "W" in params else "W1"
    g = grads(params)
    g[name] = g[name].T
    report = gradient_check(loss, params, g)
    row = _rows(report)[name]
    assert not report.passed and not row.passed
    assert "transpose" in row.message
    assert f"grads['{name}'] has shape ({k + extra}, {k}), expected ({k}, {k + extra})" in row.message
    assert all(r.passed for r in report.rows if r.name != name)
    with pytest.raises(AssertionError, match="transpose"):
        check_gradients(loss, params, g)


@FAST
@given(n=st.integers(2, 4), m=st.integers(2, 6), seed=SEEDS,
       family=st.sampled_from([linear_problem, two_layer_problem]))
def test_rejects_a_transposed_square_gradient(n, m, seed, family):
    """dW.T for a square W has the right shape, so it must be caught by its values."""
    loss, grads, params = family(n, n, m, seed)
    name = "W" if "W" in params else "W1"
    g = grads(params)
    assume(np.linalg.norm(g[name] - g[name].T) > 1e-3 * np.linalg.norm(g[name]) and _significant(g[name] - g[name].T))
    g[name] = g[name].T
    report = gradient_check(loss, params, g)
    assert not _rows(report)[name].passed
    assert all(r.passed for r in report.rows if r.name != name)


def make_mistake(mistake, grads, m, target):
    """Spoil ``grads`` in place the way a student would; return (factor applied, names now wrong)."""
    if mistake == "1/m missing":  # the 1/m of the mean is dropped, so every gradient is m times too large
        grads.update({name: m * g for name, g in grads.items()})
        return m, set(grads)
    factor = {"scaled by 2": 2, "sign flipped": -1}[mistake]
    grads[target] = factor * grads[target]
    return factor, {target}


@FAST
@given(k=st.integers(1, 4), n=st.integers(1, 4), m=st.integers(2, 6), seed=SEEDS,
       family=st.sampled_from([linear_problem, two_layer_problem]),
       mistake=st.sampled_from(["scaled by 2", "sign flipped", "1/m missing"]))
def test_rejects_scaled_sign_flipped_and_unaveraged_gradients(k, n, m, seed, family, mistake):
    """Twice the gradient, its negative, or every gradient m times too large (1/m missing) is rejected."""
    loss, grads, params = family(k, n, m, seed)
    g = grads(params)
    target = "W" if "W" in params else "W1"
    assume(_significant(g[target]))
    factor, wrong = make_mistake(mistake, g, m, target)
    report = gradient_check(loss, params, g)
    rows = _rows(report)
    assert not report.passed
    assert not rows[target].passed
    # and not by a whisker: the relative error of c·g against g is |c - 1| / (|c| + 1)
    np.testing.assert_allclose(rows[target].rel_error, abs(factor - 1) / (abs(factor) + 1), rtol=1e-4)
    for name in params.keys() - wrong:
        assert rows[name].passed


@FAST
@given(k=st.integers(1, 4), n=st.integers(1, 4), m=st.integers(2, 6), seed=SEEDS)
def test_rejects_sigma_instead_of_its_derivative(k, n, m, seed):
    """The backward pass with σ(z) where σ'(z) = σ(z)(1 - σ(z)) belongs: W1 and b1 fail, W2 and b2 pass."""
    loss, grads, params = two_layer_problem(k, n, m, seed)
    right, wrong = grads(params), grads(params, dsigma=lambda A: A)
    assume(_significant(right["W1"] - wrong["W1"]) and _significant(right["b1"] - wrong["b1"]))
    assume(np.linalg.norm(right["W1"] - wrong["W1"]) > 1e-3 * np.linalg.norm(right["W1"]))
    assume(np.linalg.norm(right["b1"] - wrong["b1"]) > 1e-3 * np.linalg.norm(right["b1"]))
    rows = _rows(gradient_check(loss, params, wrong))
    assert not rows["W1"].passed and not rows["b1"].passed
    assert rows["W2"].passed and rows["b2"].passed


# --------------------------------------------------------------------------- the report


def _half_square_problem():
    """L = ½ Σ W², whose gradient is W itself (centered differences are exact up to rounding)."""
    W = np.arange(12, dtype=np.float64).reshape(3, 4) / 10 - 0.5
    return (lambda p: 0.5 * float(np.sum(p["W"] ** 2))), {"W": W}


def test_report_names_the_worst_entry_and_both_values():
    """One wrong entry at (1, 2): the report gives that index, the analytic and the numeric value."""
    loss, params = _half_square_problem()
    analytic = params["W"].copy()
    analytic[1, 2] += 0.5
    analytic[0, 0] += 0.1  # a smaller error elsewhere
    report = gradient_check(loss, params, {"W": analytic})
    row = report.rows[0]
    assert not report.passed and not row.passed
    assert row.worst == "(1, 2)"
    assert row.analytic == analytic[1, 2]
    assert row.numeric == pytest.approx(params["W"][1, 2], abs=1e-9)
    assert row.max_abs_error == pytest.approx(0.5, abs=1e-9)
    assert report.worst is row
    text = str(report)
    assert "(1, 2)" in text and f"{analytic[1, 2]:.6g}" in text and f"{params['W'][1, 2]:.6g}" in text
    assert "FAIL" in text and "gradients that do not match: W" in text


def test_check_gradients_raises_with_the_table():
    """check_gradients raises AssertionError whose message is the report's table."""
    loss, params = _half_square_problem()
    analytic = params["W"].copy()
    analytic[2, 3] = -7.0
    report = gradient_check(loss, params, {"W": analytic})
    with pytest.raises(AssertionError) as info:
        check_gradients(loss, params, {"W": analytic})
    msg = str(info.value)
    assert msg == f"gradient check failed for W\n{report}"
    assert "worst at" in msg and "(2, 3)" in msg and "-7" in msg


def test_check_gradients_returns_the_report_when_it_passes():
    """A passing check returns its report, every row 'ok'."""
    loss, params = _half_square_problem()
    report = check_gradients(loss, params, {"W": params["W"]})
    assert isinstance(report, GradCheckReport) and report.passed
    assert "all gradients match" in str(report) and "FAIL" not in str(report)


def test_relative_error_follows_the_documented_formula():
    """rel_error = ||a - g|| / (||a|| + ||g||), checked on a case computed by hand.

    L = ½ (w1² + w2²) at w = (1, 2) has gradient g = (1, 2); with a = (1, 4):
    ||a - g|| = 2, ||a|| = √17, ||g|| = √5, so rel_error = 2 / (√17 + √5).
    """
    loss = lambda p: 0.5 * float(np.sum(p["w"] ** 2))  # noqa: E731
    report = gradient_check(loss, {"w": [[1.0, 2.0]]}, {"w": [[1.0, 4.0]]})
    row = report.rows[0]
    assert row.rel_error == pytest.approx(2 / (np.sqrt(17) + np.sqrt(5)), rel=1e-8)
    assert row.max_abs_error == pytest.approx(2.0, rel=1e-8)
    assert row.worst == "(0, 1)"


def test_nearly_zero_gradients_pass_by_atol_only():
    """Where the true gradient is 0, a tiny analytic value passes by atol; a larger one fails."""
    loss = lambda p: 1.0  # noqa: E731  (constant: gradient exactly 0)
    params = {"w": np.zeros((1, 2))}
    assert gradient_check(loss, params, {"w": [[1e-10, 0.0]]}).passed  # rel error 1, but |a - g| <= 1e-8
    assert not gradient_check(loss, params, {"w": [[1e-6, 0.0]]}).passed
    assert gradient_check(loss, params, {"w": [[1e-6, 0.0]]}, atol=1e-5).passed


def test_directional_mode_detects_a_wrong_gradient():
    """One wrong entry among 200 is caught along random directions, and the row says 'direction'."""
    rng = np.random.default_rng(4)
    W = rng.standard_normal((10, 20))
    loss = lambda p: 0.5 * float(np.sum(p["W"] ** 2))  # noqa: E731
    wrong = W.copy()
    wrong[3, 7] += 1.0
    report = gradient_check(loss, {"W": W}, {"W": wrong}, mode="directional", n_directions=5, rng=0)
    assert not report.passed
    assert report.rows[0].worst.startswith("direction ")
    assert "worst along" in str(report)
    assert gradient_check(loss, {"W": W}, {"W": W}, mode="directional", n_directions=5, rng=0).passed


def test_directional_mode_is_reproducible_with_a_seed():
    """The same rng seed draws the same directions, so the same report."""
    loss, params = _half_square_problem()
    wrong = {"W": params["W"] * 1.01}
    a = gradient_check(loss, params, wrong, mode="directional", n_directions=4, rng=7)
    b = gradient_check(loss, params, wrong, mode="directional", n_directions=4, rng=7)
    assert str(a) == str(b)


def test_a_none_gradient_is_a_forgotten_return():
    """A gradient that is None fails its row with the 'forgot to return' hint; others are still checked."""
    loss, grads, params = linear_problem(2, 3, 4, seed=5)
    g = grads(params)
    report = gradient_check(loss, params, {"W": g["W"], "b": None})
    rows = _rows(report)
    assert rows["W"].passed and not rows["b"].passed
    assert rows["b"].message == "grads['b'] is None: did the backward pass forget to `return` it?"


def test_a_non_finite_gradient_fails_its_row():
    """NaN in a gradient is reported with its index."""
    loss, grads, params = linear_problem(2, 3, 4, seed=6)
    g = grads(params)
    g["W"][1, 0] = np.nan
    row = _rows(gradient_check(loss, params, g))["W"]
    assert not row.passed and row.message == "grads['W'] contains nan at (1, 0), expected finite numbers"


def test_a_scalar_parameter_is_checked():
    """A 0-d parameter (a plain number) is checked like any other, its worst entry written ()."""
    loss = lambda p: float(p["c"] ** 3)  # noqa: E731
    assert check_gradients(loss, {"c": 2.0}, {"c": 12.0}).rows[0].worst == "()"
    assert not gradient_check(loss, {"c": 2.0}, {"c": 6.0}).passed


def test_accepts_a_correct_gradient_near_the_minimum_of_a_large_loss():
    """Loss ≈ 98 (noisy targets) but gradients ≈ 1e-3 (near the least-squares fit): still accepted.

    The round-off of a centered difference is about 1e-16 · L / eps per entry; with eps = 1e-6
    that is ~2e-8 here, above atol = 1e-8 and 2e-5 relative, so a correct gradient failed.
    """
    rng = np.random.default_rng(1)
    m = 50
    X, y = rng.standard_normal((3, m)), 10 * rng.standard_normal((1, m))
    theta = np.linalg.lstsq(np.vstack([X, np.ones((1, m))]).T, y.ravel(), rcond=None)[0]
    params = {"W": theta[None, :3] + 1e-3, "b": np.array([[theta[3]]])}

    def loss(p):
        return float(np.mean((p["W"] @ X + p["b"] - y) ** 2))

    R = params["W"] @ X + params["b"] - y
    grads = {"W": 2 / m * R @ X.T, "b": 2 / m * R.sum(axis=1, keepdims=True)}
    assert loss(params) > 90 and max(np.abs(g).max() for g in grads.values()) < 3e-3
    report = check_gradients(loss, params, grads)
    assert all(row.max_abs_error < 5e-9 for row in report.rows)


# --------------------------------------------------------------------------- inputs are left alone, work is float64


def test_params_given_by_the_caller_are_never_modified():
    """After full and directional checks, and numerical_gradient, the caller's arrays are unchanged."""
    loss, grads, params = two_layer_problem(3, 2, 5, seed=8)
    params["b2"] = params["b2"].astype(np.float32)
    before = {k: v.copy() for k, v in params.items()}
    g = grads(params)
    g_before = {k: v.copy() for k, v in g.items()}
    gradient_check(loss, params, g)
    gradient_check(loss, params, g, mode="directional", rng=0)
    numerical_gradient(loss, params)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert params[k].dtype == before[k].dtype
        np.testing.assert_array_equal(g[k], g_before[k])


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_everything_is_float64_even_for_float32_or_int_inputs(dtype):
    """The loss always sees float64 parameters and estimates are float64, so eps = 1e-5 is meaningful.

    In float32, 1 + 1e-5 is rounded to within half an ulp (6e-8): centered differences would be
    off by up to 0.6%, and the check with rtol = 1e-6 below would fail.
    """
    w = np.array([[1, 2, -3]], dtype=dtype)
    counted = Counted(lambda p: float(np.sum(p["w"] ** 3)))
    estimate = numerical_gradient(counted, {"w": w})["w"]
    assert estimate.dtype == np.float64
    assert counted.dtypes == {np.dtype(np.float64)}
    np.testing.assert_allclose(estimate, 3 * w.astype(np.float64) ** 2, rtol=1e-8)
    report = check_gradients(counted, {"w": w}, {"w": (3 * w ** 2).astype(dtype)})
    assert report.rows[0].rel_error < 1e-8


def test_numerical_gradient_matches_an_exact_derivative():
    """Centered differences of a cubic are exact up to eps² and rounding (checked to 1e-7 relative)."""
    rng = np.random.default_rng(9)
    A = rng.standard_normal((3, 2))
    loss = lambda p: float(np.sum(p["A"] ** 3) + np.sum(p["A"][0] * p["A"][1]))  # noqa: E731
    expected = 3 * A ** 2
    expected[0] += A[1]
    expected[1] += A[0]
    np.testing.assert_allclose(numerical_gradient(loss, {"A": A})["A"], expected, rtol=1e-7, atol=1e-9)


# --------------------------------------------------------------------------- bad loss functions and arguments


@pytest.mark.parametrize("value, received", [
    (np.zeros(3), "an array of shape (3,)"),
    (np.zeros((2, 1)), "an array of shape (2, 1)"),
    (None, "None"),
])
def test_a_loss_that_is_not_one_number_is_a_value_error(value, received):
    """The loss must return a single number; an array or None is named in the error."""
    with pytest.raises(ValueError) as info:
        gradient_check(lambda p: value, {"w": [[1.0]]}, {"w": [[0.0]]})
    assert str(info.value) == f"loss_fn: expected a single number, received {received}"


def test_a_size_one_array_loss_is_accepted():
    """A loss returned as a (1, 1) array (e.g. y @ y.T / m) counts as one number."""
    loss = lambda p: p["w"] @ p["w"].T  # noqa: E731  (shape (1, 1))
    assert check_gradients(loss, {"w": [[1.0, 2.0]]}, {"w": [[2.0, 4.0]]}).passed


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_loss_is_a_value_error(bad):
    """A loss that is NaN or inf at the checked point cannot be differentiated there."""
    with pytest.raises(ValueError) as info:
        gradient_check(lambda p: bad, {"w": [[1.0]]}, {"w": [[0.0]]})
    assert str(info.value).startswith(f"loss_fn: returned {bad} at the checked point")


def test_a_loss_that_overflows_only_at_theta_plus_eps_is_a_value_error():
    """log(1 - w) at w = 1 - 1e-7 is finite, but not at w + eps: caught, with no RuntimeWarning."""
    loss = lambda p: float(np.sum(np.log(1 - p["w"])))  # noqa: E731
    with pytest.raises(ValueError, match=r"^loss_fn: returned nan"):
        gradient_check(loss, {"w": [[1 - 1e-7]]}, {"w": [[0.0]]})


def test_missing_gradient_keys_are_named():
    """A gradient dict without b is refused, naming b."""
    loss, grads, params = linear_problem(2, 2, 3, seed=10)
    with pytest.raises(ValueError) as info:
        gradient_check(loss, params, {"W": grads(params)["W"]})
    assert str(info.value) == "grads: expected the keys ['W', 'b'], received ['W'] (missing ['b'])"


def test_extra_gradient_keys_are_named():
    """A gradient for something that is not a parameter is refused, naming it."""
    loss, grads, params = linear_problem(2, 2, 3, seed=11)
    g = grads(params) | {"db": np.zeros((2, 1))}
    with pytest.raises(ValueError) as info:
        gradient_check(loss, params, g)
    assert str(info.value) == ("grads: expected the keys ['W', 'b'], received ['W', 'b', 'db'] "
                               "(not parameters: ['db'])")


@pytest.mark.parametrize("kwargs, error, start", [
    ({"mode": "fast"}, ValueError, "mode: expected 'full' or 'directional', received 'fast'"),
    ({"eps": 0.0}, ValueError, "eps: expected a positive number, received 0.0"),
    ({"rtol": -1.0}, ValueError, "rtol: expected a number >= 0"),
    ({"mode": "directional", "n_directions": 0}, ValueError, "n_directions: expected a number >= 1"),
    ({"mode": "directional", "rng": "seed"}, TypeError, "rng: expected a numpy.random.Generator"),
])
def test_bad_options_raise_naming_the_option(kwargs, error, start):
    """Each bad keyword argument gives an error that starts with its name."""
    with pytest.raises(error) as info:
        gradient_check(lambda p: 0.0, {"w": [[1.0]]}, {"w": [[0.0]]}, **kwargs)
    assert str(info.value).startswith(start)


@pytest.mark.parametrize("params, grads, error, start", [
    ({}, {}, TypeError, "params: expected a non-empty dict"),
    ([1.0], {}, TypeError, "params: expected a non-empty dict"),
    ({"w": [[np.nan]]}, {"w": [[0.0]]}, ValueError, "params['w']: expected finite numbers"),
    ({"w": [[1.0]]}, [[0.0]], TypeError, "grads: expected a dict of gradients named like params (['w'])"),
])
def test_bad_params_or_grads_raise(params, grads, error, start):
    """params must be a non-empty dict of finite arrays; grads a dict."""
    with pytest.raises(error) as info:
        gradient_check(lambda p: 0.0, params, grads)
    assert str(info.value).startswith(start)


def test_a_loss_that_is_not_callable_is_a_type_error():
    """The loss function must be callable."""
    with pytest.raises(TypeError, match=r"^loss_fn: expected a function of the parameter dict, received float$"):
        gradient_check(1.0, {"w": [[1.0]]}, {"w": [[0.0]]})


def test_numerical_gradient_refuses_unknown_names():
    """names must be parameters."""
    with pytest.raises(ValueError, match=r"^names: 'v' is not a parameter; the parameters are \['w'\]"):
        numerical_gradient(lambda p: 0.0, {"w": [[1.0]]}, names=["v"])
