"""The argument checks of ``helpers._validate``: right values pass, wrong ones raise a precise message."""

from __future__ import annotations

import numpy as np
import pytest

from helpers._validate import as_rng, check_array, check_scalar, format_shape

# --------------------------------------------------------------------------- format_shape


@pytest.mark.parametrize("shape, text", [((3, 1), "(3, 1)"), ((5,), "(5,)"), ((), "()"), ((2, 3, 4), "(2, 3, 4)")])
def test_format_shape_writes_shapes_the_way_numpy_prints_them(shape, text):
    """format_shape agrees with str() of the same tuple, which is how numpy prints a shape."""
    assert format_shape(shape) == text == str(tuple(shape))


# --------------------------------------------------------------------------- as_rng


def test_as_rng_returns_a_given_generator_itself():
    """A Generator passed in is used as is, so the caller's stream advances."""
    gen = np.random.default_rng(3)
    assert as_rng(gen) is gen


@pytest.mark.parametrize("seed", [0, 7, np.int64(7)])
def test_as_rng_seeds_a_fresh_generator_from_an_int(seed):
    """An int seed (Python or numpy) gives the same stream as default_rng(seed)."""
    expected = np.random.default_rng(int(seed)).standard_normal(5)
    np.testing.assert_array_equal(as_rng(seed).standard_normal(5), expected)


def test_as_rng_accepts_none_for_fresh_entropy():
    """None gives a Generator seeded from the operating system."""
    assert isinstance(as_rng(None), np.random.Generator)


@pytest.mark.parametrize("bad", [1.5, "0", True, [1, 2], np.random.RandomState(0)])
def test_as_rng_rejects_anything_else_with_a_type_error(bad):
    """Floats, strings, bools, lists and the legacy RandomState are refused, naming rng."""
    with pytest.raises(TypeError) as info:
        as_rng(bad)
    msg = str(info.value)
    assert msg.startswith("rng: expected a numpy.random.Generator, an int seed or None")
    assert f"received {type(bad).__name__}" in msg


# --------------------------------------------------------------------------- check_array


def test_check_array_returns_float64_of_the_same_values():
    """Integers and float32 come back as float64 with unchanged values."""
    out = check_array("X", np.arange(6, dtype=np.int32).reshape(2, 3), ("n", "m"))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, np.arange(6).reshape(2, 3))
    out32 = check_array("X", np.array([[0.1]], dtype=np.float32))
    assert out32.dtype == np.float64
    assert out32[0, 0] == np.float64(np.float32(0.1))


def test_check_array_binds_letters_and_makes_them_agree_across_calls():
    """A letter bound by one array (m from X) must match the next array's size."""
    sizes = {}
    check_array("X", np.zeros((3, 5)), ("n", "m"), sizes=sizes)
    assert sizes == {"n": 3, "m": 5}
    check_array("y", np.zeros((1, 5)), (1, "m"), sizes=sizes)
    with pytest.raises(ValueError) as info:
        check_array("y", np.zeros((1, 4)), (1, "m"), sizes=sizes)
    assert str(info.value) == "y: expected shape (1, m) = (1, 5), received shape (1, 4)"


def test_check_array_failed_check_binds_no_letter():
    """A shape that fails leaves the bound sizes as they were."""
    sizes = {"m": 5}
    with pytest.raises(ValueError):
        check_array("W", np.zeros((2, 3)), ("k", "m"), sizes=sizes)
    assert sizes == {"m": 5}


def test_check_array_repeated_letter_means_square():
    """("n", "n") accepts a square matrix and refuses a rectangular one."""
    check_array("S", np.zeros((3, 3)), ("n", "n"))
    with pytest.raises(ValueError, match=r"^S: expected shape \(n, n\), received shape \(3, 4\)$"):
        check_array("S", np.zeros((3, 4)), ("n", "n"))


def test_check_array_suggests_a_transpose():
    """A (m, 1) array where (1, m) was expected is called a transpose."""
    with pytest.raises(ValueError) as info:
        check_array("y", np.zeros((5, 1)), (1, 5))
    assert str(info.value) == "y: expected shape (1, 5), received shape (5, 1): did you transpose it?"


