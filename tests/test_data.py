"""The seeded data generators of ``helpers.data``: shapes, reproducibility, the data they promise."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data import make_classification, make_multivariate, make_nonlinear, make_univariate, standardize

# Each generator with arguments giving n features and m examples.
GENERATORS = {
    "univariate": (make_univariate, {"m": 37}, 1, 37),
    "multivariate": (make_multivariate, {"m": 41, "n": 4}, 4, 41),
    "nonlinear": (make_nonlinear, {"m": 29}, 1, 29),
    "classification": (make_classification, {"m": 33, "n": 3}, 3, 33),
}
ALL = pytest.mark.parametrize("which", sorted(GENERATORS))


def _make(which, rng):
    fn, kwargs, _, _ = GENERATORS[which]
    return fn(**kwargs, rng=rng)


@ALL
def test_shapes_are_n_by_m_and_1_by_m_in_float64(which):
    """X has one example per column, shape (n, m); y has shape (1, m); both float64."""
    _, _, n, m = GENERATORS[which]
    X, y = _make(which, rng=0)
    assert X.shape == (n, m)
    assert y.shape == (1, m)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))


@ALL
def test_same_seed_gives_the_same_data(which):
    """Two calls with the same int seed return identical arrays."""
    X1, y1 = _make(which, rng=123)
    X2, y2 = _make(which, rng=123)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@ALL
def test_different_seeds_give_different_data(which):
    """Different seeds give different inputs."""
    X1, _ = _make(which, rng=1)
    X2, _ = _make(which, rng=2)
    assert not np.array_equal(X1, X2)


@ALL
def test_a_generator_is_used_as_the_seed_it_was_made_from(which):
    """rng=default_rng(s) gives the same data as rng=s, and the Generator's stream advances."""
    gen = np.random.default_rng(5)
    X_gen, y_gen = _make(which, rng=gen)
    X_int, y_int = _make(which, rng=5)
    np.testing.assert_array_equal(X_gen, X_int)
    np.testing.assert_array_equal(y_gen, y_int)
    X_next, _ = _make(which, rng=gen)  # the same Generator, now further along
    assert not np.array_equal(X_next, X_gen)


@ALL
def test_rng_none_draws_fresh_data(which):
    """rng=None works and draws from fresh entropy (two draws differ)."""
    X1, _ = _make(which, rng=None)
    X2, _ = _make(which, rng=None)
    assert X1.shape == X2.shape
    assert not np.array_equal(X1, X2)


@ALL
@pytest.mark.parametrize("bad_rng", [1.5, "seed", True])
def test_a_bad_rng_is_a_type_error_naming_rng(which, bad_rng):
    """rng must be a Generator, an int or None."""
    with pytest.raises(TypeError, match=r"^rng: expected a numpy.random.Generator, an int seed or None, received"):
        _make(which, rng=bad_rng)


# --------------------------------------------------------------------------- what each generator draws


def test_univariate_without_noise_lies_on_the_line_inside_the_range():
    """noise=0 puts every point on y = w x + b, with x inside x_range."""
    x, y = make_univariate(500, w=-1.5, b=0.25, noise=0.0, x_range=(1.0, 3.0), rng=0)
    np.testing.assert_allclose(y, -1.5 * x + 0.25, rtol=0, atol=1e-15)
    assert x.min() >= 1.0 and x.max() < 3.0
    assert x.max() - x.min() > 1.9  # and it fills the interval, not a corner of it


def test_univariate_noise_has_the_requested_standard_deviation():
    """The residuals from the true line have standard deviation close to noise (m = 20000, within 3%)."""
    x, y = make_univariate(20_000, w=2.0, b=-1.0, noise=0.5, rng=1)
    residual = y - (2.0 * x - 1.0)
    assert abs(residual.std() - 0.5) < 0.015
    assert abs(residual.mean()) < 0.015


