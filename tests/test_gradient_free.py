"""helpers.gradient_free: exact budgets, reproducibility, the building blocks, and better than random search."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import gradient_free as gf
from helpers import optimizers as op
from helpers.network import TwoLayerProblem
from helpers.objectives import Rosenbrock

SEARCHES = {"ga": gf.genetic_algorithm, "pso": gf.particle_swarm, "sa": gf.simulated_annealing,
            "aco": gf.ant_colony, "random": gf.random_search}


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
        gf.particle_swarm(_sphere, np.ones(2), budget=0)
    with pytest.raises(ValueError, match="elite: expected fewer than population = 10, received 10"):
        gf.genetic_algorithm(_sphere, np.ones(2), budget=20, population=10, elite=10)


def test_nan_losses_count_as_infinitely_bad():
    result = gf.random_search(lambda T: np.where(T[0] > 0, np.nan, 1.0), np.ones(1), budget=50, rng=0)
    assert result.best_loss == 1.0


# --- the building blocks -----------------------------------------------------------------------

def test_metropolis_accepts_downhill_always_and_uphill_with_probability_exp_minus_delta_over_t():
    gen = np.random.default_rng(0)
    u = gen.random(200_000)
    assert gf.metropolis_accept(np.full(5, -1.0), 0.1, np.full(5, 0.999)).all()
    rate = gf.metropolis_accept(np.full(u.size, 0.5), 0.25, u).mean()
    assert rate == pytest.approx(np.exp(-2.0), abs=3e-3)
    assert not gf.metropolis_accept(np.array([np.inf]), 1.0, np.array([0.0]))[0]


def test_pso_velocity_by_hand():
    V, X = np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]])
    pb, gb = np.array([[1.0], [1.0]]), np.array([[2.0], [-1.0]])
    got = gf.pso_velocity(V, X, pb, gb, np.full((2, 1), 0.5), np.full((2, 1), 0.25), w=0.5, c1=2.0, c2=4.0)
    np.testing.assert_allclose(got, [[0.5 + 1.0 + 2.0], [1.0 + 0.0 - 2.0]])


def test_crossover_mutate_by_hand():
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), -np.array([[1.0, 2.0], [3.0, 4.0]])
    mask = np.array([[True, False], [False, True]])
    mutate = np.array([[False, False], [True, False]])
    got = gf.crossover_mutate(a, b, mask, np.full((2, 2), 10.0), mutate)
    np.testing.assert_allclose(got, [[1.0, -2.0], [7.0, 4.0]])


def test_searches_run_a_replacement_building_block():
    calls = []

    def accept(delta, temperature, u):
        calls.append(delta.shape)
        return gf.metropolis_accept(delta, temperature, u)

    gf.simulated_annealing(_sphere, np.ones(2), budget=50, rng=0, chains=5, accept=accept)
    assert calls and all(shape == (5,) for shape in calls)
    never = gf.particle_swarm(_sphere, np.ones(2), budget=60, rng=0, swarm=6,
                              velocity=lambda V, *args, **kw: np.zeros_like(V))
    assert never.best_loss == pytest.approx(float(np.min(never.best_losses[:1])))


# --- gradient methods in the same currency ---------------------------------------------------------

def test_gradient_search_charges_each_gradient_its_cost():
    problem = TwoLayerProblem(np.linspace(-2, 2, 20)[None, :], np.sin(np.linspace(-2, 2, 20))[None, :], k=2)
    theta0 = problem.init(0)
    result = gf.gradient_search(op.sgd_step, problem, theta0, budget=100, gradient_cost=3, learning_rate=0.1)
    np.testing.assert_array_equal(result.evaluations, 3 * np.arange(1, 34))
    assert result.best_losses[0] == pytest.approx(problem.loss(theta0))
    run = op.minimize(op.Optimizer(op.sgd_step, learning_rate=0.1), problem, theta0, steps=32)
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
    runs = gf.compare({"ga": lambda s: gf.genetic_algorithm(_sphere, np.ones(2), budget=40, rng=s)}, [3, 4, 5])
    assert [r.n_evaluations for r in runs["ga"]] == [40, 40, 40]
    assert capfd.readouterr() == ("", "")
