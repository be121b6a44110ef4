"""nbgrader configuration for the Backprop Workbook.

`solutions/` holds the source notebooks (with solutions and hidden tests);
`notebooks/` holds the student versions that `make release` generates.
The gradebook is nbgrader's default, `gradebook.db` in the repository root; it is
git-ignored: it contains hidden tests and grades and must never be committed.
"""

import os
import tempfile
import uuid

c = get_config()  # provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "backprop-workbook"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ExecutePreprocessor.timeout = 120

# `nbgrader autograde` starts one kernel after another. They talk over Unix sockets (ZeroMQ's ipc transport)
# named after a prefix unique to this nbgrader process, not over TCP ports that a kernel starting at the same
# time elsewhere could take first ("Address already in use"). The prefix is absolute, since the kernel runs in
# the notebook's folder. Code that starts kernels concurrently in one process uses coursetools.kernels instead.
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"nbgrader-{uuid.uuid4().hex}")
