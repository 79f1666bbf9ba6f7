"""The layering of DESIGN.md, the public surface, and settings that are documented."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import multitude
from multitude.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def test_layers_hold_adapters_depend_inwards_and_the_core_is_pure() -> None:
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def _modules() -> list[str]:
    return [info.name for info in pkgutil.walk_packages(multitude.__path__, "multitude.")]


def test_every_module_names_its_public_surface_and_every_name_exists() -> None:
    for name in _modules():
        module = importlib.import_module(name)
        if name.endswith("__init__") or not hasattr(module, "__all__"):
            assert module.__doc__, f"{name} has neither __all__ nor a docstring"
            continue
        missing = [symbol for symbol in module.__all__ if not hasattr(module, symbol)]
        assert not missing, f"{name}.__all__ names what it lacks: {missing}"


def test_every_module_says_what_lives_in_it() -> None:
    undocumented = [name for name in _modules() if not importlib.import_module(name).__doc__]
    assert undocumented == []


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS:
        assert setting.env in readme, f"{setting.env} is not documented in README.md"
