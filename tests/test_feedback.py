"""``helpers.feedback``: each documented mistake, made on purpose, is recognised and named.

Every test builds the right answer, makes one mistake with it the way a student
would, and checks the message: the array's name, the expected and received
shapes, the worst index with both values, and the likely mistake.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.feedback import assert_matches, describe_mismatch, diagnose, requires_exercise

M = 10  # examples; not 4, where "m/2 times too large" and "twice the value" are the same numbers


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


def _message(name, received, expected, **kwargs):
    """The AssertionError message of assert_matches (which must raise)."""
    with pytest.raises(AssertionError) as info:
        assert_matches(name, received, expected, **kwargs)
    return str(info.value)


def _worst(received, expected):
    """Index of the largest absolute difference, computed independently of the module."""
    return tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(received - expected)), expected.shape))


def _check_value_message(msg, name, received, expected):
    """The message names the array, its shape, the worst index and both values there."""
    idx = _worst(received, expected)
    assert msg.startswith(f"{name} has the right shape {expected.shape}")
    assert f"at {idx}" in msg
    assert f"received {received[idx]:.6g}, expected {expected[idx]:.6g}" in msg


# --------------------------------------------------------------------------- right answers


@pytest.mark.parametrize("shape", [(), (1, 1), (3, 1), (1, 5), (4, 3)])
def test_a_correct_array_passes_silently(shape, rng, capsys):
    """The right array (up to rounding in the last digits) raises nothing and prints nothing."""
    expected = rng.standard_normal(shape)
    received = expected * (1 + 1e-9)  # inside the default rtol of 1e-6
    assert assert_matches("dW", received, expected) is None
    assert describe_mismatch("dW", received.tolist(), expected) is None
    assert capsys.readouterr() == ("", "")


def test_tolerance_is_atol_plus_rtol_times_expected():
    """An entry passes when |received - expected| <= atol + rtol |expected|, and fails just beyond."""
    expected = np.array([[2.0, -4.0]])
    assert_matches("v", expected + [[0.0, 0.9 * (1e-3 + 1e-2 * 4)]], expected, rtol=1e-2, atol=1e-3)
    with pytest.raises(AssertionError):
        assert_matches("v", expected + [[0.0, 1.1 * (1e-3 + 1e-2 * 4)]], expected, rtol=1e-2, atol=1e-3)


# --------------------------------------------------------------------------- wrong shapes


def test_transposed_non_square_shape(rng):
    """A (3, 2) array where (2, 3) was expected: 'did you transpose it?'."""
    expected = rng.standard_normal((2, 3))
    msg = _message("dW1", expected.T, expected)
    assert msg == "dW1 has shape (3, 2), expected (2, 3): did you transpose it?"


def test_transposed_square_values(rng):
    """A square matrix equal to the transpose of the answer: same shape, so the values are diagnosed."""
    expected = rng.standard_normal((3, 3))
    received = expected.T
    msg = _message("dW2", received, expected)
    _check_value_message(msg, "dW2", received, expected)
    assert msg.endswith("Likely mistake: it is the transpose of the expected matrix.")


def test_transposed_symmetric_matrix_is_not_a_mistake(rng):
    """The transpose of a symmetric answer is the answer: no complaint."""
    A = rng.standard_normal((3, 3))
    assert describe_mismatch("S", (A + A.T).T, A + A.T) is None


@pytest.mark.parametrize("expected_shape", [(4, 1), (1, 4)])
def test_1d_array_where_a_column_or_row_was_expected(expected_shape, rng):
    """(n,) instead of (n, 1) or (1, n): keep it 2-D, with the .reshape that does it."""
    expected = rng.standard_normal(expected_shape)
    msg = _message("db1", expected.ravel(), expected)
    want = f"({expected_shape[0]}, {expected_shape[1]})"
    assert msg == (f"db1 has shape (4,), expected {want}: a 1-D array of shape (4,); keep it 2-D, "
                   f"shape {want} (use keepdims=True or .reshape{want})")


def test_n_by_n_from_broadcasting_a_1d_array_against_a_column(rng):
    """(n,) + (n, 1) broadcasts to (n, n): the message explains the broadcast."""
    expected = rng.standard_normal((4, 1))
    column, flat = rng.standard_normal((4, 1)), rng.standard_normal(4)
    received = column + flat  # the student's (n, n) result
    assert received.shape == (4, 4)
    msg = _message("z", received, expected)
    assert msg == ("z has shape (4, 4), expected (4, 1): a (4,) array was broadcast against a (4, 1) one, "
                   "which gives (4, 4); keep both 2-D")


def test_sum_over_the_wrong_axis(rng):
    """db = dZ.sum(axis=0, keepdims=True) gives (1, m) where (k, 1) was expected."""
    dZ = rng.standard_normal((3, M))
    expected = dZ.sum(axis=1, keepdims=True)
    msg = _message("db", dZ.sum(axis=0, keepdims=True), expected)
    assert msg == ("db has shape (1, 10), expected (3, 1): summed (or averaged) over the wrong axis? "
                   "axis=1 with keepdims=True gives shape (3, 1)")


def test_sum_without_keepdims(rng):
    """dZ.sum(axis=1) drops the axis: (k,) where (k, 1) was expected, named as a 1-D array."""
    dZ = rng.standard_normal((3, M))
    msg = _message("db", dZ.sum(axis=1), dZ.sum(axis=1, keepdims=True))
    assert msg.startswith("db has shape (3,), expected (3, 1): a 1-D array of shape (3,)")
    assert "keepdims=True" in msg


def test_column_where_a_row_was_expected(rng):
    """A (k, 1) column where a (1, n) row of another length was expected: reduced over the wrong axis."""
    expected = rng.standard_normal((1, 3))
    msg = _message("dw", rng.standard_normal((5, 1)), expected)
    assert msg == ("dw has shape (5, 1), expected (1, 3): summed (or averaged) over the wrong axis? "
                   "axis=0 with keepdims=True gives shape (1, 3)")


def test_scalar_where_a_column_was_expected(rng):
    """np.sum(dZ) gives a single number where db of shape (k, 1) was expected."""
    dZ = rng.standard_normal((3, M))
    msg = _message("db", np.sum(dZ), dZ.sum(axis=1, keepdims=True))
    assert msg == ("db has shape (), expected (3, 1): summed over every axis; sum over axis=1 only, "
                   "with keepdims=True, to get shape (3, 1)")


def test_unrelated_shape_has_no_hint(rng):
    """A shape no known mistake explains gets the bare shapes, no invented hint."""
    assert _message("W", np.zeros((2, 5)), np.zeros((3, 4))) == "W has shape (2, 5), expected (3, 4)"


# --------------------------------------------------------------------------- wrong values, right shape

FACTOR_MISTAKES = [
    (-1.0, None, "the sign is flipped (every entry is -1 times the expected value)"),
    (2.0, None, "every entry is twice the expected value: an extra factor 2"),
    (0.5, None, "every entry is half the expected value: the factor 2 from differentiating the square is missing"),
    (float(M), M, f"every entry is m = {M} times too large: the 1/m is missing"),
    (1.0 / M, M, f"every entry is m = {M} times too small: an extra 1/m"),
    (2.0 * M, M, f"every entry is 2m = {2 * M} times too large: the 1/m is missing (and an extra factor 2)"),
    (M / 2.0, M, f"every entry is m/2 = {M / 2:g} times too large: the 1/m and the factor 2 are both missing"),
    (-float(M), M, f"the sign is flipped and the 1/m is missing (every entry is -m = {-M} times the expected value)"),
    (3.7, None, "every entry is 3.7 times the expected value: a constant factor is wrong"),
    (float(M), None, f"every entry is {M} times the expected value: a constant factor is wrong"),
    # the sign and factor-2 mistakes are still recognised when m is given
    (-1.0, M, "the sign is flipped (every entry is -1 times the expected value)"),
    (2.0, M, "every entry is twice the expected value: an extra factor 2"),
    (0.5, M, "every entry is half the expected value: the factor 2 from differentiating the square is missing"),
]


@pytest.mark.parametrize("factor, m, hint", FACTOR_MISTAKES)
def test_a_constant_factor_is_named(factor, m, hint, rng):
    """received = factor * expected: the message gives the worst entry, both values and the factor's story."""
    expected = rng.standard_normal((3, 4))
    received = factor * expected
    msg = _message("dW1", received, expected, m=m)
    _check_value_message(msg, "dW1", received, expected)
    assert "12 of 12 entries differ" in msg
    assert msg.endswith(f"Likely mistake: {hint}.")
    assert diagnose(received, expected, m=m) == hint


