"""Computational graphs of single numbers: forward values, local derivatives, backward gradients.

A :class:`Value` holds one number (``data``), the gradient of the final output
with respect to it (``grad``), the nodes it was computed from (``parents``) and,
for each parent, the **local derivative** of this node with respect to that
parent, worked out during the forward pass. Each operation's backward rule
is therefore written right beside its forward rule:

=====================  ====================  ==========================================
operation              forward               local derivatives
=====================  ====================  ==========================================
``a + b``              ``a + b``             ``1``, ``1``
``a - b``              ``a - b``             ``1``, ``-1``
``-a``                 ``-a``                ``-1``
``a * b``              ``a b``               ``b``, ``a``
``a / b``              ``a / b``             ``1 / b``, ``-a / b²``
``a ** p`` (p fixed)   ``a^p``               ``p a^(p-1)``
``a.exp()``            ``e^a``               ``e^a``
``a.log()``            ``ln a``              ``1 / a``
``a.sigmoid()``        ``σ(a)``              ``σ(a) (1 - σ(a))``
``a.tanh()``           ``tanh a``            ``1 - tanh² a``
``a.relu()``           ``max(a, 0)``         ``1`` if ``a > 0`` else ``0``
``a.bce(y)``           ``-(y ln a +``        ``(a - y) / (a (1 - a))``
                       ``(1-y) ln(1-a))``
=====================  ====================  ==========================================

:meth:`Value.backward` sets the output's gradient to 1 and visits the nodes in
reverse topological order, adding ``local derivative × gradient of the child``
to each parent's gradient: the chain rule, summed over every path.

:func:`logistic_regression_graph` and :func:`two_layer_graph` build the two
graphs of lesson 5 on one example, and :func:`draw_graph` draws any graph with
matplotlib (a layered layout computed here: no graphviz), writing on every node
its operation, its forward value and its gradient.

Examples
--------
>>> x, y = Value(2.0, "x"), Value(-3.0, "y")
>>> f = x * y + x
>>> f.backward()
>>> f.data, x.grad, y.grad
(-4.0, -2.0, 2.0)
"""

from __future__ import annotations

import math
import numbers

from ._validate import check_scalar

__all__ = [
    "Value",
    "draw_graph",
    "gradients",
    "logistic_regression_graph",
    "topological_order",
    "two_layer_graph",
]