def test_multivariate_honours_the_feature_scales():
    """Feature i has standard deviation scales[i] (m = 20000, within 3%) and mean close to 0."""
    scales = np.array([0.1, 1.0, 25.0])
    X, _ = make_multivariate(20_000, 3, scales=scales, rng=2)
    np.testing.assert_allclose(X.std(axis=1), scales, rtol=0.03)
    np.testing.assert_array_less(np.abs(X.mean(axis=1)), 0.03 * scales)


def test_multivariate_without_noise_lies_on_the_plane():
    """noise=0 and given weights: y = w X + b exactly."""
    w = np.array([[1.0, -2.0, 0.5]])
    X, y = make_multivariate(50, 3, w=w, b=0.75, noise=0.0, rng=3)
    expected = np.array([[sum(w[0, i] * X[i, j] for i in range(3)) + 0.75 for j in range(50)]])
    np.testing.assert_allclose(y, expected, rtol=1e-13, atol=1e-13)


def test_multivariate_default_scales_are_one():
    """Without scales every feature has standard deviation close to 1 (m = 20000, within 3%)."""
    X, _ = make_multivariate(20_000, 2, rng=4)
    np.testing.assert_allclose(X.std(axis=1), 1.0, rtol=0.03)


@pytest.mark.parametrize("kind, curve", [
    ("bump", lambda x: np.exp(-x ** 2)),
    ("sine", lambda x: np.sin(1.5 * x)),
    ("step", lambda x: np.tanh(3.0 * x)),
])
def test_nonlinear_curves_are_the_documented_functions_with_sorted_inputs(kind, curve):
    """noise=0 gives the documented curve exactly, at sorted inputs inside x_range."""
    X, y = make_nonlinear(300, kind=kind, noise=0.0, x_range=(-2.0, 1.0), rng=5)
    np.testing.assert_allclose(y, curve(X), rtol=0, atol=1e-15)
    assert np.all(np.diff(X[0]) >= 0)
    assert X.min() >= -2.0 and X.max() < 1.0


def test_classification_labels_are_half_zeros_half_ones():
    """Labels are exactly 0.0 and 1.0, m // 2 of them ones."""
    _, y = make_classification(101, rng=6)
    assert set(np.unique(y).tolist()) == {0.0, 1.0}
    assert int(y.sum()) == 101 // 2


def test_classification_centres_are_separation_apart():
    """The two class means lie separation apart (m = 20000, within 0.05) with unit spread."""
    X, y = make_classification(20_000, n=3, separation=3.0, rng=7)
    ones, zeros = X[:, y[0] == 1.0], X[:, y[0] == 0.0]
    distance = np.linalg.norm(ones.mean(axis=1) - zeros.mean(axis=1))
    assert abs(distance - 3.0) < 0.05
    # around its own centre each class is a unit Gaussian
    np.testing.assert_allclose((ones - ones.mean(axis=1, keepdims=True)).std(axis=1), 1.0, rtol=0.03)


def test_classification_separation_zero_gives_identical_clouds():
    """With separation 0 the labels carry no information: both means are near the origin."""
    X, y = make_classification(20_000, n=2, separation=0.0, rng=8)
    for label in (0.0, 1.0):
        np.testing.assert_allclose(X[:, y[0] == label].mean(axis=1), 0.0, atol=0.05)


# --------------------------------------------------------------------------- standardize


def test_standardize_gives_rows_of_mean_0_and_std_1():
    """Each row of the result has mean 0 and standard deviation 1 (to 1e-12)."""
    X, _ = make_multivariate(200, 3, scales=[0.1, 5.0, 100.0], rng=9)
    X_std, mean, std = standardize(X)
    assert mean.shape == std.shape == (3, 1)
    np.testing.assert_allclose(X_std.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_std.std(axis=1), 1.0, rtol=1e-12)


