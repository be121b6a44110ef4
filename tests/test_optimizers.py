"""helpers.optimizers, helpers.objectives and helpers.network, with lesson 6's steps: gradients, updates, convergence.

Gradients are checked against centered differences in float64; each update
formula against a step computed by hand; each optimizer against a convex
quadratic whose minimum is known; Nesterov against momentum where the theory
says they differ.
"""

from __future__ import annotations

import numpy as np
import pytest
from twolayer import TwoLayerProblem

from coursetools import notebooks as nbs
from coursetools.fixtures import ROOT, solution_namespace
from helpers import optimizers as op
from helpers.checks import two_layer
from helpers.gradcheck import check_gradients
from helpers.network import flatten, n_params, unflatten
from helpers.objectives import Quadratic, Rosenbrock

# The step functions are lesson 6's answers: tested here as its solution notebook writes them (helpers
# holds none), each against a step computed by hand and on objectives whose minimum is known.
LESSON6 = solution_namespace(nbs.read(ROOT / "solutions" / "06-optimizers" / "06-optimizers.ipynb"),
                             folder=ROOT / "solutions" / "06-optimizers")


def sgd_step(theta, grad_fn, state, *, learning_rate):
    """Lesson 6's given gradient-descent step (not an exercise)."""
    return theta - learning_rate * grad_fn(theta), state


STEPS = {"sgd": sgd_step, "momentum": LESSON6["momentum_step"], "nesterov": LESSON6["nesterov_step"],
         "rmsprop": LESSON6["rmsprop_step"], "adam": LESSON6["adam_step"]}


def _network(k=3, n=2, m=9, seed=0):
    gen = np.random.default_rng(seed)
    return TwoLayerProblem(gen.standard_normal((n, m)), gen.standard_normal((1, m)), k)


OBJECTIVES = {"quadratic": Quadratic(condition=30.0, angle=0.4, center=(1.0, -2.0)),
              "rosenbrock": Rosenbrock(a=1.5, b=50.0), "network": _network()}


# --- objectives and the network ----------------------------------------------------------------

@pytest.mark.parametrize("name", OBJECTIVES)
def test_gradients_match_centered_differences(name):
    obj = OBJECTIVES[name]
    for seed in range(3):
        theta = np.random.default_rng(seed).standard_normal(obj.p)
        check_gradients(lambda p: obj.loss(p["theta"]), {"theta": theta}, {"theta": obj.grad(theta)},
                        rtol=1e-7)


@pytest.mark.parametrize("name", OBJECTIVES)
def test_batched_loss_is_the_loss_of_each_column(name):
    obj = OBJECTIVES[name]
    Theta = np.random.default_rng(1).standard_normal((obj.p, 6))
    batched = obj.loss(Theta)
    assert batched.shape == (6,)
    np.testing.assert_allclose(batched, [obj.loss(Theta[:, j]) for j in range(6)], rtol=1e-12)


@pytest.mark.parametrize("obj", [Quadratic(condition=5.0, center=(2.0, 3.0)), Rosenbrock(a=-1.0)])
def test_known_minimum_has_zero_loss_and_zero_gradient(obj):
    assert obj.loss(obj.minimum) == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(obj.grad(obj.minimum), 0.0, atol=1e-12)


def test_quadratic_has_the_requested_curvatures():
    q = Quadratic(condition=25.0, angle=1.0)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.A), [1.0, 25.0])


def test_network_loss_matches_lesson_4_reference():
    problem = _network(k=4, n=3, m=7, seed=3)
    X, y, params = two_layer._data(5, 3, 4, 7)
    problem = TwoLayerProblem(X, y, 4)
    lesson = solution_namespace(nbs.read(ROOT / "solutions" / "04-two-layer-sigmoid" / "04-two-layer-sigmoid.ipynb"))
    y_hat, _ = lesson["forward"](X, params, lesson["sigmoid"])  # the lesson's own answer, not a copy in helpers
    assert problem.loss(flatten(params)) == pytest.approx(float(np.mean((y_hat - y) ** 2)), rel=1e-12)


