"""The checks of the exam-practice sheet accept right answers, diagnose each wrong one, and their answers (from
the solution notebook's fixtures) agree with centered differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fixturing import entry_for, on_demand

from coursetools.mistakes import library
from helpers.checks import exam as checks

fixtures_on_demand = on_demand("08-exam-practice")  # right answers and mistakes come from the solution notebook

SEEDS = [None, 0, 1, 5, 99]
A = "08-exam-practice"


def shapes(n, k, m, *, wrong=None):
    out = {"W1": (k, n), "b1": (k, 1), "Z": (k, m), "A": (k, m), "w2": (1, k), "y_hat": (1, m),
           "dy_hat": (1, m), "dw2": (1, k), "db2": (), "dA": (k, m), "dZ": (k, m), "dW1": (k, n), "db1": (k, 1)}
    out.update(wrong or {})
    return out


def one_step(w, b, x, y, learning_rate):
    d = 2 * (w * x + b - y)
    return w - learning_rate * d * x, b - learning_rate * d


def dL_dz(z, y):
    return 1 / (1 + math.exp(-z)) - y


def differences(x, eps):
    return ((x + eps) ** 3 - x ** 3) / eps, ((x + eps) ** 3 - (x - eps) ** 3) / (2 * eps)


def fan_out(x, y, z):
    return (x + y) * x * z, 2 * x * z + y * z, x * z, x * (x + y)


def softmax_ce(z, label):
    p = np.exp(z) / np.sum(np.exp(z))
    onehot = np.eye(z.shape[0])[:, [label]]
    return -math.log(p[label, 0]), p - onehot


def activation_backward(Z, dA):
    return {"relu": np.where(Z > 0, dA, 0.0), "tanh": dA / np.cosh(Z) ** 2}


def l2_step(w, dw, lam, m, learning_rate):
    return (1 - learning_rate * lam / m) * w - learning_rate * dw


def momentum_by_hand(theta, v, g, learning_rate, beta):
    v = beta * v - learning_rate * g
    return v, theta + v


def adam_bias_correction(v, s, g, t, beta1, beta2):
    return ((beta1 * v + (1 - beta1) * g) / (1 - beta1 ** t), (beta2 * s + (1 - beta2) * g * g) / (1 - beta2 ** t))


def rows_backward(X, W, dout):
    return np.einsum("nh,dh->nd", dout, W), np.einsum("nd,nh->dh", X, dout), dout.sum(axis=0)


def bug_line():
    return 2


def true_false():
    return {"a": False, "b": True, "c": True, "d": False}


RIGHT = {"one_step": one_step, "dL_dz": dL_dz, "differences": differences, "fan_out": fan_out,
         "softmax_ce": softmax_ce, "activation_backward": activation_backward, "l2_step": l2_step,
         "momentum_by_hand": momentum_by_hand, "adam_bias_correction": adam_bias_correction,
         "rows_backward": rows_backward}
CHECKS = {"one_step": [checks.check_one_step], "dL_dz": [checks.check_dL_dz],
          "differences": [checks.check_differences],
          "fan_out": [checks.check_fan_out_forward, checks.check_fan_out_backward],
          "softmax_ce": [checks.check_softmax_ce],
          "activation_backward": [checks.check_activation_backward_relu, checks.check_activation_backward_tanh],
          "l2_step": [checks.check_l2_step], "momentum_by_hand": [checks.check_momentum_by_hand],
          "adam_bias_correction": [checks.check_adam_bias_correction], "rows_backward": [checks.check_rows_backward]}


def stub(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("seed", SEEDS)
def test_checks_accept_right_answers(seed, capsys):
    """Every check passes a right answer written differently from the solution, for the sheet's numbers and
    for seeded ones."""
    checks.check_shapes(shapes, part="forward", seed=seed)
    checks.check_shapes(shapes, part="backward", seed=seed)
    count = 2
    for exercise, fns in CHECKS.items():
        for check in fns:
            check(RIGHT[exercise], seed=seed)
            count += 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == count and all(line.startswith("✓ ") for line in lines), lines


def test_every_check_of_the_module_is_exercised():
    """The tests here cover every check the module declares."""
    covered = {c.__name__ for fns in CHECKS.values() for c in fns} | {"check_shapes"}
    assert covered == set(checks.CHECKS)


def test_hidden_seeds_change_the_question():
    """A hard-coded answer to the visible question (the right function at the sheet's numbers, whatever its
    arguments) passes the visible check and fails a seeded one (other numbers, other sizes)."""
    for exercise, fns in CHECKS.items():
        for check in fns:
            visible = entry_for(A, check.__name__, {"seed": None})["inputs"]
            answer = RIGHT[exercise](*visible.values())

            def memorised(*args, answer=answer):
                return answer
            check(memorised)
            with pytest.raises(AssertionError):
                check(memorised, seed=3)
    with pytest.raises(AssertionError):
        checks.check_shapes(lambda n, k, m: shapes(3, 4, 5), seed=3)


@pytest.mark.parametrize("check", [lambda f: checks.check_shapes(f)] + [c for fns in CHECKS.values() for c in fns]
                         + [lambda f: checks.check_choice(f, options=(1, 2))])
def test_a_stub_raises_not_implemented(check):
    """An unanswered question fails at its stub."""
    with pytest.raises(NotImplementedError):
        check(stub)


# --------------------------------------------------------------------------- the mistake library

MISTAKES = [m for m in library("exam")]


def test_the_library_has_mistakes_for_every_numeric_question():
    """Each numeric question has at least two wrong implementations in coursetools/mistakes/exam.py."""
    per = {e: sum(m.exercise == e for m in MISTAKES) for e in CHECKS}
    assert all(n >= 2 for n in per.values()), per


@pytest.mark.parametrize("wrong", MISTAKES, ids=lambda m: m.function)
def test_every_mistake_is_caught_by_the_visible_tests_and_named(wrong):
    """Each wrong implementation fails one of its question's visible checks, whose message names it."""
    fn = wrong.compile({"np": np, "math": math})
    messages = []
    for check in CHECKS[wrong.exercise]:
        try:
            check(fn)
        except AssertionError as exc:
            messages.append(str(exc))
    assert messages, f"{wrong.function} passes every visible check of {wrong.exercise}"
    texts = [wrong.message] if isinstance(wrong.message, str) else list(wrong.message.values())
    assert any(text in msg for text in texts for msg in messages), (wrong.function, messages)


