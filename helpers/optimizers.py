"""Running gradient-based optimizers behind one interface (the step functions are lesson 6's).

The interface (lesson 6; the students write the same functions): a *step
function* takes the parameters, a way to get gradients and the optimizer's
memory, and returns the new parameters and the new memory::

    step(theta, grad_fn, state, *, learning_rate, ...) -> (theta_new, state_new)

* ``theta``: ndarray of shape (p,), the parameters;
* ``grad_fn(theta) -> g``: the gradient of the loss, shape (p,), at any point
  the method chooses: all of them at ``theta``, except Nesterov, which asks
  at its look-ahead point. Each step calls it exactly once;
* ``state``: a dict ``{"v": v, "s": s, "t": t}``; ``v`` (p,) is the velocity
  (momentum, Nesterov) or running mean of gradients (Adam), ``s`` (p,) the
  running mean of squared gradients (RMSprop, Adam), both starting at zeros;
  ``t`` is the number of this step, 1 for the first. A step function returns
  a new dict with ``v`` and ``s`` (updated or passed on) and never changes the
  one it received.

The step functions themselves (SGD, momentum, Nesterov, RMSprop, Adam) are lesson 6's exercises:
they are written in its solution notebook, not here, and a later lesson that needs them gets them from
a support module generated from that solution (``lesson06.py``, see ``coursetools.release.SUPPORT``).

:class:`Optimizer` holds a step function, its hyperparameters and its state;
:func:`minimize` runs one from a start and records the path, the losses, the
gradient evaluations and the time spent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ._validate import check_array, check_scalar

__all__ = ["Optimizer", "Run", "minimize"]


# --- running them ------------------------------------------------------------------------------

class Optimizer:
    """A step function with its hyperparameters and its state.

    Parameters
    ----------
    step_fn : callable
        A step function of the module's interface, e.g. a student's ``adam_step``.
    name : str, optional
        For legends (default: the function's name without ``_step``).
    **hyper
        Its keyword arguments, e.g. ``learning_rate=0.1, beta=0.9``.

    Examples
    --------
    >>> def momentum_step(theta, grad_fn, state, *, learning_rate, beta):  # a toy of the interface
    ...     v = beta * state.get("v", np.zeros_like(theta)) - learning_rate * grad_fn(theta)
    ...     return theta + v, {**state, "v": v}
    >>> opt = Optimizer(momentum_step, learning_rate=0.1, beta=0.5)
    >>> theta = np.array([1.0])
    >>> for _ in range(2):
    ...     theta = opt.step(theta, lambda th: 2 * th)
    >>> theta.round(6).tolist(), opt.state["t"], opt.name
    ([0.54], 2, 'momentum')
    """

    def __init__(self, step_fn, *, name: str | None = None, **hyper):
        if not callable(step_fn):
            raise TypeError(f"step_fn: expected a step function, received {type(step_fn).__name__}")
        if "learning_rate" not in hyper:
            raise ValueError("hyper: expected learning_rate=..., received only "
                             f"{sorted(hyper) or 'nothing'}")
        hyper["learning_rate"] = check_scalar("learning_rate", hyper["learning_rate"], positive=True)
        self.step_fn = step_fn
        self.hyper = hyper
        self.name = name or getattr(step_fn, "__name__", "optimizer").removesuffix("_step")
        self.reset()

    def reset(self) -> None:
        """Forget the velocity and running means: the next step is step 1 again."""
        self.state = {}

    def step(self, theta, grad_fn) -> np.ndarray:
        """One step from ``theta`` (p,); returns the new parameters, shape (p,)."""
        theta = np.asarray(theta, dtype=np.float64)
        if not self.state:
            self.state = {"v": np.zeros_like(theta), "s": np.zeros_like(theta), "t": 0}
        state = {"v": self.state["v"].copy(), "s": self.state["s"].copy(), "t": self.state["t"] + 1}
        out = self.step_fn(theta.copy(), grad_fn, state, **self.hyper)
        if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)):
            raise TypeError(f"{self.name}: a step function returns (theta_new, state_new), received "
                            f"{type(out).__name__}")
        new_theta, new_state = out
        new_theta = np.asarray(new_theta, dtype=np.float64)
        if new_theta.shape != theta.shape:
            raise ValueError(f"{self.name}: theta_new has shape {new_theta.shape}, expected {theta.shape}")
        self.state = {"v": np.asarray(new_state.get("v", state["v"]), dtype=np.float64),
                      "s": np.asarray(new_state.get("s", state["s"]), dtype=np.float64),
                      "t": state["t"]}
        return new_theta


@dataclass
class Run:
    """What :func:`minimize` recorded.

    Attributes
    ----------
    name : str
        The optimizer's name.
    path : ndarray of shape (T + 1, p)
        The start and the parameters after each of the ``T`` steps taken.
    losses : ndarray of shape (T + 1,)
        The loss at each point of the path.
    times : ndarray of shape (T + 1,)
        Seconds spent in the optimizer's steps (gradients included) up to each point; 0 at the start.
    gradient_evaluations : ndarray of shape (T + 1,)
        Calls of ``grad`` up to each point.
    diverged_at : int or None
        The step after which the parameters or the loss stopped being finite (the path ends before it).
    """

    name: str
    path: np.ndarray
    losses: np.ndarray
    times: np.ndarray
    gradient_evaluations: np.ndarray
    diverged_at: int | None = None

    @property
    def final_loss(self) -> float:
        """The last loss, or ``inf`` when the run diverged."""
        return float("inf") if self.diverged_at is not None else float(self.losses[-1])


def minimize(optimizer: Optimizer, objective, theta0, *, steps: int, max_loss: float = 1e12) -> Run:
    """Run ``steps`` steps of ``optimizer`` on ``objective`` from ``theta0``; record everything.

    Parameters
    ----------
    optimizer : Optimizer
        Reset before the run.
    objective : object
        With ``grad(theta) -> (p,)`` and ``loss(Theta)`` accepting a batch
        ``Theta`` of shape (p, N) (:mod:`helpers.objectives`,
        :class:`helpers.network.TwoLayerProblem`).
    theta0 : array_like of shape (p,)
        The start.
    steps : int
        Number of steps.
    max_loss : float
        A loss above this (or a non-finite one) counts as diverged and ends the run.

    Returns
    -------
    Run
        The losses are computed after the run, on the recorded path, and are not
        counted among the gradient evaluations or in the times.

    Examples
    --------
    >>> from helpers.objectives import Quadratic
    >>> def sgd_step(theta, grad_fn, state, *, learning_rate):
    ...     return theta - learning_rate * grad_fn(theta), state
    >>> run = minimize(Optimizer(sgd_step, learning_rate=0.05), Quadratic(), np.array([1.0, 1.0]), steps=100)
    >>> run.path.shape, bool(run.losses[-1] < 1e-3), int(run.gradient_evaluations[-1])
    ((101, 2), True, 100)
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer: expected an Optimizer, received {type(optimizer).__name__}")
    steps = check_scalar("steps", steps, integer=True, minimum=0)
    theta = check_array("theta0", theta0, (getattr(objective, "p", np.size(theta0)),))
    optimizer.reset()
    calls = [0]

    def grad_fn(th):
        calls[0] += 1
        return objective.grad(th)

    path, times, evals = [theta], [0.0], [0]
    diverged_at = None
    elapsed = 0.0
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            start = time.perf_counter()
            theta = optimizer.step(theta, grad_fn)
            elapsed += time.perf_counter() - start
            if not np.all(np.isfinite(theta)) or not np.max(np.abs(theta)) < 1e150:
                diverged_at = step
                break
            path.append(theta)
            times.append(elapsed)
            evals.append(calls[0])
        path = np.array(path)
        losses = np.asarray(objective.loss(path.T), dtype=np.float64)
    bad = np.flatnonzero(~(losses <= max_loss))
    if bad.size:
        diverged_at = int(bad[0]) if diverged_at is None else min(diverged_at, int(bad[0]))
        keep = max(int(bad[0]), 1)
        path, losses, times, evals = path[:keep], losses[:keep], times[:keep], evals[:keep]
    return Run(optimizer.name, path, losses, np.array(times), np.array(evals), diverged_at)
