"""Checks for the exam-practice sheet (assignment 8): shapes, numbers worked out by hand, and choices.

The numeric questions are functions of their inputs, so that grading can ask the same question again
with other numbers. With ``seed=None`` (the default) a check asks exactly the question printed in the
notebook; with a seed it draws other numbers (and sizes). As everywhere in the course (``docs/checks.md``),
nothing here computes an answer: the right outputs and the outputs of known mistakes come from the
fixtures that ``coursetools release`` computed from the solution notebook
(``08-exam-practice.fixtures.json`` next to the notebook; the mistakes are in
``coursetools/mistakes/exam.py``).

==============================================================  ==========================================
student's function                                              check
==============================================================  ==========================================
``shapes(n, k, m) -> dict``                                     :func:`check_shapes` (forward / backward)
``one_step(w, b, x, y, learning_rate) -> (w_new, b_new)``       :func:`check_one_step`
``dL_dz(z, y) -> float``                                        :func:`check_dL_dz`
``differences(x, eps) -> (forward, centered)``                  :func:`check_differences`
``fan_out(x, y, z) -> (f, df_dx, df_dy, df_dz)``                :func:`check_fan_out_forward`, ``_backward``
``softmax_ce(z, label) -> (L, dz)``                             :func:`check_softmax_ce`
``activation_backward(Z, dA) -> {"relu": dZ, "tanh": dZ}``      :func:`check_activation_backward_relu`, ``_tanh``
``l2_step(w, dw, lam, m, learning_rate) -> w_new``              :func:`check_l2_step`
``momentum_by_hand(theta, v, g, learning_rate, beta)``          :func:`check_momentum_by_hand`
``-> (v_new, theta_new)``
``adam_bias_correction(v, s, g, t, beta1, beta2)``              :func:`check_adam_bias_correction`
``-> (v_hat, s_hat)``
``rows_backward(X, W, dout) -> (dX, dW, db)``                   :func:`check_rows_backward`
``bug_line() -> int``, ``true_false() -> dict``                 :func:`check_choice` (choices)
==============================================================  ==========================================

Shapes, one example per column: lesson 4's network ``Z = W1 X + b1`` with ``X`` (n, m), ``W1`` (k, n),
``b1`` (k, 1), ``Z`` and ``A`` (k, m), ``w2`` (1, k), ``ŷ`` (1, m). ``softmax_ce`` takes one example's
scores ``z`` of shape (K, 1) and returns ``dz`` (K, 1); ``activation_backward`` takes ``Z`` and ``dA`` of
shape (k, m). ``rows_backward`` is the one question in the examples-in-rows convention (cs231n's):
``out = X W + b`` with ``X`` (N, D), ``W`` (D, H), ``b`` (H,), ``dout`` (N, H).

A choice (``check_choice``) has no numbers to vary: the visible test checks that the answer is one of
the options; the hidden test, which students never see, compares it with the answer written there.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_rng, format_shape
from ..feedback import fail
from ._common import call, number, passed, unpack
from ._engine import Check

__all__ = [
    "CHECKS",
    "SHAPE_KEYS",
    "check_activation_backward_relu",
    "check_activation_backward_tanh",
    "check_adam_bias_correction",
    "check_choice",
    "check_dL_dz",
    "check_differences",
    "check_fan_out_backward",
    "check_fan_out_forward",
    "check_l2_step",
    "check_momentum_by_hand",
    "check_one_step",
    "check_rows_backward",
    "check_shapes",
    "check_softmax_ce",
]

ASSIGNMENT = "08-exam-practice"

#: The arrays of the shape question, forward ones first.
SHAPE_KEYS = {
    "forward": ("W1", "b1", "Z", "A", "w2", "y_hat"),
    "backward": ("dy_hat", "dw2", "db2", "dA", "dZ", "dW1", "db1"),
}


# --------------------------------------------------------------------------- inputs (no answers)

def _numbers(seed, question, draw):
    """The notebook's question (seed None) or numbers drawn from the seed, rounded to two decimals."""
    __tracebackhide__ = True
    if seed is None:
        return question
    return tuple(round(float(v), 2) for v in draw(as_rng(seed)))


