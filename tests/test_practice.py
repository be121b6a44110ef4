"""The practice generator (lesson 10): every kind's answers against an independent computation, the answer
check, the worked solutions, and the widget driven without a browser."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coursetools import notebooks as nbs
from helpers import practice
from helpers.graph import Value
from helpers.practice import KINDS, Practice, check_answers, new_number, parse_answer, problem

NUMBERS = range(240)  # 40 problems of each kind


def of_kind(kind, count=40):
    return [problem(n) for n in NUMBERS if n % len(KINDS) == KINDS.index(kind)][:count]


def answers(prob):
    return {b.key: b.value for b in prob.blanks}


def centered(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def close(got, want, rtol=1e-9, atol=1e-12):
    return abs(got - want) <= atol + rtol * abs(want)


# --- the problems --------------------------------------------------------------------------------

def test_the_number_decides_the_kind_and_reproduces_the_problem():
    """problem(n) has kind KINDS[n % 6], is the same problem every time, and numbers differ between problems."""
    for n in NUMBERS:
        assert problem(n).kind == KINDS[n % 6]
        assert problem(n) == problem(n)
    for kind in KINDS:
        statements = {p.statement for p in of_kind(kind)}
        assert len(statements) >= 30, f"{kind}: only {len(statements)} different problems in 40"
    assert len(KINDS) >= 6


def test_new_numbers_are_seeded_and_of_the_kind_asked():
    """new_number draws from the rng it is given; a kind restricts the number to that kind."""
    assert [new_number(3) for _ in range(3)] == [new_number(3) for _ in range(3)]
    gen = np.random.default_rng(0)
    assert len({new_number(gen) for _ in range(20)}) == 20
    for kind in KINDS:
        assert problem(new_number(gen, kind=kind)).kind == kind
    with pytest.raises(ValueError, match="kind: expected one of graph"):
        new_number(0, kind="matrix")
    with pytest.raises(ValueError, match="number: expected a number >= 0"):
        problem(-1)


def _graph_value(prob):
    g = prob.given
    x, y, z = Value(g["x"], "x"), Value(g["y"], "y"), Value(g["z"], "z")
    f = (x * y) * (x + z) if g["variant"] == "product" else (x * y + z).tanh() * x
    f.backward()
    return f, x, y, z


def test_graph_answers_match_the_graph_engine_and_centered_differences():
    """f and its gradients equal helpers.graph's backward pass and centered differences; x fans out."""
    variants = set()
    for prob in of_kind("graph"):
        a, g = answers(prob), prob.given
        variants.add(g["variant"])
        f, x, y, z = _graph_value(prob)
        assert close(a["f"], f.data) and close(a["df_dx"], x.grad) and close(a["df_dy"], y.grad)
        assert close(a["df_dz"], z.grad)

        def fn(x, y, z, variant=g["variant"]):
            return x * y * (x + z) if variant == "product" else math.tanh(x * y + z) * x
        x, y, z = g["x"], g["y"], g["z"]
        assert close(a["df_dx"], centered(lambda t, y=y, z=z: fn(t, y, z), x), rtol=1e-6, atol=1e-8)
        assert close(a["df_dy"], centered(lambda t, x=x, z=z: fn(x, t, z), y), rtol=1e-6, atol=1e-8)
        assert close(a["df_dz"], centered(lambda t, x=x, y=y: fn(x, y, t), z), rtol=1e-6, atol=1e-8)
        assert "fan-out" in " ".join(prob.steps).lower()
    assert variants == {"product", "tanh"}


def test_shape_answers_are_the_shapes_of_a_real_forward_and_backward_pass():
    """Every asked shape is that of the array a numpy forward and backward pass of that network makes."""
    gen = np.random.default_rng(0)
    for prob in of_kind("shapes"):
        sizes, m = prob.given["sizes"], prob.given["m"]
        arrays = {"A0": gen.normal(size=(sizes[0], m))}
        for layer in range(1, len(sizes)):
            arrays[f"W{layer}"] = gen.normal(size=(sizes[layer], sizes[layer - 1]))
            arrays[f"b{layer}"] = np.zeros((sizes[layer], 1))
            arrays[f"Z{layer}"] = arrays[f"W{layer}"] @ arrays[f"A{layer - 1}"] + arrays[f"b{layer}"]
            arrays[f"A{layer}"] = np.tanh(arrays[f"Z{layer}"])
        dA = np.ones_like(arrays[f"A{len(sizes) - 1}"])
        for layer in range(len(sizes) - 1, 0, -1):
            arrays[f"dZ{layer}"] = dA * (1 - arrays[f"A{layer}"] ** 2)
            arrays[f"dW{layer}"] = arrays[f"dZ{layer}"] @ arrays[f"A{layer - 1}"].T
            arrays[f"db{layer}"] = arrays[f"dZ{layer}"].sum(axis=1, keepdims=True)
            dA = arrays[f"W{layer}"].T @ arrays[f"dZ{layer}"]
        assert len(prob.blanks) == 4
        for blank in prob.blanks:
            assert blank.value == arrays[blank.key].shape, (prob.number, blank.key)


