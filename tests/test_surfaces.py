"""``helpers.surfaces``: both surface functions agree with a brute-force loop over the grid.

The brute force evaluates the loss at each grid point separately with plain
numpy, so it shares no code (and no algebra) with the module.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data import make_multivariate, make_univariate
from helpers.surfaces import linear_mse_surface, loss_surface

RTOL = 1e-10  # the sufficient-statistics form rounds differently from the direct sum, by far less than this


def brute_linear_mse(X, y, w, b, vary, values0, values1):
    """L[j, i] = mean((w X + b - y)²) with vary[0] = values0[i], vary[1] = values1[j], by a loop."""
    L = np.empty((len(values1), len(values0)))
    for i, v0 in enumerate(values0):
        for j, v1 in enumerate(values1):
            w_ij, b_ij = np.array(w, dtype=np.float64).copy(), float(b)
            for name, value in zip(vary, (v0, v1)):
                if name == "b":
                    b_ij = value
                else:
                    w_ij[0, int(name[1:] or 0)] = value
            L[j, i] = np.mean((w_ij @ X + b_ij - y) ** 2)
    return L


# --------------------------------------------------------------------------- linear_mse_surface


def test_univariate_surface_equals_brute_force_and_is_oriented_rows_b_columns_w():
    """L[j, i] is the loss at (w = values0[i], b = values1[j]), shape (g1, g0) with g0 != g1."""
    x, y = make_univariate(80, w=1.5, b=-0.5, noise=0.3, rng=0)
    ws, bs = np.linspace(-1, 4, 7), np.linspace(-3, 2, 5)
    L = linear_mse_surface(x, y, ws, bs)
    assert L.shape == (5, 7)
    np.testing.assert_allclose(L, brute_linear_mse(x, y, [[0.0]], 0.0, ("w", "b"), ws, bs), rtol=RTOL, atol=0)
    # orientation, spelled out for one point away from the diagonal
    assert L[1, 4] == pytest.approx(np.mean((ws[4] * x + bs[1] - y) ** 2), rel=RTOL)


def test_exact_fit_is_zero_at_the_true_parameters():
    """Noise-free data: the grid point at the true (w, b) has loss 0, the minimum of the grid."""
    x, y = make_univariate(50, w=2.0, b=1.0, noise=0.0, rng=1)
    ws, bs = np.array([0.0, 1.0, 2.0, 3.0]), np.array([-1.0, 1.0, 3.0])
    L = linear_mse_surface(x, y, ws, bs)
    j, i = np.unravel_index(np.argmin(L), L.shape)
    assert (ws[i], bs[j]) == (2.0, 1.0)
    assert L[j, i] == pytest.approx(0.0, abs=1e-12)
    assert np.all(L >= 0)


PAIRS = [("w0", "w1"), ("w2", "w0"), ("w1", "b"), ("b", "w2")]


@pytest.mark.parametrize("vary", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_multivariate_surface_for_every_kind_of_pair(vary):
    """Varying (w_i, w_j) or (w_i, b), in either order, with the other weights fixed at non-zero values."""
    X, y = make_multivariate(120, 3, w=[[1.0, -2.0, 0.5]], b=0.7, scales=[1.0, 3.0, 0.2], noise=0.4, rng=2)
    w_fixed, b_fixed = np.array([[0.8, -1.3, 2.1]]), -0.4
    values0, values1 = np.linspace(-2.5, 2.0, 9), np.linspace(-1.0, 3.0, 6)
    L = linear_mse_surface(X, y, values0, values1, vary=vary, w=w_fixed, b=b_fixed)
    expected = brute_linear_mse(X, y, w_fixed, b_fixed, vary, values0, values1)
    assert L.shape == (6, 9)
    np.testing.assert_allclose(L, expected, rtol=RTOL, atol=0)


def test_fixed_weights_default_to_zero():
    """Without w, the weights that do not vary are 0."""
    X, y = make_multivariate(40, 2, rng=3)
    values = np.linspace(-1, 1, 4)
    L = linear_mse_surface(X, y, values, values, vary=("w1", "b"))
    np.testing.assert_allclose(L, brute_linear_mse(X, y, [[0.0, 0.0]], 0.0, ("w1", "b"), values, values),
                               rtol=RTOL, atol=0)


def test_the_surface_does_not_touch_its_inputs():
    """X, y and w are read, never written."""
    X, y = make_multivariate(30, 2, rng=4)
    w = np.array([[0.5, 0.5]])
    copies = X.copy(), y.copy(), w.copy()
    linear_mse_surface(X, y, [0.0, 1.0], [0.0, 1.0], vary=("w0", "b"), w=w)
    for before, after in zip(copies, (X, y, w)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("vary, message", [
    (("w3", "b"), "vary: expected names from ['b', 'w0', 'w1', 'w2'], received 'w3'"),
    (("w", "b"), "vary: expected names from ['b', 'w0', 'w1', 'w2'], received 'w'"),
    (("theta", "b"), "vary: expected names from ['b', 'w0', 'w1', 'w2'], received 'theta'"),
    (("w1", "w1"), "vary: expected two different parameters, received ('w1', 'w1')"),
    (("b", "b"), "vary: expected two different parameters, received ('b', 'b')"),
    ("wb", "vary: expected two parameter names, received 'wb'"),
    (("w0", "w1", "b"), "vary: expected two parameter names, received ('w0', 'w1', 'b')"),
])
def test_bad_vary_names_are_refused(vary, message):
    """Unknown names, the same parameter twice, or not a pair: a ValueError naming vary."""
    X, y = make_multivariate(10, 3, rng=5)
    with pytest.raises(ValueError) as info:
        linear_mse_surface(X, y, [0.0], [0.0], vary=vary)
    assert str(info.value) == message


def test_w_and_w0_are_the_same_parameter_for_one_feature():
    """With one feature, "w" names w0: the two give the same surface, and together they are one parameter twice."""
    x, y = make_univariate(20, rng=6)
    values = np.linspace(-1, 1, 3)
    np.testing.assert_array_equal(linear_mse_surface(x, y, values, values, vary=("w", "b")),
                                  linear_mse_surface(x, y, values, values, vary=("w0", "b")))
    with pytest.raises(ValueError, match=r"^vary: expected two different parameters"):
        linear_mse_surface(x, y, values, values, vary=("w", "w0"))


@pytest.mark.parametrize("kwargs, message", [
    ({"y": np.zeros((20, 1))}, "y: expected shape (1, m) = (1, 20), received shape (20, 1): did you transpose it?"),
    ({"values0": np.zeros((2, 2))}, "values0: expected shape (g0,), received shape (2, 2)"),
    ({"w": np.zeros((2, 1))}, "w: expected shape (1, 2), received shape (2, 1): did you transpose it?"),
])
def test_bad_arrays_are_refused_naming_them(kwargs, message):
    """Arrays of the wrong shape are named, with the expected and received shapes."""
    X, y = make_multivariate(20, 2, rng=7)
    args = {"X": X, "y": y, "values0": [0.0, 1.0], "values1": [0.0, 1.0]} | kwargs
    with pytest.raises(ValueError) as info:
        linear_mse_surface(args.pop("X"), args.pop("y"), args.pop("values0"), args.pop("values1"),
                           vary=("w0", "b"), **args)
    assert str(info.value) == message


# --------------------------------------------------------------------------- loss_surface: a two-layer network


def _network(seed=8, k=3, n=2, m=15):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, m)), rng.standard_normal((1, m))
    params = {"W1": rng.standard_normal((k, n)), "b1": rng.standard_normal((k, 1)),
              "W2": rng.standard_normal((1, k)), "b2": rng.standard_normal((1, 1))}
    return X, y, params


def _loss(X, y):
    """One grid point: L = mean((W2 σ(W1 X + b1) + b2 - y)²)."""
    def loss(p):
        A1 = 1.0 / (1.0 + np.exp(-(p["W1"] @ X + p["b1"])))
        return float(np.mean((p["W2"] @ A1 + p["b2"] - y) ** 2))
    return loss


def _batched_loss(X, y, calls=None):
    """c grid points at once: every parameter has a leading axis of length c; returns shape (c,)."""
    def loss(p):
        if calls is not None:
            calls.append(len(p["W1"]))
        A1 = 1.0 / (1.0 + np.exp(-(p["W1"] @ X + p["b1"])))  # (c, k, m)
        y_hat = p["W2"] @ A1 + p["b2"]  # (c, 1, m)
        return np.mean((y_hat - y) ** 2, axis=(1, 2))
    return loss


def _brute_surface(loss, params, entries, values0, values1):
    """The loop the module must agree with: copy the parameters, set two entries, evaluate."""
    L = np.empty((len(values1), len(values0)))
    for j, v1 in enumerate(values1):
        for i, v0 in enumerate(values0):
            p = {k: v.copy() for k, v in params.items()}
            for (name, idx), value in zip(entries, (v0, v1)):
                p[name][idx] = value
            L[j, i] = loss(p)
    return L


VARY = [
    (("W1", (0, 1)), "b2"),
    (("W1", (0, 0)), ("W1", (2, 1))),  # two entries of one parameter
    (("W2", (0, 2)), ("b1", (1, 0))),
]


@pytest.mark.parametrize("vary0, vary1", VARY, ids=["W1-b2", "W1-W1", "W2-b1"])
def test_loss_surface_one_point_at_a_time_equals_brute_force(vary0, vary1):
    """Non-batched: L[j, i] is the loss with vary0 = values0[i], vary1 = values1[j] (to 1e-12 relative)."""
    X, y, params = _network()
    values0, values1 = np.linspace(-2, 2, 7), np.linspace(-1, 3, 5)
    entries = [(v, (0, 0)) if isinstance(v, str) else v for v in (vary0, vary1)]
    L = loss_surface(_loss(X, y), params, vary0, vary1, values0, values1)
    assert L.shape == (5, 7)
    np.testing.assert_allclose(L, _brute_surface(_loss(X, y), params, entries, values0, values1), rtol=1e-12, atol=0)


@pytest.mark.parametrize("chunk_size", [1, 4, 35, 1000])
@pytest.mark.parametrize("vary0, vary1", VARY, ids=["W1-b2", "W1-W1", "W2-b1"])
def test_batched_loss_surface_equals_brute_force_for_any_chunk_size(vary0, vary1, chunk_size):
    """Batched over 35 points in chunks of 1, 4 (not dividing 35), 35 and 1000: same surface, bounded chunks."""
    X, y, params = _network()
    values0, values1 = np.linspace(-2, 2, 7), np.linspace(-1, 3, 5)
    entries = [(v, (0, 0)) if isinstance(v, str) else v for v in (vary0, vary1)]
    calls = []
    L = loss_surface(_batched_loss(X, y, calls), params, vary0, vary1, values0, values1,
                     batched=True, chunk_size=chunk_size)
    np.testing.assert_allclose(L, _brute_surface(_loss(X, y), params, entries, values0, values1), rtol=1e-12, atol=0)
    assert sum(calls) == 35
    assert max(calls) == min(chunk_size, 35)
    assert len(calls) == -(-35 // chunk_size)


def test_loss_surface_does_not_touch_params():
    """The caller's parameters are unchanged after both kinds of run."""
    X, y, params = _network()
    before = {k: v.copy() for k, v in params.items()}
    loss_surface(_loss(X, y), params, ("W1", (0, 1)), "b2", [0.0, 1.0], [2.0, 3.0])
    loss_surface(_batched_loss(X, y), params, ("W1", (0, 1)), "b2", [0.0, 1.0], [2.0, 3.0], batched=True)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


