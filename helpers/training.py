"""Plain gradient descent on named parameters, for the lessons' demos: :func:`descend`.

The interface: ``loss_and_grads(params) -> (loss, grads)`` where ``params``
and ``grads`` are dicts of arrays with the same names and shapes, e.g.
``{"w": w, "b": b}`` with ``w`` of shape (1, n) and ``b`` of shape (1, 1).

:func:`descend` is a thin adapter over the one descent engine,
:func:`helpers.descent.iterate` with :func:`helpers.descent.gradient_step`: the
same loop, run record (:class:`History` is :class:`helpers.descent.Run`),
divergence rule and message as the optimizers, the gradient-free comparison and
the explorers. A run that diverges is reported in one sentence ("the loss became
inf at step 37: η = 0.8 is too large, try a smaller learning rate") instead of a
stream of numpy RuntimeWarnings: :func:`descend` raises :class:`DivergenceError`,
or, with ``on_divergence="stop"``, returns the history up to the last good step
with the sentence in ``history.message``.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_scalar
from .descent import DivergenceError, Run, gradient_step, iterate

__all__ = ["DivergenceError", "History", "descend"]

History = Run


def descend(loss_and_grads, params: dict, *, learning_rate: float, steps: int,
            on_divergence: str = "raise", record_params: bool = True) -> History:
    """Run ``steps`` updates ``θ ← θ - learning_rate · ∂L/∂θ`` and record the losses.

    Parameters
    ----------
    loss_and_grads : callable
        ``loss_and_grads(params) -> (loss, grads)``.
    params : dict of str to array_like
        Starting point; not modified (the run works on float64 copies).
    learning_rate : float
        Step size, positive.
    steps : int
        Number of updates.
    on_divergence : {"raise", "stop"}
        What to do when the loss diverges (:func:`helpers.descent.diverged`).
    record_params : bool
        Keep the parameters after every step (for trajectories); False keeps none.

    Returns
    -------
    History
        ``losses`` of shape (T + 1,), ``params`` a list of T + 1 dicts, ``diverged_at``, ``message``.

    Examples
    --------
    >>> f = lambda p: (float((p["w"][0, 0] - 3) ** 2), {"w": 2 * (p["w"] - 3)})
    >>> h = descend(f, {"w": np.zeros((1, 1))}, learning_rate=0.25, steps=3)
    >>> h.losses.tolist()
    [9.0, 2.25, 0.5625, 0.140625]
    >>> descend(f, {"w": np.zeros((1, 1))}, learning_rate=100.0, steps=500)
    Traceback (most recent call last):
    ...
    helpers.descent.DivergenceError: the loss grew past a million times its start at step 2: η = 100 is too large, \
try a smaller learning rate
    """
    if not callable(loss_and_grads):
        raise TypeError("loss_and_grads: expected a function params -> (loss, grads), received "
                        f"{type(loss_and_grads).__name__}")
    learning_rate = check_scalar("learning_rate", learning_rate, positive=True)
    steps = check_scalar("steps", steps, integer=True, minimum=0)
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"on_divergence: expected 'raise' or 'stop', received {on_divergence!r}")
    if not isinstance(params, dict) or not params:
        raise TypeError("params: expected a non-empty dict of named arrays")
    theta = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    with np.errstate(all="ignore"):
        history = iterate(gradient_step(learning_rate), lambda th: _evaluate(loss_and_grads, th), theta,
                          steps=steps, on_divergence=on_divergence, learning_rate=learning_rate)
    if history.diverged_at is None:
        history.message = f"ran {steps} steps; final loss {history.losses[-1]:.6g}"
    if not record_params:
        history.params = []
    elif history.diverged_at == 0:
        history.params = []
    return history


def _evaluate(loss_and_grads, theta):
    out = loss_and_grads({k: v.copy() for k, v in theta.items()})
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict)):
        raise TypeError("loss_and_grads: expected it to return (loss, grads) with grads a dict, "
                        f"received {type(out).__name__}")
    loss, grads = out
    loss_arr = np.asarray(loss, dtype=np.float64)
    if loss_arr.size != 1:
        raise ValueError(f"loss_and_grads: expected the loss to be one number, received shape {loss_arr.shape}")
    if set(grads) != set(theta):
        raise ValueError(f"loss_and_grads: expected gradients for {sorted(theta)}, received {sorted(grads)}")
    out_grads = {}
    for k, g in grads.items():
        g = np.asarray(g, dtype=np.float64)
        if g.shape != theta[k].shape:
            raise ValueError(f"loss_and_grads: the gradient of {k} has shape {g.shape}, expected "
                             f"{theta[k].shape} (the shape of {k})")
        out_grads[k] = g
    return float(loss_arr.reshape(())), out_grads