def test_flatten_and_unflatten_are_inverse():
    theta = np.arange(n_params(2, 3), dtype=float)
    params = unflatten(theta, 2, 3)
    assert params["W1"].shape == (3, 2) and params["b1"].shape == (3, 1) and params["w2"].shape == (1, 3)
    np.testing.assert_array_equal(flatten(params), theta)


def test_network_rejects_a_wrong_parameter_vector():
    with pytest.raises(ValueError, match=r"theta: expected shape \(13,\) or \(13, N\), received shape \(12,\)"):
        _network().loss(np.zeros(12))


# --- the update formulas, by hand --------------------------------------------------------------

def _grad(theta):  # L = θ₀² + 3 θ₁²
    return np.array([2.0, 6.0]) * theta


THETA = np.array([1.0, -1.0])
STATE = {"v": np.array([0.5, 0.5]), "s": np.array([4.0, 1.0]), "t": 2}


def test_sgd_step_by_hand():
    theta, _ = sgd_step(THETA, _grad, STATE, learning_rate=0.1)
    np.testing.assert_allclose(theta, [0.8, -0.4])


def test_momentum_step_by_hand():
    theta, state = STEPS["momentum"](THETA, _grad, STATE, learning_rate=0.1, beta=0.5)
    # v = 0.5 [0.5, 0.5] - 0.1 [2, -6] = [0.05, 0.85]
    np.testing.assert_allclose(state["v"], [0.05, 0.85])
    np.testing.assert_allclose(theta, [1.05, -0.15])


def test_nesterov_step_by_hand():
    theta, state = STEPS["nesterov"](THETA, _grad, STATE, learning_rate=0.1, beta=0.5)
    # look-ahead θ + β v = [1.25, -0.75], gradient [2.5, -4.5], v = [0.25, 0.25] - [0.25, -0.45]
    np.testing.assert_allclose(state["v"], [0.0, 0.7])
    np.testing.assert_allclose(theta, [1.0, -0.3])


def test_rmsprop_step_by_hand():
    theta, state = STEPS["rmsprop"](THETA, _grad, STATE, learning_rate=0.1, rho=0.5, eps=0.0)
    # s = 0.5 [4, 1] + 0.5 [4, 36] = [4, 18.5]
    np.testing.assert_allclose(state["s"], [4.0, 18.5])
    np.testing.assert_allclose(theta, [1.0 - 0.1 * 2 / 2, -1.0 + 0.1 * 6 / np.sqrt(18.5)])


def test_adam_step_by_hand():
    theta, state = STEPS["adam"](THETA, _grad, STATE, learning_rate=0.1, beta1=0.5, beta2=0.75, eps=0.0)
    v = np.array([0.25 + 1.0, 0.25 - 3.0])
    s = np.array([3.0 + 1.0, 0.75 + 9.0])
    np.testing.assert_allclose(state["v"], v)
    np.testing.assert_allclose(state["s"], s)
    v_hat, s_hat = v / (1 - 0.5 ** 2), s / (1 - 0.75 ** 2)
    np.testing.assert_allclose(theta, THETA - 0.1 * v_hat / np.sqrt(s_hat))


def test_adam_first_step_moves_each_entry_by_the_learning_rate():
    state = {"v": np.zeros(3), "s": np.zeros(3), "t": 1}
    theta = np.array([1.0, -100.0, 1e-3])
    new, _ = STEPS["adam"](theta, lambda th: th, state, learning_rate=0.01, eps=0.0)
    np.testing.assert_allclose(np.abs(new - theta), 0.01)


