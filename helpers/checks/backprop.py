"""Checks for lesson 5, backpropagation by hand: local derivatives, a small graph, logistic regression.

The logistic regression of the lesson, one example per column::

    Z = w X + b        X (n, m), w (1, n), b a number, Z (1, m)
    A = σ(Z)           A (1, m)
    L = -(1/m) Σ [Y ln A + (1 - Y) ln(1 - A)]        Y (1, m) of 0s and 1s
    dZ = (A - Y) / m,  dw = dZ Xᵀ (1, n),  db = Σ dZ (a number)

=================================================  ===============================================
student's function                                 check
=================================================  ===============================================
``local_gradients(x, y) -> dict``                  :func:`check_local_gradients` (``ops=`` picks
                                                   which entries a test cell grades)
``neuron_gradients(x1, x2, w1, w2, b, y) -> dict`` :func:`check_neuron_gradients` (``nodes=``)
``forward(X, w, b) -> A``                          :func:`check_forward`
``bce_loss(A, Y) -> L``                            :func:`check_bce_loss`
``backward(X, Y, A) -> (dw, db)``                  :func:`check_backward_dw`, :func:`check_backward_db`
``gradient_check_logistic(forward, bce_loss,``     :func:`check_gradient_check_logistic`
``backward, X, Y, w, b) -> report``
=================================================  ===============================================

Each check draws its inputs from ``seed`` at the requested sizes, calls the student's function on
copies, and compares with the fixtures that ``coursetools release`` computed from the solution
notebook (``05-backprop-by-hand``; see ``docs/checks.md``). ``neuron_gradients`` runs again with the
other label, so that neither term of the loss hides; ``forward``, ``bce_loss`` and ``backward`` run
again on data of other sizes. ``gradient_check_logistic`` gets tables of the solution's ``forward``,
``bce_loss`` and ``backward`` (their values at the points a correct gradient check visits), so it is
graded on its own. Each check prints one ``✓`` line or fails naming the value, the expected and
received numbers and, where it can tell, the likely mistake. Nothing here computes an answer.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_rng, check_scalar, format_shape
from ..feedback import fail
from ..gradcheck import GradCheckReport
from ._common import call, passed, unpack
from ._common import number as _number
from ._engine import Check

__all__ = [
    "CHECKS",
    "LOCAL_OPS",
    "NEURON_NODES",
    "check_backward_db",
    "check_backward_dw",
    "check_bce_loss",
    "check_forward",
    "check_gradient_check_logistic",
    "check_local_gradients",
    "check_neuron_gradients",
]

ASSIGNMENT = "05-backprop-by-hand"

#: The entries of ``local_gradients(x, y)`` and what each one is.
LOCAL_OPS = {
    "mul": "(∂(x·y)/∂x, ∂(x·y)/∂y)",
    "pow": "∂(x^y)/∂x",
    "exp": "∂(e^x)/∂x",
    "log": "∂(ln x)/∂x",
    "sigmoid": "∂σ(x)/∂x",
    "tanh": "∂tanh(x)/∂x",
}

#: The entries of ``neuron_gradients(...)``: ∂L/∂(node) for each node of the graph.
NEURON_NODES = ("a", "z", "w1", "w2", "b")

OTHER_LABEL = ("{exercise} is right for one label but not for the other: both terms of the loss, y ln a and "
               "(1 - y) ln(1 - a), must be differentiated")


def _local_name(op):
    __tracebackhide__ = True
    return f"local_gradients(x, y)[{op!r}], {LOCAL_OPS[op]},"


def _node_name(node):
    __tracebackhide__ = True
    return f"∂L/∂{node} (neuron_gradients(...)[{node!r}])"


# --- inputs (no answers) -------------------------------------------------------------------------

def _ops(ops):
    __tracebackhide__ = True
    ops = tuple(ops)
    if not ops or any(op not in LOCAL_OPS for op in ops):
        fail(f"ops: expected some of {list(LOCAL_OPS)}, received {list(ops)}", kind=ValueError)
    return ops


def _nodes(nodes):
    __tracebackhide__ = True
    nodes = tuple(nodes)
    if not nodes or any(n not in NEURON_NODES for n in nodes):
        fail(f"nodes: expected some of {list(NEURON_NODES)}, received {list(nodes)}", kind=ValueError)
    return nodes


def _local_inputs(ops, seed):
    """A point ``x`` in [0.5, 2.5] (positive, for ln x and x^y) and ``y`` in [-2, 3], three decimals each.

    ``ops`` (the entries graded) travels with the inputs, so that the call returns only those.
    """
    __tracebackhide__ = True
    gen = as_rng(seed)
    return {"x": round(float(gen.uniform(0.5, 2.5)), 3), "y": round(float(gen.uniform(-2.0, 3.0)), 3),
            "ops": list(_ops(ops))}


def _neuron_point(seed, point=None, label=None):
    """``(x1, x2, w1, w2, b, y)``: each number in [-2, 2] to two decimals and ``y`` 0 or 1, or ``point``."""
    __tracebackhide__ = True
    if point is None:
        gen = as_rng(seed)
        x1, x2, w1, w2, b = (round(float(v), 2) for v in gen.uniform(-2.0, 2.0, size=5))
        y = float(gen.integers(0, 2))
    else:
        if len(point) != 6:
            fail(f"point: expected 6 numbers (x1, x2, w1, w2, b, y), received {len(point)}", kind=ValueError)
        x1, x2, w1, w2, b, y = (float(check_scalar("point", v)) for v in point)
    if label is not None:
        y = float(label)
    if y not in (0.0, 1.0):
        fail(f"the label y: expected 0 or 1, received {y:g}", kind=ValueError)
    return x1, x2, w1, w2, b, y


def _neuron_inputs(nodes, seed, point=None, label=None):
    __tracebackhide__ = True
    return {**dict(zip(("x1", "x2", "w1", "w2", "b", "y"), _neuron_point(seed, point, label))),
            "nodes": list(_nodes(nodes))}


def _other_label(nodes, seed, point=None, label=None):
    """The same point with the other label: y = 1 alone hides the (1 - y) term of ∂L/∂a, y = 0 the y term."""
    __tracebackhide__ = True
    y = _neuron_point(seed, point, label)[-1]
    return [{"nodes": nodes, "seed": seed, "point": point, "label": 1.0 - y}]


def _sizes(n, m, *, fewest=1):
    __tracebackhide__ = True
    return (check_scalar("n", n, integer=True, minimum=1),
            check_scalar("m", m, integer=True, minimum=fewest))


def _labels(gen, m, first=(0.0, 1.0)):
    """Labels (1, m) of 0s and 1s, both classes present when m > 1 (so that every term of the loss counts)."""
    __tracebackhide__ = True
    Y = gen.integers(0, 2, size=(1, m)).astype(np.float64)
    if m > 1:
        Y[0, :2] = first
    return Y


def _forward_inputs(seed, n, m):
    """``X`` (n, m), ``w`` (1, n) and a bias ``b`` clearly away from 0."""
    __tracebackhide__ = True
    n, m = _sizes(n, m)
    gen = as_rng(seed)
    X = gen.standard_normal((n, m))
    w = gen.standard_normal((1, n))
    return {"X": X, "w": w, "b": float(gen.uniform(0.5, 1.5) * gen.choice([-1.0, 1.0]))}


def _loss_inputs(seed, m):
    """Probabilities ``A`` (1, m) in [0.05, 0.95] and labels ``Y`` (1, m) of both classes."""
    __tracebackhide__ = True
    m = check_scalar("m", m, integer=True, minimum=1)
    gen = as_rng(seed)
    A = gen.uniform(0.05, 0.95, size=(1, m))
    return {"A": A, "Y": _labels(gen, m, (1.0, 0.0))}


def _backward_inputs(seed, n, m):
    """``X`` (n, m), labels ``Y`` (1, m) and probabilities ``A`` (1, m): any A in (0, 1) will do for the gradient."""
    __tracebackhide__ = True
    n, m = _sizes(n, m)
    gen = as_rng(seed)
    X = gen.standard_normal((n, m))
    Y = _labels(gen, m)
    return {"X": X, "Y": Y, "A": gen.uniform(0.05, 0.95, size=(1, m))}


def _gradient_check_inputs(seed, n, m):
    """``X`` (n, m), labels ``Y`` (1, m), weights ``w`` (1, n) and a bias ``b``."""
    __tracebackhide__ = True
    n, m = _sizes(n, m, fewest=2)
    gen = as_rng(seed)
    X = gen.standard_normal((n, m))
    Y = _labels(gen, m)
    w = gen.standard_normal((1, n))
    return {"X": X, "Y": Y, "w": w, "b": float(gen.uniform(0.5, 1.5) * gen.choice([-1.0, 1.0]))}


def _other_size(seed, n, m):
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "n": n + 1, "m": m + 3}]


def _other_m(seed, m):
    __tracebackhide__ = True
    return [{"seed": seed + 1000, "m": m + 3}]


def _logistic_functions(params):
    __tracebackhide__ = True
    return {"forward": "forward", "bce_loss": "bce_loss", "backward": "backward"}


# --- how the student's functions are called --------------------------------------------------------

def _require_keys(value, what, keys):
    __tracebackhide__ = True
    if not isinstance(value, dict):
        fail(f"{what} should return a dict with the keys {list(keys)}; received {_describe(value)}")
    missing = [k for k in keys if k not in value]
    if missing:
        fail(f"{what} should return a dict with the keys {list(keys)}; it has no key {missing[0]!r}, its keys "
             f"are {sorted(map(str, value))}")


def _describe(value):
    __tracebackhide__ = True
    if hasattr(value, "shape"):
        return f"an array of shape {format_shape(value.shape)}"
    return f"a {type(value).__name__}"


def _call_local(fn, i):
    __tracebackhide__ = True
    ops = _ops(i["ops"])
    result = call(fn, "local_gradients", i["x"], i["y"])
    _require_keys(result, "local_gradients(x, y)", ops)
    out = {}
    for op in ops:
        got = result[op]
        if op == "mul":
            if not (isinstance(got, (tuple, list)) and len(got) == 2):
                fail(f"{_local_name(op)} should be a pair of numbers (∂/∂x, ∂/∂y), e.g. (y, x); received "
                     f"{_describe(got)}")
            got = np.array([_number(f"{_local_name(op)} entry {j}", v, "local_gradients") for j, v in
                            enumerate(got)], dtype=np.float64)
        else:
            got = _number(_local_name(op), got, "local_gradients",
                          why="the derivative of a function of one number at one point is one number")
        out[_local_name(op)] = got
    return out


def _call_neuron(fn, i):
    __tracebackhide__ = True
    nodes = _nodes(i["nodes"])
    result = call(fn, "neuron_gradients", *(i[k] for k in ("x1", "x2", "w1", "w2", "b", "y")))
    _require_keys(result, "neuron_gradients", nodes)
    return {_node_name(node): _number(_node_name(node), result[node], "neuron_gradients",
                                      why="every node of this graph holds one number") for node in nodes}


def _call_forward(fn, i):
    __tracebackhide__ = True
    return {"A": call(fn, "forward", i["X"], i["w"], i["b"])}


def _call_bce_loss(fn, i):
    __tracebackhide__ = True
    L = call(fn, "bce_loss", i["A"], i["Y"])
    return {"L": _number("L", L, "bce_loss", why="the loss is one number, the average over the examples")}


def _call_backward(grad):
    __tracebackhide__ = True

    def run(fn, i):
        __tracebackhide__ = True
        dw, db = unpack(call(fn, "backward", i["X"], i["Y"], i["A"]), ("dw", "db"), "backward")
        if grad == "db":
            return {"db": _number("db", db, "backward", why="b is one number, so db is one too")}
        return {"dw": dw}

    return run


CORRECT_FAILS = "with a correct backward, your gradient check fails. Does your loss function use params['w'] and " \
                "params['b'] (not the outer w and b)?"


def _call_gradient_check(fn, i):
    """Run the student's gradient check with the right backward, then with two wrong ones."""
    __tracebackhide__ = True
    forward, bce_loss, backward = i["forward"], i["bce_loss"], i["backward"]
    m = i["X"].shape[1]

    def run(given_backward):
        __tracebackhide__ = True
        return call(fn, "gradient_check_logistic", forward, bce_loss, given_backward, i["X"], i["Y"], i["w"], i["b"])

    try:
        report = run(backward)
    except AssertionError as exc:
        fail(f"{CORRECT_FAILS}\n{exc}")
    if not isinstance(report, GradCheckReport):
        fail("gradient_check_logistic should return the report of helpers.check_gradients (a GradCheckReport); "
             f"received {_describe(report)}")
    rows = {row.name: row for row in report.rows}
    if sorted(rows) != ["b", "w"]:
        fail("gradient_check_logistic should check the parameters named 'w' and 'b' (params = {'w': w, 'b': b}); "
             f"its report checks {sorted(rows)}")
    if not report.passed:
        fail(f"{CORRECT_FAILS}\n{report}")
    wrong = {
        "the 1/m is missing": lambda X, Y, A: tuple(v * m for v in backward(X, Y, A)),
        "the sign is flipped": lambda X, Y, A: tuple(-v for v in backward(X, Y, A)),
    }
    for what, bad in wrong.items():
        try:
            verdict = run(bad)
        except AssertionError:
            continue
        if not isinstance(verdict, GradCheckReport) or verdict.passed:
            fail(f"given a backward in which {what}, your gradient check passes: it should fail "
                 "(helpers.check_gradients raises; do not catch its AssertionError). Does it compare backward's "
                 "gradients with the loss's?")
    return {f"the report's analytic gradient for {name} (backward's, at its worst entry)": rows[name].analytic
            for name in ("w", "b")}


