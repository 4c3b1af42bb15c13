"""`pip install .` (not only editable) works: the wheel carries every template and testbench, and an
installed hwq emits projects from its own copies."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_templates_and_testbenches(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), str(REPO)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("hwq-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, package in (("templates", "hwq/_templates"), ("sim", "hwq/_testbenches")):
        for f in (REPO / folder).rglob("*"):
            if f.is_file() and "__pycache__" not in f.parts:
                assert f"{package}/{f.relative_to(REPO / folder).as_posix()}" in names, f

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    script = (
        "import hwq, hwq.resources as r, numpy as np\n"
        "from hwq.fixed import FixedType\n"
        "from hwq.ir import Graph, Value\n"
        "from hwq.ir.build import quantize_node\n"
        f"assert hwq.__file__.startswith({str(target)!r}), hwq.__file__\n"
        f"assert str(r.templates_dir()).startswith({str(target)!r})\n"
        "assert (r.testbench_dir() / 'hwq_stream.py').is_file()\n"
        "x = Value('x', (2,), FixedType(6, 2, True))\n"
        "g = Graph('g', [x], [quantize_node('q', x, FixedType(4, 1, True, 'RND', 'SAT'), 'y')], ['y'])\n"
        f"hwq.emit(g, {str(tmp_path / 'v')!r}, backend='verilog')\n"
        f"hwq.emit(g, {str(tmp_path / 'c')!r}, backend='catapult')\n"
    )
    # the installed copy first on the path, run from a folder without the checkout in it
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
                              "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "v" / "rtl" / "g.v").is_file() and (tmp_path / "c" / "firmware" / "g.cpp").is_file()
