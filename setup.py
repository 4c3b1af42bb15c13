"""Ships the top-level templates/ and sim/ folders inside the wheel as hwq._templates and hwq._testbenches.

Everything else about the package is declared in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["hwq", "hwq.*"]) + ["hwq._templates", "hwq._testbenches"],
    package_dir={"hwq._templates": "templates", "hwq._testbenches": "sim"},
    package_data={"hwq": ["py.typed"], "hwq._templates": ["**/*"], "hwq._testbenches": ["**/*"]},
)
