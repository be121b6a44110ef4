"""nbgrader configuration for the Backprop Workbook.

`solutions/` holds the source notebooks (with solutions and hidden tests);
`notebooks/` holds the student versions that `make release` generates.
The gradebook is nbgrader's default, `gradebook.db` in the repository root; it is
git-ignored: it contains hidden tests and grades and must never be committed.
"""

c = get_config()  # provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "backprop-workbook"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ExecutePreprocessor.timeout = 120