def _optimizer_reference(g):
    """The update from the problem's givens, with numpy arrays, written from the formulas of lesson 6."""
    theta = np.array([g["theta"]])
    grad = 2 * g["a"] * (theta - g["c"])
    out = {"g": grad[0]}
    if g["method"] == "gd":
        out["theta"] = (theta - g["learning_rate"] * grad)[0]
    elif g["method"] == "momentum":
        v = g["beta"] * np.array([g["v"]]) - g["learning_rate"] * grad
        out.update(v=v[0], theta=(theta + v)[0])
    else:
        v = g["beta1"] * np.array([g["v"]]) + (1 - g["beta1"]) * grad
        s = g["beta2"] * np.array([g["s"]]) + (1 - g["beta2"]) * np.square(grad)
        v_hat, s_hat = v / (1 - g["beta1"] ** g["t"]), s / (1 - g["beta2"] ** g["t"])
        out.update(v=v[0], s=s[0], v_hat=v_hat[0], s_hat=s_hat[0],
                   theta=(theta - g["learning_rate"] * v_hat / np.sqrt(s_hat))[0])
    return out


def test_optimizer_answers_match_the_update_rules_and_the_gradient_centered_differences():
    """Each method's answers equal the update computed with numpy; g equals a centered difference of L."""
    methods = set()
    for prob in of_kind("optimizer", 60):
        g, a = prob.given, answers(prob)
        methods.add(g["method"])
        want = _optimizer_reference(g)
        assert set(a) == set(want), (prob.number, set(a), set(want))
        for key in want:
            assert close(a[key], want[key]), (prob.number, key, a[key], want[key])
        assert close(a["g"], centered(lambda t, g=g: g["a"] * (t - g["c"]) ** 2, g["theta"]), rtol=1e-6, atol=1e-8)
        assert a["g"] != 0, "a zero gradient makes a step with nothing to compute"
    assert methods == {"gd", "momentum", "adam"}


def test_adam_bias_correction_matters_at_the_first_step():
    """At t = 1 the corrected step is η long; without the correction the answer would be judged wrong."""
    firsts = [p for p in of_kind("optimizer", 200) if p.given["method"] == "adam" and p.given["t"] == 1]
    assert firsts
    for prob in firsts:
        g, a = prob.given, answers(prob)
        assert close(abs(a["theta"] - g["theta"]), g["learning_rate"], rtol=1e-6)
        v, s = a["v"], a["s"]
        uncorrected = g["theta"] - g["learning_rate"] * v / math.sqrt(s)
        verdict = check_answers(prob, {**a, "theta": uncorrected})[-1]
        assert not verdict.ok


ACTIVATIONS = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


def test_activation_local_gradients_match_centered_differences():
    """a, da/dz (centered differences of numpy's function) and ∂L/∂z = ∂L/∂a · da/dz."""
    seen = set()
    for prob in of_kind("activation", 60):
        g, a = prob.given, answers(prob)
        seen.add(g["activation"])
        fn = ACTIVATIONS[g["activation"]]
        assert g["z"] != 0
        assert close(a["a"], float(fn(g["z"])))
        assert close(a["local"], float(centered(fn, g["z"])), rtol=1e-6, atol=1e-9)
        assert close(a["dL_dz"], g["dL_da"] * a["local"])
    assert seen == set(ACTIVATIONS)


def test_softmax_cross_entropy_answers_match_numpy_and_centered_differences():
    """L equals numpy's log-sum-exp form; each ∂L/∂z_i a centered difference; the gradient adds up to 0."""
    for prob in of_kind("softmax"):
        z, c = np.array(prob.given["z"]), prob.given["true_class"] - 1
        a = answers(prob)

        def loss(scores, c=c):
            return float(np.log(np.sum(np.exp(scores))) - scores[c])
        assert close(a["L"], loss(z))
        for i in range(3):
            e = np.zeros(3)
            e[i] = 1e-6
            assert close(a[f"dz{i + 1}"], (loss(z + e) - loss(z - e)) / 2e-6, rtol=1e-6, atol=1e-8)
        assert abs(sum(a[f"dz{i + 1}"] for i in range(3))) < 1e-12


