"""``coursetools bundle``: the zip an instructor uploads to an LMS for one assignment.

The zip holds what a student needs and nothing an instructor keeps:

```
<assignment>/<name>.ipynb            the student version, as `make release` generated it
<assignment>/<assignment>.fixtures.json   the visible tests' fixtures (numbers only)
<assignment>/...                     any other file released next to the notebook (support files)
wheels/backprop_workbook_helpers-<version>-py3-none-any.whl   the student package, helpers only
INSTALL.txt                          how to install and open it
```

It is built from ``notebooks/<assignment>/`` (never from ``solutions/``), so no solution, hidden test,
hidden fixture or mark scheme can be in it; ``tests/test_bundle.py`` checks that, and that no function
body of an exercise's solution is in it (normalised ASTs). The wheel is built by ``pip wheel`` from a
temporary project holding a copy of ``helpers/`` only (not ``coursetools``, which holds the mistake
library and the release tooling).
"""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["bundle", "helpers_wheel"]

_PYPROJECT = """\
[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = "backprop-workbook-helpers"
version = "{version}"
description = "The student package of the Backprop Workbook: data, gradient checking, plots, feedback checks."
requires-python = ">=3.10"
dependencies = {dependencies}

[tool.setuptools.packages.find]
include = ["helpers*"]
"""

_INSTALL = """\
{assignment}: how to start
1. Install the course's student package (once per course):
       python -m pip install wheels/{wheel}
2. Open {assignment}/{notebook} in JupyterLab or Jupyter Notebook, from the {assignment} folder, and
   keep {assignment}/{fixtures} next to it: the test cells read it.
"""

_STUDENT_DEPENDENCIES = ("numpy", "matplotlib", "ipywidgets")


def helpers_wheel(out: Path, root: Path = ROOT) -> Path:
    """Build the wheel of ``helpers`` alone into ``out``; return its path."""
    root = Path(root).resolve()
    meta = importlib.metadata.metadata("backprop-workbook")
    dependencies = [d for d in meta.get_all("Requires-Dist") or [] if "extra ==" not in d
                    and d.split(">")[0].split("<")[0].split("=")[0].strip() in _STUDENT_DEPENDENCIES]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(root / "helpers", project / "helpers",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (project / "pyproject.toml").write_text(
            _PYPROJECT.format(version=meta["Version"], dependencies=repr(dependencies).replace("'", '"')),
            encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out),
                               str(project)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"building the helpers wheel failed:\n{proc.stdout}\n{proc.stderr}")
    (wheel,) = sorted(out.glob("backprop_workbook_helpers-*.whl"))
    return wheel


def bundle(assignment: str, root: Path = ROOT, out: Path | None = None, wheel: Path | None = None) -> Path:
    """Write ``<out>/<assignment>.zip`` (default ``out``: ``<root>/bundles``) for the LMS; return its path.

    ``wheel`` is a helpers wheel made by :func:`helpers_wheel` (bundling several assignments builds it once);
    by default one is built.
    """
    root = Path(root).resolve()
    released = root / "notebooks" / assignment
    notebooks = sorted(released.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no student notebook under {released}: run `coursetools release` first")
    out = Path(out) if out is not None else root / "bundles"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{assignment}.zip"
    files = [p for p in sorted(released.rglob("*")) if p.is_file()
             and not {".ipynb_checkpoints", "__pycache__"} & set(p.relative_to(released).parts)
             and not p.name.endswith(".hidden.json")]
    with tempfile.TemporaryDirectory() as tmp:
        wheel = helpers_wheel(Path(tmp), root) if wheel is None else Path(wheel)
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, f"{assignment}/{path.relative_to(released)}")
            zf.write(wheel, f"wheels/{wheel.name}")
            zf.writestr("INSTALL.txt", _INSTALL.format(assignment=assignment, wheel=wheel.name,
                                                       notebook=notebooks[0].name,
                                                       fixtures=f"{assignment}.fixtures.json"))
    return target
