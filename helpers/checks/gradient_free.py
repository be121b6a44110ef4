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
"""

from __future__ import annotations

import numpy as np

from .. import gradient_free as reference
from .._checks import as_rng, check_scalar, format_shape
from ..feedback import assert_matches
from ._common import call_on_copies as _call
from ._common import passed

__all__ = ["check_crossover_mutate", "check_metropolis_accept", "check_pso_velocity"]


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
    got = _call(metropolis_accept, "metropolis_accept", delta=delta, temperature=T, u=u)
    arr = np.asarray(got)
    if arr.shape != (N,):
        raise AssertionError(f"metropolis_accept should return one True/False per chain, shape ({N},), received "
                             f"shape {format_shape(arr.shape)}")
    if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
        raise AssertionError(f"metropolis_accept should return True/False values, received {arr[:3].tolist()} ...: "
                             "compare u with the acceptance probability, u < exp(-delta / temperature)")
    with np.errstate(over="ignore"):
        expected = reference.metropolis_accept(delta, T, u)
        assert_matches("accepted", arr.astype(float), expected.astype(float), mistakes={
            "only downhill moves are accepted; an uphill move is accepted when u < exp(-delta / T)":
                (delta <= 0).astype(float),
            "a move with delta = 0 (the loss does not change) is rejected: accept when delta <= 0":
                ((delta < 0) | ((delta > 0) & (u < np.exp(-delta / T)))).astype(float),
            "the comparison is reversed: accept when u < exp(-delta / T)":
                ((delta <= 0) | (u > np.exp(-np.maximum(delta, 0) / T))).astype(float),
            "the temperature multiplies; it divides: exp(-delta / T)":
                ((delta <= 0) | (u < np.exp(-np.maximum(delta, 0) * T))).astype(float),
            "the minus sign is missing: exp(-delta / T) is below 1 for an uphill move":
                ((delta <= 0) | (u < np.exp(np.maximum(delta, 0) / T))).astype(float),
        })
    passed(f"metropolis_accept: the right moves accepted for N = {N} chains at temperature {T:g}")


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
    p = check_scalar("p", p, integer=True, minimum=1)
    N = check_scalar("N", N, integer=True, minimum=2)
    gen = as_rng(seed)
    V, X, P = (gen.standard_normal((p, N)) for _ in range(3))
    G = gen.standard_normal((p, 1))
    r1, r2 = gen.random((p, N)), gen.random((p, N))
    got = _call(pso_velocity, "pso_velocity", V=V, X=X, personal_best=P, global_best=G, r1=r1, r2=r2,
                keywords=dict(w=w, c1=c1, c2=c2))
    expected = reference.pso_velocity(V, X, P, G, r1, r2, w=w, c1=c1, c2=c2)
    assert_matches("V_new", got, expected, mistakes={
        "the pulls point away from the bests: use (personal_best - X) and (global_best - X)":
            w * V + c1 * r1 * (X - P) + c2 * r2 * (X - G),
        "the inertia w is missing: w V": V + c1 * r1 * (P - X) + c2 * r2 * (G - X),
        "the old velocity is dropped: V_new starts with w V": c1 * r1 * (P - X) + c2 * r2 * (G - X),
        "the pull to the swarm's best is missing: + c2 r2 (global_best - X)": w * V + c1 * r1 * (P - X),
        "the pull to the particle's own best is missing: + c1 r1 (personal_best - X)": w * V + c2 * r2 * (G - X),
        "c1 and c2 are swapped: c1 goes with personal_best, c2 with global_best":
            w * V + c2 * r1 * (P - X) + c1 * r2 * (G - X),
        "the random factors are missing: c1 r1 ⊙ (...) and c2 r2 ⊙ (...)": w * V + c1 * (P - X) + c2 * (G - X),
        "the position is added: return the velocity only, the caller moves X + V_new":
            X + w * V + c1 * r1 * (P - X) + c2 * r2 * (G - X),
    })
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
    p = check_scalar("p", p, integer=True, minimum=2)
    N = check_scalar("N", N, integer=True, minimum=2)
    gen = as_rng(seed)
    A, B = gen.standard_normal((p, N)), gen.standard_normal((p, N)) + 3.0
    mask = gen.random((p, N)) < 0.5
    mask[0, 0], mask[1, 0] = True, False
    noise = 0.1 * gen.standard_normal((p, N))
    mutate = gen.random((p, N)) < 0.4
    mutate[0, 1], mutate[1, 1] = True, False
    got = _call(crossover_mutate, "crossover_mutate", parents_a=A, parents_b=B, mask=mask, noise=noise,
                mutate=mutate)
    child = np.where(mask, A, B)
    assert_matches("children", got, reference.crossover_mutate(A, B, mask, noise, mutate), mistakes={
        "the parents are swapped: where mask is True the entry comes from parents_a":
            np.where(mask, B, A) + np.where(mutate, noise, 0.0),
        "no mutation: add noise where mutate is True": child,
        "the noise is added to every entry; only where mutate is True": child + noise,
        "the noise replaces the entry; it is added to it: child + noise where mutate": np.where(mutate, noise, child),
        "the parents are averaged; uniform crossover takes each entry whole from one parent":
            (A + B) / 2 + np.where(mutate, noise, 0.0),
    })
    passed(f"crossover_mutate: children ({p}, {N}) have the right values")
