"""helpers.gradient_free: exact budgets, reproducibility, the update rules passed in, and better than random search.

The searches hold no answer of lesson 7: the Metropolis rule, the swarm's velocity and crossover with
mutation come in as arguments. The versions here are written independently of the solution notebook.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from twolayer import TwoLayerProblem

from helpers import gradient_free as gf
from helpers import optimizers as op
from helpers.objectives import Rosenbrock


def accept(delta, temperature, u):
    """The Metropolis rule, one chain at a time."""
    return np.array([d <= 0 or ui < np.exp(-d / temperature) for d, ui in zip(delta, u)], dtype=bool)


def velocity(V, X, personal_best, global_best, r1, r2, *, w, c1, c2):
    return w * V + c1 * r1 * (personal_best - X) + c2 * r2 * (global_best - X)


def offspring(parents_a, parents_b, mask, noise, mutate):
    child = parents_b.copy()
    child[mask] = parents_a[mask]
    child[mutate] += noise[mutate]
    return child


def sgd_step(theta, grad_fn, state, *, learning_rate):
    return theta - learning_rate * grad_fn(theta), state


GA = functools.partial(gf.genetic_algorithm, offspring=offspring)
PSO = functools.partial(gf.particle_swarm, velocity=velocity)
SA = functools.partial(gf.simulated_annealing, accept=accept)
SEARCHES = {"ga": GA, "pso": PSO, "sa": SA, "aco": gf.ant_colony, "random": gf.random_search}


def _sphere(Theta):
    return np.sum(Theta ** 2, axis=0)


class _Counting:
    """A batched loss that records how many columns each call received."""

    def __init__(self, fn):
        self.fn, self.sizes = fn, []

    def __call__(self, Theta):
        self.sizes.append(Theta.shape[1])
        return self.fn(Theta)


@pytest.mark.parametrize("name", SEARCHES)
@pytest.mark.parametrize("budget", [1, 37, 500])
def test_every_search_spends_exactly_its_budget(name, budget):
    loss = _Counting(_sphere)
    result = SEARCHES[name](loss, np.ones(3), budget=budget, rng=0)
    assert sum(loss.sizes) == budget == result.n_evaluations
    np.testing.assert_array_equal(result.evaluations, np.cumsum(loss.sizes))
    assert np.all(np.diff(result.best_losses) <= 0)
    assert result.best_loss == result.best_losses[-1] == pytest.approx(float(_sphere(result.best_theta[:, None])[0]))


@pytest.mark.parametrize("name", SEARCHES)
def test_the_same_seed_gives_the_same_run_and_another_seed_another(name):
    a, b, c = (SEARCHES[name](_sphere, np.ones(4), budget=300, rng=seed) for seed in (1, 1, 2))
    np.testing.assert_array_equal(a.best_losses, b.best_losses)
    np.testing.assert_array_equal(a.best_theta, b.best_theta)
    assert not np.array_equal(a.best_losses, c.best_losses)


@pytest.mark.parametrize("name", SEARCHES)
def test_the_start_is_evaluated_first(name):
    theta0 = np.array([0.0, 0.0, 1e-3])
    result = SEARCHES[name](_sphere, theta0, budget=1, rng=0, scale=5.0)
    np.testing.assert_array_equal(result.best_theta, theta0)


@pytest.mark.parametrize("name", [n for n in SEARCHES if n != "random"])
@pytest.mark.parametrize("benchmark", ["rosenbrock", "network"])
def test_every_search_beats_random_search_at_equal_budget(name, benchmark):
    if benchmark == "rosenbrock":
        loss, theta0 = Rosenbrock().loss, np.array([-1.5, 2.0])
    else:
        gen = np.random.default_rng(0)
        X = gen.uniform(-3, 3, size=(1, 40))
        problem = TwoLayerProblem(X, np.exp(-X ** 2), k=3)
        loss, theta0 = problem.loss, problem.init(1)
    seeds = range(5)
    ours = np.median([SEARCHES[name](loss, theta0, budget=2000, rng=s).best_loss for s in seeds])
    baseline = np.median([gf.random_search(loss, theta0, budget=2000, rng=s).best_loss for s in seeds])
    assert ours < 0.5 * baseline, (ours, baseline)


def test_a_loss_that_returns_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"loss_fn: expected 2 losses for Theta of shape \(3, 2\)"):
        gf.random_search(lambda T: np.zeros(5), np.ones(3), budget=2, batch=2)


def test_budget_and_sizes_are_checked():
    with pytest.raises(ValueError, match="budget: expected a number >= 1, received 0"):
        PSO(_sphere, np.ones(2), budget=0)
    with pytest.raises(ValueError, match="elite: expected fewer than population = 10, received 10"):
        GA(_sphere, np.ones(2), budget=20, population=10, elite=10)


@pytest.mark.parametrize("search, rule", [(gf.simulated_annealing, "accept"), (gf.particle_swarm, "velocity"),
                                          (gf.genetic_algorithm, "offspring")])
def test_a_search_needs_its_update_rule(search, rule):
    """The update rule is lesson 7's exercise: helpers has none to fall back on."""
    with pytest.raises(TypeError, match=rule):
        search(_sphere, np.ones(2), budget=10, rng=0)
    with pytest.raises(TypeError, match=rf"{rule}: expected your function \(lesson 7's exercise\), received int"):
        search(_sphere, np.ones(2), budget=10, rng=0, **{rule: 3})


