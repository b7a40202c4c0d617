"""constraints.txt pins the tested versions; they must satisfy what pyproject.toml declares."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^\s=]+", line), (
            f"constraints.txt must hold only exact 'name==version' pins: {line!r}"
        )
        name, version = line.split("==", 1)
        Version(version)  # a real version, not a URL or a path
        assert canonicalize_name(name) not in pins, f"{name} pinned twice"
        pins[canonicalize_name(name)] = version
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [*project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        reqs.extend(extra)
    return [Requirement(r) for r in reqs]


def test_every_declared_dependency_is_pinned_within_its_range():
    pins = _pins()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared in pyproject.toml but not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject's {req.specifier}"
        )


def test_the_test_command_and_ci_install_with_the_constraints():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    test_command = re.findall(r"```bash\n(.*?)```", section, flags=re.S)[1].strip()
    assert "-c constraints.txt" in test_command
    assert test_command in (ROOT / ".ci" / "run").read_text().splitlines()
    assert "pip freeze --exclude-editable > constraints.txt" in readme  # how to regenerate


def test_the_package_itself_is_not_pinned():
    assert "nv12-widgets" not in _pins()