class Value:
    """One number in a computational graph.

    Parameters
    ----------
    data : float
        The forward value.
    label : str
        A name to draw on the node, e.g. ``"w1"`` (may be empty).

    Attributes
    ----------
    data : float
        The forward value.
    grad : float
        ∂(output)/∂(this node) after :meth:`backward` was called on the output; 0 before.
    parents : tuple of Value
        The inputs of the operation that made this node (empty for an input).
    local : tuple of float
        ``local[i]`` is ∂(this node)/∂(parents[i]) at the forward values.
    op : str
        The operation that made this node (``""`` for an input).
    """

    __slots__ = ("data", "grad", "label", "local", "op", "parents")

    def __init__(self, data, label: str = "", *, parents=(), local=(), op: str = ""):
        self.data = check_scalar(label or "data", data)
        self.grad = 0.0
        self.label = str(label)
        self.parents = tuple(parents)
        self.local = tuple(float(d) for d in local)
        self.op = op

    def __repr__(self):
        name = f"{self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # --- operations: each forward rule with its local derivatives ----------------------------------

    def __add__(self, other):
        other = _as_value(other)
        return Value(self.data + other.data, parents=(self, other), local=(1.0, 1.0), op="+")

    def __mul__(self, other):
        other = _as_value(other)
        return Value(self.data * other.data, parents=(self, other), local=(other.data, self.data), op="×")

    def __sub__(self, other):
        other = _as_value(other)
        return Value(self.data - other.data, parents=(self, other), local=(1.0, -1.0), op="−")

    def __neg__(self):
        return Value(-self.data, parents=(self,), local=(-1.0,), op="neg")

    def __truediv__(self, other):
        other = _as_value(other)
        if other.data == 0:
            raise ZeroDivisionError(f"division by a node whose value is 0 ({other!r})")
        return Value(self.data / other.data, parents=(self, other),
                     local=(1.0 / other.data, -self.data / other.data ** 2), op="÷")

    def __pow__(self, p):
        p = check_scalar("p (the exponent)", p)
        if self.data <= 0 and not float(p).is_integer():
            raise ValueError(f"a ** p: expected a > 0 for the non-integer exponent p = {p}, received a = {self.data}")
        return Value(self.data ** p, parents=(self,), local=(p * self.data ** (p - 1),), op=f"^{p:g}")

    def exp(self):
        e = math.exp(self.data)
        return Value(e, parents=(self,), local=(e,), op="exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log(a): expected a > 0, received a = {self.data}")
        return Value(math.log(self.data), parents=(self,), local=(1.0 / self.data,), op="log")

    def sigmoid(self):
        s = _sigmoid(self.data)
        return Value(s, parents=(self,), local=(s * (1.0 - s),), op="σ")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, parents=(self,), local=(1.0 - t * t,), op="tanh")

    def relu(self):
        return Value(max(self.data, 0.0), parents=(self,), local=(1.0 if self.data > 0 else 0.0,), op="relu")

    def bce(self, y):
        """Binary cross-entropy ``-(y ln a + (1 - y) ln(1 - a))`` of this node ``a`` against a label ``y``.

        ``y`` is a fixed number in [0, 1] (not a node: nothing is learned about it).
        """
        y = check_scalar("y", y)
        if not 0.0 <= y <= 1.0:
            raise ValueError(f"y: expected a label between 0 and 1, received {y}")
        a = self.data
        if not 0.0 < a < 1.0:
            raise ValueError(f"bce(a, y): expected 0 < a < 1 (a sigmoid's output), received a = {a}")
        loss = -(y * math.log(a) + (1.0 - y) * math.log1p(-a))
        return Value(loss, parents=(self,), local=((a - y) / (a * (1.0 - a)),), op=f"BCE(y={y:g})")

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return _as_value(other) - self

    def __rtruediv__(self, other):
        return _as_value(other) / self

    # --- backward ----------------------------------------------------------------------------------

    def backward(self) -> None:
        """Fill every node's ``grad`` with ∂(this node)/∂(that node), by the chain rule.

        Gradients are reset to 0 first, so calling it twice gives the same answer.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local):
                parent.grad += local * node.grad


def _as_value(x):
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(x, label=f"{float(x):g}")
    raise TypeError(f"expected a Value or a number, received {type(x).__name__} {x!r:.60}")


def _sigmoid(z):
    # σ(z) = (1 + tanh(z/2)) / 2, which never overflows
    return 0.5 * (1.0 + math.tanh(0.5 * z))


def topological_order(root: Value) -> list:
    """Every node that ``root`` depends on, each after all of its parents; ``root`` comes last."""
    if not isinstance(root, Value):
        raise TypeError(f"root: expected a Value, received {type(root).__name__}")
    order, seen, stack = [], set(), [(root, False)]
    while stack:  # depth-first, without recursion (graphs can be deep)
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
    return order


def gradients(nodes: dict) -> dict:
    """``{name: node.grad}`` for a dict of named nodes (after ``backward``)."""
    return {name: node.grad for name, node in nodes.items()}


# --- the two graphs of lesson 5 -----------------------------------------------------------------------

def logistic_regression_graph(x, w, b, y) -> dict:
    """Logistic regression on one example, as a graph, after its forward and backward passes.

    ``z = w1 x1 + ... + wn xn + b``, ``a = σ(z)``, ``L = -(y ln a + (1 - y) ln(1 - a))``.

    Parameters
    ----------
    x : sequence of n floats
        The example's features (one column of ``X``).
    w : sequence of n floats
        The weights (the row ``w`` of shape (1, n)).
    b : float
        The bias.
    y : float
        The label, 0 or 1 (any number in [0, 1] is accepted).

    Returns
    -------
    dict of str to Value
        ``"x1"..``, ``"w1"..``, ``"b"``, ``"z"``, ``"a"`` and ``"L"``; every
        node's ``grad`` holds ∂L/∂(node).

    Examples
    --------
    >>> g = logistic_regression_graph([1.0, 2.0], [0.5, -0.25], 0.0, 1.0)
    >>> g["a"].data, g["z"].grad, g["b"].grad
    (0.5, -0.5, -0.5)
    """
    x, w = _numbers("x", x), _numbers("w", w)
    if len(x) != len(w):
        raise ValueError(f"w: expected {len(x)} weights, one per feature of x, received {len(w)}")
    nodes = {}
    z = None
    for i, (xi, wi) in enumerate(zip(x, w), start=1):
        nodes[f"w{i}"], nodes[f"x{i}"] = Value(wi, f"w{i}"), Value(xi, f"x{i}")
        term = nodes[f"w{i}"] * nodes[f"x{i}"]
        z = term if z is None else z + term
    return _sigmoid_output(nodes, z, "b", b, y)


def two_layer_graph(x, W1, b1, w2, b2, y) -> dict:
    """A two-layer perceptron classifier on one example, as a graph, after forward and backward.

    ``z_j = W1[j, 0] x1 + W1[j, 1] x2 + ... + b1[j]`` and ``h_j = σ(z_j)`` for each
    hidden unit ``j``; ``z_out = w2[0] h_1 + ... + b2``, ``a = σ(z_out)``, ``L`` the
    binary cross-entropy of ``a`` against ``y``.

    Parameters
    ----------
    x : sequence of n floats
        The example's features.
    W1 : sequence of k sequences of n floats
        First-layer weights, shape (k, n).
    b1 : sequence of k floats
        First-layer biases (the column ``b1`` of shape (k, 1)).
    w2 : sequence of k floats
        Output weights (the row ``w2`` of shape (1, k)).
    b2 : float
        Output bias.
    y : float
        The label, 0 or 1.

    Returns
    -------
    dict of str to Value
        Inputs ``"x1"..``; parameters ``"W1[j,i]"``, ``"b1[j]"``, ``"w2[j]"``, ``"b2"`` (indices
        from 0, as in numpy); ``"z1"..``, ``"h1"..`` (hidden units from 1), ``"z"``, ``"a"``, ``"L"``.

    Examples
    --------
    >>> g = two_layer_graph([1.0, -1.0], [[0.5, 0.5], [1.0, -1.0]], [0.0, 0.0], [1.0, -1.0], 0.0, 1.0)
    >>> round(g["h2"].data, 4), round(g["L"].data, 4)
    (0.8808, 0.9016)
    """
    x, b1, w2 = _numbers("x", x), _numbers("b1", b1), _numbers("w2", w2)
    rows = [_numbers(f"W1[{j}]", row) for j, row in enumerate(W1)]
    k, n = len(rows), len(x)
    if any(len(row) != n for row in rows):
        raise ValueError(f"W1: expected shape (k, n) = ({k}, {n}), received rows of lengths "
                         f"{[len(r) for r in rows]}")
    if len(b1) != k or len(w2) != k:
        raise ValueError(f"b1 and w2: expected {k} entries each (one per hidden unit, the rows of W1), "
                         f"received {len(b1)} and {len(w2)}")
    nodes = {f"x{i + 1}": Value(xi, f"x{i + 1}") for i, xi in enumerate(x)}
    out = None
    for j in range(k):
        z = None
        for i in range(n):
            wij = nodes[f"W1[{j},{i}]"] = Value(rows[j][i], f"W1[{j},{i}]")
            term = wij * nodes[f"x{i + 1}"]
            z = term if z is None else z + term
        bj = nodes[f"b1[{j}]"] = Value(b1[j], f"b1[{j}]")
        zj = nodes[f"z{j + 1}"] = _named(z + bj, f"z{j + 1}")
        hj = nodes[f"h{j + 1}"] = _named(zj.sigmoid(), f"h{j + 1}")
        vj = nodes[f"w2[{j}]"] = Value(w2[j], f"w2[{j}]")
        term = vj * hj
        out = term if out is None else out + term
    return _sigmoid_output(nodes, out, "b2", b2, y)


def _sigmoid_output(nodes, total, bias, b, y):
    # The output unit both graphs end with: z = total + bias, a = σ(z), L = bce(a, y); then backward.
    nodes[bias] = Value(b, bias)
    nodes["z"] = _named(total + nodes[bias], "z")
    nodes["a"] = _named(nodes["z"].sigmoid(), "a")
    nodes["L"] = _named(nodes["a"].bce(y), "L")
    nodes["L"].backward()
    return nodes


def _named(node, label):
    node.label = label
    return node


def _numbers(name, values):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name}: expected a sequence of numbers, received {type(values).__name__}")
    return [check_scalar(f"{name}[{i}]", v) for i, v in enumerate(values)]


# --- drawing ------------------------------------------------------------------------------------------

def _layers(order):
    """Column of each node: its longest path from an input; inputs sit just left of their first use."""
    depth = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    children = {}
    for node in order:
        for p in node.parents:
            children.setdefault(id(p), []).append(node)
    for node in order:
        if not node.parents and id(node) in children:
            depth[id(node)] = min(depth[id(c)] for c in children[id(node)]) - 1
    return depth


def draw_graph(root: Value, *, ax=None, show_grad: bool = True, fontsize: float = 8.0,
               title: str | None = None) -> dict:
    """Draw the graph that computed ``root``, left (inputs) to right (``root``).

    Each node is a box with its name or operation, its forward value and,
    when ``show_grad``, its gradient ``∂root/∂node`` (call ``root.backward()``
    first). Each arrow goes from an operation's input to its result and is
    labelled with the local derivative.

    Parameters
    ----------
    root : Value
        The output of the graph, e.g. the loss.
    ax : matplotlib Axes, optional
        Where to draw; a new figure sized to the graph is made when None.
    show_grad : bool
        Write the gradients (False draws the forward pass alone).
    fontsize : float
        Size of the text in the boxes.
    title : str, optional
        The axes' title.

    Returns
    -------
    dict of str to list
        ``"nodes"``: the text artists, one per node, in topological order;
        ``"edges"``: the arrow artists; ``"locals"``: the local-derivative labels.
    """
    order = topological_order(root)
    depth = _layers(order)
    columns = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    n_cols = max(columns) + 1
    n_rows = max(len(c) for c in columns.values())
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(max(4.0, 1.6 * n_cols), max(2.5, 0.95 * n_rows)))
    children = {}
    for node in order:
        for p in node.parents:
            children.setdefault(id(p), []).append(node)
    where = {}
    for col in sorted(columns, reverse=True):  # right to left: each node near the nodes it feeds
        nodes = columns[col]
        rank = {id(node): i for i, node in enumerate(nodes)}
        placed = [[where[id(c)][1] for c in children.get(id(node), []) if id(c) in where] for node in nodes]
        keys = [-sum(ys) / len(ys) if ys else 0.0 for ys in placed]
        nodes.sort(key=lambda node, keys=keys, rank=rank: (keys[rank[id(node)]], rank[id(node)]))
        for row, node in enumerate(nodes):
            where[id(node)] = (float(col), (len(nodes) - 1) / 2.0 - row)
    drawn = {"nodes": [], "edges": [], "locals": []}
    for node in order:
        x1, y1 = where[id(node)]
        for parent, local in zip(node.parents, node.local):
            x0, y0 = where[id(parent)]
            drawn["edges"].append(ax.annotate(
                "", xy=(x1, y1), xytext=(x0, y0),
                arrowprops=dict(arrowstyle="-|>", color="0.55", lw=0.8, shrinkA=22, shrinkB=22)))
            drawn["locals"].append(ax.text(
                x0 + 0.5 * (x1 - x0), y0 + 0.5 * (y1 - y0), f"{local:.3g}", fontsize=fontsize - 1.5,
                color="tab:purple", ha="center", va="center",
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8)))
    for node in order:
        name = node.label if not node.op else (f"{node.label} = {node.op}" if node.label else node.op)
        lines = [name, f"{node.data:.4g}"]
        if show_grad:
            lines.append(f"grad {node.grad:.4g}")
        colour = "#e8f0fb" if not node.parents else "#fdf3e1"
        drawn["nodes"].append(ax.text(
            *where[id(node)], "\n".join(lines), ha="center", va="center", fontsize=fontsize,
            bbox=dict(boxstyle="round,pad=0.35", fc=colour, ec="0.4", lw=0.8)))
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(-n_rows / 2.0 - 0.1, n_rows / 2.0 + 0.1)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return drawn
