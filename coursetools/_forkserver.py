"""Imported by the grading pool's forkserver (:func:`coursetools.pool.context`): sets it up there, and only there.

In the forkserver, ``grade`` has named itself (its pid in ``COURSETOOLS_GRADE_PID``) as this process's parent:
the forkserver then gets its own process group, and SIGKILL when ``grade`` dies. Imported anywhere else
(a doctest collector, a reader), it does nothing.
"""

import os

from .pool import PARENT_VAR, forkserver_setup

if os.environ.get(PARENT_VAR) == str(os.getppid()):
    forkserver_setup()