def _shapes_inputs(seed, part="forward"):
    __tracebackhide__ = True
    if seed is None:
        return {"n": 3, "k": 4, "m": 5}
    n, k, m = (int(v) for v in as_rng(seed).choice(range(2, 30), size=3, replace=False))
    return {"n": n, "k": k, "m": m}


def _one_step_inputs(seed):
    __tracebackhide__ = True
    w, b, x, y, lr = _numbers(seed, (1.0, 0.0, 2.0, 3.0, 0.1),
                              lambda g: (*g.uniform(-2, 2, size=4), g.uniform(0.05, 0.3)))
    return {"w": w, "b": b, "x": x, "y": y, "learning_rate": lr}


def _dL_dz_inputs(seed):
    __tracebackhide__ = True
    z, y = _numbers(seed, (0.0, 1.0), lambda g: (g.uniform(-3, 3), g.integers(0, 2)))
    return {"z": z, "y": y}


def _differences_inputs(seed):
    __tracebackhide__ = True
    x, eps = _numbers(seed, (1.0, 0.1), lambda g: (g.uniform(-2, 2), g.uniform(0.01, 0.5)))
    return {"x": x, "eps": eps}


def _fan_out_inputs(seed):
    __tracebackhide__ = True
    x, y, z = _numbers(seed, (2.0, -1.0, 3.0), lambda g: g.uniform(0.3, 2.5, size=3) * g.choice([-1, 1], size=3))
    return {"x": x, "y": y, "z": z}


def _softmax_inputs(seed):
    __tracebackhide__ = True
    if seed is None:
        return {"z": np.array([[1.0], [2.0], [0.0]]), "label": 0}
    gen = as_rng(seed)
    k = int(gen.integers(3, 7))
    return {"z": np.round(gen.uniform(-3, 3, size=(k, 1)), 2), "label": int(gen.integers(k))}


def _activation_inputs(seed):
    __tracebackhide__ = True
    if seed is None:
        return {"Z": np.array([[-1.0, 0.5, 2.0], [0.3, -0.2, -2.0]]), "dA": np.array([[0.4, -1.0, 2.0],
                                                                                     [1.0, 3.0, -0.5]])}
    gen = as_rng(seed)
    k, m = (int(v) for v in gen.integers(2, 8, size=2))
    Z = np.round(gen.uniform(-2, 2, size=(k, m)), 2)
    Z[Z == 0] = 0.5
    return {"Z": Z, "dA": np.round(gen.normal(size=(k, m)), 2)}


def _l2_inputs(seed):
    __tracebackhide__ = True
    w, dw, lam, lr = _numbers(seed, (2.0, 0.5, 0.4, 0.1),
                              lambda g: (g.uniform(-3, 3), g.uniform(-1, 1), g.uniform(0.05, 2), g.uniform(0.01, 0.3)))
    m = 4 if seed is None else int(as_rng(seed + 1).integers(2, 50))
    return {"w": w, "dw": dw, "lam": lam, "m": m, "learning_rate": lr}


def _momentum_inputs(seed):
    __tracebackhide__ = True
    theta, v, g, lr = _numbers(seed, (1.0, 0.5, 2.0, 0.1),
                               lambda r: (r.uniform(-2, 2), r.uniform(-1, 1), r.uniform(-3, 3), r.uniform(0.01, 0.3)))
    return {"theta": theta, "v": v, "g": g, "learning_rate": lr, "beta": 0.9}


def _adam_inputs(seed):
    __tracebackhide__ = True
    if seed is None:
        return {"v": 0.2, "s": 0.01, "g": 2.0, "t": 2, "beta1": 0.9, "beta2": 0.999}
    gen = as_rng(seed)
    return {"v": round(float(gen.uniform(-1, 1)), 2), "s": round(float(gen.uniform(0.001, 0.1)), 3),
            "g": round(float(gen.uniform(-3, 3)), 2), "t": int(gen.integers(1, 6)), "beta1": 0.9, "beta2": 0.999}


