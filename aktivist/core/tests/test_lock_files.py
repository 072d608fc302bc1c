"""The lock files (`make lock`) agree with pyproject.toml: every pinned dependency appears
in them at the same version, and every package they install is pinned with its hashes.
A pin changed in pyproject.toml without `make lock` fails here, not on a new machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(*groups: str) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found: dict[str, str] = {}
    lines = list(project["dependencies"])
    for group in groups:
        lines += project["optional-dependencies"][group]
    for line in lines:
        match = PIN.match(line)
        assert match, f"not pinned with ==: {line}"
        found[normalise(match.group(1))] = match.group(2)
    return found


def locked(name: str) -> dict[str, list[str]]:
    """Each package of a lock file with the lines that follow its pin (hashes, comments)."""
    packages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (ROOT / name).read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = packages.setdefault(f"{normalise(match.group(1))}=={match.group(2)}", [])
        elif line.startswith("    ") and current is not None:
            current.append(line.strip())
    return packages


@pytest.mark.parametrize(
    ("lock_file", "groups"), [("requirements.txt", ()), ("requirements-dev.txt", ("dev",))]
)
def test_every_pin_of_pyproject_is_in_the_lock_file_at_its_version(lock_file, groups):
    packages = locked(lock_file)
    missing = [
        f"{name}=={version}"
        for name, version in declared(*groups).items()
        if f"{name}=={version}" not in packages
    ]
    assert not missing, f"run `make lock`: {lock_file} lacks {missing}"


@pytest.mark.parametrize("lock_file", ["requirements.txt", "requirements-dev.txt"])
def test_every_locked_package_carries_its_hashes(lock_file):
    packages = locked(lock_file)
    assert len(packages) > 40
    unhashed = [pin for pin, lines in packages.items() if not any("--hash=" in x for x in lines)]
    assert not unhashed


def test_the_lock_files_name_no_machine_paths():
    for name in ("requirements.txt", "requirements-dev.txt"):
        text = (ROOT / name).read_text()
        assert "file://" not in text and "--find-links" not in text, name


def test_production_does_not_install_the_test_tools():
    production = {pin.split("==")[0] for pin in locked("requirements.txt")}
    for tool in ("pytest", "ruff", "mypy", "playwright", "hypothesis"):
        assert tool not in production