LOCAL_GRADIENTS = Check(ASSIGNMENT, "check_local_gradients", "local_gradients", _local_inputs, _call_local,
                        tuple(_local_name(op) for op in LOCAL_OPS))
NEURON_GRADIENTS = Check(ASSIGNMENT, "check_neuron_gradients", "neuron_gradients", _neuron_inputs, _call_neuron,
                         tuple(_node_name(node) for node in NEURON_NODES), probes=_other_label,
                         hints={"label": OTHER_LABEL})
FORWARD = Check(ASSIGNMENT, "check_forward", "forward", _forward_inputs, _call_forward, ("A",), arrays=("A",),
                probes=_other_size)
BCE_LOSS = Check(ASSIGNMENT, "check_bce_loss", "bce_loss", _loss_inputs, _call_bce_loss, ("L",), probes=_other_m)
BACKWARD = {grad: Check(ASSIGNMENT, f"check_backward_{grad}", "backward", _backward_inputs, _call_backward(grad),
                        (grad,), arrays=("dw",) if grad == "dw" else (), probes=_other_size)
            for grad in ("dw", "db")}
GRADIENT_CHECK = Check(ASSIGNMENT, "check_gradient_check_logistic", "gradient_check_logistic",
                       _gradient_check_inputs, _call_gradient_check,
                       tuple(f"the report's analytic gradient for {name} (backward's, at its worst entry)"
                             for name in ("w", "b")), functions=_logistic_functions)

