"""Packaging: pyproject.toml and the pinned requirements files say the same (no drift)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from monitor.cli import main

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def requirement_lines(name: str) -> list[str]:
    """The requirement lines of a requirements file: no comments, no `-r` includes."""
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [
        ln.split("#")[0].strip()
        for ln in lines
        if ln.split("#")[0].strip() and not ln.strip().startswith("-")
    ]


def test_run_time_requirements_are_the_declared_dependencies() -> None:
    assert requirement_lines("requirements.txt") == PYPROJECT["project"]["dependencies"]


def test_dev_requirements_are_the_dev_extra() -> None:
    dev = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert "-r requirements.txt" in dev.splitlines()
    expected = PYPROJECT["project"]["optional-dependencies"]["dev"]
    assert requirement_lines("requirements-dev.txt") == expected


def test_console_script_is_python_m_monitor() -> None:
    target = PYPROJECT["project"]["scripts"]["portalcrawl"]
    module, _, attr = target.partition(":")
    assert (module, attr) == (main.__module__, main.__name__)


def test_site_profiles_ship_as_package_data() -> None:
    data = PYPROJECT["tool"]["setuptools"]["package-data"]["portalcrawl.site"]
    profiles = sorted((ROOT / "portalcrawl" / "site").glob("profiles/*.toml"))
    assert profiles
    assert all(any(p.relative_to(p.parent.parent).match(g) for g in data) for p in profiles)


def test_every_package_directory_is_a_regular_package() -> None:
    """setuptools finds packages by their __init__.py: a folder without one would not install."""
    for top in ("portalcrawl", "monitor"):
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]:
            if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py")):
                assert (folder / "__init__.py").exists(), folder


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("The tests (what `.ci/run` runs", 1)[1].split("```sh\n", 1)[1]
    command = block.split("\n", 1)[0].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1].strip() == command