def _rows_inputs(seed):
    __tracebackhide__ = True
    gen = as_rng(0 if seed is None else seed)
    n, d, h = (4, 3, 2) if seed is None else (int(v) for v in gen.choice(range(2, 9), size=3, replace=False))
    return {"X": np.round(gen.normal(size=(n, d)), 2), "W": np.round(gen.normal(size=(d, h)), 2),
            "dout": np.round(gen.normal(size=(n, h)), 2)}


def _other_numbers(seed, **rest):
    """The probe of a seeded case: another seed (the notebook's question has no probe)."""
    __tracebackhide__ = True
    return [] if seed is None else [{"seed": seed + 1000, **rest}]


# --------------------------------------------------------------------------- how the student is called

def _numbers_out(result, names, fn_name, why):
    __tracebackhide__ = True
    values = unpack(result, names, fn_name) if len(names) > 1 else (result,)
    return {name: float(number(name, v, fn_name, why=why)) for name, v in zip(names, values)}


def _call_shapes(fn, i):
    __tracebackhide__ = True
    result = call(fn, "shapes", i["n"], i["k"], i["m"])
    if not isinstance(result, dict):
        fail(f"shapes should return a dict of shapes; received a {type(result).__name__}")
    out = {}
    for key in (*SHAPE_KEYS["forward"], *SHAPE_KEYS["backward"]):
        if key not in result:
            out[key] = None
            continue
        try:
            out[key] = np.array([int(v) for v in result[key]], dtype=np.float64)
        except (TypeError, ValueError):
            fail(f"shapes({i['n']}, {i['k']}, {i['m']})[{key!r}] should be a tuple of sizes, like (k, n), or () "
                 f"for a number; received {result[key]!r}")
    return out


def _call_one_step(fn, i):
    __tracebackhide__ = True
    result = call(fn, "one_step", i["w"], i["b"], i["x"], i["y"], i["learning_rate"])
    got = _numbers_out(result, ("w_new", "b_new"), "one_step", "w and b are numbers")
    return {"(w_new, b_new)": np.array([got["w_new"], got["b_new"]])}  # compared as a pair


def _call_dL_dz(fn, i):
    __tracebackhide__ = True
    return _numbers_out(call(fn, "dL_dz", i["z"], i["y"]), ("dL_dz",), "dL_dz",
                        "z is one number, so ∂L/∂z is one too")


def _call_differences(fn, i):
    __tracebackhide__ = True
    return _numbers_out(call(fn, "differences", i["x"], i["eps"]), ("forward", "centered"), "differences",
                        "a difference quotient is one number")


def _call_fan_out(fn, i):
    __tracebackhide__ = True
    return _numbers_out(call(fn, "fan_out", i["x"], i["y"], i["z"]), ("f", "df_dx", "df_dy", "df_dz"), "fan_out",
                        "every node of this graph holds one number")


def _call_softmax(fn, i):
    __tracebackhide__ = True
    L, dz = unpack(call(fn, "softmax_ce", i["z"], i["label"]), ("L", "dz"), "softmax_ce")
    return {"L": float(number("L", L, "softmax_ce", why="the loss of one example is one number")), "dz": dz}


def _call_activation(fn, i):
    __tracebackhide__ = True
    result = call(fn, "activation_backward", i["Z"], i["dA"])
    if not isinstance(result, dict) or set(result) != {"relu", "tanh"}:
        fail("activation_backward should return a dict with the keys 'relu' and 'tanh' (each dZ of shape "
             f"(k, m)); received {type(result).__name__} {sorted(result) if isinstance(result, dict) else ''}")
    return {"dZ_relu": result["relu"], "dZ_tanh": result["tanh"]}


def _call_l2(fn, i):
    __tracebackhide__ = True
    return _numbers_out(call(fn, "l2_step", i["w"], i["dw"], i["lam"], i["m"], i["learning_rate"]), ("w_new",),
                        "l2_step", "w is one weight")


def _call_momentum(fn, i):
    __tracebackhide__ = True
    result = call(fn, "momentum_by_hand", i["theta"], i["v"], i["g"], i["learning_rate"], i["beta"])
    return _numbers_out(result, ("v_new", "theta_new"), "momentum_by_hand", "θ is one number")