@pytest.mark.parametrize("vary0, vary1, message", [
    ("W3", "b2", "vary0: expected one of the parameters ['W1', 'W2', 'b1', 'b2'], received 'W3'"),
    ("b2", ("V", (0, 0)), "vary1: expected one of the parameters ['W1', 'W2', 'b1', 'b2'], received 'V'"),
    ("W1", "b2", "vary0: 'W1' has shape (3, 2); name an entry, e.g. ('W1', (0, 0))"),
    (("W1", (3, 0)), "b2", "vary0: index (3, 0) is outside 'W1' of shape (3, 2)"),
    (("W1", (0,)), "b2", "vary0: index (0,) is outside 'W1' of shape (3, 2)"),
    ("b2", "b2", "vary0 and vary1: expected two different entries, both are ('b2', (0, 0))"),
    (("W1", (1, 1)), ("W1", [1, 1]), "vary0 and vary1: expected two different entries, both are ('W1', (1, 1))"),
])
def test_bad_entries_are_refused(vary0, vary1, message):
    """Unknown names, a whole matrix, an index outside, the same entry twice: a ValueError naming the argument."""
    X, y, params = _network()
    with pytest.raises(ValueError) as info:
        loss_surface(_loss(X, y), params, vary0, vary1, [0.0], [0.0])
    assert str(info.value) == message


