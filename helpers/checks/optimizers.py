"""Checks for lesson 6: mini-batches and the step functions of momentum, Nesterov, RMSprop and Adam.

The step functions follow the interface of :mod:`helpers.optimizers`::

    step(theta, grad_fn, state, *, learning_rate, ...) -> (theta_new, state_new)

with ``theta`` of shape (p,), ``grad_fn(theta) -> g`` of shape (p,) and
``state = {"v": (p,), "s": (p,), "t": int}``. Each check draws ``theta``, the
state and a quadratic loss whose gradient ``g(θ) = A θ + c`` changes from
point to point (so that *where* the gradient is taken matters), calls the
student's function on copies, records where it asked for the gradient, and
compares ``theta_new`` and the updated entries of ``state_new`` with the right
ones, naming a known mistake when it recognises one.

===================================================  ===============================
student's function                                   check
===================================================  ===============================
``minibatch_indices(m, batch_size, rng)``            :func:`check_minibatch_indices`
``momentum_step(theta, grad_fn, state, ...)``        :func:`check_momentum_step`
``nesterov_step(theta, grad_fn, state, ...)``        :func:`check_nesterov_step`
``rmsprop_step(theta, grad_fn, state, ...)``         :func:`check_rmsprop_step`
``adam_step(theta, grad_fn, state, ...)``            :func:`check_adam_step`
===================================================  ===============================
"""

from __future__ import annotations

import numpy as np

from .. import optimizers as reference
from .._checks import as_rng, check_scalar, format_shape
from ..feedback import assert_matches, fail
from ._common import call, passed, unpack

__all__ = [
    "check_adam_step",
    "check_minibatch_indices",
    "check_momentum_step",
    "check_nesterov_step",
    "check_rmsprop_step",
]


