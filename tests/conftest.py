"""Suite-wide options: broad sweeps run only when asked (--sweep)."""

import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_addoption(parser):
    parser.addoption("--sweep", action="store_true", help="also run the broad randomized sweeps (minutes)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--sweep"):
        return
    skip = pytest.mark.skip(reason="broad sweep: run with --sweep (make test PYTEST_ARGS=--sweep)")
    for item in items:
        if "sweep" in item.keywords:
            item.add_marker(skip)
