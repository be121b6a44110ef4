"""Unlimited practice (lesson 10): numeric problems with typeset maths, answer boxes and worked solutions.

Practice is not graded. Every problem is a *numeric instance* drawn from its
number, so a problem can be shared by saying its number: ``problem(42)`` is
the same problem on every machine. The number also decides the kind
(``KINDS[number % 6]``):

================  ===========================================================================
kind              the problem
================  ===========================================================================
``"graph"``       forward and backward pass through a small graph in which one input fans out
``"shapes"``      the shape of arrays of a random L-layer network (one example per column)
``"optimizer"``   one step of gradient descent, momentum or Adam on ``L(θ) = a (θ − c)²``
``"activation"``  the local gradient of σ, tanh or ReLU at a point, and ∂L/∂z from ∂L/∂a
``"softmax"``     softmax with cross-entropy over three classes: the loss and ∂L/∂z
``"differences"`` a centered-difference estimate of f′(x) and its error
================  ===========================================================================

A :class:`Problem` holds its statement (Markdown with LaTeX between ``$``),
its answer blanks (:class:`Blank`: a label, the value, a tolerance) and its
worked solution as a list of steps. :func:`check_answers` compares what a
student typed with each blank and says, per blank, whether it is right.
:class:`Practice` is the widget: a kind menu, the problem number, "new
problem", one answer box per blank, "check", and "next step" / "whole
solution" to reveal the worked solution one step at a time.

The conventions are the course's: one example per column, ``W[l]`` of shape
``(n_l, n_{l−1})``; momentum ``v ← β v − η g, θ ← θ + v``; Adam with
``v̂ = v / (1 − β1^t)`` and ``ŝ = s / (1 − β2^t)``, as in :mod:`helpers.optimizers`.

Examples
--------
>>> p = problem(0)
>>> p.kind, p.number
('graph', 0)
>>> [b.key for b in p.blanks]
['f', 'df_dx', 'df_dy', 'df_dz']
>>> all(v.ok for v in check_answers(p, {b.key: b.value for b in p.blanks}))
True
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from fractions import Fraction

import ipywidgets as widgets
import numpy as np

from ._validate import as_rng, check_scalar, format_shape
from .graph import Value

__all__ = ["KINDS", "Blank", "Practice", "Problem", "Verdict", "check_answers", "new_number", "parse_answer",
           "problem"]

KINDS = ("graph", "shapes", "optimizer", "activation", "softmax", "differences")

TITLES = {
    "graph": "Forward and backward through a graph with fan-out",
    "shapes": "The shapes of an L-layer network",
    "optimizer": "One optimizer step by hand",
    "activation": "The local gradient of an activation",
    "softmax": "Softmax with cross-entropy",
    "differences": "A centered difference and its error",
}


@dataclass(frozen=True)
class Blank:
    """One answer box of a problem.

    Attributes
    ----------
    key : str
        Its name, e.g. ``"df_dx"``.
    label : str
        What it asks for, in LaTeX, e.g. ``r"$\\partial f / \\partial x$"``.
    value : float or tuple of int
        The right answer: a number, or a shape such as ``(4, 3)``.
    rtol, atol : float
        A number ``a`` is accepted when ``|a − value| ≤ atol + rtol |value|``; shapes must match exactly.
    """

    key: str
    label: str
    value: float | tuple
    rtol: float = 1e-3
    atol: float = 1e-3

    @property
    def is_shape(self) -> bool:
        return isinstance(self.value, tuple)


@dataclass(frozen=True)
class Problem:
    """A numeric problem, its answers and its worked solution.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    number : int
        The number that reproduces it: ``problem(number)``.
    title : str
    statement : str
        Markdown with LaTeX between ``$`` signs.
    blanks : tuple of Blank
        The answers asked for, in order.
    steps : tuple of str
        The worked solution, one step per entry (Markdown with LaTeX).
    given : dict
        The numbers the statement gives, by name (e.g. ``{"x": 1.5, ...}``), and
        which variant of the kind it is, so the answers can be recomputed independently.
    """

    kind: str
    number: int
    title: str
    statement: str
    blanks: tuple
    steps: tuple
    given: dict

    def markdown(self, *, solution: bool = False) -> str:
        """The problem as Markdown (with the worked solution when ``solution``)."""
        text = f"**Problem {self.number} · {self.title}**\n\n{self.statement}\n\n" + "\n".join(
            f"* {b.label}" for b in self.blanks)
        if solution:
            text += "\n\n**Worked solution.**\n\n" + "\n".join(
                f"{i}. {step}" for i, step in enumerate(self.steps, start=1))
        return text

    def _repr_markdown_(self):
        return self.markdown()


@dataclass(frozen=True)
class Verdict:
    """The check of one blank: whether the answer is right, and one sentence saying so."""

    key: str
    ok: bool
    message: str


# --- numbers and LaTeX ------------------------------------------------------------------------------

def _n(x: float, digits: int = 4) -> str:
    """A number as the worked solutions print it: rounded, no trailing zeros, −0 shown as 0."""
    x = float(x)
    if x != 0 and abs(x) < 10 ** -(digits - 1):
        mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _p(x: float, digits: int = 4) -> str:
    """A number in brackets when negative, for products: ``2 \\cdot (−0.5)``."""
    text = _n(x, digits)
    return f"({text})" if float(x) < 0 else text


def _draw(gen, low, high, *, step=0.1, nonzero=True) -> float:
    """A number from low to high in steps of ``step`` (not 0 unless allowed)."""
    values = np.round(np.arange(low, high + step / 2, step), 6)
    if nonzero:
        values = values[values != 0]
    return float(gen.choice(values))


# --- the six kinds ----------------------------------------------------------------------------------

def _graph(gen):
    x, y, z = (_draw(gen, -2, 2) for _ in range(3))
    variant = "product" if gen.integers(2) == 0 else "tanh"
    if variant == "product":
        u, v = x * y, x + z
        f = u * v
        dx, dy, dz = v * y + u, v * x, u
        statement = (rf"The graph $u = x\,y$, $v = x + z$, $f = u\,v$ at $x = {_n(x)}$, $y = {_n(y)}$, "
                     rf"$z = {_n(z)}$. The input $x$ feeds both $u$ and $v$. Compute the output and the gradient "
                     "of $f$ with respect to each input.")
        steps = (
            rf"Forward: $u = x y = {_p(x)} \cdot {_p(y)} = {_n(u)}$, $v = x + z = {_n(v)}$, "
            rf"$f = u v = {_p(u)} \cdot {_p(v)} = {_n(f)}$.",
            rf"Local derivatives: $\partial f/\partial u = v = {_n(v)}$, $\partial f/\partial v = u = {_n(u)}$; "
            r"$\partial u/\partial x = y$, $\partial u/\partial y = x$; "
            r"$\partial v/\partial x = \partial v/\partial z = 1$.",
            rf"One path each: $\partial f/\partial y = v \cdot x = {_n(dy)}$ and $\partial f/\partial z = u \cdot 1 = "
            rf"{_n(dz)}$.",
            rf"Fan-out: $x$ reaches $f$ through $u$ and through $v$, so the two paths add up: "
            rf"$\partial f/\partial x = v \cdot y + u \cdot 1 = {_p(v)} \cdot {_p(y)} + {_p(u)} = {_n(dx)}$.",
        )
    else:
        u = x * y + z
        h = math.tanh(u)
        f = h * x
        du = x * (1 - h * h)
        dx, dy, dz = h + du * y, du * x, du
        statement = (rf"The graph $u = x\,y + z$, $h = \tanh u$, $f = h\,x$ at $x = {_n(x)}$, $y = {_n(y)}$, "
                     rf"$z = {_n(z)}$. The input $x$ is used twice: in $u$ and again in the last product. "
                     "Compute the output and the gradient of $f$ with respect to each input.")
        steps = (
            rf"Forward: $u = x y + z = {_n(u)}$, $h = \tanh u = {_n(h)}$, $f = h x = {_n(f)}$.",
            rf"Local derivatives: $\partial f/\partial h = x = {_n(x)}$, "
            rf"$\partial f/\partial x|_{{\text{{direct}}}} = h = {_n(h)}$, "
            rf"$\partial h/\partial u = 1 - h^2 = {_n(1 - h * h)}$, $\partial u/\partial x = y$, "
            r"$\partial u/\partial y = x$, $\partial u/\partial z = 1$.",
            rf"Back to $u$: $\partial f/\partial u = x\,(1 - h^2) = {_n(du)}$; then $\partial f/\partial y = "
            rf"{_p(du)} \cdot {_p(x)} = {_n(dy)}$ and $\partial f/\partial z = {_n(dz)}$.",
            rf"Fan-out: $x$ reaches $f$ directly and through $u$, so $\partial f/\partial x = h + "
            rf"\partial f/\partial u \cdot y = {_n(h)} + {_p(du)} \cdot {_p(y)} = {_n(dx)}$.",
        )
    blanks = (Blank("f", "$f$", f), Blank("df_dx", r"$\partial f/\partial x$", dx),
              Blank("df_dy", r"$\partial f/\partial y$", dy), Blank("df_dz", r"$\partial f/\partial z$", dz))
    return statement, blanks, steps, {"variant": variant, "x": x, "y": y, "z": z}


def _shapes(gen):
    depth = int(gen.integers(2, 5))
    sizes = [int(s) for s in gen.choice(np.arange(2, 10), size=depth + 1, replace=False)]
    m = int(gen.integers(10, 41))
    names = [("A", 0)] + [(a, j) for j in range(1, depth + 1) for a in ("W", "b", "Z", "A", "dW", "db", "dZ")]
    picks = sorted(gen.choice(len(names), size=4, replace=False))
    rules = {
        "W": lambda j: ((sizes[j], sizes[j - 1]), rf"$W^{{[{j}]}}$ maps layer {j - 1}'s $n_{{{j - 1}}}$ "
                        rf"values to layer {j}'s $n_{{{j}}}$: one row per unit of layer {j}"),
        "b": lambda j: ((sizes[j], 1), rf"$b^{{[{j}]}}$ has one entry per unit, a column broadcast over the "
                        "examples"),
        "Z": lambda j: ((sizes[j], m), rf"$Z^{{[{j}]}} = W^{{[{j}]}} A^{{[{j - 1}]}} + b^{{[{j}]}}$: "
                        rf"$(n_{{{j}}}, n_{{{j - 1}}})(n_{{{j - 1}}}, m)$, one column per example"),
        "A": lambda j: ((sizes[j], m), rf"$A^{{[{j}]}}$ is $Z^{{[{j}]}}$ entry by entry" if j else
                        r"$A^{[0]} = X$: one row per feature, one column per example"),
        "dW": lambda j: ((sizes[j], sizes[j - 1]), "a gradient has the shape of what it differentiates: "
                         rf"that of $W^{{[{j}]}}$"),
        "db": lambda j: ((sizes[j], 1), rf"it has the shape of $b^{{[{j}]}}$ (the sum of $dZ^{{[{j}]}}$ over "
                         "its columns)"),
        "dZ": lambda j: ((sizes[j], m), rf"it has the shape of $Z^{{[{j}]}}$, entry by entry"),
    }
    layers = ", ".join(f"$n_{{{j}}} = {s}$" for j, s in enumerate(sizes))
    statement = (f"A network with $L = {depth}$ layers and one example per column: {layers}, "
                 f"$m = {m}$ examples, $W^{{[l]}}$ of shape $(n_l, n_{{l-1}})$. Give the shape of each array "
                 "below, as a tuple like `(4, 3)`.")
    blanks, steps = [], []
    for i in picks:
        name, layer = names[i]
        shape, why = rules[name](layer)
        label = f"${name}^{{[{layer}]}}$"
        blanks.append(Blank(f"{name}{layer}", label, shape))
        steps.append(f"{label}: ${format_shape(shape)}$, because {why}.")
    return statement, tuple(blanks), tuple(steps), {"sizes": tuple(sizes), "m": m}


def _optimizer(gen):
    a = float(gen.choice([0.5, 1.0, 2.0]))
    c, theta = _draw(gen, -2, 2, nonzero=False), _draw(gen, -2, 2)
    if c == theta:
        theta = round(theta + 0.5, 6)
    g = 2 * a * (theta - c)
    method = str(gen.choice(["gd", "momentum", "adam"]))
    given = {"method": method, "a": a, "c": c, "theta": theta}
    loss = rf"$L(\theta) = {_n(a)}\,(\theta - {_p(c)})^2$ at $\theta = {_n(theta)}$"
    grad_step = (rf"Gradient: $g = L'(\theta) = 2 \cdot {_n(a)} \cdot (\theta - {_p(c)}) = 2 \cdot {_n(a)} \cdot "
                 rf"{_p(theta - c)} = {_n(g)}$.")
    blanks = [Blank("g", r"$g = L'(\theta)$", g)]
    if method == "gd":
        lr = float(gen.choice([0.05, 0.1, 0.2]))
        new = theta - lr * g
        given.update(learning_rate=lr)
        statement = rf"One step of gradient descent with $\eta = {_n(lr)}$ on {loss}."
        steps = (grad_step, rf"Update: $\theta \leftarrow \theta - \eta g = {_n(theta)} - {_n(lr)} \cdot {_p(g)} "
                            rf"= {_n(new)}$.")
    elif method == "momentum":
        lr, beta = float(gen.choice([0.05, 0.1])), 0.9
        v = _draw(gen, -0.5, 0.5, nonzero=False)
        v_new = beta * v - lr * g
        new = theta + v_new
        given.update(learning_rate=lr, beta=beta, v=v)
        statement = (rf"One step of momentum ($v \leftarrow \beta v - \eta g$, $\theta \leftarrow \theta + v$) "
                     rf"with $\eta = {_n(lr)}$, $\beta = {_n(beta)}$ and velocity $v = {_n(v)}$ on {loss}.")
        blanks.append(Blank("v", r"the new velocity $v$", v_new))
        steps = (grad_step,
                 rf"Velocity: $v \leftarrow \beta v - \eta g = {_n(beta)} \cdot {_p(v)} - {_n(lr)} \cdot {_p(g)} "
                 rf"= {_n(v_new)}$.",
                 rf"Update: $\theta \leftarrow \theta + v = {_n(theta)} + {_p(v_new)} = {_n(new)}$.")
    else:
        lr, b1, b2 = float(gen.choice([0.05, 0.1])), 0.9, 0.999
        t = int(gen.integers(1, 4))
        v = 0.0 if t == 1 else _draw(gen, -1, 1)
        s = 0.0 if t == 1 else _draw(gen, 0.01, 0.2, step=0.01)
        v_new, s_new = b1 * v + (1 - b1) * g, b2 * s + (1 - b2) * g * g
        v_hat, s_hat = v_new / (1 - b1 ** t), s_new / (1 - b2 ** t)
        new = theta - lr * v_hat / math.sqrt(s_hat)
        given.update(learning_rate=lr, beta1=b1, beta2=b2, t=t, v=v, s=s)
        memory = "both running means at 0" if t == 1 else f"$v = {_n(v)}$, $s = {_n(s)}$ after {t - 1} step(s)"
        statement = (rf"Step $t = {t}$ of Adam with $\eta = {_n(lr)}$, $\beta_1 = 0.9$, $\beta_2 = 0.999$ "
                     rf"(and $\varepsilon$ negligible), {memory}, on {loss}.")
        blanks += [Blank("v", "$v$", v_new, atol=1e-5), Blank("s", "$s$", s_new, atol=1e-6),
                   Blank("v_hat", r"$\hat v$", v_hat), Blank("s_hat", r"$\hat s$", s_hat, atol=1e-5)]
        steps = (grad_step,
                 rf"Running means: $v \leftarrow 0.9 \cdot {_p(v)} + 0.1 \cdot {_p(g)} = {_n(v_new, 6)}$, "
                 rf"$s \leftarrow 0.999 \cdot {_n(s)} + 0.001 \cdot {_p(g)}^2 = {_n(s_new, 6)}$.",
                 rf"Bias correction at $t = {t}$: $\hat v = v / (1 - 0.9^{t}) = {_n(v_hat)}$, "
                 rf"$\hat s = s / (1 - 0.999^{t}) = {_n(s_hat)}$ (both means start at 0, so "
                 "without the correction they are far too small in the first steps).",
                 rf"Update: $\theta \leftarrow \theta - \eta \hat v / \sqrt{{\hat s}} = {_n(theta)} - {_n(lr)} \cdot "
                 rf"{_p(v_hat)} / {_n(math.sqrt(s_hat))} = {_n(new)}$.")
    blanks.append(Blank("theta", r"the new $\theta$", new, atol=1e-4))
    return statement, tuple(blanks), steps, given


def _activation(gen):
    name = str(gen.choice(["sigmoid", "tanh", "relu"]))
    z, upstream = _draw(gen, -3, 3), _draw(gen, -2, 2)
    if name == "sigmoid":
        a = Value(z).sigmoid().data  # the graph engine's σ, the one sigmoid of helpers
        local = a * (1 - a)
        fn, rule = r"\sigma(z) = 1/(1 + e^{-z})", rf"$\sigma'(z) = a(1 - a) = {_n(a)} \cdot {_n(1 - a)} = {_n(local)}$"
    elif name == "tanh":
        a = math.tanh(z)
        local = 1 - a * a
        fn, rule = r"\tanh z", rf"$\tanh'(z) = 1 - a^2 = 1 - {_p(a)}^2 = {_n(local)}$"
    else:
        a = max(z, 0.0)
        local = 1.0 if z > 0 else 0.0
        fn, rule = r"\mathrm{ReLU}(z) = \max(z, 0)", (rf"$\mathrm{{ReLU}}'(z) = {_n(local)}$, since $z "
                                                      rf"{'>' if z > 0 else '<'} 0$")
    statement = (rf"The activation $a = {fn}$ at $z = {_n(z)}$, and the gradient arriving from above "
                 rf"$\partial L/\partial a = {_n(upstream)}$. Compute $a$, the local gradient $da/dz$ and "
                 r"$\partial L/\partial z$.")
    dz = upstream * local
    blanks = (Blank("a", "$a$", a), Blank("local", "$da/dz$", local), Blank("dL_dz", r"$\partial L/\partial z$", dz))
    steps = (rf"Forward: $a = {_n(a)}$.", f"Local gradient: {rule}.",
             rf"Chain rule: $\partial L/\partial z = \partial L/\partial a \cdot da/dz = {_p(upstream)} \cdot "
             rf"{_p(local)} = {_n(dz)}$.")
    return statement, blanks, steps, {"activation": name, "z": z, "dL_da": upstream}


def _softmax(gen):
    z = [_draw(gen, -2, 2, nonzero=False) for _ in range(3)]
    c = int(gen.integers(3))
    e = [math.exp(v - max(z)) for v in z]
    total = sum(e)
    p = [v / total for v in e]
    loss = -math.log(p[c])
    grad = [pi - (i == c) for i, pi in enumerate(p)]
    vec = ", ".join(_n(v) for v in z)
    statement = (rf"Three classes with scores $z = ({vec})$, probabilities $p_i = e^{{z_i}} / \sum_j e^{{z_j}}$ "
                 rf"and the cross-entropy $L = -\ln p_y$ for the true class $y = {c + 1}$. Compute $L$ and the "
                 r"gradient $\partial L/\partial z_i$ of each score.")
    blanks = (Blank("L", "$L$", loss), *(Blank(f"dz{i + 1}", rf"$\partial L/\partial z_{i + 1}$", g)
                                         for i, g in enumerate(grad)))
    steps = (rf"Exponentials (after subtracting the largest score, which changes nothing): "
             rf"$({', '.join(_n(v) for v in e)})$, sum ${_n(total)}$.",
             rf"Probabilities: $p = ({', '.join(_n(v) for v in p)})$.",
             rf"Loss: $L = -\ln p_{c + 1} = -\ln {_n(p[c])} = {_n(loss)}$.",
             rf"Gradient: $\partial L/\partial z_i = p_i - [i = y]$, so subtract 1 from the true class only: "
             rf"$({', '.join(_n(v) for v in grad)})$. The entries add up to 0.")
    return statement, blanks, steps, {"z": tuple(z), "true_class": c + 1}


_FUNCTIONS = {  # name: (LaTeX, f, f', f''', LaTeX of f')
    "cube": ("x^3", lambda x: x ** 3, lambda x: 3 * x ** 2, lambda x: 6.0, "3x^2"),
    "exp": ("e^x", math.exp, math.exp, math.exp, "e^x"),
    "sin": (r"\sin x", math.sin, math.cos, lambda x: -math.cos(x), r"\cos x"),
    "log": (r"\ln x", math.log, lambda x: 1 / x, lambda x: 2 / x ** 3, "1/x"),
}


def _differences(gen):
    name = str(gen.choice(list(_FUNCTIONS)))
    tex, f, df, d3f, dtex = _FUNCTIONS[name]
    x = _draw(gen, 1, 3) if name == "log" else _draw(gen, -2, 2)
    eps = float(gen.choice([0.05, 0.1, 0.2]))
    up, down = f(x + eps), f(x - eps)
    estimate = (up - down) / (2 * eps)
    exact = df(x)
    error = estimate - exact
    statement = (rf"Estimate the derivative of $f(x) = {tex}$ at $x = {_n(x)}$ with the centered difference "
                 rf"$D = \bigl(f(x + \varepsilon) - f(x - \varepsilon)\bigr) / (2\varepsilon)$, $\varepsilon = "
                 rf"{_n(eps)}$. Give $D$ to six significant figures, the exact $f'(x)$, and the error $D - f'(x)$ "
                 "(within 5%: the Taylor estimate of the error is accepted).")
    blanks = (Blank("D", "$D$", estimate, rtol=1e-5, atol=1e-6), Blank("exact", "$f'(x)$", exact),
              Blank("error", "$D - f'(x)$", error, rtol=0.05, atol=1e-9))
    taylor = eps ** 2 / 6 * d3f(x)
    steps = (rf"$f(x + \varepsilon) = f({_n(x + eps)}) = {_n(up, 6)}$ and $f(x - \varepsilon) = f({_n(x - eps)}) = "
             rf"{_n(down, 6)}$.",
             rf"$D = ({_n(up, 6)} - {_p(down, 6)}) / {_n(2 * eps)} = {_n(estimate, 6)}$.",
             rf"Exact: $f'(x) = {dtex} = {_n(exact, 6)}$, so the error is $D - f'(x) = {_n(error)}$.",
             rf"Check with Taylor: the even terms cancel, leaving $D - f'(x) \approx \frac{{\varepsilon^2}}{{6}} "
             rf"f'''(x) = {_n(taylor)}$: the error shrinks like $\varepsilon^2$ (halve $\varepsilon$, quarter the "
             "error).")
    return statement, blanks, steps, {"function": name, "x": x, "eps": eps, "taylor_error": taylor}


_MAKERS = {"graph": _graph, "shapes": _shapes, "optimizer": _optimizer, "activation": _activation,
           "softmax": _softmax, "differences": _differences}


# --- the public functions ---------------------------------------------------------------------------

def problem(number) -> Problem:
    """The problem with this number (an int ≥ 0): its kind is ``KINDS[number % 6]``, its numbers come from it.

    >>> problem(3).kind, problem(3) == problem(3)
    ('activation', True)
    """
    number = check_scalar("number", number, integer=True, minimum=0)
    kind = KINDS[number % len(KINDS)]
    statement, blanks, steps, given = _MAKERS[kind](np.random.default_rng(number))
    return Problem(kind, number, TITLES[kind], statement, tuple(blanks), tuple(steps), given)


def new_number(rng=None, kind: str | None = None) -> int:
    """A fresh problem number from ``rng``, of the given kind (any kind when None).

    >>> problem(new_number(0, kind="softmax")).kind
    'softmax'
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)} or None, received {kind!r}")
    gen = as_rng(rng)
    number = int(gen.integers(0, 100_000)) * len(KINDS)
    return number + (KINDS.index(kind) if kind else int(gen.integers(len(KINDS))))


