"""Seeded data sets for the lessons, one example per column.

Every generator returns ``(X, y)`` with ``X`` of shape ``(n, m)`` (``n``
features, ``m`` examples) and ``y`` of shape ``(1, m)``, both float64, and
takes ``rng``: a ``numpy.random.Generator``, an int seed, or None.  The same
seed always gives the same data.

=========================  ==========  ======================================
generator                  lesson      what it shows
=========================  ==========  ======================================
``make_univariate``        1           a noisy line ``y = w x + b``
``make_multivariate``      2, 3        a noisy plane, features on chosen scales
``make_nonlinear``         4           a curve no linear model can follow
``make_classification``    notes       two Gaussian clouds labelled 0 and 1
``make_rings``             9           a disk inside a ring: two nested boundaries
``make_xor``               9           four noisy clouds, opposite corners alike
=========================  ==========  ======================================
"""

from __future__ import annotations

import numpy as np

from ._validate import as_rng, check_array, check_scalar

__all__ = [
    "make_classification",
    "make_multivariate",
    "make_nonlinear",
    "make_rings",
    "make_univariate",
    "make_xor",
    "standardize",
]


def make_univariate(m: int = 100, *, w: float = 2.0, b: float = -1.0, noise: float = 0.5,
                    x_range: tuple[float, float] = (-2.0, 2.0), rng=None):
    """Noisy points around the line ``y = w x + b``.

    Parameters
    ----------
    m : int
        Number of examples.
    w, b : float
        Slope and intercept of the true line.
    noise : float
        Standard deviation of the Gaussian noise added to ``y``.
    x_range : (float, float)
        ``x`` is drawn uniformly from this interval.
    rng : Generator, int or None
        Source of randomness.

    Returns
    -------
    x : ndarray of shape (1, m)
        Inputs.
    y : ndarray of shape (1, m)
        Targets ``w x + b + noise``.

    Examples
    --------
    >>> x, y = make_univariate(50, rng=0)
    >>> x.shape, y.shape
    ((1, 50), (1, 50))
    """
    m = check_scalar("m", m, integer=True, minimum=1)
    w, b = check_scalar("w", w), check_scalar("b", b)
    noise = check_scalar("noise", noise, minimum=0)
    lo, hi = _interval("x_range", x_range)
    gen = as_rng(rng)
    x = gen.uniform(lo, hi, size=(1, m))
    y = w * x + b + noise * gen.standard_normal((1, m))
    return x, y


def make_multivariate(m: int = 200, n: int = 3, *, w=None, b: float = 0.5,
                      scales=None, noise: float = 0.3, rng=None):
    """Noisy points around the plane ``y = w X + b``, with features on chosen scales.

    Feature ``i`` is Gaussian with mean 0 and standard deviation ``scales[i]``.
    Unequal scales stretch the loss surface into a long narrow valley, which
    is what makes plain gradient descent slow on unscaled data.

    Parameters
    ----------
    m : int
        Number of examples.
    n : int
        Number of features.
    w : array_like of shape (1, n), optional
        True weights; drawn from a standard normal when None.
    b : float
        True bias.
    scales : array_like of shape (n,), optional
        Standard deviation of each feature; all ones when None.
    noise : float
        Standard deviation of the Gaussian noise added to ``y``.
    rng : Generator, int or None
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (n, m)
        Inputs, one example per column.
    y : ndarray of shape (1, m)
        Targets.

    Examples
    --------
    >>> X, y = make_multivariate(100, 2, scales=[1.0, 10.0], rng=0)
    >>> X.shape, y.shape
    ((2, 100), (1, 100))
    >>> bool(X[1].std() > 5 * X[0].std())
    True
    """
    m = check_scalar("m", m, integer=True, minimum=1)
    n = check_scalar("n", n, integer=True, minimum=1)
    b = check_scalar("b", b)
    noise = check_scalar("noise", noise, minimum=0)
    gen = as_rng(rng)
    if scales is None:
        scales = np.ones(n)
    scales = check_array("scales", scales, (n,))
    if np.any(scales <= 0):
        raise ValueError(f"scales: expected positive standard deviations, received {scales}")
    if w is None:
        w = gen.standard_normal((1, n))
    w = check_array("w", w, (1, n))
    X = scales[:, None] * gen.standard_normal((n, m))
    y = w @ X + b + noise * gen.standard_normal((1, m))
    return X, y