def test_nan_losses_count_as_infinitely_bad():
    result = gf.random_search(lambda T: np.where(T[0] > 0, np.nan, 1.0), np.ones(1), budget=50, rng=0)
    assert result.best_loss == 1.0


# --- the update rules passed in -----------------------------------------------------------------

def test_searches_run_a_replacement_building_block():
    calls = []

    def counted(delta, temperature, u):
        calls.append(delta.shape)
        return accept(delta, temperature, u)

    gf.simulated_annealing(_sphere, np.ones(2), budget=50, rng=0, chains=5, accept=counted)
    assert calls and all(shape == (5,) for shape in calls)
    never = gf.particle_swarm(_sphere, np.ones(2), budget=60, rng=0, swarm=6,
                              velocity=lambda V, *args, **kw: np.zeros_like(V))
    assert never.best_loss == pytest.approx(float(np.min(never.best_losses[:1])))


# --- gradient methods in the same currency ---------------------------------------------------------

def test_gradient_search_charges_each_gradient_its_cost():
    problem = TwoLayerProblem(np.linspace(-2, 2, 20)[None, :], np.sin(np.linspace(-2, 2, 20))[None, :], k=2)
    theta0 = problem.init(0)
    result = gf.gradient_search(sgd_step, problem, theta0, budget=100, gradient_cost=3, learning_rate=0.1)
    np.testing.assert_array_equal(result.evaluations, 3 * np.arange(1, 34))
    assert result.best_losses[0] == pytest.approx(problem.loss(theta0))
    run = op.minimize(op.Optimizer(sgd_step, learning_rate=0.1), problem, theta0, steps=32)
    assert result.best_loss == pytest.approx(run.losses.min())


def test_measured_gradient_cost_is_the_ratio_of_the_two_times(monkeypatch):
    """The ratio of the two best times, on a clock that each call advances by a known amount (no real timing:
    a loaded machine cannot make it flaky)."""
    clock = [0.0]
    monkeypatch.setattr(gf.time, "perf_counter", lambda: clock[0])

    class Slow:
        def loss(self, theta):
            clock[0] += 0.002
            return 0.0

        def loss_and_grad(self, theta):
            clock[0] += 0.006
            return 0.0, theta

    ratio = gf.measure_gradient_cost(Slow(), np.zeros(2), repeats=3)
    assert ratio == pytest.approx(3.0)


def test_best_at_and_evaluations_to_reach():
    r = gf.SearchResult("x", np.zeros(1), 0.5, np.array([3, 6, 9]), np.array([2.0, 1.0, 0.5]))
    np.testing.assert_array_equal(r.best_at([0, 3, 8, 9, 20]), [np.inf, 2.0, 1.0, 0.5, 0.5])
    assert r.evaluations_to_reach(1.0) == 6.0 and r.evaluations_to_reach(0.1) == np.inf


def test_compare_runs_every_seed_quietly(capfd):
    runs = gf.compare({"ga": lambda s: GA(_sphere, np.ones(2), budget=40, rng=s)}, [3, 4, 5])
    assert [r.n_evaluations for r in runs["ga"]] == [40, 40, 40]
    assert capfd.readouterr() == ("", "")


def test_gradient_search_is_a_hand_written_budgeted_loop():
    """budget // cost evaluations at θ_0, θ_1, …; the best so far after each; the best point returned."""
    problem = TwoLayerProblem(np.linspace(-2, 2, 20)[None, :], np.cos(np.linspace(-2, 2, 20))[None, :], k=3)
    theta = problem.init(1)
    result = gf.gradient_search(sgd_step, problem, theta, budget=50, gradient_cost=2.5, learning_rate=0.2)
    losses, points = [], []
    for _ in range(20):  # 50 // 2.5
        loss, g = problem.loss_and_grad(theta)
        losses.append(loss)
        points.append(theta)
        theta = theta - 0.2 * g
    np.testing.assert_allclose(result.best_losses, np.minimum.accumulate(losses), rtol=1e-13)
    np.testing.assert_array_equal(result.evaluations, np.rint(2.5 * np.arange(1, 21)).astype(int))
    np.testing.assert_array_equal(result.best_theta, points[int(np.argmin(losses))])