_SHAPE = re.compile(r"^\(?\s*(\d+)\s*[,x×]\s*(\d+)\s*,?\s*\)?$")


def parse_answer(text, *, shape: bool = False):
    """What a student typed, as a number (``"0.25"``, ``"-1/4"``, ``"1e-3"``) or a shape (``"(4, 3)"``).

    Returns None when the box is empty; raises ValueError with what was expected otherwise.

    >>> parse_answer("-1/4"), parse_answer("(4, 3)", shape=True), parse_answer(" ")
    (-0.25, (4, 3), None)
    """
    if isinstance(text, numbers.Real) and not isinstance(text, bool) and not shape:
        return float(text)
    if isinstance(text, tuple) and shape:
        return tuple(int(v) for v in text)
    text = str(text).strip().replace("−", "-")
    if not text:
        return None
    if shape:
        match = _SHAPE.match(text)
        if not match:
            raise ValueError(f"expected a shape like (4, 3), received {text!r}")
        return int(match[1]), int(match[2])
    try:
        value = float(Fraction(text)) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"expected a number like 0.25, -1/4 or 1e-3, received {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, received {text!r}")
    return value


def check_answers(prob: Problem, answers) -> list:
    """Check a student's answers, one :class:`Verdict` per blank.

    Parameters
    ----------
    prob : Problem
    answers : dict or sequence
        ``{key: answer}`` or the answers in the order of ``prob.blanks``; each
        answer a number, a shape tuple or the text typed in the box.
    """
    if not isinstance(answers, dict):
        answers = list(answers)
        if len(answers) != len(prob.blanks):
            raise ValueError(f"answers: expected {len(prob.blanks)} answers ({', '.join(b.key for b in prob.blanks)}), "
                             f"received {len(answers)}")
        answers = {b.key: a for b, a in zip(prob.blanks, answers)}
    unknown = set(answers) - {b.key for b in prob.blanks}
    if unknown:
        raise ValueError(f"answers: unknown blank(s) {sorted(unknown)}; this problem asks for "
                         f"{[b.key for b in prob.blanks]}")
    return [_verdict(b, answers.get(b.key, "")) for b in prob.blanks]