def test_batched_loss_of_the_wrong_shape_is_refused():
    """A batched loss that averages over the batch too (one number per chunk) is refused with both shapes."""
    X, y, params = _network()
    batched = _batched_loss(X, y)
    with pytest.raises(ValueError) as info:
        loss_surface(lambda p: float(np.mean(batched(p))), params, "b2", ("W1", (0, 0)),
                     [0.0, 1.0, 2.0], [0.0, 1.0], batched=True, chunk_size=4)
    assert str(info.value) == "loss_fn: with batched=True expected losses of shape (4,), received shape ()"


def test_unbatched_loss_returning_an_array_suggests_batched():
    """An unbatched run whose loss returns several numbers is told about batched=True."""
    _, _, params = _network()
    with pytest.raises(ValueError) as info:
        loss_surface(lambda p: np.zeros(3), params, "b2", ("W1", (0, 0)), [0.0], [0.0])
    assert str(info.value) == ("loss_fn: expected a single number, received an array of shape (3,) "
                               "(with a leading batch axis, pass batched=True)")


@pytest.mark.parametrize("kwargs, error, start", [
    ({"loss_fn": 3.0}, TypeError, "loss_fn: expected a function of the parameter dict, received float"),
    ({"params": {}}, TypeError, "params: expected a non-empty dict"),
    ({"chunk_size": 0}, ValueError, "chunk_size: expected a number >= 1, received 0"),
    ({"values0": [[0.0, 1.0]]}, ValueError, "values0: expected shape (g0,), received shape (1, 2)"),
])
def test_bad_arguments_are_refused(kwargs, error, start):
    """Each bad argument is named in the error."""
    X, y, params = _network()
    args = {"loss_fn": _loss(X, y), "params": params, "values0": [0.0, 1.0]} | kwargs
    with pytest.raises(error) as info:
        loss_surface(args.pop("loss_fn"), args.pop("params"), "b2", ("W1", (0, 0)), args.pop("values0"),
                     [0.0, 1.0], **args)
    assert str(info.value).startswith(start)


def test_a_loss_that_overflows_gives_inf_without_warnings():
    """Where the loss overflows the surface holds inf, and numpy's RuntimeWarning is not shown."""
    params = {"w": np.zeros((1, 1)), "b": np.zeros((1, 1))}
    L = loss_surface(lambda p: float(np.exp(p["w"][0, 0]) * (1 + p["b"][0, 0])), params, "w", "b",
                     [0.0, 1000.0], [0.0])
    assert L[0, 0] == 1.0 and np.isinf(L[0, 1])