def make_nonlinear(m: int = 200, *, kind: str = "bump", noise: float = 0.05,
                   x_range: tuple[float, float] = (-3.0, 3.0), rng=None):
    """A one-feature curve that a straight line cannot follow.

    ``kind="bump"`` gives ``y = exp(-x**2)`` (two sigmoids, one rising and
    one falling, add up to it); ``kind="sine"`` gives ``y = sin(1.5 x)``;
    ``kind="step"`` gives a smooth step ``y = tanh(3 x)``.

    Parameters
    ----------
    m : int
        Number of examples.
    kind : {"bump", "sine", "step"}
        Which curve.
    noise : float
        Standard deviation of the Gaussian noise added to ``y``.
    x_range : (float, float)
        ``x`` is drawn uniformly from this interval.
    rng : Generator, int or None
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (1, m)
        Inputs, sorted so that a line plot of ``(X, y)`` is readable.
    y : ndarray of shape (1, m)
        Targets.

    Examples
    --------
    >>> X, y = make_nonlinear(30, rng=1)
    >>> X.shape, y.shape
    ((1, 30), (1, 30))
    """
    curves = {
        "bump": lambda x: np.exp(-x ** 2),
        "sine": lambda x: np.sin(1.5 * x),
        "step": lambda x: np.tanh(3.0 * x),
    }
    if kind not in curves:
        raise ValueError(f"kind: expected one of {sorted(curves)}, received {kind!r}")
    m = check_scalar("m", m, integer=True, minimum=1)
    noise = check_scalar("noise", noise, minimum=0)
    lo, hi = _interval("x_range", x_range)
    gen = as_rng(rng)
    X = np.sort(gen.uniform(lo, hi, size=(1, m)), axis=1)
    y = curves[kind](X) + noise * gen.standard_normal((1, m))
    return X, y


