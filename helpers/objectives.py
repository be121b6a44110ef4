"""Test functions for optimizers, with their gradients and known minima.

The interface, shared with :class:`helpers.network.TwoLayerProblem`: an
objective has ``p`` parameters gathered in one vector ``theta`` of shape
(p,), and

* ``loss(theta)`` returns a number for ``theta`` of shape (p,), or one loss
  per column, shape (N,), for a batch ``Theta`` of shape (p, N) (one
  candidate per column, like one example per column in ``X``);
* ``grad(theta)`` returns the gradient, shape (p,);
* ``minimum`` is the minimiser, shape (p,), where it is known.

Two objectives in two dimensions, so that paths can be drawn on contours:

* :class:`Quadratic`, an ill-conditioned bowl ``L(θ) = ½ (θ - c)ᵀ A (θ - c)``
  whose curvature differs by the factor ``condition`` between its two axes;
* :class:`Rosenbrock`, the narrow curved valley
  ``L(x, y) = (a - x)² + b (y - x²)²`` with its minimum at ``(a, a²)``.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_array, check_scalar, check_theta

__all__ = ["Quadratic", "Rosenbrock"]


class Quadratic:
    """The bowl ``L(θ) = ½ (θ - c)ᵀ A (θ - c)`` in two dimensions, minimum 0 at ``c``.

    ``A = R diag(1, condition) Rᵀ`` with ``R`` the rotation by ``angle``
    radians: the curvature is 1 along one axis and ``condition`` along the
    other, so the contours are ellipses ``sqrt(condition)`` times longer than
    wide. Gradient descent is stable only for ``learning_rate < 2 / condition``
    and then crawls along the long axis.

    Parameters
    ----------
    condition : float
        Ratio of the largest to the smallest curvature, at least 1.
    angle : float
        Rotation of the axes, in radians.
    center : array_like of shape (2,)
        The minimiser ``c``.

    Examples
    --------
    >>> q = Quadratic(condition=10.0, angle=0.0)
    >>> q.loss(np.array([1.0, 1.0]))
    5.5
    >>> q.grad(np.array([1.0, 1.0])).tolist()
    [1.0, 10.0]
    >>> q.loss(np.zeros((2, 3))).shape
    (3,)
    """

    p = 2

    def __init__(self, condition: float = 20.0, angle: float = np.pi / 6, center=(0.0, 0.0)):
        self.condition = check_scalar("condition", condition, minimum=1.0)
        self.angle = check_scalar("angle", angle)
        self.minimum = check_array("center", center, (2,))
        c, s = np.cos(self.angle), np.sin(self.angle)
        R = np.array([[c, -s], [s, c]])
        self.A = R @ np.diag([1.0, self.condition]) @ R.T

    def loss(self, theta):
        """``½ (θ - c)ᵀ A (θ - c)``: a number for θ (2,), shape (N,) for Θ (2, N)."""
        theta = check_theta(theta, 2)
        d = theta - (self.minimum if theta.ndim == 1 else self.minimum[:, None])
        out = 0.5 * np.sum(d * (self.A @ d), axis=0)
        return float(out) if theta.ndim == 1 else out

    def grad(self, theta):
        """``A (θ - c)``, shape (2,), for θ of shape (2,)."""
        theta = check_array("theta", theta, (2,), finite=False)
        return self.A @ (theta - self.minimum)


class Rosenbrock:
    """Rosenbrock's valley ``L(x, y) = (a - x)² + b (y - x²)²``, minimum 0 at ``(a, a²)``.

    The valley floor follows the parabola ``y = x²``; across it the walls are
    ``b`` times steeper than along it, and the floor bends, so no single
    direction stays good for long.

    Parameters
    ----------
    a, b : float
        The minimiser is ``(a, a²)``; ``b`` sets how steep the walls are.

    Examples
    --------
    >>> r = Rosenbrock()
    >>> r.loss(r.minimum), r.grad(np.array([0.0, 0.0])).tolist()
    (0.0, [-2.0, 0.0])
    """

    p = 2

    def __init__(self, a: float = 1.0, b: float = 100.0):
        self.a = check_scalar("a", a)
        self.b = check_scalar("b", b, positive=True)
        self.minimum = np.array([self.a, self.a ** 2])

    def loss(self, theta):
        """``(a - x)² + b (y - x²)²``: a number for θ (2,), shape (N,) for Θ (2, N)."""
        theta = check_theta(theta, 2)
        x, y = theta[0], theta[1]
        out = (self.a - x) ** 2 + self.b * (y - x ** 2) ** 2
        return float(out) if theta.ndim == 1 else out

    def grad(self, theta):
        """``(-2 (a - x) - 4 b x (y - x²), 2 b (y - x²))``, shape (2,), for θ of shape (2,)."""
        theta = check_array("theta", theta, (2,), finite=False)
        x, y = theta
        r = y - x ** 2
        return np.array([-2.0 * (self.a - x) - 4.0 * self.b * x * r, 2.0 * self.b * r])