CHECKS = {c.name: c for c in (LOCAL_GRADIENTS, NEURON_GRADIENTS, FORWARD, BCE_LOSS, *BACKWARD.values(),
                               GRADIENT_CHECK)}


# --- the exercises -------------------------------------------------------------------------------

def check_local_gradients(local_gradients, *, ops=tuple(LOCAL_OPS), seed: int = 0) -> None:
    """Check the entries ``ops`` of ``local_gradients(x, y)`` at a point drawn from ``seed``.

    Parameters
    ----------
    local_gradients : callable
        The student's ``local_gradients(x, y)``, returning a dict with the keys of
        :data:`LOCAL_OPS`: ``"mul"`` a pair of numbers, every other entry a number.
    ops : iterable of str
        Which entries to grade (one test cell grades a few of them).
    seed : int
        Seed of the point: ``x`` in [0.5, 2.5] (positive, for ``ln x`` and ``x^y``), ``y`` in [-2, 3].
    """
    __tracebackhide__ = True
    _ops(ops)
    found = LOCAL_GRADIENTS.verify(local_gradients, ops=ops, seed=seed)
    x, y = found["inputs"]["x"], found["inputs"]["y"]
    passed(f"local_gradients: {', '.join(ops)} right at x = {x}, y = {y}")


def check_neuron_gradients(neuron_gradients, *, nodes=NEURON_NODES, seed: int = 0, point=None,
                           label=None) -> None:
    """Check ∂L/∂(node) from ``neuron_gradients(x1, x2, w1, w2, b, y)`` for the given ``nodes``, for both labels.

    The graph: ``z = w1 x1 + w2 x2 + b``, ``a = σ(z)``, ``L = -(y ln a + (1 - y) ln(1 - a))``.

    Parameters
    ----------
    neuron_gradients : callable
        The student's function, returning a dict with the keys of :data:`NEURON_NODES`.
    nodes : iterable of str
        Which gradients to grade.
    seed : int
        Seed of the point (each number in [-2, 2] to two decimals, ``y`` 0 or 1).
    point : tuple of 6 floats, optional
        ``(x1, x2, w1, w2, b, y)`` to use instead of a seeded point.
    label : {None, 0, 1}
        The label ``y`` in place of the point's. The check runs again with the other label.
    """
    __tracebackhide__ = True
    _nodes(nodes)
    found = NEURON_GRADIENTS.verify(neuron_gradients, nodes=nodes, seed=seed, point=point, label=label)
    i = found["inputs"]
    passed(f"neuron_gradients: ∂L/∂{', ∂L/∂'.join(nodes)} right at x = ({i['x1']}, {i['x2']}), "
           f"w = ({i['w1']}, {i['w2']}), b = {i['b']}, for y = 0 and y = 1")