@pytest.mark.parametrize("name", STEPS)
def test_step_functions_leave_their_inputs_alone_and_call_the_gradient_once(name):
    state = {key: (val.copy() if isinstance(val, np.ndarray) else val) for key, val in STATE.items()}
    theta = THETA.copy()
    calls = []
    STEPS[name](theta, lambda th: calls.append(th.copy()) or _grad(th), state, learning_rate=0.1)
    np.testing.assert_array_equal(theta, THETA)
    np.testing.assert_array_equal(state["v"], STATE["v"])
    np.testing.assert_array_equal(state["s"], STATE["s"])
    assert len(calls) == 1


# --- convergence on a convex quadratic with a known minimum ------------------------------------

RATES = {"sgd": 0.05, "momentum": 0.02, "nesterov": 0.02, "rmsprop": 0.01, "adam": 0.05}


@pytest.mark.parametrize("name", STEPS)
def test_each_optimizer_converges_to_the_known_minimum(name):
    q = Quadratic(condition=20.0, angle=0.3, center=(1.0, -2.0))
    run = op.minimize(op.Optimizer(STEPS[name], learning_rate=RATES[name]), q, np.array([-3.0, 2.0]),
                      steps=1500)
    assert run.diverged_at is None
    np.testing.assert_allclose(run.path[-1], q.minimum, atol=2e-2)
    assert run.losses[-1] < 1e-3 * run.losses[0]


# --- momentum and Nesterov ---------------------------------------------------------------------

def test_nesterov_takes_the_gradient_at_the_look_ahead_point_and_momentum_does_not():
    seen = {}
    for name in ("momentum", "nesterov"):
        points = []
        STEPS[name](THETA, lambda th, pts=points: pts.append(th.copy()) or _grad(th), STATE,
                    learning_rate=0.1, beta=0.5)
        seen[name] = points[0]
    np.testing.assert_array_equal(seen["momentum"], THETA)
    np.testing.assert_allclose(seen["nesterov"], THETA + 0.5 * STATE["v"])


def test_from_rest_the_first_steps_agree_then_they_differ():
    q = Quadratic(condition=10.0)
    runs = {name: op.minimize(op.Optimizer(STEPS[name], learning_rate=0.05, beta=0.9), q, np.array([2.0, 1.0]),
                              steps=5) for name in ("momentum", "nesterov")}
    np.testing.assert_allclose(runs["momentum"].path[1], runs["nesterov"].path[1])
    assert not np.allclose(runs["momentum"].path[2], runs["nesterov"].path[2])


def test_nesterov_damps_the_oscillation_along_a_steep_direction_as_theory_says():
    # Along a direction of curvature λ both oscillate when η λ is large; the theory (roots of the
    # two-step recurrence) gives a decay per step of √β for momentum and √(β (1 - η λ)) for Nesterov.
    lam, lr, beta = 50.0, 0.015, 0.9
    q = Quadratic(condition=lam, angle=0.0)
    runs = {name: op.minimize(op.Optimizer(STEPS[name], learning_rate=lr, beta=beta), q, np.array([2.0, 1.0]),
                              steps=60) for name in ("momentum", "nesterov")}
    steep = {name: np.abs(run.path[:, 1]) for name, run in runs.items()}
    for name, rate in (("momentum", np.sqrt(beta)), ("nesterov", np.sqrt(beta * (1 - lr * lam)))):
        measured = (steep[name][50:60].max() / steep[name][30:40].max()) ** (1 / 20)
        assert measured == pytest.approx(rate, rel=0.05), name
    assert runs["nesterov"].losses[-1] < runs["momentum"].losses[-1]


# --- Optimizer and minimize --------------------------------------------------------------------

def test_optimizer_counts_steps_and_reset_forgets():
    opt = op.Optimizer(STEPS["adam"], learning_rate=0.1)
    theta = np.ones(2)
    for _ in range(3):
        theta = opt.step(theta, _grad)
    assert opt.state["t"] == 3 and np.any(opt.state["v"] != 0)
    opt.reset()
    assert opt.state == {}


