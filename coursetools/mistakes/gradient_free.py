"""Wrong implementations of lesson 7's exercises: the Metropolis rule, the swarm's velocity, crossover and mutation.

Each is compiled into the namespace it is tested in (``np`` resolves there, as in the lesson).
"""

# Some mistakes draw their own random numbers (the legacy np.random), on purpose.
# ruff: noqa: NPY002

import numpy as np

from . import mistake

# --------------------------------------------------------------------------- metropolis_accept


@mistake("metropolis_accept", "only downhill moves are accepted; an uphill move is accepted when u < exp(-delta / T)")
def metropolis_downhill_only(delta, temperature, u):
    return delta <= 0


@mistake("metropolis_accept", "a move with delta = 0 (the loss does not change) is rejected: accept when delta <= 0")
def metropolis_strict(delta, temperature, u):
    return (delta < 0) | ((delta > 0) & (u < np.exp(-delta / temperature)))


@mistake("metropolis_accept", "the comparison is reversed: accept when u < exp(-delta / T)")
def metropolis_reversed(delta, temperature, u):
    return (delta <= 0) | (u > np.exp(-delta / temperature))


@mistake("metropolis_accept", "the temperature multiplies; it divides: exp(-delta / T)")
def metropolis_times_t(delta, temperature, u):
    return (delta <= 0) | (u < np.exp(-delta * temperature))


@mistake("metropolis_accept", "the minus sign is missing: exp(-delta / T) is below 1 for an uphill move")
def metropolis_no_minus(delta, temperature, u):
    return (delta <= 0) | (u < np.exp(delta / temperature))


@mistake("metropolis_accept", "one True/False per chain", fingerprint=False)
def metropolis_row(delta, temperature, u):
    return ((delta <= 0) | (u < np.exp(-delta / temperature)))[None, :]


@mistake("metropolis_accept", "should return True/False values", fingerprint=False)
def metropolis_probability(delta, temperature, u):
    return np.exp(-delta / temperature)


@mistake("metropolis_accept", "`and`, `or`, `not` and `if` need one True/False", fingerprint=False)
def metropolis_python_or(delta, temperature, u):
    return delta <= 0 or u < np.exp(-delta / temperature)


@mistake("metropolis_accept", "math.exp, math.log, float(...) and int(...) take one number", fingerprint=False)
def metropolis_math_exp(delta, temperature, u):
    import math

    return (delta <= 0) | (u < math.exp(-delta / temperature))


@mistake("metropolis_accept", "draws random numbers of its own", fingerprint=False)
def metropolis_own_random(delta, temperature, u):
    return (delta <= 0) | (np.random.random(delta.shape) < np.exp(-delta / temperature))


@mistake("metropolis_accept", "metropolis_accept changed its argument delta in place", fingerprint=False)
def metropolis_in_place(delta, temperature, u):
    delta /= temperature  # on the caller's array
    return (delta <= 0) | (u < np.exp(-delta))


# --------------------------------------------------------------------------- pso_velocity


@mistake("pso_velocity", "the pulls point away from the bests: use (personal_best - X) and (global_best - X)")
def pso_away(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return w * V + c1 * r1 * (X - personal_best) + c2 * r2 * (X - global_best)


@mistake("pso_velocity", "the inertia w is missing: w V")
def pso_no_inertia(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return V + c1 * r1 * (personal_best - X) + c2 * r2 * (global_best - X)


@mistake("pso_velocity", "the old velocity is dropped: V_new starts with w V")
def pso_no_velocity(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return c1 * r1 * (personal_best - X) + c2 * r2 * (global_best - X)


@mistake("pso_velocity", "the pull to the swarm's best is missing: + c2 r2 (global_best - X)")
def pso_no_social(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return w * V + c1 * r1 * (personal_best - X)


@mistake("pso_velocity", "the pull to the particle's own best is missing: + c1 r1 (personal_best - X)")
def pso_no_cognitive(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return w * V + c2 * r2 * (global_best - X)


@mistake("pso_velocity", "c1 and c2 are swapped: c1 goes with personal_best, c2 with global_best")
def pso_c_swapped(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return w * V + c2 * r1 * (personal_best - X) + c1 * r2 * (global_best - X)


@mistake("pso_velocity", "the random factors are missing: c1 r1 ⊙ (...) and c2 r2 ⊙ (...)")
def pso_no_random(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return w * V + c1 * (personal_best - X) + c2 * (global_best - X)


@mistake("pso_velocity", "the position is added: return the velocity only, the caller moves X + V_new")
def pso_position_added(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return X + w * V + c1 * r1 * (personal_best - X) + c2 * r2 * (global_best - X)


@mistake("pso_velocity", "draws random numbers of its own", fingerprint=False)
def pso_own_random(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    r1, r2 = np.random.random(V.shape), np.random.random(V.shape)
    return w * V + c1 * r1 * (personal_best - X) + c2 * r2 * (global_best - X)


@mistake("pso_velocity", "pso_velocity changed its argument V in place", fingerprint=False)
def pso_in_place(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    V *= w
    V += c1 * r1 * (personal_best - X) + c2 * r2 * (global_best - X)
    return V


@mistake("pso_velocity", "`*` is not the matrix product, `@` is", fingerprint=False)
def pso_global_best_row(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return w * V + c1 * r1 * (personal_best - X) + c2 * r2 * (global_best.T - X)


# --------------------------------------------------------------------------- crossover_mutate


@mistake("crossover_mutate", "the parents are swapped: where mask is True the entry comes from parents_a")
def crossover_parents_swapped(parents_a, parents_b, mask, noise, mutate):
    return np.where(mask, parents_b, parents_a) + np.where(mutate, noise, 0.0)


@mistake("crossover_mutate", "no mutation: add noise where mutate is True")
def crossover_no_mutation(parents_a, parents_b, mask, noise, mutate):
    return np.where(mask, parents_a, parents_b)


@mistake("crossover_mutate", "the noise is added to every entry; only where mutate is True")
def crossover_noise_everywhere(parents_a, parents_b, mask, noise, mutate):
    return np.where(mask, parents_a, parents_b) + noise


@mistake("crossover_mutate", "the noise replaces the entry; it is added to it: child + noise where mutate")
def crossover_noise_replaces(parents_a, parents_b, mask, noise, mutate):
    return np.where(mutate, noise, np.where(mask, parents_a, parents_b))


@mistake("crossover_mutate", "the parents are averaged; uniform crossover takes each entry whole from one parent")
def crossover_average(parents_a, parents_b, mask, noise, mutate):
    return (parents_a + parents_b) / 2 + np.where(mutate, noise, 0.0)


@mistake("crossover_mutate", "crossover_mutate changed its argument parents_a in place", fingerprint=False)
def crossover_in_place(parents_a, parents_b, mask, noise, mutate):
    parents_a[~mask] = parents_b[~mask]
    return parents_a + np.where(mutate, noise, 0.0)


@mistake("crossover_mutate", "draws random numbers of its own", fingerprint=False)
def crossover_own_mask(parents_a, parents_b, mask, noise, mutate):
    mask = np.random.random(parents_a.shape) < 0.5
    return np.where(mask, parents_a, parents_b) + np.where(mutate, noise, 0.0)


@mistake("crossover_mutate", "`and`, `or`, `not` and `if` need one True/False", fingerprint=False)
def crossover_python_if(parents_a, parents_b, mask, noise, mutate):
    children = parents_a if mask else parents_b
    return children + np.where(mutate, noise, 0.0)
