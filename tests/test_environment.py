"""pyproject.toml and environment.yml name the same packages (the pip and conda routes agree)."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_and_pyproject_list_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert set(extras) == {"test", "dev"}
    pip_names = {_name(s) for s in project["dependencies"]} | {_name(s) for group in extras.values() for s in group}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_names = {_name(s) for s in env["dependencies"] if isinstance(s, str)} - {"python", "pip"}
    assert pip_names == conda_names


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
