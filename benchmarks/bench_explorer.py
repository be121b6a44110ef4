"""Latency of every explorer: one slider move, from the new value to the new PNG in the widget.

Each explorer is built as its lesson's cell builds it, with the solution notebook's functions
(lessons 1 to 4, and lesson 9's deep explorer when there is one). Every slider is swept across its
whole range, in both directions, by setting its value as a student's drag does through the widget's
``observe`` callback; lessons 1 and 2 also press "step" twenty times. The first (full) draw, when the
explorer is made, is excluded; everything after it counts, including the moves that change an axis.

Target (issue 13, item 2): for each explorer, the 90th percentile under 50 ms and the maximum under
150 ms. The figures depend on the machine and on what else runs on it.

Lesson 9's explorer trains a new run in frames on the kernel's event loop (its first frame within the
move, the rest after it), so its sweep runs in an event loop as the kernel's callbacks do: a move counts
until its first frame (what the student sees move), and each move waits for its run to be complete
before the next, whose time is printed too ("complete").
"""

from __future__ import annotations

import asyncio
import time

import numpy as np

from coursetools import notebooks as nbs
from coursetools.fixtures import ROOT, solution_namespace
from helpers import make_multivariate, make_nonlinear, make_rings, make_univariate
from helpers.explorers import DescentExplorer, NetworkExplorer

P90_MS, MAX_MS = 50.0, 150.0
MOVES_PER_SLIDER = 25


def _lesson(name):
    return solution_namespace(nbs.read(ROOT / "solutions" / name / f"{name}.ipynb"))


def _mse_loss(y_hat, y):
    """The lessons' given mean squared error (lessons 3 and 4 define it in a cell of their own)."""
    return float(np.mean((y_hat - y) ** 2))


def _init_params(n, k, *, scale, rng):
    """Lessons 3 and 4's given initialisation (lesson 3 starts its biases at zero; 4 draws them)."""
    return {"W1": scale * rng.standard_normal((k, n)), "b1": scale * rng.standard_normal((k, 1)),
            "w2": scale * rng.standard_normal((1, k)), "b2": 0.0}


def lesson_1():
    s = _lesson("01-univariate")
    x, y = make_univariate(100, w=2.0, b=-1.0, noise=0.5, rng=0)
    return DescentExplorer(x, y, forward=s["forward"], backward=s["backward"], loss=s["mse_loss"],
                           learning_rate=0.1, steps=30, start=(-1.0, 2.0))


def lesson_2():
    s = _lesson("02-multivariate")
    X, y = make_multivariate(m=200, n=2, w=np.array([[2.0, 0.3]]), b=0.5, scales=[1.0, 10.0], rng=0)
    eta_max = 1 / X[1].var()
    return DescentExplorer(X, y, forward=s["forward"], backward=s["backward"], loss=s["mse_loss"],
                           learning_rate=0.9 * eta_max, steps=100, max_steps=500, view=((-1.5, 4.5), (-1.5, 4.5)))


def lesson_3():
    s = _lesson("03-two-layer-linear")
    X, y = make_nonlinear(m=60, kind="bump", rng=0)
    return NetworkExplorer(X, y, forward=s["forward"], backward=s["backward"], loss=_mse_loss, init=_init_params,
                           hidden_units=4, init_scale=0.5, learning_rate=0.1, steps=100)


def lesson_4():
    s = _lesson("04-two-layer-sigmoid")
    X, y = make_nonlinear(m=60, kind="bump", rng=0)
    return NetworkExplorer(X, y, forward=s["forward"], backward=s["backward"], loss=_mse_loss,
                           activation=(s["sigmoid"], s["sigmoid_derivative"]), init=_init_params, hidden_units=2,
                           init_scale=1.0, learning_rate=0.5, steps=1000, max_steps=3000, show_units=True, seed=1)


