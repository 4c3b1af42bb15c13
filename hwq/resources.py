"""Where the Jinja templates and cocotb testbenches are, installed or in a source checkout."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def templates_dir() -> Path:
    return _package_dir("hwq._templates", "templates")


def testbench_dir() -> Path:
    return _package_dir("hwq._testbenches", "sim")


def _package_dir(package: str, checkout_folder: str) -> Path:
    try:
        return Path(str(importlib.resources.files(package)))
    except ModuleNotFoundError:  # running from a source checkout that was not pip-installed
        return _REPO / checkout_folder