def _verdict(blank: Blank, typed) -> Verdict:
    try:
        got = parse_answer(typed, shape=blank.is_shape)
    except ValueError as err:
        return Verdict(blank.key, False, f"{blank.label}: {err}.")
    if got is None:
        return Verdict(blank.key, False, f"{blank.label}: no answer yet.")
    if blank.is_shape:
        if got == blank.value:
            return Verdict(blank.key, True, f"{blank.label}: right, {format_shape(got)}.")
        hint = " It is transposed: which size counts the rows?" if got == blank.value[::-1] else ""
        return Verdict(blank.key, False, f"{blank.label}: {format_shape(got)} is not right.{hint}")
    want = float(blank.value)
    if abs(got - want) <= blank.atol + blank.rtol * abs(want):
        return Verdict(blank.key, True, f"{blank.label}: right ({_n(want, 6)}).")
    hint = ""
    if want != 0 and abs(got + want) <= blank.atol + blank.rtol * abs(want):
        hint = " The sign is flipped."
    elif want != 0 and abs(got - want) <= 0.05 * abs(want):
        hint = " Close: keep more digits in the intermediate results."
    return Verdict(blank.key, False, f"{blank.label}: ${_n(got, 6)}$ is not right.{hint}")


# --- the widget -------------------------------------------------------------------------------------

