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