def _call_adam(fn, i):
    __tracebackhide__ = True
    result = call(fn, "adam_bias_correction", i["v"], i["s"], i["g"], i["t"], i["beta1"], i["beta2"])
    return _numbers_out(result, ("v_hat", "s_hat"), "adam_bias_correction", "θ is one number")


def _call_rows(fn, i):
    __tracebackhide__ = True
    result = call(fn, "rows_backward", i["X"], i["W"], i["dout"])
    return dict(zip(("dX", "dW", "db"), unpack(result, ("dX", "dW", "db"), "rows_backward")))


def _compare_shape(key, got, expected, params):
    """One entry of ``shapes(n, k, m)`` against the fixture's; only the entries of the case's ``part``."""
    __tracebackhide__ = True
    if key not in SHAPE_KEYS[params["part"]]:
        return
    n, k, m = (int(v) for v in _shapes_inputs(params["seed"]).values())
    if got is None:
        fail(f"shapes(n, k, m) has no key {key!r}; it should have {', '.join(SHAPE_KEYS[params['part']])}")
    got = tuple(int(v) for v in got)
    want = tuple(int(v) for v in np.atleast_1d(expected))
    if got != want:
        fail(f"shapes({n}, {k}, {m})[{key!r}] is {format_shape(got)}, expected {format_shape(want)}: "
             f"{_shape_hint(key, got, want)}")


SHAPES = Check(ASSIGNMENT, "check_shapes", "shapes", _shapes_inputs, _call_shapes,
               (*SHAPE_KEYS["forward"], *SHAPE_KEYS["backward"]), compare=_compare_shape)
ONE_STEP = Check(ASSIGNMENT, "check_one_step", "one_step", _one_step_inputs, _call_one_step, ("(w_new, b_new)",),
                 probes=_other_numbers)
DL_DZ = Check(ASSIGNMENT, "check_dL_dz", "dL_dz", _dL_dz_inputs, _call_dL_dz, ("dL_dz",), probes=_other_numbers)
DIFFERENCES = Check(ASSIGNMENT, "check_differences", "differences", _differences_inputs, _call_differences,
                    ("forward", "centered"), probes=_other_numbers)
FAN_OUT_FORWARD = Check(ASSIGNMENT, "check_fan_out_forward", "fan_out", _fan_out_inputs, _call_fan_out, ("f",),
                        probes=_other_numbers)
FAN_OUT_BACKWARD = Check(ASSIGNMENT, "check_fan_out_backward", "fan_out", _fan_out_inputs, _call_fan_out,
                         ("df_dx", "df_dy", "df_dz"), probes=_other_numbers)
SOFTMAX_CE = Check(ASSIGNMENT, "check_softmax_ce", "softmax_ce", _softmax_inputs, _call_softmax, ("L", "dz"),
                   arrays=("dz",), probes=_other_numbers)
ACTIVATION_RELU = Check(ASSIGNMENT, "check_activation_backward_relu", "activation_backward", _activation_inputs,
                        _call_activation, ("dZ_relu",), arrays=("dZ_relu",), probes=_other_numbers)
ACTIVATION_TANH = Check(ASSIGNMENT, "check_activation_backward_tanh", "activation_backward", _activation_inputs,
                        _call_activation, ("dZ_tanh",), arrays=("dZ_tanh",), probes=_other_numbers)
L2_STEP = Check(ASSIGNMENT, "check_l2_step", "l2_step", _l2_inputs, _call_l2, ("w_new",), probes=_other_numbers)
MOMENTUM = Check(ASSIGNMENT, "check_momentum_by_hand", "momentum_by_hand", _momentum_inputs, _call_momentum,
                 ("v_new", "theta_new"), probes=_other_numbers)
ADAM = Check(ASSIGNMENT, "check_adam_bias_correction", "adam_bias_correction", _adam_inputs, _call_adam,
             ("v_hat", "s_hat"), probes=_other_numbers)
ROWS = Check(ASSIGNMENT, "check_rows_backward", "rows_backward", _rows_inputs, _call_rows, ("dX", "dW", "db"),
             arrays=("dX", "dW", "db"), probes=_other_numbers)

