"""The engine's ``rng=`` rule: two runs with equal seeds agree, a run with another seed differs.

Tested on a small check of its own (a function drawing ``k`` numbers from the generator it is given), with
a fixture entry served in place of the files, so that the rule is shown apart from any lesson: the rule
names ``np.random`` (numpy's global generator), a new unseeded generator and a generator with a fixed seed,
and accepts a function that draws from its argument, whatever it draws.
"""

from __future__ import annotations

import numpy as np
import pytest

import helpers.checks._fixtures as store
from helpers.checks._common import call
from helpers.checks._engine import Check


def _inputs(seed, k):
    __tracebackhide__ = True
    return {"k": k, "rng": seed}


def _call(fn, i):
    __tracebackhide__ = True
    return {"draws": call(fn, "draw", i["k"], np.random.default_rng(i["rng"]))}


def _compare(name, received, expected, params):
    __tracebackhide__ = True
    assert np.shape(received) == np.shape(expected)  # any draws of the right size: the rule is under test


DRAW = Check("rng-rule", "check_draw", "draw", _inputs, _call, ("draws",), compare=_compare, rng="rng",
             hints={"rng": "use rng.standard_normal(k)"})


@pytest.fixture(autouse=True)
def _entry(monkeypatch):
    def entry(assignment, check, params, folder=None):
        return {"inputs": _inputs(**params), "expected": {"draws": np.zeros(params["k"])}}

    monkeypatch.setattr(store, "entry", entry)


def test_a_function_drawing_from_its_rng_passes():
    DRAW.verify(lambda k, rng: rng.standard_normal(k), seed=3, k=4)
    DRAW.verify(lambda k, rng: rng.permutation(k).astype(float), seed=3, k=4)


def test_numpys_global_generator_is_named():
    def global_draws(k, rng):
        return np.random.standard_normal(k)  # noqa: NPY002 (the mistake under test)

    with pytest.raises(AssertionError, match=r"different results for two generators made with the same seed.*"
                                             r"global generator.*\(use rng.standard_normal\(k\)\)"):
        DRAW.verify(global_draws, seed=3, k=4)


def test_a_new_unseeded_generator_is_named():
    with pytest.raises(AssertionError, match="different results for two generators made with the same seed"):
        DRAW.verify(lambda k, rng: np.random.default_rng().standard_normal(k), seed=3, k=4)


def test_a_generator_with_a_fixed_seed_is_named():
    with pytest.raises(AssertionError, match=r"the same result for generators made with different seeds.*"
                                             r"np.random.default_rng\(0\)"):
        DRAW.verify(lambda k, rng: np.random.default_rng(0).standard_normal(k), seed=3, k=4)


def test_a_check_without_the_rule_does_not_apply_it():
    loose = Check("rng-rule", "check_draw", "draw", _inputs, _call, ("draws",), compare=_compare)
    loose.verify(lambda k, rng: np.random.default_rng(0).standard_normal(k), seed=3, k=4)