# --- mini-batches --------------------------------------------------------------------------------

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
    m = check_scalar("m", m, integer=True, minimum=10)
    batch_size = check_scalar("batch_size", batch_size, integer=True, minimum=1)
    gen = as_rng(seed)
    first = _batches(call(minibatch_indices, "minibatch_indices", m, batch_size, gen))
    every = np.concatenate(first) if first else np.zeros(0, dtype=int)
    if every.size and (every.min() < 0 or every.max() >= m):
        bad = every[(every < 0) | (every >= m)][0]
        raise AssertionError(f"minibatch_indices: index {bad} is not an example; the examples are 0 to "
                             f"{m - 1} (m = {m})")
    counts = np.bincount(every, minlength=m)
    missing, twice = np.flatnonzero(counts == 0), np.flatnonzero(counts > 1)
    if twice.size:
        raise AssertionError(f"minibatch_indices: example {twice[0]} appears {counts[twice[0]]} times in one "
                             "epoch; each example should appear exactly once: draw the order with "
                             "rng.permutation(m) rather than sampling with replacement")
    if missing.size:
        hint = (f": the last {m % batch_size} examples (m % batch_size) form a smaller last batch; keep it"
                if missing.size == m % batch_size else "")
        raise AssertionError(f"minibatch_indices: {missing.size} of the {m} examples are in no batch, e.g. "
                             f"example {missing[0]}{hint}")
    sizes = [b.size for b in first]
    want = [batch_size] * (m // batch_size) + ([m % batch_size] if m % batch_size else [])
    if sizes != want:
        raise AssertionError(f"minibatch_indices: batch sizes {sizes}, expected {want}: every batch holds "
                             f"batch_size = {batch_size} examples except a smaller last one")
    if np.array_equal(every, np.arange(m)):
        raise AssertionError("minibatch_indices: the examples come in their original order 0, 1, 2, ...: "
                             "shuffle them with rng.permutation(m)")
    second = np.concatenate(_batches(call(minibatch_indices, "minibatch_indices", m, batch_size, gen)))
    if np.array_equal(every, second):
        raise AssertionError("minibatch_indices: two calls with the same generator gave the same order; each "
                             "epoch needs a new order: draw it from the rng argument (rng.permutation(m)), "
                             "not from a new generator or a fixed seed")
    again = [np.concatenate(_batches(call(minibatch_indices, "minibatch_indices", m, batch_size,
                                          as_rng(seed + 7)))) for _ in range(2)]
    if not np.array_equal(*again):
        fail("minibatch_indices: two generators made with the same seed gave different orders, so the "
             "shuffle does not come from the rng argument (np.random.permutation and np.random.shuffle use "
             "numpy's global generator): use rng.permutation(m), so that a seed reproduces the run")
    passed(f"minibatch_indices: every one of m = {m} examples exactly once, in batches of {batch_size}, "
           "in a new random order each call")


def _batches(result):
    __tracebackhide__ = True
    if isinstance(result, np.ndarray) and result.ndim == 2:
        raise AssertionError(f"minibatch_indices should return a list of 1-D index arrays, received one array "
                             f"of shape {format_shape(result.shape)}: a smaller last batch does not fit a 2-D "
                             "array")
    try:
        batches = list(result)
    except TypeError:
        raise AssertionError(f"minibatch_indices should return a list of 1-D index arrays, received "
                             f"{type(result).__name__}") from None
    out = []
    for i, b in enumerate(batches):
        arr = np.asarray(b)
        if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
            raise AssertionError(f"minibatch_indices: batch {i} should be a 1-D array of integer indices, "
                                 f"received shape {format_shape(arr.shape)} of dtype {arr.dtype}")
        out.append(arr.astype(int))
    return out


# --- step functions --------------------------------------------------------------------------------

class _Gradient:
    """g(θ) = A θ + c, recording where it was called."""

    def __init__(self, gen, p):
        __tracebackhide__ = True
        M = gen.standard_normal((p, p))
        self.A = M @ M.T / p + np.eye(p)
        self.c = gen.standard_normal(p)
        self.points = []

    def __call__(self, theta):
        __tracebackhide__ = True
        self.points.append(np.array(theta, dtype=np.float64, copy=True))
        return self.A @ np.asarray(theta, dtype=np.float64) + self.c

    def at(self, theta):
        __tracebackhide__ = True
        return self.A @ theta + self.c


def _setup(seed, p, t):
    __tracebackhide__ = True
    p = check_scalar("p", p, integer=True, minimum=1)
    gen = as_rng(seed)
    theta = gen.standard_normal(p)
    state = {"v": gen.standard_normal(p), "s": gen.uniform(0.5, 2.0, p), "t": t}
    return theta, state, _Gradient(gen, p)


def _run(step_fn, fn_name, theta, state, grad, hyper):
    __tracebackhide__ = True
    given_theta = theta.copy()
    given_state = {key: (val.copy() if isinstance(val, np.ndarray) else val) for key, val in state.items()}
    result = call(step_fn, fn_name, given_theta, grad, given_state, **hyper)
    theta_new, state_new = unpack(result, ("theta_new", "state_new"), fn_name)
    if not np.array_equal(given_theta, theta):
        raise AssertionError(f"{fn_name} changed theta in place (theta -= ... or theta[...] = ...), so the "
                             "caller's theta changed too: make a new array, theta_new = theta - ...")
    for key in ("v", "s"):
        if not np.array_equal(given_state[key], state[key]):
            raise AssertionError(f"{fn_name} changed state['{key}'] in place: build a new dict, e.g. "
                                 f"{{**state, '{key}': {key}}}, with a new array")
    if not isinstance(state_new, dict):
        raise AssertionError(f"{fn_name} should return (theta_new, state_new) with state_new a dict like "
                             f"state, received {type(state_new).__name__}")
    if len(grad.points) != 1:
        raise AssertionError(f"{fn_name} called grad_fn {len(grad.points)} times; one step needs exactly one "
                             "gradient: call it once and keep the result in a variable")
    return theta_new, state_new


def _state_entry(state_new, key, fn_name):
    __tracebackhide__ = True
    if key not in state_new:
        raise AssertionError(f"{fn_name}: state_new has no key '{key}' (its keys are {sorted(state_new)}): "
                             f"return the new {key} in it, e.g. {{**state, '{key}': {key}}}")
    return state_new[key]


def _hyper_text(**hyper):
    __tracebackhide__ = True
    return ", ".join(f"{k} = {v:g}" for k, v in hyper.items())


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
    theta, state, grad = _setup(seed, p, t=5)
    hyper = dict(learning_rate=learning_rate, beta=beta)
    v, g = state["v"], grad.at(theta)
    want_theta, want_state = reference.momentum_step(theta, grad.at, state, **hyper)
    v_new = want_state["v"]
    got_theta, got_state = _run(momentum_step, "momentum_step", theta, state, grad, hyper)
    if not np.allclose(grad.points[0], theta):
        raise AssertionError("momentum_step took the gradient somewhere else than at theta"
                             + (": at the look-ahead point θ + βv, which is Nesterov's step (next exercise)"
                                if np.allclose(grad.points[0], theta + beta * v) else ""))
    ema = beta * v + (1 - beta) * g
    assert_matches("state_new['v']", _state_entry(got_state, "v", "momentum_step"), v_new, mistakes={
        "the sign of the gradient term is flipped: v ← β v - η g, so that v points downhill":
            beta * v + learning_rate * g,
        "β is missing: v ← β v - η g keeps a fraction β of the old velocity": v - learning_rate * g,
        "the old velocity is dropped: v ← β v - η g (that is plain gradient descent)": -learning_rate * g,
        "that is the averaged form v ← β v + (1 - β) g; this lesson writes v ← β v - η g, θ ← θ + v": ema,
    })
    assert_matches("theta_new", got_theta, want_theta, mistakes={
        "θ moved by the old velocity: update v first, then θ ← θ + v with the new v": theta + v,
        "θ ← θ - v moves uphill: v already contains -η g, so θ ← θ + v": theta - v_new,
        "θ ← θ - η v is the averaged form; here v already contains -η g, so θ ← θ + v": theta - learning_rate * v_new,
    })
    passed(f"momentum_step: theta_new {format_shape(theta.shape)} and state_new['v'] have the right values "
           f"({_hyper_text(p=p, **hyper)})")


def check_nesterov_step(nesterov_step, *, seed: int = 0, p: int = 4, learning_rate: float = 0.05,
                        beta: float = 0.9) -> None:
    """Check ``nesterov_step``: ``v ← β v - η g(θ + β v)``, ``θ ← θ + v``.

    Parameters are those of :func:`check_momentum_step`.
    """
    __tracebackhide__ = True
    theta, state, grad = _setup(seed, p, t=5)
    hyper = dict(learning_rate=learning_rate, beta=beta)
    v = state["v"]
    look = theta + beta * v
    want_theta, want_state = reference.nesterov_step(theta, grad.at, state, **hyper)
    v_new = want_state["v"]
    got_theta, got_state = _run(nesterov_step, "nesterov_step", theta, state, grad, hyper)
    where = grad.points[0]
    if not np.allclose(where, look):
        known = {"at theta itself: that is plain momentum; Nesterov looks ahead to θ + β v": theta,
                 "at θ - β v: the look-ahead goes the way the velocity points, θ + β v": theta - beta * v,
                 "at θ + v: the look-ahead point is θ + β v": theta + v}
        hint = next((label for label, point in known.items() if np.allclose(where, point)), None)
        raise AssertionError("nesterov_step took the gradient at the wrong point" + (f", {hint}" if hint else
                             f": expected θ + β v = {np.round(look, 4).tolist()}, "
                             f"received {np.round(where, 4).tolist()}"))
    assert_matches("state_new['v']", _state_entry(got_state, "v", "nesterov_step"), v_new, mistakes={
        "the sign of the gradient term is flipped: v ← β v - η g(θ + β v)": beta * v + learning_rate * grad.at(look),
        "β is missing in front of the old velocity: v ← β v - η g(θ + β v)": v - learning_rate * grad.at(look),
    })
    assert_matches("theta_new", got_theta, want_theta, mistakes={
        "θ moved by the old velocity: update v first, then θ ← θ + v": theta + v,
        "θ ← θ - v moves uphill: θ ← θ + v": theta - v_new,
        "θ moved from the look-ahead point: the step starts from θ, θ ← θ + v": look + v_new,
    })
    passed(f"nesterov_step: the gradient at θ + βv, and theta_new and state_new['v'] have the right values "
           f"({_hyper_text(p=p, **hyper)})")


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
    theta, state, grad = _setup(seed, p, t=5)
    hyper = dict(learning_rate=learning_rate, rho=rho, eps=eps)
    s, g = state["s"], grad.at(theta)
    want_theta, want_state = reference.rmsprop_step(theta, grad.at, state, **hyper)
    s_new = want_state["s"]
    got_theta, got_state = _run(rmsprop_step, "rmsprop_step", theta, state, grad, hyper)
    assert_matches("state_new['s']", _state_entry(got_state, "s", "rmsprop_step"), s_new, mistakes={
        "the gradient is not squared: s ← ρ s + (1 - ρ) g², with g² entry by entry": rho * s + (1 - rho) * g,
        "(1 - ρ) is missing: s ← ρ s + (1 - ρ) g²": rho * s + g ** 2,
        "ρ and 1 - ρ are swapped: s ← ρ s + (1 - ρ) g² keeps most of the old s": (1 - rho) * s + rho * g ** 2,
    })
    eta = learning_rate
    assert_matches("theta_new", got_theta, want_theta, mistakes={
        "the square root is missing: divide by √s + ε": theta - eta * g / (s_new + eps),
        "ε is inside the square root: divide by √s + ε, not √(s + ε)": theta - eta * g / np.sqrt(s_new + eps),
        "θ used the old s: update s first, then divide by √s + ε with the new s": theta - eta * g / (np.sqrt(s) + eps),
        "the sign is flipped: θ ← θ - η g / (√s + ε) goes downhill": theta + eta * g / (np.sqrt(s_new) + eps),
    })
    passed(f"rmsprop_step: theta_new {format_shape(theta.shape)} and state_new['s'] have the right values "
           f"({_hyper_text(p=p, **hyper)})")


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
    t = check_scalar("t", t, integer=True, minimum=1)
    theta, state, grad = _setup(seed, p, t=t)
    state["v"] = 0.1 * state["v"]
    state["s"] = 0.01 * state["s"]
    hyper = dict(learning_rate=learning_rate, beta1=beta1, beta2=beta2, eps=eps)
    v, s, g = state["v"], state["s"], grad.at(theta)
    want_theta, want_state = reference.adam_step(theta, grad.at, state, **hyper)
    v_new, s_new = want_state["v"], want_state["s"]
    got_theta, got_state = _run(adam_step, "adam_step", theta, state, grad, hyper)
    assert_matches("state_new['v']", _state_entry(got_state, "v", "adam_step"), v_new, mistakes={
        "(1 - β1) is missing: v ← β1 v + (1 - β1) g": beta1 * v + g,
        "state_new['v'] is bias-corrected; store the uncorrected v and correct a copy, v̂ = v / (1 - β1^t)":
            v_new / (1 - beta1 ** t),
    })
    assert_matches("state_new['s']", _state_entry(got_state, "s", "adam_step"), s_new, mistakes={
        "the gradient is not squared: s ← β2 s + (1 - β2) g²": beta2 * s + (1 - beta2) * g,
        "(1 - β2) is missing: s ← β2 s + (1 - β2) g²": beta2 * s + g ** 2,
        "state_new['s'] is bias-corrected; store the uncorrected s and correct a copy, ŝ = s / (1 - β2^t)":
            s_new / (1 - beta2 ** t),
    })

    def step(vh, sh, root=np.sqrt, inside=False):
        __tracebackhide__ = True
        return theta - learning_rate * vh / (np.sqrt(sh + eps) if inside else root(sh) + eps)

    vh, sh = v_new / (1 - beta1 ** t), s_new / (1 - beta2 ** t)
    assert_matches("theta_new", got_theta, want_theta, mistakes={
        "no bias correction: divide v by (1 - β1^t) and s by (1 - β2^t) before the step": step(v_new, s_new),
        "only v is bias-corrected: ŝ = s / (1 - β2^t) too": step(vh, s_new),
        "only s is bias-corrected: v̂ = v / (1 - β1^t) too": step(v_new, sh),
        "the bias correction uses t - 1; state['t'] is already this step's number (1 on the first step)":
            step(v_new / (1 - beta1 ** max(t - 1, 1e-9)), s_new / (1 - beta2 ** max(t - 1, 1e-9))),
        "the bias correction uses t + 1; state['t'] is already this step's number (1 on the first step)":
            step(v_new / (1 - beta1 ** (t + 1)), s_new / (1 - beta2 ** (t + 1))),
        "ε is inside the square root: divide by √ŝ + ε, not √(ŝ + ε)": step(vh, sh, inside=True),
        "the square root is missing: divide by √ŝ + ε": step(vh, sh, root=lambda x: x),
        "the sign is flipped: θ ← θ - η v̂ / (√ŝ + ε) goes downhill": 2 * theta - step(vh, sh),
    })
    passed(f"adam_step: theta_new {format_shape(theta.shape)}, state_new['v'] and state_new['s'] have the "
           f"right values ({_hyper_text(p=p, t=t, **hyper)})")
