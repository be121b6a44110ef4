"""Lesson 7's comparison: every search trains lesson 4's network from 5 starts, timed.

Target (issue 6, "Speed"): the comparison of notebook 7 (random search,
simulated annealing, particle swarm, genetic algorithm, ACO_R, gradient descent
and Adam, 2000 loss evaluations each, 5 seeds) runs in under a minute on a
2-core machine. Prints the time and each method's evaluation count.
"""

from __future__ import annotations

import time

import numpy as np

from coursetools import notebooks as nbs
from coursetools.fixtures import ROOT, solution_namespace
from helpers import gradient_free as gf
from helpers import make_nonlinear

TARGET_SECONDS = 60.0
BUDGET = 2000
SEEDS = range(5)


FOLDER = ROOT / "solutions" / "07-beyond-gradients"


def _lesson():
    """Notebook 7's namespace: its update rules, and lessons 4 and 6's network and steps (its support modules)."""
    return solution_namespace(nbs.read(FOLDER / "07-beyond-gradients.ipynb"), folder=FOLDER)


def searches(problem, starts, lesson):
    """The methods of notebook 7, each ``seed -> SearchResult``, with the solution's update rules."""
    adam_step, sgd_step = lesson["adam_step"], lesson["sgd_step"]
    accept, velocity, offspring = (lesson[name] for name in ("metropolis_accept", "pso_velocity", "crossover_mutate"))
    return {
        "random search": lambda s: gf.random_search(problem.loss, starts[s], budget=BUDGET, rng=s),
        "simulated annealing": lambda s: gf.simulated_annealing(problem.loss, starts[s], budget=BUDGET, rng=s,
                                                                accept=accept),
        "particle swarm": lambda s: gf.particle_swarm(problem.loss, starts[s], budget=BUDGET, rng=s,
                                                      velocity=velocity),
        "genetic algorithm": lambda s: gf.genetic_algorithm(problem.loss, starts[s], budget=BUDGET, rng=s,
                                                            offspring=offspring),
        "ant colony (ACO_R)": lambda s: gf.ant_colony(problem.loss, starts[s], budget=BUDGET, rng=s),
        "gradient descent": lambda s: gf.gradient_search(sgd_step, problem, starts[s], budget=BUDGET,
                                                         learning_rate=0.5),
        "Adam": lambda s: gf.gradient_search(adam_step, problem, starts[s], budget=BUDGET, learning_rate=0.05),
    }


def run() -> bool:
    rng = np.random.default_rng(0)
    X, y = make_nonlinear(m=60, kind="bump", rng=rng)
    lesson = _lesson()
    problem = lesson["TwoLayerProblem"](X, y, k=2)
    starts = {seed: problem.init(seed) for seed in SEEDS}
    start = time.perf_counter()
    results = gf.compare(searches(problem, starts, lesson), SEEDS)
    seconds = time.perf_counter() - start
    for name, runs in results.items():
        counts = sorted({r.n_evaluations for r in runs})
        print(f"{name:20s} evaluations per run {counts}, median loss {np.median([r.best_loss for r in runs]):.4f}")
    ok = seconds <= TARGET_SECONDS
    print(f"comparison: {seconds:.2f} s for {len(results)} methods x {len(SEEDS)} seeds "
          f"(target <= {TARGET_SECONDS:.0f} s){'' if ok else '  MISSED'}")
    return ok