FUNCTIONS = {"cube": (lambda x: x ** 3, lambda x: 3 * x ** 2), "exp": (np.exp, np.exp), "sin": (np.sin, np.cos),
             "log": (np.log, lambda x: 1 / x)}


def test_difference_answers_and_the_taylor_estimate_of_the_error():
    """D and f′ from numpy; the error is D − f′, and its Taylor estimate ε² f‴/6 is accepted as an answer."""
    seen = set()
    for prob in of_kind("differences", 60):
        g, a = prob.given, answers(prob)
        seen.add(g["function"])
        f, df = FUNCTIONS[g["function"]]
        x, eps = g["x"], g["eps"]
        assert close(a["D"], (f(x + eps) - f(x - eps)) / (2 * eps))
        assert close(a["exact"], float(df(x)))
        assert close(a["error"], a["D"] - a["exact"])
        assert all(v.ok for v in check_answers(prob, {**a, "error": g["taylor_error"]})), prob.number
        assert not check_answers(prob, {**a, "error": 2 * a["error"]})[2].ok  # the forward difference's order
    assert seen == set(FUNCTIONS)


@pytest.mark.parametrize("kind", KINDS)
def test_statements_are_typeset_and_worked_solutions_reach_every_answer(kind):
    """Statements and labels hold LaTeX with balanced $; each answer's value appears in the worked solution."""
    for prob in of_kind(kind, 20):
        assert prob.title == practice.TITLES[kind]
        for text in (prob.statement, *prob.steps, *(b.label for b in prob.blanks)):
            assert text.count("$") % 2 == 0 and "$" in text, text
        assert len(prob.steps) >= 2
        worked = " ".join(prob.steps)
        for blank in prob.blanks:
            shown = f"({blank.value[0]}, {blank.value[1]})" if blank.is_shape else practice._n(blank.value)
            assert shown in worked or practice._n(blank.value, 6) in worked, (prob.number, blank.key, shown)
        assert "Worked solution" in prob.markdown(solution=True) and "Worked solution" not in prob.markdown()


# --- the answer check --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_right_answers_pass_and_wrong_ones_fail_per_blank(kind):
    """The right values (also as typed text, rounded to six digits) pass; one wrong blank fails alone."""
    for prob in of_kind(kind, 20):
        right = answers(prob)
        assert all(v.ok for v in check_answers(prob, right))
        typed = {k: (str(v) if isinstance(v, tuple) else f"{v:.6g}") for k, v in right.items()}
        assert all(v.ok for v in check_answers(prob, typed)), (prob.number, check_answers(prob, typed))
        for i, blank in enumerate(prob.blanks):
            wrong = (blank.value[1] + 1, blank.value[0]) if blank.is_shape else blank.value + 0.1 + abs(blank.value)
            verdicts = check_answers(prob, {**right, blank.key: wrong})
            assert [v.ok for v in verdicts] == [j != i for j in range(len(verdicts))]
            assert verdicts[i].message.startswith(blank.label)


def test_the_check_names_flipped_signs_transposes_empty_boxes_and_unreadable_text():
    """Feedback per blank: a flipped sign and a transposed shape are named; empty or garbled text is explained."""
    prob = next(p for p in of_kind("graph") if abs(answers(p)["df_dx"]) > 0.1)
    verdict = check_answers(prob, {**answers(prob), "df_dx": -answers(prob)["df_dx"]})[1]
    assert not verdict.ok and "sign is flipped" in verdict.message
    shapes = next(p for p in of_kind("shapes") if p.blanks[-1].value[0] != p.blanks[-1].value[1])
    last = shapes.blanks[-1]
    verdict = check_answers(shapes, {**answers(shapes), last.key: f"{last.value[1]}, {last.value[0]}"})[-1]
    assert not verdict.ok and "transposed" in verdict.message
    verdicts = check_answers(prob, {"f": "", "df_dx": "abc"})
    assert "no answer yet" in verdicts[0].message
    assert "expected a number like 0.25, -1/4 or 1e-3, received 'abc'" in verdicts[1].message
    assert not any(v.ok for v in verdicts)
    with pytest.raises(ValueError, match="expected 4 answers"):
        check_answers(prob, [1.0])
    with pytest.raises(ValueError, match=r"unknown blank\(s\) \['dw'\]"):
        check_answers(prob, {"dw": 1.0})
    assert all(v.ok for v in check_answers(prob, [b.value for b in prob.blanks]))


