"""Checks for lesson 6: mini-batches and the step functions of momentum, Nesterov, RMSprop and Adam.

The step functions follow the lesson's interface::

    step(theta, grad_fn, state, *, learning_rate, ...) -> (theta_new, state_new)

with ``theta`` of shape (p,), ``grad_fn(theta) -> g`` of shape (p,) and
``state = {"v": (p,), "s": (p,), "t": int}``. Each check draws ``theta``, the
state and a quadratic loss whose gradient ``g(θ) = A θ + c`` (``A`` of shape
(p, p), ``c`` of shape (p,)) changes from point to point, so that *where* the
gradient is taken matters. It calls the student's function on copies, records
the point it passed to ``grad_fn``, and compares that point, the updated
entries of ``state_new`` and ``theta_new`` with the right ones and with the
outputs of known mistakes that ``coursetools release`` computed from the
solution notebook (``06-optimizers.fixtures.json``; see ``docs/checks.md``).
Probes with other hyperparameters follow, so that a number written into the
function in place of its argument (``0.9`` for ``beta``) is named. Nothing here
computes an answer.

===================================================  ===============================
student's function                                   check
===================================================  ===============================
``minibatch_indices(m, batch_size, rng)``            :func:`check_minibatch_indices`
``momentum_step(theta, grad_fn, state, ...)``        :func:`check_momentum_step`
``nesterov_step(theta, grad_fn, state, ...)``        :func:`check_nesterov_step`
``rmsprop_step(theta, grad_fn, state, ...)``         :func:`check_rmsprop_step`
``adam_step(theta, grad_fn, state, ...)``            :func:`check_adam_step`
===================================================  ===============================

``minibatch_indices`` is checked by its properties (every example once, the batch
sizes of the fixture, a shuffled order) and by the engine's ``rng`` rule: two
generators with the same seed give the same batches, another seed other ones.
"""

from __future__ import annotations

import inspect

import numpy as np

from .._validate import as_rng, check_scalar, format_shape
from ..feedback import fail
from ._common import call, passed, unpack
from ._engine import Check

__all__ = [
    "CHECKS",
    "check_adam_step",
    "check_minibatch_indices",
    "check_momentum_step",
    "check_nesterov_step",
    "check_rmsprop_step",
]

ASSIGNMENT = "06-optimizers"
POINT = "the point passed to grad_fn"


# --- mini-batches --------------------------------------------------------------------------------

def _batch_inputs(seed, m, batch_size):
    """The sizes and the seed of the generator passed as ``rng``."""
    __tracebackhide__ = True
    m = check_scalar("m", m, integer=True, minimum=10)
    batch_size = check_scalar("batch_size", batch_size, integer=True, minimum=1)
    return {"m": m, "batch_size": batch_size, "rng": check_scalar("seed", seed, integer=True, minimum=0)}


def _call_batches(fn, i):
    __tracebackhide__ = True
    return {"batches": _batches(call(fn, "minibatch_indices", i["m"], i["batch_size"], as_rng(i["rng"])))}


def _batches(result):
    __tracebackhide__ = True
    if isinstance(result, np.ndarray) and result.ndim == 2:
        fail(f"minibatch_indices should return a list of 1-D index arrays, received one array of shape "
             f"{format_shape(result.shape)}: a smaller last batch does not fit a 2-D array")
    try:
        batches = list(result)
    except TypeError:
        fail(f"minibatch_indices should return a list of 1-D index arrays, received {type(result).__name__}")
    out = []
    for i, b in enumerate(batches):
        arr = np.asarray(b)
        if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
            fail(f"minibatch_indices: batch {i} should be a 1-D array of integer indices, received shape "
                 f"{format_shape(arr.shape)} of dtype {arr.dtype}")
        out.append(arr.astype(int))
    return out


