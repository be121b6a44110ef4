"""Lesson 4's network as a function of one parameter vector, for optimizers and searches.

The network (one example per column)::

    Z = W1 X + b1,   A = σ(Z),   ŷ = w2 A + b2,   L = (1/m) Σ (ŷ - y)²

with ``X`` (n, m), ``y`` (1, m), ``W1`` (k, n), ``b1`` (k, 1), ``w2`` (1, k)
and ``b2`` a number. Its ``p = k n + 2 k + 1`` parameters are gathered in one
vector ``theta`` of shape (p,), in the order ``W1`` (row by row), ``b1``,
``w2``, ``b2`` (:func:`flatten` and :func:`unflatten`).

:class:`TwoLayerProblem` follows the interface of :mod:`helpers.objectives`:
``loss(theta)`` for one vector (p,) or for a whole population ``Theta`` of
shape (p, N), one candidate per column, evaluated at once with batched
matrix products (no Python loop over candidates); ``grad(theta)`` and
``loss_and_grad(theta)`` by the backward pass of lesson 4. It is a harness:
lesson 4's forward and backward passes (its answers) are given to it, by the
support module ``lesson04.py`` that release generates from lesson 4's solution.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_rng, check_array, check_scalar, check_theta

__all__ = ["TwoLayerProblem", "flatten", "n_params", "unflatten"]


def n_params(n: int, k: int) -> int:
    """Number of parameters ``p = k n + 2 k + 1`` of a network with n features and k hidden units.

    >>> n_params(1, 2)
    7
    """
    n = check_scalar("n", n, integer=True, minimum=1)
    k = check_scalar("k", k, integer=True, minimum=1)
    return k * n + 2 * k + 1


def flatten(params: dict) -> np.ndarray:
    """The vector ``theta`` (p,) of ``{"W1": (k, n), "b1": (k, 1), "w2": (1, k), "b2": number}``.

    >>> flatten({"W1": np.ones((2, 1)), "b1": np.zeros((2, 1)), "w2": [[3.0, 4.0]], "b2": 5.0}).tolist()
    [1.0, 1.0, 0.0, 0.0, 3.0, 4.0, 5.0]
    """
    sizes = {}
    W1 = check_array("W1", params["W1"], ("k", "n"), sizes=sizes)
    b1 = check_array("b1", params["b1"], ("k", 1), sizes=sizes)
    w2 = check_array("w2", params["w2"], (1, "k"), sizes=sizes)
    b2 = check_array("b2", params["b2"]).reshape(-1)
    if b2.size != 1:
        raise ValueError(f"b2: expected one number, received {b2.size} numbers")
    return np.concatenate([W1.ravel(), b1.ravel(), w2.ravel(), b2])


def unflatten(theta, n: int, k: int) -> dict:
    """The parameter dict of the vector ``theta`` (p,), inverse of :func:`flatten`.

    >>> {name: np.shape(v) for name, v in unflatten(np.arange(7.0), 1, 2).items()}
    {'W1': (2, 1), 'b1': (2, 1), 'w2': (1, 2), 'b2': ()}
    """
    p = n_params(n, k)
    theta = check_array("theta", theta, (p,), finite=False)
    kn = k * n
    return {"W1": theta[:kn].reshape(k, n).copy(), "b1": theta[kn:kn + k].reshape(k, 1).copy(),
            "w2": theta[kn + k:kn + 2 * k].reshape(1, k).copy(), "b2": float(theta[-1])}


class TwoLayerProblem:
    """Lesson 4's loss on fixed data ``X`` (n, m), ``y`` (1, m), with ``k`` hidden units, run by given functions.

    This is a harness: the network's forward and backward passes are lesson 4's exercises, so they come
    in as arguments (a later lesson gets lesson 4's solution from its support module, ``lesson04.py``,
    which builds this class with them).

    Parameters
    ----------
    X : array_like of shape (n, m)
    y : array_like of shape (1, m)
    k : int
        Number of hidden units.
    forward : callable
        ``forward(X, params, sigma) -> (y_hat (1, m), cache)``, lesson 4's. It must also accept
        parameters stacked over N candidates, ``W1`` (N, k, n), ``b1`` (N, k, 1), ``w2`` (N, 1, k) and
        ``b2`` (N, 1, 1), returning ``y_hat`` (N, 1, m): matrix products with ``@`` do.
    backward : callable
        ``backward(X, y, y_hat, params, cache, sigma_prime) -> grads``, lesson 4's.
    sigma, sigma_prime : callable
        The activation and its derivative, entry by entry.

    Attributes
    ----------
    p : int
        Number of parameters, ``k n + 2 k + 1``.

    Examples
    --------
    >>> def forward(X, params, sigma):
    ...     A = sigma(params["W1"] @ X + params["b1"])
    ...     return params["w2"] @ A + params["b2"], {"A": A}
    >>> problem = TwoLayerProblem(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]), 2, forward=forward,
    ...                           backward=None, sigma=np.tanh, sigma_prime=None)
    >>> problem.p, problem.loss(np.zeros(7)), problem.loss(np.zeros((7, 3))).shape
    (7, 0.5, (3,))
    >>> problem.predict(np.zeros(7)).shape, problem.predict(np.zeros((7, 3))).shape
    ((1, 2), (3, 2))
    """

    def __init__(self, X, y, k: int, *, forward, backward, sigma, sigma_prime):
        sizes = {}
        self.X = check_array("X", X, ("n", "m"), sizes=sizes)
        self.y = check_array("y", y, (1, "m"), sizes=sizes)
        self.n, self.m = self.X.shape
        self.k = check_scalar("k", k, integer=True, minimum=1)
        self.p = n_params(self.n, self.k)
        self.minimum = None
        if not callable(forward):
            raise TypeError(f"forward: expected lesson 4's forward(X, params, sigma), received "
                            f"{type(forward).__name__}")
        self.forward, self.backward, self.sigma, self.sigma_prime = forward, backward, sigma, sigma_prime

    def init(self, rng=None, *, scale: float = 1.0) -> np.ndarray:
        """A random start like lesson 4's: weights and b1 ~ N(0, scale²), b2 = 0; shape (p,)."""
        theta = scale * as_rng(rng).standard_normal(self.p)
        theta[-1] = 0.0
        return theta

    def _stacked(self, Theta):
        # Theta (p, N) -> W1 (N, k, n), b1 (N, k, 1), w2 (N, 1, k), b2 (N, 1, 1)
        k, n, N = self.k, self.n, Theta.shape[1]
        kn = k * n
        return {"W1": Theta[:kn].T.reshape(N, k, n), "b1": Theta[kn:kn + k].T[:, :, None],
                "w2": Theta[kn + k:kn + 2 * k].T[:, None, :], "b2": Theta[-1][:, None, None]}

    def predict(self, theta):
        """The predictions ŷ on X: shape (1, m) for ``theta`` (p,), (N, m) for a population ``Theta`` (p, N)."""
        Theta = check_theta(theta, self.p)
        Theta = Theta if Theta.ndim == 2 else Theta[:, None]
        with np.errstate(over="ignore", under="ignore"):  # σ of a large |z| is 0 or 1: no warning needed
            y_hat, _ = self.forward(self.X, self._stacked(Theta), self.sigma)   # all N candidates at once
        return np.asarray(y_hat, dtype=np.float64).reshape(Theta.shape[1], self.m)

    def loss(self, theta):
        """The loss: a number for ``theta`` (p,), shape (N,) for a population ``Theta`` (p, N)."""
        out = np.mean((self.predict(theta) - self.y) ** 2, axis=1)   # (N,)
        return float(out[0]) if np.ndim(theta) == 1 else out

    def loss_and_grad(self, theta):
        """The loss (a number) and its gradient, shape (p,), at ``theta`` of shape (p,), by the given backward."""
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.p,):
            raise ValueError(f"theta: expected shape ({self.p},), received shape {theta.shape}")
        k, kn = self.k, self.k * self.n
        params = {"W1": theta[:kn].reshape(k, self.n).copy(), "b1": theta[kn:kn + k].reshape(k, 1).copy(),
                  "w2": theta[kn + k:kn + 2 * k].reshape(1, k).copy(), "b2": float(theta[-1])}
        with np.errstate(over="ignore", under="ignore"):
            y_hat, cache = self.forward(self.X, params, self.sigma)
            grads = self.backward(self.X, self.y, y_hat, params, cache, self.sigma_prime)
        grad = np.concatenate([np.ravel(grads[name]) for name in ("W1", "b1", "w2", "b2")]).astype(np.float64)
        if grad.shape != (self.p,):  # a backward of the wrong shapes: say which
            grad = flatten(grads)
        return float(np.mean((y_hat - self.y) ** 2)), grad

    def grad(self, theta):
        """The gradient of the loss, shape (p,), at ``theta`` of shape (p,)."""
        return self.loss_and_grad(theta)[1]
