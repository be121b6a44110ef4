"""Searches that use only loss values: genetic algorithm, particle swarm, simulated annealing, ACO_R.

The interface, shared by every search here::

    search(loss_fn, theta0, *, budget, rng=None, scale=1.0, ...) -> SearchResult

* ``loss_fn(Theta) -> losses``: ``Theta`` of shape (p, N) holds ``N``
  candidates, one per column (as ``X`` holds one example per column), and
  ``losses`` has shape (N,). A whole population is evaluated in one call, so
  ``loss_fn`` can use matrix products over all candidates at once
  (:class:`helpers.network.TwoLayerProblem.loss` does);
* ``theta0`` of shape (p,): the start. The first column of every initial
  population is ``theta0`` itself, the others ``theta0 + scale * N(0, 1)``;
* ``budget``: the number of loss evaluations (columns passed to ``loss_fn``),
  counted exactly: a search stops when it has spent its budget and never
  evaluates more (a last population is cut short if needed);
* ``rng``: a Generator, an int seed or None; the same seed gives the same run.

Each search returns a :class:`SearchResult`: the best parameters and loss,
and the best loss found so far after each batch of evaluations.

Three searches take their update rule as an argument, because writing it is
lesson 7's exercise: simulated annealing's ``accept(delta, temperature, u)``
(the Metropolis rule), the swarm's ``velocity(V, X, personal_best, global_best,
r1, r2, *, w, c1, c2)`` and the genetic algorithm's ``offspring(parents_a,
parents_b, mask, noise, mutate)``. This module draws the random numbers and
runs the loop; the lesson passes the student's rules.

For comparisons with gradient methods, :func:`gradient_search` runs a step
function of :mod:`helpers.optimizers` and charges each gradient
``gradient_cost`` loss evaluations (default :data:`GRADIENT_COST` = 3: a
backward pass costs about two forward passes, so forward + backward is about
three; :func:`measure_gradient_cost` measures the ratio on a problem).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ._validate import as_rng, check_array, check_scalar
from .progress import progress as _progress

__all__ = [
    "GRADIENT_COST",
    "SearchResult",
    "ant_colony",
    "compare",
    "genetic_algorithm",
    "gradient_search",
    "measure_gradient_cost",
    "particle_swarm",
    "random_search",
    "simulated_annealing",
]

GRADIENT_COST = 3


@dataclass
class SearchResult:
    """What a search found and how fast.

    Attributes
    ----------
    method : str
    best_theta : ndarray of shape (p,)
    best_loss : float
    evaluations : ndarray of int, shape (B,)
        Loss evaluations spent after each of the ``B`` batches.
    best_losses : ndarray of shape (B,)
        The best loss found within those evaluations (never increasing).
    """

    method: str
    best_theta: np.ndarray
    best_loss: float
    evaluations: np.ndarray
    best_losses: np.ndarray

    @property
    def n_evaluations(self) -> int:
        """Loss evaluations spent in all."""
        return int(self.evaluations[-1]) if self.evaluations.size else 0

    def best_at(self, evaluations) -> np.ndarray:
        """The best loss found within each number of evaluations, shape (G,) for G numbers (inf before any).

        >>> r = SearchResult("demo", np.zeros(1), 1.0, np.array([10, 20]), np.array([3.0, 1.0]))
        >>> r.best_at([5, 10, 15, 100]).tolist()
        [inf, 3.0, 3.0, 1.0]
        """
        at = np.asarray(evaluations)
        idx = np.searchsorted(self.evaluations, at, side="right") - 1
        out = np.where(idx >= 0, self.best_losses[np.maximum(idx, 0)], np.inf)
        return out.astype(np.float64)

    def evaluations_to_reach(self, loss: float) -> float:
        """Evaluations spent when the best loss first fell to ``loss`` or below (inf if never).

        >>> SearchResult("demo", np.zeros(1), 1.0, np.array([10, 20]), np.array([3.0, 1.0])).evaluations_to_reach(2.0)
        20.0
        """
        hit = np.flatnonzero(self.best_losses <= loss)
        return float(self.evaluations[hit[0]]) if hit.size else float("inf")


class _Evaluator:
    """Counts loss evaluations, refuses to exceed the budget, keeps the best and the history."""

    def __init__(self, loss_fn, budget, p, method):
        if not callable(loss_fn):
            raise TypeError(f"loss_fn: expected a function Theta (p, N) -> losses (N,), received "
                            f"{type(loss_fn).__name__}")
        self.loss_fn, self.p, self.method = loss_fn, p, method
        self.budget = check_scalar("budget", budget, integer=True, minimum=1)
        self.used = 0
        self.best_loss, self.best_theta = np.inf, None
        self.evals, self.bests = [], []

    @property
    def remaining(self) -> int:
        return self.budget - self.used

    def __call__(self, Theta):
        """Losses of the columns of Theta (p, N); columns beyond the budget get inf."""
        N = Theta.shape[1]
        n = min(N, self.remaining)
        out = np.full(N, np.inf)
        if n == 0:
            return out
        with np.errstate(all="ignore"):
            got = np.asarray(self.loss_fn(Theta[:, :n]), dtype=np.float64).reshape(-1)
        if got.shape != (n,):
            raise ValueError(f"loss_fn: expected {n} losses for Theta of shape ({self.p}, {n}), "
                             f"received shape {got.shape}")
        out[:n] = np.where(np.isnan(got), np.inf, got)
        self.used += n
        i = int(np.argmin(out))
        if out[i] < self.best_loss or self.best_theta is None:
            self.best_loss, self.best_theta = float(out[i]), Theta[:, i].copy()
        self.evals.append(self.used)
        self.bests.append(self.best_loss)
        return out

    def result(self):
        return SearchResult(self.method, self.best_theta, self.best_loss, np.array(self.evals, dtype=int),
                            np.array(self.bests))


def _start(theta0, budget, loss_fn, method, rng, scale, size):
    theta0 = check_array("theta0", theta0, ("p",))
    scale = check_scalar("scale", scale, positive=True)
    size = check_scalar("population size", size, integer=True, minimum=2)
    gen = as_rng(rng)
    ev = _Evaluator(loss_fn, budget, theta0.size, method)
    P = theta0[:, None] + scale * gen.standard_normal((theta0.size, size))
    P[:, 0] = theta0
    return ev, gen, P, scale, size


def _rule(name, fn):
    """Refuse an update rule that is not a function (the lesson passes the student's)."""
    if not callable(fn):
        raise TypeError(f"{name}: expected your function (lesson 7's exercise), received {type(fn).__name__}")


def _decay(start, end, fraction):
    """Geometric schedule from ``start`` (fraction 0) to ``end`` (fraction 1)."""
    return start * (end / start) ** min(max(fraction, 0.0), 1.0)


# --- the searches ------------------------------------------------------------------------------

def random_search(loss_fn, theta0, *, budget: int, rng=None, scale: float = 1.0,
                  batch: int = 50) -> SearchResult:
    """Evaluate ``theta0`` and points ``theta0 + scale * N(0, 1)``; keep the best. The baseline.

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(Theta (p, N)) -> (N,)``.
    theta0 : array_like of shape (p,)
    budget : int
        Loss evaluations.
    rng : Generator, int or None
    scale : float
        Standard deviation of the samples around ``theta0``.
    batch : int
        Points per call of ``loss_fn``.

    Returns
    -------
    SearchResult

    Examples
    --------
    >>> r = random_search(lambda T: np.sum(T ** 2, axis=0), np.ones(2), budget=120, rng=0)
    >>> r.n_evaluations, r.evaluations.tolist(), bool(r.best_loss < 2.0)
    (120, [50, 100, 120], True)
    """
    ev, gen, P, scale, batch = _start(theta0, budget, loss_fn, "random search", rng, scale, batch)
    ev(P)
    while ev.remaining:
        ev(P[:, :1] + scale * gen.standard_normal(P.shape))
    return ev.result()


def genetic_algorithm(loss_fn, theta0, *, budget: int, rng=None, scale: float = 1.0, population: int = 40,
                      elite: int = 2, tournament: int = 3, mutation_rate: float = 0.7,
                      mutation_scale: float | None = None, offspring) -> SearchResult:
    """A real-valued genetic algorithm: tournaments, uniform crossover, Gaussian mutation, elitism.

    Each generation keeps the ``elite`` best and breeds ``population - elite``
    children: each parent is the best of ``tournament`` random members; a child
    takes each entry from one parent or the other (probability 1/2); each entry
    mutates with probability ``mutation_rate`` by ``N(0, σ²)``, ``σ`` shrinking
    geometrically from ``mutation_scale`` (default ``scale / 2``) to a twentieth of it
    as the budget is spent. A generation costs ``population - elite`` evaluations.

    Parameters
    ----------
    loss_fn, theta0, budget, rng, scale
        As for every search (module docstring).
    population, elite, tournament : int
    mutation_rate : float
        Probability that an entry mutates.
    mutation_scale : float, optional
    offspring : callable
        ``offspring(parents_a, parents_b, mask, noise, mutate) -> children (p, N)``: uniform crossover
        (from ``parents_a`` where ``mask``) then ``noise`` added where ``mutate`` (lesson 7's exercise).

    Returns
    -------
    SearchResult
    """
    ev, gen, P, scale, population = _start(theta0, budget, loss_fn, "genetic algorithm", rng, scale, population)
    elite = check_scalar("elite", elite, integer=True, minimum=0)
    if elite >= population:
        raise ValueError(f"elite: expected fewer than population = {population}, received {elite}")
    tournament = check_scalar("tournament", tournament, integer=True, minimum=1)
    mutation_rate = check_scalar("mutation_rate", mutation_rate, minimum=0)
    sigma0 = scale / 2 if mutation_scale is None else check_scalar("mutation_scale", mutation_scale, positive=True)
    _rule("offspring", offspring)
    p, n_children = P.shape[0], population - elite
    losses = ev(P)
    while ev.remaining:
        order = np.argsort(losses)
        P, losses = P[:, order], losses[order]
        # tournaments: after sorting, the best of some random members is the one of smallest index
        picks = gen.integers(0, population, size=(2, n_children, tournament)).min(axis=2)
        sigma = _decay(sigma0, sigma0 / 20, ev.used / ev.budget)
        children = offspring(P[:, picks[0]], P[:, picks[1]], gen.random((p, n_children)) < 0.5,
                             sigma * gen.standard_normal((p, n_children)),
                             gen.random((p, n_children)) < mutation_rate)
        children = np.asarray(children, dtype=np.float64)
        P = np.concatenate([P[:, :elite], children], axis=1)
        losses = np.concatenate([losses[:elite], ev(children)])
    return ev.result()


def particle_swarm(loss_fn, theta0, *, budget: int, rng=None, scale: float = 1.0, swarm: int = 30,
                   w: float = 0.72, c1: float = 1.49, c2: float = 1.49, velocity) -> SearchResult:
    """Particle swarm optimisation: each particle flies with inertia towards its own and the swarm's best.

    Each iteration updates all velocities with ``velocity``, moves every particle, and costs ``swarm`` evaluations. The
    defaults are Clerc and Kennedy's constriction values (w ≈ 0.72, c1 = c2 ≈ 1.49).

    Parameters
    ----------
    loss_fn, theta0, budget, rng, scale
        As for every search (module docstring).
    swarm : int
        Number of particles.
    w, c1, c2 : float
        Inertia and pulls, passed to the velocity rule.
    velocity : callable
        ``velocity(V, X, personal_best, global_best, r1, r2, *, w, c1, c2) -> V_new (p, N)``
        (lesson 7's exercise).

    Returns
    -------
    SearchResult
    """
    ev, gen, X, scale, swarm = _start(theta0, budget, loss_fn, "particle swarm", rng, scale, swarm)
    _rule("velocity", velocity)
    V = np.zeros_like(X)
    best, best_loss = X.copy(), ev(X)
    while ev.remaining:
        g = best[:, [int(np.argmin(best_loss))]]
        V = np.asarray(velocity(V, X, best, g, gen.random(X.shape), gen.random(X.shape), w=w, c1=c1, c2=c2),
                       dtype=np.float64)
        X = X + V
        losses = ev(X)
        better = losses < best_loss
        best[:, better], best_loss[better] = X[:, better], losses[better]
    return ev.result()


def simulated_annealing(loss_fn, theta0, *, budget: int, rng=None, scale: float = 1.0, chains: int = 4,
                        step: float | None = None, temperature: float | None = None,
                        final_temperature: float | None = None, accept) -> SearchResult:
    """Simulated annealing, ``chains`` independent chains at once.

    Each iteration proposes a move ``N(0, step²)`` in every entry for every
    chain and accepts it by the Metropolis rule ``accept`` at the current
    temperature. The temperature cools geometrically from ``temperature``
    (default: a twentieth of the median loss of the starting chains) to
    ``final_temperature`` (default a ten-thousandth of it), and the step
    shrinks from ``step`` (default ``scale / 2``) to a twentieth of it. An
    iteration costs ``chains`` evaluations.

    Parameters
    ----------
    loss_fn, theta0, budget, rng, scale
        As for every search (module docstring).
    chains : int
    step, temperature, final_temperature : float, optional
    accept : callable
        ``accept(delta (N,), temperature, u (N,)) -> (N,) bool``, the Metropolis rule (lesson 7's exercise).

    Returns
    -------
    SearchResult
    """
    ev, gen, X, scale, chains = _start(theta0, budget, loss_fn, "simulated annealing", rng, scale, chains)
    _rule("accept", accept)
    step0 = scale / 2 if step is None else check_scalar("step", step, positive=True)
    fx = ev(X)
    if temperature is None:
        finite = fx[np.isfinite(fx)]
        temperature = float(np.median(finite)) / 20 if finite.size and np.median(finite) > 0 else 1.0
    T0 = check_scalar("temperature", temperature, positive=True)
    T1 = T0 * 1e-4 if final_temperature is None else check_scalar("final_temperature", final_temperature,
                                                                  positive=True)
    while ev.remaining:
        frac = ev.used / ev.budget
        Y = X + _decay(step0, step0 / 20, frac) * gen.standard_normal(X.shape)
        fy = ev(Y)
        with np.errstate(invalid="ignore"):
            delta = np.where(np.isfinite(fy), fy - fx, np.inf)
        with np.errstate(over="ignore"):  # exp(-delta / T) of a large downhill delta is harmless
            ok = np.asarray(accept(delta, _decay(T0, T1, frac), gen.random(chains)), dtype=bool)
        X[:, ok], fx[ok] = Y[:, ok], fy[ok]
    return ev.result()


def ant_colony(loss_fn, theta0, *, budget: int, rng=None, scale: float = 1.0, archive: int = 30,
               ants: int = 10, q: float = 0.2, xi: float = 0.85) -> SearchResult:
    """ACO_R, ant colony optimisation for continuous parameters (Socha and Dorigo, 2008).

    The colony keeps an archive of its ``archive`` best solutions, ranked by
    loss. Each ant picks one of them as its guide, the solution of rank ``r``
    (0 the best) with probability proportional to ``exp(-r² / (2 q² archive²))``,
    and samples each entry from a normal distribution centred on the guide's
    entry, with standard deviation ``xi`` times the mean distance from the
    guide to the other archived solutions in that entry: where the archive
    agrees the ants search narrowly. The new solutions join the archive and the
    worst are dropped. An iteration costs ``ants`` evaluations.

    Parameters
    ----------
    loss_fn, theta0, budget, rng, scale
        As for every search (module docstring).
    archive, ants : int
    q : float
        Small q: follow the best few; large q: follow all archived solutions about equally.
    xi : float
        Width of the sampling, like an evaporation rate.

    Returns
    -------
    SearchResult
    """
    ev, gen, S, scale, archive = _start(theta0, budget, loss_fn, "ant colony (ACO_R)", rng, scale, archive)
    ants = check_scalar("ants", ants, integer=True, minimum=1)
    q = check_scalar("q", q, positive=True)
    xi = check_scalar("xi", xi, positive=True)
    ranks = np.arange(archive)
    weights = np.exp(-(ranks ** 2) / (2 * (q * archive) ** 2))
    prob = weights / weights.sum()
    losses = ev(S)
    while ev.remaining:
        order = np.argsort(losses)
        S, losses = S[:, order], losses[order]
        guides = gen.choice(archive, size=ants, p=prob)
        G = S[:, guides]                                                     # (p, ants)
        sigma = xi * np.abs(S[:, :, None] - G[:, None, :]).sum(axis=1) / (archive - 1)
        new = G + sigma * gen.standard_normal(G.shape)
        S = np.concatenate([S, new], axis=1)
        losses = np.concatenate([losses, ev(new)])
        keep = np.argsort(losses)[:archive]
        S, losses = S[:, keep], losses[keep]
    return ev.result()


# --- gradient methods in the same currency -------------------------------------------------------

def gradient_search(step_fn, problem, theta0, *, budget: int, gradient_cost: float = GRADIENT_COST,
                    name: str | None = None, **hyper) -> SearchResult:
    """Run a gradient step function, charging ``gradient_cost`` loss evaluations per gradient.

    It runs on the one descent engine (:func:`helpers.descent.iterate`): each
    point of the path costs one evaluation of the loss and gradient (the loss
    comes with the forward pass that the gradient needs), a look-ahead
    (Nesterov) one more; ``budget // gradient_cost`` evaluations fit in the
    budget. A run whose loss diverges stops there (:func:`helpers.descent.diverged`).

    Parameters
    ----------
    step_fn : callable
        A step function of :mod:`helpers.optimizers`, e.g. ``adam_step``.
    problem : object
        With ``loss_and_grad(theta) -> (loss, grad (p,))``.
    theta0 : array_like of shape (p,)
    budget : int
        In loss evaluations.
    gradient_cost : float
        Loss evaluations one gradient costs.
    name : str, optional
    **hyper
        The step function's hyperparameters, ``learning_rate`` among them.

    Returns
    -------
    SearchResult
        ``evaluations`` are multiples of ``gradient_cost``, one entry per point of the path.
    """
    from .descent import iterate
    from .optimizers import Optimizer

    budget = check_scalar("budget", budget, integer=True, minimum=1)
    gradient_cost = check_scalar("gradient_cost", gradient_cost, positive=True)
    theta = check_array("theta0", theta0, ("p",))
    opt = Optimizer(step_fn, name=name, **hyper)
    with np.errstate(all="ignore"):
        run = iterate(opt.rule(), problem.loss_and_grad, theta, steps=budget, name=opt.name,
                      max_evaluations=int(budget // gradient_cost))
    losses = np.where(np.isnan(run.losses), np.inf, run.losses)
    if losses.size == 0:  # the start's loss is not finite
        return SearchResult(opt.name, theta, np.inf, np.rint(gradient_cost * np.ones(1)).astype(int),
                            np.array([np.inf]))
    bests = np.minimum.accumulate(losses)
    best = int(np.argmin(losses))
    evaluations = np.rint(gradient_cost * run.evaluations).astype(int)
    return SearchResult(opt.name, np.array(run.params[best], dtype=np.float64), float(bests[-1]), evaluations,
                        bests)


def measure_gradient_cost(problem, theta, *, repeats: int = 200) -> float:
    """Time of ``problem.loss_and_grad(theta)`` divided by that of ``problem.loss(theta)``, best of 5.

    Parameters
    ----------
    problem : object
        With ``loss(theta)`` and ``loss_and_grad(theta)``.
    theta : array_like of shape (p,)
    repeats : int
        Calls per timing.

    Returns
    -------
    float
        How many forward passes one forward + backward pass costs, on this machine, now.
    """
    repeats = check_scalar("repeats", repeats, integer=True, minimum=1)
    theta = check_array("theta", theta, ("p",))

    def best_time(fn):
        best = np.inf
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(repeats):
                fn(theta)
            best = min(best, time.perf_counter() - start)
        return best

    return best_time(problem.loss_and_grad) / best_time(problem.loss)


def compare(searches: dict, seeds, *, progress: bool = False) -> dict:
    """Run every search with every seed.

    Parameters
    ----------
    searches : dict of str to callable
        ``name -> run(seed) -> SearchResult``.
    seeds : iterable of int
    progress : bool
        Show a progress bar (:func:`helpers.progress.progress`); off by default.

    Returns
    -------
    dict of str to list of SearchResult
        One result per seed, in the order of ``seeds``.

    Examples
    --------
    >>> sphere = lambda T: np.sum(T ** 2, axis=0)
    >>> runs = compare({"random": lambda s: random_search(sphere, np.ones(2), budget=60, rng=s)}, [0, 1])
    >>> [r.n_evaluations for r in runs["random"]]
    [60, 60]
    """
    seeds = list(seeds)
    out = {name: [] for name in searches}
    jobs = [(name, seed) for name in searches for seed in seeds]
    for name, seed in _progress(jobs, desc="searches", enabled=progress):
        out[name].append(searches[name](seed))
    return out