def _text(n, m):
    __tracebackhide__ = True
    return f"n = {n} feature{'s' * (n != 1)}, m = {m} example{'s' * (m != 1)}"


def check_forward(forward, *, seed: int = 0, n: int = 3, m: int = 5) -> None:
    """Check ``forward(X, w, b)`` returns ``A = σ(w X + b)`` of shape (1, m).

    Parameters
    ----------
    forward : callable
        The student's ``forward(X, w, b)``.
    seed : int
        Seed of ``X`` (n, m), ``w`` (1, n) and ``b``.
    n, m : int
        Number of features and examples.
    """
    __tracebackhide__ = True
    FORWARD.verify(forward, seed=seed, n=n, m=m)
    passed(f"forward: A = σ(w X + b) has shape (1, {m}) and the right values ({_text(n, m)})")


def check_bce_loss(bce_loss, *, seed: int = 0, m: int = 6) -> None:
    """Check ``bce_loss(A, Y)`` returns the number ``-(1/m) Σ [Y ln A + (1 - Y) ln(1 - A)]``.

    Parameters
    ----------
    bce_loss : callable
        The student's ``bce_loss(A, Y)``.
    seed : int
        Seed of ``A`` (1, m), entries in [0.05, 0.95], and ``Y`` (1, m).
    m : int
        Number of examples.
    """
    __tracebackhide__ = True
    BCE_LOSS.verify(bce_loss, seed=seed, m=m)
    passed(f"bce_loss: L = -(1/m) Σ [Y ln A + (1 − Y) ln(1 − A)] (m = {m})")