def _compare_batches(name, received, expected, params):
    """Every example exactly once, the fixture's batch sizes, not in the original order."""
    __tracebackhide__ = True
    m, batch_size = params["m"], params["batch_size"]
    every = np.concatenate(received) if received else np.zeros(0, dtype=int)
    if every.size and (every.min() < 0 or every.max() >= m):
        bad = every[(every < 0) | (every >= m)][0]
        fail(f"minibatch_indices: index {bad} is not an example; the examples are 0 to {m - 1} (m = {m}): "
             "use the m it is given")
    counts = np.bincount(every, minlength=m)
    missing, twice = np.flatnonzero(counts == 0), np.flatnonzero(counts > 1)
    if twice.size:
        fail(f"minibatch_indices: example {twice[0]} appears {counts[twice[0]]} times in one epoch; each example "
             "should appear exactly once: draw the order once with rng.permutation(m) and cut it into batches, "
             "rather than sampling with replacement or letting batches overlap")
    sizes, want = [b.size for b in received], [b.size for b in expected]
    if missing.size:
        hint = (f": the last {want[-1]} examples (m % batch_size) form a smaller last batch; keep it"
                if want[-1] != batch_size and missing.size == want[-1] else "")
        fail(f"minibatch_indices: {missing.size} of the {m} examples are in no batch, e.g. example "
             f"{missing[0]}{hint}")
    if sizes != want:
        fail(f"minibatch_indices: batch sizes {sizes}, expected {want}: every batch holds batch_size = "
             f"{batch_size} examples except a smaller last one")
    if np.array_equal(every, np.arange(m)):
        fail("minibatch_indices: the examples come in their original order 0, 1, 2, ...: shuffle them with "
             "rng.permutation(m)")


MINIBATCH_INDICES = Check(ASSIGNMENT, "check_minibatch_indices", "minibatch_indices", _batch_inputs, _call_batches,
                          ("batches",), compare=_compare_batches, rng="rng",
                          hints={"rng": "use rng.permutation(m)"})


# --- step functions: inputs (no answers) -----------------------------------------------------------

class _Gradient:
    """g(θ) = A θ + c, recording the points it is called at."""

    def __init__(self, A, c):
        __tracebackhide__ = True
        self.A, self.c, self.points = A, c, []

    def __call__(self, theta):
        __tracebackhide__ = True
        self.points.append(np.array(theta, dtype=np.float64, copy=True))
        return self.A @ np.asarray(theta, dtype=np.float64) + self.c


def _step_inputs(scale_v=1.0, scale_s=1.0):
    """``inputs(seed, p, t, **hyper)``: theta (p,), a state, the quadratic's A (p, p) and c (p,), the hyper."""
    __tracebackhide__ = True

    def inputs(seed, p, t=5, **hyper):
        __tracebackhide__ = True
        p = check_scalar("p", p, integer=True, minimum=1)
        t = check_scalar("t", t, integer=True, minimum=1)
        gen = as_rng(seed)
        theta = gen.standard_normal(p)
        state = {"v": scale_v * gen.standard_normal(p), "s": scale_s * gen.uniform(0.5, 2.0, p), "t": t}
        M = gen.standard_normal((p, p))
        return {"theta": theta, "state": state, "A": M @ M.T / p + np.eye(p), "c": gen.standard_normal(p),
                **{k: check_scalar(k, v, positive=True) for k, v in hyper.items()}}

    return inputs


def _call_step(name, hyper, keys):
    """How the lesson calls a step function: ``fn(theta, grad_fn, state, **hyper)``; its outputs by name."""
    __tracebackhide__ = True

    def run(fn, i):
        __tracebackhide__ = True
        grad = _Gradient(i["A"], i["c"])
        result = call(fn, name, i["theta"], grad, i["state"], **{k: i[k] for k in hyper})
        theta_new, state_new = unpack(result, ("theta_new", "state_new"), name)
        if not isinstance(state_new, dict):
            fail(f"{name} should return (theta_new, state_new) with state_new a dict like state, received "
                 f"{type(state_new).__name__}")
        if len(grad.points) != 1:
            fail(f"{name} called grad_fn {len(grad.points)} times; one step needs exactly one gradient: call it "
                 "once and keep the result in a variable")
        found = {POINT: grad.points[0]}
        for key in keys:
            if key not in state_new:
                fail(f"{name}: state_new has no key '{key}' (its keys are {sorted(state_new)}): return the new "
                     f"{key} in it, e.g. {{**state, '{key}': {key}}}")
            found[f"state_new['{key}']"] = state_new[key]
        found["theta_new"] = theta_new
        return found

    return run


