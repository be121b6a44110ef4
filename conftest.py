"""pytest setup for the whole repository: nbval's kernels use the ipc transport (see coursetools.kernels).

nbval starts each notebook's kernel with a bare ``jupyter_client.KernelManager``
and no configuration, so neither a command-line option nor a Jupyter config
file reaches it; its module's ``KernelManager`` is replaced here instead.
(``tests/conftest.py`` holds the setup of the tests under ``tests/``.)
"""

from __future__ import annotations

import nbval.kernel

from coursetools.kernels import IPCKernelManager

nbval.kernel.KernelManager = IPCKernelManager

# The support modules release writes next to a later lesson's notebook (solutions/<a>/lesson04.py, see
# coursetools.release.SUPPORT) share names across folders; they are generated code, not test modules.
collect_ignore_glob = ["solutions/*/*.py"]

# `make test` runs `pytest -n auto --dist loadfile --no-loadscope-reorder`: xdist hands out whole files, in
# collection order, each worker starting with two. These files take longest (`--durations` in CI's log), so they
# come first, slowest first: otherwise a long one that starts last keeps one core busy while the other idles.
SLOW_FIRST = [
    "tests/test_notebooks.py",
    "tests/test_coursetools_grade.py",
    "tests/test_browser.py",
    "tests/test_coursetools_faults.py",
    "tests/test_coursetools_report.py",
    "tests/test_hub_browser.py",
    "tests/test_run_all.py",
    "tests/test_coursetools_diskfull.py",
    "tests/test_answer_key.py",
    "tests/test_bundle.py",
    "tests/test_coursetools_collect.py",
    "tests/test_hub.py",
]


def pytest_collection_modifyitems(config, items):
    """Put the items of the :data:`SLOW_FIRST` files first, in that order; the rest keep theirs."""
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
