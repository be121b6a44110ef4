"""The course's folders and gradebook, in one place, from nbgrader's own configuration.

>>> import tempfile
>>> c = Course.at(tempfile.mkdtemp())
>>> c.submitted.name, c.autograded.name, c.source.name, c.gradebook.name
('submitted', 'autograded', 'source', 'gradebook.db')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["Course"]


@dataclass(frozen=True)
class Course:
    """Where a course keeps its notebooks and grades (``nbgrader_config.py``'s ``CourseDirectory``).

    Attributes
    ----------
    root, source, submitted, autograded, feedback : Path
        Absolute folders.
    db_url : str
        The gradebook's SQLAlchemy URL.
    course_id : str
    """

    root: Path
    source: Path
    submitted: Path
    autograded: Path
    feedback: Path
    db_url: str
    course_id: str

    @classmethod
    def at(cls, root) -> Course:
        """The course whose directory is ``root`` (its ``nbgrader_config.py`` is read if there is one)."""
        from nbgrader.coursedir import CourseDirectory

        root = Path(root).resolve()
        cd = CourseDirectory(config=config(root), root=str(root))
        return cls(root=root, source=root / cd.source_directory, submitted=root / cd.submitted_directory,
                   autograded=root / cd.autograded_directory, feedback=root / cd.feedback_directory,
                   db_url=cd.db_url, course_id=cd.course_id)

    @property
    def gradebook(self) -> Path | None:
        """The gradebook's file for a SQLite URL (None for a database server)."""
        prefix = "sqlite:///"
        return Path(self.db_url[len(prefix):]) if self.db_url.startswith(prefix) else None

    def protected(self) -> list[Path]:
        """What a grading kernel must never read or write: the course folders, the gradebook, its config, git."""
        out = [self.submitted, self.autograded, self.feedback, self.source, self.root / "nbgrader_config.py",
               self.root / ".git", self.root / "gradebook.db"]
        if self.gradebook is not None:
            out.append(self.gradebook)
        return list(dict.fromkeys(out))


def config(root: Path):
    """The traitlets config of the course at ``root`` (empty without ``nbgrader_config.py``)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    if (Path(root) / "nbgrader_config.py").exists():
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    return cfg