class Practice:
    """A practice widget: a problem, answer boxes, a check, and a worked solution revealed step by step.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        Where the numbers of new problems come from (the notebook's seeded ``rng``).
    number : int, optional
        The first problem to show (default: a new one drawn from ``rng``).
    kind : str, optional
        Draw only this kind (one of :data:`KINDS`); None for any.

    Attributes
    ----------
    problem : Problem
        The problem on show.
    controls : dict
        ``"kind"`` (Dropdown: ``"any"`` or one of :data:`KINDS`), ``"number"`` (IntText), ``"new"``,
        ``"check"``, ``"step"``, ``"solution"``
        (Buttons) and ``"answers"`` (a dict of Text boxes by blank key).
    statement, feedback, solution : ipywidgets.HTMLMath
    """

    def __init__(self, rng=None, *, number: int | None = None, kind: str | None = None):
        self._rng = as_rng(rng)
        c = self.controls = {}
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)} or None, received {kind!r}")
        # "any" rather than None: a Dropdown whose value is None shows no selection at all
        c["kind"] = widgets.Dropdown(options=[("any kind", "any")] + [(TITLES[k], k) for k in KINDS],
                                     value=kind or "any", description="kind")
        c["number"] = widgets.BoundedIntText(value=0, min=0, max=10 ** 9, description="problem")
        c["new"] = widgets.Button(description="new problem", icon="refresh")
        c["check"] = widgets.Button(description="check", icon="check", button_style="primary")
        c["step"] = widgets.Button(description="next step", icon="step-forward")
        c["solution"] = widgets.Button(description="whole solution", icon="eye")
        c["answers"] = {}
        self.statement = widgets.HTMLMath()
        self.feedback = widgets.HTMLMath()
        self.solution = widgets.HTMLMath()
        self._boxes = widgets.VBox()
        self.widget = widgets.VBox([
            widgets.HBox([c["kind"], c["number"], c["new"]]), self.statement, self._boxes,
            widgets.HBox([c["check"], c["step"], c["solution"]]), self.feedback, self.solution])
        c["new"].on_click(lambda _: self.new())
        c["check"].on_click(lambda _: self.check())
        c["step"].on_click(lambda _: self.next_step())
        c["solution"].on_click(lambda _: self.reveal(len(self.problem.steps)))
        c["kind"].observe(lambda _: self.new(), names="value")
        c["number"].observe(self._number_typed, names="value")
        self.problem = None
        self.show(new_number(self._rng, kind) if number is None else number)

    def show(self, number: int) -> Problem:
        """Show problem ``number`` with empty answer boxes and the solution hidden."""
        self.problem = problem(number)
        self.shown_steps = 0
        self.controls["number"].value = self.problem.number
        self.statement.value = (f"<b>Problem {self.problem.number} · {self.problem.title}</b><br>"
                                f"{self.problem.statement}")
        boxes = {b.key: widgets.Text(placeholder="(4, 3)" if b.is_shape else "a number, e.g. -0.25",
                                     continuous_update=False) for b in self.problem.blanks}
        self.controls["answers"] = boxes
        self._boxes.children = [widgets.HBox([widgets.HTMLMath(b.label, layout=widgets.Layout(width="16em")),
                                              boxes[b.key]]) for b in self.problem.blanks]
        self.feedback.value = "Fill in the boxes, then press <i>check</i>."
        self.solution.value = ""
        return self.problem

    def _number_typed(self, change):
        if change["new"] != self.problem.number:  # show() itself sets the box to the problem on show
            self.show(change["new"])

    def new(self) -> Problem:
        """Draw a new problem (of the chosen kind) and show it."""
        kind = self.controls["kind"].value
        return self.show(new_number(self._rng, None if kind == "any" else kind))

    def check(self) -> list:
        """Check the answer boxes; show one line per blank; return the verdicts."""
        verdicts = check_answers(self.problem, {k: box.value for k, box in self.controls["answers"].items()})
        right = sum(v.ok for v in verdicts)
        lines = [f"{'✓' if v.ok else '✗'} {v.message}" for v in verdicts]
        head = ("All right!" if right == len(verdicts) else
                f"{right} of {len(verdicts)} right. Try again, or reveal the solution one step at a time.")
        self.feedback.value = "<br>".join([f"<b>{head}</b>", *lines])
        return verdicts

    def next_step(self) -> int:
        """Reveal one more step of the worked solution; return how many are shown."""
        return self.reveal(self.shown_steps + 1)

    def reveal(self, count: int) -> int:
        """Show the first ``count`` steps of the worked solution (at most all of them)."""
        steps = self.problem.steps
        self.shown_steps = max(0, min(int(count), len(steps)))
        shown = [f"<b>Step {i}.</b> {s}" for i, s in enumerate(steps[:self.shown_steps], start=1)]
        if 0 < self.shown_steps < len(steps):
            shown.append(f"<i>{len(steps) - self.shown_steps} more step(s): press next step.</i>")
        self.solution.value = "<br>".join(shown)
        return self.shown_steps

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = repr(self)
        return data

    def __repr__(self):
        return "<Practice: run the cell in Jupyter to see the problem and its answer boxes>"