@pytest.mark.parametrize("step_fn, error, message", [
    (lambda th, g, s, *, learning_rate: th, TypeError, "returns \\(theta_new, state_new\\)"),
    (lambda th, g, s, *, learning_rate: (th[:1], s), ValueError, "theta_new has shape \\(1,\\), expected \\(2,\\)"),
])
def test_optimizer_explains_a_wrong_step_function(step_fn, error, message):
    with pytest.raises(error, match=message):
        op.Optimizer(step_fn, learning_rate=0.1).step(np.ones(2), _grad)


def test_optimizer_needs_a_positive_learning_rate():
    with pytest.raises(ValueError, match="expected learning_rate"):
        op.Optimizer(sgd_step)
    with pytest.raises(ValueError, match=r"learning_rate: expected a positive number, received -0\.1"):
        op.Optimizer(sgd_step, learning_rate=-0.1)


def test_minimize_records_evaluations_and_times():
    run = op.minimize(op.Optimizer(STEPS["nesterov"], learning_rate=0.001), Rosenbrock(), np.array([-1.0, 1.0]),
                      steps=50)
    assert run.path.shape == (51, 2) and run.losses.shape == (51,)
    np.testing.assert_array_equal(run.gradient_evaluations, np.arange(51))
    assert run.times[0] == 0.0 and np.all(np.diff(run.times) >= 0)
    assert run.name == "nesterov"


def test_minimize_stops_cleanly_when_it_diverges(recwarn):
    run = op.minimize(op.Optimizer(sgd_step, learning_rate=1.0), Rosenbrock(), np.array([-1.0, 1.0]), steps=100)
    assert run.diverged_at is not None and run.diverged_at < 100
    assert run.final_loss == float("inf")
    assert np.all(np.isfinite(run.losses))
    assert not recwarn.list


# --- mini-batches ------------------------------------------------------------------------------


def test_minimize_is_the_hand_written_momentum_loop_on_the_one_engine():
    """minimize(momentum) equals a hand-written loop, point by point, and stops with the engine's message."""
    obj = OBJECTIVES["rosenbrock"]
    run = op.minimize(op.Optimizer(STEPS["momentum"], learning_rate=1e-3, beta=0.9), obj, np.array([-1.0, 1.0]),
                      steps=40)
    theta, v, path = np.array([-1.0, 1.0]), np.zeros(2), [np.array([-1.0, 1.0])]
    for _ in range(40):
        v = 0.9 * v - 1e-3 * obj.grad(theta)
        theta = theta + v
        path.append(theta)
    np.testing.assert_allclose(run.path, path, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(run.losses, obj.loss(np.array(path).T), rtol=1e-13)
    from helpers.descent import Run, divergence_message
    assert isinstance(run, Run) and run.message == ""
    wild = op.minimize(op.Optimizer(sgd_step, learning_rate=1.0), obj, np.array([-1.0, 1.0]), steps=100)
    assert wild.message == divergence_message(wild.diverged_loss, wild.diverged_at, 1.0)
    assert wild.path.shape == (wild.diverged_at, 2)


def test_the_valley_rates_lesson_6_quotes_are_where_the_methods_diverge():
    """Lesson 6's prose: on Rosenbrock's valley from (-1.5, 2), η = 0.003 makes gradient descent and momentum
    diverge and 0.0015 Nesterov, while the race's rates (0.002, 0.002, 0.001) run its 500 steps."""
    start = np.array([-1.5, 2.0])

    def diverges(name, lr):
        return op.minimize(op.Optimizer(STEPS[name], learning_rate=lr), Rosenbrock(), start,
                           steps=500).diverged_at is not None

    assert diverges("sgd", 0.003) and diverges("momentum", 0.003) and diverges("nesterov", 0.0015)
    assert not (diverges("sgd", 0.002) or diverges("momentum", 0.002) or diverges("nesterov", 0.001))