def test_check_array_suggests_a_reshape_for_a_1d_array():
    """A (m,) array where (1, m) was expected gets the .reshape that fixes it."""
    with pytest.raises(ValueError) as info:
        check_array("w", np.zeros(3), (1, 3))
    assert str(info.value) == ("w: expected shape (1, 3), received shape (3,): "
                               "a 1-D array; keep it 2-D with .reshape(1, 3)")


def test_check_array_wrong_number_of_axes_without_bound_letters():
    """With letters not yet bound, the message shows the symbolic shape and the received one."""
    with pytest.raises(ValueError) as info:
        check_array("X", np.zeros(5), ("n", "m"))
    assert str(info.value) == "X: expected shape (n, m), received shape (5,)"


@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
def test_check_array_names_the_first_non_finite_entry(bad_value):
    """NaN and infinities are refused with the entry's index."""
    X = np.ones((2, 3))
    X[1, 2] = bad_value
    X[1, 0] = bad_value
    with pytest.raises(ValueError) as info:
        check_array("X", X)
    assert str(info.value) == f"X: expected finite numbers, received {bad_value} at index (1, 0)"


def test_check_array_accepts_huge_finite_values_whose_sum_overflows():
    """The quick finite test sums the array; a sum that overflows must not reject finite data."""
    X = np.full((2, 2), 1e308)
    with np.errstate(over="raise"):
        np.testing.assert_array_equal(check_array("X", X), X)


def test_check_array_finite_false_lets_non_finite_values_through():
    """finite=False is for arrays (like a diverged loss) where inf is a legitimate value."""
    out = check_array("L", [np.inf, np.nan, 1.0], finite=False)
    assert np.isinf(out[0]) and np.isnan(out[1])


@pytest.mark.parametrize("bad", [None, "1.0", b"1", [[1.0, 2.0], [3.0]], {"a": 1}])
def test_check_array_rejects_non_numeric_input_with_a_type_error(bad):
    """None, strings, ragged lists and dicts are refused, naming the argument."""
    with pytest.raises(TypeError) as info:
        check_array("X", bad)
    msg = str(info.value)
    assert msg.startswith("X: expected a numeric array, received ")
    assert type(bad).__name__ in msg


# --------------------------------------------------------------------------- check_scalar


def test_check_scalar_returns_python_numbers():
    """Floats come back as float, integers (with integer=True) as int, size-1 arrays unwrapped."""
    assert check_scalar("eps", np.float32(0.5)) == 0.5
    assert type(check_scalar("eps", np.float32(0.5))) is float
    assert check_scalar("steps", 3.0, integer=True) == 3
    assert type(check_scalar("steps", np.int64(3), integer=True)) is int
    assert check_scalar("b", np.array([[2.5]])) == 2.5


@pytest.mark.parametrize("kwargs, value, message", [
    ({"positive": True}, 0, "learning_rate: expected a positive number, received 0"),
    ({"positive": True}, -0.1, "learning_rate: expected a positive number, received -0.1"),
    ({"integer": True}, 2.5, "learning_rate: expected an integer, received 2.5"),
    ({"minimum": 1}, 0, "learning_rate: expected a number >= 1, received 0"),
    ({}, float("nan"), "learning_rate: expected a finite number, received nan"),
    ({}, float("inf"), "learning_rate: expected a finite number, received inf"),
])
def test_check_scalar_value_errors_say_expected_and_received(kwargs, value, message):
    """Each violated condition gives a ValueError naming the argument, the rule and the value."""
    with pytest.raises(ValueError) as info:
        check_scalar("learning_rate", value, **kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("bad", ["0.1", None, True, [0.1], np.array([0.1, 0.2])])
def test_check_scalar_type_errors_for_non_numbers(bad):
    """Strings, None, bools, lists and arrays of several entries are not numbers."""
    with pytest.raises(TypeError) as info:
        check_scalar("learning_rate", bad)
    msg = str(info.value)
    assert msg.startswith("learning_rate: expected a number, received ")
    assert type(bad).__name__ in msg


def test_check_scalar_type_error_says_integer_when_an_integer_is_wanted():
    """With integer=True the message asks for an integer."""
    with pytest.raises(TypeError, match=r"^steps: expected an integer, received str '3'$"):
        check_scalar("steps", "3", integer=True)