def test_a_single_wrong_entry_is_found_with_no_invented_story(rng):
    """One wrong entry: the message points at it and does not guess a mistake."""
    expected = rng.standard_normal((3, 4))
    received = expected.copy()
    received[2, 1] += 0.75
    msg = _message("A1", received, expected)
    assert msg == (f"A1 has the right shape (3, 4) but wrong values: 1 of 12 entries differ; the worst, "
                   f"at (2, 1): received {received[2, 1]:.6g}, expected {expected[2, 1]:.6g}.")


def test_the_worst_entry_is_the_largest_error(rng):
    """With several wrong entries the message names the one with the largest error."""
    expected = rng.standard_normal((4, 5))
    received = expected + rng.uniform(-0.1, 0.1, (4, 5))
    received[3, 0] = expected[3, 0] + 5.0
    msg = _message("Z2", received, expected)
    assert "the worst, at (3, 0)" in msg
    _check_value_message(msg, "Z2", received, expected)


def test_a_single_number_message(rng):
    """A (1, 1) array and a 0-d number both give 'a wrong value' with both values."""
    assert _message("db2", [[-0.5]], [[0.5]]).startswith(
        "db2 has the right shape (1, 1) but a wrong value: at (0, 0) received -0.5, expected 0.5.")
    assert _message("loss", 1.25, 0.75) == ("loss has the right shape () but a wrong value: "
                                           "received 1.25, expected 0.75.")


