"""Three-word adders (hwq.scalar.ternary, templates/verilog/rtl/hwq_add3.v): the fusion plan, its price, the two
bodies of hwq_add3 proven equal, and designs printed with them equal to simulate.

hwq_add3 has two bodies: Xilinx LUT6_2 and CARRY4 cells (what synthesis sees) and the same arithmetic word-wide
(what Verilator compiles, fast). Yosys' SAT solver proves them equal for every parameter set a random MLP's design
uses and for the corner cases; a slow test runs a design through Verilator with the cells themselves
(HWQ_ADD3_CELLS, sim/xilinx_cells.v modelling them) and compares it with simulate.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from support.graphs import random_mlp

import hwq
from hwq.backends.verilog import VerilogProject
from hwq.cmvm import constant_matrix_program
from hwq.hardware_cost import estimate
from hwq.hardware_cost.yosys import native_yosys, synthesise, yosys_available
from hwq.resources import templates_dir
from hwq.scalar import ternary
from hwq.scalar.excess import add_terms, excess_form, lut_bits

ADD3 = templates_dir() / "verilog" / "rtl" / "hwq_add3.v"
CELLS = templates_dir() / "verilog" / "sim" / "xilinx_cells.v"
INSTANCE = re.compile(r"hwq_add3 #\((?P<params>.*?)\) \w+_add \(")


def _program(seed: int = 0):
    rng = np.random.default_rng(seed)
    matrix = rng.integers(-63, 64, size=(12, 10))
    return constant_matrix_program(matrix, [(-(1 << 11), (1 << 11) - 1)] * 12, 0, list(rng.integers(-99, 99, 10)))


def _mlp(seed: int = 3):
    graph = random_mlp(np.random.default_rng(seed), max_bits=10, depth=3)
    graph.name = f"mlp_{seed}"
    return graph


def test_a_fused_add_absorbs_a_sum_only_it_reads() -> None:
    program = _program()
    words = excess_form(program)
    fused = ternary.plan(program, words)
    assert fused, "a dense 12x10 matrix has adds to fuse"
    readers = [a for k in words for a in program.steps[k].args] + [o.step for o in program.outputs]
    for k, child in fused.items():
        term = next(t for t in add_terms(program, k, words) if t.step == child)
        assert not term.complement and readers.count(child) == 1 and child not in fused
    assert len(set(fused.values())) == len(fused)
    assert ternary.lut_bits(program, words, fused) < 0.85 * lut_bits(program, words)


def test_fusions_stay_inside_a_pipeline_stage() -> None:
    program = _program()
    words = excess_form(program)
    assert ternary.plan(program, words, list(range(len(program.steps)))) == {}  # every step a stage of its own
    assert ternary.plan(program, words, [0] * len(program.steps)) == ternary.plan(program, words)


def test_the_layout_holds_the_three_words() -> None:
    program = _program(1)
    words = excess_form(program)
    for k, child in ternary.plan(program, words).items():
        layout = ternary.layout(program, k, child, words)
        tops = [min(layout.width, t.shift + words[t.step].width) for t in layout.terms]
        assert tops[0] == max(tops)  # the top word first: only its bits pass above the LUTs
        assert layout.low + layout.luts <= layout.width
        shifts = sorted(t.shift for t in layout.terms)
        assert shifts[0] <= layout.low <= shifts[1]  # below `low` the lowest word alone: its bits are wires


def test_the_layout_check_catches_a_corrupted_layout() -> None:
    """Every printed three-word adder is checked: a LUT region cut short (a lower word's top bits dropped), one too
    long for the word, and a low part two words share are caught."""
    from dataclasses import replace

    from hwq.scalar import CheckError

    program = _program(2)
    words = excess_form(program)
    k, child = next(iter(ternary.plan(program, words).items()))
    layout = ternary.layout(program, k, child, words)
    ternary.check_layout(layout, words)
    with pytest.raises(CheckError, match="past its LUT region"):
        ternary.check_layout(replace(layout, luts=layout.luts - 2), words)
    with pytest.raises(CheckError, match="leave its"):
        ternary.check_layout(replace(layout, luts=layout.width - layout.low + 1), words)
    lowest = min(layout.terms, key=lambda t: t.shift)
    if lowest.shift + 1 < layout.width:
        wrong = replace(layout, low=max(t.shift for t in layout.terms) + 1, luts=0)
        with pytest.raises(CheckError):
            ternary.check_layout(wrong, words)


def test_the_binary_form_prints_no_cells(tmp_path: Path) -> None:
    graph = _mlp()
    ternary_prj = hwq.emit(graph, tmp_path / "t", backend="verilog")
    binary_prj = hwq.emit(graph, tmp_path / "b", backend="verilog", adders="binary")
    nodes = [p for p in binary_prj.sources if p.name not in ("hwq_add3.v",)]
    assert not any("hwq_add3 #(" in p.read_text() for p in nodes)
    assert any("hwq_add3 #(" in p.read_text() for p in ternary_prj.sources)
    assert estimate(graph, adders="ternary").luts < estimate(graph, adders="binary").luts
    with pytest.raises(ValueError, match="adders='quaternary': choose one of ternary, binary"):
        hwq.emit(graph, tmp_path / "x", backend="verilog", adders="quaternary")


def _parameter_sets(tmp_path: Path) -> list[str]:
    prj = hwq.emit(_mlp(), tmp_path / "params", backend="verilog")
    found = {m.group("params") for p in prj.sources for m in INSTANCE.finditer(p.read_text())}
    corners = [".W(1), .L(1)", ".W(1), .L(0)", ".W(5), .L(5), .NA(5'h1f), .NB(5'h1f), .NC(5'h1f)",
               ".W(9), .L(3), .NA(9'h1f0)", ".W(13), .L(0)", ".W(8), .L(8), .NB(8'h0f), .NC(8'hf0)"]
    return sorted(found) + corners


@pytest.mark.skipif(not native_yosys(), reason="a SAT proof over many designs wants native Yosys")
def test_the_word_wide_body_equals_the_cells(tmp_path: Path) -> None:
    """Both bodies in one design, each parameter set twice, proven equal for every input by Yosys' SAT solver."""
    source = ADD3.read_text()
    word_wide = source.replace("module hwq_add3", "module hwq_add3_word_wide").replace(
        "`ifdef HWQ_ADD3_WORDWIDE", "`ifndef HWQ_ADD3_NEVER")
    sets = _parameter_sets(tmp_path)
    modules, proofs = [], []
    for n, params in enumerate(sets):  # one small proof per parameter set: together they would be one hard one
        w = int(re.search(r"\.W\((\d+)\)", params).group(1))
        modules.append(f"module pair{n}(input [{w - 1}:0] a, input [{w - 1}:0] b, input [{w - 1}:0] c, output ok);\n"
                       f"    wire [{w - 1}:0] y, z;\n"
                       f"    hwq_add3 #({params}) cells (.a(a), .b(b), .c(c), .y(y));\n"
                       f"    hwq_add3_word_wide #({params}) word (.a(a), .b(b), .c(c), .y(z));\n"
                       f"    assign ok = y == z;\nendmodule\n")
        proofs.append(f"sat -prove ok 1 -verify pair{n}")
    (tmp_path / "add3.v").write_text(source)
    (tmp_path / "add3_word_wide.v").write_text(word_wide)
    (tmp_path / "pairs.v").write_text("\n".join(modules))
    script = (f"read_verilog add3.v add3_word_wide.v pairs.v {CELLS}; hierarchy; proc; flatten; opt; "
              + "; ".join(proofs))
    run = subprocess.run([native_yosys(), "-q", "-p", script], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert len(sets) > 10


@pytest.mark.skipif(not yosys_available(), reason="no Yosys")
def test_yosys_maps_three_words_to_one_lut_per_bit(tmp_path: Path) -> None:
    (tmp_path / "top.v").write_text(
        "module top(input [15:0] a, input [15:0] b, input [15:0] c, output [17:0] y);\n"
        "    hwq_add3 #(.W(18), .L(17), .NB(18'h0ffff)) s (.a({2'b0, a}), .b({2'b0, b}), .c({2'b0, c}), .y(y));\n"
        "endmodule\n")
    cells = synthesise([ADD3, tmp_path / "top.v"], "top").cells
    assert cells.get("LUT6_2") == 17 and cells.get("CARRY4") == 5
    assert sum(v for k, v in cells.items() if k.startswith("LUT")) == 17


class _WithCells(VerilogProject):
    """The project simulated with hwq_add3's cells (HWQ_ADD3_CELLS) instead of its word-wide body."""

    @property
    def sim_sources(self) -> list[Path]:
        define = self.path / "sim" / "cells.vh"
        define.write_text("`define HWQ_ADD3_CELLS\n")
        return [define, *super().sim_sources]


@pytest.mark.slow
@pytest.mark.xdist_group("verilator")
def test_a_design_with_the_cells_equals_simulate(tmp_path: Path) -> None:
    graph = _mlp()
    x = np.random.default_rng(9).uniform(-8, 8, (3000, graph.inputs[0].size)).astype(np.float32)
    want = graph.simulate(x)
    prj = hwq.emit(graph, tmp_path / "cells", backend="verilog")
    prj.__class__ = _WithCells
    assert "`define HWQ_ADD3_CELLS" in prj.sim_sources[0].read_text()
    assert np.array_equal(prj.compile().predict(x), want)
    binary = hwq.emit(graph, tmp_path / "binary", backend="verilog", adders="binary")
    assert np.array_equal(binary.compile().predict(x), want)
