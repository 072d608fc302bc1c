"""`make lint` holds the apps to their layers (pyproject.toml's import-linter contract,
docs/architecture.md): an import from a higher layer fails it, at module level or inside
a function. Run on a copy of the package with one import planted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("layers")
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    shutil.copytree(
        ROOT / "aktivist",
        tree / "aktivist",
        ignore=shutil.ignore_patterns("static", "locale", "fonts", "templates", "__pycache__"),
    )
    return tree


def plant(tree: Path, name: str, source: str) -> Path:
    planted = tree / "aktivist" / "core" / f"{name}.py"
    planted.write_text(source)
    return planted


def test_the_layers_hold_as_committed(package_copy):
    result = lint_imports(package_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Aktivist layers KEPT" in result.stdout


@pytest.mark.parametrize(
    "source",
    [
        "from aktivist.urgent.models import UrgentCase  # noqa: F401\n",
        "def later():\n    from aktivist.mobilization import outbox  # noqa: F401\n",
    ],
    ids=["at module level", "inside a function"],
)
def test_an_import_from_a_higher_layer_fails_lint(package_copy, source):
    planted = plant(package_copy, "planted_upward", source)
    try:
        result = lint_imports(package_copy)
    finally:
        planted.unlink()
    assert result.returncode != 0
    assert "aktivist.core.planted_upward ->" in result.stdout
    assert "BROKEN" in result.stdout


def test_an_import_from_a_lower_layer_is_allowed(package_copy):
    planted = plant(package_copy, "planted_downward", "from aktivist.lib import slugs  # noqa\n")
    try:
        result = lint_imports(package_copy)
    finally:
        planted.unlink()
    assert result.returncode == 0, result.stdout


def test_a_new_app_without_a_layer_fails_lint(package_copy):
    app = package_copy / "aktivist" / "unplaced"
    app.mkdir()
    (app / "__init__.py").write_text("")
    try:
        result = lint_imports(package_copy)
    finally:
        shutil.rmtree(app)
    assert result.returncode != 0
    assert "aktivist.unplaced" in result.stdout