def test_user_supplied_mistakes_are_named(rng):
    """A lesson-specific mistake passed in `mistakes` is reported when the received array matches it."""
    X = rng.standard_normal((2, M))
    W, b = rng.standard_normal((3, 2)), rng.standard_normal((3, 1))
    expected = W @ X + b
    forgot_bias = W @ X
    mistakes = {"the bias b1 is missing from Z1 = W1 X + b1": forgot_bias,
                "X and W1 are multiplied the wrong way round": np.zeros((3, M))}
    msg = _message("Z1", forgot_bias, expected, mistakes=mistakes)
    _check_value_message(msg, "Z1", forgot_bias, expected)
    assert msg.endswith("Likely mistake: the bias b1 is missing from Z1 = W1 X + b1.")


def test_user_supplied_mistake_with_a_different_shape(rng):
    """A mistake array of a wrong shape is matched before the generic shape hints."""
    expected = rng.standard_normal((3, 1))
    wrong = rng.standard_normal((3, 3))
    msg = _message("dZ", wrong, expected, mistakes={"σ(z) used where σ(z)(1 - σ(z)) is needed": wrong})
    assert msg == "dZ has shape (3, 3), expected (3, 1): σ(z) used where σ(z)(1 - σ(z)) is needed"


def test_a_mistake_that_does_not_match_is_not_reported(rng):
    """A supplied mistake whose array differs from the received one is not blamed."""
    expected = rng.standard_normal((2, 3))
    received = expected + rng.standard_normal((2, 3))
    msg = _message("A", received, expected, mistakes={"forgot the bias": expected + 100.0})
    assert "forgot the bias" not in msg and "Likely mistake" not in msg


def test_none_means_a_forgotten_return(rng):
    """None (a function without `return`) is named as such, with the expected shape."""
    msg = _message("dW1", None, rng.standard_normal((3, 2)))
    assert msg == "dW1 is None, expected an array of shape (3, 2): did you forget to `return` it?"


@pytest.mark.parametrize("bad, kind", [("0.5", "str"), ("abc", "str"), ({"b": 0.5}, "dict")])
def test_a_non_numeric_value_is_named(bad, kind):
    """A string (even one numpy could parse) or a dict is not an array: the message says what it is."""
    assert _message("b", bad, np.zeros((2, 1))) == f"b is a {kind}, expected a numeric array of shape (2, 1)"


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_named_with_their_index(bad, rng):
    """NaN or inf in the received array: its index, and the value expected there."""
    expected = rng.standard_normal((2, 3))
    received = expected.copy()
    received[1, 2] = bad
    msg = _message("A2", received, expected)
    assert msg == f"A2 contains {bad} at (1, 2), expected finite numbers (expected value there: {expected[1, 2]:.6g})"


def test_zero_expected_gets_no_factor_story(rng):
    """When the answer is all zeros no factor can explain a difference; no hint is invented."""
    received = rng.standard_normal((2, 2))
    msg = _message("g", received, np.zeros((2, 2)))
    assert "Likely mistake" not in msg
    _check_value_message(msg, "g", received, np.zeros((2, 2)))


# --------------------------------------------------------------------------- requires_exercise


def test_requires_exercise_swallows_not_implemented_and_prints_a_reminder(capsys):
    """An unfinished exercise (NotImplementedError) stops the block and prints one line on stdout."""
    ran = []
    with requires_exercise("Exercise 3 (forward pass)"):
        ran.append("before")
        raise NotImplementedError("write forward() first")
        ran.append("after")  # never reached
    out, err = capsys.readouterr()
    assert ran == ["before"]
    assert out == "This cell uses your Exercise 3 (forward pass): it will run once that exercise is done.\n"
    assert err == ""


def test_requires_exercise_names_several_exercises_in_the_plural(capsys):
    """A cell that needs several exercises says 'once those exercises are done'."""
    with requires_exercise("Exercises 1 and 2 (forward, mse_loss)"):
        raise NotImplementedError
    assert capsys.readouterr().out == ("This cell uses your Exercises 1 and 2 (forward, mse_loss): "
                                       "it will run once those exercises are done.\n")


@pytest.mark.parametrize("error", [ValueError("wrong shape"), AssertionError("check failed"), ZeroDivisionError()])
def test_requires_exercise_lets_other_errors_through(error, capsys):
    """Any error other than NotImplementedError is re-raised untouched, with nothing printed."""
    with pytest.raises(type(error)) as info, requires_exercise("Exercise 1"):
        raise error
    assert info.value is error
    assert capsys.readouterr() == ("", "")


def test_requires_exercise_is_silent_when_the_exercise_is_done(capsys):
    """A block that runs through prints nothing."""
    ran = []
    with requires_exercise("Exercise 1"):
        ran.append(1)
    assert ran == [1]
    assert capsys.readouterr() == ("", "")
