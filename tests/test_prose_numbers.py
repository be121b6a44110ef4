"""The numbers a lesson's prose quotes are the numbers its cells print (the text and the outputs cannot drift).

Every decimal number in a markdown cell of a solution notebook (two or more decimals, or scientific
notation: the kind of number that comes from a computation, not a parameter such as ``η = 0.1``) must be

* printed by a cell of that notebook or of an earlier lesson (a later lesson may quote an earlier one), but
  not by a cell whose output nbval ignores (a timing, different on every run), or
* written in a code cell's source (a parameter the code sets, a constant it uses), or
* derived in the prose itself, and listed in :data:`DERIVED` with the expression that gives it: the test
  evaluates the expression and checks the quoted number is its rounding.

nbval separately proves that the committed outputs are what the cells print today, so together the two
tests hold a quoted number to what the code computes.
"""

from __future__ import annotations

import math
import re

import pytest

from coursetools import notebooks as nbs

SOURCES = nbs.solution_notebooks()
# 0.105, 1.4979, 1.21e-2, 3e-4 (not 0.1, 2.5 or 30: parameters and small counts are not checked)
NUMBER = re.compile(r"(?<![\w.^])-?\d+\.\d{2,}(?:e[-+]?\d+)?(?!\w|\.\d)|(?<![\w.^])\d+(?:\.\d+)?e[-+]?\d+(?!\w|\.\d)")

#: Numbers the prose derives itself: (assignment, quoted number) -> the expression it is the rounding of.
DERIVED = {
    ("01-univariate", "0.25"): "0.5 ** 2",  # the noise's variance: the floor of the loss
    ("01-univariate", "1.44"): "1.2 ** 2",  # a distance growing by 20 % per step, squared
    ("02-multivariate", "0.09"): "0.3 ** 2",  # the noise's variance
    ("04-two-layer-sigmoid", "0.05"): "0.05",  # the noise's standard deviation (make_nonlinear's default)
    ("04-two-layer-sigmoid", "0.0025"): "0.05 ** 2",
    ("05-backprop-by-hand", "0.105"): "math.exp(-2) / (1 + math.exp(-2)) ** 2",  # σ'(2) = σ(2)(1 − σ(2))
    ("05-backprop-by-hand", "0.525"): "1 / (1 + math.exp(-(0.5 * 1 - 0.25 * 2 + 0.1)))",  # a = σ(w·x + b)
    ("05-backprop-by-hand", "-0.475"): "1 / (1 + math.exp(-0.1)) - 1",  # a − y
    ("05-backprop-by-hand", "1.4979"): "-(math.log(0.5) + math.log(0.1)) / 2",
    ("06-optimizers", "0.95"): "math.sqrt(0.9)",
    ("06-optimizers", "0.0025"): "0.05 ** 2",  # lesson 4's noise level
    ("06-optimizers", "0.0015"): "0.003 / 2",  # half the learning rate that makes momentum diverge
    ("06-optimizers", "0.003"): "0.003",  # the valley's divergent η (test_optimizers checks the claim)
    ("07-beyond-gradients", "0.72"): "0.72",  # the swarm's default inertia (helpers.gradient_free)
    ("07-beyond-gradients", "0.006"): "0.0064",  # the swarm's median in section 6, rounded
    ("07-beyond-gradients", "0.003"): "0.0030",  # Adam's upper quartile (printed as 0.0030), rounded
    ("08-exam-practice", "3.31"): "(1.1 ** 3 - 1) / 0.1",  # the forward difference of x³ at 1, ε = 0.1
    ("08-exam-practice", "0.31"): "(1.1 ** 3 - 1) / 0.1 - 3",  # its error
    ("08-exam-practice", "0.007"): "0.999 ** 5000",  # Adam's bias correction after 5000 steps
}


def _text(value) -> str:
    return value if isinstance(value, str) else "".join(value)


def _outputs(nb) -> str:
    """The text the cells print, but for cells tagged ``nbval-ignore-output`` (timings: they change each run)."""
    out = []
    for cell in nb.cells:
        if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
            continue
        for o in cell.get("outputs", []):
            if "text" in o:
                out.append(_text(o["text"]))
            elif "text/plain" in o.get("data", {}):
                out.append(_text(o["data"]["text/plain"]))
    return "\n".join(out)


def _quoted(nb):
    """(number, context) for every checked number in the notebook's markdown cells."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        text = cell.source.replace("−", "-")
        for match in NUMBER.finditer(text):
            yield match.group(), text[max(0, match.start() - 80):match.end() + 40].replace("\n", " ")


def _printed(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", text) is not None


def _rounds_to(number: str, value: float) -> bool:
    decimals = len(number.split("e")[0].partition(".")[2])
    if "e" in number:
        return math.isclose(float(number), value, rel_tol=10.0 ** -decimals)
    return round(value, decimals) == float(number) or abs(value - float(number)) <= 0.5 * 10.0 ** -decimals


@pytest.mark.parametrize("index", range(len(SOURCES)), ids=[p.parent.name for p in SOURCES])
def test_every_number_the_prose_quotes_is_printed_set_or_derived(index):
    """Each quoted number is in this or an earlier lesson's outputs, in the code, or derived and listed."""
    path = SOURCES[index]
    nb = nbs.read(path)
    printed = "\n".join(_outputs(nbs.read(p)) for p in SOURCES[:index + 1])
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    wrong = []
    for number, context in _quoted(nb):
        key = (path.parent.name, number)
        if key in DERIVED:
            value = eval(DERIVED[key], {"math": math})  # the expressions above, nothing else
            if not _rounds_to(number, value):
                wrong.append(f"{number} is listed as {DERIVED[key]} = {value:.6g}, which does not round to it")
        elif not (_printed(number, printed) or _printed(number, code)):
            wrong.append(f"{number} («…{context}…») is printed by no cell, set in no code cell and not in DERIVED")
    assert not wrong, f"{path.name}:\n" + "\n".join(wrong)


def test_every_derived_number_is_still_quoted():
    """DERIVED lists only numbers the prose still quotes (a stale entry would hide nothing, but mislead)."""
    quoted = {(p.parent.name, n) for p in SOURCES for n, _ in _quoted(nbs.read(p))}
    stale = sorted(set(DERIVED) - quoted)
    assert not stale, f"DERIVED lists numbers no prose quotes any more: {stale}"


def test_the_check_catches_a_drifted_number():
    """A quoted number that no cell prints is reported (the test can fail)."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("the loss ends at 0.1234."),
                                         nbformat.v4.new_code_cell("print(0.1235)")])
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.1235\n")]
    ((number, _),) = list(_quoted(nb))
    assert number == "0.1234" and not _printed(number, _outputs(nb)) and _printed("0.1235", _outputs(nb))


def test_a_timing_cell_is_no_source_of_quoted_numbers():
    """A cell whose output nbval ignores prints numbers that change on every run: none of them backs the prose."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("t", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="forward_loop: 0.003 ms per call\n")])])
    assert _printed("0.003", _outputs(nb))
    nb.cells[0].metadata["tags"] = ["nbval-ignore-output"]
    assert not _printed("0.003", _outputs(nb))
