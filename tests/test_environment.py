"""pyproject.toml (the pip route) and environment.yml (the conda route) describe the same environment.

Both must list the same packages (the runtime dependencies plus the ``dev``
extra; names normalised; python, pip and the ``-e .`` install of the project
itself aside) with the same version ranges, and environment.yml must install
the project with ``pip: - -e .``.  Conda writes ranges as ``numpy >=1.26,<3``;
they are converted to PEP 440 and compared as ``SpecifierSet``s, so the order of
the bounds does not matter but their values do.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
ENVIRONMENT = ROOT / "environment.yml"
EDITABLE_SELF = {"-e .", "-e ./", "--editable .", "--editable=."}
NOT_PACKAGES = {"python", "pip"}  # the interpreter and the installer, not dependencies of the project


# --------------------------------------------------------------------------- parsing


def conda_spec(text: str) -> tuple[str, SpecifierSet]:
    """Split a conda dependency such as ``"numpy >=1.26,<3"`` into a normalised name and a SpecifierSet.

    Conda's ``=1.26`` and ``1.26.*`` mean "any 1.26.x" (PEP 440 ``==1.26.*``); a
    bare version means exactly that version; other operators are PEP 440's own.
    """
    match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*", text)
    if match is None:
        raise ValueError(f"not a conda dependency: {text!r}")
    name, spec = match[1], match[2].replace(" ", "")
    if "|" in spec or "[" in spec:
        raise ValueError(f"{text!r}: alternatives and build strings have no pip equivalent")
    parts = []
    for part in filter(None, spec.split(",")):
        if re.fullmatch(r"=[^=].*", part):  # conda's fuzzy "=1.26"
            part = "==" + part[1:].rstrip(".*") + ".*"
        elif re.fullmatch(r"[0-9][^<>=!~]*", part):  # a bare version: "1.26.*" or "1.26.1"
            part = "==" + part
        parts.append(part)
    return canonicalize_name(name), SpecifierSet(",".join(parts))


def pip_requirements(pyproject: dict) -> dict[str, SpecifierSet]:
    """Runtime dependencies and the ``dev`` extra of a parsed pyproject.toml, by normalised name."""
    project = pyproject["project"]
    texts = list(project.get("dependencies", [])) + list(project.get("optional-dependencies", {}).get("dev", []))
    return _by_name(((canonicalize_name(r.name), r.specifier) for r in map(Requirement, texts)), "pyproject.toml")


def conda_requirements(environment: dict) -> dict[str, SpecifierSet]:
    """Conda and pip dependencies of a parsed environment.yml, by normalised name, without python, pip, ``-e .``."""
    entries = []
    for dep in environment["dependencies"]:
        if isinstance(dep, dict):
            for text in dep.get("pip", []):
                if text.strip() not in EDITABLE_SELF:
                    req = Requirement(text)
                    entries.append((canonicalize_name(req.name), req.specifier))
        else:
            entries.append(conda_spec(str(dep)))
    return _by_name(((n, s) for n, s in entries if n not in NOT_PACKAGES), "environment.yml")


def _by_name(pairs, where):
    out = {}
    for name, spec in pairs:
        if name in out:
            raise ValueError(f"{where} lists {name} twice")
        out[name] = spec
    return out


def disagreements(pip: dict[str, SpecifierSet], conda: dict[str, SpecifierSet]) -> list[str]:
    """Every way the two requirement sets differ, one sentence each (empty when they agree)."""
    problems = [f"{name} is in pyproject.toml ({pip[name] or 'any version'}) but not in environment.yml"
                for name in sorted(pip.keys() - conda.keys())]
    problems += [f"{name} is in environment.yml ({conda[name] or 'any version'}) but not in pyproject.toml"
                 for name in sorted(conda.keys() - pip.keys())]
    problems += [f"{name}: pyproject.toml says '{pip[name]}', environment.yml says '{conda[name]}'"
                 for name in sorted(pip.keys() & conda.keys()) if pip[name] != conda[name]]
    return problems


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment():
    return yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- the repository's two files


def test_both_files_exist():
    """The pip route and the conda route are both present."""
    assert PYPROJECT.is_file()
    assert ENVIRONMENT.is_file()


def test_environment_yml_installs_the_project_with_pip_editable(environment):
    """environment.yml lists pip and, under it, `-e .`, so `import helpers` works in the conda env."""
    deps = environment["dependencies"]
    plain = {conda_spec(d)[0] for d in deps if isinstance(d, str)}
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert "pip" in plain, "environment.yml: a `pip:` section needs `pip` itself among the dependencies"
    assert len(pip_sections) == 1, f"environment.yml: expected one `pip:` section, found {len(pip_sections)}"
    assert "-e ." in [entry.strip() for entry in pip_sections[0]]


def test_same_packages_and_version_ranges(pyproject, environment):
    """Every package of pyproject.toml (runtime + dev) is in environment.yml with the same range, and vice versa."""
    pip, conda = pip_requirements(pyproject), conda_requirements(environment)
    assert len(pip) > 5  # the parser found the dependency lists
    problems = disagreements(pip, conda)
    assert problems == [], "pyproject.toml and environment.yml disagree:\n" + "\n".join(problems)


def test_same_python_version(pyproject, environment):
    """environment.yml's python matches requires-python."""
    pythons = [conda_spec(d)[1] for d in environment["dependencies"]
               if isinstance(d, str) and conda_spec(d)[0] == "python"]
    assert pythons == [SpecifierSet(pyproject["project"]["requires-python"])]


