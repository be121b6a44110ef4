"""Tools for lesson 9's deep networks: parameters of any depth, one vector of them, decision regions.

A network of ``L`` layers, one example per column, has for each layer ``l = 1, ..., L``
a weight matrix ``W[l]`` of shape (n_l, n_{l-1}) and a bias column ``b[l]`` of shape
(n_l, 1); ``n_0 = n`` is the number of features. The parameters are one dict
``{"W1": W1, "b1": b1, "W2": W2, ..., "bL": bL}`` (the course's names, as in
lessons 3 and 4), and gradients are a dict with the same keys and shapes.

=========================  ===============================================================
:func:`init_params`        random weights ``W[l] ~ N(0, scale² / n_{l-1})``, zero biases
:func:`layer_sizes`        ``[n_0, n_1, ..., n_L]`` read from a parameter dict
:func:`flatten`            the dict as one vector ``theta`` (p,), for lesson 6's optimizers
:func:`unflatten`          the inverse: a vector back into a dict shaped like another
:func:`plot_decision_regions`  a classifier's regions in the plane, with the data on top
=========================  ===============================================================

Nothing here runs a network: the forward pass, the backward pass and the L2 penalty are the
lesson's exercises.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np

from ._validate import as_rng, check_array, check_scalar, format_shape

__all__ = ["flatten", "init_params", "layer_sizes", "plot_decision_regions", "unflatten"]

_KEY = re.compile(r"([Wb])([1-9][0-9]*)")


def init_params(sizes, *, scale: float = 1.0, rng=None) -> dict:
    """Random weights and zero biases for layer sizes ``[n_0, n_1, ..., n_L]``.

    Each entry of ``W[l]`` is drawn from a normal distribution of standard deviation
    ``scale / sqrt(n_{l-1})``: with ``scale = 1`` a unit's input ``W[l] A[l-1]`` has about
    the spread of one entry of ``A[l-1]``, whatever the width (Xavier/LeCun scaling).

    Parameters
    ----------
    sizes : sequence of int
        ``[n_0, n_1, ..., n_L]``: the number of features, then the width of each layer.
    scale : float
        Multiplies every weight; 0 starts every weight at zero.
    rng : Generator, int or None
        Source of the weights.

    Returns
    -------
    dict
        ``"W1"`` (n_1, n_0), ``"b1"`` (n_1, 1), ..., ``"WL"`` (n_L, n_{L-1}), ``"bL"`` (n_L, 1).

    Examples
    --------
    >>> params = init_params([2, 5, 1], rng=0)
    >>> {key: value.shape for key, value in params.items()}
    {'W1': (5, 2), 'b1': (5, 1), 'W2': (1, 5), 'b2': (1, 1)}
    """
    sizes = _sizes(sizes)
    scale = check_scalar("scale", scale, minimum=0)
    gen = as_rng(rng)
    params = {}
    for layer in range(1, len(sizes)):
        params[f"W{layer}"] = scale / np.sqrt(sizes[layer - 1]) * gen.standard_normal((sizes[layer], sizes[layer - 1]))
        params[f"b{layer}"] = np.zeros((sizes[layer], 1))
    return params


def layer_sizes(params: dict) -> list:
    """The sizes ``[n_0, n_1, ..., n_L]`` of a parameter dict, checking that its shapes fit together.

    Examples
    --------
    >>> layer_sizes(init_params([3, 4, 4, 2], rng=0))
    [3, 4, 4, 2]
    >>> layer_sizes({"W1": np.zeros((4, 3)), "b1": np.zeros((4, 1)), "W2": np.zeros((2, 5)), "b2": np.zeros((2, 1))})
    Traceback (most recent call last):
    ...
    ValueError: params['W2'] has shape (2, 5), expected (2, 4): layer 2 reads the 4 outputs of layer 1
    """
    L = _depth(params)
    sizes = [None]
    for layer in range(1, L + 1):
        W = np.asarray(params[f"W{layer}"])
        b = np.asarray(params[f"b{layer}"])
        if W.ndim != 2:
            raise ValueError(f"params['W{layer}'] has shape {format_shape(W.shape)}, expected a matrix "
                             f"(n_{layer}, n_{layer - 1})")
        if layer == 1:
            sizes[0] = W.shape[1]
        elif W.shape[1] != sizes[-1]:
            raise ValueError(f"params['W{layer}'] has shape {format_shape(W.shape)}, expected "
                             f"{format_shape((W.shape[0], sizes[-1]))}: layer {layer} reads the {sizes[-1]} "
                             f"outputs of layer {layer - 1}")
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"params['b{layer}'] has shape {format_shape(b.shape)}, expected "
                             f"{format_shape((W.shape[0], 1))}, a column with one bias per unit of layer {layer}")
        sizes.append(W.shape[0])
    return sizes


def flatten(params: dict) -> np.ndarray:
    """All entries of a parameter (or gradient) dict in one vector, layer by layer: W1, b1, W2, b2, ...

    The order is that of the layers, whatever the order of the dict's keys, so the
    gradients of a backward pass that fills the dict from the last layer down
    line up with the parameters.

    Parameters
    ----------
    params : dict
        ``"W1"``, ``"b1"``, ..., ``"WL"``, ``"bL"``: arrays (a number counts as shape ()).

    Returns
    -------
    ndarray of shape (p,)
        ``p`` is the total number of entries.

    Examples
    --------
    >>> flatten({"b1": [[5.0]], "W1": [[1.0, 2.0]]}).tolist()
    [1.0, 2.0, 5.0]
    """
    L = _depth(params)
    return np.concatenate([np.asarray(params[f"{kind}{layer}"], dtype=np.float64).ravel()
                           for layer in range(1, L + 1) for kind in "Wb"])


def unflatten(theta, like: dict) -> dict:
    """The inverse of :func:`flatten`: a vector ``theta`` (p,) as a dict shaped like ``like``.

    Parameters
    ----------
    theta : array_like of shape (p,)
    like : dict
        A parameter dict whose keys and shapes the result takes.

    Returns
    -------
    dict
        New arrays (never views of ``theta``), in the layers' order W1, b1, W2, ...

    Examples
    --------
    >>> like = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}
    >>> {key: value.tolist() for key, value in unflatten([1.0, 2.0, 5.0], like).items()}
    {'W1': [[1.0, 2.0]], 'b1': [[5.0]]}
    """
    L = _depth(like)
    keys = [f"{kind}{layer}" for layer in range(1, L + 1) for kind in "Wb"]
    shapes = [np.shape(like[key]) for key in keys]
    sizes = [math.prod(shape) for shape in shapes]
    p = sum(sizes)
    if not (isinstance(theta, np.ndarray) and theta.dtype == np.float64 and theta.shape == (p,)):
        theta = check_array("theta", theta, (p,), finite=False)
    theta = theta.copy()  # one private copy: the pieces below are views of it, never of the caller's theta
    out, start = {}, 0
    for key, shape, size in zip(keys, shapes, sizes):
        out[key] = theta[start:start + size].reshape(shape)
        start += size
    return out


def plot_decision_regions(predict, X, y, *, ax=None, grid: int = 100, pad: float = 0.3, title: str | None = None):
    """Colour the plane by a classifier's prediction and draw the labelled examples on top.

    Parameters
    ----------
    predict : callable
        ``predict(G)`` for points ``G`` of shape (2, N) returns numbers of shape (1, N) (or (N,)),
        read as the probability of class 1: the region where it exceeds 1/2 is class 1.
    X : array_like of shape (2, m)
        The examples, one per column.
    y : array_like of shape (1, m)
        Their labels, 0 or 1.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    grid : int
        Points per axis at which ``predict`` is evaluated (all at once, one call).
    pad : float
        Margin around the data, as a fraction of its range.
    title : str, optional

    Returns
    -------
    matplotlib.contour.QuadContourSet
        The filled regions.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> X = np.array([[-1.0, 1.0], [0.0, 0.0]]); y = np.array([[0.0, 1.0]])
    >>> regions = plot_decision_regions(lambda G: (G[:1] > 0).astype(float), X, y)
    >>> type(regions).__name__
    'QuadContourSet'
    """
    import matplotlib.pyplot as plt

    sizes = {}
    X = check_array("X", X, (2, "m"), sizes=sizes)
    y = check_array("y", y, (1, "m"), sizes=sizes)
    grid = check_scalar("grid", grid, integer=True, minimum=2)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    lo, hi = X.min(axis=1), X.max(axis=1)
    span = np.where(hi > lo, hi - lo, 1.0)
    g0 = np.linspace(lo[0] - pad * span[0], hi[0] + pad * span[0], grid)
    g1 = np.linspace(lo[1] - pad * span[1], hi[1] + pad * span[1], grid)
    G0, G1 = np.meshgrid(g0, g1)
    G = np.vstack([G0.ravel(), G1.ravel()])  # (2, grid²)
    P = np.asarray(predict(G), dtype=np.float64)
    if P.size != G.shape[1]:
        raise ValueError(f"predict: for points of shape {format_shape(G.shape)} expected {G.shape[1]} "
                         f"predictions, shape (1, {G.shape[1]}), received shape {format_shape(P.shape)}")
    P = P.reshape(G0.shape)
    regions = ax.contourf(G0, G1, P, levels=[-np.inf, 0.5, np.inf], colors=["#c6dbef", "#fdd0a2"])
    ax.contour(G0, G1, P, levels=[0.5], colors="k", linewidths=0.8)
    ax.scatter(*X[:, y[0] == 0], s=10, color="tab:blue", label="class 0")
    ax.scatter(*X[:, y[0] == 1], s=10, color="tab:orange", label="class 1")
    ax.set(xlim=(g0[0], g0[-1]), ylim=(g1[0], g1[-1]), xlabel="$x_0$", ylabel="$x_1$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize="medium")
    return regions


def _sizes(sizes):
    try:
        sizes = [int(n) for n in sizes]
    except (TypeError, ValueError):
        raise ValueError(f"sizes: expected a list of layer sizes [n_0, n_1, ..., n_L], received {sizes!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes: expected at least two positive sizes [n_0, ..., n_L], received {sizes}")
    return sizes


def _depth(params) -> int:
    """The number of layers L of a dict holding exactly W1, b1, ..., WL, bL."""
    if not isinstance(params, dict) or not params:
        raise TypeError(f"params: expected a dict {{'W1': ..., 'b1': ..., ...}}, received {type(params).__name__}")
    return _depth_of_keys(tuple(params))


@functools.lru_cache(maxsize=64)
def _depth_of_keys(keys: tuple) -> int:
    """:func:`_depth` for the dict's keys (a training loop asks about the same keys at every step)."""
    layers = set()
    for key in keys:
        match = _KEY.fullmatch(str(key))
        if not match:
            raise ValueError(f"params: unexpected key {key!r}; the keys are W1, b1, W2, b2, ..., WL, bL")
        layers.add(int(match.group(2)))
    L = max(layers)
    missing = [f"{kind}{layer}" for layer in range(1, L + 1) for kind in "Wb" if f"{kind}{layer}" not in keys]
    if missing:
        raise ValueError(f"params: a network of {L} layers needs W1, b1, ..., W{L}, b{L}; missing {missing}")
    return L