CHECKS = {c.name: c for c in (SHAPES, ONE_STEP, DL_DZ, DIFFERENCES, FAN_OUT_FORWARD, FAN_OUT_BACKWARD, SOFTMAX_CE,
                              ACTIVATION_RELU, ACTIVATION_TANH, L2_STEP, MOMENTUM, ADAM, ROWS)}


# --------------------------------------------------------------------------- the checks

def _where(inputs):
    __tracebackhide__ = True
    return ", ".join(f"{k} = {v:g}" for k, v in inputs.items() if isinstance(v, (int, float)))


def _shape_hint(key, got, want):
    __tracebackhide__ = True
    if key.startswith("d"):
        of = key[1:]
        if of in ("W1", "b1", "w2", "b2"):
            return f"a gradient has the shape of its parameter: {key} has the shape of {of}"
        return f"{key} = ∂L/∂{of} has the shape of {of}"
    if len(got) == 2 and tuple(got) == tuple(want)[::-1]:
        return "it is transposed: one example per column, so m counts columns"
    if key in ("Z", "A"):
        return "one row per hidden unit, one column per example"
    if key == "y_hat":
        return "one prediction per example, in a row"
    return f"expected {format_shape(want)}"


def check_shapes(shapes, *, part: str = "forward", seed: int | None = None) -> None:
    """Check the ``part`` entries of ``shapes(n, k, m)``, each a tuple like ``(k, n)`` (``()`` for a number).

    Parameters
    ----------
    shapes : callable
        The student's ``shapes(n, k, m) -> dict`` from the names of :data:`SHAPE_KEYS` to shape tuples.
    part : {"forward", "backward"}
        Which entries to grade.
    seed : int, optional
        None asks for n = 3, k = 4, m = 5; a seed draws other distinct sizes.
    """
    __tracebackhide__ = True
    if part not in SHAPE_KEYS:
        fail(f"part: expected 'forward' or 'backward', received {part!r}", kind=ValueError)
    SHAPES.verify(shapes, part=part, seed=seed)
    n, k, m = (int(v) for v in _shapes_inputs(seed).values())
    passed(f"shapes: the {part} shapes are right for n = {n}, k = {k}, m = {m}")


def _verify(check, fn, seed, what):
    __tracebackhide__ = True
    check.verify(fn, seed=seed)
    shown = "the sheet's question" if seed is None else "the same question with other numbers"
    passed(f"{check.exercise}: {what}, right for {shown}")


def check_one_step(one_step, *, seed: int | None = None) -> None:
    """Check ``one_step(w, b, x, y, learning_rate) -> (w_new, b_new)``: one step on ``L = (w x + b − y)²``.

    None asks the notebook's question (w = 1, b = 0, x = 2, y = 3, η = 0.1); a seed draws other numbers.
    """
    __tracebackhide__ = True
    _verify(ONE_STEP, one_step, seed, "one gradient step")


def check_dL_dz(dL_dz, *, seed: int | None = None) -> None:
    """Check ``dL_dz(z, y)``: ∂L/∂z of the binary cross-entropy of ``σ(z)``; None asks z = 0, y = 1."""
    __tracebackhide__ = True
    _verify(DL_DZ, dL_dz, seed, "∂L/∂z at a sigmoid output")


def check_differences(differences, *, seed: int | None = None) -> None:
    """Check ``differences(x, eps) -> (forward, centered)`` for ``f(x) = x³``; None asks x = 1, ε = 0.1."""
    __tracebackhide__ = True
    _verify(DIFFERENCES, differences, seed, "the forward and centered differences")


def check_fan_out_forward(fan_out, *, seed: int | None = None) -> None:
    """Check the value ``f`` of ``fan_out(x, y, z) -> (f, df_dx, df_dy, df_dz)``; None asks x = 2, y = −1, z = 3."""
    __tracebackhide__ = True
    _verify(FAN_OUT_FORWARD, fan_out, seed, "the forward value f")


