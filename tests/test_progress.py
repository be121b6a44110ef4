"""helpers.progress: silent by default, a bar only when asked for."""

from __future__ import annotations

import pytest

from helpers.progress import progress


def test_default_returns_the_iterable_and_writes_nothing(capfd):
    items = list(range(1000))
    assert progress(items, desc="work") is items
    assert sum(progress(iter(items), total=1000)) == sum(items)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_enabled_shows_a_bar_on_stderr(capfd):
    assert list(progress(range(5), enabled=True, desc="work")) == list(range(5))
    _, err = capfd.readouterr()
    assert "work" in err


def test_enabled_but_small_work_stays_silent(capfd):
    items = [1]
    assert progress(items, enabled=True, min_total=2) is items
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("kwargs, message", [
    (dict(enabled="yes"), "enabled: expected True or False"),
    (dict(total=-1), "total: expected a number >= 0"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        progress([1, 2], **kwargs)