def test_parse_answer_reads_numbers_fractions_and_shapes():
    """Decimals, fractions, a Unicode minus, exponents and shapes written three ways are read."""
    assert parse_answer("−0.5") == -0.5 and parse_answer("3/4") == 0.75 and parse_answer("1e-3") == 0.001
    assert parse_answer("(4, 3)", shape=True) == parse_answer("4x3", shape=True) == parse_answer("4,3", shape=True)
    for bad, shape in (("(4, 3, 2)", True), ("four", False), ("1/0", False), ("inf", False)):
        with pytest.raises(ValueError, match="expected"):
            parse_answer(bad, shape=shape)


def test_the_generator_answers_no_graded_exercise():
    """No public name of helpers.practice is the name of an exercise of any lesson (it holds problems, not
    solutions to the graded functions)."""
    exercises = {gid for path in nbs.solution_notebooks() for gid in nbs.stub_ids(nbs.read(path))}
    assert exercises
    assert not set(practice.__all__) & exercises
    assert not {name for name in dir(practice) if not name.startswith("_")} & exercises


# --- the widget ---------------------------------------------------------------------------------------

def _type(widget, values):
    for key, value in values.items():
        widget.controls["answers"][key].value = str(value) if isinstance(value, tuple) else f"{value:.8g}"


def test_the_widget_shows_a_problem_and_checks_typed_answers(capsys):
    """Typed right answers get "All right!"; one wrong box gets its ✗ line; nothing is printed."""
    widget = Practice(rng=0)
    prob = widget.problem
    assert f"Problem {prob.number}" in widget.statement.value and prob.statement in widget.statement.value
    assert list(widget.controls["answers"]) == [b.key for b in prob.blanks]
    _type(widget, answers(prob))
    widget.controls["check"].click()
    assert "All right!" in widget.feedback.value and "✗" not in widget.feedback.value
    first = prob.blanks[0]
    widget.controls["answers"][first.key].value = "12345"
    widget.controls["check"].click()
    assert f"{len(prob.blanks) - 1} of {len(prob.blanks)} right" in widget.feedback.value
    assert f"✗ {first.label}" in widget.feedback.value
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_the_worked_solution_is_revealed_one_step_at_a_time():
    """Nothing is shown at first; each press of next step shows one more; whole solution shows them all."""
    widget = Practice(rng=1)
    steps = widget.problem.steps
    assert widget.solution.value == ""
    widget.controls["step"].click()
    assert steps[0] in widget.solution.value and steps[1] not in widget.solution.value
    assert "more step(s)" in widget.solution.value
    widget.controls["step"].click()
    assert widget.shown_steps == 2 and steps[1] in widget.solution.value
    widget.controls["solution"].click()
    assert all(step in widget.solution.value for step in steps) and "more step" not in widget.solution.value
    widget.controls["step"].click()
    assert widget.shown_steps == len(steps)


def test_new_problems_come_from_the_seed_and_a_number_can_be_shared():
    """Two widgets with one seed draw the same problems; typing a number shows that problem, with fresh boxes."""
    one, two = Practice(rng=7), Practice(rng=7)
    for _ in range(3):
        one.controls["new"].click()
        two.controls["new"].click()
        assert one.problem == two.problem
    one.controls["step"].click()
    one.controls["answers"][one.problem.blanks[0].key].value = "1"
    one.controls["number"].value = 12
    assert one.problem == problem(12) and one.shown_steps == 0 and one.solution.value == ""
    assert all(box.value == "" for box in one.controls["answers"].values())
    assert "Problem 12 " in one.statement.value


def test_the_kind_menu_draws_problems_of_that_kind():
    """Choosing a kind shows a new problem of it at once, and every new problem after."""
    widget = Practice(rng=2)
    for kind in KINDS:
        widget.controls["kind"].value = kind
        assert widget.problem.kind == kind
        widget.controls["new"].click()
        assert widget.problem.kind == kind
        assert widget.controls["number"].value == widget.problem.number
    widget.controls["kind"].value = "any"
    assert {Practice(rng=seed).controls["kind"].value for seed in range(3)} == {"any"}  # shown, not blank
    assert len({widget.new().kind for _ in range(30)}) == len(KINDS)
    assert Practice(rng=0, kind="softmax").problem.kind == "softmax"
    with pytest.raises(ValueError, match="kind: expected one of graph"):
        Practice(kind="matrix")
    assert Practice(number=5).problem == problem(5)


def test_the_widget_displays_with_a_stable_text_form():
    """A bare widget shows its VBox; its text/plain (what nbval compares) holds no model id."""
    widget = Practice(rng=3)
    bundle = widget._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.widget.model_id
    assert bundle["text/plain"] == repr(widget) == repr(Practice(rng=4))