def test_standardize_applies_the_training_statistics_to_new_data():
    """Given mean and std, new data is shifted and scaled by them, not by its own statistics."""
    X_train, _ = make_multivariate(100, 2, scales=[2.0, 7.0], rng=10)
    X_new, _ = make_multivariate(30, 2, scales=[2.0, 7.0], rng=11)
    _, mean, std = standardize(X_train)
    X_new_std, mean2, std2 = standardize(X_new, mean, std)
    expected = np.array([[(X_new[i, j] - X_train[i].mean()) / X_train[i].std() for j in range(30)]
                         for i in range(2)])
    np.testing.assert_allclose(X_new_std, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(mean2, mean)
    np.testing.assert_array_equal(std2, std)


def test_standardize_refuses_a_constant_feature():
    """A constant row cannot be scaled; the message names the row."""
    X = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 4.0]])
    with pytest.raises(ValueError, match=r"^X: feature 1 is constant"):
        standardize(X)


def test_standardize_statistics_must_match_the_features():
    """A mean of the wrong shape is refused with both shapes."""
    with pytest.raises(ValueError) as info:
        standardize(np.ones((2, 4)), mean=np.zeros((3, 1)), std=np.ones((2, 1)))
    assert str(info.value) == "mean: expected shape (n, 1) = (2, 1), received shape (3, 1)"


# --------------------------------------------------------------------------- bad arguments

BAD_ARGUMENTS = [
    # (function, keyword arguments, error type, argument named, text that must appear)
    (make_univariate, {"m": 0}, ValueError, "m", "expected a number >= 1, received 0"),
    (make_univariate, {"m": 2.5}, ValueError, "m", "expected an integer, received 2.5"),
    (make_univariate, {"m": "10"}, TypeError, "m", "expected an integer, received str '10'"),
    (make_univariate, {"noise": -0.1}, ValueError, "noise", "expected a number >= 0, received -0.1"),
    (make_univariate, {"w": np.nan}, ValueError, "w", "expected a finite number, received nan"),
    (make_univariate, {"x_range": (1.0, -1.0)}, ValueError, "x_range", "expected low < high, received (1.0, -1.0)"),
    (make_univariate, {"x_range": 3.0}, ValueError, "x_range", "expected two numbers (low, high), received 3.0"),
    (make_multivariate, {"n": 0}, ValueError, "n", "expected a number >= 1, received 0"),
    (make_multivariate, {"n": 3, "scales": [1.0, 2.0]}, ValueError, "scales",
     "expected shape (3,), received shape (2,)"),
    (make_multivariate, {"n": 2, "scales": [1.0, -2.0]}, ValueError, "scales",
     "expected positive standard deviations, received"),
    (make_multivariate, {"n": 3, "w": [1.0, 2.0, 3.0]}, ValueError, "w",
     "expected shape (1, 3), received shape (3,)"),
    (make_multivariate, {"n": 2, "w": [[1.0], [2.0]]}, ValueError, "w",
     "expected shape (1, 2), received shape (2, 1): did you transpose it?"),
    (make_multivariate, {"b": "zero"}, TypeError, "b", "expected a number, received str 'zero'"),
    (make_nonlinear, {"kind": "cubic"}, ValueError, "kind",
     "expected one of ['bump', 'sine', 'step'], received 'cubic'"),
    (make_nonlinear, {"x_range": (0.0, 0.0)}, ValueError, "x_range", "expected low < high"),
    (make_classification, {"m": 1}, ValueError, "m", "expected a number >= 2, received 1"),
    (make_classification, {"separation": -1.0}, ValueError, "separation",
     "expected a number >= 0, received -1.0"),
]


@pytest.mark.parametrize("fn, kwargs, error, name, text", BAD_ARGUMENTS,
                         ids=[f"{fn.__name__}-{next(iter(kw))}-{i}" for i, (fn, kw, *_) in enumerate(BAD_ARGUMENTS)])
def test_bad_arguments_raise_naming_the_argument_expected_and_received(fn, kwargs, error, name, text):
    """Each bad argument raises the right error type, starting with its name, saying expected vs received."""
    with pytest.raises(error) as info:
        fn(**kwargs, rng=0)
    msg = str(info.value)
    assert msg.startswith(f"{name}: ")
    assert "expected" in msg and "received" in msg
    assert text in msg