def lesson_9():
    """Lesson 9's deep explorer, as its cell makes it (None when the lesson or its explorer is missing)."""
    source = ROOT / "solutions" / "09-deep-networks" / "09-deep-networks.ipynb"
    try:
        from helpers.deep_explorer import DeepExplorer
    except ImportError:
        return None
    if not source.exists():
        return None
    # its first cell and its solutions, with its support module (lesson06.py: lesson 6's adam_step) importable
    s = solution_namespace(nbs.read(source), folder=source.parent)
    adam_step = s["adam_step"]

    def objective(X, Y, activations, lam):
        def loss_and_grads(params):
            A_L, caches = s["forward"](X, params, activations)
            grads, _ = s["backward"](Y, params, caches, activations)
            penalty, extra = s["l2_penalty"](params, lam, X.shape[1])
            return float(np.sum((A_L - Y) ** 2) / X.shape[1]) + penalty, {k: grads[k] + extra[k] for k in grads}
        return loss_and_grads

    def sigmoid(Z):
        return 1 / (1 + np.exp(-Z))

    acts = {"sigmoid": (sigmoid, lambda Z: sigmoid(Z) * (1 - sigmoid(Z))),
            "tanh": (np.tanh, lambda Z: 1 - np.tanh(Z) ** 2),
            "relu": (lambda Z: np.maximum(Z, 0), lambda Z: (Z > 0).astype(float))}
    (X, y), (X_val, y_val) = make_rings(300, rng=0), make_rings(150, rng=1)
    return DeepExplorer(X, y, X_val, y_val, forward=s["forward"], objective=objective, train=s["train"],
                        step=adam_step, activations=acts, depth=3, width=5, activation="tanh", lam=0.0,
                        learning_rate=0.02, steps=250)


EXPLORERS = {"lesson 1": lesson_1, "lesson 2": lesson_2, "lesson 3": lesson_3, "lesson 4": lesson_4,
             "lesson 9": lesson_9}


def _sweep_values(control, n=MOVES_PER_SLIDER):
    """``n`` values across a control's whole range (its options, for a menu)."""
    if hasattr(control, "options") and control.options:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return [values[i] for i in np.unique(np.linspace(0, len(values) - 1, n).round().astype(int))]
    if type(control).__name__ == "FloatLogSlider":
        return [float(control.base ** e) for e in np.linspace(control.min, control.max, n)]
    values = np.linspace(control.min, control.max, n)
    if type(control.value) is int:
        step = getattr(control, "step", 1) or 1
        return sorted({int(control.min + round((v - control.min) / step) * step) for v in values})
    return [float(v) for v in values]


def _moves(explorer, n):
    """The sweep's moves, in order: each slider up across its range (``n`` values) and back down, then 20
    presses of "step" from 0 steps when the explorer has that button."""
    for control in explorer.controls.values():
        if not hasattr(control, "value"):
            continue
        start = control.value
        values = _sweep_values(control, n)
        for value in [*values, *values[::-1][1:], start]:
            if value != control.value:
                yield lambda control=control, value=value: setattr(control, "value", value)
    if "step" in explorer.controls:
        explorer.controls["steps"].value = 0
        for _ in range(20):
            yield explorer.controls["step"].click


def sweep(explorer, n=MOVES_PER_SLIDER, complete=None):
    """Wall and CPU milliseconds of every move of :func:`_moves`. Returns (wall, cpu).

    An explorer that trains in frames (it has ``training``) is swept in an event loop: each move is timed
    to its first frame, and its wall milliseconds to the complete run are appended to ``complete``.
    """
    wall, cpu = [], []

    def timed(move):
        t0, c0 = time.perf_counter(), time.process_time()
        move()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        return t0

    if not hasattr(explorer, "training"):
        for move in _moves(explorer, n):
            timed(move)
        return np.array(wall) * 1e3, np.array(cpu) * 1e3

    async def in_loop():
        for move in _moves(explorer, n):
            t0 = timed(move)
            while explorer.training:
                await asyncio.sleep(0)
            if complete is not None:
                complete.append((time.perf_counter() - t0) * 1e3)

    asyncio.run(in_loop())
    return np.array(wall) * 1e3, np.array(cpu) * 1e3


def run() -> bool:
    met = True
    print(f"per move, wall-clock (CPU time of this process in brackets; target on wall-clock: p90 < {P90_MS:.0f} ms, "
          f"max < {MAX_MS:.0f} ms)")
    print(f"{'explorer':10} {'moves':>5} {'median':>17} {'p90':>17} {'max':>17}")
    for name, make in EXPLORERS.items():
        explorer = make()
        if explorer is None:
            print(f"{name:10} not in this course")
            continue
        complete = []
        wall, cpu = sweep(explorer, complete=complete)
        p90, worst = float(np.percentile(wall, 90)), float(wall.max())
        ok = p90 < P90_MS and worst < MAX_MS
        met &= ok
        stats = (np.median, lambda a: np.percentile(a, 90), np.max)
        cells = [f"{f(wall):6.1f} ({f(cpu):5.1f}) ms" for f in stats]
        print(f"{name:10} {wall.size:5d} {' '.join(cells)}{'' if ok else '   MISSED'}")
        if complete:
            cells = [f"{f(np.array(complete)):6.1f}" + " " * 11 for f in stats]
            print(f"{'  complete':10} {len(complete):5d} {' '.join(cells)}(each run to its end, in frames)")
    return met