# --------------------------------------------------------------------------- the comparison itself can fail

AGREEING = {"numpy": SpecifierSet(">=1.26,<3"), "pyyaml": SpecifierSet(">=6")}


@pytest.mark.parametrize("conda, problem", [
    ({"numpy": SpecifierSet(">=1.26,<3")}, "pyyaml is in pyproject.toml (>=6) but not in environment.yml"),
    (AGREEING | {"scipy": SpecifierSet(">=1.11")},
     "scipy is in environment.yml (>=1.11) but not in pyproject.toml"),
    (AGREEING | {"numpy": SpecifierSet(">=1.27,<3")},
     "numpy: pyproject.toml says '<3,>=1.26', environment.yml says '<3,>=1.27'"),
    (AGREEING | {"numpy": SpecifierSet(">=1.26")},
     "numpy: pyproject.toml says '<3,>=1.26', environment.yml says '>=1.26'"),
    (AGREEING | {"pyyaml": SpecifierSet("")}, "pyyaml: pyproject.toml says '>=6', environment.yml says ''"),
])
def test_disagreements_are_reported(conda, problem):
    """A missing package, an extra one, a different bound or a missing bound is one sentence each."""
    assert disagreements(AGREEING, conda) == [problem]


def test_the_order_of_bounds_does_not_matter():
    """'<3,>=1.26' and '>=1.26,<3' are the same range."""
    assert disagreements(AGREEING, {"numpy": SpecifierSet("<3,>=1.26"), "pyyaml": SpecifierSet(">=6.0")}) == []


def test_a_mismatched_pair_of_files_is_caught():
    """End to end on two small files that disagree in one range and one package."""
    pyproject = tomllib.loads('[project]\nname = "x"\ndependencies = ["numpy>=1.26,<3", "Jupyter_Client>=8"]\n'
                              '[project.optional-dependencies]\ndev = ["pytest>=8"]\n')
    environment = yaml.safe_load("dependencies:\n  - python >=3.10\n  - pip\n  - numpy >=1.26,<2\n"
                                 "  - jupyter-client >=8\n  - pip:\n      - -e .\n      - pytest-cov >=5\n")
    assert disagreements(pip_requirements(pyproject), conda_requirements(environment)) == [
        "pytest is in pyproject.toml (>=8) but not in environment.yml",
        "pytest-cov is in environment.yml (>=5) but not in pyproject.toml",
        "numpy: pyproject.toml says '<3,>=1.26', environment.yml says '<2,>=1.26'",
    ]


@pytest.mark.parametrize("text, name, spec", [
    ("numpy >=1.26,<3", "numpy", ">=1.26,<3"),
    ("numpy>=1.26, <3", "numpy", ">=1.26,<3"),
    ("PyYAML >=6", "pyyaml", ">=6"),
    ("jupyter_client", "jupyter-client", ""),
    ("nbgrader =0.9", "nbgrader", "==0.9.*"),
    ("nbgrader 0.9.*", "nbgrader", "==0.9.*"),
    ("nbgrader 0.9.3", "nbgrader", "==0.9.3"),
    ("nbgrader ==0.9.3", "nbgrader", "==0.9.3"),
    ("python >=3.10", "python", ">=3.10"),
])
def test_conda_specs_are_converted_to_pep_440(text, name, spec):
    """Conda's spellings become the PEP 440 specifier that accepts the same versions."""
    assert conda_spec(text) == (name, SpecifierSet(spec))


@pytest.mark.parametrize("text", ["numpy >=1.26|<1.20", "numpy 1.26 py311_0[build]", ">=1.0"])
def test_conda_specs_without_a_pip_equivalent_are_refused(text):
    """Alternatives, build strings and a missing name are errors, not silently dropped."""
    with pytest.raises(ValueError):
        conda_spec(text)


def test_the_slow_files_that_make_test_starts_first_exist():
    """conftest.SLOW_FIRST names test files by path: a renamed file would silently lose its place."""
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("root_conftest", root / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    missing = [path for path in conftest.SLOW_FIRST if not (root / path).is_file()]
    assert not missing, f"conftest.SLOW_FIRST names files that do not exist: {missing}"
    assert len(set(conftest.SLOW_FIRST)) == len(conftest.SLOW_FIRST)
    assert "--no-loadscope-reorder" in (root / "Makefile").read_text(encoding="utf-8"), (
        "without --no-loadscope-reorder xdist orders files by their number of tests and ignores SLOW_FIRST")