# --------------------------------------------------------------- the sheet's answers vs centered differences

def _centered(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solutions_gradients_match_centered_differences(seed):
    """fan_out, softmax_ce, activation_backward and rows_backward of the solution notebook (the fixtures'
    expected values) agree with centered differences in float64."""
    e = entry_for(A, "check_fan_out_backward", {"seed": seed})
    x, y, z = (e["inputs"][k] for k in "xyz")
    f = lambda x, y, z: (x + y) * (x * z)  # noqa: E731
    assert np.isclose(e["expected"]["df_dx"], _centered(lambda t: f(t, y, z), x), rtol=1e-7)
    assert np.isclose(e["expected"]["df_dy"], _centered(lambda t: f(x, t, z), y), rtol=1e-7)
    assert np.isclose(e["expected"]["df_dz"], _centered(lambda t: f(x, y, t), z), rtol=1e-7)

    e = entry_for(A, "check_softmax_ce", {"seed": seed})
    scores, label = e["inputs"]["z"], e["inputs"]["label"]

    def loss(s):
        return float(np.log(np.sum(np.exp(s))) - s[label, 0])
    assert np.isclose(e["expected"]["L"], loss(scores), rtol=1e-12)
    for i in range(scores.shape[0]):
        step = np.zeros_like(scores)
        step[i] = 1e-6
        assert np.isclose(e["expected"]["dz"][i, 0], (loss(scores + step) - loss(scores - step)) / 2e-6, atol=1e-8)

    for part, g in (("relu", lambda t: np.maximum(t, 0)), ("tanh", np.tanh)):
        e = entry_for(A, f"check_activation_backward_{part}", {"seed": seed})
        Z, dA = e["inputs"]["Z"], e["inputs"]["dA"]
        np.testing.assert_allclose(e["expected"][f"dZ_{part}"], dA * _centered(g, Z), rtol=1e-6, atol=1e-9)

    e = entry_for(A, "check_rows_backward", {"seed": seed})
    X, W, dout = e["inputs"]["X"], e["inputs"]["W"], e["inputs"]["dout"]
    b = np.zeros(W.shape[1])
    for name, array, fn in (("dX", X, lambda X_: np.sum((X_ @ W + b) * dout)),
                            ("dW", W, lambda W_: np.sum((X @ W_ + b) * dout)),
                            ("db", b, lambda b_: np.sum((X @ W + b_) * dout))):
        np.testing.assert_allclose(e["expected"][name], _numeric_gradient(fn, array), rtol=1e-6, atol=1e-8)


def _numeric_gradient(fn, array, eps=1e-6):
    """Centered differences of the number fn(array) with respect to each entry of array."""
    numeric = np.zeros_like(array)
    for idx in np.ndindex(array.shape):
        step = np.zeros_like(array)
        step[idx] = eps
        numeric[idx] = (fn(array + step) - fn(array - step)) / (2 * eps)
    return numeric


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solutions_steps_follow_their_update_rules(seed):
    """l2_step is a step on loss + (λ/2m) w² (its gradient by centered differences); Adam's corrected means and
    the momentum step follow lesson 6's formulas."""
    i = entry_for(A, "check_l2_step", {"seed": seed})
    w, dw, lam, m, lr = (i["inputs"][k] for k in ("w", "dw", "lam", "m", "learning_rate"))
    penalty = _centered(lambda t: lam / (2 * m) * t * t, w)
    assert np.isclose(i["expected"]["w_new"], w - lr * (dw + penalty), rtol=1e-8)
    i = entry_for(A, "check_adam_bias_correction", {"seed": seed})
    got = adam_bias_correction(*(i["inputs"][k] for k in ("v", "s", "g", "t", "beta1", "beta2")))
    assert np.allclose([i["expected"]["v_hat"], i["expected"]["s_hat"]], got, rtol=1e-12)
    i = entry_for(A, "check_momentum_by_hand", {"seed": seed})
    got = momentum_by_hand(*(i["inputs"][k] for k in ("theta", "v", "g", "learning_rate", "beta")))
    assert np.allclose([i["expected"]["v_new"], i["expected"]["theta_new"]], got, rtol=1e-12)


def test_the_sheets_questions_have_the_worked_answers():
    """The numbers worked out in the sheet's questions are the fixtures' expected values."""
    def expected(check):
        return entry_for(A, check, {"seed": None})["expected"]
    assert expected("check_fan_out_backward") == {"df_dx": 9.0, "df_dy": 6.0, "df_dz": 2.0}
    assert expected("check_fan_out_forward") == {"f": 6.0}
    assert np.isclose(expected("check_l2_step")["w_new"], 1.93)
    assert np.allclose(list(expected("check_momentum_by_hand").values()), [0.25, 1.25])
    assert np.isclose(expected("check_adam_bias_correction")["v_hat"], 2.0)
    assert np.allclose(expected("check_one_step")["(w_new, b_new)"], [1.4, 0.2])
    assert np.isclose(expected("check_dL_dz")["dL_dz"], -0.5)


# --------------------------------------------------------------------------- shapes and choices

@pytest.mark.parametrize("part, wrong, message", [
    ("forward", {"Z": (5, 4)}, r"\['Z'\] is \(5, 4\), expected \(4, 5\): it is transposed"),
    ("forward", {"y_hat": (5,)}, r"\['y_hat'\] is \(5,\), expected \(1, 5\): one prediction per example"),
    ("forward", {"b1": 4}, r"should be a tuple of sizes"),
    ("backward", {"dW1": (4, 5)}, r"\['dW1'\] is \(4, 5\), expected \(4, 3\): a gradient has the shape of its "
                                  r"parameter: dW1 has the shape of W1"),
    ("backward", {"db2": (1, 1)}, r"\['db2'\] is \(1, 1\), expected \(\)"),
    ("backward", {"dZ": (1, 5)}, r"dZ = ∂L/∂Z has the shape of Z"),
])
def test_shape_mistakes_are_explained(part, wrong, message):
    """A wrong shape names the array, both shapes and the reason."""
    with pytest.raises(AssertionError, match=message):
        checks.check_shapes(lambda n, k, m: shapes(n, k, m, wrong=wrong), part=part)


def test_shapes_parts_are_graded_separately_and_missing_keys_named(capsys):
    """A wrong backward shape does not cost the forward part; a missing key is named."""
    checks.check_shapes(lambda n, k, m: shapes(n, k, m, wrong={"dW1": (1, 1)}), part="forward")
    assert capsys.readouterr().out.startswith("✓")
    with pytest.raises(AssertionError, match="has no key 'dA'"):
        checks.check_shapes(lambda n, k, m: {k_: v for k_, v in shapes(n, k, m).items() if k_ != "dA"},
                            part="backward")
    with pytest.raises(ValueError, match="part: expected 'forward' or 'backward', received 'both'"):
        checks.check_shapes(shapes, part="both")


def test_choices_check_the_form_visibly_and_the_answer_when_told(capsys):
    """A choice outside the options, or of the wrong type (1 for True), fails; a wrong choice fails only when the
    (hidden) expected answer is given."""
    checks.check_choice(bug_line, options=(1, 2, 3, 4))
    checks.check_choice(bug_line, options=(1, 2, 3, 4), expected=2)
    checks.check_choice(lambda: 3, options=(1, 2, 3, 4))  # the visible test cannot tell
    with pytest.raises(AssertionError, match="not the right choice"):
        checks.check_choice(lambda: 3, options=(1, 2, 3, 4), expected=2)
    with pytest.raises(AssertionError, match="expected one of 1, 2, 3, 4"):
        checks.check_choice(lambda: "2", options=(1, 2, 3, 4))
    for item in "abcd":
        checks.check_choice(true_false, key=item, options=(True, False), expected=true_false()[item])
    with pytest.raises(AssertionError, match=r"\(\)\[.a.\] is 0, expected one of True, False"):
        checks.check_choice(lambda: {"a": 0}, key="a", options=(True, False))
    with pytest.raises(AssertionError, match="should return a dict with the key 'b'"):
        checks.check_choice(lambda: {"a": True}, key="b", options=(True, False))
    assert capsys.readouterr().out.count("✓") == 7