def _probes(check, *names):
    """For the visible call (the check's defaults): another size, then other hyperparameters, so that a number
    written in place of an argument is named. A hidden call, already on other sizes and hyperparameters and whose
    diagnosis the student never reads, needs none."""
    __tracebackhide__ = True

    def probes(**params):
        __tracebackhide__ = True
        defaults = {k: p.default for k, p in inspect.signature(globals()[check]).parameters.items()
                    if p.kind is p.KEYWORD_ONLY}
        if params != defaults:
            return []
        other = {name: round(params[name] * 3, 10) if name == "learning_rate" else
                 (0.5 if params[name] != 0.5 else 0.8) for name in names}
        return [{**params, "seed": params["seed"] + 1000, "p": params["p"] + 1}, {**params, **other}]

    return probes


def _ignored(*names):
    __tracebackhide__ = True
    listed = " or ".join(names)
    return dict.fromkeys(names, f"{{exercise}} ignores an argument it is given ({listed}): use the values passed in, "
                                "not numbers written in the function")


def _step_check(name, exercise, hyper, keys, *, scale_v=1.0, scale_s=1.0):
    __tracebackhide__ = True
    outputs = (POINT, *(f"state_new['{k}']" for k in keys), "theta_new")
    probed = tuple(h for h in hyper if h != "eps")
    return Check(ASSIGNMENT, name, exercise, _step_inputs(scale_v, scale_s), _call_step(exercise, hyper, keys),
                 outputs, arrays=outputs[1:], probes=_probes(name, *probed), hints=_ignored(*probed))


MOMENTUM_STEP = _step_check("check_momentum_step", "momentum_step", ("learning_rate", "beta"), ("v",))
NESTEROV_STEP = _step_check("check_nesterov_step", "nesterov_step", ("learning_rate", "beta"), ("v",))
RMSPROP_STEP = _step_check("check_rmsprop_step", "rmsprop_step", ("learning_rate", "rho", "eps"), ("s",))
ADAM_STEP = _step_check("check_adam_step", "adam_step", ("learning_rate", "beta1", "beta2", "eps"), ("v", "s"),
                        scale_v=0.1, scale_s=0.01)

CHECKS = {c.name: c for c in (MINIBATCH_INDICES, MOMENTUM_STEP, NESTEROV_STEP, RMSPROP_STEP, ADAM_STEP)}


def _hyper_text(**hyper):
    __tracebackhide__ = True
    return ", ".join(f"{k} = {v:g}" for k, v in hyper.items())


# --- the checks ------------------------------------------------------------------------------------

def check_minibatch_indices(minibatch_indices, *, seed: int = 0, m: int = 23, batch_size: int = 5) -> None:
    """Check ``minibatch_indices(m, batch_size, rng)``: a shuffled split of ``range(m)`` into batches.

    Parameters
    ----------
    minibatch_indices : callable
        The student's function, returning a list of 1-D integer arrays.
    seed : int
        Seed of the generator passed as ``rng``.
    m, batch_size : int
        Number of examples (at least 10, so that an unshuffled order is recognised) and batch size.
    """
    __tracebackhide__ = True
    MINIBATCH_INDICES.verify(minibatch_indices, seed=seed, m=m, batch_size=batch_size)
    passed(f"minibatch_indices: every one of m = {m} examples exactly once, in batches of {batch_size}, "
           "in an order drawn from rng")


