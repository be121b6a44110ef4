"""Checks for lesson 7: the building blocks of simulated annealing, particle swarms and genetic algorithms.

Populations hold one candidate per column, as in :mod:`helpers.gradient_free`:
``X`` of shape (p, N) for N candidates with p parameters each. The random
numbers come in as arguments, so that every answer is exact.

================================================================  ===============================
student's function                                                check
================================================================  ===============================
``metropolis_accept(delta, temperature, u) -> (N,) bool``         :func:`check_metropolis_accept`
``pso_velocity(V, X, personal_best, global_best, r1, r2, *,``     :func:`check_pso_velocity`
``w, c1, c2) -> (p, N)``
``crossover_mutate(parents_a, parents_b, mask, noise, mutate)``   :func:`check_crossover_mutate`
================================================================  ===============================

Each check draws its inputs from ``seed`` at the requested sizes, calls the student's function twice
on copies (equal inputs must give equal outputs: a function that draws its own random numbers instead
of using the ones passed in is named), and compares with the fixtures that ``coursetools release``
computed from the solution notebook (``07-beyond-gradients``; see ``docs/checks.md``), then again on
data of other sizes. Nothing here computes an answer.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_rng, check_scalar, format_shape
from ..feedback import fail
from ._common import call, passed
from ._engine import Check

__all__ = ["CHECKS", "check_crossover_mutate", "check_metropolis_accept", "check_pso_velocity"]

ASSIGNMENT = "07-beyond-gradients"


# --- inputs (no answers) -------------------------------------------------------------------------

def _metropolis_inputs(seed, N, temperature):
    """``delta`` (N,) with zeros, a downhill move and uphill moves on both sides of u; ``u`` (N,)."""
    __tracebackhide__ = True
    N = check_scalar("N", N, integer=True, minimum=6)
    T = check_scalar("temperature", temperature, positive=True)
    gen = as_rng(seed)
    delta = gen.uniform(-1.0, 2.0, N) * T
    delta[:2] = 0.0
    delta[2] = -0.5 * T
    delta[3:6] = [0.3 * T, 0.7 * T, 3.0 * T]
    u = gen.random(N)
    u[:3] = 0.99
    u[3:6] = [np.exp(-0.3) - 0.05, np.exp(-0.7) + 0.05, 0.7]
    return {"delta": delta, "temperature": float(T), "u": u}


def _pso_inputs(seed, p, N, w, c1, c2):
    __tracebackhide__ = True
    p = check_scalar("p", p, integer=True, minimum=1)
    N = check_scalar("N", N, integer=True, minimum=2)
    gen = as_rng(seed)
    V, X, P = (gen.standard_normal((p, N)) for _ in range(3))
    G = gen.standard_normal((p, 1))
    r1, r2 = gen.random((p, N)), gen.random((p, N))
    return {"V": V, "X": X, "personal_best": P, "global_best": G, "r1": r1, "r2": r2,
            "w": float(w), "c1": float(c1), "c2": float(c2)}


def _crossover_inputs(seed, p, N):
    """Parents far apart (b is shifted by 3), a mask and a mutation pattern with both values in each column."""
    __tracebackhide__ = True
    p = check_scalar("p", p, integer=True, minimum=2)
    N = check_scalar("N", N, integer=True, minimum=2)
    gen = as_rng(seed)
    A, B = gen.standard_normal((p, N)), gen.standard_normal((p, N)) + 3.0
    mask = gen.random((p, N)) < 0.5
    mask[0, 0], mask[1, 0] = True, False
    noise = 0.1 * gen.standard_normal((p, N))
    mutate = gen.random((p, N)) < 0.4
    mutate[0, 1], mutate[1, 1] = True, False
    return {"parents_a": A, "parents_b": B, "mask": mask, "noise": noise, "mutate": mutate}


def _other_chains(seed, N, temperature):
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "N": N + 3, "temperature": temperature}]


def _other_swarm(seed, p, N, w, c1, c2):
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "p": p + 1, "N": N + 2, "w": w, "c1": c1, "c2": c2}]


def _other_children(seed, p, N):
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "p": p + 1, "N": N + 2}]


# --- how the student's functions are called --------------------------------------------------------

def _copies(values):
    __tracebackhide__ = True
    return [v.copy() if isinstance(v, np.ndarray) else v for v in values]


def _twice(fn, name, args, keywords, random):
    """Call ``fn`` on two equal copies of its arguments; fail when the two results differ."""
    __tracebackhide__ = True
    first = call(fn, name, *_copies(args), **keywords)
    second = call(fn, name, *args, **keywords)
    try:
        same = np.array_equal(np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64),
                              equal_nan=True)
    except (TypeError, ValueError):
        same = True  # not numbers: the value checks say what is wrong
    if not same:
        fail(f"{name} gave two different answers for the same inputs: it draws random numbers of its own "
             f"(np.random...) instead of using {random}, which the caller drew from its rng")
    return second


def _call_metropolis(fn, i):
    __tracebackhide__ = True
    got = _twice(fn, "metropolis_accept", (i["delta"], i["temperature"], i["u"]), {}, "u")
    N = i["delta"].shape[0]
    arr = np.asarray(got)
    if arr.shape != (N,):
        fail(f"metropolis_accept should return one True/False per chain, shape ({N},), received shape "
             f"{format_shape(arr.shape)}")
    if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
        fail(f"metropolis_accept should return True/False values, received {arr[:3].tolist()} ...: compare u with "
             "the acceptance probability, u < exp(-delta / temperature)")
    return {"accepted": arr.astype(np.float64)}


def _call_pso(fn, i):
    __tracebackhide__ = True
    args = tuple(i[k] for k in ("V", "X", "personal_best", "global_best", "r1", "r2"))
    return {"V_new": _twice(fn, "pso_velocity", args, {k: i[k] for k in ("w", "c1", "c2")}, "r1 and r2")}


def _call_crossover(fn, i):
    __tracebackhide__ = True
    args = tuple(i[k] for k in ("parents_a", "parents_b", "mask", "noise", "mutate"))
    return {"children": _twice(fn, "crossover_mutate", args, {}, "mask, noise and mutate")}


METROPOLIS = Check(ASSIGNMENT, "check_metropolis_accept", "metropolis_accept", _metropolis_inputs,
                   _call_metropolis, ("accepted",), probes=_other_chains)
PSO = Check(ASSIGNMENT, "check_pso_velocity", "pso_velocity", _pso_inputs, _call_pso, ("V_new",),
            arrays=("V_new",), probes=_other_swarm)
CROSSOVER = Check(ASSIGNMENT, "check_crossover_mutate", "crossover_mutate", _crossover_inputs, _call_crossover,
                  ("children",), arrays=("children",), probes=_other_children)

CHECKS = {c.name: c for c in (METROPOLIS, PSO, CROSSOVER)}


# --- the exercises -------------------------------------------------------------------------------

def check_metropolis_accept(metropolis_accept, *, seed: int = 0, N: int = 12, temperature: float = 0.5) -> None:
    """Check ``metropolis_accept(delta, temperature, u)``: True where ``delta <= 0`` or ``u < exp(-delta / T)``.

    Parameters
    ----------
    metropolis_accept : callable
        The student's function, returning a boolean array of shape (N,).
    seed : int
        Seed of ``delta`` (N,) (some negative, some zero, some positive) and ``u`` (N,).
    N : int
        Number of chains, at least 6.
    temperature : float
    """
    __tracebackhide__ = True
    METROPOLIS.verify(metropolis_accept, seed=seed, N=N, temperature=temperature)
    passed(f"metropolis_accept: the right moves accepted for N = {N} chains at temperature {temperature:g}")


def check_pso_velocity(pso_velocity, *, seed: int = 0, p: int = 3, N: int = 5, w: float = 0.7,
                       c1: float = 1.2, c2: float = 1.8) -> None:
    """Check ``pso_velocity``: ``w V + c1 r1 ⊙ (personal_best - X) + c2 r2 ⊙ (global_best - X)``, shape (p, N).

    Parameters
    ----------
    pso_velocity : callable
        The student's ``pso_velocity(V, X, personal_best, global_best, r1, r2, *, w, c1, c2)``.
    seed : int
    p, N : int
        Parameters per particle and number of particles.
    w, c1, c2 : float
        Different from each other, so that a swap shows.
    """
    __tracebackhide__ = True
    PSO.verify(pso_velocity, seed=seed, p=p, N=N, w=w, c1=c1, c2=c2)
    passed(f"pso_velocity: V_new ({p}, {N}) has the right values (w = {w:g}, c1 = {c1:g}, c2 = {c2:g})")


def check_crossover_mutate(crossover_mutate, *, seed: int = 0, p: int = 4, N: int = 6) -> None:
    """Check ``crossover_mutate``: entries from parent a where ``mask``, else b; plus ``noise`` where ``mutate``.

    Parameters
    ----------
    crossover_mutate : callable
        The student's ``crossover_mutate(parents_a, parents_b, mask, noise, mutate)``, returning (p, N).
    seed : int
    p, N : int
        Parameters per child and number of children.
    """
    __tracebackhide__ = True
    CROSSOVER.verify(crossover_mutate, seed=seed, p=p, N=N)
    passed(f"crossover_mutate: children ({p}, {N}) have the right values")
