"""binder/ must install exactly what the project declares, pinned, on the stated Python."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _binder_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert "==" in line, f"binder/requirements.txt must pin exact versions: {line!r}"
        name, version = line.split("==", 1)
        pins[_name(name)] = version.strip()
    return pins


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_binder_pins_every_runtime_dependency_and_nothing_else():
    project = _project()
    declared = {_name(r) for r in project["dependencies"]}
    declared |= {_name(r) for r in project["optional-dependencies"]["voila"]}
    assert set(_binder_pins()) == declared


def test_binder_pins_satisfy_the_declared_ranges():
    from packaging.requirements import Requirement

    pins = _binder_pins()
    project = _project()
    for req in [*project["dependencies"], *project["optional-dependencies"]["voila"]]:
        r = Requirement(req)
        assert r.specifier.contains(pins[_name(r.name)], prereleases=True), (
            f"binder pins {r.name}=={pins[_name(r.name)]}, outside pyproject's {r.specifier}"
        )


def test_binder_python_matches_requires_python():
    from packaging.specifiers import SpecifierSet

    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, f"binder/runtime.txt must read python-X.Y, got {runtime!r}"
    assert SpecifierSet(_project()["requires-python"]).contains(match.group(1) + ".0")


def test_binder_postbuild_installs_the_package_without_resolving_again():
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install --no-deps ." in post


def test_readme_badge_opens_the_quickstart_notebook():
    readme = (ROOT / "README.md").read_text()
    assert "mybinder.org/v2/" in readme
    assert "urlpath=lab/tree/notebooks/01_quickstart.ipynb" in readme