def check_momentum_step(momentum_step, *, seed: int = 0, p: int = 4, learning_rate: float = 0.05,
                        beta: float = 0.9) -> None:
    """Check ``momentum_step``: ``v ← β v - η g(θ)``, ``θ ← θ + v``, the gradient taken at ``θ``.

    Parameters
    ----------
    momentum_step : callable
        The student's ``momentum_step(theta, grad_fn, state, *, learning_rate, beta)``.
    seed : int
        Seed of ``theta`` (p,), the state and the quadratic loss.
    p : int
        Number of parameters.
    learning_rate, beta : float
        Keep ``learning_rate != 1 - beta``, or the sign mistake and the averaged form look alike.
    """
    __tracebackhide__ = True
    MOMENTUM_STEP.verify(momentum_step, seed=seed, p=p, learning_rate=learning_rate, beta=beta)
    passed(f"momentum_step: the gradient at θ, and theta_new {format_shape((p,))} and state_new['v'] have the "
           f"right values ({_hyper_text(p=p, learning_rate=learning_rate, beta=beta)})")


def check_nesterov_step(nesterov_step, *, seed: int = 0, p: int = 4, learning_rate: float = 0.05,
                        beta: float = 0.9) -> None:
    """Check ``nesterov_step``: ``v ← β v - η g(θ + β v)``, ``θ ← θ + v``.

    Parameters are those of :func:`check_momentum_step`.
    """
    __tracebackhide__ = True
    NESTEROV_STEP.verify(nesterov_step, seed=seed, p=p, learning_rate=learning_rate, beta=beta)
    passed(f"nesterov_step: the gradient at θ + βv, and theta_new and state_new['v'] have the right values "
           f"({_hyper_text(p=p, learning_rate=learning_rate, beta=beta)})")


def check_rmsprop_step(rmsprop_step, *, seed: int = 0, p: int = 4, learning_rate: float = 0.1,
                       rho: float = 0.9, eps: float = 0.1) -> None:
    """Check ``rmsprop_step``: ``s ← ρ s + (1 - ρ) g²``, ``θ ← θ - η g / (√s + ε)``.

    The check uses a large ``eps`` (0.1) so that where ε goes shows in the result.

    Parameters
    ----------
    rmsprop_step : callable
        The student's ``rmsprop_step(theta, grad_fn, state, *, learning_rate, rho, eps)``.
    seed : int
    p : int
    learning_rate, rho, eps : float
    """
    __tracebackhide__ = True
    RMSPROP_STEP.verify(rmsprop_step, seed=seed, p=p, learning_rate=learning_rate, rho=rho, eps=eps)
    passed(f"rmsprop_step: theta_new {format_shape((p,))} and state_new['s'] have the right values "
           f"({_hyper_text(p=p, learning_rate=learning_rate, rho=rho, eps=eps)})")


def check_adam_step(adam_step, *, seed: int = 0, p: int = 4, t: int = 3, learning_rate: float = 0.1,
                    beta1: float = 0.9, beta2: float = 0.999, eps: float = 0.01) -> None:
    """Check ``adam_step``: two running means, bias-corrected with ``t``, then ``θ ← θ - η v̂ / (√ŝ + ε)``.

    Parameters
    ----------
    adam_step : callable
        The student's ``adam_step(theta, grad_fn, state, *, learning_rate, beta1, beta2, eps)``.
    seed : int
    p : int
    t : int
        The step number in ``state["t"]``; small, so that the bias correction matters.
    learning_rate, beta1, beta2, eps : float
        A largish ``eps`` (0.01) so that where ε goes shows in the result.
    """
    __tracebackhide__ = True
    ADAM_STEP.verify(adam_step, seed=seed, p=p, t=t, learning_rate=learning_rate, beta1=beta1, beta2=beta2,
                     eps=eps)
    passed(f"adam_step: theta_new {format_shape((p,))}, state_new['v'] and state_new['s'] have the right values "
           f"({_hyper_text(p=p, t=t, learning_rate=learning_rate, beta1=beta1, beta2=beta2, eps=eps)})")