def make_classification(m: int = 200, n: int = 2, *, separation: float = 2.0, rng=None):
    """Two Gaussian clouds of points, labelled 0 and 1, in ``n`` dimensions.

    The clouds have unit variance and their centres lie ``separation`` apart
    along a random direction; about half the examples belong to each class.

    Parameters
    ----------
    m : int
        Number of examples.
    n : int
        Number of features.
    separation : float
        Distance between the two centres.
    rng : Generator, int or None
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (n, m)
        Inputs.
    y : ndarray of shape (1, m)
        Labels, 0.0 or 1.0.

    Examples
    --------
    >>> X, y = make_classification(40, rng=0)
    >>> X.shape, y.shape, sorted(set(y.ravel().tolist()))
    ((2, 40), (1, 40), [0.0, 1.0])
    """
    m = check_scalar("m", m, integer=True, minimum=2)
    n = check_scalar("n", n, integer=True, minimum=1)
    separation = check_scalar("separation", separation, minimum=0)
    gen = as_rng(rng)
    y = np.zeros((1, m))
    y[0, gen.permutation(m)[: m // 2]] = 1.0
    direction = gen.standard_normal((n, 1))
    direction /= np.linalg.norm(direction)
    centres = (y - 0.5) * separation * direction  # (n, m)
    X = centres + gen.standard_normal((n, m))
    return X, y


def make_rings(m: int = 200, *, inner: float = 0.6, outer: float = 1.2, flip: float = 0.0, rng=None):
    """Points in the square [-1.5, 1.5]², labelled 1 inside a disk and outside a ring around it.

    A point at distance ``r`` from the origin has label 1 when ``r < inner`` or ``r > outer``,
    and 0 in the ring between: two nested circular boundaries, which a network with one hidden
    layer of a few units cannot draw (each unit contributes one straight line) and a deeper one
    of the same width can.

    Parameters
    ----------
    m : int
        Number of examples.
    inner, outer : float
        Radii of the two boundaries, ``0 < inner < outer``.
    flip : float
        Fraction of labels flipped at random (label noise), in [0, 1).
    rng : Generator, int or None
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (2, m)
        Inputs.
    y : ndarray of shape (1, m)
        Labels, 0.0 or 1.0.

    Examples
    --------
    >>> X, y = make_rings(50, rng=0)
    >>> X.shape, y.shape, sorted(set(y.ravel().tolist()))
    ((2, 50), (1, 50), [0.0, 1.0])
    """
    m = check_scalar("m", m, integer=True, minimum=1)
    inner, outer = _interval("(inner, outer)", (inner, outer))
    if inner <= 0:
        raise ValueError(f"inner: expected a positive radius, received {inner}")
    flip = check_scalar("flip", flip, minimum=0)
    if flip >= 1:
        raise ValueError(f"flip: expected a fraction in [0, 1), received {flip}")
    gen = as_rng(rng)
    X = gen.uniform(-1.5, 1.5, size=(2, m))
    r = np.hypot(X[0], X[1])
    y = ((r < inner) | (r > outer)).astype(np.float64)[None, :]
    return X, _flip(y, flip, gen)


def make_xor(m: int = 200, *, noise: float = 0.7, flip: float = 0.0, rng=None):
    """Four Gaussian clouds centred at (±1, ±1): label 1 where both coordinates have the same sign.

    No straight line separates the classes (the XOR pattern); with a large ``noise`` the
    clouds overlap, so a flexible model fitted on few examples follows the noise.

    Parameters
    ----------
    m : int
        Number of examples.
    noise : float
        Standard deviation of each cloud.
    flip : float
        Fraction of labels flipped at random, in [0, 1).
    rng : Generator, int or None
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (2, m)
        Inputs.
    y : ndarray of shape (1, m)
        Labels of the clouds, 0.0 or 1.0.

    Examples
    --------
    >>> X, y = make_xor(40, rng=0)
    >>> X.shape, y.shape
    ((2, 40), (1, 40))
    """
    m = check_scalar("m", m, integer=True, minimum=1)
    noise = check_scalar("noise", noise, minimum=0)
    flip = check_scalar("flip", flip, minimum=0)
    if flip >= 1:
        raise ValueError(f"flip: expected a fraction in [0, 1), received {flip}")
    gen = as_rng(rng)
    corners = 2.0 * gen.integers(0, 2, size=(2, m)) - 1.0  # (2, m) of ±1
    X = corners + noise * gen.standard_normal((2, m))
    y = (corners[0] * corners[1] > 0).astype(np.float64)[None, :]
    return X, _flip(y, flip, gen)


def _flip(y, fraction, gen):
    flipped = gen.random(y.shape[1]) < fraction
    y = y.copy()
    y[0, flipped] = 1.0 - y[0, flipped]
    return y


def standardize(X, mean=None, std=None):
    """Shift and scale each feature (row) of ``X`` to mean 0 and standard deviation 1.

    Pass the ``mean`` and ``std`` of the training data to apply the same
    transformation to new data.

    Parameters
    ----------
    X : array_like of shape (n, m)
        Inputs.
    mean : array_like of shape (n, 1), optional
        Feature means; computed from ``X`` when None.
    std : array_like of shape (n, 1), optional
        Feature standard deviations; computed from ``X`` when None.

    Returns
    -------
    X_std : ndarray of shape (n, m)
        Standardised inputs.
    mean : ndarray of shape (n, 1)
    std : ndarray of shape (n, 1)

    Examples
    --------
    >>> X_std, mean, std = standardize([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    >>> X_std.round(3).tolist()
    [[-1.225, 0.0, 1.225], [-1.225, 0.0, 1.225]]
    >>> mean.shape
    (2, 1)
    """
    sizes = {}
    X = check_array("X", X, ("n", "m"), sizes=sizes)
    mean = X.mean(axis=1, keepdims=True) if mean is None else check_array(
        "mean", mean, ("n", 1), sizes=sizes)
    std = X.std(axis=1, keepdims=True) if std is None else check_array(
        "std", std, ("n", 1), sizes=sizes)
    if np.any(std == 0):
        row = int(np.flatnonzero(std.ravel() == 0)[0])
        raise ValueError(f"X: feature {row} is constant (standard deviation 0); it cannot be scaled")
    return (X - mean) / std, mean, std


def _interval(name, value):
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected two numbers (low, high), received {value!r}") from None
    if not lo < hi:
        raise ValueError(f"{name}: expected low < high, received {value!r}")
    return lo, hi
