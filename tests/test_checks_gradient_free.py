"""The checks of lesson 7 accept right answers and diagnose each wrong one."""

from __future__ import annotations

import numpy as np
import pytest
from fixturing import on_demand

from helpers.checks import gradient_free as checks

fixtures_on_demand = on_demand("07-beyond-gradients")  # right answers and mistakes come from the solution notebook


def metropolis_accept(delta, temperature, u):
    return np.array([d <= 0 or ui < np.exp(-d / temperature) for d, ui in zip(delta, u)])


def pso_velocity(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return w * V + c1 * r1 * (personal_best - X) + c2 * r2 * (global_best - X)


def crossover_mutate(parents_a, parents_b, mask, noise, mutate):
    child = parents_b.copy()
    child[mask] = parents_a[mask]
    child[mutate] += noise[mutate]
    return child


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_checks_accept_correct_implementations(seed, capsys):
    checks.check_metropolis_accept(metropolis_accept, seed=seed, N=6 + seed)
    checks.check_pso_velocity(pso_velocity, seed=seed, p=1 + seed, N=2 + seed)
    checks.check_crossover_mutate(crossover_mutate, seed=seed, p=2 + seed, N=3)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(line.startswith("✓") for line in out)


def test_an_integer_0_1_answer_is_accepted(capsys):
    checks.check_metropolis_accept(lambda d, T, u: metropolis_accept(d, T, u).astype(int))
    assert capsys.readouterr().out.startswith("✓")


METROPOLIS_MISTAKES = {
    "only downhill moves are accepted": lambda d, T, u: d <= 0,
    "delta = 0": lambda d, T, u: (d < 0) | (u < np.exp(-d / T)) & (d > 0),
    "the comparison is reversed": lambda d, T, u: (d <= 0) | (u > np.exp(-d / T)),
    "the temperature multiplies": lambda d, T, u: (d <= 0) | (u < np.exp(-d * T)),
    "the minus sign is missing": lambda d, T, u: (d <= 0) | (u < np.exp(d / T)),
    "one True/False per chain": lambda d, T, u: ((d <= 0) | (u < np.exp(-d / T)))[None, :],
    "True/False values": lambda d, T, u: np.exp(-d / T),
}


@pytest.mark.parametrize("message", METROPOLIS_MISTAKES)
def test_metropolis_mistakes_are_named(message):
    with pytest.raises(AssertionError, match=message), np.errstate(over="ignore"):
        checks.check_metropolis_accept(METROPOLIS_MISTAKES[message], seed=3)


PSO_MISTAKES = {
    "point away from the bests": lambda V, X, P, G, r1, r2, w, c1, c2: w * V + c1 * r1 * (X - P) + c2 * r2 * (X - G),
    "the inertia w is missing": lambda V, X, P, G, r1, r2, w, c1, c2: V + c1 * r1 * (P - X) + c2 * r2 * (G - X),
    "swarm's best is missing": lambda V, X, P, G, r1, r2, w, c1, c2: w * V + c1 * r1 * (P - X),
    "c1 and c2 are swapped": lambda V, X, P, G, r1, r2, w, c1, c2: w * V + c2 * r1 * (P - X) + c1 * r2 * (G - X),
    "random factors are missing": lambda V, X, P, G, r1, r2, w, c1, c2: w * V + c1 * (P - X) + c2 * (G - X),
    "the position is added": lambda V, X, P, G, r1, r2, w, c1, c2: X + pso_velocity(V, X, P, G, r1, r2, w=w, c1=c1,
                                                                                     c2=c2),
}


@pytest.mark.parametrize("message", PSO_MISTAKES)
def test_pso_mistakes_are_named(message):
    wrong = PSO_MISTAKES[message]
    with pytest.raises(AssertionError, match=message):
        checks.check_pso_velocity(lambda V, X, P, G, r1, r2, *, w, c1, c2: wrong(V, X, P, G, r1, r2, w, c1, c2),
                                  seed=4)


CROSSOVER_MISTAKES = {
    "the parents are swapped": lambda a, b, mask, noise, mut: np.where(mask, b, a) + np.where(mut, noise, 0),
    "no mutation": lambda a, b, mask, noise, mut: np.where(mask, a, b),
    "added to every entry": lambda a, b, mask, noise, mut: np.where(mask, a, b) + noise,
    "the noise replaces the entry": lambda a, b, mask, noise, mut: np.where(mut, noise, np.where(mask, a, b)),
    "the parents are averaged": lambda a, b, mask, noise, mut: (a + b) / 2 + np.where(mut, noise, 0),
}


@pytest.mark.parametrize("message", CROSSOVER_MISTAKES)
def test_crossover_mistakes_are_named(message):
    with pytest.raises(AssertionError, match=message):
        checks.check_crossover_mutate(CROSSOVER_MISTAKES[message], seed=5)


def test_changing_an_argument_in_place_is_reported():
    def in_place(a, b, mask, noise, mut):
        a[~mask] = b[~mask]
        return a + np.where(mut, noise, 0)

    with pytest.raises(AssertionError, match="changed its argument parents_a in place"):
        checks.check_crossover_mutate(in_place)


def test_stubs_raise_not_implemented():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    for check in (checks.check_metropolis_accept, checks.check_pso_velocity, checks.check_crossover_mutate):
        with pytest.raises(NotImplementedError):
            check(stub)


def test_own_random_numbers_are_named():
    """A rule that draws its own random numbers instead of the ones passed in gives two answers for one input."""
    def own(delta, temperature, u):
        return (delta <= 0) | (np.random.default_rng().random(delta.shape) < np.exp(-delta / temperature))

    with pytest.raises(AssertionError, match=r"draws random numbers of its own .* instead of using u"):
        checks.check_metropolis_accept(own)


def test_a_notebook_size_is_named_on_the_probe():
    """Right on one swarm, wrong on another of other sizes: the probe says so."""
    def fixed(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
        out = pso_velocity(V, X, personal_best, global_best, r1, r2, w=w, c1=c1, c2=c2)
        return out if V.shape == (3, 5) else out[:, :1] * np.ones_like(V)

    with pytest.raises(AssertionError, match=r"right for .* but not for"):
        checks.check_pso_velocity(fixed)
