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
:func:`minimize` runs one from a start on the one descent engine
(:func:`helpers.descent.iterate`) and returns its run record
(:class:`helpers.descent.Run`: the path, the losses, the gradient evaluations and
the time spent), with its divergence rule and message.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_array, check_scalar
from .descent import Run, iterate

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

    def rule(self):
        """This optimizer as a step rule of :mod:`helpers.descent`, ``step(theta, grad_fn, state)``.

        Its memory stays in the optimizer (``state``), so the engine's state is passed on untouched.
        """
        return lambda theta, grad_fn, state: (self.step(theta, grad_fn), state)

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


def minimize(optimizer: Optimizer, objective, theta0, *, steps: int) -> Run:
    """Run ``steps`` steps of ``optimizer`` on ``objective`` from ``theta0``; record everything.

    Parameters
    ----------
    optimizer : Optimizer
        Reset before the run.
    objective : object
        With ``grad(theta) -> (p,)`` and either ``loss_and_grad(theta) -> (loss, (p,))``
        (:class:`helpers.network.TwoLayerProblem`) or ``loss(Theta)`` accepting a batch
        ``Theta`` of shape (p, N) (:mod:`helpers.objectives`).
    theta0 : array_like of shape (p,)
        The start.
    steps : int
        Number of steps.

    Returns
    -------
    Run
        ``path`` (T + 1, p), ``losses`` (T + 1,), ``times`` (T + 1,) and ``gradient_evaluations``
        (T + 1,): the gradients the step function asked for. A run whose loss diverges
        (:func:`helpers.descent.diverged`) ends at the last good point, with ``diverged_at`` and
        ``message`` set and ``final_loss`` infinite.

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
    with np.errstate(all="ignore"):
        return iterate(optimizer.rule(), _evaluator(objective), theta, steps=steps, name=optimizer.name,
                       learning_rate=optimizer.hyper["learning_rate"])


def _evaluator(objective):
    """``evaluate(theta) -> (loss, grad)`` of an objective, for :func:`helpers.descent.iterate`."""
    if hasattr(objective, "loss_and_grad"):
        return objective.loss_and_grad
    loss, grad = objective.loss, objective.grad
    return lambda theta: (loss(theta[:, None])[0], grad(theta))
