"""hwq.verify and `hwq verify`: the whole proof as one call and one command — a table, JUnit XML, a non-zero exit
status on a mismatch, and the evidence of a failure (the failing inputs, simulate's value of every node, the
backend's outputs) in a folder."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from support.graphs import random_mlp
from test_lower import qdense, small_model

from hwq.backends.hls import HLSProject
from hwq.cli import main as cli_main
from hwq.qkeras import quantized_relu
from hwq.verify import verify


@pytest.fixture(scope="module")
def graph():
    return random_mlp(np.random.default_rng(41), depth=2)


def test_verify_passes_and_writes_junit(graph, tmp_path: Path) -> None:
    result = verify(graph, backends=["vitis", "catapult"], inputs=2000, workdir=tmp_path / "prj")
    assert result.passed and result.failures is None
    assert [c.target for c in result.checks] == ["vitis", "catapult"]
    assert all(c.samples == 2000 and c.mismatches == 0 and c.build_seconds > 0 for c in result.checks)
    assert "PASS" in result.table() and "catapult" in result.table()
    suite = ET.parse(result.write_junit(tmp_path / "junit.xml")).getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "0"
    assert (tmp_path / "prj" / "vitis" / "graph.json").is_file()


def test_a_mismatch_fails_and_leaves_its_evidence(graph, tmp_path: Path, monkeypatch) -> None:
    """A C-sim that is wrong in one output element of every 7th sample."""
    real = HLSProject.predict

    def broken(self, x):
        y = np.array(real(self, x))
        y[::7, 0] += 1.0
        return y

    monkeypatch.setattr(HLSProject, "predict", broken)
    result = verify(graph, backends=["vitis"], inputs=700, workdir=tmp_path / "prj")
    assert not result.passed and result.checks[0].mismatches == 100
    assert "FAIL" in result.table()
    folder = result.failures / "vitis"
    assert np.array_equal(np.load(folder / "indices.npy"), np.arange(0, 16 * 7, 7))
    values = np.load(folder / "simulate_values.npz")
    assert set(values.files) == {"x", *(n.output.name for n in graph.nodes)}
    got, want = np.load(folder / "got.npz"), np.load(folder / "expected.npz")
    out = graph.outputs[0]
    assert np.all(got[out][:, 0] == want[out][:, 0] + 1.0) and np.array_equal(values[out], want[out])
    suite = ET.parse(result.write_junit(tmp_path / "junit.xml")).getroot()
    assert suite.get("failures") == "1" and suite.find("testcase/failure") is not None


def test_cli_verify_exit_status_and_quiet_tensorflow(tmp_path: Path) -> None:
    """On a Keras model: Keras == simulate == vitis; TensorFlow's start-up lines do not reach the terminal."""
    model = small_model(qdense(activation=quantized_relu(6, 0)), qdense(units=2, name="out"))
    model.set_weights([np.random.default_rng(0).normal(size=w.shape) for w in model.get_weights()])
    path = tmp_path / "m.keras"
    model.save(path)
    done = subprocess.run([sys.executable, "-m", "hwq.cli", "verify", str(path), "--backends", "vitis", "--inputs",
                           "1000", "--junit", str(tmp_path / "j.xml"), "--no-progress"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "keras" in done.stdout and "PASS" in done.stdout
    assert "oneDNN" not in done.stderr and "absl" not in done.stderr, done.stderr
    x = np.random.default_rng(1).uniform(-1, 1, size=(50, 3))
    np.save(tmp_path / "x.npy", x)
    assert cli_main(["verify", str(path), "--backends", "vitis", "--data", str(tmp_path / "x.npy")]) == 1  # shape


def test_verify_a_project_on_disk_catches_a_hand_edit(graph, tmp_path: Path) -> None:
    """`hwq verify DIR`: the project as it is on disk against its own IR and its stored vectors."""
    import hwq
    from hwq.verify import verify_project

    prj = hwq.emit(graph, tmp_path / "prj", backend="catapult")
    assert verify_project(prj.path, inputs=1000).passed
    params = prj.path / "firmware" / f"{prj.top}_params.h"
    text = params.read_text()
    first = text.index("{", text.index("kernel_mantissa")) + 1
    first = text.index("{", first) + 1 if text[first:].lstrip().startswith("{") else first
    end = text.index(",", first)
    params.write_text(text[:first] + str(-int(text[first:end])) + text[end:])  # the first weight negated
    result = verify_project(prj.path, inputs=1000)
    assert not result.passed
    rows = {(c.target, c.against): c.mismatches for c in result.checks}
    assert rows[("simulate", "record")] == 0 and rows[("catapult", "record")] > 0 and rows[("catapult", "simulate")] > 0
    assert cli_main(["verify", str(prj.path), "--inputs", "500"]) == 1


def test_verify_against_a_record_reports_a_changed_model(graph, tmp_path: Path) -> None:
    import copy

    import hwq
    from hwq.verify import verify_against

    record = hwq.emit(graph, tmp_path / "record", backend="vitis").path
    assert verify_against(graph, record, backends=["catapult"]).passed
    changed = copy.deepcopy(graph)
    kernel = changed.nodes[0].params["kernel"]
    kernel.mantissa.flat[0] = kernel.type.max_mantissa if kernel.mantissa.flat[0] != kernel.type.max_mantissa \
        else kernel.type.min_mantissa
    result = verify_against(changed.validate(), record, backends=["catapult"])
    assert not result.passed and all(c.mismatches > 0 for c in result.checks)


@pytest.mark.slow
def test_a_verilog_mismatch_leaves_a_waveform_of_the_failing_inputs(graph, tmp_path: Path, monkeypatch) -> None:
    from hwq.backends.verilog import VerilogProject

    real = VerilogProject.predict

    def broken(self, x):
        y = np.array(real(self, x))
        y[3, 0] += 1.0
        return y

    monkeypatch.setattr(VerilogProject, "predict", broken)
    result = verify(graph, backends=["verilog"], inputs=300, workdir=tmp_path / "prj")
    assert not result.passed and result.checks[0].mismatches == 1
    wave = (result.failures / "verilog" / "waveform.vcd").read_text()
    assert wave.startswith("$version") and "in_valid" in wave
    # exactly the one failing vector: a time step after the first settle, two per reset clock and per vector clock
    steps = [line for line in wave.splitlines() if line.startswith("#")]
    assert len(steps) == 1 + 2 * 2 + 2 * 1, steps


@pytest.mark.slow
def test_verify_dir_catches_an_edited_verilog_constant_and_writes_a_waveform(tmp_path: Path) -> None:
    """One constant of the emitted Verilog changed by hand: `hwq verify DIR` exits 1 with its table and leaves a
    waveform of the failing inputs; the intact project exits 0. (A dense layer's accumulator as the output: no
    saturation can hide the change.)"""
    import re

    import hwq
    from hwq.fixed import FixedType
    from hwq.ir import Graph, IntTensor, Value
    from hwq.ir.build import dense_node

    rng = np.random.default_rng(3)
    x = Value("x", (4,), FixedType(8, 3, True))
    w = FixedType(6, 1, True)
    dense = dense_node("d", x, IntTensor(rng.integers(-32, 32, size=(4, 3)), w),
                       IntTensor(rng.integers(-32, 32, size=3), w), "y")
    prj = hwq.emit(Graph("edit", [x], [dense], ["y"]).validate(), tmp_path / "prj", backend="verilog",
                   io="parallel")
    assert cli_main(["verify", str(prj.path), "--inputs", "500"]) == 0
    offset = re.compile(r"\+ (\d+)'([dh])([0-9a-f]+);")  # an output's constant offset, `+ 15'h72a2;`
    module = next(p for p in (prj.path / "rtl").glob("*.v") if offset.search(p.read_text()))
    text = module.read_text()
    found = offset.search(text)
    width, value = int(found.group(1)), int(found.group(3), 16 if found.group(2) == "h" else 10)
    changed = f"+ {width}'h{value ^ (1 << (width - 2)):x};"  # its second highest bit flipped
    module.write_text(text[:found.start()] + changed + text[found.end():])
    from hwq.verify import verify_project

    result = verify_project(prj.path, inputs=500)
    assert not result.passed and "FAIL" in result.table()
    assert (result.failures / "verilog" / "waveform.vcd").read_text().startswith("$version")
    assert cli_main(["verify", str(prj.path), "--inputs", "500"]) == 1