def check_backward_dw(backward, *, seed: int = 0, n: int = 3, m: int = 5) -> None:
    """Check ``dw`` from ``backward(X, Y, A) -> (dw, db)``: ``dw = (1/m)(A - Y) Xᵀ``, shape (1, n).

    Parameters
    ----------
    backward : callable
        The student's ``backward(X, Y, A)``.
    seed : int
        Seed of ``X`` (n, m), ``Y`` (1, m) and the probabilities ``A`` (1, m).
    n, m : int
        Number of features and examples.
    """
    __tracebackhide__ = True
    BACKWARD["dw"].verify(backward, seed=seed, n=n, m=m)
    passed(f"backward: dw has shape (1, {n}) and the right values ({_text(n, m)})")


def check_backward_db(backward, *, seed: int = 0, n: int = 3, m: int = 5) -> None:
    """Check ``db`` from ``backward(X, Y, A) -> (dw, db)``: the number ``db = (1/m) Σ (A - Y)``.

    Parameters are those of :func:`check_backward_dw`.
    """
    __tracebackhide__ = True
    BACKWARD["db"].verify(backward, seed=seed, n=n, m=m)
    passed(f"backward: db is a number with the right value ({_text(n, m)})")


def check_gradient_check_logistic(gradient_check_logistic, *, seed: int = 0, n: int = 3, m: int = 5) -> None:
    """Check ``gradient_check_logistic(forward, bce_loss, backward, X, Y, w, b)`` passes and fails when it should.

    It is called three times with tables of the solution's ``forward`` and ``bce_loss`` (their values
    where a correct gradient check evaluates them): with the right ``backward`` it must return a
    passing :class:`helpers.GradCheckReport` whose analytic values are backward's; with a ``backward``
    that forgets the ``1/m`` and with one whose sign is flipped it must raise AssertionError or return a
    failing report.

    Parameters
    ----------
    gradient_check_logistic : callable
        The student's function.
    seed : int
        Seed of the data and parameters.
    n, m : int
        Number of features and examples (m > 1, so that a missing 1/m shows).
    """
    __tracebackhide__ = True
    _sizes(n, m, fewest=2)
    GRADIENT_CHECK.verify(gradient_check_logistic, seed=seed, n=n, m=m)
    passed(f"gradient_check_logistic: passes the right gradients, catches a missing 1/m and a flipped sign "
           f"({_text(n, m)})")