def check_fan_out_backward(fan_out, *, seed: int | None = None) -> None:
    """Check the gradients ``df_dx, df_dy, df_dz`` of ``fan_out(x, y, z)`` (x's paths add up)."""
    __tracebackhide__ = True
    _verify(FAN_OUT_BACKWARD, fan_out, seed, "the gradients, x's two paths added up")


def check_softmax_ce(softmax_ce, *, seed: int | None = None) -> None:
    """Check ``softmax_ce(z, label) -> (L, dz)`` for scores ``z`` (K, 1); None asks z = (1, 2, 0), label 0."""
    __tracebackhide__ = True
    _verify(SOFTMAX_CE, softmax_ce, seed, "the cross-entropy and dz (K, 1)")


def check_activation_backward_relu(activation_backward, *, seed: int | None = None) -> None:
    """Check the ``"relu"`` entry of ``activation_backward(Z, dA)``: dZ of shape (k, m) through a ReLU."""
    __tracebackhide__ = True
    _verify(ACTIVATION_RELU, activation_backward, seed, "dZ through a ReLU")


def check_activation_backward_tanh(activation_backward, *, seed: int | None = None) -> None:
    """Check the ``"tanh"`` entry of ``activation_backward(Z, dA)``: dZ of shape (k, m) through tanh."""
    __tracebackhide__ = True
    _verify(ACTIVATION_TANH, activation_backward, seed, "dZ through tanh")


def check_l2_step(l2_step, *, seed: int | None = None) -> None:
    """Check ``l2_step(w, dw, lam, m, learning_rate) -> w_new`` (with the penalty (λ/2m) w²)."""
    __tracebackhide__ = True
    _verify(L2_STEP, l2_step, seed, "one step with the L2 penalty")


def check_momentum_by_hand(momentum_by_hand, *, seed: int | None = None) -> None:
    """Check ``momentum_by_hand(theta, v, g, learning_rate, beta) -> (v_new, theta_new)``."""
    __tracebackhide__ = True
    _verify(MOMENTUM, momentum_by_hand, seed, "one momentum step")


def check_adam_bias_correction(adam_bias_correction, *, seed: int | None = None) -> None:
    """Check ``adam_bias_correction(v, s, g, t, beta1, beta2) -> (v_hat, s_hat)`` at step ``t``."""
    __tracebackhide__ = True
    _verify(ADAM, adam_bias_correction, seed, "Adam's bias-corrected means")


def check_rows_backward(rows_backward, *, seed: int | None = None) -> None:
    """Check ``rows_backward(X, W, dout) -> (dX, dW, db)`` in the examples-in-rows convention."""
    __tracebackhide__ = True
    _verify(ROWS, rows_backward, seed, "dX (N, D), dW (D, H) and db (H,) with examples in rows")


def check_choice(answer_fn, *, key: str | None = None, options=(), expected=None) -> None:
    """Check a multiple-choice answer: ``answer_fn()`` (or its entry ``key``) must be one of ``options``.

    Parameters
    ----------
    answer_fn : callable
        The student's function of no argument, returning the choice (or a dict of choices, with ``key``).
    key : str, optional
        The entry of the returned dict to check (true/false items).
    options : sequence
        The allowed answers, e.g. ``(1, 2, 3, 4, 5, 6)`` or ``(True, False)``.
    expected : optional
        The right answer; given only in the hidden tests, so the visible test checks the form alone.
    """
    __tracebackhide__ = True
    name = getattr(answer_fn, "__name__", "the answer")
    got = call(answer_fn, name)
    if key is not None:
        if not isinstance(got, dict) or key not in got:
            fail(f"{name}() should return a dict with the key {key!r}; received "
                 f"{sorted(got) if isinstance(got, dict) else type(got).__name__}")
        got, name = got[key], f"{name}()[{key!r}]"
    allowed = [o for o in options if type(o) is type(got) and o == got]  # True is not 1 here
    if not allowed:
        fail(f"{name} is {got!r}, expected one of {', '.join(map(repr, options))}")
    if expected is not None and got != expected:
        fail(f"{name} is {got!r}: that is not the right choice")
    passed(f"{name}: {'the right choice' if expected is not None else 'an answer of the right form'}")
