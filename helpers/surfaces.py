"""Loss surfaces: the loss over a 2-D grid of two parameters, the others held fixed.

Two ways to compute one:

* :func:`linear_mse_surface` for the linear models of lessons 1 and 2,
  ``ŷ = w X + b``. The mean squared error is a quadratic in ``θ = (w, b)``::

      L(θ) = θ S θᵀ - 2 θ c + d,   S = X̃ X̃ᵀ / m,  c = X̃ yᵀ / m,  d = y yᵀ / m,

  with ``X̃`` the inputs with a row of ones appended (shape (n + 1, m)). The
  statistics ``S``, ``c``, ``d`` take one pass over the data (matrix products,
  no temporary array of ``m`` entries), after which every grid point costs a
  few multiplications: the cost is ``O(n² m + grid size)``, not
  ``O(m × grid size)``, and memory does not grow with ``m``.
* :func:`loss_surface` for any model: it evaluates a loss function at every
  grid point, either one point at a time or, when the function accepts a
  leading batch axis (``batched=True``), ``chunk_size`` points at a time so
  that memory stays bounded whatever the grid size.

Both return ``L`` of shape ``(len(values1), len(values0))``: rows follow the
second parameter, so ``ax.contourf(values0, values1, L)`` draws it the right
way round.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_array, check_scalar

__all__ = ["linear_mse_surface", "loss_surface"]


def linear_mse_surface(X, y, values0, values1, *, vary=("w", "b"), w=None, b=0.0):
    """Mean squared error of ``ŷ = w X + b`` over a grid of two of its parameters.

    Parameters
    ----------
    X : array_like of shape (n, m)
        Inputs, one example per column (``x`` of shape (1, m) in lesson 1).
    y : array_like of shape (1, m)
        Targets.
    values0 : array_like of shape (g0,)
        Values of the first varied parameter.
    values1 : array_like of shape (g1,)
        Values of the second varied parameter.
    vary : (str, str)
        Which two parameters vary: ``"w0"`` ... ``"w{n-1}"`` for the weights
        (``"w"`` is ``"w0"``), ``"b"`` for the bias.
    w : array_like of shape (1, n), optional
        Values of the weights that do not vary (default zeros).
    b : float
        Value of the bias when it does not vary.

    Returns
    -------
    L : ndarray of shape (g1, g0)
        ``L[j, i]`` is the loss with the first parameter at ``values0[i]`` and
        the second at ``values1[j]``.

    Examples
    --------
    >>> x = np.array([[0.0, 1.0, 2.0]]); y = 2 * x + 1
    >>> L = linear_mse_surface(x, y, [1.0, 2.0], [0.0, 1.0])
    >>> L.shape
    (2, 2)
    >>> round(float(L[1, 1]), 12)  # w = 2, b = 1 fits exactly
    0.0
    """
    sizes = {}
    X = check_array("X", X, ("n", "m"), sizes=sizes)
    y = check_array("y", y, (1, "m"), sizes=sizes)
    n, m = X.shape
    values0 = check_array("values0", values0, ("g0",))
    values1 = check_array("values1", values1, ("g1",))
    axes = [_coordinate(name, n) for name in _pair("vary", vary)]
    if axes[0] == axes[1]:
        raise ValueError(f"vary: expected two different parameters, received {vary!r}")
    theta = np.zeros(n + 1)
    if w is not None:
        theta[:n] = check_array("w", w, (1, n)).ravel()
    theta[n] = check_scalar("b", b)
    theta[axes] = 0.0

    # Sufficient statistics of X̃ = [X; 1]: matrix products only, no (m,)-sized temporary.
    S = np.empty((n + 1, n + 1))
    S[:n, :n] = X @ X.T
    S[:n, n] = S[n, :n] = X.sum(axis=1)
    S[n, n] = m
    c = np.empty(n + 1)
    c[:n] = (X @ y.T).ravel()
    c[n] = y.sum()
    S /= m
    c /= m
    d = float((y @ y.T).item()) / m

    i, j = axes
    lin = S @ theta - c  # half the gradient of L at theta
    base = theta @ S @ theta - 2 * theta @ c + d
    s = values0[None, :]
    t = values1[:, None]
    L = base + 2 * lin[i] * s + 2 * lin[j] * t + S[i, i] * s ** 2 + 2 * S[i, j] * s * t + S[j, j] * t ** 2
    return np.maximum(L, 0.0)  # rounding can push an exact fit a hair below zero


def loss_surface(loss_fn, params: dict, vary0, vary1, values0, values1, *,
                 batched: bool = False, chunk_size: int = 256):
    """Evaluate any loss over a grid of two parameter entries, the others held fixed.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params) -> float``. With ``batched=True`` every array in
        ``params`` has an extra leading axis of length ``c`` (one slice per
        grid point) and the function returns an array of shape (c,).
    params : dict of str to array_like
        The fixed point, e.g. ``{"W1": W1, "b1": b1, "w2": w2, "b2": b2}``.
    vary0, vary1 : str or (str, tuple of int)
        The entries that vary: a parameter's name (for a parameter of one
        entry) or ``(name, index)``, e.g. ``("W1", (0, 1))``.
    values0 : array_like of shape (g0,)
        Values of the first entry.
    values1 : array_like of shape (g1,)
        Values of the second entry.
    batched : bool
        Whether ``loss_fn`` accepts a leading batch axis (much faster).
    chunk_size : int
        Grid points per call when batched; bounds the memory used.

    Returns
    -------
    L : ndarray of shape (g1, g0)

    Examples
    --------
    >>> loss = lambda p: float((p["w"][0, 0] - 1) ** 2 + p["b"][0, 0] ** 2)
    >>> params = {"w": np.zeros((1, 1)), "b": np.zeros((1, 1))}
    >>> loss_surface(loss, params, "w", "b", [0.0, 1.0], [0.0, 2.0]).tolist()
    [[1.0, 0.0], [5.0, 4.0]]
    """
    if not callable(loss_fn):
        raise TypeError(f"loss_fn: expected a function of the parameter dict, received {type(loss_fn).__name__}")
    if not isinstance(params, dict) or not params:
        raise TypeError("params: expected a non-empty dict of named arrays")
    theta = {k: check_array(f"params[{k!r}]", v) for k, v in params.items()}
    entries = [_entry(spec, theta, label) for spec, label in ((vary0, "vary0"), (vary1, "vary1"))]
    if entries[0] == entries[1]:
        raise ValueError(f"vary0 and vary1: expected two different entries, both are {entries[0]}")
    values0 = check_array("values0", values0, ("g0",))
    values1 = check_array("values1", values1, ("g1",))
    chunk_size = check_scalar("chunk_size", chunk_size, integer=True, minimum=1)
    g0, g1 = values0.size, values1.size
    # Grid points in row-major order of L: point p has values0[p % g0], values1[p // g0].
    flat0 = np.tile(values0, g1)
    flat1 = np.repeat(values1, g0)
    out = np.empty(g0 * g1)
    with np.errstate(all="ignore"):
        if not batched:
            point = {k: v.copy() for k, v in theta.items()}
            for p in range(out.size):
                point[entries[0][0]][entries[0][1]] = flat0[p]
                point[entries[1][0]][entries[1][1]] = flat1[p]
                out[p] = _one_number(loss_fn(point))
        else:
            for start in range(0, out.size, chunk_size):
                stop = min(start + chunk_size, out.size)
                c = stop - start
                batch = {k: np.broadcast_to(v, (c,) + v.shape).copy() for k, v in theta.items()}
                for (name, idx), vals in zip(entries, (flat0, flat1)):
                    batch[name][(slice(None),) + idx] = vals[start:stop]
                losses = np.asarray(loss_fn(batch), dtype=np.float64)
                if losses.shape != (c,):
                    raise ValueError(f"loss_fn: with batched=True expected losses of shape ({c},), "
                                     f"received shape {losses.shape}")
                out[start:stop] = losses
    return out.reshape(g1, g0)


def _one_number(value):
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(f"loss_fn: expected a single number, received an array of shape {arr.shape}"
                         " (with a leading batch axis, pass batched=True)")
    return float(arr.reshape(()))


def _pair(name, value):
    if isinstance(value, str) or len(value) != 2:
        raise ValueError(f"{name}: expected two parameter names, received {value!r}")
    return value


def _coordinate(name, n):
    if name == "b":
        return n
    if name == "w" and n == 1:
        return 0
    if isinstance(name, str) and name.startswith("w") and name[1:].isdigit() and int(name[1:]) < n:
        return int(name[1:])
    choices = ["b"] + [f"w{i}" for i in range(n)] + (["w"] if n == 1 else [])
    raise ValueError(f"vary: expected names from {choices}, received {name!r}")


def _entry(spec, theta, label):
    name, idx = (spec, None) if isinstance(spec, str) else spec
    if name not in theta:
        raise ValueError(f"{label}: expected one of the parameters {sorted(theta)}, received {name!r}")
    p = theta[name]
    if idx is None:
        if p.size != 1:
            raise ValueError(f"{label}: {name!r} has shape {p.shape}; name an entry, "
                             f"e.g. ({name!r}, {(0,) * p.ndim})")
        idx = (0,) * p.ndim
    idx = tuple(int(i) for i in np.atleast_1d(idx))
    if len(idx) != p.ndim or any(not 0 <= i < s for i, s in zip(idx, p.shape)):
        raise ValueError(f"{label}: index {idx} is outside {name!r} of shape {p.shape}")
    return name, idx
